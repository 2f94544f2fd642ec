//! RFC 9162 conformance: the transparency-dev/merkle verification vectors, and
//! roots and proofs compared with the ct-merkle crate, an independent RFC 6962
//! implementation (same tree and proof format as RFC 9162).

use audit_logger::seal::merkle::{
    consistency_proof, inclusion_proof, leaf_hash, root, verify_consistency, verify_inclusion,
    Frontier, Hash, Tree,
};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use sha2::Sha256;

/// A base64 hash that may be of the wrong length in a "bad" vector: such a
/// case can only fail.
fn try_h(s: &serde_json::Value) -> Option<Hash> {
    let v = B64.decode(s.as_str()?).ok()?;
    v.try_into().ok()
}

fn proof(v: &serde_json::Value) -> Option<Vec<Hash>> {
    match v {
        serde_json::Value::Null => Some(Vec::new()),
        serde_json::Value::Array(a) => a.iter().map(try_h).collect(),
        _ => panic!("proof is {v}"),
    }
}

fn vectors() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/seal/vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn transparency_dev_inclusion_vectors() {
    let v = vectors();
    let cases = v["inclusion"].as_array().unwrap();
    assert!(cases.len() > 90);
    let (mut good, mut bad) = (0, 0);
    for c in cases {
        let want_err = c["wantErr"].as_bool().unwrap();
        let got = match (try_h(&c["leafHash"]), try_h(&c["root"]), proof(&c["proof"])) {
            (Some(leaf), Some(r), Some(p)) => verify_inclusion(
                &leaf,
                c["leafIdx"].as_u64().unwrap(),
                c["treeSize"].as_u64().unwrap(),
                &p,
                &r,
            ),
            _ => false,
        };
        assert_eq!(got, !want_err, "{}", c["file"]);
        if want_err {
            bad += 1
        } else {
            good += 1
        }
    }
    assert!(good >= 5 && bad >= 80, "{good} good, {bad} bad");
}

#[test]
fn transparency_dev_consistency_vectors() {
    let v = vectors();
    let cases = v["consistency"].as_array().unwrap();
    assert!(cases.len() > 90);
    let mut unrepresentable = 0;
    for c in cases {
        let want_err = c["wantErr"].as_bool().unwrap();
        if !want_err && (try_h(&c["root1"]).is_none() || try_h(&c["root2"]).is_none()) {
            // A "root" that is not 32 bytes (the Go verifier does not look at
            // it when the sizes are equal): not expressible with `Hash`.
            unrepresentable += 1;
            continue;
        }
        let got = match (try_h(&c["root1"]), try_h(&c["root2"]), proof(&c["proof"])) {
            (Some(r1), Some(r2), Some(p)) => verify_consistency(
                c["size1"].as_u64().unwrap(),
                c["size2"].as_u64().unwrap(),
                &r1,
                &r2,
                &p,
            ),
            _ => false,
        };
        assert_eq!(got, !want_err, "{}", c["file"]);
    }
    assert!(unrepresentable <= 1, "{unrepresentable}");
    // The happy paths carry real proofs that must also verify.
    assert!(cases
        .iter()
        .any(|c| !c["wantErr"].as_bool().unwrap()
            && c["proof"].as_array().is_some_and(|p| p.len() > 1)));
}

fn leaves(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| format!("{{\"actor\":\"user{}\",\"seq\":{i}}}", i % 13).into_bytes())
        .collect()
}

fn ct_tree(lines: &[Vec<u8>]) -> MemoryBackedTree<Sha256, Vec<u8>> {
    let mut t = MemoryBackedTree::new();
    for l in lines {
        t.push(l.clone());
    }
    t
}

fn flat(p: &[Hash]) -> Vec<u8> {
    p.iter().flatten().copied().collect()
}

/// Every size 1..=300: roots, every inclusion proof of some sizes, and every
/// consistency proof, byte for byte, against ct-merkle; and ct-merkle's
/// verifier accepts ours.
#[test]
fn agrees_with_ct_merkle_for_sizes_up_to_300() {
    let lines = leaves(300);
    let hashes: Vec<Hash> = lines.iter().map(|l| leaf_hash(l)).collect();
    let tree = Tree::new(hashes.clone());
    let mut frontier = Frontier::new();
    let mut ct = MemoryBackedTree::<Sha256, Vec<u8>>::new();
    for n in 1..=300usize {
        frontier.push(hashes[n - 1]);
        ct.push(lines[n - 1].clone());
        let ct_root = ct.root();
        assert_eq!(
            ct_root.as_bytes().as_slice(),
            root(&hashes[..n]),
            "root {n}"
        );
        assert_eq!(frontier.root(), tree.root(n as u64));
        assert_eq!(frontier.root().as_slice(), ct_root.as_bytes().as_slice());
        // Inclusion: all indices for every seventh size, a few for the rest.
        let indices: Vec<usize> = if n % 7 == 0 || n < 20 {
            (0..n).collect()
        } else {
            vec![0, n / 3, n / 2, n - 1]
        };
        for i in indices {
            let ours = tree.inclusion_proof(i as u64, n as u64);
            let theirs = ct.prove_inclusion(i);
            assert_eq!(flat(&ours), theirs.as_bytes(), "inclusion {i}/{n}");
            let p = InclusionProof::<Sha256>::try_from_bytes(flat(&ours)).unwrap();
            ct_root
                .verify_inclusion(&lines[i], i as u64, &p)
                .unwrap_or_else(|e| panic!("ct-merkle rejects our inclusion {i}/{n}: {e}"));
        }
        // Consistency: every old size m < n into n for small or round n,
        // a spread of m for the rest.
        let olds: Vec<usize> = if n <= 64 || n % 10 == 0 {
            (1..n).collect()
        } else {
            vec![1, 2, n / 4, n / 2, n / 2 + 1, n - 2, n - 1]
        };
        for m in olds.into_iter().filter(|&m| m >= 1 && m < n) {
            let ours = tree.consistency_proof(m as u64, n as u64);
            let theirs = ct.prove_consistency(n - m);
            assert_eq!(flat(&ours), theirs.as_bytes(), "consistency {m}->{n}");
            let old = RootHash::<Sha256>::new(root(&hashes[..m]).into(), m as u64);
            let p = ConsistencyProof::<Sha256>::try_from_bytes(flat(&ours)).unwrap();
            ct_root
                .verify_consistency(&old, &p)
                .unwrap_or_else(|e| panic!("ct-merkle rejects our consistency {m}->{n}: {e}"));
        }
    }
}

/// A few large sizes, where the slice functions and the cached tree must agree
/// with ct-merkle too.
#[test]
fn agrees_with_ct_merkle_for_large_sizes() {
    let lines = leaves(5000);
    let hashes: Vec<Hash> = lines.iter().map(|l| leaf_hash(l)).collect();
    let tree = Tree::new(hashes.clone());
    for n in [1023usize, 1024, 1025, 4097, 5000] {
        let ct = ct_tree(&lines[..n]);
        assert_eq!(ct.root().as_bytes().as_slice(), tree.root(n as u64));
        for i in [0, 1, 511, 1000, n / 2, n - 2, n - 1] {
            let ours = inclusion_proof(&hashes, i as u64, n as u64);
            assert_eq!(ours, tree.inclusion_proof(i as u64, n as u64));
            assert_eq!(flat(&ours), ct.prove_inclusion(i).as_bytes(), "{i}/{n}");
        }
        for m in [1usize, 2, 3, 512, 1000, 1023, 1024, n - 1] {
            if m >= n {
                continue;
            }
            let ours = consistency_proof(&hashes, m as u64, n as u64);
            assert_eq!(ours, tree.consistency_proof(m as u64, n as u64));
            assert_eq!(
                flat(&ours),
                ct.prove_consistency(n - m).as_bytes(),
                "{m}->{n}"
            );
            assert!(verify_consistency(
                m as u64,
                n as u64,
                &tree.root(m as u64),
                &tree.root(n as u64),
                &ours
            ));
        }
    }
}
