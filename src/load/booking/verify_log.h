/*
 * verify_log.h: was a hold answered sold_out while its rooms were free?
 *
 * Needs the inventory change log of a test database (tests/inventory-log.sql: each
 * change of a night logs its free rooms with clock_timestamp(), while the row is still
 * locked). A hold locks its nights before it reads them, so what it read at any moment
 * is the last entry at or before that moment. A refusal is false when every night of
 * the stay had at least the quantity asked free for the whole time from the hold's
 * first request (less VLOG_MARGIN_MS) to its answer (plus VLOG_MARGIN_MS): at no
 * moment when the server could have decided was the stay sold out.
 */
#ifndef LASTROOM_LOAD_BOOKING_VERIFY_LOG_H
#define LASTROOM_LOAD_BOOKING_VERIFY_LOG_H

#include <libpq-fe.h>
#include <stddef.h>

#include "load/booking/history.h"
#include "load/booking/verify.h"

#define VLOG_MARGIN_MS 20 /* clock slack each side of a request's window */

/* One entry of the log. */
struct vlog_entry {
    int64_t room_type_id;
    int32_t day;   /* days since 1970-01-01 */
    int free;      /* free rooms after the change */
    int64_t at_ms; /* Unix ms */
};

/* vlog_judge: check each refused record of recs against entries (sorted by room type,
 * day, time); add sold_out_while_free findings (to that count and to violations, with
 * evidence) and refusals_checked to *r. A refusal whose window lacks a night's state (no entry at or before it, no
 * request or answer time) is not judged. Pure: no I/O. */
void vlog_judge(const struct history_rec *recs, size_t nrecs, const struct vlog_entry *entries,
                size_t nentries, struct verify_result *r);

/* vlog_check: inside the caller's read transaction on c, when the table inventory_log
 * exists, read its entries for the room types in ids (a bigint[] literal) and
 * vlog_judge the records; sets r->log_present. Returns 0 (also without a log), or -1
 * with err when a query failed. */
int vlog_check(PGconn *c, const char *ids, const struct history_rec *recs, size_t nrecs,
               struct verify_result *r, char *err, size_t errlen);

#endif
