//! The `audit-logger` binary, run as an operator would: help and version,
//! cat and tail of journals and exports (table and JSON Lines, filters),
//! verify and its exit codes, export with and without proofs, keygen,
//! inspect.

#[path = "cli/builder.rs"]
mod builder;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use audit_logger::journal::{FrameKind, Journal, Options};
use audit_logger::seal::checkpoint::encode_public_key;
use builder::*;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_audit-logger");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn seqs(json_lines: &str) -> Vec<u64> {
    json_lines
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

fn closed() -> Built {
    build(&Spec {
        close: true,
        ..Spec::default()
    })
}

fn anchor_b64(b: &Built) -> String {
    encode_public_key(&b.anchor)
}

/// The operator's out-of-band copy of the anchor.
fn anchor_copy(b: &Built) -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::copy(b.path().join("anchor.pub"), f.path()).unwrap();
    f
}

#[test]
fn help_version_and_usage_errors() {
    let o = run(&["--help"]);
    assert_eq!(code(&o), 0);
    for word in [
        "cat",
        "tail",
        "verify",
        "export",
        "keygen",
        "inspect",
        "Exit codes",
    ] {
        assert!(stdout(&o).contains(word), "{word}: {}", stdout(&o));
    }
    let o = run(&["verify", "--help"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("--anchor"));
    let o = run(&["--version"]);
    assert_eq!(code(&o), 0);
    assert_eq!(
        stdout(&o).trim(),
        format!("audit-logger {}", env!("CARGO_PKG_VERSION"))
    );
    for args in [
        &[][..],
        &["frobnicate"],
        &["cat"],
        &["cat", "/nonexistent", "--min-severity", "LOUD"],
        &["cat", "/nonexistent", "--since", "yesterday"],
        &["verify", "/nonexistent"],
    ] {
        let o = run(args);
        assert_eq!(code(&o), 1, "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn cat_prints_a_table_and_json_lines_with_filters() {
    let b = build(&Spec::default());
    let dir = p(b.path());
    let o = run(&["cat", dir]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 31);
    let header = lines[0];
    for h in [
        "SEQ", "TIME", "SEVERITY", "ACTOR", "ACTION", "RESOURCE", "OUTCOME", "DETAILS",
    ] {
        assert!(header.contains(h), "{header}");
    }
    // Aligned: each column's values start where its header does.
    let col = |h: &str| header.find(h).unwrap();
    for (n, line) in lines[1..].iter().enumerate() {
        let seq = n as u64 + 1;
        let (actor, action, resource, outcome, severity, _) = new_event(seq);
        let chars: Vec<char> = line.chars().collect();
        let at = |c: usize| chars[c..].iter().collect::<String>();
        assert!(line.starts_with(&seq.to_string()));
        assert!(at(col("SEVERITY")).starts_with(severity.name()), "{line}");
        assert!(at(col("ACTOR")).starts_with(&actor), "{line}");
        assert!(at(col("ACTION")).starts_with(&action), "{line}");
        assert!(at(col("RESOURCE")).starts_with(&resource), "{line}");
        assert!(at(col("OUTCOME")).starts_with(&outcome), "{line}");
        assert!(at(col("DETAILS")).starts_with("{\"n\":"), "{line}");
        assert!(at(col("TIME")).contains('T') && at(col("TIME")).contains('Z'));
    }

    let o = run(&["cat", dir, "--json"]);
    assert_eq!(code(&o), 0);
    assert_eq!(seqs(&stdout(&o)), (1..=30).collect::<Vec<_>>());
    // The lines are the stored canonical lines.
    let stored = segments(b.path())[0].frames[0].1.clone();
    assert_eq!(stdout(&o).lines().next().unwrap().as_bytes(), &stored[..]);

    let filtered = |args: &[&str]| {
        let mut all = vec!["cat", dir, "--json"];
        all.extend_from_slice(args);
        let o = run(&all);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        seqs(&stdout(&o))
    };
    assert_eq!(filtered(&["--actor", "alice"]), [4, 8, 12, 16, 20, 24, 28]);
    assert_eq!(filtered(&["--actor", "alice", "--limit", "2"]), [24, 28]);
    assert_eq!(filtered(&["--after-seq", "27"]), [28, 29, 30]);
    assert_eq!(
        filtered(&["--outcome", "denied", "--action", "doc.read"]),
        [1, 16, 25]
    );
    assert_eq!(filtered(&["--resource", "doc:3"]), [3, 14, 25]);
    // Severity from seq % 7 % 4: CRITICAL for 3, 10, 17, 24.
    assert_eq!(filtered(&["--min-severity", "critical"]), [3, 10, 17, 24]);
    assert_eq!(filtered(&["--min-severity", "40"]), [3, 10, 17, 24]);
    assert_eq!(
        filtered(&["--max-severity", "INFO", "--limit", "3"]),
        [21, 25, 28]
    );
    assert!(filtered(&["--until", "0"]).is_empty());
    assert_eq!(filtered(&["--since", "2001-01-01T00:00:00Z"]).len(), 30);
    assert!(filtered(&["--actor", ""]).is_empty());
}

#[test]
fn export_then_cat_the_export() {
    let b = build(&Spec::default());
    let dir = p(b.path());
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("export.json");
    let o = run(&["export", dir, "--output", p(&file)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("exported 30 events"));
    let doc = std::fs::read_to_string(&file).unwrap();
    assert!(doc.starts_with("[\n  {\n    \"actor\": "));
    // The same events as the journal, byte for byte as JSON Lines.
    let from_journal = stdout(&run(&["cat", dir, "--json"]));
    let o = run(&["cat", p(&file), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), from_journal);
    let o = run(&["cat", p(&file), "--json", "--actor", "bob", "--limit", "2"]);
    assert_eq!(seqs(&stdout(&o)), [25, 29]);
    // A table too.
    let o = run(&["cat", p(&file)]);
    assert_eq!(stdout(&o).lines().count(), 31);
    // Filters apply to the export, and to stdout.
    let o = run(&[
        "export",
        dir,
        "--min-severity",
        "ERROR",
        "--after-seq",
        "20",
    ]);
    assert_eq!(code(&o), 0);
    let events: Vec<Value> = serde_json::from_str(&stdout(&o)).unwrap();
    let got: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(got, [23, 24, 27, 30]);
    // A missing journal.
    let o = run(&["export", p(&out.path().join("nope"))]);
    assert_eq!(code(&o), 4);
    // A file that is not an export.
    std::fs::write(out.path().join("junk"), "not json").unwrap();
    let o = run(&["cat", p(&out.path().join("junk"))]);
    assert_eq!(code(&o), 4);
    assert!(stderr(&o).contains("junk"));
}

#[test]
fn verify_exit_codes() {
    let b = closed();
    let anchor = anchor_copy(&b);
    let dir = p(b.path());

    let o = run(&["verify", dir, "--anchor", p(anchor.path())]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("verdict: valid"));
    assert!(stdout(&o).contains("30 verified"));
    // The anchor as a bare base64 key.
    let o = run(&["verify", dir, "--anchor", &anchor_b64(&b)]);
    assert_eq!(code(&o), 0);
    // JSON.
    let o = run(&["verify", dir, "--anchor", &anchor_b64(&b), "--json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["events_verified"], 30);
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);

    // Unsealed tail: 3.
    let u = build(&Spec {
        events: 23,
        ..Spec::default()
    });
    let o = run(&["verify", p(u.path()), "--anchor", &anchor_b64(&u), "--json"]);
    assert_eq!(code(&o), 3, "{}", stdout(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["verdict"], "unsealed-tail");
    assert_eq!(v["events_unsealed"], 3);

    // Tampered: 2, with the class, seq and location printed.
    let t = closed();
    let mut segs = segments(t.path());
    let payload = &mut segs[0].frames[2].1;
    let at = payload
        .windows(10)
        .position(|w| w == b"\"outcome\":")
        .unwrap()
        + 11;
    payload[at] ^= 0x20;
    segs[0].save();
    let o = run(&["verify", p(t.path()), "--anchor", &anchor_b64(&t)]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    let text = stdout(&o);
    assert!(
        text.contains("modified seq 1..5 epoch 0 at 00000000000000000001.seg@"),
        "{text}"
    );
    assert!(text.contains("verdict: tampered"));
    let o = run(&["verify", p(t.path()), "--anchor", &anchor_b64(&t), "--json"]);
    assert_eq!(code(&o), 2);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["findings"][0]["class"], "modified");
    assert_eq!(v["findings"][0]["seq"], 1);
    assert_eq!(v["findings"][0]["segment"], "00000000000000000001.seg");

    // Another journal's anchor: re-signed, 2.
    let o = run(&["verify", dir, "--anchor", &anchor_b64(&u)]);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).contains("resigned"));

    // Missing, or not a journal: 4.
    let o = run(&[
        "verify",
        "/nonexistent/journal",
        "--anchor",
        &anchor_b64(&b),
    ]);
    assert_eq!(code(&o), 4);
    assert!(stderr(&o).contains("/nonexistent/journal"));
    let empty = tempfile::tempdir().unwrap();
    let o = run(&["verify", p(empty.path()), "--anchor", &anchor_b64(&b)]);
    assert_eq!(code(&o), 4);
    assert!(stderr(&o).contains("not a journal"), "{}", stderr(&o));
    // A bad anchor argument: 1.
    let o = run(&["verify", dir, "--anchor", "not-a-key"]);
    assert_eq!(code(&o), 1);
}

#[test]
fn export_with_proofs_then_verify_the_bundle() {
    let b = build(&Spec {
        events: 27,
        ..Spec::default()
    });
    let out = tempfile::tempdir().unwrap();
    let bundle = out.path().join("alice.proofs.json");
    let o = run(&[
        "export",
        p(b.path()),
        "--proofs",
        "--actor",
        "alice",
        "-o",
        p(&bundle),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("exported 6 events with proofs"),
        "{}",
        stderr(&o)
    );
    let o = run(&["verify", p(&bundle), "--anchor", &anchor_b64(&b)]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("verdict: valid"));
    // cat reads a bundle too.
    let o = run(&["cat", p(&bundle), "--json"]);
    assert_eq!(seqs(&stdout(&o)), [4, 8, 12, 16, 20, 24]);
    // A changed event in the bundle: 2.
    let text = std::fs::read_to_string(&bundle).unwrap();
    let forged = out.path().join("forged.json");
    std::fs::write(&forged, text.replacen("doc.read", "doc.wipe", 1)).unwrap();
    let o = run(&["verify", p(&forged), "--anchor", &anchor_b64(&b), "--json"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    // An export without proofs cannot be verified: 4.
    let plain = out.path().join("plain.json");
    assert_eq!(code(&run(&["export", p(b.path()), "-o", p(&plain)])), 0);
    let o = run(&["verify", p(&plain), "--anchor", &anchor_b64(&b)]);
    assert_eq!(code(&o), 4);
    assert!(stderr(&o).contains("no proofs"), "{}", stderr(&o));
    // Unsealed events are left out, and said so.
    let o = run(&["export", p(b.path()), "--proofs"]);
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).contains("2 selected events are after the last checkpoint"));
}

#[test]
fn keygen_makes_the_anchor_ahead_of_time() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("journal");
    let o = run(&["keygen", p(&dir)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let anchor = audit_logger::seal::keys::read_anchor(&dir.join("anchor.pub")).unwrap();
    assert!(stdout(&o).contains(&encode_public_key(&anchor)));
    let keys = audit_logger::seal::KeyChain::open(&dir).unwrap();
    assert_eq!((keys.epoch(), keys.public_key()), (0, anchor));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("seal.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // Never over existing keys.
    let o = run(&["keygen", p(&dir)]);
    assert_eq!(code(&o), 4);
    assert!(stderr(&o).contains("seal.key"));
    assert_eq!(
        audit_logger::seal::keys::read_anchor(&dir.join("anchor.pub")).unwrap(),
        anchor
    );
}

#[test]
fn inspect_summarises() {
    let b = build(&Spec {
        events: 23,
        ..Spec::default()
    });
    let o = run(&["inspect", p(b.path())]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains(&b.origin[13..]), "{text}");
    assert!(text.contains("events:     23"), "{text}");
    assert!(text.contains("unsealed tail: 3 events"), "{text}");
    assert!(text.contains("00000000000000000011.seg"), "{text}");
    assert!(text.contains("11..20"), "{text}");
    let o = run(&["inspect", p(b.path()), "--json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["events"], 23);
    assert_eq!(v["checkpoints"], 4);
    assert_eq!(v["epochs"], 4);
    assert_eq!(v["unsealed_events"], 3);
    assert_eq!(v["segments"].as_array().unwrap().len(), 3);
    assert_eq!(v["segments"][2]["seqs"], serde_json::json!([21, 23]));
    assert_eq!(v["last_checkpoint"]["size"], 20);
    assert_eq!(v["seal_key"], true);
    // After retention, the archive.
    let r = build(&Spec {
        events: 40,
        retain_segments: Some(2),
        ..Spec::default()
    });
    let v: Value =
        serde_json::from_str(&stdout(&run(&["inspect", p(r.path()), "--json"]))).unwrap();
    assert_eq!(v["archive"]["checkpoints"], 4);
    assert_eq!(v["segments"][0]["first_seq"], 21);
    let o = run(&["inspect", "/nonexistent"]);
    assert_eq!(code(&o), 4);
}

/// Appends events `from..from+n` (unsealed) to a journal, rotating after
/// `rotate_after` of them, as a live writer would.
fn append(dir: &Path, from: u64, n: u64, rotate_after: Option<u64>) {
    let (mut j, _) = Journal::open(dir, Options::default()).unwrap();
    for seq in from..from + n {
        if rotate_after == Some(seq - from) {
            j.rotate(seq, &audit_logger::seal::merkle::Frontier::new().to_bytes())
                .unwrap();
        }
        let line = format!(
            r#"{{"actor":"late","action":"a","resource":"r","outcome":"success","severity":"INFO","details":{{}},"timestamp":"2026-01-01T00:00:00.000000Z","seq":{seq}}}"#
        );
        j.append(FrameKind::Event, line.as_bytes()).unwrap();
        j.sync().unwrap();
    }
    j.close().unwrap();
}

#[test]
fn tail_prints_the_newest_and_follows_across_rotation() {
    let b = build(&Spec::default());
    let dir = p(b.path());
    let o = run(&["tail", dir, "-n", "3", "--json"]);
    assert_eq!(code(&o), 0);
    assert_eq!(seqs(&stdout(&o)), [28, 29, 30]);
    let o = run(&["tail", dir, "--actor", "bob", "--json", "--limit", "2"]);
    assert_eq!(seqs(&stdout(&o)), [25, 29]);

    // Follow with nothing new: stops at the timeout.
    let started = Instant::now();
    let o = run(&[
        "tail",
        "-f",
        dir,
        "-n",
        "1",
        "--json",
        "--timeout-ms",
        "300",
        "--interval-ms",
        "20",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(seqs(&stdout(&o)), [30]);
    assert!(started.elapsed() >= Duration::from_millis(300));

    // Follow while a writer appends and rotates: stops after 2 + 5 events.
    let mut child = Command::new(BIN)
        .args([
            "tail",
            "-f",
            dir,
            "-n",
            "2",
            "--json",
            "--max-events",
            "7",
            "--interval-ms",
            "20",
            "--timeout-ms",
            "30000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    append(b.path(), 31, 2, None);
    std::thread::sleep(Duration::from_millis(100));
    append(b.path(), 33, 4, Some(1));
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "tail did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(seqs(&out), [29, 30, 31, 32, 33, 34, 35]);

    // A filter applies to followed events too; a table works as well.
    let o = run(&[
        "tail",
        "-f",
        dir,
        "--actor",
        "late",
        "-n",
        "0",
        "--max-events",
        "3",
        "--interval-ms",
        "20",
        "--timeout-ms",
        "500",
    ]);
    let text = stdout(&o);
    assert!(text.lines().next().unwrap().starts_with("SEQ"), "{text}");
    assert_eq!(
        text.lines().count(),
        1,
        "only the header: nothing new arrives"
    );
}

#[test]
fn import_appends_an_export_to_a_sealed_journal() {
    let source = audit_logger::core::AuditLogger::new(10).unwrap();
    for actor in ["ann", "bob", "cy"] {
        source
            .log(&audit_logger::core::NewEvent {
                actor,
                ..audit_logger::core::NewEvent::default()
            })
            .unwrap();
    }
    let tmp = tempfile::tempdir().unwrap();
    let doc = tmp.path().join("export.json");
    std::fs::write(&doc, source.export_json()).unwrap();
    let dir = tmp.path().join("journal");
    for _ in 0..2 {
        let o = run(&["import", p(&doc), p(&dir)]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    let o = run(&["cat", p(&dir), "--json"]);
    assert_eq!(seqs(&stdout(&o)), [1, 2, 3, 4, 5, 6]);
    let anchor = dir.join("anchor.pub");
    let o = run(&["verify", p(&dir), "--anchor", p(&anchor)]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = run(&["import", p(&tmp.path().join("missing.json")), p(&dir)]);
    assert_eq!(code(&o), 4);
}
