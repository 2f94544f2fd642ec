/*
 * test_threads.c: one logger shared by many threads at once.
 *
 *   test_threads [N]      (N events per producer, default 20000)
 *
 * Four producers each log N events while a reader queries (plain, by cursor,
 * recent) and exports (to a string and to a file), and a churner subscribes and
 * unsubscribes in a loop (synchronous and queued subscriptions). A subscriber
 * registered for the whole run marks every seq it sees in a table. Afterwards:
 * appended == 4N, count == min(capacity, 4N), evicted == appended - count, the
 * whole-run subscriber saw each of the 4N seqs exactly once, no call failed, and
 * every churned subscription's free_ctx ran exactly once, after its last call.
 */
#define _XOPEN_SOURCE 700

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_logger.h"
#include "check.h"
#include "churn.h"

#define PRODUCERS 4
#define CAPACITY 4096

static AuditLogger *logger;
static uint64_t total; /* PRODUCERS * N */
static atomic_int producers_done;

/* ------------------------------------------------------------ producers */

typedef struct Producer {
    pthread_t thread;
    unsigned index;
    unsigned long n;
    unsigned long failures;      /* audit_log calls that did not return AUDIT_OK */
    unsigned long out_of_order;  /* seqs not above this thread's previous one */
} Producer;

static void *produce(void *arg) {
    Producer *p = arg;
    char actor[32], details[64];
    uint64_t last = 0;
    snprintf(actor, sizeof actor, "producer-%u", p->index);
    for (unsigned long i = 0; i < p->n; i++) {
        uint64_t seq = 0;
        snprintf(details, sizeof details, "{\"producer\":%u,\"i\":%lu}", p->index, i);
        if (audit_log(logger, actor, "thread.log", "test", "success", AUDIT_SEVERITY_INFO, details,
                      &seq) != AUDIT_OK) {
            p->failures++;
        } else if (seq <= last) {
            p->out_of_order++;
        } else {
            last = seq;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------ whole-run subscriber */

static atomic_uchar *seen; /* seen[seq] for seq in 1..total */
static atomic_ulong seen_calls, seen_twice, seen_out_of_range;

static int32_t mark_seen(void *ctx, const AuditEvent *event) {
    (void)ctx;
    uint64_t seq = audit_event_seq(event);
    atomic_fetch_add(&seen_calls, 1);
    if (seq == 0 || seq > total) {
        atomic_fetch_add(&seen_out_of_range, 1);
    } else if (atomic_exchange(&seen[seq], 1)) {
        atomic_fetch_add(&seen_twice, 1);
    }
    return 0;
}

/* ------------------------------------------------------------ reader */

typedef struct Reader {
    pthread_t thread;
    const char *path; /* export file */
    unsigned long rounds;
} Reader;

/* The list's seqs strictly increase, lie in (after, total] and number at most `max`. */
static int list_is_sane(const AuditEventList *list, uint64_t after, size_t max) {
    size_t n = audit_event_list_len(list);
    uint64_t previous = after;
    if (n > max) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t seq = audit_event_seq(audit_event_list_get(list, i));
        if (seq <= previous || seq > total) {
            return 0;
        }
        previous = seq;
    }
    return 1;
}

static int file_equals(const char *path, const char *text) {
    FILE *f = fopen(path, "rb");
    size_t length = strlen(text), n;
    char buf[4096];
    size_t at = 0;
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

static void *read_while_logging(void *arg) {
    Reader *r = arg;
    AuditFilter *cursor = audit_filter_new();
    uint64_t last = 0;
    CHECK(cursor != NULL);
    do {
        AuditEventList *list = NULL;
        char *doc = NULL;

        if (CHECK_STATUS(audit_query(logger, NULL, &list), AUDIT_OK)) {
            CHECK(list_is_sane(list, 0, CAPACITY));
        }
        audit_event_list_free(list);

        /* Resume from the last seq seen: only newer events come back. */
        CHECK_STATUS(audit_filter_set_after_seq(cursor, last), AUDIT_OK);
        if (CHECK_STATUS(audit_query(logger, cursor, &list), AUDIT_OK)) {
            size_t n = audit_event_list_len(list);
            CHECK(list_is_sane(list, last, CAPACITY));
            if (n > 0) {
                last = audit_event_seq(audit_event_list_get(list, n - 1));
            }
        }
        audit_event_list_free(list);

        if (CHECK_STATUS(audit_recent(logger, 10, &list), AUDIT_OK)) {
            CHECK(list_is_sane(list, 0, 10));
        }
        audit_event_list_free(list);
        CHECK(audit_logger_count(logger) <= CAPACITY);

        if (r->rounds % 8 == 0) {
            if (CHECK_STATUS(audit_export_json(logger, NULL, &doc), AUDIT_OK)) {
                size_t length = strlen(doc);
                CHECK(doc[0] == '[' && doc[length - 1] == ']');
            }
            audit_string_free(doc);
        }
        if (r->rounds % 64 == 0) {
            doc = NULL;
            if (CHECK_STATUS(audit_export_json(logger, r->path, &doc), AUDIT_OK)) {
                CHECK(file_equals(r->path, doc));
            }
            audit_string_free(doc);
        }
        r->rounds++;
    } while (!atomic_load(&producers_done));
    audit_filter_free(cursor);
    return NULL;
}

/* ------------------------------------------------------------ churner */

/* One churned subscription's ctx; kept until the end so late calls can be caught. */
typedef struct Churned {
    struct Churned *next;
    ChurnGuard guard;
} Churned;

static atomic_ulong churned_count; /* churned ctxs released */

static int32_t churn_callback(void *ctx, const AuditEvent *event) {
    Churned *c = ctx;
    (void)event;
    churn_enter(&c->guard);
    churn_leave(&c->guard);
    return 0;
}

static void churn_free(void *ctx) { churn_freed(&((Churned *)ctx)->guard, &churned_count); }

typedef struct Churner {
    pthread_t thread;
    Churned *all; /* every ctx made, newest first */
    unsigned long subscriptions;
} Churner;

static void *churn_subscriptions(void *arg) {
    Churner *ch = arg;
    do {
        Churned *c = calloc(1, sizeof *c);
        uint64_t id = 0;
        AuditStatus status;
        if (!CHECK(c != NULL)) {
            break;
        }
        if (ch->subscriptions % 4 == 3) {
            status = audit_subscribe_queued(logger, churn_callback, c, churn_free, 4,
                                            AUDIT_OVERFLOW_DROP_OLDEST, 0, &id);
        } else {
            status = audit_subscribe(logger, churn_callback, c, churn_free, &id);
        }
        if (!CHECK_STATUS(status, AUDIT_OK)) {
            free(c);
            break;
        }
        c->next = ch->all;
        ch->all = c;
        ch->subscriptions++;
        CHECK_STATUS(audit_unsubscribe(logger, id), AUDIT_OK);
    } while (!atomic_load(&producers_done));
    return NULL;
}

/* ------------------------------------------------------------ main */

static void pause_briefly(void) {
    struct timespec delay = {0, 1000000};
    nanosleep(&delay, NULL);
}

int main(int argc, char **argv) {
    unsigned long n = 20000;
    if (argc > 1) {
        char *end;
        n = strtoul(argv[1], &end, 10);
        if (*end != '\0' || n == 0 || n > 10000000) {
            fprintf(stderr, "usage: %s [events per producer, default 20000]\n", argv[0]);
            return 2;
        }
    }
    check_watchdog(300);
    total = (uint64_t)PRODUCERS * n;
    seen = calloc(total + 1, sizeof *seen);
    char dir[] = "/tmp/audit-test-threads-XXXXXX", path[64];
    if (seen == NULL || mkdtemp(dir) == NULL) {
        perror("setup");
        return 1;
    }
    snprintf(path, sizeof path, "%s/export.json", dir);

    CHECK_STATUS(audit_logger_new(CAPACITY, &logger), AUDIT_OK);
    uint64_t whole_run = 0;
    CHECK_STATUS(audit_subscribe(logger, mark_seen, NULL, NULL, &whole_run), AUDIT_OK);

    Producer producers[PRODUCERS];
    Reader reader = {.path = path};
    Churner churner = {0};
    CHECK(pthread_create(&reader.thread, NULL, read_while_logging, &reader) == 0);
    CHECK(pthread_create(&churner.thread, NULL, churn_subscriptions, &churner) == 0);
    for (unsigned i = 0; i < PRODUCERS; i++) {
        producers[i] = (Producer){.index = i, .n = n};
        CHECK(pthread_create(&producers[i].thread, NULL, produce, &producers[i]) == 0);
    }
    for (unsigned i = 0; i < PRODUCERS; i++) {
        CHECK(pthread_join(producers[i].thread, NULL) == 0);
        CHECK(producers[i].failures == 0);
        CHECK(producers[i].out_of_order == 0);
    }
    atomic_store(&producers_done, 1);
    CHECK(pthread_join(reader.thread, NULL) == 0);
    CHECK(pthread_join(churner.thread, NULL) == 0);

    /* The counters. */
    uint64_t expected_count = total < CAPACITY ? total : CAPACITY;
    CHECK(audit_logger_appended(logger) == total);
    CHECK(audit_logger_count(logger) == expected_count);
    CHECK(audit_logger_evicted(logger) == total - expected_count);

    /* The ring holds the newest events, contiguous. */
    AuditEventList *list = NULL;
    if (CHECK_STATUS(audit_query(logger, NULL, &list), AUDIT_OK)) {
        size_t len = audit_event_list_len(list);
        CHECK(len == expected_count);
        CHECK(len > 0 && audit_event_seq(audit_event_list_get(list, 0)) == total - len + 1 &&
              audit_event_seq(audit_event_list_get(list, len - 1)) == total);
        CHECK(list_is_sane(list, total - len, CAPACITY));
    }
    audit_event_list_free(list);

    /* The whole-run subscriber saw every event exactly once. */
    uint64_t missing = 0;
    for (uint64_t seq = 1; seq <= total; seq++) {
        missing += !atomic_load(&seen[seq]);
    }
    CHECK(atomic_load(&seen_calls) == total);
    CHECK(missing == 0);
    CHECK(atomic_load(&seen_twice) == 0);
    CHECK(atomic_load(&seen_out_of_range) == 0);
    AuditSubscriptionStats stats = {.struct_size = sizeof stats};
    CHECK_STATUS(audit_subscription_stats(logger, whole_run, &stats), AUDIT_OK);
    CHECK(stats.delivered == total && stats.failed == 0 && stats.dropped == 0);
    CHECK_STATUS(audit_unsubscribe(logger, whole_run), AUDIT_OK);

    audit_logger_free(logger);

    /* Queued subscriptions may finish on their delivery threads a little later
     * (the watchdog bounds the wait). */
    while (atomic_load(&churned_count) < churner.subscriptions) {
        pause_briefly();
    }
    unsigned long violations = 0;
    while (churner.all != NULL) {
        Churned *c = churner.all;
        churner.all = c->next;
        violations += churn_violations(&c->guard);
        free(c);
    }
    CHECK(churner.subscriptions > 0);
    CHECK(atomic_load(&churned_count) == churner.subscriptions);
    CHECK(violations == 0);
    CHECK(reader.rounds > 0);

    remove(path);
    remove(dir);
    free(seen);
    printf("%d producers x %lu events, capacity %d: %lu reader rounds, %lu churned subscriptions\n",
           PRODUCERS, n, CAPACITY, reader.rounds, churner.subscriptions);
    return check_summary();
}
