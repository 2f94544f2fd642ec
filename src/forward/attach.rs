//! Forwarders attached to a logger.
//!
//! [`AuditLogger::attach_forwarder`] connects a [`Forwarder`] to the logger's
//! ordered stream through a queued subscription whose queue the forwarder's
//! worker consumes itself (no delivery thread between them):
//!
//! - **Without a journal** the subscription's queue is the forwarder's
//!   backlog: it holds up to [`ForwarderConfig::backlog`] events and applies
//!   [`ForwarderConfig::overflow`] to producers (a `Block` producer waits for
//!   room before the logger's lock, never longer than its timeout). The
//!   worker takes events from it in batches as fast as the target
//!   acknowledges them.
//! - **With a journal** the forwarder reads the journal itself
//!   ([`Source::Replay`]): it sends only what the journal holds, after the
//!   cursor kept in `forward-<name>.cursor` in the journal directory, so after
//!   a crash or a restart it resumes where the collector last acknowledged
//!   (at least once; the de-duplication key is the journal's log id and the
//!   seq). Each event carries its seal leaf hash (Kafka sends it as a header).
//!   The stream only wakes the forwarder; producers never wait for it.
//!
//! Closing the logger ends the subscriptions (a forwarder's queue keeps what
//! it holds), stops the journal (so that everything it took is on disk and
//! can be replayed), then gives each forwarder its
//! [`ForwarderConfig::close_timeout`] to deliver the rest and keeps its
//! [`CloseReport`].

use std::time::Duration;

use crate::core::sync::{Arc, Mutex};
use crate::core::{AuditLogger, Overflow, Result};

use super::config::{invalid, ForwarderConfig};
use super::engine::{CloseReport, Forwarder, ForwarderStats, WAKE_QUEUE};
use super::journal_replay::JournalReplay;
use super::logid::LogId;
use super::source::Source;

/// Most bytes in a forwarder's name.
const MAX_NAME: usize = 64;

/// A logger's forwarders, in the order they were attached.
#[derive(Default)]
pub(crate) struct Attachments {
    inner: Mutex<Inner>,
    /// This is a child process forked from the logger's: the forwarders and
    /// their workers belong to the parent (see [`forked`](Self::forked)).
    forked: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct Inner {
    /// The log id forwarders of a logger without a journal share.
    log_id: Option<LogId>,
    slots: Vec<Slot>,
}

enum Slot {
    Open(Arc<Attached>),
    Closed(String, Box<CloseReport>),
}

/// One forwarder and the subscription whose queue its worker consumes.
pub(crate) struct Attached {
    name: String,
    forwarder: Arc<Forwarder>,
    subscription: u64,
    /// Reads the journal: the queue only wakes it.
    replay: bool,
    close_timeout: Duration,
}

impl Slot {
    fn name(&self) -> &str {
        match self {
            Slot::Open(a) => &a.name,
            Slot::Closed(name, _) => name,
        }
    }
}

fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "a forwarder's name is 1 to {MAX_NAME} of A-Z a-z 0-9 - _ . (not starting with .); got {name:?}"
        )))
    }
}

impl Attachments {
    /// For [`AuditLogger::close`], once the subscriptions ended and the
    /// journal stopped: closes the open forwarders and keeps their reports.
    pub(crate) fn close(&self) {
        if self.is_forked() {
            return;
        }
        let open: Vec<Arc<Attached>> = self
            .inner
            .lock()
            .slots
            .iter()
            .filter_map(|s| match s {
                Slot::Open(a) => Some(a.clone()),
                Slot::Closed(..) => None,
            })
            .collect();
        for a in open {
            self.stop(&a, a.close_timeout);
        }
    }

    /// In a child process forked from the logger's: closing leaves the
    /// forwarders to the parent (their workers do not exist here), and none
    /// can be attached. Takes no lock.
    pub(crate) fn forked(&self) {
        self.forked
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Whether this is a child process forked from the logger's.
    pub(crate) fn is_forked(&self) -> bool {
        self.forked.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The forwarders, locked; `None` in a child process forked from the
    /// logger's, where the logger has none of its own (the lock and the
    /// forwarders' own locks may have been held by a thread of the parent
    /// at the fork, and no thread here will release them).
    fn here(&self) -> Option<crate::core::sync::MutexGuard<'_, Inner>> {
        (!self.is_forked()).then(|| self.inner.lock())
    }

    /// Stops `a` (its subscription ended), keeps its report in
    /// its slot and returns it.
    fn stop(&self, a: &Arc<Attached>, timeout: Duration) -> CloseReport {
        let mut report = a.forwarder.stop(timeout);
        report.stats = ForwarderStats {
            last_acked_seq: report.stats.last_acked_seq,
            ..a.forwarder.stats()
        };
        report.left = report.stats.lag_events;
        let mut inner = self.inner.lock();
        for slot in inner.slots.iter_mut() {
            if matches!(slot, Slot::Open(open) if Arc::ptr_eq(open, a)) {
                *slot = Slot::Closed(a.name.clone(), Box::new(report.clone()));
            }
        }
        report
    }
}

impl AuditLogger {
    /// Attaches a forwarder named `name` (1 to 64 of `A-Z a-z 0-9 - _ .`,
    /// unique in this logger) and returns its index, from 0 in attach order.
    ///
    /// Without a journal it forwards the events logged from now on, through a
    /// bounded backlog with the configured overflow policy; `cursor_path` must
    /// then be `None`. With a journal ([`crate::journal::open_logger`]) it
    /// forwards everything the journal holds after its cursor, which is kept
    /// in `forward-<name>.cursor` in the journal directory unless
    /// `cursor_path` says otherwise: attach it again under the same name after
    /// a restart and it resumes. See [the module docs](self).
    ///
    /// An unreachable target is not an error: it shows in
    /// [`forwarder_stats`](Self::forwarder_stats).
    pub fn attach_forwarder(&self, name: &str, config: ForwarderConfig) -> Result<usize> {
        check_name(name)?;
        let attachments = &self.forwarders();
        if attachments.is_forked() {
            return Err(invalid(
                "this logger was inherited from the process this one was forked from, \
                 whose forwarders it keeps; open a logger of its own here to forward from it",
            ));
        }
        let mut inner = attachments.inner.lock();
        if inner.slots.iter().any(|s| s.name() == name) {
            return Err(invalid(format!(
                "this logger already has a forwarder named {name:?}"
            )));
        }
        let mut config = config;
        let journal = crate::journal::journal_of(self);
        let (log_id, source, (capacity, overflow)) = match &journal {
            Some((dir, id)) => {
                if config.cursor_path.is_none() {
                    config.cursor_path = Some(dir.join(format!("forward-{name}.cursor")));
                }
                let replay = Arc::new(JournalReplay::new(dir));
                (
                    LogId(id.0),
                    Source::Replay(replay),
                    (WAKE_QUEUE, Overflow::DropOldest),
                )
            }
            None => {
                if config.cursor_path.is_some() {
                    return Err(invalid(
                        "a forwarder's cursor file needs a journal: without one there is nothing to resume from",
                    ));
                }
                if config.backlog == 0 {
                    return Err(invalid("forwarder backlog must be greater than 0"));
                }
                let id = *inner.log_id.get_or_insert_with(LogId::random);
                (id, Source::Backlog, (config.backlog, config.overflow))
            }
        };
        let replay = journal.is_some();
        let close_timeout = config.close_timeout;
        // The forwarder's worker consumes the subscription's queue itself.
        let (subscription, queue) = self.subscribe_consumer(capacity, overflow)?;
        let forwarder = match Forwarder::start_on(config, log_id, source, queue) {
            Ok(forwarder) => Arc::new(forwarder),
            Err(e) => {
                self.unsubscribe(subscription);
                return Err(e);
            }
        };
        if replay {
            // What was logged before the subscription (this process's and the
            // journal's earlier events) is behind too; later events are offered.
            forwarder.recorded_up_to(self.appended());
        }
        inner.slots.push(Slot::Open(Arc::new(Attached {
            name: name.to_owned(),
            forwarder,
            subscription,
            replay,
            close_timeout,
        })));
        Ok(inner.slots.len() - 1)
    }

    /// Closes forwarder `index` before the logger: hands it what its queue
    /// holds, lets it deliver for up to `timeout` in all, stops it and returns
    /// what it achieved (the same report again if it was closed already);
    /// `None` if there is no such forwarder. With a journal, attaching it
    /// again under the same name resumes after its cursor.
    pub fn close_forwarder(&self, index: usize, timeout: Duration) -> Option<CloseReport> {
        let attached = match self.forwarders().here()?.slots.get(index)? {
            Slot::Open(a) => a.clone(),
            Slot::Closed(_, report) => return Some(CloseReport::clone(report)),
        };
        self.unsubscribe(attached.subscription);
        Some(self.forwarders().stop(&attached, timeout))
    }

    /// How many forwarders were attached (closed ones included). In a child
    /// process forked from the logger's, 0: the forwarders stay the
    /// parent's, and the forwarder accessors here find none (taking no lock
    /// a thread of the parent may have held at the fork).
    pub fn forwarder_count(&self) -> usize {
        self.forwarders()
            .here()
            .map_or(0, |inner| inner.slots.len())
    }

    /// The name of forwarder `index`.
    pub fn forwarder_name(&self, index: usize) -> Option<String> {
        let inner = self.forwarders().here()?;
        inner.slots.get(index).map(|s| s.name().to_owned())
    }

    /// The stats of forwarder `index` now (its final stats once the logger
    /// closed), or `None` if there is no such forwarder.
    pub fn forwarder_stats(&self, index: usize) -> Option<ForwarderStats> {
        let slot = match self.forwarders().here()?.slots.get(index)? {
            Slot::Open(a) => a.clone(),
            Slot::Closed(_, report) => return Some(report.stats.clone()),
        };
        if slot.replay {
            // Events still on their way to it through the stream are behind too.
            slot.forwarder.recorded_up_to(self.appended());
        }
        Some(slot.forwarder.stats())
    }

    /// What closing the logger left undelivered by forwarder `index`; `None`
    /// while it is open, or if there is no such forwarder.
    pub fn forwarder_close_report(&self, index: usize) -> Option<CloseReport> {
        match self.forwarders().here()?.slots.get(index)? {
            Slot::Open(_) => None,
            Slot::Closed(_, report) => Some(CloseReport::clone(report)),
        }
    }
}
