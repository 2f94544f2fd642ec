//! Kafka forwarding against a real single-node KRaft broker (jars from
//! scripts/servers/kafka.sh), read back with a real consumer: key = log id,
//! value = the canonical line, headers seq and log_id; a broker outage.
#![cfg(feature = "kafka")]

#[path = "forward/harness.rs"]
mod harness;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use audit_logger::core::write_compact;
use audit_logger::forward::{Forwarder, ForwarderConfig, KafkaConfig, LogId, Source, Target};
use harness::{logged_events, Kafka};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Headers;
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

struct Received {
    key: String,
    value: Vec<u8>,
    headers: BTreeMap<String, String>,
}

/// Reads `topic` partition 0 from the start: at least `n` messages, then
/// until nothing more comes for 1 s (duplicates), at most 30 s.
fn consume(kafka: &Kafka, topic: &str, n: usize) -> Vec<Received> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", kafka.bootstrap())
        .set("group.id", format!("test-{}", LogId::random()))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning)
        .unwrap();
    consumer.assign(&tpl).unwrap();
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut quiet_since = Instant::now();
    while Instant::now() < deadline {
        if out.len() >= n && quiet_since.elapsed() > Duration::from_secs(1) {
            break;
        }
        let Some(m) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        quiet_since = Instant::now();
        let m = m.unwrap();
        let headers = m
            .headers()
            .map(|h| {
                h.iter()
                    .map(|h| {
                        (
                            h.key.to_owned(),
                            String::from_utf8(h.value.unwrap_or_default().to_vec()).unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(Received {
            key: String::from_utf8(m.key().unwrap().to_vec()).unwrap(),
            value: m.payload().unwrap_or_default().to_vec(),
            headers,
        });
    }
    out
}

fn config(kafka: &Kafka, topic: &str) -> ForwarderConfig {
    let mut k = KafkaConfig::new(kafka.bootstrap(), topic);
    k.delivery_timeout = Duration::from_secs(10);
    let mut c = ForwarderConfig::new(Target::Kafka(k));
    c.retry.initial = Duration::from_millis(100);
    c.retry.max = Duration::from_secs(1);
    c
}

#[test]
fn kafka_every_event_with_key_value_and_headers_then_an_outage() {
    let dir = tempfile::tempdir().unwrap();
    let Some(mut kafka) = Kafka::start(dir.path()) else {
        return;
    };
    kafka.create_topic("audit", 1);
    let log_id = LogId::random();

    // 1. Every event once, fields intact.
    let (_log, events) = logged_events(500);
    let fwd = Forwarder::start(config(&kafka, "audit"), log_id, Source::Backlog).unwrap();
    for e in &events {
        fwd.offer(e);
    }
    let report = fwd.close(Duration::from_secs(30));
    assert_eq!(report.left, 0, "{report:?}");
    assert_eq!(report.delivered, 500);
    let got = consume(&kafka, "audit", 500);
    assert_eq!(got.len(), 500);
    for (r, e) in got.iter().zip(&events) {
        let mut line = Vec::new();
        write_compact(&mut line, e);
        assert_eq!(r.key, log_id.to_string());
        assert_eq!(r.value, line, "seq {}", e.seq());
        assert_eq!(r.headers["seq"], e.seq().to_string());
        assert_eq!(r.headers["log_id"], log_id.to_string());
    }

    // 2. The broker stopped and restarted mid-stream.
    kafka.create_topic("outage", 1);
    let n = 2000;
    let (_log2, events) = logged_events(n);
    let fwd =
        Arc::new(Forwarder::start(config(&kafka, "outage"), log_id, Source::Backlog).unwrap());
    let producer = {
        let fwd = fwd.clone();
        std::thread::spawn(move || {
            let mut slowest = Duration::ZERO;
            // About 6 s of traffic, longer than the outage.
            for chunk in events.chunks(10) {
                for e in chunk {
                    let t0 = Instant::now();
                    fwd.offer(e);
                    slowest = slowest.max(t0.elapsed());
                }
                std::thread::sleep(Duration::from_millis(30));
            }
            slowest
        })
    };
    std::thread::sleep(Duration::from_millis(800));
    kafka.stop();
    std::thread::sleep(Duration::from_millis(1000));
    let during = fwd.stats();
    kafka.restart();
    let slowest = producer.join().unwrap();
    let fwd = Arc::into_inner(fwd).unwrap();
    let report = fwd.close(Duration::from_secs(60));
    assert!(
        slowest < Duration::from_millis(200),
        "an offer took {slowest:?}"
    );
    assert_eq!(report.left, 0, "{report:?}");
    assert_eq!(report.delivered, n as u64);
    assert_eq!(report.stats.dropped, 0);
    assert!(during.lag_events > 0, "{during:?}");
    let got = consume(&kafka, "outage", n);
    let mut by_seq: BTreeMap<u64, usize> = BTreeMap::new();
    let mut last = 0;
    for r in &got {
        let seq: u64 = r.headers["seq"].parse().unwrap();
        *by_seq.entry(seq).or_default() += 1;
        if by_seq[&seq] == 1 {
            assert!(seq > last, "first copies out of order: {seq} after {last}");
            last = seq;
        }
    }
    let missing: Vec<u64> = (1..=n as u64).filter(|s| !by_seq.contains_key(s)).collect();
    assert!(
        missing.is_empty(),
        "lost {}: {:?}",
        missing.len(),
        &missing[..missing.len().min(20)]
    );
    let duplicates = (got.len() - n) as u64;
    assert!(
        duplicates <= report.stats.resent,
        "{duplicates} duplicates, {report:?}"
    );
    println!("kafka outage: during {during:?}\nreport {report:?}, {duplicates} duplicates");
}

/// A forwarder attached to a journaled logger: the key is the journal's log
/// id, and each message carries the SHA-256 leaf hash (RFC 9162: 0x00 then
/// the canonical line) the seal gave the event.
#[test]
fn kafka_from_a_journal_carries_the_leaf_hash() {
    use audit_logger::core::{Config, NewEvent};
    use audit_logger::journal::{open_logger, Journal, JournalConfig};
    use sha2::{Digest, Sha256};

    let dir = tempfile::tempdir().unwrap();
    let Some(kafka) = Kafka::start(dir.path()) else {
        return;
    };
    kafka.create_topic("sealed", 1);
    let journal = dir.path().join("journal");
    let log = open_logger(Config::with_capacity(100), JournalConfig::new(&journal)).unwrap();
    log.attach_forwarder("kafka", config(&kafka, "sealed"))
        .unwrap();
    for i in 0..50 {
        let details = format!("{{\"i\":{i}}}");
        log.log(&NewEvent {
            actor: "alice",
            action: "doc.read",
            details: Some(&details),
            ..NewEvent::default()
        })
        .unwrap();
    }
    let events = log.recent(50);
    log.close();
    let report = log.forwarder_close_report(0).unwrap();
    assert_eq!((report.delivered, report.left), (50, 0), "{report:?}");
    let log_id = Journal::open_read_only(&journal)
        .unwrap()
        .log_id()
        .to_string();
    let log_id = LogId::parse(&log_id).unwrap();
    let got = consume(&kafka, "sealed", 50);
    assert_eq!(got.len(), 50);
    for (r, e) in got.iter().zip(&events) {
        let mut line = Vec::new();
        write_compact(&mut line, e);
        let mut hasher = Sha256::new();
        hasher.update([0u8]);
        hasher.update(&line);
        let want: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(r.key, log_id.to_string());
        assert_eq!(r.value, line);
        assert_eq!(r.headers["seq"], e.seq().to_string());
        assert_eq!(r.headers["leaf_hash"], want, "seq {}", e.seq());
    }
}
