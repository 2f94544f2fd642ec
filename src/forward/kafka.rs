//! Kafka, through librdkafka (`rdkafka`): an idempotent producer with
//! `acks=all`; key = the log id (so one log stays in one partition, in order),
//! value = the event in the chosen format (the canonical line by default),
//! headers `seq`, `log_id` and, when sealed, `leaf_hash` (hex).
//!
//! An event counts as delivered when librdkafka reports it delivered. If it
//! reports a failure (after `delivery_timeout`), the forwarder purges what is
//! still queued and sends everything unacknowledged again.

use std::sync::Arc;
use std::time::Duration;

use crate::core::sync::Mutex;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext, PurgeConfig};
use rdkafka::{ClientContext, Message};

use super::config::KafkaConfig;
use super::format::Format;
use super::logid::LogId;
use super::sink::Sink;
use super::source::Item;
use crate::core::{Error, ErrorKind, Result};

/// Delivery reports: (generation, index since connect, error).
type Reports = Arc<Mutex<Vec<(u64, usize, Option<String>)>>>;

struct Context {
    reports: Reports,
}

impl ClientContext for Context {}

impl ProducerContext for Context {
    type DeliveryOpaque = Box<(u64, usize)>;

    fn delivery(
        &self,
        result: &rdkafka::message::DeliveryResult<'_>,
        opaque: Self::DeliveryOpaque,
    ) {
        let error = match result {
            Ok(_) => None,
            Err((e, m)) => Some(format!("Kafka delivery to {} failed: {e}", m.topic())),
        };
        self.reports.lock().push((opaque.0, opaque.1, error));
    }
}

pub(crate) struct KafkaSink {
    config: KafkaConfig,
    format: Format,
    log_id: LogId,
    key: String,
    producer: Option<BaseProducer<Context>>,
    reports: Reports,
    generation: u64,
    /// Per item sent since connect: acknowledged yet?
    done: Vec<bool>,
    acked: usize,
    value: Vec<u8>,
}

const FIXED: [&str; 2] = ["enable.idempotence", "acks"];

impl KafkaSink {
    pub(crate) fn new(config: &KafkaConfig, format: Format, log_id: LogId) -> Result<KafkaSink> {
        if let Some((k, _)) = config
            .properties
            .iter()
            .find(|(k, _)| FIXED.contains(&k.as_str()))
        {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("Kafka property {k} is fixed by the forwarder (idempotent, acks=all)"),
            ));
        }
        Ok(KafkaSink {
            config: config.clone(),
            format,
            log_id,
            key: log_id.to_string(),
            producer: None,
            reports: Arc::new(Mutex::new(Vec::new())),
            generation: 0,
            done: Vec::new(),
            acked: 0,
            value: Vec::new(),
        })
    }

    fn create(&self) -> std::result::Result<BaseProducer<Context>, String> {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.config.brokers)
            .set(
                "message.timeout.ms",
                self.config.delivery_timeout.as_millis().max(1).to_string(),
            )
            .set("linger.ms", "5");
        for (k, v) in &self.config.properties {
            c.set(k, v);
        }
        c.set("enable.idempotence", "true").set("acks", "all");
        c.create_with_context(Context {
            reports: self.reports.clone(),
        })
        .map_err(|e| format!("creating the Kafka producer: {e}"))
    }
}

impl Sink for KafkaSink {
    fn connect(&mut self) -> std::result::Result<(), String> {
        if self.producer.is_none() {
            self.producer = Some(self.create()?);
        }
        let producer = self.producer.as_ref().expect("created");
        // Whatever is still queued belongs to the previous attempt: drop it,
        // the engine sends it again.
        producer.purge(PurgeConfig::default().queue().inflight());
        producer.poll(Duration::ZERO);
        self.generation += 1;
        self.reports.lock().clear();
        self.done.clear();
        self.acked = 0;
        producer
            .client()
            .fetch_metadata(Some(&self.config.topic), Duration::from_secs(5))
            .map_err(|e| format!("Kafka {}: {e}", self.config.brokers))
            .and_then(|m| match m.topics().first().and_then(|t| t.error()) {
                Some(e) => Err(format!("Kafka topic {}: {e:?}", self.config.topic)),
                None => Ok(()),
            })
    }

    fn disconnect(&mut self) {}

    fn send(&mut self, items: &[Item]) -> std::result::Result<(), String> {
        let producer = self.producer.as_ref().ok_or("not connected")?;
        for item in items {
            self.value.clear();
            self.format
                .write(&mut self.value, &self.log_id, &item.event);
            let seq = item.event.seq().to_string();
            let mut headers = OwnedHeaders::new()
                .insert(Header {
                    key: "seq",
                    value: Some(&seq),
                })
                .insert(Header {
                    key: "log_id",
                    value: Some(&self.key),
                });
            if let Some(leaf) = &item.leaf_hash {
                let hex: String = leaf.iter().map(|b| format!("{b:02x}")).collect();
                headers = headers.insert(Header {
                    key: "leaf_hash",
                    value: Some(&hex),
                });
            }
            let index = self.done.len();
            let mut record =
                BaseRecord::with_opaque_to(&self.config.topic, Box::new((self.generation, index)))
                    .key(&self.key)
                    .payload(&self.value)
                    .headers(headers);
            // A full local queue: serve delivery reports and try again (bounded).
            let mut tries = 0;
            loop {
                match producer.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r))
                        if tries < 100 =>
                    {
                        tries += 1;
                        record = r;
                        producer.poll(Duration::from_millis(50));
                    }
                    Err((e, _)) => return Err(format!("Kafka produce: {e}")),
                }
            }
            self.done.push(false);
        }
        producer.poll(Duration::ZERO);
        Ok(())
    }

    fn acked(&mut self) -> std::result::Result<usize, String> {
        let producer = self.producer.as_ref().ok_or("not connected")?;
        producer.poll(Duration::ZERO);
        let reports = std::mem::take(&mut *self.reports.lock());
        let mut failure = None;
        for (generation, index, error) in reports {
            if generation != self.generation || index >= self.done.len() {
                continue;
            }
            match error {
                None => self.done[index] = true,
                Some(e) => failure = Some(e),
            }
        }
        while self.acked < self.done.len() && self.done[self.acked] {
            self.acked += 1;
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(self.acked),
        }
    }
}

impl Drop for KafkaSink {
    fn drop(&mut self) {
        if let Some(p) = &self.producer {
            p.purge(PurgeConfig::default().queue().inflight());
            p.poll(Duration::ZERO);
        }
    }
}
