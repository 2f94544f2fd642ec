/*
 * test_reliability: defects found by attacking the C ABI, each checked here so
 * it cannot come back.
 *
 *   - a failing call and audit_last_error_message() from a thread-exit
 *     destructor (after the library's own thread-locals are gone) keep their
 *     status and never abort;
 *   - the OS errno of an I/O failure reaches the caller;
 *   - the same invalid-UTF-8 document gives the same status and message from
 *     a string and from a file;
 *   - queued subscribers receive strictly increasing seqs under 4 producers;
 *   - audit_unsubscribe_with_stats returns the final counters;
 *   - freeing a logger while a queued callback still uses it is safe
 *     (valgrind and ASan check the memory);
 *   - logging nested too deep from synchronous callbacks is refused;
 *   - children forked while other threads log and deliver never hang, and
 *     inherited queued subscriptions are ended in them.
 *
 * Usage: test_reliability [forks]   (default 1000)
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"
#include "child.h"

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* ---- thread teardown ---------------------------------------------------- */

static pthread_key_t teardown_key;
static atomic_int teardown_status = -1;
static char teardown_message[128];

static void at_thread_exit(void *arg) {
    (void)arg;
    /* By now the thread's Rust thread-locals may have been destroyed. */
    AuditStatus st = audit_log(NULL, "a", "b", "c", "d", AUDIT_SEVERITY_INFO, NULL, NULL);
    snprintf(teardown_message, sizeof teardown_message, "%s", audit_last_error_message());
    atomic_store(&teardown_status, (int)st);
}

static void *teardown_thread(void *arg) {
    (void)arg;
    /* Fail once first, so the library's thread-local error state exists. */
    CHECK_FAIL(audit_log(NULL, "a", "b", "c", "d", AUDIT_SEVERITY_INFO, NULL, NULL),
               AUDIT_ERR_NULL_ARGUMENT);
    pthread_setspecific(teardown_key, (void *)1);
    return NULL;
}

static void test_failures_during_thread_teardown(void) {
    /* The key is made before the thread's first library call, so its
     * destructor runs in the last round, after Rust's. */
    CHECK(pthread_key_create(&teardown_key, at_thread_exit) == 0);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, teardown_thread, NULL) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(atomic_load(&teardown_status) == (int)AUDIT_ERR_NULL_ARGUMENT);
    CHECK(strlen(teardown_message) > 0);
    pthread_key_delete(teardown_key);
}

/* ---- errno and UTF-8 parity --------------------------------------------- */

static void test_errno_and_utf8_parity(const char *dir) {
    AuditLogger *log = NULL;
    if (!CHECK_STATUS(audit_logger_new(10, &log), AUDIT_OK)) return;
    char path[512];
    snprintf(path, sizeof path, "%s/missing/out.json", dir);
    CHECK_FAIL(audit_export_json(log, path, NULL), AUDIT_ERR_IO);
    CHECK(audit_last_error_errno() == ENOENT);
    CHECK_FAIL(audit_import_json_file(log, path, NULL), AUDIT_ERR_IO);
    CHECK(audit_last_error_errno() == ENOENT);
    CHECK_FAIL(audit_import_json(log, "[", NULL), AUDIT_ERR_INVALID_DOCUMENT);
    CHECK(audit_last_error_errno() == 0);

    const char doc[] = "[{\"actor\":\"\xff\"}]";
    snprintf(path, sizeof path, "%s/bad-utf8.json", dir);
    FILE *f = fopen(path, "wb");
    if (!CHECK(f != NULL)) return;
    fwrite(doc, 1, sizeof doc - 1, f);
    fclose(f);
    char from_text[256], from_file[256];
    CHECK_FAIL(audit_import_json(log, doc, NULL), AUDIT_ERR_INVALID_UTF8);
    snprintf(from_text, sizeof from_text, "%s", audit_last_error_message());
    CHECK_FAIL(audit_import_json_file(log, path, NULL), AUDIT_ERR_INVALID_UTF8);
    snprintf(from_file, sizeof from_file, "%s", audit_last_error_message());
    CHECK(strcmp(from_text, from_file) == 0);
    CHECK(strstr(from_file, "at byte 11") != NULL);
    remove(path);

    /* Exports over a private file keep it private. */
    snprintf(path, sizeof path, "%s/private.json", dir);
    int fd = open(path, O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0);
    close(fd);
    CHECK_STATUS(audit_export_json(log, path, NULL), AUDIT_OK);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    remove(path);
    audit_logger_free(log);
}

/* ---- ordering ------------------------------------------------------------ */

struct order {
    uint64_t last;
    atomic_long seen, out_of_order;
};

static int32_t check_order(void *ctx, const AuditEvent *e) {
    struct order *o = ctx;
    uint64_t seq = audit_event_seq(e);
    if (seq <= o->last) atomic_fetch_add(&o->out_of_order, 1);
    o->last = seq;
    atomic_fetch_add(&o->seen, 1);
    return 0;
}

struct producer {
    AuditLogger *log;
    int n;
};

static void *produce(void *arg) {
    struct producer *p = arg;
    for (int i = 0; i < p->n; i++) {
        audit_log(p->log, "p", "a", "r", "o", AUDIT_SEVERITY_INFO, NULL, NULL);
    }
    return NULL;
}

static void test_order_under_four_producers(int per_thread) {
    AuditLogger *log = NULL;
    if (!CHECK_STATUS(audit_logger_new(1000, &log), AUDIT_OK)) return;
    static struct order orders[3];
    uint32_t policies[3] = {AUDIT_OVERFLOW_DROP_OLDEST, AUDIT_OVERFLOW_DROP_NEWEST,
                            AUDIT_OVERFLOW_BLOCK};
    uint64_t ids[3];
    for (int i = 0; i < 3; i++) {
        memset(&orders[i], 0, sizeof orders[i]);
        CHECK_STATUS(audit_subscribe_queued(log, check_order, &orders[i], NULL, 32, policies[i],
                                            60000, &ids[i]),
                     AUDIT_OK);
    }
    pthread_t t[4];
    struct producer p = {log, per_thread};
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, produce, &p);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    CHECK_STATUS(audit_flush(log, 60000), AUDIT_OK);
    for (int i = 0; i < 3; i++) {
        AuditSubscriptionStats stats = {.struct_size = sizeof stats};
        CHECK_STATUS(audit_unsubscribe_with_stats(log, ids[i], &stats), AUDIT_OK);
        CHECK(atomic_load(&orders[i].out_of_order) == 0);
        CHECK(stats.delivered == (uint64_t)atomic_load(&orders[i].seen));
        CHECK(stats.delivered + stats.dropped == (uint64_t)(4 * per_thread));
        if (policies[i] == AUDIT_OVERFLOW_BLOCK) CHECK(stats.dropped == 0);
        CHECK_FAIL(audit_unsubscribe_with_stats(log, ids[i], &stats), AUDIT_ERR_NOT_FOUND);
    }
    audit_logger_free(log);
}

/* ---- free while a queued callback runs ------------------------------------ */

struct late_user {
    AuditLogger *log;
    atomic_int entered, done;
    AuditStatus logged;
    uint64_t count;
};

static int32_t use_logger_late(void *ctx, const AuditEvent *e) {
    (void)e;
    struct late_user *u = ctx;
    if (atomic_exchange(&u->entered, 1)) return 0;
    sleep_ms(200); /* the main thread frees the logger meanwhile */
    u->logged = audit_log(u->log, "late", "a", "r", "o", AUDIT_SEVERITY_INFO, NULL, NULL);
    u->count = audit_logger_count(u->log);
    atomic_store(&u->done, 1);
    return 0;
}

static void test_free_while_a_queued_callback_runs(void) {
    static struct late_user u;
    if (!CHECK_STATUS(audit_logger_new(10, &u.log), AUDIT_OK)) return;
    uint64_t id;
    CHECK_STATUS(audit_subscribe_queued(u.log, use_logger_late, &u, NULL, 4,
                                        AUDIT_OVERFLOW_DROP_OLDEST, 0, &id),
                 AUDIT_OK);
    audit_log(u.log, "a", "b", "c", "d", AUDIT_SEVERITY_INFO, NULL, NULL);
    for (int i = 0; i < 5000 && !atomic_load(&u.entered); i++) sleep_ms(1);
    CHECK(atomic_load(&u.entered));
    audit_logger_free(u.log); /* returns at once; the callback still runs */
    for (int i = 0; i < 10000 && !atomic_load(&u.done); i++) sleep_ms(1);
    CHECK(atomic_load(&u.done));
    CHECK(u.logged == AUDIT_OK);
    CHECK(u.count == 2);
    sleep_ms(50); /* the delivery thread releases the logger */
}

/* ---- nesting ------------------------------------------------------------- */

static AuditStatus deepest_refusal = AUDIT_OK;

static int32_t log_again(void *ctx, const AuditEvent *e) {
    (void)e;
    AuditStatus st = audit_log(ctx, "nested", "a", "r", "o", AUDIT_SEVERITY_INFO, NULL, NULL);
    if (st != AUDIT_OK) deepest_refusal = st;
    return 0;
}

static void test_nesting_is_bounded(void) {
    AuditLogger *log = NULL;
    if (!CHECK_STATUS(audit_logger_new(100, &log), AUDIT_OK)) return;
    uint64_t id;
    CHECK_STATUS(audit_subscribe(log, log_again, log, NULL, &id), AUDIT_OK);
    CHECK_STATUS(audit_log(log, "top", "a", "r", "o", AUDIT_SEVERITY_INFO, NULL, NULL),
                 AUDIT_OK);
    CHECK(deepest_refusal == AUDIT_ERR_TOO_DEEP);
    CHECK(audit_logger_appended(log) == 16);
    CHECK(strcmp(audit_status_str(AUDIT_ERR_TOO_DEEP), "nested too deep") == 0);
    audit_logger_free(log);
}

/* ---- fork ---------------------------------------------------------------- */

static atomic_int forking_done;
static atomic_long delivered_in_parent;

static int32_t count_delivery(void *ctx, const AuditEvent *e) {
    (void)ctx;
    (void)e;
    atomic_fetch_add(&delivered_in_parent, 1);
    return 0;
}

static void *log_until_done(void *arg) {
    AuditLogger *log = arg;
    while (!atomic_load(&forking_done)) {
        audit_log(log, "bg", "a", "r", "o", AUDIT_SEVERITY_INFO, "{\"k\":1}", NULL);
    }
    return NULL;
}

struct fork_ctx {
    AuditLogger *log;
    uint64_t queued_id;
};

/* In the child: log, query, flush (must not time out: the inherited queued
 * subscriptions have ended), export to a string. 0 if all worked. */
static int child_work(void *arg) {
    AuditLogger *log = ((struct fork_ctx *)arg)->log;
    uint64_t queued_id = ((struct fork_ctx *)arg)->queued_id;
    if (audit_log(log, "child", "a", "r", "o", AUDIT_SEVERITY_INFO, NULL, NULL) != AUDIT_OK)
        return 10;
    AuditEventList *list = NULL;
    if (audit_recent(log, 1, &list) != AUDIT_OK) return 11;
    int ok = audit_event_list_len(list) == 1 &&
             strcmp(audit_event_actor(audit_event_list_get(list, 0)), "child") == 0;
    audit_event_list_free(list);
    if (!ok) return 12;
    if (audit_flush(log, 5000) != AUDIT_OK) return 13;
    AuditSubscriptionStats stats = {.struct_size = sizeof stats};
    if (audit_subscription_stats(log, queued_id, &stats) != AUDIT_ERR_NOT_FOUND) return 14;
    char *json = NULL;
    if (audit_export_json(log, NULL, &json) != AUDIT_OK) return 15;
    audit_string_free(json);
    return 0;
}

static void test_fork_while_logging(int forks) {
    AuditLogger *log = NULL;
    if (!CHECK_STATUS(audit_logger_new(500, &log), AUDIT_OK)) return;
    uint64_t queued_id, blocking_id;
    CHECK_STATUS(audit_subscribe_queued(log, count_delivery, NULL, NULL, 16,
                                        AUDIT_OVERFLOW_DROP_OLDEST, 0, &queued_id),
                 AUDIT_OK);
    CHECK_STATUS(audit_subscribe_queued(log, count_delivery, NULL, NULL, 4, AUDIT_OVERFLOW_BLOCK,
                                        UINT32_MAX, &blocking_id),
                 AUDIT_OK);
    pthread_t bg[2];
    for (int i = 0; i < 2; i++) pthread_create(&bg[i], NULL, log_until_done, log);
    int hung = 0, failed = 0;
    struct fork_ctx ctx = {log, queued_id};
    for (int i = 0; i < forks; i++) {
        int code = check_in_child(child_work, &ctx, 10);
        if (code == CHILD_HUNG) {
            hung++;
        } else if (code != 0) {
            failed++;
            if (failed < 5) fprintf(stderr, "fork %d: child result %d\n", i, code);
        }
    }
    atomic_store(&forking_done, 1);
    for (int i = 0; i < 2; i++) pthread_join(bg[i], NULL);
    CHECK(hung == 0);
    CHECK(failed == 0);
    /* The parent's subscriptions go on working. */
    CHECK_STATUS(audit_flush(log, 60000), AUDIT_OK);
    CHECK(atomic_load(&delivered_in_parent) > 0);
    printf("RELIABILITY fork forks=%d hung=%d failed=%d\n", forks, hung, failed);
    audit_logger_free(log);
}

int main(int argc, char **argv) {
    int forks = argc > 1 ? atoi(argv[1]) : 1000;
    check_watchdog(600);
    char dir[] = "/tmp/audit-test-reliability-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_failures_during_thread_teardown();
    test_errno_and_utf8_parity(dir);
    test_order_under_four_producers(forks >= 1000 ? 20000 : 2000);
    test_free_while_a_queued_callback_runs();
    test_nesting_is_bounded();
    test_fork_while_logging(forks);
    rmdir(dir);
    return check_summary();
}
