//! The committed C header matches what cbindgen generates from the sources, and
//! its version macros match Cargo.toml.

#[test]
fn header_is_current() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/audit_logger.h"));
    let committed = include_str!("../include/audit_logger.h");
    assert!(
        generated == committed,
        "include/audit_logger.h is stale: rebuild with AUDIT_LOGGER_BLESS=1 and commit it"
    );
}

#[test]
fn header_version_matches_the_crate() {
    let header = include_str!("../include/audit_logger.h");
    for (part, value) in [
        ("MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        assert!(header.contains(&format!("#define AUDIT_LOGGER_VERSION_{part} {value}\n")));
    }
    let version = unsafe { std::ffi::CStr::from_ptr(audit_logger::ffi::status::audit_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

/// The first statement of each function body in `source`, by function name.
fn first_statements(source: &str) -> Vec<(String, bool, String)> {
    let mut out = Vec::new();
    for (i, _) in source.match_indices("fn ") {
        let rest = &source[i + 3..];
        let Some(paren) = rest.find(['(', '<']) else {
            continue;
        };
        let name = rest[..paren].trim();
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(open) = rest.find('{') else { continue };
        if rest[..open].contains(';') {
            continue; // a declaration or a type, not a definition
        }
        let exported = source[..i].ends_with("extern \"C\" ");
        let first = rest[open + 1..].trim_start().to_owned();
        out.push((name.to_owned(), exported, first));
    }
    out
}

#[test]
fn every_exported_function_goes_through_the_panic_boundary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let mut functions = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        functions.extend(first_statements(
            &std::fs::read_to_string(entry.unwrap().path()).unwrap(),
        ));
    }
    let guarded = |first: &str| first.starts_with("status(") || first.starts_with("value(");
    // Private helpers whose body is the boundary, or a call of such a helper,
    // may stand in for it.
    let mut helpers: Vec<&str> = Vec::new();
    loop {
        let more: Vec<&str> = functions
            .iter()
            .filter(|(name, exported, first)| {
                !exported
                    && !helpers.contains(&name.as_str())
                    && (guarded(first)
                        || helpers.iter().any(|h| first.starts_with(&format!("{h}("))))
            })
            .map(|(name, _, _)| name.as_str())
            .collect();
        if more.is_empty() {
            break;
        }
        helpers.extend(more);
    }
    // Infallible: they only return a pointer to static or thread-local data.
    let trivial = [
        "audit_version",
        "audit_status_str",
        "audit_last_error_message",
        "audit_last_error_errno",
    ];
    let mut checked = 0;
    for (name, exported, first) in &functions {
        if !exported || trivial.contains(&name.as_str()) {
            continue;
        }
        assert!(
            guarded(first) || helpers.iter().any(|h| first.starts_with(&format!("{h}("))),
            "{name} does not start with the panic boundary"
        );
        checked += 1;
    }
    let exported = include_str!("../include/audit_logger.h")
        .matches("\n/**")
        .count();
    assert!(
        checked >= 50,
        "checked only {checked} functions ({exported} documented items)"
    );
}

#[test]
fn the_header_declares_every_exported_function() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let header = include_str!("../include/audit_logger.h");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        // cbindgen does not expand macros: a function made by one would be
        // exported but never declared.
        assert!(
            !source.contains("macro_rules!"),
            "src/ffi must not define functions with macros"
        );
        for (name, exported, _) in first_statements(&source) {
            if exported {
                assert!(
                    header.contains(&format!(" {name}(")) || header.contains(&format!("*{name}(")),
                    "{name} is missing from the header"
                );
                n += 1;
            }
        }
    }
    assert!(n >= 50, "found only {n} exported functions");
}

#[test]
fn every_name_the_header_defines_is_the_librarys() {
    let header = include_str!("../include/audit_logger.h");
    for line in header.lines() {
        let Some(rest) = line.strip_prefix("#define ") else {
            continue;
        };
        let name = rest.split_whitespace().next().unwrap_or("");
        assert!(
            name.starts_with("AUDIT_"),
            "the header defines {name}, which is not part of the C API (exclude it in cbindgen.toml)"
        );
    }
}
