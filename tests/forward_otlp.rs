//! OTLP/HTTP (protobuf) forwarding against a real OpenTelemetry Collector
//! (built by scripts/servers/otelcol.sh): every record once with its fields,
//! and an outage with the collector stopped and restarted.
#![cfg(feature = "otlp")]

#[path = "forward/harness.rs"]
mod harness;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use audit_logger::core::Event;
use audit_logger::forward::{Forwarder, ForwarderConfig, LogId, OtlpConfig, Source, Target};
use harness::{logged_events, otlp_attributes, wait_until, Otelcol};

fn config(c: &Otelcol) -> ForwarderConfig {
    let mut o = OtlpConfig::new(c.endpoint());
    o.timeout = Duration::from_secs(3);
    let mut config = ForwarderConfig::new(Target::Otlp(o));
    config.max_batch = 100;
    config.retry.initial = Duration::from_millis(50);
    config.retry.max = Duration::from_millis(500);
    config
}

fn by_seq(c: &Otelcol, n: usize) -> BTreeMap<u64, Vec<serde_json::Value>> {
    wait_until(Duration::from_secs(20), || c.records().len() >= n);
    let mut out: BTreeMap<u64, Vec<serde_json::Value>> = BTreeMap::new();
    for r in c.records() {
        let seq: u64 = otlp_attributes(&r)["audit.seq"]["intValue"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        out.entry(seq).or_default().push(r);
    }
    out
}

fn check(r: &serde_json::Value, e: &Event, log_id: &LogId) {
    let seq = e.seq();
    assert_eq!(
        r["timeUnixNano"],
        (e.timestamp() * 1000).to_string(),
        "seq {seq}"
    );
    let sev = match e.severity().name() {
        "INFO" => 9,
        "WARNING" => 13,
        "ERROR" => 17,
        _ => 21,
    };
    assert_eq!(r["severityNumber"], sev, "seq {seq}");
    assert_eq!(r["severityText"], e.severity().name());
    assert_eq!(r["eventName"], e.action(), "seq {seq}");
    assert_eq!(r["body"]["stringValue"], e.details(), "seq {seq}");
    let a = otlp_attributes(r);
    assert_eq!(a["audit.actor"]["stringValue"], e.actor(), "seq {seq}");
    assert_eq!(a["audit.resource"]["stringValue"], e.resource());
    assert_eq!(a["audit.outcome"]["stringValue"], e.outcome());
    assert_eq!(a["audit.log_id"]["stringValue"], log_id.to_string());
    let service = otlp_attributes(&r["resource"]);
    assert_eq!(service["service.name"]["stringValue"], "audit-logger");
    assert_eq!(r["scope"]["name"], "audit_logger");
}

#[test]
fn every_record_arrives_once_with_its_fields() {
    let dir = tempfile::tempdir().unwrap();
    let Some(c) = Otelcol::start(dir.path()) else {
        return;
    };
    let log_id = LogId::random();
    let (_log, events) = logged_events(500);
    let fwd = Forwarder::start(config(&c), log_id, Source::Backlog).unwrap();
    for e in &events {
        fwd.offer(e);
    }
    let report = fwd.close(Duration::from_secs(20));
    assert_eq!(report.left, 0, "{report:?}");
    assert_eq!(report.delivered, 500);
    assert_eq!(report.stats.rejected, 0);
    let got = by_seq(&c, 500);
    assert_eq!(got.len(), 500);
    for e in &events {
        let r = &got[&e.seq()];
        assert_eq!(r.len(), 1, "seq {} {} times", e.seq(), r.len());
        check(&r[0], e, &log_id);
    }
}

#[test]
fn collector_outage_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let Some(mut c) = Otelcol::start(dir.path()) else {
        return;
    };
    let n = 3000;
    let log_id = LogId::random();
    let (_log, events) = logged_events(n);
    let fwd = Arc::new(Forwarder::start(config(&c), log_id, Source::Backlog).unwrap());
    let producer = {
        let fwd = fwd.clone();
        std::thread::spawn(move || {
            let mut slowest = Duration::ZERO;
            // About 4 s of steady traffic, longer than the two outages.
            for chunk in events.chunks(10) {
                for e in chunk {
                    let t0 = Instant::now();
                    fwd.offer(e);
                    slowest = slowest.max(t0.elapsed());
                }
                std::thread::sleep(Duration::from_millis(13));
            }
            slowest
        })
    };
    let mut during = Vec::new();
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(300));
        c.stop();
        std::thread::sleep(Duration::from_millis(500));
        during.push(fwd.stats());
        c.restart();
    }
    let slowest = producer.join().unwrap();
    let fwd = Arc::into_inner(fwd).unwrap();
    let report = fwd.close(Duration::from_secs(30));
    assert!(
        slowest < Duration::from_millis(200),
        "an offer took {slowest:?}"
    );
    assert_eq!(report.left, 0, "{report:?}");
    assert_eq!(report.delivered, n as u64);
    assert_eq!(report.stats.dropped, 0);
    assert!(report.stats.retries >= 2, "{report:?}");
    assert!(
        during.iter().all(|s| !s.connected && s.lag_events > 0),
        "{during:?}"
    );
    let got = by_seq(&c, n);
    let missing: Vec<u64> = (1..=n as u64).filter(|s| !got.contains_key(s)).collect();
    assert!(
        missing.is_empty(),
        "lost {}: {:?}",
        missing.len(),
        &missing[..missing.len().min(20)]
    );
    let total: usize = got.values().map(Vec::len).sum();
    let duplicates = (total - n) as u64;
    assert!(
        duplicates <= report.stats.resent,
        "{duplicates} duplicates, {} resent",
        report.stats.resent
    );
    println!("otlp outage: {n} events, {total} received, {duplicates} duplicates, {report:?}");
}
