//! What a forwarder is told: its target, format, backlog, retry policy and cursor.
//!
//! Every target's configuration exists whatever cargo features are enabled, so
//! that a configuration can be built and checked the same way everywhere;
//! starting a forwarder whose target was left out of the build is an error.

use std::path::PathBuf;
use std::time::Duration;

use super::format::Format;
use super::jsonl::JsonlConfig;
use crate::core::{Error, ErrorKind, Overflow};

/// A bad forwarder setting.
pub(super) fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

/// Where a forwarder sends events.
#[derive(Clone, Debug)]
pub enum Target {
    /// RFC 5424 syslog over TCP with RFC 6587 octet counting, optionally TLS (RFC 5425).
    Syslog(SyslogConfig),
    /// OTLP/HTTP logs, protobuf encoded (cargo feature `otlp`).
    Otlp(OtlpConfig),
    /// A Kafka topic (cargo feature `kafka`).
    Kafka(KafkaConfig),
    /// A JSON Lines file for log shippers.
    Jsonl(JsonlConfig),
}

/// Exponential backoff with jitter between failed attempts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// The first delay after a failure.
    pub initial: Duration,
    /// The longest delay (the cap).
    pub max: Duration,
    /// Each consecutive failure multiplies the delay by this (at least 1).
    pub multiplier: f64,
    /// Fraction of each delay that is random, 0 to 1: the delay is drawn
    /// uniformly from `[d * (1 - jitter), d]`, so that many forwarders that lost
    /// the same collector do not come back in step.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(30),
            multiplier: 2.0,
            jitter: 0.5,
        }
    }
}

/// The configuration of one [`Forwarder`](super::Forwarder).
#[derive(Clone, Debug)]
pub struct ForwarderConfig {
    /// Where events go.
    pub target: Target,
    /// The payload format, for the targets that carry a payload of choice
    /// (Kafka's value, the JSON Lines file). `None`: the target's default
    /// ([`Format::Canonical`] for Kafka, [`Format::JsonLine`] for files).
    /// Syslog and OTLP have their own fixed layouts.
    pub format: Option<Format>,
    /// Most events held in memory waiting to be sent (with [`super::Source::Backlog`]); > 0.
    pub backlog: usize,
    /// What [`offer`](super::Forwarder::offer) does when the backlog is full.
    pub overflow: Overflow,
    /// Most events sent and not yet acknowledged (the resend window); > 0.
    /// It bounds throughput at `max_in_flight` per acknowledgement delay: a
    /// syslog event is acknowledged only `settle` after its bytes were, and
    /// Kafka's delivery reports come tens of milliseconds after the send
    /// (linger, then `acks=all`), and a JSON Lines line once a sync that
    /// started after it was written has finished, so their defaults are
    /// larger.
    pub max_in_flight: usize,
    /// Most events in one write or request; > 0.
    pub max_batch: usize,
    /// Between failed attempts.
    pub retry: RetryPolicy,
    /// Where the last acknowledged seq is kept (replaced atomically, fsynced).
    /// `None`: not kept.
    pub cursor_path: Option<PathBuf>,
    /// The cursor file is rewritten at most this often while events are
    /// acknowledged (and always when the forwarder stops).
    pub cursor_interval: Duration,
    /// When the forwarder is attached to a logger: how long closing the
    /// logger keeps delivering what is left before it gives up.
    pub close_timeout: Duration,
}

impl ForwarderConfig {
    /// A configuration for `target` with the defaults: a backlog of 10,000
    /// events that drops the oldest when full, up to 1,000 in flight (syslog
    /// and Kafka: 100,000, which at syslog's default settle of 500 ms allows
    /// 200,000 events/s; Kafka, librdkafka's own queue bound; JSON Lines:
    /// 10,000, so that the worker goes on writing while ten default batches
    /// of lines are being synced), batches of
    /// up to 500, the default [`RetryPolicy`], no cursor file, 5 s to flush
    /// when an attached logger closes.
    pub fn new(target: Target) -> ForwarderConfig {
        let max_in_flight = match target {
            Target::Syslog(_) | Target::Kafka(_) => 100_000,
            Target::Jsonl(_) => 10_000,
            _ => 1_000,
        };
        ForwarderConfig {
            target,
            format: None,
            backlog: 10_000,
            overflow: Overflow::DropOldest,
            max_in_flight,
            max_batch: 500,
            retry: RetryPolicy::default(),
            cursor_path: None,
            cursor_interval: Duration::from_millis(200),
            close_timeout: Duration::from_secs(5),
        }
    }
}

/// TLS for a syslog connection (RFC 5425).
#[derive(Clone, Debug, Default)]
pub struct TlsConfig {
    /// PEM file with the CA certificates that may sign the server's certificate.
    /// `None`: the operating system's trust store.
    pub ca_file: Option<PathBuf>,
    /// The name the server's certificate must carry (a DNS name or an IP
    /// address). `None`: the host part of the address.
    pub server_name: Option<String>,
    /// PEM files of a client certificate chain and its private key, for
    /// servers that authenticate clients.
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

/// RFC 5424 syslog over TCP (RFC 6587 octet counting) or TLS (RFC 5425).
#[derive(Clone, Debug)]
pub struct SyslogConfig {
    /// `host:port` of the collector.
    pub address: String,
    /// TLS, or `None` for plain TCP.
    pub tls: Option<TlsConfig>,
    /// Syslog facility, 0 to 23; default 10 (authpriv).
    pub facility: u8,
    /// HOSTNAME field; `None`: this machine's host name.
    pub hostname: Option<String>,
    /// APP-NAME field (1 to 48 printable ASCII characters); default `audit-logger`.
    pub app_name: String,
    /// MSGID field (1 to 32 printable ASCII characters); default `audit`.
    pub msg_id: String,
    /// SD-ID of the structured-data element; default `audit@32473` (32473 is
    /// the documentation enterprise number of RFC 5612: use your own).
    pub sd_id: String,
    /// Syslog has no application acknowledgement: an event counts as delivered
    /// once the collector's TCP stack has acknowledged its bytes and the
    /// connection stayed up for this long afterwards. On a lost connection
    /// everything not yet settled is sent again. Default 500 ms.
    pub settle: Duration,
    /// Longest wait for a TCP (and TLS) connection; default 5 s.
    pub connect_timeout: Duration,
    /// Longest a single write may block (a collector that stopped reading);
    /// then the connection is dropped and made again. Default 5 s.
    pub io_timeout: Duration,
}

impl SyslogConfig {
    /// Plain TCP to `address` with the defaults.
    pub fn new(address: impl Into<String>) -> SyslogConfig {
        SyslogConfig {
            address: address.into(),
            tls: None,
            facility: 10,
            hostname: None,
            app_name: "audit-logger".into(),
            msg_id: "audit".into(),
            sd_id: "audit@32473".into(),
            settle: Duration::from_millis(500),
            connect_timeout: Duration::from_secs(5),
            io_timeout: Duration::from_secs(5),
        }
    }
}

/// OTLP/HTTP logs, protobuf encoded.
#[derive(Clone, Debug)]
pub struct OtlpConfig {
    /// The full URL of the logs endpoint, for example `http://127.0.0.1:4318/v1/logs`.
    pub endpoint: String,
    /// Extra HTTP headers (for example an authorization header).
    pub headers: Vec<(String, String)>,
    /// The resource's `service.name`; default `audit-logger`.
    pub service_name: String,
    /// Longest wait for one request; default 10 s.
    pub timeout: Duration,
}

impl OtlpConfig {
    /// The endpoint `endpoint` with the defaults.
    pub fn new(endpoint: impl Into<String>) -> OtlpConfig {
        OtlpConfig {
            endpoint: endpoint.into(),
            headers: Vec::new(),
            service_name: "audit-logger".into(),
            timeout: Duration::from_secs(10),
        }
    }
}

/// A Kafka topic, written by an idempotent producer with `acks=all`.
#[derive(Clone, Debug)]
pub struct KafkaConfig {
    /// `bootstrap.servers`: comma-separated `host:port` list.
    pub brokers: String,
    /// The topic.
    pub topic: String,
    /// How long librdkafka may keep retrying one message before it reports it
    /// failed (`message.timeout.ms`); the forwarder then sends it again. Default 30 s.
    pub delivery_timeout: Duration,
    /// More librdkafka properties (for example `security.protocol`, `ssl.ca.location`).
    /// `enable.idempotence` and `acks` cannot be overridden.
    pub properties: Vec<(String, String)>,
}

impl KafkaConfig {
    /// Brokers `brokers`, topic `topic`, the defaults.
    pub fn new(brokers: impl Into<String>, topic: impl Into<String>) -> KafkaConfig {
        KafkaConfig {
            brokers: brokers.into(),
            topic: topic.into(),
            delivery_timeout: Duration::from_secs(30),
            properties: Vec::new(),
        }
    }
}
