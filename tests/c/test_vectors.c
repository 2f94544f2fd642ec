/*
 * test_vectors.c: runs the conformance scenarios through the C API.
 *
 *   test_vectors DIR      (runs every DIR/ *.json, in name order)
 *
 * Follows tests/vectors/README.md: one logger per scenario, steps in order, an
 * `expect` with `error` names the status that must come back (AUDIT_ERR_ +
 * name), otherwise the step must succeed and give exactly the expected values.
 * Each step counts as one check; a failing step prints the scenario name, the
 * step index and what differed.
 */
#define _XOPEN_SOURCE 700

#include <cjson/cJSON.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_logger.h"
#include "check.h"

#define MAX_SUBSCRIBERS 16
#define MAX_RECEIVED 1024

/* A `subscribe` step's recorder: the seqs its callback received. */
typedef struct Recorder {
    char name[64];
    uint64_t id;
    uint64_t seqs[MAX_RECEIVED];
    size_t count;
} Recorder;

static int32_t record_seq(void *ctx, const AuditEvent *event) {
    Recorder *r = ctx;
    if (r->count == MAX_RECEIVED) {
        return 1;
    }
    r->seqs[r->count++] = audit_event_seq(event);
    return 0;
}

/* One scenario being run. */
typedef struct Scenario {
    const char *name;
    AuditLogger *logger;
    Recorder recorders[MAX_SUBSCRIBERS];
    size_t recorder_count;
} Scenario;

/* The outcome of a step: "" when it passed, else why not. */
typedef struct Outcome {
    char why[1024];
} Outcome;

static void fail(Outcome *o, const char *format, ...) {
    va_list args;
    if (o->why[0] != '\0') {
        return; /* keep the first reason */
    }
    va_start(args, format);
    vsnprintf(o->why, sizeof o->why, format, args);
    va_end(args);
}

/* ------------------------------------------------------------ reading steps */

static const char *text_field(const cJSON *step, const char *key, Outcome *o) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(step, key);
    if (!cJSON_IsString(item)) {
        fail(o, "\"%s\" is not a string", key);
        return "";
    }
    return item->valuestring;
}

/* Numbers in the vectors are integers that a double holds exactly (< 2^53). */
static int has_number(const cJSON *object, const char *key, double *out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (!cJSON_IsNumber(item)) {
        return 0;
    }
    *out = item->valuedouble;
    return 1;
}

static double number_field(const cJSON *step, const char *key, Outcome *o) {
    double value = 0;
    if (!has_number(step, key, &value)) {
        fail(o, "\"%s\" is not a number", key);
    }
    return value;
}

/* ------------------------------------------------------------ comparing results */

/* The status named by expect.error ("INVALID_SEVERITY" is AUDIT_ERR_INVALID_SEVERITY). */
static int status_named(const char *name, AuditStatus *out) {
    for (AuditStatus s = 1; s < CHECK_STATUS_COUNT; s++) {
        const char *full = check_status_names[s];
        if (full != NULL && strcmp(full + strlen("AUDIT_ERR_"), name) == 0) {
            *out = s;
            return 1;
        }
    }
    return 0;
}

/* Marks each key of `expect` as compared; anything left over is a mismatch.
 * A NULL Expect compares nothing (the step was expected to fail). */
typedef struct Expect {
    const cJSON *object;
    const char *compared[8];
    size_t count;
} Expect;

static const cJSON *expected(Expect *e, const char *key) {
    if (e->count < 8) {
        e->compared[e->count++] = key;
    }
    return cJSON_GetObjectItemCaseSensitive(e->object, key);
}

static void expect_nothing_else(Expect *e, Outcome *o) {
    const cJSON *item;
    cJSON_ArrayForEach(item, e->object) {
        int known = 0;
        for (size_t i = 0; i < e->count; i++) {
            known |= strcmp(item->string, e->compared[i]) == 0;
        }
        if (!known) {
            fail(o, "expect has \"%s\", which this op does not produce", item->string);
        }
    }
}

static void expect_number(Expect *e, const char *key, double got, Outcome *o) {
    if (e == NULL) {
        return;
    }
    const cJSON *want = expected(e, key);
    if (!cJSON_IsNumber(want)) {
        fail(o, "expect.%s is missing or not a number", key);
    } else if (want->valuedouble != got) {
        fail(o, "%s is %.0f, expected %.0f", key, got, want->valuedouble);
    }
}

/* Up to 40 bytes of `s` from `at`, control characters escaped, for one-line messages. */
static const char *excerpt(const char *s, size_t at, char *buf, size_t size) {
    size_t used = 0;
    for (size_t i = at; s[i] != '\0' && i < at + 40 && used + 8 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        used += (size_t)(c < 0x20 || c == 0x7f
                             ? snprintf(buf + used, size - used, "\\x%02x", c)
                             : snprintf(buf + used, size - used, "%c", c));
    }
    buf[used] = '\0';
    return buf;
}

static void expect_text(Expect *e, const char *key, const char *got, Outcome *o) {
    if (e == NULL) {
        return;
    }
    const cJSON *want = expected(e, key);
    if (!cJSON_IsString(want)) {
        fail(o, "expect.%s is missing or not a string", key);
    } else if (got == NULL) {
        fail(o, "%s is NULL", key);
    } else if (strcmp(want->valuestring, got) != 0) {
        size_t at = 0;
        char a[400], b[400];
        while (got[at] != '\0' && got[at] == want->valuestring[at]) {
            at++;
        }
        fail(o, "%s differs at byte %zu: got \"%s\", expected \"%s\"", key, at,
             excerpt(got, at, a, sizeof a), excerpt(want->valuestring, at, b, sizeof b));
    }
}

static void expect_bool(Expect *e, const char *key, int got, Outcome *o) {
    if (e == NULL) {
        return;
    }
    const cJSON *want = expected(e, key);
    if (!cJSON_IsBool(want)) {
        fail(o, "expect.%s is missing or not a boolean", key);
    } else if (cJSON_IsTrue(want) != (got != 0)) {
        fail(o, "%s is %s, expected %s", key, got ? "true" : "false",
             cJSON_IsTrue(want) ? "true" : "false");
    }
}

static void format_seqs(char *buf, size_t size, const uint64_t *seqs, size_t n) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        used += (size_t)snprintf(buf + used, size - used, "%s%" PRIu64, i ? "," : "", seqs[i]);
    }
}

static void expect_seqs(Expect *e, const uint64_t *got, size_t n, Outcome *o) {
    const cJSON *want, *item;
    uint64_t wanted[MAX_RECEIVED];
    size_t count = 0;
    if (e == NULL) {
        return;
    }
    want = expected(e, "seqs");
    if (!cJSON_IsArray(want)) {
        fail(o, "expect.seqs is missing or not an array");
        return;
    }
    cJSON_ArrayForEach(item, want) {
        if (count < MAX_RECEIVED) {
            wanted[count++] = (uint64_t)item->valuedouble;
        }
    }
    if (count != n || (n > 0 && memcmp(wanted, got, n * sizeof *got) != 0)) {
        char a[512], b[512];
        format_seqs(a, sizeof a, got, n);
        format_seqs(b, sizeof b, wanted, count);
        fail(o, "seqs are [%s], expected [%s]", a, b);
    }
}

static void expect_list_seqs(Expect *e, const AuditEventList *list, Outcome *o) {
    uint64_t seqs[MAX_RECEIVED];
    size_t n = audit_event_list_len(list);
    if (n > MAX_RECEIVED) {
        fail(o, "%zu events is more than this runner compares", n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        seqs[i] = audit_event_seq(audit_event_list_get(list, i));
    }
    expect_seqs(e, seqs, n, o);
}

/* ------------------------------------------------------------ ops */

static Recorder *recorder_named(Scenario *s, const char *name) {
    for (size_t i = 0; i < s->recorder_count; i++) {
        if (strcmp(s->recorders[i].name, name) == 0) {
            return &s->recorders[i];
        }
    }
    return NULL;
}

/* Builds the filter a `query` step describes. */
static AuditFilter *make_filter(const cJSON *spec, Outcome *o) {
    static const struct {
        const char *key;
        AuditStatus (*set)(AuditFilter *, const char *);
    } strings[] = {{"actor", audit_filter_set_actor},
                   {"action", audit_filter_set_action},
                   {"resource", audit_filter_set_resource},
                   {"outcome", audit_filter_set_outcome}};
    AuditFilter *f = audit_filter_new();
    const cJSON *item;
    double v;
    if (f == NULL) {
        fail(o, "audit_filter_new returned NULL");
        return NULL;
    }
    cJSON_ArrayForEach(item, spec) {
        int known = 0;
        for (size_t i = 0; i < 4; i++) {
            if (strcmp(item->string, strings[i].key) == 0) {
                known = 1;
                if (!cJSON_IsString(item) || strings[i].set(f, item->valuestring) != AUDIT_OK) {
                    fail(o, "cannot set filter %s", item->string);
                }
            }
        }
        if (known) {
            continue;
        }
        if (!has_number(spec, item->string, &v)) {
            fail(o, "filter %s is not a string or number", item->string);
        } else if (strcmp(item->string, "min_severity") == 0) {
            known = audit_filter_set_min_severity(f, (uint32_t)v) == AUDIT_OK;
        } else if (strcmp(item->string, "max_severity") == 0) {
            known = audit_filter_set_max_severity(f, (uint32_t)v) == AUDIT_OK;
        } else if (strcmp(item->string, "since") == 0) {
            known = audit_filter_set_since(f, (int64_t)v) == AUDIT_OK;
        } else if (strcmp(item->string, "until") == 0) {
            known = audit_filter_set_until(f, (int64_t)v) == AUDIT_OK;
        } else if (strcmp(item->string, "after_seq") == 0) {
            known = audit_filter_set_after_seq(f, (uint64_t)v) == AUDIT_OK;
        } else if (strcmp(item->string, "limit") == 0) {
            known = audit_filter_set_limit(f, (size_t)v) == AUDIT_OK;
        }
        if (!known) {
            fail(o, "cannot set filter %s", item->string);
        }
    }
    return f;
}

/* Runs one step: the library status, and on success compares the results. */
static AuditStatus run_op(Scenario *s, const char *op, const cJSON *step, Expect *e,
                          Outcome *o) {
    AuditStatus status = AUDIT_OK;
    AuditEventList *list = NULL;

    if (strcmp(op, "create") == 0) {
        AuditLogger *made = NULL;
        status = audit_logger_new((size_t)number_field(step, "capacity", o), &made);
        audit_logger_free(made);
    } else if (strcmp(op, "log") == 0) {
        const cJSON *details = cJSON_GetObjectItemCaseSensitive(step, "details");
        uint64_t seq = 0;
        if (!cJSON_IsNull(details) && !cJSON_IsString(details)) {
            fail(o, "\"details\" is neither a string nor null");
        }
        status = audit_log(s->logger, text_field(step, "actor", o), text_field(step, "action", o),
                           text_field(step, "resource", o), text_field(step, "outcome", o),
                           (uint32_t)number_field(step, "severity", o),
                           cJSON_IsString(details) ? details->valuestring : NULL, &seq);
        if (status == AUDIT_OK) {
            expect_number(e, "seq", (double)seq, o);
        }
    } else if (strcmp(op, "query") == 0) {
        AuditFilter *f = make_filter(cJSON_GetObjectItemCaseSensitive(step, "filter"), o);
        status = audit_query(s->logger, f, &list);
        if (status == AUDIT_OK) {
            expect_list_seqs(e, list, o);
        }
        audit_filter_free(f);
    } else if (strcmp(op, "recent") == 0) {
        status = audit_recent(s->logger, (size_t)number_field(step, "n", o), &list);
        if (status == AUDIT_OK) {
            expect_list_seqs(e, list, o);
        }
    } else if (strcmp(op, "event") == 0) {
        status = audit_get(s->logger, (uint64_t)number_field(step, "seq", o), &list);
        const AuditEvent *event = audit_event_list_get(list, 0);
        if (status == AUDIT_OK) {
            expect_text(e, "actor", audit_event_actor(event), o);
            expect_text(e, "action", audit_event_action(event), o);
            expect_text(e, "resource", audit_event_resource(event), o);
            expect_text(e, "outcome", audit_event_outcome(event), o);
            expect_number(e, "severity", audit_event_severity(event), o);
            expect_text(e, "details", audit_event_details(event), o);
            if (e != NULL && cJSON_GetObjectItemCaseSensitive(e->object, "timestamp") != NULL) {
                expect_number(e, "timestamp", (double)audit_event_timestamp(event), o);
            }
        }
    } else if (strcmp(op, "counters") == 0) {
        expect_number(e, "count", (double)audit_logger_count(s->logger), o);
        expect_number(e, "capacity", (double)audit_logger_capacity(s->logger), o);
        expect_number(e, "evicted", (double)audit_logger_evicted(s->logger), o);
        expect_number(e, "appended", (double)audit_logger_appended(s->logger), o);
    } else if (strcmp(op, "import") == 0) {
        size_t imported = 0;
        status = audit_import_json(s->logger, text_field(step, "json", o), &imported);
        if (status == AUDIT_OK) {
            expect_number(e, "imported", (double)imported, o);
        }
    } else if (strcmp(op, "export") == 0) {
        char *doc = NULL;
        status = audit_export_json(s->logger, NULL, &doc);
        if (status == AUDIT_OK) {
            expect_text(e, "json", doc, o); /* byte for byte */
        }
        audit_string_free(doc);
    } else if (strcmp(op, "severity_from_name") == 0) {
        uint32_t severity = 0;
        status = audit_severity_from_name(text_field(step, "name", o), &severity);
        if (status == AUDIT_OK) {
            expect_number(e, "severity", severity, o);
        }
    } else if (strcmp(op, "subscribe") == 0) {
        const char *name = text_field(step, "name", o);
        if (s->recorder_count == MAX_SUBSCRIBERS || recorder_named(s, name) != NULL) {
            fail(o, "cannot add subscriber \"%s\"", name);
        } else {
            Recorder *r = &s->recorders[s->recorder_count];
            memset(r, 0, sizeof *r);
            snprintf(r->name, sizeof r->name, "%s", name);
            status = audit_subscribe(s->logger, record_seq, r, NULL, &r->id);
            s->recorder_count += status == AUDIT_OK;
        }
    } else if (strcmp(op, "unsubscribe") == 0) {
        const Recorder *r = recorder_named(s, text_field(step, "name", o));
        if (r == NULL) {
            fail(o, "no subscriber of that name");
        } else {
            /* AUDIT_ERR_NOT_FOUND is the answer "nothing was removed". */
            status = audit_unsubscribe(s->logger, r->id);
            if (status == AUDIT_OK || status == AUDIT_ERR_NOT_FOUND) {
                expect_bool(e, "removed", status == AUDIT_OK, o);
                status = AUDIT_OK;
            }
        }
    } else if (strcmp(op, "received") == 0) {
        const Recorder *r = recorder_named(s, text_field(step, "name", o));
        if (r == NULL) {
            fail(o, "no subscriber of that name");
        } else {
            expect_seqs(e, r->seqs, r->count, o);
        }
    } else {
        fail(o, "unknown op \"%s\"", op);
    }
    audit_event_list_free(list);
    return status;
}

static void run_step(Scenario *s, size_t index, const cJSON *step) {
    Outcome o = {{0}};
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(step, "op");
    Expect e = {.object = cJSON_GetObjectItemCaseSensitive(step, "expect")};
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(e.object, "error");
    AuditStatus want = AUDIT_OK;

    if (!cJSON_IsString(op)) {
        fail(&o, "no op");
    } else if (error != NULL && (!cJSON_IsString(error) || !status_named(error->valuestring, &want))) {
        fail(&o, "unknown error name in expect");
    } else {
        /* A step expected to fail compares no results (Expect NULL), so only
         * unreadable inputs and the status can fail it. */
        AuditStatus got = run_op(s, op->valuestring, step, want == AUDIT_OK ? &e : NULL, &o);
        if (got != want) {
            fail(&o, "returned %s, expected %s%s%s%s", check_status_name(got),
                 check_status_name(want), got ? " (last error: \"" : "",
                 got ? audit_last_error_message() : "", got ? "\")" : "");
        } else if (want == AUDIT_OK) {
            expect_nothing_else(&e, &o);
        }
    }
    if (o.why[0] != '\0') {
        fprintf(stderr, "FAILED: %s step %zu (%s): %s\n", s->name, index,
                cJSON_IsString(op) ? op->valuestring : "?", o.why);
    }
    check_tally(o.why[0] == '\0');
}

/* ------------------------------------------------------------ files */

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long size;
    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1)) != NULL) {
        if (fread(text, 1, (size_t)size, f) != (size_t)size) {
            free(text);
            text = NULL;
        } else {
            text[size] = '\0';
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return text;
}

static void run_file(const char *dir, const char *file) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *text = read_file(path);
    cJSON *vector = text ? cJSON_Parse(text) : NULL;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(vector, "name");
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(vector, "steps");
    double capacity = 0;
    free(text);
    if (!check_report(cJSON_IsString(name) && cJSON_IsArray(steps) &&
                          has_number(vector, "capacity", &capacity),
                      __FILE__, __LINE__, "the vector file reads as a scenario")) {
        fprintf(stderr, "FAILED: %s cannot be read as a scenario\n", path);
        cJSON_Delete(vector);
        return;
    }

    Scenario s = {.name = name->valuestring};
    if (CHECK_STATUS(audit_logger_new((size_t)capacity, &s.logger), AUDIT_OK)) {
        const cJSON *step;
        size_t index = 0;
        cJSON_ArrayForEach(step, steps) {
            run_step(&s, index++, step);
        }
    }
    audit_logger_free(s.logger);
    cJSON_Delete(vector);
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
        return 2;
    }
    check_watchdog(120);
    DIR *dir = opendir(argv[1]);
    if (dir == NULL) {
        perror(argv[1]);
        return 1;
    }
    char *names[256];
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && count < 256) {
        size_t length = strlen(entry->d_name);
        if (length > 5 && strcmp(entry->d_name + length - 5, ".json") == 0) {
            names[count++] = strdup(entry->d_name);
        }
    }
    closedir(dir);
    qsort(names, count, sizeof names[0], compare_names);

    CHECK(count > 0); /* an empty directory is a mistake, not a pass */
    for (size_t i = 0; i < count; i++) {
        run_file(argv[1], names[i]);
        free(names[i]);
    }
    printf("%zu vector files\n", count);
    return check_summary();
}
