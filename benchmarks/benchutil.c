/* benchmarks/benchutil.c — see benchutil.h. */
#define _DEFAULT_SOURCE /* wait4 */
#include "benchutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int bench_fork(void (*job)(void *ctx, void *out), void *ctx, void *out, size_t size,
               struct rusage *ru, char *err, size_t errlen)
{
    int fd[2];
    memset(out, 0, size);
    memset(ru, 0, sizeof *ru);
    fflush(NULL); /* or buffered output is printed twice */
    if (pipe(fd) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(fd[0]), close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        job(ctx, out);
        ssize_t w = write(fd[1], out, size);
        _exit(w == (ssize_t)size ? 0 : 1);
    }
    close(fd[1]);
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd[0], (char *)out + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd[0]);
    int status = 0;
    while (wait4(pid, &status, 0, ru) < 0 && errno == EINTR)
        ;
    if (got != size) {
        memset(out, 0, size);
        snprintf(err, errlen, "child died (%s %d) before reporting",
                 WIFSIGNALED(status) ? "signal" : "exit status",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        return -1;
    }
    return 0;
}
