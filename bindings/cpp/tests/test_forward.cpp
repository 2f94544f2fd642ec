// audit::ForwarderConfig: a JSON Lines file receiving every event, the
// stats and the close report, an unwritable file in the stats, and bad
// configurations refused.

#include <audit_logger.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using audit::Error;
using audit::Format;
using audit::ForwarderConfig;
using audit::Logger;

namespace {

fs::path temp_path(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("audit_cpp_forward_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  return p;
}

TEST(Forward, JsonlReceivesEveryEvent) {
  const fs::path out = temp_path("events.jsonl");
  {
    Logger log(50);
    const auto index = log.add_forwarder("file", ForwarderConfig::jsonl(out.string()).with_format(Format::JsonLine));
    EXPECT_EQ(index, 0u);
    for (int i = 0; i < 150; i++) {
      const std::string resource = "doc:" + std::to_string(i);
      log.log({"alice", "doc.read", resource, "ok"});
    }
    const auto report = log.close_forwarder(index, 20s);
    EXPECT_EQ(report.delivered, 150u);
    EXPECT_EQ(report.left, 0u);
    EXPECT_FALSE(report.timed_out);
    EXPECT_EQ(report.last_acked_seq, 150u);
    const auto stats = log.forwarder_stats(index);
    EXPECT_EQ(stats.offered, 150u);
    EXPECT_EQ(stats.delivered, 150u);
    EXPECT_EQ(stats.lag_events, 0u);
    EXPECT_FALSE(stats.last_error.has_value());
  }
  std::ifstream in(out);
  std::string line;
  std::uint64_t seq = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["seq"].get<std::uint64_t>(), ++seq);
    EXPECT_TRUE(j.contains("log_id"));
  }
  EXPECT_EQ(seq, 150u);
  fs::remove(out);
}

TEST(Forward, UnwritableFileShowsInStats) {
  Logger log(10);
  const std::string bad = temp_path("missing") / "x.jsonl";
  log.add_forwarder("bad", ForwarderConfig::jsonl(bad).with_retry(10ms, 50ms).with_close_timeout(100ms));
  for (int i = 0; i < 3; i++) log.log({"a", "b", "c", "d"});
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!log.forwarder_stats(0).last_error && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  const auto stats = log.forwarder_stats(0);
  ASSERT_TRUE(stats.last_error.has_value());
  EXPECT_NE(stats.last_error->find(bad), std::string::npos);
  EXPECT_FALSE(stats.connected);
  EXPECT_EQ(stats.lag_events, 3u);
  const auto report = log.close_forwarder(0, 100ms);
  EXPECT_EQ(report.left, 3u);
  EXPECT_TRUE(report.timed_out);
}

TEST(Forward, BadConfigurationsAreRefused) {
  Logger log(10);
  const fs::path f = temp_path("f.jsonl");
  const auto cfg = ForwarderConfig::jsonl(f.string());
  auto status_of = [](auto&& call) {
    try {
      call();
    } catch (const Error& e) {
      return e.status();
    }
    return static_cast<AuditStatus>(AUDIT_OK);
  };
  EXPECT_EQ(status_of([&] { log.add_forwarder("a/b", cfg); }), AUDIT_ERR_INVALID_ARGUMENT);
  log.add_forwarder("f", cfg);
  EXPECT_EQ(status_of([&] { log.add_forwarder("f", cfg); }), AUDIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(status_of([&] { log.add_forwarder("g", ForwarderConfig::jsonl(f.string()).with_backlog(0)); }),
            AUDIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(status_of([&] { log.add_forwarder("h", ForwarderConfig::syslog("127.0.0.1:1").with_format(Format::Ocsf)); }),
            AUDIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(status_of([&] { log.add_forwarder(std::string("n\0x", 3), cfg); }), AUDIT_ERR_INVALID_ARGUMENT);
  // Each setter's failure is thrown: TLS and properties do not apply to a
  // file, a NUL is refused, and an unreadable CA file fails the attach.
  EXPECT_EQ(status_of([&] { log.add_forwarder("t", ForwarderConfig::jsonl(f.string()).with_tls(audit::Tls{})); }),
            AUDIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(status_of([&] { log.add_forwarder("p", ForwarderConfig::jsonl(f.string()).with_property("k", "v")); }),
            AUDIT_ERR_INVALID_ARGUMENT);
  const auto otlp = ForwarderConfig::otlp("http://127.0.0.1:1/v1/logs");
  EXPECT_EQ(status_of([&] { log.add_forwarder("q", ForwarderConfig(otlp).with_property("k", std::string("v\0", 2))); }),
            AUDIT_ERR_INVALID_ARGUMENT);
  const auto tls = ForwarderConfig::syslog("127.0.0.1:1").with_tls(audit::Tls{"/no/such/ca.pem", {}, {}, {}});
  EXPECT_EQ(status_of([&] { log.add_forwarder("r", tls); }), AUDIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(status_of([&] { log.forwarder_stats(9); }), AUDIT_ERR_NOT_FOUND);
  EXPECT_EQ(status_of([&] { log.close_forwarder(9); }), AUDIT_ERR_NOT_FOUND);
  log.close_forwarder(0, 1s);
  fs::remove(f);
}

}  // namespace
