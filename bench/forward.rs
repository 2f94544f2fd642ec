//! Forwarding to Kafka and to OTLP/HTTP over loopback, against the real
//! servers the forwarding tests start (tests/forward/harness.rs: a single-node
//! KRaft broker, an OpenTelemetry Collector writing to a file), measured as
//! `bench_capi forward` measures JSON Lines and syslog: a logger of capacity
//! 5,000 filled with typical events, EVENTS `log` calls without a forwarder,
//! then EVENTS more with one attached (backlog EVENTS, drop-oldest, so none is
//! dropped), then the time until the target acknowledged all of them.
//!
//! ```sh
//! cargo bench --bench forward --features tls,otlp,kafka -- [EVENTS] [kafka] [otlp]
//! ```
//!
//! EVENTS defaults to 200,000, the targets to both. Each target prints one JSON
//! line with the keys of `bench_capi forward` (bench/compare.py reads them);
//! wall-clock times and the producing thread's CPU time, never asserted. It
//! exits non-zero if a server is missing or does not start, or if the
//! forwarder did not deliver every event within 10 minutes.

#[path = "../tests/forward/harness.rs"]
mod harness;
#[path = "typical.rs"]
mod typical;

use std::any::Any;
use std::path::Path;
use std::time::{Duration, Instant};

use audit_logger::core::{AuditLogger, Overflow};
use audit_logger::forward::{ForwarderConfig, KafkaConfig, OtlpConfig, Target};
use harness::{Kafka, Otelcol};
use typical::{log_typical, Typical};

const CAPACITY: u64 = 5_000;
const DELIVERY_LIMIT: Duration = Duration::from_secs(600);

/// The calling thread's CPU time in seconds.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for clock_gettime to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Logs typical events `first..first + count`; returns the wall-clock and the
/// calling thread's CPU seconds it took.
fn log_range(log: &AuditLogger, first: u64, count: u64, buf: &mut Typical) -> (f64, f64) {
    let (c0, t0) = (thread_cpu(), Instant::now());
    for n in first..first + count {
        log_typical(log, n, buf);
    }
    (t0.elapsed().as_secs_f64(), thread_cpu() - c0)
}

/// Starts `target`'s server in `dir`; returns it (it stops when dropped) and
/// a forwarder configuration that reaches it, at the defaults.
fn start_server(target: &str, dir: &Path) -> Result<(Box<dyn Any>, ForwarderConfig), String> {
    let missing = || format!("{target}: the server is not available (see SKIPPED above)");
    let (server, target): (Box<dyn Any>, _) = match target {
        "kafka" => {
            let kafka = Kafka::start(dir).ok_or_else(missing)?;
            kafka.create_topic("audit", 1);
            let config = KafkaConfig::new(kafka.bootstrap(), "audit");
            (Box::new(kafka), Target::Kafka(config))
        }
        "otlp" => {
            let collector = Otelcol::start(dir).ok_or_else(missing)?;
            let config = OtlpConfig::new(collector.endpoint());
            (Box::new(collector), Target::Otlp(config))
        }
        _ => unreachable!("targets are checked in main"),
    };
    Ok((server, ForwarderConfig::new(target)))
}

/// One target's measurement, as a JSON line.
fn measure(target: &str, events: u64) -> Result<String, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("a temporary directory: {e}"))?;
    let started = Instant::now();
    let (_server, mut config) = start_server(target, dir.path())?;
    config.backlog = events as usize;
    config.overflow = Overflow::DropOldest;
    config.close_timeout = Duration::from_secs(60);
    eprintln!(
        "forward: {target} started in {:.1} s; forwarder defaults max_in_flight {}, max_batch {}",
        started.elapsed().as_secs_f64(),
        config.max_in_flight,
        config.max_batch
    );

    let log = AuditLogger::new(CAPACITY as usize).expect("capacity > 0");
    let mut buf = Typical::default();
    log_range(&log, 0, CAPACITY, &mut buf);
    let (plain, plain_cpu) = log_range(&log, CAPACITY, events, &mut buf);

    let t0 = Instant::now();
    log.attach_forwarder(target, config)
        .map_err(|e| format!("{target}: attaching the forwarder: {e}"))?;
    let (with, with_cpu) = log_range(&log, CAPACITY + events, events, &mut buf);
    let mut stats = log.forwarder_stats(0).expect("forwarder 0 is attached");
    while stats.delivered < events
        && stats.dropped == 0
        && stats.rejected == 0
        && t0.elapsed() < DELIVERY_LIMIT
    {
        std::thread::sleep(Duration::from_millis(1));
        stats = log.forwarder_stats(0).expect("forwarder 0 is attached");
    }
    let delivered_s = t0.elapsed().as_secs_f64();
    if stats.delivered != events || stats.dropped != 0 || stats.rejected != 0 {
        return Err(format!(
            "{target}: the forwarder delivered {} of {events} in {delivered_s:.0} s, \
             dropped {}, rejected {}; last error: {:?}",
            stats.delivered, stats.dropped, stats.rejected, stats.last_error
        ));
    }
    drop(log);
    let e = events as f64;
    Ok(format!(
        "{{\"case\":\"forward\",\"target\":\"{target}\",\"events\":{events},\
         \"seconds_without\":{plain:.6},\"seconds_with\":{with:.6},\"producer_ratio\":{:.3},\
         \"producer_cpu_ratio\":{:.3},\"delivered_events_per_s\":{:.1},\
         \"logged_events_per_s\":{:.1}}}",
        with / plain,
        with_cpu / plain_cpu,
        e / delivered_s,
        e / plain
    ))
}

/// A count such as `200000` or `2e5`.
fn count(arg: &str) -> Option<u64> {
    let v: f64 = arg.parse().ok()?;
    (v >= 1.0 && v.fract() == 0.0).then_some(v as u64)
}

fn main() {
    let mut events = 200_000;
    let mut targets = Vec::new();
    // `cargo bench` passes `--bench` (and any option after `--`): ignored.
    for arg in std::env::args().skip(1).filter(|a| !a.starts_with("--")) {
        match (arg.as_str(), count(&arg)) {
            ("kafka" | "otlp", _) => targets.push(arg),
            (_, Some(n)) => events = n,
            _ => {
                eprintln!("usage: forward [EVENTS] [kafka] [otlp]   (default 200000, both)");
                std::process::exit(2);
            }
        }
    }
    if targets.is_empty() {
        targets = vec!["kafka".into(), "otlp".into()];
    }
    let mut failed = false;
    for target in &targets {
        match measure(target, events) {
            Ok(line) => println!("{line}"),
            Err(e) => {
                eprintln!("forward: {e}");
                failed = true;
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
