//! Wire formats: the canonical JSON line, the JSON line with the log id, an
//! OCSF API Activity (class 6003) object, and an RFC 5424 syslog message.
//! Every format carries the log id and the seq (the de-duplication key).
//! docs/FORWARDING.md describes each field by field.

use super::logid::LogId;
use crate::core::{format_micros, write_compact, write_timestamp, Event, Severity};

/// The payload format of the targets that carry one of choice (Kafka's value,
/// the JSON Lines file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The event's canonical compact JSON line, exactly as the journal stores it
    /// and the seal hashes it (`crate::core::write_compact`). It has the seq; the
    /// log id travels beside it (Kafka's key).
    Canonical,
    /// The canonical line with one more member at the end, `"log_id":"<uuid>"`.
    JsonLine,
    /// An OCSF API Activity (class 6003) event.
    Ocsf,
}

impl Format {
    /// Appends `event` in this format to `out` (no newline).
    pub fn write(self, out: &mut Vec<u8>, log_id: &LogId, event: &Event) {
        match self {
            Format::Canonical => write_compact(out, event),
            Format::JsonLine => write_json_line(out, log_id, event),
            Format::Ocsf => write_ocsf(out, log_id, event),
        }
    }
}

/// Appends the canonical line with `"log_id"` as its last member.
pub fn write_json_line(out: &mut Vec<u8>, log_id: &LogId, event: &Event) {
    write_compact(out, event);
    debug_assert_eq!(out.last(), Some(&b'}'));
    out.pop();
    out.extend_from_slice(b",\"log_id\":\"");
    out.extend_from_slice(&log_id.hex());
    out.extend_from_slice(b"\"}");
}

/// Appends `s` as a JSON string. Besides what JSON requires it escapes DEL,
/// U+0085, U+2028 and U+2029, so no value can break a line in any consumer
/// (the same rule as the core's export).
pub fn write_json_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\0'..='\u{1f}' | '\u{7f}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                let n = c as usize;
                out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    HEX[(n >> 12) & 15],
                    HEX[(n >> 8) & 15],
                    HEX[(n >> 4) & 15],
                    HEX[n & 15],
                ]);
            }
            c => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// The syslog severity (RFC 5424 table 2): INFO 6, WARNING 4, ERROR 3, CRITICAL 2.
pub fn syslog_severity(severity: Severity) -> u8 {
    match severity {
        Severity::Info => 6,
        Severity::Warning => 4,
        Severity::Error => 3,
        Severity::Critical => 2,
    }
}

/// The OTLP severity number: INFO 9, WARNING 13, ERROR 17, CRITICAL 21.
pub fn otlp_severity(severity: Severity) -> i32 {
    match severity {
        Severity::Info => 9,
        Severity::Warning => 13,
        Severity::Error => 17,
        Severity::Critical => 21,
    }
}

/// The header fields of an RFC 5424 message, checked once when a forwarder starts.
#[derive(Clone, Debug)]
pub struct SyslogHeader {
    /// Facility, 0 to 23.
    pub facility: u8,
    /// HOSTNAME (1 to 255 printable ASCII characters).
    pub hostname: String,
    /// APP-NAME (1 to 48).
    pub app_name: String,
    /// PROCID (1 to 128).
    pub proc_id: String,
    /// MSGID (1 to 32).
    pub msg_id: String,
    /// SD-ID (1 to 32, no `=`, space, `]` or `"`; an `@` names an enterprise number).
    pub sd_id: String,
}

impl SyslogHeader {
    /// Checks every field against RFC 5424's grammar; the error names the field.
    pub fn check(&self) -> Result<(), String> {
        if self.facility > 23 {
            return Err(format!("facility {} is not 0 to 23", self.facility));
        }
        for (name, value, max) in [
            ("hostname", &self.hostname, 255),
            ("app_name", &self.app_name, 48),
            ("proc_id", &self.proc_id, 128),
            ("msg_id", &self.msg_id, 32),
        ] {
            if value.is_empty()
                || value.len() > max
                || !value.bytes().all(|b| (33..=126).contains(&b))
            {
                return Err(format!(
                    "syslog {name} {value:?} must be 1 to {max} printable ASCII characters"
                ));
            }
        }
        if !is_sd_name(&self.sd_id) {
            return Err(format!(
                "syslog sd_id {:?} is not a valid SD-ID",
                self.sd_id
            ));
        }
        Ok(())
    }
}

fn is_sd_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| (33..=126).contains(&b) && !matches!(b, b'=' | b']' | b'"'))
}

/// Appends `value` as an RFC 5424 PARAM-VALUE body: `"`, `\` and `]` are
/// preceded by a backslash; everything else is kept as UTF-8 (octet counting
/// makes line breaks in it unambiguous on the wire).
pub fn write_sd_value(out: &mut Vec<u8>, value: &str) {
    let mut rest = value.as_bytes();
    while let Some(at) = rest.iter().position(|&b| matches!(b, b'"' | b'\\' | b']')) {
        out.extend_from_slice(&rest[..at]);
        out.push(b'\\');
        out.push(rest[at]);
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
}

/// Appends one RFC 5424 message (without the RFC 6587 length prefix):
///
/// `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID log_id=".." seq=".."
/// actor=".." action=".." resource=".." outcome=".." severity=".."] BOM MSG`
///
/// where MSG is the event's canonical JSON line (details included).
pub fn write_rfc5424(out: &mut Vec<u8>, header: &SyslogHeader, log_id: &LogId, event: &Event) {
    let pri = u32::from(header.facility) * 8 + u32::from(syslog_severity(event.severity()));
    out.push(b'<');
    out.extend_from_slice(itoa::Buffer::new().format(pri).as_bytes());
    out.extend_from_slice(b">1 ");
    let at = out.len();
    if !write_timestamp(out, event.timestamp()) {
        out.truncate(at);
        out.push(b'-');
    }
    for field in [
        &header.hostname,
        &header.app_name,
        &header.proc_id,
        &header.msg_id,
    ] {
        out.push(b' ');
        out.extend_from_slice(field.as_bytes());
    }
    out.extend_from_slice(b" [");
    out.extend_from_slice(header.sd_id.as_bytes());
    let mut seq = itoa::Buffer::new();
    let seq = seq.format(event.seq());
    let id = log_id.hex();
    let id = std::str::from_utf8(&id).expect("hex digits and dashes");
    for (name, value) in [
        ("log_id", id),
        ("seq", seq),
        ("actor", event.actor()),
        ("action", event.action()),
        ("resource", event.resource()),
        ("outcome", event.outcome()),
        ("severity", event.severity().name()),
    ] {
        out.push(b' ');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        write_sd_value(out, value);
        out.push(b'"');
    }
    out.extend_from_slice(b"] \xEF\xBB\xBF");
    write_compact(out, event);
}

/// The OCSF API Activity `activity_id` for an action: its last dot-separated
/// word decides (create/add/insert 1, read/get/list/view/query/search 2,
/// update/modify/set/edit/change/patch 3, delete/remove/destroy/purge 4,
/// otherwise 99 Other; an empty action is 0 Unknown).
pub fn ocsf_activity(action: &str) -> (u32, &'static str) {
    if action.is_empty() {
        return (0, "Unknown");
    }
    let verb = action
        .rsplit(['.', ':', '/', '_', '-'])
        .next()
        .unwrap_or(action)
        .to_ascii_lowercase();
    match verb.as_str() {
        "create" | "add" | "insert" | "new" | "register" => (1, "Create"),
        "read" | "get" | "list" | "view" | "query" | "search" | "fetch" | "show" => (2, "Read"),
        "update" | "modify" | "set" | "edit" | "change" | "patch" | "rename" => (3, "Update"),
        "delete" | "remove" | "destroy" | "purge" | "drop" | "revoke" => (4, "Delete"),
        _ => (99, "Other"),
    }
}

/// The OCSF `status_id` for an outcome: success/succeeded/ok/allowed/allow 1
/// Success; failure/failed/fail/denied/deny/error/rejected/forbidden 2
/// Failure; empty 0 Unknown; anything else 99 Other.
pub fn ocsf_status(outcome: &str) -> (u32, &'static str) {
    match outcome.to_ascii_lowercase().as_str() {
        "" => (0, "Unknown"),
        "success" | "succeeded" | "ok" | "allowed" | "allow" | "granted" => (1, "Success"),
        "failure" | "failed" | "fail" | "denied" | "deny" | "error" | "rejected" | "forbidden"
        | "unauthorized" => (2, "Failure"),
        _ => (99, "Other"),
    }
}

/// The OCSF `severity_id`: INFO 1 Informational, WARNING 3 Medium, ERROR 4 High,
/// CRITICAL 5 Critical.
pub fn ocsf_severity(severity: Severity) -> (u32, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Warning => (3, "Medium"),
        Severity::Error => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// Appends `event` as an OCSF 1.3 API Activity (class 6003) JSON object.
pub fn write_ocsf(out: &mut Vec<u8>, log_id: &LogId, event: &Event) {
    let (activity_id, activity) = ocsf_activity(event.action());
    let (status_id, status) = ocsf_status(event.outcome());
    let (severity_id, severity) = ocsf_severity(event.severity());
    let num = |out: &mut Vec<u8>, key: &str, n: i128| {
        out.extend_from_slice(b",\"");
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    };
    let text = |out: &mut Vec<u8>, key: &str, s: &str| {
        out.extend_from_slice(b",\"");
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
        write_json_string(out, s);
    };
    out.extend_from_slice(b"{\"class_uid\":6003");
    text(out, "class_name", "API Activity");
    num(out, "category_uid", 6);
    text(out, "category_name", "Application Activity");
    num(out, "activity_id", activity_id.into());
    text(out, "activity_name", activity);
    num(out, "type_uid", 600300 + i128::from(activity_id));
    text(out, "type_name", &format!("API Activity: {activity}"));
    num(out, "time", i128::from(event.timestamp().div_euclid(1000)));
    text(
        out,
        "time_dt",
        &format_micros(event.timestamp()).unwrap_or_default(),
    );
    num(out, "severity_id", severity_id.into());
    text(out, "severity", severity);
    num(out, "status_id", status_id.into());
    text(out, "status", status);
    if status_id == 99 {
        text(out, "status_detail", event.outcome());
    }
    text(out, "message", event.action());
    out.extend_from_slice(b",\"actor\":{\"user\":{\"name\":");
    write_json_string(out, event.actor());
    out.extend_from_slice(b"}},\"api\":{\"operation\":");
    write_json_string(out, event.action());
    out.extend_from_slice(b"},\"resources\":[{\"name\":");
    write_json_string(out, event.resource());
    out.extend_from_slice(b"}],\"src_endpoint\":{}");
    out.extend_from_slice(b",\"metadata\":{\"version\":\"1.3.0\",\"product\":{\"name\":\"audit-logger\",\"vendor_name\":\"audit-logger\",\"version\":\"");
    out.extend_from_slice(env!("CARGO_PKG_VERSION").as_bytes());
    out.extend_from_slice(b"\"},\"uid\":\"");
    let id = log_id.hex();
    out.extend_from_slice(&id);
    out.push(b':');
    out.extend_from_slice(itoa::Buffer::new().format(event.seq()).as_bytes());
    out.extend_from_slice(b"\",\"log_name\":\"");
    out.extend_from_slice(&id);
    out.extend_from_slice(b"\",\"sequence\":");
    out.extend_from_slice(itoa::Buffer::new().format(event.seq()).as_bytes());
    out.extend_from_slice(b"},\"unmapped\":{\"log_id\":\"");
    out.extend_from_slice(&id);
    out.extend_from_slice(b"\",\"seq\":");
    out.extend_from_slice(itoa::Buffer::new().format(event.seq()).as_bytes());
    out.extend_from_slice(b",\"timestamp_us\":");
    out.extend_from_slice(itoa::Buffer::new().format(event.timestamp()).as_bytes());
    out.extend_from_slice(b",\"outcome\":");
    write_json_string(out, event.outcome());
    out.extend_from_slice(b",\"severity\":\"");
    out.extend_from_slice(event.severity().name().as_bytes());
    out.extend_from_slice(b"\",\"details\":");
    out.extend_from_slice(event.details().as_bytes());
    out.extend_from_slice(b"}}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{AuditLogger, NewEvent};

    fn event(new: NewEvent<'_>) -> Event {
        let log = AuditLogger::new(10).unwrap();
        let seq = log.log(&new).unwrap();
        log.get(seq).unwrap()
    }

    fn header() -> SyslogHeader {
        SyslogHeader {
            facility: 10,
            hostname: "host".into(),
            app_name: "app".into(),
            proc_id: "42".into(),
            msg_id: "audit".into(),
            sd_id: "audit@32473".into(),
        }
    }

    #[test]
    fn rfc5424_layout_and_escaping() {
        let e = event(NewEvent {
            actor: "a\"b\\c]d\ne\u{2028}",
            action: "user.delete",
            resource: "r",
            outcome: "success",
            severity: Severity::Warning,
            details: Some(r#"{"k":"v"}"#),
        });
        let id = LogId([1; 16]);
        let mut out = Vec::new();
        write_rfc5424(&mut out, &header(), &id, &e);
        let text = String::from_utf8(out).unwrap();
        let ts = format_micros(e.timestamp()).unwrap();
        let mut canonical = Vec::new();
        write_compact(&mut canonical, &e);
        let want = format!(
            "<84>1 {ts} host app 42 audit [audit@32473 log_id=\"{id}\" seq=\"1\" \
             actor=\"a\\\"b\\\\c\\]d\ne\u{2028}\" action=\"user.delete\" resource=\"r\" \
             outcome=\"success\" severity=\"WARNING\"] \u{feff}{}",
            String::from_utf8(canonical).unwrap()
        );
        assert_eq!(text, want);
        assert_eq!(ts.len(), 27);
    }

    #[test]
    fn header_is_checked() {
        assert!(header().check().is_ok());
        for h in [
            SyslogHeader {
                facility: 24,
                ..header()
            },
            SyslogHeader {
                hostname: "a b".into(),
                ..header()
            },
            SyslogHeader {
                msg_id: "x".repeat(33),
                ..header()
            },
            SyslogHeader {
                sd_id: "a=b".into(),
                ..header()
            },
            SyslogHeader {
                app_name: String::new(),
                ..header()
            },
        ] {
            assert!(h.check().is_err(), "{h:?}");
        }
    }

    #[test]
    fn json_line_and_ocsf_are_json_with_the_key() {
        let e = event(NewEvent {
            actor: "alice\u{2028}",
            action: "user.delete",
            resource: "user:42",
            outcome: "denied",
            severity: Severity::Critical,
            details: Some(r#"{"n":1}"#),
        });
        let id = LogId([7; 16]);
        let mut line = Vec::new();
        Format::JsonLine.write(&mut line, &id, &e);
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["log_id"], id.to_string());
        assert_eq!(v["seq"], 1);
        assert!(!line.windows(3).any(|w| w == "\u{2028}".as_bytes()));

        let mut ocsf = Vec::new();
        Format::Ocsf.write(&mut ocsf, &id, &e);
        let v: serde_json::Value = serde_json::from_slice(&ocsf).unwrap();
        assert_eq!(v["class_uid"], 6003);
        assert_eq!(v["activity_id"], 4);
        assert_eq!(v["type_uid"], 600304);
        assert_eq!(v["status_id"], 2);
        assert_eq!(v["severity_id"], 5);
        assert_eq!(v["time"], e.timestamp() / 1000);
        assert_eq!(v["actor"]["user"]["name"], "alice\u{2028}");
        assert_eq!(v["metadata"]["uid"], format!("{id}:1"));
        assert_eq!(v["unmapped"]["details"]["n"], 1);
    }

    #[test]
    fn mappings() {
        assert_eq!(ocsf_activity("user.create").0, 1);
        assert_eq!(ocsf_activity("doc:read").0, 2);
        assert_eq!(ocsf_activity("login").0, 99);
        assert_eq!(ocsf_status("").0, 0);
        assert_eq!(ocsf_status("timeout"), (99, "Other"));
        let s: Vec<u8> = Severity::ALL.iter().map(|s| syslog_severity(*s)).collect();
        assert_eq!(s, [6, 4, 3, 2]);
        let o: Vec<i32> = Severity::ALL.iter().map(|s| otlp_severity(*s)).collect();
        assert_eq!(o, [9, 13, 17, 21]);
    }
}
