/*
 * The packaging scenario (tests/packaging/README.md) in C, built by a project
 * that takes audit-logger with FetchContent (c/CMakeLists.txt).
 *
 *   consumer FIXTURE OUTDIR NAME
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <audit_logger.h>

static FILE *out;

static void die(const char *what) {
    fprintf(stderr, "consumer: %s failed: %s\n", what, audit_last_error_message());
    exit(1);
}
#define CHECK(call) \
    do { \
        if ((call) != AUDIT_OK) die(#call); \
    } while (0)

static void write_event(FILE *f, const AuditEvent *e, int with_time) {
    fprintf(f, "%llu ", (unsigned long long)audit_event_seq(e));
    if (with_time) fprintf(f, "%lld ", (long long)audit_event_timestamp(e));
    fprintf(f, "%s %s %s %s %s %s\n", audit_severity_name(audit_event_severity(e)),
            audit_event_actor(e), audit_event_action(e), audit_event_resource(e),
            audit_event_outcome(e), audit_event_details(e));
}

static void write_list(const char *title, AuditEventList *list, int with_time) {
    fprintf(out, "%s\n", title);
    for (size_t i = 0; i < audit_event_list_len(list); i++)
        write_event(out, audit_event_list_get(list, i), with_time);
    audit_event_list_free(list);
}

static void query(const AuditLogger *log, const char *title, AuditFilter *f, int with_time) {
    AuditEventList *list;
    CHECK(audit_query(log, f, &list));
    audit_filter_free(f);
    write_list(title, list, with_time);
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(1); }
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static FILE *open_out(const char *dir, const char *name, const char *ext) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, ext);
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(1); }
    return f;
}

/* Subscribers write to the FILE * they are given. */
static int32_t record(void *ctx, const AuditEvent *e) {
    write_event(ctx, e, 0);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "Usage: %s FIXTURE OUTDIR NAME\n", argv[0]);
        return 2;
    }
    const char *dir = argv[2], *name = argv[3];
    out = open_out(dir, name, ".txt");

    /* 1-3: the fixed document, its queries and its export. */
    AuditLogger *fixed;
    CHECK(audit_logger_new(100, &fixed));
    char *doc = read_file(argv[1]);
    size_t imported;
    CHECK(audit_import_json(fixed, doc, &imported));
    free(doc);
    fprintf(out, "imported %zu\n", imported);

    AuditFilter *f = audit_filter_new();
    CHECK(audit_filter_set_actor(f, "alice"));
    query(fixed, "query actor=alice", f, 1);
    f = audit_filter_new();
    CHECK(audit_filter_set_min_severity(f, AUDIT_SEVERITY_ERROR));
    query(fixed, "query min_severity=ERROR", f, 1);
    f = audit_filter_new();
    CHECK(audit_filter_set_since(f, 1767225602000000LL));
    CHECK(audit_filter_set_until(f, 1767225605000000LL));
    query(fixed, "query since=1767225602000000 until=1767225605000000", f, 1);
    f = audit_filter_new();
    CHECK(audit_filter_set_outcome(f, "failure"));
    CHECK(audit_filter_set_limit(f, 1));
    query(fixed, "query outcome=failure limit=1", f, 1);
    AuditEventList *list;
    CHECK(audit_recent(fixed, 2, &list));
    write_list("recent 2", list, 1);

    char *json;
    CHECK(audit_export_json(fixed, NULL, &json));
    FILE *exp = open_out(dir, name, ".json");
    fputs(json, exp);
    fclose(exp);
    audit_string_free(json);
    audit_logger_free(fixed);

    /* 4: live events through a synchronous and a queued subscriber. */
    AuditLogger *live;
    CHECK(audit_logger_new(100, &live));
    FILE *queued_out = open_out(dir, name, ".queued.txt");
    fprintf(out, "live\n");
    fflush(out);
    fprintf(queued_out, "queued\n");
    uint64_t sync_id, queued_id, seq;
    CHECK(audit_subscribe(live, record, out, NULL, &sync_id));
    CHECK(audit_subscribe_queued(live, record, queued_out, NULL, 16, AUDIT_OVERFLOW_DROP_OLDEST, 0,
                                 &queued_id));
    CHECK(audit_log(live, "alice", "login", "app", "success", AUDIT_SEVERITY_INFO,
                    "{\"b\":1,\"a\":[true,null]}", &seq));
    CHECK(audit_log(live, "bob", "user.update", "user:7", "success", AUDIT_SEVERITY_WARNING,
                    "{\"field\":\"email\"}", &seq));
    CHECK(audit_log(live, "mallory", "login", "app", "failure", AUDIT_SEVERITY_ERROR, "{}", &seq));
    CHECK(audit_log(live, "svc", "key.rotate", "kms:1", "failure", AUDIT_SEVERITY_CRITICAL,
                    "{\"n\":1.50}", &seq));
    fprintf(out, "unsubscribe %s\n", audit_unsubscribe(live, sync_id) == AUDIT_OK ? "true" : "false");
    CHECK(audit_log(live, "alice", "logout", "app", "success", AUDIT_SEVERITY_INFO, "{}", &seq));
    fprintf(out, "logged %llu\n", (unsigned long long)seq);
    f = audit_filter_new();
    CHECK(audit_filter_set_outcome(f, "failure"));
    query(live, "query outcome=failure", f, 0);
    fprintf(out, "count %llu\n", (unsigned long long)audit_logger_count(live));

    CHECK(audit_flush(live, 10000));
    AuditSubscriptionStats stats = {.struct_size = sizeof stats};
    CHECK(audit_subscription_stats(live, queued_id, &stats));
    fprintf(queued_out, "delivered %llu failed %llu dropped %llu\n",
            (unsigned long long)stats.delivered, (unsigned long long)stats.failed,
            (unsigned long long)stats.dropped);
    fprintf(queued_out, "unsubscribe %s\n",
            audit_unsubscribe(live, queued_id) == AUDIT_OK ? "true" : "false");
    audit_logger_free(live);
    fclose(queued_out);
    fclose(out);
    return 0;
}
