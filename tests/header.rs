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
    let version = unsafe { std::ffi::CStr::from_ptr(audit_logger::ffi::severity::audit_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

#[test]
fn every_exported_function_goes_through_the_panic_boundary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (i, _) in source.match_indices("extern \"C\" fn ") {
            let body = &source[i..];
            let open = body.find('{').unwrap();
            let first = body[open + 1..].trim_start();
            if body[..open].contains("unsafe extern \"C\" fn(")
                || body[..open].contains("-> *const c_char {\n    const")
            {
                continue;
            }
            let name = &body[14..body.find('(').unwrap()];
            if name == "audit_version"
                || name == "audit_status_str"
                || name == "audit_last_error_message"
            {
                // Infallible: they only return a pointer to static or thread-local data.
                continue;
            }
            assert!(
                first.starts_with("status(")
                    || first.starts_with("value(")
                    || first.starts_with("boundary::value("),
                "{name} does not start with the panic boundary"
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "checked only {checked} functions");
}
