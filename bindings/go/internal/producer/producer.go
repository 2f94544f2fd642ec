// Package producer wraps the C test fixture tests/fixtures/producer.c, which
// logs events from pthreads that the Go runtime did not create.
package producer

/*
#cgo CFLAGS: -I${SRCDIR}/../../../../include
#cgo LDFLAGS: -L${SRCDIR}/../../../../target/release -laudit_logger -Wl,-rpath,${SRCDIR}/../../../../target/release -lpthread
#include "audit_logger.h"

typedef struct AuditProducer AuditProducer;
AuditProducer *audit_producer_start(AuditLogger *logger, unsigned threads, unsigned events_per_thread);
int audit_producer_finished(const AuditProducer *p);
unsigned long audit_producer_join(AuditProducer *p);
*/
import "C"

import "unsafe"

// Producer is a running set of C producer threads.
type Producer struct{ p *C.AuditProducer }

// Start starts threads C threads, each logging perThread events to logger (an
// AuditLogger * from the auditlogger package), and returns at once.
func Start(logger unsafe.Pointer, threads, perThread uint) *Producer {
	return &Producer{C.audit_producer_start((*C.AuditLogger)(logger), C.uint(threads), C.uint(perThread))}
}

// Finished reports, without blocking, whether every thread has logged all its events.
func (p *Producer) Finished() bool { return C.audit_producer_finished(p.p) != 0 }

// Join waits for the threads, releases the producer and returns how many
// audit_log calls failed.
func (p *Producer) Join() uint64 { return uint64(C.audit_producer_join(p.p)) }
