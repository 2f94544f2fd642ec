//! Tamper evidence for the journal (work in progress).

pub mod checkpoint;
pub mod keys;
pub mod merkle;
pub mod proof;
pub mod verify;

pub use checkpoint::{Checkpoint, CheckpointBody, PublicKey};
pub use keys::KeyChain;
pub use proof::{verify_bundle, ProofBundle};
pub use verify::{Finding, FindingClass, Location, Report, Verifier};
