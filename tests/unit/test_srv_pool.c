/*
 * test_srv_pool.c: the worker pool without a database (conninfo NULL): FIFO order,
 * exactly one completion per job, the bounded wait (a job nobody picks up in time
 * completes with POOL_TIMEOUT while a worker is held busy), gauges, and stopping with
 * jobs queued.
 */
#include "unit.h"
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#include "server/pool.h"

struct tjob {
    struct pool_job job; /* first member: the pool hands this back */
    int id;
    int runs, dones;
    enum pool_outcome outcome;
    sem_t *gate; /* when set, run posts started, then waits on gate */
    sem_t started;
    sem_t done_sem;
};

static pthread_mutex_t order_mu = PTHREAD_MUTEX_INITIALIZER;
static int order[64], n_order;

static enum pool_run_rc run(struct pool_job *j, PGconn *conn)
{
    struct tjob *t = (struct tjob *)j;
    ck_assert_ptr_null(conn);
    if (t->gate != NULL) {
        sem_post(&t->started);
        sem_wait(t->gate);
    }
    pthread_mutex_lock(&order_mu);
    order[n_order++] = t->id;
    pthread_mutex_unlock(&order_mu);
    t->runs++;
    return POOL_RUN_OK;
}

static void done(struct pool_job *j, enum pool_outcome o)
{
    struct tjob *t = (struct tjob *)j;
    t->dones++;
    t->outcome = o;
    sem_post(&t->done_sem);
}

static void tjob_init(struct tjob *t, int id, sem_t *gate)
{
    memset(t, 0, sizeof *t);
    t->id = id;
    t->gate = gate;
    t->job.run = run;
    t->job.done = done;
    sem_init(&t->done_sem, 0, 0);
    sem_init(&t->started, 0, 0);
}

static void wait_sem(sem_t *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    ck_assert_int_eq(sem_timedwait(s, &ts), 0);
}

static void wait_done(struct tjob *t)
{
    wait_sem(&t->done_sem);
}

static struct pool *start(int size, int64_t wait_ms)
{
    char err[128];
    struct pool_config cfg = { .conninfo = NULL, .size = size, .wait_ms = wait_ms };
    struct pool *p = pool_start(&cfg, err, sizeof err);
    ck_assert_ptr_nonnull(p);
    return p;
}

START_TEST(test_fifo_and_once)
{
    struct pool *p = start(1, 10000);
    struct tjob jobs[20];
    n_order = 0;
    for (int i = 0; i < 20; i++) {
        tjob_init(&jobs[i], i, NULL);
        pool_submit(p, &jobs[i].job);
    }
    for (int i = 0; i < 20; i++)
        wait_done(&jobs[i]);
    for (int i = 0; i < 20; i++) {
        ck_assert_int_eq(order[i], i);
        ck_assert_int_eq(jobs[i].runs, 1);
        ck_assert_int_eq(jobs[i].dones, 1);
        ck_assert_int_eq(jobs[i].outcome, POOL_DONE);
    }
    pool_stop(p);
}
END_TEST

START_TEST(test_bounded_wait)
{
    struct pool *p = start(1, 50);
    sem_t gate;
    sem_init(&gate, 0, 0);
    struct tjob busy, late;
    tjob_init(&busy, 1, &gate);
    tjob_init(&late, 2, NULL);
    pool_submit(p, &busy.job);
    wait_sem(&busy.started); /* the only worker is now busy */
    pool_submit(p, &late.job);
    wait_done(&late);
    ck_assert_int_eq(late.outcome, POOL_TIMEOUT);
    ck_assert_int_eq(late.runs, 0);
    struct pool_stats st;
    pool_get_stats(p, &st);
    ck_assert_int_eq(st.size, 1);
    ck_assert_int_eq(st.in_use, 1);
    ck_assert_int_eq(st.waiting, 0);
    ck_assert_uint_eq(st.timeouts, 1);
    sem_post(&gate);
    wait_done(&busy);
    ck_assert_int_eq(busy.outcome, POOL_DONE);
    ck_assert_int_eq(late.dones, 1); /* never completed twice */
    pool_stop(p);
    sem_destroy(&gate);
}
END_TEST

START_TEST(test_stop_drains)
{
    struct pool *p = start(2, 10000);
    struct tjob jobs[10];
    for (int i = 0; i < 10; i++) {
        tjob_init(&jobs[i], i, NULL);
        pool_submit(p, &jobs[i].job);
    }
    pool_stop(p); /* runs what was queued, then stops */
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(jobs[i].dones, 1);
        ck_assert_int_eq(jobs[i].outcome, POOL_DONE);
    }
}
END_TEST

UNIT_MAIN("pool", test_fifo_and_once, test_bounded_wait, test_stop_drains)
