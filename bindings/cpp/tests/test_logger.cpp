// audit::Logger: logging, reading back, filters, export/import, configuration,
// errors with their status codes, and RAII / move semantics.

#include <audit_logger.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <atomic>

#include <unistd.h>

namespace fs = std::filesystem;
using audit::Entry;
using audit::Error;
using audit::Filter;
using audit::Logger;
using audit::Severity;

namespace {

static_assert(!std::is_copy_constructible_v<Logger> && !std::is_copy_assignable_v<Logger>);
static_assert(std::is_nothrow_move_constructible_v<Logger> && std::is_nothrow_move_assignable_v<Logger>);
static_assert(std::is_base_of_v<std::runtime_error, Error>);

// Runs `f`, expecting audit::Error with `status`; returns its message.
template <typename F>
std::string error_of(AuditStatus status, F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), status) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no audit::Error thrown, expected status " << status;
  return {};
}

// A file name in the temporary directory, removed at the end of the test.
struct TempPath {
  fs::path path;
  explicit TempPath(const std::string& name)
      : path(fs::temp_directory_path() / ("audit_cpp_" + std::to_string(::getpid()) + "_" + name)) {}
  ~TempPath() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Logger, LogsAndReadsBack) {
  Logger log(10);
  EXPECT_EQ(log.log({"alice", "login", "app", "success"}), 1u);
  EXPECT_EQ(log.log({"bob", "user.delete", "user:42", "denied", Severity::Error, R"({"z": 1, "a": [true]})"}), 2u);

  auto e = log.get(2);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->seq, 2u);
  EXPECT_EQ(e->actor, "bob");
  EXPECT_EQ(e->action, "user.delete");
  EXPECT_EQ(e->resource, "user:42");
  EXPECT_EQ(e->outcome, "denied");
  EXPECT_EQ(e->severity, Severity::Error);
  EXPECT_EQ(e->details, R"({"z":1,"a":[true]})");  // compact, key order kept
  EXPECT_GT(e->timestamp, 0);
  EXPECT_EQ(audit::to_micros(e->time()), e->timestamp);
  EXPECT_EQ(log.get(1)->details, "{}");

  EXPECT_FALSE(log.get(3).has_value());  // not yet logged
  EXPECT_EQ(log.count(), 2u);
  EXPECT_EQ(log.capacity(), 10u);
  EXPECT_EQ(log.appended(), 2u);
  EXPECT_EQ(log.evicted(), 0u);
}

TEST(Logger, LogBatchIsOneCallAllOrNothing) {
  Logger log(100);
  log.log({"before", "a", "r", "ok"});
  const std::string actor = "b";
  std::vector<Entry> batch = {{"a", "login", "app", "success", Severity::Info, R"({"k": 1})"},
                              {std::string_view(actor).substr(0, 1), "x", "y", "z", Severity::Critical},
                              {"c", "login", "app", "success"}};
  EXPECT_EQ(log.log_batch(batch), 2u);
  auto events = log.query();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].actor, "a");
  EXPECT_EQ(events[1].details, R"({"k":1})");
  EXPECT_EQ(events[2].severity, Severity::Critical);
  EXPECT_EQ(events[3].seq, 4u);
  EXPECT_EQ(events[1].timestamp, events[3].timestamp);
  EXPECT_EQ(log.log_batch({}), 0u);

  batch[2].details = "[1]";
  EXPECT_EQ(error_of(AUDIT_ERR_INVALID_DETAILS, [&] { log.log_batch(batch); }).rfind("event 2: ", 0), 0u);
  batch[2].details = std::nullopt;
  const std::string nul("n\0l", 3);
  batch[0].actor = nul;
  EXPECT_EQ(error_of(AUDIT_ERR_INVALID_ARGUMENT, [&] { log.log_batch(batch); }).rfind("event 0: ", 0), 0u);
  EXPECT_EQ(log.appended(), 4u);
}

TEST(Logger, DefaultCapacityIs5000) { EXPECT_EQ(Logger().capacity(), 5000u); }

TEST(Logger, StringViewsNeedNotBeNulTerminated) {
  // Each field is a slice of one buffer; C must see only the slice.
  const std::string_view buffer = "alicelogin.okappsuccess{\"k\":1}trailing";
  Logger log;
  log.log({buffer.substr(0, 5), buffer.substr(5, 8), buffer.substr(13, 3), buffer.substr(16, 7), Severity::Info,
           buffer.substr(23, 7)});
  auto e = log.get(1);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->actor, "alice");
  EXPECT_EQ(e->action, "login.ok");
  EXPECT_EQ(e->resource, "app");
  EXPECT_EQ(e->outcome, "success");
  EXPECT_EQ(e->details, R"({"k":1})");
}

TEST(Logger, EmbeddedNulIsRefusedNotTruncated) {
  Logger log;
  std::string msg = error_of(AUDIT_ERR_INVALID_ARGUMENT, [&] {
    log.log({std::string_view("ali\0ce", 6), "login", "app", "success"});
  });
  EXPECT_NE(msg.find("actor"), std::string::npos) << msg;
  error_of(AUDIT_ERR_INVALID_ARGUMENT, [&] { log.query(Filter{}.with_outcome(std::string_view("a\0", 2))); });
  EXPECT_EQ(log.count(), 0u);
}

TEST(Logger, DetailsNoneDiffersFromEmptyText) {
  Logger log;
  log.log({"a", "b", "c", "d", Severity::Info, std::nullopt});
  EXPECT_EQ(log.get(1)->details, "{}");
  error_of(AUDIT_ERR_INVALID_DETAILS, [&] { log.log({"a", "b", "c", "d", Severity::Info, ""}); });
  error_of(AUDIT_ERR_INVALID_DETAILS, [&] { log.log({"a", "b", "c", "d", Severity::Info, R"({"a":1,"a":2})"}); });
  EXPECT_EQ(log.count(), 1u);
}

TEST(Logger, ErrorsCarryStatusAndMessage) {
  std::string msg = error_of(AUDIT_ERR_INVALID_CAPACITY, [] { Logger log(0); });
  EXPECT_FALSE(msg.empty());

  Logger log;
  msg = error_of(AUDIT_ERR_INVALID_SEVERITY, [&] { log.log({"a", "b", "c", "d", static_cast<Severity>(99)}); });
  EXPECT_NE(msg.find("99"), std::string::npos) << msg;

  msg = error_of(AUDIT_ERR_INVALID_DOCUMENT, [&] { log.import_json(R"([{"actor":"a"}])"); });
  EXPECT_FALSE(msg.empty());

  const std::string missing = "/nonexistent-audit-dir/export.json";
  msg = error_of(AUDIT_ERR_IO, [&] { log.export_json(missing); });
  EXPECT_NE(msg.find("/nonexistent-audit-dir"), std::string::npos) << msg;  // names the directory
  msg = error_of(AUDIT_ERR_IO, [&] { log.import_json_file(missing); });
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;

  // Filters are checked too: an out-of-range severity criterion is refused.
  error_of(AUDIT_ERR_INVALID_SEVERITY, [&] { log.query(Filter{}.with_min_severity(static_cast<Severity>(5))); });

  // Caught as std::runtime_error as well.
  EXPECT_THROW(log.log({"a", "b", "c", "d", static_cast<Severity>(0)}), std::runtime_error);
  EXPECT_EQ(log.count(), 0u);
}

TEST(Severity, NamesBothWays) {
  EXPECT_EQ(audit::severity_name(Severity::Warning), "WARNING");
  EXPECT_EQ(audit::severity_name(Severity::Critical), "CRITICAL");
  EXPECT_EQ(audit::severity_from_name("error"), Severity::Error);
  EXPECT_EQ(audit::severity_from_name("Info"), Severity::Info);
  error_of(AUDIT_ERR_INVALID_SEVERITY, [] { audit::severity_from_name("WARN"); });
  error_of(AUDIT_ERR_INVALID_SEVERITY, [] { audit::severity_name(static_cast<Severity>(15)); });
  EXPECT_EQ(audit::version(), AUDIT_LOGGER_VERSION);
}

TEST(Logger, FiltersUseOptionalFields) {
  Logger log;
  log.log({"", "a", "r", "ok", Severity::Info});
  log.log({"x", "a", "r", "ok", Severity::Warning});
  log.log({"x", "b", "r", "fail", Severity::Critical});

  auto seqs = [&](const Filter& f) {
    std::vector<std::uint64_t> out;
    for (const auto& e : log.query(f)) out.push_back(e.seq);
    return out;
  };
  using V = std::vector<std::uint64_t>;
  EXPECT_EQ(seqs({}), (V{1, 2, 3}));
  EXPECT_EQ(seqs(Filter{}.with_actor("")), (V{1}));  // "" is a criterion, not "unset"
  EXPECT_EQ(seqs(Filter{}.with_actor("x")), (V{2, 3}));
  EXPECT_EQ(seqs(Filter{}.with_actor("x").with_limit(1)), (V{3}));
  EXPECT_EQ(seqs(Filter{}.with_limit(0)), V{});
  EXPECT_EQ(seqs(Filter{}.with_min_severity(Severity::Warning).with_max_severity(Severity::Error)), (V{2}));
  EXPECT_EQ(seqs(Filter{}.with_after_seq(1).with_outcome("ok")), (V{2}));
  // since/until are inclusive; events logged within one microsecond share it.
  const auto ts = log.get(2)->timestamp;
  V same_time;
  for (const auto& e : log.query(Filter{}.with_action("a"))) {
    if (e.timestamp == ts) same_time.push_back(e.seq);
  }
  EXPECT_EQ(seqs(Filter{}.with_since(ts).with_until(ts).with_action("a")), same_time);
  EXPECT_EQ(seqs(Filter{}.with_since(ts + 1).with_until(ts - 1)), V{});

  auto doc = nlohmann::json::parse(log.query_json(Filter{}.with_actor("x")));
  ASSERT_EQ(doc.size(), 2u);
  EXPECT_EQ(doc[1]["severity"], "CRITICAL");

  EXPECT_TRUE(log.recent(0).empty());
  auto last = log.recent(2);
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0].seq, 2u);
  EXPECT_EQ(last[1].seq, 3u);
}

TEST(Logger, EvictionShowsInGetAndCounters) {
  Logger log(2);
  for (int i = 0; i < 5; ++i) log.log({"u", "login", "app", "success"});
  EXPECT_FALSE(log.get(3).has_value());
  EXPECT_TRUE(log.get(4).has_value());
  EXPECT_EQ(log.count(), 2u);
  EXPECT_EQ(log.evicted(), 3u);
  EXPECT_EQ(log.appended(), 5u);
}

TEST(Logger, ExportToFileAndImportRoundTrip) {
  TempPath file("roundtrip.json");
  Logger log;
  log.log({"alice", "login", "app", "success", Severity::Info, R"({"ip":"10.0.0.1"})"});
  log.log({"mallory\nINFO forged", "ünïcødé", "", "denied", Severity::Critical});
  const std::string doc = log.export_json(file.path.string());
  EXPECT_EQ(read_file(file.path), doc);
  EXPECT_EQ(nlohmann::json::parse(doc).size(), 2u);

  Logger copy;
  EXPECT_EQ(copy.import_json_file(file.path.string()), 2u);
  EXPECT_EQ(copy.export_json(), doc);  // same events, timestamps and seqs 1..2
  EXPECT_EQ(copy.get(2)->actor, "mallory\nINFO forged");

  EXPECT_EQ(copy.import_json(doc), 2u);
  EXPECT_EQ(copy.get(4)->timestamp, log.get(2)->timestamp);
  error_of(AUDIT_ERR_INVALID_DOCUMENT, [&] { copy.import_json(doc.substr(0, doc.size() / 2)); });
  EXPECT_EQ(copy.count(), 4u);  // all or nothing
}

TEST(Logger, ConfigOverload) {
  audit::Config config;
  config.capacity = 2;
  config.max_field_bytes = 4;
  Logger log(config);
  EXPECT_EQ(log.capacity(), 2u);
  log.log({"abcd", "b", "c", "d"});
  error_of(AUDIT_ERR_TOO_LARGE, [&] { log.log({"abcde", "b", "c", "d"}); });
  EXPECT_EQ(log.count(), 1u);

  EXPECT_EQ(Logger(audit::Config{}).capacity(), 5000u);  // unset keeps the defaults
  audit::Config zero;
  zero.capacity = 0;
  error_of(AUDIT_ERR_INVALID_CAPACITY, [&] { Logger bad(zero); });
  audit::Config deep;
  deep.max_details_depth = 1;
  Logger shallow(deep);
  shallow.log({"a", "b", "c", "d", Severity::Info, R"({"flat":1})"});
  error_of(AUDIT_ERR_INVALID_DETAILS, [&] { shallow.log({"a", "b", "c", "d", Severity::Info, R"({"x":{"y":1}})"}); });
}

TEST(Logger, MoveTransfersOwnership) {
  Logger a(3);
  a.log({"a", "b", "c", "d"});
  AuditLogger* handle = a.native_handle();

  Logger b(std::move(a));
  EXPECT_EQ(b.native_handle(), handle);
  EXPECT_EQ(b.count(), 1u);
  EXPECT_EQ(a.native_handle(), nullptr);  // NOLINT(bugprone-use-after-move): testing the moved-from state
  error_of(AUDIT_ERR_NULL_ARGUMENT, [&] { a.count(); });
  error_of(AUDIT_ERR_NULL_ARGUMENT, [&] { a.log({"a", "b", "c", "d"}); });

  // Move-assigning over a logger frees it: its subscriptions end and their
  // functions are destroyed.
  Logger c(1);
  auto token = std::make_shared<int>(0);
  auto sub = c.subscribe([token](const audit::Event&) {});
  EXPECT_EQ(token.use_count(), 2);
  c = std::move(b);
  EXPECT_EQ(token.use_count(), 1);
  EXPECT_EQ(c.native_handle(), handle);
  EXPECT_EQ(audit_logger_count(c.native_handle()), 1u);  // the C API still works on it
  EXPECT_FALSE(sub.unsubscribe());                       // its logger is gone
}

}  // namespace

// A thread_local object made before the library's own thread-local state is
// destroyed after it: a failing call and audit_last_error_message() from its
// destructor must still return their status (no abort at thread exit).
namespace teardown {
std::atomic<int> status{-1};
std::string message;

struct CallsInDestructor {
  ~CallsInDestructor() {
    status = static_cast<int>(audit_log(nullptr, "a", "b", "c", "d", AUDIT_SEVERITY_INFO, nullptr, nullptr));
    message = audit_last_error_message();
  }
};
}  // namespace teardown

TEST(ThreadTeardown, FailingCallsFromThreadLocalDestructorsKeepTheirStatus) {
  std::thread([] {
    thread_local teardown::CallsInDestructor probe;
    (void)probe;
    // The library's thread-locals are made after `probe`, by this failure.
    EXPECT_THROW(Logger(0), Error);
  }).join();
  EXPECT_EQ(teardown::status.load(), static_cast<int>(AUDIT_ERR_NULL_ARGUMENT));
  EXPECT_FALSE(teardown::message.empty());
}
