/*
 * dbtest.h: helpers shared by the database tests in tests/db.
 *
 * Header-only (static inline) because the build makes one program of each .c file in
 * tests/db. The tests talk to a real PostgreSQL whose URL is in LASTROOM_TEST_DB, with
 * db/migrations applied. Every helper that runs on the test's main thread asserts
 * (Check) on a database error, so that a test reads as its steps. SQL is built with
 * printf formats from values the test itself chose (ids, dates), never from a peer.
 * Fixtures carry names unique to the process and the call, so that tests and parallel
 * runs share one database without clashing.
 */
#ifndef LASTROOM_DBTEST_H
#define LASTROOM_DBTEST_H

#include <check.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../unit/unit.h" /* unit_run_suite */

#define DBT_SQL_MAX 4096 /* the longest statement a test builds */

struct dbt_fixture {
    long long hotel;     /* a fresh hotel */
    long long room_type; /* a fresh room type of it, without inventory */
    long long user;      /* a guest */
    long long other;     /* another guest, for "not yours" checks */
};

/* The answer of a booking function: its status and first id column (0 when NULL/none). */
struct dbt_outcome {
    char status[32];
    long long id;
};

/* One inventory row's numbers. */
struct dbt_night {
    int allotment, booked, tentative;
};

/* A new connection to LASTROOM_TEST_DB, or NULL (no assert: callable from any thread). */
static inline PGconn *dbt_try_connect(void)
{
    const char *url = getenv("LASTROOM_TEST_DB");
    PGconn *c;
    if (url == NULL)
        return NULL;
    c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        return NULL;
    }
    return c;
}

/* A new connection to LASTROOM_TEST_DB; asserts that it worked. */
static inline PGconn *dbt_connect(void)
{
    PGconn *c;
    ck_assert_msg(getenv("LASTROOM_TEST_DB") != NULL, "LASTROOM_TEST_DB is not set");
    c = dbt_try_connect();
    ck_assert_msg(c != NULL, "cannot connect to LASTROOM_TEST_DB");
    return c;
}

/* Runs the SQL built from fmt; asserts success. The caller PQclear()s the result. */
static inline PGresult *dbt_exec(PGconn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline PGresult *dbt_exec(PGconn *c, const char *fmt, ...)
{
    char sql[DBT_SQL_MAX];
    va_list ap;
    int n;
    PGresult *r;
    ExecStatusType st;

    va_start(ap, fmt);
    n = vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    ck_assert_msg(n > 0 && (size_t)n < sizeof sql, "statement too long");
    r = PQexec(c, sql);
    st = PQresultStatus(r);
    ck_assert_msg(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK, "%s\n-> %s", sql,
                  PQresultErrorMessage(r));
    return r;
}

/* The first column of the only row of a query, as an integer (NULL reads as 0). */
#define dbt_int(c, ...) dbt_int_of(dbt_exec((c), __VA_ARGS__))
static inline long long dbt_int_of(PGresult *r)
{
    long long v;
    ck_assert_int_eq(PQntuples(r), 1);
    v = PQgetisnull(r, 0, 0) ? 0 : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

/* Reads status and id from row 0 of a booking function's result; clears it. */
static inline struct dbt_outcome dbt_outcome_of(PGresult *r)
{
    struct dbt_outcome o = { "", 0 };
    ck_assert_int_eq(PQntuples(r), 1);
    snprintf(o.status, sizeof o.status, "%s", PQgetvalue(r, 0, 0));
    if (PQnfields(r) > 1 && !PQgetisnull(r, 0, 1))
        o.id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    return o;
}

/* Calls a booking function (the SQL built from fmt) and returns its outcome. */
#define dbt_call(c, ...) dbt_outcome_of(dbt_exec((c), __VA_ARGS__))

/* create_booking_hold for user on room_type, nights [check_in, check_out), quantity q
 * (default TTL); returns its status and hold_id. */
static inline struct dbt_outcome dbt_hold(PGconn *c, long long user, long long room_type,
                                          const char *check_in, const char *check_out, int q)
{
    return dbt_call(c,
                    "SELECT status, hold_id FROM create_booking_hold(%lld, %lld, '%s', '%s', %d)",
                    user, room_type, check_in, check_out, q);
}

/* A hotel, a room type and two guests, named uniquely after label. */
static inline struct dbt_fixture dbt_fixture_make(PGconn *c, const char *label)
{
    static int seq;
    struct dbt_fixture f;
    struct timespec ts;
    char tag[96];

    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(tag, sizeof tag, "%.32s-%ld-%d-%lld%09ld", label, (long)getpid(), ++seq,
             (long long)ts.tv_sec, ts.tv_nsec);
    f.hotel = dbt_int(c,
                      "INSERT INTO hotels(name, city) VALUES ('test %s', 'Testville') "
                      "RETURNING hotel_id",
                      tag);
    f.room_type = dbt_int(c,
                          "INSERT INTO room_types(hotel_id, name) VALUES (%lld, 'room %s') "
                          "RETURNING room_type_id",
                          f.hotel, tag);
    f.user = dbt_int(c,
                     "INSERT INTO users(email, password_hash) VALUES ('a-%s@lastroom.test', 'x') "
                     "RETURNING user_id",
                     tag);
    f.other = dbt_int(c,
                      "INSERT INTO users(email, password_hash) VALUES ('b-%s@lastroom.test', 'x') "
                      "RETURNING user_id",
                      tag);
    return f;
}

/* Sets the allotment of [from, to) and asserts that set_allotment said ok. */
static inline void dbt_allot(PGconn *c, long long room_type, const char *from, const char *to,
                             int allotment)
{
    struct dbt_outcome o =
        dbt_call(c, "SELECT status, nights FROM set_allotment(%lld, '%s', '%s', %d)", room_type,
                 from, to, allotment);
    ck_assert_str_eq(o.status, "ok");
}

/* The numbers of one inventory row; asserts that it exists. */
static inline struct dbt_night dbt_night_get(PGconn *c, long long room_type, const char *date)
{
    struct dbt_night n;
    PGresult *r = dbt_exec(c,
                           "SELECT allotment, booked_count, tentative_count FROM room_inventory "
                           "WHERE room_type_id = %lld AND date = '%s'",
                           room_type, date);
    ck_assert_int_eq(PQntuples(r), 1);
    n.allotment = atoi(PQgetvalue(r, 0, 0));
    n.booked = atoi(PQgetvalue(r, 0, 1));
    n.tentative = atoi(PQgetvalue(r, 0, 2));
    PQclear(r);
    return n;
}

/* Asserts the counters of one night. */
#define dbt_assert_night(c, rt, date, a_, b_, t_)                                           \
    do {                                                                                    \
        struct dbt_night n_ = dbt_night_get((c), (rt), (date));                             \
        ck_assert_msg(n_.allotment == (a_) && n_.booked == (b_) && n_.tentative == (t_),    \
                      "%s: allotment/booked/tentative %d/%d/%d, expected %d/%d/%d", (date), \
                      n_.allotment, n_.booked, n_.tentative, (a_), (b_), (t_));             \
    } while (0)

/* Total violations integrity_report finds for one room type. */
static inline long long dbt_violations(PGconn *c, long long room_type)
{
    return dbt_int(c, "SELECT sum(violations) FROM integrity_report(%lld)", room_type);
}

/* Asserts that the two verification queries operators run verbatim return no rows,
 * and that integrity_report(room_type) has its six checks, all zero. */
static inline void dbt_assert_healthy(PGconn *c, long long room_type)
{
    static const char *const verbatim[2] = {
        "SELECT room_type_id, date, allotment, booked_count, tentative_count,\n"
        "       (booked_count + tentative_count) AS total\n"
        "FROM room_inventory WHERE (booked_count + tentative_count) > allotment;",
        "SELECT b.booking_id, b.status, COUNT(bd.booking_detail_id) AS details_count\n"
        "FROM bookings b LEFT JOIN booking_details bd ON b.booking_id = bd.booking_id\n"
        "WHERE b.status = 'Confirmed' GROUP BY b.booking_id\n"
        "HAVING COUNT(bd.booking_detail_id) = 0;",
    };
    PGresult *r;
    int i;
    for (i = 0; i < 2; i++) {
        r = dbt_exec(c, "%s", verbatim[i]);
        ck_assert_msg(PQntuples(r) == 0, "verification query %d returned %d rows", i + 1,
                      PQntuples(r));
        PQclear(r);
    }
    r = dbt_exec(c, "SELECT check_name, violations FROM integrity_report(%lld)", room_type);
    ck_assert_int_eq(PQntuples(r), 6);
    for (i = 0; i < 6; i++)
        ck_assert_msg(strcmp(PQgetvalue(r, i, 1), "0") == 0, "integrity check %s: %s",
                      PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);
}

/* Releases every expired hold in the database (bounded), so that what a sweeper
 * releases next is exactly what the test itself let expire. */
static inline void dbt_drain_expired(PGconn *c)
{
    int i;
    for (i = 0; i < 1000; i++)
        if (dbt_int(c, "SELECT release_expired_holds(1000)") == 0)
            return;
    ck_abort_msg("expired holds keep appearing");
}

#endif
