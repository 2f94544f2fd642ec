package auditlogger

/*
#include "capi.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"time"
)

// FsyncPolicy is when a journal fsyncs what it writes (AUDIT_FSYNC_*).
type FsyncPolicy uint32

const (
	// FsyncDefault (the zero value) keeps the library's default, FsyncBatch.
	FsyncDefault FsyncPolicy = 0
	// FsyncNever writes events to the operating system but never fsyncs them.
	FsyncNever FsyncPolicy = C.AUDIT_FSYNC_NEVER
	// FsyncBatch fsyncs once BatchEvents events wait or the oldest has waited
	// BatchInterval, whichever is first.
	FsyncBatch FsyncPolicy = C.AUDIT_FSYNC_BATCH
	// FsyncAlways makes Log return only once the event is on disk.
	FsyncAlways FsyncPolicy = C.AUDIT_FSYNC_ALWAYS
)

// JournalConfig makes a logger keep a durable, sealed journal in Dir (made,
// mode 0700, if missing). An empty Dir means no journal; the other fields then
// must be zero. Opening a directory that holds a journal restores its newest
// Capacity events and continues the sequence. One logger per directory: a
// second NewWithConfig fails with an error matching ErrIO ("locked").
//
// A zero field keeps the library's default: FsyncBatch of 1000 events or
// 50 ms, critical events fsynced at once, a checkpoint every 10,000 events or
// 60 s, 64 MiB or one-day segments, everything kept.
type JournalConfig struct {
	Dir string
	// Fsync is the fsync policy; BatchEvents and BatchInterval (rounded up to
	// ms) apply to FsyncBatch. An unknown policy matches ErrInvalidArgument.
	Fsync         FsyncPolicy
	BatchEvents   int
	BatchInterval time.Duration
	// NoCriticalSync stops fsyncing a CRITICAL event at once under every policy.
	NoCriticalSync bool
	// A checkpoint is sealed after EpochEvents events or EpochInterval
	// (rounded up to ms) after the previous one, and when the logger closes.
	EpochEvents   uint64
	EpochInterval time.Duration
	// A new segment file starts at SegmentBytes bytes or SegmentAge (rounded
	// up to seconds).
	SegmentBytes uint64
	SegmentAge   time.Duration
	// Retention: the oldest segments are deleted while the journal holds more
	// than RetainBytes bytes or RetainSegments segments, or once they ended
	// longer than RetainAge ago (rounded up to seconds). Zero: no limit.
	RetainBytes    uint64
	RetainSegments uint64
	RetainAge      time.Duration
}

func (j JournalConfig) empty() bool {
	return j == JournalConfig{}
}

// apply sets the journal settings of j on config.
func (j JournalConfig) apply(config *C.AuditConfig) error {
	if j.Dir == "" {
		if !j.empty() {
			return &Error{Code: StatusInvalidArgument, Message: "journal settings need a journal directory (Journal.Dir)"}
		}
		return nil
	}
	var s settings
	dir := s.text("Journal.Dir", j.Dir, false)
	s.set(func() C.AuditStatus { return C.audit_config_set_journal(config, dir) })
	if j.Fsync != FsyncDefault || j.BatchEvents != 0 || j.BatchInterval != 0 || j.NoCriticalSync {
		policy, events, interval := j.Fsync, j.BatchEvents, j.BatchInterval
		if policy == FsyncDefault {
			policy = FsyncBatch
		}
		if events == 0 {
			events = 1000
		}
		if interval == 0 {
			interval = 50 * time.Millisecond
		}
		if events < 0 || uint64(events) > 0xFFFFFFFF {
			s.keep(&Error{Code: StatusInvalidArgument, Message: fmt.Sprintf("Journal.BatchEvents %d is out of range", events)})
		}
		ms := s.millis("Journal.BatchInterval", interval)
		critical := C.int32_t(1)
		if j.NoCriticalSync {
			critical = 0
		}
		s.set(func() C.AuditStatus {
			return C.audit_config_set_journal_fsync(config, C.uint32_t(policy), C.uint32_t(events), ms, critical)
		})
	}
	if j.EpochEvents != 0 || j.EpochInterval != 0 {
		events, interval := j.EpochEvents, j.EpochInterval
		if events == 0 {
			events = 10000
		}
		if interval == 0 {
			interval = time.Minute
		}
		ms := s.millis("Journal.EpochInterval", interval)
		s.set(func() C.AuditStatus { return C.audit_config_set_journal_epoch(config, C.uint64_t(events), ms) })
	}
	if j.SegmentBytes != 0 || j.SegmentAge != 0 {
		size, age := j.SegmentBytes, j.SegmentAge
		if size == 0 {
			size = 64 << 20
		}
		if age == 0 {
			age = 24 * time.Hour
		}
		secs := s.seconds("Journal.SegmentAge", age)
		s.set(func() C.AuditStatus { return C.audit_config_set_journal_segments(config, C.uint64_t(size), secs) })
	}
	if j.RetainBytes != 0 || j.RetainSegments != 0 || j.RetainAge != 0 {
		secs := s.seconds("Journal.RetainAge", j.RetainAge)
		s.set(func() C.AuditStatus {
			return C.audit_config_set_journal_retention(config, C.uint64_t(j.RetainBytes), C.uint64_t(j.RetainSegments), secs)
		})
	}
	return s.err
}

// seconds is d rounded up to whole seconds; a negative d matches ErrInvalidArgument.
func seconds(name string, d time.Duration) (C.uint64_t, error) {
	if d < 0 {
		return 0, &Error{Code: StatusInvalidArgument, Message: fmt.Sprintf("%s %v is negative", name, d)}
	}
	return C.uint64_t((d + time.Second - 1) / time.Second), nil
}

// JournalStats are the counters of a logger's journal.
type JournalStats struct {
	WrittenSeq            uint64 // the newest seq handed to the operating system
	DurableSeq            uint64 // the newest seq known to be on disk (fsynced)
	Checkpoints           uint64 // checkpoints sealed since the logger was made
	Epoch                 uint64 // the current epoch (the key that signs the next checkpoint)
	RecoveredBytesDropped uint64 // bytes cut off as a torn tail when the journal was opened
	Failing               bool   // the journal cannot write now (Log then fails with ErrIO)
	Fsyncs                uint64 // fdatasync calls since the journal was opened (under FsyncAlways concurrent Log calls share one)
}

// JournalStats returns the counters of the logger's journal; an error
// matching ErrNotFound if it has none.
func (l *Logger) JournalStats() (JournalStats, error) {
	ptr, err := l.acquire()
	if err != nil {
		return JournalStats{}, err
	}
	defer l.release()
	var s C.AuditJournalStats
	s.struct_size = C.uint64_t(C.sizeof_AuditJournalStats)
	if err := call(func() C.AuditStatus { return C.audit_journal_stats(ptr, &s) }); err != nil {
		return JournalStats{}, err
	}
	return JournalStats{
		WrittenSeq:            uint64(s.written_seq),
		DurableSeq:            uint64(s.durable_seq),
		Checkpoints:           uint64(s.checkpoints),
		Epoch:                 uint64(s.epoch),
		RecoveredBytesDropped: uint64(s.recovered_bytes_dropped),
		Failing:               s.failing != 0,
		Fsyncs:                uint64(s.fsyncs),
	}, nil
}

// Verdict is what VerifyJournal concluded (AUDIT_VERIFY_*).
type Verdict uint32

const (
	// VerdictValid: every event is sealed and verifies.
	VerdictValid Verdict = C.AUDIT_VERIFY_VALID
	// VerdictUnsealedTail: everything sealed verifies, but events (or torn
	// bytes) follow the last checkpoint, which nothing vouches for yet.
	VerdictUnsealedTail Verdict = C.AUDIT_VERIFY_UNSEALED_TAIL
	// VerdictTampered: tampering or damage was found (see the findings).
	VerdictTampered Verdict = C.AUDIT_VERIFY_TAMPERED
)

// String returns "valid", "unsealed-tail" or "tampered", as in the report.
func (v Verdict) String() string {
	switch v {
	case VerdictValid:
		return "valid"
	case VerdictUnsealedTail:
		return "unsealed-tail"
	case VerdictTampered:
		return "tampered"
	}
	return fmt.Sprintf("Verdict(%d)", uint32(v))
}

// JournalReport is the library's verification report.
type JournalReport struct {
	Verdict        string           `json:"verdict"`
	LogID          string           `json:"log_id"`
	Segments       uint64           `json:"segments"`
	EventsVerified uint64           `json:"events_verified"`
	EventsUnsealed uint64           `json:"events_unsealed"`
	Checkpoints    uint64           `json:"checkpoints"`
	Epochs         uint64           `json:"epochs"`
	Findings       []JournalFinding `json:"findings"`
}

// JournalFinding is one thing VerifyJournal found. Class is one of modified,
// deleted, gap, reordered, unsealed-tail, missing-checkpoint,
// wrong-epoch-key, resigned, inconsistent-size, malformed; the pointers are
// nil where the library has no value.
type JournalFinding struct {
	Class   string  `json:"class"`
	Seq     *uint64 `json:"seq"`
	LastSeq *uint64 `json:"last_seq"`
	Epoch   *uint64 `json:"epoch"`
	Segment *string `json:"segment"`
	Offset  *uint64 `json:"offset"`
	Detail  string  `json:"detail"`
}

// VerifyJournal verifies the journal in dir against the trust anchor: the
// path of an anchor.pub file (keep a copy out of band) or the base64 public
// key. Tampering is a verdict (VerdictTampered, with findings), not an error;
// the error matches ErrInvalidArgument (an unusable anchor) or ErrIO (dir is
// not a readable journal). It takes no lock: a live logger may keep writing.
func VerifyJournal(dir, anchor string) (Verdict, *JournalReport, error) {
	return verify("dir", dir, anchor, func(target, anchor *C.char, verdict *C.uint32_t, out **C.char) C.AuditStatus {
		return C.audit_journal_verify(target, anchor, verdict, out)
	})
}

// verify runs one of the C verifying functions on target (named name in
// errors) and anchor, and decodes the report it writes.
func verify(name, target, anchor string, call func(target, anchor *C.char, verdict *C.uint32_t, out **C.char) C.AuditStatus) (Verdict, *JournalReport, error) {
	ctarget, err := cString(name, target)
	if err != nil {
		return 0, nil, err
	}
	canchor, err := cString("anchor", anchor)
	if err != nil {
		return 0, nil, err
	}
	var verdict C.uint32_t
	var out *C.char
	if err := callPath(target, func() C.AuditStatus { return call(ctarget, canchor, &verdict, &out) }); err != nil {
		return 0, nil, err
	}
	var report JournalReport
	if err := json.Unmarshal([]byte(takeString(out)), &report); err != nil {
		return 0, nil, &Error{Code: StatusPanic, Message: "the verification report is not valid JSON: " + err.Error()}
	}
	return Verdict(verdict), &report, nil
}

// ExportJournalProofs writes to path (atomically) a proof bundle of the sealed
// events of the journal in dir that f selects (the same criteria as Query; a
// zero Filter selects every event): the signed checkpoint chain and each
// event with its inclusion proof. VerifyExport, or anyone holding the trust
// anchor, checks it offline without the journal. It returns how many
// selected events were left out because no checkpoint seals them yet. The
// error matches ErrInvalidArgument (nothing sealed yet, or retention deleted
// the first segments) or ErrIO (not a readable journal, path not writable).
func ExportJournalProofs(dir string, f Filter, path string) (uint64, error) {
	cdir, err := cString("dir", dir)
	if err != nil {
		return 0, err
	}
	cpath, err := cString("path", path)
	if err != nil {
		return 0, err
	}
	filter := C.audit_filter_new()
	if filter == nil {
		return 0, &Error{Code: StatusPanic, Message: "audit_filter_new failed"}
	}
	defer C.audit_filter_free(filter)
	if err := f.apply(filter); err != nil {
		return 0, err
	}
	var skipped C.uint64_t
	if err := callPath(dir, func() C.AuditStatus {
		return C.audit_journal_export_proofs(cdir, filter, cpath, nil, &skipped)
	}); err != nil {
		return 0, err
	}
	return uint64(skipped), nil
}

// VerifyExport verifies the proof bundle at path (from ExportJournalProofs or
// `audit-logger export --proofs`) against the trust anchor alone, as
// VerifyJournal does a journal; the report has no LogID or Segments, and a
// finding's Segment names the part of the bundle. The error matches
// ErrInvalidArgument (an unusable anchor, a file that is not a proof bundle)
// or ErrIO (unreadable).
func VerifyExport(path, anchor string) (Verdict, *JournalReport, error) {
	return verify("path", path, anchor, func(target, anchor *C.char, verdict *C.uint32_t, out **C.char) C.AuditStatus {
		return C.audit_export_verify(target, anchor, verdict, out)
	})
}
