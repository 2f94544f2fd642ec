//! Generates the C header with cbindgen. The header is committed: the build
//! writes `include/audit_logger.h` only when it is missing or when
//! AUDIT_LOGGER_BLESS=1, and always writes a fresh copy to OUT_DIR, which the
//! test `header_is_current` compares with the committed one. It also turns
//! the status table (src/ffi/statuses.in) into the Rust code that
//! src/ffi/status.rs includes, and hands that code to cbindgen as well.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// (name, value, ErrorKind variant or "", message, doc).
type Status = (&'static str, u32, &'static str, &'static str, &'static str);
const STATUSES: &[Status] = &include!("src/ffi/statuses.in");

/// The constants, `MESSAGES` (indexed by value) and `status_of(ErrorKind)`.
fn write_statuses(path: &Path) {
    let mut code = String::new();
    for (i, (name, value, _, _, doc)) in STATUSES.iter().enumerate() {
        assert_eq!(
            *value as usize, i,
            "statuses.in: {name} must have the value {i}"
        );
        for line in doc.lines() {
            writeln!(code, "///{}{line}", if line.is_empty() { "" } else { " " }).unwrap();
        }
        writeln!(code, "pub const {name}: AuditStatus = {value};").unwrap();
    }
    writeln!(code, "\nconst MESSAGES: [&CStr; {}] = [", STATUSES.len()).unwrap();
    for (_, _, _, message, _) in STATUSES {
        writeln!(code, "    c{message:?},").unwrap();
    }
    code.push_str("];\n\n/// The status that reports an error of `kind`.\n");
    code.push_str("fn status_of(kind: ErrorKind) -> AuditStatus {\n    match kind {\n");
    for (name, _, kind, _, _) in STATUSES.iter().filter(|s| !s.2.is_empty()) {
        writeln!(code, "        ErrorKind::{kind} => {name},").unwrap();
    }
    code.push_str("    }\n}\n");
    std::fs::write(path, code).expect("OUT_DIR is writable");
}

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=AUDIT_LOGGER_BLESS");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        // Versioned shared library: ABI-compatible releases share the SONAME.
        let major = env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libaudit_logger.so.{major}");
    }

    let statuses = out_dir.join("statuses.rs");
    write_statuses(&statuses);

    let version = |part: &str| env::var(format!("CARGO_PKG_VERSION_{part}")).unwrap();
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is valid");
    let header = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_src(&statuses)
        .with_config(config)
        .with_after_include(format!(
            "\n/** Version of this header; audit_version() gives the library's. */\n\
             #define AUDIT_LOGGER_VERSION_MAJOR {}\n\
             #define AUDIT_LOGGER_VERSION_MINOR {}\n\
             #define AUDIT_LOGGER_VERSION_PATCH {}\n\
             #define AUDIT_LOGGER_VERSION \"{}\"",
            version("MAJOR"),
            version("MINOR"),
            version("PATCH"),
            env::var("CARGO_PKG_VERSION").unwrap()
        ))
        .generate()
        .expect("cbindgen can read the sources");
    header.write_to_file(out_dir.join("audit_logger.h"));

    let committed = crate_dir.join("include/audit_logger.h");
    if !committed.exists() || env::var_os("AUDIT_LOGGER_BLESS").is_some_and(|v| v == "1") {
        header.write_to_file(committed);
    }
}
