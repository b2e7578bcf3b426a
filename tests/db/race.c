/*
 * race.c: the booking functions under real concurrency, against a real PostgreSQL
 * (LASTROOM_TEST_DB).
 *
 * Each racer is one thread with its own connection. All racers connect and warm up
 * (the first call of a PL/pgSQL function in a backend compiles it) before a pthread
 * barrier, and make their calls the moment it opens, so that they truly collide. After
 * each race the test checks the outcome counted from the tables, the counters, the
 * operators' verification queries and integrity_report(). The race figures are printed
 * as TAP comments ("# race: ..."). The mutant `unsafe` (tests/mutants/unsafe.sql, the
 * racy hold path) must be caught overselling; it is installed in a schema of its own,
 * beside the real functions, which it leaves alone. The tests run from the repository's
 * root (tests/run.sh), where they find the mutant's file.
 */
#include <pthread.h>

#include "dbtest.h"

#define RACERS        50 /* connections racing for the last room */
#define CONFIRMERS    8  /* connections confirming one hold together */
#define MIXERS        24 /* connections booking overlapping stays */
#define MIX_ROUNDS    10 /* calls of create_booking_hold per mixer */
#define MIX_NIGHTS    10 /* nights 2032-01-01 .. 2032-01-10 */
#define MIX_ALLOTMENT 40
#define SWEEPERS      4  /* connections sweeping expired holds together */
#define SWEEP_EXPIRED 12 /* expired holds they share */

/* One racer: a connection, the call it makes once the barrier opens, and its answer. */
struct racer {
    pthread_barrier_t *start;
    PGconn *conn;
    char sql[256];
    char status[32]; /* the status column; "" after an error */
    long long id;    /* the id column; 0 when NULL */
    char error[200]; /* the error message; "" when none */
};

/* Connects every racer and runs warm on each connection; asserts both worked. */
static void racers_connect(struct racer *rs, int n, const char *warm)
{
    int i;
    for (i = 0; i < n; i++) {
        rs[i].conn = dbt_connect();
        PQclear(dbt_exec(rs[i].conn, "%s", warm));
    }
}

static void racers_close(struct racer *rs, int n)
{
    int i;
    for (i = 0; i < n; i++)
        PQfinish(rs[i].conn);
}

/* Makes the racer's call and keeps its answer (no Check assert off the main thread). */
static void *racer_main(void *arg)
{
    struct racer *r = arg;
    PGresult *res;

    pthread_barrier_wait(r->start);
    res = PQexec(r->conn, r->sql);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        snprintf(r->status, sizeof r->status, "%s", PQgetvalue(res, 0, 0));
        if (PQnfields(res) > 1 && !PQgetisnull(res, 0, 1))
            r->id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    } else {
        snprintf(r->error, sizeof r->error, "%s", PQresultErrorMessage(res));
    }
    PQclear(res);
    return NULL;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Starts n threads running fn on args[i] (each of size bytes, each pointing at the
 * barrier), opens the barrier with them, and returns the milliseconds from its opening
 * to the last thread's end. */
static double race_run(pthread_barrier_t *start, int n, void *(*fn)(void *), void *args,
                       size_t size)
{
    pthread_t tids[RACERS];
    struct timespec t0;
    int i;

    ck_assert_int_le(n, RACERS);
    ck_assert_int_eq(pthread_barrier_init(start, NULL, (unsigned)n + 1), 0);
    for (i = 0; i < n; i++)
        ck_assert_int_eq(pthread_create(&tids[i], NULL, fn, (char *)args + (size_t)i * size), 0);
    pthread_barrier_wait(start);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < n; i++)
        pthread_join(tids[i], NULL);
    pthread_barrier_destroy(start);
    return ms_since(&t0);
}

/* How many racers answered status. */
static int racers_count(const struct racer *rs, int n, const char *status)
{
    int i, k = 0;
    for (i = 0; i < n; i++)
        k += strcmp(rs[i].status, status) == 0;
    return k;
}

/* Asserts that no racer got an error, naming the first one. */
static void racers_assert_no_error(const struct racer *rs, int n)
{
    int i;
    for (i = 0; i < n; i++)
        ck_assert_msg(rs[i].error[0] == '\0', "racer %d: %s", i, rs[i].error);
}

/* A room type with no rooms at all, whose sold-out call warms up a function. */
static long long room_sold_out(PGconn *c)
{
    struct dbt_fixture w = dbt_fixture_make(c, "warm");
    dbt_allot(c, w.room_type, "2032-02-01", "2032-02-02", 0);
    return w.room_type;
}

/* RACERS connections race func for one night with one room; returns the elapsed ms. */
static double race_last_room(PGconn *c, const char *func, const struct dbt_fixture *f,
                             struct racer *rs)
{
    static pthread_barrier_t start;
    char warm[256];
    int i;

    dbt_allot(c, f->room_type, "2032-02-01", "2032-02-02", 1);
    snprintf(warm, sizeof warm, "SELECT * FROM %s(%lld, %lld, '2032-02-01', '2032-02-02', 1)", func,
             f->user, room_sold_out(c));
    for (i = 0; i < RACERS; i++) {
        rs[i].start = &start;
        snprintf(rs[i].sql, sizeof rs[i].sql,
                 "SELECT status, hold_id FROM %s(%lld, %lld, "
                 "'2032-02-01', '2032-02-02', 1)",
                 func, f->user, f->room_type);
    }
    racers_connect(rs, RACERS, warm);
    return race_run(&start, RACERS, racer_main, rs, sizeof *rs);
}

/* The value of one check of integrity_report for a room type. */
static long long violations_of(PGconn *c, long long room_type, const char *check)
{
    return dbt_int(c, "SELECT violations FROM integrity_report(%lld) WHERE check_name = '%s'",
                   room_type, check);
}

/* 50 connections, one room: exactly one hold, 49 clean sold_outs, exact counters. */
START_TEST(test_last_room_safe)
{
    static struct racer rs[RACERS];
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "lastroom");
    double ms = race_last_room(c, "create_booking_hold", &f, rs);
    int held = racers_count(rs, RACERS, "held"), sold_out = racers_count(rs, RACERS, "sold_out");

    printf("# race: create_booking_hold, allotment 1: attempts=%d winners=%d sold_out=%d "
           "elapsed_ms=%.1f\n",
           RACERS, held, sold_out, ms);
    fflush(stdout);
    racers_assert_no_error(rs, RACERS);
    ck_assert_int_eq(held, 1);
    ck_assert_int_eq(sold_out, RACERS - 1);
    ck_assert_int_eq(
        dbt_int(c, "SELECT count(*) FROM booking_holds WHERE room_type_id = %lld", f.room_type), 1);
    dbt_assert_night(c, f.room_type, "2032-02-01", 1, 0, 1);
    dbt_assert_healthy(c, f.room_type);
    racers_close(rs, RACERS);
    PQfinish(c);
}
END_TEST

/* Installs the mutant `unsafe` as mutant_unsafe.create_booking_hold: its file run with
 * that schema first on the search path. The callers of the function resolve the
 * tables and helpers it names in public, as usual. */
static void install_unsafe_mutant(PGconn *c)
{
    static char sql[65536];
    FILE *f = fopen("tests/mutants/unsafe.sql", "r");
    ck_assert_msg(f != NULL, "tests/mutants/unsafe.sql not found: run from the repository root");
    size_t n = fread(sql, 1, sizeof sql - 1, f);
    fclose(f);
    ck_assert_msg(n > 0 && n < sizeof sql - 1, "tests/mutants/unsafe.sql: unexpected size");
    sql[n] = '\0';
    PQclear(dbt_exec(c, "CREATE SCHEMA IF NOT EXISTS mutant_unsafe"));
    PQclear(dbt_exec(c, "SET search_path = mutant_unsafe, public"));
    PGresult *r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "the mutant: %s", PQerrorMessage(c));
    PQclear(r);
    PQclear(dbt_exec(c, "RESET search_path"));
}

/* The same race against the mutant `unsafe` sells more than the one room, counted from
 * the holds table, while the counter and its CHECK look fine: the lost update. */
START_TEST(test_last_room_unsafe_oversells)
{
    static struct racer rs[RACERS];
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "unsafe");
    install_unsafe_mutant(c);
    double ms = race_last_room(c, "mutant_unsafe.create_booking_hold", &f, rs);
    int held = racers_count(rs, RACERS, "held"), sold_out = racers_count(rs, RACERS, "sold_out");
    long long sold = dbt_int(c,
                             "SELECT (SELECT coalesce(sum(quantity), 0) FROM booking_holds "
                             "WHERE room_type_id = %lld) + (SELECT coalesce(sum(quantity), 0) "
                             "FROM bookings WHERE room_type_id = %lld AND status = 'Confirmed')",
                             f.room_type, f.room_type);

    printf("# race: the mutant unsafe, allotment 1: attempts=%d winners=%d "
           "sold_out=%d sold=%lld oversold_by=%lld elapsed_ms=%.1f\n",
           RACERS, held, sold_out, sold, sold - 1, ms);
    fflush(stdout);
    racers_assert_no_error(rs, RACERS);
    ck_assert_int_eq(held + sold_out, RACERS);
    ck_assert_int_eq(sold, held);
    ck_assert_int_gt(sold, 1);
    dbt_assert_night(c, f.room_type, "2032-02-01", 1, 0, 1);
    ck_assert_int_eq(violations_of(c, f.room_type, "oversold_counters"), 0);
    ck_assert_int_eq(violations_of(c, f.room_type, "oversold_from_tables"), 1);
    ck_assert_int_eq(violations_of(c, f.room_type, "tentative_mismatch"), 1);

    /* Undo the damage so that the database is healthy for whatever runs next. */
    PQclear(dbt_exec(c, "DELETE FROM booking_holds WHERE room_type_id = %lld", f.room_type));
    PQclear(dbt_exec(c, "UPDATE room_inventory SET tentative_count = 0 WHERE room_type_id = %lld",
                     f.room_type));
    dbt_assert_healthy(c, f.room_type);
    racers_close(rs, RACERS);
    PQclear(dbt_exec(c, "DROP SCHEMA mutant_unsafe CASCADE"));
    PQfinish(c);
}
END_TEST

/* Several connections confirm one hold at once: one booking, the others are told it
 * was already confirmed and get the same booking id, and no call fails. */
START_TEST(test_concurrent_confirms)
{
    static struct racer rs[CONFIRMERS];
    static pthread_barrier_t start;
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "confirms");
    struct dbt_outcome h;
    double ms;
    int i;

    dbt_allot(c, f.room_type, "2032-03-01", "2032-03-04", 2);
    h = dbt_hold(c, f.user, f.room_type, "2032-03-01", "2032-03-04", 2);
    ck_assert_str_eq(h.status, "held");
    for (i = 0; i < CONFIRMERS; i++) {
        rs[i].start = &start;
        snprintf(rs[i].sql, sizeof rs[i].sql,
                 "SELECT status, booking_id FROM confirm_booking(%lld, %lld)", f.user, h.id);
    }
    racers_connect(rs, CONFIRMERS, "SELECT * FROM confirm_booking(NULL, -1)");
    ms = race_run(&start, CONFIRMERS, racer_main, rs, sizeof *rs);
    printf("# race: confirm_booking of one hold: attempts=%d confirmed=%d already_confirmed=%d "
           "elapsed_ms=%.1f\n",
           CONFIRMERS, racers_count(rs, CONFIRMERS, "confirmed"),
           racers_count(rs, CONFIRMERS, "already_confirmed"), ms);
    fflush(stdout);
    racers_assert_no_error(rs, CONFIRMERS);
    ck_assert_int_eq(racers_count(rs, CONFIRMERS, "confirmed"), 1);
    ck_assert_int_eq(racers_count(rs, CONFIRMERS, "already_confirmed"), CONFIRMERS - 1);
    for (i = 1; i < CONFIRMERS; i++)
        ck_assert_int_eq(rs[i].id, rs[0].id);
    ck_assert_int_eq(dbt_int(c, "SELECT count(*) FROM bookings WHERE hold_id = %lld", h.id), 1);
    ck_assert_int_eq(
        dbt_int(c, "SELECT count(*) FROM booking_details WHERE booking_id = %lld", rs[0].id), 3);
    dbt_assert_night(c, f.room_type, "2032-03-02", 2, 2, 0);
    dbt_assert_healthy(c, f.room_type);
    racers_close(rs, CONFIRMERS);
    PQfinish(c);
}
END_TEST

/* One mixer: a connection that books overlapping stays and tallies what it left. */
struct mixer {
    pthread_barrier_t *start;
    PGconn *conn;
    int index;
    long long user, room_type;
    int held, sold_out, calls;
    int tentative[MIX_NIGHTS], booked[MIX_NIGHTS]; /* what this mixer left per night */
    char error[200];
};

/* Runs one call; returns its status column and id, or "" after an error (kept). */
static const char *mixer_call(struct mixer *m, long long *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const char *mixer_call(struct mixer *m, long long *id, const char *fmt, ...)
{
    static __thread char status[32];
    char sql[256];
    va_list ap;
    PGresult *r;

    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    m->calls++;
    r = PQexec(m->conn, sql);
    status[0] = '\0';
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        snprintf(status, sizeof status, "%s", PQgetvalue(r, 0, 0));
        *id =
            PQnfields(r) > 1 && !PQgetisnull(r, 0, 1) ? strtoll(PQgetvalue(r, 0, 1), NULL, 10) : 0;
    } else if (m->error[0] == '\0') {
        snprintf(m->error, sizeof m->error, "%s", PQresultErrorMessage(r));
    }
    PQclear(r);
    return status;
}

/* Records an unexpected status as the mixer's error. */
static void mixer_expect(struct mixer *m, const char *got, const char *want)
{
    if (strcmp(got, want) != 0 && m->error[0] == '\0')
        snprintf(m->error, sizeof m->error, "expected %s, got '%s'", want, got);
}

/* Adds q to the tally of nights [first, first + n). */
static void tally(int *nights, int first, int n, int q)
{
    int d;
    for (d = first; d < first + n; d++)
        nights[d] += q;
}

/* One round: hold nights 1-6 or 5-10 (by turns, so that stays overlap from both ends),
 * then keep the hold, release it, confirm it, or confirm and cancel it. */
static void mixer_round(struct mixer *m, int k)
{
    int first = (m->index + k) % 2 == 0 ? 0 : 4, n = 6, q = 1 + (m->index + k) % 2;
    int action = (m->index * 7 + k) % 4;
    long long hold, booking;
    const char *st = mixer_call(m, &hold,
                                "SELECT status, hold_id FROM create_booking_hold(%lld, "
                                "%lld, '2032-01-%02d', '2032-01-%02d', %d)",
                                m->user, m->room_type, first + 1, first + n + 1, q);

    if (strcmp(st, "sold_out") == 0) {
        m->sold_out++;
        return;
    }
    mixer_expect(m, st, "held");
    m->held++;
    if (action == 0) {
        tally(m->tentative, first, n, q);
    } else if (action == 1) {
        mixer_expect(
            m, mixer_call(m, &booking, "SELECT * FROM release_hold(%lld, %lld)", m->user, hold),
            "released");
    } else {
        mixer_expect(
            m, mixer_call(m, &booking, "SELECT * FROM confirm_booking(%lld, %lld)", m->user, hold),
            "confirmed");
        if (action == 3)
            mixer_expect(
                m,
                mixer_call(m, &hold, "SELECT * FROM cancel_booking(%lld, %lld)", m->user, booking),
                "cancelled");
        else
            tally(m->booked, first, n, q);
    }
}

static void *mixer_main(void *arg)
{
    struct mixer *m = arg;
    int k;
    pthread_barrier_wait(m->start);
    for (k = 0; k < MIX_ROUNDS && m->error[0] == '\0'; k++)
        mixer_round(m, k);
    return NULL;
}

/* Many connections book stays that overlap from both ends (nights 1-6 and 5-10) and
 * confirm, release and cancel them: no deadlock or other error, and every night's
 * counters equal what the mixers left there. */
START_TEST(test_overlapping_stays)
{
    static struct mixer ms[MIXERS];
    static pthread_barrier_t start;
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "overlap");
    int i, d, held = 0, sold_out = 0, calls = 0, booked[MIX_NIGHTS] = { 0 },
              tent[MIX_NIGHTS] = { 0 };
    double elapsed;
    char date[16];

    dbt_allot(c, f.room_type, "2032-01-01", "2032-01-11", MIX_ALLOTMENT);
    for (i = 0; i < MIXERS; i++) {
        ms[i].start = &start;
        ms[i].index = i;
        ms[i].user = i % 2 ? f.user : f.other;
        ms[i].room_type = f.room_type;
        ms[i].conn = dbt_connect();
    }
    elapsed = race_run(&start, MIXERS, mixer_main, ms, sizeof *ms);
    for (i = 0; i < MIXERS; i++) {
        ck_assert_msg(ms[i].error[0] == '\0', "mixer %d: %s", i, ms[i].error);
        held += ms[i].held;
        sold_out += ms[i].sold_out;
        calls += ms[i].calls;
        for (d = 0; d < MIX_NIGHTS; d++) {
            booked[d] += ms[i].booked[d];
            tent[d] += ms[i].tentative[d];
        }
        PQfinish(ms[i].conn);
    }
    printf("# race: overlapping stays (nights 1-6 vs 5-10, allotment %d): connections=%d "
           "calls=%d held=%d sold_out=%d errors=0 elapsed_ms=%.1f\n",
           MIX_ALLOTMENT, MIXERS, calls, held, sold_out, elapsed);
    fflush(stdout);
    ck_assert_int_eq(held + sold_out, MIXERS * MIX_ROUNDS);
    ck_assert_int_gt(sold_out, 0);
    for (d = 0; d < MIX_NIGHTS; d++) {
        snprintf(date, sizeof date, "2032-01-%02d", d + 1);
        dbt_assert_night(c, f.room_type, date, MIX_ALLOTMENT, booked[d], tent[d]);
    }
    dbt_assert_healthy(c, f.room_type);
    PQfinish(c);
}
END_TEST

/* One sweeper: calls release_expired_holds(2) until it answers 0 (bounded). */
struct sweeper {
    pthread_barrier_t *start;
    PGconn *conn;
    int released, calls;
    char error[200];
};

static void *sweeper_main(void *arg)
{
    struct sweeper *w = arg;
    int n = 1;

    pthread_barrier_wait(w->start);
    while (n > 0 && w->calls < 100 && w->error[0] == '\0') {
        PGresult *r = PQexec(w->conn, "SELECT release_expired_holds(2)");
        w->calls++;
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
            n = atoi(PQgetvalue(r, 0, 0));
            w->released += n;
        } else {
            snprintf(w->error, sizeof w->error, "%s", PQresultErrorMessage(r));
        }
        PQclear(r);
    }
    return NULL;
}

/* Several sweepers share the expired holds in small batches: each hold is released
 * exactly once (SKIP LOCKED), live holds stay, and the counters are exact. */
START_TEST(test_concurrent_sweepers)
{
    static struct sweeper ws[SWEEPERS];
    static pthread_barrier_t start;
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "sweepers");
    int i, released = 0;
    double ms;

    dbt_allot(c, f.room_type, "2032-04-01", "2032-04-04", 20);
    dbt_drain_expired(c);
    for (i = 0; i < SWEEP_EXPIRED + 3; i++)
        ck_assert_str_eq(dbt_call(c,
                                  "SELECT status, hold_id FROM create_booking_hold(%lld, %lld, "
                                  "'2032-04-0%d', '2032-04-04', 1, '%s')",
                                  f.user, f.room_type, 1 + i % 3,
                                  i < SWEEP_EXPIRED ? "-1 second" : "1 hour")
                             .status,
                         "held");
    dbt_assert_night(c, f.room_type, "2032-04-03", 20, 0, SWEEP_EXPIRED + 3);
    for (i = 0; i < SWEEPERS; i++) {
        ws[i].start = &start;
        ws[i].conn = dbt_connect();
    }
    ms = race_run(&start, SWEEPERS, sweeper_main, ws, sizeof *ws);
    for (i = 0; i < SWEEPERS; i++) {
        ck_assert_msg(ws[i].error[0] == '\0', "sweeper %d: %s", i, ws[i].error);
        released += ws[i].released;
        PQfinish(ws[i].conn);
    }
    printf("# race: release_expired_holds(2) x %d sweepers: expired=%d released=%d "
           "elapsed_ms=%.1f\n",
           SWEEPERS, SWEEP_EXPIRED, released, ms);
    fflush(stdout);
    ck_assert_int_eq(released, SWEEP_EXPIRED);
    ck_assert_int_eq(
        dbt_int(c, "SELECT count(*) FROM booking_holds WHERE room_type_id = %lld", f.room_type), 3);
    dbt_assert_night(c, f.room_type, "2032-04-01", 20, 0, 1);
    dbt_assert_night(c, f.room_type, "2032-04-02", 20, 0, 2);
    dbt_assert_night(c, f.room_type, "2032-04-03", 20, 0, 3);
    dbt_assert_healthy(c, f.room_type);
    PQfinish(c);
}
END_TEST

/* Holds race a set_allotment that lowers the night from 10 to 5 rooms. Whichever wins,
 * the night never shows more taken than its allotment: either the lowering went
 * through and exactly 5 holds exist, or it was refused (below_committed, allotment
 * still 10) because more than 5 were already taken, and 10 holds exist. */
START_TEST(test_allotment_vs_holds)
{
    static struct racer rs[RACERS];
    static pthread_barrier_t start;
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "lowering");
    int i, held, lowered;
    struct dbt_night n;
    double ms;

    dbt_allot(c, f.room_type, "2032-05-01", "2032-05-02", 10);
    for (i = 0; i < RACERS; i++) {
        rs[i].start = &start;
        snprintf(rs[i].sql, sizeof rs[i].sql,
                 "SELECT status, hold_id FROM create_booking_hold("
                 "%lld, %lld, '2032-05-01', '2032-05-02', 1)",
                 f.user, f.room_type);
    }
    snprintf(rs[RACERS / 2].sql, sizeof rs[0].sql,
             "SELECT status, nights FROM set_allotment(%lld, "
             "'2032-05-01', '2032-05-02', 5)",
             f.room_type);
    racers_connect(rs, RACERS, "SELECT * FROM set_allotment(-1, '2032-05-01', '2032-05-02', 1)");
    ms = race_run(&start, RACERS, racer_main, rs, sizeof *rs);
    held = racers_count(rs, RACERS, "held");
    lowered = racers_count(rs, RACERS, "ok");
    printf("# race: set_allotment 10->5 against %d holds: lowered=%d held=%d sold_out=%d "
           "elapsed_ms=%.1f\n",
           RACERS - 1, lowered, held, racers_count(rs, RACERS, "sold_out"), ms);
    fflush(stdout);
    racers_assert_no_error(rs, RACERS);
    ck_assert_int_eq(lowered + racers_count(rs, RACERS, "below_committed"), 1);
    ck_assert_int_eq(held + racers_count(rs, RACERS, "sold_out"), RACERS - 1);
    n = dbt_night_get(c, f.room_type, "2032-05-01");
    ck_assert_int_eq(n.allotment, lowered ? 5 : 10);
    ck_assert_int_eq(n.tentative, held);
    ck_assert_int_eq(held, n.allotment); /* 49 callers fill whatever exists */
    dbt_assert_healthy(c, f.room_type);
    racers_close(rs, RACERS);
    PQfinish(c);
}
END_TEST

static Suite *race_suite(void)
{
    Suite *s = suite_create("race");
    TCase *tc = tcase_create("races");
    tcase_set_timeout(tc, 60); /* a shared, loaded machine; CK_DEFAULT_TIMEOUT may be 4 s */
    tcase_add_test(tc, test_last_room_safe);
    tcase_add_test(tc, test_last_room_unsafe_oversells);
    tcase_add_test(tc, test_concurrent_confirms);
    tcase_add_test(tc, test_overlapping_stays);
    tcase_add_test(tc, test_concurrent_sweepers);
    tcase_add_test(tc, test_allotment_vs_holds);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run_suite(race_suite());
}
