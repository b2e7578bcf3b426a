/*
 * nemchild.c: the faults of one host, each a child process of scripts/nemesis.sh (or
 * of /bin/sh for lastroomd's restart command). Children are spawned with posix_spawn,
 * read through a pipe until EOF or their deadline, and reaped; a child past its
 * deadline is killed by its pid, never by name.
 */
#include "load/booking/nemchild.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

extern char **environ;

#define CHILD_DEADLINE_S 120.0 /* pg-restart waits up to 60 s for the cluster */
#define SCRIPT_ARGS_MAX  6

static double mono_s(void)
{
    return (double)clock_mono_ns() / 1e9;
}

/* Read the child's first stdout line into note (rest drained) until EOF or deadline. */
static void read_result(int fd, double deadline, char *note, size_t cap)
{
    char buf[512];
    size_t len = strlen(note);
    while (mono_s() < deadline) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int ms = (int)((deadline - mono_s()) * 1000) + 1;
        if (poll(&p, 1, ms > 200 ? 200 : ms) <= 0)
            continue;
        ssize_t k = read(fd, buf, sizeof buf);
        if (k <= 0)
            break;
        for (ssize_t i = 0; i < k && len + 1 < cap; i++)
            if (buf[i] != '\n' || len > 0)
                note[len++] = buf[i] == '\n' ? ' ' : buf[i];
        note[len] = '\0';
    }
    while (len > 0 && note[len - 1] == ' ')
        note[--len] = '\0';
}

int nemchild_run(char *const argv[], char *note, size_t cap)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return snprintf(note, cap, "cannot make a pipe"), -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return snprintf(note, cap, "cannot run %s: %s", argv[0], strerror(rc)), -1;
    }
    double deadline = mono_s() + CHILD_DEADLINE_S;
    note[0] = '\0';
    read_result(fds[0], deadline, note, cap);
    close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, WNOHANG) == 0) {
        if (mono_s() >= deadline) {
            kill(pid, SIGKILL); /* our own child, by its pid */
            waitpid(pid, &st, 0);
            snprintf(note, cap, "%s: no result within %.0f s", argv[1], CHILD_DEADLINE_S);
            return -1;
        }
        struct timespec ts = { 0, 20000000 };
        nanosleep(&ts, NULL);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int nemchild_script(const struct nemesis_config *cfg, char *note, size_t cap, ...)
{
    char *argv[SCRIPT_ARGS_MAX + 2] = { (char *)cfg->script };
    va_list ap;
    va_start(ap, cap);
    for (int i = 1; i <= SCRIPT_ARGS_MAX && (argv[i] = va_arg(ap, char *)); i++)
        ;
    va_end(ap);
    return nemchild_run(argv, note, cap);
}

static int proxy_mode(const struct nemesis_config *c, char *note, size_t cap, const char *mode)
{
    char latency[16], jitter[16];
    snprintf(latency, sizeof latency, "%d", c->latency_ms > 0 ? c->latency_ms : 200);
    snprintf(jitter, sizeof jitter, "%d", c->latency_ms > 0 ? c->jitter_ms : 100);
    bool lat = !strcmp(mode, "latency");
    return nemchild_script(c, note, cap, "proxy", c->proxy_ctl, "mode", mode, lat ? latency : NULL,
                           lat ? jitter : NULL, NULL);
}

/* server-kill: SIGKILL lastroomd, hold, run the restart command (its note appended). */
static int server_kill(struct nemesis *x, struct nemesis_fault *f)
{
    const struct nemesis_config *c = nemesis_config(x);
    char *argv[] = { "/bin/sh", "-c", (char *)c->server_restart, NULL };
    int rc = nemchild_script(c, f->note, sizeof f->note, "server-kill", c->server_pidfile, NULL);
    if (rc != 0)
        return rc;
    nemesis_hold(x, f);
    size_t len = strlen(f->note), cap = sizeof f->note;
    rc = nemchild_run(argv, f->note + len, cap - len);
    if (rc != 0 && len + 40 < cap)
        snprintf(f->note + strlen(f->note), cap - strlen(f->note), " (restart command failed: %d)",
                 rc);
    return rc;
}

int nemchild_inject(struct nemesis *x, struct nemesis_fault *f)
{
    static const char *const modes[] = { "latency", "reset", "blackhole", "down" };
    const struct nemesis_config *c = nemesis_config(x);
    char *note = f->note, dur[32], healed[NEMESIS_NOTE_MAX];
    size_t cap = sizeof f->note;
    enum nemesis_kind k = f->ev.kind;
    int rc;
    snprintf(dur, sizeof dur, "%g", f->ev.duration_s);
    switch (k) {
    case NEMESIS_KILL_BACKENDS:
        return nemchild_script(c, note, cap, "kill-backends", c->db_url, c->appname, NULL);
    case NEMESIS_PG_RESTART_FAST:
    case NEMESIS_PG_RESTART_IMMEDIATE:
        return nemchild_script(c, note, cap, "pg-restart",
                               k == NEMESIS_PG_RESTART_FAST ? "fast" : "immediate", NULL);
    case NEMESIS_PG_PAUSE: return nemchild_script(c, note, cap, "pg-pause", dur, NULL);
    case NEMESIS_SERVER_KILL: return server_kill(x, f);
    case NEMESIS_LATENCY:
    case NEMESIS_RESET:
    case NEMESIS_BLACKHOLE:
    case NEMESIS_DOWN:
        if ((rc = proxy_mode(c, note, cap, modes[k - NEMESIS_LATENCY])) != 0)
            return rc;
        nemesis_hold(x, f);
        return proxy_mode(c, healed, sizeof healed, "pass");
    default: return snprintf(note, cap, "not a fault of one host"), -1;
    }
}
