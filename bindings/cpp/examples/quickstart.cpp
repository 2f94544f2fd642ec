// quickstart: record a few audit events, forward them as they happen, find the
// failures, export the log to a file and read it back.
//
//   quickstart [export-path]     (default: audit_export.json; --help)

#include <audit_logger.hpp>

#include <iostream>
#include <string_view>

static void usage(std::ostream& out, const char* argv0) {
  out << "Usage: " << argv0 << " [EXPORT_PATH]\n"
      << "Records a few audit events, forwards them as they happen, finds the failures,\n"
      << "exports the log to EXPORT_PATH (default: audit_export.json) and reads it back.\n";
}

int main(int argc, char** argv) {
  if (argc > 1 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    usage(std::cout, argv[0]);
    return 0;
  }
  if (argc > 2 || (argc > 1 && argv[1][0] == '-')) {
    std::cerr << argv[0] << ": unexpected argument '" << argv[argc > 2 ? 2 : 1] << "'\n";
    usage(std::cerr, argv[0]);
    return 2;
  }
  const char* path = argc > 1 ? argv[1] : "audit_export.json";
  try {
    audit::Logger log(1000);

    // A forwarder: runs on the logging thread for every new event.
    auto forwarder = log.subscribe([](const audit::Event& e) {
      std::cout << "forward #" << e.seq << ' ' << audit::severity_name(e.severity) << ' ' << e.actor << ' '
                << e.action << ' ' << e.resource << " -> " << e.outcome << ' ' << e.details << '\n';
    });

    using audit::Severity;
    log.log({"alice", "login", "app", "success"});
    log.log({"bob", "user.delete", "user:42", "success", Severity::Warning, R"({"reason":"GDPR request"})"});
    log.log({"alice", "file.read", "file:/etc/shadow", "denied", Severity::Error, R"({"path":"/etc/shadow"})"});
    log.log({"svc", "key.rotate", "kms:1", "failure", Severity::Critical});

    // Bad input is refused with a status and a reason; nothing is recorded.
    try {
      log.log({"mallory", "login", "app", "success", Severity::Info, R"({"a":1,"a":2})"});
    } catch (const audit::Error& e) {
      std::cout << "refused (status " << e.status() << "): " << e.what() << '\n';
    }

    std::cout << "\nserious events (ERROR and above):\n";
    for (const auto& e : log.query(audit::Filter{}.with_min_severity(Severity::Error))) {
      std::cout << "  #" << e.seq << ' ' << e.actor << ' ' << e.action << ' ' << e.outcome << '\n';
    }

    const std::string document = log.export_json(path);
    std::cout << "\nexported " << log.count() << " events to " << path << ":\n" << document << '\n';

    audit::Logger restored;
    const auto imported = restored.import_json_file(path);
    std::cout << "re-imported " << imported << " events; " << forwarder.stats().delivered << " forwarded\n";
    return imported == log.count() && restored.export_json() == document ? 0 : 1;
  } catch (const audit::Error& e) {
    std::cerr << "audit error " << e.status() << ": " << e.what() << '\n';
    return 1;
  }
}
