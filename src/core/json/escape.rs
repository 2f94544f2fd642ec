//! The injection-safe JSON string escaper.

/// Bytes that end a run of string bytes that need no escaping: C0 controls,
/// quote, backslash, DEL, and 0xC2 and 0xE2, the lead bytes of U+0085 and
/// U+2028/U+2029.
pub(super) static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[0x7f] = true;
    table[0xc2] = true;
    table[0xe2] = true;
    table
};

/// Length of the run of bytes at the start of `bytes` that need no escaping.
#[inline]
fn plain_run(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| SPECIAL[usize::from(b)])
        .unwrap_or(bytes.len())
}

/// The character that starts `rest`, if it must be escaped, and its length in
/// bytes. `rest` starts with a [`SPECIAL`] byte.
#[inline]
pub(super) fn to_escape(rest: &[u8]) -> Option<(char, usize)> {
    match *rest {
        [0xc2, 0x85, ..] => Some(('\u{85}', 2)),
        [0xe2, 0x80, 0xa8, ..] => Some(('\u{2028}', 3)),
        [0xe2, 0x80, 0xa9, ..] => Some(('\u{2029}', 3)),
        [0xc2 | 0xe2, ..] | [] => None,
        [b, ..] => Some((char::from(b), 1)),
    }
}

/// Appends `c` as it appears inside a JSON string literal: the escapes JSON
/// requires (C0 controls, quote, backslash) in serde_json's form, `\u` escapes
/// for DEL, U+0085 (NEL), U+2028 and U+2029, and UTF-8 for everything else.
pub(super) fn write_char(out: &mut Vec<u8>, c: char) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut utf8 = [0; 4];
    let escape: &[u8] = match c {
        '"' => b"\\\"",
        '\\' => b"\\\\",
        '\u{8}' => b"\\b",
        '\u{c}' => b"\\f",
        '\n' => b"\\n",
        '\r' => b"\\r",
        '\t' => b"\\t",
        '\0'..='\u{1f}' | '\u{7f}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
            let n = c as usize;
            out.extend_from_slice(&[
                b'\\',
                b'u',
                HEX[n >> 12],
                HEX[(n >> 8) & 0xf],
                HEX[(n >> 4) & 0xf],
                HEX[n & 0xf],
            ]);
            return;
        }
        _ => c.encode_utf8(&mut utf8).as_bytes(),
    };
    out.extend_from_slice(escape);
}

/// Appends `s` to `out` as a JSON string literal. Besides the escapes JSON
/// requires (C0 controls, quote, backslash), it escapes DEL, U+0085 (NEL), U+2028
/// and U+2029, so that no string can break a record across lines in any consumer
/// (CWE-117). Escapes have the same form as serde_json's and Python's.
pub(crate) fn write_string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut i = 0;
    loop {
        let run = plain_run(&bytes[i..]);
        out.extend_from_slice(&bytes[i..i + run]);
        i += run;
        match to_escape(&bytes[i..]) {
            Some((c, len)) => {
                write_char(out, c);
                i += len;
            }
            None if i == bytes.len() => break,
            // 0xC2 or 0xE2 leading another character.
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out.push(b'"');
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
    fn copies_other_characters_that_share_those_lead_bytes() {
        let s = "\u{80}\u{a0}©\u{2027}\u{202a}€\u{2fff}";
        let mut out = Vec::new();
        write_string(&mut out, s);
        assert_eq!(out, format!("\"{s}\"").as_bytes());
        let object = format!("{{\"{s}\":\"{s}\"}}");
        let mut compacted = Vec::new();
        crate::core::json::compact_details(&mut compacted, &object, 8).unwrap();
        assert_eq!(compacted, object.as_bytes());
    }
}
