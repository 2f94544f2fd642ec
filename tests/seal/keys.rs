//! The key chain on disk: forward security, crash consistency, reopening.
use audit_logger::seal::keys::{
    read_anchor, KeyChain, ANCHOR_FILE, SLOT_LEN, STATE_FILE, STATE_LEN,
};
use audit_logger::seal::merkle::EMPTY_ROOT;
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

fn state(dir: &Path) -> Vec<u8> {
    fs::read(dir.join(STATE_FILE)).unwrap()
}

/// The 32 secret bytes of the slot holding `epoch`.
fn secret_in(image: &[u8], epoch: u64) -> Vec<u8> {
    let at = 8 + (epoch as usize % 2) * SLOT_LEN;
    assert_eq!(
        u64::from_le_bytes(image[at..at + 8].try_into().unwrap()),
        epoch
    );
    image[at + 8..at + 40].to_vec()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn valid_slots(image: &[u8]) -> Vec<u64> {
    // A slot is valid when it is not all zeros; the library's own check is
    // tested through open(); here zeros are what erasure leaves.
    (0..2)
        .filter_map(|i| {
            let s = &image[8 + i * SLOT_LEN..8 + (i + 1) * SLOT_LEN];
            (s.iter().any(|&b| b != 0)).then(|| u64::from_le_bytes(s[..8].try_into().unwrap()))
        })
        .collect()
}

#[test]
fn used_secrets_leave_the_state_file() {
    let d = tempfile::tempdir().unwrap();
    let (mut kc, anchor) = KeyChain::create(d.path()).unwrap();
    assert_eq!(read_anchor(&d.path().join(ANCHOR_FILE)).unwrap(), anchor);
    let mut used = Vec::new();
    let mut key = anchor;
    for e in 0..3u64 {
        let image = state(d.path());
        used.push(secret_in(&image, e));
        let c = kc
            .seal("audit-logger/ab", e * 10, &EMPTY_ROOT, 1_000 + e)
            .unwrap();
        assert!(c.verify(&key), "epoch {e}");
        key = c.body.next_key;
        let after = state(d.path());
        assert_eq!(after.len(), STATE_LEN);
        for (i, s) in used.iter().enumerate() {
            assert!(
                !contains(&after, s),
                "secret of epoch {i} still in the file after seal {e}"
            );
        }
    }
    // Exactly one valid slot, of the current epoch.
    let image = state(d.path());
    assert_eq!(valid_slots(&image), vec![3]);
    assert_eq!(kc.epoch(), 3);
    let reopened = KeyChain::open(d.path()).unwrap();
    assert_eq!((reopened.epoch(), reopened.public_key()), (3, key));
    assert!(reopened.prepared_public_key().is_none());
    let mode = fs::metadata(d.path().join(STATE_FILE))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_crash_between_the_two_slot_writes_keeps_both_and_resumes() {
    let d = tempfile::tempdir().unwrap();
    let (mut kc, anchor) = KeyChain::create(d.path()).unwrap();
    kc.seal("o", 1, &EMPTY_ROOT, 1).unwrap();
    // Prepared, then "crash": the checkpoint may or may not have been written.
    let c = kc.prepare_seal("o", 2, &EMPTY_ROOT, 2, false).unwrap();
    let next = kc.prepared_public_key().unwrap();
    assert_eq!(c.body.next_key, next);
    drop(kc);
    assert_eq!(valid_slots(&state(d.path())).len(), 2);

    // Reopened: still epoch 1, with the prepared key remembered.
    let mut kc = KeyChain::open(d.path()).unwrap();
    assert_eq!(kc.epoch(), 1);
    assert_eq!(kc.prepared_public_key(), Some(next));
    // The checkpoint was lost: prepare again, which reuses the same next key,
    // so a checkpoint that did survive stays consistent with it.
    let again = kc.prepare_seal("o", 3, &EMPTY_ROOT, 3, false).unwrap();
    assert_eq!(again.body.next_key, next);
    assert_eq!(again.body.epoch, 1);
    kc.commit_seal().unwrap();
    assert_eq!(valid_slots(&state(d.path())), vec![2]);
    let kc = KeyChain::open(d.path()).unwrap();
    assert_eq!((kc.epoch(), kc.public_key()), (2, next));
    let _ = anchor;
}

#[test]
fn a_torn_slot_leaves_the_other() {
    let d = tempfile::tempdir().unwrap();
    let (mut kc, _) = KeyChain::create(d.path()).unwrap();
    kc.prepare_seal("o", 1, &EMPTY_ROOT, 1, false).unwrap();
    let next = kc.prepared_public_key().unwrap();
    let current = kc.public_key();
    drop(kc);
    let path = d.path().join(STATE_FILE);
    let image = state(d.path());

    // The new slot (epoch 1, slot B) torn half way: only epoch 0 remains.
    let mut torn = image.clone();
    for b in &mut torn[8 + SLOT_LEN + 20..8 + 2 * SLOT_LEN] {
        *b = 0;
    }
    fs::write(&path, &torn).unwrap();
    let kc = KeyChain::open(d.path()).unwrap();
    assert_eq!((kc.epoch(), kc.public_key()), (0, current));
    assert!(kc.prepared_public_key().is_none());

    // The old slot's erasure torn: only epoch 1 remains.
    let mut torn = image.clone();
    for b in &mut torn[8..8 + 30] {
        *b = 0;
    }
    fs::write(&path, &torn).unwrap();
    let kc = KeyChain::open(d.path()).unwrap();
    assert_eq!((kc.epoch(), kc.public_key()), (1, next));

    // Both gone: a clear error, not a new key.
    let mut gone = image.clone();
    for b in &mut gone[8..] {
        *b = 0;
    }
    fs::write(&path, &gone).unwrap();
    let e = KeyChain::open(d.path()).unwrap_err();
    assert!(e.message().contains("no valid key slot"), "{}", e.message());
}

#[test]
fn bad_state_files_are_refused() {
    let d = tempfile::tempdir().unwrap();
    assert!(KeyChain::open(d.path()).is_err());
    KeyChain::create(d.path()).unwrap();
    let path = d.path().join(STATE_FILE);
    let image = state(d.path());

    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let e = KeyChain::open(d.path()).unwrap_err();
    assert!(e.message().contains("0600"), "{}", e.message());
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();

    let mut newer = image.clone();
    newer[7] = 2;
    fs::write(&path, &newer).unwrap();
    let e = KeyChain::open(d.path()).unwrap_err();
    assert!(e.message().contains("version"), "{}", e.message());

    fs::write(&path, &image[..STATE_LEN - 1]).unwrap();
    assert!(KeyChain::open(d.path()).is_err());
    fs::write(&path, &image).unwrap();
    assert!(KeyChain::open(d.path()).is_ok());
}

#[test]
fn a_lost_anchor_is_rewritten_only_while_epoch_0_is_current() {
    let d = tempfile::tempdir().unwrap();
    let (mut kc, anchor) = KeyChain::create(d.path()).unwrap();
    fs::remove_file(d.path().join(ANCHOR_FILE)).unwrap();
    drop(kc);
    kc = KeyChain::open(d.path()).unwrap();
    assert_eq!(read_anchor(&d.path().join(ANCHOR_FILE)).unwrap(), anchor);
    kc.seal("o", 0, &EMPTY_ROOT, 0).unwrap();
    fs::remove_file(d.path().join(ANCHOR_FILE)).unwrap();
    drop(kc);
    KeyChain::open(d.path()).unwrap();
    assert!(!d.path().join(ANCHOR_FILE).exists());
}

/// End to end: a journal-like loop sealing with the real key chain, verified
/// against the anchor file.
#[test]
fn sealed_with_the_key_chain_verifies() {
    use audit_logger::seal::merkle::{leaf_hash, Frontier};
    use audit_logger::seal::Verifier;
    let d = tempfile::tempdir().unwrap();
    let (mut kc, _) = KeyChain::create(d.path()).unwrap();
    let anchor = read_anchor(&d.path().join(ANCHOR_FILE)).unwrap();
    let origin = "audit-logger/0123456789abcdef";
    let mut f = Frontier::new();
    let mut v = Verifier::new(anchor, Some(origin));
    for seq in 1..=25u64 {
        let line = crate::support::line(seq);
        f.push(leaf_hash(line.as_bytes()));
        v.event(seq, line.as_bytes(), "s", seq);
        if seq % 4 == 0 {
            // Reopen now and then, as a restarted writer would.
            if seq % 8 == 0 {
                kc = KeyChain::open(d.path()).unwrap();
            }
            let c = kc
                .prepare_seal(origin, f.size(), &f.root(), seq, false)
                .unwrap();
            v.checkpoint(&c.to_text(), "s", seq);
            kc.commit_seal().unwrap();
        }
    }
    let c = kc.seal_final(origin, f.size(), &f.root(), 99).unwrap();
    v.checkpoint(&c.to_text(), "s", 99);
    let r = v.finish();
    assert!(r.is_valid(), "{:#?}", r.findings);
    assert_eq!((r.events_verified, r.epochs), (25, 7));
    assert!(r.last_checkpoint.unwrap().is_final);
}
