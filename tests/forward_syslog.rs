//! RFC 5424 syslog forwarding against a real rsyslogd (plain TCP through
//! imptcp, TLS through imtcp + gtls): every event exactly once with every field
//! intact, hostile strings included; outages at least once; TLS verification
//! (the TLS tests need the cargo feature `tls`).

#[path = "forward/harness.rs"]
mod harness;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use audit_logger::core::{write_compact, Event};
use audit_logger::forward::format::{write_rfc5424, SyslogHeader};
use audit_logger::forward::{
    read_cursor, Forwarder, ForwarderConfig, ForwarderStats, LogId, Source, SyslogConfig, Target,
    TlsConfig,
};
use harness::{logged_events, wait_until, LoggerReplay, Rsyslog};

const HOST: &str = "test-host";

fn syslog_config(port: u16, tls: Option<TlsConfig>) -> ForwarderConfig {
    let mut s = SyslogConfig::new(format!("127.0.0.1:{port}"));
    s.tls = tls;
    s.hostname = Some(HOST.into());
    s.settle = Duration::from_millis(200);
    let mut c = ForwarderConfig::new(Target::Syslog(s));
    c.retry.initial = Duration::from_millis(50);
    c.retry.max = Duration::from_millis(500);
    c
}

fn tls(rsyslog: &Rsyslog) -> Option<TlsConfig> {
    Some(TlsConfig {
        ca_file: Some(rsyslog.pki.ca.clone()),
        ..TlsConfig::default()
    })
}

fn header() -> SyslogHeader {
    SyslogHeader {
        facility: 10,
        hostname: HOST.into(),
        app_name: "audit-logger".into(),
        proc_id: std::process::id().to_string(),
        msg_id: "audit".into(),
        sd_id: "audit@32473".into(),
    }
}

/// Waits until rsyslog wrote `n` records or more (at most 20 s) and returns them by seq.
fn received(rsyslog: &Rsyslog, n: usize) -> BTreeMap<u64, Vec<serde_json::Value>> {
    wait_until(Duration::from_secs(20), || rsyslog.records().len() >= n);
    let mut by_seq: BTreeMap<u64, Vec<serde_json::Value>> = BTreeMap::new();
    for r in rsyslog.records() {
        let sd = &r["sd"]["audit@32473"];
        let seq: u64 = sd["seq"]
            .as_str()
            .unwrap_or_else(|| panic!("no seq in {r}"))
            .parse()
            .unwrap();
        by_seq.entry(seq).or_default().push(r);
    }
    by_seq
}

/// Every field of `record` is what `event` says.
fn check_record(record: &serde_json::Value, event: &Event, log_id: &LogId) {
    let mut raw = Vec::new();
    write_rfc5424(&mut raw, &header(), log_id, event);
    assert_eq!(
        record["raw"].as_str().unwrap(),
        String::from_utf8(raw).unwrap(),
        "raw message of seq {}",
        event.seq()
    );
    let sd = &record["sd"]["audit@32473"];
    for (k, v) in [
        ("log_id", log_id.to_string().as_str()),
        ("seq", event.seq().to_string().as_str()),
        ("actor", event.actor()),
        ("action", event.action()),
        ("resource", event.resource()),
        ("outcome", event.outcome()),
        ("severity", event.severity().name()),
    ] {
        assert_eq!(
            sd[k].as_str(),
            Some(v),
            "SD param {k} of seq {}",
            event.seq()
        );
    }
    let mut line = Vec::new();
    write_compact(&mut line, event);
    let msg = record["msg"].as_str().unwrap();
    let msg = msg.strip_prefix('\u{feff}').unwrap_or(msg);
    assert_eq!(
        msg,
        String::from_utf8(line).unwrap(),
        "MSG of seq {}",
        event.seq()
    );
    let pri: u32 = record["pri"].as_str().unwrap().parse().unwrap();
    let sev = match event.severity().name() {
        "INFO" => 6,
        "WARNING" => 4,
        "ERROR" => 3,
        _ => 2,
    };
    assert_eq!(pri, 10 * 8 + sev);
    assert_eq!(record["host"], HOST);
    assert_eq!(record["msgid"], "audit");
    assert_eq!(record["app"], "audit-logger");
    let ts = record["ts"].as_str().unwrap();
    assert_eq!(
        audit_logger::core::parse_micros(ts).unwrap(),
        event.timestamp(),
        "timestamp {ts}"
    );
}

fn exactly_once(use_tls: bool) {
    let dir = tempfile::tempdir().unwrap();
    let Some(rsyslog) = Rsyslog::start(dir.path(), "anon") else {
        return;
    };
    let (port, t) = if use_tls {
        (rsyslog.tls_port, tls(&rsyslog))
    } else {
        (rsyslog.tcp_port, None)
    };
    let log_id = LogId::random();
    let (_log, events) = logged_events(300);
    let fwd = Forwarder::start(syslog_config(port, t), log_id, Source::Backlog).unwrap();
    for e in &events {
        fwd.offer(e);
    }
    let report = fwd.close(Duration::from_secs(20));
    assert_eq!(report.left, 0, "{report:?}");
    assert_eq!(report.delivered, 300, "{report:?}");
    assert_eq!(report.stats.resent, 0);
    let got = received(&rsyslog, 300);
    assert_eq!(got.len(), 300, "rsyslog log: {}", rsyslog.logs());
    for e in &events {
        let records = &got[&e.seq()];
        assert_eq!(
            records.len(),
            1,
            "seq {} arrived {} times",
            e.seq(),
            records.len()
        );
        check_record(&records[0], e, &log_id);
    }
}

#[test]
fn tcp_every_event_exactly_once_with_every_field_intact() {
    exactly_once(false);
}

#[cfg(feature = "tls")]
#[test]
fn tls_every_event_exactly_once_with_every_field_intact() {
    exactly_once(true);
}

#[cfg(feature = "tls")]
#[test]
fn tls_refuses_a_server_the_ca_did_not_sign() {
    let dir = tempfile::tempdir().unwrap();
    let Some(rsyslog) = Rsyslog::start(dir.path(), "anon") else {
        return;
    };
    let other = harness::make_pki(dir.path(), "other");
    let t = Some(TlsConfig {
        ca_file: Some(other.ca),
        ..TlsConfig::default()
    });
    let fwd = Forwarder::start(
        syslog_config(rsyslog.tls_port, t),
        LogId::random(),
        Source::Backlog,
    )
    .unwrap();
    let (_log, events) = logged_events(3);
    for e in &events {
        fwd.offer(e);
    }
    assert!(wait_until(Duration::from_secs(10), || fwd.stats().retries >= 2));
    let stats = fwd.stats();
    assert!(!stats.connected);
    assert_eq!(stats.delivered, 0);
    let error = stats.last_error.unwrap();
    assert!(
        error.contains("certificate") || error.contains("Certificate"),
        "{error}"
    );
    let report = fwd.close(Duration::from_millis(300));
    assert!(report.timed_out);
    assert_eq!(report.left, 3);
    std::thread::sleep(Duration::from_millis(300));
    assert!(rsyslog.records().is_empty());
}

#[cfg(feature = "tls")]
#[test]
fn tls_with_a_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let Some(rsyslog) = Rsyslog::start(dir.path(), "x509/name") else {
        return;
    };
    let (_log, events) = logged_events(20);
    let log_id = LogId::random();
    // Without a client certificate, the server refuses the session.
    let fwd = Forwarder::start(
        syslog_config(rsyslog.tls_port, tls(&rsyslog)),
        log_id,
        Source::Backlog,
    )
    .unwrap();
    fwd.offer(&events[0]);
    let report = fwd.close(Duration::from_secs(2));
    assert!(
        report.stats.retries > 0 || report.left > 0 || report.delivered == 1,
        "{report:?}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        rsyslog.records().is_empty(),
        "accepted without a client certificate"
    );
    // With one, every event arrives.
    let t = Some(TlsConfig {
        ca_file: Some(rsyslog.pki.ca.clone()),
        client_cert: Some((
            rsyslog.pki.client_cert.clone(),
            rsyslog.pki.client_key.clone(),
        )),
        ..TlsConfig::default()
    });
    let fwd =
        Forwarder::start(syslog_config(rsyslog.tls_port, t), log_id, Source::Backlog).unwrap();
    for e in &events {
        fwd.offer(e);
    }
    let report = fwd.close(Duration::from_secs(20));
    assert_eq!(report.left, 0, "{report:?}\n{}", rsyslog.logs());
    let got = received(&rsyslog, 20);
    assert_eq!(got.len(), 20, "{}", rsyslog.logs());
}

/// Sends `n` events at a steady pace while rsyslog is stopped and restarted
/// twice; every event must arrive, duplicates carry their seq and are at most
/// what the forwarder resent.
fn outage(use_tls: bool) {
    let dir = tempfile::tempdir().unwrap();
    let Some(mut rsyslog) = Rsyslog::start(dir.path(), "anon") else {
        return;
    };
    let (port, t) = if use_tls {
        (rsyslog.tls_port, tls(&rsyslog))
    } else {
        (rsyslog.tcp_port, None)
    };
    let n = 3000;
    let log_id = LogId::random();
    let (_log, events) = logged_events(n);
    let fwd = Arc::new(Forwarder::start(syslog_config(port, t), log_id, Source::Backlog).unwrap());
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
    let mut stats_seen: Vec<ForwarderStats> = Vec::new();
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(300));
        rsyslog.stop();
        // While it is down the backlog grows and the forwarder says so.
        assert!(wait_until(Duration::from_secs(5), || !fwd
            .stats()
            .connected
            || fwd.stats().lag_events > 0));
        std::thread::sleep(Duration::from_millis(400));
        stats_seen.push(fwd.stats());
        rsyslog.restart();
    }
    let slowest = producer.join().unwrap();
    let fwd = Arc::into_inner(fwd).unwrap();
    let report = fwd.close(Duration::from_secs(30));
    assert!(
        slowest < Duration::from_millis(100),
        "an offer took {slowest:?}"
    );
    assert_eq!(report.left, 0, "{report:?}");
    assert_eq!(report.delivered, n as u64, "{report:?}");
    assert_eq!(report.stats.dropped, 0);
    assert!(report.stats.retries >= 2, "{report:?}");
    assert!(
        stats_seen.iter().any(|s| s.lag_events > 0),
        "{stats_seen:?}"
    );
    let got = received(&rsyslog, n);
    let missing: Vec<u64> = (1..=n as u64).filter(|s| !got.contains_key(s)).collect();
    assert!(
        missing.is_empty(),
        "lost {} events: {:?}\n{}",
        missing.len(),
        &missing[..missing.len().min(20)],
        rsyslog.logs()
    );
    let total: usize = got.values().map(Vec::len).sum();
    let duplicates = (total - n) as u64;
    assert!(
        duplicates <= report.stats.resent,
        "{duplicates} duplicates but only {} resent",
        report.stats.resent
    );
    // A duplicate is the same event again.
    for records in got.values().filter(|r| r.len() > 1) {
        assert!(records.iter().all(|r| r["raw"] == records[0]["raw"]));
    }
    println!(
        "outage (tls {use_tls}): {n} events, {total} received, {duplicates} duplicates, {} resent, {} retries",
        report.stats.resent, report.stats.retries
    );
}

#[test]
fn tcp_outage_loses_nothing() {
    outage(false);
}

#[cfg(feature = "tls")]
#[test]
fn tls_outage_loses_nothing() {
    outage(true);
}

/// The journal stub as source, a cursor file, and the forwarder stopped and
/// started again: the second one resumes after the cursor.
#[test]
fn replay_resumes_from_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let Some(rsyslog) = Rsyslog::start(dir.path(), "anon") else {
        return;
    };
    let log_id = LogId::random();
    let cursor = dir.path().join("cursor");
    let (log, _events) = logged_events(400);
    let replay = Arc::new(LoggerReplay(log));
    let mut config = syslog_config(rsyslog.tcp_port, None);
    config.cursor_path = Some(cursor.clone());
    config.max_batch = 20;
    let fwd = Forwarder::start(config.clone(), log_id, Source::Replay(replay.clone())).unwrap();
    assert!(wait_until(Duration::from_secs(20), || fwd
        .stats()
        .delivered
        >= 100));
    drop(fwd); // stops at once, as a crash would (minus the last cursor write)
    let first = read_cursor(&cursor, &log_id).unwrap().unwrap();
    assert!(first >= 100, "cursor {first}");
    // What the first forwarder sent beyond its cursor may come twice, no more.
    std::thread::sleep(Duration::from_millis(500));
    let sent_before = rsyslog.records().len() as u64;
    assert!(sent_before >= first);
    let fwd = Forwarder::start(config, log_id, Source::Replay(replay)).unwrap();
    let report = fwd.close(Duration::from_secs(20));
    assert_eq!(report.left, 0, "{report:?}");
    assert_eq!(report.delivered, 400 - first);
    assert_eq!(read_cursor(&cursor, &log_id).unwrap(), Some(400));
    let got = received(&rsyslog, 400);
    assert_eq!(got.len(), 400);
    let twice = got.values().filter(|r| r.len() > 1).count() as u64;
    assert!(twice <= sent_before - first, "{twice} sent twice");
    assert!(got.range(..=first).all(|(_, r)| r.len() == 1));
}
