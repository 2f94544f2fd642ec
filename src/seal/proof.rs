//! Proofs that leave the process: a [`ProofBundle`] carries some events, an
//! inclusion proof for each, and the checkpoint chain from epoch 0 to the
//! checkpoint they are proven against, with a consistency proof between each
//! pair of consecutive checkpoints. A third party verifies it offline with the
//! trust anchor alone ([`verify_bundle`]).
//!
//! Why the whole chain: a checkpoint is only as trustworthy as the key that
//! signed it, and only the anchor is known out of band. The chain certifies
//! each epoch's key from the anchor; the consistency proofs bind every
//! checkpoint's tree to the one before, so that a holder of a stolen later key
//! cannot sign a tree that rewrites leaves sealed by earlier, erased keys.
//! Checkpoints are about 330 bytes and a consistency proof about 32 bytes per
//! tree level, so the chain costs well under a kilobyte per epoch.
//!
//! The JSON (`docs/FORMAT-seal.md` has the exact schema):
//!
//! ```json
//! {
//!   "format": "audit-logger-proofs/1",
//!   "checkpoints": ["<checkpoint text of epoch 0>", "…"],
//!   "consistency": [["<base64 hash>", "…"], "…"],
//!   "events": [{"index": 17, "line": "{…,\"seq\":18}", "proof": ["<base64 hash>", "…"]}]
//! }
//! ```

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::checkpoint::{Checkpoint, PublicKey};
use super::merkle::{leaf_hash, verify_consistency, verify_inclusion, Hash, Tree, EMPTY_ROOT};
use super::verify::{CheckpointSummary, Finding, FindingClass, Location, Report};
use crate::core::{Error, ErrorKind, Result};

/// The value of the bundle's `format` member.
pub const BUNDLE_FORMAT: &str = "audit-logger-proofs/1";

/// One proven event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvenEvent {
    /// The event's leaf index in the tree (its position in the journal).
    pub index: u64,
    /// The event's stored line, exactly as hashed.
    pub line: String,
    /// The inclusion proof (base64 hashes, leaf first) against the last
    /// checkpoint of the bundle.
    pub proof: Vec<String>,
}

/// A set of events with everything needed to verify them offline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofBundle {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// Checkpoint texts of epochs 0, 1, … up to the one the events are proven
    /// against (the last).
    pub checkpoints: Vec<String>,
    /// `consistency[i]` proves the tree of `checkpoints[i]` a prefix of the
    /// tree of `checkpoints[i + 1]` (base64 hashes).
    pub consistency: Vec<Vec<String>>,
    /// The proven events, in increasing index order.
    pub events: Vec<ProvenEvent>,
}

fn b64_hashes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| B64.encode(h)).collect()
}

fn decode_hashes(hashes: &[String]) -> Option<Vec<Hash>> {
    hashes
        .iter()
        .map(|s| {
            let v = B64.decode(s).ok()?;
            v.try_into().ok()
        })
        .collect()
}

/// The seq of a canonical event line: the number after its last `"seq":`
/// (the last key). `None` when there is none.
pub fn seq_of_line(line: &str) -> Option<u64> {
    let at = line.rfind("\"seq\":")?;
    let digits: String = line[at + 6..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

fn bad_arg(message: String) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

impl ProofBundle {
    /// Builds a bundle from the journal's leaf hashes (at least as many as the
    /// last checkpoint's size), the checkpoint chain from epoch 0 (texts, in
    /// order), and the events to prove as (leaf index, stored line), in
    /// increasing index order.
    ///
    /// Fails when a checkpoint does not parse or does not match `leaves`, or
    /// an event's line does not hash to the leaf at its index.
    pub fn build(
        leaves: &[Hash],
        checkpoints: &[String],
        events: &[(u64, String)],
    ) -> Result<ProofBundle> {
        let parsed: Vec<Checkpoint> = checkpoints
            .iter()
            .map(|t| Checkpoint::parse(t))
            .collect::<Result<_>>()?;
        let last = parsed
            .last()
            .ok_or_else(|| bad_arg("a proof bundle needs at least one checkpoint".into()))?;
        let size = last.body.size;
        if size > leaves.len() as u64 {
            return Err(bad_arg(format!(
                "the last checkpoint has size {size} but only {} leaves were given",
                leaves.len()
            )));
        }
        let tree = Tree::new(leaves[..size as usize].to_vec());
        for c in &parsed {
            if c.body.size > size || tree.root(c.body.size) != c.body.root {
                return Err(bad_arg(format!(
                    "checkpoint of epoch {} does not match the leaves given",
                    c.body.epoch
                )));
            }
        }
        let consistency = parsed
            .windows(2)
            .map(|w| b64_hashes(&tree.consistency_proof(w[0].body.size, w[1].body.size)))
            .collect();
        let mut out = Vec::with_capacity(events.len());
        let mut previous: Option<u64> = None;
        for (index, line) in events {
            if previous.is_some_and(|p| *index <= p) {
                return Err(bad_arg(format!(
                    "event indices must increase: {index} after {}",
                    previous.unwrap_or(0)
                )));
            }
            previous = Some(*index);
            if *index >= size {
                return Err(bad_arg(format!(
                    "event index {index} is not sealed by the last checkpoint (size {size})"
                )));
            }
            if leaf_hash(line.as_bytes()) != leaves[*index as usize] {
                return Err(bad_arg(format!(
                    "the line given for index {index} is not the journal's leaf"
                )));
            }
            out.push(ProvenEvent {
                index: *index,
                line: line.clone(),
                proof: b64_hashes(&tree.inclusion_proof(*index, size)),
            });
        }
        Ok(ProofBundle {
            format: BUNDLE_FORMAT.to_owned(),
            checkpoints: checkpoints.to_vec(),
            consistency,
            events: out,
        })
    }

    /// The bundle as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a bundle always serialises")
    }

    /// Reads a bundle from JSON (unknown members are an error).
    pub fn from_json(text: &str) -> Result<ProofBundle> {
        serde_json::from_str(text).map_err(|e| {
            Error::new(
                ErrorKind::InvalidDocument,
                format!("not a proof bundle: {e}"),
            )
        })
    }
}

/// Verifies a bundle against the trust anchor (and, with `origin`, that it
/// is that log's). The report uses the journal verifier's classes; locations
/// name the bundle member (`checkpoints`, `consistency`, `events`) and the
/// item's index in it. The report is valid when every checkpoint chains from
/// the anchor, every consistency proof holds and every event is proven.
pub fn verify_bundle(bundle: &ProofBundle, anchor: &PublicKey, origin: Option<&str>) -> Report {
    let mut report = Report::default();
    let mut findings = Vec::new();
    let mut push = |f: Finding| findings.push(f);
    if bundle.format != BUNDLE_FORMAT {
        push(finding(
            FindingClass::Malformed,
            None,
            None,
            "format",
            0,
            format!("format '{}' is not '{BUNDLE_FORMAT}'", bundle.format),
        ));
    }
    let mut chain: Vec<Checkpoint> = Vec::new();
    let mut key = *anchor;
    let mut chain_ok = true;
    let mut origin = origin.map(str::to_owned);
    for (i, text) in bundle.checkpoints.iter().enumerate() {
        let c = match Checkpoint::parse(text) {
            Ok(c) => c,
            Err(e) => {
                push(finding(
                    FindingClass::Malformed,
                    None,
                    None,
                    "checkpoints",
                    i,
                    e.to_string(),
                ));
                chain_ok = false;
                continue;
            }
        };
        report.checkpoints += 1;
        let o = origin.get_or_insert_with(|| c.body.origin.clone());
        if *o != c.body.origin {
            push(finding(
                FindingClass::Malformed,
                None,
                Some(c.body.epoch),
                "checkpoints",
                i,
                format!("checkpoint of log '{}', not '{o}'", c.body.origin),
            ));
            chain_ok = false;
        }
        let want_epoch = chain.len() as u64;
        if c.body.epoch != want_epoch {
            let class = if c.body.epoch > want_epoch {
                FindingClass::MissingCheckpoint
            } else {
                FindingClass::Reordered
            };
            push(finding(
                class,
                None,
                Some(want_epoch),
                "checkpoints",
                i,
                format!(
                    "checkpoint {i} is of epoch {}, not {want_epoch}",
                    c.body.epoch
                ),
            ));
            chain_ok = false;
        } else if !c.verify(&key) {
            let class = if want_epoch == 0 {
                FindingClass::Resigned
            } else {
                FindingClass::WrongEpochKey
            };
            push(finding(
                class,
                None,
                Some(c.body.epoch),
                "checkpoints",
                i,
                format!(
                    "checkpoint of epoch {} is not signed by the key {}",
                    c.body.epoch,
                    if want_epoch == 0 {
                        "of the trust anchor".to_owned()
                    } else {
                        format!("checkpoint {} certified", want_epoch - 1)
                    }
                ),
            ));
            chain_ok = false;
        }
        key = c.body.next_key;
        chain.push(c);
    }
    if chain.is_empty() {
        push(finding(
            FindingClass::Malformed,
            None,
            None,
            "checkpoints",
            0,
            "the bundle carries no checkpoint".into(),
        ));
        report.findings = findings;
        return report;
    }
    if bundle.consistency.len() + 1 != chain.len() {
        push(finding(
            FindingClass::InconsistentSize,
            None,
            None,
            "consistency",
            bundle.consistency.len(),
            format!(
                "{} consistency proofs for {} checkpoints",
                bundle.consistency.len(),
                chain.len()
            ),
        ));
        chain_ok = false;
    }
    for (i, w) in chain.windows(2).enumerate() {
        let (a, b) = (&w[0].body, &w[1].body);
        let proof = bundle.consistency.get(i).and_then(|p| decode_hashes(p));
        let ok = proof.is_some_and(|p| {
            if a.size == 0 {
                // Every tree extends the empty one; only its root is checked.
                p.is_empty() && a.root == EMPTY_ROOT
            } else {
                verify_consistency(a.size, b.size, &a.root, &b.root, &p)
            }
        });
        if !ok {
            push(finding(
                FindingClass::InconsistentSize,
                None,
                Some(b.epoch),
                "consistency",
                i,
                format!(
                    "the tree of epoch {} (size {}) is not proven a prefix of epoch {} (size {})",
                    a.epoch, a.size, b.epoch, b.size
                ),
            ));
            chain_ok = false;
        }
    }
    let last = chain.last().expect("non-empty").body.clone();
    let mut previous: Option<u64> = None;
    for (i, e) in bundle.events.iter().enumerate() {
        let seq = seq_of_line(&e.line);
        if previous.is_some_and(|p| e.index <= p) {
            push(finding(
                FindingClass::Reordered,
                seq,
                None,
                "events",
                i,
                format!("index {} after index {}", e.index, previous.unwrap_or(0)),
            ));
        }
        previous = Some(previous.map_or(e.index, |p| p.max(e.index)));
        if e.index >= last.size {
            push(finding(
                FindingClass::InconsistentSize,
                seq,
                Some(last.epoch),
                "events",
                i,
                format!(
                    "index {} is beyond the checkpoint's size {}",
                    e.index, last.size
                ),
            ));
            continue;
        }
        let proven = decode_hashes(&e.proof).is_some_and(|p| {
            verify_inclusion(
                &leaf_hash(e.line.as_bytes()),
                e.index,
                last.size,
                &p,
                &last.root,
            )
        });
        if proven {
            if chain_ok {
                report.events_verified += 1;
            }
        } else {
            push(finding(
                FindingClass::Modified,
                seq,
                Some(last.epoch),
                "events",
                i,
                format!(
                    "event at index {} is not proven in the tree of epoch {}",
                    e.index, last.epoch
                ),
            ));
        }
    }
    report.events_total = bundle.events.len() as u64;
    report.epochs = last.epoch + 1;
    report.last_checkpoint = Some(CheckpointSummary {
        epoch: last.epoch,
        size: last.size,
        time: last.time,
        is_final: last.is_final,
        location: Location {
            segment: "checkpoints".into(),
            offset: (bundle.checkpoints.len() - 1) as u64,
        },
    });
    report.findings = findings;
    report
}

fn finding(
    class: FindingClass,
    seq: Option<u64>,
    epoch: Option<u64>,
    member: &str,
    index: usize,
    detail: String,
) -> Finding {
    Finding {
        class,
        seq,
        last_seq: None,
        epoch,
        location: Location {
            segment: member.to_owned(),
            offset: index as u64,
        },
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_is_read_from_the_last_key() {
        assert_eq!(seq_of_line(r#"{"a":"\"seq\":1","seq":42}"#), Some(42));
        assert_eq!(seq_of_line(r#"{"a":1}"#), None);
    }
}
