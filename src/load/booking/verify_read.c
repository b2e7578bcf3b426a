/*
 * verify_read.c: what the system stored, read for verify.c after a run.
 *
 * verify_database reads, for the scenario's room types only, every inventory row with
 * its counters and what the tables say (Confirmed booking_details, live holds), and
 * every booking; it runs the operators' two queries verbatim (scoped, then database-
 * wide for information) and then verify_reconcile compares all of it with the
 * clients' history. verify_api does what it can through the admin API when no
 * database URL is given. Allocation is fine here: the run is over.
 */
#include "load/booking/verify.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "load/booking/verify_log.h"

/* --- the database --- */

#define Q_NIGHTS                                                                          \
    "SELECT ri.room_type_id, ri.date - DATE '1970-01-01', ri.allotment, ri.booked_count," \
    " ri.tentative_count,"                                                                \
    " COALESCE((SELECT sum(bd.quantity) FROM booking_details bd"                          \
    "   JOIN bookings b ON b.booking_id = bd.booking_id"                                  \
    "   WHERE bd.room_type_id = ri.room_type_id AND bd.date = ri.date"                    \
    "   AND b.status = 'Confirmed'), 0),"                                                 \
    " COALESCE((SELECT sum(h.quantity) FROM booking_holds h"                              \
    "   WHERE h.room_type_id = ri.room_type_id AND h.check_in <= ri.date"                 \
    "   AND ri.date < h.check_out), 0)"                                                   \
    " FROM room_inventory ri WHERE ri.room_type_id = ANY($1::bigint[])"
/* Per night, the most rooms Confirmed at one moment: +quantity at a booking's
 * created_at, -quantity at its cancelled_at (cancellations first on a tie). Both are
 * transaction start times; a room freed by a cancel can only be held, and then
 * confirmed, after that cancel committed, so a correct history never overlaps. */
#define Q_PEAK                                                                  \
    "WITH ev AS ("                                                              \
    " SELECT bd.room_type_id, bd.date, b.created_at AS t, bd.quantity AS d"     \
    "  FROM booking_details bd JOIN bookings b ON b.booking_id = bd.booking_id" \
    "  WHERE bd.room_type_id = ANY($1::bigint[])"                               \
    " UNION ALL"                                                                \
    " SELECT bd.room_type_id, bd.date, b.cancelled_at, -bd.quantity"            \
    "  FROM booking_details bd JOIN bookings b ON b.booking_id = bd.booking_id" \
    "  WHERE bd.room_type_id = ANY($1::bigint[]) AND b.status = 'Cancelled'"    \
    "  AND b.cancelled_at IS NOT NULL)"                                         \
    " SELECT room_type_id, date - DATE '1970-01-01', max(live) FROM ("          \
    "  SELECT room_type_id, date, sum(d) OVER (PARTITION BY room_type_id, date" \
    "   ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS live FROM ev) s GROUP BY 1, 2"
#define Q_BOOKINGS                                                            \
    "SELECT booking_id, hold_id, room_type_id, check_in - DATE '1970-01-01'," \
    " check_out - check_in, quantity, status = 'Confirmed'"                   \
    " FROM bookings WHERE room_type_id = ANY($1::bigint[])"
#define Q_OVERSOLD_SCOPED \
    "SELECT count(*) FROM (" VERIFY_Q_OVERSOLD ") v WHERE v.room_type_id = ANY($1::bigint[])"
#define Q_NO_DETAILS_SCOPED                            \
    "SELECT count(*) FROM (" VERIFY_Q_NO_DETAILS ") v" \
    " JOIN bookings s ON s.booking_id = v.booking_id WHERE s.room_type_id = ANY($1::bigint[])"
#define Q_MISSING_NIGHTS                                                                   \
    "SELECT count(*) FROM bookings b WHERE b.status = 'Confirmed'"                         \
    " AND b.room_type_id = ANY($1::bigint[]) AND (SELECT count(*) FROM booking_details bd" \
    "  WHERE bd.booking_id = b.booking_id) <> b.check_out - b.check_in"                    \
    " AND EXISTS (SELECT 1 FROM booking_details bd WHERE bd.booking_id = b.booking_id)"
#define Q_LINGERING                                                             \
    "SELECT count(*) FROM booking_holds WHERE room_type_id = ANY($1::bigint[])" \
    " AND hold_expiry < now() - interval '5 seconds'"

/* Run sql with the room type array as $1 (or no parameter when ids is NULL). */
static PGresult *query(PGconn *c, const char *sql, const char *ids, char *err, size_t errlen)
{
    const char *params[1] = { ids };
    PGresult *res = PQexecParams(c, sql, ids ? 1 : 0, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK)
        return res;
    snprintf(err, errlen, "verification query failed: %s", PQerrorMessage(c));
    PQclear(res);
    return NULL;
}

static int count_of(PGconn *c, const char *sql, const char *ids, int64_t *out, char *err,
                    size_t errlen)
{
    PGresult *res = query(c, sql, ids, err, errlen);
    if (!res)
        return -1;
    *out = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return 0;
}

static long long cell(const PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static struct verify_night *load_nights(PGconn *c, const char *ids, size_t *n, char *err,
                                        size_t errlen)
{
    PGresult *res = query(c, Q_NIGHTS, ids, err, errlen);
    if (!res)
        return NULL;
    *n = (size_t)PQntuples(res);
    struct verify_night *v = calloc(*n ? *n : 1, sizeof *v);
    for (size_t i = 0; v && i < *n; i++) {
        int row = (int)i;
        v[i] = (struct verify_night){ .room_type_id = cell(res, row, 0),
                                      .day = (int32_t)cell(res, row, 1),
                                      .allotment = (int)cell(res, row, 2),
                                      .booked_count = (int)cell(res, row, 3),
                                      .tentative_count = (int)cell(res, row, 4),
                                      .confirmed_qty = (int)cell(res, row, 5),
                                      .held_qty = (int)cell(res, row, 6),
                                      .peak_confirmed = 0 };
    }
    PQclear(res);
    if (!v)
        snprintf(err, errlen, "out of memory");
    return v;
}

/* Fill each night's peak_confirmed (nights without bookings keep 0). */
static int load_peaks(PGconn *c, const char *ids, struct verify_night *v, size_t n, char *err,
                      size_t errlen)
{
    PGresult *res = query(c, Q_PEAK, ids, err, errlen);
    if (!res)
        return -1;
    verify_nights_sort(v, n);
    for (int row = 0; row < PQntuples(res); row++) {
        struct verify_night *x =
            verify_night_find(v, n, cell(res, row, 0), (int32_t)cell(res, row, 1));
        if (x)
            x->peak_confirmed = (int)cell(res, row, 2);
    }
    PQclear(res);
    return 0;
}

static struct verify_booking *load_bookings(PGconn *c, const char *ids, size_t *n, char *err,
                                            size_t errlen)
{
    PGresult *res = query(c, Q_BOOKINGS, ids, err, errlen);
    if (!res)
        return NULL;
    *n = (size_t)PQntuples(res);
    struct verify_booking *v = calloc(*n ? *n : 1, sizeof *v);
    for (size_t i = 0; v && i < *n; i++) {
        int row = (int)i;
        v[i] = (struct verify_booking){ .booking_id = cell(res, row, 0),
                                        .hold_id = cell(res, row, 1),
                                        .room_type_id = cell(res, row, 2),
                                        .check_in = (int32_t)cell(res, row, 3),
                                        .nights = (int)cell(res, row, 4),
                                        .quantity = (int)cell(res, row, 5),
                                        .confirmed = PQgetvalue(res, row, 6)[0] == 't' };
    }
    PQclear(res);
    if (!v)
        snprintf(err, errlen, "out of memory");
    return v;
}

/* "{1,2,3}" for the $1::bigint[] parameter. */
static char *id_array(const int64_t *ids, int n)
{
    size_t cap = (size_t)n * 21 + 3;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t len = 0;
    s[len++] = '{';
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%lld", i ? "," : "", (long long)ids[i]);
    snprintf(s + len, cap - len, "}");
    return s;
}

/* The counting checks: verbatim queries (scoped and database-wide), nights, holds. */
static int run_counts(PGconn *c, const char *ids, struct verify_result *r, char *err, size_t errlen)
{
    int64_t missing = 0;
    if (count_of(c, Q_OVERSOLD_SCOPED, ids, &r->oversold_counters, err, errlen) < 0
        || count_of(c, Q_NO_DETAILS_SCOPED, ids, &r->without_details, err, errlen) < 0
        || count_of(c, Q_MISSING_NIGHTS, ids, &missing, err, errlen) < 0
        || count_of(c, Q_LINGERING, ids, &r->holds_lingering, err, errlen) < 0
        || count_of(c, "SELECT count(*) FROM (" VERIFY_Q_OVERSOLD ") v", NULL, &r->db_wide_oversold,
                    err, errlen)
               < 0
        || count_of(c, "SELECT count(*) FROM (" VERIFY_Q_NO_DETAILS ") v", NULL,
                    &r->db_wide_no_details, err, errlen)
               < 0)
        return -1;
    r->without_details += missing;
    if (r->without_details)
        verify_note(r, "without_details", "%lld Confirmed bookings lack booking_details rows",
                    (long long)r->without_details);
    if (r->holds_lingering)
        verify_note(r, "holds_lingering", "%lld holds are more than 5 s past their expiry",
                    (long long)r->holds_lingering);
    return 0;
}

/* Everything, in one read-only snapshot so that counters and tables agree in time. */
static int verify_conn(PGconn *c, const char *ids, const struct history *h, struct verify_result *r,
                       char *err, size_t errlen)
{
    PGresult *b = query(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, err, errlen);
    if (!b)
        return -1;
    PQclear(b);
    size_t nn = 0, nb = 0, nrecs = 0;
    int rc = run_counts(c, ids, r, err, errlen);
    struct verify_night *nights = rc == 0 ? load_nights(c, ids, &nn, err, errlen) : NULL;
    if (nights && load_peaks(c, ids, nights, nn, err, errlen) < 0) {
        free(nights);
        nights = NULL;
    }
    struct verify_booking *books = nights ? load_bookings(c, ids, &nb, err, errlen) : NULL;
    struct history_rec *recs = books ? history_collect(h, &nrecs) : NULL;
    if (books) {
        verify_reconcile(recs, nrecs, history_dropped(h), books, nb, nights, nn, r);
        rc = vlog_check(c, ids, recs, nrecs, r, err, errlen);
    } else {
        rc = -1;
    }
    free(recs);
    free(books);
    free(nights);
    PQclear(PQexec(c, "COMMIT"));
    return rc;
}

int verify_database(const char *db_url, const int64_t *room_types, int nroom_types,
                    const struct history *h, struct verify_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    PGconn *c = PQconnectdb(db_url);
    if (PQstatus(c) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to the database: %s", PQerrorMessage(c));
        PQfinish(c);
        return -1;
    }
    char *ids = id_array(room_types, nroom_types);
    int rc = ids ? verify_conn(c, ids, h, r, err, errlen) : -1;
    if (!ids)
        snprintf(err, errlen, "out of memory");
    free(ids);
    PQfinish(c);
    return rc;
}

/* --- through the admin API --- */

static int64_t check_count(const json_t *checks, const char *name)
{
    return json_integer_value(json_object_get(checks, name));
}

/* GET /api/admin/integrity for one room type (rt > 0, added to *r) or for the whole
 * database (rt == 0, into the information fields). */
static int api_integrity(const struct setup_http *http, const char *token, int64_t rt,
                         struct verify_result *r, char *err, size_t errlen)
{
    char path[96] = "/api/admin/integrity";
    if (rt)
        snprintf(path, sizeof path, "/api/admin/integrity?room_type_id=%lld", (long long)rt);
    json_t *resp = NULL;
    if (setup_get(http, path, token, &resp, err, errlen) < 0)
        return -1;
    const json_t *checks = json_object_get(resp, "checks");
    if (rt) {
        r->oversold_counters += check_count(checks, "oversold_counters");
        r->oversold_tables += check_count(checks, "oversold_from_tables");
        r->booked_mismatch += check_count(checks, "booked_mismatch");
        r->tentative_mismatch += check_count(checks, "tentative_mismatch");
        r->without_details += check_count(checks, "confirmed_without_details");
        r->holds_lingering += check_count(checks, "expired_holds_lingering");
    } else {
        r->db_wide_oversold = check_count(checks, "oversold_counters");
        r->db_wide_no_details = check_count(checks, "confirmed_without_details");
    }
    bool found = json_is_object(checks);
    json_decref(resp);
    if (!found)
        return snprintf(err, errlen, "%s: no checks in the answer", path), -1;
    return 0;
}

/* Append the inventory rows of one room type to *v (grown with realloc). */
static int api_inventory(const struct setup_http *http, const char *token, int64_t rt, int32_t from,
                         int32_t to, struct verify_night **v, size_t *n, char *err, size_t errlen)
{
    char path[160], f[11], t[11];
    date_format(from, f);
    date_format(to, t);
    snprintf(path, sizeof path, "/api/admin/inventory?room_type_id=%lld&from=%s&to=%s",
             (long long)rt, f, t);
    json_t *resp = NULL;
    if (setup_get(http, path, token, &resp, err, errlen) < 0)
        return -1;
    const json_t *rows = json_object_get(resp, "inventory");
    size_t k = json_array_size(rows);
    struct verify_night *nv = realloc(*v, (*n + k + 1) * sizeof *nv);
    if (!nv) {
        json_decref(resp);
        return snprintf(err, errlen, "out of memory"), -1;
    }
    *v = nv;
    for (size_t i = 0; i < k; i++) {
        const json_t *row = json_array_get(rows, i);
        int32_t day = 0;
        const char *d = json_string_value(json_object_get(row, "date"));
        if (!d || strlen(d) < 10 || date_parse(d, 10, &day) < 0)
            continue;
        nv[(*n)++] =
            (struct verify_night){ .room_type_id = rt,
                                   .day = day,
                                   .allotment = (int)check_count(row, "allotment"),
                                   .booked_count = (int)check_count(row, "booked_count"),
                                   .tentative_count = (int)check_count(row, "tentative_count"),
                                   .confirmed_qty = -1,
                                   .held_qty = -1,
                                   .peak_confirmed = -1 };
    }
    json_decref(resp);
    return 0;
}

int verify_api(const struct setup_http *http, const char *admin_token, const int64_t *room_types,
               int nroom_types, int32_t from, int32_t to, const struct history *h,
               struct verify_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->from_api = true;
    struct verify_night *nights = NULL;
    size_t nn = 0, nrecs = 0;
    int rc = api_integrity(http, admin_token, 0, r, err, errlen);
    for (int i = 0; rc == 0 && i < nroom_types; i++)
        rc = api_integrity(http, admin_token, room_types[i], r, err, errlen);
    for (int i = 0; rc == 0 && i < nroom_types; i++)
        rc = api_inventory(http, admin_token, room_types[i], from, to, &nights, &nn, err, errlen);
    struct history_rec *recs = rc == 0 ? history_collect(h, &nrecs) : NULL;
    if (rc == 0) {
        /* the nights' counters only: oversold_tables is the integrity report's, with no
           per-night excess */
        verify_reconcile(recs, nrecs, history_dropped(h), NULL, 0, nights, nn, r);
        r->overbookings += r->overbookings ? 0 : r->oversold_tables;
        if (r->oversold_tables)
            verify_note(r, "oversold_tables",
                        "/api/admin/integrity: %lld nights oversold by the tables",
                        (long long)r->oversold_tables);
    }
    free(recs);
    free(nights);
    return rc;
}
