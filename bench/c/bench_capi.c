/*
 * bench_capi: measures audit-logger through its C ABI (include/audit_logger.h).
 *
 *   bench_capi append   CAPACITY THREADS EVENTS  fill the ring, then log EVENTS more
 *   bench_capi format   EVENTS                   only format the typical event (baseline)
 *   bench_capi query    STORED                   actor equal (1% match), with limit 50, recent(50)
 *   bench_capi document EVENTS                   export EVENTS as pretty JSON, import it back
 *   bench_capi memory   EVENTS                   resident bytes per stored event
 *   bench_capi dispatch EVENTS                   append with 0, 1 and 4 no-op synchronous subscribers
 *                                                (CPU time per event)
 *   bench_capi slow     EVENTS QUEUE             append without, then with, a queued subscriber
 *                                                whose callback sleeps 1 s (drop-oldest)
 *   bench_capi forward  EVENTS TARGET            append without, then with, a forwarder to TARGET:
 *                                                jsonl (a file in /tmp) or syslog (TCP to a listener
 *                                                thread of this program); then the time until the
 *                                                target acknowledged every event
 *   bench_capi journal  POLICY THREADS EVENTS DIR
 *                                                append to a logger of capacity 5000 (filled
 *                                                first) with a journal in the new directory DIR
 *                                                under POLICY never|batch|always, or without
 *                                                one (POLICY none); fsyncs and bytes on disk
 *   bench_capi verify   EVENTS DIR               write a journal of EVENTS events (batch) into
 *                                                the new directory DIR, then time
 *                                                audit_journal_verify on it, and reading its
 *                                                files with O_DIRECT (the disk's own speed)
 *   bench_capi batch    BATCH EVENTS             audit_log per event against audit_log_batch of
 *                                                BATCH events, in alternating rounds
 *   bench_capi preformatted CAPACITY EVENTS      append from fields formatted before the timed loop
 *
 * Each run prints one JSON object per line on stdout (the driver bench/compare.py
 * reads them); "case" names the measurement. Timings are wall-clock
 * (CLOCK_MONOTONIC); most cases also report the process CPU time, which on a
 * shared machine leaves out the time spent waiting for a CPU. Results are checked for correctness (counts, statuses) and
 * any failure exits non-zero; timings are never asserted.
 *
 * The typical event number N: actor "user<N%100>", action "user.delete",
 * resource "user:<N>", outcome "success", severity WARNING, details
 * {"reason":"GDPR request","i":<N>}. Its fields are formatted with snprintf in
 * the timed loop, as a caller would (the "format" case measures that alone).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_logger.h"

/* ---- helpers ---------------------------------------------------------------- */

static double clock_s(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }

/* CPU time of the whole process (all threads): on a shared machine it shows the
 * cost per event even when the wall clock includes time spent waiting for a CPU. */
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }
/* The calling thread's CPU time: what a producer pays, however many library
 * threads share the cores with it. */
static double thread_cpu_s(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }

static void die(const char *what, AuditStatus st) {
    fprintf(stderr, "bench_capi: %s failed: %s (%s)\n", what, audit_status_str(st),
            audit_last_error_message());
    exit(1);
}

#define CHECK(call)                         \
    do {                                    \
        AuditStatus st_ = (call);           \
        if (st_ != AUDIT_OK) die(#call, st_); \
    } while (0)

/* Resident set size of this process in bytes (/proc/self/statm). */
static long rss_bytes(void) {
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2) {
        fprintf(stderr, "bench_capi: cannot read /proc/self/statm\n");
        exit(1);
    }
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The variable fields of the typical event number n. */
typedef struct {
    char actor[16];
    char resource[32];
    char details[64];
} Typical;

static void typical_fill(Typical *t, uint64_t n) {
    snprintf(t->actor, sizeof t->actor, "user%" PRIu64, n % 100);
    snprintf(t->resource, sizeof t->resource, "user:%" PRIu64, n);
    snprintf(t->details, sizeof t->details, "{\"reason\":\"GDPR request\",\"i\":%" PRIu64 "}", n);
}

static void log_typical(AuditLogger *log, uint64_t n) {
    Typical t;
    typical_fill(&t, n);
    AuditStatus st = audit_log(log, t.actor, "user.delete", t.resource, "success",
                               AUDIT_SEVERITY_WARNING, t.details, NULL);
    if (st != AUDIT_OK) die("audit_log", st);
}

/* Logs typical events first .. first+count-1; returns the seconds it took. */
/* Logs events first .. first+count-1; returns the seconds it took and, in
 * *cpu if not NULL, the calling thread's CPU seconds. */
static double log_range_cpu(AuditLogger *log, uint64_t first, uint64_t count, double *cpu) {
    double c0 = thread_cpu_s(), t0 = now_s();
    for (uint64_t n = first; n < first + count; n++) log_typical(log, n);
    double secs = now_s() - t0;
    if (cpu) *cpu = thread_cpu_s() - c0;
    return secs;
}

static double log_range(AuditLogger *log, uint64_t first, uint64_t count) {
    return log_range_cpu(log, first, count, NULL);
}

static AuditLogger *new_logger(size_t capacity) {
    AuditLogger *log = NULL;
    CHECK(audit_logger_new(capacity, &log));
    return log;
}

static unsigned long long arg_count(const char *s) {
    char *end = NULL;
    double v = strtod(s, &end); /* accepts 1e6 as well as 1000000 */
    if (!end || *end || v < 1) {
        fprintf(stderr, "bench_capi: bad count %s\n", s);
        exit(2);
    }
    return (unsigned long long)v;
}

/* ---- append ------------------------------------------------------------------ */

typedef struct {
    AuditLogger *log;
    pthread_barrier_t *start;
    uint64_t first, count;
    int pin; /* CPU index to pin to, or -1 */
    double cpu; /* out: the thread's CPU seconds for its events */
} Producer;

/* Pins the calling thread to CPU `index` modulo the CPUs this process may
 * use, so that producers run on different cores at once; where pinning is
 * not allowed the scheduler decides. */
static void pin_to_cpu(int index) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
    int n = CPU_COUNT(&allowed);
    if (n < 2) return;
    int want = index % n;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (CPU_ISSET(cpu, &allowed) && want-- == 0) {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            (void)sched_setaffinity(0, sizeof one, &one);
            return;
        }
    }
}

static void *produce(void *arg) {
    Producer *p = arg;
    if (p->pin >= 0) pin_to_cpu(p->pin);
    pthread_barrier_wait(p->start);
    log_range_cpu(p->log, p->first, p->count, &p->cpu);
    return NULL;
}

/* Fills a ring of `capacity` (timed as "fill"), then logs `events` more from
 * `threads` threads started together; every append evicts the oldest event. */
static int bench_append(size_t capacity, int threads, uint64_t events) {
    AuditLogger *log = new_logger(capacity);
    double fill = log_range(log, 0, capacity);
    printf("{\"case\":\"fill\",\"capacity\":%zu,\"events\":%zu,\"seconds\":%.6f,"
           "\"events_per_s\":%.1f}\n",
           capacity, capacity, fill, capacity / fill);

    pthread_t tid[64];
    Producer p[64];
    pthread_barrier_t start;
    if (threads < 1 || threads > 64) return 2;
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    uint64_t per = events / (uint64_t)threads;
    for (int i = 0; i < threads; i++) {
        p[i] = (Producer){log, &start, capacity + (uint64_t)i * per, per, threads > 1 ? i : -1, 0};
        if (pthread_create(&tid[i], NULL, produce, &p[i]) != 0) return 1;
    }
    double c0 = cpu_s(), t0 = now_s();
    pthread_barrier_wait(&start);
    for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
    double secs = now_s() - t0, cpu = cpu_s() - c0;
    pthread_barrier_destroy(&start);

    uint64_t total = per * (uint64_t)threads;
    if (audit_logger_appended(log) != capacity + total || audit_logger_count(log) != capacity) {
        fprintf(stderr, "bench_capi: appended/count mismatch\n");
        return 1;
    }
    printf("{\"case\":\"append\",\"capacity\":%zu,\"threads\":%d,\"events\":%" PRIu64
           ",\"seconds\":%.6f,\"events_per_s\":%.1f,\"ns_per_event\":%.1f,"
           "\"cpu_seconds\":%.6f,\"cpu_ns_per_event\":%.1f}\n",
           capacity, threads, total, secs, total / secs, secs * 1e9 / total, cpu,
           cpu * 1e9 / total);
    audit_logger_free(log);
    return 0;
}

static int bench_format(uint64_t events) {
    volatile size_t sink = 0;
    double c0 = cpu_s(), t0 = now_s();
    for (uint64_t n = 0; n < events; n++) {
        Typical t;
        typical_fill(&t, n);
        sink += strlen(t.details) + strlen(t.actor) + strlen(t.resource);
    }
    double secs = now_s() - t0, cpu = cpu_s() - c0;
    printf("{\"case\":\"format\",\"events\":%" PRIu64 ",\"seconds\":%.6f,\"ns_per_event\":%.1f,"
           "\"cpu_ns_per_event\":%.1f}\n",
           events, secs, secs * 1e9 / events, cpu * 1e9 / events);
    return 0;
}

/* ---- query ------------------------------------------------------------------- */

/* Median milliseconds of `reps` runs of audit_query, wall and CPU (the list is
 * freed untimed); checks the result has `expect` events. */
static double time_query(AuditLogger *log, AuditFilter *f, int reps, size_t expect,
                         double *cpu_ms, double *free_ms) {
    double q[256], c[256], fr[256];
    for (int r = 0; r < reps; r++) {
        AuditEventList *list = NULL;
        double c0 = cpu_s(), t0 = now_s();
        CHECK(audit_query(log, f, &list));
        double t1 = now_s();
        c[r] = (cpu_s() - c0) * 1e3;
        size_t got = audit_event_list_len(list);
        audit_event_list_free(list);
        double t2 = now_s();
        if (got != expect) {
            fprintf(stderr, "bench_capi: query returned %zu events, expected %zu\n", got, expect);
            exit(1);
        }
        q[r] = (t1 - t0) * 1e3;
        fr[r] = (t2 - t1) * 1e3;
    }
    *cpu_ms = median(c, reps);
    if (free_ms) *free_ms = median(fr, reps);
    return median(q, reps);
}

static int bench_query(uint64_t stored) {
    AuditLogger *log = new_logger(stored);
    log_range(log, 0, stored);
    AuditFilter *f = audit_filter_new();
    CHECK(audit_filter_set_actor(f, "user7"));
    size_t matches = (size_t)(stored / 100 + (stored % 100 > 7));
    double cpu_ms = 0, free_ms = 0;
    double all = time_query(log, f, 15, matches, &cpu_ms, &free_ms);
    printf("{\"case\":\"query_actor\",\"stored\":%" PRIu64 ",\"matches\":%zu,\"ms\":%.4f,"
           "\"cpu_ms\":%.4f,\"free_ms\":%.4f}\n",
           stored, matches, all, cpu_ms, free_ms);
    CHECK(audit_filter_set_limit(f, 50));
    double limited = time_query(log, f, 201, matches < 50 ? matches : 50, &cpu_ms, NULL);
    printf("{\"case\":\"query_actor_limit50\",\"stored\":%" PRIu64 ",\"ms\":%.4f,"
           "\"cpu_ms\":%.4f}\n",
           stored, limited, cpu_ms);
    audit_filter_free(f);

    double rec[201];
    for (int r = 0; r < 201; r++) {
        AuditEventList *list = NULL;
        double t0 = now_s();
        CHECK(audit_recent(log, 50, &list));
        rec[r] = (now_s() - t0) * 1e3;
        if (audit_event_list_len(list) != (stored < 50 ? stored : 50)) return 1;
        audit_event_list_free(list);
    }
    printf("{\"case\":\"recent50\",\"stored\":%" PRIu64 ",\"ms\":%.4f}\n", stored,
           median(rec, 201));
    audit_logger_free(log);
    return 0;
}

/* ---- export / import --------------------------------------------------------- */

static int bench_document(uint64_t events) {
    AuditLogger *log = new_logger(events);
    log_range(log, 0, events);
    char *doc = NULL;
    double c0 = cpu_s(), t0 = now_s();
    CHECK(audit_export_json(log, NULL, &doc));
    double exp_s = now_s() - t0, exp_cpu = cpu_s() - c0;
    size_t bytes = strlen(doc);
    printf("{\"case\":\"export\",\"events\":%" PRIu64 ",\"bytes\":%zu,\"seconds\":%.6f,"
           "\"mb_per_s\":%.1f,\"cpu_mb_per_s\":%.1f}\n",
           events, bytes, exp_s, bytes / exp_s / 1e6, bytes / exp_cpu / 1e6);
    audit_logger_free(log);

    AuditLogger *fresh = new_logger(events);
    size_t imported = 0;
    c0 = cpu_s();
    t0 = now_s();
    CHECK(audit_import_json(fresh, doc, &imported));
    double imp_s = now_s() - t0, imp_cpu = cpu_s() - c0;
    if (imported != events) {
        fprintf(stderr, "bench_capi: imported %zu of %" PRIu64 "\n", imported, events);
        return 1;
    }
    printf("{\"case\":\"import\",\"events\":%" PRIu64 ",\"bytes\":%zu,\"seconds\":%.6f,"
           "\"mb_per_s\":%.1f,\"cpu_mb_per_s\":%.1f}\n",
           events, bytes, imp_s, bytes / imp_s / 1e6, bytes / imp_cpu / 1e6);
    audit_string_free(doc);
    audit_logger_free(fresh);
    return 0;
}

/* ---- memory ------------------------------------------------------------------ */

/* RSS growth per stored event against the mean length of the events' compact
 * JSON (audit_event_to_json, which also carries timestamp and seq). Run in a
 * fresh process so that nothing else has touched the heap. */
static int bench_memory(uint64_t events) {
    long before = rss_bytes();
    AuditLogger *log = new_logger(events);
    log_range(log, 0, events);
    long after = rss_bytes();

    size_t sample = events < 1000 ? (size_t)events : 1000, json_bytes = 0;
    AuditEventList *list = NULL;
    CHECK(audit_recent(log, sample, &list));
    for (size_t i = 0; i < sample; i++) {
        char *json = NULL;
        CHECK(audit_event_to_json(audit_event_list_get(list, i), &json));
        json_bytes += strlen(json);
        audit_string_free(json);
    }
    audit_event_list_free(list);
    double per_event = (double)(after - before) / events;
    double compact = (double)json_bytes / sample;
    printf("{\"case\":\"memory\",\"events\":%" PRIu64 ",\"rss_delta\":%ld,"
           "\"bytes_per_event\":%.1f,\"compact_json_bytes\":%.1f,\"ratio\":%.3f}\n",
           events, after - before, per_event, compact, per_event / compact);
    audit_logger_free(log);
    return 0;
}

/* ---- subscribers ------------------------------------------------------------- */

static int32_t noop_callback(void *ctx, const AuditEvent *event) {
    (void)event;
    ++*(volatile uint64_t *)ctx;
    return 0;
}

/* Three loggers at the default capacity (full), with 0, 1 and 4 no-op
 * synchronous subscribers, logged to in alternating rounds so that drift on a
 * shared machine hits them alike; medians of the rounds. The difference of two
 * close figures is wanted here, so rounds are timed in thread CPU time, which
 * time spent waiting for a CPU does not disturb. */
static int bench_dispatch(uint64_t events) {
    enum { ROUNDS = 15, KINDS = 3 };
    const int subs[KINDS] = {0, 1, 4};
    AuditLogger *log[KINDS];
    uint64_t seen[KINDS] = {0};
    for (int k = 0; k < KINDS; k++) {
        log[k] = new_logger(5000);
        log_range(log[k], 0, 5000);
        for (int s = 0; s < subs[k]; s++) {
            uint64_t id = 0;
            CHECK(audit_subscribe(log[k], noop_callback, &seen[k], NULL, &id));
        }
    }
    uint64_t per_round = events / ROUNDS;
    if (per_round == 0) per_round = 1;
    double ns[KINDS][ROUNDS];
    for (int r = 0; r < ROUNDS; r++)
        for (int k = 0; k < KINDS; k++) {
            double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
            log_range(log[k], 5000 + r * per_round, per_round);
            ns[k][r] = (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e9 / per_round;
        }
    double med[KINDS];
    for (int k = 0; k < KINDS; k++) {
        med[k] = median(ns[k], ROUNDS);
        if (seen[k] != (uint64_t)subs[k] * per_round * ROUNDS) {
            fprintf(stderr, "bench_capi: %d subscribers saw %" PRIu64 " events\n", subs[k], seen[k]);
            return 1;
        }
        audit_logger_free(log[k]);
    }
    printf("{\"case\":\"dispatch\",\"events\":%" PRIu64 ",\"ns_0\":%.1f,\"ns_1\":%.1f,"
           "\"ns_4\":%.1f,\"first_subscriber_ns\":%.1f,\"per_subscriber_of_4_ns\":%.1f}\n",
           per_round * ROUNDS, med[0], med[1], med[2], med[1] - med[0], (med[2] - med[0]) / 4);
    return 0;
}

static int32_t sleepy_callback(void *ctx, const AuditEvent *event) {
    (void)event;
    ++*(volatile uint64_t *)ctx;
    struct timespec one_second = {1, 0};
    nanosleep(&one_second, NULL);
    return 0;
}

/* `events` audit_log calls on a full ring of the default capacity, first with
 * no subscriber, then with a queued drop-oldest subscriber whose callback
 * sleeps 1 s per event. The subscription is ended without waiting for it. */
static int bench_slow(uint64_t events, size_t queue) {
    AuditLogger *log = new_logger(5000);
    log_range(log, 0, 5000);
    double plain_cpu = 0, slow_cpu = 0;
    double plain = log_range_cpu(log, 5000, events, &plain_cpu);

    static uint64_t delivered;
    uint64_t id = 0;
    CHECK(audit_subscribe_queued(log, sleepy_callback, &delivered, NULL, queue,
                                 AUDIT_OVERFLOW_DROP_OLDEST, 0, &id));
    double slow = log_range_cpu(log, 5000 + events, events, &slow_cpu);
    AuditSubscriptionStats stats = {.struct_size = sizeof stats};
    CHECK(audit_subscription_stats(log, id, &stats));
    CHECK(audit_unsubscribe(log, id));
    /* Every event was handed over, dropped, queued, or is in the callback now. */
    if (stats.delivered + stats.dropped + queue + 1 < events || stats.delivered > events) {
        fprintf(stderr, "bench_capi: slow subscriber stats do not add up\n");
        return 1;
    }
    printf("{\"case\":\"slow_subscriber\",\"events\":%" PRIu64 ",\"queue\":%zu,"
           "\"seconds_without\":%.6f,\"seconds_with\":%.6f,\"ratio\":%.3f,"
           "\"cpu_ratio\":%.3f,\"delivered\":%" PRIu64 ",\"dropped\":%" PRIu64 "}\n",
           events, queue, plain, slow, slow / plain, slow_cpu / plain_cpu, stats.delivered,
           stats.dropped);
    audit_logger_free(log); /* does not wait for the sleeping delivery thread */
    return 0;
}

/* ---- forward ----------------------------------------------------------------- */

/* A syslog collector on loopback that reads and discards: accepts connections
 * one after another until the listener is shut down. */
static void *discard(void *arg) {
    int listener = *(int *)arg;
    static char buf[1 << 16];
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) return NULL;
        while (read(fd, buf, sizeof buf) > 0) {
        }
        close(fd);
    }
}

/* `events` audit_log calls on a full ring without a forwarder, then with one
 * to `target` (its backlog holds them all, so none is dropped); then waits
 * until the target acknowledged every event. */
static int bench_forward(uint64_t events, const char *target) {
    AuditLogger *log = new_logger(5000);
    log_range(log, 0, 5000);
    double plain_cpu = 0, with_cpu = 0;
    double plain = log_range_cpu(log, 5000, events, &plain_cpu);

    AuditForwarderConfig *cfg = NULL;
    char path[64] = "";
    int listener = -1;
    pthread_t thread;
    if (!strcmp(target, "jsonl")) {
        snprintf(path, sizeof path, "/tmp/bench-forward-%d.jsonl", (int)getpid());
        CHECK(audit_forwarder_config_new_jsonl(path, &cfg));
    } else if (!strcmp(target, "syslog")) {
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof addr;
        listener = socket(AF_INET, SOCK_STREAM, 0);
        if (listener < 0 || bind(listener, (struct sockaddr *)&addr, len) != 0 ||
            listen(listener, 4) != 0 || getsockname(listener, (struct sockaddr *)&addr, &len) != 0 ||
            pthread_create(&thread, NULL, discard, &listener) != 0) {
            fprintf(stderr, "bench_capi: cannot start the syslog listener\n");
            return 1;
        }
        char address[32];
        snprintf(address, sizeof address, "127.0.0.1:%u", (unsigned)ntohs(addr.sin_port));
        CHECK(audit_forwarder_config_new_syslog(address, &cfg));
    } else {
        fprintf(stderr, "bench_capi: forward target must be jsonl or syslog\n");
        return 2;
    }
    CHECK(audit_forwarder_config_set_backlog(cfg, (size_t)events, AUDIT_OVERFLOW_DROP_OLDEST, 0));
    CHECK(audit_forwarder_config_set_close_timeout(cfg, 60000));
    CHECK(audit_logger_add_forwarder(log, target, cfg, NULL));
    audit_forwarder_config_free(cfg);

    double t0 = now_s();
    double with = log_range_cpu(log, 5000 + events, events, &with_cpu);
    AuditForwarderStats stats = {.struct_size = sizeof stats};
    do {
        CHECK(audit_forwarder_stats(log, 0, &stats));
        if (stats.delivered < events) usleep(1000);
    } while (stats.delivered < events && stats.dropped == 0 && now_s() - t0 < 600);
    double delivered_s = now_s() - t0;
    if (stats.delivered != events || stats.dropped != 0) {
        fprintf(stderr, "bench_capi: forwarder delivered %" PRIu64 " and dropped %" PRIu64
                        " of %" PRIu64 "\n", stats.delivered, stats.dropped, events);
        return 1;
    }
    printf("{\"case\":\"forward\",\"target\":\"%s\",\"events\":%" PRIu64 ","
           "\"seconds_without\":%.6f,\"seconds_with\":%.6f,\"producer_ratio\":%.3f,"
           "\"producer_cpu_ratio\":%.3f,\"delivered_events_per_s\":%.1f,"
           "\"logged_events_per_s\":%.1f}\n",
           target, events, plain, with, with / plain, with_cpu / plain_cpu,
           events / delivered_s, events / plain);
    audit_logger_free(log);
    if (listener >= 0) {
        shutdown(listener, SHUT_RDWR);
        close(listener);
        pthread_join(thread, NULL);
    }
    if (path[0]) unlink(path);
    return 0;
}

/* ---- journal ------------------------------------------------------------------ */

/* Bytes of the regular files in `dir` (the journal keeps no subdirectories). */
static uint64_t dir_bytes(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "bench_capi: cannot list %s\n", dir);
        exit(1);
    }
    uint64_t total = 0;
    char path[4096];
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) total += (uint64_t)st.st_size;
    }
    closedir(d);
    return total;
}

/* A logger of `capacity`, journaling into `dir` under `policy` (0: no journal). */
static AuditLogger *journal_logger(size_t capacity, uint32_t policy, const char *dir) {
    AuditConfig *cfg = audit_config_new();
    if (!cfg) {
        fprintf(stderr, "bench_capi: audit_config_new failed\n");
        exit(1);
    }
    CHECK(audit_config_set_capacity(cfg, capacity));
    if (policy) {
        CHECK(audit_config_set_journal(cfg, dir));
        if (policy != AUDIT_FSYNC_BATCH) CHECK(audit_config_set_journal_fsync(cfg, policy, 1, 0, 1));
    }
    AuditLogger *log = NULL;
    CHECK(audit_logger_new_with_config(cfg, &log));
    audit_config_free(cfg);
    return log;
}

static uint32_t policy_of(const char *name) {
    if (!strcmp(name, "none")) return 0;
    if (!strcmp(name, "never")) return AUDIT_FSYNC_NEVER;
    if (!strcmp(name, "batch")) return AUDIT_FSYNC_BATCH;
    if (!strcmp(name, "always")) return AUDIT_FSYNC_ALWAYS;
    fprintf(stderr, "bench_capi: policy is none, never, batch or always, not %s\n", name);
    exit(2);
}

/* Fills a ring of 5000 (untimed), then logs `events` more from `threads`
 * threads; the figure is the producers' time. Closing the logger (which waits
 * for the journal to write, seal and sync everything) is timed apart. */
static int bench_journal(const char *policy_name, int threads, uint64_t events, const char *dir) {
    const size_t capacity = 5000;
    uint32_t policy = policy_of(policy_name);
    if (threads < 1 || threads > 64) return 2;
    AuditLogger *log = journal_logger(capacity, policy, dir);
    log_range(log, 0, capacity);
    AuditJournalStats before = {.struct_size = sizeof before};
    if (policy) CHECK(audit_journal_stats(log, &before));

    pthread_t tid[64];
    Producer p[64];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    uint64_t per = events / (uint64_t)threads;
    for (int i = 0; i < threads; i++) {
        p[i] = (Producer){log, &start, capacity + (uint64_t)i * per, per, -1, 0};
        if (pthread_create(&tid[i], NULL, produce, &p[i]) != 0) return 1;
    }
    double c0 = cpu_s(), t0 = now_s();
    pthread_barrier_wait(&start);
    for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
    double secs = now_s() - t0, cpu = cpu_s() - c0, producer_cpu = 0;
    for (int i = 0; i < threads; i++) producer_cpu += p[i].cpu;
    pthread_barrier_destroy(&start);

    uint64_t total = per * (uint64_t)threads;
    AuditJournalStats after = {.struct_size = sizeof after};
    if (policy) {
        CHECK(audit_journal_stats(log, &after));
        if (policy == AUDIT_FSYNC_ALWAYS && after.durable_seq < capacity + total) {
            fprintf(stderr, "bench_capi: under always, durable_seq %" PRIu64 " < %" PRIu64 "\n",
                    after.durable_seq, capacity + total);
            return 1;
        }
    }
    if (audit_logger_appended(log) != capacity + total) {
        fprintf(stderr, "bench_capi: appended mismatch\n");
        return 1;
    }
    /* The mean compact JSON line of the newest events, against which the
     * bytes on disk per event are judged. */
    size_t sample = 1000, json_bytes = 0;
    AuditEventList *list = NULL;
    CHECK(audit_recent(log, sample, &list));
    for (size_t i = 0; i < sample; i++) {
        char *json = NULL;
        CHECK(audit_event_to_json(audit_event_list_get(list, i), &json));
        json_bytes += strlen(json) + 1; /* and its newline */
        audit_string_free(json);
    }
    audit_event_list_free(list);
    double t1 = now_s();
    audit_logger_free(log);
    double close_s = now_s() - t1;
    uint64_t disk = policy ? dir_bytes(dir) : 0;
    printf("{\"case\":\"journal\",\"policy\":\"%s\",\"threads\":%d,\"events\":%" PRIu64
           ",\"seconds\":%.6f,\"events_per_s\":%.1f,\"ns_per_event\":%.1f,"
           "\"cpu_ns_per_event\":%.1f,\"close_seconds\":%.6f,\"fsyncs\":%" PRIu64
           ",\"fsyncs_per_event\":%.6f,\"disk_bytes\":%" PRIu64 ",\"disk_bytes_per_event\":%.1f,"
           "\"compact_json_bytes\":%.1f,\"producer_cpu_ns_per_event\":%.1f}\n",
           policy_name, threads, total, secs, total / secs, secs * 1e9 / total,
           cpu * 1e9 / total, close_s, after.fsyncs - before.fsyncs,
           (double)(after.fsyncs - before.fsyncs) / total, disk,
           (double)disk / (capacity + total), (double)json_bytes / sample,
           producer_cpu * 1e9 / total);
    return 0;
}

/* Reads every regular file in `dir` with O_DIRECT (past the page cache, so
 * from the disk itself); returns the MB/s, or -1 where O_DIRECT is refused. */
static double disk_read_mb_per_s(const char *dir) {
    enum { CHUNK = 1 << 20 };
    void *buf = NULL;
    if (posix_memalign(&buf, 4096, CHUNK) != 0) return -1;
    DIR *d = opendir(dir);
    if (!d) return -1;
    uint64_t total = 0;
    double secs = 0;
    char path[4096];
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        double t0 = now_s();
        int fd = open(path, O_RDONLY | O_DIRECT);
        if (fd < 0) {
            total = 0;
            break;
        }
        ssize_t n;
        while ((n = read(fd, buf, CHUNK)) > 0) total += (uint64_t)n;
        close(fd);
        secs += now_s() - t0;
        if (n < 0) {
            total = 0;
            break;
        }
    }
    closedir(d);
    free(buf);
    return total && secs > 0 ? total / secs / 1e6 : -1;
}

/* Writes `events` events into a journal under `dir` (default settings), then
 * times one audit_journal_verify over it against its anchor.pub. */
static int bench_verify(uint64_t events, const char *dir) {
    AuditLogger *log = journal_logger(5000, AUDIT_FSYNC_BATCH, dir);
    log_range(log, 0, events);
    audit_logger_free(log);
    uint64_t bytes = dir_bytes(dir);
    char anchor[4096];
    snprintf(anchor, sizeof anchor, "%s/anchor.pub", dir);
    uint32_t verdict = 99;
    char *report = NULL;
    double c0 = cpu_s(), t0 = now_s();
    CHECK(audit_journal_verify(dir, anchor, &verdict, &report));
    double secs = now_s() - t0, cpu = cpu_s() - c0;
    char expect[64];
    snprintf(expect, sizeof expect, "\"events_verified\":%" PRIu64 ",", events);
    if (verdict != AUDIT_VERIFY_VALID || !strstr(report, expect)) {
        fprintf(stderr, "bench_capi: verify gave verdict %u: %s\n", verdict, report);
        return 1;
    }
    audit_string_free(report);
    double disk = disk_read_mb_per_s(dir);
    printf("{\"case\":\"verify\",\"events\":%" PRIu64 ",\"bytes\":%" PRIu64
           ",\"seconds\":%.6f,\"mb_per_s\":%.1f,\"cpu_mb_per_s\":%.1f,"
           "\"disk_read_mb_per_s\":%.1f}\n",
           events, bytes, secs, bytes / secs / 1e6, bytes / cpu / 1e6, disk);
    return 0;
}

/* ---- batch -------------------------------------------------------------------- */

/* The typical events first .. first+count-1 logged with audit_log_batch in
 * batches of `batch` (fields formatted as for audit_log). */
static void log_batches(AuditLogger *log, uint64_t first, uint64_t count, size_t batch) {
    Typical t[256];
    AuditNewEvent events[256];
    for (uint64_t n = first; n < first + count;) {
        size_t k = 0;
        for (; k < batch && n < first + count; k++, n++) {
            typical_fill(&t[k], n);
            events[k] = (AuditNewEvent){t[k].actor, "user.delete", t[k].resource, "success",
                                        AUDIT_SEVERITY_WARNING, t[k].details};
        }
        CHECK(audit_log_batch(log, events, k, NULL));
    }
}

/* audit_log per event against audit_log_batch of `batch` events, on two
 * full rings of 5000, in alternating rounds (drift on a shared machine hits
 * both alike); medians of the rounds, wall and thread CPU time. */
static int bench_batch(size_t batch, uint64_t events) {
    enum { ROUNDS = 15 };
    if (batch < 1 || batch > 256) return 2;
    AuditLogger *single = new_logger(5000), *batched = new_logger(5000);
    log_range(single, 0, 5000);
    log_batches(batched, 0, 5000, batch);
    uint64_t per_round = events / ROUNDS;
    if (per_round < batch) per_round = batch;
    double wall[2][ROUNDS], cpu[2][ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t first = 5000 + (uint64_t)r * per_round;
        for (int k = 0; k < 2; k++) {
            double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), t0 = now_s();
            if (k == 0)
                log_range(single, first, per_round);
            else
                log_batches(batched, first, per_round, batch);
            wall[k][r] = (now_s() - t0) * 1e9 / per_round;
            cpu[k][r] = (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e9 / per_round;
        }
    }
    uint64_t total = 5000 + per_round * ROUNDS;
    if (audit_logger_appended(single) != total || audit_logger_appended(batched) != total) {
        fprintf(stderr, "bench_capi: batch counts do not add up\n");
        return 1;
    }
    double ns_single = median(wall[0], ROUNDS), ns_batch = median(wall[1], ROUNDS);
    printf("{\"case\":\"batch\",\"batch\":%zu,\"events\":%" PRIu64 ",\"per_call_ns\":%.1f,"
           "\"batch_ns\":%.1f,\"per_call_events_per_s\":%.1f,\"batch_events_per_s\":%.1f,"
           "\"cpu_per_call_ns\":%.1f,\"cpu_batch_ns\":%.1f}\n",
           batch, per_round * ROUNDS, ns_single, ns_batch, 1e9 / ns_single, 1e9 / ns_batch,
           median(cpu[0], ROUNDS), median(cpu[1], ROUNDS));
    audit_logger_free(single);
    audit_logger_free(batched);
    return 0;
}

/* ---- preformatted ------------------------------------------------------------- */

/* Append on a full ring of `capacity` with the fields formatted before the
 * timed loop (a pool of 1024 typical events, reused in turn): the library's
 * own cost, without the caller's snprintf. */
static int bench_preformatted(size_t capacity, uint64_t events) {
    enum { POOL = 1024 };
    static Typical pool[POOL];
    for (uint64_t n = 0; n < POOL; n++) typical_fill(&pool[n], n);
    AuditLogger *log = new_logger(capacity);
    log_range(log, 0, capacity);
    double c0 = cpu_s(), t0 = now_s();
    for (uint64_t n = 0; n < events; n++) {
        const Typical *t = &pool[n % POOL];
        AuditStatus st = audit_log(log, t->actor, "user.delete", t->resource, "success",
                                   AUDIT_SEVERITY_WARNING, t->details, NULL);
        if (st != AUDIT_OK) die("audit_log", st);
    }
    double secs = now_s() - t0, cpu = cpu_s() - c0;
    if (audit_logger_appended(log) != capacity + events) {
        fprintf(stderr, "bench_capi: appended mismatch\n");
        return 1;
    }
    printf("{\"case\":\"preformatted\",\"capacity\":%zu,\"events\":%" PRIu64
           ",\"seconds\":%.6f,\"events_per_s\":%.1f,\"ns_per_event\":%.1f,"
           "\"cpu_ns_per_event\":%.1f}\n",
           capacity, events, secs, events / secs, secs * 1e9 / events, cpu * 1e9 / events);
    audit_logger_free(log);
    return 0;
}

/* ---- main -------------------------------------------------------------------- */

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "append") && argc == 5)
        return bench_append((size_t)arg_count(argv[2]), atoi(argv[3]), arg_count(argv[4]));
    if (!strcmp(mode, "format") && argc == 3) return bench_format(arg_count(argv[2]));
    if (!strcmp(mode, "query") && argc == 3) return bench_query(arg_count(argv[2]));
    if (!strcmp(mode, "document") && argc == 3) return bench_document(arg_count(argv[2]));
    if (!strcmp(mode, "memory") && argc == 3) return bench_memory(arg_count(argv[2]));
    if (!strcmp(mode, "dispatch") && argc == 3) return bench_dispatch(arg_count(argv[2]));
    if (!strcmp(mode, "slow") && argc == 4)
        return bench_slow(arg_count(argv[2]), (size_t)arg_count(argv[3]));
    if (!strcmp(mode, "forward") && argc == 4) return bench_forward(arg_count(argv[2]), argv[3]);
    if (!strcmp(mode, "journal") && argc == 6)
        return bench_journal(argv[2], atoi(argv[3]), arg_count(argv[4]), argv[5]);
    if (!strcmp(mode, "verify") && argc == 4) return bench_verify(arg_count(argv[2]), argv[3]);
    if (!strcmp(mode, "batch") && argc == 4)
        return bench_batch((size_t)arg_count(argv[2]), arg_count(argv[3]));
    if (!strcmp(mode, "preformatted") && argc == 4)
        return bench_preformatted((size_t)arg_count(argv[2]), arg_count(argv[3]));
    fprintf(stderr,
            "usage: bench_capi append CAPACITY THREADS EVENTS | format EVENTS | query STORED |\n"
            "       document EVENTS | memory EVENTS | dispatch EVENTS | slow EVENTS QUEUE |\n"
            "       batch BATCH EVENTS | preformatted CAPACITY EVENTS | forward EVENTS jsonl|syslog |\n"
            "       journal none|never|batch|always THREADS EVENTS DIR | verify EVENTS DIR\n");
    return 2;
}
