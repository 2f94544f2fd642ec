//! Helpers shared by several integration tests.

/// Raw bytes that could break a record across lines: below 0x20, DEL, and the
/// UTF-8 of U+0085, U+2028, U+2029. A newline outside strings is layout in a
/// pretty document and allowed there.
pub fn raw_line_breakers(text: &str, pretty: bool) -> Vec<char> {
    let (mut in_string, mut escaped) = (false, false);
    let mut bad = Vec::new();
    for c in text.chars() {
        if matches!(c, '\u{7f}' | '\u{85}' | '\u{2028}' | '\u{2029}')
            || (c < ' ' && !(pretty && !in_string && c == '\n'))
        {
            bad.push(c);
        } else if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        }
    }
    bad
}
