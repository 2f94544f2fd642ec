/*
 * child.h: runs a check in a forked child and collects its result, for the
 * tests of fork safety. Include after check.h, in a file that defines
 * _XOPEN_SOURCE (or _GNU_SOURCE) for fork and pipe.
 */
#ifndef AUDIT_TESTS_CHILD_H
#define AUDIT_TESTS_CHILD_H

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* check_in_child's results besides the child's own (0-255). */
#define CHILD_FAILED (-1) /* no pipe or no fork, or the child died without reporting */
#define CHILD_HUNG (-2)   /* the alarm ended it */

/* Forks; the child runs fn(arg) under an alarm of `seconds` and reports what it
 * returns (as an unsigned char) through a pipe, since under valgrind a child's
 * exit status is memcheck's. Returns that result, CHILD_HUNG or CHILD_FAILED. */
static inline int check_in_child(int (*fn)(void *), void *arg, unsigned seconds) {
    int result[2];
    if (pipe(result) != 0) return CHILD_FAILED;
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL); /* not the parent's watchdog handler: the alarm ends the child */
        alarm(seconds);
        unsigned char code = (unsigned char)fn(arg);
        if (write(result[1], &code, 1) != 1) _exit(2);
        _exit(0);
    }
    close(result[1]);
    if (pid < 0) {
        close(result[0]);
        return CHILD_FAILED;
    }
    unsigned char code = 0;
    ssize_t got = read(result[0], &code, 1);
    close(result[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return CHILD_FAILED;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) return CHILD_HUNG;
    return got == 1 ? code : CHILD_FAILED;
}

#endif
