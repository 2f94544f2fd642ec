/*
 * test_batch.c: audit_log_batch. Consecutive seqs and one timestamp, all or
 * nothing on a bad event (its index named), subscribers once per event in
 * order, and batches from several threads never interleaved.
 */
#define _XOPEN_SOURCE 700

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_logger.h"
#include "check.h"

#define SENTINEL_U64 UINT64_C(0xDEADBEEFCAFEF00D)

static AuditNewEvent new_event(const char *actor) {
    AuditNewEvent e = {
        .actor = actor,
        .action = "user.delete",
        .resource = "user:1",
        .outcome = "success",
        .severity = AUDIT_SEVERITY_WARNING,
        .details_json = "{\"reason\":\"test\"}",
    };
    return e;
}

static AuditEventList *all_events(AuditLogger *logger) {
    AuditEventList *list = NULL;
    CHECK_STATUS(audit_query(logger, NULL, &list), AUDIT_OK);
    return list;
}

static void test_batch_is_stored_in_order(void) {
    AuditLogger *logger = NULL;
    CHECK_STATUS(audit_logger_new(100, &logger), AUDIT_OK);
    uint64_t seq = 0;
    CHECK_STATUS(audit_log(logger, "before", "a", "r", "ok", AUDIT_SEVERITY_INFO, NULL, &seq),
                 AUDIT_OK);
    const char *actors[5] = {"b0", "b1", "b2", "b3", "b4"};
    AuditNewEvent events[5];
    for (int i = 0; i < 5; i++) {
        events[i] = new_event(actors[i]);
    }
    events[2].severity = AUDIT_SEVERITY_CRITICAL;
    events[2].details_json = NULL;
    uint64_t first = SENTINEL_U64;
    CHECK_STATUS(audit_log_batch(logger, events, 5, &first), AUDIT_OK);
    CHECK(first == 2);
    CHECK(audit_logger_appended(logger) == 6);
    /* out_first_seq may be NULL. */
    CHECK_STATUS(audit_log_batch(logger, events, 1, NULL), AUDIT_OK);
    CHECK(audit_logger_appended(logger) == 7);

    AuditEventList *list = all_events(logger);
    if (CHECK(list != NULL) && CHECK(audit_event_list_len(list) == 7)) {
        int64_t stamp = audit_event_timestamp(audit_event_list_get(list, 1));
        for (size_t i = 1; i <= 5; i++) {
            const AuditEvent *e = audit_event_list_get(list, i);
            CHECK(audit_event_seq(e) == i + 1);
            CHECK(strcmp(audit_event_actor(e), actors[i - 1]) == 0);
            CHECK(audit_event_timestamp(e) == stamp);
        }
        const AuditEvent *third = audit_event_list_get(list, 3);
        CHECK(audit_event_severity(third) == AUDIT_SEVERITY_CRITICAL);
        CHECK(strcmp(audit_event_details(third), "{}") == 0);
        CHECK(strcmp(audit_event_details(audit_event_list_get(list, 1)), "{\"reason\":\"test\"}") == 0);
    }
    audit_event_list_free(list);

    /* An empty batch records nothing and gives 0; events may then be NULL. */
    first = SENTINEL_U64;
    CHECK_STATUS(audit_log_batch(logger, NULL, 0, &first), AUDIT_OK);
    CHECK(first == 0);
    CHECK(audit_logger_appended(logger) == 7);
    audit_logger_free(logger);
}

/* Each bad event, at each position, fails the whole batch with its own status. */
static void test_one_bad_event_refuses_the_batch(void) {
    AuditLogger *logger = NULL;
    CHECK_STATUS(audit_logger_new(100, &logger), AUDIT_OK);
    static const char bad_utf8[] = {'a', (char)0xC3, 0};
    struct {
        size_t at;
        AuditNewEvent event;
        AuditStatus status;
    } cases[5];
    for (int i = 0; i < 5; i++) {
        cases[i].event = new_event("bad");
    }
    cases[0].at = 0;
    cases[0].event.actor = NULL;
    cases[0].status = AUDIT_ERR_NULL_ARGUMENT;
    cases[1].at = 3;
    cases[1].event.outcome = bad_utf8;
    cases[1].status = AUDIT_ERR_INVALID_UTF8;
    cases[2].at = 7;
    cases[2].event.severity = 11;
    cases[2].status = AUDIT_ERR_INVALID_SEVERITY;
    cases[3].at = 5;
    cases[3].event.details_json = "[1]";
    cases[3].status = AUDIT_ERR_INVALID_DETAILS;
    cases[4].at = 2;
    cases[4].event.details_json = "{\"a\":1,\"a\":2}";
    cases[4].status = AUDIT_ERR_INVALID_DETAILS;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        AuditNewEvent events[8];
        for (int i = 0; i < 8; i++) {
            events[i] = new_event("good");
        }
        events[cases[c].at] = cases[c].event;
        uint64_t first = SENTINEL_U64;
        CHECK_FAIL(audit_log_batch(logger, events, 8, &first), cases[c].status);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "event %zu: ", cases[c].at);
        CHECK(strncmp(audit_last_error_message(), prefix, strlen(prefix)) == 0);
        CHECK(first == SENTINEL_U64);
        CHECK(audit_logger_appended(logger) == 0);
    }
    uint64_t first = SENTINEL_U64;
    CHECK_FAIL(audit_log_batch(NULL, NULL, 0, &first), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_log_batch(logger, NULL, 3, &first), AUDIT_ERR_NULL_ARGUMENT);
    CHECK(first == SENTINEL_U64);
    CHECK(audit_logger_appended(logger) == 0);
    audit_logger_free(logger);
}

struct seen {
    pthread_mutex_t lock;
    uint64_t seqs[4096];
    char actors[4096][16];
    size_t n;
};

static int32_t record(void *ctx, const AuditEvent *event) {
    struct seen *seen = ctx;
    pthread_mutex_lock(&seen->lock);
    if (seen->n < 4096) {
        seen->seqs[seen->n] = audit_event_seq(event);
        snprintf(seen->actors[seen->n], sizeof seen->actors[0], "%s", audit_event_actor(event));
        seen->n++;
    }
    pthread_mutex_unlock(&seen->lock);
    return 0;
}

#define THREADS 3
#define BATCHES 40
#define SIZE 16

struct producer {
    AuditLogger *logger;
    int id;
};

static void *produce(void *arg) {
    struct producer *p = arg;
    char names[SIZE][16];
    AuditNewEvent events[SIZE];
    for (int b = 0; b < BATCHES; b++) {
        for (int i = 0; i < SIZE; i++) {
            snprintf(names[i], sizeof names[i], "t%d-%d", p->id, i);
            events[i] = new_event(names[i]);
        }
        uint64_t first = 0;
        CHECK_STATUS(audit_log_batch(p->logger, events, SIZE, &first), AUDIT_OK);
    }
    return NULL;
}

/* Batches from several threads: a queued subscriber sees every seq once, in
 * order, and every batch as one run of SIZE events from one thread. */
static void test_batches_from_threads_are_not_interleaved(void) {
    AuditLogger *logger = NULL;
    CHECK_STATUS(audit_logger_new(10000, &logger), AUDIT_OK);
    static struct seen queued = {.lock = PTHREAD_MUTEX_INITIALIZER};
    static struct seen synced = {.lock = PTHREAD_MUTEX_INITIALIZER};
    uint64_t queued_id = 0, sync_id = 0;
    CHECK_STATUS(audit_subscribe_queued(logger, record, &queued, NULL, 64,
                                        AUDIT_OVERFLOW_BLOCK, 30000, &queued_id),
                 AUDIT_OK);
    CHECK_STATUS(audit_subscribe(logger, record, &synced, NULL, &sync_id), AUDIT_OK);
    pthread_t threads[THREADS];
    struct producer producers[THREADS];
    for (int t = 0; t < THREADS; t++) {
        producers[t].logger = logger;
        producers[t].id = t;
        pthread_create(&threads[t], NULL, produce, &producers[t]);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
    }
    CHECK_STATUS(audit_flush(logger, 30000), AUDIT_OK);
    const size_t total = THREADS * BATCHES * SIZE;
    CHECK(queued.n == total);
    CHECK(synced.n == total);
    size_t in_order = 0, whole = 0;
    for (size_t i = 0; i < queued.n; i++) {
        in_order += queued.seqs[i] == i + 1;
        if (i % SIZE == 0) {
            int thread = queued.actors[i][1];
            int ok = 1;
            for (size_t k = 0; k < SIZE && i + k < queued.n; k++) {
                char want[16];
                snprintf(want, sizeof want, "t%c-%zu", thread, k);
                ok &= strcmp(queued.actors[i + k], want) == 0;
            }
            whole += ok;
        }
    }
    CHECK(in_order == total);
    CHECK(whole == total / SIZE);
    audit_logger_free(logger);
}

int main(void) {
    check_watchdog(120);
    test_batch_is_stored_in_order();
    test_one_bad_event_refuses_the_batch();
    test_batches_from_threads_are_not_interleaved();
    return check_summary();
}
