//! Severity levels, with the reference's numbers.

use super::error::{quote, Error, ErrorKind, Result};

/// How serious an event is. The numbers are stable and shared with the C ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u32)]
pub enum Severity {
    /// Routine activity (10).
    Info = 10,
    /// Something worth a look (20).
    Warning = 20,
    /// A failed or refused operation (30).
    Error = 30,
    /// A breach or an action that needs immediate attention (40).
    Critical = 40,
}

impl Severity {
    /// Every severity, from least to most severe.
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Warning,
        Severity::Error,
        Severity::Critical,
    ];

    /// The stable number: 10, 20, 30 or 40.
    pub fn value(self) -> u32 {
        self as u32
    }

    /// The upper-case name: `INFO`, `WARNING`, `ERROR` or `CRITICAL`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
            Severity::Critical => "CRITICAL",
        }
    }

    /// The severity with number `value`; any other number is an error.
    pub fn from_value(value: u32) -> Result<Self> {
        Severity::ALL
            .into_iter()
            .find(|s| s.value() == value)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidSeverity,
                    format!("severity {value} is not one of 10 (INFO), 20 (WARNING), 30 (ERROR), 40 (CRITICAL)"),
                )
            })
    }

    /// The severity named `name`, ignoring ASCII case; an unknown name is an error
    /// (the reference silently turns it into INFO).
    pub fn from_name(name: &str) -> Result<Self> {
        Severity::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidSeverity,
                    format!(
                        "severity name {} is not one of INFO, WARNING, ERROR, CRITICAL",
                        quote(name)
                    ),
                )
            })
    }
}
