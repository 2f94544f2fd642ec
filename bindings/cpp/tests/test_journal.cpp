// audit::Journal: the durable, sealed journal: settings, counters, reopening,
// the lock, and verify_journal() of a clean and a one-byte-tampered journal.

#include <audit_logger.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using audit::Config;
using audit::Error;
using audit::Fsync;
using audit::IoError;
using audit::Journal;
using audit::Logger;
using audit::Verdict;

namespace {

const char* const kSegment = "00000000000000000001.seg";

// A fresh directory in the temporary directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("audit_cpp_journal_" + std::to_string(::getpid()) + "_" + name)) {
    fs::remove_all(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
  std::string anchor() const { return (path / "anchor.pub").string(); }
};

std::uint64_t log_as(Logger& log, std::string_view actor, std::string_view resource = "app") {
  return log.log({actor, "login", resource, "success"});
}

// Replaces the first `from` (same length) in the first segment with `to`.
void tamper(const fs::path& dir, const std::string& from, const std::string& to) {
  ASSERT_EQ(from.size(), to.size());
  const fs::path file = dir / kSegment;
  std::string data;
  {
    std::ifstream in(file, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = data.find(from);
  ASSERT_NE(at, std::string::npos) << from << " is not in " << file;
  data.replace(at, from.size(), to);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << data;
}

template <typename F>
AuditStatus status_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.status();
  }
  return AUDIT_OK;
}

TEST(Journal, DurableReopenedLockedVerified) {
  TempDir dir("durable");
  {
    Logger log(Config{}.with_journal(Journal(dir.str()).with_fsync(Fsync::Always)));
    EXPECT_EQ(log_as(log, "alice", "host:0"), 1u);
    EXPECT_EQ(log_as(log, "alice", "host:1"), 2u);
    const auto seq = log_as(log, "alice", "host:2");
    const auto stats = log.journal_stats();
    EXPECT_GE(stats.durable_seq, seq);
    EXPECT_GE(stats.written_seq, seq);
    EXPECT_FALSE(stats.failing);
    EXPECT_GE(stats.fsyncs, 1u);
    EXPECT_LE(stats.fsyncs, seq);
    EXPECT_EQ(stats.recovered_bytes_dropped, 0u);
    EXPECT_TRUE(fs::is_regular_file(dir.anchor()));

    // One writer per directory.
    try {
      Logger second(Config{}.with_journal(Journal(dir.str())));
      ADD_FAILURE() << "a second logger opened the same journal";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("lock"), std::string::npos) << e.what();
      EXPECT_EQ(e.path(), dir.str());
    }
  }
  {
    Config config;
    config.capacity = 10;
    config.journal = Journal(dir.str()).with_fsync(Fsync::Always);
    Logger again(config);
    EXPECT_EQ(again.count(), 3u);
    EXPECT_EQ(again.appended(), 3u);
    const auto events = again.recent(3);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].resource, "host:0");
    EXPECT_EQ(events[2].resource, "host:2");
    EXPECT_EQ(log_as(again, "bob"), 4u);
  }
  const auto result = audit::verify_journal(dir.str(), dir.anchor());
  EXPECT_EQ(result.verdict, Verdict::Valid);
  const auto report = nlohmann::json::parse(result.report_json);
  EXPECT_EQ(report["verdict"], "valid");
  EXPECT_EQ(report["events_verified"], 4);
  EXPECT_TRUE(report["findings"].empty());
}

TEST(Journal, RestoresTheNewestCapacityEvents) {
  TempDir dir("restore");
  {
    Config config;
    config.capacity = 10;
    config.journal = Journal(dir.str()).with_fsync(Fsync::Never);
    Logger log(config);
    for (auto r : {"doc:0", "doc:1", "doc:2", "doc:3", "doc:4"}) log_as(log, "alice", r);
  }
  Config config;
  config.capacity = 2;
  config.journal = Journal(dir.str());
  Logger small(config);
  EXPECT_EQ(small.count(), 2u);
  EXPECT_EQ(small.appended(), 5u);
  const auto events = small.recent(5);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].resource, "doc:3");
  EXPECT_EQ(events[1].resource, "doc:4");
}

TEST(Journal, OneFlippedByteIsTampering) {
  TempDir dir("tamper");
  {
    Logger log(Config{}.with_journal(Journal(dir.str()).with_fsync(Fsync::Batch, 2, 10ms)));
    for (auto a : {"alice", "mallory", "carol"}) log_as(log, a);
  }
  EXPECT_EQ(audit::verify_journal(dir.str(), dir.anchor()).verdict, Verdict::Valid);

  tamper(dir.path, "mallory", "malloqy");
  const auto result = audit::verify_journal(dir.str(), dir.anchor());
  EXPECT_EQ(result.verdict, Verdict::Tampered);
  EXPECT_EQ(audit::verdict_name(result.verdict), "tampered");
  const auto report = nlohmann::json::parse(result.report_json);
  EXPECT_EQ(report["verdict"], "tampered");
  ASSERT_FALSE(report["findings"].empty());
  bool modified = false;
  for (const auto& f : report["findings"]) modified |= f["class"] == "modified" && f["seq"] == 2;
  EXPECT_TRUE(modified) << report["findings"].dump();
}

TEST(Journal, EverySettingIsPassedOn) {
  TempDir dir("settings");
  {
    Logger log(Config{}.with_journal(Journal(dir.str())
                                         .with_fsync(Fsync::Batch, 10, 20ms, false)
                                         .with_epoch(2, 10min)
                                         .with_segments(1 << 20, 1h)
                                         .with_retention(1ull << 30, 10, std::chrono::hours(24 * 365))));
    for (int i = 0; i < 5; ++i) log_as(log, "alice");
    // A checkpoint after 2 events (not 10,000, nor 10 minutes): the journal's thread seals one soon.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (log.journal_stats().checkpoints < 1 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_GE(log.journal_stats().checkpoints, 1u);
  }
  EXPECT_EQ(audit::verify_journal(dir.str(), dir.anchor()).verdict, Verdict::Valid);
}

TEST(Journal, ExportWithProofsVerifiesOfflineAndShowsAChange) {
  TempDir dir("proofs");
  std::uint64_t bob_seq = 0;
  {
    Logger log(Config{}.with_journal(Journal(dir.str()).with_fsync(Fsync::Never)));
    for (int i = 0; i < 12; ++i) {
      char resource[16];
      std::snprintf(resource, sizeof resource, "doc:%02d", i);
      const auto seq = log_as(log, i % 3 == 0 ? "bob" : "alice", resource);
      if (i == 6) bob_seq = seq;
    }
  }
  const std::string bundle = dir.str() + ".bob.json";
  EXPECT_EQ(audit::export_journal_proofs(dir.str(), audit::Filter{}.with_actor("bob"), bundle), 0u);
  const auto ok = audit::verify_export(bundle, dir.anchor());
  EXPECT_EQ(ok.verdict, Verdict::Valid);
  const auto good = nlohmann::json::parse(ok.report_json);
  EXPECT_EQ(good["events_verified"], 4);
  EXPECT_TRUE(good["findings"].empty());

  std::string text;
  {
    std::ifstream in(bundle);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const auto at = text.find("doc:06");
  ASSERT_NE(at, std::string::npos);
  text[at + 5] = '7';
  std::ofstream(bundle, std::ios::trunc) << text;
  const auto bad = audit::verify_export(bundle, dir.anchor());
  EXPECT_EQ(bad.verdict, Verdict::Tampered);
  const auto report = nlohmann::json::parse(bad.report_json);
  ASSERT_FALSE(report["findings"].empty());
  EXPECT_EQ(report["findings"][0]["class"], "modified");
  EXPECT_EQ(report["findings"][0]["seq"], bob_seq);

  EXPECT_EQ(status_of([&] { audit::export_journal_proofs((dir.path / "missing").string(), {}, bundle); }),
            AUDIT_ERR_IO);
  EXPECT_EQ(status_of([&] { audit::verify_export(bundle, "not a key!"); }), AUDIT_ERR_INVALID_ARGUMENT);
  std::remove(bundle.c_str());
}

TEST(Journal, ConfigurationErrors) {
  TempDir dir("errors");
  auto open = [&](Journal j) { return status_of([&] { Logger log(Config{}.with_journal(std::move(j))); }); };
  EXPECT_EQ(open(Journal(dir.str()).with_fsync(static_cast<Fsync>(9))), AUDIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(open(Journal(dir.str()).with_fsync(Fsync::Batch, 0)), AUDIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(open(Journal(dir.str()).with_epoch(0)), AUDIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(open(Journal(dir.str()).with_fsync(Fsync::Batch, 10, -1ms)), AUDIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(open(Journal(dir.str()).with_retention(0, 0, -1s)), AUDIT_ERR_INVALID_ARGUMENT);
  // None of those opened (and locked) the directory.
  Logger log(Config{}.with_journal(Journal(dir.str())));
  EXPECT_EQ(log.journal_stats().written_seq, 0u);
}

TEST(Journal, StatsWithoutAJournalAndVerifyErrors) {
  Logger plain(10);
  EXPECT_EQ(status_of([&] { plain.journal_stats(); }), AUDIT_ERR_NOT_FOUND);
  TempDir dir("verify_errors");
  { Logger log(Config{}.with_journal(Journal(dir.str()))); }
  EXPECT_EQ(status_of([&] { audit::verify_journal(dir.str(), "not a key!"); }), AUDIT_ERR_INVALID_ARGUMENT);
  const std::string missing = (dir.path / "missing").string();
  try {
    audit::verify_journal(missing, dir.anchor());
    ADD_FAILURE() << "verify_journal of a missing directory did not throw";
  } catch (const IoError& e) {
    EXPECT_EQ(e.path(), missing);
  }
}

}  // namespace
