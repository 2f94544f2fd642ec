//! Tamper evidence for the journal: RFC 9162 Merkle trees over the stored
//! event lines, checkpoints signed with a forward-secure chain of Ed25519
//! keys, a verifier, and proofs that leave the process.
//!
//! Pure Rust, no threads, no file framing: the journal decides where lines,
//! checkpoints and frontiers are stored; this module says what they are and
//! checks them. `docs/FORMAT-seal.md` specifies every byte for independent
//! verifiers.
//!
//! # The scheme
//!
//! - **Leaves and tree** ([`merkle`]): each event's stored line (its canonical
//!   compact JSON) is a leaf, `SHA-256(0x00 || line)`; inner nodes are
//!   `SHA-256(0x01 || left || right)`; the root of `n` leaves is RFC 9162's
//!   Merkle Tree Hash. The writer keeps only a [`merkle::Frontier`]
//!   (O(log n) hashes), which a segment header can also store so a verifier
//!   can resume after retention deleted older segments.
//! - **Epochs and checkpoints** ([`checkpoint`], [`keys`]): the writer ends an
//!   epoch every N events or T seconds (also when idle, and at close) with a
//!   checkpoint: origin, tree size, root, epoch number, time, and the public
//!   key of the next epoch, signed with the current epoch's Ed25519 key, which
//!   is then erased from memory and from the key state file. The epoch 0
//!   public key is the trust anchor, kept out of band by the operator.
//! - **Verification** ([`verify`]): recompute the tree from the stored lines,
//!   require one checkpoint per epoch, each signed by the key its predecessor
//!   certified (epoch 0 by the anchor), sizes monotonic and matching the
//!   events, roots matching; events after the last checkpoint are an unsealed
//!   tail, reported and not counted as verified.
//! - **Proofs** ([`proof`]): a bundle of chosen events with inclusion proofs,
//!   the checkpoint chain from epoch 0 and consistency proofs between
//!   consecutive checkpoints verifies offline with the anchor alone.
//!
//! # What it detects, and what it cannot
//!
//! An attacker who takes the machine at epoch k learns at most the key of
//! epoch k (earlier ones are erased). Changing, deleting, inserting or
//! reordering an event sealed in an earlier epoch breaks that epoch's signed
//! root, and re-signing that checkpoint needs a key that no longer exists:
//! signing it with the stolen key is caught as [`FindingClass::WrongEpochKey`],
//! re-signing the whole journal with a new chain as [`FindingClass::Resigned`]
//! (the journald CVE-2023-31439 pattern), dropping checkpoints as
//! [`FindingClass::MissingCheckpoint`].
//!
//! It cannot detect:
//!
//! - changes to events of the epoch that was open at the compromise, or any
//!   later one: the attacker holds the key that will seal them;
//! - changes to the unsealed tail (reported as unsealed, never as verified);
//! - deletion of the whole journal together with every copy of the anchor:
//!   nothing is left to compare with. A verifier without the out-of-band
//!   anchor can be fooled by a journal re-signed with a new one;
//! - truncation that removes the newest events together with their
//!   checkpoints: what remains is a valid shorter journal. It shows only as
//!   [`Report::last_checkpoint`] being old (its `time`) or not `final` while
//!   the writer was stopped cleanly; publish checkpoints elsewhere (a
//!   collector, a witness) to detect it;
//! - an erased key that the storage kept: SSDs and copy-on-write or
//!   journaling filesystems may keep old blocks of the key state file.

pub mod checkpoint;
pub mod keys;
pub mod merkle;
pub mod proof;
pub mod verify;

pub use checkpoint::{Checkpoint, CheckpointBody, PublicKey};
pub use keys::KeyChain;
pub use proof::{verify_bundle, ProofBundle};
pub use verify::{Finding, FindingClass, Location, Report, Verifier};
