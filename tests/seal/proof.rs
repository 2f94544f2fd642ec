//! Proof bundles: built from a log, verified offline with the anchor only;
//! any change to a line, a proof, a checkpoint or the chain fails.
use audit_logger::seal::merkle::{leaf_hash, Hash};
use audit_logger::seal::{verify_bundle, FindingClass, ProofBundle};

use crate::support::*;

fn parts(items: &[Item]) -> (Vec<Hash>, Vec<String>, Vec<String>) {
    let mut leaves = Vec::new();
    let mut lines = Vec::new();
    let mut cps = Vec::new();
    for it in items {
        match it {
            Item::Event { line, .. } => {
                leaves.push(leaf_hash(line.as_bytes()));
                lines.push(line.clone());
            }
            Item::Checkpoint { text } => cps.push(text.clone()),
        }
    }
    (leaves, lines, cps)
}

fn bundle(n: u64, k: u64, chosen: &[u64]) -> ProofBundle {
    let log = build(n, k, true);
    let (leaves, lines, cps) = parts(&log.items);
    let events: Vec<(u64, String)> = chosen
        .iter()
        .map(|&i| (i, lines[i as usize].clone()))
        .collect();
    ProofBundle::build(&leaves, &cps, &events).unwrap()
}

fn first_class(b: &ProofBundle) -> Option<FindingClass> {
    let r = verify_bundle(b, &anchor(), Some(ORIGIN));
    r.findings.first().map(|f| f.class)
}

#[test]
fn good_bundles_verify_after_a_json_round_trip() {
    for (n, k) in [(1u64, 1u64), (7, 3), (50, 7), (200, 16)] {
        let chosen: Vec<u64> = (0..n).step_by(3).collect();
        let b = bundle(n, k, &chosen);
        let json = b.to_json();
        let back = ProofBundle::from_json(&json).unwrap();
        assert_eq!(back, b);
        let r = verify_bundle(&back, &anchor(), Some(ORIGIN));
        assert!(r.is_valid(), "{n}/{k}: {:#?}", r.findings);
        assert_eq!(r.events_verified, chosen.len() as u64);
        assert_eq!(r.checkpoints as usize, b.checkpoints.len());
        // Without an expected origin too.
        assert!(verify_bundle(&back, &anchor(), None).is_valid());
    }
}

#[test]
fn tampered_bundles_fail() {
    let b = bundle(50, 7, &[0, 5, 17, 33, 49]);
    let mut count = 0;
    let mut check = |t: ProofBundle, want: FindingClass, what: &str| {
        assert_eq!(first_class(&t), Some(want), "{what}");
        count += 1;
    };
    for i in 0..b.events.len() {
        let mut t = b.clone();
        t.events[i].line = t.events[i].line.replace("success", "failure");
        check(t, FindingClass::Modified, "line");
        let mut t = b.clone();
        if let Some(p) = t.events[i].proof.first_mut() {
            *p = p.replacen(|c: char| c.is_ascii_alphabetic(), "0", 1);
            check(t, FindingClass::Modified, "proof hash");
        }
        let mut t = b.clone();
        t.events[i].proof.pop();
        check(t, FindingClass::Modified, "short proof");
        let mut t = b.clone();
        t.events[i].index ^= 1;
        let r = verify_bundle(&t, &anchor(), Some(ORIGIN));
        assert!(r.is_tampered(), "index {i}");
    }
    // The events swapped.
    let mut t = b.clone();
    t.events.swap(1, 2);
    check(t, FindingClass::Reordered, "order");
    // The chain: a checkpoint dropped, edited, re-signed, replaced.
    let mut t = b.clone();
    t.checkpoints.remove(3);
    t.consistency.remove(3);
    check(t, FindingClass::MissingCheckpoint, "drop checkpoint");
    let mut t = b.clone();
    t.checkpoints[2] = t.checkpoints[2].replacen("time 1", "time 2", 1);
    check(t, FindingClass::WrongEpochKey, "edit checkpoint");
    let mut t = b.clone();
    t.checkpoints[0] = t.checkpoints[0].replacen("time 1", "time 2", 1);
    check(t, FindingClass::Resigned, "edit checkpoint 0");
    let mut t = b.clone();
    t.checkpoints[1] = t.checkpoints[1].replacen("\n\n", "\n", 1);
    check(t, FindingClass::Malformed, "garble checkpoint");
    let mut t = b.clone();
    t.consistency[4][0] = t.consistency[4][1].clone();
    check(t, FindingClass::InconsistentSize, "consistency proof");
    let mut t = b.clone();
    t.consistency.pop();
    check(t, FindingClass::InconsistentSize, "consistency count");
    let mut t = b.clone();
    t.format = "something-else".into();
    check(t, FindingClass::Malformed, "format");
    assert!(count >= 20, "{count}");
}

/// The holder of a stolen later key forges the last checkpoint over a
/// rewritten history: its own signature is fine (it holds the key the chain
/// certifies), but the consistency proof to the earlier, honestly signed
/// checkpoint cannot be made.
#[test]
fn a_stolen_key_cannot_rewrite_sealed_history_in_a_bundle() {
    let log = build(30, 5, true);
    let (_, lines, cps) = parts(&log.items);
    let last_epoch = cps.len() as u64 - 1;
    // Rewrite event 2 and re-sign only the last checkpoint with its genuine
    // (stolen) key.
    let mut forged_lines = lines.clone();
    forged_lines[2] = forged_lines[2].replace("success", "failure");
    let leaves: Vec<Hash> = forged_lines
        .iter()
        .map(|l| leaf_hash(l.as_bytes()))
        .collect();
    let root = audit_logger::seal::merkle::root(&leaves);
    let mut forged_cps = cps.clone();
    forged_cps[last_epoch as usize] = sign(0, last_epoch, 30, root, true);
    // Build with the honest tree for the earlier checkpoints' proofs is
    // impossible; the builder refuses, so assemble the bundle by hand.
    assert!(ProofBundle::build(&leaves, &forged_cps, &[(2, forged_lines[2].clone())]).is_err());
    let honest = {
        let honest_leaves: Vec<Hash> = lines.iter().map(|l| leaf_hash(l.as_bytes())).collect();
        ProofBundle::build(&honest_leaves, &cps, &[(2, lines[2].clone())]).unwrap()
    };
    let tree = audit_logger::seal::merkle::Tree::new(leaves.clone());
    let mut t = honest.clone();
    t.checkpoints = forged_cps;
    let b64 = |h: &Hash| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(h)
    };
    t.events[0].line = forged_lines[2].clone();
    t.events[0].proof = tree.inclusion_proof(2, 30).iter().map(b64).collect();
    let n = t.consistency.len();
    t.consistency[n - 1] = tree.consistency_proof(25, 30).iter().map(b64).collect();
    let r = verify_bundle(&t, &anchor(), Some(ORIGIN));
    assert!(r.is_tampered());
    assert_eq!(
        r.findings[0].class,
        FindingClass::InconsistentSize,
        "{:#?}",
        r.findings
    );
}

#[test]
fn the_builder_checks_its_inputs() {
    let log = build(10, 5, true);
    let (leaves, lines, cps) = parts(&log.items);
    assert!(ProofBundle::build(&leaves, &cps, &[(3, lines[4].clone())]).is_err());
    assert!(ProofBundle::build(
        &leaves,
        &cps,
        &[(4, lines[4].clone()), (3, lines[3].clone())]
    )
    .is_err());
    assert!(ProofBundle::build(&leaves[..9], &cps, &[]).is_err());
    assert!(ProofBundle::build(&leaves, &[], &[]).is_err());
    assert!(ProofBundle::from_json("{\"format\":1}").is_err());
}
