// Runs every conformance scenario in tests/vectors (see its README) through the
// C++ binding. The directory is AUDIT_VECTORS_DIR from the environment, else the
// one configured at build time; its *.json files are listed when the test runs.

#include <audit_logger.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path vectors_dir() {
  const char* env = std::getenv("AUDIT_VECTORS_DIR");
  return (env != nullptr && *env != '\0') ? fs::path(env) : fs::path(AUDIT_VECTORS_DIR_DEFAULT);
}

std::vector<fs::path> vector_files() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(vectors_dir(), ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The status a vector's "error" names: "INVALID_SEVERITY" is AUDIT_ERR_INVALID_SEVERITY.
AuditStatus status_named(const std::string& name) {
  static const std::map<std::string, AuditStatus> statuses = {
      {"NULL_ARGUMENT", AUDIT_ERR_NULL_ARGUMENT},       {"INVALID_UTF8", AUDIT_ERR_INVALID_UTF8},
      {"INVALID_SEVERITY", AUDIT_ERR_INVALID_SEVERITY}, {"INVALID_DETAILS", AUDIT_ERR_INVALID_DETAILS},
      {"INVALID_CAPACITY", AUDIT_ERR_INVALID_CAPACITY}, {"INVALID_ARGUMENT", AUDIT_ERR_INVALID_ARGUMENT},
      {"TOO_LARGE", AUDIT_ERR_TOO_LARGE},               {"INVALID_DOCUMENT", AUDIT_ERR_INVALID_DOCUMENT},
      {"IO", AUDIT_ERR_IO},                             {"NOT_FOUND", AUDIT_ERR_NOT_FOUND},
      {"PANIC", AUDIT_ERR_PANIC},
  };
  auto it = statuses.find(name);
  if (it == statuses.end()) throw std::runtime_error("unknown error name " + name);
  return it->second;
}

audit::Filter filter_from(const json& v) {
  audit::Filter f;
  auto text = [&](const char* key, std::optional<std::string>& field) {
    if (v.contains(key)) field = v.at(key).get<std::string>();
  };
  text("actor", f.actor);
  text("action", f.action);
  text("resource", f.resource);
  text("outcome", f.outcome);
  if (v.contains("min_severity")) f.min_severity = static_cast<audit::Severity>(v.at("min_severity").get<std::uint32_t>());
  if (v.contains("max_severity")) f.max_severity = static_cast<audit::Severity>(v.at("max_severity").get<std::uint32_t>());
  if (v.contains("since")) f.since = v.at("since").get<std::int64_t>();
  if (v.contains("until")) f.until = v.at("until").get<std::int64_t>();
  if (v.contains("after_seq")) f.after_seq = v.at("after_seq").get<std::uint64_t>();
  if (v.contains("limit")) f.limit = v.at("limit").get<std::size_t>();
  return f;
}

json seqs(const std::vector<audit::Event>& events) {
  json out = json::array();
  for (const auto& e : events) out.push_back(e.seq);
  return {{"seqs", out}};
}

// One scenario: a logger and the subscribers it has registered by name.
class Scenario {
 public:
  explicit Scenario(std::size_t capacity) : log_(capacity) {}

  // Runs one step; returns its result or throws audit::Error.
  json run(const json& step) {
    const std::string op = step.at("op");
    if (op == "create") {
      audit::Logger other(step.at("capacity").get<std::size_t>());
      return nullptr;
    }
    if (op == "log") {
      const std::string actor = step.at("actor"), action = step.at("action"), resource = step.at("resource"),
                        outcome = step.at("outcome");
      std::optional<std::string> details;
      if (!step.at("details").is_null()) details = step.at("details").get<std::string>();
      audit::Entry entry{actor, action, resource, outcome,
                         static_cast<audit::Severity>(step.at("severity").get<std::uint32_t>())};
      if (details) entry.details = *details;
      return {{"seq", log_.log(entry)}};
    }
    if (op == "query") return seqs(log_.query(filter_from(step.at("filter"))));
    if (op == "recent") return seqs(log_.recent(step.at("n").get<std::size_t>()));
    if (op == "event") {
      auto e = log_.get(step.at("seq").get<std::uint64_t>());
      if (!e) throw std::runtime_error("event not found");
      json out = {{"actor", e->actor},       {"action", e->action},
                  {"resource", e->resource}, {"outcome", e->outcome},
                  {"severity", static_cast<std::uint32_t>(e->severity)}, {"details", e->details}};
      if (step.at("expect").contains("timestamp")) out["timestamp"] = e->timestamp;
      return out;
    }
    if (op == "counters") {
      return {{"count", log_.count()},
              {"capacity", log_.capacity()},
              {"evicted", log_.evicted()},
              {"appended", log_.appended()}};
    }
    if (op == "import") return {{"imported", log_.import_json(step.at("json").get<std::string>())}};
    if (op == "export") return {{"json", log_.export_json()}};
    if (op == "severity_from_name") {
      return {{"severity", static_cast<std::uint32_t>(audit::severity_from_name(step.at("name").get<std::string>()))}};
    }
    if (op == "subscribe") {
      auto seen = std::make_shared<std::vector<std::uint64_t>>();
      subs_[step.at("name")] = {log_.subscribe([seen](const audit::Event& e) { seen->push_back(e.seq); }), seen};
      return nullptr;
    }
    if (op == "unsubscribe") return {{"removed", subs_.at(step.at("name")).sub.unsubscribe()}};
    if (op == "received") return {{"seqs", *subs_.at(step.at("name")).seen}};
    throw std::runtime_error("unknown op " + op);
  }

 private:
  struct Named {
    audit::Subscription sub;
    std::shared_ptr<std::vector<std::uint64_t>> seen;
  };
  audit::Logger log_;
  std::map<std::string, Named> subs_;
};

class Vectors : public ::testing::TestWithParam<fs::path> {};

TEST_P(Vectors, Pass) {
  std::ifstream in(GetParam());
  ASSERT_TRUE(in) << "cannot read " << GetParam();
  const json vector = json::parse(in);
  Scenario scenario(vector.at("capacity").get<std::size_t>());
  const auto& steps = vector.at("steps");
  ASSERT_FALSE(steps.empty());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const json& step = steps[i];
    SCOPED_TRACE(vector.at("name").get<std::string>() + " step " + std::to_string(i) + ": " + step.dump());
    const json expect = step.value("expect", json());
    try {
      json got = scenario.run(step);
      ASSERT_FALSE(expect.contains("error")) << "expected an error, got " << got.dump();
      if (!expect.is_null()) {
        ASSERT_EQ(got, expect);
      }
    } catch (const audit::Error& e) {
      ASSERT_TRUE(expect.contains("error")) << "unexpected error " << e.status() << ": " << e.what();
      ASSERT_EQ(e.status(), status_named(expect.at("error"))) << e.what();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, Vectors, ::testing::ValuesIn(vector_files()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                           std::string name = info.param.stem().string();
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

// Fails instead of passing vacuously when the directory is wrong or empty.
TEST(VectorsDir, HasScenarios) {
  EXPECT_GE(vector_files().size(), 6u) << "too few *.json files in " << vectors_dir();
}

}  // namespace
