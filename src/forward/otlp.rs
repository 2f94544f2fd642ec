//! OTLP/HTTP logs, protobuf encoded, with the OpenTelemetry project's generated
//! types (`opentelemetry-proto`, prost) and a blocking HTTP client (`ureq`).
//!
//! One request per batch; a 2xx response acknowledges the whole batch (records
//! the collector lists as rejected in `partial_success` are counted as
//! rejected). 429 and 5xx, and transport errors, are retried with the batch
//! resent; other 4xx refuse the batch for good (counted as rejected, never resent).

use std::time::Duration;

use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;

use super::config::OtlpConfig;
use super::format::otlp_severity;
use super::logid::LogId;
use super::sink::Sink;
use super::source::Item;
use crate::core::{now_micros, Error, ErrorKind, Event, Result};

fn text(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.into())),
        }),
        ..Default::default()
    }
}

fn int(key: &str, value: i64) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::IntValue(value)),
        }),
        ..Default::default()
    }
}

/// The OTLP log record of `event` (docs/FORWARDING.md lists the mapping).
pub fn log_record(event: &Event, log_id: &LogId, observed_micros: i64) -> LogRecord {
    LogRecord {
        time_unix_nano: (event.timestamp().max(0) as u64).saturating_mul(1000),
        observed_time_unix_nano: (observed_micros.max(0) as u64).saturating_mul(1000),
        severity_number: otlp_severity(event.severity()),
        severity_text: event.severity().name().into(),
        event_name: event.action().into(),
        body: Some(AnyValue {
            value: Some(any_value::Value::StringValue(event.details().into())),
        }),
        attributes: vec![
            text("audit.actor", event.actor()),
            text("audit.resource", event.resource()),
            text("audit.outcome", event.outcome()),
            int("audit.seq", event.seq().min(i64::MAX as u64) as i64),
            text("audit.log_id", &log_id.to_string()),
        ],
        ..Default::default()
    }
}

/// The whole request for `events`: one resource (`service.name`), one scope.
pub fn export_request(
    events: &[&Event],
    log_id: &LogId,
    service_name: &str,
) -> ExportLogsServiceRequest {
    let observed = now_micros();
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![text("service.name", service_name)],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "audit_logger".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    ..Default::default()
                }),
                log_records: events
                    .iter()
                    .map(|e| log_record(e, log_id, observed))
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

pub(crate) struct OtlpSink {
    config: OtlpConfig,
    log_id: LogId,
    agent: ureq::Agent,
    acked: usize,
    rejected: u64,
    why: Option<String>,
}

impl OtlpSink {
    pub(crate) fn new(config: &OtlpConfig, log_id: LogId) -> Result<OtlpSink> {
        if !config.endpoint.starts_with("http://") {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "OTLP endpoint {:?}: only http:// is supported in this build",
                    config.endpoint
                ),
            ));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .timeout_connect(Some(config.timeout.min(Duration::from_secs(5))))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(OtlpSink {
            config: config.clone(),
            log_id,
            agent,
            acked: 0,
            rejected: 0,
            why: None,
        })
    }

    /// Posts `body`; Ok(rejected records) on 2xx, Err(retry?, text) otherwise.
    fn post(&self, body: &[u8], records: usize) -> std::result::Result<u64, (bool, String)> {
        let mut request = self
            .agent
            .post(&self.config.endpoint)
            .header("Content-Type", "application/x-protobuf");
        for (k, v) in &self.config.headers {
            request = request.header(k, v);
        }
        let mut response = request
            .send(body)
            .map_err(|e| (true, format!("OTLP {}: {e}", self.config.endpoint)))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .unwrap_or_default();
        match status {
            200..=299 => {
                let rejected = ExportLogsServiceResponse::decode(body.as_slice())
                    .ok()
                    .and_then(|r| r.partial_success)
                    .map_or(0, |p| p.rejected_log_records.max(0) as u64);
                Ok(rejected.min(records as u64))
            }
            429 | 500..=599 => Err((
                true,
                format!("OTLP {}: HTTP {status}", self.config.endpoint),
            )),
            _ => Err((
                false,
                format!(
                    "OTLP {}: HTTP {status}: {}",
                    self.config.endpoint,
                    String::from_utf8_lossy(&body[..body.len().min(200)])
                ),
            )),
        }
    }
}

impl Sink for OtlpSink {
    fn connect(&mut self) -> std::result::Result<(), String> {
        self.acked = 0;
        // An empty request: the collector answers without recording anything.
        let empty = ExportLogsServiceRequest::default().encode_to_vec();
        self.post(&empty, 0).map(|_| ()).map_err(|(_, e)| e)
    }

    fn disconnect(&mut self) {}

    fn send(&mut self, items: &[Item]) -> std::result::Result<(), String> {
        let events: Vec<&Event> = items.iter().map(|i| &i.event).collect();
        let body = export_request(&events, &self.log_id, &self.config.service_name).encode_to_vec();
        match self.post(&body, items.len()) {
            Ok(rejected) => {
                if rejected > 0 {
                    self.rejected += rejected;
                    self.why = Some(format!("the collector rejected {rejected} log records"));
                }
            }
            Err((true, e)) => return Err(e),
            Err((false, e)) => {
                self.rejected += items.len() as u64;
                self.why = Some(e);
            }
        }
        self.acked += items.len();
        Ok(())
    }

    fn acked(&mut self) -> std::result::Result<usize, String> {
        Ok(self.acked)
    }

    fn take_rejected(&mut self) -> (u64, Option<String>) {
        (std::mem::take(&mut self.rejected), self.why.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{AuditLogger, NewEvent, Severity};

    #[test]
    fn record_mapping() {
        let log = AuditLogger::new(4).unwrap();
        let seq = log
            .log(&NewEvent {
                actor: "alice",
                action: "user.delete",
                resource: "user:42",
                outcome: "success",
                severity: Severity::Error,
                details: Some(r#"{"why":"gdpr"}"#),
            })
            .unwrap();
        let e = log.get(seq).unwrap();
        let id = LogId([3; 16]);
        let r = log_record(&e, &id, 5);
        assert_eq!(r.time_unix_nano, e.timestamp() as u64 * 1000);
        assert_eq!(r.observed_time_unix_nano, 5000);
        assert_eq!(r.severity_number, 17);
        assert_eq!(r.severity_text, "ERROR");
        assert_eq!(r.event_name, "user.delete");
        let keys: Vec<&str> = r.attributes.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "audit.actor",
                "audit.resource",
                "audit.outcome",
                "audit.seq",
                "audit.log_id"
            ]
        );
        let req = export_request(&[&e], &id, "svc");
        let bytes = req.encode_to_vec();
        assert_eq!(
            ExportLogsServiceRequest::decode(bytes.as_slice()).unwrap(),
            req
        );
    }
}
