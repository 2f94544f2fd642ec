//! JSON text: the injection-safe string escaper, the `details` validator, and the
//! re-indenter that turns stored compact `details` into pretty output.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::error::{Error, ErrorKind, Result};

/// Appends `s` to `out` as a JSON string literal. Besides the escapes JSON
/// requires (C0 controls, quote, backslash), it escapes DEL, U+0085 (NEL), U+2028
/// and U+2029, so that no string can break a record across lines in any consumer
/// (CWE-117). Escapes have the same form as serde_json's and Python's.
pub(crate) fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (len, code): (usize, u32) = match bytes[i] {
            b'"' | b'\\' | 0x00..=0x1f | 0x7f => (1, u32::from(bytes[i])),
            0xc2 if bytes.get(i + 1) == Some(&0x85) => (2, 0x85),
            0xe2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9)) =>
            {
                (3, 0x2000 | u32::from(bytes[i + 2]))
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..i]);
        match code {
            0x22 => out.extend_from_slice(b"\\\""),
            0x5c => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0x0a => out.extend_from_slice(b"\\n"),
            0x0d => out.extend_from_slice(b"\\r"),
            0x09 => out.extend_from_slice(b"\\t"),
            // 0x20a8/0x20a9 stand for U+2028/U+2029 (their last UTF-8 byte).
            0x20a8 | 0x20a9 => out.extend_from_slice(if code == 0x20a8 {
                b"\\u2028"
            } else {
                b"\\u2029"
            }),
            c => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(c >> 4) as usize & 0xf],
                HEX[c as usize & 0xf],
            ]),
        }
        i += len;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Checks that `text` is one JSON object with no duplicate keys, nested at most
/// `max_depth` levels, and appends it to `out` in compact form (key order kept,
/// strings re-escaped by [`write_string`]). On error `out` may hold a partial
/// object; callers discard it.
pub(crate) fn compact_details(out: &mut Vec<u8>, text: &str, max_depth: usize) -> Result<()> {
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\r']);
    if !trimmed.starts_with('{') {
        return Err(Error::new(
            ErrorKind::InvalidDetails,
            "details must be a JSON object (starting with '{')",
        ));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    Compactor {
        out,
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
    })
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
        // Where each escaped key sits in `out`: equal keys escape to equal bytes.
        let mut keys: Vec<(usize, usize)> = Vec::new();
        loop {
            if !keys.is_empty() {
                self.out.push(b',');
            }
            let start = self.out.len();
            if map.next_key_seed(KeyWriter(self.out))?.is_none() {
                if !keys.is_empty() {
                    self.out.pop();
                }
                break;
            }
            let key = (start, self.out.len());
            if keys
                .iter()
                .any(|&(s, e)| self.out[s..e] == self.out[key.0..key.1])
            {
                return Err(de::Error::custom("duplicate key in object"));
            }
            keys.push(key);
            self.out.push(b':');
            map.next_value_seed(self.nested())?;
        }
        self.out.push(b'}');
        Ok(())
    }
}

/// Writes an object key, escaped, without allocating it.
struct KeyWriter<'a>(&'a mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for KeyWriter<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyWriter<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, v: &str) -> std::result::Result<(), E> {
        write_string(self.0, v);
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
    fn escapes_like_serde_json_for_every_control_character() {
        for c in (0u32..0x20).chain([0x22, 0x5c, 0x41, 0xe9, 0x1f600]) {
            let s: String = ['a', char::from_u32(c).unwrap(), 'b'].iter().collect();
            let mut out = Vec::new();
            write_string(&mut out, &s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&s).unwrap()
            );
        }
    }

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
        let mut out = Vec::new();
        compact_details(
            &mut out,
            " { \"z\" : 1 , \"a\" : [ true , null , 1.5 , \"x\" ] } ",
            8,
        )
        .unwrap();
        assert_eq!(out, br#"{"z":1,"a":[true,null,1.5,"x"]}"#);
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
            let e = compact_details(&mut Vec::new(), bad, 8).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidDetails, "{bad}");
        }
        assert!(compact_details(&mut Vec::new(), r#"{"a":{"b":{}}}"#, 3).is_ok());
        assert!(compact_details(&mut Vec::new(), r#"{"a":{"b":{"c":{}}}}"#, 3).is_err());
        assert!(compact_details(&mut Vec::new(), r#"{"a":1,"b":{"a":2},"c":3}"#, 3).is_ok());
        assert!(compact_details(&mut Vec::new(), r#"{"a\u0041":1,"aA":2}"#, 3).is_err());
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
