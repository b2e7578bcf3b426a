/*
 * verify.c: the invariants I1..I5 of docs/invariants.md and the reconciliation of
 * I6, after a run.
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
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "load/booking/verify_log.h"

/* clang-format off */
#define CHECK(name, over) { #name, offsetof(struct verify_result, name), over }
/* clang-format on */
const struct verify_check verify_checks[] = {
    CHECK(oversold_counters, true),
    CHECK(oversold_tables, true),
    CHECK(oversold_seen, true),
    CHECK(oversold_in_time, true),
    CHECK(booked_mismatch, false),
    CHECK(tentative_mismatch, false),
    CHECK(without_details, false),
    CHECK(holds_lingering, false),
    CHECK(missing_confirmed, false),
    CHECK(cancel_lost, false),
    CHECK(refused_but_booked, false),
    CHECK(unattributed, false),
    CHECK(night_bounds, false),
    CHECK(stay_mismatch, false),
    CHECK(duplicate_claim, false),
    CHECK(replay_mismatch, false),
    CHECK(confirmed_after_expiry, false),
    CHECK(double_cancel, false),
    CHECK(sold_out_while_free, false),
#undef CHECK
    { NULL, 0, false },
};

int64_t verify_check_count(const struct verify_result *r, const struct verify_check *c)
{
    int64_t v;
    memcpy(&v, (const char *)r + c->offset, sizeof v);
    return v;
}

void verify_note(struct verify_result *r, const char *check, const char *fmt, ...)
{
    char text[sizeof r->evidence[0].text];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (!r->first[0])
        snprintf(r->first, sizeof r->first, "%s", text);
    if (r->nevidence >= VERIFY_EVIDENCE_MAX) {
        r->evidence_dropped++;
        return;
    }
    r->evidence[r->nevidence].check = check;
    snprintf(r->evidence[r->nevidence].text, sizeof r->evidence[0].text, "%s", text);
    r->nevidence++;
}

/* --- reconciliation (pure) --- */

static int cmp_night(const void *a, const void *b)
{
    const struct verify_night *x = a, *y = b;
    if (x->room_type_id != y->room_type_id)
        return x->room_type_id < y->room_type_id ? -1 : 1;
    return (x->day > y->day) - (x->day < y->day);
}

static int cmp_booking_hold(const void *a, const void *b)
{
    const struct verify_booking *x = a, *y = b;
    return (x->hold_id > y->hold_id) - (x->hold_id < y->hold_id);
}

static int cmp_i64(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

static struct verify_night *find_night(struct verify_night *n, size_t nn, int64_t rt, int32_t day)
{
    struct verify_night key = { .room_type_id = rt, .day = day };
    return bsearch(&key, n, nn, sizeof *n, cmp_night);
}

static struct verify_booking *find_by_hold(struct verify_booking *b, size_t nb, int64_t hold)
{
    struct verify_booking key = { .hold_id = hold };
    return b ? bsearch(&key, b, nb, sizeof *b, cmp_booking_hold) : NULL;
}

/* Per night: what the clients hold for sure (lo), at most (hi), and, when the
 * database's bookings are known, exactly (exact: the unknowns resolved by the
 * bookings table). */
struct seen {
    int lo, hi, exact;
};

static bool confirm_unsettled(const struct history_rec *r)
{
    return (r->outcome == HISTORY_UNKNOWN || r->outcome == HISTORY_PENDING) && r->confirm_sent;
}

/* The record's cancel with the partner VU's concurrent one: a definite answer to
 * either (cancelled, or already cancelled) means the booking was cancelled. */
static enum history_cancel cancel_of(const struct history_rec *h)
{
    if (h->co_cancel == HISTORY_CO_CANCELLED || h->co_cancel == HISTORY_CO_ALREADY)
        return HISTORY_CANCEL_OK;
    if (h->co_cancel == HISTORY_CO_UNKNOWN && h->cancel == HISTORY_CANCEL_NONE)
        return HISTORY_CANCEL_UNKNOWN;
    return (enum history_cancel)h->cancel;
}

/* What record h contributes to its nights: for sure, at most, and given booking x (the
 * database's booking for its hold, NULL when none or unknown). */
static void add_seen(const struct history_rec *h, const struct verify_booking *x,
                     struct verify_night *n, size_t nn, struct seen *seen)
{
    bool sure = h->outcome == HISTORY_OK && cancel_of(h) == HISTORY_CANCEL_NONE;
    bool maybe = (h->outcome == HISTORY_OK && cancel_of(h) == HISTORY_CANCEL_UNKNOWN)
                 || confirm_unsettled(h);
    bool exact = sure || (maybe && x && x->confirmed);
    if (!sure && !maybe)
        return;
    for (int i = 0; i < h->nights; i++) {
        struct verify_night *v = find_night(n, nn, h->room_type_id, h->check_in + i);
        if (!v)
            continue;
        seen[v - n].lo += sure ? h->quantity : 0;
        seen[v - n].hi += h->quantity;
        seen[v - n].exact += exact ? h->quantity : 0;
    }
}

static int max2(int a, int b)
{
    return a > b ? a : b;
}

static void check_oversold(const struct verify_night *x, struct seen s, struct verify_result *r)
{
    char day[11];
    date_format(x->day, day);
    int by_counters = x->booked_count + x->tentative_count - x->allotment;
    bool tables = x->confirmed_qty >= 0 && x->held_qty >= 0;
    int by_tables = tables ? x->confirmed_qty + x->held_qty - x->allotment : 0;
    int by_seen = s.lo - x->allotment;
    int in_time = x->peak_confirmed >= 0 ? x->peak_confirmed - x->allotment : 0;
    int excess = max2(max2(0, by_counters), max2(max2(by_tables, by_seen), in_time));
    r->overbookings += excess;
    r->oversold_tables += by_tables > 0;
    r->oversold_seen += by_seen > 0;
    r->oversold_in_time += in_time > 0;
    if (by_counters > 0)
        verify_note(r, "oversold_counters",
                    "room type %lld night %s: booked_count %d + "
                    "tentative_count %d > allotment %d",
                    (long long)x->room_type_id, day, x->booked_count, x->tentative_count,
                    x->allotment);
    if (by_tables > 0)
        verify_note(r, "oversold_tables",
                    "room type %lld night %s: Confirmed details %d + live "
                    "holds %d > allotment %d",
                    (long long)x->room_type_id, day, x->confirmed_qty, x->held_qty, x->allotment);
    if (by_seen > 0)
        verify_note(r, "oversold_seen",
                    "room type %lld night %s: clients hold %d confirmed rooms "
                    "of an allotment of %d",
                    (long long)x->room_type_id, day, s.lo, x->allotment);
    if (in_time > 0)
        verify_note(r, "oversold_in_time",
                    "room type %lld night %s: %d rooms Confirmed at one "
                    "moment of an allotment of %d",
                    (long long)x->room_type_id, day, x->peak_confirmed, x->allotment);
}

/* The night's rooms in the database against the clients' records: exactly when the
 * bookings are known (exact), else within [lo, hi]; slack: rooms the dropped records
 * could account for. */
static void check_night_count(const struct verify_night *x, struct seen s, bool exact,
                              int64_t slack, struct verify_result *r)
{
    char day[11];
    date_format(x->day, day);
    bool tables = x->confirmed_qty >= 0 && x->held_qty >= 0;
    int64_t db = tables ? x->confirmed_qty : x->booked_count;
    int64_t lo = exact ? s.exact : s.lo, hi = (exact ? s.exact : s.hi) + slack;
    if (db < lo || db > hi) {
        r->night_bounds++;
        if (exact)
            verify_note(r, "night_bounds",
                        "room type %lld night %s: %lld rooms Confirmed in the "
                        "database, the clients' records account for exactly %d (+%lld dropped)",
                        (long long)x->room_type_id, day, (long long)db, s.exact, (long long)slack);
        else
            verify_note(r, "night_bounds",
                        "room type %lld night %s: %lld booked in the database, "
                        "clients were told %d (up to %lld with unknown outcomes)",
                        (long long)x->room_type_id, day, (long long)db, s.lo, (long long)hi);
    }
    if (tables && x->booked_count != x->confirmed_qty) {
        r->booked_mismatch++;
        verify_note(r, "booked_mismatch",
                    "room type %lld night %s: booked_count %d but Confirmed "
                    "details sum to %d",
                    (long long)x->room_type_id, day, x->booked_count, x->confirmed_qty);
    }
    if (tables && x->tentative_count != x->held_qty) {
        r->tentative_mismatch++;
        verify_note(r, "tentative_mismatch",
                    "room type %lld night %s: tentative_count %d but live "
                    "holds sum to %d",
                    (long long)x->room_type_id, day, x->tentative_count, x->held_qty);
    }
}

/* When record h's attempt began (UTC time of day) and how long it took to settle, for
 * the evidence: "" when the record carries no times. */
static const char *rec_times(const struct history_rec *h, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (h->begun_ms <= 0)
        return buf;
    int64_t t = h->begun_ms % 86400000;
    int n = snprintf(buf, cap, "; attempt began %02d:%02d:%02d.%03d UTC", (int)(t / 3600000),
                     (int)(t / 60000 % 60), (int)(t / 1000 % 60), (int)(t % 1000));
    if (h->settled_ms > 0 && n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, ", settled after %lld ms",
                 (long long)(h->settled_ms - h->begun_ms));
    return buf;
}

/* The stay the client asked for against the stored booking x. */
static void check_stay(const struct history_rec *h, const struct verify_booking *x,
                       struct verify_result *r)
{
    if (x->room_type_id == h->room_type_id && x->check_in == h->check_in && x->nights == h->nights
        && x->quantity == h->quantity)
        return;
    char asked[11], stored[11], when[80];
    date_format(h->check_in, asked);
    date_format(x->check_in, stored);
    r->stay_mismatch++;
    verify_note(r, "stay_mismatch",
                "booking %lld (hold %lld): asked room type %lld, %s + %d "
                "nights, %d rooms; stored room type %lld, %s + %d nights, %d rooms%s",
                (long long)x->booking_id, (long long)x->hold_id, (long long)h->room_type_id, asked,
                (int)h->nights, (int)h->quantity, (long long)x->room_type_id, stored, x->nights,
                x->quantity, rec_times(h, when, sizeof when));
}

/* One client record against the bookings table; marks the booking it accounts for. */
static void check_record(const struct history_rec *h, struct verify_booking *x,
                         struct verify_booking *b, bool *attributed, struct verify_result *r)
{
    char when[80];
    if (x)
        attributed[x - b] = true;
    if (confirm_unsettled(h))
        r->unknown_booked += x != NULL;
    if (x && (h->outcome == HISTORY_OK || confirm_unsettled(h)))
        check_stay(h, x, r);
    if (h->outcome == HISTORY_OK) {
        if (!x || x->booking_id != h->booking_id
            || (cancel_of(h) == HISTORY_CANCEL_NONE && !x->confirmed)) {
            r->missing_confirmed++;
            verify_note(r, "missing_confirmed",
                        "booking %lld (hold %lld) was confirmed to a "
                        "client but is not Confirmed in the database (%s)%s",
                        (long long)h->booking_id, (long long)h->hold_id,
                        !x                               ? "no booking for the hold"
                        : x->booking_id != h->booking_id ? "the hold's booking has another id"
                                                         : "Cancelled",
                        rec_times(h, when, sizeof when));
        } else if (cancel_of(h) == HISTORY_CANCEL_OK && x->confirmed) {
            r->cancel_lost++;
            verify_note(r, "cancel_lost",
                        "booking %lld (hold %lld) was cancelled for a client but "
                        "is still Confirmed%s",
                        (long long)h->booking_id, (long long)h->hold_id,
                        rec_times(h, when, sizeof when));
        }
    } else if (x && (h->outcome == HISTORY_REFUSED || h->outcome == HISTORY_FAILED)) {
        r->refused_but_booked++;
        verify_note(r, "refused_but_booked",
                    "hold %lld: the client was told its booking failed, "
                    "yet booking %lld exists%s",
                    (long long)h->hold_id, (long long)x->booking_id,
                    rec_times(h, when, sizeof when));
    }
}

/* Two ok records that claim one booking id. */
static void check_claims(const struct history_rec *recs, size_t nrecs, struct verify_result *r)
{
    size_t n = 0;
    int64_t *ids = malloc((nrecs ? nrecs : 1) * sizeof *ids);
    if (!ids) {
        r->duplicate_claim++;
        verify_note(r, "duplicate_claim", "out of memory while comparing the booking ids told");
        return;
    }
    for (size_t i = 0; i < nrecs; i++)
        if (recs[i].outcome == HISTORY_OK)
            ids[n++] = recs[i].booking_id;
    qsort(ids, n, sizeof *ids, cmp_i64);
    for (size_t i = 1; i < n; i++) {
        if (ids[i] != ids[i - 1] || (i >= 2 && ids[i] == ids[i - 2]))
            continue;
        r->duplicate_claim++;
        verify_note(r, "duplicate_claim", "booking %lld was told to two clients as theirs",
                    (long long)ids[i]);
    }
    free(ids);
}

static void check_strays(struct verify_booking *b, size_t nb, const bool *attributed,
                         uint64_t dropped, struct verify_result *r)
{
    uint64_t stray = 0;
    for (size_t i = 0; i < nb; i++) {
        if (attributed[i] || ++stray <= dropped)
            continue;
        r->unattributed++;
        verify_note(r, "unattributed",
                    "booking %lld (hold %lld) exists but no client of this run "
                    "asked for it",
                    (long long)b[i].booking_id, (long long)b[i].hold_id);
    }
}

/* The checks on each record that need no database: replays answered with another
 * booking, confirms answered ok for a hold that had expired before they were sent, and
 * one booking told "cancelled" twice (by its VU's cancels and the partner's). */
static void check_told(const struct history_rec *h, struct verify_result *r)
{
    static const char *const co[] = { "none", "cancelled", "already cancelled", "refused",
                                      "unknown" };
    char when[80];
    if (h->cancel_wins + (h->co_cancel == HISTORY_CO_CANCELLED) > 1) {
        r->double_cancel++;
        verify_note(r, "double_cancel",
                    "booking %lld: told \"cancelled\" %d times (%d of its "
                    "client's %d cancels; the concurrent cancel of another VU: %s)",
                    (long long)h->booking_id,
                    h->cancel_wins + (h->co_cancel == HISTORY_CO_CANCELLED), h->cancel_wins,
                    h->cancels, h->co_cancel <= HISTORY_CO_UNKNOWN ? co[h->co_cancel] : "?");
    }
    if (h->replay == HISTORY_REPLAY_OTHER) {
        r->replay_mismatch++;
        verify_note(r, "replay_mismatch",
                    "hold %lld: a replay of the confirm's Idempotency-Key "
                    "answered booking %lld, not booking %lld told first%s",
                    (long long)h->hold_id, (long long)h->replay_booking_id,
                    (long long)h->booking_id, rec_times(h, when, sizeof when));
    }
    if (h->outcome == HISTORY_OK && h->hold_expiry_ms > 0 && h->confirm_at_ms > 0
        && h->confirm_at_ms > h->hold_expiry_ms + VERIFY_EXPIRY_MARGIN_MS) {
        r->confirmed_after_expiry++;
        verify_note(r, "confirmed_after_expiry",
                    "booking %lld (hold %lld): confirmed by a request "
                    "sent %lld ms after the hold's expiry%s",
                    (long long)h->booking_id, (long long)h->hold_id,
                    (long long)(h->confirm_at_ms - h->hold_expiry_ms),
                    rec_times(h, when, sizeof when));
    }
}

void verify_reconcile(const struct history_rec *recs, size_t nrecs, uint64_t dropped,
                      struct verify_booking *bookings, size_t nbookings,
                      struct verify_night *nights, size_t nnights, struct verify_result *r)
{
    qsort(nights, nnights, sizeof *nights, cmp_night);
    if (bookings)
        qsort(bookings, nbookings, sizeof *bookings, cmp_booking_hold);
    struct seen *seen = calloc(nnights ? nnights : 1, sizeof *seen);
    bool *attributed = calloc(nbookings ? nbookings : 1, sizeof *attributed);
    if (!seen || !attributed) {
        verify_note(r, "night_bounds", "out of memory while reconciling");
        r->night_bounds++;
        nnights = nrecs = nbookings = 0;
    }
    int maxq = 1;
    for (size_t i = 0; i < nrecs; i++) {
        const struct history_rec *h = &recs[i];
        struct verify_booking *x =
            h->hold_id ? find_by_hold(bookings, nbookings, h->hold_id) : NULL;
        r->unknown_confirms += confirm_unsettled(h);
        maxq = max2(maxq, h->quantity);
        add_seen(h, x, nights, nnights, seen);
        check_told(h, r);
        if (bookings)
            check_record(h, x, bookings, attributed, r);
    }
    bool exact = bookings != NULL;
    r->exact = exact;
    for (size_t i = 0; i < nnights; i++) {
        check_oversold(&nights[i], seen[i], r);
        check_night_count(&nights[i], seen[i], exact, (int64_t)dropped * maxq, r);
    }
    check_claims(recs, nrecs, r);
    if (bookings)
        check_strays(bookings, nbookings, attributed, dropped, r);
    free(seen);
    free(attributed);
    r->violations = 0;
    for (const struct verify_check *c = verify_checks; c->name; c++)
        r->violations += c->overbooking ? 0 : verify_check_count(r, c);
}

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
    qsort(v, n, sizeof *v, cmp_night);
    for (int row = 0; row < PQntuples(res); row++) {
        struct verify_night *x = find_night(v, n, cell(res, row, 0), (int32_t)cell(res, row, 1));
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
        int64_t by_tables = r->oversold_tables; /* the API has no per-night excess */
        verify_reconcile(recs, nrecs, history_dropped(h), NULL, 0, nights, nn, r);
        r->oversold_tables = by_tables;
        r->overbookings += r->overbookings ? 0 : by_tables;
        if (by_tables)
            verify_note(r, "oversold_tables",
                        "/api/admin/integrity: %lld nights oversold by the tables",
                        (long long)by_tables);
    }
    free(recs);
    free(nights);
    return rc;
}
