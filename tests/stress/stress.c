/*
 * stress.c: the C ABI under sustained concurrent load, and the faults only C
 * can inject.
 *
 *   stress [EVENTS_PER_PRODUCER [PRODUCERS [SEED]]]
 *
 * Defaults: 250000 events from each of 4 producers. `stress 5000` is the small
 * mode for valgrind and the sanitizers.
 *
 * Faults first (before any thread exists): UTF-8 that Rust strings cannot hold
 * (encoded surrogates, overlong forms, code points past U+10FFFF) in every
 * string argument; control and line-separator characters through
 * audit_event_to_json and the export, parsed back by import; lone surrogate
 * escapes; /dev/full; callbacks that use the logger from inside (query,
 * export, import, get, subscribe, flush); queued callbacks stuck while several
 * threads log, under each overflow policy.
 *
 * Then the stress run. Producers log their events while racer threads pick
 * operations at random: filtered queries (results checked against the filter,
 * strictly increasing seqs, within capacity), recent, get, exports to a string
 * (some re-imported into a scratch logger) and to a file, query_json, imports,
 * and subscription churn (synchronous and queued with every overflow policy,
 * random queue sizes). Subscribers of both modes are registered for the whole
 * run. Afterwards:
 *   - every producer got strictly increasing seqs; no seq was handed out twice;
 *   - appended == logged + imported == count + evicted, count <= capacity, and
 *     the ring holds the newest events, contiguous;
 *   - the whole-run synchronous ledger saw every logged event exactly once,
 *     with the content its producer logged under that seq, and nothing else;
 *   - a whole-run subscriber failing on purpose has every failure counted;
 *   - each whole-run queued subscriber (one per policy), after audit_flush:
 *     delivered + dropped == events logged, delivered == calls seen, no
 *     duplicates, each producer's events in order;
 *   - each churned subscription: its calls carry seqs logged before it ended,
 *     at most one per producer from before it began (an event in flight), and
 *     number at most the events logged meanwhile plus one per producer, as do
 *     delivered + dropped read just before unsubscribing; each producer's
 *     events arrive in order; free_ctx ran exactly once, after its last call.
 * Prints a `stress:` line of figures and then "N passed, M failed".
 */
#define _XOPEN_SOURCE 700

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit_logger.h"
#include "../c/check.h"
#include "../c/churn.h"

#define MAX_PRODUCERS 16
#define RACERS 3
#define CAPACITY 4096
#define IMPORT_EVENTS 4   /* events in the document racers import */
#define MAX_IMPORTS 2000  /* imports per run, so seqs stay bounded */
#define MAX_LIVE_CHURNED 4 /* churned subscriptions alive per racer */

static const uint32_t severities[4] = {AUDIT_SEVERITY_INFO, AUDIT_SEVERITY_WARNING,
                                       AUDIT_SEVERITY_ERROR, AUDIT_SEVERITY_CRITICAL};

/* ================================================================ helpers */

static uint64_t next_random(uint64_t *state) { /* xorshift64* */
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * UINT64_C(2685821657736338717);
}

static void sleep_micros(long micros) {
    struct timespec delay = {micros / 1000000, (micros % 1000000) * 1000};
    nanosleep(&delay, NULL);
}

/* The producer index in an actor "producer-N", or -1. */
static int producer_of(const char *actor) {
    if (strncmp(actor, "producer-", 9) != 0) {
        return -1;
    }
    char *end;
    unsigned long p = strtoul(actor + 9, &end, 10);
    return *end == '\0' && p < MAX_PRODUCERS ? (int)p : -1;
}

/* Characters that could break a record across lines: raw bytes below 0x20,
 * DEL, and the UTF-8 of U+0085, U+2028 and U+2029. In a pretty document a
 * newline outside string literals is layout and allowed. */
static size_t raw_line_breakers(const char *doc, int pretty) {
    size_t bad = 0;
    int in_string = 0, escaped = 0;
    for (const unsigned char *p = (const unsigned char *)doc; *p != '\0'; p++) {
        unsigned c = *p;
        if (c == 0x7f || (c == 0xc2 && p[1] == 0x85) ||
            (c == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))) {
            bad++;
        } else if (c < 0x20) {
            bad += !(pretty && !in_string && c == '\n');
        } else if (in_string) {
            if (escaped) {
                escaped = 0;
            } else if (c == '\\') {
                escaped = 1;
            } else if (c == '"') {
                in_string = 0;
            }
        } else if (c == '"') {
            in_string = 1;
        }
    }
    return bad;
}

/* Writes `s` as a JSON string literal with only the escapes JSON requires, so
 * DEL, U+0085, U+2028 and U+2029 reach the library raw. */
static void json_quote(char *out, size_t size, const char *s) {
    size_t n = 0;
    out[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && n + 8 < size; p++) {
        if (*p == '"' || *p == '\\') {
            out[n++] = '\\';
            out[n++] = (char)*p;
        } else if (*p < 0x20) {
            n += (size_t)snprintf(out + n, size - n, "\\u%04x", *p);
        } else {
            out[n++] = (char)*p;
        }
    }
    out[n++] = '"';
    out[n] = '\0';
}

static uint64_t count_in(const char *haystack, const char *needle) {
    uint64_t n = 0;
    size_t length = strlen(needle);
    for (size_t at = 0; haystack[at] != '\0'; at++) {
        n += haystack[at] == needle[0] && strncmp(haystack + at, needle, length) == 0;
    }
    return n;
}

static int file_equals(const char *path, const char *text) {
    FILE *f = fopen(path, "rb");
    size_t length = strlen(text), at = 0, n;
    char buf[8192];
    int same = f != NULL;
    while (same && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        same = at + n <= length && memcmp(buf, text + at, n) == 0;
        at += n;
    }
    if (f != NULL) {
        fclose(f);
    }
    return same && at == length;
}

static AuditLogger *new_logger(size_t capacity) {
    AuditLogger *logger = NULL;
    CHECK_STATUS(audit_logger_new(capacity, &logger), AUDIT_OK);
    return logger;
}

static char *export_string(const AuditLogger *logger) {
    char *doc = NULL;
    CHECK_STATUS(audit_export_json(logger, NULL, &doc), AUDIT_OK);
    return doc;
}

/* The logger still holds exactly the document `before` (and appended is `appended`). */
static int logger_unchanged(const AuditLogger *logger, const char *before, uint64_t appended) {
    char *now = export_string(logger);
    int same = now != NULL && strcmp(now, before) == 0 && audit_logger_appended(logger) == appended;
    audit_string_free(now);
    return same;
}

static unsigned long faults_injected;

/* ================================================================ faults */

/* Byte sequences that are not UTF-8; Rust strings cannot hold them, so only a C
 * caller can send them. */
static const char *const bad_utf8[] = {
    "\xed\xa0\x80",         /* U+D800 encoded: a lone high surrogate */
    "\xed\xbf\xbf",         /* U+DFFF encoded: a lone low surrogate */
    "\xed\xa0\xbd\xed\xb8\x80", /* a surrogate pair encoded separately (CESU-8) */
    "\xc0\xaf",             /* overlong '/' */
    "\xe0\x80\xaf",         /* overlong '/' in three bytes */
    "\xf4\x90\x80\x80",     /* past U+10FFFF */
    "\xf8\x88\x80\x80\x80", /* five-byte form */
    "\x80",                 /* continuation byte alone */
    "\xef\xbf",             /* truncated sequence */
    "\xfe\xff",             /* never valid */
};

static void fault_invalid_utf8(void) {
    AuditLogger *logger = new_logger(16);
    CHECK_STATUS(audit_log(logger, "a", "b", "c", "d", 10, "{\"k\":1}", NULL), AUDIT_OK);
    char *before = export_string(logger);
    AuditFilter *filter = audit_filter_new();
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
        char field[64], details[96], doc[512];
        snprintf(field, sizeof field, "x%sy", bad_utf8[i]);
        snprintf(details, sizeof details, "{\"k\":\"%s\"}", bad_utf8[i]);
        snprintf(doc, sizeof doc,
                 "[{\"actor\":\"%s\",\"action\":\"b\",\"resource\":\"c\",\"outcome\":\"d\","
                 "\"severity\":\"INFO\",\"details\":{},\"timestamp\":\"2026-01-01T00:00:00Z\"}]",
                 field);
        CHECK_FAIL(audit_log(logger, field, "b", "c", "d", 10, NULL, NULL), AUDIT_ERR_INVALID_UTF8);
        CHECK_FAIL(audit_log(logger, "a", "b", "c", field, 10, NULL, NULL), AUDIT_ERR_INVALID_UTF8);
        CHECK_FAIL(audit_log(logger, "a", "b", "c", "d", 10, details, NULL),
                   AUDIT_ERR_INVALID_UTF8);
        CHECK_FAIL(audit_import_json(logger, doc, NULL), AUDIT_ERR_INVALID_UTF8);
        CHECK_FAIL(audit_filter_set_resource(filter, field), AUDIT_ERR_INVALID_UTF8);
        uint32_t severity = 0;
        CHECK_FAIL(audit_severity_from_name(field, &severity), AUDIT_ERR_INVALID_UTF8);
        faults_injected += 6;
    }
    /* The filter was left unchanged (still matches everything). */
    AuditEventList *list = NULL;
    if (CHECK_STATUS(audit_query(logger, filter, &list), AUDIT_OK)) {
        CHECK(audit_event_list_len(list) == 1);
    }
    audit_event_list_free(list);
    CHECK(logger_unchanged(logger, before, 1));
    audit_string_free(before);
    audit_filter_free(filter);
    audit_logger_free(logger);
}

/* Control and line-separator characters in every field and in details come out
 * escaped, and parse back to exactly what went in. */
static void fault_injection(void) {
    char hostile[256];
    size_t n = 0;
    hostile[n++] = 'a';
    for (int c = 1; c < 0x20; c++) {
        hostile[n++] = (char)c;
    }
    hostile[n] = '\0';
    /* DEL, NEL, LS, PS, quote, backslash, and text that looks like markup,
     * a format directive and an escape. */
    strcat(hostile, "\x7f" "\xc2\x85" "\xe2\x80\xa8" "\xe2\x80\xa9" "\"\\'</x>%s\\u0041z");

    char quoted[1024], details[3 * sizeof quoted + 32];
    json_quote(quoted, sizeof quoted, hostile);
    snprintf(details, sizeof details, "{%s:%s,\"list\":[%s]}", quoted, quoted, quoted);

    AuditLogger *logger = new_logger(8), *copy = new_logger(8);
    CHECK_STATUS(audit_log(logger, hostile, hostile, hostile, hostile, AUDIT_SEVERITY_CRITICAL,
                           details, NULL),
                 AUDIT_OK);
    char *doc = export_string(logger), *line = NULL, *copy_line = NULL;
    AuditEventList *list = NULL, *copied = NULL;
    CHECK_STATUS(audit_recent(logger, 1, &list), AUDIT_OK);
    const AuditEvent *event = audit_event_list_get(list, 0);
    CHECK_STATUS(audit_event_to_json(event, &line), AUDIT_OK);
    if (CHECK(doc != NULL && line != NULL)) {
        CHECK(raw_line_breakers(line, 0) == 0);
        CHECK(raw_line_breakers(doc, 1) == 0);
        CHECK(strchr(line, '\n') == NULL);
        size_t count = 0;
        CHECK_STATUS(audit_import_json(copy, doc, &count), AUDIT_OK);
        CHECK(count == 1);
        CHECK_STATUS(audit_recent(copy, 1, &copied), AUDIT_OK);
        const AuditEvent *back = audit_event_list_get(copied, 0);
        CHECK(back != NULL && strcmp(audit_event_actor(back), hostile) == 0 &&
              strcmp(audit_event_action(back), hostile) == 0 &&
              strcmp(audit_event_resource(back), hostile) == 0 &&
              strcmp(audit_event_outcome(back), hostile) == 0 &&
              strcmp(audit_event_details(back), audit_event_details(event)) == 0 &&
              audit_event_timestamp(back) == audit_event_timestamp(event));
        /* Same seq (1) in both loggers, so the whole line is identical. */
        CHECK_STATUS(audit_event_to_json(back, &copy_line), AUDIT_OK);
        CHECK(copy_line != NULL && strcmp(copy_line, line) == 0);
    }
    faults_injected += 2;

    /* Lone surrogate escapes are refused, whether logged or imported. */
    static const char *const lone[] = {"\\ud800", "\\udfff", "\\udc00\\ud800", "\\ud800x",
                                       "\\ud800\\u0041"};
    uint64_t appended = audit_logger_appended(logger);
    for (size_t i = 0; i < sizeof lone / sizeof lone[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "{\"k\":\"%s\"}", lone[i]);
        CHECK_FAIL(audit_log(logger, "a", "b", "c", "d", 10, text, NULL),
                   AUDIT_ERR_INVALID_DETAILS);
        snprintf(text, sizeof text,
                 "[{\"actor\":\"%s\",\"action\":\"b\",\"resource\":\"c\",\"outcome\":\"d\","
                 "\"severity\":\"INFO\",\"details\":{},\"timestamp\":\"2026-01-01T00:00:00Z\"}]",
                 lone[i]);
        CHECK_FAIL(audit_import_json(logger, text, NULL), AUDIT_ERR_INVALID_DOCUMENT);
        faults_injected += 2;
    }
    CHECK(logger_unchanged(logger, doc, appended));
    audit_string_free(copy_line);
    audit_string_free(line);
    audit_string_free(doc);
    audit_event_list_free(copied);
    audit_event_list_free(list);
    audit_logger_free(copy);
    audit_logger_free(logger);
}

/* /dev/full is a device: the export refuses to replace it. */
static void fault_dev_full(void) {
    AuditLogger *logger = new_logger(8);
    CHECK_STATUS(audit_log(logger, "a", "b", "c", "d", 10, NULL, NULL), AUDIT_OK);
    char *before = export_string(logger), *doc = NULL;
    CHECK_FAIL(audit_export_json(logger, "/dev/full", &doc), AUDIT_ERR_IO);
    CHECK(doc == NULL);
    CHECK(strstr(audit_last_error_message(), "/dev/full") != NULL &&
          strstr(audit_last_error_message(), "not a regular file") != NULL);
    struct stat st;
    CHECK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode));
    CHECK(logger_unchanged(logger, before, 1));
    faults_injected++;
    audit_string_free(before);
    audit_logger_free(logger);
}

/* A callback that uses the logger it is called from. */
typedef struct Inside {
    AuditLogger *logger;
    const char *import_doc;
    int queued;
    atomic_int calls, failures, flush_refused;
} Inside;

static int32_t count_only(void *ctx, const AuditEvent *event) {
    (void)event;
    atomic_fetch_add((atomic_int *)ctx, 1);
    return 0;
}

static int32_t use_logger_inside(void *ctx, const AuditEvent *event) {
    Inside *in = ctx;
    int ok = 1;
    AuditEventList *list = NULL;
    char *doc = NULL;
    atomic_fetch_add(&in->calls, 1);
    ok &= audit_query(in->logger, NULL, &list) == AUDIT_OK && audit_event_list_len(list) > 0;
    audit_event_list_free(list);
    list = NULL;
    ok &= audit_get(in->logger, audit_event_seq(event), &list) == AUDIT_OK &&
          audit_event_seq(audit_event_list_get(list, 0)) == audit_event_seq(event);
    audit_event_list_free(list);
    ok &= audit_export_json(in->logger, NULL, &doc) == AUDIT_OK && doc[0] == '[';
    audit_string_free(doc);
    ok &= audit_import_json(in->logger, in->import_doc, NULL) == AUDIT_OK;
    uint64_t id = 0;
    atomic_int inner_calls = 0;
    ok &= audit_subscribe(in->logger, count_only, &inner_calls, NULL, &id) == AUDIT_OK;
    ok &= audit_unsubscribe(in->logger, id) == AUDIT_OK;
    AuditStatus flushed = audit_flush(in->logger, 10000);
    if (in->queued) {
        atomic_fetch_add(&in->flush_refused, flushed == AUDIT_ERR_INVALID_ARGUMENT);
    } else {
        ok &= flushed == AUDIT_OK;
    }
    if (!ok) {
        atomic_fetch_add(&in->failures, 1);
    }
    return ok ? 0 : 1;
}

static void fault_callbacks_use_the_logger(void) {
    static const char import_doc[] =
        "[{\"actor\":\"imported\",\"action\":\"b\",\"resource\":\"c\",\"outcome\":\"d\","
        "\"severity\":\"INFO\",\"details\":{},\"timestamp\":\"2026-01-01T00:00:00Z\"}]";
    for (int queued = 0; queued <= 1; queued++) {
        AuditLogger *logger = new_logger(64);
        Inside in = {.logger = logger, .import_doc = import_doc, .queued = queued};
        uint64_t id = 0;
        if (queued) {
            CHECK_STATUS(audit_subscribe_queued(logger, use_logger_inside, &in, NULL, 16,
                                                AUDIT_OVERFLOW_BLOCK, 10000, &id),
                         AUDIT_OK);
        } else {
            CHECK_STATUS(audit_subscribe(logger, use_logger_inside, &in, NULL, &id), AUDIT_OK);
        }
        for (int i = 0; i < 10; i++) {
            CHECK_STATUS(audit_log(logger, "probe", "b", "c", "d", 10, NULL, NULL), AUDIT_OK);
        }
        CHECK_STATUS(audit_flush(logger, 60000), AUDIT_OK);
        AuditSubscriptionStats stats = {.struct_size = sizeof stats};
        CHECK_STATUS(audit_subscription_stats(logger, id, &stats), AUDIT_OK);
        CHECK(atomic_load(&in.calls) == 10 && atomic_load(&in.failures) == 0);
        CHECK(stats.delivered == 10 && stats.failed == 0 && stats.dropped == 0);
        CHECK(atomic_load(&in.flush_refused) == (queued ? 10 : 0));
        /* Ten logged, ten imported from inside the callbacks. */
        CHECK(audit_logger_appended(logger) == 20);
        CHECK_STATUS(audit_unsubscribe(logger, id), AUDIT_OK);
        audit_logger_free(logger);
        faults_injected += 10;
    }
}

/* A queued callback stuck until released while several threads log. */
typedef struct Stuck {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int released;
    atomic_ulong calls;
} Stuck;

static int32_t stuck_callback(void *ctx, const AuditEvent *event) {
    Stuck *s = ctx;
    (void)event;
    pthread_mutex_lock(&s->lock);
    while (!s->released) {
        pthread_cond_wait(&s->changed, &s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    atomic_fetch_add(&s->calls, 1);
    return 0;
}

typedef struct StuckProducer {
    pthread_t thread;
    AuditLogger *logger;
    int n;
    atomic_int failures;
} StuckProducer;

static void *log_while_stuck(void *arg) {
    StuckProducer *p = arg;
    for (int i = 0; i < p->n; i++) {
        if (audit_log(p->logger, "stuck-producer", "b", "c", "d", 10, NULL, NULL) != AUDIT_OK) {
            atomic_fetch_add(&p->failures, 1);
        }
    }
    return NULL;
}

static void fault_stuck_queued_callback(void) {
    static const uint32_t policies[] = {AUDIT_OVERFLOW_DROP_OLDEST, AUDIT_OVERFLOW_DROP_NEWEST,
                                        AUDIT_OVERFLOW_BLOCK};
    for (size_t k = 0; k < 3; k++) {
        enum { THREADS = 3, EACH = 300 };
        AuditLogger *logger = new_logger(10000);
        Stuck stuck = {.released = 0};
        pthread_mutex_init(&stuck.lock, NULL);
        pthread_cond_init(&stuck.changed, NULL);
        uint64_t id = 0;
        CHECK_STATUS(audit_subscribe_queued(logger, stuck_callback, &stuck, NULL, 8, policies[k],
                                            1, &id),
                     AUDIT_OK);
        StuckProducer producers[THREADS];
        for (int t = 0; t < THREADS; t++) {
            producers[t] = (StuckProducer){.logger = logger, .n = EACH};
            CHECK(pthread_create(&producers[t].thread, NULL, log_while_stuck, &producers[t]) == 0);
        }
        for (int t = 0; t < THREADS; t++) {
            CHECK(pthread_join(producers[t].thread, NULL) == 0);
            CHECK(atomic_load(&producers[t].failures) == 0);
        }
        /* Everything else still works while the callback is stuck. */
        AuditEventList *list = NULL;
        CHECK_STATUS(audit_recent(logger, 5, &list), AUDIT_OK);
        CHECK(audit_event_list_len(list) == 5);
        audit_event_list_free(list);
        char *doc = export_string(logger);
        CHECK(doc != NULL && count_in(doc, "\"seq\": ") == THREADS * EACH);
        audit_string_free(doc);
        CHECK_FAIL(audit_flush(logger, 1), AUDIT_ERR_TIMEOUT);

        pthread_mutex_lock(&stuck.lock);
        stuck.released = 1;
        pthread_cond_broadcast(&stuck.changed);
        pthread_mutex_unlock(&stuck.lock);
        CHECK_STATUS(audit_flush(logger, 60000), AUDIT_OK);
        AuditSubscriptionStats stats = {.struct_size = sizeof stats};
        CHECK_STATUS(audit_subscription_stats(logger, id, &stats), AUDIT_OK);
        CHECK(stats.delivered + stats.dropped == THREADS * EACH);
        CHECK(stats.delivered == atomic_load(&stuck.calls));
        CHECK(stats.dropped >= THREADS * EACH - 9); /* at most 8 queued + 1 in the callback */
        CHECK(audit_logger_appended(logger) == THREADS * EACH);
        CHECK_STATUS(audit_unsubscribe(logger, id), AUDIT_OK);
        audit_logger_free(logger);
        pthread_cond_destroy(&stuck.changed);
        pthread_mutex_destroy(&stuck.lock);
        faults_injected++;
    }
}

/* ================================================================ stress run */

static AuditLogger *logger;
static unsigned producers = 4;
static unsigned long per_producer = 250000;
static uint64_t logged_total;  /* producers * per_producer */
static uint64_t max_seq;       /* logged_total + IMPORT_EVENTS * MAX_IMPORTS */
static atomic_int producers_done;
static atomic_ulong imports, operations;
static char *import_doc;

/* --------------------------------------------------------------- producers */

typedef struct Producer {
    pthread_t thread;
    unsigned index;
    uint64_t *seqs; /* seqs[i]: the seq audit_log returned for event i */
    unsigned long failures, out_of_order;
} Producer;

static void *produce(void *arg) {
    Producer *p = arg;
    char actor[32], details[96];
    uint64_t last = 0;
    snprintf(actor, sizeof actor, "producer-%u", p->index);
    for (unsigned long i = 0; i < per_producer; i++) {
        uint64_t seq = 0;
        snprintf(details, sizeof details, "{\"p\":%u,\"i\":%lu,\"tag\":\"stress\"}", p->index, i);
        if (audit_log(logger, actor, i % 3 ? "write" : "read", "resource", i % 5 ? "success" : "denied",
                      severities[i % 4], details, &seq) != AUDIT_OK) {
            p->failures++;
            continue;
        }
        p->out_of_order += seq <= last;
        last = seq;
        p->seqs[i] = seq;
    }
    return NULL;
}

/* --------------------------------------------------- whole-run subscribers */

/* Synchronous: which producer event each seq carried. */
static atomic_uchar *ledger_owner;   /* producer + 1, by seq */
static uint32_t *ledger_index;       /* the producer's event index, by seq */
static atomic_ulong ledger_calls, ledger_twice, ledger_unparsed;

static int32_t ledger(void *ctx, const AuditEvent *event) {
    (void)ctx;
    uint64_t seq = audit_event_seq(event);
    int p = producer_of(audit_event_actor(event));
    const char *i = strstr(audit_event_details(event), "\"i\":");
    atomic_fetch_add(&ledger_calls, 1);
    if (seq == 0 || seq > max_seq || p < 0 || i == NULL) {
        atomic_fetch_add(&ledger_unparsed, 1);
        return 1;
    }
    if (atomic_exchange(&ledger_owner[seq], (unsigned char)(p + 1)) != 0) {
        atomic_fetch_add(&ledger_twice, 1);
    }
    ledger_index[seq] = (uint32_t)strtoul(i + 4, NULL, 10);
    return 0;
}

/* Synchronous, failing on purpose for every seventh seq with assorted non-zero values. */
static atomic_ulong failing_calls, failing_returned;

static int32_t fail_some(void *ctx, const AuditEvent *event) {
    static const int32_t failures[] = {1, -1, INT32_MIN, INT32_MAX};
    uint64_t seq = audit_event_seq(event);
    (void)ctx;
    atomic_fetch_add(&failing_calls, 1);
    if (seq % 7 != 0) {
        return 0;
    }
    atomic_fetch_add(&failing_returned, 1);
    return failures[(seq / 7) % 4];
}

/* Queued, one per overflow policy, slow now and then so queues fill. */
typedef struct Watch {
    const char *name;
    uint32_t policy;
    size_t queue;
    uint32_t block_ms;
    unsigned slow_every; /* sleep a little on every slow_every-th call */
    uint64_t id;
    atomic_uchar *seen; /* by seq */
    atomic_ulong calls, twice, out_of_order, foreign;
    atomic_ulong out_of_log_order; /* seq not above the previous delivery's, any producer */
    uint64_t last[MAX_PRODUCERS]; /* only the delivery thread touches these */
    uint64_t last_any;
    atomic_int frees;
} Watch;

static int32_t watch(void *ctx, const AuditEvent *event) {
    Watch *w = ctx;
    uint64_t seq = audit_event_seq(event), calls = atomic_fetch_add(&w->calls, 1) + 1;
    int p = producer_of(audit_event_actor(event));
    if (p < 0 || seq == 0 || seq > max_seq) {
        atomic_fetch_add(&w->foreign, 1);
        return 1;
    }
    if (atomic_exchange(&w->seen[seq], 1) != 0) {
        atomic_fetch_add(&w->twice, 1);
    }
    if (seq <= w->last[p]) {
        atomic_fetch_add(&w->out_of_order, 1);
    }
    if (seq <= w->last_any) {
        atomic_fetch_add(&w->out_of_log_order, 1);
    }
    w->last[p] = seq;
    w->last_any = seq;
    if (calls % w->slow_every == 0) {
        sleep_micros(50);
    }
    return 0;
}

static void watch_free(void *ctx) { atomic_fetch_add(&((Watch *)ctx)->frees, 1); }

/* --------------------------------------------------- churned subscriptions */

typedef struct Churned {
    struct Churned *next;
    int queued;
    uint32_t policy;
    uint64_t id;
    uint64_t appended_before;   /* read just before subscribing */
    uint64_t appended_at_stats; /* read just after the last stats */
    uint64_t appended_after;    /* read just after unsubscribing */
    AuditSubscriptionStats stats; /* read just before unsubscribing */
    atomic_ulong calls, out_of_order, early, max_seq; /* early: seq <= appended_before */
    ChurnGuard guard;
    uint64_t last[MAX_PRODUCERS];
} Churned;

static atomic_ulong churned_made, churned_freed;

static int32_t churned_callback(void *ctx, const AuditEvent *event) {
    Churned *c = ctx;
    uint64_t seq = audit_event_seq(event);
    int p = producer_of(audit_event_actor(event));
    churn_enter(&c->guard);
    atomic_fetch_add(&c->calls, 1);
    /* Synchronous: slot p is written only by producer p's thread; queued: only
     * by the delivery thread. */
    if (p >= 0) {
        if (seq <= c->last[p]) {
            atomic_fetch_add(&c->out_of_order, 1);
        }
        c->last[p] = seq;
    }
    if (seq <= c->appended_before) {
        atomic_fetch_add(&c->early, 1);
    }
    unsigned long seen = atomic_load(&c->max_seq);
    while (seq > seen && !atomic_compare_exchange_weak(&c->max_seq, &seen, seq)) {
    }
    churn_leave(&c->guard);
    return 0;
}

static void churned_free(void *ctx) { churn_freed(&((Churned *)ctx)->guard, &churned_freed); }

/* ------------------------------------------------------------------ racers */

typedef struct Racer {
    pthread_t thread;
    unsigned index;
    uint64_t rng;
    char path[128];
    Churned *live[MAX_LIVE_CHURNED];
    size_t live_count;
    Churned *retired; /* ended subscriptions, checked after the run */
    unsigned long ops;
} Racer;

/* The list's seqs strictly increase, exceed `after`, and number at most `max`. */
static int seqs_increase(const AuditEventList *list, uint64_t after, size_t max) {
    size_t n = audit_event_list_len(list);
    if (n > max) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t seq = audit_event_seq(audit_event_list_get(list, i));
        if (seq <= after) {
            return 0;
        }
        after = seq;
    }
    return 1;
}

static int seqs_contiguous(const AuditEventList *list) {
    size_t n = audit_event_list_len(list);
    for (size_t i = 1; i < n; i++) {
        if (audit_event_seq(audit_event_list_get(list, i)) !=
            audit_event_seq(audit_event_list_get(list, i - 1)) + 1) {
            return 0;
        }
    }
    return 1;
}

static void race_query(Racer *r) {
    AuditFilter *filter = audit_filter_new();
    char actor[32] = "";
    int with_actor = next_random(&r->rng) % 2;
    uint32_t min = severities[next_random(&r->rng) % 4], max = severities[next_random(&r->rng) % 4];
    uint64_t appended = audit_logger_appended(logger);
    uint64_t after = appended > 2 * CAPACITY ? appended - next_random(&r->rng) % (2 * CAPACITY) : 0;
    size_t limit = (size_t)(next_random(&r->rng) % (2 * CAPACITY));
    int outcome = next_random(&r->rng) % 3; /* 0 unset, 1 "denied", 2 "" */
    if (with_actor) {
        snprintf(actor, sizeof actor, "producer-%u", (unsigned)(next_random(&r->rng) % producers));
        CHECK_STATUS(audit_filter_set_actor(filter, actor), AUDIT_OK);
    }
    CHECK_STATUS(audit_filter_set_min_severity(filter, min), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_max_severity(filter, max), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_after_seq(filter, after), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_limit(filter, limit), AUDIT_OK);
    if (outcome != 0) {
        CHECK_STATUS(audit_filter_set_outcome(filter, outcome == 1 ? "denied" : ""), AUDIT_OK);
    }
    AuditEventList *list = NULL;
    if (CHECK_STATUS(audit_query(logger, filter, &list), AUDIT_OK)) {
        size_t n = audit_event_list_len(list), mismatches = 0;
        CHECK(seqs_increase(list, after, limit < CAPACITY ? limit : CAPACITY));
        for (size_t i = 0; i < n; i++) {
            const AuditEvent *e = audit_event_list_get(list, i);
            uint32_t severity = audit_event_severity(e);
            mismatches += severity < min || severity > max;
            mismatches += with_actor && strcmp(audit_event_actor(e), actor) != 0;
            mismatches += outcome == 1 && strcmp(audit_event_outcome(e), "denied") != 0;
            mismatches += outcome == 2 && audit_event_outcome(e)[0] != '\0';
        }
        CHECK(mismatches == 0);
        CHECK(outcome != 2 || n == 0); /* no event has an empty outcome */
    }
    audit_event_list_free(list);
    audit_filter_free(filter);
}

static void race_recent(Racer *r) {
    size_t n = (size_t)(next_random(&r->rng) % (2 * CAPACITY));
    AuditEventList *list = NULL;
    if (CHECK_STATUS(audit_recent(logger, n, &list), AUDIT_OK)) {
        size_t len = audit_event_list_len(list);
        CHECK(len <= n && len <= CAPACITY);
        CHECK(seqs_increase(list, 0, CAPACITY) && seqs_contiguous(list));
    }
    audit_event_list_free(list);
}

static void race_get(Racer *r) {
    uint64_t seq = 1 + next_random(&r->rng) % (audit_logger_appended(logger) + 16);
    AuditEventList *list = NULL;
    AuditStatus status = audit_get(logger, seq, &list);
    CHECK(status == AUDIT_OK || status == AUDIT_ERR_NOT_FOUND);
    if (status == AUDIT_OK) {
        CHECK(audit_event_list_len(list) == 1 &&
              audit_event_seq(audit_event_list_get(list, 0)) == seq);
    }
    audit_event_list_free(list);
}

static void race_export(Racer *r, int to_file) {
    char *doc = NULL;
    if (CHECK_STATUS(audit_export_json(logger, to_file ? r->path : NULL, &doc), AUDIT_OK)) {
        size_t length = strlen(doc);
        uint64_t events = count_in(doc, "\n    \"seq\": ");
        CHECK(length > 2 && doc[0] == '[' && doc[length - 1] == ']');
        CHECK(events > 0 && events <= CAPACITY);
        if (to_file) {
            CHECK(file_equals(r->path, doc));
        } else if (next_random(&r->rng) % 4 == 0) {
            /* It parses: a scratch logger takes every event. */
            AuditLogger *scratch = new_logger(CAPACITY);
            size_t count = 0;
            CHECK_STATUS(audit_import_json(scratch, doc, &count), AUDIT_OK);
            CHECK(count == events && audit_logger_count(scratch) == events);
            audit_logger_free(scratch);
        }
    }
    audit_string_free(doc);
}

static void race_query_json(Racer *r) {
    AuditFilter *filter = audit_filter_new();
    char *doc = NULL;
    size_t limit = (size_t)(next_random(&r->rng) % 64);
    CHECK_STATUS(audit_filter_set_limit(filter, limit), AUDIT_OK);
    if (CHECK_STATUS(audit_query_json(logger, filter, &doc), AUDIT_OK)) {
        CHECK(doc[0] == '[' && count_in(doc, "\n    \"seq\": ") <= limit);
    }
    audit_string_free(doc);
    audit_filter_free(filter);
}

static void race_import(void) {
    if (atomic_fetch_add(&imports, 1) >= MAX_IMPORTS) {
        atomic_fetch_sub(&imports, 1);
        return;
    }
    size_t count = 0;
    CHECK_STATUS(audit_import_json(logger, import_doc, &count), AUDIT_OK);
    CHECK(count == IMPORT_EVENTS);
}

static void churn_end(Racer *r, size_t slot) {
    Churned *c = r->live[slot];
    c->stats = (AuditSubscriptionStats){.struct_size = sizeof c->stats};
    CHECK_STATUS(audit_subscription_stats(logger, c->id, &c->stats), AUDIT_OK);
    c->appended_at_stats = audit_logger_appended(logger);
    CHECK_STATUS(audit_unsubscribe(logger, c->id), AUDIT_OK);
    c->appended_after = audit_logger_appended(logger);
    CHECK_FAIL(audit_unsubscribe(logger, c->id), AUDIT_ERR_NOT_FOUND);
    c->next = r->retired;
    r->retired = c;
    r->live[slot] = r->live[--r->live_count];
}

static void churn_begin(Racer *r) {
    static const uint32_t policies[] = {AUDIT_OVERFLOW_DROP_OLDEST, AUDIT_OVERFLOW_DROP_NEWEST,
                                        AUDIT_OVERFLOW_BLOCK};
    Churned *c = calloc(1, sizeof *c);
    if (!CHECK(c != NULL)) {
        return;
    }
    c->queued = next_random(&r->rng) % 2;
    c->policy = policies[next_random(&r->rng) % 3];
    c->appended_before = audit_logger_appended(logger);
    AuditStatus status;
    if (c->queued) {
        size_t queue = 1 + (size_t)(next_random(&r->rng) % 64);
        uint32_t block_ms = (uint32_t)(next_random(&r->rng) % 3);
        status = audit_subscribe_queued(logger, churned_callback, c, churned_free, queue, c->policy,
                                        block_ms, &c->id);
    } else {
        status = audit_subscribe(logger, churned_callback, c, churned_free, &c->id);
    }
    if (!CHECK_STATUS(status, AUDIT_OK)) {
        free(c);
        return;
    }
    atomic_fetch_add(&churned_made, 1);
    r->live[r->live_count++] = c;
}

static void *race(void *arg) {
    Racer *r = arg;
    do {
        unsigned op = (unsigned)(next_random(&r->rng) % 100);
        if (op < 30) {
            race_query(r);
        } else if (op < 45) {
            race_recent(r);
        } else if (op < 55) {
            race_get(r);
        } else if (op < 60) {
            race_export(r, 0);
        } else if (op < 62) {
            race_export(r, 1);
        } else if (op < 68) {
            race_query_json(r);
        } else if (op < 72) {
            race_import();
        } else if (r->live_count == MAX_LIVE_CHURNED ||
                   (r->live_count > 0 && next_random(&r->rng) % 2)) {
            churn_end(r, (size_t)(next_random(&r->rng) % r->live_count));
        } else {
            churn_begin(r);
        }
        CHECK(audit_logger_count(logger) <= CAPACITY);
        r->ops++;
    } while (!atomic_load(&producers_done));
    while (r->live_count > 0) {
        churn_end(r, 0);
    }
    atomic_fetch_add(&operations, r->ops);
    return NULL;
}

/* ------------------------------------------------------------------ checks */

/* Checks every retired churned subscription; returns how many there were. */
static unsigned long check_churned(Racer *r) {
    unsigned long n = 0, violations = 0, outside = 0, over = 0, order = 0, stats = 0;
    while (r->retired != NULL) {
        Churned *c = r->retired;
        r->retired = c->next;
        uint64_t calls = atomic_load(&c->calls);
        /* Each producer may have one event in flight when the subscription
         * starts (stored, so counted in appended_before, but not yet handed to
         * subscribers), however old its seq: at most `producers` such calls. */
        uint64_t window = c->appended_after - c->appended_before + producers;
        violations += churn_violations(&c->guard);
        outside += atomic_load(&c->early) > producers || atomic_load(&c->max_seq) > c->appended_after;
        over += calls > window;
        order += atomic_load(&c->out_of_order) != 0;
        stats += c->stats.delivered > calls ||
                 c->stats.delivered + c->stats.dropped >
                     c->appended_at_stats - c->appended_before + producers ||
                 (!c->queued && c->stats.dropped != 0) || c->stats.failed != 0;
        free(c);
        n++;
    }
    CHECK(violations == 0);
    CHECK(outside == 0);
    CHECK(over == 0);
    CHECK(order == 0);
    CHECK(stats == 0);
    return n;
}

static void parse_args(int argc, char **argv) {
    char *end;
    if (argc > 1) {
        per_producer = strtoul(argv[1], &end, 10);
        if (*end != '\0' || per_producer == 0 || per_producer > 50000000) {
            goto usage;
        }
    }
    if (argc > 2) {
        producers = (unsigned)strtoul(argv[2], &end, 10);
        if (*end != '\0' || producers == 0 || producers > MAX_PRODUCERS) {
            goto usage;
        }
    }
    return;
usage:
    fprintf(stderr, "usage: %s [EVENTS_PER_PRODUCER (250000) [PRODUCERS (4, at most %d) [SEED]]]\n",
            argv[0], MAX_PRODUCERS);
    exit(2);
}

int main(int argc, char **argv) {
    parse_args(argc, argv);
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : UINT64_C(0x5eed);
    check_watchdog(900);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* ---- faults */
    fault_invalid_utf8();
    fault_injection();
    fault_dev_full();
    fault_callbacks_use_the_logger();
    fault_stuck_queued_callback();

    /* ---- stress */
    logged_total = (uint64_t)producers * per_producer;
    max_seq = logged_total + (uint64_t)IMPORT_EVENTS * MAX_IMPORTS;
    ledger_owner = calloc(max_seq + 1, sizeof *ledger_owner);
    ledger_index = calloc(max_seq + 1, sizeof *ledger_index);
    atomic_uchar *producer_seen = calloc(max_seq + 1, sizeof *producer_seen);
    char dir[] = "/tmp/audit-stress-XXXXXX";
    if (ledger_owner == NULL || ledger_index == NULL || producer_seen == NULL ||
        mkdtemp(dir) == NULL) {
        perror("setup");
        return 1;
    }
    {
        AuditLogger *source = new_logger(IMPORT_EVENTS);
        for (int i = 0; i < IMPORT_EVENTS; i++) {
            CHECK_STATUS(audit_log(source, "importer", "import", "batch", "success",
                                   severities[i % 4], "{\"imported\":true}", NULL),
                         AUDIT_OK);
        }
        import_doc = export_string(source);
        audit_logger_free(source);
    }

    logger = new_logger(CAPACITY);
    uint64_t ledger_id = 0, failing_id = 0;
    CHECK_STATUS(audit_subscribe(logger, ledger, NULL, NULL, &ledger_id), AUDIT_OK);
    CHECK_STATUS(audit_subscribe(logger, fail_some, NULL, NULL, &failing_id), AUDIT_OK);
    Watch watches[3] = {
        {.name = "drop-oldest", .policy = AUDIT_OVERFLOW_DROP_OLDEST, .queue = 64, .slow_every = 128},
        {.name = "drop-newest", .policy = AUDIT_OVERFLOW_DROP_NEWEST, .queue = 64, .slow_every = 128},
        {.name = "block", .policy = AUDIT_OVERFLOW_BLOCK, .queue = 256, .block_ms = 5,
         .slow_every = 1024},
    };
    for (int k = 0; k < 3; k++) {
        Watch *w = &watches[k];
        w->seen = calloc(max_seq + 1, sizeof *w->seen);
        CHECK(w->seen != NULL);
        CHECK_STATUS(audit_subscribe_queued(logger, watch, w, watch_free, w->queue, w->policy,
                                            w->block_ms, &w->id),
                     AUDIT_OK);
    }

    race_import(); /* so that no export sees an empty ring */
    Producer producer[MAX_PRODUCERS];
    Racer racers[RACERS];
    for (unsigned i = 0; i < RACERS; i++) {
        racers[i] = (Racer){.index = i, .rng = seed * 0x9E3779B97F4A7C15u + i + 1};
        snprintf(racers[i].path, sizeof racers[i].path, "%s/export-%u.json", dir, i);
        CHECK(pthread_create(&racers[i].thread, NULL, race, &racers[i]) == 0);
    }
    for (unsigned i = 0; i < producers; i++) {
        producer[i] = (Producer){.index = i, .seqs = calloc(per_producer, sizeof(uint64_t))};
        CHECK(producer[i].seqs != NULL);
        CHECK(pthread_create(&producer[i].thread, NULL, produce, &producer[i]) == 0);
    }
    for (unsigned i = 0; i < producers; i++) {
        CHECK(pthread_join(producer[i].thread, NULL) == 0);
        CHECK(producer[i].failures == 0);
        CHECK(producer[i].out_of_order == 0);
    }
    atomic_store(&producers_done, 1);
    for (unsigned i = 0; i < RACERS; i++) {
        CHECK(pthread_join(racers[i].thread, NULL) == 0);
    }
    CHECK_STATUS(audit_flush(logger, 300000), AUDIT_OK);

    /* Counters and the ring. */
    uint64_t imported = (uint64_t)atomic_load(&imports) * IMPORT_EVENTS;
    uint64_t appended = audit_logger_appended(logger), count = audit_logger_count(logger);
    uint64_t evicted = audit_logger_evicted(logger);
    CHECK(appended == logged_total + imported);
    CHECK(count == (appended < CAPACITY ? appended : CAPACITY));
    CHECK(appended == count + evicted);
    AuditEventList *list = NULL;
    if (CHECK_STATUS(audit_query(logger, NULL, &list), AUDIT_OK)) {
        size_t len = audit_event_list_len(list);
        CHECK(len == count && seqs_contiguous(list) && seqs_increase(list, 0, CAPACITY));
        CHECK(len > 0 && audit_event_seq(audit_event_list_get(list, len - 1)) == appended);
    }
    audit_event_list_free(list);

    /* Seqs the producers got: each handed out once; the ledger saw exactly
     * those, each once, carrying the content logged under it. */
    uint64_t duplicate_seqs = 0, mismatched = 0, phantom = 0;
    for (unsigned p = 0; p < producers; p++) {
        for (unsigned long i = 0; i < per_producer; i++) {
            uint64_t seq = producer[p].seqs[i];
            if (seq == 0 || seq > max_seq || atomic_exchange(&producer_seen[seq], 1)) {
                duplicate_seqs++;
                continue;
            }
            mismatched += atomic_load(&ledger_owner[seq]) != p + 1 || ledger_index[seq] != i;
        }
    }
    for (uint64_t seq = 1; seq <= max_seq; seq++) {
        phantom += atomic_load(&ledger_owner[seq]) != 0 && !atomic_load(&producer_seen[seq]);
    }
    CHECK(duplicate_seqs == 0);
    CHECK(mismatched == 0);
    CHECK(phantom == 0);
    CHECK(atomic_load(&ledger_calls) == logged_total);
    CHECK(atomic_load(&ledger_twice) == 0 && atomic_load(&ledger_unparsed) == 0);

    AuditSubscriptionStats stats = {.struct_size = sizeof stats};
    CHECK_STATUS(audit_subscription_stats(logger, ledger_id, &stats), AUDIT_OK);
    CHECK(stats.delivered == logged_total && stats.failed == 0 && stats.dropped == 0);
    stats = (AuditSubscriptionStats){.struct_size = sizeof stats};
    CHECK_STATUS(audit_subscription_stats(logger, failing_id, &stats), AUDIT_OK);
    CHECK(stats.delivered == logged_total && atomic_load(&failing_calls) == logged_total);
    CHECK(stats.failed == atomic_load(&failing_returned) && stats.failed > 0);
    CHECK(stats.dropped == 0);

    /* Lost: logged events that no eviction or drop policy accounts for. */
    uint64_t lost = duplicate_seqs + mismatched +
                    (appended > count + evicted ? appended - count - evicted : 0);
    uint64_t dropped_total = 0;
    for (int k = 0; k < 3; k++) {
        Watch *w = &watches[k];
        stats = (AuditSubscriptionStats){.struct_size = sizeof stats};
        CHECK_STATUS(audit_subscription_stats(logger, w->id, &stats), AUDIT_OK);
        uint64_t distinct = 0, outsiders = 0;
        for (uint64_t seq = 1; seq <= max_seq; seq++) {
            if (atomic_load(&w->seen[seq])) {
                distinct++;
                outsiders += !atomic_load(&producer_seen[seq]);
            }
        }
        if (!CHECK(stats.delivered + stats.dropped == logged_total) ||
            !CHECK(stats.delivered == atomic_load(&w->calls)) || !CHECK(distinct == stats.delivered)) {
            fprintf(stderr, "    %s: delivered %" PRIu64 " dropped %" PRIu64 " calls %lu\n", w->name,
                    stats.delivered, stats.dropped, atomic_load(&w->calls));
        }
        lost += logged_total - (stats.delivered + stats.dropped < logged_total
                                    ? stats.delivered + stats.dropped
                                    : logged_total);
        CHECK(outsiders == 0 && atomic_load(&w->twice) == 0 && atomic_load(&w->foreign) == 0);
        CHECK(atomic_load(&w->out_of_order) == 0);
        CHECK(atomic_load(&w->out_of_log_order) == 0);
        CHECK(stats.failed == 0);
        dropped_total += stats.dropped;
        printf("queued %s (queue %zu): delivered %" PRIu64 ", dropped %" PRIu64
               ", out of seq order %lu\n",
               w->name, w->queue, stats.delivered, stats.dropped, atomic_load(&w->out_of_log_order));
    }
    CHECK(lost == 0);

    CHECK_STATUS(audit_unsubscribe(logger, ledger_id), AUDIT_OK);
    CHECK_STATUS(audit_unsubscribe(logger, failing_id), AUDIT_OK);
    for (int k = 0; k < 3; k++) {
        CHECK_STATUS(audit_unsubscribe(logger, watches[k].id), AUDIT_OK);
    }
    audit_logger_free(logger);

    /* Queued subscriptions may run free_ctx on their delivery threads a little
     * after they end; the watchdog bounds the wait. */
    while (atomic_load(&churned_freed) < atomic_load(&churned_made) ||
           atomic_load(&watches[0].frees) + atomic_load(&watches[1].frees) +
                   atomic_load(&watches[2].frees) < 3) {
        sleep_micros(1000);
    }
    unsigned long churned = 0;
    for (unsigned i = 0; i < RACERS; i++) {
        churned += check_churned(&racers[i]);
        remove(racers[i].path);
    }
    CHECK(churned == atomic_load(&churned_made) && churned > 0);
    for (int k = 0; k < 3; k++) {
        CHECK(atomic_load(&watches[k].frees) == 1);
        free(watches[k].seen);
    }
    for (unsigned i = 0; i < producers; i++) {
        free(producer[i].seqs);
    }
    remove(dir);
    free(producer_seen);
    free(ledger_index);
    free(ledger_owner);
    audit_string_free(import_doc);

    printf("stress: producers=%u events_per_producer=%lu events_logged=%" PRIu64
           " events_imported=%" PRIu64 " threads=%u operations_raced=%lu"
           " churned_subscriptions=%lu queued_dropped=%" PRIu64 " faults_injected=%lu"
           " events_lost=%" PRIu64 "\n",
           producers, per_producer, logged_total, imported, producers + RACERS,
           atomic_load(&operations), churned, dropped_total, faults_injected, lost);
    return check_summary();
}
