/*
 * pool.h: a fixed pool of PostgreSQL connections, each owned by one worker thread, fed
 * by one FIFO queue of jobs.
 *
 * A job is a function run on a worker with that worker's connection (one statement,
 * one round trip, as a rule) and a completion called exactly once afterwards. A job not
 * picked up within the pool's bounded wait completes with POOL_TIMEOUT without running.
 * A broken connection (server restarted, backend terminated) is noticed before use or
 * by the failing call, closed and replaced; a job marked retry_safe then runs once more
 * on the new connection, others complete with POOL_LOST (sent, outcome unknown); a job
 * that never reached a working connection completes with POOL_UNAVAILABLE. Every connection gets
 * the given statements prepared as soon as it is made, statement_timeout and UTC.
 *
 * Pooler-safe mode (for PgBouncer in transaction mode, where consecutive transactions
 * of one client connection may run on different server sessions): nothing is prepared
 * or SET on the connection; pool_exec sends each statement unnamed, pipelined behind
 * set_config(..., true) of statement_timeout and TimeZone, with one Sync, so both
 * settings hold for that one implicit transaction on whatever session runs it.
 *
 * With conninfo NULL the pool is a plain FIFO of worker threads with the same bounded
 * wait (run gets a NULL connection): lastroomd uses one for password hashing.
 */
#ifndef LASTROOM_SERVER_POOL_H
#define LASTROOM_SERVER_POOL_H

#include <libpq-fe.h>
#include <stdint.h>

enum pool_outcome {
    POOL_DONE,        /* the job ran */
    POOL_TIMEOUT,     /* no connection free within the bounded wait */
    POOL_UNAVAILABLE, /* no working connection to the database */
    POOL_DRAINING,    /* the pool is draining (pool_drain): the job never ran */
    POOL_FULL,        /* the queue was at max_queue: the job never ran */
    POOL_LOST,        /* the connection failed after the job's call was sent (and a
                           retry_safe job's retry could not finish): it may have run */
};

enum pool_run_rc { POOL_RUN_OK, POOL_RUN_CONN_LOST };

struct pool_job {
    /* run on a worker; returns POOL_RUN_CONN_LOST when the connection failed under it */
    enum pool_run_rc (*run)(struct pool_job *job, PGconn *conn);
    /* called exactly once, on a worker or the pool's timer thread */
    void (*done)(struct pool_job *job, enum pool_outcome outcome);
    int retry_safe; /* may run again after a lost connection */
    int attempt;    /* set by the pool: 0, or 1 when run again after a lost connection */
    /* owned by the pool */
    struct pool *pool;
    struct pool_job *next;
    int64_t deadline_us;
};

struct pool_stmt {
    const char *name;
    const char *sql;
};

struct pool_config {
    const char *conninfo;
    int size;        /* connections = worker threads, >= 1 */
    int64_t wait_ms; /* bounded wait for a connection */
    int max_queue;   /* jobs waiting at most; 0: no cap */
    int statement_timeout_ms;
    const struct pool_stmt *stmts;
    int n_stmts;
    int pooler_safe; /* see above */
};

struct pool_stats {
    int size;
    int in_use;
    int idle;    /* connected and free */
    int waiting; /* jobs in the queue */
    uint64_t timeouts;
    uint64_t unavailable;
    uint64_t full;     /* jobs refused for a full queue */
    uint64_t connects; /* successful (re)connections */
    uint64_t connect_failures;
};

struct pool;

/* pool_start: start the workers; each connects at once (a failure is only logged: it
 * retries when it gets a job). Returns the pool, or NULL (err filled) when threads or
 * memory could not be had. The config's strings and statements must outlive the pool. */
struct pool *pool_start(const struct pool_config *cfg, char *err, size_t errcap);

/* pool_submit: queue job; its done will be called exactly once. After pool_drain or
 * pool_stop has begun, done is called at once with POOL_DRAINING; with max_queue jobs
 * already waiting, at once with POOL_FULL. */
void pool_submit(struct pool *p, struct pool_job *job);

#define POOL_TICKS_MAX 4

/* pool_on_tick: have the pool's timer thread call fn(arg) every tick (20 ms) from now
 * until pool_stop, outside the pool's lock (fn may submit jobs); -1 when POOL_TICKS_MAX
 * are already set. */
int pool_on_tick(struct pool *p, void (*fn)(void *), void *arg);

/* pool_stats: a consistent snapshot of the gauges and counters. */
void pool_get_stats(struct pool *p, struct pool_stats *out);

/* pool_conn_lost: whether res (possibly NULL) means the connection itself failed
 * (rather than the statement), so the job may be retried elsewhere. */
int pool_conn_lost(PGconn *conn, const PGresult *res);

/* pool_drain: complete every queued job that no worker has taken with POOL_DRAINING,
 * at once, and every job submitted from now on likewise; jobs already running finish.
 * For shutdown: a queued job never started, so its answer is a definite refusal. */
void pool_drain(struct pool *p);
/* pool_exec: run statement stmt (an index into the pool's stmts) with nparams text
 * parameters on conn, for a job this pool is running: the prepared statement, or in
 * pooler-safe mode the unnamed one in its own transaction with the pool's settings.
 * Returns the statement's result (NULL when the connection failed; the caller
 * PQclears), as PQexecPrepared does. */
PGresult *pool_exec(const struct pool_job *job, PGconn *conn, int stmt, int nparams,
                    const char *const *params);

/* pool_stop: finish the queued jobs, stop the workers, close the connections, free. */
void pool_stop(struct pool *p);

/* TCP settings of every connection: a peer gone without a reset (a host lost, a cable
 * pulled) is noticed by keepalives on an idle or waiting connection within
 * 10 + 3 x 5 = 25 s, and data left unacknowledged fails the connection after 15 s,
 * instead of the kernel's defaults of two hours and about fifteen minutes. */
#define POOL_KEEPALIVE_IDLE_S     "10"
#define POOL_KEEPALIVE_INTERVAL_S "5"
#define POOL_KEEPALIVE_COUNT      "3"
#define POOL_TCP_USER_TIMEOUT_MS  "15000"

/* pool_connect: connect to conninfo (a URL or key=value string) with a 5 s connect
 * timeout, the TCP settings above and application_name lastroomd. Always returns a
 * PGconn (check PQstatus). */
PGconn *pool_connect(const char *conninfo);

#endif
