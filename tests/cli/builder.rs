//! Builds sealed journals on disk the way the journal writer does (see the
//! conventions in `src/journal/verify.rs`): event frames holding canonical
//! lines, a checkpoint frame right after every `every` events, segments
//! rotated right after a checkpoint with the frontier in the new header,
//! optional retention; and edits them byte by byte as an attacker would.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use audit_logger::core::{write_compact, AuditLogger, NewEvent, Severity};
use audit_logger::journal::{encode_frame, journal_origin, FrameKind, Journal, Options};
use audit_logger::seal::checkpoint::{public_key_of, Checkpoint, CheckpointBody, PublicKey};
use audit_logger::seal::merkle::{leaf_hash, Frontier};
use audit_logger::seal::KeyChain;

/// What to build.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Events, seqs 1..=events.
    pub events: u64,
    /// A checkpoint after every this many events.
    pub every: u64,
    /// Rotate after this many checkpoints in a segment.
    pub epochs_per_segment: u64,
    /// A final checkpoint at the end.
    pub close: bool,
    /// Retention by segment count.
    pub retain_segments: Option<usize>,
    /// Keep a copy of the secret of this epoch (an attacker's theft).
    pub steal_epoch: Option<u64>,
    /// Record where every frame went.
    pub record: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            events: 30,
            every: 5,
            epochs_per_segment: 2,
            close: false,
            retain_segments: None,
            steal_epoch: None,
            record: true,
        }
    }
}

/// Where a frame went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub seq: u64,
    pub segment: String,
    pub offset: u64,
}

pub struct Built {
    pub dir: tempfile::TempDir,
    pub anchor: PublicKey,
    pub origin: String,
    /// Every event, in order.
    pub events: Vec<Placed>,
    /// Every checkpoint: its epoch (as `seq`) and where it went.
    pub checkpoints: Vec<Placed>,
    pub stolen: Option<[u8; 32]>,
}

impl Built {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// The event of seq `seq` (deterministic, varied).
pub fn new_event(seq: u64) -> (String, String, String, String, Severity, String) {
    let actors = ["alice", "bob", "carol", "svc-backup"];
    let actions = ["doc.read", "doc.write", "user.login", "key.rotate"];
    let outcomes = ["success", "denied", "error"];
    let sev = [
        Severity::Info,
        Severity::Warning,
        Severity::Error,
        Severity::Critical,
    ];
    (
        actors[(seq % 4) as usize].to_owned(),
        actions[(seq / 2 % 4) as usize].to_owned(),
        format!("doc:{}", seq % 11),
        outcomes[(seq % 3) as usize].to_owned(),
        sev[(seq % 7 % 4) as usize],
        format!(r#"{{"n":{seq},"note":"ünïcode \"quoted\""}}"#),
    )
}

pub fn build(spec: &Spec) -> Built {
    let dir = tempfile::tempdir().unwrap();
    build_in(dir, spec)
}

pub fn build_in(dir: tempfile::TempDir, spec: &Spec) -> Built {
    let options = Options {
        max_segment_bytes: None,
        max_segment_age: None,
        retain_segments: spec.retain_segments,
        ..Options::default()
    };
    let (mut journal, _) = Journal::open(dir.path(), options).unwrap();
    let (mut keys, anchor) = KeyChain::create(dir.path()).unwrap();
    let origin = journal_origin(journal.log_id());
    let logger = AuditLogger::new(16).unwrap();
    let mut frontier = Frontier::new();
    journal.rotate(1, &frontier.to_bytes()).unwrap();
    let mut built = Built {
        dir,
        anchor,
        origin: origin.clone(),
        events: Vec::new(),
        checkpoints: Vec::new(),
        stolen: None,
    };
    let mut line = Vec::new();
    let mut in_epoch = 0;
    let mut in_segment = 0;
    let mut time = 1_767_225_600_000_000u64;
    let mut seal = |journal: &mut Journal,
                    keys: &mut KeyChain,
                    frontier: &Frontier,
                    built: &mut Built,
                    is_final: bool| {
        if spec.steal_epoch == Some(keys.epoch()) {
            built.stolen = Some(read_secret(built.dir.path(), keys.epoch()));
        }
        time += 1_000_000;
        let epoch = keys.epoch();
        let c = keys
            .prepare_seal(&origin, frontier.size(), &frontier.root(), time, is_final)
            .unwrap();
        let at = journal
            .append(FrameKind::Checkpoint, c.to_text().as_bytes())
            .unwrap();
        journal.sync().unwrap();
        keys.commit_seal().unwrap();
        if spec.record {
            built.checkpoints.push(Placed {
                seq: epoch,
                segment: segment_name(at.segment),
                offset: at.offset,
            });
        }
    };
    for seq in 1..=spec.events {
        let (actor, action, resource, outcome, severity, details) = new_event(seq);
        let got = logger
            .log(&NewEvent {
                actor: &actor,
                action: &action,
                resource: &resource,
                outcome: &outcome,
                severity,
                details: Some(&details),
            })
            .unwrap();
        assert_eq!(got, seq);
        let event = logger.get(seq).unwrap();
        line.clear();
        write_compact(&mut line, &event);
        frontier.push(leaf_hash(&line));
        let at = journal.append(FrameKind::Event, &line).unwrap();
        if spec.record {
            built.events.push(Placed {
                seq,
                segment: segment_name(at.segment),
                offset: at.offset,
            });
        }
        in_epoch += 1;
        if in_epoch == spec.every {
            in_epoch = 0;
            let last = seq == spec.events && spec.close;
            seal(&mut journal, &mut keys, &frontier, &mut built, last);
            in_segment += 1;
            if in_segment == spec.epochs_per_segment && seq < spec.events {
                in_segment = 0;
                journal.rotate(seq + 1, &frontier.to_bytes()).unwrap();
                journal
                    .apply_retention(audit_logger::core::now_micros(), |_| Ok(()))
                    .unwrap();
            }
        }
    }
    if spec.close && (in_epoch > 0 || spec.events % spec.every != 0 || spec.events == 0) {
        seal(&mut journal, &mut keys, &frontier, &mut built, true);
    }
    journal.close().unwrap();
    built
}

pub fn segment_name(first_seq: u64) -> String {
    audit_logger::journal::segment_file_name(first_seq)
}

/// The secret of `epoch` from `seal.key` (slot epoch % 2).
pub fn read_secret(dir: &Path, epoch: u64) -> [u8; 32] {
    let state = fs::read(dir.join("seal.key")).unwrap();
    let at = 8 + (epoch % 2) as usize * 48;
    assert_eq!(
        u64::from_le_bytes(state[at..at + 8].try_into().unwrap()),
        epoch
    );
    state[at + 8..at + 40].try_into().unwrap()
}

/// A deterministic attacker key.
pub fn attacker_secret(n: u64) -> [u8; 32] {
    let mut s = [0x5au8; 32];
    s[..8].copy_from_slice(&n.to_le_bytes());
    s
}

/// Copies a journal directory (files only) into a new temporary directory.
pub fn copy_dir(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            fs::copy(entry.path(), to.path().join(entry.file_name())).unwrap();
        }
    }
    to
}

// ---------------------------------------------------------------------------
// The attacker's view: the segment files as headers and frames.

#[derive(Clone, Debug)]
pub struct SegFile {
    pub path: PathBuf,
    pub name: String,
    /// Bytes 0..42 of the header (magic to creation time).
    pub head: Vec<u8>,
    pub extra: Vec<u8>,
    pub frames: Vec<(u8, Vec<u8>)>,
}

impl SegFile {
    pub fn load(path: &Path) -> SegFile {
        let bytes = fs::read(path).unwrap();
        let n = u32::from_le_bytes(bytes[42..46].try_into().unwrap()) as usize;
        let mut at = 50 + n;
        let mut frames = Vec::new();
        while at + 9 <= bytes.len() {
            let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            frames.push((bytes[at + 8], bytes[at + 9..at + 9 + len].to_vec()));
            at += 9 + len;
        }
        assert_eq!(at, bytes.len(), "a whole number of frames");
        SegFile {
            path: path.to_owned(),
            name: path.file_name().unwrap().to_string_lossy().into_owned(),
            head: bytes[..42].to_vec(),
            extra: bytes[46..46 + n].to_vec(),
            frames,
        }
    }

    pub fn header_len(&self) -> u64 {
        50 + self.extra.len() as u64
    }

    /// The byte offset of frame `i`.
    pub fn offset(&self, i: usize) -> u64 {
        self.header_len()
            + self.frames[..i]
                .iter()
                .map(|(_, p)| 9 + p.len() as u64)
                .sum::<u64>()
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.head.clone();
        out.extend_from_slice(&(self.extra.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.extra);
        let crc = crc32c::crc32c(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        for (kind, payload) in &self.frames {
            let kind = match kind {
                1 => FrameKind::Event,
                _ => FrameKind::Checkpoint,
            };
            encode_frame(kind, payload, &mut out).unwrap();
        }
        out
    }

    pub fn save(&self) {
        fs::write(&self.path, self.encode()).unwrap();
    }
}

/// Every segment of a journal, oldest first.
pub fn segments(dir: &Path) -> Vec<SegFile> {
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    names.sort();
    names.iter().map(|p| SegFile::load(p)).collect()
}

/// Re-seals every checkpoint of the segments over the events as they now
/// are (roots, sizes and header frontiers recomputed), as an attacker with
/// keys would: `signer(epoch)` gives the secret to sign that epoch with, or
/// `None` to keep the checkpoint as it is; the next key named is the public
/// key of `signer(epoch + 1)`'s secret when that is `Some`.
pub fn reseal(dir: &Path, signer: &dyn Fn(u64) -> Option<[u8; 32]>) {
    let mut segs = segments(dir);
    let mut frontier = Frontier::from_bytes(&segs[0].extra).unwrap();
    for seg in &mut segs {
        seg.extra = frontier.to_bytes();
        for (kind, payload) in &mut seg.frames {
            if *kind == 1 {
                frontier.push(leaf_hash(payload));
                continue;
            }
            let old = Checkpoint::parse(std::str::from_utf8(payload).unwrap()).unwrap();
            let e = old.body.epoch;
            let Some(secret) = signer(e) else { continue };
            let next_key = signer(e + 1).map_or(old.body.next_key, |s| public_key_of(&s));
            let body = CheckpointBody {
                size: frontier.size(),
                root: frontier.root(),
                next_key,
                ..old.body.clone()
            };
            *payload = body.sign(&secret).unwrap().to_text().into_bytes();
        }
        seg.save();
    }
}
