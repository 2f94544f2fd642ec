//! Tamper evidence for the journal (work in progress).

pub mod checkpoint;
pub mod keys;
pub mod merkle;

pub use checkpoint::{Checkpoint, CheckpointBody, PublicKey};
pub use keys::KeyChain;
