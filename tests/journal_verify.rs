//! Verification of whole journal directories (src/journal/verify.rs): sealed
//! journals built as the writer builds them, then damaged on disk the way an
//! attacker or a crash would; each damage must be found with the right class,
//! seq and location, and untouched journals must verify.

#[path = "cli/builder.rs"]
mod builder;

use std::fs;
use std::time::Instant;

use audit_logger::core::Filter;
use audit_logger::journal::{
    export_proofs, verify_export, verify_journal, ErrorKind, Journal, JournalReport, Options,
    Verdict,
};
use audit_logger::seal::{Finding, FindingClass};
use builder::*;

fn verify(b: &Built) -> JournalReport {
    verify_journal(b.path(), &b.anchor).unwrap()
}

fn verify_dir(dir: &std::path::Path, b: &Built) -> JournalReport {
    verify_journal(dir, &b.anchor).unwrap()
}

/// The first finding that is not about the unsealed tail.
fn first_tamper(r: &JournalReport) -> &Finding {
    r.report
        .findings
        .iter()
        .find(|f| f.class != FindingClass::UnsealedTail)
        .unwrap_or_else(|| panic!("no tamper finding: {:#?}", r.report.findings))
}

fn assert_valid(r: &JournalReport) {
    assert_eq!(r.verdict(), Verdict::Valid, "{:#?}", r.report.findings);
}

/// Changes one character of the event line in frame `i` of segment `seg`,
/// keeping its length, and fixes the frame's CRC.
fn edit_line(dir: &std::path::Path, seg: usize, i: usize) {
    let mut segs = segments(dir);
    let (kind, payload) = &mut segs[seg].frames[i];
    assert_eq!(*kind, 1);
    let at = find(payload, b"\"outcome\":\"") + 11;
    payload[at] = if payload[at] == b'X' { b'Y' } else { b'X' };
    segs[seg].save();
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

/// (segment index, frame index).
type At = (usize, usize);

/// Where every event frame and every checkpoint frame is.
fn layout(dir: &std::path::Path) -> (Vec<At>, Vec<At>) {
    let mut events = Vec::new();
    let mut cps = Vec::new();
    for (s, seg) in segments(dir).iter().enumerate() {
        for (i, (kind, _)) in seg.frames.iter().enumerate() {
            if *kind == 1 {
                events.push((s, i));
            } else {
                cps.push((s, i));
            }
        }
    }
    (events, cps)
}

#[test]
fn clean_journals_verify() {
    for spec in [
        Spec::default(),
        Spec {
            close: true,
            ..Spec::default()
        },
        Spec {
            events: 0,
            close: true,
            ..Spec::default()
        },
        Spec {
            events: 1,
            every: 1,
            epochs_per_segment: 1,
            close: true,
            ..Spec::default()
        },
        Spec {
            events: 64,
            every: 7,
            epochs_per_segment: 3,
            close: true,
            ..Spec::default()
        },
    ] {
        let b = build(&spec);
        let r = verify(&b);
        assert_valid(&r);
        assert_eq!(r.report.events_verified, spec.events, "{spec:?}");
        assert_eq!(r.report.events_unsealed, 0);
        assert!(r.torn_tail.is_none());
        let last = r.report.last_checkpoint.as_ref().unwrap();
        assert_eq!(last.size, spec.events);
        assert_eq!(last.is_final, spec.close);
        assert!(r.bytes > 0);
    }
}

#[test]
fn an_unsealed_tail_is_counted() {
    let b = build(&Spec {
        events: 23,
        every: 5,
        ..Spec::default()
    });
    let r = verify(&b);
    assert_eq!(
        r.verdict(),
        Verdict::UnsealedTail,
        "{:#?}",
        r.report.findings
    );
    assert_eq!(r.report.events_unsealed, 3);
    assert_eq!(r.report.events_verified, 20);
    let f = r.report.first(FindingClass::UnsealedTail).unwrap();
    assert_eq!((f.seq, f.last_seq), (Some(21), Some(23)));
    assert_eq!(f.location.segment, b.events[20].segment);
    assert_eq!(f.location.offset, b.events[20].offset);
}

#[test]
fn an_edited_line_with_a_fixed_crc_is_modified_in_its_epoch() {
    let b = build(&Spec::default());
    let (events, _) = layout(b.path());
    // Seq 13: epoch 2 (seqs 11..=15), the second segment.
    let (s, i) = events[12];
    edit_line(b.path(), s, i);
    let r = verify(&b);
    assert_eq!(r.verdict(), Verdict::Tampered);
    let f = first_tamper(&r);
    assert_eq!(f.class, FindingClass::Modified);
    assert_eq!((f.seq, f.last_seq, f.epoch), (Some(11), Some(15), Some(2)));
    assert_eq!(f.location.segment, b.events[10].segment);
    assert_eq!(f.location.offset, b.events[10].offset);
}

#[test]
fn a_damaged_frame_is_modified_at_its_offset() {
    let b = build(&Spec::default());
    let victim = &b.events[7];
    let path = b.path().join(&victim.segment);
    let mut bytes = fs::read(&path).unwrap();
    bytes[victim.offset as usize + 20] ^= 0x01;
    fs::write(&path, bytes).unwrap();
    let r = verify(&b);
    assert_eq!(r.verdict(), Verdict::Tampered);
    let f = first_tamper(&r);
    assert_eq!(f.class, FindingClass::Modified, "{:#?}", r.report.findings);
    assert_eq!(f.seq, Some(8));
    assert_eq!(f.location.segment, victim.segment);
    assert_eq!(f.location.offset, victim.offset);
    // The event is also missing for its checkpoint.
    assert_eq!(r.report.first(FindingClass::Deleted).unwrap().seq, Some(8));
}

/// A damaged length field: the verifier finds the next valid frame and goes
/// on, while the pass that hashes leaves ahead of it (by the lengths, CRCs
/// unchecked) goes astray in that segment. No hash of its is used for a frame
/// the verifier did not see at the same place with the same length, so the
/// damaged frame is the only finding.
#[test]
fn a_damaged_length_is_the_only_finding() {
    for delta in [1u32, 9, 300] {
        let b = build(&Spec::default());
        let victim = &b.events[7];
        let path = b.path().join(&victim.segment);
        let mut bytes = fs::read(&path).unwrap();
        let at = victim.offset as usize;
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        bytes[at..at + 4].copy_from_slice(&(len + delta).to_le_bytes());
        fs::write(&path, bytes).unwrap();
        let r = verify(&b);
        assert_eq!(r.verdict(), Verdict::Tampered);
        let f = first_tamper(&r);
        assert_eq!(f.class, FindingClass::Modified, "{:#?}", r.report.findings);
        assert_eq!((f.seq, f.location.offset), (Some(8), victim.offset));
        assert!(
            r.report.findings.iter().all(|f| f.seq == Some(8)),
            "delta {delta}: {:#?}",
            r.report.findings
        );
        assert_eq!(r.report.first(FindingClass::Deleted).unwrap().seq, Some(8));
    }
}

#[test]
fn a_deleted_frame_is_named_by_seq() {
    let b = build(&Spec::default());
    let (events, _) = layout(b.path());
    let (s, i) = events[16]; // seq 17
    let mut segs = segments(b.path());
    segs[s].frames.remove(i);
    segs[s].save();
    let r = verify(&b);
    let f = first_tamper(&r);
    assert_eq!(f.class, FindingClass::Deleted, "{:#?}", r.report.findings);
    assert_eq!(f.seq, Some(17));
    // Located where seq 18 now is: where 17 was.
    assert_eq!(f.location.segment, b.events[16].segment);
    assert_eq!(f.location.offset, b.events[16].offset);
}

#[test]
fn swapped_frames_are_reordered() {
    let b = build(&Spec::default());
    let (events, _) = layout(b.path());
    let (s, i) = events[21]; // seqs 22 and 23
    let mut segs = segments(b.path());
    segs[s].frames.swap(i, i + 1);
    let moved = segs[s].offset(i + 1);
    segs[s].save();
    let r = verify(&b);
    let f = first_tamper(&r);
    assert_eq!(f.class, FindingClass::Reordered, "{:#?}", r.report.findings);
    assert_eq!(f.seq, Some(22));
    assert_eq!(f.location.segment, b.events[21].segment);
    assert_eq!(f.location.offset, moved);
}

#[test]
fn a_dropped_checkpoint_is_missing() {
    let b = build(&Spec::default());
    let (_, cps) = layout(b.path());
    let (s, i) = cps[2]; // epoch 2
    let mut segs = segments(b.path());
    segs[s].frames.remove(i);
    segs[s].save();
    let r = verify(&b);
    let f = first_tamper(&r);
    assert_eq!(
        f.class,
        FindingClass::MissingCheckpoint,
        "{:#?}",
        r.report.findings
    );
    assert_eq!(f.epoch, Some(2));
}

#[test]
fn a_journal_resigned_with_a_fresh_chain_is_resigned() {
    let b = build(&Spec::default());
    let (events, _) = layout(b.path());
    let (s, i) = events[3];
    edit_line(b.path(), s, i);
    reseal(b.path(), &|e| Some(attacker_secret(e)));
    let r = verify(&b);
    let f = first_tamper(&r);
    assert_eq!(f.class, FindingClass::Resigned, "{:#?}", r.report.findings);
    assert_eq!(f.epoch, Some(0));
}

#[test]
fn the_stolen_key_of_epoch_k_cannot_reseal_earlier_epochs() {
    let k = 4;
    let spec = Spec {
        steal_epoch: Some(k),
        ..Spec::default()
    };
    let base = build(&spec);
    let stolen = base.stolen.unwrap();
    // A chain from the stolen key on: epoch k signed with it, later ones
    // with the attacker's own keys, certified one by one.
    let from_k = move |e: u64| -> Option<[u8; 32]> {
        match e {
            e if e < k => None,
            e if e == k => Some(stolen),
            e => Some(attacker_secret(e)),
        }
    };

    // Within the epochs the key covers, a rewrite is undetectable (documented).
    let dir = copy_dir(base.path());
    let (events, _) = layout(dir.path());
    let (s, i) = events[22]; // seq 23, epoch 4
    edit_line(dir.path(), s, i);
    reseal(dir.path(), &from_k);
    assert_valid(&verify_dir(dir.path(), &base));

    // An event of an earlier epoch, re-signed from k on: the earlier root
    // no longer matches.
    let dir = copy_dir(base.path());
    let (s, i) = events[7]; // seq 8, epoch 1
    edit_line(dir.path(), s, i);
    reseal(dir.path(), &from_k);
    let r = verify_dir(dir.path(), &base);
    let f = first_tamper(&r);
    assert_eq!(f.class, FindingClass::Modified, "{:#?}", r.report.findings);
    assert_eq!((f.seq, f.last_seq, f.epoch), (Some(6), Some(10), Some(1)));

    // Re-signed from the edited epoch on with the stolen key: wrong key.
    let dir = copy_dir(base.path());
    edit_line(dir.path(), s, i);
    reseal(dir.path(), &|e| match e {
        0 => None,
        1 => Some(stolen),
        e => Some(attacker_secret(e)),
    });
    let r = verify_dir(dir.path(), &base);
    let f = first_tamper(&r);
    assert_eq!(
        f.class,
        FindingClass::WrongEpochKey,
        "{:#?}",
        r.report.findings
    );
    assert_eq!(f.epoch, Some(1));

    // The whole journal re-signed with the stolen key (CVE-2023-31439).
    let dir = copy_dir(base.path());
    edit_line(dir.path(), s, i);
    reseal(dir.path(), &|e| match e {
        0 => Some(stolen),
        e => Some(attacker_secret(e)),
    });
    let r = verify_dir(dir.path(), &base);
    let f = first_tamper(&r);
    assert_eq!(f.class, FindingClass::Resigned, "{:#?}", r.report.findings);
}

#[test]
fn truncation() {
    let spec = Spec {
        close: true,
        ..Spec::default()
    };
    let b = build(&spec);
    let last_cp = b.checkpoints.last().unwrap().clone();
    let newest = b.path().join(&last_cp.segment);
    let len = fs::metadata(&newest).unwrap().len();

    // Inside the last checkpoint frame: a torn tail, the last epoch unsealed.
    let dir = copy_dir(b.path());
    let f = fs::OpenOptions::new()
        .write(true)
        .open(dir.path().join(&last_cp.segment))
        .unwrap();
    f.set_len(last_cp.offset + 30).unwrap();
    let r = verify_dir(dir.path(), &b);
    assert_eq!(
        r.verdict(),
        Verdict::UnsealedTail,
        "{:#?}",
        r.report.findings
    );
    assert_eq!(r.report.events_unsealed, 5);
    let t = r.torn_tail.as_ref().unwrap();
    assert_eq!(
        (t.segment.as_str(), t.offset, t.bytes),
        (last_cp.segment.as_str(), last_cp.offset, 30)
    );

    // At a frame boundary, removing the last checkpoint and two events.
    let dir = copy_dir(b.path());
    let f = fs::OpenOptions::new()
        .write(true)
        .open(dir.path().join(&last_cp.segment))
        .unwrap();
    f.set_len(b.events[27].offset).unwrap();
    let r = verify_dir(dir.path(), &b);
    assert_eq!(r.verdict(), Verdict::UnsealedTail);
    assert_eq!(r.report.events_unsealed, 2);
    assert!(r.torn_tail.is_none());
    assert!(len > b.events[27].offset);

    // An older segment cut mid-frame: corruption, not a tail.
    let dir = copy_dir(b.path());
    let victim = &b.events[3];
    let path = dir.path().join(&victim.segment);
    assert_ne!(victim.segment, last_cp.segment);
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..victim.offset as usize + 5]).unwrap();
    let r = verify_dir(dir.path(), &b);
    let f = first_tamper(&r);
    assert_eq!(f.class, FindingClass::Modified, "{:#?}", r.report.findings);
    assert_eq!(
        (f.seq, f.location.segment.as_str(), f.location.offset),
        (Some(4), victim.segment.as_str(), victim.offset)
    );
}

#[test]
fn a_rewritten_segment_frontier_is_found() {
    let b = build(&Spec::default());
    let mut segs = segments(b.path());
    // Segment 2's frontier, replaced by the one of a different tree of the
    // same size; the header CRC is fixed.
    let mut other = audit_logger::seal::merkle::Frontier::new();
    for _ in 0..10 {
        other.push([9; 32]);
    }
    segs[1].extra = other.to_bytes();
    segs[1].save();
    let r = verify(&b);
    let f = first_tamper(&r);
    assert_eq!(f.class, FindingClass::Modified, "{:#?}", r.report.findings);
    assert_eq!(
        (f.location.segment.as_str(), f.location.offset),
        (segs[1].name.as_str(), 0)
    );
}

#[test]
fn retention_deleted_segments_still_verify_from_the_archive() {
    let spec = Spec {
        events: 40,
        retain_segments: Some(2),
        close: true,
        ..Spec::default()
    };
    let b = build(&spec);
    let r = verify(&b);
    assert_valid(&r);
    assert_eq!(r.segments, 2);
    assert_eq!(r.first_seq, Some(21));
    assert_eq!(r.archived_checkpoints, 4);
    assert_eq!(r.report.events_verified, 20);
    assert_eq!(r.report.last_checkpoint.as_ref().unwrap().epoch, 7);

    // The first retained frontier must match the archived checkpoint.
    let dir = copy_dir(b.path());
    let mut segs = segments(dir.path());
    let mut other = audit_logger::seal::merkle::Frontier::new();
    for _ in 0..20 {
        other.push([9; 32]);
    }
    segs[0].extra = other.to_bytes();
    segs[0].save();
    let r = verify_dir(dir.path(), &b);
    let f = first_tamper(&r);
    assert_eq!(f.class, FindingClass::Modified, "{:#?}", r.report.findings);
    assert_eq!(f.location.segment, segs[0].name);

    // Without the archive the chain does not reach the anchor.
    let dir = copy_dir(b.path());
    fs::remove_file(dir.path().join("checkpoints.arch")).unwrap();
    let r = verify_dir(dir.path(), &b);
    assert_eq!(first_tamper(&r).class, FindingClass::MissingCheckpoint);

    // Tampering in the retained part is still found.
    let dir = copy_dir(b.path());
    let (events, _) = layout(dir.path());
    let (s, i) = events[6]; // seq 27
    edit_line(dir.path(), s, i);
    let r = verify_dir(dir.path(), &b);
    let f = first_tamper(&r);
    assert_eq!((f.class, f.seq), (FindingClass::Modified, Some(26)));
}

#[test]
fn archived_checkpoints_still_in_the_segments_are_not_fed_twice() {
    // A crash between archiving and deleting: the archive already holds the
    // checkpoints of the oldest segment, which is still there.
    let b = build(&Spec {
        close: true,
        ..Spec::default()
    });
    let segs = segments(b.path());
    let cps: Vec<Vec<u8>> = segs[0]
        .frames
        .iter()
        .filter(|(k, _)| *k == 2)
        .map(|(_, p)| p.clone())
        .collect();
    let (mut journal, _) = Journal::open(b.path(), Options::default()).unwrap();
    journal.archive_checkpoints(&cps).unwrap();
    drop(journal);
    let r = verify(&b);
    assert_valid(&r);
    assert_eq!(r.archive_duplicates, 2);
    assert_eq!(r.archived_checkpoints, 0);
}

#[test]
fn unreadable_journals_are_errors() {
    let d = tempfile::tempdir().unwrap();
    let e = verify_journal(&d.path().join("missing"), &[0; 32]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    let e = verify_journal(d.path(), &[0; 32]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotAJournal);
}

#[test]
fn the_wrong_anchor_is_resigned() {
    let b = build(&Spec::default());
    let r = verify_journal(b.path(), &[7; 32]).unwrap();
    assert_eq!(first_tamper(&r).class, FindingClass::Resigned);
}

#[test]
fn exports_with_proofs_verify_offline() {
    let b = build(&Spec {
        events: 27,
        ..Spec::default()
    });
    let filter = Filter {
        actor: Some("alice".into()),
        ..Filter::default()
    };
    let export = export_proofs(b.path(), &filter).unwrap();
    // alice: seqs divisible by 4; 4..=24 sealed, none in 26..27.
    let seqs: Vec<u64> = export.bundle.events.iter().map(|e| e.index + 1).collect();
    assert_eq!(seqs, [4, 8, 12, 16, 20, 24]);
    assert_eq!(export.unsealed_skipped, 0);
    let json = export.bundle.to_json();
    let r = verify_export(&json, &b.anchor).unwrap();
    assert_eq!(Verdict::of(&r), Verdict::Valid, "{:#?}", r.findings);
    let tampered = json.replacen("alice", "alicf", 1);
    let r = verify_export(&tampered, &b.anchor).unwrap();
    assert_eq!(Verdict::of(&r), Verdict::Tampered);
    let r = verify_export(&json, &[1; 32]).unwrap();
    assert_eq!(Verdict::of(&r), Verdict::Tampered);
    assert!(verify_export("[]", &b.anchor).is_err());
    assert!(verify_export("nonsense", &b.anchor).is_err());

    // The unsealed tail cannot be proven.
    let all = export_proofs(b.path(), &Filter::default()).unwrap();
    assert_eq!(all.bundle.events.len(), 25);
    assert_eq!(all.unsealed_skipped, 2);

    // After retention there are no leaves to build proofs from.
    let r = build(&Spec {
        events: 40,
        retain_segments: Some(2),
        ..Spec::default()
    });
    assert!(export_proofs(r.path(), &Filter::default()).is_err());
}

/// Every tamper class at every position of three journals (one with an
/// unsealed tail, one after retention): each caught with its class and seq.
#[test]
fn a_corpus_of_tampered_journals_is_caught() {
    let bases = [
        build(&Spec {
            events: 30,
            every: 5,
            epochs_per_segment: 2,
            close: true,
            ..Spec::default()
        }),
        build(&Spec {
            events: 26,
            every: 4,
            epochs_per_segment: 3,
            ..Spec::default()
        }),
        build(&Spec {
            events: 36,
            every: 4,
            epochs_per_segment: 2,
            retain_segments: Some(3),
            close: true,
            ..Spec::default()
        }),
    ];
    let mut cases = 0;
    let mut clean = 0;
    for b in &bases {
        assert_ne!(verify(b).verdict(), Verdict::Tampered);
        clean += 1;
        let (events, cps) = layout(b.path());
        let sealed = verify(b).report.last_checkpoint.unwrap().size;
        let first_seq = segments(b.path())[0]
            .frames
            .iter()
            .find(|(k, _)| *k == 1)
            .map(|(_, p)| audit_logger::journal::line_seq(p).unwrap())
            .unwrap();
        let seq_of = |n: usize| first_seq + n as u64;
        let nsegs = segments(b.path()).len();
        for (n, &(s, i)) in events.iter().enumerate() {
            let seq = seq_of(n);
            // Edit with the CRC fixed: sealed events only.
            if seq <= sealed {
                let d = copy_dir(b.path());
                edit_line(d.path(), s, i);
                let r = verify_dir(d.path(), b);
                let f = first_tamper(&r);
                assert_eq!(
                    f.class,
                    FindingClass::Modified,
                    "edit {seq}: {:#?}",
                    r.report.findings
                );
                assert!(
                    f.seq.unwrap() <= seq && seq <= f.last_seq.unwrap(),
                    "edit {seq}: {f:?}"
                );
                cases += 1;
            }
            let last_frame = s + 1 == nsegs && i + 1 == segments(b.path())[s].frames.len();
            // A flipped bit, CRC not fixed.
            if !last_frame {
                let d = copy_dir(b.path());
                let seg = &segments(d.path())[s];
                let off = seg.offset(i);
                let mut bytes = fs::read(&seg.path).unwrap();
                bytes[off as usize + 12] ^= 0x40;
                fs::write(&seg.path, bytes).unwrap();
                let r = verify_dir(d.path(), b);
                let f = first_tamper(&r);
                assert_eq!(
                    (f.class, f.seq),
                    (FindingClass::Modified, Some(seq)),
                    "flip {seq}"
                );
                assert_eq!(
                    (f.location.segment.as_str(), f.location.offset),
                    (seg.name.as_str(), off)
                );
                cases += 1;
            }
            // Deleted (not the very last event: that is a truncation).
            if n + 1 < events.len() {
                let d = copy_dir(b.path());
                let mut segs = segments(d.path());
                segs[s].frames.remove(i);
                segs[s].save();
                let r = verify_dir(d.path(), b);
                let f = first_tamper(&r);
                let want = if seq <= sealed {
                    FindingClass::Deleted
                } else {
                    FindingClass::Gap
                };
                assert_eq!(
                    (f.class, f.seq),
                    (want, Some(seq)),
                    "delete {seq}: {:#?}",
                    r.report.findings
                );
                assert_eq!(r.verdict(), Verdict::Tampered);
                cases += 1;
            }
            // Swapped with the next event of the same segment.
            if events.get(n + 1) == Some(&(s, i + 1)) {
                let d = copy_dir(b.path());
                let mut segs = segments(d.path());
                segs[s].frames.swap(i, i + 1);
                segs[s].save();
                let r = verify_dir(d.path(), b);
                let f = first_tamper(&r);
                assert_eq!(
                    (f.class, f.seq),
                    (FindingClass::Reordered, Some(seq)),
                    "swap {seq}"
                );
                cases += 1;
            }
        }
        // Each checkpoint but the last dropped.
        for &(s, i) in &cps[..cps.len() - 1] {
            let d = copy_dir(b.path());
            let mut segs = segments(d.path());
            let text = String::from_utf8(segs[s].frames[i].1.clone()).unwrap();
            let epoch = audit_logger::seal::Checkpoint::parse(&text)
                .unwrap()
                .body
                .epoch;
            segs[s].frames.remove(i);
            segs[s].save();
            let r = verify_dir(d.path(), b);
            let f = first_tamper(&r);
            assert_eq!(
                (f.class, f.epoch),
                (FindingClass::MissingCheckpoint, Some(epoch))
            );
            cases += 1;
        }
        // Re-signed with another chain.
        let d = copy_dir(b.path());
        reseal(d.path(), &|e| Some(attacker_secret(e + 100)));
        let r = verify_dir(d.path(), b);
        if b.path().join("checkpoints.arch").exists() {
            // The archive keeps the genuine early checkpoints: the segments'
            // first re-signed one is signed by the wrong key.
            assert_eq!(first_tamper(&r).class, FindingClass::WrongEpochKey);
        } else {
            assert_eq!(first_tamper(&r).class, FindingClass::Resigned);
        }
        cases += 1;
        // And untouched copies verify.
        let d = copy_dir(b.path());
        assert_ne!(verify_dir(d.path(), b).verdict(), Verdict::Tampered);
        clean += 1;
    }
    assert!(cases >= 200, "only {cases} tampered journals");
    println!("{cases} tampered journals caught, {clean} clean ones verified");
}

/// One million events: write, then verify once (a measurement, not a
/// timed assertion). Run with `cargo test --profile release-tests --test journal_verify
/// -- --ignored --nocapture`.
#[test]
#[ignore]
fn one_million_events_verify_at_disk_speed() {
    let n = 1_000_000;
    let started = Instant::now();
    let b = build(&Spec {
        events: n,
        every: 1000,
        epochs_per_segment: 100,
        close: true,
        record: false,
        ..Spec::default()
    });
    let written = started.elapsed();
    // Drop the page cache is not possible unprivileged everywhere; measure
    // warm (the files were just written), then report both sizes.
    let started = Instant::now();
    let r = verify(&b);
    let took = started.elapsed();
    assert_valid(&r);
    assert_eq!(r.report.events_verified, n);
    let mb = r.bytes as f64 / 1e6;
    // For comparison: the journal layer alone (every frame read and
    // CRC-checked, nothing hashed), and reading the files' bytes.
    let started = Instant::now();
    let reader = audit_logger::journal::Reader::open(b.path()).unwrap();
    let frames = reader.frames().filter(|f| f.is_ok()).count();
    let frames_took = started.elapsed();
    let started = Instant::now();
    let mut raw = 0;
    for s in reader.segments() {
        raw += fs::read(&s.path).unwrap().len();
    }
    let raw_took = started.elapsed();
    println!(
        "frames alone: {frames} in {frames_took:?} ({:.0} MB/s); reading the files: {:.0} MB/s",
        mb / frames_took.as_secs_f64(),
        raw as f64 / 1e6 / raw_took.as_secs_f64()
    );
    println!(
        "{n} events, {} segments, {mb:.1} MB: written in {written:?}, verified in {took:?}: {:.0} MB/s, {:.0} events/s",
        r.segments,
        mb / took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
}
