/*
 * capi.h: what the Go package needs from C, in one place.
 *
 * It includes the generated audit_logger.h and declares the small C helpers of
 * capi.c that keep cgo calls few.
 */
#ifndef AUDIT_LOGGER_GO_CAPI_H
#define AUDIT_LOGGER_GO_CAPI_H

#include <stdint.h>
#include <stdlib.h>

#include "audit_logger.h"

/* An event's fields read in one call; the strings are borrowed from the event. */
typedef struct GoAuditEventView {
    uint64_t seq;
    int64_t timestamp;
    uint32_t severity;
    const char *text[5]; /* actor, action, resource, outcome, details */
    size_t len[5];
} GoAuditEventView;

/* Fills `view` from `event` (non-NULL). */
void go_audit_event_read(const AuditEvent *event, GoAuditEventView *view);

/* The event's JSON line (audit_event_to_json) in `*out` (free with
 * audit_string_free), its length in `*len`. */
AuditStatus go_audit_event_json(const AuditEvent *event, char **out, size_t *len);

/* Subscribes the Go dispatcher with `handle` (a runtime/cgo.Handle) as ctx. */
AuditStatus go_audit_subscribe(AuditLogger *logger, uintptr_t handle, uint64_t *out_id);

/* Subscribes the Go dispatcher through a queue (audit_subscribe_queued). */
AuditStatus go_audit_subscribe_queued(AuditLogger *logger, uintptr_t handle, size_t capacity,
                                      uint32_t overflow, uint32_t block_timeout_ms, uint64_t *out_id);

#endif
