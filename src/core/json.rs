//! JSON text: the injection-safe string escaper, the `details` validator, and the
//! re-indenter that turns stored compact `details` into pretty output.

use std::collections::HashSet;
use std::fmt;
use std::io;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Serializer as _;
use serde_json::ser::Formatter;

use super::error::{Error, ErrorKind, Result};

/// A JSON formatter that, besides the escapes JSON requires (C0 controls, quote,
/// backslash), also escapes DEL, U+0085 (NEL), U+2028 and U+2029, so that no string
/// can break a record across lines in any consumer (CWE-117).
struct SafeFormatter;

impl Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if matches!(c, '\u{7f}' | '\u{85}' | '\u{2028}' | '\u{2029}') {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Appends `s` to `out` as a JSON string literal, escaped by [`SafeFormatter`].
pub(crate) fn write_string(out: &mut Vec<u8>, s: &str) {
    let mut ser = serde_json::Serializer::with_formatter(out, SafeFormatter);
    ser.serialize_str(s)
        .expect("writing to a Vec<u8> cannot fail");
}

/// Checks that `text` is one JSON object with no duplicate keys, nested at most
/// `max_depth` levels, and returns it in compact form (key order kept, strings
/// re-escaped by [`write_string`]).
pub(crate) fn compact_details(text: &str, max_depth: usize) -> Result<String> {
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\r']);
    if !trimmed.starts_with('{') {
        return Err(Error::new(
            ErrorKind::InvalidDetails,
            "details must be a JSON object (starting with '{')",
        ));
    }
    let mut out = Vec::with_capacity(text.len());
    let mut de = serde_json::Deserializer::from_str(text);
    Compactor {
        out: &mut out,
        depth: 0,
        max_depth,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end())
    .map_err(|e| {
        Error::new(
            ErrorKind::InvalidDetails,
            format!("details is not valid JSON: {e}"),
        )
    })?;
    Ok(String::from_utf8(out).expect("the compactor writes UTF-8"))
}

/// Walks a JSON value with serde, writing it compactly and rejecting duplicate keys
/// and excessive depth.
struct Compactor<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
    max_depth: usize,
}

impl Compactor<'_> {
    fn nested(&mut self) -> Compactor<'_> {
        Compactor {
            out: self.out,
            depth: self.depth + 1,
            max_depth: self.max_depth,
        }
    }

    fn enter<E: de::Error>(&self) -> std::result::Result<(), E> {
        if self.depth >= self.max_depth {
            return Err(E::custom(format_args!(
                "nesting deeper than {} levels",
                self.max_depth
            )));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Compactor<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Compactor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> std::result::Result<(), E> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> std::result::Result<(), E> {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> std::result::Result<(), E> {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<(), E> {
        serde_json::to_writer(&mut *self.out, &v).map_err(E::custom)
    }

    fn visit_str<E>(self, v: &str) -> std::result::Result<(), E> {
        write_string(self.out, v);
        Ok(())
    }

    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> std::result::Result<(), A::Error> {
        self.enter()?;
        self.out.push(b'[');
        let mut first = true;
        loop {
            let mark = self.out.len();
            if !first {
                self.out.push(b',');
            }
            if seq.next_element_seed(self.nested())?.is_none() {
                self.out.truncate(mark);
                break;
            }
            first = false;
        }
        self.out.push(b']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> std::result::Result<(), A::Error> {
        self.enter()?;
        self.out.push(b'{');
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.is_empty() {
                self.out.push(b',');
            }
            write_string(self.out, &key);
            self.out.push(b':');
            if !seen.insert(key) {
                return Err(de::Error::custom("duplicate key in object"));
            }
            map.next_value_seed(self.nested())?;
        }
        self.out.push(b'}');
        Ok(())
    }
}

/// Appends compact JSON `compact` (as produced by [`compact_details`]) to `out`
/// pretty-printed with two-space indentation, as if it started at nesting `level`.
/// The layout matches serde_json's and Python's `json.dumps(indent=2)`.
pub(crate) fn write_pretty(out: &mut Vec<u8>, compact: &str, level: usize) {
    let bytes = compact.as_bytes();
    let mut level = level;
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    let newline = |out: &mut Vec<u8>, level: usize| {
        out.push(b'\n');
        out.resize(out.len() + 2 * level, b' ');
    };
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                out.push(b);
            }
            b'{' | b'[' => {
                out.push(b);
                if matches!(bytes.get(i + 1), Some(b'}' | b']')) {
                    out.push(bytes[i + 1]);
                    i += 1;
                } else {
                    level += 1;
                    newline(out, level);
                }
            }
            b'}' | b']' => {
                level -= 1;
                newline(out, level);
                out.push(b);
            }
            b',' => {
                out.push(b);
                newline(out, level);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(b),
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_line_breaking_characters() {
        let mut out = Vec::new();
        write_string(&mut out, "a\nb\r\u{7f}\u{85}\u{2028}\u{2029}\"\\é");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#""a\nb\r\u007f\u0085\u2028\u2029\"\\é""#
        );
    }

    #[test]
    fn compacts_and_keeps_key_order() {
        let c =
            compact_details(" { \"z\" : 1 , \"a\" : [ true , null , 1.5 , \"x\" ] } ", 8).unwrap();
        assert_eq!(c, r#"{"z":1,"a":[true,null,1.5,"x"]}"#);
    }

    #[test]
    fn rejects_non_objects_duplicates_depth_and_trailing_text() {
        for bad in [
            "[1]",
            "\"x\"",
            "{bad",
            "1",
            "",
            "{} {}",
            r#"{"a":1,"a":2}"#,
            "null",
        ] {
            let e = compact_details(bad, 8).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidDetails, "{bad}");
        }
        assert!(compact_details(r#"{"a":{"b":{}}}"#, 3).is_ok());
        assert!(compact_details(r#"{"a":{"b":{"c":{}}}}"#, 3).is_err());
    }

    #[test]
    fn pretty_matches_serde_json() {
        let compact = r#"{"a":[],"b":{},"c":[1,{"d":"x,y:{}[]\"\\"}],"e":null}"#;
        let mut out = Vec::new();
        write_pretty(&mut out, compact, 0);
        let value: serde_json::Value = serde_json::from_str(compact).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string_pretty(&value).unwrap()
        );
    }
}
