/*
 * sweeper.c: the hold sweeper thread. Its connection is its own, so that sweeping
 * never waits behind the request pool and a full pool never delays expiry; it has a
 * lock_timeout and a statement_timeout of its own (SWEEP_SETTINGS).
 */
#include "server/sweeper.h"

#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "server/log.h"
#include "server/metrics.h"
#include "server/pool.h"

#define SWEEP_BATCH      1000
#define SWEEP_BATCH_TEXT "1000"
#define SWEEP_MAX_ROUNDS 20
/* A night locked elsewhere fails the batch after lock_timeout (the holds then go one by
 * one, skipping it: db/functions/20_sweeper.sql); no sweep runs longer than
 * statement_timeout, so neither blocks expiry nor shutdown for long. */
#define SWEEP_SETTINGS "SET lock_timeout = '1s'; SET statement_timeout = '10s'"

struct sweeper {
    const char *conninfo;
    int64_t interval_ms;
    PGconn *conn;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
};

/* sweep_once: one call of api_sweep; the holds released, or -1 on failure. */
static int sweep_once(struct sweeper *s)
{
    if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
        PQfinish(s->conn);
        s->conn = pool_connect(s->conninfo);
        if (PQstatus(s->conn) != CONNECTION_OK)
            return -1;
        PGresult *set = PQexec(s->conn, SWEEP_SETTINGS);
        int ok = PQresultStatus(set) == PGRES_COMMAND_OK;
        PQclear(set);
        if (!ok) {
            log_warn("sweeper: %s", PQerrorMessage(s->conn));
            PQfinish(s->conn);
            s->conn = NULL;
            return -1;
        }
    }
    PGresult *r = PQexec(s->conn, "SELECT api_sweep(" SWEEP_BATCH_TEXT ")");
    int n = PQresultStatus(r) == PGRES_TUPLES_OK ? atoi(PQgetvalue(r, 0, 0)) : -1;
    if (n < 0)
        log_warn("sweeper: %s", PQerrorMessage(s->conn));
    PQclear(r);
    return n;
}

static void sweep(struct sweeper *s)
{
    for (int round = 0; round < SWEEP_MAX_ROUNDS; round++) {
        int n = sweep_once(s);
        if (n > 0) {
            metrics_event(EV_HOLD_EXPIRED, (uint64_t)n);
            log_debug("sweeper: released %d expired holds", n);
        }
        if (n < SWEEP_BATCH)
            return;
    }
}

static void *sweeper_main(void *arg)
{
    struct sweeper *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        pthread_mutex_unlock(&s->mu);
        sweep(s);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (s->interval_ms % 1000) * 1000000;
        ts.tv_sec += (time_t)(s->interval_ms / 1000 + ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        pthread_mutex_lock(&s->mu);
        while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &ts) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&s->mu);
    PQfinish(s->conn);
    return NULL;
}

struct sweeper *sweeper_start(const char *conninfo, int64_t interval_ms)
{
    struct sweeper *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->conninfo = conninfo;
    s->interval_ms = interval_ms;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->thread, NULL, sweeper_main, s) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

void sweeper_stop(struct sweeper *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
