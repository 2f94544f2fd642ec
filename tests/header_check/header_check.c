/*
 * Compiled as C99 with -Wall -Wextra -Wpedantic -Werror: the build fails if
 * audit_logger.h is not self-contained, not strict C99, or not guarded
 * against double inclusion.
 */
#include "audit_logger.h"
#include "audit_logger.h"

/* The types and constants a C caller spells out are all there. */
typedef char assert_stats_is_four_u64[sizeof(AuditSubscriptionStats) == 4 * sizeof(uint64_t) ? 1 : -1];
typedef char assert_status_is_u32[sizeof(AuditStatus) == sizeof(uint32_t) ? 1 : -1];

static int32_t on_event(void *ctx, const AuditEvent *event) {
    (void)ctx;
    return audit_event_seq(event) > 0 ? 0 : 1;
}

/* Every prototype used with the argument types a caller passes. */
AuditCallback header_check_c_callback(void) {
    AuditStatus codes[] = {AUDIT_OK, AUDIT_ERR_NULL_ARGUMENT, AUDIT_ERR_PANIC};
    (void)codes;
    (void)AUDIT_SEVERITY_CRITICAL;
    (void)sizeof(AUDIT_LOGGER_VERSION);
    return on_event;
}
