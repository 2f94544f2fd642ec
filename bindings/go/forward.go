package auditlogger

/*
#include "capi.h"
*/
import "C"

import (
	"time"
)

// ForwarderTarget is where a forwarder sends events.
type ForwarderTarget int

const (
	// TargetSyslog: RFC 5424 syslog over TCP (RFC 6587 octet counting), or TLS (RFC 5425) with TLS set.
	TargetSyslog ForwarderTarget = iota + 1
	// TargetOTLP: an OpenTelemetry Collector's OTLP/HTTP logs endpoint.
	TargetOTLP
	// TargetKafka: a Kafka topic (a library built with the kafka feature).
	TargetKafka
	// TargetJSONL: one event per line appended to a file, for log shippers.
	TargetJSONL
)

// Format is the payload of Kafka and JSON Lines forwarders (AUDIT_FORMAT_*).
type Format uint32

const (
	// FormatDefault (the zero value) keeps the target's default.
	FormatDefault Format = 0
	// FormatCanonical is the canonical JSON line of the journal and exports.
	FormatCanonical Format = C.AUDIT_FORMAT_CANONICAL
	// FormatJSONLine is the canonical line with "log_id" as its last member.
	FormatJSONLine Format = C.AUDIT_FORMAT_JSON_LINE
	// FormatOCSF is an OCSF API Activity (class 6003) event.
	FormatOCSF Format = C.AUDIT_FORMAT_OCSF
)

// ForwarderTLS makes a syslog forwarder use TLS. An empty CAFile means the
// system's trust store, an empty ServerName the host of the address;
// ClientCert and ClientKey (PEM files) go together.
type ForwarderTLS struct {
	CAFile, ServerName, ClientCert, ClientKey string
}

// ForwarderConfig says where a forwarder sends events and how. Address is
// the syslog host:port, the OTLP endpoint URL, the Kafka brokers or the
// file's path. A zero field keeps the library's default: a backlog of 10,000
// events dropping the oldest, retries from 100 ms doubling up to 30 s, 5 s to
// flush when the logger closes.
type ForwarderConfig struct {
	Target  ForwarderTarget
	Address string
	Topic   string // Kafka only
	TLS     *ForwarderTLS
	Format  Format
	// Backlog is the most events waiting (> 0 to set it, with Overflow and
	// BlockTimeout); with a journal producers never wait.
	Backlog      int
	Overflow     Overflow
	BlockTimeout time.Duration
	// RetryInitial and RetryMax bound the backoff between failed attempts.
	RetryInitial, RetryMax time.Duration
	CloseTimeout           time.Duration
	// Properties are OTLP HTTP headers or librdkafka properties.
	Properties map[string]string
}

// ForwarderStats are a forwarder's counters and state.
type ForwarderStats struct {
	Offered      uint64  // events handed to it
	Delivered    uint64  // events the target acknowledged, each once
	Resent       uint64  // events sent again after a lost connection
	Retries      uint64  // failed attempts, each followed by a backoff
	Dropped      uint64  // events discarded by the overflow policy
	Rejected     uint64  // events the target refused for good
	LagEvents    uint64  // events not yet acknowledged
	LagSeconds   float64 // age of the oldest event not yet acknowledged
	Backlog      uint64  // events waiting now
	InFlight     uint64  // events sent and not yet acknowledged now
	Connected    bool    // whether it holds a working connection
	LastAckedSeq uint64  // the seq of the last acknowledged event, 0 if none
	LastError    string  // the last failure, for people ("" if none)
}

// ForwarderReport is what closing a forwarder achieved.
type ForwarderReport struct {
	Delivered    uint64 // events acknowledged over its life
	Left         uint64 // events not acknowledged when it stopped
	TimedOut     bool   // whether the timeout ended the flush
	Dropped      uint64 // events discarded by the overflow policy
	LastAckedSeq uint64 // the seq of the last acknowledged event, 0 if none
}

// build makes the C configuration of c; the caller frees it.
func (c ForwarderConfig) build() (*C.AuditForwarderConfig, error) {
	address, err := cString("Address", c.Address)
	if err != nil {
		return nil, err
	}
	var raw *C.AuditForwarderConfig
	switch c.Target {
	case TargetSyslog:
		err = call(func() C.AuditStatus { return C.audit_forwarder_config_new_syslog(address, &raw) })
	case TargetOTLP:
		err = call(func() C.AuditStatus { return C.audit_forwarder_config_new_otlp(address, &raw) })
	case TargetKafka:
		topic, terr := cString("Topic", c.Topic)
		if terr != nil {
			return nil, terr
		}
		err = call(func() C.AuditStatus { return C.audit_forwarder_config_new_kafka(address, topic, &raw) })
	case TargetJSONL:
		err = call(func() C.AuditStatus { return C.audit_forwarder_config_new_jsonl(address, &raw) })
	default:
		return nil, &Error{Code: StatusInvalidArgument, Message: "ForwarderConfig.Target is not one of TargetSyslog, TargetOTLP, TargetKafka, TargetJSONL"}
	}
	if err != nil {
		return nil, err
	}
	if err := c.apply(raw); err != nil {
		C.audit_forwarder_config_free(raw)
		return nil, err
	}
	return raw, nil
}

// apply sets c's options on raw.
func (c ForwarderConfig) apply(raw *C.AuditForwarderConfig) error {
	var s settings
	if t := c.TLS; t != nil {
		ca, name := s.text("TLS", t.CAFile, true), s.text("TLS", t.ServerName, true)
		cert, key := s.text("TLS", t.ClientCert, true), s.text("TLS", t.ClientKey, true)
		s.set(func() C.AuditStatus { return C.audit_forwarder_config_set_tls(raw, ca, name, cert, key) })
	}
	if c.Format != FormatDefault {
		s.set(func() C.AuditStatus { return C.audit_forwarder_config_set_format(raw, C.uint32_t(c.Format)) })
	}
	if c.Backlog != 0 || c.Overflow != 0 || c.BlockTimeout != 0 {
		overflow := c.Overflow
		if overflow == 0 {
			overflow = DropOldest
		}
		backlog := c.Backlog
		if backlog < 0 {
			backlog = 0 // refused by the library
		}
		ms := s.millis("BlockTimeout", c.BlockTimeout)
		s.set(func() C.AuditStatus {
			return C.audit_forwarder_config_set_backlog(raw, C.size_t(backlog), C.uint32_t(overflow), ms)
		})
	}
	if c.RetryInitial != 0 || c.RetryMax != 0 {
		first, longest := s.millis("RetryInitial", c.RetryInitial), s.millis("RetryMax", c.RetryMax)
		s.set(func() C.AuditStatus { return C.audit_forwarder_config_set_retry(raw, first, longest) })
	}
	if c.CloseTimeout != 0 {
		ms := s.millis("CloseTimeout", c.CloseTimeout)
		s.set(func() C.AuditStatus { return C.audit_forwarder_config_set_close_timeout(raw, ms) })
	}
	for k, v := range c.Properties {
		key, value := s.text("Properties key", k, false), s.text("Properties value", v, false)
		s.set(func() C.AuditStatus { return C.audit_forwarder_config_set_property(raw, key, value) })
	}
	return s.err
}

// AddForwarder attaches a forwarder named name (1 to 64 of A-Z a-z 0-9 - _ .)
// and returns its index (from 0). Without a journal it forwards what is
// logged from now on; with one, everything the journal holds after its
// cursor (kept beside the journal, resumed after a restart). An unreachable
// target is not an error: ForwarderStats shows it.
func (l *Logger) AddForwarder(name string, config ForwarderConfig) (int, error) {
	ptr, err := l.acquire()
	if err != nil {
		return 0, err
	}
	defer l.release()
	cname, err := cString("name", name)
	if err != nil {
		return 0, err
	}
	raw, err := config.build()
	if err != nil {
		return 0, err
	}
	defer C.audit_forwarder_config_free(raw)
	var index C.uint32_t
	if err := call(func() C.AuditStatus { return C.audit_logger_add_forwarder(ptr, cname, raw, &index) }); err != nil {
		return 0, err
	}
	return int(index), nil
}

// ForwarderStats returns the counters of forwarder index (its final ones once
// closed); an error matching ErrNotFound if there is none.
func (l *Logger) ForwarderStats(index int) (ForwarderStats, error) {
	ptr, err := l.acquire()
	if err != nil {
		return ForwarderStats{}, err
	}
	defer l.release()
	var s C.AuditForwarderStats
	s.struct_size = C.uint64_t(C.sizeof_AuditForwarderStats)
	if err := call(func() C.AuditStatus { return C.audit_forwarder_stats(ptr, C.uint32_t(index), &s) }); err != nil {
		return ForwarderStats{}, err
	}
	var message *C.char
	if err := call(func() C.AuditStatus { return C.audit_forwarder_last_error(ptr, C.uint32_t(index), &message) }); err != nil {
		return ForwarderStats{}, err
	}
	out := ForwarderStats{
		Offered:      uint64(s.offered),
		Delivered:    uint64(s.delivered),
		Resent:       uint64(s.resent),
		Retries:      uint64(s.retries),
		Dropped:      uint64(s.dropped),
		Rejected:     uint64(s.rejected),
		LagEvents:    uint64(s.lag_events),
		LagSeconds:   float64(s.lag_seconds),
		Backlog:      uint64(s.backlog),
		InFlight:     uint64(s.in_flight),
		Connected:    s.connected != 0,
		LastAckedSeq: uint64(s.last_acked_seq),
	}
	if message != nil {
		out.LastError = takeString(message)
	}
	return out, nil
}

// CloseForwarder closes forwarder index, delivering what is left for up to
// timeout. Close closes every forwarder still open with its own close timeout.
func (l *Logger) CloseForwarder(index int, timeout time.Duration) (ForwarderReport, error) {
	ptr, err := l.acquire()
	if err != nil {
		return ForwarderReport{}, err
	}
	defer l.release()
	ms, err := millis("timeout", timeout)
	if err != nil {
		return ForwarderReport{}, err
	}
	var r C.AuditForwarderReport
	if err := call(func() C.AuditStatus { return C.audit_forwarder_close(ptr, C.uint32_t(index), ms, &r) }); err != nil {
		return ForwarderReport{}, err
	}
	return ForwarderReport{
		Delivered:    uint64(r.delivered),
		Left:         uint64(r.left),
		TimedOut:     r.timed_out != 0,
		Dropped:      uint64(r.dropped),
		LastAckedSeq: uint64(r.last_acked_seq),
	}, nil
}
