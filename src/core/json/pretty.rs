//! The re-indenter that turns stored compact `details` into pretty output.

/// Appends compact JSON `compact` (as produced by [`compact_details`](super::compact::compact_details)) to `out`
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
