/*
 * check.h: the assertions shared by the C test programs.
 *
 *   CHECK(cond)                  cond is true
 *   CHECK_STATUS(call, expected) call returns the status `expected`
 *   CHECK_FAIL(call, expected)   call fails with `expected` and leaves a fresh,
 *                                non-empty audit_last_error_message()
 *   CHECK_SETS_ERROR(cond)       cond is true and the evaluation left a fresh,
 *                                non-empty audit_last_error_message()
 *
 * Each is an expression giving 1 if the check passed, so a test can stop early:
 * `if (!CHECK(list != NULL)) return;`. A failure prints file:line, the
 * expression, the status names and the library's last error message. The counts
 * are atomic, so threads may check too. check_summary() prints "N passed, M
 * failed" and gives the process exit code. check_watchdog(seconds) ends the
 * process with a message if it runs longer, so a deadlock fails fast.
 *
 * Include it after defining _XOPEN_SOURCE (for alarm and write).
 */
#ifndef AUDIT_TESTS_CHECK_H
#define AUDIT_TESTS_CHECK_H

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit_logger.h"

static atomic_long check_passed_count;
static atomic_long check_failed_count;

/* The macro name of every status code the header defines, indexed by value. */
static const char *const check_status_names[] = {
    [AUDIT_OK] = "AUDIT_OK",
    [AUDIT_ERR_NULL_ARGUMENT] = "AUDIT_ERR_NULL_ARGUMENT",
    [AUDIT_ERR_INVALID_UTF8] = "AUDIT_ERR_INVALID_UTF8",
    [AUDIT_ERR_INVALID_SEVERITY] = "AUDIT_ERR_INVALID_SEVERITY",
    [AUDIT_ERR_INVALID_DETAILS] = "AUDIT_ERR_INVALID_DETAILS",
    [AUDIT_ERR_INVALID_CAPACITY] = "AUDIT_ERR_INVALID_CAPACITY",
    [AUDIT_ERR_INVALID_ARGUMENT] = "AUDIT_ERR_INVALID_ARGUMENT",
    [AUDIT_ERR_TOO_LARGE] = "AUDIT_ERR_TOO_LARGE",
    [AUDIT_ERR_INVALID_DOCUMENT] = "AUDIT_ERR_INVALID_DOCUMENT",
    [AUDIT_ERR_IO] = "AUDIT_ERR_IO",
    [AUDIT_ERR_NOT_FOUND] = "AUDIT_ERR_NOT_FOUND",
    [AUDIT_ERR_PANIC] = "AUDIT_ERR_PANIC",
    [AUDIT_ERR_TIMEOUT] = "AUDIT_ERR_TIMEOUT",
    [AUDIT_ERR_TOO_DEEP] = "AUDIT_ERR_TOO_DEEP",
};
#define CHECK_STATUS_COUNT (sizeof check_status_names / sizeof check_status_names[0])

static inline const char *check_status_name(AuditStatus status) {
    return status < CHECK_STATUS_COUNT && check_status_names[status] != NULL
               ? check_status_names[status]
               : "(unknown status)";
}

/* Counts one result without printing (for callers that print their own). */
static inline int check_tally(int ok) {
    atomic_fetch_add(ok ? &check_passed_count : &check_failed_count, 1);
    return ok;
}

/* Counts one result; on failure prints where and why. Returns `ok`. */
static inline int check_report(int ok, const char *file, int line, const char *what) {
    if (!check_tally(ok)) {
        fprintf(stderr, "%s:%d: FAILED: %s\n    last error: \"%s\"\n", file, line, what,
                audit_last_error_message());
    }
    return ok;
}

static inline int check_status_at(AuditStatus got, AuditStatus expected, const char *file,
                                  int line, const char *expr) {
    char what[512];
    snprintf(what, sizeof what, "%s returned %s (%u), expected %s (%u)", expr,
             check_status_name(got), (unsigned)got, check_status_name(expected),
             (unsigned)expected);
    return check_report(got == expected, file, line, what);
}

/* A failing call records a message; this primer makes the last error a known
 * text first, so a check can tell a fresh message from a stale one. */
#define CHECK_PRIMER_NAME "check.h primer"

static inline void check_prime_error(void) {
    uint32_t unused;
    (void)audit_severity_from_name(CHECK_PRIMER_NAME, &unused);
}

/* The last error is non-empty and is not the primer's. */
static inline int check_error_is_fresh(void) {
    const char *message = audit_last_error_message();
    return message != NULL && message[0] != '\0' && strstr(message, CHECK_PRIMER_NAME) == NULL;
}

static inline int check_fails_at(AuditStatus got, AuditStatus expected, const char *file,
                                 int line, const char *expr) {
    int fresh = check_error_is_fresh();
    int ok = check_status_at(got, expected, file, line, expr);
    if (ok && expected != AUDIT_OK) {
        char what[512];
        snprintf(what, sizeof what, "%s failed without setting audit_last_error_message()",
                 expr);
        ok = check_report(fresh, file, line, what);
    }
    return ok;
}

static inline int check_sets_error_at(int cond, const char *file, int line, const char *expr) {
    int fresh = check_error_is_fresh();
    char what[512];
    if (!cond) {
        return check_report(0, file, line, expr);
    }
    snprintf(what, sizeof what, "%s did not set audit_last_error_message()", expr);
    return check_report(fresh, file, line, what);
}

#define CHECK(cond) check_report((cond) != 0, __FILE__, __LINE__, #cond)
#define CHECK_STATUS(call, expected) \
    check_status_at((call), (expected), __FILE__, __LINE__, #call)
#define CHECK_FAIL(call, expected) \
    (check_prime_error(), check_fails_at((call), (expected), __FILE__, __LINE__, #call))
#define CHECK_SETS_ERROR(cond) \
    (check_prime_error(), check_sets_error_at((cond) != 0, __FILE__, __LINE__, #cond))

static inline void check_on_timeout(int signal_number) {
    static const char message[] = "TIMEOUT: the test ran too long (deadlock?)\n";
    ssize_t written = write(STDERR_FILENO, message, sizeof message - 1);
    (void)written;
    (void)signal_number;
    _exit(124);
}

/* Fails the process (exit 124) if it is still running after `seconds`. */
static inline void check_watchdog(unsigned seconds) {
    signal(SIGALRM, check_on_timeout);
    alarm(seconds);
}

/* Prints the totals; the result is the exit code (non-zero if anything failed). */
static inline int check_summary(void) {
    long failed = atomic_load(&check_failed_count);
    printf("%ld passed, %ld failed\n", atomic_load(&check_passed_count), failed);
    fflush(stdout);
    return failed > 0 ? 1 : 0;
}

#endif /* AUDIT_TESTS_CHECK_H */
