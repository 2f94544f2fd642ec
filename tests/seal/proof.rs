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

/// The worked example of docs/FORMAT-seal.md, byte for byte (Ed25519
/// signatures are deterministic). Checked independently of this crate with
/// Python's hashlib and the `cryptography` package when it was written.
#[test]
fn the_documented_example() {
    use audit_logger::seal::checkpoint::{public_key_of, CheckpointBody};
    use audit_logger::seal::merkle::root;
    use audit_logger::seal::Checkpoint;
    let lines = [
        r#"{"actor":"admin","action":"user.delete","resource":"user:42","outcome":"success","severity":"WARNING","details":{"reason":"GDPR request"},"timestamp":"2026-01-01T00:00:00.000001Z","seq":1}"#,
        r#"{"actor":"admin","action":"user.create","resource":"user:43","outcome":"success","severity":"INFO","details":{},"timestamp":"2026-01-01T00:00:01.000000Z","seq":2}"#,
        r#"{"actor":"bob","action":"doc.read","resource":"doc:7","outcome":"denied","severity":"ERROR","details":{},"timestamp":"2026-01-01T00:00:02.500000Z","seq":3}"#,
    ];
    let leaves: Vec<Hash> = lines.iter().map(|l| leaf_hash(l.as_bytes())).collect();
    let hex = |h: &Hash| h.iter().map(|x| format!("{x:02x}")).collect::<String>();
    assert_eq!(
        leaves.iter().map(hex).collect::<Vec<_>>(),
        [
            "41b975b5a23a9a001a1b4a1c0c5d8a1d0b8488a5f00ff8bfdc63d6bbfae83d2f",
            "09069a92663e30678b121e714cc48e3c43e13b43a4af51dc295f55224947bfa8",
            "1b8b34d50607f508cd0f4b392cf6548386f26611edb847888da16b2bcceb17a9",
        ]
    );
    let anchor = public_key_of(&[0x01; 32]);
    let c = CheckpointBody {
        origin: "audit-logger/00112233445566778899aabbccddeeff".into(),
        size: 3,
        root: root(&leaves),
        epoch: 0,
        time: 1_767_225_603_000_000,
        next_key: public_key_of(&[0x02; 32]),
        is_final: false,
    }
    .sign(&[0x01; 32])
    .unwrap();
    let text = "audit-logger/00112233445566778899aabbccddeeff\n\
                3\n\
                AA6CkXq0lhjFdMjKJ/PDA5YKOrCrzaen6JLSXKR6cHQ=\n\
                epoch 0\n\
                time 1767225603000000\n\
                next gTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q=\n\
                \n\
                \u{2014} audit-logger/00112233445566778899aabbccddeeff PX9l33GKZ0h6EryFP6mnt+0fHV41uN2lD6TUu1b/DC7ve3H0khnLlD1tZOF4QIT2QdQS14mS/DoU6cjwxeoPlFQbxAk=\n";
    assert_eq!(c.to_text(), text);
    assert!(Checkpoint::parse(text).unwrap().verify(&anchor));
    let b = ProofBundle::build(&leaves, &[text.to_owned()], &[(1, lines[1].to_owned())]).unwrap();
    assert_eq!(
        b.events[0].proof,
        [
            "Qbl1taI6mgAaG0ocDF2KHQuEiKXwD/i/3GPWu/roPS8=",
            "G4s01QYH9QjND0s5LPZUg4byZhHtuEeIjaFrK8zrF6k="
        ]
    );
    assert!(verify_bundle(&b, &anchor, None).is_valid());
}
