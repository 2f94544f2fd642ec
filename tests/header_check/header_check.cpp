// Compiled as C++17 with -Wall -Wextra -Wpedantic -Werror: the build fails if
// audit_logger.h cannot be included from C++ (extern "C", no C-only syntax).
#include "audit_logger.h"
#include "audit_logger.h"

#include <cstdint>
#include <type_traits>

static_assert(std::is_same_v<AuditStatus, std::uint32_t>, "AuditStatus is a uint32_t");
static_assert(std::is_standard_layout_v<AuditSubscriptionStats>, "size-tagged C struct");
static_assert(sizeof(AuditSubscriptionStats) == 4 * sizeof(std::uint64_t), "four u64 fields");

namespace {
// A capture-less lambda converts to the C callback type, as C++ callers write it.
constexpr AuditCallback callback = [](void *, const AuditEvent *event) -> std::int32_t {
    return audit_event_seq(event) > 0 ? 0 : 1;
};
constexpr AuditFreeCtx free_ctx = [](void *) {};
}  // namespace

AuditStatus header_check_cxx(AuditLogger *logger, std::uint64_t *id) {
    return audit_subscribe(logger, callback, nullptr, free_ctx, id);
}
