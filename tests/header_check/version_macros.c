/*
 * The header's version macros and audit_version() both equal Cargo.toml's
 * version (passed in by CMake as CARGO_VERSION*).
 */
#include <stdio.h>
#include <string.h>

#include "audit_logger.h"

static int failures;

static void expect_str(const char *what, const char *got, const char *want) {
    if (got == NULL || strcmp(got, want) != 0) {
        printf("FAIL %s: \"%s\", expected \"%s\"\n", what, got ? got : "(null)", want);
        failures++;
    }
}

static void expect_int(const char *what, int got, int want) {
    if (got != want) {
        printf("FAIL %s: %d, expected %d\n", what, got, want);
        failures++;
    }
}

int main(void) {
    char joined[64];
    expect_str("AUDIT_LOGGER_VERSION", AUDIT_LOGGER_VERSION, CARGO_VERSION);
    expect_int("AUDIT_LOGGER_VERSION_MAJOR", AUDIT_LOGGER_VERSION_MAJOR, CARGO_VERSION_MAJOR);
    expect_int("AUDIT_LOGGER_VERSION_MINOR", AUDIT_LOGGER_VERSION_MINOR, CARGO_VERSION_MINOR);
    expect_int("AUDIT_LOGGER_VERSION_PATCH", AUDIT_LOGGER_VERSION_PATCH, CARGO_VERSION_PATCH);
    snprintf(joined, sizeof joined, "%d.%d.%d", AUDIT_LOGGER_VERSION_MAJOR,
             AUDIT_LOGGER_VERSION_MINOR, AUDIT_LOGGER_VERSION_PATCH);
    expect_str("MAJOR.MINOR.PATCH macros", joined, CARGO_VERSION);
    expect_str("audit_version()", audit_version(), CARGO_VERSION);
    printf("version %s: %s\n", CARGO_VERSION, failures ? "MISMATCH" : "header, library and Cargo.toml agree");
    return failures ? 1 : 0;
}
