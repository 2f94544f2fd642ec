/*
 * test_journal: a logger with a journal through the C ABI: configuration
 * errors, durability under AUDIT_FSYNC_ALWAYS, restore and the continued
 * sequence after free and reopen, one writer per directory, and a full disk
 * (a 256 KiB tmpfs where mounting is permitted) refusing events without
 * losing any that were accepted; exports with proofs of a query result that
 * verify offline from the anchor alone, and a changed event in one detected
 * with its class and seq; fsync counts under group commit; a child forked
 * from a process with a journaled logger and a forwarder: its events are
 * refused with the reason, no forwarder can be attached, freeing returns at
 * once, and the parent's journal and forwarder go on as if it never was; and
 * children forked while a thread of the parent reads the journal's and the
 * forwarder's stats, whose stats calls answer at once.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "child.h"

/* audit_journal_verify of `dir` against its own anchor.pub: the verdict (99
 * if the call failed); the report goes to *report, to be freed. */
static uint32_t verify_journal(const char *dir, char **report) {
    char anchor[700];
    snprintf(anchor, sizeof anchor, "%s/anchor.pub", dir);
    uint32_t verdict = 99;
    *report = NULL;
    CHECK_STATUS(audit_journal_verify(dir, anchor, &verdict, report), AUDIT_OK);
    return verdict;
}

static AuditConfig *journal_config(const char *dir, uint32_t policy) {
    AuditConfig *cfg = audit_config_new();
    CHECK_STATUS(audit_config_set_capacity(cfg, 100), AUDIT_OK);
    CHECK_STATUS(audit_config_set_journal(cfg, dir), AUDIT_OK);
    CHECK_STATUS(audit_config_set_journal_fsync(cfg, policy, 100, 10, 1), AUDIT_OK);
    CHECK_STATUS(audit_config_set_journal_epoch(cfg, 25, 60000), AUDIT_OK);
    return cfg;
}

static void test_configuration_errors(void) {
    AuditConfig *cfg = audit_config_new();
    CHECK_FAIL(audit_config_set_journal_fsync(cfg, AUDIT_FSYNC_ALWAYS, 0, 0, 1),
               AUDIT_ERR_INVALID_ARGUMENT); /* no journal yet */
    CHECK_STATUS(audit_config_set_journal(cfg, "/tmp/unused-journal"), AUDIT_OK);
    CHECK_FAIL(audit_config_set_journal_fsync(cfg, 9, 0, 0, 1), AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_FAIL(audit_config_set_journal_fsync(cfg, AUDIT_FSYNC_BATCH, 0, 10, 1),
               AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_FAIL(audit_config_set_journal_epoch(cfg, 0, 10), AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(audit_config_set_journal_segments(cfg, 1 << 20, 3600), AUDIT_OK);
    CHECK_STATUS(audit_config_set_journal_retention(cfg, 0, 10, 0), AUDIT_OK);
    CHECK_STATUS(audit_config_set_journal(cfg, NULL), AUDIT_OK);
    AuditLogger *log = NULL;
    CHECK_STATUS(audit_logger_new_with_config(cfg, &log), AUDIT_OK);
    AuditJournalStats stats = {.struct_size = sizeof stats};
    CHECK_FAIL(audit_journal_stats(log, &stats), AUDIT_ERR_NOT_FOUND);
    audit_logger_free(log);
    audit_config_free(cfg);
}

static void test_durable_restore_and_lock(const char *dir) {
    AuditConfig *cfg = journal_config(dir, AUDIT_FSYNC_ALWAYS);
    AuditLogger *log = NULL;
    if (!CHECK_STATUS(audit_logger_new_with_config(cfg, &log), AUDIT_OK)) return;
    for (int i = 0; i < 150; i++) {
        uint64_t seq = 0;
        CHECK_STATUS(audit_log(log, "alice", "file.read", "/srv", "ok", AUDIT_SEVERITY_INFO,
                               "{\"i\":1}", &seq),
                     AUDIT_OK);
        AuditJournalStats stats = {.struct_size = sizeof stats};
        CHECK_STATUS(audit_journal_stats(log, &stats), AUDIT_OK);
        CHECK(stats.durable_seq >= seq);
    }
    AuditJournalStats stats = {.struct_size = sizeof stats};
    CHECK_STATUS(audit_journal_stats(log, &stats), AUDIT_OK);
    CHECK(stats.checkpoints >= 5 && stats.failing == 0);

    AuditLogger *second = NULL;
    CHECK_FAIL(audit_logger_new_with_config(cfg, &second), AUDIT_ERR_IO);
    CHECK(strstr(audit_last_error_message(), "lock") != NULL);
    audit_logger_free(log);

    CHECK_STATUS(audit_logger_new_with_config(cfg, &log), AUDIT_OK);
    CHECK(audit_logger_count(log) == 100);
    CHECK(audit_logger_appended(log) == 150);
    uint64_t seq = 0;
    CHECK_STATUS(audit_log(log, "bob", "a", "r", "o", AUDIT_SEVERITY_CRITICAL, NULL, &seq),
                 AUDIT_OK);
    CHECK(seq == 151);
    audit_logger_free(log);
    audit_config_free(cfg);

    /* The closed journal is sealed to the end and verifies from its anchor. */
    char *report = NULL;
    uint32_t verdict = verify_journal(dir, &report);
    CHECK(verdict == AUDIT_VERIFY_VALID);
    CHECK(report != NULL && strstr(report, "\"events_verified\":151") != NULL);
    audit_string_free(report);
    CHECK_FAIL(audit_journal_verify(dir, "not a key", &verdict, NULL), AUDIT_ERR_INVALID_ARGUMENT);

    /* Change one byte of one event ("alice" -> "alicf"): the seal says so. */
    char segment[700];
    snprintf(segment, sizeof segment, "%s/00000000000000000001.seg", dir);
    FILE *f = fopen(segment, "r+b");
    if (!CHECK(f != NULL)) return;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    char *hit = memmem(buf, n, "alice", 5);
    if (CHECK(hit != NULL)) {
        fseek(f, (long)(hit - buf) + 4, SEEK_SET);
        fputc('f', f);
    }
    fclose(f);
    CHECK(verify_journal(dir, &report) == AUDIT_VERIFY_TAMPERED);
    CHECK(report != NULL && strstr(report, "\"findings\":[{") != NULL);
    audit_string_free(report);
}

static void test_full_disk(const char *dir) {
    if (mount("tmpfs", dir, "tmpfs", 0, "size=256k") != 0) {
        printf("SKIPPED full-disk case: cannot mount a tmpfs (%s)\n", strerror(errno));
        return;
    }
    AuditConfig *cfg = journal_config(dir, AUDIT_FSYNC_ALWAYS);
    AuditLogger *log = NULL;
    if (CHECK_STATUS(audit_logger_new_with_config(cfg, &log), AUDIT_OK)) {
        char details[1024];
        memset(details, 0, sizeof details);
        strcpy(details, "{\"pad\":\"");
        memset(details + 8, 'x', 900);
        strcpy(details + 908, "\"}");
        uint64_t accepted = 0;
        AuditStatus st = AUDIT_OK;
        for (int i = 0; i < 2000 && st == AUDIT_OK; i++) {
            uint64_t seq = 0;
            st = audit_log(log, "filler", "a", "r", "o", AUDIT_SEVERITY_INFO, details, &seq);
            if (st == AUDIT_OK) accepted = seq;
        }
        CHECK(st == AUDIT_ERR_IO);
        CHECK(audit_last_error_errno() == ENOSPC || strstr(audit_last_error_message(), "space") != NULL);
        printf("full disk after %llu accepted events: %s\n", (unsigned long long)accepted,
               audit_last_error_message());
        AuditJournalStats stats = {.struct_size = sizeof stats};
        CHECK_STATUS(audit_journal_stats(log, &stats), AUDIT_OK);
        CHECK(stats.failing != 0);
        CHECK(stats.durable_seq >= accepted);
        audit_logger_free(log);
    }
    audit_config_free(cfg);
    umount(dir);
}

/* Reads the whole file at `path` into a NUL-terminated buffer (free it). */
static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf) buf[n] = '\0';
    fclose(f);
    if (len) *len = (size_t)n;
    return buf;
}

static int write_file(const char *path, const char *text, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fwrite(text, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static void test_export_with_proofs(const char *dir) {
    char anchor[700], bundle[700], plain[700];
    snprintf(anchor, sizeof anchor, "%s/anchor.pub", dir);
    snprintf(bundle, sizeof bundle, "%s.bob.json", dir);
    snprintf(plain, sizeof plain, "%s.plain.json", dir);
    AuditConfig *cfg = journal_config(dir, AUDIT_FSYNC_ALWAYS);
    CHECK_STATUS(audit_config_set_journal_epoch(cfg, 1000, 60000), AUDIT_OK);
    AuditLogger *log = NULL;
    if (!CHECK_STATUS(audit_logger_new_with_config(cfg, &log), AUDIT_OK)) {
        audit_config_free(cfg);
        return;
    }
    uint64_t seq40 = 0;
    for (int i = 0; i < 120; i++) {
        char resource[32];
        snprintf(resource, sizeof resource, "doc-%04d", i);
        uint64_t seq = 0;
        CHECK_STATUS(audit_log(log, i % 4 == 0 ? "bob" : "alice", "file.read", resource, "ok",
                               AUDIT_SEVERITY_INFO, NULL, &seq),
                     AUDIT_OK);
        if (i == 40) seq40 = seq;
    }
    /* Nothing is sealed yet (the epoch is 1,000 events): nothing to prove. */
    char *json = NULL;
    CHECK_FAIL(audit_journal_export_proofs(dir, NULL, NULL, &json, NULL),
               AUDIT_ERR_INVALID_ARGUMENT);
    AuditJournalStats stats = {.struct_size = sizeof stats};
    CHECK_STATUS(audit_journal_stats(log, &stats), AUDIT_OK);
    /* Under always every event was fsynced, by one fsync or shared ones. */
    CHECK(stats.fsyncs >= 1 && stats.fsyncs <= 120);
    /* A caller compiled before fsyncs existed (56 bytes) gets nothing past its struct. */
    AuditJournalStats v1;
    memset(&v1, 0xab, sizeof v1);
    v1.struct_size = offsetof(AuditJournalStats, fsyncs);
    CHECK_STATUS(audit_journal_stats(log, &v1), AUDIT_OK);
    CHECK(v1.written_seq == stats.written_seq && v1.fsyncs == 0xababababababababULL);
    CHECK_STATUS(audit_export_json(log, plain, NULL), AUDIT_OK);
    audit_logger_free(log); /* seals the final checkpoint */
    audit_config_free(cfg);

    /* Bob's 30 events, written to a file, verify from the anchor alone. */
    AuditFilter *bob = audit_filter_new();
    CHECK_STATUS(audit_filter_set_actor(bob, "bob"), AUDIT_OK);
    uint64_t skipped = 99;
    CHECK_STATUS(audit_journal_export_proofs(dir, bob, bundle, NULL, &skipped), AUDIT_OK);
    CHECK(skipped == 0);
    uint32_t verdict = 99;
    char *report = NULL;
    CHECK_STATUS(audit_export_verify(bundle, anchor, &verdict, &report), AUDIT_OK);
    CHECK(verdict == AUDIT_VERIFY_VALID);
    CHECK(report != NULL && strstr(report, "\"events_verified\":30,") != NULL);
    audit_string_free(report);
    /* The limit keeps the newest matches, as in audit_query. */
    CHECK_STATUS(audit_filter_set_limit(bob, 5), AUDIT_OK);
    CHECK_STATUS(audit_journal_export_proofs(dir, bob, NULL, &json, NULL), AUDIT_OK);
    CHECK(json != NULL && strstr(json, "doc-0116") != NULL && strstr(json, "doc-0096") == NULL);
    audit_string_free(json);
    audit_filter_free(bob);

    /* Change bob's event doc-0040 in the export: detected, with its seq. */
    size_t len = 0;
    char *text = read_file(bundle, &len);
    char *hit = text ? strstr(text, "doc-0040") : NULL;
    if (CHECK(hit != NULL)) {
        hit[7] = '1';
        CHECK(write_file(bundle, text, len));
        report = NULL;
        CHECK_STATUS(audit_export_verify(bundle, anchor, &verdict, &report), AUDIT_OK);
        CHECK(verdict == AUDIT_VERIFY_TAMPERED);
        char expect[64];
        snprintf(expect, sizeof expect, "\"class\":\"modified\",\"seq\":%llu,",
                 (unsigned long long)seq40);
        if (!CHECK(report != NULL && strstr(report, expect) != NULL))
            printf("report: %s\n", report ? report : "(null)");
        audit_string_free(report);
    }
    free(text);

    /* Bad input: clear errors. */
    CHECK_FAIL(audit_journal_export_proofs(NULL, NULL, bundle, NULL, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_journal_export_proofs(dir, NULL, NULL, NULL, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_journal_export_proofs("/nonexistent/journal", NULL, NULL, &json, NULL),
               AUDIT_ERR_IO);
    CHECK_FAIL(audit_journal_export_proofs(dir, NULL, "/nonexistent/dir/out.json", NULL, NULL),
               AUDIT_ERR_IO);
    CHECK_FAIL(audit_export_verify(bundle, "not a key", &verdict, NULL), AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_FAIL(audit_export_verify(plain, anchor, &verdict, NULL), AUDIT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(audit_last_error_message(), "no proofs") != NULL);
    CHECK_FAIL(audit_export_verify("/nonexistent/bundle.json", anchor, &verdict, NULL), AUDIT_ERR_IO);
    CHECK_FAIL(audit_export_verify(bundle, anchor, NULL, NULL), AUDIT_ERR_NULL_ARGUMENT);
    unlink(bundle);
    unlink(plain);
}

struct fork_ctx {
    AuditLogger *log;
    const char *jsonl;
    int stop;
};

/* What the forked child checks; 0 when all hold (it has no CHECK summary of its own). */
static int fork_child(void *arg) {
    AuditLogger *log = ((struct fork_ctx *)arg)->log;
    const char *jsonl = ((struct fork_ctx *)arg)->jsonl;
    int bad = 0;
    uint64_t seq = 0;
    if (audit_log(log, "child", "a", "r", "o", AUDIT_SEVERITY_INFO, NULL, &seq) != AUDIT_ERR_IO) bad |= 1;
    if (strstr(audit_last_error_message(), "fork of it") == NULL) bad |= 2;
    AuditForwarderConfig *fc = NULL;
    uint32_t index = 0;
    if (audit_forwarder_config_new_jsonl(jsonl, &fc) != AUDIT_OK) bad |= 4;
    if (audit_logger_add_forwarder(log, "child", fc, &index) != AUDIT_ERR_INVALID_ARGUMENT) bad |= 8;
    audit_forwarder_config_free(fc);
    audit_logger_free(log);
    return bad;
}

/* A logger with a journal in `dir` under `policy` and a JSON Lines forwarder
 * writing to `<dir>.jsonl`, whose path goes to `jsonl`; NULL if it cannot be
 * made. `*cfg` is its configuration, for the caller to reopen the journal
 * with and to free. */
static AuditLogger *forwarding_logger(const char *dir, uint32_t policy, char jsonl[700],
                                      AuditConfig **cfg) {
    snprintf(jsonl, 700, "%s.jsonl", dir);
    *cfg = journal_config(dir, policy);
    AuditLogger *log = NULL;
    if (!CHECK_STATUS(audit_logger_new_with_config(*cfg, &log), AUDIT_OK)) return NULL;
    AuditForwarderConfig *fc = NULL;
    CHECK_STATUS(audit_forwarder_config_new_jsonl(jsonl, &fc), AUDIT_OK);
    CHECK_STATUS(audit_logger_add_forwarder(log, "file", fc, NULL), AUDIT_OK);
    audit_forwarder_config_free(fc);
    return log;
}

static void test_fork(const char *dir, uint32_t policy) {
    char jsonl[700];
    AuditConfig *cfg = NULL;
    AuditLogger *log = forwarding_logger(dir, policy, jsonl, &cfg);
    if (log == NULL) {
        audit_config_free(cfg);
        return;
    }
    uint64_t seq = 0;
    CHECK_STATUS(audit_log(log, "parent", "a", "r", "o", AUDIT_SEVERITY_INFO, NULL, &seq), AUDIT_OK);
    struct fork_ctx ctx = {log, jsonl, 0};
    int code = check_in_child(fork_child, &ctx, 20);
    CHECK(code == 0);
    if (code != 0) fprintf(stderr, "test_fork: the child's checks failed: %d\n", code);
    CHECK_STATUS(audit_log(log, "parent", "b", "r", "o", AUDIT_SEVERITY_INFO, NULL, &seq), AUDIT_OK);
    CHECK(seq == 2);
    audit_logger_free(log);
    /* The journal holds the parent's two events, sealed; the forwarder delivered both. */
    CHECK_STATUS(audit_logger_new_with_config(cfg, &log), AUDIT_OK);
    CHECK(audit_logger_appended(log) == 2);
    audit_logger_free(log);
    audit_config_free(cfg);
    char *report = NULL;
    CHECK(verify_journal(dir, &report) == AUDIT_VERIFY_VALID);
    audit_string_free(report);
    FILE *f = fopen(jsonl, "r");
    int lines = 0, c;
    while (f != NULL && (c = fgetc(f)) != EOF) lines += c == '\n';
    if (f != NULL) fclose(f);
    CHECK(lines == 2);
}

/* Reads the journal's and the forwarder's stats without pause until told to stop. */
static void *read_stats(void *arg) {
    AuditLogger *log = ((struct fork_ctx *)arg)->log;
    while (!__atomic_load_n(&((struct fork_ctx *)arg)->stop, __ATOMIC_ACQUIRE)) {
        AuditJournalStats js = {.struct_size = sizeof js};
        AuditForwarderStats fs = {.struct_size = sizeof fs};
        (void)audit_journal_stats(log, &js);
        (void)audit_forwarder_stats(log, 0, &fs);
    }
    return NULL;
}

/* In a child forked while a thread of the parent read the stats: the stats
 * accessors answer at once (the locks that thread held stay held here). */
static int fork_reader_child(void *arg) {
    AuditLogger *log = ((struct fork_ctx *)arg)->log;
    int bad = 0;
    AuditJournalStats js = {.struct_size = sizeof js};
    if (audit_journal_stats(log, &js) != AUDIT_OK || !js.failing) bad |= 1;
    AuditForwarderStats fs = {.struct_size = sizeof fs};
    if (audit_forwarder_stats(log, 0, &fs) != AUDIT_ERR_NOT_FOUND) bad |= 2;
    if (strstr(audit_last_error_message(), "fork") == NULL) bad |= 4;
    return bad | fork_child(arg) << 3; /* and what every child checks */
}

static void test_fork_while_reading_stats(const char *dir, int forks) {
    char jsonl[700];
    AuditConfig *cfg = NULL;
    AuditLogger *log = forwarding_logger(dir, AUDIT_FSYNC_BATCH, jsonl, &cfg);
    audit_config_free(cfg);
    if (log == NULL) return;
    struct fork_ctx ctx = {log, jsonl, 0};
    pthread_t reader;
    if (!CHECK(pthread_create(&reader, NULL, read_stats, &ctx) == 0)) return;
    int failed = 0;
    for (int i = 0; i < forks && !failed; i++) {
        uint64_t seq = 0;
        CHECK_STATUS(audit_log(log, "parent", "a", "r", "o", AUDIT_SEVERITY_INFO, NULL, &seq), AUDIT_OK);
        int code = check_in_child(fork_reader_child, &ctx, 10);
        if (code != 0) {
            fprintf(stderr, "test_fork_while_reading_stats: fork %d: the child's checks failed: %d\n",
                    i, code);
            failed = 1;
        }
    }
    CHECK(!failed);
    __atomic_store_n(&ctx.stop, 1, __ATOMIC_RELEASE);
    pthread_join(reader, NULL);
    audit_logger_free(log);
}

int main(int argc, char **argv) {
    /* argv[1]: the forks of the stats test (fewer under valgrind, where each is slow). */
    int forks = argc > 1 ? atoi(argv[1]) : 40;
    check_watchdog(300);
    char dir[] = "/tmp/audit-test-journal-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char journal[600], full[600], proofs[600], forked[600], forked_always[600], forked_stats[600];
    snprintf(journal, sizeof journal, "%s/journal", dir);
    snprintf(proofs, sizeof proofs, "%s/proofs", dir);
    snprintf(full, sizeof full, "%s/full", dir);
    snprintf(forked, sizeof forked, "%s/forked", dir);
    snprintf(forked_always, sizeof forked_always, "%s/forked-always", dir);
    snprintf(forked_stats, sizeof forked_stats, "%s/forked-stats", dir);
    test_configuration_errors();
    test_durable_restore_and_lock(journal);
    test_export_with_proofs(proofs);
    test_fork(forked, AUDIT_FSYNC_BATCH);
    test_fork(forked_always, AUDIT_FSYNC_ALWAYS);
    test_fork_while_reading_stats(forked_stats, forks);
    if (mkdir(full, 0700) == 0) test_full_disk(full);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    return check_summary();
}
