/*
 * test_srv_pool_exec.c: pool_exec against the test PostgreSQL ($LASTROOM_TEST_DB), in
 * both modes. Prepared mode: the statements are prepared on the session. Pooler-safe
 * mode (what PgBouncer in transaction mode needs): nothing is prepared or SET on the
 * session; statement_timeout and TimeZone hold inside the statement's own transaction
 * (a statement past the timeout is cancelled, 57014) and are gone after it; an SQL error
 * leaves the connection usable for the next statement.
 */
#include "unit.h"
#include <check.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/pool.h"

enum { ST_SETTINGS, ST_PREPARED, ST_SLEEP, ST_FAIL, ST_COUNT };

static const struct pool_stmt stmts[ST_COUNT] = {
    [ST_SETTINGS] = { "settings", "SELECT current_setting('statement_timeout') || ' ' || "
                                  "current_setting('TimeZone') || ' ' || $1::text" },
    [ST_PREPARED] = { "prepared", "SELECT count(*)::text FROM pg_prepared_statements" },
    [ST_SLEEP] = { "sleep", "SELECT pg_sleep($1::float8)::text" },
    [ST_FAIL] = { "fail", "SELECT (1 / $1::int)::text" },
};

struct xjob {
    struct pool_job job; /* first member: the pool hands this back */
    int stmt;
    const char *param;
    char value[128]; /* the one value, or the SQLSTATE of the error */
    char after[64];  /* statement_timeout of the session after the statement */
    int failed;
    sem_t done_sem;
};

static enum pool_run_rc run(struct pool_job *j, PGconn *conn)
{
    struct xjob *x = (struct xjob *)j;
    const char *params[1] = { x->param };
    PGresult *r = pool_exec(j, conn, x->stmt, x->param ? 1 : 0, params);
    ck_assert_ptr_nonnull(r);
    x->failed = PQresultStatus(r) != PGRES_TUPLES_OK;
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(x->value, sizeof x->value, "%s",
             x->failed ? (state ? state : "?") : PQgetvalue(r, 0, 0));
    PQclear(r);
    r = PQexec(conn, "SHOW statement_timeout");
    snprintf(x->after, sizeof x->after, "%s",
             PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "error");
    PQclear(r);
    return POOL_RUN_OK;
}

static void done(struct pool_job *j, enum pool_outcome o)
{
    struct xjob *x = (struct xjob *)j;
    ck_assert_int_eq(o, POOL_DONE);
    sem_post(&x->done_sem);
}

static struct pool *start(int pooler_safe)
{
    const char *db = getenv("LASTROOM_TEST_DB");
    ck_assert_msg(db != NULL, "LASTROOM_TEST_DB is not set (run through tests/run.sh)");
    struct pool_config cfg = { .conninfo = db,
                               .size = 1,
                               .wait_ms = 10000,
                               .statement_timeout_ms = 300,
                               .stmts = stmts,
                               .n_stmts = ST_COUNT,
                               .pooler_safe = pooler_safe };
    char err[128];
    struct pool *p = pool_start(&cfg, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    return p;
}

/* exec: run one statement through the pool and wait for it. */
static void exec(struct pool *p, struct xjob *x, int stmt, const char *param)
{
    memset(x, 0, sizeof *x);
    x->stmt = stmt;
    x->param = param;
    x->job.run = run;
    x->job.done = done;
    sem_init(&x->done_sem, 0, 0);
    pool_submit(p, &x->job);
    sem_wait(&x->done_sem);
    sem_destroy(&x->done_sem);
}

START_TEST(test_prepared_mode)
{
    struct pool *p = start(0);
    struct xjob x;
    exec(p, &x, ST_PREPARED, NULL);
    ck_assert_str_eq(x.value, "4"); /* every statement, on the session */
    exec(p, &x, ST_SETTINGS, "a");
    ck_assert_str_eq(x.value, "300ms UTC a");
    ck_assert_str_eq(x.after, "300ms"); /* set once for the session */
    pool_stop(p);
}
END_TEST

START_TEST(test_pooler_safe_settings_per_transaction)
{
    struct pool *p = start(1);
    struct xjob x;
    exec(p, &x, ST_PREPARED, NULL);
    ck_assert_str_eq(x.value, "0"); /* nothing left on the session */
    exec(p, &x, ST_SETTINGS, "b");
    ck_assert_int_eq(x.failed, 0);
    ck_assert_str_eq(x.value, "300ms UTC b"); /* in force inside the transaction */
    ck_assert_str_eq(x.after, "0");           /* and gone with it */
    pool_stop(p);
}
END_TEST

START_TEST(test_pooler_safe_timeout_and_errors)
{
    struct pool *p = start(1);
    struct xjob x;
    exec(p, &x, ST_SLEEP, "3");
    ck_assert_int_eq(x.failed, 1);
    ck_assert_str_eq(x.value, "57014"); /* cancelled by the per-transaction timeout */
    exec(p, &x, ST_FAIL, "0");
    ck_assert_int_eq(x.failed, 1);
    ck_assert_str_eq(x.value, "22012"); /* the statement's own error */
    exec(p, &x, ST_FAIL, "1");          /* the connection is still usable */
    ck_assert_int_eq(x.failed, 0);
    ck_assert_str_eq(x.value, "1");
    exec(p, &x, ST_SLEEP, "0.01"); /* below the timeout: runs */
    ck_assert_int_eq(x.failed, 0);
    pool_stop(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pool_exec");
    TCase *tc = tcase_create("modes");
    tcase_add_test(tc, test_prepared_mode);
    tcase_add_test(tc, test_pooler_safe_settings_per_transaction);
    tcase_add_test(tc, test_pooler_safe_timeout_and_errors);
    suite_add_tcase(s, tc);
    return unit_run_suite(s);
}
