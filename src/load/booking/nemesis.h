/*
 * nemesis.h: faults scheduled during a run, as a first-class part of the tester: the
 * schedule's types and the thread that runs it. The modules around it: nemspec (the
 * options), nemchild (faults run as child processes), nemcluster (faults on a cluster
 * of scripts/cluster.sh), nemunknown (unknown outcomes counted), nemreport (the report).
 *
 * A schedule is a list of events KIND@START[:DURATION] (seconds from the start of the
 * run, k6 durations accepted: "kill-backends@3", "blackhole@12s:2s"). A nemesis thread
 * runs them in time order, one at a time, through scripts/nemesis.sh (one process per
 * action, its timestamped log line on stderr): it injects the fault, waits DURATION,
 * heals it, then probes GET /health every 50 ms until lastroomd answers 200 again, and
 * notes when each step happened. Meanwhile the run's engine calls nemesis_mark_unknown
 * for every request that was sent and got no answer (timeout, reset, lost connection),
 * with the time it was sent; marking never locks or allocates. After the run, the
 * report gives the timeline, and per fault kind how many were injected, how many
 * requests ended unknown around them, and how long lastroomd took to serve again.
 *
 * Fault kinds and what each needs from the environment:
 *   kill-backends                 pg_terminate_backend on lastroomd's sessions (db URL)
 *   pg-restart-fast, pg-restart-immediate   restart the private cluster (pgdir)
 *   pg-pause                      SIGSTOP the cluster, SIGCONT after DURATION (pgdir)
 *   server-kill                   SIGKILL lastroomd, wait DURATION, run the restart
 *                                 command (pidfile and restart command)
 *   latency, reset, blackhole, down   lastroom-faultproxy modes for DURATION (control
 *                                 address); latency adds latency_ms plus 0..jitter_ms
 * On a cluster of scripts/cluster.sh (cluster folder), through `nemesis.sh cluster`:
 *   node-kill                     SIGKILL the primary node's Patroni and postmaster: the
 *                                 standby must take over (the node stays down)
 *   primary-crash                 SIGKILL the primary's postmaster: Patroni restarts it
 *   switchover                    Patroni's planned switchover, waited for
 *   api-kill                      SIGKILL lastroomd api1, wait DURATION, start it again
 *   pooler-restart                stop PgBouncer and start it again
 */
#ifndef LASTROOM_LOAD_BOOKING_NEMESIS_H
#define LASTROOM_LOAD_BOOKING_NEMESIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nemunknown;

/* The cluster's kinds (nemcluster) come last, from NEMESIS_NODE_KILL on. */
enum nemesis_kind {
    NEMESIS_KILL_BACKENDS,
    NEMESIS_PG_RESTART_FAST,
    NEMESIS_PG_RESTART_IMMEDIATE,
    NEMESIS_PG_PAUSE,
    NEMESIS_SERVER_KILL,
    NEMESIS_LATENCY,
    NEMESIS_RESET,
    NEMESIS_BLACKHOLE,
    NEMESIS_DOWN,
    NEMESIS_NODE_KILL,
    NEMESIS_PRIMARY_CRASH,
    NEMESIS_SWITCHOVER,
    NEMESIS_API_KILL,
    NEMESIS_POOLER_RESTART,
    NEMESIS_KINDS
};

#define NEMESIS_MAX_EVENTS     64
#define NEMESIS_NOTE_MAX       160
#define NEMESIS_RECOVERY_MAX_S 60.0 /* GET /health is probed this long after a fault */

/* One scheduled fault. */
struct nemesis_event {
    enum nemesis_kind kind;
    double start_s;    /* from the start of the run */
    double duration_s; /* how long the fault lasts before it is healed */
};

/* What the faults act on. Strings are not copied: they must outlive the nemesis. */
struct nemesis_config {
    const char *script;         /* scripts/nemesis.sh */
    const char *db_url;         /* kill-backends connects here (not through the proxy) */
    const char *appname;        /* application_name of lastroomd's sessions; NULL: lastroomd */
    const char *pgdir;          /* the private cluster (LASTROOM_PGDIR) */
    const char *proxy_ctl;      /* lastroom-faultproxy control HOST:PORT */
    const char *server_pidfile; /* lastroomd's pid */
    const char *server_restart; /* shell command that starts lastroomd again (and
                                    rewrites the pidfile); must return once it started */
    const char *base_url;       /* lastroomd, probed with GET /health */
    int latency_ms, jitter_ms;  /* latency: 0 gives 200 and 100 */
    const char *cluster_dir;    /* scripts/cluster.sh's folder (LASTROOM_CLUSTER_DIR) */
};

/* One event of the schedule and what became of it. Times are seconds since
 * nemesis_start; -1: did not happen. */
struct nemesis_fault {
    struct nemesis_event ev;
    double start_s, end_s, recovered_s;
    bool injected;
    char note[NEMESIS_NOTE_MAX]; /* the script's result line, or why it failed */
};

struct nemesis;

/* nemesis_new: a nemesis for n events (sorted by start here), run_hint_s the length of
 * the run (bounds the unknown-outcome buckets). Every event's needs are checked against
 * cfg. Returns NULL with err on a missing need or no memory. Free with nemesis_free. */
struct nemesis *nemesis_new(const struct nemesis_config *cfg, const struct nemesis_event *ev, int n,
                            double run_hint_s, char *err, size_t errlen);
void nemesis_free(struct nemesis *n);

/* nemesis_start: note the start of the run and start the thread. Returns 0 or -1. */
int nemesis_start(struct nemesis *n, char *err, size_t errlen);

/* nemesis_stop: ask the thread to finish (a fault under way is healed at once, later
 * events are skipped) and join it. Harmless when not started. */
void nemesis_stop(struct nemesis *n);

/* nemesis_done: the thread has run (or skipped) every event. */
bool nemesis_done(const struct nemesis *n);

/* nemesis_mark_unknown: a request sent at mono_ns (CLOCK_MONOTONIC) ended without an
 * answer. arg is the struct nemesis. Lock-free; any thread. */
void nemesis_mark_unknown(void *arg, uint64_t mono_ns);

/* nemesis_hold: called by a fault once it is in: f is injected, and the thread waits
 * f's duration (cut short by nemesis_stop) before the fault heals it. */
void nemesis_hold(struct nemesis *n, struct nemesis_fault *f);

/* What the nemesis was given and what it saw, for the faults and the report: its
 * configuration (appname filled in), its faults in time order (*count of them), the
 * unknown outcomes marked. Valid until nemesis_free. */
const struct nemesis_config *nemesis_config(const struct nemesis *n);
const struct nemesis_fault *nemesis_faults(const struct nemesis *n, int *count);
const struct nemunknown *nemesis_unknowns(const struct nemesis *n);

#endif
