// The newer parts of the C API through audit_logger.hpp: queued subscriptions
// (order under several producer threads, each overflow policy, flush, final
// stats), I/O errors with their errno as a std::error_code, the status table
// against the header, TOO_DEEP, max_document_bytes, the library's JSON.
// ctest runs this under a timeout, so a deadlock fails instead of hanging.

#include <audit_logger.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using audit::Event;
using audit::Logger;
using audit::Overflow;
using audit::Queue;
using audit::Severity;
using audit::SubscriptionStats;
using namespace std::chrono_literals;

namespace {

/// A gate a subscriber waits at until the test opens it.
class Gate {
 public:
  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }
  void open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

/// A one-shot signal.
class Signal {
 public:
  void set() { gate_.open(); }
  void wait() { gate_.wait(); }

 private:
  Gate gate_;
};

TEST(Queued, StrictSeqOrderUnderFourProducerThreads) {
  Logger log(100000);
  std::mutex mu;
  std::vector<std::uint64_t> seqs;
  std::thread::id delivery;
  auto sub = log.subscribe_queued({100000}, [&](const Event& e) {
    std::lock_guard<std::mutex> lock(mu);
    seqs.push_back(e.seq);
    delivery = std::this_thread::get_id();
  });
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&log, t] {
      for (int i = 0; i < 5000; ++i) log.log({"t" + std::to_string(t), "op", "r", "ok"});
    });
  }
  for (auto& p : producers) p.join();
  log.flush(30s);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(seqs.size(), 20000u);
  for (std::size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], i + 1) << "out of order or missing";
  EXPECT_NE(delivery, std::this_thread::get_id());
  EXPECT_EQ(sub.stats(), (SubscriptionStats{20000, 0, 0}));
}

/// A queue of 4 held on its first event while 100 more are logged.
std::pair<std::vector<std::uint64_t>, SubscriptionStats> held_queue(Queue queue) {
  Logger log(1000);
  Gate gate;
  Signal entered;
  std::mutex mu;
  std::vector<std::uint64_t> got;
  auto sub = log.subscribe_queued(queue, [&](const Event& e) {
    if (e.seq == 1) {
      entered.set();
      gate.wait();
    }
    std::lock_guard<std::mutex> lock(mu);
    got.push_back(e.seq);
  });
  log.log({"first", "op", "r", "ok"});
  entered.wait();
  for (int i = 0; i < 100; ++i) log.log({"more", "op", "r", "ok"});
  gate.open();
  log.flush(30s);
  EXPECT_EQ(log.count(), 101u) << "the log keeps every event whatever the queue drops";
  std::lock_guard<std::mutex> lock(mu);
  return {got, sub.stats()};
}

TEST(Queued, DropOldestKeepsTheNewest) {
  auto [got, stats] = held_queue({4, Overflow::DropOldest});
  EXPECT_EQ(got, (std::vector<std::uint64_t>{1, 98, 99, 100, 101}));
  EXPECT_EQ(stats, (SubscriptionStats{5, 0, 96}));
}

TEST(Queued, DropNewestKeepsTheOldest) {
  auto [got, stats] = held_queue({4, Overflow::DropNewest});
  EXPECT_EQ(got, (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(stats, (SubscriptionStats{5, 0, 96}));
}

TEST(Queued, BlockWaitsThenDrops) {
  auto [got, stats] = held_queue({4, Overflow::Block, 1ms});
  ASSERT_GE(got.size(), 5u);
  EXPECT_EQ(std::vector<std::uint64_t>(got.begin(), got.begin() + 5), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(stats.delivered + stats.dropped, 101u);
  EXPECT_EQ(stats.delivered, got.size());
}

TEST(Queued, BlockLosesNothingWhenTheConsumerKeepsUp) {
  Logger log(1000);
  std::atomic<int> calls{0};
  auto sub = log.subscribe_queued({2, Overflow::Block, 30000ms}, [&](const Event&) { ++calls; });
  for (int i = 0; i < 500; ++i) log.log({"a", "op", "r", "ok"});
  log.flush(30s);
  EXPECT_EQ(calls.load(), 500);
  EXPECT_EQ(sub.stats(), (SubscriptionStats{500, 0, 0}));
}

TEST(Queued, ExceptionsAreCountedAsFailures) {
  Logger log(100);
  auto sub = log.subscribe_queued({16}, [](const Event& e) {
    if (e.seq % 2) throw std::runtime_error("SIEM down");
  });
  for (int i = 0; i < 6; ++i) log.log({"a", "op", "r", "ok"});
  log.flush(30s);
  EXPECT_EQ(sub.stats(), (SubscriptionStats{6, 3, 0}));
}

TEST(Queued, UnsubscribeWithStatsCountsTheQueuedAsDropped) {
  Logger log(1000);
  // Owned by the callback too: the delivery thread may still be leaving
  // gate->wait() when this test returns (ending a subscription does not wait
  // for a callback under way).
  auto gate = std::make_shared<Gate>();
  auto entered = std::make_shared<Signal>();
  auto sub = log.subscribe_queued({100}, [gate, entered](const Event& e) {
    if (e.seq == 1) {
      entered->set();
      gate->wait();
    }
  });
  log.log({"first", "op", "r", "ok"});
  entered->wait();
  for (int i = 0; i < 9; ++i) log.log({"queued", "op", "r", "ok"});
  auto final = sub.unsubscribe_with_stats();
  gate->open();
  ASSERT_TRUE(final.has_value());
  // The 9 queued are dropped; event 1 is counted by the library once its call returns.
  EXPECT_EQ(final->dropped, 9u);
  EXPECT_EQ(final->failed, 0u);
  EXPECT_LE(final->delivered, 1u);
  EXPECT_FALSE(sub.unsubscribe_with_stats().has_value());
  EXPECT_FALSE(sub.unsubscribe());
}

TEST(Queued, UnsubscribeWithStatsOfASynchronousSubscription) {
  Logger log(10);
  int seen = 0;
  auto sub = log.subscribe([&](const Event&) { ++seen; });
  log.log({"a", "op", "r", "ok"});
  log.log({"a", "op", "r", "ok"});
  EXPECT_EQ(sub.unsubscribe_with_stats(), (std::optional<SubscriptionStats>{{2, 0, 0}}));
  log.log({"a", "op", "r", "ok"});
  EXPECT_EQ(seen, 2);
}

TEST(Queued, FlushTimesOutAndIsRefusedInsideAQueuedSubscriber) {
  Logger log(100);
  Gate gate;
  std::atomic<AuditStatus> inner{AUDIT_OK};
  Signal inner_done;
  auto sub = log.subscribe_queued({10}, [&](const Event& e) {
    if (e.actor == "inner") {
      try {
        log.flush(1s);
      } catch (const audit::Error& err) {
        inner = err.status();
      }
      inner_done.set();
      return;
    }
    gate.wait();
  });
  log.log({"held", "op", "r", "ok"});
  log.log({"held", "op", "r", "ok"});
  try {
    log.flush(50ms);
    ADD_FAILURE() << "flush returned with a held subscriber";
  } catch (const audit::Error& e) {
    EXPECT_EQ(e.status(), AUDIT_ERR_TIMEOUT);
    EXPECT_EQ(e.code(), std::error_code(AUDIT_ERR_TIMEOUT, audit::status_category()));
  }
  gate.open();
  log.log({"inner", "op", "r", "ok"});
  inner_done.wait();
  EXPECT_EQ(inner.load(), AUDIT_ERR_INVALID_ARGUMENT) << "it would wait for itself";
  log.flush(30s);
  EXPECT_THROW(log.subscribe_queued({0}, [](const Event&) {}), audit::Error);
}

TEST(Queued, DestroyingTheLoggerDiscardsTheQueueAndReleasesTheSubscriber) {
  auto alive = std::make_shared<int>(0);
  Gate gate;
  Signal entered;
  {
    Logger log(100);
    auto sub = log.subscribe_queued({100}, [&, keep = alive](const Event&) {
      entered.set();
      gate.wait();
    });
    for (int i = 0; i < 10; ++i) log.log({"a", "op", "r", "ok"});
    entered.wait();
  }  // audit_logger_free does not wait for the running call
  gate.open();
  for (int i = 0; i < 3000 && alive.use_count() > 1; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(alive.use_count(), 1) << "the subscriber is destroyed once its last call returns";
}

// --- errors ------------------------------------------------------------------

TEST(Errors, IoErrorsCarryTheErrnoAsAnErrorCode) {
  Logger log(10);
  auto dir = std::filesystem::temp_directory_path() / ("audit-cpp-errno-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto missing = (dir / "no" / "such.json").string();
  try {
    log.import_json_file(missing);
    ADD_FAILURE() << "imported a missing file";
  } catch (const audit::IoError& e) {
    EXPECT_EQ(e.status(), AUDIT_ERR_IO);
    EXPECT_EQ(e.os_errno(), ENOENT);
    EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
    EXPECT_EQ(e.code().category(), std::generic_category());
    EXPECT_EQ(e.path(), missing);
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos);
  }
  auto plain = dir / "plain";
  std::ofstream(plain) << "x";
  try {
    log.export_json((plain / "x.json").string());
    ADD_FAILURE() << "exported under a regular file";
  } catch (const audit::Error& e) {  // an IoError is an Error
    EXPECT_EQ(e.code(), std::errc::not_a_directory);
    EXPECT_NE(dynamic_cast<const audit::IoError*>(&e), nullptr);
  }
  try {
    log.import_json("{}");
  } catch (const audit::Error& e) {
    EXPECT_EQ(e.os_errno(), 0);
    EXPECT_EQ(e.code().category(), audit::status_category());
    EXPECT_EQ(e.code().value(), AUDIT_ERR_INVALID_DOCUMENT);
    EXPECT_EQ(e.code().message(), audit_status_str(AUDIT_ERR_INVALID_DOCUMENT));
  }
  std::filesystem::remove_all(dir);
}

TEST(Errors, StatusTableMatchesTheHeader) {
  std::ifstream in(AUDIT_HEADER_PATH);
  ASSERT_TRUE(in) << AUDIT_HEADER_PATH;
  std::stringstream text;
  text << in.rdbuf();
  std::string header = text.str();
  std::map<std::string, AuditStatus> from_header;
  std::regex define(R"(#define AUDIT_(OK|ERR_[A-Z0-9_]+) (\d+)\n)");
  for (std::sregex_iterator it(header.begin(), header.end(), define), end; it != end; ++it) {
    std::string name = (*it)[1];
    if (name != "OK") name = name.substr(4);
    from_header[name] = static_cast<AuditStatus>(std::stoul((*it)[2]));
  }
  ASSERT_GE(from_header.size(), 14u);
  std::map<std::string, AuditStatus> ours;
  for (AuditStatus s : audit::all_statuses) ours[std::string(audit::status_name(s))] = s;
  EXPECT_EQ(ours, from_header);
  EXPECT_EQ(audit::status_name(999), "");
}

TEST(Errors, LoggingNestedTooDeep) {
  Logger log(100);
  std::vector<AuditStatus> errors;
  auto sub = log.subscribe([&](const Event& e) {
    try {
      log.log({e.actor + "x", "op", "r", "ok"});
    } catch (const audit::Error& err) {
      errors.push_back(err.status());
    }
  });
  log.log({"x", "op", "r", "ok"});
  EXPECT_EQ(errors, (std::vector<AuditStatus>{AUDIT_ERR_TOO_DEEP}));
  EXPECT_EQ(log.count(), 16u);
}

TEST(Config, MaxDocumentBytes) {
  const std::string doc =
      R"([{"actor":"a","action":"b","resource":"c","outcome":"d","severity":"INFO","details":{},"timestamp":"2026-01-01T00:00:00Z"}])";
  audit::Config small;
  small.max_document_bytes = 64;
  Logger a(small);
  try {
    a.import_json(doc);
    ADD_FAILURE() << "imported over the limit";
  } catch (const audit::Error& e) {
    EXPECT_EQ(e.status(), AUDIT_ERR_TOO_LARGE);
  }
  audit::Config exact;
  exact.max_document_bytes = doc.size();
  Logger b(exact);
  EXPECT_EQ(b.import_json(doc), 1u);
}

TEST(Events, JsonIsTheLibrarysRecord) {
  Logger log(10);
  log.log({"alice", "login", "app", "success"});
  log.log({"bob", "delete", "db", "denied", Severity::Error, R"({"n":1})"});
  auto exported = nlohmann::json::parse(log.export_json());
  auto events = log.query();
  ASSERT_EQ(events.size(), 2u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(nlohmann::json::parse(events[i].json), exported[i]);
    EXPECT_EQ(events[i].json.find('\n'), std::string::npos);
  }
}

}  // namespace
