/*
 * test_forward: forwarders through the C ABI: configuration errors, a JSON
 * Lines file receiving every event, an unwritable file reported by the stats
 * and the close report, and RFC 5424 syslog over TCP (RFC 6587 octet
 * counting) to a small listener in this program that counts the frames.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void log_events(AuditLogger *log, int from, int n) {
    for (int i = from; i < from + n; i++) {
        char details[64];
        snprintf(details, sizeof details, "{\"i\":%d}", i);
        CHECK_STATUS(audit_log(log, "alice", "doc.read", "doc:1", "ok", AUDIT_SEVERITY_INFO,
                               details, NULL),
                     AUDIT_OK);
    }
}

static void test_configuration_errors(const char *dir) {
    char unused[512];
    snprintf(unused, sizeof unused, "%s/unused.jsonl", dir);
    AuditForwarderConfig *cfg = NULL;
    CHECK_FAIL(audit_forwarder_config_new_syslog(NULL, &cfg), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_forwarder_config_new_syslog("127.0.0.1:1", NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_forwarder_config_new_syslog("\xff\xfe", &cfg), AUDIT_ERR_INVALID_UTF8);
    CHECK(cfg == NULL);
    /* Kafka and OTLP exist in every build; without their feature they are refused. */
    AuditStatus kafka = audit_forwarder_config_new_kafka("127.0.0.1:9092", "audit", &cfg);
    if (kafka == AUDIT_OK) {
        audit_forwarder_config_free(cfg);
        cfg = NULL;
    } else {
        CHECK_STATUS(kafka, AUDIT_ERR_INVALID_ARGUMENT);
        CHECK(strstr(audit_last_error_message(), "kafka") != NULL);
    }
    AuditStatus otlp = audit_forwarder_config_new_otlp("http://127.0.0.1:4318/v1/logs", &cfg);
    if (otlp == AUDIT_OK) {
        CHECK_STATUS(audit_forwarder_config_set_property(cfg, "authorization", "x"), AUDIT_OK);
        CHECK_FAIL(audit_forwarder_config_set_format(cfg, AUDIT_FORMAT_OCSF),
                   AUDIT_ERR_INVALID_ARGUMENT);
        audit_forwarder_config_free(cfg);
        cfg = NULL;
    } else {
        CHECK_STATUS(otlp, AUDIT_ERR_INVALID_ARGUMENT);
        CHECK(strstr(audit_last_error_message(), "otlp") != NULL);
    }

    if (!CHECK_STATUS(audit_forwarder_config_new_jsonl(unused, &cfg), AUDIT_OK))
        return;
    CHECK_FAIL(audit_forwarder_config_set_tls(cfg, NULL, NULL, NULL, NULL),
               AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_FAIL(audit_forwarder_config_set_property(cfg, "k", "v"), AUDIT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(audit_last_error_message(), "fsync_batch_events") != NULL);
    CHECK_FAIL(audit_forwarder_config_set_property(cfg, "fsync", "sometimes"),
               AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_FAIL(audit_forwarder_config_set_property(cfg, "fsync_batch_events", "0"),
               AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_FAIL(audit_forwarder_config_set_property(cfg, "max_bytes", "1e6"),
               AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_FAIL(audit_forwarder_config_set_property(cfg, "keep", "-1"), AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_FAIL(audit_forwarder_config_set_property(cfg, "fsync", NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_STATUS(audit_forwarder_config_set_property(cfg, "fsync_batch_interval_ms", "10"),
                 AUDIT_OK);
    CHECK_FAIL(audit_forwarder_config_set_format(cfg, 9), AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(audit_forwarder_config_set_format(cfg, AUDIT_FORMAT_OCSF), AUDIT_OK);
    CHECK_FAIL(audit_forwarder_config_set_backlog(cfg, 0, AUDIT_OVERFLOW_DROP_OLDEST, 0),
               AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_FAIL(audit_forwarder_config_set_backlog(cfg, 10, 7, 0), AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(audit_forwarder_config_set_backlog(cfg, 10, AUDIT_OVERFLOW_BLOCK, 5), AUDIT_OK);
    CHECK_FAIL(audit_forwarder_config_set_retry(cfg, 0, 10), AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_FAIL(audit_forwarder_config_set_retry(cfg, 100, 10), AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(audit_forwarder_config_set_retry(cfg, 10, 100), AUDIT_OK);
    CHECK_FAIL(audit_forwarder_config_set_close_timeout(NULL, 1), AUDIT_ERR_NULL_ARGUMENT);

    AuditForwarderConfig *syslog = NULL;
    CHECK_STATUS(audit_forwarder_config_new_syslog("127.0.0.1:1", &syslog), AUDIT_OK);
    CHECK_FAIL(audit_forwarder_config_set_format(syslog, AUDIT_FORMAT_OCSF),
               AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_FAIL(audit_forwarder_config_set_tls(syslog, NULL, NULL, "/tmp/cert.pem", NULL),
               AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_FAIL(audit_forwarder_config_set_property(syslog, "fsync", "always"),
               AUDIT_ERR_INVALID_ARGUMENT);

    AuditLogger *log = NULL;
    CHECK_STATUS(audit_logger_new(10, &log), AUDIT_OK);
    CHECK_FAIL(audit_logger_add_forwarder(NULL, "f", cfg, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_logger_add_forwarder(log, NULL, cfg, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_logger_add_forwarder(log, "f", NULL, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_FAIL(audit_logger_add_forwarder(log, "a/b", cfg, NULL), AUDIT_ERR_INVALID_ARGUMENT);
    CHECK_FAIL(audit_logger_add_forwarder(log, "", cfg, NULL), AUDIT_ERR_INVALID_ARGUMENT);
    uint32_t index = 99;
    CHECK_STATUS(audit_logger_add_forwarder(log, "f", cfg, &index), AUDIT_OK);
    CHECK(index == 0);
    CHECK_FAIL(audit_logger_add_forwarder(log, "f", cfg, NULL), AUDIT_ERR_INVALID_ARGUMENT);

    AuditForwarderStats stats = {.struct_size = 8};
    CHECK_FAIL(audit_forwarder_stats(log, 0, &stats), AUDIT_ERR_INVALID_ARGUMENT);
    stats.struct_size = sizeof stats;
    CHECK_FAIL(audit_forwarder_stats(log, 1, &stats), AUDIT_ERR_NOT_FOUND);
    CHECK_FAIL(audit_forwarder_stats(log, 0, NULL), AUDIT_ERR_NULL_ARGUMENT);
    CHECK_STATUS(audit_forwarder_stats(log, 0, &stats), AUDIT_OK);
    char *message = (char *)1;
    CHECK_FAIL(audit_forwarder_last_error(log, 3, &message), AUDIT_ERR_NOT_FOUND);
    CHECK_FAIL(audit_forwarder_close(log, 3, 0, NULL), AUDIT_ERR_NOT_FOUND);
    audit_logger_free(log);
    audit_forwarder_config_free(syslog);
    audit_forwarder_config_free(cfg);
    audit_forwarder_config_free(NULL);
    unlink(unused);
}

static int count_lines(const char *path, int *with_seq_in_order) {
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    char line[4096];
    int n = 0;
    *with_seq_in_order = 1;
    while (fgets(line, sizeof line, f) != NULL) {
        n++;
        char want[32];
        snprintf(want, sizeof want, "\"seq\":%d,", n);
        if (strstr(line, want) == NULL || strstr(line, "\"log_id\":\"") == NULL)
            *with_seq_in_order = 0;
    }
    fclose(f);
    return n;
}

static void test_jsonl(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    AuditForwarderConfig *cfg = NULL;
    if (!CHECK_STATUS(audit_forwarder_config_new_jsonl(path, &cfg), AUDIT_OK)) return;
    AuditLogger *log = NULL;
    CHECK_STATUS(audit_logger_new(50, &log), AUDIT_OK);
    CHECK_STATUS(audit_logger_add_forwarder(log, "file", cfg, NULL), AUDIT_OK);
    audit_forwarder_config_free(cfg); /* copied */
    log_events(log, 0, 300);
    AuditForwarderReport report = {0};
    CHECK_STATUS(audit_forwarder_close(log, 0, 20000, &report), AUDIT_OK);
    CHECK(report.delivered == 300);
    CHECK(report.left == 0);
    CHECK(report.timed_out == 0);
    CHECK(report.last_acked_seq == 300);
    AuditForwarderStats stats = {.struct_size = sizeof stats};
    CHECK_STATUS(audit_forwarder_stats(log, 0, &stats), AUDIT_OK);
    CHECK(stats.offered == 300 && stats.delivered == 300 && stats.dropped == 0);
    CHECK(stats.lag_events == 0 && stats.has_error == 0);
    char *message = (char *)1;
    CHECK_STATUS(audit_forwarder_last_error(log, 0, &message), AUDIT_OK);
    CHECK(message == NULL);
    /* Closed: logged events no longer reach it; closing again reports again. */
    log_events(log, 300, 5);
    AuditForwarderReport again = {0};
    CHECK_STATUS(audit_forwarder_close(log, 0, 0, &again), AUDIT_OK);
    CHECK(again.delivered == 300);
    audit_logger_free(log);
    int ordered = 0;
    CHECK(count_lines(path, &ordered) == 300);
    CHECK(ordered);
}

/* The JSON Lines settings: fsync after every batch, rotation by rename at
 * 2,000 bytes keeping 2 rotated files. */
static void test_jsonl_settings(const char *dir) {
    char path[512], rotated[3][520];
    snprintf(path, sizeof path, "%s/rotating.jsonl", dir);
    for (int i = 0; i < 3; i++) snprintf(rotated[i], sizeof rotated[i], "%s.%d", path, i + 1);
    AuditForwarderConfig *cfg = NULL;
    if (!CHECK_STATUS(audit_forwarder_config_new_jsonl(path, &cfg), AUDIT_OK)) return;
    CHECK_STATUS(audit_forwarder_config_set_property(cfg, "fsync", "always"), AUDIT_OK);
    CHECK_STATUS(audit_forwarder_config_set_property(cfg, "max_bytes", "2000"), AUDIT_OK);
    CHECK_STATUS(audit_forwarder_config_set_property(cfg, "keep", "2"), AUDIT_OK);
    AuditLogger *log = NULL;
    CHECK_STATUS(audit_logger_new(50, &log), AUDIT_OK);
    CHECK_STATUS(audit_logger_add_forwarder(log, "rotating", cfg, NULL), AUDIT_OK);
    audit_forwarder_config_free(cfg);
    log_events(log, 0, 100);
    AuditForwarderReport report = {0};
    CHECK_STATUS(audit_forwarder_close(log, 0, 20000, &report), AUDIT_OK);
    CHECK(report.delivered == 100 && report.left == 0);
    audit_logger_free(log);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size > 0 && st.st_size <= 2000);
    for (int i = 0; i < 2; i++)
        CHECK(stat(rotated[i], &st) == 0 && st.st_size > 1000 && st.st_size <= 2000);
    CHECK(stat(rotated[2], &st) != 0); /* beyond `keep`: deleted */
    /* The newest file ends with the last event. */
    FILE *f = fopen(path, "r");
    char line[4096], last[4096] = "";
    while (f != NULL && fgets(line, sizeof line, f) != NULL) memcpy(last, line, sizeof last);
    if (f != NULL) fclose(f);
    CHECK(strstr(last, "\"seq\":100,") != NULL);
    unlink(path);
    for (int i = 0; i < 3; i++) unlink(rotated[i]);
}

static void test_unwritable_file(void) {
    AuditForwarderConfig *cfg = NULL;
    if (!CHECK_STATUS(audit_forwarder_config_new_jsonl("/nonexistent-dir/x.jsonl", &cfg),
                      AUDIT_OK))
        return;
    CHECK_STATUS(audit_forwarder_config_set_retry(cfg, 10, 50), AUDIT_OK);
    CHECK_STATUS(audit_forwarder_config_set_close_timeout(cfg, 100), AUDIT_OK);
    AuditLogger *log = NULL;
    CHECK_STATUS(audit_logger_new(50, &log), AUDIT_OK);
    CHECK_STATUS(audit_logger_add_forwarder(log, "nowhere", cfg, NULL), AUDIT_OK);
    audit_forwarder_config_free(cfg);
    log_events(log, 0, 3);
    AuditForwarderStats stats = {.struct_size = sizeof stats};
    for (int i = 0; i < 500; i++) {
        CHECK_STATUS(audit_forwarder_stats(log, 0, &stats), AUDIT_OK);
        if (stats.has_error && stats.retries > 0) break;
        sleep_ms(20);
    }
    CHECK(stats.has_error);
    CHECK(stats.connected == 0 && stats.delivered == 0 && stats.lag_events == 3);
    char *message = NULL;
    CHECK_STATUS(audit_forwarder_last_error(log, 0, &message), AUDIT_OK);
    CHECK(message != NULL && strstr(message, "/nonexistent-dir/x.jsonl") != NULL);
    audit_string_free(message);
    AuditForwarderReport report = {0};
    CHECK_STATUS(audit_forwarder_close(log, 0, 100, &report), AUDIT_OK);
    CHECK(report.left == 3 && report.timed_out == 1 && report.delivered == 0);
    audit_logger_free(log);
}

/* A syslog collector: accepts connections one after another, reads RFC 6587
 * octet-counted frames and counts them, until the listener is shut down. */
struct collector {
    int listener;
    int frames;
    int seq_ok;
};

static void *collect(void *arg) {
    struct collector *c = arg;
    for (;;) {
        int fd = accept(c->listener, NULL, NULL);
        if (fd < 0) return NULL;
        static char buf[1 << 16];
        size_t have = 0;
        for (;;) {
            ssize_t got = read(fd, buf + have, sizeof buf - have - 1);
            if (got <= 0) break;
            have += (size_t)got;
            for (;;) {
                buf[have] = '\0';
                char *space = memchr(buf, ' ', have);
                if (space == NULL) break;
                size_t len = strtoul(buf, NULL, 10);
                size_t head = (size_t)(space - buf) + 1;
                if (have < head + len) break;
                char want[32];
                snprintf(want, sizeof want, "seq=\"%d\"", c->frames + 1);
                char saved = buf[head + len];
                buf[head + len] = '\0';
                if (strstr(buf + head, want) == NULL) c->seq_ok = 0;
                buf[head + len] = saved;
                c->frames++;
                memmove(buf, buf + head + len, have - head - len);
                have -= head + len;
            }
        }
        close(fd);
    }
}

static void test_syslog_tcp(void) {
    struct collector c = {.listener = socket(AF_INET, SOCK_STREAM, 0), .seq_ok = 1};
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (!CHECK(c.listener >= 0 && bind(c.listener, (struct sockaddr *)&addr, len) == 0 &&
               listen(c.listener, 4) == 0 &&
               getsockname(c.listener, (struct sockaddr *)&addr, &len) == 0))
        return;
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, collect, &c) == 0);
    char address[64];
    snprintf(address, sizeof address, "127.0.0.1:%u", (unsigned)ntohs(addr.sin_port));
    AuditForwarderConfig *cfg = NULL;
    CHECK_STATUS(audit_forwarder_config_new_syslog(address, &cfg), AUDIT_OK);
    AuditLogger *log = NULL;
    CHECK_STATUS(audit_logger_new(100, &log), AUDIT_OK);
    CHECK_STATUS(audit_logger_add_forwarder(log, "syslog", cfg, NULL), AUDIT_OK);
    audit_forwarder_config_free(cfg);
    log_events(log, 0, 200);
    AuditForwarderStats stats = {.struct_size = sizeof stats};
    for (int i = 0; i < 1000; i++) {
        CHECK_STATUS(audit_forwarder_stats(log, 0, &stats), AUDIT_OK);
        if (stats.delivered == 200) break;
        sleep_ms(20);
    }
    CHECK(stats.delivered == 200);
    CHECK(stats.connected == 1);
    CHECK(stats.last_acked_seq == 200);
    /* Freeing the logger closes the forwarder (and its connection). */
    audit_logger_free(log);
    shutdown(c.listener, SHUT_RDWR);
    close(c.listener);
    pthread_join(thread, NULL);
    CHECK(c.frames == 200);
    CHECK(c.seq_ok);
}

int main(void) {
    check_watchdog(600);
    char dir[] = "/tmp/audit-forward-XXXXXX";
    if (mkdtemp(dir) == NULL) return 1;
    test_configuration_errors(dir);
    test_jsonl(dir);
    test_jsonl_settings(dir);
    test_unwritable_file();
    test_syslog_tcp();
    char path[512];
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    unlink(path);
    rmdir(dir);
    return check_summary();
}
