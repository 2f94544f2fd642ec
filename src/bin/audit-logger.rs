//! `audit-logger`: the operator CLI over a journal directory or an export
//! file: print, filter and follow events, verify against the trust anchor,
//! export (with or without proofs), make keys ahead of time, inspect.
//!
//! A thin layer: reading, filtering, verifying and exporting are the
//! library's (`audit_logger::journal`); this file parses arguments, formats
//! output and maps outcomes to exit codes (`docs/CLI.md`):
//! 0 valid / ok, 1 usage error, 2 tampered, 3 unsealed tail (otherwise
//! valid), 4 unreadable or I/O error.

use std::borrow::Cow;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use serde_json::{json, Value};

use audit_logger::core::{format_micros, parse_micros, write_compact, Event, Filter, Severity};
use audit_logger::journal::{
    self, export_proofs, inspect_journal, parse_export, read_journal_events, verify_export,
    verify_journal, ExportWriter, Follower, JournalReport, Selection, TornTail, Verdict,
};
use audit_logger::seal::keys::{parse_anchor, read_anchor};
use audit_logger::seal::{KeyChain, PublicKey, Report};

const EXIT_USAGE: u8 = 1;
const EXIT_UNREADABLE: u8 = 4;

#[derive(Parser, Debug)]
#[command(
    name = "audit-logger",
    version,
    about = "Read, follow, verify and export audit-logger journals and exports",
    after_help = "Exit codes: 0 valid / ok, 1 usage error, 2 tampered, 3 unsealed tail \
                  (otherwise valid), 4 unreadable or I/O error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the events of a journal directory or an export file (a document
    /// or a proof bundle), oldest first.
    Cat {
        /// A journal directory or an export file.
        path: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print the newest events; with --follow, keep printing new ones as the
    /// journal grows (across rotations) until interrupted.
    Tail {
        /// A journal directory or an export file.
        path: PathBuf,
        /// How many of the newest matching events to print first (--limit
        /// overrides it).
        #[arg(short = 'n', long, default_value_t = 10)]
        lines: usize,
        /// Keep following the journal (or the export file) for new events.
        #[arg(short = 'f', long)]
        follow: bool,
        /// How often to look for new events, in milliseconds (10 to 10000).
        #[arg(long, default_value_t = 250, value_parser = clap::value_parser!(u64).range(10..=10_000))]
        interval_ms: u64,
        /// Stop after printing this many events in all.
        #[arg(long)]
        max_events: Option<u64>,
        /// Stop following after this many milliseconds.
        #[arg(long)]
        timeout_ms: Option<u64>,
        #[command(flatten)]
        filter: FilterArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Verify a journal directory, or an export carrying proofs, against the
    /// trust anchor (the epoch 0 public key). Exit 0 valid, 2 tampered, 3
    /// unsealed tail, 4 unreadable.
    Verify {
        /// A journal directory or a proof bundle file.
        path: PathBuf,
        /// The trust anchor: your out-of-band copy of anchor.pub, or the
        /// base64 key itself. Never the journal's own anchor.pub: an attacker
        /// who re-signed the journal rewrote that one too.
        #[arg(long, value_name = "FILE_OR_BASE64")]
        anchor: String,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Write an export document of a journal's events (or, with --proofs, a
    /// proof bundle that verifies offline with the anchor alone).
    Export {
        /// The journal directory.
        dir: PathBuf,
        /// Write here (atomically) instead of to standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Include the checkpoint chain and an inclusion proof per event; only
        /// sealed events can be proven.
        #[arg(long)]
        proofs: bool,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Append the events of an export document to a journal (made if
    /// missing), sealed like every other event: they keep their timestamps
    /// and get the journal's next seqs. All or nothing.
    Import {
        /// The export document (JSON).
        file: PathBuf,
        /// The journal directory.
        dir: PathBuf,
    },
    /// Make a seal key chain in a directory ahead of time: seal.key (secret,
    /// mode 0600) and anchor.pub (the trust anchor to copy off the machine).
    /// The journal writer uses the keys it finds there.
    Keygen {
        /// The journal directory (made if missing).
        dir: PathBuf,
    },
    /// Summarise a journal directory: log id, segments with sizes and seq
    /// ranges, events, checkpoints, unsealed tail, archive. Verifies nothing.
    Inspect {
        /// The journal directory.
        dir: PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// The filters of `audit_query`.
#[derive(Args, Debug, Clone)]
struct FilterArgs {
    /// Only events with this actor (exactly; "" matches the empty actor).
    #[arg(long)]
    actor: Option<String>,
    /// Only events with this action.
    #[arg(long)]
    action: Option<String>,
    /// Only events with this resource.
    #[arg(long)]
    resource: Option<String>,
    /// Only events with this outcome.
    #[arg(long)]
    outcome: Option<String>,
    /// Only events at least this severe (INFO, WARNING, ERROR, CRITICAL or 10..40).
    #[arg(long, value_parser = severity)]
    min_severity: Option<Severity>,
    /// Only events at most this severe.
    #[arg(long, value_parser = severity)]
    max_severity: Option<Severity>,
    /// Only events at or after this time (RFC 3339, or microseconds since the epoch).
    #[arg(long, value_parser = time)]
    since: Option<i64>,
    /// Only events at or before this time.
    #[arg(long, value_parser = time)]
    until: Option<i64>,
    /// Only events with a seq above this (a cursor).
    #[arg(long)]
    after_seq: Option<u64>,
    /// Only the newest N matches (still printed oldest first).
    #[arg(long)]
    limit: Option<usize>,
}

impl FilterArgs {
    fn filter(&self) -> Filter {
        Filter {
            actor: self.actor.clone(),
            action: self.action.clone(),
            resource: self.resource.clone(),
            outcome: self.outcome.clone(),
            min_severity: self.min_severity,
            max_severity: self.max_severity,
            since: self.since,
            until: self.until,
            after_seq: self.after_seq,
            limit: self.limit,
        }
    }
}

#[derive(Args, Debug, Clone, Copy)]
struct OutputArgs {
    /// JSON Lines (each event's canonical compact JSON) instead of a table.
    #[arg(long)]
    json: bool,
}

fn severity(s: &str) -> Result<Severity, String> {
    match s.parse::<u32>() {
        Ok(n) => Severity::from_value(n),
        Err(_) => Severity::from_name(s),
    }
    .map_err(|e| e.message().to_owned())
}

fn time(s: &str) -> Result<i64, String> {
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    parse_micros(s).map_err(|e| e.message().to_owned())
}

/// Why the command stopped: an exit code and a message for standard error
/// (none for a closed pipe).
#[derive(Debug)]
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }

    fn unreadable(message: impl Into<String>) -> Failure {
        Failure {
            code: EXIT_UNREADABLE,
            message: message.into(),
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            // The reader went away (`| head`): not an error of ours.
            return Failure {
                code: 0,
                message: String::new(),
            };
        }
        Failure::unreadable(format!("cannot write the output: {e}"))
    }
}

impl From<journal::Error> for Failure {
    fn from(e: journal::Error) -> Failure {
        Failure::unreadable(e.message().to_owned())
    }
}

impl From<audit_logger::core::Error> for Failure {
    fn from(e: audit_logger::core::Error) -> Failure {
        Failure::unreadable(e.message().to_owned())
    }
}

type Outcome = Result<u8, Failure>;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("audit-logger: {}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}

fn run(command: Command) -> Outcome {
    match command {
        Command::Cat {
            path,
            filter,
            output,
        } => cat(&path, filter.filter(), output.json),
        Command::Tail {
            path,
            lines,
            follow,
            interval_ms,
            max_events,
            timeout_ms,
            filter,
            output,
        } => {
            let mut f = filter.filter();
            f.limit = Some(f.limit.unwrap_or(lines));
            let stop = Stop {
                follow,
                interval: Duration::from_millis(interval_ms),
                max_events,
                deadline: timeout_ms.map(|t| Instant::now() + Duration::from_millis(t)),
            };
            tail(&path, f, output.json, stop)
        }
        Command::Verify { path, anchor, json } => verify(&path, &anchor, json),
        Command::Export {
            dir,
            output,
            proofs,
            filter,
        } => export(&dir, output.as_deref(), proofs, filter.filter()),
        Command::Import { file, dir } => import(&file, &dir),
        Command::Keygen { dir } => keygen(&dir),
        Command::Inspect { dir, json } => inspect(&dir, json),
    }
}

// ---------------------------------------------------------------------------
// Printing events.

/// Escapes what could forge or hide output in a terminal: control characters
/// and bidirectional overrides, as `\u{…}`.
fn clean(s: &str) -> Cow<'_, str> {
    let bad =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

const HEADERS: [&str; 8] = [
    "SEQ", "TIME", "SEVERITY", "ACTOR", "ACTION", "RESOURCE", "OUTCOME", "DETAILS",
];

/// Prints events as JSON Lines or as a table whose columns grow to fit (rows
/// are written in batches, so a long listing never waits for the end).
struct Printer<W: Write> {
    out: W,
    json: bool,
    widths: [usize; 7],
    rows: Vec<[String; 8]>,
    header: bool,
    printed: u64,
    line: Vec<u8>,
}

impl<W: Write> Printer<W> {
    fn new(out: W, json: bool) -> Self {
        Printer {
            out,
            json,
            widths: [0; 7],
            rows: Vec::new(),
            header: false,
            printed: 0,
            line: Vec::new(),
        }
    }

    fn event(&mut self, e: &Event) -> io::Result<()> {
        self.printed += 1;
        if self.json {
            self.line.clear();
            write_compact(&mut self.line, e);
            self.line.push(b'\n');
            return self.out.write_all(&self.line);
        }
        let time = format_micros(e.timestamp()).unwrap_or_else(|_| e.timestamp().to_string());
        self.rows.push([
            e.seq().to_string(),
            time,
            e.severity().name().to_owned(),
            clean(e.actor()).into_owned(),
            clean(e.action()).into_owned(),
            clean(e.resource()).into_owned(),
            clean(e.outcome()).into_owned(),
            clean(e.details()).into_owned(),
        ]);
        if self.rows.len() >= 1000 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.json && (!self.rows.is_empty() || !self.header) {
            for row in &self.rows {
                for (w, v) in self.widths.iter_mut().zip(row.iter()) {
                    *w = (*w).max(v.chars().count());
                }
            }
            for (w, h) in self.widths.iter_mut().zip(HEADERS) {
                *w = (*w).max(h.len());
            }
            let mut text = String::new();
            if !self.header {
                self.header = true;
                push_row(&mut text, &self.widths, HEADERS.map(str::to_owned).iter());
            }
            for row in self.rows.drain(..) {
                push_row(&mut text, &self.widths, row.iter());
            }
            self.out.write_all(text.as_bytes())?;
        }
        self.out.flush()
    }
}

fn push_row<'a>(text: &mut String, widths: &[usize; 7], row: impl Iterator<Item = &'a String>) {
    for (i, v) in row.enumerate() {
        if i > 0 {
            text.push_str("  ");
        }
        text.push_str(v);
        if let Some(w) = widths.get(i) {
            let pad = w.saturating_sub(v.chars().count());
            text.extend(std::iter::repeat_n(' ', pad));
        }
    }
    let trimmed = text.trim_end_matches(' ').len();
    text.truncate(trimmed);
    text.push('\n');
}

fn stdout_printer(json: bool) -> Printer<BufWriter<io::StdoutLock<'static>>> {
    Printer::new(BufWriter::new(io::stdout().lock()), json)
}

/// Reads an export file's events.
fn export_events(path: &Path) -> Result<Vec<Event>, Failure> {
    let text = fs::read_to_string(path)
        .map_err(|e| Failure::unreadable(format!("cannot read {}: {e}", path.display())))?;
    parse_export(&text)
        .map_err(|e| Failure::unreadable(format!("{}: {}", path.display(), e.message())))
}

fn check_exists(path: &Path) -> Result<(), Failure> {
    fs::metadata(path)
        .map(|_| ())
        .map_err(|e| Failure::unreadable(format!("cannot open {}: {e}", path.display())))
}

fn warn_damage(damaged: &[String], torn: Option<&TornTail>) -> u8 {
    for d in damaged {
        eprintln!("audit-logger: warning: skipped: {d}");
    }
    if let Some(t) = torn {
        eprintln!(
            "audit-logger: note: {} ends in {} bytes that are not a complete frame (a write in \
             progress, or a crash)",
            t.segment, t.bytes
        );
    }
    if damaged.is_empty() {
        0
    } else {
        EXIT_UNREADABLE
    }
}

/// Reads the events of `path` (journal or export) through `selection`,
/// printing those it passes at once and returning the ones it kept.
fn select_events(
    path: &Path,
    selection: &mut Selection<Event>,
    printer: &mut Printer<impl Write>,
) -> Result<(u8, Option<journal::Position>, u64), Failure> {
    check_exists(path)?;
    let mut last_seq = 0;
    if path.is_dir() {
        let mut failed: Option<io::Error> = None;
        let summary = read_journal_events(path, |e, _| {
            last_seq = e.seq();
            if let Some(e) = selection.offer(&e, e.clone()) {
                if let Err(err) = printer.event(&e) {
                    failed = Some(err);
                    return Err(journal::Error::new(journal::ErrorKind::Io, "output closed"));
                }
            }
            Ok(())
        });
        if let Some(e) = failed {
            return Err(e.into());
        }
        let summary = summary?;
        let code = warn_damage(&summary.damaged, summary.torn_tail.as_ref());
        Ok((code, summary.end, last_seq))
    } else {
        for e in export_events(path)? {
            last_seq = last_seq.max(e.seq());
            if let Some(e) = selection.offer(&e, e.clone()) {
                printer.event(&e)?;
            }
        }
        Ok((0, None, last_seq))
    }
}

fn cat(path: &Path, filter: Filter, json: bool) -> Outcome {
    let mut printer = stdout_printer(json);
    let mut selection = Selection::new(filter);
    let (code, _, _) = select_events(path, &mut selection, &mut printer)?;
    for e in selection.finish() {
        printer.event(&e)?;
    }
    printer.flush()?;
    Ok(code)
}

struct Stop {
    follow: bool,
    interval: Duration,
    max_events: Option<u64>,
    deadline: Option<Instant>,
}

impl Stop {
    fn reached(&self, printed: u64) -> bool {
        self.max_events.is_some_and(|m| printed >= m)
            || self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Sleeps one interval (not past the deadline).
    fn sleep(&self) {
        let mut d = self.interval;
        if let Some(deadline) = self.deadline {
            d = d.min(deadline.saturating_duration_since(Instant::now()));
        }
        std::thread::sleep(d);
    }
}

fn tail(path: &Path, filter: Filter, json: bool, stop: Stop) -> Outcome {
    let mut printer = stdout_printer(json);
    let mut selection = Selection::new(filter.clone());
    let (mut code, end, mut last_seq) = select_events(path, &mut selection, &mut printer)?;
    let mut initial = selection.finish();
    if let Some(max) = stop.max_events {
        let keep = initial.len().min(max as usize);
        initial.drain(..initial.len() - keep);
    }
    for e in &initial {
        printer.event(e)?;
    }
    printer.flush()?;
    if !stop.follow {
        return Ok(code);
    }
    // New events pass the filter without its limit.
    let following = Filter {
        limit: None,
        ..filter
    };
    let mut pass = Selection::<()>::new(following);
    if path.is_dir() {
        let mut follower = Follower::new(path, end);
        while !stop.reached(printer.printed) {
            stop.sleep();
            let (events, damaged) = follower.poll()?;
            if !damaged.is_empty() {
                code = warn_damage(&damaged, None);
            }
            for e in events {
                if stop.reached(printer.printed) {
                    break;
                }
                if pass.offer(&e, ()).is_some() {
                    printer.event(&e)?;
                }
            }
            printer.flush()?;
        }
    } else {
        let stamp = |p: &Path| fs::metadata(p).ok().map(|m| (m.len(), m.modified().ok()));
        let mut seen = stamp(path);
        while !stop.reached(printer.printed) {
            stop.sleep();
            let now = stamp(path);
            if now == seen {
                continue;
            }
            seen = now;
            // An export is replaced as a whole: print what is new by seq.
            let Ok(events) = export_events(path) else {
                continue;
            };
            for e in events.iter().filter(|e| e.seq() > last_seq) {
                if stop.reached(printer.printed) {
                    break;
                }
                if pass.offer(e, ()).is_some() {
                    printer.event(e)?;
                }
            }
            last_seq = events
                .iter()
                .map(Event::seq)
                .max()
                .unwrap_or(last_seq)
                .max(last_seq);
            printer.flush()?;
        }
    }
    printer.flush()?;
    Ok(code)
}

// ---------------------------------------------------------------------------
// verify

fn anchor_of(arg: &str) -> Result<PublicKey, Failure> {
    let path = Path::new(arg);
    if path.is_file() {
        return read_anchor(path).map_err(|e| Failure::unreadable(e.message().to_owned()));
    }
    parse_anchor(arg).map_err(|_| {
        Failure::usage(format!(
            "--anchor {arg:?} is neither a readable anchor file nor a base64 Ed25519 public key"
        ))
    })
}

fn micros_text(t: u64) -> String {
    i64::try_from(t)
        .ok()
        .and_then(|t| format_micros(t).ok())
        .unwrap_or_else(|| t.to_string())
}

fn report_json(r: &Report) -> Value {
    json!({
        "events_total": r.events_total,
        "events_verified": r.events_verified,
        "events_unsealed": r.events_unsealed,
        "checkpoints": r.checkpoints,
        "epochs": r.epochs,
        "roots_unchecked_from": r.roots_unchecked_from,
        "last_checkpoint": r.last_checkpoint.as_ref().map(|c| json!({
            "epoch": c.epoch,
            "size": c.size,
            "time": micros_text(c.time),
            "final": c.is_final,
            "segment": c.location.segment,
            "offset": c.location.offset,
        })),
        "findings": r.findings.iter().map(|f| json!({
            "class": f.class.name(),
            "tamper": f.class.is_tamper(),
            "seq": f.seq,
            "last_seq": f.last_seq,
            "epoch": f.epoch,
            "segment": f.location.segment,
            "offset": f.location.offset,
            "detail": f.detail,
        })).collect::<Vec<_>>(),
    })
}

fn print_report(out: &mut impl Write, r: &Report) -> io::Result<()> {
    writeln!(
        out,
        "events: {} ({} verified, {} unsealed); checkpoints: {} (epochs 0..{})",
        r.events_total,
        r.events_verified,
        r.events_unsealed,
        r.checkpoints,
        r.epochs.saturating_sub(1)
    )?;
    match &r.last_checkpoint {
        Some(c) => writeln!(
            out,
            "last checkpoint: epoch {}, size {}, {}{} at {}",
            c.epoch,
            c.size,
            micros_text(c.time),
            if c.is_final { ", final" } else { "" },
            c.location
        )?,
        None => writeln!(out, "last checkpoint: none")?,
    }
    if let Some(e) = r.roots_unchecked_from {
        writeln!(
            out,
            "roots from epoch {e} on could not be checked (after a mismatch)"
        )?;
    }
    if r.findings.is_empty() {
        writeln!(out, "findings: none")?;
    } else {
        writeln!(out, "findings:")?;
    }
    for f in &r.findings {
        let mut at = String::new();
        if let Some(s) = f.seq {
            at.push_str(&format!(" seq {s}"));
            if let Some(l) = f.last_seq.filter(|l| *l != s) {
                at.push_str(&format!("..{l}"));
            }
        }
        if let Some(e) = f.epoch {
            at.push_str(&format!(" epoch {e}"));
        }
        writeln!(
            out,
            "  {}{} at {}: {}",
            f.class.name(),
            at,
            f.location,
            clean(&f.detail)
        )?;
    }
    Ok(())
}

fn verify(path: &Path, anchor: &str, json: bool) -> Outcome {
    let anchor = anchor_of(anchor)?;
    check_exists(path)?;
    let mut out = BufWriter::new(io::stdout().lock());
    let (verdict, value) = if path.is_dir() {
        let r: JournalReport = verify_journal(path, &anchor)?;
        let verdict = r.verdict();
        if json {
            let mut v = report_json(&r.report);
            v["kind"] = json!("journal");
            v["log_id"] = json!(r.log_id.to_string());
            v["segments"] = json!(r.segments);
            v["first_seq"] = json!(r.first_seq);
            v["archived_checkpoints"] = json!(r.archived_checkpoints);
            v["bytes"] = json!(r.bytes);
            v["torn_tail"] = json!(r.torn_tail.as_ref().map(|t| json!({
                "segment": t.segment, "offset": t.offset, "bytes": t.bytes,
            })));
            (verdict, Some(v))
        } else {
            writeln!(
                out,
                "journal {} (log id {}): {} segments, {} bytes{}",
                path.display(),
                r.log_id,
                r.segments,
                r.bytes,
                if r.archived_checkpoints > 0 {
                    format!(", {} archived checkpoints", r.archived_checkpoints)
                } else {
                    String::new()
                }
            )?;
            print_report(&mut out, &r.report)?;
            (verdict, None)
        }
    } else {
        let text = fs::read_to_string(path)
            .map_err(|e| Failure::unreadable(format!("cannot read {}: {e}", path.display())))?;
        let r = verify_export(&text, &anchor)
            .map_err(|e| Failure::unreadable(format!("{}: {}", path.display(), e.message())))?;
        let verdict = Verdict::of(&r);
        if json {
            let mut v = report_json(&r);
            v["kind"] = json!("export");
            (verdict, Some(v))
        } else {
            writeln!(out, "export {} (proof bundle)", path.display())?;
            print_report(&mut out, &r)?;
            (verdict, None)
        }
    };
    match value {
        Some(mut v) => {
            v["path"] = json!(path.display().to_string());
            v["verdict"] = json!(verdict.name());
            writeln!(out, "{v}")?;
        }
        None => writeln!(out, "verdict: {}", verdict.name())?,
    }
    out.flush()?;
    Ok(verdict.exit_code() as u8)
}

// ---------------------------------------------------------------------------
// export, keygen, inspect

/// Where an export goes: a temporary file renamed into place, or stdout.
enum Sink {
    File(tempfile::NamedTempFile, PathBuf),
    Stdout,
}

impl Sink {
    fn open(output: Option<&Path>) -> Result<Sink, Failure> {
        let Some(path) = output else {
            return Ok(Sink::Stdout);
        };
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let tmp = tempfile::NamedTempFile::new_in(parent).map_err(|e| {
            Failure::unreadable(format!("cannot write in {}: {e}", parent.display()))
        })?;
        Ok(Sink::File(tmp, path.to_owned()))
    }

    fn writer(&mut self) -> Box<dyn Write + '_> {
        match self {
            Sink::File(f, _) => Box::new(BufWriter::new(f.as_file_mut())),
            Sink::Stdout => Box::new(BufWriter::new(io::stdout().lock())),
        }
    }

    fn commit(self) -> Result<(), Failure> {
        if let Sink::File(f, path) = self {
            f.as_file().sync_all().map_err(|e| {
                Failure::unreadable(format!("cannot write {}: {e}", path.display()))
            })?;
            f.persist(&path).map_err(|e| {
                Failure::unreadable(format!("cannot write {}: {}", path.display(), e.error))
            })?;
        }
        Ok(())
    }
}

fn export(dir: &Path, output: Option<&Path>, proofs: bool, filter: Filter) -> Outcome {
    check_exists(dir)?;
    if !dir.is_dir() {
        return Err(Failure::usage(format!(
            "{} is not a journal directory",
            dir.display()
        )));
    }
    let mut sink = Sink::open(output)?;
    let mut code = 0;
    let count;
    if proofs {
        let export = export_proofs(dir, &filter)?;
        let mut w = sink.writer();
        w.write_all(export.bundle.to_json().as_bytes())?;
        w.write_all(b"\n")?;
        w.flush()?;
        drop(w);
        count = export.bundle.events.len() as u64;
        if export.unsealed_skipped > 0 {
            eprintln!(
                "audit-logger: note: {} selected events are after the last checkpoint and were \
                 left out (nothing seals them yet)",
                export.unsealed_skipped
            );
        }
    } else {
        let mut w = ExportWriter::new(sink.writer());
        let mut selection = Selection::new(filter);
        let mut failed: Option<io::Error> = None;
        let summary = read_journal_events(dir, |e, _| {
            if let Some(e) = selection.offer(&e, e.clone()) {
                if let Err(err) = w.push(&e) {
                    failed = Some(err);
                    return Err(journal::Error::new(journal::ErrorKind::Io, "output closed"));
                }
            }
            Ok(())
        });
        if let Some(e) = failed {
            return Err(e.into());
        }
        let summary = summary?;
        for e in selection.finish() {
            w.push(&e)?;
        }
        let (mut out, n) = w.finish()?;
        out.write_all(b"\n")?;
        out.flush()?;
        drop(out);
        count = n;
        code = warn_damage(&summary.damaged, None);
    }
    let to = output.map_or("standard output".to_owned(), |p| p.display().to_string());
    sink.commit()?;
    eprintln!(
        "audit-logger: exported {count} events{} to {to}",
        if proofs { " with proofs" } else { "" }
    );
    Ok(code)
}

fn import(file: &Path, dir: &Path) -> Outcome {
    check_exists(file)?;
    let unreadable = |e: audit_logger::core::Error| Failure::unreadable(e.message().to_owned());
    let journal = audit_logger::journal::JournalConfig {
        fsync: audit_logger::journal::Fsync::Always,
        ..audit_logger::journal::JournalConfig::new(dir)
    };
    let logger =
        audit_logger::journal::open_logger(audit_logger::core::Config::with_capacity(1), journal)
            .map_err(unreadable)?;
    let n = logger.import_json_file(file).map_err(unreadable)?;
    let last = logger.appended();
    logger.close();
    writeln!(
        io::stdout().lock(),
        "imported {n} events into {} (seq {} to {last})",
        dir.display(),
        last + 1 - n as u64
    )?;
    Ok(0)
}

fn keygen(dir: &Path) -> Outcome {
    let (_keys, anchor) =
        KeyChain::create(dir).map_err(|e| Failure::unreadable(e.message().to_owned()))?;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "made {} (the secret key state, mode 0600) and {}",
        dir.join(audit_logger::seal::keys::STATE_FILE).display(),
        dir.join(audit_logger::seal::keys::ANCHOR_FILE).display()
    )?;
    writeln!(
        out,
        "trust anchor: {}",
        audit_logger::seal::checkpoint::encode_public_key(&anchor)
    )?;
    writeln!(
        out,
        "Copy anchor.pub (or the key above) off this machine now: verification trusts only that copy."
    )?;
    Ok(0)
}

fn inspect(dir: &Path, json: bool) -> Outcome {
    check_exists(dir)?;
    let s = inspect_journal(dir)?;
    let mut out = BufWriter::new(io::stdout().lock());
    let created = format_micros(s.created_micros).unwrap_or_default();
    let epochs = s.last_checkpoint.as_ref().map_or(0, |c| c.epoch + 1);
    if json {
        let v = json!({
            "path": dir.display().to_string(),
            "log_id": s.log_id.to_string(),
            "origin": s.origin,
            "created": created,
            "segments": s.segments.iter().map(|g| json!({
                "name": g.name,
                "bytes": g.bytes,
                "first_seq": g.first_seq,
                "created": format_micros(g.created_micros).unwrap_or_default(),
                "events": g.events,
                "checkpoints": g.checkpoints,
                "seqs": g.seqs.map(|(a, b)| [a, b]),
            })).collect::<Vec<_>>(),
            "events": s.events,
            "checkpoints": s.checkpoints,
            "epochs": epochs,
            "last_checkpoint": s.last_checkpoint.as_ref().map(|c| json!({
                "epoch": c.epoch, "size": c.size, "time": micros_text(c.time), "final": c.is_final,
            })),
            "unsealed_events": s.unsealed_events,
            "archive": s.archive.map(|(n, bytes)| json!({"checkpoints": n, "bytes": bytes})),
            "damaged_frames": s.damaged_frames,
            "torn_tail": s.torn_tail.as_ref().map(|t| json!({
                "segment": t.segment, "offset": t.offset, "bytes": t.bytes,
            })),
            "seal_key": s.has_keys.0,
            "anchor_pub": s.has_keys.1,
        });
        writeln!(out, "{v}")?;
    } else {
        writeln!(out, "journal:    {}", dir.display())?;
        writeln!(out, "log id:     {}", s.log_id)?;
        writeln!(out, "origin:     {}", s.origin)?;
        writeln!(out, "created:    {created}")?;
        writeln!(
            out,
            "keys:       seal.key {}, anchor.pub {}",
            if s.has_keys.0 { "present" } else { "absent" },
            if s.has_keys.1 { "present" } else { "absent" }
        )?;
        writeln!(out, "events:     {}", s.events)?;
        writeln!(
            out,
            "checkpoints: {} in segments, epochs 0..{}",
            s.checkpoints,
            epochs.saturating_sub(1)
        )?;
        match &s.last_checkpoint {
            Some(c) => writeln!(
                out,
                "last checkpoint: epoch {}, size {}, {}{}",
                c.epoch,
                c.size,
                micros_text(c.time),
                if c.is_final { ", final" } else { "" }
            )?,
            None => writeln!(out, "last checkpoint: none")?,
        }
        writeln!(out, "unsealed tail: {} events", s.unsealed_events)?;
        match s.archive {
            Some((n, bytes)) => writeln!(out, "archive:    {n} checkpoints, {bytes} bytes")?,
            None => writeln!(out, "archive:    none")?,
        }
        if s.damaged_frames > 0 {
            writeln!(out, "damaged frames: {} (run verify)", s.damaged_frames)?;
        }
        if let Some(t) = &s.torn_tail {
            writeln!(
                out,
                "torn tail:  {} bytes at {}@{}",
                t.bytes, t.segment, t.offset
            )?;
        }
        writeln!(out, "segments:   {}", s.segments.len())?;
        let mut table = String::new();
        let rows: Vec<[String; 6]> = s
            .segments
            .iter()
            .map(|g| {
                [
                    g.name.clone(),
                    g.bytes.to_string(),
                    g.seqs.map_or("-".into(), |(a, b)| format!("{a}..{b}")),
                    g.events.to_string(),
                    g.checkpoints.to_string(),
                    format_micros(g.created_micros).unwrap_or_default(),
                ]
            })
            .collect();
        let heads = ["NAME", "BYTES", "SEQS", "EVENTS", "CHECKPOINTS", "CREATED"];
        let mut widths = heads.map(str::len);
        for r in &rows {
            for (w, v) in widths.iter_mut().zip(r) {
                *w = (*w).max(v.len());
            }
        }
        for r in std::iter::once(heads.map(str::to_owned)).chain(rows) {
            table.push_str("  ");
            for (i, v) in r.iter().enumerate() {
                table.push_str(&format!("{v:<w$}  ", w = widths[i]));
            }
            let t = table.trim_end().len();
            table.truncate(t);
            table.push('\n');
        }
        out.write_all(table.as_bytes())?;
    }
    out.flush()?;
    Ok(if s.damaged_frames > 0 {
        EXIT_UNREADABLE
    } else {
        0
    })
}
