/*
 * capi.c: C helpers for the Go package: reading an event in one call, and the
 * trampolines through which the library calls the Go subscriber dispatcher.
 */
#include <string.h>

#include "capi.h"
#include "_cgo_export.h"

void go_audit_event_read(const AuditEvent *event, GoAuditEventView *view) {
    view->seq = audit_event_seq(event);
    view->timestamp = audit_event_timestamp(event);
    view->severity = audit_event_severity(event);
    view->text[0] = audit_event_actor(event);
    view->text[1] = audit_event_action(event);
    view->text[2] = audit_event_resource(event);
    view->text[3] = audit_event_outcome(event);
    view->text[4] = audit_event_details(event);
    for (int i = 0; i < 5; i++) view->len[i] = view->text[i] ? strlen(view->text[i]) : 0;
}

AuditStatus go_audit_event_json(const AuditEvent *event, char **out, size_t *len) {
    AuditStatus st = audit_event_to_json(event, out);
    if (st == AUDIT_OK) *len = strlen(*out);
    return st;
}

/* The AuditCallback: ctx carries the cgo.Handle of the Go subscriber. */
static int32_t deliver(void *ctx, const AuditEvent *event) {
    return goAuditDeliver((uintptr_t)ctx, (AuditEvent *)event);
}

/* The AuditFreeCtx: releases the cgo.Handle once the subscription has ended. */
static void release(void *ctx) {
    goAuditRelease((uintptr_t)ctx);
}

AuditStatus go_audit_subscribe(AuditLogger *logger, uintptr_t handle, uint64_t *out_id) {
    return audit_subscribe(logger, deliver, (void *)handle, release, out_id);
}

AuditStatus go_audit_subscribe_queued(AuditLogger *logger, uintptr_t handle, size_t capacity,
                                      uint32_t overflow, uint32_t block_timeout_ms, uint64_t *out_id) {
    return audit_subscribe_queued(logger, deliver, (void *)handle, release, capacity, overflow,
                                  block_timeout_ms, out_id);
}
