/*
 * pool.c: the PostgreSQL pool. One worker thread per connection pops jobs from a
 * mutex-protected FIFO; a timer thread answers jobs that waited past their deadline.
 * Since the queue is FIFO and every job gets the same wait, the oldest job is always at
 * the head, so the timer only ever looks there.
 *
 * Wake-ups: an idle worker waits on its own condition variable, on a stack of idle
 * workers; pool_submit pops the most recently idle one and signals it after releasing
 * the mutex. So a job wakes exactly one thread, the one whose stack and connection were
 * used last (with 16 workers and a few jobs in flight, the same few threads run), and
 * that thread does not wake only to block on the mutex the submitter still holds
 * (docs/profiling.md measured these hand-offs on the hold path).
 *
 * Reconnection: before each job a worker polls its idle socket; a readable idle socket
 * means the server said goodbye (terminated backend, shutdown), so the connection is
 * replaced before the job is sent. Failed connects are retried at most every 200 ms per
 * worker, so a database that is down costs each job one fast refusal, not a hang.
 */
#include "server/pool.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "server/log.h"

#define RECONNECT_GAP_US 200000
#define TIMER_TICK_MS    20

struct worker {
    struct pool *pool;
    pthread_t thread;
    pthread_cond_t cv;        /* signalled when popped off the idle stack, or stopping */
    struct worker *next_idle; /* the idle stack's link */
    int parked;               /* on the idle stack */
    PGconn *conn;
    int64_t last_fail_us;
    int index;
};

struct pool {
    struct pool_config cfg;
    char settings[160]; /* pooler-safe: the set_config statement sent before each */
    pthread_mutex_t mu;
    struct worker *idle; /* idle workers, the most recently idle on top */
    struct pool_job *head, *tail;
    int queued, in_use, connected, stopping, draining;
    uint64_t timeouts, unavailable, full, connects, connect_failures;
    pthread_t timer;
    struct {
        void (*fn)(void *);
        void *arg;
    } ticks[POOL_TICKS_MAX]; /* called by the timer every tick (pool_on_tick) */
    int nticks;
    struct worker *workers;
    int started;
};

PGconn *pool_connect(const char *conninfo)
{
    const char *const keys[] = { "dbname",           "connect_timeout",  "application_name",
                                 "keepalives",       "keepalives_idle",  "keepalives_interval",
                                 "keepalives_count", "tcp_user_timeout", NULL };
    const char *const vals[] = { conninfo,
                                 "5",
                                 "lastroomd",
                                 "1",
                                 POOL_KEEPALIVE_IDLE_S,
                                 POOL_KEEPALIVE_INTERVAL_S,
                                 POOL_KEEPALIVE_COUNT,
                                 POOL_TCP_USER_TIMEOUT_MS,
                                 NULL };
    return PQconnectdbParams(keys, vals, 1);
}

int pool_conn_lost(PGconn *conn, const PGresult *res)
{
    if (res == NULL || PQstatus(conn) != CONNECTION_OK)
        return 1;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state == NULL)
        return PQresultStatus(res) == PGRES_FATAL_ERROR && PQstatus(conn) != CONNECTION_OK;
    return strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0;
}

static void count(struct pool *p, uint64_t *counter)
{
    pthread_mutex_lock(&p->mu);
    (*counter)++;
    pthread_mutex_unlock(&p->mu);
}

static int exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        log_warn("pool: \"%s\" failed: %s", sql, PQerrorMessage(c));
    PQclear(r);
    return ok;
}

static int prepare_all(struct pool *p, PGconn *c)
{
    if (p->cfg.pooler_safe)
        return 0; /* a session set up here may not be the one the next statement gets */
    char set[96];
    snprintf(set, sizeof set, "SET statement_timeout = %d", p->cfg.statement_timeout_ms);
    if (!exec_ok(c, set) || !exec_ok(c, "SET TIME ZONE 'UTC'"))
        return -1;
    for (int i = 0; i < p->cfg.n_stmts; i++) {
        PGresult *r = PQprepare(c, p->cfg.stmts[i].name, p->cfg.stmts[i].sql, 0, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            log_error("pool: cannot prepare %s: %s", p->cfg.stmts[i].name, PQerrorMessage(c));
        PQclear(r);
        if (!ok)
            return -1;
    }
    return 0;
}

static void drop_conn(struct worker *w)
{
    if (w->conn == NULL)
        return;
    PQfinish(w->conn);
    w->conn = NULL;
    pthread_mutex_lock(&w->pool->mu);
    w->pool->connected--;
    pthread_mutex_unlock(&w->pool->mu);
}

static int connect_worker(struct worker *w)
{
    struct pool *p = w->pool;
    int64_t now = clock_mono_us();
    if (w->last_fail_us != 0 && now - w->last_fail_us < RECONNECT_GAP_US)
        return -1;
    PGconn *c = pool_connect(p->cfg.conninfo);
    if (PQstatus(c) != CONNECTION_OK || prepare_all(p, c) != 0) {
        if (w->last_fail_us == 0 || log_enabled(LOG_DEBUG))
            log_warn("pool: worker %d cannot connect: %s", w->index, PQerrorMessage(c));
        PQfinish(c);
        w->last_fail_us = now;
        count(p, &p->connect_failures);
        return -1;
    }
    if (w->last_fail_us != 0)
        log_info("pool: worker %d connected again", w->index);
    w->conn = c;
    w->last_fail_us = 0;
    pthread_mutex_lock(&p->mu);
    p->connected++;
    p->connects++;
    pthread_mutex_unlock(&p->mu);
    return 0;
}

/* idle_conn_dead: nothing is due on an idle connection (no LISTEN, no SET from elsewhere),
 * so any readable data or hang-up means the server said goodbye: a terminated backend
 * sends an error and closes, a restarted server just closes. */
static int idle_conn_dead(PGconn *c)
{
    struct pollfd pfd = { .fd = PQsocket(c), .events = POLLIN };
    if (PQstatus(c) != CONNECTION_OK || pfd.fd < 0)
        return 1;
    return poll(&pfd, 1, 0) != 0;
}

static int ensure_conn(struct worker *w)
{
    if (w->pool->cfg.conninfo == NULL)
        return 0; /* a pool of plain worker threads */
    if (w->conn != NULL && idle_conn_dead(w->conn)) {
        log_warn("pool: worker %d lost its connection; reconnecting", w->index);
        drop_conn(w);
    }
    return w->conn != NULL ? 0 : connect_worker(w);
}

static enum pool_outcome run_job(struct worker *w, struct pool_job *job)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        job->attempt = attempt;
        if (ensure_conn(w) != 0)
            return attempt == 0 ? POOL_UNAVAILABLE : POOL_LOST;
        if (job->run(job, w->conn) == POOL_RUN_OK)
            return POOL_DONE;
        log_warn("pool: worker %d: connection failed during a call: %s", w->index,
                 PQerrorMessage(w->conn));
        drop_conn(w);
        if (!job->retry_safe)
            break;
    }
    return POOL_LOST;
}

static struct pool_job *pop_locked(struct pool *p)
{
    struct pool_job *j = p->head;
    if (j != NULL) {
        p->head = j->next;
        if (p->head == NULL)
            p->tail = NULL;
        p->queued--;
    }
    return j;
}

/* unpark_locked: take w off the idle stack (it is on it). */
static void unpark_locked(struct pool *p, struct worker *w)
{
    struct worker **at = &p->idle;
    while (*at != w)
        at = &(*at)->next_idle;
    *at = w->next_idle;
    w->next_idle = NULL;
    w->parked = 0;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    if (p->cfg.conninfo != NULL)
        connect_worker(w);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->head == NULL && !p->stopping) {
            if (!w->parked) {
                w->next_idle = p->idle;
                p->idle = w;
                w->parked = 1;
            }
            pthread_cond_wait(&w->cv, &p->mu);
        }
        if (w->parked) /* woken by stopping, or found the job before it was popped */
            unpark_locked(p, w);
        struct pool_job *job = pop_locked(p);
        if (job == NULL)
            break;
        p->in_use++;
        pthread_mutex_unlock(&p->mu);
        enum pool_outcome o = run_job(w, job);
        if (o == POOL_UNAVAILABLE || o == POOL_LOST)
            count(p, &p->unavailable);
        job->done(job, o);
        pthread_mutex_lock(&p->mu);
        p->in_use--;
    }
    pthread_mutex_unlock(&p->mu);
    drop_conn(w);
    return NULL;
}

/* take_expired: unlink the jobs whose deadline passed into a private list. */
static struct pool_job *take_expired_locked(struct pool *p, int64_t now)
{
    struct pool_job *out = NULL, **tailp = &out;
    while (p->head != NULL && p->head->deadline_us <= now) {
        struct pool_job *j = pop_locked(p);
        j->next = NULL;
        *tailp = j;
        tailp = &j->next;
        p->timeouts++;
    }
    return out;
}

int pool_on_tick(struct pool *p, void (*fn)(void *), void *arg)
{
    pthread_mutex_lock(&p->mu);
    int ok = p->nticks < POOL_TICKS_MAX;
    if (ok) {
        p->ticks[p->nticks].fn = fn;
        p->ticks[p->nticks].arg = arg;
        p->nticks++; /* last: the timer reads the count under the mutex */
    }
    pthread_mutex_unlock(&p->mu);
    return ok ? 0 : -1;
}

static void *timer_main(void *arg)
{
    struct pool *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        struct pool_job *expired = take_expired_locked(p, clock_mono_us());
        int nticks = p->nticks; /* a tick once set stays: copy the count, then call */
        pthread_mutex_unlock(&p->mu);
        while (expired != NULL) {
            struct pool_job *next = expired->next;
            expired->done(expired, POOL_TIMEOUT);
            expired = next;
        }
        for (int i = 0; i < nticks; i++)
            p->ticks[i].fn(p->ticks[i].arg);
        struct timespec ts = { 0, TIMER_TICK_MS * 1000000L };
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* pipelined: settings then sql, one Sync: one round trip, one implicit transaction.
 * The statement's result, or the first error (the settings' or the pipeline's); NULL
 * when the connection failed. */
static PGresult *exec_pipelined(PGconn *c, const char *settings, const char *sql, int n,
                                const char *const *params)
{
    if (PQenterPipelineMode(c) != 1)
        return NULL;
    PGresult *out = NULL, *r;
    int ok = PQsendQueryParams(c, settings, 0, NULL, NULL, NULL, NULL, 0)
             && PQsendQueryParams(c, sql, n, NULL, params, NULL, NULL, 0) && PQpipelineSync(c);
    /* per query: its results then NULL; after both, the sync's PGRES_PIPELINE_SYNC */
    for (int query = 0; ok && query < 2; query++) {
        while ((r = PQgetResult(c)) != NULL) {
            ExecStatusType st = PQresultStatus(r);
            if (out == NULL && (query == 1 || st == PGRES_FATAL_ERROR)
                && st != PGRES_PIPELINE_ABORTED)
                out = r;
            else
                PQclear(r);
        }
        ok = PQstatus(c) == CONNECTION_OK;
    }
    while (ok && (r = PQgetResult(c)) != NULL) {
        ok = PQresultStatus(r) != PGRES_PIPELINE_SYNC;
        PQclear(r);
    }
    if (PQstatus(c) != CONNECTION_OK || PQexitPipelineMode(c) != 1) {
        PQclear(out);
        return NULL;
    }
    return out;
}

PGresult *pool_exec(const struct pool_job *job, PGconn *conn, int stmt, int nparams,
                    const char *const *params)
{
    const struct pool *p = job->pool;
    const struct pool_stmt *s = &p->cfg.stmts[stmt];
    if (!p->cfg.pooler_safe)
        return PQexecPrepared(conn, s->name, nparams, params, NULL, NULL, 0);
    return exec_pipelined(conn, p->settings, s->sql, nparams, params);
}

struct pool *pool_start(const struct pool_config *cfg, char *err, size_t errcap)
{
    struct pool *p = calloc(1, sizeof *p);
    if (p == NULL || cfg->size < 1
        || (p->workers = calloc((size_t)cfg->size, sizeof *p->workers)) == NULL) {
        snprintf(err, errcap, "pool: no memory or bad size %d", cfg->size);
        free(p);
        return NULL;
    }
    p->cfg = *cfg;
    snprintf(
        p->settings, sizeof p->settings,
        "SELECT set_config('statement_timeout', '%d', true), set_config('TimeZone', 'UTC', true)",
        cfg->statement_timeout_ms);
    pthread_mutex_init(&p->mu, NULL);
    for (int i = 0; i < cfg->size; i++)
        pthread_cond_init(&p->workers[i].cv, NULL);
    for (int i = 0; i < cfg->size; i++) {
        p->workers[i].pool = p;
        p->workers[i].index = i;
        if (pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]) != 0)
            break;
        p->started++;
    }
    if (p->started < cfg->size || pthread_create(&p->timer, NULL, timer_main, p) != 0) {
        snprintf(err, errcap, "pool: cannot start threads");
        p->cfg.size = p->started;
        p->started = -p->started - 1; /* no timer to join */
        pool_stop(p);
        return NULL;
    }
    return p;
}

void pool_submit(struct pool *p, struct pool_job *job)
{
    job->next = NULL;
    job->pool = p;
    job->deadline_us = clock_mono_us() + p->cfg.wait_ms * 1000;
    pthread_mutex_lock(&p->mu);
    if (p->stopping || p->draining) {
        pthread_mutex_unlock(&p->mu);
        job->done(job, POOL_DRAINING);
        return;
    }
    if (p->cfg.max_queue > 0 && p->queued >= p->cfg.max_queue) {
        p->full++;
        pthread_mutex_unlock(&p->mu);
        job->done(job, POOL_FULL);
        return;
    }
    if (p->tail != NULL)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    p->queued++;
    struct worker *w = p->idle;
    if (w != NULL)
        unpark_locked(p, w);
    pthread_mutex_unlock(&p->mu);
    if (w != NULL)
        pthread_cond_signal(&w->cv); /* it is still waiting, or finds the job on its own */
}

void pool_get_stats(struct pool *p, struct pool_stats *out)
{
    pthread_mutex_lock(&p->mu);
    out->size = p->cfg.size;
    out->in_use = p->in_use;
    out->idle = p->connected - p->in_use > 0 ? p->connected - p->in_use : 0;
    out->waiting = p->queued;
    out->timeouts = p->timeouts;
    out->unavailable = p->unavailable;
    out->full = p->full;
    out->connects = p->connects;
    out->connect_failures = p->connect_failures;
    pthread_mutex_unlock(&p->mu);
}

void pool_drain(struct pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->draining = 1;
    struct pool_job *queued = p->head;
    p->head = p->tail = NULL;
    p->queued = 0;
    pthread_mutex_unlock(&p->mu);
    while (queued != NULL) {
        struct pool_job *next = queued->next;
        queued->done(queued, POOL_DRAINING);
        queued = next;
    }
}

void pool_stop(struct pool *p)
{
    if (p == NULL)
        return;
    int n = p->started >= 0 ? p->started : -p->started - 1;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    for (int i = 0; i < n; i++)
        pthread_cond_signal(&p->workers[i].cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < n; i++)
        pthread_join(p->workers[i].thread, NULL);
    if (p->started >= 0)
        pthread_join(p->timer, NULL);
    pthread_mutex_destroy(&p->mu);
    for (int i = 0; i < p->cfg.size; i++)
        pthread_cond_destroy(&p->workers[i].cv);
    free(p->workers);
    free(p);
}
