/*
 * nemesis.c: the fault schedule of a run, executed by a thread of its own.
 *
 * The thread sleeps until each event's start (on a condition variable, so that
 * nemesis_stop wakes it at once), runs the fault's actions as child processes of
 * scripts/nemesis.sh, heals the fault after its duration, and probes GET /health until
 * lastroomd answers 200 (at most RECOVERY_MAX_S). Every child has a deadline; a child
 * past it is killed by its pid. Times are CLOCK_MONOTONIC seconds since nemesis_start.
 *
 * Unknown outcomes are marked by the engine's worker threads into 50 ms buckets by
 * the time each request was sent (relaxed atomics); after the run each fault's
 * window, from a quarter second before it began until half a second after lastroomd
 * served again, sums its buckets. Windows of
 * faults close together may overlap, so the per-kind sums can count a request twice;
 * the total printed beside them counts each once.
 */
#include "load/booking/nemesis.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "load/engine/duration.h"
#include "load/booking/setup.h"

extern char **environ;

#define BUCKET_S 0.05
#define BUCKETS_MAX 288000        /* 4 hours of 50 ms buckets */
#define CHILD_DEADLINE_S 120.0    /* pg-restart waits up to 60 s for the cluster */
#define PROBE_GAP_S 0.05
#define PROBE_TIMEOUT_MS 500
#define RECOVERY_MAX_S 60.0
#define WINDOW_BEFORE_S 0.25
#define WINDOW_AFTER_S 0.5
#define NOTE_MAX 160

struct fault {
    struct nemesis_event ev;
    double start_s, end_s, recovered_s;   /* -1: did not happen */
    bool injected;
    char note[NOTE_MAX];                  /* the script's result line, or why it failed */
};

struct nemesis {
    struct nemesis_config cfg;
    struct fault f[NEMESIS_MAX_EVENTS];
    int n;
    char latency_arg[16], jitter_arg[16];
    uint64_t t0_ns;
    _Atomic(uint32_t) *buckets;
    size_t nbuckets;
    pthread_t th;
    bool started;
    atomic_bool done;                     /* the thread ran its last event */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;                            /* under mu */
};

static const char *const kind_names[NEMESIS_KINDS] = {
    "kill-backends", "pg-restart-fast", "pg-restart-immediate", "pg-pause",
    "server-kill", "latency", "reset", "blackhole", "down",
    "node-kill", "primary-crash", "switchover", "api-kill", "pooler-restart",
};

/* Default durations: how long each fault lasts when the schedule does not say. */
static const double kind_default_s[NEMESIS_KINDS] = { 0, 0, 0, 2, 0, 3, 0.5, 2, 1, 0, 0, 0, 2, 0 };

const char *nemesis_kind_name(enum nemesis_kind k)
{
    return (unsigned)k < NEMESIS_KINDS ? kind_names[k] : "?";
}

int nemesis_kind_parse(const char *name)
{
    for (int i = 0; i < NEMESIS_KINDS; i++)
        if (!strcmp(name, kind_names[i]))
            return i;
    return -1;
}

int nemesis_parse(const char *spec, struct nemesis_event *ev, char *err, size_t errlen)
{
    char kind[32], when[32], dur[32] = "";
    const char *at = strchr(spec, '@');
    if (!at || (size_t)(at - spec) >= sizeof kind)
        return snprintf(err, errlen, "nemesis '%s': expected KIND@START[:DURATION]", spec), -1;
    snprintf(kind, sizeof kind, "%.*s", (int)(at - spec), spec);
    const char *colon = strchr(at + 1, ':');
    size_t wl = colon ? (size_t)(colon - at - 1) : strlen(at + 1);
    if (wl == 0 || wl >= sizeof when || (colon && strlen(colon + 1) >= sizeof dur))
        return snprintf(err, errlen, "nemesis '%s': bad START or DURATION", spec), -1;
    snprintf(when, sizeof when, "%.*s", (int)wl, at + 1);
    if (colon)
        snprintf(dur, sizeof dur, "%s", colon + 1);
    int k = nemesis_kind_parse(kind);
    if (k < 0)
        return snprintf(err, errlen, "nemesis '%s': unknown fault kind '%s'", spec, kind), -1;
    ev->kind = (enum nemesis_kind)k;
    ev->duration_s = kind_default_s[k];
    if (dur_parse(when, &ev->start_s, err, errlen) != 0
        || (dur[0] && dur_parse(dur, &ev->duration_s, err, errlen) != 0))
        return -1;
    if (ev->kind == NEMESIS_PG_PAUSE && !(ev->duration_s > 0 && ev->duration_s <= 300))
        return snprintf(err, errlen, "nemesis '%s': pg-pause lasts (0, 300] s", spec), -1;
    return 0;
}

const char *nemesis_missing(const struct nemesis_config *c, enum nemesis_kind k)
{
    if (!c->script)
        return "--nemesis-script";
    switch (k) {
    case NEMESIS_KILL_BACKENDS: return c->db_url ? NULL : "--db";
    case NEMESIS_PG_RESTART_FAST:
    case NEMESIS_PG_RESTART_IMMEDIATE:
    case NEMESIS_PG_PAUSE: return c->pgdir ? NULL : "--pgdir";
    case NEMESIS_SERVER_KILL:
        return !c->server_pidfile ? "--server-pidfile"
               : !c->server_restart ? "--server-restart-cmd" : NULL;
    case NEMESIS_NODE_KILL:
    case NEMESIS_PRIMARY_CRASH:
    case NEMESIS_SWITCHOVER:
    case NEMESIS_API_KILL:
    case NEMESIS_POOLER_RESTART: return c->cluster_dir ? NULL : "--cluster-dir";
    default: return c->proxy_ctl ? NULL : "--proxy-control";
    }
}

static bool try_script(char *out, size_t outlen, const char *dir, const char *up)
{
    int n = snprintf(out, outlen, "%s/%sscripts/nemesis.sh", dir, up);
    return n > 0 && (size_t)n < outlen && access(out, X_OK) == 0;
}

int nemesis_script_find(char *out, size_t outlen)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return -1;
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    static const char *const ups[] = { "../", "../../", "../../../" };
    for (size_t i = 0; i < sizeof ups / sizeof *ups; i++)
        if (try_script(out, outlen, exe, ups[i]))
            return 0;
    return -1;
}

/* --- lifecycle --- */

static int cmp_event(const void *a, const void *b)
{
    const struct fault *x = a, *y = b;
    return (x->ev.start_s > y->ev.start_s) - (x->ev.start_s < y->ev.start_s);
}

struct nemesis *nemesis_new(const struct nemesis_config *cfg, const struct nemesis_event *ev,
                            int n, double run_hint_s, char *err, size_t errlen)
{
    if (n < 0 || n > NEMESIS_MAX_EVENTS)
        return snprintf(err, errlen, "at most %d nemesis events", NEMESIS_MAX_EVENTS), NULL;
    for (int i = 0; i < n; i++) {
        const char *need = nemesis_missing(cfg, ev[i].kind);
        if (need)
            return snprintf(err, errlen, "nemesis %s needs %s", kind_names[ev[i].kind], need),
                   NULL;
    }
    struct nemesis *x = calloc(1, sizeof *x);
    double span = run_hint_s > 0 ? run_hint_s + RECOVERY_MAX_S * 2 : 3600;
    size_t nb = (size_t)(span / BUCKET_S) + 1;
    if (x) {
        x->nbuckets = nb < BUCKETS_MAX ? nb : BUCKETS_MAX;
        x->buckets = calloc(x->nbuckets, sizeof *x->buckets);
    }
    if (!x || !x->buckets) {
        free(x);
        return snprintf(err, errlen, "out of memory"), NULL;
    }
    x->cfg = *cfg;
    if (!x->cfg.appname)
        x->cfg.appname = "lastroomd";
    snprintf(x->latency_arg, sizeof x->latency_arg, "%d", cfg->latency_ms > 0 ? cfg->latency_ms : 200);
    snprintf(x->jitter_arg, sizeof x->jitter_arg, "%d", cfg->latency_ms > 0 ? cfg->jitter_ms : 100);
    x->n = n;
    for (int i = 0; i < n; i++)
        x->f[i] = (struct fault){ .ev = ev[i], .start_s = -1, .end_s = -1, .recovered_s = -1 };
    qsort(x->f, (size_t)n, sizeof *x->f, cmp_event);
    pthread_mutex_init(&x->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&x->cv, &ca);
    pthread_condattr_destroy(&ca);
    return x;
}

void nemesis_free(struct nemesis *x)
{
    if (!x)
        return;
    nemesis_stop(x);
    pthread_cond_destroy(&x->cv);
    pthread_mutex_destroy(&x->mu);
    free(x->buckets);
    free(x);
}

static double now_s(const struct nemesis *x)
{
    return (double)(clock_mono_ns() - x->t0_ns) / 1e9;
}

void nemesis_mark_unknown(void *arg, uint64_t ns)
{
    struct nemesis *x = arg;
    if (!x || !x->t0_ns)
        return;
    double t = ns > x->t0_ns ? (double)(ns - x->t0_ns) / 1e9 : 0;
    size_t b = (size_t)(t / BUCKET_S);
    if (b >= x->nbuckets)
        b = x->nbuckets - 1;
    atomic_fetch_add_explicit(&x->buckets[b], 1, memory_order_relaxed);
}

/* Wait until t_s (seconds since start) or a stop. Returns true when stopped. */
static bool wait_until(struct nemesis *x, double t_s)
{
    uint64_t at = x->t0_ns + (uint64_t)(t_s > 0 ? t_s * 1e9 : 0);
    struct timespec ts = { (time_t)(at / 1000000000u), (long)(at % 1000000000u) };
    pthread_mutex_lock(&x->mu);
    while (!x->stop && clock_mono_ns() < at)
        if (pthread_cond_timedwait(&x->cv, &x->mu, &ts) == ETIMEDOUT)
            break;
    bool stop = x->stop;
    pthread_mutex_unlock(&x->mu);
    return stop;
}

/* --- child processes --- */

/* Read the child's first stdout line into note (rest drained) until EOF or deadline. */
static void read_result(int fd, double deadline, struct nemesis *x, char *note, size_t cap)
{
    char buf[512];
    size_t len = strlen(note);
    while (now_s(x) < deadline) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int ms = (int)((deadline - now_s(x)) * 1000) + 1;
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

/* Run argv (NULL-ended) with stdout captured into note; stderr is the tester's.
 * Returns the exit status, or -1 when it could not run or ran past its deadline. */
static int run_child(struct nemesis *x, char *const argv[], char *note, size_t cap)
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
    double deadline = now_s(x) + CHILD_DEADLINE_S;
    note[0] = '\0';
    read_result(fds[0], deadline, x, note, cap);
    close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, WNOHANG) == 0) {
        if (now_s(x) >= deadline) {
            kill(pid, SIGKILL);                  /* our own child, by its pid */
            waitpid(pid, &st, 0);
            snprintf(note, cap, "%s: no result within %.0f s", argv[1], CHILD_DEADLINE_S);
            return -1;
        }
        struct timespec ts = { 0, 20000000 };
        nanosleep(&ts, NULL);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int script(struct nemesis *x, char *note, size_t cap, const char *a1, const char *a2,
                  const char *a3, const char *a4, const char *a5, const char *a6)
{
    char *argv[] = { (char *)x->cfg.script, (char *)a1, (char *)a2, (char *)a3, (char *)a4,
                     (char *)a5, (char *)a6, NULL };
    return run_child(x, argv, note, cap);
}

static int proxy_mode(struct nemesis *x, char *note, size_t cap, const char *mode)
{
    bool lat = !strcmp(mode, "latency");
    return script(x, note, cap, "proxy", x->cfg.proxy_ctl, "mode", mode,
                  lat ? x->latency_arg : NULL, lat ? x->jitter_arg : NULL);
}

static int restart_server(struct nemesis *x, char *note, size_t cap)
{
    char *argv[] = { "/bin/sh", "-c", (char *)x->cfg.server_restart, NULL };
    size_t len = strlen(note);
    int rc = run_child(x, argv, note + len, cap - len);
    if (rc != 0 && len + 40 < cap)
        snprintf(note + strlen(note), cap - strlen(note), " (restart command failed: %d)", rc);
    return rc;
}

static int cluster(struct nemesis *x, char *note, size_t cap, const char *cmd, const char *arg)
{
    return script(x, note, cap, "cluster", x->cfg.cluster_dir, cmd, arg, NULL, NULL);
}

/* --- one fault --- */

/* Inject f's fault; for the kinds healed by us, wait and heal. Returns 0 when the
 * fault was injected (and healed). f->end_s is set when it ended. */
static int inject(struct nemesis *x, struct fault *f)
{
    char *note = f->note, dur[32];
    size_t cap = sizeof f->note;
    enum nemesis_kind k = f->ev.kind;
    snprintf(dur, sizeof dur, "%g", f->ev.duration_s);
    int rc;
    switch (k) {
    case NEMESIS_KILL_BACKENDS:
        rc = script(x, note, cap, "kill-backends", x->cfg.db_url, x->cfg.appname, NULL, NULL, NULL);
        break;
    case NEMESIS_PG_RESTART_FAST:
    case NEMESIS_PG_RESTART_IMMEDIATE:
        rc = script(x, note, cap, "pg-restart", k == NEMESIS_PG_RESTART_FAST ? "fast" : "immediate",
                    NULL, NULL, NULL, NULL);
        break;
    case NEMESIS_PG_PAUSE:
        rc = script(x, note, cap, "pg-pause", dur, NULL, NULL, NULL, NULL);
        break;
    case NEMESIS_SERVER_KILL:
        rc = script(x, note, cap, "server-kill", x->cfg.server_pidfile, NULL, NULL, NULL, NULL);
        if (rc == 0) {
            f->injected = true;
            wait_until(x, now_s(x) + f->ev.duration_s);
            rc = restart_server(x, note, cap);
        }
        break;
    case NEMESIS_NODE_KILL: rc = cluster(x, note, cap, "kill", "primary"); break;
    case NEMESIS_PRIMARY_CRASH: rc = cluster(x, note, cap, "crash", "primary"); break;
    case NEMESIS_SWITCHOVER: rc = cluster(x, note, cap, "failover", NULL); break;
    case NEMESIS_POOLER_RESTART: rc = cluster(x, note, cap, "restart-pooler", NULL); break;
    case NEMESIS_API_KILL:
        rc = cluster(x, note, cap, "kill-api", "api1");
        if (rc == 0) {
            f->injected = true;
            wait_until(x, now_s(x) + f->ev.duration_s);
            char started[NOTE_MAX];
            rc = cluster(x, started, sizeof started, "start-api", "api1");
        }
        break;
    default: {
        static const char *const modes[] = { "latency", "reset", "blackhole", "down" };
        rc = proxy_mode(x, note, cap, modes[k - NEMESIS_LATENCY]);
        if (rc == 0) {
            f->injected = true;
            wait_until(x, now_s(x) + f->ev.duration_s);
            char healed[NOTE_MAX];
            rc = proxy_mode(x, healed, sizeof healed, "pass");
        }
    }
    }
    f->end_s = now_s(x);
    if (rc == 0)
        f->injected = true;
    return rc;
}

/* Probe GET /health until 200; the time it answered, or -1. */
static double probe_recovery(struct nemesis *x)
{
    struct setup_http h;
    char err[256];
    if (setup_http_init(&h, x->cfg.base_url, PROBE_TIMEOUT_MS, err, sizeof err) != 0)
        return -1;
    double limit = now_s(x) + RECOVERY_MAX_S;
    while (now_s(x) < limit) {
        int status = 0;
        json_t *resp = NULL;
        int rc = setup_call(&h, "GET", "/health", NULL, NULL, &status, &resp, err, sizeof err);
        json_decref(resp);
        if (rc == 0 && status == 200)
            return now_s(x);
        if (wait_until(x, now_s(x) + PROBE_GAP_S))
            return -1;
    }
    return -1;
}

static void *nemesis_main(void *arg)
{
    struct nemesis *x = arg;
    for (int i = 0; i < x->n; i++) {
        struct fault *f = &x->f[i];
        if (wait_until(x, f->ev.start_s))
            break;
        f->start_s = now_s(x);
        int rc = inject(x, f);
        if (f->injected && x->cfg.base_url)
            f->recovered_s = probe_recovery(x);
        if (rc != 0 && !f->note[0])
            snprintf(f->note, sizeof f->note, "the script failed (%d)", rc);
    }
    atomic_store(&x->done, true);
    return NULL;
}

bool nemesis_done(const struct nemesis *x)
{
    return atomic_load(&((struct nemesis *)x)->done);
}

int nemesis_start(struct nemesis *x, char *err, size_t errlen)
{
    x->t0_ns = clock_mono_ns();
    if (pthread_create(&x->th, NULL, nemesis_main, x) != 0)
        return snprintf(err, errlen, "cannot start the nemesis thread"), -1;
    x->started = true;
    return 0;
}

void nemesis_stop(struct nemesis *x)
{
    if (!x || !x->started)
        return;
    pthread_mutex_lock(&x->mu);
    x->stop = true;
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
    pthread_join(x->th, NULL);
    x->started = false;
}

/* --- the report --- */

static uint64_t unknown_between(const struct nemesis *x, double from, double to)
{
    uint64_t n = 0;
    size_t a = from > 0 ? (size_t)(from / BUCKET_S) : 0, b = (size_t)(to / BUCKET_S);
    for (size_t i = a; i <= b && i < x->nbuckets; i++)
        n += atomic_load_explicit(&x->buckets[i], memory_order_relaxed);
    return n;
}

static double window_end(const struct fault *f)
{
    return (f->recovered_s >= 0 ? f->recovered_s : f->end_s) + WINDOW_AFTER_S;
}

static uint64_t unknown_of(const struct nemesis *x, const struct fault *f)
{
    return f->start_s < 0 ? 0 : unknown_between(x, f->start_s - WINDOW_BEFORE_S, window_end(f));
}

/* Unknowns inside any fault's window, each bucket counted once. */
static uint64_t unknown_around(const struct nemesis *x)
{
    uint64_t n = 0;
    for (size_t b = 0; b < x->nbuckets; b++) {
        double t = (double)b * BUCKET_S;
        for (int i = 0; i < x->n; i++) {
            const struct fault *f = &x->f[i];
            if (f->start_s >= 0 && t + BUCKET_S > f->start_s - WINDOW_BEFORE_S
                && t <= window_end(f)) {
                n += atomic_load_explicit(&x->buckets[b], memory_order_relaxed);
                break;
            }
        }
    }
    return n;
}

struct kind_stats {
    int scheduled, injected, failed, recovered;
    uint64_t unknown;
    double rec_ms[NEMESIS_MAX_EVENTS];
    double p50_ms, max_ms;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void kind_stats(const struct nemesis *x, enum nemesis_kind k, struct kind_stats *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < x->n; i++) {
        const struct fault *f = &x->f[i];
        if (f->ev.kind != k)
            continue;
        s->scheduled++;
        s->injected += f->injected;
        s->failed += f->start_s >= 0 && !f->injected;
        s->unknown += unknown_of(x, f);
        if (f->injected && f->recovered_s >= 0)
            s->rec_ms[s->recovered++] = (f->recovered_s - f->end_s) * 1000;
    }
    qsort(s->rec_ms, (size_t)s->recovered, sizeof *s->rec_ms, cmp_double);
    s->p50_ms = s->recovered ? s->rec_ms[(s->recovered - 1) / 2] : -1;
    s->max_ms = s->recovered ? s->rec_ms[s->recovered - 1] : -1;
}

int nemesis_injected(const struct nemesis *x, enum nemesis_kind k)
{
    struct kind_stats s;
    kind_stats(x, k, &s);
    return s.injected;
}

struct out { char *p; size_t len, cap; };

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    if (o->len + 1 >= o->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len = o->len + (size_t)n < o->cap ? o->len + (size_t)n : o->cap - 1;
}

static void put_timeline(const struct nemesis *x, struct out *o)
{
    put(o, "\nNemesis timeline (seconds from the start of the run):\n");
    for (int i = 0; i < x->n; i++) {
        const struct fault *f = &x->f[i];
        if (f->start_s < 0) {
            put(o, "  %7.2fs  %-21s not run (the run ended first)\n", f->ev.start_s,
                kind_names[f->ev.kind]);
            continue;
        }
        put(o, "  %7.2fs  %-21s %s, ended %.2fs", f->start_s, kind_names[f->ev.kind],
            f->injected ? "injected" : "FAILED", f->end_s);
        if (f->recovered_s >= 0)
            put(o, ", served again %.2fs (+%.0f ms)", f->recovered_s,
                (f->recovered_s - f->end_s) * 1000);
        else if (f->injected)
            put(o, ", not serving again within %.0f s", RECOVERY_MAX_S);
        put(o, ", %llu unknown%s%s\n", (unsigned long long)unknown_of(x, f),
            f->note[0] ? ": " : "", f->note);
    }
}

size_t nemesis_report(const struct nemesis *x, char *buf, size_t cap)
{
    struct out o = { buf, 0, cap };
    if (cap)
        buf[0] = '\0';
    put_timeline(x, &o);
    put(&o, "\nFaults by kind: injected/scheduled, requests with an unknown outcome around "
        "them, time to serve again after the fault ended (p50, max)\n");
    for (int k = 0; k < NEMESIS_KINDS; k++) {
        struct kind_stats s;
        kind_stats(x, (enum nemesis_kind)k, &s);
        if (!s.scheduled)
            continue;
        put(&o, "  %-21s %d/%d injected, %llu unknown", kind_names[k], s.injected, s.scheduled,
            (unsigned long long)s.unknown);
        if (s.recovered)
            put(&o, ", recovery p50 %.0f ms, max %.0f ms\n", s.p50_ms, s.max_ms);
        else
            put(&o, ", recovery not measured\n");
    }
    put(&o, "  requests with an unknown outcome: %llu in all, %llu around faults\n",
        (unsigned long long)unknown_between(x, 0, 1e9), (unsigned long long)unknown_around(x));
    return o.len;
}

static json_t *fault_json(const struct nemesis *x, const struct fault *f)
{
    return json_pack("{s:s, s:f, s:f, s:f, s:f, s:b, s:I, s:s}", "kind", kind_names[f->ev.kind],
                     "planned_s", f->ev.start_s, "start_s", f->start_s, "end_s", f->end_s,
                     "recovered_s", f->recovered_s, "injected", f->injected,
                     "unknown", (json_int_t)unknown_of(x, f), "note", f->note);
}

json_t *nemesis_json(const struct nemesis *x)
{
    json_t *kinds = json_object(), *tl = json_array();
    for (int k = 0; k < NEMESIS_KINDS; k++) {
        struct kind_stats s;
        kind_stats(x, (enum nemesis_kind)k, &s);
        if (!s.scheduled)
            continue;
        json_object_set_new(kinds, kind_names[k], json_pack(
            "{s:i, s:i, s:i, s:I, s:{s:f, s:f}}", "scheduled", s.scheduled, "injected",
            s.injected, "failed", s.failed, "unknown", (json_int_t)s.unknown, "recovery_ms",
            "p50", s.p50_ms, "max", s.max_ms));
    }
    for (int i = 0; i < x->n; i++)
        json_array_append_new(tl, fault_json(x, &x->f[i]));
    return json_pack("{s:o, s:o, s:I, s:I}", "faults", kinds, "timeline", tl,
                     "unknown_requests", (json_int_t)unknown_between(x, 0, 1e9),
                     "unknown_around_faults", (json_int_t)unknown_around(x));
}
