//! Tests of the seal (src/seal): Merkle vectors and an independent
//! implementation, the key chain on disk, the verifier's tamper corpus and
//! proof bundles.

#[path = "seal/keys.rs"]
mod keys;
#[path = "seal/merkle.rs"]
mod merkle;
#[path = "seal/proof.rs"]
mod proof;
#[path = "seal/support.rs"]
mod support;
#[path = "seal/verify.rs"]
mod verify;
