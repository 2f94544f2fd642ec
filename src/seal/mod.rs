//! Tamper evidence for the journal (work in progress).

pub mod merkle;
