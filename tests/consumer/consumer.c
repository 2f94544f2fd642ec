/*
 * A program outside the project, built against an installed audit-logger:
 * logs one event and reads it back.
 */
#include <stdio.h>
#include <string.h>

#include <audit_logger.h>

static int check(int ok, const char *what) {
    if (!ok) fprintf(stderr, "FAIL %s (last error: %s)\n", what, audit_last_error_message());
    return ok ? 0 : 1;
}

int main(void) {
    AuditLogger *logger = NULL;
    AuditEventList *list = NULL;
    char *json = NULL;
    uint64_t seq = 0;
    int failures = 0;

    failures += check(strcmp(audit_version(), AUDIT_LOGGER_VERSION) == 0,
                      "header and library versions agree");
    failures += check(audit_logger_new(10, &logger) == AUDIT_OK, "audit_logger_new");
    failures += check(audit_log(logger, "consumer", "install.check", "prefix", "success",
                                AUDIT_SEVERITY_WARNING, "{\"linked\":true}", &seq) == AUDIT_OK,
                      "audit_log");
    failures += check(seq == 1, "first seq is 1");
    failures += check(audit_get(logger, seq, &list) == AUDIT_OK, "audit_get");
    const AuditEvent *event = audit_event_list_get(list, 0);
    failures += check(audit_event_seq(event) == 1, "event seq");
    failures += check(audit_event_severity(event) == AUDIT_SEVERITY_WARNING, "event severity");
    failures += check(audit_event_to_json(event, &json) == AUDIT_OK, "audit_event_to_json");
    failures += check(json != NULL && strstr(json, "\"actor\":\"consumer\"") != NULL &&
                          strstr(json, "\"details\":{\"linked\":true}") != NULL,
                      "event JSON holds what was logged");
    if (json) printf("%s\n", json);
    audit_string_free(json);
    audit_event_list_free(list);
    audit_logger_free(logger);
    printf("consumer: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
