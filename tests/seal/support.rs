//! Builds sealed logs in memory for the verifier and bundle tests: events with
//! canonical-looking lines, a checkpoint every `k` events signed by a
//! deterministic key chain, so that tampering can be replayed exactly.

use audit_logger::seal::checkpoint::{public_key_of, CheckpointBody, PublicKey};
use audit_logger::seal::merkle::{leaf_hash, Frontier, Hash};
use audit_logger::seal::{Report, Verifier};
use sha2::{Digest, Sha256};

pub const ORIGIN: &str = "audit-logger/00112233445566778899aabbccddeeff";

/// One journal item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Event { seq: u64, line: String },
    Checkpoint { text: String },
}

/// The seed of epoch `e`'s key in chain `chain` (0 is the genuine one).
pub fn seed(chain: u64, e: u64) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"test key");
    h.update(chain.to_le_bytes());
    h.update(e.to_le_bytes());
    h.finalize().into()
}

pub fn anchor() -> PublicKey {
    public_key_of(&seed(0, 0))
}

pub fn line(seq: u64) -> String {
    format!(
        r#"{{"actor":"user{}","action":"doc.read","resource":"doc:{}","outcome":"success","severity":"INFO","details":{{}},"timestamp":"2026-01-01T00:00:00.{:06}Z","seq":{seq}}}"#,
        seq % 7,
        seq * 3,
        seq
    )
}

/// A log of `n` events with seqs `first..first+n`, a checkpoint after every
/// `k` events, and a final one at the end when `close` (unless the last event
/// already got one, then that one is the final).
#[derive(Clone, Debug)]
pub struct Log {
    pub items: Vec<Item>,
}

pub fn build(n: u64, k: u64, close: bool) -> Log {
    build_with(n, k, close, 1, |_| true)
}

/// As [`build`], keeping only the seqs `keep` accepts (the writer skipped the
/// others: a sealed gap).
pub fn build_with(n: u64, k: u64, close: bool, first_seq: u64, keep: impl Fn(u64) -> bool) -> Log {
    let mut items = Vec::new();
    let mut f = Frontier::new();
    let mut epoch = 0;
    let mut since = 0;
    for i in 0..n {
        let seq = first_seq + i;
        if keep(seq) {
            let l = line(seq);
            f.push(leaf_hash(l.as_bytes()));
            items.push(Item::Event { seq, line: l });
        }
        since += 1;
        let last = i + 1 == n;
        if since == k || (last && close) {
            items.push(Item::Checkpoint {
                text: sign(0, epoch, f.size(), f.root(), last && close),
            });
            epoch += 1;
            since = 0;
        }
    }
    Log { items }
}

/// A checkpoint of chain `chain`, epoch `epoch`, signed by that chain's key of
/// the epoch and naming its next key.
pub fn sign(chain: u64, epoch: u64, size: u64, root: Hash, is_final: bool) -> String {
    sign_with(&seed(chain, epoch), chain, epoch, size, root, is_final)
}

pub fn sign_with(
    secret: &[u8; 32],
    next_chain: u64,
    epoch: u64,
    size: u64,
    root: Hash,
    is_final: bool,
) -> String {
    CheckpointBody {
        origin: ORIGIN.into(),
        size,
        root,
        epoch,
        time: 1_767_225_600_000_000 + epoch * 1_000_000,
        next_key: public_key_of(&seed(next_chain, epoch + 1)),
        is_final,
    }
    .sign(secret)
    .unwrap()
    .to_text()
}

/// Feeds the items to a verifier, each "record" 300 bytes long and 10 per
/// segment, so locations are predictable: item `i` is at
/// `seg-{i / 10}` offset `(i % 10) * 300`.
pub fn verify(items: &[Item], first_seq: Option<u64>) -> Report {
    let mut v = Verifier::new(anchor(), Some(ORIGIN));
    if let Some(s) = first_seq {
        v.expect_first_seq(s);
    }
    feed(&mut v, items, 0);
    v.finish()
}

pub fn location(i: usize) -> (String, u64) {
    (format!("seg-{}", i / 10), (i % 10) as u64 * 300)
}

pub fn feed(v: &mut Verifier, items: &[Item], start: usize) {
    for (j, item) in items.iter().enumerate() {
        let (seg, off) = location(start + j);
        match item {
            Item::Event { seq, line } => v.event(*seq, line.as_bytes(), &seg, off),
            Item::Checkpoint { text } => v.checkpoint(text, &seg, off),
        }
    }
}

/// The item positions of the events and of the checkpoints.
pub fn event_positions(items: &[Item]) -> Vec<usize> {
    (0..items.len())
        .filter(|&i| matches!(items[i], Item::Event { .. }))
        .collect()
}

pub fn checkpoint_positions(items: &[Item]) -> Vec<usize> {
    (0..items.len())
        .filter(|&i| matches!(items[i], Item::Checkpoint { .. }))
        .collect()
}

pub fn seq_at(items: &[Item], i: usize) -> u64 {
    match &items[i] {
        Item::Event { seq, .. } => *seq,
        Item::Checkpoint { .. } => panic!("item {i} is a checkpoint"),
    }
}

/// The first seq of the epoch that the event at item `i` belongs to, and
/// whether a checkpoint after it seals it.
pub fn epoch_of(items: &[Item], i: usize) -> (u64, bool) {
    let mut start = i;
    while start > 0 && matches!(items[start - 1], Item::Event { .. }) {
        start -= 1;
    }
    let sealed = items[i..]
        .iter()
        .any(|it| matches!(it, Item::Checkpoint { .. }));
    (seq_at(items, start), sealed)
}

/// Re-signs a log's checkpoints from item `from` on, recomputing roots over
/// the (tampered) events, with `secret_of(epoch)` as the signing key and chain
/// `next_chain`'s keys as the next keys.
pub fn resign(
    items: &mut [Item],
    from: usize,
    secret_of: impl Fn(u64) -> [u8; 32],
    next_chain: u64,
) {
    let mut f = Frontier::new();
    let mut epoch = 0;
    for (i, item) in items.iter_mut().enumerate() {
        let is_final = match item {
            Item::Event { line, .. } => {
                f.push(leaf_hash(line.as_bytes()));
                continue;
            }
            Item::Checkpoint { text } => text.contains("\nfinal\n"),
        };
        if i >= from {
            *item = Item::Checkpoint {
                text: sign_with(
                    &secret_of(epoch),
                    next_chain,
                    epoch,
                    f.size(),
                    f.root(),
                    is_final,
                ),
            };
        }
        epoch += 1;
    }
}
