/*
 * quickstart.c: the audit-logger C API on one page.
 *
 * Logs a few events, forwards each one as a JSON line to a subscriber (as a
 * SIEM shipper would), queries the failures, and exports everything to a file
 * and to stdout.
 *
 *   cmake --workflow --preset demo       (from the repository root), or, with
 *   the library installed:
 *   cc -Wall -Wextra quickstart.c $(pkg-config --cflags --libs audit_logger)
 *   ./a.out [export.json]                (default: audit_export.json; --help)
 *
 * Every call that returns an AuditStatus is checked; on failure the program
 * prints audit_last_error_message(), releases what it holds, and exits 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "audit_logger.h"

/* Returns non-zero (after saying what failed and why) unless status is AUDIT_OK. */
static int failed(AuditStatus status, const char *call) {
    if (status == AUDIT_OK) return 0;
    fprintf(stderr, "%s failed: %s: %s\n", call, audit_status_str(status),
            audit_last_error_message());
    return 1;
}

/* Subscriber: runs on the logging thread, after the event is stored. `ctx` is
 * the stream to write to. Returning non-zero counts as a delivery failure. */
static int32_t forward_as_json_line(void *ctx, const AuditEvent *event) {
    char *line = NULL;
    if (audit_event_to_json(event, &line) != AUDIT_OK) return 1;
    fprintf((FILE *)ctx, "forwarded: %s\n", line);
    audit_string_free(line);
    return 0;
}

/* Prints each event of `list` as a JSON line, after a heading. */
static int print_list(const char *heading, const AuditEventList *list) {
    size_t n = audit_event_list_len(list);
    printf("%s: %zu event(s)\n", heading, n);
    for (size_t i = 0; i < n; i++) {
        const AuditEvent *event = audit_event_list_get(list, i);
        char *json = NULL;
        if (failed(audit_event_to_json(event, &json), "audit_event_to_json")) return 1;
        printf("  [%s] %s\n", audit_severity_name(audit_event_severity(event)), json);
        audit_string_free(json);
    }
    return 0;
}

/* Runs `filter` and prints the result. */
static int query_and_print(const AuditLogger *logger, const AuditFilter *filter,
                           const char *heading) {
    AuditEventList *list = NULL;
    if (failed(audit_query(logger, filter, &list), "audit_query")) return 1;
    int rc = print_list(heading, list);
    audit_event_list_free(list);
    return rc;
}

static const struct {
    const char *actor, *action, *resource, *outcome;
    uint32_t severity;
    const char *details; /* a JSON object as text, or NULL for {} */
} events[] = {
    {"alice", "login", "console", "success", AUDIT_SEVERITY_INFO,
     "{\"ip\":\"203.0.113.7\",\"mfa\":true}"},
    {"bob", "login", "console", "failure", AUDIT_SEVERITY_WARNING,
     "{\"ip\":\"198.51.100.23\",\"reason\":\"bad password\",\"attempt\":3}"},
    {"alice", "update", "invoice/42", "success", AUDIT_SEVERITY_INFO,
     "{\"changed\":[\"amount\",\"due_date\"]}"},
    {"mallory", "delete", "db/customers", "denied", AUDIT_SEVERITY_CRITICAL,
     "{\"role\":\"guest\",\"rows\":18250}"},
    {"backup", "export", "db/customers", "failure", AUDIT_SEVERITY_ERROR,
     "{\"error\":\"disk full\",\"target\":\"/srv/backup\"}"},
    {"alice", "logout", "console", "success", AUDIT_SEVERITY_INFO, NULL},
};

static const char USAGE[] =
    "Usage: %s [EXPORT_PATH]\n"
    "Logs a few audit events, forwards each to stdout as a JSON line, queries\n"
    "the failures and exports the log to EXPORT_PATH (default: audit_export.json).\n";

int main(int argc, char **argv) {
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf(USAGE, argv[0]);
        return 0;
    }
    if (argc > 2 || (argc > 1 && argv[1][0] == '-')) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[argc > 2 ? 2 : 1]);
        fprintf(stderr, USAGE, argv[0]);
        return 2;
    }
    const char *export_path = argc > 1 ? argv[1] : "audit_export.json";
    AuditLogger *logger = NULL;
    AuditFilter *filter = NULL;
    char *document = NULL;
    uint64_t subscription = 0;
    AuditStatus status;
    AuditSubscriptionStats stats = {.struct_size = sizeof stats};
    int rc = 1;

    printf("audit-logger %s\n", audit_version());
    if (failed(audit_logger_new(1000, &logger), "audit_logger_new")) return 1;

    /* 1. Forward every event as it is logged. No free_ctx: stdout is not ours. */
    if (failed(audit_subscribe(logger, forward_as_json_line, stdout, NULL, &subscription),
               "audit_subscribe"))
        goto done;

    /* 2. Log. The library copies the strings; seq numbers start at 1. */
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        uint64_t seq = 0;
        if (failed(audit_log(logger, events[i].actor, events[i].action, events[i].resource,
                             events[i].outcome, events[i].severity, events[i].details, &seq),
                   "audit_log"))
            goto done;
        printf("logged seq %llu\n", (unsigned long long)seq);
    }

    /* A rejected event records nothing and explains itself. */
    status = audit_log(logger, "eve", "login", "console", "success", AUDIT_SEVERITY_INFO,
                       "{\"ip\":1,\"ip\":2}", NULL);
    if (status == AUDIT_OK) {
        fprintf(stderr, "a details object with a duplicate key was accepted\n");
        goto done;
    }
    printf("rejected as expected: %s: %s\n", audit_status_str(status),
           audit_last_error_message());

    /* 3. Query failures, first by outcome, then by severity. A filter matches
     *    everything until narrowed; setting a criterion to NULL removes it. */
    filter = audit_filter_new();
    if (filter == NULL) {
        fprintf(stderr, "audit_filter_new failed: %s\n", audit_last_error_message());
        goto done;
    }
    if (failed(audit_filter_set_outcome(filter, "failure"), "audit_filter_set_outcome") ||
        query_and_print(logger, filter, "outcome == \"failure\""))
        goto done;
    if (failed(audit_filter_set_outcome(filter, NULL), "audit_filter_set_outcome") ||
        failed(audit_filter_set_min_severity(filter, AUDIT_SEVERITY_ERROR),
               "audit_filter_set_min_severity") ||
        query_and_print(logger, filter, "severity >= ERROR"))
        goto done;

    /* 4. How the forwarder did, then stop forwarding. */
    if (failed(audit_subscription_stats(logger, subscription, &stats),
               "audit_subscription_stats"))
        goto done;
    printf("forwarder: %llu delivered, %llu failed\n", (unsigned long long)stats.delivered,
           (unsigned long long)stats.failed);
    if (stats.delivered != sizeof events / sizeof events[0] || stats.failed != 0) {
        fprintf(stderr, "the forwarder should have received every logged event once\n");
        goto done;
    }
    if (failed(audit_unsubscribe(logger, subscription), "audit_unsubscribe")) goto done;

    /* 5. Export: to a file (written atomically) and to a string, in one call. */
    if (failed(audit_export_json(logger, export_path, &document), "audit_export_json"))
        goto done;
    printf("exported to %s:\n%s\n", export_path, document);
    rc = 0;

done:
    audit_string_free(document);
    audit_filter_free(filter);
    audit_logger_free(logger);
    return rc;
}
