// The packaging scenario (tests/packaging/README.md) through the C++ binding,
// built by a project that finds the installed package with
// find_package(AuditLogger COMPONENTS cpp) (cpp/CMakeLists.txt).
//
//   consumer FIXTURE OUTDIR NAME
#include <audit_logger.hpp>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

void write_event(std::ostream& out, const audit::Event& e, bool with_time) {
  out << e.seq << ' ';
  if (with_time) out << e.timestamp << ' ';
  out << audit::severity_name(e.severity) << ' ' << e.actor << ' ' << e.action << ' ' << e.resource << ' '
      << e.outcome << ' ' << e.details << '\n';
}

void write_list(std::ostream& out, const char* title, const std::vector<audit::Event>& events, bool with_time) {
  out << title << '\n';
  for (const auto& e : events) write_event(out, e, with_time);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "Usage: " << argv[0] << " FIXTURE OUTDIR NAME\n";
    return 2;
  }
  const std::string dir = argv[2], name = argv[3];
  try {
    std::ofstream out(dir + "/" + name + ".txt", std::ios::binary);
    std::ifstream in(argv[1], std::ios::binary);
    std::stringstream doc;
    doc << in.rdbuf();

    using audit::Filter;
    using audit::Severity;
    audit::Logger fixed(100);
    out << "imported " << fixed.import_json(doc.str()) << '\n';
    write_list(out, "query actor=alice", fixed.query(Filter{}.with_actor("alice")), true);
    write_list(out, "query min_severity=ERROR", fixed.query(Filter{}.with_min_severity(Severity::Error)), true);
    write_list(out, "query since=1767225602000000 until=1767225605000000",
               fixed.query(Filter{}.with_since(1767225602000000LL).with_until(1767225605000000LL)), true);
    write_list(out, "query outcome=failure limit=1", fixed.query(Filter{}.with_outcome("failure").with_limit(1)),
               true);
    write_list(out, "recent 2", fixed.recent(2), true);
    std::ofstream(dir + "/" + name + ".json", std::ios::binary) << fixed.export_json();

    audit::Logger live(100);
    out << "live\n";
    auto sub = live.subscribe([&out](const audit::Event& e) { write_event(out, e, false); });
    live.log({"alice", "login", "app", "success", Severity::Info, R"({"b":1,"a":[true,null]})"});
    live.log({"bob", "user.update", "user:7", "success", Severity::Warning, R"({"field":"email"})"});
    live.log({"mallory", "login", "app", "failure", Severity::Error, "{}"});
    live.log({"svc", "key.rotate", "kms:1", "failure", Severity::Critical, R"({"n":1.50})"});
    out << "unsubscribe " << (sub.unsubscribe() ? "true" : "false") << '\n';
    const auto seq = live.log({"alice", "logout", "app", "success", Severity::Info, "{}"});
    out << "logged " << seq << '\n';
    write_list(out, "query outcome=failure", live.query(Filter{}.with_outcome("failure")), false);
    out << "count " << live.count() << '\n';
  } catch (const std::exception& e) {
    std::cerr << "consumer: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
