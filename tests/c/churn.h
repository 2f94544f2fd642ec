/*
 * churn.h: the free_ctx contract of a subscription that is made and ended
 * while other threads log (test_threads.c, stress.c). The library must call
 * free_ctx exactly once, never while the callback runs, and never call the
 * callback after it. Embed a ChurnGuard in the ctx, bracket the callback with
 * churn_enter/churn_leave, call churn_freed from free_ctx, and check each ctx
 * with churn_violations once the logger is freed.
 */
#ifndef AUDIT_TEST_CHURN_H
#define AUDIT_TEST_CHURN_H

#include <stdatomic.h>

typedef struct ChurnGuard {
    atomic_int running;            /* callback calls in progress */
    atomic_int frees;              /* free_ctx calls */
    atomic_int calls_after_free;   /* calls begun after free_ctx */
    atomic_int free_while_running; /* free_ctx calls while a callback ran */
} ChurnGuard;

/* At the start of the callback. */
static inline void churn_enter(ChurnGuard *g) {
    atomic_fetch_add(&g->running, 1);
    if (atomic_load(&g->frees) != 0) {
        atomic_fetch_add(&g->calls_after_free, 1);
    }
}

/* At the end of the callback. */
static inline void churn_leave(ChurnGuard *g) { atomic_fetch_sub(&g->running, 1); }

/* In free_ctx; `freed` counts every churned ctx released so far. */
static inline void churn_freed(ChurnGuard *g, atomic_ulong *freed) {
    if (atomic_load(&g->running) != 0) {
        atomic_fetch_add(&g->free_while_running, 1);
    }
    atomic_fetch_add(&g->frees, 1);
    atomic_fetch_add(freed, 1);
}

/* How the contract was broken for this ctx: 0 when free_ctx ran exactly once,
 * with no call running and none after it. */
static inline unsigned long churn_violations(ChurnGuard *g) {
    return (unsigned long)(atomic_load(&g->frees) != 1) +
           (unsigned long)atomic_load(&g->calls_after_free) +
           (unsigned long)atomic_load(&g->free_while_running);
}

#endif
