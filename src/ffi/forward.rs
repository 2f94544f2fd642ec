//! Forwarders through the C ABI: `AuditForwarderConfig`, an opaque builder
//! of one forwarder's settings (its target fixed when it is made), attached
//! to a logger with `audit_logger_add_forwarder`; their stats and close
//! reports.
//!
//! A target left out of the build (the cargo features `tls`, `otlp`,
//! `kafka`) is refused when the configuration is made, with
//! `AUDIT_ERR_INVALID_ARGUMENT` and a message naming the feature; every
//! function exists in every build.

use std::ffi::c_char;
use std::time::Duration;

use super::boundary::status;
use super::status::{AuditStatus, Failure, AUDIT_ERR_INVALID_ARGUMENT, AUDIT_ERR_NOT_FOUND};
use super::strings::{
    arg, arg_mut, opt_out, opt_str_arg, out, owned, path_arg, release_box, sized_out, str_arg,
    SizeTagged,
};
use super::subscribers::overflow_policy;
use crate::core::AuditLogger;
use crate::forward::{
    CloseReport, Format, ForwarderConfig, ForwarderStats, JsonlConfig, KafkaConfig, OtlpConfig,
    SyslogConfig, Target, TlsConfig,
};

/// One forwarder's settings as C sees them (`AuditForwarderConfig`).
#[derive(Clone, Debug)]
pub struct ForwarderSettings(ForwarderConfig);

/// Payload format: the canonical JSON line of the journal and exports.
pub const AUDIT_FORMAT_CANONICAL: u32 = 1;
/// Payload format: the canonical line with `"log_id"` as its last member.
pub const AUDIT_FORMAT_JSON_LINE: u32 = 2;
/// Payload format: an OCSF API Activity (class 6003) event.
pub const AUDIT_FORMAT_OCSF: u32 = 3;

fn unsupported(feature: &str, what: &str) -> Failure {
    Failure::new(
        AUDIT_ERR_INVALID_ARGUMENT,
        format!("this library was built without {what} (cargo feature `{feature}`)"),
    )
}

unsafe fn make(
    out_config: *mut *mut ForwarderSettings,
    target: impl FnOnce() -> Result<Target, Failure>,
) -> AuditStatus {
    status(|| {
        let out_config = out(out_config, "out_config")?;
        let config = ForwarderConfig::new(target()?);
        out_config.set(Box::into_raw(Box::new(ForwarderSettings(config))));
        Ok(())
    })
}

/// A forwarder to an RFC 5424 syslog collector at `address` (`host:port`)
/// over TCP with RFC 6587 octet counting; `audit_forwarder_config_set_tls`
/// makes it TLS (RFC 5425). Facility authpriv (10). The defaults of every
/// forwarder: a backlog of 10,000 events dropping the oldest, retries from
/// 100 ms doubling up to 30 s with jitter, 5 s to flush when the logger is
/// freed. Owned: release with `audit_forwarder_config_free`.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_UTF8`.
///
/// # Safety
/// `address` is NULL or NUL-terminated; `out_config` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_config_new_syslog(
    address: *const c_char,
    out_config: *mut *mut ForwarderSettings,
) -> AuditStatus {
    make(out_config, || {
        let address = str_arg(address, "address")?;
        Ok(Target::Syslog(SyslogConfig::new(address)))
    })
}

/// A forwarder to an OpenTelemetry Collector's OTLP/HTTP logs endpoint, the
/// full URL (for example `http://127.0.0.1:4318/v1/logs`).
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_UTF8`,
/// `AUDIT_ERR_INVALID_ARGUMENT` (a build without the `otlp` feature).
///
/// # Safety
/// `endpoint` is NULL or NUL-terminated; `out_config` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_config_new_otlp(
    endpoint: *const c_char,
    out_config: *mut *mut ForwarderSettings,
) -> AuditStatus {
    make(out_config, || {
        let endpoint = str_arg(endpoint, "endpoint")?;
        if !cfg!(feature = "otlp") {
            return Err(unsupported("otlp", "the OTLP forwarder"));
        }
        Ok(Target::Otlp(OtlpConfig::new(endpoint)))
    })
}

/// A forwarder to the Kafka topic `topic` through `brokers` (a
/// comma-separated `host:port` list): an idempotent producer, `acks=all`,
/// key the log id, headers with the seq and (journal) the leaf hash.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_UTF8`,
/// `AUDIT_ERR_INVALID_ARGUMENT` (a build without the `kafka` feature).
///
/// # Safety
/// `brokers` and `topic` are NULL or NUL-terminated; `out_config` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_config_new_kafka(
    brokers: *const c_char,
    topic: *const c_char,
    out_config: *mut *mut ForwarderSettings,
) -> AuditStatus {
    make(out_config, || {
        let brokers = str_arg(brokers, "brokers")?;
        let topic = str_arg(topic, "topic")?;
        if !cfg!(feature = "kafka") {
            return Err(unsupported("kafka", "the Kafka forwarder"));
        }
        Ok(Target::Kafka(KafkaConfig::new(brokers, topic)))
    })
}

/// A forwarder appending one event per line to the file `path` (made if
/// missing), for log shippers; format `AUDIT_FORMAT_JSON_LINE` unless set.
/// An unwritable path is reported by the stats once the forwarder tries it.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_UTF8`.
///
/// # Safety
/// `path` is NULL or NUL-terminated; `out_config` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_config_new_jsonl(
    path: *const c_char,
    out_config: *mut *mut ForwarderSettings,
) -> AuditStatus {
    make(out_config, || {
        let path = path_arg(path, "path")?;
        Ok(Target::Jsonl(JsonlConfig::new(path)))
    })
}

/// Releases a forwarder configuration. NULL is a no-op.
///
/// # Safety
/// `config` is NULL or from `audit_forwarder_config_new_*` and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_config_free(config: *mut ForwarderSettings) {
    release_box(config)
}

unsafe fn set(
    config: *mut ForwarderSettings,
    set: impl FnOnce(&mut ForwarderConfig) -> Result<(), Failure>,
) -> AuditStatus {
    status(|| set(&mut arg_mut(config, "config")?.0))
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure::new(AUDIT_ERR_INVALID_ARGUMENT, message)
}

/// Makes a syslog forwarder use TLS, verifying the server's certificate
/// against the PEM file `ca_file` (NULL: the system's trust store) for the
/// name `server_name` (NULL: the host of the address); `client_cert` and
/// `client_key` (PEM files, both or neither) authenticate this client.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT` (config), `AUDIT_ERR_INVALID_UTF8`,
/// `AUDIT_ERR_INVALID_ARGUMENT` (not a syslog forwarder, one of the client
/// pair alone, a build without the `tls` feature).
///
/// # Safety
/// `config` is NULL or live and not used by another thread; the strings are
/// NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_config_set_tls(
    config: *mut ForwarderSettings,
    ca_file: *const c_char,
    server_name: *const c_char,
    client_cert: *const c_char,
    client_key: *const c_char,
) -> AuditStatus {
    set(config, |c| {
        let Target::Syslog(s) = &mut c.target else {
            return Err(invalid("TLS applies to syslog forwarders only"));
        };
        let opt_path = |p: *const c_char, name| {
            if p.is_null() {
                Ok(None)
            } else {
                path_arg(p, name).map(|p| Some(p.to_owned()))
            }
        };
        let ca_file = opt_path(ca_file, "ca_file")?;
        let server_name = opt_str_arg(server_name, "server_name")?.map(str::to_owned);
        let client_cert = match (
            opt_path(client_cert, "client_cert")?,
            opt_path(client_key, "client_key")?,
        ) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => return Err(invalid("client_cert and client_key go together")),
        };
        if !cfg!(feature = "tls") {
            return Err(unsupported("tls", "TLS"));
        }
        s.tls = Some(TlsConfig {
            ca_file,
            server_name,
            client_cert,
        });
        Ok(())
    })
}

/// Sets the payload format (`AUDIT_FORMAT_*`) of a Kafka or JSON Lines
/// forwarder; syslog and OTLP have their own layouts.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_ARGUMENT` (an
/// unknown format, a syslog or OTLP forwarder).
///
/// # Safety
/// `config` is NULL or live and not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_config_set_format(
    config: *mut ForwarderSettings,
    format: u32,
) -> AuditStatus {
    set(config, |c| {
        if matches!(c.target, Target::Syslog(_) | Target::Otlp(_)) {
            return Err(invalid(
                "syslog and OTLP forwarders have a fixed layout; the format applies to Kafka and JSON Lines",
            ));
        }
        c.format = Some(match format {
            AUDIT_FORMAT_CANONICAL => Format::Canonical,
            AUDIT_FORMAT_JSON_LINE => Format::JsonLine,
            AUDIT_FORMAT_OCSF => Format::Ocsf,
            other => {
                return Err(invalid(format!(
                    "format {other} is not 1 (canonical), 2 (JSON line) or 3 (OCSF)"
                )))
            }
        });
        Ok(())
    })
}

/// Sets the backlog: at most `capacity` events (> 0) wait for the target,
/// and `overflow` (`AUDIT_OVERFLOW_*`) says what a producer meets when it is
/// full (`block_timeout_ms` is the longest wait of `AUDIT_OVERFLOW_BLOCK`).
/// With a journal, the forwarder reads the journal and producers never wait.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_ARGUMENT` (0, an
/// unknown policy).
///
/// # Safety
/// `config` is NULL or live and not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_config_set_backlog(
    config: *mut ForwarderSettings,
    capacity: usize,
    overflow: u32,
    block_timeout_ms: u32,
) -> AuditStatus {
    set(config, |c| {
        if capacity == 0 {
            return Err(invalid("the backlog capacity must be greater than 0"));
        }
        c.overflow = overflow_policy(overflow, block_timeout_ms)?;
        c.backlog = capacity;
        Ok(())
    })
}

/// Sets the retry policy: the first delay after a failure `initial_ms` (> 0),
/// doubling up to `max_ms` (at least `initial_ms`), each delay up to half
/// random. Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `config` is NULL or live and not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_config_set_retry(
    config: *mut ForwarderSettings,
    initial_ms: u32,
    max_ms: u32,
) -> AuditStatus {
    set(config, |c| {
        if initial_ms == 0 || max_ms < initial_ms {
            return Err(invalid(
                "retry initial_ms must be greater than 0 and max_ms at least initial_ms",
            ));
        }
        c.retry.initial = Duration::from_millis(u64::from(initial_ms));
        c.retry.max = Duration::from_millis(u64::from(max_ms));
        Ok(())
    })
}

/// Sets how long freeing the logger (or `audit_forwarder_close`) keeps
/// delivering what is left; default 5,000 ms.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `config` is NULL or live and not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_config_set_close_timeout(
    config: *mut ForwarderSettings,
    timeout_ms: u32,
) -> AuditStatus {
    set(config, |c| {
        c.close_timeout = Duration::from_millis(u64::from(timeout_ms));
        Ok(())
    })
}

/// Adds a target-specific setting: an HTTP header of an OTLP forwarder
/// (`authorization` ...), a librdkafka property of a Kafka forwarder
/// (`security.protocol` ...), or a setting of a JSON Lines forwarder:
/// `fsync` (`never`, `batch` (the default) or `always`, as the journal's),
/// `fsync_batch_events` (default 1000) and `fsync_batch_interval_ms`
/// (default 50; setting either selects `batch`), `max_bytes` (rotate by
/// rename before the file would grow past it; 0, the default: never) and
/// `keep` (rotated files kept, default 5). Errors: `AUDIT_ERR_NULL_ARGUMENT`,
/// `AUDIT_ERR_INVALID_UTF8`, `AUDIT_ERR_INVALID_ARGUMENT` (a syslog
/// forwarder, an unknown JSON Lines setting or a bad value).
///
/// # Safety
/// `config` is NULL or live and not used by another thread; `key` and
/// `value` are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_config_set_property(
    config: *mut ForwarderSettings,
    key: *const c_char,
    value: *const c_char,
) -> AuditStatus {
    set(config, |c| {
        let pair = (
            str_arg(key, "key")?.to_owned(),
            str_arg(value, "value")?.to_owned(),
        );
        match &mut c.target {
            Target::Otlp(o) => o.headers.push(pair),
            Target::Kafka(k) => k.properties.push(pair),
            Target::Jsonl(j) => j.set_property(&pair.0, &pair.1)?,
            Target::Syslog(_) => return Err(invalid(
                "properties apply to OTLP (headers), Kafka (librdkafka) and JSON Lines forwarders",
            )),
        }
        Ok(())
    })
}

/// Attaches a forwarder named `name` (1 to 64 of `A-Z a-z 0-9 - _ .`,
/// unique in the logger) made from `config` (copied) and writes its index
/// (from 0, in attach order) to `*out_index` (if not NULL).
///
/// Without a journal it forwards the events logged from now on: attach it
/// before logging. With a journal it forwards everything the journal holds
/// after its cursor (`forward-<name>.cursor` in the journal directory):
/// attached again under the same name after a restart, it resumes where the
/// collector last acknowledged (at least once; the de-duplication key, the
/// log id and seq, is in every format). An unreachable target is not an
/// error: `audit_forwarder_stats` shows it. Thread-safe.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_UTF8`,
/// `AUDIT_ERR_INVALID_ARGUMENT` (a bad or taken name, a bad setting),
/// `AUDIT_ERR_IO` (the cursor file cannot be read).
///
/// # Safety
/// `logger` and `config` are NULL or live; `name` is NULL or NUL-terminated;
/// `out_index` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_logger_add_forwarder(
    logger: *const AuditLogger,
    name: *const c_char,
    config: *const ForwarderSettings,
    out_index: *mut u32,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let name = str_arg(name, "name")?;
        let config = arg(config, "config")?.0.clone();
        let index = logger.attach_forwarder(name, config)?;
        if let Some(out_index) = opt_out(out_index) {
            out_index.set(u32::try_from(index).unwrap_or(u32::MAX));
        }
        Ok(())
    })
}

/// A forwarder's counters and state, size-tagged: set `struct_size` to
/// `sizeof(AuditForwarderStats)` before calling; fields added later go at
/// the end and are written only when the caller's struct is large enough.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditForwarderStats {
    /// Size of this struct as the caller compiled it.
    pub struct_size: u64,
    /// Events handed to the forwarder.
    pub offered: u64,
    /// Events the target acknowledged, each counted once.
    pub delivered: u64,
    /// Events sent again after a lost connection (they may arrive twice,
    /// with the same log id and seq).
    pub resent: u64,
    /// Failed attempts, each followed by a backoff.
    pub retries: u64,
    /// Events discarded by the overflow policy (or missing from the journal).
    pub dropped: u64,
    /// Events the target refused for good.
    pub rejected: u64,
    /// Events not yet acknowledged.
    pub lag_events: u64,
    /// Age of the oldest event not yet acknowledged, in seconds.
    pub lag_seconds: f64,
    /// Events waiting in the backlog now.
    pub backlog: u64,
    /// Events sent and not yet acknowledged now.
    pub in_flight: u64,
    /// Non-zero while the forwarder holds a working connection.
    pub connected: u64,
    /// The seq of the last acknowledged event, 0 if none.
    pub last_acked_seq: u64,
    /// Non-zero once something failed: `audit_forwarder_last_error` says what.
    pub has_error: u64,
}

/// Size of the first version of `AuditForwarderStats`.
// SAFETY: #[repr(C)], and `struct_size: u64` comes first.
unsafe impl SizeTagged for AuditForwarderStats {
    const NAME: &'static str = "AuditForwarderStats";
    const V1_SIZE: usize = 112;
}

/// What closing a forwarder achieved.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditForwarderReport {
    /// Events acknowledged over the forwarder's life.
    pub delivered: u64,
    /// Events not acknowledged when it stopped (with a journal, the next
    /// logger attaching it under the same name sends them).
    pub left: u64,
    /// Non-zero if the close timeout ended the flush.
    pub timed_out: u64,
    /// Events discarded by the overflow policy over its life.
    pub dropped: u64,
    /// The seq of the last acknowledged event, 0 if none.
    pub last_acked_seq: u64,
}

fn stats_of(logger: &AuditLogger, index: u32) -> Result<ForwarderStats, Failure> {
    logger
        .forwarder_stats(index as usize)
        .ok_or_else(|| no_forwarder(logger, index))
}

fn no_forwarder(logger: &AuditLogger, index: u32) -> Failure {
    let why = if logger.forwarders().is_forked() {
        ": this process is a fork of the one that owns the logger's forwarders"
    } else {
        ""
    };
    Failure::new(
        AUDIT_ERR_NOT_FOUND,
        format!("the logger has no forwarder {index}{why}"),
    )
}

/// Writes the stats of forwarder `index` into `*out_stats`, whose
/// `struct_size` the caller has set; readable at any time, also after the
/// forwarder closed (then its final stats). Thread-safe.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_ARGUMENT`
/// (struct_size too small), `AUDIT_ERR_NOT_FOUND` (no such forwarder; in a
/// child process forked from the logger's, none: the forwarders stay the
/// parent's).
///
/// # Safety
/// `logger` is NULL or live; `out_stats` is NULL or points to `struct_size` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_stats(
    logger: *const AuditLogger,
    index: u32,
    out_stats: *mut AuditForwarderStats,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let (out_stats, struct_size) = sized_out(out_stats, "out_stats")?;
        let s = stats_of(logger, index)?;
        out_stats.set(AuditForwarderStats {
            struct_size,
            offered: s.offered,
            delivered: s.delivered,
            resent: s.resent,
            retries: s.retries,
            dropped: s.dropped,
            rejected: s.rejected,
            lag_events: s.lag_events,
            lag_seconds: s.lag_seconds,
            backlog: s.backlog as u64,
            in_flight: s.in_flight as u64,
            connected: u64::from(s.connected),
            last_acked_seq: s.last_acked_seq.unwrap_or(0),
            has_error: u64::from(s.last_error.is_some()),
        });
        Ok(())
    })
}

/// Writes the last failure of forwarder `index`, for people, to
/// `*out_message` (owned: free it with `audit_string_free`), or NULL if
/// nothing failed. Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_NOT_FOUND`.
///
/// # Safety
/// `logger` is NULL or live; `out_message` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_last_error(
    logger: *const AuditLogger,
    index: u32,
    out_message: *mut *mut c_char,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let out_message = out(out_message, "out_message")?;
        let error = stats_of(logger, index)?.last_error;
        out_message.set(match error {
            Some(e) => owned(e.replace('\0', "\\0")),
            None => std::ptr::null_mut(),
        });
        Ok(())
    })
}

/// Closes forwarder `index`: hands it what its queue holds, lets it deliver
/// for up to `timeout_ms`, stops it (with a journal its cursor is written)
/// and writes what it achieved to `*out_report` (if not NULL). Closing a
/// closed forwarder reports again. Freeing the logger closes every
/// forwarder still open with its own close timeout. Thread-safe.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_NOT_FOUND`.
///
/// # Safety
/// `logger` is NULL or live; `out_report` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_forwarder_close(
    logger: *const AuditLogger,
    index: u32,
    timeout_ms: u32,
    out_report: *mut AuditForwarderReport,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let timeout = Duration::from_millis(u64::from(timeout_ms));
        let report: CloseReport = logger
            .close_forwarder(index as usize, timeout)
            .ok_or_else(|| no_forwarder(logger, index))?;
        if let Some(out_report) = opt_out(out_report) {
            out_report.set(AuditForwarderReport {
                delivered: report.delivered,
                left: report.left,
                timed_out: u64::from(report.timed_out),
                dropped: report.stats.dropped,
                last_acked_seq: report.last_acked_seq.unwrap_or(0),
            });
        }
        Ok(())
    })
}
