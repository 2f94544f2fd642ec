//! `details` compaction against serde_json (proptest), through the public API.
//!
//! - Any JSON object, written with any whitespace and any mix of raw characters
//!   and escapes, is accepted; the stored text is exactly the canonical compact
//!   form (numbers as given, strings escaped as the library escapes them) and
//!   reads back as the same value.
//! - Inputs mutated at random are accepted exactly when serde_json reads them as
//!   an object without duplicate keys and within the depth limit (inputs with a
//!   number outside f64's range, which serde_json rejects and the library keeps
//!   as given, are left out); so are objects whose keys repeat in different
//!   escaped forms, and number-like text.
//!
//! 256 cases per property from a fixed seed (`PROPTEST_CASES` and
//! `PROPTEST_RNG_SEED` override).

mod common;

use std::fmt;

use audit_logger::core::{AuditLogger, Config, ErrorKind, NewEvent};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

fn config() -> ProptestConfig {
    common::proptest_config(0xD37A)
}

fn check<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: fmt::Debug,
{
    if let Err(e) = TestRunner::new(config()).run(&strategy, test) {
        panic!("{name}: {e}");
    }
}

/// Logs `details` with nesting limited to `max_depth`; the stored details.
fn compact(details: &str, max_depth: usize) -> audit_logger::core::Result<String> {
    let log = AuditLogger::with_config(Config {
        max_details_depth: max_depth,
        ..Config::with_capacity(1)
    })
    .unwrap();
    let seq = log.log(&NewEvent {
        details: Some(details),
        ..NewEvent::default()
    })?;
    Ok(log.get(seq).unwrap().details().to_string())
}

// ------------------------------------------------------------ generated JSON

/// How one character of a string is written.
#[derive(Clone, Copy, Debug)]
enum Form {
    Raw,
    /// `\uXXXX` (a surrogate pair beyond the BMP), in either case.
    Unicode {
        upper: bool,
    },
    /// The two-character escape if the character has one (`\n`, `\/`, ...),
    /// else `\uXXXX`.
    Short,
}

type Text = Vec<(char, Form)>;

/// A JSON value and how to write it: strings char by char, numbers as text.
#[derive(Clone, Debug)]
enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(Text),
    Array(Vec<Json>),
    Object(Vec<(Text, Json)>),
}

fn decoded(text: &Text) -> String {
    text.iter().map(|&(c, _)| c).collect()
}

fn character() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range(' ', '~'),
        2 => any::<char>(),
        3 => proptest::sample::select(vec![
            '\0', '\u{1}', '\u{8}', '\t', '\n', '\u{c}', '\r', '\u{1f}', '"', '\\', '/', '\u{7f}',
            '\u{80}', '\u{85}', '\u{a0}', 'é', '\u{2027}', '\u{2028}', '\u{2029}', '\u{feff}',
            '\u{ffff}', '😀', '\u{10ffff}',
        ]),
    ]
}

fn text() -> impl Strategy<Value = Text> {
    let form = prop_oneof![
        6 => Just(Form::Raw),
        1 => any::<bool>().prop_map(|upper| Form::Unicode { upper }),
        1 => Just(Form::Short),
    ];
    prop::collection::vec((character(), form), 0..12)
}

/// Number text of the RFC 8259 grammar, inside f64's range.
fn number() -> impl Strategy<Value = String> {
    let int = prop_oneof![Just("0".to_string()), "[1-9][0-9]{0,24}"];
    let frac = proptest::option::of("[0-9]{1,6}");
    let exp = proptest::option::of(("[eE]", "[+-]?", 0..200u32));
    (any::<bool>(), int, frac, exp).prop_map(|(minus, int, frac, exp)| {
        let mut n = if minus { format!("-{int}") } else { int };
        if let Some(f) = frac {
            n += &format!(".{f}");
        }
        if let Some((e, sign, digits)) = exp {
            n += &format!("{e}{sign}{digits}");
        }
        n
    })
}

fn value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        number().prop_map(Json::Number),
        text().prop_map(Json::String),
    ];
    leaf.prop_recursive(5, 64, 10, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
            object(inner),
        ]
    })
}

/// An object whose keys differ once decoded.
fn object(inner: impl Strategy<Value = Json>) -> impl Strategy<Value = Json> {
    prop::collection::vec((text(), inner), 0..10).prop_map(|mut members| {
        let mut seen = std::collections::HashSet::new();
        members.retain(|(key, _)| seen.insert(decoded(key)));
        Json::Object(members)
    })
}

/// Writes `json`, with whitespace from `spaces` (taken in turn) around every token.
fn render(json: &Json, spaces: &[&str]) -> String {
    fn string(out: &mut String, text: &Text) {
        out.push('"');
        for &(c, form) in text {
            let unicode = |out: &mut String, upper: bool| {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&if upper {
                        format!("\\u{unit:04X}")
                    } else {
                        format!("\\u{unit:04x}")
                    });
                }
            };
            let short = match c {
                '"' => Some("\\\""),
                '\\' => Some("\\\\"),
                '/' => Some("\\/"),
                '\u{8}' => Some("\\b"),
                '\u{c}' => Some("\\f"),
                '\n' => Some("\\n"),
                '\r' => Some("\\r"),
                '\t' => Some("\\t"),
                _ => None,
            };
            match (form, short) {
                (Form::Short, Some(s)) => out.push_str(s),
                (Form::Short, None) => unicode(out, false),
                (Form::Unicode { upper }, _) => unicode(out, upper),
                // JSON requires these escaped.
                (Form::Raw, Some(s)) if c != '/' => out.push_str(s),
                (Form::Raw, _) if c < ' ' => unicode(out, false),
                (Form::Raw, _) => out.push(c),
            }
        }
        out.push('"');
    }
    fn space(out: &mut String, spaces: &[&str], turn: &mut usize) {
        out.push_str(spaces[*turn % spaces.len()]);
        *turn += 1;
    }
    fn write(out: &mut String, json: &Json, spaces: &[&str], turn: &mut usize) {
        space(out, spaces, turn);
        match json {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(n),
            Json::String(s) => string(out, s),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(out, item, spaces, turn);
                }
                space(out, spaces, turn);
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, item)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    space(out, spaces, turn);
                    string(out, key);
                    space(out, spaces, turn);
                    out.push(':');
                    write(out, item, spaces, turn);
                }
                space(out, spaces, turn);
                out.push('}');
            }
        }
        space(out, spaces, turn);
    }
    let mut out = String::new();
    write(&mut out, json, spaces, &mut 0);
    out
}

/// The canonical compact form: serde_json's escapes, plus `\u` escapes for DEL,
/// NEL, U+2028 and U+2029; numbers as written.
fn canonical(json: &Json) -> String {
    let string = |text: &Text| {
        serde_json::to_string(&decoded(text))
            .unwrap()
            .replace('\u{7f}', "\\u007f")
            .replace('\u{85}', "\\u0085")
            .replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029")
    };
    match json {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.clone(),
        Json::String(s) => string(s),
        Json::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        Json::Object(members) => {
            let members: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}:{}", string(k), canonical(v)))
                .collect();
            format!("{{{}}}", members.join(","))
        }
    }
}

fn spaces() -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(
        prop_oneof![4 => Just(""), 1 => Just(" "), 1 => Just("\n  "), 1 => Just("\t\r\n ")],
        1..6,
    )
}

fn depth(json: &Json) -> usize {
    match json {
        Json::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Json::Object(members) => 1 + members.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

#[test]
fn any_object_compacts_to_its_canonical_form_and_value() {
    let objects = (object(value()), spaces());
    check("valid", objects, |(json, spaces)| {
        let text = render(&json, &spaces);
        let stored = compact(&text, 32).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&stored, &canonical(&json), "input {}", text);
        // Same value as serde_json reads from the input, unless a number is out
        // of f64's range for serde_json.
        if let Ok(given) = serde_json::from_str::<Value>(&text) {
            prop_assert_eq!(serde_json::from_str::<Value>(&stored).unwrap(), given);
        }
        // No raw character that could break a record across lines.
        prop_assert!(common::raw_line_breakers(&stored, false).is_empty());
        // Compacting the compact form changes nothing.
        prop_assert_eq!(compact(&stored, 32).unwrap(), stored.clone());
        // Exactly as deep as generated.
        let levels = depth(&json);
        prop_assert!(compact(&text, levels).is_ok());
        if levels > 1 {
            let e = compact(&text, levels - 1).unwrap_err();
            prop_assert!(
                e.message().contains("nesting deeper than"),
                "{}",
                e.message()
            );
        }
        Ok(())
    });
}

// ------------------------------------------------------------ the oracle

/// A JSON value as serde_json reads it, keeping every key (serde_json's `Value`
/// keeps one of equal keys).
enum Tree {
    Leaf,
    List(Vec<Tree>),
    Map(Vec<(String, Tree)>),
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tree, D::Error> {
        struct TreeVisitor;
        impl<'de> Visitor<'de> for TreeVisitor {
            type Value = Tree;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_str<E>(self, _: &str) -> Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_unit<E>(self) -> Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Tree::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Tree::Map(members))
            }
        }
        d.deserialize_any(TreeVisitor)
    }
}

/// Whether `tree`, at nesting `level` if a container, has no duplicate keys and
/// nests at most `max_depth` levels.
fn well_formed(tree: &Tree, level: usize, max_depth: usize) -> bool {
    match tree {
        Tree::Leaf => true,
        Tree::List(items) => {
            level <= max_depth && items.iter().all(|t| well_formed(t, level + 1, max_depth))
        }
        Tree::Map(members) => {
            let mut keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
            keys.sort_unstable();
            level <= max_depth
                && keys.windows(2).all(|pair| pair[0] != pair[1])
                && members
                    .iter()
                    .all(|(_, t)| well_formed(t, level + 1, max_depth))
        }
    }
}

/// Whether `details` should be accepted: `None` when serde_json rejects a number
/// only for its range.
fn oracle(details: &str, max_depth: usize) -> Option<bool> {
    match serde_json::from_str::<Tree>(details) {
        Ok(tree) => Some(matches!(tree, Tree::Map(_)) && well_formed(&tree, 1, max_depth)),
        Err(e) if e.to_string().starts_with("number out of range") => None,
        Err(_) => Some(false),
    }
}

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, char),
    Remove(usize),
    Replace(usize, char),
    /// Copies the chars at `from..from + len` to `to` (can repeat a key).
    Copy {
        from: usize,
        len: usize,
        to: usize,
    },
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let c = prop_oneof![
        3 => proptest::sample::select(
            "{}[]\":,\\/ \t\n\r0123456789-+.eEtrufalsn"
                .chars()
                .collect::<Vec<_>>(),
        ),
        1 => character(),
    ];
    let edit = prop_oneof![
        (any::<usize>(), c.clone()).prop_map(|(at, c)| Edit::Insert(at, c)),
        any::<usize>().prop_map(Edit::Remove),
        (any::<usize>(), c).prop_map(|(at, c)| Edit::Replace(at, c)),
        (any::<usize>(), 1..12usize, any::<usize>()).prop_map(|(from, len, to)| Edit::Copy {
            from,
            len,
            to
        }),
    ];
    prop::collection::vec(edit, 1..4)
}

fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        let n = chars.len();
        match *edit {
            Edit::Insert(at, c) => chars.insert(at % (n + 1), c),
            Edit::Remove(at) if n > 0 => {
                chars.remove(at % n);
            }
            Edit::Replace(at, c) if n > 0 => chars[at % n] = c,
            Edit::Copy { from, len, to } if n > 0 => {
                let from = from % n;
                let copied: Vec<char> = chars[from..(from + len).min(n)].to_vec();
                let to = to % (n + 1);
                chars.splice(to..to, copied);
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

#[test]
fn mutated_input_is_accepted_exactly_when_serde_json_accepts_it() {
    let cases = (object(value()), spaces(), edits(), 1..6usize);
    check("mutated", cases, |(json, spaces, edits, max_depth)| {
        let text = mutate(&render(&json, &spaces), &edits);
        let Some(expected) = oracle(&text, max_depth) else {
            return Ok(());
        };
        match compact(&text, max_depth) {
            Ok(stored) => {
                prop_assert!(expected, "accepted {:?} as {:?}", text, stored);
                prop_assert_eq!(
                    serde_json::from_str::<Value>(&stored).unwrap(),
                    serde_json::from_str::<Value>(&text).unwrap()
                );
            }
            Err(e) => {
                prop_assert!(!expected, "rejected {:?}: {}", text, e.message());
                prop_assert_eq!(e.kind(), ErrorKind::InvalidDetails);
                prop_assert!(e.message().contains(" at byte "), "{}", e.message());
            }
        }
        Ok(())
    });
}

/// An object whose keys come from a few names, each written in any form, so
/// that some repeat once decoded, nested in other such objects.
fn repeating_keys() -> impl Strategy<Value = Json> {
    fn key() -> impl Strategy<Value = Text> {
        let mut names = vec!["é", "\u{2028}", "/", "\\"];
        names.extend(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"]);
        let name = proptest::sample::select(names);
        let form = prop_oneof![
            Just(Form::Raw),
            any::<bool>().prop_map(|upper| Form::Unicode { upper }),
            Just(Form::Short),
        ];
        (name, prop::collection::vec(form, 2))
            .prop_map(|(name, forms)| name.chars().zip(forms).collect())
    }
    fn keyed(inner: impl Strategy<Value = Json>) -> impl Strategy<Value = Json> {
        prop::collection::vec((key(), inner), 1..12).prop_map(Json::Object)
    }
    keyed(Just(Json::Null).prop_recursive(2, 32, 16, keyed))
}

#[test]
fn repeated_keys_are_rejected_exactly_when_serde_json_reads_them() {
    let cases = (repeating_keys(), spaces());
    check("repeated_keys", cases, |(json, spaces)| {
        let text = render(&json, &spaces);
        let expected = oracle(&text, 32).unwrap();
        match compact(&text, 32) {
            Ok(stored) => prop_assert!(expected, "accepted {:?} as {:?}", text, stored),
            Err(e) => {
                prop_assert!(!expected, "rejected {:?}: {}", text, e.message());
                prop_assert!(e.message().contains("duplicate key"), "{}", e.message());
            }
        }
        Ok(())
    });
}

#[test]
fn number_text_is_accepted_exactly_when_serde_json_reads_it() {
    // Any short text of number characters, and near misses of the grammar
    // (leading zeros, empty fraction or exponent).
    let numbers = prop_oneof![
        "[-+.eE0-9]{1,8}",
        "-?(0|[1-9][0-9]{0,3})[0-9]?(\\.[0-9]{0,2})?([eE][+-]?[0-9]{0,2})?",
    ];
    check("numbers", numbers, |number| {
        let text = format!("{{\"n\":{number},\"a\":[{number}]}}");
        let Some(expected) = oracle(&text, 32) else {
            return Ok(());
        };
        match compact(&text, 32) {
            Ok(stored) => {
                prop_assert!(expected, "accepted {}", number);
                prop_assert_eq!(stored, text);
            }
            Err(e) => prop_assert!(!expected, "rejected {}: {}", number, e.message()),
        }
        Ok(())
    });
}

// ------------------------------------------------------------ examples

#[test]
fn numbers_are_kept_as_given_through_export_and_import() {
    let details =
        r#"{"a":1.50,"b":1e2,"c":-0,"d":123456789012345678901234567890,"e":1e400,"f":[0.0E-0]}"#;
    let log = AuditLogger::new(10).unwrap();
    let seq = log
        .log(&NewEvent {
            details: Some(details),
            ..NewEvent::default()
        })
        .unwrap();
    assert_eq!(log.get(seq).unwrap().details(), details);
    let copy = AuditLogger::new(10).unwrap();
    assert_eq!(copy.import_json(&log.export_json()), Ok(1));
    assert_eq!(copy.recent(1)[0].details(), details);
}

#[test]
fn errors_say_where_and_what() {
    for (details, message) in [
        (
            r#"{"a" 1}"#,
            "details is not valid JSON at byte 5: expected ':', found '1'",
        ),
        (
            r#"{"a":1,"a":2}"#,
            r#"details: duplicate key "a" at byte 7"#,
        ),
        (
            "[]",
            "details must be a JSON object: expected '{' at byte 0, found '['",
        ),
    ] {
        let e = compact(details, 32).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidDetails);
        assert_eq!(e.message(), message);
    }
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(32), "]".repeat(32));
    assert_eq!(
        compact(&deep, 32).unwrap_err().message(),
        "details: nesting deeper than 32 levels at byte 36"
    );
}
