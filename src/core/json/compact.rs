//! The `details` validator and compactor: a single-pass byte scanner.

use std::fmt;

use super::escape::{to_escape, write_char, SPECIAL};
use crate::core::error::{Error, ErrorKind, Result};

/// Checks that `text` is one JSON object (RFC 8259, surrounding whitespace
/// allowed) with no duplicate keys at any level, nested at most `max_depth`
/// levels (the top object is level 1), and appends it to `out` in compact form:
/// no insignificant whitespace, key order kept, strings decoded and re-escaped as
/// [`write_string`](super::escape::write_string) does, numbers copied as given. On error `out` may hold a
/// partial object; callers discard it.
///
/// One pass over the bytes, recursing once per nesting level (at most
/// `max_depth`, which [`Config`](crate::core::Config) keeps at most 128). Input that
/// is already compact and canonical is copied in runs as long as possible: the
/// typical object in one copy. It allocates only to grow `out`, and for the keys
/// of objects with more than [`FEW_KEYS`] keys.
pub(crate) fn compact_details(out: &mut Vec<u8>, text: &str, max_depth: usize) -> Result<()> {
    let scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        max_depth,
    };
    let mut w = Writer {
        out,
        pending: 0,
        many_keys: Vec::new(),
    };
    let (start, b) = scanner.token(&mut w, 0);
    if b != b'{' {
        return Err(Error::new(
            ErrorKind::InvalidDetails,
            format!(
                "details must be a JSON object: expected '{{' at byte {start}, found {}",
                scanner.found(start)
            ),
        ));
    }
    let end = scanner.object(&mut w, start, 1).map_err(|e| *e)?;
    scanner.flush(&mut w, end, end);
    let (end, _) = scanner.token(&mut w, end);
    if end != text.len() {
        return Err(*scanner.expected(end, "end of text"));
    }
    Ok(())
}

/// A scanner's result: the position after what it read, or a boxed error (so
/// that results fit in registers).
type Step<T = usize> = std::result::Result<T, Box<Error>>;

/// Objects with at most this many keys check each new key against the earlier
/// ones, with no allocation; larger ones sort their keys once they close.
const FEW_KEYS: usize = 8;

/// An object key: where it starts in the text, and where its canonical text
/// (escaped as [`write_string`](super::escape::write_string) does, quotes included) is, as a range of the
/// text followed by `out`: in the text if the key was canonical as given, else
/// in `out`. Equal keys have equal canonical text.
#[derive(Clone, Copy, Default)]
struct Key {
    at: usize,
    start: usize,
    end: usize,
}

impl Key {
    #[inline]
    fn text<'k>(&self, text: &'k [u8], out: &'k [u8]) -> &'k [u8] {
        match self.start.checked_sub(text.len()) {
            Some(start) => &out[start..self.end - text.len()],
            None => &text[self.start..self.end],
        }
    }
}

/// The text being compacted, read-only. Its methods take the position to read
/// at and return the position after what they read.
struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    max_depth: usize,
}

/// What a scan writes.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
    /// The input from here up to the position being read is already compact
    /// and canonical and not yet written: it goes next in `out` as is.
    pending: usize,
    /// The keys of the open objects that have more than [`FEW_KEYS`] keys, each
    /// object's keys above those of the objects that contain it.
    many_keys: Vec<Key>,
}

impl Scanner<'_> {
    /// The byte at `i`, or 0 past the end (where 0 then stands for "end of text").
    #[inline(always)]
    fn byte(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    /// Writes the pending input up to `end`, and skips the input up to `resume`
    /// (which the caller rewrites or drops).
    #[inline]
    fn flush(&self, w: &mut Writer, end: usize, resume: usize) {
        w.out.extend_from_slice(&self.bytes[w.pending..end]);
        w.pending = resume;
    }

    /// Skips whitespace from `i`, leaving it out of the output; returns the
    /// position of the next token and its first byte.
    #[inline(always)]
    fn token(&self, w: &mut Writer, i: usize) -> (usize, u8) {
        match self.byte(i) {
            b if b > b' ' => (i, b),
            _ => self.skip_whitespace(w, i),
        }
    }

    fn skip_whitespace(&self, w: &mut Writer, start: usize) -> (usize, u8) {
        let mut end = start;
        while let b' ' | b'\n' | b'\t' | b'\r' = self.byte(end) {
            end += 1;
        }
        if end > start {
            self.flush(w, start, end);
        }
        (end, self.byte(end))
    }

    /// One value of any kind at `i`, after whitespace, inside a container at
    /// nesting `level`.
    #[inline(always)]
    fn value(&self, w: &mut Writer, i: usize, level: usize) -> Step {
        match self.token(w, i) {
            (i, b'"') => self.string(w, i).map(|(end, _)| end),
            (i, b'-' | b'0'..=b'9') => self.number(i),
            (i, b'{') => self.object(w, i, level + 1),
            (i, b'[') => self.array(w, i, level + 1),
            (i, b't') => self.literal(i, b"true"),
            (i, b'f') => self.literal(i, b"false"),
            (i, b'n') => self.literal(i, b"null"),
            (i, _) => Err(self.expected(i, "a value")),
        }
    }

    /// Fails if a container opening at `i` would be at nesting `level`, deeper
    /// than allowed.
    #[inline(always)]
    fn enter(&self, i: usize, level: usize) -> Step<()> {
        if level > self.max_depth {
            return Err(Box::new(Error::new(
                ErrorKind::InvalidDetails,
                format!(
                    "details: nesting deeper than {} levels at byte {i}",
                    self.max_depth
                ),
            )));
        }
        Ok(())
    }

    /// The object whose `{` is at `open`, at nesting `level`.
    fn object(&self, w: &mut Writer, open: usize, level: usize) -> Step {
        self.enter(open, level)?;
        let (mut i, mut b) = self.token(w, open + 1);
        if b == b'}' {
            return Ok(i + 1);
        }
        let mut few = [Key::default(); FEW_KEYS];
        let mut count = 0;
        let many_from = w.many_keys.len();
        loop {
            if b != b'"' {
                return Err(self.expected(i, "'\"' (a key)"));
            }
            let (key, end) = self.key(w, i)?;
            if count < FEW_KEYS {
                let len = key.end - key.start;
                let same = |k: &Key| {
                    k.end - k.start == len
                        && k.text(self.bytes, w.out) == key.text(self.bytes, w.out)
                };
                if few[..count].iter().any(same) {
                    return Err(self.duplicate(w, key));
                }
                few[count] = key;
            } else {
                if count == FEW_KEYS {
                    w.many_keys.extend_from_slice(&few);
                }
                w.many_keys.push(key);
            }
            count += 1;
            (i, b) = self.token(w, end);
            if b != b':' {
                return Err(self.expected(i, "':'"));
            }
            i = self.value(w, i + 1, level)?;
            (i, b) = self.token(w, i);
            match b {
                b',' => (i, b) = self.token(w, i + 1),
                b'}' => break,
                _ => return Err(self.expected(i, "',' or '}'")),
            }
        }
        if count > FEW_KEYS {
            self.check_many_keys(w, many_from)?;
        }
        Ok(i + 1)
    }

    /// The object key at `at`, and the position after it.
    #[inline(always)]
    fn key(&self, w: &mut Writer, at: usize) -> Step<(Key, usize)> {
        // Where the key goes in `out`, after the pending input before it.
        let start = w.out.len() + (at - w.pending);
        let (end, canonical) = self.string(w, at)?;
        if canonical {
            let key = Key { at, start: at, end };
            return Ok((key, end));
        }
        // Rewritten in part: write the rest, so that `out` holds all of it.
        self.flush(w, end, end);
        let key = Key {
            at,
            start: self.bytes.len() + start,
            end: self.bytes.len() + w.out.len(),
        };
        Ok((key, end))
    }

    /// Fails on a duplicate among the keys of the closed object stored from
    /// `many_keys[from]`, then forgets them. Sorting keeps a hostile object with
    /// thousands of keys at O(n log n).
    #[cold]
    fn check_many_keys(&self, w: &mut Writer, from: usize) -> Step<()> {
        let (bytes, out) = (self.bytes, &*w.out);
        let keys = &mut w.many_keys[from..];
        keys.sort_unstable_by(|a, b| {
            (a.text(bytes, out).cmp(b.text(bytes, out))).then(a.at.cmp(&b.at))
        });
        // Of all the keys equal to an earlier one, report the first in the text.
        let duplicate = keys
            .windows(2)
            .filter(|pair| pair[0].text(bytes, out) == pair[1].text(bytes, out))
            .map(|pair| pair[1])
            .min_by_key(|k| k.at);
        if let Some(key) = duplicate {
            return Err(self.duplicate(w, key));
        }
        w.many_keys.truncate(from);
        Ok(())
    }

    /// The array whose `[` is at `open`, at nesting `level`.
    fn array(&self, w: &mut Writer, open: usize, level: usize) -> Step {
        self.enter(open, level)?;
        let (mut i, b) = self.token(w, open + 1);
        if b == b']' {
            return Ok(i + 1);
        }
        loop {
            i = self.value(w, i, level)?;
            match self.token(w, i) {
                (j, b',') => i = j + 1,
                (j, b']') => return Ok(j + 1),
                (j, _) => return Err(self.expected(j, "',' or ']'")),
            }
        }
    }

    /// The string whose opening quote is at `open`. Escapes are decoded and the
    /// characters re-escaped as [`write_string`](super::escape::write_string) would; the rest is left
    /// pending. Returns the position after the string, and whether it was
    /// canonical as given (nothing rewritten).
    #[inline(always)]
    fn string(&self, w: &mut Writer, open: usize) -> Step<(usize, bool)> {
        let bytes = self.bytes;
        let mut i = open + 1;
        loop {
            // Bytes that need no escaping: past the end, 0 stops the run.
            while !SPECIAL[usize::from(self.byte(i))] {
                i += 1;
            }
            match self.byte(i) {
                b'"' => return Ok((i + 1, w.pending <= open)),
                b'\\' => i = self.escape(w, i)?,
                b if b >= 0x20 => match to_escape(&bytes[i..]) {
                    Some((c, len)) => {
                        self.flush(w, i, i + len);
                        write_char(w.out, c);
                        i += len;
                    }
                    None => i += 1,
                },
                _ if i == bytes.len() => {
                    return Err(self.expected(i, "'\"' (end of string)"));
                }
                b => {
                    return Err(self.invalid(
                        i,
                        format_args!(
                            "control character U+{b:04X} in a string (it must be escaped)"
                        ),
                    ));
                }
            }
        }
    }

    /// The escape sequence whose backslash is at `i`.
    fn escape(&self, w: &mut Writer, i: usize) -> Step {
        match self.byte(i + 1) {
            // Already in the form write_string uses.
            b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(i + 2),
            b'/' => {
                self.flush(w, i, i + 2);
                w.out.push(b'/');
                Ok(i + 2)
            }
            b'u' => self.unicode_escape(w, i),
            _ => Err(self.expected(i + 1, "an escape: one of \" \\ / b f n r t u")),
        }
    }

    /// The `\uXXXX` escape whose backslash is at `i`, with the low half that
    /// must follow a high surrogate.
    fn unicode_escape(&self, w: &mut Writer, i: usize) -> Step {
        let high = self.hex4(i + 2)?;
        let (code, end) = match high {
            0xd800..=0xdbff if self.bytes.get(i + 6..i + 8) == Some(b"\\u") => {
                let low = self.hex4(i + 8)?;
                if !(0xdc00..=0xdfff).contains(&low) {
                    return Err(self.lone_surrogate(i, high));
                }
                (0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00), i + 12)
            }
            0xd800..=0xdfff => return Err(self.lone_surrogate(i, high)),
            _ => (high, i + 6),
        };
        self.flush(w, i, end);
        // Not a surrogate, or a valid pair: always a char.
        if let Some(c) = char::from_u32(code) {
            write_char(w.out, c);
        }
        Ok(end)
    }

    /// The four hex digits at `i`.
    fn hex4(&self, i: usize) -> Step<u32> {
        let mut n = 0;
        for j in i..i + 4 {
            match char::from(self.byte(j)).to_digit(16) {
                Some(d) => n = (n << 4) | d,
                None => return Err(self.expected(j, "a hex digit")),
            }
        }
        Ok(n)
    }

    /// The half `code` of a surrogate pair without its other half, in the
    /// escape at `i`.
    #[cold]
    fn lone_surrogate(&self, i: usize, code: u32) -> Box<Error> {
        self.invalid(i, format_args!("lone surrogate \\u{code:04x}"))
    }

    /// The number at `i` (`-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`),
    /// kept as given.
    #[inline(always)]
    fn number(&self, mut i: usize) -> Step {
        if self.byte(i) == b'-' {
            i += 1;
        }
        match self.byte(i) {
            b'0' => i += 1,
            b'1'..=b'9' => i = self.digits(i + 1),
            _ => return Err(self.expected(i, "a digit")),
        }
        if self.byte(i) == b'.' {
            i = self.digits1(i + 1)?;
        }
        if let b'e' | b'E' = self.byte(i) {
            i += 1;
            if let b'+' | b'-' = self.byte(i) {
                i += 1;
            }
            i = self.digits1(i)?;
        }
        Ok(i)
    }

    /// The end of the digits from `i`.
    #[inline(always)]
    fn digits(&self, mut i: usize) -> usize {
        while self.byte(i).is_ascii_digit() {
            i += 1;
        }
        i
    }

    /// The end of the digits from `i`, of which there must be one or more.
    fn digits1(&self, i: usize) -> Step {
        if !self.byte(i).is_ascii_digit() {
            return Err(self.expected(i, "a digit"));
        }
        Ok(self.digits(i))
    }

    /// `word` (`true`, `false` or `null`) at `i`.
    fn literal(&self, i: usize, word: &'static [u8]) -> Step {
        let end = i + word.len();
        if self.bytes.get(i..end) != Some(word) {
            return Err(self.expected(i, "a value"));
        }
        Ok(end)
    }

    /// What is at `i`, for messages: a quoted character or "end of text".
    fn found(&self, i: usize) -> String {
        match self.text.get(i..).and_then(|rest| rest.chars().next()) {
            Some(c) => format!("{c:?}"),
            None if i >= self.bytes.len() => "end of text".to_string(),
            None => format!("byte 0x{:02x}", self.bytes[i]),
        }
    }

    /// Malformed JSON at `i`.
    #[cold]
    fn invalid(&self, i: usize, what: impl fmt::Display) -> Box<Error> {
        Box::new(Error::new(
            ErrorKind::InvalidDetails,
            format!("details is not valid JSON at byte {i}: {what}"),
        ))
    }

    /// Malformed JSON at `i`: something else was expected there.
    #[cold]
    fn expected(&self, i: usize, what: impl fmt::Display) -> Box<Error> {
        self.invalid(i, format_args!("expected {what}, found {}", self.found(i)))
    }

    /// `key` repeats an earlier key of its object.
    #[cold]
    fn duplicate(&self, w: &Writer, key: Key) -> Box<Error> {
        let text = String::from_utf8_lossy(key.text(self.bytes, w.out));
        let shown = match text.char_indices().nth(64) {
            Some((cut, _)) => format!("{}…\"", &text[..cut]),
            None => text.to_string(),
        };
        Box::new(Error::new(
            ErrorKind::InvalidDetails,
            format!("details: duplicate key {shown} at byte {}", key.at),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::write_string;

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

    /// Compacts `text` with depth limit 8, as a string.
    fn compact(text: &str) -> Result<String> {
        let mut out = Vec::new();
        compact_details(&mut out, text, 8)?;
        Ok(String::from_utf8(out).unwrap())
    }

    fn message(text: &str) -> String {
        let e = compact(text).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidDetails, "{text}");
        e.message().to_string()
    }

    #[test]
    fn appends_after_what_out_already_holds() {
        let mut out = b"prefix\0".to_vec();
        compact_details(&mut out, "{ \"a\" : [ ] }", 8).unwrap();
        assert_eq!(out, b"prefix\0{\"a\":[]}");
    }

    #[test]
    fn keeps_numbers_as_given() {
        for n in [
            "0",
            "-0",
            "1.50",
            "1e2",
            "1E+2",
            "-0.0e-0",
            "1e400",
            "-1e-400",
            "123456789012345678901234567890",
            "-18446744073709551617",
            "9007199254740993",
            "1.471948310332919e-176",
            "4216306319014350.0",
            "1e-301",
            "2.225073858507201e-308",
            "2.2257201099999997e-308",
        ] {
            assert_eq!(
                compact(&format!("{{ \"n\" : {n} , \"a\" : [ {n} ] }}")).unwrap(),
                format!("{{\"n\":{n},\"a\":[{n}]}}")
            );
        }
    }

    #[test]
    fn rejects_numbers_outside_the_grammar() {
        for (n, at) in [
            ("01", 6),
            ("-", 6),
            ("-a", 6),
            ("+1", 5),
            (".5", 5),
            ("1.", 7),
            ("1.e2", 7),
            ("1e", 7),
            ("1e+", 8),
            ("0x1", 6),
            ("-01", 7),
            ("NaN", 5),
            ("Infinity", 5),
            ("1_000", 6),
        ] {
            let m = message(&format!("{{\"n\":{n}}}"));
            assert!(
                m.starts_with(&format!("details is not valid JSON at byte {at}: expected")),
                "{n}: {m}"
            );
        }
    }

    #[test]
    fn decodes_escapes_and_re_escapes_canonically() {
        assert_eq!(
            compact(r#"{"s":"\u0041\/\b\f\n\r\t\"\\\u00e9\u00E9\ud83d\ude00\u2028\u2029\u0085\u007f\u0000\u001f\u0022\u005c"}"#)
                .unwrap(),
            r#"{"s":"A/\b\f\n\r\t\"\\éé😀\u2028\u2029\u0085\u007f\u0000\u001f\"\\"}"#
        );
        // Raw characters that break lines in some consumers are escaped.
        assert_eq!(
            compact("{\"s\u{2028}\":\"a\u{2028}b\u{2029}\u{85}\u{7f}é\u{2027}\u{a0}日本\"}")
                .unwrap(),
            "{\"s\\u2028\":\"a\\u2028b\\u2029\\u0085\\u007fé\u{2027}\u{a0}日本\"}"
        );
        // The same output as write_string on the decoded text.
        let s = "x\u{0}\u{1f}\"\\/\u{7f}\u{80}\u{85}\u{2028}\u{10ffff}";
        let mut expected = b"{\"k\":".to_vec();
        write_string(&mut expected, s);
        expected.push(b'}');
        let input = format!("{{\"k\":{}}}", serde_json::to_string(s).unwrap());
        assert_eq!(compact(&input).unwrap().as_bytes(), expected);
    }

    #[test]
    fn rejects_bad_strings() {
        for (text, want) in [
            (
                "{\"s\":\"a\nb\"}",
                "at byte 7: control character U+000A in a string",
            ),
            (
                "{\"s\":\"a\u{0}\"}",
                "at byte 7: control character U+0000 in a string",
            ),
            (r#"{"s":"\x"}"#, "at byte 7: expected an escape"),
            (
                r#"{"s":"\u12G4"}"#,
                "at byte 10: expected a hex digit, found 'G'",
            ),
            (
                r#"{"s":"\u12"}"#,
                "at byte 10: expected a hex digit, found '\"'",
            ),
            (r#"{"s":"\ud800"}"#, "at byte 6: lone surrogate \\ud800"),
            (r#"{"s":"\udc00"}"#, "at byte 6: lone surrogate \\udc00"),
            (
                r#"{"s":"\ud800\u0041"}"#,
                "at byte 6: lone surrogate \\ud800",
            ),
            (
                r#"{"s":"\ud800\ud800"}"#,
                "at byte 6: lone surrogate \\ud800",
            ),
            (r#"{"s":"\ud800\n"}"#, "at byte 6: lone surrogate \\ud800"),
            (r#"{"s":"\ud800x"}"#, "at byte 6: lone surrogate \\ud800"),
            (r#"{"s":"\udbff\udc0"}"#, "at byte 17: expected a hex digit"),
            (
                r#"{"s":"abc"#,
                "at byte 9: expected '\"' (end of string), found end of text",
            ),
            ("{\"s\":\"abc\\", "at byte 10: expected an escape"),
        ] {
            let m = message(text);
            assert!(m.contains(want), "{text:?}: {m}");
        }
    }

    #[test]
    fn reports_where_the_structure_breaks() {
        for (text, want) in [
            (
                "",
                "details must be a JSON object: expected '{' at byte 0, found end of text",
            ),
            (
                " \n\t",
                "details must be a JSON object: expected '{' at byte 3, found end of text",
            ),
            (
                " [1]",
                "details must be a JSON object: expected '{' at byte 1, found '['",
            ),
            (
                "\"x\"",
                "details must be a JSON object: expected '{' at byte 0, found '\"'",
            ),
            (
                "\u{feff}{}",
                "details must be a JSON object: expected '{' at byte 0, found '\\u{feff}'",
            ),
            (
                "{",
                "details is not valid JSON at byte 1: expected '\"' (a key), found end of text",
            ),
            ("{1:2}", "at byte 1: expected '\"' (a key), found '1'"),
            (
                "{\"a\" 1}",
                "details is not valid JSON at byte 5: expected ':', found '1'",
            ),
            ("{\"a\":}", "at byte 5: expected a value, found '}'"),
            ("{\"a\":1,}", "at byte 7: expected '\"' (a key), found '}'"),
            (
                "{\"a\":1 \"b\":2}",
                "at byte 7: expected ',' or '}', found '\"'",
            ),
            ("{\"a\":[1 2]}", "at byte 8: expected ',' or ']', found '2'"),
            ("{\"a\":[1,]}", "at byte 8: expected a value, found ']'"),
            ("{\"a\":[}", "at byte 6: expected a value, found '}'"),
            ("{\"a\":tru}", "at byte 5: expected a value, found 't'"),
            ("{\"a\":True}", "at byte 5: expected a value, found 'T'"),
            ("{\"a\":nul", "at byte 5: expected a value, found 'n'"),
            ("{\"a\":'x'}", "at byte 5: expected a value, found '\\''"),
            (
                "{} {}",
                "details is not valid JSON at byte 3: expected end of text, found '{'",
            ),
            ("{}x", "at byte 2: expected end of text, found 'x'"),
            ("{}\u{0}", "at byte 2: expected end of text, found '\\0'"),
            (
                "{}\u{a0}",
                "at byte 2: expected end of text, found '\\u{a0}'",
            ),
        ] {
            let m = message(text);
            assert!(m.contains(want), "{text:?}: {m}");
        }
        // Surrounding whitespace of all four kinds is allowed.
        assert_eq!(compact(" \t\r\n{ \t\r\n} \t\r\n").unwrap(), "{}");
        assert_eq!(
            compact("{\"a\":true,\"b\":false,\"c\":null}").unwrap(),
            "{\"a\":true,\"b\":false,\"c\":null}"
        );
    }

    #[test]
    fn limits_nesting_with_the_top_object_at_level_one() {
        let nested = |levels: usize, open: &str, close: &str| {
            format!(
                "{{\"a\":{}1{}}}",
                open.repeat(levels - 1),
                close.repeat(levels - 1)
            )
        };
        for depth in [1, 2, 5, 32, 128] {
            for (open, close) in [("[", "]"), ("{\"k\":", "}")] {
                let ok = nested(depth, open, close);
                let mut out = Vec::new();
                compact_details(&mut out, &ok, depth).unwrap();
                assert_eq!(out, ok.as_bytes());
                let deep = nested(depth + 1, open, close);
                let e = compact_details(&mut Vec::new(), &deep, depth).unwrap_err();
                let at = 5 + (depth - 1) * open.len();
                assert_eq!(
                    e.message(),
                    format!("details: nesting deeper than {depth} levels at byte {at}")
                );
            }
        }
        // Siblings do not add up.
        assert!(
            compact_details(&mut Vec::new(), r#"{"a":[[]],"b":{"c":[]},"d":[[],[]]}"#, 3).is_ok()
        );
    }

    #[test]
    fn rejects_duplicate_keys_by_their_decoded_text() {
        for (text, want) in [
            (
                r#"{"a":1,"a":2}"#,
                r#"details: duplicate key "a" at byte 7"#,
            ),
            (
                r#"{"a":1, "b":{"a":2,"b":3} ,"a":4}"#,
                r#"duplicate key "a" at byte 27"#,
            ),
            (
                r#"{"x":{"a":1,"b":2,"a":3}}"#,
                r#"duplicate key "a" at byte 18"#,
            ),
            (
                r#"{"a\u0041":1,"aA":2}"#,
                r#"duplicate key "aA" at byte 13"#,
            ),
            (r#"{"\/":1,"/":2}"#, r#"duplicate key "/" at byte 8"#),
            (
                r#"{"\u2028":1,"\u2028":2}"#,
                r#"duplicate key "\u2028" at byte 12"#,
            ),
            (
                "{\"\u{2028}\":1,\"\\u2028\":2}",
                r#"duplicate key "\u2028" at byte 9"#,
            ),
            (
                r#"{"\ud83d\ude00":1,"😀":2}"#,
                r#"duplicate key "😀" at byte 18"#,
            ),
            (r#"{"":1,"":2}"#, r#"duplicate key "" at byte 6"#),
        ] {
            let m = message(text);
            assert!(m.contains(want), "{text}: {m}");
        }
        // Same key in different objects, and keys that only look alike.
        for ok in [
            r#"{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}"#,
            r#"{"a":1,"A":2,"a ":3,"\u00e9":4,"e\u0301":5}"#,
        ] {
            assert!(compact(ok).is_ok(), "{ok}");
        }
        let long = "k".repeat(100);
        let m = message(&format!("{{\"{long}\":1,\"{long}\":2}}"));
        assert!(
            m.starts_with(&format!(
                "details: duplicate key \"{}…\" at byte 106",
                "k".repeat(63)
            )),
            "{m}"
        );
    }

    #[test]
    fn finds_duplicates_among_many_keys() {
        let object = |keys: &[String]| {
            let body: Vec<String> = keys
                .iter()
                .map(|k| format!("\"{k}\":[{{\"{k}\":0}}]"))
                .collect();
            format!("{{{}}}", body.join(","))
        };
        let keys: Vec<String> = (0..10_000).map(|i| format!("key{i}")).collect();
        let text = object(&keys);
        assert_eq!(compact(&text).unwrap(), text);
        for (first, second) in [
            (0, 1),
            (0, 9_999),
            (4_321, 4_322),
            (7, 8),
            (8, 9),
            (9_998, 9_999),
        ] {
            let mut dup = keys.clone();
            dup[second] = dup[first].clone();
            let text = object(&dup);
            let at = text
                .match_indices(&format!("\"{}\"", dup[first]))
                .nth(2)
                .unwrap()
                .0;
            let m = message(&text);
            assert_eq!(
                m,
                format!("details: duplicate key \"{}\" at byte {at}", dup[first])
            );
        }
        // The first repeat in the text is reported, whichever key it repeats.
        let mut dup = keys[..20].to_vec();
        dup[15] = dup[3].clone();
        dup[12] = dup[10].clone();
        let text = object(&dup);
        let at = text.match_indices("\"key10\"").nth(2).unwrap().0;
        assert_eq!(
            message(&text),
            format!("details: duplicate key \"key10\" at byte {at}")
        );
        // Large objects nested in large objects each check their own keys.
        let inner = object(&keys[..50]);
        let outer: Vec<String> = keys[..50]
            .iter()
            .map(|k| format!("\"{k}\":{inner}"))
            .collect();
        let text = format!("{{{}}}", outer.join(","));
        assert_eq!(compact(&text).unwrap(), text);
    }
}
