// audit_logger.hpp: header-only C++17 interface to audit-logger.
//
// A thin RAII layer over the C API in audit_logger.h; it adds no behaviour of
// its own. Link with libaudit_logger (CMake target AuditLogger::audit_logger).
//
//   audit::Logger log;                                    // keeps the newest 5000
//   auto seq = log.log({"alice", "login", "app", "success"});
//   auto sub = log.subscribe([](const audit::Event& e) { forward(e); });
//   for (const auto& e : log.query(audit::Filter{}.with_actor("alice"))) ...
//
// Errors: every failing call throws audit::Error, carrying the AuditStatus and
// the library's message (I/O failures: audit::IoError, with the OS errno as a
// std::error_code in std::generic_category()). Threading: a Logger may be used from any number of
// threads at once, except that it must not be moved, assigned or destroyed
// while in use, nor from inside one of its own subscribers. Subscribers run on
// the thread that logged the event (see Logger::subscribe).

#ifndef AUDIT_LOGGER_HPP
#define AUDIT_LOGGER_HPP

#include <audit_logger.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace audit {

// ---------------------------------------------------------------------------
// Errors

/// The status codes of audit_logger.h (AUDIT_OK, AUDIT_ERR_*), in order. A
/// test reads the header and fails when this table misses, adds or renumbers one.
inline constexpr std::array<AuditStatus, 14> all_statuses = {
    AUDIT_OK,
    AUDIT_ERR_NULL_ARGUMENT,
    AUDIT_ERR_INVALID_UTF8,
    AUDIT_ERR_INVALID_SEVERITY,
    AUDIT_ERR_INVALID_DETAILS,
    AUDIT_ERR_INVALID_CAPACITY,
    AUDIT_ERR_INVALID_ARGUMENT,
    AUDIT_ERR_TOO_LARGE,
    AUDIT_ERR_INVALID_DOCUMENT,
    AUDIT_ERR_IO,
    AUDIT_ERR_NOT_FOUND,
    AUDIT_ERR_PANIC,
    AUDIT_ERR_TIMEOUT,
    AUDIT_ERR_TOO_DEEP,
};

/// The header's name of a status without the AUDIT_ERR_ prefix ("TOO_DEEP";
/// "OK" for AUDIT_OK), or "" for a code this binding does not know.
constexpr std::string_view status_name(AuditStatus status) noexcept {
  switch (status) {
    case AUDIT_OK: return "OK";
    case AUDIT_ERR_NULL_ARGUMENT: return "NULL_ARGUMENT";
    case AUDIT_ERR_INVALID_UTF8: return "INVALID_UTF8";
    case AUDIT_ERR_INVALID_SEVERITY: return "INVALID_SEVERITY";
    case AUDIT_ERR_INVALID_DETAILS: return "INVALID_DETAILS";
    case AUDIT_ERR_INVALID_CAPACITY: return "INVALID_CAPACITY";
    case AUDIT_ERR_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case AUDIT_ERR_TOO_LARGE: return "TOO_LARGE";
    case AUDIT_ERR_INVALID_DOCUMENT: return "INVALID_DOCUMENT";
    case AUDIT_ERR_IO: return "IO";
    case AUDIT_ERR_NOT_FOUND: return "NOT_FOUND";
    case AUDIT_ERR_PANIC: return "PANIC";
    case AUDIT_ERR_TIMEOUT: return "TIMEOUT";
    case AUDIT_ERR_TOO_DEEP: return "TOO_DEEP";
    default: return "";
  }
}

/// The std::error_category of AuditStatus values: name() "audit", message()
/// the library's audit_status_str.
inline const std::error_category& status_category() noexcept {
  struct Category final : std::error_category {
    const char* name() const noexcept override { return "audit"; }
    std::string message(int status) const override { return audit_status_str(static_cast<AuditStatus>(status)); }
  };
  static const Category category;
  return category;
}

/// Thrown by every call that fails: status() is the AuditStatus (AUDIT_ERR_*),
/// what() the library's explanation (which argument, which byte, which path).
/// code() is a std::error_code: for an I/O failure with an OS error behind it,
/// that errno in std::generic_category() (so `e.code() ==
/// std::errc::no_such_file_or_directory` works); otherwise the status in
/// status_category().
class Error : public std::runtime_error {
 public:
  Error(AuditStatus status, const std::string& message, int os_errno = 0)
      : std::runtime_error(message), status_(status), errno_(os_errno) {}

  /// An error for a status the library just returned on this thread, with
  /// audit_last_error_message() (or the generic text if it is empty) and, for
  /// AUDIT_ERR_IO, audit_last_error_errno(). An I/O failure is an IoError.
  static Error last(AuditStatus status);

  AuditStatus status() const noexcept { return status_; }

  /// The OS error number behind an I/O failure (ENOENT, ...), else 0.
  int os_errno() const noexcept { return errno_; }

  std::error_code code() const noexcept {
    if (errno_ != 0) return {errno_, std::generic_category()};
    return {static_cast<int>(status_), status_category()};
  }

 private:
  AuditStatus status_;
  int errno_;
};

/// An I/O failure (AUDIT_ERR_IO): reading or writing a file. path() is the
/// file when the binding knows it; os_errno() and code() give the OS error.
class IoError : public Error {
 public:
  IoError(const std::string& message, int os_errno, std::string path = {})
      : Error(AUDIT_ERR_IO, message, os_errno), path_(std::move(path)) {}
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

namespace detail {

inline std::string last_message(AuditStatus status) {
  std::string message = audit_last_error_message();
  if (message.empty()) message = audit_status_str(status);
  return message;
}

/// Throws the error for a failing status; AUDIT_ERR_IO becomes an IoError
/// (with `path`, if given), carrying audit_last_error_errno().
[[noreturn]] inline void raise(AuditStatus status, std::string_view path = {}) {
  if (status == AUDIT_ERR_IO) throw IoError(last_message(status), audit_last_error_errno(), std::string(path));
  throw Error(status, last_message(status));
}

inline void check(AuditStatus status) {
  if (status != AUDIT_OK) raise(status);
}

inline void check_path(AuditStatus status, std::string_view path) {
  if (status != AUDIT_OK) raise(status, path);
}

/// A NUL-terminated copy of `text` for C. A string_view is not NUL-terminated,
/// and an embedded NUL would silently cut the text short in C, so it is refused.
inline std::string c_string(std::string_view text, const char* what) {
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    throw Error(AUDIT_ERR_INVALID_ARGUMENT, std::string(what) + " contains a NUL byte at offset " +
                                                std::to_string(nul));
  }
  return std::string(text);
}

struct StringFree {
  void operator()(char* s) const noexcept { audit_string_free(s); }
};
struct ListFree {
  void operator()(AuditEventList* l) const noexcept { audit_event_list_free(l); }
};
struct FilterFree {
  void operator()(AuditFilter* f) const noexcept { audit_filter_free(f); }
};
struct ConfigFree {
  void operator()(AuditConfig* c) const noexcept { audit_config_free(c); }
};
struct ForwarderConfigFree {
  void operator()(AuditForwarderConfig* c) const noexcept { audit_forwarder_config_free(c); }
};

/// Calls the C setter `setter` on the builder `config` (a unique_ptr) with
/// `args`; throws Error when it fails.
template <class Builder, class Setter, class... Args>
void set(const Builder& config, Setter setter, Args... args) {
  check(setter(config.get(), args...));
}

/// A size-tagged C struct (`struct_size` set, the rest zeroed) that `fill`
/// (a C call given its address) fills; throws Error when the call fails.
template <class Raw, class Fill>
Raw read_sized(Fill fill) {
  Raw raw{};
  raw.struct_size = sizeof raw;
  check(fill(&raw));
  return raw;
}

/// Takes ownership of a string the library returned and copies it out.
inline std::string take_string(char* s) {
  std::unique_ptr<char, StringFree> owned(s);
  return owned ? std::string(owned.get()) : std::string();
}

}  // namespace detail

inline Error Error::last(AuditStatus status) {
  if (status == AUDIT_ERR_IO) return IoError(detail::last_message(status), audit_last_error_errno());
  return Error(status, detail::last_message(status));
}

// ---------------------------------------------------------------------------
// Values

/// How serious an event is; the numbers are those of the C API.
enum class Severity : std::uint32_t {
  Info = AUDIT_SEVERITY_INFO,
  Warning = AUDIT_SEVERITY_WARNING,
  Error = AUDIT_SEVERITY_ERROR,
  Critical = AUDIT_SEVERITY_CRITICAL,
};

/// "INFO", "WARNING", "ERROR" or "CRITICAL"; throws for any other value.
inline std::string_view severity_name(Severity severity) {
  const char* name = audit_severity_name(static_cast<std::uint32_t>(severity));
  if (name == nullptr) throw Error::last(AUDIT_ERR_INVALID_SEVERITY);
  return name;
}

/// The severity called `name`, ignoring ASCII case; throws for any other name.
inline Severity severity_from_name(std::string_view name) {
  std::uint32_t value = 0;
  detail::check(audit_severity_from_name(detail::c_string(name, "name").c_str(), &value));
  return static_cast<Severity>(value);
}

/// The library's version, "MAJOR.MINOR.PATCH".
inline std::string_view version() { return audit_version(); }

using Clock = std::chrono::system_clock;

/// Microseconds since the Unix epoch (the library's timestamps) from a time point.
inline std::int64_t to_micros(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

/// The time point of a timestamp in microseconds since the Unix epoch.
inline Clock::time_point from_micros(std::int64_t micros) {
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::microseconds(micros)));
}

/// What to record. The strings are copied before log() returns; they need not
/// be NUL-terminated, but must not contain a NUL byte. Aggregate, so
/// `log({"alice", "login", "app", "success", audit::Severity::Warning, R"({"ip":"10.0.0.1"})"})`.
struct Entry {
  std::string_view actor;
  std::string_view action;
  std::string_view resource;
  std::string_view outcome;
  Severity severity = Severity::Info;
  /// A JSON object as text, or std::nullopt for `{}`. Any text, including "",
  /// goes to the library as given, which rejects what is not a JSON object.
  std::optional<std::string_view> details = std::nullopt;
};

/// A recorded event: an immutable copy, independent of the logger.
struct Event {
  std::uint64_t seq = 0;        ///< From 1, strictly increasing per logger.
  std::int64_t timestamp = 0;   ///< Microseconds since the Unix epoch, UTC.
  std::string actor;
  std::string action;
  std::string resource;
  std::string outcome;
  Severity severity = Severity::Info;
  std::string details;          ///< Compact JSON object text, keys in the order logged.
  /// The whole event as the library writes it (audit_event_to_json): one
  /// compact record of the export format, for JSON Lines forwarding.
  std::string json;

  /// timestamp as a time point.
  Clock::time_point time() const { return from_micros(timestamp); }

  /// Copies an event the library lends (from a list or to a callback).
  static Event from(const AuditEvent* e) {
    Event out;
    out.seq = audit_event_seq(e);
    out.timestamp = audit_event_timestamp(e);
    out.actor = audit_event_actor(e);
    out.action = audit_event_action(e);
    out.resource = audit_event_resource(e);
    out.outcome = audit_event_outcome(e);
    out.severity = static_cast<Severity>(audit_event_severity(e));
    out.details = audit_event_details(e);
    char* line = nullptr;
    detail::check(audit_event_to_json(e, &line));
    out.json = detail::take_string(line);
    return out;
  }
};

/// Which events a query returns. Every field left unset matches everything; a
/// string field set to "" matches only events whose field is empty.
struct Filter {
  std::optional<std::string> actor, action, resource, outcome;
  std::optional<Severity> min_severity, max_severity;
  std::optional<std::int64_t> since, until;  ///< Inclusive, microseconds since the epoch.
  std::optional<std::uint64_t> after_seq;    ///< Only events with a greater seq (a cursor).
  std::optional<std::size_t> limit;          ///< The newest N matches (still oldest first); 0 = none.

  // Chainable setters: audit::Filter{}.with_actor("alice").with_min_severity(Severity::Error).
  Filter& with_actor(std::string_view v) { actor = std::string(v); return *this; }
  Filter& with_action(std::string_view v) { action = std::string(v); return *this; }
  Filter& with_resource(std::string_view v) { resource = std::string(v); return *this; }
  Filter& with_outcome(std::string_view v) { outcome = std::string(v); return *this; }
  Filter& with_min_severity(Severity v) { min_severity = v; return *this; }
  Filter& with_max_severity(Severity v) { max_severity = v; return *this; }
  Filter& with_since(std::int64_t micros) { since = micros; return *this; }
  Filter& with_until(std::int64_t micros) { until = micros; return *this; }
  Filter& with_after_seq(std::uint64_t seq) { after_seq = seq; return *this; }
  Filter& with_limit(std::size_t n) { limit = n; return *this; }
};

namespace detail {
/// A C filter holding `filter`'s criteria.
inline std::unique_ptr<AuditFilter, FilterFree> make_filter(const Filter& filter) {
  std::unique_ptr<AuditFilter, FilterFree> f(audit_filter_new());
  if (!f) throw Error::last(AUDIT_ERR_PANIC);
  auto text = [&](AuditStatus (*set)(AuditFilter*, const char*), const std::optional<std::string>& v,
                  const char* what) {
    if (v) check(set(f.get(), c_string(*v, what).c_str()));
  };
  text(audit_filter_set_actor, filter.actor, "filter actor");
  text(audit_filter_set_action, filter.action, "filter action");
  text(audit_filter_set_resource, filter.resource, "filter resource");
  text(audit_filter_set_outcome, filter.outcome, "filter outcome");
  if (filter.min_severity)
    check(audit_filter_set_min_severity(f.get(), static_cast<std::uint32_t>(*filter.min_severity)));
  if (filter.max_severity)
    check(audit_filter_set_max_severity(f.get(), static_cast<std::uint32_t>(*filter.max_severity)));
  if (filter.since) check(audit_filter_set_since(f.get(), *filter.since));
  if (filter.until) check(audit_filter_set_until(f.get(), *filter.until));
  if (filter.after_seq) check(audit_filter_set_after_seq(f.get(), *filter.after_seq));
  if (filter.limit) check(audit_filter_set_limit(f.get(), *filter.limit));
  return f;
}
}  // namespace detail

/// When a journal fsyncs what it writes (AUDIT_FSYNC_*).
enum class Fsync : std::uint32_t {
  Never = AUDIT_FSYNC_NEVER,    ///< Written to the operating system, never fsynced by the library.
  Batch = AUDIT_FSYNC_BATCH,    ///< Once batch_events events wait or the oldest has waited batch_interval.
  Always = AUDIT_FSYNC_ALWAYS,  ///< log() returns only once the event is on disk.
};

/// A durable, sealed journal in the directory `dir` (made if missing).
/// Opening a directory that holds a journal restores its newest `capacity`
/// events and continues the sequence; one Logger per directory (another
/// throws IoError, "locked"). Each group left unset keeps the library's
/// defaults: Fsync::Batch of 1000 events or 50 ms, critical events fsynced at
/// once; a checkpoint every 10,000 events or 60 s; 64 MiB or one-day
/// segments; everything kept. Values are checked by the library
/// (AUDIT_ERR_INVALID_ARGUMENT: an unknown policy, a zero count).
struct Journal {
  std::string dir;

  struct FsyncPolicy {
    Fsync policy = Fsync::Batch;
    std::uint32_t batch_events = 1000;                       ///< With Fsync::Batch (> 0).
    std::chrono::milliseconds batch_interval{50};            ///< With Fsync::Batch.
    bool sync_critical = true;                               ///< Fsync a CRITICAL event at once under any policy.
  };
  struct Epoch {
    std::uint64_t events = 10000;                            ///< A checkpoint after this many events (> 0)...
    std::chrono::milliseconds interval{60000};               ///< ...or this long after the previous one (> 0).
  };
  struct Segments {
    std::uint64_t max_bytes = 64ull << 20;                   ///< A new segment at this size (0: no limit)...
    std::chrono::seconds max_age{86400};                     ///< ...or this age (0: no limit).
  };
  struct Retention {
    std::uint64_t max_bytes = 0;                             ///< Delete the oldest segments while above (0: no limit),
    std::uint64_t max_segments = 0;                          ///< or while more segments than this (0: no limit),
    std::chrono::seconds max_age{0};                         ///< or once they ended longer ago (0: no limit).
  };

  std::optional<FsyncPolicy> fsync;
  std::optional<Epoch> epoch;
  std::optional<Segments> segments;
  std::optional<Retention> retention;

  explicit Journal(std::string directory = {}) : dir(std::move(directory)) {}

  Journal& with_fsync(Fsync policy, std::uint32_t batch_events = 1000,
                      std::chrono::milliseconds batch_interval = std::chrono::milliseconds(50),
                      bool sync_critical = true) {
    fsync = FsyncPolicy{policy, batch_events, batch_interval, sync_critical};
    return *this;
  }
  Journal& with_epoch(std::uint64_t events, std::chrono::milliseconds interval = std::chrono::milliseconds(60000)) {
    epoch = Epoch{events, interval};
    return *this;
  }
  Journal& with_segments(std::uint64_t max_bytes, std::chrono::seconds max_age = std::chrono::seconds(86400)) {
    segments = Segments{max_bytes, max_age};
    return *this;
  }
  Journal& with_retention(std::uint64_t max_bytes, std::uint64_t max_segments = 0,
                          std::chrono::seconds max_age = std::chrono::seconds(0)) {
    retention = Retention{max_bytes, max_segments, max_age};
    return *this;
  }
};

/// A journal's counters (Logger::journal_stats).
struct JournalStats {
  std::uint64_t written_seq = 0;              ///< The newest seq handed to the operating system.
  std::uint64_t durable_seq = 0;              ///< The newest seq known to be on disk (fsynced).
  std::uint64_t checkpoints = 0;              ///< Checkpoints sealed since the logger was made.
  std::uint64_t epoch = 0;                    ///< The current epoch (the key that signs the next checkpoint).
  std::uint64_t recovered_bytes_dropped = 0;  ///< Bytes cut off as a torn tail when the journal was opened.
  bool failing = false;                       ///< The journal cannot write now (log() then throws IoError).
  std::uint64_t fsyncs = 0;  ///< fdatasync calls since the journal was opened (under Fsync::Always concurrent log() calls share one).
};

/// The verdict of verify_journal() (AUDIT_VERIFY_*).
enum class Verdict : std::uint32_t {
  Valid = AUDIT_VERIFY_VALID,                ///< Every event is sealed and verifies.
  UnsealedTail = AUDIT_VERIFY_UNSEALED_TAIL, ///< Events (or torn bytes) follow the last checkpoint.
  Tampered = AUDIT_VERIFY_TAMPERED,          ///< Tampering or damage was found (see the report's findings).
};

/// "valid", "unsealed-tail" or "tampered", as in the report.
inline std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Valid: return "valid";
    case Verdict::UnsealedTail: return "unsealed-tail";
    case Verdict::Tampered: return "tampered";
  }
  return "unknown";
}

/// What verify_journal() found: the verdict, and the library's JSON report
/// (`{"verdict", "log_id", "segments", "events_verified", "events_unsealed",
/// "checkpoints", "epochs", "findings": [{"class", "seq", "last_seq",
/// "epoch", "segment", "offset", "detail"}]}`) as text, for the JSON library
/// of your choice (this header depends on none).
struct JournalVerification {
  Verdict verdict = Verdict::Valid;
  std::string report_json;
};

/// Verifies the journal in `dir` against the trust anchor `anchor` (the path
/// of an anchor.pub file kept out of band, or the base64 public key).
/// Tampering is a verdict, not an exception; throws Error
/// (AUDIT_ERR_INVALID_ARGUMENT: an unusable anchor) or IoError (not a
/// readable journal). It takes no lock: a live logger may keep writing.
inline JournalVerification verify_journal(std::string_view dir, std::string_view anchor) {
  const std::string d = detail::c_string(dir, "dir");
  const std::string a = detail::c_string(anchor, "anchor");
  std::uint32_t verdict = 0;
  char* report = nullptr;
  detail::check_path(audit_journal_verify(d.c_str(), a.c_str(), &verdict, &report), dir);
  JournalVerification out;
  out.verdict = static_cast<Verdict>(verdict);
  out.report_json = detail::take_string(report);
  return out;
}

/// Writes to `path` (atomically) a proof bundle of the sealed events of the
/// journal in `dir` that `filter` selects (the default: every event): the
/// signed checkpoint chain and each event with its inclusion proof, which
/// verify_export() (or anyone holding the trust anchor) checks offline,
/// without the journal. Returns how many selected events were left out
/// because no checkpoint seals them yet. Throws Error
/// (AUDIT_ERR_INVALID_ARGUMENT: nothing sealed yet, or retention deleted the
/// first segments) or IoError (not a readable journal, `path` not writable).
inline std::uint64_t export_journal_proofs(std::string_view dir, const Filter& filter, std::string_view path) {
  const std::string d = detail::c_string(dir, "dir");
  const std::string p = detail::c_string(path, "path");
  auto f = detail::make_filter(filter);
  std::uint64_t skipped = 0;
  detail::check_path(audit_journal_export_proofs(d.c_str(), f.get(), p.c_str(), nullptr, &skipped), dir);
  return skipped;
}

/// Verifies the proof bundle at `path` (from export_journal_proofs() or
/// `audit-logger export --proofs`) against the trust anchor alone, as
/// verify_journal() does a journal (the report has no "log_id" or
/// "segments"). Throws Error (AUDIT_ERR_INVALID_ARGUMENT: an unusable anchor,
/// a file that is not a proof bundle) or IoError (unreadable).
inline JournalVerification verify_export(std::string_view path, std::string_view anchor) {
  const std::string p = detail::c_string(path, "path");
  const std::string a = detail::c_string(anchor, "anchor");
  std::uint32_t verdict = 0;
  char* report = nullptr;
  detail::check_path(audit_export_verify(p.c_str(), a.c_str(), &verdict, &report), path);
  JournalVerification out;
  out.verdict = static_cast<Verdict>(verdict);
  out.report_json = detail::take_string(report);
  return out;
}

/// Logger settings; a field left unset keeps the library's default (capacity
/// 5000, 8 KiB per string field, 64 KiB and 32 levels of details, 1 GiB in all;
/// no journal). Values are checked when the Logger is made (AUDIT_ERR_INVALID_CAPACITY).
struct Config {
  std::optional<std::size_t> capacity;
  std::optional<std::size_t> max_field_bytes;
  std::optional<std::size_t> max_details_bytes;
  std::optional<std::size_t> max_details_depth;
  std::optional<std::size_t> max_total_bytes;
  /// The most bytes of a document import_json()/import_json_file() accept (default 1 GiB).
  std::optional<std::size_t> max_document_bytes;
  /// A durable, sealed journal (see Journal).
  std::optional<Journal> journal;

  Config& with_journal(Journal j) { journal = std::move(j); return *this; }
};

/// What a full queue of a queued subscription does with a new event.
enum class Overflow : std::uint32_t {
  DropOldest = AUDIT_OVERFLOW_DROP_OLDEST,  ///< Discard the oldest queued event; producers never wait.
  DropNewest = AUDIT_OVERFLOW_DROP_NEWEST,  ///< Discard the new event; producers never wait.
  Block = AUDIT_OVERFLOW_BLOCK,             ///< Wait up to block_timeout for room, then discard the new event.
};

/// A queued subscription's queue (Logger::subscribe_queued).
struct Queue {
  std::size_t capacity = 1024;                      ///< Most events waiting (> 0).
  Overflow overflow = Overflow::DropOldest;
  std::chrono::milliseconds block_timeout{0};       ///< With Overflow::Block: how long a producer waits.
};

/// A subscription's counters.
struct SubscriptionStats {
  std::uint64_t delivered = 0;  ///< Events handed to the subscriber.
  std::uint64_t failed = 0;     ///< Of those, calls that threw.
  std::uint64_t dropped = 0;    ///< Events never handed to it (by a queue's overflow policy; 0 if synchronous).

  bool operator==(const SubscriptionStats& o) const noexcept {
    return delivered == o.delivered && failed == o.failed && dropped == o.dropped;
  }
  bool operator!=(const SubscriptionStats& o) const noexcept { return !(*this == o); }
};

// ---------------------------------------------------------------------------
// Subscription

/// Owns one subscription: destroying it (or unsubscribe()) ends it. Move-only.
/// It may outlive its Logger (the subscription ended with the logger).
class Subscription {
 public:
  Subscription() = default;
  Subscription(Subscription&& other) noexcept
      : logger_(std::move(other.logger_)), id_(other.id_.exchange(0)) {}
  Subscription& operator=(Subscription&& other) noexcept {
    if (this != &other) {
      unsubscribe();
      logger_ = std::move(other.logger_);
      id_.store(other.id_.exchange(0));
    }
    return *this;
  }
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { unsubscribe(); }

  /// Ends the subscription: no call of the subscriber starts after this returns.
  /// Returns whether it was still active (false after a first unsubscribe, or
  /// when the logger is gone). Callable from inside the subscriber itself.
  bool unsubscribe() noexcept {
    std::uint64_t id = id_.exchange(0);
    if (id == 0) return false;
    auto logger = logger_.lock();
    return logger && audit_unsubscribe(logger.get(), id) == AUDIT_OK;
  }

  /// Ends the subscription like unsubscribe() and returns its final counters
  /// (events still queued counted as dropped; a call in progress is counted
  /// by the library only when it returns), or std::nullopt if it had already
  /// ended or the logger is gone.
  std::optional<SubscriptionStats> unsubscribe_with_stats() {
    std::uint64_t id = id_.exchange(0);
    if (id == 0) return std::nullopt;
    auto logger = logger_.lock();
    if (!logger) return std::nullopt;
    AuditSubscriptionStats raw{};
    raw.struct_size = sizeof raw;
    AuditStatus status = audit_unsubscribe_with_stats(logger.get(), id, &raw);
    if (status == AUDIT_ERR_NOT_FOUND) return std::nullopt;
    detail::check(status);
    return SubscriptionStats{raw.delivered, raw.failed, raw.dropped};
  }

  /// The library's id of this subscription, 0 once it is ended through this object.
  std::uint64_t id() const noexcept { return id_.load(); }

  /// The counters so far. Throws Error (AUDIT_ERR_NOT_FOUND) once it has ended.
  SubscriptionStats stats() const {
    auto logger = logger_.lock();
    std::uint64_t id = id_.load();
    if (!logger || id == 0) throw Error(AUDIT_ERR_NOT_FOUND, "the subscription has ended");
    const auto raw = detail::read_sized<AuditSubscriptionStats>(
        [&](AuditSubscriptionStats* out) { return audit_subscription_stats(logger.get(), id, out); });
    return {raw.delivered, raw.failed, raw.dropped};
  }

 private:
  friend class Logger;
  Subscription(std::weak_ptr<AuditLogger> logger, std::uint64_t id) : logger_(std::move(logger)), id_(id) {}

  std::weak_ptr<AuditLogger> logger_;
  std::atomic<std::uint64_t> id_{0};
};

// ---------------------------------------------------------------------------
// Forwarders

/// The payload of Kafka and JSON Lines forwarders (AUDIT_FORMAT_*).
enum class Format : std::uint32_t {
  Canonical = AUDIT_FORMAT_CANONICAL,  ///< The canonical JSON line of the journal and exports.
  JsonLine = AUDIT_FORMAT_JSON_LINE,   ///< The canonical line with "log_id" as its last member.
  Ocsf = AUDIT_FORMAT_OCSF,            ///< An OCSF API Activity (class 6003) event.
};

/// TLS for a syslog forwarder: an empty CA file means the system's trust
/// store, an empty server name the host of the address; the client
/// certificate and key (PEM files) go together.
struct Tls {
  std::string ca_file;
  std::string server_name;
  std::string client_cert;
  std::string client_key;
};

/// Where a forwarder sends events and how (Logger::add_forwarder). Make one
/// with syslog(), otlp(), kafka() or jsonl(); unset options keep the
/// library's defaults (a backlog of 10,000 dropping the oldest, retries from
/// 100 ms up to 30 s, 5 s to flush when the logger is destroyed).
struct ForwarderConfig {
  enum class Target { Syslog, Otlp, Kafka, Jsonl };
  struct Backlog {
    std::size_t capacity;
    Overflow overflow;
    std::chrono::milliseconds block_timeout;
  };
  struct Retry {
    std::chrono::milliseconds initial;
    std::chrono::milliseconds max;
  };

  Target target = Target::Jsonl;
  std::string address;  ///< syslog host:port, OTLP endpoint, Kafka brokers or the file's path
  std::string topic;    ///< Kafka only
  std::optional<Tls> tls;
  std::optional<Format> format;
  std::optional<Backlog> backlog;
  std::optional<Retry> retry;
  std::optional<std::chrono::milliseconds> close_timeout;
  std::vector<std::pair<std::string, std::string>> properties;  ///< OTLP headers or Kafka properties

  /// RFC 5424 syslog to `address` (host:port) over TCP, or TLS with with_tls().
  static ForwarderConfig syslog(std::string address) { return make(Target::Syslog, std::move(address)); }
  /// OTLP/HTTP logs to `endpoint`, e.g. http://127.0.0.1:4318/v1/logs.
  static ForwarderConfig otlp(std::string endpoint) { return make(Target::Otlp, std::move(endpoint)); }
  /// The Kafka topic `topic` through `brokers` (host:port,...).
  static ForwarderConfig kafka(std::string brokers, std::string topic) {
    ForwarderConfig c = make(Target::Kafka, std::move(brokers));
    c.topic = std::move(topic);
    return c;
  }
  /// One event per line appended to the file `path`.
  static ForwarderConfig jsonl(std::string path) { return make(Target::Jsonl, std::move(path)); }

  ForwarderConfig& with_tls(Tls t) { tls = std::move(t); return *this; }
  ForwarderConfig& with_format(Format f) { format = f; return *this; }
  ForwarderConfig& with_backlog(std::size_t capacity, Overflow overflow = Overflow::DropOldest,
                                std::chrono::milliseconds block_timeout = std::chrono::milliseconds(0)) {
    backlog = Backlog{capacity, overflow, block_timeout};
    return *this;
  }
  ForwarderConfig& with_retry(std::chrono::milliseconds initial, std::chrono::milliseconds max) {
    retry = Retry{initial, max};
    return *this;
  }
  ForwarderConfig& with_close_timeout(std::chrono::milliseconds t) { close_timeout = t; return *this; }
  ForwarderConfig& with_property(std::string key, std::string value) {
    properties.emplace_back(std::move(key), std::move(value));
    return *this;
  }

 private:
  static ForwarderConfig make(Target t, std::string address) {
    ForwarderConfig c;
    c.target = t;
    c.address = std::move(address);
    return c;
  }
};

/// A forwarder's counters and state (Logger::forwarder_stats).
struct ForwarderStats {
  std::uint64_t offered = 0;         ///< Events handed to it.
  std::uint64_t delivered = 0;       ///< Events the target acknowledged, each once.
  std::uint64_t resent = 0;          ///< Events sent again after a lost connection.
  std::uint64_t retries = 0;         ///< Failed attempts, each followed by a backoff.
  std::uint64_t dropped = 0;         ///< Events discarded by the overflow policy.
  std::uint64_t rejected = 0;        ///< Events the target refused for good.
  std::uint64_t lag_events = 0;      ///< Events not yet acknowledged.
  double lag_seconds = 0;            ///< Age of the oldest event not yet acknowledged.
  std::uint64_t backlog = 0;         ///< Events waiting now.
  std::uint64_t in_flight = 0;       ///< Events sent and not yet acknowledged now.
  bool connected = false;            ///< Whether it holds a working connection.
  std::uint64_t last_acked_seq = 0;  ///< The seq of the last acknowledged event, 0 if none.
  std::optional<std::string> last_error;  ///< The last failure, for people.
};

/// What closing a forwarder achieved (Logger::close_forwarder).
struct ForwarderReport {
  std::uint64_t delivered = 0;       ///< Events acknowledged over its life.
  std::uint64_t left = 0;            ///< Events not acknowledged when it stopped.
  bool timed_out = false;            ///< Whether the timeout ended the flush.
  std::uint64_t dropped = 0;         ///< Events discarded by the overflow policy.
  std::uint64_t last_acked_seq = 0;  ///< The seq of the last acknowledged event, 0 if none.
};

// ---------------------------------------------------------------------------
// Logger

/// An in-memory audit log keeping the newest `capacity` events. RAII and
/// move-only; every member is thread-safe except moving, assigning and destroying.
class Logger {
 public:
  using Subscriber = std::function<void(const Event&)>;

  /// Keeps the newest `capacity` events (> 0), other settings at their defaults.
  explicit Logger(std::size_t capacity = 5000) {
    AuditLogger* raw = nullptr;
    detail::check(audit_logger_new(capacity, &raw));
    adopt(raw);
  }

  explicit Logger(const Config& config) {
    std::unique_ptr<AuditConfig, detail::ConfigFree> c(audit_config_new());
    if (!c) throw Error::last(AUDIT_ERR_PANIC);
    auto set = [&](AuditStatus (*setter)(AuditConfig*, std::size_t), const std::optional<std::size_t>& v) {
      if (v) detail::set(c, setter, *v);
    };
    set(audit_config_set_capacity, config.capacity);
    set(audit_config_set_max_field_bytes, config.max_field_bytes);
    set(audit_config_set_max_details_bytes, config.max_details_bytes);
    set(audit_config_set_max_details_depth, config.max_details_depth);
    set(audit_config_set_max_total_bytes, config.max_total_bytes);
    set(audit_config_set_max_document_bytes, config.max_document_bytes);
    std::string_view journal_dir;
    if (config.journal) {
      const Journal& j = *config.journal;
      journal_dir = j.dir;
      const std::string dir = detail::c_string(j.dir, "journal dir");
      detail::set(c, audit_config_set_journal, dir.c_str());
      if (j.fsync) {
        detail::set(c, audit_config_set_journal_fsync, static_cast<std::uint32_t>(j.fsync->policy),
                    j.fsync->batch_events, millis(j.fsync->batch_interval), j.fsync->sync_critical ? 1 : 0);
      }
      if (j.epoch) detail::set(c, audit_config_set_journal_epoch, j.epoch->events, millis(j.epoch->interval));
      if (const auto& g = j.segments) detail::set(c, audit_config_set_journal_segments, g->max_bytes, secs(g->max_age));
      if (j.retention) {
        detail::set(c, audit_config_set_journal_retention, j.retention->max_bytes, j.retention->max_segments,
                    secs(j.retention->max_age));
      }
    }
    AuditLogger* raw = nullptr;
    detail::check_path(audit_logger_new_with_config(c.get(), &raw), journal_dir);
    adopt(raw);
  }

  Logger(Logger&&) noexcept = default;
  Logger& operator=(Logger&&) noexcept = default;
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;
  ~Logger() = default;  // audit_logger_free; every subscription ends

  /// Records an event and returns its sequence number. Subscribers have run
  /// (on this thread) when it returns.
  std::uint64_t log(const Entry& entry) {
    const std::string actor = detail::c_string(entry.actor, "actor");
    const std::string action = detail::c_string(entry.action, "action");
    const std::string resource = detail::c_string(entry.resource, "resource");
    const std::string outcome = detail::c_string(entry.outcome, "outcome");
    std::optional<std::string> details;
    if (entry.details) details = detail::c_string(*entry.details, "details");
    std::uint64_t seq = 0;
    detail::check(audit_log(handle(), actor.c_str(), action.c_str(), resource.c_str(), outcome.c_str(),
                            static_cast<std::uint32_t>(entry.severity), details ? details->c_str() : nullptr,
                            &seq));
    return seq;
  }

  /// Records `count` entries in one call and returns the sequence number of
  /// the first (0 for none): consecutive sequence numbers in order, one
  /// timestamp, no other event between them. All or nothing: one bad entry
  /// throws the Error log() would throw for it, its message starting with
  /// "event <index>: ", and none is recorded.
  std::uint64_t log_batch(const Entry* entries, std::size_t count) {
    std::vector<std::string> text;  // reserved up front: the c_str()s stay put
    text.reserve(count * 5);
    std::vector<AuditNewEvent> events(count);
    for (std::size_t i = 0; i < count; ++i) {
      const Entry& e = entries[i];
      try {
        const auto add = [&text](std::string_view value, const char* what) {
          return text.emplace_back(detail::c_string(value, what)).c_str();
        };
        events[i].actor = add(e.actor, "actor");
        events[i].action = add(e.action, "action");
        events[i].resource = add(e.resource, "resource");
        events[i].outcome = add(e.outcome, "outcome");
        events[i].severity = static_cast<std::uint32_t>(e.severity);
        events[i].details_json = e.details ? add(*e.details, "details") : nullptr;
      } catch (const Error& err) {
        throw Error(err.status(), "event " + std::to_string(i) + ": " + err.what());
      }
    }
    std::uint64_t first = 0;
    detail::check(audit_log_batch(handle(), events.data(), count, &first));
    return first;
  }

  /// log_batch() over a vector.
  std::uint64_t log_batch(const std::vector<Entry>& entries) { return log_batch(entries.data(), entries.size()); }

  /// The events matching `filter`, oldest first (a snapshot).
  std::vector<Event> query(const Filter& filter = {}) const {
    auto f = detail::make_filter(filter);
    AuditEventList* list = nullptr;
    detail::check(audit_query(handle(), f.get(), &list));
    return events(list);
  }

  /// Like query(), as a JSON document in the export format.
  std::string query_json(const Filter& filter = {}) const {
    auto f = detail::make_filter(filter);
    char* json = nullptr;
    detail::check(audit_query_json(handle(), f.get(), &json));
    return detail::take_string(json);
  }

  /// The newest `n` events, oldest first (none for n = 0).
  std::vector<Event> recent(std::size_t n) const {
    AuditEventList* list = nullptr;
    detail::check(audit_recent(handle(), n, &list));
    return events(list);
  }

  /// The event with sequence number `seq`, or std::nullopt if it was evicted
  /// or not yet logged.
  std::optional<Event> get(std::uint64_t seq) const {
    AuditEventList* raw = nullptr;
    AuditStatus status = audit_get(handle(), seq, &raw);
    if (status == AUDIT_ERR_NOT_FOUND) return std::nullopt;
    detail::check(status);
    std::unique_ptr<AuditEventList, detail::ListFree> list(raw);
    return Event::from(audit_event_list_get(list.get(), 0));
  }

  /// Every stored event as a pretty-printed JSON document, which it returns.
  /// With a `path`, also writes the document there atomically (the previous
  /// file stays intact on failure; AUDIT_ERR_IO names the path).
  std::string export_json(std::string_view path = {}) const {
    std::optional<std::string> file;
    if (!path.empty()) file = detail::c_string(path, "path");
    char* json = nullptr;
    detail::check_path(audit_export_json(handle(), file ? file->c_str() : nullptr, &json), path);
    return detail::take_string(json);
  }

  /// Appends the events of an exported document (all or nothing); they keep
  /// their timestamps, get new seqs and are not passed to subscribers.
  /// Returns how many were imported.
  std::size_t import_json(std::string_view json) {
    std::size_t n = 0;
    detail::check(audit_import_json(handle(), detail::c_string(json, "json").c_str(), &n));
    return n;
  }

  /// Like import_json(), reading the document from the file at `path`.
  std::size_t import_json_file(std::string_view path) {
    std::size_t n = 0;
    detail::check_path(audit_import_json_file(handle(), detail::c_string(path, "path").c_str(), &n), path);
    return n;
  }

  std::uint64_t count() const { return counter(audit_logger_count); }        ///< Events held now.
  std::uint64_t capacity() const { return counter(audit_logger_capacity); }  ///< Most events held.
  std::uint64_t evicted() const { return counter(audit_logger_evicted); }    ///< Events evicted so far.
  std::uint64_t appended() const { return counter(audit_logger_appended); }  ///< Ever stored: count + evicted.

  /// Attaches a forwarder named `name` (1 to 64 of A-Z a-z 0-9 - _ .) and
  /// returns its index (from 0). Without a journal it forwards what is logged
  /// from now on; with one, everything the journal holds after its cursor
  /// (kept beside the journal, resumed after a restart).
  std::uint32_t add_forwarder(std::string_view name, const ForwarderConfig& config) {
    using T = ForwarderConfig::Target;
    const std::string address = detail::c_string(config.address, "address");
    AuditForwarderConfig* raw = nullptr;
    switch (config.target) {
      case T::Syslog: detail::check(audit_forwarder_config_new_syslog(address.c_str(), &raw)); break;
      case T::Otlp: detail::check(audit_forwarder_config_new_otlp(address.c_str(), &raw)); break;
      case T::Kafka:
        detail::check(audit_forwarder_config_new_kafka(
            address.c_str(), detail::c_string(config.topic, "topic").c_str(), &raw));
        break;
      case T::Jsonl: detail::check(audit_forwarder_config_new_jsonl(address.c_str(), &raw)); break;
    }
    std::unique_ptr<AuditForwarderConfig, detail::ForwarderConfigFree> c(raw);
    if (config.tls) {
      const Tls& t = *config.tls;
      const std::string ca = detail::c_string(t.ca_file, "ca_file");
      const std::string sn = detail::c_string(t.server_name, "server_name");
      const std::string cert = detail::c_string(t.client_cert, "client_cert");
      const std::string key = detail::c_string(t.client_key, "client_key");
      auto opt = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
      detail::set(c, audit_forwarder_config_set_tls, opt(ca), opt(sn), opt(cert), opt(key));
    }
    if (config.format) detail::set(c, audit_forwarder_config_set_format, static_cast<std::uint32_t>(*config.format));
    if (const auto& b = config.backlog) {
      detail::set(c, audit_forwarder_config_set_backlog, b->capacity, static_cast<std::uint32_t>(b->overflow),
                  millis(b->block_timeout));
    }
    if (const auto& r = config.retry) {
      detail::set(c, audit_forwarder_config_set_retry, millis(r->initial), millis(r->max));
    }
    if (config.close_timeout) detail::set(c, audit_forwarder_config_set_close_timeout, millis(*config.close_timeout));
    for (const auto& [k, v] : config.properties) {
      const std::string key = detail::c_string(k, "key"), value = detail::c_string(v, "value");
      detail::set(c, audit_forwarder_config_set_property, key.c_str(), value.c_str());
    }
    std::uint32_t index = 0;
    detail::check(audit_logger_add_forwarder(handle(), detail::c_string(name, "name").c_str(), c.get(), &index));
    return index;
  }

  /// The counters of forwarder `index` (its final ones once closed).
  ForwarderStats forwarder_stats(std::uint32_t index) const {
    const auto raw = detail::read_sized<AuditForwarderStats>(
        [&](AuditForwarderStats* out) { return audit_forwarder_stats(handle(), index, out); });
    char* message = nullptr;
    detail::check(audit_forwarder_last_error(handle(), index, &message));
    ForwarderStats out;
    out.offered = raw.offered;
    out.delivered = raw.delivered;
    out.resent = raw.resent;
    out.retries = raw.retries;
    out.dropped = raw.dropped;
    out.rejected = raw.rejected;
    out.lag_events = raw.lag_events;
    out.lag_seconds = raw.lag_seconds;
    out.backlog = raw.backlog;
    out.in_flight = raw.in_flight;
    out.connected = raw.connected != 0;
    out.last_acked_seq = raw.last_acked_seq;
    if (message) out.last_error = detail::take_string(message);
    return out;
  }

  /// Closes forwarder `index`, delivering what is left for up to `timeout`.
  /// Destroying the logger closes every forwarder with its own close timeout.
  ForwarderReport close_forwarder(std::uint32_t index, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    AuditForwarderReport raw{};
    detail::check(audit_forwarder_close(handle(), index, millis(timeout), &raw));
    ForwarderReport out;
    out.delivered = raw.delivered;
    out.left = raw.left;
    out.timed_out = raw.timed_out != 0;
    out.dropped = raw.dropped;
    out.last_acked_seq = raw.last_acked_seq;
    return out;
  }

  /// The journal's counters; throws Error (AUDIT_ERR_NOT_FOUND) when the logger has no journal.
  JournalStats journal_stats() const {
    const auto raw = detail::read_sized<AuditJournalStats>(
        [&](AuditJournalStats* out) { return audit_journal_stats(handle(), out); });
    JournalStats out;
    out.written_seq = raw.written_seq;
    out.durable_seq = raw.durable_seq;
    out.checkpoints = raw.checkpoints;
    out.epoch = raw.epoch;
    out.recovered_bytes_dropped = raw.recovered_bytes_dropped;
    out.failing = raw.failing != 0;
    out.fsyncs = raw.fsyncs;
    return out;
  }

  /// Calls `subscriber` for every event logged from now on, synchronously on
  /// the thread that logged it, after the event is stored and with no lock
  /// held. It may log to this logger and end its own or other subscriptions
  /// (not destroy the logger); it must be safe to call from every thread
  /// that logs. An exception it throws is caught and counted in
  /// stats().failed. The function is destroyed when the subscription ends, on
  /// the thread that ended it or that ran its last call.
  [[nodiscard]] Subscription subscribe(Subscriber subscriber) {
    if (!subscriber) throw Error(AUDIT_ERR_NULL_ARGUMENT, "subscriber is empty");
    auto ctx = std::make_unique<Subscriber>(std::move(subscriber));
    std::uint64_t id = 0;
    detail::check(audit_subscribe(handle(), &invoke, ctx.get(), &release, &id));
    ctx.release();  // now owned by the library, deleted in release()
    return Subscription(logger_, id);
  }

  /// Like subscribe(), but events reach `subscriber` through a bounded queue,
  /// on a thread the library starts for this subscription, one at a time and
  /// in strictly increasing seq order however many threads log; log() never
  /// waits for it beyond `queue.overflow` (Block: up to queue.block_timeout
  /// for room). Discarded events count in stats().dropped. The subscriber may
  /// log (it never waits for its own queue); flush() from it throws
  /// (AUDIT_ERR_INVALID_ARGUMENT). Ending the subscription, or destroying the
  /// Logger, discards what is still queued: flush() first.
  [[nodiscard]] Subscription subscribe_queued(const Queue& queue, Subscriber subscriber) {
    if (!subscriber) throw Error(AUDIT_ERR_NULL_ARGUMENT, "subscriber is empty");
    auto ms = queue.block_timeout.count();
    if (ms < 0 || ms > 0xFFFFFFFFLL) throw Error(AUDIT_ERR_INVALID_ARGUMENT, "block_timeout is out of range");
    auto ctx = std::make_unique<Subscriber>(std::move(subscriber));
    std::uint64_t id = 0;
    detail::check(audit_subscribe_queued(handle(), &invoke, ctx.get(), &release, queue.capacity,
                                         static_cast<std::uint32_t>(queue.overflow),
                                         static_cast<std::uint32_t>(ms), &id));
    ctx.release();  // now owned by the library, deleted in release()
    return Subscription(logger_, id);
  }

  /// Waits up to `timeout` until every queued subscription has delivered all
  /// it holds and its subscriber is idle; throws Error (AUDIT_ERR_TIMEOUT)
  /// otherwise, and (AUDIT_ERR_INVALID_ARGUMENT) from a queued subscriber.
  void flush(std::chrono::milliseconds timeout) const {
    auto ms = timeout.count();
    if (ms < 0 || ms > 0xFFFFFFFFLL) throw Error(AUDIT_ERR_INVALID_ARGUMENT, "flush timeout is out of range");
    detail::check(audit_flush(handle(), static_cast<std::uint32_t>(ms)));
  }

  /// The C handle, for calling the C API directly; owned by this Logger.
  AuditLogger* native_handle() const noexcept { return logger_.get(); }

 private:
  static std::uint32_t millis(std::chrono::milliseconds d) {
    auto ms = d.count();
    if (ms < 0 || ms > 0xFFFFFFFFLL) throw Error(AUDIT_ERR_INVALID_ARGUMENT, "a duration is out of range (0 to 2^32-1 ms)");
    return static_cast<std::uint32_t>(ms);
  }
  static std::uint64_t secs(std::chrono::seconds d) {
    if (d.count() < 0) throw Error(AUDIT_ERR_INVALID_ARGUMENT, "journal age is negative");
    return static_cast<std::uint64_t>(d.count());
  }

  // Shared so that a Subscription can tell whether its logger still exists.
  std::shared_ptr<AuditLogger> logger_;

  // If allocating the control block throws, reset() has already freed `raw`.
  void adopt(AuditLogger* raw) { logger_.reset(raw, audit_logger_free); }

  AuditLogger* handle() const {
    if (!logger_) throw Error(AUDIT_ERR_NULL_ARGUMENT, "audit::Logger has been moved from");
    return logger_.get();
  }

  std::uint64_t counter(std::uint64_t (*read)(const AuditLogger*)) const { return read(handle()); }

  static std::vector<Event> events(AuditEventList* raw) {
    std::unique_ptr<AuditEventList, detail::ListFree> list(raw);
    std::vector<Event> out;
    const std::size_t n = audit_event_list_len(list.get());
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(Event::from(audit_event_list_get(list.get(), i)));
    return out;
  }

  // The C callback: runs the subscriber; nothing may unwind into the library,
  // so an exception becomes a non-zero return (a counted failure).
  static std::int32_t invoke(void* ctx, const AuditEvent* event) noexcept {
    try {
      (*static_cast<Subscriber*>(ctx))(Event::from(event));
      return 0;
    } catch (...) {
      return 1;
    }
  }

  // The C free_ctx: runs once, when the subscription has ended.
  static void release(void* ctx) noexcept { delete static_cast<Subscriber*>(ctx); }
};

}  // namespace audit

#endif  // AUDIT_LOGGER_HPP
