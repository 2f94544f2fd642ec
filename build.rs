//! Generates the C header with cbindgen. The header is committed: the build
//! writes `include/audit_logger.h` only when it is missing or when
//! AUDIT_LOGGER_BLESS=1, and always writes a fresh copy to OUT_DIR, which the
//! test `header_is_current` compares with the committed one.

use std::env;
use std::path::PathBuf;

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

    let version = |part: &str| env::var(format!("CARGO_PKG_VERSION_{part}")).unwrap();
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is valid");
    let header = cbindgen::Builder::new()
        .with_crate(&crate_dir)
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
