/*
 * test_api.c: every function of audit_logger.h, its results and its error paths.
 *
 * Conventions checked throughout: a failing call returns its documented status,
 * leaves a fresh non-empty audit_last_error_message(), writes no out-parameter
 * (each is pre-filled with a sentinel) and records nothing (count and appended
 * are unchanged).
 */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "audit_logger.h"
#include "check.h"

#define SENTINEL_U64 UINT64_C(0xDEADBEEFCAFEF00D)
#define SENTINEL_SIZE ((size_t)0x5EED5EED)
#define SENTINEL_U32 UINT32_C(0xA5A5A5A5)
static char sentinel_object;
#define SENTINEL_PTR ((void *)&sentinel_object)

/* ----------------------------------------------------------------- helpers */

static AuditLogger *new_logger(size_t capacity) {
    AuditLogger *logger = NULL;
    CHECK_STATUS(audit_logger_new(capacity, &logger), AUDIT_OK);
    return logger;
}

/* Logs an event that must be accepted; returns its seq (0 on failure). */
static uint64_t log_event(AuditLogger *logger, const char *actor, const char *action,
                          const char *resource, const char *outcome, uint32_t severity,
                          const char *details) {
    uint64_t seq = 0;
    CHECK_STATUS(audit_log(logger, actor, action, resource, outcome, severity, details, &seq),
                 AUDIT_OK);
    return seq;
}

static uint64_t log_simple(AuditLogger *logger, const char *actor) {
    return log_event(logger, actor, "login", "app", "success", AUDIT_SEVERITY_INFO, NULL);
}

/* audit_log must fail with `expected`, leaving out_seq, count and appended alone. */
static void log_fails_at(int line, const char *expr, AuditLogger *logger, const char *actor,
                         const char *action, const char *resource, const char *outcome,
                         uint32_t severity, const char *details, AuditStatus expected) {
    uint64_t count = audit_logger_count(logger), appended = audit_logger_appended(logger);
    uint64_t seq = SENTINEL_U64;
    check_prime_error();
    AuditStatus got = audit_log(logger, actor, action, resource, outcome, severity, details, &seq);
    check_fails_at(got, expected, __FILE__, line, expr);
    check_report(seq == SENTINEL_U64, __FILE__, line, "out_seq is untouched after a failure");
    check_report(audit_logger_count(logger) == count && audit_logger_appended(logger) == appended,
                 __FILE__, line, "a failed audit_log recorded nothing");
}
#define LOG_FAILS(logger, actor, action, resource, outcome, severity, details, expected)         \
    log_fails_at(__LINE__, "audit_log(" #actor ", " #action ", " #resource ", " #outcome ", "    \
                           #severity ", " #details ")",                                          \
                 logger, actor, action, resource, outcome, severity, details, expected)

/* The seqs of `list` as "1,2,3" ("" when empty). */
static const char *list_seqs(const AuditEventList *list, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < audit_event_list_len(list) && used < size; i++) {
        used += (size_t)snprintf(buf + used, size - used, "%s%" PRIu64, i ? "," : "",
                                 audit_event_seq(audit_event_list_get(list, i)));
    }
    return buf;
}

/* Runs `filter` and compares the seqs of the result with `expected` ("1,3"). */
static void expect_seqs_at(int line, const char *expr, const AuditLogger *logger,
                           const AuditFilter *filter, const char *expected) {
    AuditEventList *list = NULL;
    char got[1024], what[1200];
    if (!check_status_at(audit_query(logger, filter, &list), AUDIT_OK, __FILE__, line, expr)) {
        return;
    }
    list_seqs(list, got, sizeof got);
    snprintf(what, sizeof what, "%s gave seqs [%s], expected [%s]", expr, got, expected);
    check_report(strcmp(got, expected) == 0, __FILE__, line, what);
    audit_event_list_free(list);
}
#define EXPECT_SEQS(logger, filter, expected) \
    expect_seqs_at(__LINE__, "audit_query(" #filter ")", logger, filter, expected)

/* The one event with `seq`, in a list the caller frees (NULL if not held). */
static AuditEventList *get_event(const AuditLogger *logger, uint64_t seq) {
    AuditEventList *list = NULL;
    if (!CHECK_STATUS(audit_get(logger, seq, &list), AUDIT_OK)) {
        return NULL;
    }
    CHECK(audit_event_list_len(list) == 1);
    return list;
}

static int str_eq(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int starts_with(const char *s, const char *prefix) {
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static int64_t now_micros(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* RFC 3339 UTC with microseconds, as the export writes timestamps. */
static void format_micros(int64_t micros, char *buf, size_t size) {
    time_t seconds = (time_t)(micros / 1000000);
    struct tm tm;
    gmtime_r(&seconds, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, size - n, ".%06dZ", (int)(micros % 1000000));
}

/* The whole file as a NUL-terminated string (free()), or NULL. */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t size = 0, cap = 4096;
    char *text = malloc(cap);
    size_t n;
    while (text != NULL && (n = fread(text + size, 1, cap - size - 1, f)) > 0) {
        size += n;
        if (cap - size - 1 == 0) {
            char *bigger = realloc(text, cap *= 2);
            if (bigger == NULL) {
                free(text);
            }
            text = bigger;
        }
    }
    fclose(f);
    if (text != NULL) {
        text[size] = '\0';
    }
    return text;
}

static int write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return 0;
    }
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names in directory `path`, sorted and comma-separated ("a,b"). */
static const char *dir_entries(const char *path, char *buf, size_t size) {
    char names[32][256];
    const char *sorted[32];
    size_t n = 0, used = 0;
    DIR *dir = opendir(path);
    struct dirent *entry;
    buf[0] = '\0';
    if (dir == NULL) {
        return buf;
    }
    while ((entry = readdir(dir)) != NULL && n < 32) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
            snprintf(names[n], sizeof names[n], "%s", entry->d_name);
            sorted[n] = names[n];
            n++;
        }
    }
    closedir(dir);
    qsort(sorted, n, sizeof sorted[0], compare_names);
    for (size_t i = 0; i < n && used < size; i++) {
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? "," : "", sorted[i]);
    }
    return buf;
}

/* One event of an exported document, with a fixed timestamp. */
#define DOC_EVENT(actor, timestamp)                                                   \
    "{\"actor\":\"" actor "\",\"action\":\"login\",\"resource\":\"app\",\"outcome\":" \
    "\"success\",\"severity\":\"INFO\",\"details\":{},\"timestamp\":\"" timestamp "\"}"

/* 2026-01-01T00:00:00Z in microseconds since the epoch. */
#define MICROS_2026 INT64_C(1767225600000000)

/* ------------------------------------------------------ version and statuses */

static void test_version_and_status_strings(void) {
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", AUDIT_LOGGER_VERSION_MAJOR,
             AUDIT_LOGGER_VERSION_MINOR, AUDIT_LOGGER_VERSION_PATCH);
    CHECK(str_eq(audit_version(), AUDIT_LOGGER_VERSION));
    CHECK(str_eq(audit_version(), expected));

    /* Every code the header defines has its own text. */
    for (AuditStatus s = AUDIT_OK; s < CHECK_STATUS_COUNT; s++) {
        const char *text = audit_status_str(s);
        CHECK(text != NULL && text[0] != '\0');
        CHECK(!str_eq(text, "unknown status"));
        for (AuditStatus t = AUDIT_OK; t < s; t++) {
            CHECK(!str_eq(text, audit_status_str(t)));
        }
    }
    CHECK(str_eq(audit_status_str(1000), "unknown status"));
    CHECK(str_eq(audit_status_str(UINT32_MAX), "unknown status"));
}

/* ------------------------------------------------------------ last error */

static void *thread_last_error(void *arg) {
    (void)arg;
    /* Nothing has failed on this new thread yet. */
    int empty = audit_last_error_message()[0] == '\0';
    /* A failure here must not leak into the main thread's message. */
    (void)audit_severity_name(15);
    return empty ? (void *)&sentinel_object : NULL;
}

static void test_last_error(void) {
    pthread_t thread;
    void *result = NULL;
    CHECK(audit_last_error_message() != NULL);
    check_prime_error();
    CHECK(pthread_create(&thread, NULL, thread_last_error, NULL) == 0);
    CHECK(pthread_join(thread, &result) == 0);
    CHECK(result == SENTINEL_PTR); /* the new thread started with "" */
    CHECK(strstr(audit_last_error_message(), CHECK_PRIMER_NAME) != NULL); /* thread-local */

    /* Successful calls leave the message unchanged. */
    AuditLogger *logger = new_logger(4);
    check_prime_error();
    log_simple(logger, "quiet");
    CHECK(strstr(audit_last_error_message(), CHECK_PRIMER_NAME) != NULL);
    audit_logger_free(logger);
}

/* ------------------------------------------------------------ severities */

static void test_severities(void) {
    static const struct {
        uint32_t value;
        const char *name, *other_case;
    } table[] = {
        {AUDIT_SEVERITY_INFO, "INFO", "info"},
        {AUDIT_SEVERITY_WARNING, "WARNING", "Warning"},
        {AUDIT_SEVERITY_ERROR, "ERROR", "eRRoR"},
        {AUDIT_SEVERITY_CRITICAL, "CRITICAL", "critical"},
    };
    CHECK(AUDIT_SEVERITY_INFO == 10 && AUDIT_SEVERITY_WARNING == 20 &&
          AUDIT_SEVERITY_ERROR == 30 && AUDIT_SEVERITY_CRITICAL == 40);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        uint32_t value = SENTINEL_U32;
        CHECK(str_eq(audit_severity_name(table[i].value), table[i].name));
        CHECK_STATUS(audit_severity_from_name(table[i].name, &value), AUDIT_OK);
        CHECK(value == table[i].value);
        value = SENTINEL_U32;
        CHECK_STATUS(audit_severity_from_name(table[i].other_case, &value), AUDIT_OK);
        CHECK(value == table[i].value);
    }

    static const uint32_t bad_values[] = {0, 15, 99};
    for (size_t i = 0; i < 3; i++) {
        CHECK_SETS_ERROR(audit_severity_name(bad_values[i]) == NULL);
    }

    static const char *const bad_names[] = {"WARN", "", " INFO", "INFO ", "10", "INFOS"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        uint32_t value = SENTINEL_U32;
        CHECK_FAIL(audit_severity_from_name(bad_names[i], &value), AUDIT_ERR_INVALID_SEVERITY);
        CHECK(value == SENTINEL_U32);
    }
    uint32_t value = SENTINEL_U32;
    CHECK_FAIL(audit_severity_from_name("\xff", &value), AUDIT_ERR_INVALID_UTF8);
    CHECK_FAIL(audit_severity_from_name("a\xc3", &value), AUDIT_ERR_INVALID_UTF8);
    CHECK_FAIL(audit_severity_from_name(NULL, &value), AUDIT_ERR_NULL_ARGUMENT);
    CHECK(value == SENTINEL_U32);
    CHECK_FAIL(audit_severity_from_name("INFO", NULL), AUDIT_ERR_NULL_ARGUMENT);
}

/* ------------------------------------------------------------ NULL handles */

static int32_t count_calls(void *ctx, const AuditEvent *event);

static void test_null_handles(void) {
    AuditLogger *logger = new_logger(4);
    AuditFilter *filter = audit_filter_new();
    AuditConfig *config = audit_config_new();
    AuditEventList *list = SENTINEL_PTR;
    AuditLogger *made = SENTINEL_PTR;
    char *text = SENTINEL_PTR;
    uint64_t u64 = SENTINEL_U64;
    size_t size = SENTINEL_SIZE;
    CHECK(filter != NULL && config != NULL);

    /* Release functions: NULL is a no-op. */
    audit_config_free(NULL);
    audit_filter_free(NULL);
    audit_event_list_free(NULL);
    audit_logger_free(NULL);
    audit_string_free(NULL);

    /* Value functions: 0 or NULL. */
    CHECK(audit_event_list_len(NULL) == 0);
    CHECK(audit_event_list_get(NULL, 0) == NULL);
    CHECK(audit_event_seq(NULL) == 0);
    CHECK(audit_event_timestamp(NULL) == 0);
    CHECK(audit_event_severity(NULL) == 0);
    CHECK(audit_event_actor(NULL) == NULL);
    CHECK(audit_event_action(NULL) == NULL);
    CHECK(audit_event_resource(NULL) == NULL);
    CHECK(audit_event_outcome(NULL) == NULL);
    CHECK(audit_event_details(NULL) == NULL);
    CHECK_SETS_ERROR(audit_logger_count(NULL) == 0);
    CHECK_SETS_ERROR(audit_logger_capacity(NULL) == 0);
    CHECK_SETS_ERROR(audit_logger_evicted(NULL) == 0);
    CHECK_SETS_ERROR(audit_logger_appended(NULL) == 0);

    /* Status functions: AUDIT_ERR_NULL_ARGUMENT, out-parameters untouched. */
    CHECK_FAIL(audit_event_to_json(NULL, &text), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_config_set_capacity(NULL, 5), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_config_set_max_field_bytes(NULL, 5), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_config_set_max_details_bytes(NULL, 5), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_config_set_max_details_depth(NULL, 5), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_config_set_max_total_bytes(NULL, 5), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_filter_set_actor(NULL, "a"), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_filter_set_action(NULL, "a"), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_filter_set_resource(NULL, "a"), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_filter_set_outcome(NULL, "a"), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_filter_set_min_severity(NULL, 10), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_filter_set_max_severity(NULL, 10), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_filter_set_since(NULL, 1), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_filter_set_until(NULL, 1), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_filter_set_after_seq(NULL, 1), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_filter_set_limit(NULL, 1), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_logger_new(4, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_logger_new_with_config(NULL, &made), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_logger_new_with_config(config, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK(made == SENTINEL_PTR);
    CHECK_FAIL(audit_log(NULL, "a", "b", "c", "d", 10, NULL, &u64), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_query(NULL, filter, &list), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_query(logger, filter, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_query_json(NULL, filter, &text), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_query_json(logger, filter, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_get(NULL, 1, &list), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_get(logger, 1, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_recent(NULL, 1, &list), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_recent(logger, 1, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_export_json(NULL, NULL, &text), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_export_json(logger, NULL, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_import_json(NULL, "[]", &size), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_import_json_file(NULL, "/nonexistent", &size), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_import_json_file(logger, NULL, &size), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_subscribe(NULL, count_calls, NULL, NULL, &u64), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_unsubscribe(NULL, 1), AUDIT_ERR_NULL_ARGUMENT);
    AuditSubscriptionStats stats = {.struct_size = sizeof stats, .delivered = SENTINEL_U64};
    CHECK_FAIL(audit_subscription_stats(NULL, 1, &stats), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_subscription_stats(logger, 1, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK(stats.delivered == SENTINEL_U64);
    CHECK(list == SENTINEL_PTR && text == SENTINEL_PTR && u64 == SENTINEL_U64 &&
          size == SENTINEL_SIZE);
    CHECK(audit_logger_count(logger) == 0 && audit_logger_appended(logger) == 0);

    audit_config_free(config);
    audit_filter_free(filter);
    audit_logger_free(logger);
}

/* ------------------------------------------------------------ audit_log input */

static void test_log_rejects_bad_input(void) {
    AuditLogger *logger = new_logger(8);
    CHECK(log_simple(logger, "first") == 1);

    /* Each required string: NULL and invalid UTF-8. */
    LOG_FAILS(logger, NULL, "b", "c", "d", 10, NULL, AUDIT_ERR_NULL_ARGUMENT);
    LOG_FAILS(logger, "a", NULL, "c", "d", 10, NULL, AUDIT_ERR_NULL_ARGUMENT);
    LOG_FAILS(logger, "a", "b", NULL, "d", 10, NULL, AUDIT_ERR_NULL_ARGUMENT);
    LOG_FAILS(logger, "a", "b", "c", NULL, 10, NULL, AUDIT_ERR_NULL_ARGUMENT);
    LOG_FAILS(logger, "\xff", "b", "c", "d", 10, NULL, AUDIT_ERR_INVALID_UTF8);
    LOG_FAILS(logger, "a", "\xff", "c", "d", 10, NULL, AUDIT_ERR_INVALID_UTF8);
    LOG_FAILS(logger, "a", "b", "\xff", "d", 10, NULL, AUDIT_ERR_INVALID_UTF8);
    LOG_FAILS(logger, "a", "b", "c", "\xff", 10, NULL, AUDIT_ERR_INVALID_UTF8);
    LOG_FAILS(logger, "a\xc3", "b", "c", "d", 10, NULL, AUDIT_ERR_INVALID_UTF8);
    LOG_FAILS(logger, "a", "a\xc3", "c", "d", 10, NULL, AUDIT_ERR_INVALID_UTF8);
    LOG_FAILS(logger, "a", "b", "a\xc3", "d", 10, NULL, AUDIT_ERR_INVALID_UTF8);
    LOG_FAILS(logger, "a", "b", "c", "a\xc3", 10, NULL, AUDIT_ERR_INVALID_UTF8);
    LOG_FAILS(logger, "a", "b", "c", "d", 10, "\xff", AUDIT_ERR_INVALID_UTF8);
    LOG_FAILS(logger, "a", "b", "c", "d", 10, "{\"k\":\"a\xc3\"}", AUDIT_ERR_INVALID_UTF8);

    /* Severities. */
    LOG_FAILS(logger, "a", "b", "c", "d", 0, NULL, AUDIT_ERR_INVALID_SEVERITY);
    LOG_FAILS(logger, "a", "b", "c", "d", 15, NULL, AUDIT_ERR_INVALID_SEVERITY);
    LOG_FAILS(logger, "a", "b", "c", "d", 99, NULL, AUDIT_ERR_INVALID_SEVERITY);

    /* details must be one JSON object, without duplicate keys. */
    LOG_FAILS(logger, "a", "b", "c", "d", 10, "[1]", AUDIT_ERR_INVALID_DETAILS);
    LOG_FAILS(logger, "a", "b", "c", "d", 10, "\"x\"", AUDIT_ERR_INVALID_DETAILS);
    LOG_FAILS(logger, "a", "b", "c", "d", 10, "{bad", AUDIT_ERR_INVALID_DETAILS);
    LOG_FAILS(logger, "a", "b", "c", "d", 10, "{\"a\":1,\"a\":2}", AUDIT_ERR_INVALID_DETAILS);
    LOG_FAILS(logger, "a", "b", "c", "d", 10, "", AUDIT_ERR_INVALID_DETAILS);
    LOG_FAILS(logger, "a", "b", "c", "d", 10, "null", AUDIT_ERR_INVALID_DETAILS);
    LOG_FAILS(logger, "a", "b", "c", "d", 10, "{\"a\":1} {}", AUDIT_ERR_INVALID_DETAILS);
    LOG_FAILS(logger, "a", "b", "c", "d", 10, "{\"a\":{\"b\":1,\"b\":2}}",
              AUDIT_ERR_INVALID_DETAILS);

    /* Nothing of the above was recorded; the logger still works. */
    CHECK(log_simple(logger, "second") == 2);
    CHECK(audit_logger_count(logger) == 2 && audit_logger_appended(logger) == 2);
    audit_logger_free(logger);
}

/* ------------------------------------------------------------ configuration */

static AuditLogger *logger_from(AuditConfig *config, AuditStatus expected) {
    AuditLogger *logger = SENTINEL_PTR;
    if (expected == AUDIT_OK) {
        CHECK_STATUS(audit_logger_new_with_config(config, &logger), AUDIT_OK);
        return logger;
    }
    CHECK_FAIL(audit_logger_new_with_config(config, &logger), expected);
    CHECK(logger == SENTINEL_PTR);
    return NULL;
}

static void test_config_values(void) {
    AuditLogger *logger = SENTINEL_PTR;
    CHECK_FAIL(audit_logger_new(0, &logger), AUDIT_ERR_INVALID_CAPACITY);
    CHECK(logger == SENTINEL_PTR);

    AuditConfig *config = audit_config_new();
    CHECK(config != NULL);
    logger = logger_from(config, AUDIT_OK);
    CHECK(audit_logger_capacity(logger) == 5000); /* the documented default */
    audit_logger_free(logger);

    /* Setters accept anything; the logger constructor checks. */
    CHECK_STATUS(audit_config_set_capacity(config, 0), AUDIT_OK);
    logger_from(config, AUDIT_ERR_INVALID_CAPACITY);
    CHECK_STATUS(audit_config_set_capacity(config, 7), AUDIT_OK);
    CHECK_STATUS(audit_config_set_max_details_depth(config, 0), AUDIT_OK);
    logger_from(config, AUDIT_ERR_INVALID_CAPACITY);
    CHECK_STATUS(audit_config_set_max_details_depth(config, 129), AUDIT_OK);
    logger_from(config, AUDIT_ERR_INVALID_CAPACITY);
    CHECK_STATUS(audit_config_set_max_details_depth(config, 128), AUDIT_OK);

    /* The logger copies the configuration. */
    logger = logger_from(config, AUDIT_OK);
    audit_config_free(config);
    CHECK(audit_logger_capacity(logger) == 7);
    for (int i = 0; i < 9; i++) {
        log_simple(logger, "u");
    }
    CHECK(audit_logger_count(logger) == 7 && audit_logger_evicted(logger) == 2);
    audit_logger_free(logger);
}

static void test_config_limits(void) {
    AuditConfig *config = audit_config_new();
    CHECK_STATUS(audit_config_set_max_field_bytes(config, 8), AUDIT_OK);
    CHECK_STATUS(audit_config_set_max_details_bytes(config, 32), AUDIT_OK);
    CHECK_STATUS(audit_config_set_max_details_depth(config, 2), AUDIT_OK);
    AuditLogger *logger = logger_from(config, AUDIT_OK);
    audit_config_free(config);
    if (logger == NULL) {
        return;
    }

    /* Fields: at most 8 bytes (bytes, not characters). */
    CHECK(log_event(logger, "12345678", "12345678", "12345678", "12345678", 10, NULL) == 1);
    CHECK(log_event(logger, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "", "", "", 10, NULL) == 2);
    LOG_FAILS(logger, "123456789", "b", "c", "d", 10, NULL, AUDIT_ERR_TOO_LARGE);
    LOG_FAILS(logger, "a", "123456789", "c", "d", 10, NULL, AUDIT_ERR_TOO_LARGE);
    LOG_FAILS(logger, "a", "b", "123456789", "d", 10, NULL, AUDIT_ERR_TOO_LARGE);
    LOG_FAILS(logger, "a", "b", "c", "123456789", 10, NULL, AUDIT_ERR_TOO_LARGE);
    LOG_FAILS(logger, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "b", "c", "d", 10, NULL,
              AUDIT_ERR_TOO_LARGE);

    /* details: at most 32 bytes of text as given. */
    char details[64];
    snprintf(details, sizeof details, "{\"k\":\"%.*s\"}", 32 - 8, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    CHECK(strlen(details) == 32);
    CHECK(log_event(logger, "a", "b", "c", "d", 10, details) == 3);
    snprintf(details, sizeof details, "{\"k\":\"%.*s\"}", 32 - 7, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    LOG_FAILS(logger, "a", "b", "c", "d", 10, details, AUDIT_ERR_TOO_LARGE);

    /* details: at most 2 levels, the top object being level 1. */
    CHECK(log_event(logger, "a", "b", "c", "d", 10, "{\"a\":{\"b\":1},\"c\":[1]}") == 4);
    LOG_FAILS(logger, "a", "b", "c", "d", 10, "{\"a\":{\"b\":{}}}", AUDIT_ERR_INVALID_DETAILS);
    LOG_FAILS(logger, "a", "b", "c", "d", 10, "{\"a\":[[1]]}", AUDIT_ERR_INVALID_DETAILS);

    /* Imports obey the same limits, all or nothing. */
    size_t imported = SENTINEL_SIZE;
    CHECK_FAIL(audit_import_json(logger,
                                 "[" DOC_EVENT("ok", "2026-01-01T00:00:00Z") ","
                                 DOC_EVENT("123456789", "2026-01-01T00:00:00Z") "]",
                                 &imported),
               AUDIT_ERR_TOO_LARGE);
    CHECK(imported == SENTINEL_SIZE);
    CHECK(audit_logger_count(logger) == 4 && audit_logger_appended(logger) == 4);
    audit_logger_free(logger);
}

static void test_config_total_bytes(void) {
    /* Room for 100 events by count, but only about 4 of these by bytes. */
    AuditConfig *config = audit_config_new();
    CHECK_STATUS(audit_config_set_capacity(config, 100), AUDIT_OK);
    CHECK_STATUS(audit_config_set_max_total_bytes(config, 4096), AUDIT_OK);
    AuditLogger *logger = logger_from(config, AUDIT_OK);
    audit_config_free(config);
    if (logger == NULL) {
        return;
    }
    char details[1100];
    memset(details, 'x', sizeof details);
    memcpy(details, "{\"pad\":\"", 8);
    memcpy(details + 1000, "\"}", 3);
    for (int i = 0; i < 20; i++) {
        log_event(logger, "a", "b", "c", "d", 10, details);
    }
    uint64_t count = audit_logger_count(logger);
    CHECK(count >= 1 && count <= 4096 / 1000);
    CHECK(audit_logger_appended(logger) == 20);
    CHECK(audit_logger_evicted(logger) == 20 - count);
    CHECK(audit_logger_capacity(logger) == 100);
    /* The newest survive, oldest evicted first. */
    AuditEventList *list = NULL;
    CHECK_STATUS(audit_query(logger, NULL, &list), AUDIT_OK);
    CHECK(audit_event_list_len(list) == count);
    for (size_t i = 0; i < audit_event_list_len(list); i++) {
        CHECK(audit_event_seq(audit_event_list_get(list, i)) == 20 - count + 1 + i);
    }
    audit_event_list_free(list);
    audit_logger_free(logger);
}

/* ------------------------------------------------------------ events */

static void test_event_accessors(void) {
    AuditLogger *logger = new_logger(4);
    char actor[32] = "alice \xc3\xbc\xe2\x9c\x93"; /* "alice ü✓" */
    int64_t before = now_micros();
    uint64_t seq = log_event(logger, actor, "file.read", "file:/etc/shadow", "denied",
                             AUDIT_SEVERITY_ERROR, " { \"z\" : 1 , \"a\" : [ 1 , 2.5 ] , \"m\": {} } ");
    int64_t after = now_micros();
    strcpy(actor, "mallory"); /* the library copied the string */
    CHECK(seq == 1);

    AuditEventList *list = get_event(logger, seq);
    const AuditEvent *event = audit_event_list_get(list, 0);
    CHECK(event != NULL);
    CHECK(audit_event_list_get(list, 1) == NULL);
    CHECK(audit_event_seq(event) == 1);
    CHECK(str_eq(audit_event_actor(event), "alice \xc3\xbc\xe2\x9c\x93"));
    CHECK(str_eq(audit_event_action(event), "file.read"));
    CHECK(str_eq(audit_event_resource(event), "file:/etc/shadow"));
    CHECK(str_eq(audit_event_outcome(event), "denied"));
    CHECK(audit_event_severity(event) == AUDIT_SEVERITY_ERROR);
    CHECK(str_eq(audit_event_details(event), "{\"z\":1,\"a\":[1,2.5],\"m\":{}}"));
    CHECK(audit_event_timestamp(event) >= before && audit_event_timestamp(event) <= after);

    /* One line of compact JSON, keys in export order, control characters escaped. */
    char *json = SENTINEL_PTR, expected[512], stamp[64];
    CHECK_STATUS(audit_event_to_json(event, &json), AUDIT_OK);
    format_micros(audit_event_timestamp(event), stamp, sizeof stamp);
    snprintf(expected, sizeof expected,
             "{\"actor\":\"alice \xc3\xbc\xe2\x9c\x93\",\"action\":\"file.read\","
             "\"resource\":\"file:/etc/shadow\",\"outcome\":\"denied\",\"severity\":\"ERROR\","
             "\"details\":{\"z\":1,\"a\":[1,2.5],\"m\":{}},\"timestamp\":\"%s\",\"seq\":1}",
             stamp);
    CHECK(str_eq(json, expected));
    audit_string_free(json);
    json = SENTINEL_PTR;
    CHECK_FAIL(audit_event_to_json(event, NULL), AUDIT_ERR_NULL_ARGUMENT);
    audit_event_list_free(list);

    seq = log_event(logger, "eve\nINFO forged\r\t\x01", "", "", "", AUDIT_SEVERITY_CRITICAL,
                    NULL);
    list = get_event(logger, seq);
    event = audit_event_list_get(list, 0);
    CHECK(str_eq(audit_event_actor(event), "eve\nINFO forged\r\t\x01"));
    CHECK(str_eq(audit_event_action(event), "") && str_eq(audit_event_details(event), "{}"));
    CHECK_STATUS(audit_event_to_json(event, &json), AUDIT_OK);
    CHECK(json != NULL && strchr(json, '\n') == NULL && strchr(json, '\r') == NULL &&
          strchr(json, '\x01') == NULL);
    CHECK(starts_with(json, "{\"actor\":\"eve\\nINFO forged\\r\\t\\u0001\","));
    CHECK(json != NULL && strstr(json, "\"severity\":\"CRITICAL\",\"details\":{},") != NULL);
    audit_string_free(json);
    audit_event_list_free(list);
    audit_logger_free(logger);
}

static void test_eviction_and_get(void) {
    AuditLogger *logger = new_logger(3);
    static const char *const actors[] = {"u1", "u2", "u3", "u4", "u5"};
    for (int i = 0; i < 5; i++) {
        CHECK(log_simple(logger, actors[i]) == (uint64_t)i + 1);
    }
    CHECK(audit_logger_count(logger) == 3);
    CHECK(audit_logger_capacity(logger) == 3);
    CHECK(audit_logger_evicted(logger) == 2);
    CHECK(audit_logger_appended(logger) == 5);
    EXPECT_SEQS(logger, NULL, "3,4,5");

    AuditEventList *list = NULL;
    CHECK_STATUS(audit_query(logger, NULL, &list), AUDIT_OK);
    for (size_t i = 0; i < audit_event_list_len(list); i++) {
        CHECK(str_eq(audit_event_actor(audit_event_list_get(list, i)), actors[i + 2]));
    }
    audit_event_list_free(list);

    for (uint64_t seq = 3; seq <= 5; seq++) {
        list = get_event(logger, seq);
        CHECK(audit_event_seq(audit_event_list_get(list, 0)) == seq);
        CHECK(str_eq(audit_event_actor(audit_event_list_get(list, 0)), actors[seq - 1]));
        audit_event_list_free(list);
    }
    static const uint64_t missing[] = {0, 1, 2, 6, UINT64_MAX};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        list = SENTINEL_PTR;
        CHECK_FAIL(audit_get(logger, missing[i], &list), AUDIT_ERR_NOT_FOUND);
        CHECK(list == SENTINEL_PTR);
    }

    /* recent: the newest n, oldest first; 0 gives none. */
    char seqs[64];
    CHECK_STATUS(audit_recent(logger, 0, &list), AUDIT_OK);
    CHECK(audit_event_list_len(list) == 0 && audit_event_list_get(list, 0) == NULL);
    audit_event_list_free(list);
    CHECK_STATUS(audit_recent(logger, 2, &list), AUDIT_OK);
    CHECK(str_eq(list_seqs(list, seqs, sizeof seqs), "4,5"));
    audit_event_list_free(list);
    CHECK_STATUS(audit_recent(logger, 100, &list), AUDIT_OK);
    CHECK(str_eq(list_seqs(list, seqs, sizeof seqs), "3,4,5"));

    /* A list is a snapshot: later logging changes neither it nor its events. */
    log_simple(logger, "u6");
    CHECK(str_eq(list_seqs(list, seqs, sizeof seqs), "3,4,5"));
    CHECK(str_eq(audit_event_actor(audit_event_list_get(list, 0)), "u3"));
    audit_event_list_free(list);
    audit_logger_free(logger);
}

/* ------------------------------------------------------------ filters */

static void test_filters(void) {
    AuditLogger *logger = new_logger(100);
    log_event(logger, "", "a", "r", "ok", 10, NULL);
    log_event(logger, "x", "a", "", "ok", 20, NULL);
    log_event(logger, "x", "b", "r", "", 30, NULL);
    log_event(logger, "y", "", "r", "ok", 40, NULL);
    log_event(logger, "x", "a", "r", "ok", 10, NULL);

    AuditFilter *f = audit_filter_new();
    CHECK(f != NULL);
    EXPECT_SEQS(logger, f, "1,2,3,4,5");
    EXPECT_SEQS(logger, NULL, "1,2,3,4,5");

    /* Each string criterion; "" matches only empty fields; NULL unsets. */
    CHECK_STATUS(audit_filter_set_actor(f, ""), AUDIT_OK);
    EXPECT_SEQS(logger, f, "1");
    CHECK_STATUS(audit_filter_set_actor(f, "x"), AUDIT_OK);
    EXPECT_SEQS(logger, f, "2,3,5");
    CHECK_STATUS(audit_filter_set_actor(f, NULL), AUDIT_OK);
    EXPECT_SEQS(logger, f, "1,2,3,4,5");
    CHECK_STATUS(audit_filter_set_action(f, ""), AUDIT_OK);
    EXPECT_SEQS(logger, f, "4");
    CHECK_STATUS(audit_filter_set_action(f, "a"), AUDIT_OK);
    EXPECT_SEQS(logger, f, "1,2,5");
    CHECK_STATUS(audit_filter_set_action(f, NULL), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_resource(f, ""), AUDIT_OK);
    EXPECT_SEQS(logger, f, "2");
    CHECK_STATUS(audit_filter_set_resource(f, "r"), AUDIT_OK);
    EXPECT_SEQS(logger, f, "1,3,4,5");
    CHECK_STATUS(audit_filter_set_resource(f, NULL), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_outcome(f, ""), AUDIT_OK);
    EXPECT_SEQS(logger, f, "3");
    CHECK_STATUS(audit_filter_set_outcome(f, "ok"), AUDIT_OK);
    EXPECT_SEQS(logger, f, "1,2,4,5");
    CHECK_STATUS(audit_filter_set_actor(f, "x"), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_action(f, "a"), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_resource(f, "r"), AUDIT_OK);
    EXPECT_SEQS(logger, f, "5");
    CHECK_STATUS(audit_filter_set_actor(f, "nobody"), AUDIT_OK);
    EXPECT_SEQS(logger, f, "");
    audit_filter_free(f);

    /* A failed setter leaves the filter as it was. */
    f = audit_filter_new();
    CHECK_STATUS(audit_filter_set_actor(f, "x"), AUDIT_OK);
    CHECK_FAIL(audit_filter_set_actor(f, "\xff"), AUDIT_ERR_INVALID_UTF8);
    CHECK_FAIL(audit_filter_set_actor(f, "a\xc3"), AUDIT_ERR_INVALID_UTF8);
    CHECK_FAIL(audit_filter_set_action(f, "\xff"), AUDIT_ERR_INVALID_UTF8);
    CHECK_FAIL(audit_filter_set_action(f, "a\xc3"), AUDIT_ERR_INVALID_UTF8);
    CHECK_FAIL(audit_filter_set_resource(f, "\xff"), AUDIT_ERR_INVALID_UTF8);
    CHECK_FAIL(audit_filter_set_resource(f, "a\xc3"), AUDIT_ERR_INVALID_UTF8);
    CHECK_FAIL(audit_filter_set_outcome(f, "\xff"), AUDIT_ERR_INVALID_UTF8);
    CHECK_FAIL(audit_filter_set_outcome(f, "a\xc3"), AUDIT_ERR_INVALID_UTF8);
    EXPECT_SEQS(logger, f, "2,3,5");
    CHECK_STATUS(audit_filter_set_actor(f, NULL), AUDIT_OK);

    /* Severity range, inclusive; bad severities are rejected and change nothing. */
    CHECK_STATUS(audit_filter_set_min_severity(f, 30), AUDIT_OK);
    EXPECT_SEQS(logger, f, "3,4");
    static const uint32_t bad[] = {0, 15, 99};
    for (size_t i = 0; i < 3; i++) {
        CHECK_FAIL(audit_filter_set_min_severity(f, bad[i]), AUDIT_ERR_INVALID_SEVERITY);
        CHECK_FAIL(audit_filter_set_max_severity(f, bad[i]), AUDIT_ERR_INVALID_SEVERITY);
    }
    EXPECT_SEQS(logger, f, "3,4");
    CHECK_STATUS(audit_filter_set_min_severity(f, 20), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_max_severity(f, 30), AUDIT_OK);
    EXPECT_SEQS(logger, f, "2,3");
    CHECK_STATUS(audit_filter_set_min_severity(f, 10), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_max_severity(f, 20), AUDIT_OK);
    EXPECT_SEQS(logger, f, "1,2,5");
    CHECK_STATUS(audit_filter_set_min_severity(f, 40), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_max_severity(f, 10), AUDIT_OK);
    EXPECT_SEQS(logger, f, "");
    audit_filter_free(f);

    /* limit keeps the newest matches, still oldest first; 0 keeps none. */
    f = audit_filter_new();
    CHECK_STATUS(audit_filter_set_limit(f, 1), AUDIT_OK);
    EXPECT_SEQS(logger, f, "5");
    CHECK_STATUS(audit_filter_set_limit(f, 0), AUDIT_OK);
    EXPECT_SEQS(logger, f, "");
    CHECK_STATUS(audit_filter_set_limit(f, 100), AUDIT_OK);
    EXPECT_SEQS(logger, f, "1,2,3,4,5");
    CHECK_STATUS(audit_filter_set_actor(f, "x"), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_limit(f, 2), AUDIT_OK);
    EXPECT_SEQS(logger, f, "3,5");
    audit_filter_free(f);

    /* after_seq: a cursor. */
    f = audit_filter_new();
    CHECK_STATUS(audit_filter_set_after_seq(f, 0), AUDIT_OK);
    EXPECT_SEQS(logger, f, "1,2,3,4,5");
    CHECK_STATUS(audit_filter_set_after_seq(f, 3), AUDIT_OK);
    EXPECT_SEQS(logger, f, "4,5");
    CHECK_STATUS(audit_filter_set_after_seq(f, 5), AUDIT_OK);
    EXPECT_SEQS(logger, f, "");
    CHECK_STATUS(audit_filter_set_after_seq(f, UINT64_MAX), AUDIT_OK);
    EXPECT_SEQS(logger, f, "");
    CHECK_STATUS(audit_filter_set_after_seq(f, 1), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_actor(f, "x"), AUDIT_OK);
    EXPECT_SEQS(logger, f, "2,3,5");
    CHECK_STATUS(audit_filter_set_limit(f, 1), AUDIT_OK);
    EXPECT_SEQS(logger, f, "5");
    audit_filter_free(f);
    audit_logger_free(logger);

    /* since/until (inclusive) on imported events with known timestamps. */
    logger = new_logger(10);
    size_t imported = 0;
    CHECK_STATUS(audit_import_json(logger,
                                   "[" DOC_EVENT("t1", "2026-01-01T00:00:00.000001Z") ","
                                   DOC_EVENT("t2", "2026-01-01T00:00:00.000002Z") ","
                                   DOC_EVENT("t3", "2026-01-01T00:00:00.000003Z") "]",
                                   &imported),
                 AUDIT_OK);
    CHECK(imported == 3);
    f = audit_filter_new();
    CHECK_STATUS(audit_filter_set_since(f, MICROS_2026 + 2), AUDIT_OK);
    EXPECT_SEQS(logger, f, "2,3");
    CHECK_STATUS(audit_filter_set_until(f, MICROS_2026 + 2), AUDIT_OK);
    EXPECT_SEQS(logger, f, "2");
    CHECK_STATUS(audit_filter_set_since(f, MICROS_2026), AUDIT_OK);
    EXPECT_SEQS(logger, f, "1,2");
    CHECK_STATUS(audit_filter_set_since(f, MICROS_2026 + 4), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_until(f, INT64_MAX), AUDIT_OK);
    EXPECT_SEQS(logger, f, "");
    CHECK_STATUS(audit_filter_set_since(f, INT64_MIN), AUDIT_OK);
    CHECK_STATUS(audit_filter_set_until(f, MICROS_2026 + 1), AUDIT_OK);
    EXPECT_SEQS(logger, f, "1");
    audit_filter_free(f);
    audit_logger_free(logger);
}

/* ------------------------------------------------------------ export/import */

/* Every field and timestamp of the events of `a` and `b` match, in order. */
static void expect_same_events(const AuditLogger *a, const AuditLogger *b) {
    AuditEventList *la = NULL, *lb = NULL;
    CHECK_STATUS(audit_query(a, NULL, &la), AUDIT_OK);
    CHECK_STATUS(audit_query(b, NULL, &lb), AUDIT_OK);
    CHECK(audit_event_list_len(la) == audit_event_list_len(lb));
    for (size_t i = 0; i < audit_event_list_len(la) && i < audit_event_list_len(lb); i++) {
        const AuditEvent *ea = audit_event_list_get(la, i), *eb = audit_event_list_get(lb, i);
        CHECK(str_eq(audit_event_actor(ea), audit_event_actor(eb)));
        CHECK(str_eq(audit_event_action(ea), audit_event_action(eb)));
        CHECK(str_eq(audit_event_resource(ea), audit_event_resource(eb)));
        CHECK(str_eq(audit_event_outcome(ea), audit_event_outcome(eb)));
        CHECK(str_eq(audit_event_details(ea), audit_event_details(eb)));
        CHECK(audit_event_severity(ea) == audit_event_severity(eb));
        CHECK(audit_event_timestamp(ea) == audit_event_timestamp(eb));
    }
    audit_event_list_free(la);
    audit_event_list_free(lb);
}

static void test_export_import_round_trip(const char *dir) {
    char path[512], entries[512];
    snprintf(path, sizeof path, "%s/audit.json", dir);

    AuditLogger *source = new_logger(10);
    char *doc = NULL;
    CHECK_STATUS(audit_export_json(source, NULL, &doc), AUDIT_OK);
    CHECK(str_eq(doc, "[]"));
    audit_string_free(doc);

    log_event(source, "alice", "login", "app", "success", AUDIT_SEVERITY_INFO, NULL);
    log_event(source, "bob \xe2\x9c\x93", "user.delete", "user:42", "success",
              AUDIT_SEVERITY_WARNING, "{\"reason\":\"GDPR\",\"n\":[1,{\"k\":null}]}");
    log_event(source, "mallory\n\xe2\x80\xa8", "", "", "denied", AUDIT_SEVERITY_CRITICAL,
              "{}");

    /* To a string: pretty, starts and ends as documented, non-ASCII kept. */
    CHECK_STATUS(audit_export_json(source, NULL, &doc), AUDIT_OK);
    CHECK(starts_with(doc, "[\n  {\n    \"actor\": \"alice\",\n    \"action\": \"login\",\n"));
    CHECK(doc != NULL && strstr(doc, "\"bob \xe2\x9c\x93\"") != NULL);
    CHECK(doc != NULL && strstr(doc, "\"mallory\\n\\u2028\"") != NULL);
    CHECK(doc != NULL && strstr(doc, "\"seq\": 3\n  }\n]") != NULL);

    /* query_json with no filter is the same document. */
    char *queried = NULL;
    CHECK_STATUS(audit_query_json(source, NULL, &queried), AUDIT_OK);
    CHECK(str_eq(queried, doc));
    audit_string_free(queried);

    /* To a file (replacing what was there) and to a string at once. */
    CHECK(write_file(path, "old content"));
    char *both = NULL;
    CHECK_STATUS(audit_export_json(source, path, &both), AUDIT_OK);
    char *file_text = read_file(path);
    CHECK(str_eq(file_text, doc) && str_eq(both, doc));
    CHECK(str_eq(dir_entries(dir, entries, sizeof entries), "audit.json"));
    free(file_text);
    audit_string_free(both);

    /* Import from the string: same fields and timestamps, seqs from 1 again,
     * so the re-export is byte-identical. */
    AuditLogger *copy = new_logger(10);
    size_t imported = SENTINEL_SIZE;
    CHECK_STATUS(audit_import_json(copy, doc, &imported), AUDIT_OK);
    CHECK(imported == 3);
    expect_same_events(source, copy);
    char *again = NULL;
    CHECK_STATUS(audit_export_json(copy, NULL, &again), AUDIT_OK);
    CHECK(str_eq(again, doc));
    audit_string_free(again);
    audit_logger_free(copy);

    /* Import from the file, after an event already there: seqs continue. */
    copy = new_logger(10);
    log_simple(copy, "earlier");
    CHECK_STATUS(audit_import_json_file(copy, path, NULL), AUDIT_OK);
    CHECK(audit_logger_count(copy) == 4 && audit_logger_appended(copy) == 4);
    AuditFilter *after_first = audit_filter_new();
    CHECK_STATUS(audit_filter_set_after_seq(after_first, 1), AUDIT_OK);
    EXPECT_SEQS(copy, after_first, "2,3,4");
    char *part = NULL;
    CHECK_STATUS(audit_query_json(copy, after_first, &part), AUDIT_OK);
    AuditLogger *third = new_logger(10);
    CHECK_STATUS(audit_import_json(third, part, &imported), AUDIT_OK);
    CHECK(imported == 3);
    expect_same_events(source, third);
    audit_string_free(part);
    audit_filter_free(after_first);
    audit_logger_free(third);
    audit_logger_free(copy);

    /* Exporting again replaces the file whole; no temporary file is left. */
    log_simple(source, "dave");
    char *newer = NULL;
    CHECK_STATUS(audit_export_json(source, path, &newer), AUDIT_OK);
    file_text = read_file(path);
    CHECK(str_eq(file_text, newer) && !str_eq(newer, doc));
    CHECK(str_eq(dir_entries(dir, entries, sizeof entries), "audit.json"));
    free(file_text);
    CHECK_STATUS(audit_export_json(source, path, NULL), AUDIT_OK);
    file_text = read_file(path);
    CHECK(str_eq(file_text, newer));
    free(file_text);

    audit_string_free(newer);
    audit_string_free(doc);
    audit_logger_free(source);
    remove(path);
}

static void test_export_failures(const char *dir) {
    char path[512], entries[512], subdir[512], missing[512];
    snprintf(path, sizeof path, "%s/keep.json", dir);
    snprintf(subdir, sizeof subdir, "%s/subdir", dir);
    snprintf(missing, sizeof missing, "%s/missing-dir/out.json", dir);
    CHECK(write_file(path, "previous export"));
    CHECK(mkdir(subdir, 0700) == 0);

    AuditLogger *logger = new_logger(10);
    for (int i = 0; i < 5; i++) {
        log_simple(logger, "someone");
    }
    /* Paths that fail even for root. */
    const char *const bad_paths[] = {missing, subdir, "/proc/audit-logger-test.json",
                                     "/proc/self/status", ""};
    for (size_t i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++) {
        char *doc = SENTINEL_PTR;
        CHECK_FAIL(audit_export_json(logger, bad_paths[i], &doc), AUDIT_ERR_IO);
        CHECK(doc == SENTINEL_PTR);
    }
    struct stat st;
    CHECK(stat(subdir, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(str_eq(dir_entries(dir, entries, sizeof entries), "keep.json,subdir"));

    /* A write that fails part-way (file size limit) leaves the old file whole. */
    struct rlimit old_limit, small_limit;
    CHECK(getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    small_limit = old_limit;
    small_limit.rlim_cur = 64;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    if (CHECK(setrlimit(RLIMIT_FSIZE, &small_limit) == 0)) {
        char *doc = SENTINEL_PTR;
        CHECK_FAIL(audit_export_json(logger, path, &doc), AUDIT_ERR_IO);
        CHECK(doc == SENTINEL_PTR);
        CHECK(setrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    }
    signal(SIGXFSZ, old_handler);
    char *text = read_file(path);
    CHECK(str_eq(text, "previous export"));
    free(text);
    CHECK(str_eq(dir_entries(dir, entries, sizeof entries), "keep.json,subdir"));

    /* Reading: a missing file, a directory. */
    size_t count = SENTINEL_SIZE;
    CHECK_FAIL(audit_import_json_file(logger, missing, &count), AUDIT_ERR_IO);
    CHECK_FAIL(audit_import_json_file(logger, subdir, &count), AUDIT_ERR_IO);
    CHECK_FAIL(audit_import_json_file(logger, path, &count), AUDIT_ERR_INVALID_DOCUMENT);
    CHECK(count == SENTINEL_SIZE);
    CHECK(audit_logger_count(logger) == 5 && audit_logger_appended(logger) == 5);

    audit_logger_free(logger);
    remove(path);
    rmdir(subdir);
}

static void test_import_failures(void) {
    AuditLogger *logger = new_logger(10);
    log_simple(logger, "present");
    static const char *const bad_documents[] = {
        "",
        "not json",
        "[",
        "[{\"actor\":\"a\"",
        "{}",
        "null",
        "[1]",
        "[[]]",
        "[{\"actor\":1,\"action\":\"b\",\"resource\":\"c\",\"outcome\":\"d\",\"severity\":\"INFO\","
        "\"details\":{},\"timestamp\":\"2026-01-01T00:00:00Z\"}]",
        "[{\"action\":\"b\",\"resource\":\"c\",\"outcome\":\"d\",\"severity\":\"INFO\","
        "\"details\":{},\"timestamp\":\"2026-01-01T00:00:00Z\"}]",
        "[{\"actor\":\"a\",\"action\":\"b\",\"resource\":\"c\",\"outcome\":\"d\",\"severity\":10,"
        "\"details\":{},\"timestamp\":\"2026-01-01T00:00:00Z\"}]",
        "[{\"actor\":\"a\",\"action\":\"b\",\"resource\":\"c\",\"outcome\":\"d\",\"severity\":"
        "\"NOPE\",\"details\":{},\"timestamp\":\"2026-01-01T00:00:00Z\"}]",
        "[{\"actor\":\"a\",\"action\":\"b\",\"resource\":\"c\",\"outcome\":\"d\",\"severity\":"
        "\"INFO\",\"details\":[],\"timestamp\":\"2026-01-01T00:00:00Z\"}]",
        "[{\"actor\":\"a\",\"action\":\"b\",\"resource\":\"c\",\"outcome\":\"d\",\"severity\":"
        "\"INFO\",\"details\":\"{}\",\"timestamp\":\"2026-01-01T00:00:00Z\"}]",
        "[{\"actor\":\"a\",\"action\":\"b\",\"resource\":\"c\",\"outcome\":\"d\",\"severity\":"
        "\"INFO\",\"details\":{},\"timestamp\":\"soon\"}]",
        "[{\"actor\":\"a\",\"action\":\"b\",\"resource\":\"c\",\"outcome\":\"d\",\"severity\":"
        "\"INFO\",\"details\":{},\"timestamp\":1767225600}]",
        "[" DOC_EVENT("fine", "2026-01-01T00:00:00Z") "," DOC_EVENT("bad", "2026-13-01T00:00:00Z")
        "]",
        "[" DOC_EVENT("fine", "2026-01-01T00:00:00Z") "," DOC_EVENT("fine", "2026-01-01T00:00:00Z")
        "",
        "[" DOC_EVENT("fine", "2026-01-01T00:00:00Z") "] trailing",
    };
    for (size_t i = 0; i < sizeof bad_documents / sizeof bad_documents[0]; i++) {
        size_t count = SENTINEL_SIZE;
        if (!CHECK_FAIL(audit_import_json(logger, bad_documents[i], &count),
                        AUDIT_ERR_INVALID_DOCUMENT)) {
            fprintf(stderr, "    document: %s\n", bad_documents[i]);
        }
        CHECK(count == SENTINEL_SIZE);
    }
    size_t count = SENTINEL_SIZE;
    CHECK_FAIL(audit_import_json(logger, "[\xff]", &count), AUDIT_ERR_INVALID_UTF8);
    CHECK_FAIL(audit_import_json(logger, "[" DOC_EVENT("a\xc3", "2026-01-01T00:00:00Z") "]",
                                 &count),
               AUDIT_ERR_INVALID_UTF8);
    CHECK_FAIL(audit_import_json(logger, NULL, &count), AUDIT_ERR_NULL_ARGUMENT);
    CHECK(count == SENTINEL_SIZE);
    /* Nothing was imported by any of them. */
    CHECK(audit_logger_count(logger) == 1 && audit_logger_appended(logger) == 1);

    /* An empty document imports nothing, successfully. */
    CHECK_STATUS(audit_import_json(logger, "[]", &count), AUDIT_OK);
    CHECK(count == 0);
    /* The reference's zone-less timestamps are UTC. */
    CHECK_STATUS(audit_import_json(logger, "[" DOC_EVENT("ref", "2026-01-01T00:00:00") "]",
                                   &count),
                 AUDIT_OK);
    CHECK(count == 1);
    AuditEventList *list = get_event(logger, 2);
    CHECK(audit_event_timestamp(audit_event_list_get(list, 0)) == MICROS_2026);
    audit_event_list_free(list);
    audit_logger_free(logger);
}

/* ------------------------------------------------------------ subscribers */

typedef struct Probe {
    AuditLogger *logger;
    uint64_t id;
    int calls;            /* callback calls */
    int frees;            /* free_ctx calls */
    int in_callback;      /* 1 while the callback runs */
    int freed_in_callback;
    int stored;           /* calls that found their event with audit_get */
    int depth, max_depth; /* for the re-entrant callback */
    int fail_odd;         /* return non-zero for odd seqs */
    AuditStatus unsubscribe_status;
} Probe;

static int32_t count_calls(void *ctx, const AuditEvent *event) {
    Probe *p = ctx;
    p->calls++;
    return p->fail_odd && audit_event_seq(event) % 2 == 1 ? -1 : 0;
}

static void count_frees(void *ctx) {
    Probe *p = ctx;
    p->frees++;
    if (p->in_callback) {
        p->freed_in_callback++;
    }
}

/* Looks its own event up: the event is stored before subscribers run. */
static int32_t find_own_event(void *ctx, const AuditEvent *event) {
    Probe *p = ctx;
    AuditEventList *list = NULL;
    p->calls++;
    if (audit_get(p->logger, audit_event_seq(event), &list) == AUDIT_OK) {
        const AuditEvent *stored = audit_event_list_get(list, 0);
        if (str_eq(audit_event_actor(stored), audit_event_actor(event)) &&
            audit_event_timestamp(stored) == audit_event_timestamp(event) &&
            audit_logger_appended(p->logger) >= audit_event_seq(event)) {
            p->stored++;
        }
        audit_event_list_free(list);
    }
    return 0;
}

/* Logs again on the same logger from inside the callback, up to max_depth deep. */
static int32_t log_again(void *ctx, const AuditEvent *event) {
    Probe *p = ctx;
    (void)event;
    p->calls++;
    if (p->depth < p->max_depth) {
        p->depth++;
        uint64_t seq = 0;
        CHECK_STATUS(audit_log(p->logger, "nested", "log", "app", "success", 10, NULL, &seq),
                     AUDIT_OK);
        p->depth--;
    }
    return 0;
}

static int32_t unsubscribe_self(void *ctx, const AuditEvent *event) {
    Probe *p = ctx;
    (void)event;
    p->in_callback = 1;
    p->calls++;
    p->unsubscribe_status = audit_unsubscribe(p->logger, p->id);
    p->in_callback = 0;
    return 0;
}

static uint64_t subscribe(AuditLogger *logger, AuditCallback callback, Probe *p) {
    uint64_t id = 0;
    CHECK_STATUS(audit_subscribe(logger, callback, p, count_frees, &id), AUDIT_OK);
    CHECK(id != 0);
    p->id = id;
    return id;
}

static void test_subscriber_sees_stored_event(void) {
    AuditLogger *logger = new_logger(4);
    Probe p = {.logger = logger};
    subscribe(logger, find_own_event, &p);
    for (int i = 0; i < 6; i++) { /* past capacity too */
        log_simple(logger, i % 2 ? "odd" : "even");
    }
    CHECK(p.calls == 6 && p.stored == 6);
    audit_logger_free(logger);
    CHECK(p.frees == 1);
}

static void test_subscriber_failures_are_counted(void) {
    AuditLogger *logger = new_logger(4);
    Probe failing = {.logger = logger, .fail_odd = 1}, fine = {.logger = logger};
    uint64_t failing_id = subscribe(logger, count_calls, &failing);
    uint64_t fine_id = subscribe(logger, count_calls, &fine);
    CHECK(failing_id != fine_id);
    for (int i = 0; i < 5; i++) {
        CHECK(log_simple(logger, "a") == (uint64_t)i + 1); /* logging is not affected */
    }
    CHECK(failing.calls == 5 && fine.calls == 5);

    AuditSubscriptionStats stats = {.struct_size = sizeof stats};
    CHECK_STATUS(audit_subscription_stats(logger, failing_id, &stats), AUDIT_OK);
    CHECK(stats.struct_size == sizeof stats);
    CHECK(stats.delivered == 5 && stats.failed == 3 && stats.dropped == 0);
    CHECK_STATUS(audit_subscription_stats(logger, fine_id, &stats), AUDIT_OK);
    CHECK(stats.delivered == 5 && stats.failed == 0 && stats.dropped == 0);

    /* A newer caller's larger struct: the known fields are written, the tail is not. */
    struct {
        AuditSubscriptionStats stats;
        uint64_t tail;
    } bigger = {.stats = {.struct_size = sizeof bigger}, .tail = SENTINEL_U64};
    CHECK_STATUS(audit_subscription_stats(logger, failing_id, &bigger.stats), AUDIT_OK);
    CHECK(bigger.stats.struct_size == sizeof bigger && bigger.stats.delivered == 5 &&
          bigger.stats.failed == 3 && bigger.tail == SENTINEL_U64);

    /* struct_size too small; unknown ids. */
    static const uint64_t small_sizes[] = {0, 8, sizeof stats - 1};
    for (size_t i = 0; i < 3; i++) {
        AuditSubscriptionStats small = {.struct_size = small_sizes[i],
                                        .delivered = SENTINEL_U64,
                                        .failed = SENTINEL_U64};
        CHECK_FAIL(audit_subscription_stats(logger, failing_id, &small),
                   AUDIT_ERR_INVALID_ARGUMENT);
        CHECK(small.struct_size == small_sizes[i] && small.delivered == SENTINEL_U64 &&
              small.failed == SENTINEL_U64);
    }
    AuditSubscriptionStats untouched = {.struct_size = sizeof untouched,
                                        .delivered = SENTINEL_U64};
    CHECK_FAIL(audit_subscription_stats(logger, 0, &untouched), AUDIT_ERR_NOT_FOUND);
    CHECK_FAIL(audit_subscription_stats(logger, 987654, &untouched), AUDIT_ERR_NOT_FOUND);
    CHECK(untouched.delivered == SENTINEL_U64);

    /* After unsubscribing: no more calls, no stats. */
    CHECK_STATUS(audit_unsubscribe(logger, failing_id), AUDIT_OK);
    CHECK(failing.frees == 1);
    log_simple(logger, "b");
    CHECK(failing.calls == 5 && fine.calls == 6);
    CHECK_FAIL(audit_subscription_stats(logger, failing_id, &untouched), AUDIT_ERR_NOT_FOUND);
    audit_logger_free(logger);
    CHECK(failing.frees == 1 && fine.frees == 1);
}

static void test_reentrant_logging(void) {
    AuditLogger *logger = new_logger(16);
    Probe p = {.logger = logger, .max_depth = 3};
    subscribe(logger, log_again, &p);
    CHECK(log_simple(logger, "outer") == 1);
    /* The outer event and three nested ones, each delivered once. */
    CHECK(p.calls == 4);
    CHECK(audit_logger_count(logger) == 4 && audit_logger_appended(logger) == 4);
    AuditFilter *f = audit_filter_new();
    CHECK_STATUS(audit_filter_set_actor(f, "nested"), AUDIT_OK);
    EXPECT_SEQS(logger, f, "2,3,4");
    audit_filter_free(f);
    audit_logger_free(logger);
    CHECK(p.frees == 1);
}

static void test_unsubscribe_from_own_callback(void) {
    AuditLogger *logger = new_logger(8);
    Probe self = {.logger = logger}, other = {.logger = logger};
    subscribe(logger, unsubscribe_self, &self);
    subscribe(logger, count_calls, &other);
    for (int i = 0; i < 3; i++) {
        log_simple(logger, "a");
    }
    CHECK(self.calls == 1);
    CHECK_STATUS(self.unsubscribe_status, AUDIT_OK);
    CHECK(self.frees == 1 && self.freed_in_callback == 0);
    CHECK(other.calls == 3);
    CHECK_FAIL(audit_unsubscribe(logger, self.id), AUDIT_ERR_NOT_FOUND);
    audit_logger_free(logger);
    CHECK(self.frees == 1 && other.frees == 1);
}

static void test_subscription_lifetimes(void) {
    AuditLogger *logger = new_logger(8);
    Probe a = {.logger = logger}, b = {.logger = logger}, c = {.logger = logger};
    subscribe(logger, count_calls, &a);
    subscribe(logger, count_calls, &b);
    subscribe(logger, count_calls, &c);
    CHECK(a.id != b.id && b.id != c.id && a.id != c.id);
    log_simple(logger, "x");

    CHECK_STATUS(audit_unsubscribe(logger, b.id), AUDIT_OK);
    CHECK(b.frees == 1 && a.frees == 0 && c.frees == 0);
    CHECK_FAIL(audit_unsubscribe(logger, b.id), AUDIT_ERR_NOT_FOUND);
    CHECK_FAIL(audit_unsubscribe(logger, 0), AUDIT_ERR_NOT_FOUND);
    CHECK_FAIL(audit_unsubscribe(logger, 424242), AUDIT_ERR_NOT_FOUND);
    CHECK(b.frees == 1);

    /* Imports are not delivered; logged events are. */
    size_t imported = 0;
    CHECK_STATUS(audit_import_json(logger, "[" DOC_EVENT("imp", "2026-01-01T00:00:00Z") "]",
                                   &imported),
                 AUDIT_OK);
    CHECK(imported == 1 && a.calls == 1 && c.calls == 1);
    log_simple(logger, "y");
    CHECK(a.calls == 2 && b.calls == 1 && c.calls == 2);

    /* Freeing the logger ends the live subscriptions, each once. */
    audit_logger_free(logger);
    CHECK(a.frees == 1 && b.frees == 1 && c.frees == 1);

    /* On a failed subscribe nothing is registered and free_ctx is not called. */
    logger = new_logger(8);
    Probe d = {.logger = logger};
    uint64_t id = SENTINEL_U64;
    CHECK_FAIL(audit_subscribe(NULL, count_calls, &d, count_frees, &id), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_subscribe(logger, NULL, &d, count_frees, &id), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_subscribe(logger, count_calls, &d, count_frees, NULL),
               AUDIT_ERR_NULL_ARGUMENT);
    CHECK(id == SENTINEL_U64);
    log_simple(logger, "z");
    audit_logger_free(logger);
    CHECK(d.calls == 0 && d.frees == 0);

    /* free_ctx is optional. */
    logger = new_logger(8);
    Probe e = {.logger = logger};
    CHECK_STATUS(audit_subscribe(logger, count_calls, &e, NULL, &id), AUDIT_OK);
    log_simple(logger, "w");
    CHECK_STATUS(audit_unsubscribe(logger, id), AUDIT_OK);
    audit_logger_free(logger);
    CHECK(e.calls == 1 && e.frees == 0);
}

/* ------------------------------------------------------------ queued subscribers */

/* A queued subscriber whose callback can be held at a gate, shared with the
 * delivery thread under a mutex. */
typedef struct Gated {
    pthread_mutex_t mutex;
    pthread_cond_t changed;
    AuditLogger *logger;
    int gate_open;
    int entered; /* callback calls begun */
    uint64_t seqs[64];
    int frees;
    int callbacks_on_main; /* callback calls on the main thread (never, when queued) */
    int freed_on_main;     /* free_ctx ran on the main thread */
    AuditStatus flush_status;
    pthread_t main_thread;
} Gated;

static void gated_init(Gated *g, AuditLogger *logger, int gate_open) {
    memset(g, 0, sizeof *g);
    pthread_mutex_init(&g->mutex, NULL);
    pthread_cond_init(&g->changed, NULL);
    g->logger = logger;
    g->gate_open = gate_open;
    g->flush_status = SENTINEL_U32;
    g->main_thread = pthread_self();
}

static void gated_destroy(Gated *g) {
    pthread_mutex_destroy(&g->mutex);
    pthread_cond_destroy(&g->changed);
}

static int32_t gated_callback(void *ctx, const AuditEvent *event) {
    Gated *g = ctx;
    pthread_mutex_lock(&g->mutex);
    if (g->entered < 64) {
        g->seqs[g->entered] = audit_event_seq(event);
    }
    g->entered++;
    g->callbacks_on_main += pthread_equal(pthread_self(), g->main_thread) != 0;
    pthread_cond_broadcast(&g->changed);
    while (!g->gate_open) {
        pthread_cond_wait(&g->changed, &g->mutex);
    }
    pthread_mutex_unlock(&g->mutex);
    return 0;
}

static int32_t flushing_callback(void *ctx, const AuditEvent *event) {
    Gated *g = ctx;
    AuditStatus status = audit_flush(g->logger, 1000);
    pthread_mutex_lock(&g->mutex);
    g->flush_status = status;
    pthread_mutex_unlock(&g->mutex);
    return gated_callback(ctx, event);
}

static void gated_free(void *ctx) {
    Gated *g = ctx;
    pthread_mutex_lock(&g->mutex);
    g->frees++;
    g->freed_on_main = pthread_equal(pthread_self(), g->main_thread) != 0;
    pthread_cond_broadcast(&g->changed);
    pthread_mutex_unlock(&g->mutex);
}

/* Waits (the watchdog bounds it) until *field reaches `value`. */
static void gated_wait(Gated *g, const int *field, int value) {
    pthread_mutex_lock(&g->mutex);
    while (*field < value) {
        pthread_cond_wait(&g->changed, &g->mutex);
    }
    pthread_mutex_unlock(&g->mutex);
}

static void gated_open(Gated *g) {
    pthread_mutex_lock(&g->mutex);
    g->gate_open = 1;
    pthread_cond_broadcast(&g->changed);
    pthread_mutex_unlock(&g->mutex);
}

static const char *gated_seqs(Gated *g, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    pthread_mutex_lock(&g->mutex);
    for (int i = 0; i < g->entered && i < 64 && used < size; i++) {
        used += (size_t)snprintf(buf + used, size - used, "%s%" PRIu64, i ? "," : "", g->seqs[i]);
    }
    pthread_mutex_unlock(&g->mutex);
    return buf;
}

static void test_queued_delivery(void) {
    AuditLogger *logger = new_logger(32);
    Gated g;
    char seqs[256];
    uint64_t id = 0;
    gated_init(&g, logger, 1);
    CHECK_STATUS(audit_subscribe_queued(logger, gated_callback, &g, gated_free, 16,
                                        AUDIT_OVERFLOW_DROP_NEWEST, 0, &id),
                 AUDIT_OK);
    CHECK(id != 0);
    for (int i = 0; i < 10; i++) {
        log_simple(logger, "q");
    }
    CHECK_STATUS(audit_flush(logger, 30000), AUDIT_OK);
    /* Every event, in log order, on the delivery thread. */
    CHECK(str_eq(gated_seqs(&g, seqs, sizeof seqs), "1,2,3,4,5,6,7,8,9,10"));
    AuditSubscriptionStats stats = {.struct_size = sizeof stats};
    CHECK_STATUS(audit_subscription_stats(logger, id, &stats), AUDIT_OK);
    CHECK(stats.delivered == 10 && stats.failed == 0 && stats.dropped == 0);
    /* Imports are not delivered. */
    CHECK_STATUS(audit_import_json(logger, "[" DOC_EVENT("imp", "2026-01-01T00:00:00Z") "]",
                                   NULL),
                 AUDIT_OK);
    CHECK_STATUS(audit_flush(logger, 30000), AUDIT_OK);
    CHECK(str_eq(gated_seqs(&g, seqs, sizeof seqs), "1,2,3,4,5,6,7,8,9,10"));

    CHECK_STATUS(audit_unsubscribe(logger, id), AUDIT_OK);
    gated_wait(&g, &g.frees, 1);
    CHECK(g.frees == 1 && g.callbacks_on_main == 0);
    CHECK_FAIL(audit_unsubscribe(logger, id), AUDIT_ERR_NOT_FOUND);
    /* No queued subscription left: flush has nothing to wait for. */
    CHECK_STATUS(audit_flush(logger, 0), AUDIT_OK);
    audit_logger_free(logger);
    CHECK(g.frees == 1);
    gated_destroy(&g);
}

/* Holds the delivery thread in the callback of seq 1, logs seqs 2..6 into a
 * queue of 2 with `overflow`, then lets it go and compares what was delivered. */
static void run_overflow(uint32_t overflow, const char *expected_seqs) {
    AuditLogger *logger = new_logger(32);
    Gated g;
    char seqs[256];
    uint64_t id = 0;
    gated_init(&g, logger, 0);
    CHECK_STATUS(audit_subscribe_queued(logger, gated_callback, &g, gated_free, 2, overflow, 20,
                                        &id),
                 AUDIT_OK);
    log_simple(logger, "first");
    gated_wait(&g, &g.entered, 1); /* seq 1 is in the callback, the queue is empty */
    for (int i = 0; i < 5; i++) {
        CHECK(log_simple(logger, "more") == (uint64_t)i + 2); /* never refused */
    }
    /* Stuck callback: flush times out. */
    CHECK_FAIL(audit_flush(logger, 10), AUDIT_ERR_TIMEOUT);
    AuditSubscriptionStats stats = {.struct_size = sizeof stats};
    CHECK_STATUS(audit_subscription_stats(logger, id, &stats), AUDIT_OK);
    CHECK(stats.dropped == 3);
    gated_open(&g);
    CHECK_STATUS(audit_flush(logger, 30000), AUDIT_OK);
    CHECK(str_eq(gated_seqs(&g, seqs, sizeof seqs), expected_seqs));
    CHECK_STATUS(audit_subscription_stats(logger, id, &stats), AUDIT_OK);
    CHECK(stats.delivered == 3 && stats.dropped == 3 && stats.failed == 0);
    CHECK(audit_logger_count(logger) == 6); /* the ring is not affected */
    audit_logger_free(logger);
    gated_wait(&g, &g.frees, 1);
    CHECK(g.frees == 1 && g.callbacks_on_main == 0);
    gated_destroy(&g);
}

static void test_queued_overflow(void) {
    run_overflow(AUDIT_OVERFLOW_DROP_NEWEST, "1,2,3");
    run_overflow(AUDIT_OVERFLOW_DROP_OLDEST, "1,5,6");
    run_overflow(AUDIT_OVERFLOW_BLOCK, "1,2,3"); /* each later producer waits 20 ms, then drops */
}

static void test_queued_ending(void) {
    /* Unsubscribing discards what is queued and does not wait for the callback;
     * free_ctx runs once that call has finished. */
    AuditLogger *logger = new_logger(32);
    Gated g;
    char seqs[256];
    uint64_t id = 0;
    gated_init(&g, logger, 0);
    CHECK_STATUS(audit_subscribe_queued(logger, gated_callback, &g, gated_free, 8,
                                        AUDIT_OVERFLOW_DROP_NEWEST, 0, &id),
                 AUDIT_OK);
    log_simple(logger, "a");
    gated_wait(&g, &g.entered, 1);
    log_simple(logger, "b");
    log_simple(logger, "c");
    CHECK_STATUS(audit_unsubscribe(logger, id), AUDIT_OK); /* returns with the callback held */
    pthread_mutex_lock(&g.mutex);
    CHECK(g.frees == 0);
    pthread_mutex_unlock(&g.mutex);
    gated_open(&g);
    gated_wait(&g, &g.frees, 1);
    CHECK(str_eq(gated_seqs(&g, seqs, sizeof seqs), "1"));
    /* The call in progress finished first, then free_ctx ran on its thread. */
    CHECK(g.frees == 1 && !g.freed_on_main && g.callbacks_on_main == 0);
    audit_logger_free(logger);
    gated_destroy(&g);

    /* audit_logger_free ends a queued subscription the same way. */
    logger = new_logger(32);
    gated_init(&g, logger, 0);
    CHECK_STATUS(audit_subscribe_queued(logger, gated_callback, &g, gated_free, 8,
                                        AUDIT_OVERFLOW_DROP_OLDEST, 0, &id),
                 AUDIT_OK);
    log_simple(logger, "a");
    gated_wait(&g, &g.entered, 1);
    log_simple(logger, "b");
    audit_logger_free(logger);
    gated_open(&g);
    gated_wait(&g, &g.frees, 1);
    CHECK(g.entered == 1 && g.frees == 1 && !g.freed_on_main);
    gated_destroy(&g);

    /* flush from a queued callback would wait for itself: refused. */
    logger = new_logger(32);
    gated_init(&g, logger, 1);
    CHECK_STATUS(audit_subscribe_queued(logger, flushing_callback, &g, gated_free, 8,
                                        AUDIT_OVERFLOW_BLOCK, 1000, &id),
                 AUDIT_OK);
    log_simple(logger, "a");
    CHECK_STATUS(audit_flush(logger, 30000), AUDIT_OK);
    CHECK_STATUS(g.flush_status, AUDIT_ERR_INVALID_ARGUMENT);
    audit_logger_free(logger);
    gated_wait(&g, &g.frees, 1);
    gated_destroy(&g);
}

static void test_queued_errors(void) {
    AuditLogger *logger = new_logger(8);
    Gated g;
    gated_init(&g, logger, 1);
    uint64_t id = SENTINEL_U64;
    CHECK_FAIL(audit_subscribe_queued(NULL, gated_callback, &g, gated_free, 8,
                                      AUDIT_OVERFLOW_DROP_OLDEST, 0, &id),
               AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_subscribe_queued(logger, NULL, &g, gated_free, 8, AUDIT_OVERFLOW_DROP_OLDEST,
                                      0, &id),
               AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_subscribe_queued(logger, gated_callback, &g, gated_free, 8,
                                      AUDIT_OVERFLOW_DROP_OLDEST, 0, NULL),
               AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_subscribe_queued(logger, gated_callback, &g, gated_free, 0,
                                      AUDIT_OVERFLOW_DROP_OLDEST, 0, &id),
               AUDIT_ERR_INVALID_CAPACITY);
    static const uint32_t bad_policies[] = {0, 4, UINT32_MAX};
    for (size_t i = 0; i < 3; i++) {
        CHECK_FAIL(audit_subscribe_queued(logger, gated_callback, &g, gated_free, 8,
                                          bad_policies[i], 0, &id),
                   AUDIT_ERR_INVALID_ARGUMENT);
    }
    CHECK(id == SENTINEL_U64);
    CHECK_FAIL(audit_flush(NULL, 0), AUDIT_ERR_NULL_ARGUMENT);
    log_simple(logger, "nobody listens");
    audit_logger_free(logger);
    CHECK(g.entered == 0 && g.frees == 0); /* nothing registered, ctx still ours */
    gated_destroy(&g);
}

/* ------------------------------------------------------------ main */

int main(void) {
    check_watchdog(120);
    char dir[] = "/tmp/audit-test-api-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }

    test_version_and_status_strings();
    test_last_error();
    test_severities();
    test_null_handles();
    test_log_rejects_bad_input();
    test_config_values();
    test_config_limits();
    test_config_total_bytes();
    test_event_accessors();
    test_eviction_and_get();
    test_filters();
    test_export_import_round_trip(dir);
    test_export_failures(dir);
    test_import_failures();
    test_subscriber_sees_stored_event();
    test_subscriber_failures_are_counted();
    test_reentrant_logging();
    test_unsubscribe_from_own_callback();
    test_subscription_lifetimes();
    test_queued_delivery();
    test_queued_overflow();
    test_queued_ending();
    test_queued_errors();

    char entries[256];
    CHECK(str_eq(dir_entries(dir, entries, sizeof entries), "")); /* nothing left behind */
    if (rmdir(dir) != 0) {
        fprintf(stderr, "cannot remove %s: %s\n", dir, strerror(errno));
    }
    return check_summary();
}
