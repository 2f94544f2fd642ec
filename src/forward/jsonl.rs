//! The JSON Lines file sink, for log shippers (Vector, Fluent Bit, Filebeat).
//!
//! One event per line (the [`Format`] chosen, [`Format::JsonLine`] by default).
//! Rotation renames the file (`<path>` to `<path>.1`, `.1` to `.2`, up to
//! `keep`) and creates a new one, so a shipper that follows the file by inode
//! reads the old one to its end; nothing is ever copied or truncated. An event
//! counts as delivered when the fsync policy says it is on disk (`Never`: once
//! written). Under `Batch` the syncs run on a thread of their own while the
//! worker goes on writing.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::config::invalid;
use super::format::Format;
use super::logid::LogId;
use super::sink::Sink;
use super::source::Item;
use crate::core::Result;
use crate::journal::{Fsync, Syncer};

/// A JSON Lines file target.
#[derive(Clone, Debug)]
pub struct JsonlConfig {
    /// The file; created if missing, appended to otherwise.
    pub path: PathBuf,
    /// Rotate before a line would make the file larger than this; `None`: never.
    pub max_bytes: Option<u64>,
    /// Rotated files kept (`<path>.1` is the newest); older ones are deleted.
    pub keep: usize,
    /// When lines are synced to disk: the journal's policy, where `Always`
    /// syncs each batch the worker writes before it counts as delivered.
    pub fsync: Fsync,
}

impl JsonlConfig {
    /// `path`, no rotation, the journal's default fsync policy (see
    /// [`Fsync::default`]).
    pub fn new(path: impl Into<PathBuf>) -> JsonlConfig {
        JsonlConfig {
            path: path.into(),
            max_bytes: None,
            keep: 5,
            fsync: Fsync::default(),
        }
    }

    /// Sets one setting by name, as the C ABI's
    /// `audit_forwarder_config_set_property` does: `fsync` (`never`, `batch`
    /// or `always`), `fsync_batch_events` and `fsync_batch_interval_ms` (the
    /// batch policy's bounds; setting one selects `batch`), `max_bytes` (rotate
    /// before the file would grow past it; 0: never) and `keep` (rotated
    /// files kept).
    pub fn set_property(&mut self, key: &str, value: &str) -> Result<()> {
        let number = || {
            value.parse::<u64>().map_err(|_| {
                invalid(format!(
                    "JSON Lines setting {key:?} takes a whole number; got {value:?}"
                ))
            })
        };
        match key {
            "fsync" => {
                self.fsync = match value {
                    "never" => Fsync::Never,
                    "always" => Fsync::Always,
                    "batch" => {
                        let (events, interval) = self.fsync.batch_bounds();
                        Fsync::Batch { events, interval }
                    }
                    _ => {
                        return Err(invalid(format!(
                            "JSON Lines fsync is never, batch or always; got {value:?}"
                        )))
                    }
                }
            }
            "fsync_batch_events" => {
                let events = usize::try_from(number()?).unwrap_or(usize::MAX);
                if events == 0 {
                    return Err(invalid(
                        "JSON Lines fsync_batch_events must be greater than 0",
                    ));
                }
                let (_, interval) = self.fsync.batch_bounds();
                self.fsync = Fsync::Batch { events, interval };
            }
            "fsync_batch_interval_ms" => {
                let (events, _) = self.fsync.batch_bounds();
                let interval = Duration::from_millis(number()?);
                self.fsync = Fsync::Batch { events, interval };
            }
            "max_bytes" => self.max_bytes = Some(number()?).filter(|&n| n > 0),
            "keep" => self.keep = usize::try_from(number()?).unwrap_or(usize::MAX),
            _ => {
                return Err(invalid(format!(
                    "unknown JSON Lines setting {key:?} (fsync, fsync_batch_events, \
                     fsync_batch_interval_ms, max_bytes, keep)"
                )))
            }
        }
        Ok(())
    }
}

fn rotated(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

pub(crate) struct JsonlSink {
    config: JsonlConfig,
    format: Format,
    log_id: LogId,
    /// Shared with the sync thread's jobs.
    file: Option<Arc<File>>,
    size: u64,
    sent: usize,
    synced: usize,
    /// When the newest sync started (or the file was opened): the lines
    /// written since have waited at most this long.
    synced_at: Instant,
    /// Under [`Fsync::Batch`], started with the first sync: the thread the
    /// syncs run on while the worker goes on writing. A sync covers every
    /// line written before it started; lines written meanwhile go in the
    /// next one, so one sync may cover more than a batch. The engine's
    /// `max_in_flight` bounds the lines written and not yet synced.
    syncer: Option<Syncer<Arc<File>, std::io::Result<()>>>,
    /// The lines of the batch being sent.
    lines: Vec<u8>,
}

impl JsonlSink {
    pub(crate) fn new(config: &JsonlConfig, format: Format, log_id: LogId) -> Result<JsonlSink> {
        Ok(JsonlSink {
            config: config.clone(),
            format,
            log_id,
            file: None,
            size: 0,
            sent: 0,
            synced: 0,
            synced_at: Instant::now(),
            syncer: None,
            lines: Vec::new(),
        })
    }

    /// Syncs on this thread everything written (after the sync under way,
    /// if any).
    fn sync(&mut self) -> std::io::Result<()> {
        self.collect(true)?;
        if let Some(file) = &self.file {
            if self.config.fsync != Fsync::Never {
                file.sync_data()?;
            }
        }
        self.synced = self.sent;
        self.synced_at = Instant::now();
        Ok(())
    }

    /// Takes the outcome of the sync under way, once it has finished (with
    /// `wait`, waits for it): its lines count as synced, or its error is
    /// returned (the engine then reconnects and writes the unsynced lines
    /// again).
    fn collect(&mut self, wait: bool) -> std::io::Result<()> {
        if let Some((_, upto, outcome)) = self.syncer.as_mut().and_then(|s| s.finished(wait)) {
            outcome?;
            self.synced = self.synced.max(upto as usize);
        }
        Ok(())
    }

    /// Under [`Fsync::Batch`]: collects a finished sync, and starts the next
    /// on the sync thread if `events` lines wait or the oldest has waited
    /// `interval`, and none is under way.
    fn sync_in_background(&mut self, events: usize, interval: Duration) -> std::io::Result<()> {
        self.collect(false)?;
        let unsynced = self.sent - self.synced;
        let busy = self.syncer.as_ref().is_some_and(Syncer::in_flight);
        if busy || unsynced == 0 || (unsynced < events && self.synced_at.elapsed() < interval) {
            return Ok(());
        }
        let Some(file) = self.file.clone() else {
            return Ok(());
        };
        if self.syncer.is_none() {
            self.syncer = Some(Syncer::start(
                "audit-jsonl-sync",
                |file: &Arc<File>| file.sync_data(),
                |_, _| {},
            )?);
        }
        let syncer = self.syncer.as_mut().expect("just started");
        syncer.submit(file, self.sent as u64);
        self.synced_at = Instant::now();
        Ok(())
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        self.collect(true)?;
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        let path = self.config.path.clone();
        let path = path.as_path();
        if self.config.keep == 0 {
            fs::remove_file(path)?;
        } else {
            let _ = fs::remove_file(rotated(path, self.config.keep));
            for n in (1..self.config.keep).rev() {
                let from = rotated(path, n);
                if from.exists() {
                    fs::rename(&from, rotated(path, n + 1))?;
                }
            }
            fs::rename(path, rotated(path, 1))?;
        }
        self.open()?;
        sync_dir(path)?;
        // Everything written so far is in a synced file.
        self.synced = self.sent;
        self.synced_at = Instant::now();
        Ok(())
    }

    fn open(&mut self) -> std::io::Result<()> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.config.path)?;
        self.size = file.metadata()?.len();
        self.file = Some(Arc::new(file));
        Ok(())
    }

    /// Writes the first `bytes` of `lines`, which hold `count` whole lines,
    /// and drops them from the buffer.
    fn write_lines(&mut self, bytes: usize, count: usize) -> std::result::Result<(), String> {
        let mut file = self.file.as_deref().ok_or("file not open")?;
        if let Err(e) = file.write_all(&self.lines[..bytes]) {
            return Err(self.io(e));
        }
        self.lines.drain(..bytes);
        self.size += bytes as u64;
        self.sent += count;
        Ok(())
    }

    fn io(&self, e: std::io::Error) -> String {
        format!("{}: {e}", self.config.path.display())
    }
}

impl Sink for JsonlSink {
    fn connect(&mut self) -> std::result::Result<(), String> {
        // A sync of the previous connection's lines must not count for the
        // new numbering.
        let _ = self.collect(true);
        self.open().map_err(|e| self.io(e))?;
        self.sent = 0;
        self.synced = 0;
        Ok(())
    }

    fn disconnect(&mut self) {
        let _ = self.sync();
        self.file = None;
    }

    fn send(&mut self, items: &[Item]) -> std::result::Result<(), String> {
        // The batch's lines go to the file in one write, except where a line
        // would take the file past `max_bytes`: what comes before it is
        // written to the old file, which is then rotated.
        self.lines.clear();
        let mut buffered = 0;
        for item in items {
            let start = self.lines.len();
            self.format
                .write(&mut self.lines, &self.log_id, &item.event);
            self.lines.push(b'\n');
            let len = (self.lines.len() - start) as u64;
            if let Some(max) = self.config.max_bytes {
                let before = self.size + start as u64;
                if before > 0 && before + len > max {
                    self.write_lines(start, buffered)?;
                    buffered = 0;
                    self.rotate().map_err(|e| self.io(e))?;
                }
            }
            buffered += 1;
        }
        self.write_lines(self.lines.len(), buffered)?;
        match self.config.fsync {
            Fsync::Never | Fsync::Always => self.sync(),
            Fsync::Batch { events, interval } => self.sync_in_background(events, interval),
        }
        .map_err(|e| self.io(e))
    }

    fn acked(&mut self) -> std::result::Result<usize, String> {
        if let Fsync::Batch { events, interval } = self.config.fsync {
            self.sync_in_background(events, interval)
                .map_err(|e| self.io(e))?;
        }
        Ok(self.synced)
    }
}
