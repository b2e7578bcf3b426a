/*
 * coalesce.c: the hold and confirm coalescers (coalesce.h). One group per lane that has
 * requests waiting or a job in the pool, under one mutex held only to link and unlink.
 * A group exists exactly while its job is in the pool or running, or while it waits for
 * a turn in a FIFO (at most `turns` groups are in the pool at once, not counting those
 * that have run longer than a turn lasts). Its run takes what is queued at that moment;
 * its done queues the group for a turn again when more arrived meanwhile (it goes at
 * once when no other group waits), or frees the group when none did. So one worker at a time serves a lane (a hot room
 * type's among them), and the other workers stay free for the other lanes.
 *
 * The mutex is never held across pool_submit, which may call a done at once (a draining
 * or full pool), nor across a call to the database.
 */
#include "server/coalesce.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "server/api_db.h"
#include "server/log.h"

#define LANES_MAX 4
_Static_assert(COALESCE_HOLD_LANES <= LANES_MAX && COALESCE_CONFIRM_LANES <= LANES_MAX,
               "every lane has a slot");

struct group {
    struct coalesce *co;
    int lane;
    struct pool_job job;          /* in the pool or running while the group exists */
    struct pool_job *head, *tail; /* waiting requests: their r->job, linked by next */
    struct group *next_waiting;   /* in the coalescer's FIFO of groups waiting for a turn */
    bool in_pool;                 /* its job is in the pool (queued or running) */
    int64_t turn_at_us;           /* when it got its turn (clock_mono_us) */
    int ntaken;                   /* the batch the job is running (kept for its retry) */
    struct api_req **taken;       /* max_batch slots */
};

struct coalesce {
    pthread_mutex_t mu;
    struct pool *pool;
    enum coalesce_kind kind;
    int max_batch;
    int64_t wait_us;
    int nlanes;
    int turns;                            /* groups that may be in the pool at once */
    int64_t turn_len_us;                  /* how long a turn lasts at most */
    int queued;                           /* requests linked in a group, not yet taken */
    struct group *waiting, *waiting_tail; /* groups waiting for a turn, oldest first */
    struct group *lanes[LANES_MAX];       /* NULL: nothing waiting nor running in that lane */
};

static struct group *group_of(struct pool_job *job)
{
    return (struct group *)(void *)((char *)job - offsetof(struct group, job));
}

static enum pool_run_rc group_run(struct pool_job *job, PGconn *conn);
static void group_done(struct pool_job *job, enum pool_outcome outcome);
static void tick(void *arg);

/* group_get_locked: the group of a lane, created when absent (*created set); NULL
 * without memory. A group exists exactly while its job is queued or running: it is
 * freed when its job finds nobody waiting. */
static struct group *group_get_locked(struct coalesce *c, int lane, int *created)
{
    struct group *g = c->lanes[lane];
    *created = 0;
    if (g != NULL)
        return g;
    g = calloc(1, sizeof *g);
    if (g == NULL || (g->taken = calloc((size_t)c->max_batch, sizeof *g->taken)) == NULL) {
        free(g);
        return NULL;
    }
    g->co = c;
    g->lane = lane;
    g->job.run = group_run;
    g->job.done = group_done;
    c->lanes[lane] = g;
    *created = 1;
    return g;
}

static void group_free_locked(struct group *g)
{
    g->co->lanes[g->lane] = NULL;
    free(g->taken);
    free(g);
}

struct coalesce *coalesce_start(struct pool *pool, const struct coalesce_config *cfg)
{
    struct coalesce *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->pool = pool;
    c->kind = cfg->kind;
    c->max_batch = cfg->max_batch < 2                    ? 2
                   : cfg->max_batch > COALESCE_MAX_BATCH ? COALESCE_MAX_BATCH
                                                         : cfg->max_batch;
    c->wait_us = cfg->wait_ms * 1000;
    c->turn_len_us = cfg->turn_ms > 0 ? cfg->turn_ms * 1000 : INT64_MAX;
    c->nlanes = c->kind == COALESCE_HOLDS ? COALESCE_HOLD_LANES : COALESCE_CONFIRM_LANES;
    c->turns = cfg->concurrency < 1 || cfg->concurrency > c->nlanes ? c->nlanes : cfg->concurrency;
    if (c->turns < c->nlanes && c->turn_len_us != INT64_MAX && pool_on_tick(pool, tick, c) != 0)
        c->turn_len_us = INT64_MAX; /* no tick: turns pass only as batches finish */
    return c;
}

/* wait_turn_locked: put g at the end of the groups waiting for a turn. */
static void wait_turn_locked(struct coalesce *c, struct group *g)
{
    g->next_waiting = NULL;
    if (c->waiting_tail != NULL)
        c->waiting_tail->next_waiting = g;
    else
        c->waiting = g;
    c->waiting_tail = g;
}

/* next_turn_locked: the oldest group waiting for a turn, unlinked; NULL when none. */
static struct group *next_turn_locked(struct coalesce *c)
{
    struct group *g = c->waiting;
    if (g != NULL) {
        c->waiting = g->next_waiting;
        if (c->waiting == NULL)
            c->waiting_tail = NULL;
    }
    return g;
}

/* give_turns_locked: the groups waiting for a turn that get one at now, oldest first,
 * marked in the pool, into go (LANES_MAX slots); returns how many. A turn is free while
 * fewer than c->turns groups have had theirs for less than c->turn_len_us: a job that
 * runs longer (a big batch, or one waiting on a row lock) no longer holds up the other
 * lanes. */
static int give_turns_locked(struct coalesce *c, int64_t now, struct group **go)
{
    int taken = 0, n = 0;
    for (int i = 0; i < c->nlanes; i++) {
        const struct group *g = c->lanes[i];
        taken += g != NULL && g->in_pool && now - g->turn_at_us < c->turn_len_us;
    }
    while (c->waiting != NULL && taken < c->turns) {
        struct group *g = next_turn_locked(c);
        g->in_pool = true;
        g->turn_at_us = now;
        go[n++] = g;
        taken++;
    }
    return n;
}

/* submit_all: send the jobs of the groups that got a turn (outside the mutex). */
static void submit_all(struct coalesce *c, struct group **go, int n)
{
    for (int i = 0; i < n; i++)
        pool_submit(c->pool, &go[i]->job);
}

/* tick: every 20 ms from the pool's timer: a turn that ran out passes to a waiting
 * lane even when no request arrives and no batch finishes meanwhile. */
static void tick(void *arg)
{
    struct coalesce *c = arg;
    struct group *go[LANES_MAX];
    pthread_mutex_lock(&c->mu);
    int ngo = give_turns_locked(c, clock_mono_us(), go);
    pthread_mutex_unlock(&c->mu);
    submit_all(c, go, ngo);
}

/* enqueue: suspend r and queue it in the group of its lane (a new group waits for a
 * turn, which it may get at once); key picks the lane. */
static void enqueue(struct coalesce *c, struct api_req *r, uint64_t key)
{
    api_suspend(r);
    r->job.next = NULL;
    r->job.pool = c->pool; /* api_db_exec runs it on this pool's connections */
    int64_t now = clock_mono_us();
    r->job.deadline_us = now + c->wait_us;
    pthread_mutex_lock(&c->mu);
    int created;
    struct group *g = group_get_locked(c, (int)(key % (uint64_t)c->nlanes), &created);
    if (created)
        wait_turn_locked(c, g);
    if (g != NULL) {
        if (g->tail != NULL)
            g->tail->next = &r->job;
        else
            g->head = &r->job;
        g->tail = &r->job;
        c->queued++;
    }
    struct group *go[LANES_MAX];
    int ngo = give_turns_locked(c, now, go);
    pthread_mutex_unlock(&c->mu);
    if (g == NULL)
        pool_submit(c->pool, &r->job); /* no memory for a group: alone, as without */
    submit_all(c, go, ngo);
}

void coalesce_hold(struct coalesce *c, struct api_req *r, int64_t rt)
{
    /* lanes by room type: a room type's rows are only ever locked by its own lane */
    enqueue(c, r, (uint64_t)rt);
}

void coalesce_confirm(struct coalesce *c, struct api_req *r, int64_t hold)
{
    /* a confirm names its hold, not the hold's stay: lanes by hold id */
    enqueue(c, r, (uint64_t)hold);
}

/* pop_expired_locked: unlink the waiting requests whose wait is over (the oldest are at
 * the head: every request gets the same wait) into a list. */
static struct pool_job *pop_expired_locked(struct group *g, int64_t now)
{
    struct pool_job *out = NULL, **tailp = &out;
    while (g->head != NULL && g->head->deadline_us <= now) {
        struct pool_job *j = g->head;
        g->head = j->next;
        g->co->queued--;
        j->next = NULL;
        *tailp = j;
        tailp = &j->next;
    }
    if (g->head == NULL)
        g->tail = NULL;
    return out;
}

/* refuse: answer every request of a list with a pool outcome (api_db_done resumes it). */
static void refuse(struct pool_job *list, enum pool_outcome outcome)
{
    while (list != NULL) {
        struct pool_job *next = list->next;
        api_db_done(list, outcome);
        list = next;
    }
}

/* take: the batch to run now: up to max_batch of the waiting requests, in arrival
 * order; those that waited too long are answered as pool timeouts instead. */
static void take(struct group *g, struct pool_job *job)
{
    struct coalesce *c = g->co;
    pthread_mutex_lock(&c->mu);
    struct pool_job *expired = pop_expired_locked(g, clock_mono_us());
    g->ntaken = 0;
    while (g->head != NULL && g->ntaken < c->max_batch) {
        struct pool_job *j = g->head;
        g->head = j->next;
        c->queued--;
        g->taken[g->ntaken++] = api_req_of_job(j);
    }
    if (g->head == NULL)
        g->tail = NULL;
    pthread_mutex_unlock(&c->mu);
    refuse(expired, POOL_TIMEOUT);
    job->retry_safe = 1;
    for (int i = 0; i < g->ntaken; i++)
        job->retry_safe &= g->taken[i]->job.retry_safe;
}

/* array_literal: the PostgreSQL array literal of parameter param of every taken
 * request ("{1,2}", "{\"k\",NULL}"); malloc'd, NULL without memory. */
static char *array_literal(const struct group *g, int param, int quote)
{
    size_t cap = 3;
    for (int i = 0; i < g->ntaken; i++) {
        const char *v = g->taken[i]->params[param];
        cap += (v != NULL ? 2 * strlen(v) + 2 : 4) + 1;
    }
    char *s = malloc(cap), *p = s;
    if (s == NULL)
        return NULL;
    *p++ = '{';
    for (int i = 0; i < g->ntaken; i++) {
        const char *v = g->taken[i]->params[param];
        if (i > 0)
            *p++ = ',';
        if (v == NULL) {
            memcpy(p, "NULL", 4);
            p += 4;
            continue;
        }
        if (quote)
            *p++ = '"';
        for (; *v != '\0'; v++) {
            if (quote && (*v == '"' || *v == '\\'))
                *p++ = '\\';
            *p++ = *v;
        }
        if (quote)
            *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return s;
}

/* answer_rows: answer each taken request from its row (idx is 1-based). */
static void answer_rows(struct group *g, const PGresult *res)
{
    for (int i = 0; i < PQntuples(res); i++) {
        long idx = strtol(PQgetvalue(res, i, 0), NULL, 10);
        if (idx < 1 || idx > g->ntaken || PQgetisnull(res, i, 1)
            || g->taken[idx - 1]->http->answered)
            continue;
        api_db_answer(g->taken[idx - 1], PQgetvalue(res, i, 1),
                      PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2));
    }
}

/* One parameter of a batch statement: the first request's value of param (the same for
 * the whole batch), or the array of every taken request's values (quoted for text). */
struct batch_param {
    int param;
    bool array, quoted;
};

/* api_hold_batch(users, room types, check-ins, check-outs, quantities, ttl, keys,
 * fingerprints, caps): the server's hold lifetime once, the rest one array per
 * parameter (a lane's requests are of several stays). */
static const struct batch_param hold_batch[] = {
    { HOLD_USER, true, false },      { HOLD_ROOM_TYPE, true, false },
    { HOLD_CHECK_IN, true, true },   { HOLD_CHECK_OUT, true, true },
    { HOLD_QUANTITY, true, false },  { HOLD_TTL, false, false },
    { HOLD_KEY, true, true },        { HOLD_FINGERPRINT, true, true },
    { HOLD_MAX_HOLDS, true, false },
};

/* api_confirm_batch(users, holds, keys, fingerprints): one array per parameter. */
static const struct batch_param confirm_batch[] = {
    { CONFIRM_USER, true, false },
    { CONFIRM_HOLD, true, false },
    { CONFIRM_KEY, true, true },
    { CONFIRM_FINGERPRINT, true, true },
};

#define BATCH_PARAMS_MAX 9

/* batch_exec: the batch's one call, STMT_HOLD_BATCH or STMT_CONFIRM_BATCH by the
 * coalescer's kind. *ok is 0 when out of memory (nothing sent, NULL returned). */
static PGresult *batch_exec(struct group *g, struct pool_job *job, PGconn *conn, int *ok)
{
    bool confirms = g->co->kind == COALESCE_CONFIRMS;
    const struct batch_param *spec = confirms ? confirm_batch : hold_batch;
    int n = confirms ? (int)(sizeof confirm_batch / sizeof confirm_batch[0])
                     : (int)(sizeof hold_batch / sizeof hold_batch[0]);
    if (confirms)
        log_debug("coalesce: %d confirms in one call", g->ntaken);
    else
        log_debug("coalesce: %d holds of lane %d in one call", g->ntaken, g->lane);
    char *arrays[BATCH_PARAMS_MAX] = { 0 };
    const char *params[BATCH_PARAMS_MAX];
    *ok = 1;
    for (int i = 0; i < n; i++) {
        if (spec[i].array) {
            arrays[i] = array_literal(g, spec[i].param, spec[i].quoted);
            *ok &= arrays[i] != NULL;
        }
        params[i] = spec[i].array ? arrays[i] : g->taken[0]->params[spec[i].param];
    }
    PGresult *res =
        *ok ? pool_exec(job, conn, confirms ? STMT_CONFIRM_BATCH : STMT_HOLD_BATCH, n, params)
            : NULL;
    for (int i = 0; i < n; i++)
        free(arrays[i]);
    return res;
}

static enum pool_run_rc run_batch(struct group *g, struct pool_job *job, PGconn *conn)
{
    int ok;
    PGresult *res = batch_exec(g, job, conn, &ok);
    if (ok && pool_conn_lost(conn, res)) {
        PQclear(res);
        return POOL_RUN_CONN_LOST;
    }
    for (int i = 0; i < g->ntaken; i++)
        g->taken[i]->job.attempt = job->attempt;
    if (ok && PQresultStatus(res) == PGRES_TUPLES_OK)
        answer_rows(g, res);
    for (int i = 0; i < g->ntaken; i++) {
        struct api_req *r = g->taken[i];
        if (r->http->answered)
            continue;
        if (ok && PQresultStatus(res) != PGRES_TUPLES_OK)
            api_db_sql_error(r, res);
        else
            http_reply_error(r->http, 500, "internal_error", "unexpected result from the database");
    }
    PQclear(res);
    return POOL_RUN_OK;
}

static enum pool_run_rc group_run(struct pool_job *job, PGconn *conn)
{
    struct group *g = group_of(job);
    if (job->attempt == 0)
        take(g, job);
    if (g->ntaken == 0)
        return POOL_RUN_OK;
    if (g->ntaken == 1) {
        g->taken[0]->job.attempt = job->attempt;
        return api_db_run(&g->taken[0]->job, conn); /* alone: the single statement */
    }
    return run_batch(g, job, conn);
}

/* group_done: answer the batch that ran (or its failure), then send the group again if
 * requests arrived meanwhile, or free it; either way a group waiting for a turn goes
 * first (this one queues behind it). A pool that refuses the job (draining, full, no
 * database) refuses every waiting request likewise; a timeout those past their wait. */
static void group_done(struct pool_job *job, enum pool_outcome outcome)
{
    struct group *g = group_of(job);
    struct coalesce *c = g->co;
    for (int i = 0; i < g->ntaken; i++)
        api_db_done(&g->taken[i]->job, outcome);
    g->ntaken = 0;
    struct pool_job *refused = NULL;
    pthread_mutex_lock(&c->mu);
    int64_t now = clock_mono_us();
    if (outcome == POOL_TIMEOUT) {
        refused = pop_expired_locked(g, now);
    } else if (outcome == POOL_DRAINING || outcome == POOL_FULL || outcome == POOL_UNAVAILABLE) {
        refused = g->head;
        g->head = g->tail = NULL;
        for (struct pool_job *j = refused; j != NULL; j = j->next)
            c->queued--;
    }
    g->in_pool = false;
    if (g->head != NULL)
        wait_turn_locked(c, g);
    else
        group_free_locked(g);
    struct group *go[LANES_MAX];
    int ngo = give_turns_locked(c, now, go); /* g itself, at once, when nobody else waits */
    pthread_mutex_unlock(&c->mu);
    refuse(refused, outcome);
    submit_all(c, go, ngo);
}

int coalesce_waiting(struct coalesce *c)
{
    if (c == NULL)
        return 0;
    pthread_mutex_lock(&c->mu);
    int n = c->queued;
    pthread_mutex_unlock(&c->mu);
    return n;
}

void coalesce_free(struct coalesce *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < LANES_MAX; i++) {
        if (c->lanes[i] != NULL) {
            free(c->lanes[i]->taken);
            free(c->lanes[i]);
        }
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}
