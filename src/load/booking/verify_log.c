/*
 * verify_log.c: the check sold_out_while_free, from the inventory change log
 * (verify_log.h). The log is read once, in the verification's snapshot; each refused
 * record's nights are then found by binary search. Allocation is fine: the run is over.
 */
#include "load/booking/verify_log.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/date.h"

/* The first entry of (rt, day) at or after e[lo], by binary search; n when none. */
static size_t first_of(const struct vlog_entry *e, size_t n, int64_t rt, int32_t day)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e[mid].room_type_id < rt || (e[mid].room_type_id == rt && e[mid].day < day))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The fewest free rooms night (rt, day) had in [from, to], or -1 when its state at
 * `from` is not in the log (no entry at or before it). */
static int least_free(const struct vlog_entry *e, size_t n, int64_t rt, int32_t day, int64_t from,
                      int64_t to)
{
    size_t i = first_of(e, n, rt, day);
    if (i >= n || e[i].room_type_id != rt || e[i].day != day || e[i].at_ms > from)
        return -1;
    int least = INT_MAX;
    for (; i < n && e[i].room_type_id == rt && e[i].day == day && e[i].at_ms <= to; i++) {
        bool superseded = i + 1 < n && e[i + 1].room_type_id == rt && e[i + 1].day == day
                          && e[i + 1].at_ms <= from; /* before the window opened */
        if (!superseded && e[i].free < least)
            least = e[i].free;
    }
    return least;
}

/* The fewest free rooms any night of h's stay had in its window; -1: not known. */
static int stay_least_free(const struct history_rec *h, const struct vlog_entry *e, size_t n)
{
    int64_t from = h->hold_at_ms - VLOG_MARGIN_MS, to = h->settled_ms + VLOG_MARGIN_MS;
    int least = INT_MAX;
    for (int i = 0; i < h->nights; i++) {
        int f = least_free(e, n, h->room_type_id, h->check_in + i, from, to);
        if (f < 0)
            return -1;
        least = f < least ? f : least;
    }
    return least == INT_MAX ? -1 : least;
}

void vlog_judge(const struct history_rec *recs, size_t nrecs, const struct vlog_entry *entries,
                size_t nentries, struct verify_result *r)
{
    for (size_t k = 0; k < nrecs; k++) {
        const struct history_rec *h = &recs[k];
        if (h->outcome != HISTORY_REFUSED || !h->hold_at_ms || !h->settled_ms)
            continue;
        int least = stay_least_free(h, entries, nentries);
        if (least < 0)
            continue;
        r->refusals_checked++;
        if (least < h->quantity)
            continue;
        char day[DATE_TEXT_LEN + 1];
        date_format(h->check_in, day);
        r->sold_out_while_free++;
        r->violations++;
        verify_note(r, "sold_out_while_free",
                    "room type %lld, %d night(s) from %s: a hold of "
                    "%d answered sold_out, yet the log shows at least %d free on every night "
                    "from the request (%lld) to its answer (%lld ms later)",
                    (long long)h->room_type_id, h->nights, day, h->quantity, least,
                    (long long)h->hold_at_ms, (long long)(h->settled_ms - h->hold_at_ms));
    }
}

#define Q_HAS_LOG "SELECT to_regclass('inventory_log') IS NOT NULL"
#define Q_LOG                                                     \
    "SELECT room_type_id, date - date '1970-01-01', free,"        \
    "       (extract(epoch FROM at) * 1000)::bigint"              \
    "  FROM inventory_log WHERE room_type_id = ANY($1::bigint[])" \
    " ORDER BY room_type_id, date, at, seq"

static PGresult *ask(PGconn *c, const char *sql, const char *ids, char *err, size_t errlen)
{
    const char *params[1] = { ids };
    PGresult *res = PQexecParams(c, sql, ids ? 1 : 0, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    snprintf(err, errlen, "inventory log query failed: %s", PQerrorMessage(c));
    PQclear(res);
    return NULL;
}

int vlog_check(PGconn *c, const char *ids, const struct history_rec *recs, size_t nrecs,
               struct verify_result *r, char *err, size_t errlen)
{
    PGresult *has = ask(c, Q_HAS_LOG, NULL, err, errlen);
    if (!has)
        return -1;
    r->log_present = PQgetvalue(has, 0, 0)[0] == 't';
    PQclear(has);
    if (!r->log_present)
        return 0;
    PGresult *res = ask(c, Q_LOG, ids, err, errlen);
    if (!res)
        return -1;
    size_t n = (size_t)PQntuples(res);
    struct vlog_entry *e = calloc(n ? n : 1, sizeof *e);
    if (!e) {
        PQclear(res);
        return snprintf(err, errlen, "out of memory for the inventory log"), -1;
    }
    for (size_t i = 0; i < n; i++)
        e[i] = (struct vlog_entry){ .room_type_id = atoll(PQgetvalue(res, (int)i, 0)),
                                    .day = (int32_t)atol(PQgetvalue(res, (int)i, 1)),
                                    .free = atoi(PQgetvalue(res, (int)i, 2)),
                                    .at_ms = atoll(PQgetvalue(res, (int)i, 3)) };
    PQclear(res);
    vlog_judge(recs, nrecs, e, n, r);
    free(e);
    return 0;
}
