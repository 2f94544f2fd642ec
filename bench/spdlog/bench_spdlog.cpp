// bench_spdlog: the peer for audit-logger's append benchmark. A synchronous
// spdlog logger with one ringbuffer_sink_mt (an in-memory ring of the same
// capacity), each event formatted with snprintf into one message carrying the
// typical event's fields, logged at warn level.
//
//   bench_spdlog append CAPACITY THREADS EVENTS   fill the ring, then log EVENTS more
//   bench_spdlog format EVENTS                    only format the message (baseline)
//   bench_spdlog memory EVENTS                    resident bytes per stored message
//   bench_spdlog preformatted CAPACITY EVENTS     append messages formatted before the timed loop
//
// Prints JSON lines in the same shape as bench_capi (bench/c/bench_capi.c).
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

double now_s() {
    using clock = std::chrono::steady_clock;
    return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// CPU time of the whole process, as bench_capi reports it.
double cpu_s() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

long rss_bytes() {
    long size = 0, resident = 0;
    FILE *f = std::fopen("/proc/self/statm", "r");
    if (!f || std::fscanf(f, "%ld %ld", &size, &resident) != 2) {
        std::fprintf(stderr, "bench_spdlog: cannot read /proc/self/statm\n");
        std::exit(1);
    }
    std::fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

// Formats the typical event number n as one message with the fields audit_log gets.
int format_typical(char (&msg)[256], uint64_t n) {
    return std::snprintf(msg, sizeof msg,
                         "actor=user%" PRIu64 " action=user.delete resource=user:%" PRIu64
                         " outcome=success details={\"reason\":\"GDPR request\",\"i\":%" PRIu64 "}",
                         n % 100, n, n);
}

void log_typical(spdlog::logger &logger, uint64_t n) {
    char msg[256];
    int len = format_typical(msg, n);
    logger.warn(spdlog::string_view_t(msg, static_cast<size_t>(len)));
}

double log_range(spdlog::logger &logger, uint64_t first, uint64_t count) {
    double t0 = now_s();
    for (uint64_t n = first; n < first + count; n++) log_typical(logger, n);
    return now_s() - t0;
}

// Pins the calling thread to CPU `index` modulo the CPUs this process may
// use (as bench_capi does), so that producers run on different cores at once.
void pin_to_cpu(unsigned index) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
    int n = CPU_COUNT(&allowed);
    if (n < 2) return;
    int want = static_cast<int>(index % static_cast<unsigned>(n));
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

struct Ring {
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink;
    spdlog::logger logger;
    explicit Ring(size_t capacity)
        : sink(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(capacity)),
          logger("audit", sink) {
        logger.set_level(spdlog::level::info);
    }
};

int bench_append(size_t capacity, unsigned threads, uint64_t events) {
    Ring ring(capacity);
    double fill = log_range(ring.logger, 0, capacity);
    std::printf("{\"case\":\"fill\",\"capacity\":%zu,\"events\":%zu,\"seconds\":%.6f,"
                "\"events_per_s\":%.1f}\n",
                capacity, capacity, fill, capacity / fill);

    pthread_barrier_t start;
    pthread_barrier_init(&start, nullptr, threads + 1);
    uint64_t per = events / threads;
    std::vector<std::thread> producers;
    for (unsigned i = 0; i < threads; i++) {
        producers.emplace_back([&, i] {
            if (threads > 1) pin_to_cpu(i);
            pthread_barrier_wait(&start);
            log_range(ring.logger, capacity + i * per, per);
        });
    }
    double c0 = cpu_s(), t0 = now_s();
    pthread_barrier_wait(&start);
    for (auto &t : producers) t.join();
    double secs = now_s() - t0, cpu = cpu_s() - c0;
    pthread_barrier_destroy(&start);

    uint64_t total = per * threads;
    if (ring.sink->last_raw(1).size() != 1) {
        std::fprintf(stderr, "bench_spdlog: the ring is empty\n");
        return 1;
    }
    std::printf("{\"case\":\"append\",\"capacity\":%zu,\"threads\":%u,\"events\":%" PRIu64
                ",\"seconds\":%.6f,\"events_per_s\":%.1f,\"ns_per_event\":%.1f,"
                "\"cpu_seconds\":%.6f,\"cpu_ns_per_event\":%.1f}\n",
                capacity, threads, total, secs, total / secs, secs * 1e9 / total, cpu,
                cpu * 1e9 / total);
    return 0;
}

// Formatting alone: the part of each append figure that is not spdlog.
int bench_format(uint64_t events) {
    volatile size_t sink = 0;
    double c0 = cpu_s(), t0 = now_s();
    for (uint64_t n = 0; n < events; n++) {
        char msg[256];
        sink += static_cast<size_t>(format_typical(msg, n));
    }
    double secs = now_s() - t0, cpu = cpu_s() - c0;
    std::printf("{\"case\":\"format\",\"events\":%" PRIu64 ",\"seconds\":%.6f,"
                "\"ns_per_event\":%.1f,\"cpu_ns_per_event\":%.1f}\n",
                events, secs, secs * 1e9 / events, cpu * 1e9 / events);
    return 0;
}

// Append with the messages formatted before the timed loop (a pool of 1024
// typical events, reused in turn): spdlog's own cost, without snprintf.
int bench_preformatted(size_t capacity, uint64_t events) {
    constexpr size_t pool_size = 1024;
    static char pool[pool_size][256];
    static int lens[pool_size];
    for (size_t n = 0; n < pool_size; n++) lens[n] = format_typical(pool[n], n);
    Ring ring(capacity);
    log_range(ring.logger, 0, capacity);
    double c0 = cpu_s(), t0 = now_s();
    for (uint64_t n = 0; n < events; n++) {
        size_t k = n % pool_size;
        ring.logger.warn(spdlog::string_view_t(pool[k], static_cast<size_t>(lens[k])));
    }
    double secs = now_s() - t0, cpu = cpu_s() - c0;
    std::printf("{\"case\":\"preformatted\",\"capacity\":%zu,\"events\":%" PRIu64
                ",\"seconds\":%.6f,\"events_per_s\":%.1f,\"ns_per_event\":%.1f,"
                "\"cpu_ns_per_event\":%.1f}\n",
                capacity, events, secs, events / secs, secs * 1e9 / events, cpu * 1e9 / events);
    return 0;
}

int bench_memory(uint64_t events) {
    long before = rss_bytes();
    Ring ring(events);
    log_range(ring.logger, 0, events);
    long after = rss_bytes();
    std::printf("{\"case\":\"memory\",\"events\":%" PRIu64 ",\"rss_delta\":%ld,"
                "\"bytes_per_event\":%.1f}\n",
                events, after - before, double(after - before) / events);
    return 0;
}

uint64_t arg_count(const char *s) {
    char *end = nullptr;
    double v = std::strtod(s, &end);
    if (!end || *end || v < 1) {
        std::fprintf(stderr, "bench_spdlog: bad count %s\n", s);
        std::exit(2);
    }
    return static_cast<uint64_t>(v);
}

}  // namespace

int main(int argc, char **argv) {
    std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "append" && argc == 5) {
        unsigned threads = static_cast<unsigned>(std::atoi(argv[3]));
        if (threads < 1) return 2;
        return bench_append(arg_count(argv[2]), threads, arg_count(argv[4]));
    }
    if (mode == "format" && argc == 3) return bench_format(arg_count(argv[2]));
    if (mode == "memory" && argc == 3) return bench_memory(arg_count(argv[2]));
    if (mode == "preformatted" && argc == 4)
        return bench_preformatted(arg_count(argv[2]), arg_count(argv[3]));
    std::fprintf(stderr,
                 "usage: bench_spdlog append CAPACITY THREADS EVENTS | format EVENTS | memory EVENTS |\n"
                 "       preformatted CAPACITY EVENTS\n");
    return 2;
}
