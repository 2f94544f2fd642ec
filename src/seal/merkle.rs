//! RFC 9162 Merkle tree hashing: leaf and node hashes, the frontier (compact
//! range) that a writer keeps, and inclusion and consistency proofs.
//!
//! Everything here follows RFC 9162 §2.1 with SHA-256: the Merkle Tree Hash of
//! an empty list is `SHA-256("")`, a leaf is `SHA-256(0x00 || line)`, an inner
//! node is `SHA-256(0x01 || left || right)`, and a list of `n > 1` leaves splits
//! at `k`, the largest power of two smaller than `n`. Proofs are the RFC's
//! `PATH` (§2.1.3.1) and `PROOF`/`SUBPROOF` (§2.1.4.1), verified with the
//! algorithms of §2.1.3.2 and §2.1.4.2, so any RFC 6962/9162 verifier agrees.

use sha2::{Digest, Sha256};

/// A SHA-256 digest: a leaf hash, an inner node hash or a tree root.
pub type Hash = [u8; 32];

/// The root of the empty tree, `SHA-256("")`.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The hash of one leaf: `SHA-256(0x00 || line)`.
pub fn leaf_hash(line: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(line);
    h.finalize().into()
}

/// The hash of an inner node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly smaller than `n` (`n >= 2`): where RFC 9162
/// splits a list of `n` leaves.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The Merkle Tree Hash (RFC 9162 §2.1.1) of a list of leaf hashes.
///
/// O(n) time and O(log n) memory.
pub fn root(leaves: &[Hash]) -> Hash {
    let mut f = Frontier::new();
    for leaf in leaves {
        f.push(*leaf);
    }
    f.root()
}

/// The right edge of a Merkle tree (a "compact range" from index 0): the roots
/// of the perfect subtrees that make up a tree of `size` leaves, largest first.
///
/// A tree of `size` leaves has one perfect subtree per set bit of `size`, so the
/// frontier holds `size.count_ones()` hashes: O(log n) memory. It is all a
/// writer needs to keep to append leaves and compute the current root, and all
/// a verifier needs to resume mid-log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// Perfect subtree roots, leftmost (largest) first.
    nodes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// Appends one leaf hash (see [`leaf_hash`]).
    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut s = self.size;
        // Each trailing one bit of the old size is a perfect subtree of the same
        // height as `h`: merge it.
        while s & 1 == 1 {
            let left = self.nodes.pop().expect("a node per set bit");
            h = node_hash(&left, &h);
            s >>= 1;
        }
        self.nodes.push(h);
        self.size += 1;
    }

    /// The number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The perfect subtree roots, largest (leftmost) first.
    pub fn nodes(&self) -> &[Hash] {
        &self.nodes
    }

    /// The RFC 9162 Merkle Tree Hash of the leaves appended so far
    /// ([`EMPTY_ROOT`] for none).
    pub fn root(&self) -> Hash {
        let mut it = self.nodes.iter().rev();
        let Some(last) = it.next() else {
            return EMPTY_ROOT;
        };
        it.fold(*last, |acc, left| node_hash(left, &acc))
    }

    /// The serialised frontier: the size as 8 bytes big-endian, then
    /// `size.count_ones()` hashes of 32 bytes, largest subtree first.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 32 * self.nodes.len());
        out.extend_from_slice(&self.size.to_be_bytes());
        for n in &self.nodes {
            out.extend_from_slice(n);
        }
        out
    }

    /// Reads a frontier written by [`Frontier::to_bytes`]. `None` when the
    /// length does not match the size it declares.
    pub fn from_bytes(bytes: &[u8]) -> Option<Frontier> {
        let size = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
        let count = size.count_ones() as usize;
        let rest = &bytes[8..];
        if rest.len() != 32 * count {
            return None;
        }
        let nodes = rest
            .chunks_exact(32)
            .map(|c| c.try_into().expect("32 bytes"))
            .collect();
        Some(Frontier { size, nodes })
    }

    /// The serialised length of a frontier of `size` leaves.
    pub fn encoded_len(size: u64) -> usize {
        8 + 32 * size.count_ones() as usize
    }
}

/// A source of subtree hashes `MTH(D[start:end])`, so that one implementation of
/// the RFC's recursions serves both a plain slice and a [`Tree`] with cached
/// levels.
trait Subtrees {
    fn mth(&self, start: u64, end: u64) -> Hash;
}

/// The RFC's recursion over a plain slice: each call costs O(end - start).
struct SliceSubtrees<'a>(&'a [Hash]);

impl Subtrees for SliceSubtrees<'_> {
    fn mth(&self, start: u64, end: u64) -> Hash {
        root(&self.0[start as usize..end as usize])
    }
}

/// `PATH(m, D[start:end])`, RFC 9162 §2.1.3.1, appended to `out` leaf first.
fn path<S: Subtrees>(s: &S, m: u64, start: u64, end: u64, out: &mut Vec<Hash>) {
    let n = end - start;
    if n <= 1 {
        return;
    }
    let k = split_point(n);
    if m < k {
        path(s, m, start, start + k, out);
        out.push(s.mth(start + k, end));
    } else {
        path(s, m - k, start + k, end, out);
        out.push(s.mth(start, start + k));
    }
}

/// `SUBPROOF(m, D[start:end], b)`, RFC 9162 §2.1.4.1.
fn subproof<S: Subtrees>(s: &S, m: u64, start: u64, end: u64, b: bool, out: &mut Vec<Hash>) {
    let n = end - start;
    if m == n {
        if !b {
            out.push(s.mth(start, end));
        }
        return;
    }
    let k = split_point(n);
    if m <= k {
        subproof(s, m, start, start + k, b, out);
        out.push(s.mth(start + k, end));
    } else {
        subproof(s, m - k, start + k, end, false, out);
        out.push(s.mth(start, start + k));
    }
}

fn check_inclusion_args(len: usize, index: u64, size: u64) {
    assert!(
        size as usize <= len,
        "tree size {size} exceeds the {len} leaves given"
    );
    assert!(
        index < size,
        "leaf index {index} is not below tree size {size}"
    );
}

fn check_consistency_args(len: usize, m: u64, n: u64) {
    assert!(
        n as usize <= len,
        "tree size {n} exceeds the {len} leaves given"
    );
    assert!(m <= n, "old size {m} exceeds new size {n}");
}

/// The inclusion proof (audit path, RFC 9162 §2.1.3.1) of leaf `index` in the
/// tree of the first `size` leaves of `leaves`.
///
/// O(size) time. For many proofs over one large tree use [`Tree`].
///
/// # Panics
/// When `index >= size` or `size > leaves.len()`.
pub fn inclusion_proof(leaves: &[Hash], index: u64, size: u64) -> Vec<Hash> {
    check_inclusion_args(leaves.len(), index, size);
    let mut out = Vec::new();
    path(&SliceSubtrees(leaves), index, 0, size, &mut out);
    out
}

/// The consistency proof (RFC 9162 §2.1.4.1, `PROOF(m, D[n])`) that the tree of
/// the first `m` leaves is a prefix of the tree of the first `n`. Empty when
/// `m == 0` or `m == n`.
///
/// O(n) time.
///
/// # Panics
/// When `m > n` or `n > leaves.len()`.
pub fn consistency_proof(leaves: &[Hash], m: u64, n: u64) -> Vec<Hash> {
    check_consistency_args(leaves.len(), m, n);
    let mut out = Vec::new();
    if m > 0 && m < n {
        subproof(&SliceSubtrees(leaves), m, 0, n, true, &mut out);
    }
    out
}

/// Verifies an inclusion proof with the algorithm of RFC 9162 §2.1.3.2: that
/// `leaf` is the leaf hash at `index` in the tree of `size` leaves whose root is
/// `root`.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let mut fn_ = index;
    let mut sn = size - 1;
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && r == *root
}

/// Verifies a consistency proof with the algorithm of RFC 9162 §2.1.4.2: that
/// the tree of `m` leaves with root `root_m` is a prefix of the tree of `n`
/// leaves with root `root_n`.
///
/// As transparency-dev/merkle's verifier (whose test vectors this passes):
/// `m > n` fails; `m == 0` fails (a proof from the empty tree is meaningless:
/// the empty tree is a prefix of every tree, and callers check that case
/// themselves); `m == n` needs an empty proof and equal roots.
pub fn verify_consistency(m: u64, n: u64, root_m: &Hash, root_n: &Hash, proof: &[Hash]) -> bool {
    if m > n || m == 0 {
        return false;
    }
    if m == n {
        return proof.is_empty() && root_m == root_n;
    }
    if proof.is_empty() {
        return false;
    }
    // Step 2: when m is a power of two, the old root is itself a node of the
    // new tree and the proof omits it.
    let (first, rest): (Hash, &[Hash]) = if m.is_power_of_two() {
        (*root_m, proof)
    } else {
        (proof[0], &proof[1..])
    };
    let mut fn_ = m - 1;
    let mut sn = n - 1;
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let mut fr = first;
    let mut sr = first;
    for c in rest {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    fr == *root_m && sr == *root_n && sn == 0
}

/// A whole Merkle tree kept in memory with every perfect subtree's hash, for
/// many proofs over one large tree: building costs O(n) hashes and about 64
/// bytes per leaf, each proof then O(log² n) at worst.
#[derive(Clone, Debug)]
pub struct Tree {
    /// `levels[h][i]` is the root of the perfect subtree of height `h` over
    /// leaves `[i * 2^h, (i + 1) * 2^h)`.
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// Builds the tree over `leaves` (leaf hashes, see [`leaf_hash`]).
    pub fn new(leaves: Vec<Hash>) -> Tree {
        let mut levels = vec![leaves];
        while levels.last().expect("one level").len() >= 2 {
            let below = levels.last().expect("one level");
            let up = below
                .chunks_exact(2)
                .map(|p| node_hash(&p[0], &p[1]))
                .collect();
            levels.push(up);
        }
        Tree { levels }
    }

    /// The number of leaves.
    pub fn len(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    /// The leaf hashes.
    pub fn leaves(&self) -> &[Hash] {
        &self.levels[0]
    }

    /// The Merkle Tree Hash of the first `size` leaves.
    ///
    /// # Panics
    /// When `size > self.len()`.
    pub fn root(&self, size: u64) -> Hash {
        assert!(
            size <= self.len(),
            "tree size {size} exceeds {} leaves",
            self.len()
        );
        if size == 0 {
            EMPTY_ROOT
        } else {
            self.mth(0, size)
        }
    }

    /// As [`inclusion_proof`], in O(log² n).
    ///
    /// # Panics
    /// When `index >= size` or `size > self.len()`.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Vec<Hash> {
        check_inclusion_args(self.levels[0].len(), index, size);
        let mut out = Vec::new();
        path(self, index, 0, size, &mut out);
        out
    }

    /// As [`consistency_proof`], in O(log² n).
    ///
    /// # Panics
    /// When `m > n` or `n > self.len()`.
    pub fn consistency_proof(&self, m: u64, n: u64) -> Vec<Hash> {
        check_consistency_args(self.levels[0].len(), m, n);
        let mut out = Vec::new();
        if m > 0 && m < n {
            subproof(self, m, 0, n, true, &mut out);
        }
        out
    }
}

impl Subtrees for Tree {
    fn mth(&self, start: u64, end: u64) -> Hash {
        let n = end - start;
        debug_assert!(n >= 1);
        // A perfect, aligned subtree is cached; the RFC's recursions only ever
        // ask for those or for a right edge that splits into them.
        if n.is_power_of_two() && start % n == 0 {
            let h = n.trailing_zeros() as usize;
            return self.levels[h][(start >> h) as usize];
        }
        let k = split_point(n);
        node_hash(&self.mth(start, start + k), &self.mth(start + k, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Hash {
        let v: Vec<u8> = (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect();
        v.try_into().unwrap()
    }

    /// The leaf inputs of the transparency-dev/merkle reference vectors
    /// (testonly/constants.go), themselves those of RFC 6962 implementations.
    fn vector_leaves() -> Vec<Hash> {
        let inputs: [&[u8]; 8] = [
            b"",
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[
                0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
                0x6e, 0x6f,
            ],
        ];
        inputs.iter().map(|l| leaf_hash(l)).collect()
    }

    const ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, <[u8; 32]>::from(Sha256::digest(b"")));
        assert_eq!(Frontier::new().root(), EMPTY_ROOT);
        assert_eq!(root(&[]), EMPTY_ROOT);
    }

    #[test]
    fn roots_match_reference_vectors() {
        let leaves = vector_leaves();
        let tree = Tree::new(leaves.clone());
        for (n, want) in ROOTS.iter().enumerate() {
            assert_eq!(root(&leaves[..n]), hex(want), "size {n}");
            assert_eq!(tree.root(n as u64), hex(want), "tree size {n}");
        }
    }

    #[test]
    fn inclusion_proofs_match_reference_vectors() {
        let leaves = vector_leaves();
        let cases: [(u64, u64, &[&str]); 7] = [
            (0, 1, &[]),
            (
                0,
                2,
                &["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"],
            ),
            (
                1,
                2,
                &["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
            ),
            (
                2,
                3,
                &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
            (
                1,
                5,
                &[
                    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
            (
                0,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                8,
                &[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
        ];
        let tree = Tree::new(leaves.clone());
        for (index, size, want) in cases {
            let want: Vec<Hash> = want.iter().map(|h| hex(h)).collect();
            assert_eq!(
                inclusion_proof(&leaves, index, size),
                want,
                "{index}:{size}"
            );
            assert_eq!(
                tree.inclusion_proof(index, size),
                want,
                "tree {index}:{size}"
            );
            let r = hex(ROOTS[size as usize]);
            assert!(verify_inclusion(
                &leaves[index as usize],
                index,
                size,
                &want,
                &r
            ));
        }
    }

    #[test]
    fn consistency_proofs_match_reference_vectors() {
        let leaves = vector_leaves();
        let cases: [(u64, u64, &[&str]); 4] = [
            (1, 1, &[]),
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
        ];
        let tree = Tree::new(leaves.clone());
        for (m, n, want) in cases {
            let want: Vec<Hash> = want.iter().map(|h| hex(h)).collect();
            assert_eq!(consistency_proof(&leaves, m, n), want, "{m}:{n}");
            assert_eq!(tree.consistency_proof(m, n), want, "tree {m}:{n}");
            let (rm, rn) = (hex(ROOTS[m as usize]), hex(ROOTS[n as usize]));
            assert!(verify_consistency(m, n, &rm, &rn, &want), "{m}:{n}");
        }
    }

    #[test]
    fn every_proof_for_small_trees_verifies_and_fails_when_altered() {
        let leaves: Vec<Hash> = (0u32..70).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let tree = Tree::new(leaves.clone());
        for n in 1..=leaves.len() as u64 {
            let rn = root(&leaves[..n as usize]);
            for i in 0..n {
                let p = tree.inclusion_proof(i, n);
                assert_eq!(p, inclusion_proof(&leaves, i, n));
                assert!(
                    verify_inclusion(&leaves[i as usize], i, n, &p, &rn),
                    "{i}/{n}"
                );
                let other = leaves[((i + 1) % n) as usize];
                if n > 1 {
                    assert!(
                        !verify_inclusion(&other, i, n, &p, &rn),
                        "wrong leaf {i}/{n}"
                    );
                }
                assert!(!verify_inclusion(&leaves[i as usize], n, n, &p, &rn));
                if !p.is_empty() {
                    let mut bad = p.clone();
                    bad[0][0] ^= 1;
                    assert!(!verify_inclusion(&leaves[i as usize], i, n, &bad, &rn));
                }
            }
            for m in 0..=n {
                let rm = root(&leaves[..m as usize]);
                let p = tree.consistency_proof(m, n);
                assert_eq!(p, consistency_proof(&leaves, m, n));
                assert_eq!(verify_consistency(m, n, &rm, &rn, &p), m > 0, "{m}->{n}");
                if m > 0 && m < n {
                    let mut bad = p.clone();
                    let last = bad.len() - 1;
                    bad[last][31] ^= 0x80;
                    assert!(!verify_consistency(m, n, &rm, &rn, &bad), "bad {m}->{n}");
                    assert!(
                        !verify_consistency(m, n, &rn, &rn, &p),
                        "wrong old {m}->{n}"
                    );
                    let mut longer = p.clone();
                    longer.push(rn);
                    assert!(!verify_consistency(m, n, &rm, &rn, &longer));
                }
            }
        }
    }

    #[test]
    fn frontier_serialises_and_resumes() {
        let mut f = Frontier::new();
        let mut leaves = Vec::new();
        for i in 0u32..300 {
            let bytes = f.to_bytes();
            assert_eq!(bytes.len(), Frontier::encoded_len(f.size()));
            let mut g = Frontier::from_bytes(&bytes).unwrap();
            assert_eq!(g, f);
            assert_eq!(f.nodes().len(), f.size().count_ones() as usize);
            assert_eq!(f.root(), root(&leaves));
            let leaf = leaf_hash(&i.to_le_bytes());
            leaves.push(leaf);
            f.push(leaf);
            g.push(leaf);
            assert_eq!(g.root(), f.root());
        }
        let bytes = f.to_bytes();
        assert!(Frontier::from_bytes(&bytes[..bytes.len() - 1]).is_none());
        assert!(Frontier::from_bytes(&bytes[..7]).is_none());
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0; 32]);
        assert!(Frontier::from_bytes(&longer).is_none());
    }

    #[test]
    fn split_point_is_the_largest_smaller_power_of_two() {
        for (n, k) in [
            (2, 1),
            (3, 2),
            (4, 2),
            (5, 4),
            (7, 4),
            (8, 4),
            (9, 8),
            (28937, 16384),
        ] {
            assert_eq!(split_point(n), k, "{n}");
        }
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }
}
