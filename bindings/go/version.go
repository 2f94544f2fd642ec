package auditlogger

// BindingVersion is the version of this Go package, the same as the library's
// (Cargo.toml); the repository's test package_versions checks that they agree.
// Version() gives the version of the library actually loaded.
const BindingVersion = "0.1.0"
