/*
 * verify.c: the invariants I1..I5 of docs/invariants.md and the reconciliation of
 * I6, after a run: verify_reconcile judges what the system stored (read by
 * verify_read.c, from the database or the admin API) against the clients' history.
 * The per-night counting is reconcile.c's, the module that also judges scripts: each
 * night is a key, each record adds its attempts to its nights, and the night's
 * findings become the checks oversold_*, night_bounds and *_mismatch here. What is
 * lastroomd's own (bookings by hold, stays, replays, expiry, cancels) stays here.
 * Allocation is fine here: the run is over.
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
#include "load/engine/reconcile.h"

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

void verify_nights_sort(struct verify_night *n, size_t nn)
{
    qsort(n, nn, sizeof *n, cmp_night);
}

struct verify_night *verify_night_find(struct verify_night *n, size_t nn, int64_t rt, int32_t day)
{
    struct verify_night key = { .room_type_id = rt, .day = day };
    return bsearch(&key, n, nn, sizeof *n, cmp_night);
}

static struct verify_booking *find_by_hold(struct verify_booking *b, size_t nb, int64_t hold)
{
    struct verify_booking key = { .hold_id = hold };
    return b ? bsearch(&key, b, nb, sizeof *b, cmp_booking_hold) : NULL;
}

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

/* The attempts on one night, summed by kind: without times and ids, reconcile.c judges
 * attempts of one kind on one key as one of their summed quantity. */
enum { A_BOOK, A_UNKNOWN, A_UNKNOWN_NOT, A_CANCEL, A_CANCEL_NOT, A_KINDS };

/* Every night as a key of reconcile.c (its name and ledger beside it), its figures, and
 * its A_KINDS attempts. */
struct nightset {
    struct rec_key *keys;
    struct night_key {
        struct rec_ledger l;
        char name[40];
    } * nk;
    struct rec_key_result *res;
    struct rec_attempt *a;
};

/* Night x as key k: the tables (Confirmed details, live holds) stored and held, and the
 * counters and the bookings' history its ledger; without the tables, the counters. Its
 * attempts a[0..A_KINDS) start at 0; with the bookings known (exact), the unknowns are
 * resolved. */
static void night_key(const struct verify_night *x, int64_t slack, bool exact, struct rec_key *k,
                      struct night_key *nk, struct rec_attempt *a)
{
    char day[11];
    bool tables = x->confirmed_qty >= 0 && x->held_qty >= 0;
    enum rec_resolved yes = exact ? REC_HAPPENED : REC_UNRESOLVED;
    date_format(x->day, day);
    snprintf(nk->name, sizeof nk->name, "%lld/%s", (long long)x->room_type_id, day);
    nk->l = (struct rec_ledger){ x->booked_count, x->tentative_count, x->peak_confirmed };
    *k = (struct rec_key){ .key = nk->name,
                           .capacity = x->allotment,
                           .stored = tables ? x->confirmed_qty : x->booked_count,
                           .held = tables ? x->held_qty : x->tentative_count,
                           .slack = slack,
                           .ledger = tables ? &nk->l : NULL };
    a[A_BOOK] = (struct rec_attempt){ .op = REC_BOOK, .outcome = REC_OK };
    a[A_UNKNOWN] = (struct rec_attempt){ .op = REC_BOOK, .outcome = REC_UNKNOWN, .resolved = yes };
    a[A_UNKNOWN_NOT] = a[A_UNKNOWN];
    a[A_UNKNOWN_NOT].resolved = REC_NOT_HAPPENED;
    a[A_CANCEL] = a[A_UNKNOWN];
    a[A_CANCEL].op = REC_CANCEL;
    a[A_CANCEL_NOT] = a[A_CANCEL];
    a[A_CANCEL_NOT].resolved = REC_NOT_HAPPENED;
    for (int i = 0; i < A_KINDS; i++)
        a[i].key = nk->name;
}

/* Record h's attempts on its nights (reconcile.c counts attempts without times at one
 * instant: what the clients hold at the end): a booking told confirmed and not told
 * cancelled, with its cancel when one went unanswered; an unsettled confirm. With the
 * bookings known (exact), each unknown is resolved by x, the booking of h's hold:
 * whether it is Confirmed. */
static void add_attempts(const struct history_rec *h, const struct verify_booking *x, bool exact,
                         struct verify_night *n, size_t nn, struct nightset *ns)
{
    bool ok = h->outcome == HISTORY_OK, stays = x && x->confirmed;
    enum history_cancel c = cancel_of(h);
    if (ok ? c == HISTORY_CANCEL_OK : !confirm_unsettled(h))
        return;
    for (int i = 0; i < h->nights; i++) {
        struct verify_night *v = verify_night_find(n, nn, h->room_type_id, h->check_in + i);
        struct rec_attempt *a = v ? ns->a + A_KINDS * (v - n) : NULL;
        if (!a)
            continue;
        a[ok ? A_BOOK : exact && !stays ? A_UNKNOWN_NOT : A_UNKNOWN].qty += h->quantity;
        if (ok && c == HISTORY_CANCEL_UNKNOWN)
            a[exact && stays ? A_CANCEL_NOT : A_CANCEL].qty += h->quantity;
    }
}

#define FIRED(k, kind) (((k)->fired & (1u << (kind))) != 0)

/* Count a problem of a check when it fired; whether it did. */
static bool counted(int64_t *check, bool fired)
{
    *check += fired;
    return fired;
}

/* Night x's findings (k, from reconcile.c) as checks, with their evidence. */
static void night_checks(const struct verify_night *x, const struct rec_key_result *k, bool exact,
                         int64_t slack, struct verify_result *r)
{
    char day[11], at[64];
    bool tables = x->confirmed_qty >= 0 && x->held_qty >= 0;
    long long c = k->capacity, s = k->stored, h = k->held, lo = k->low;
    date_format(x->day, day);
    snprintf(at, sizeof at, "room type %lld night %s", (long long)x->room_type_id, day);
    r->overbookings += k->excess;
    if (FIRED(k, tables ? REC_OVERSOLD_LEDGER : REC_OVERSOLD))
        verify_note(r, "oversold_counters",
                    "%s: booked_count %d + tentative_count %d > allotment %d", at, x->booked_count,
                    x->tentative_count, x->allotment);
    if (counted(&r->oversold_tables, tables && FIRED(k, REC_OVERSOLD)))
        verify_note(r, "oversold_tables",
                    "%s: Confirmed details %lld + live holds %lld > allotment %lld", at, s, h, c);
    if (counted(&r->oversold_seen, FIRED(k, REC_OVERSOLD_IN_TIME)))
        verify_note(r, "oversold_seen",
                    "%s: clients hold %lld confirmed rooms of an allotment of %lld", at,
                    (long long)k->peak, c);
    if (counted(&r->oversold_in_time, FIRED(k, REC_OVERSOLD_LEDGER_PEAK)))
        verify_note(r, "oversold_in_time",
                    "%s: %d rooms Confirmed at one moment of an allotment of %lld", at,
                    x->peak_confirmed, c);
    bool bounds = FIRED(k, REC_LOST) || FIRED(k, REC_PHANTOM);
    if (counted(&r->night_bounds, bounds) && exact)
        verify_note(r, "night_bounds",
                    "%s: %lld rooms Confirmed in the database, the clients' records account "
                    "for exactly %lld (+%lld dropped)",
                    at, s, lo, (long long)slack);
    else if (bounds)
        verify_note(r, "night_bounds",
                    "%s: %lld booked in the database, clients were told %lld (up to %lld with "
                    "unknown outcomes)",
                    at, s, lo, (long long)k->high);
    if (counted(&r->booked_mismatch, FIRED(k, REC_LEDGER_STORED)))
        verify_note(r, "booked_mismatch", "%s: booked_count %d but Confirmed details sum to %lld",
                    at, x->booked_count, s);
    if (counted(&r->tentative_mismatch, FIRED(k, REC_LEDGER_HELD)))
        verify_note(r, "tentative_mismatch", "%s: tentative_count %d but live holds sum to %lld",
                    at, x->tentative_count, h);
}

/* Every night through reconcile.c; slack: rooms the dropped records could account for. */
static void reconcile_nights(const struct history_rec *recs, size_t nrecs, struct verify_booking *b,
                             size_t nb, struct verify_night *n, size_t nn, int64_t slack,
                             struct verify_result *r)
{
    struct rec_result rr;
    struct nightset ns = { calloc(nn + 1, sizeof *ns.keys), calloc(nn + 1, sizeof *ns.nk),
                           calloc(nn + 1, sizeof *ns.res), calloc(A_KINDS * nn + 1, sizeof *ns.a) };
    bool ready = ns.keys && ns.nk && ns.res && ns.a;
    for (size_t i = 0; ready && i < nn; i++)
        night_key(&n[i], slack, b != NULL, &ns.keys[i], &ns.nk[i], ns.a + A_KINDS * i);
    for (size_t i = 0; ready && i < nrecs; i++)
        add_attempts(&recs[i], recs[i].hold_id ? find_by_hold(b, nb, recs[i].hold_id) : NULL,
                     b != NULL, n, nn, &ns);
    if (!ready || rec_reconcile(ns.a, A_KINDS * nn, ns.keys, nn, ns.res, &rr) != 0) {
        verify_note(r, "night_bounds", "out of memory while reconciling");
        r->night_bounds++;
        nn = 0;
    }
    for (size_t i = 0; i < nn; i++)
        night_checks(&n[i], &ns.res[i], b != NULL, slack, r);
    free(ns.keys);
    free(ns.nk);
    free(ns.res);
    free(ns.a);
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
    verify_nights_sort(nights, nnights);
    if (bookings)
        qsort(bookings, nbookings, sizeof *bookings, cmp_booking_hold);
    bool *attributed = calloc(nbookings ? nbookings : 1, sizeof *attributed);
    if (!attributed) {
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
        maxq = h->quantity > maxq ? h->quantity : maxq;
        check_told(h, r);
        if (bookings)
            check_record(h, x, bookings, attributed, r);
    }
    r->exact = bookings != NULL;
    reconcile_nights(recs, nrecs, bookings, nbookings, nights, nnights, (int64_t)dropped * maxq, r);
    check_claims(recs, nrecs, r);
    if (bookings)
        check_strays(bookings, nbookings, attributed, dropped, r);
    free(attributed);
    r->violations = 0;
    for (const struct verify_check *c = verify_checks; c->name; c++)
        r->violations += c->overbooking ? 0 : verify_check_count(r, c);
}
