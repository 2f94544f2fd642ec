//! The JSON document format: export (pretty array, one compact object per event)
//! and import (all-or-nothing parse of an exported document).

use std::borrow::Cow;

use serde::de::{value::MapAccessDeserializer, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::config::Config;
use super::error::{shorten, Error, ErrorKind, Result};
use super::event::{Event, NewEvent};
use super::json::{write_pretty, write_string};
use super::severity::Severity;
use super::timestamp::{parse_micros, write_timestamp, TimestampWriter};

/// Appends `events` to `out` as a JSON array pretty-printed with two-space
/// indentation; each object has the keys actor, action, resource, outcome,
/// severity (name), details, timestamp (RFC 3339 UTC, microseconds) and seq.
/// An empty list is `[]`. No trailing newline.
pub fn write_document<'a>(out: &mut Vec<u8>, events: impl IntoIterator<Item = &'a Event>) {
    let mut timestamps = TimestampWriter::default();
    let mut first = true;
    out.push(b'[');
    for event in events {
        out.extend_from_slice(if first { b"\n  {\n" } else { b",\n  {\n" });
        first = false;
        for (key, value) in [
            ("actor", event.actor()),
            ("action", event.action()),
            ("resource", event.resource()),
            ("outcome", event.outcome()),
            ("severity", event.severity().name()),
        ] {
            out.extend_from_slice(b"    \"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\": ");
            write_string(out, value);
            out.extend_from_slice(b",\n");
        }
        out.extend_from_slice(b"    \"details\": ");
        write_pretty(out, event.details(), 2);
        out.extend_from_slice(b",\n    \"timestamp\": \"");
        timestamps.write(out, event.timestamp());
        out.extend_from_slice(b"\",\n    \"seq\": ");
        out.extend_from_slice(itoa::Buffer::new().format(event.seq()).as_bytes());
        out.extend_from_slice(b"\n  }");
    }
    out.extend_from_slice(if first { b"]" } else { b"\n]" });
}

/// Appends `event` to `out` as one line of compact JSON (no newline), with the
/// same keys and order as [`write_document`]; suitable for JSON Lines.
pub fn write_compact(out: &mut Vec<u8>, event: &Event) {
    for (i, (key, value)) in [
        ("actor", event.actor()),
        ("action", event.action()),
        ("resource", event.resource()),
        ("outcome", event.outcome()),
        ("severity", event.severity().name()),
    ]
    .into_iter()
    .enumerate()
    {
        out.extend_from_slice(if i == 0 { b"{\"" } else { b",\"" });
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
        write_string(out, value);
    }
    out.extend_from_slice(b",\"details\":");
    out.extend_from_slice(event.details().as_bytes());
    out.extend_from_slice(b",\"timestamp\":\"");
    write_timestamp(out, event.timestamp());
    out.extend_from_slice(b"\",\"seq\":");
    out.extend_from_slice(itoa::Buffer::new().format(event.seq()).as_bytes());
    out.push(b'}');
}

/// One object of an exported document.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record<'a> {
    #[serde(borrow)]
    actor: Cow<'a, str>,
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    resource: Cow<'a, str>,
    #[serde(borrow)]
    outcome: Cow<'a, str>,
    #[serde(borrow)]
    severity: Cow<'a, str>,
    #[serde(borrow)]
    details: &'a RawValue,
    #[serde(borrow)]
    timestamp: Cow<'a, str>,
    /// Kept by the parsers; import gives events fresh sequence numbers.
    seq: Option<u64>,
}

/// A [`Record`] that must be written as a JSON object: serde's derived
/// impl would also take an array of the values in field order.
struct ObjectRecord<'a>(Record<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for ObjectRecord<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Object;
        impl<'de> Visitor<'de> for Object {
            type Value = Record<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an event object")
            }
            fn visit_map<M: MapAccess<'de>>(
                self,
                map: M,
            ) -> std::result::Result<Self::Value, M::Error> {
                Record::deserialize(MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(Object).map(ObjectRecord)
    }
}

/// Parses one line written by [`write_compact`] back into the event, keeping
/// its seq and timestamp (a journal's records). The seq is required.
pub fn parse_line(line: &str, config: &Config) -> Result<Event> {
    let record: ObjectRecord<'_> = serde_json::from_str(line).map_err(|e| {
        Error::new(
            ErrorKind::InvalidDocument,
            shorten(&format!("not an audit event line: {e}")),
        )
    })?;
    let r = &record.0;
    let seq = r
        .seq
        .ok_or_else(|| Error::new(ErrorKind::InvalidDocument, "the event line has no seq"))?;
    let mut event = Event::build(
        &NewEvent {
            actor: &r.actor,
            action: &r.action,
            resource: &r.resource,
            outcome: &r.outcome,
            severity: Severity::from_name(&r.severity)?,
            details: Some(r.details.get()),
        },
        config,
    )?;
    event.stamp(seq, parse_micros(&r.timestamp)?);
    Ok(event)
}

/// Parses a whole document produced by [`write_document`] (or by the reference
/// implementation's `export_json`) into events carrying their original
/// timestamps and seqs (an event without `seq`, as the reference writes them,
/// gets its position from 1; import assigns fresh ones anyway).
/// Any problem anywhere is an error naming the event's index; nothing is partial.
pub fn parse_document(text: &str, config: &Config) -> Result<Vec<Event>> {
    let records: Vec<ObjectRecord<'_>> = serde_json::from_str(text).map_err(|e| {
        Error::new(
            ErrorKind::InvalidDocument,
            shorten(&format!("not an exported audit document: {e}")),
        )
    })?;
    records
        .iter()
        .map(|r| &r.0)
        .enumerate()
        .map(|(i, r)| {
            let at = |e: Error| {
                let kind = match e.kind() {
                    ErrorKind::TooLarge => ErrorKind::TooLarge,
                    _ => ErrorKind::InvalidDocument,
                };
                Error::new(kind, format!("event {i}: {}", e.message()))
            };
            let new = NewEvent {
                actor: &r.actor,
                action: &r.action,
                resource: &r.resource,
                outcome: &r.outcome,
                severity: Severity::from_name(&r.severity).map_err(at)?,
                details: Some(r.details.get()),
            };
            let mut event = Event::build(&new, config).map_err(at)?;
            let seq = r.seq.unwrap_or(i as u64 + 1);
            event.stamp(seq, parse_micros(&r.timestamp).map_err(at)?);
            Ok(event)
        })
        .collect()
}
