/*
 * verify.h: after a run, does the database agree with what the clients were told?
 *
 * Two sources of truth are compared. The database: its counters (room_inventory),
 * its tables (Confirmed booking_details, live booking_holds, bookings), checked with
 * the invariants of docs/invariants.md, including the operators' two verification
 * queries verbatim. The clients: the history of every booking attempt (history.h).
 * The checks are scoped to the scenario's own room types, so that other runs sharing
 * the database never fail this one; the database-wide counts of the two verbatim
 * queries are reported beside them for information.
 *
 * The result splits into overbookings (rooms sold past the allotment, summed over
 * nights, by the worst of four measures: counters, tables, confirmations the clients
 * hold, and the most bookings Confirmed at one moment of the run, which catches a room
 * sold twice even when one of the two bookings was cancelled before the end)
 * and inventory violations (every other broken invariant or disagreement). Every check
 * has a name (verify_checks) and each problem found keeps its evidence. With the
 * bookings table (verify_database) each night is reconciled exactly and each booking's
 * stay compared with the request; through the API only within bounds.
 */
#ifndef LASTROOM_LOAD_BOOKING_VERIFY_H
#define LASTROOM_LOAD_BOOKING_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load/booking/history.h"
#include "load/booking/setup.h"

#define VERIFY_EVIDENCE_MAX     16  /* problems kept with their evidence */
#define VERIFY_EXPIRY_MARGIN_MS 250 /* clock and rounding slack past a hold's expiry */

/* The operators' queries (docs/invariants.md), verbatim but for the final ';'. */
#define VERIFY_Q_OVERSOLD                                                    \
    "SELECT room_type_id, date, allotment, booked_count, tentative_count,\n" \
    "       (booked_count + tentative_count) AS total\n"                     \
    "FROM room_inventory WHERE (booked_count + tentative_count) > allotment"
#define VERIFY_Q_NO_DETAILS                                                          \
    "SELECT b.booking_id, b.status, COUNT(bd.booking_detail_id) AS details_count\n"  \
    "FROM bookings b LEFT JOIN booking_details bd ON b.booking_id = bd.booking_id\n" \
    "WHERE b.status = 'Confirmed' GROUP BY b.booking_id\n"                           \
    "HAVING COUNT(bd.booking_detail_id) = 0"

/* One inventory row, with what the tables say about it. */
struct verify_night {
    int64_t room_type_id;
    int32_t day; /* days since 1970-01-01 */
    int allotment, booked_count, tentative_count;
    int confirmed_qty;  /* sum of Confirmed booking_details; -1: not known */
    int held_qty;       /* sum of live holds covering the night; -1: not known */
    int peak_confirmed; /* most rooms Confirmed at once at any moment of the
                                bookings' history (created_at .. cancelled_at); -1: not known */
};

/* One row of bookings. */
struct verify_booking {
    int64_t booking_id, hold_id, room_type_id;
    int32_t check_in;
    int nights, quantity;
    bool confirmed;
};

struct verify_result {
    int64_t overbookings;      /* rooms sold past allotment, over all nights */
    int64_t oversold_counters; /* scoped rows of VERIFY_Q_OVERSOLD */
    int64_t oversold_tables;   /* nights: Confirmed details + live holds > allotment */
    int64_t oversold_seen;     /* nights: confirmations clients hold > allotment */
    int64_t oversold_in_time;  /* nights: Confirmed at one moment > allotment */

    int64_t violations;             /* the sum of the fields below */
    int64_t booked_mismatch;        /* I2 */
    int64_t tentative_mismatch;     /* I3 */
    int64_t without_details;        /* I4: scoped VERIFY_Q_NO_DETAILS rows plus
                                    Confirmed bookings missing any night */
    int64_t holds_lingering;        /* I5: holds > 5 s past expiry */
    int64_t missing_confirmed;      /* told confirmed, not Confirmed in the database */
    int64_t cancel_lost;            /* told cancelled, still Confirmed */
    int64_t refused_but_booked;     /* told no booking, yet one exists for that hold */
    int64_t unattributed;           /* bookings no client attempted (beyond dropped ones) */
    int64_t night_bounds;           /* nights whose rooms the records do not account for:
                                    exactly (exact) or within seen .. seen + unknown */
    int64_t stay_mismatch;          /* a booking's room type, check-in, nights or quantity
                                    differ from what its client asked for */
    int64_t duplicate_claim;        /* two ok records claim one booking id */
    int64_t replay_mismatch;        /* a replay of a confirm answered another booking */
    int64_t double_cancel;          /* a booking's cancels answered "cancelled" more than once */
    int64_t sold_out_while_free;    /* a hold answered sold_out although every night had the
                                    rooms free from its request to its answer (with the
                                    inventory change log only: verify_log.h) */
    int64_t confirmed_after_expiry; /* a confirm answered ok, sent after its hold's
                                        expires_at (+ VERIFY_EXPIRY_MARGIN_MS) */

    int64_t unknown_confirms;   /* information: attempts whose confirm was sent and
                                    never settled (unknown, or cut by the end of the run) */
    int64_t unknown_booked;     /* information: of those, how many the database holds
                                    a booking for (database check only) */
    int64_t db_wide_oversold;   /* information: unscoped VERIFY_Q_OVERSOLD rows */
    int64_t db_wide_no_details; /* information: unscoped VERIFY_Q_NO_DETAILS rows */
    int64_t refusals_checked;   /* information: sold_out answers judged by the log */
    bool log_present;           /* the database had the inventory change log */
    bool from_api;              /* checked through /api/admin/integrity, not SQL */
    bool exact;                 /* nights reconciled exactly (the bookings were read) */
    char first[256];            /* the first problem found, "" when none */
    /* the evidence of the first VERIFY_EVIDENCE_MAX problems: the check that found
       each, and the night or booking, records, ids and times involved */
    struct verify_evidence {
        const char *check; /* a name of verify_checks */
        char text[240];
    } evidence[VERIFY_EVIDENCE_MAX];
    int nevidence;
    int64_t evidence_dropped; /* problems found past VERIFY_EVIDENCE_MAX */
};

/* A named check: its name in the summary and the export, where its count lives in
 * struct verify_result, and whether it counts overbooking (else an inventory
 * violation). */
struct verify_check {
    const char *name;
    size_t offset;
    bool overbooking;
};

/* Every check, NULL-name ended. */
extern const struct verify_check verify_checks[];

/* verify_note: keep the evidence of one problem found by check `check` (a name of
 * verify_checks): the first VERIFY_EVIDENCE_MAX, and the first problem's text in
 * r->first; past that only counted (evidence_dropped). Does not add to the counts. */
void verify_note(struct verify_result *r, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* verify_check_count: the count of check c in r. */
int64_t verify_check_count(const struct verify_result *r, const struct verify_check *c);

/* verify_nights_sort: sort n[0..nn) by room type and day (verify_reconcile does so).
 * verify_night_find: the night of room type rt on day in n[0..nn) so sorted; NULL when
 * absent. */
void verify_nights_sort(struct verify_night *n, size_t nn);
struct verify_night *verify_night_find(struct verify_night *n, size_t nn, int64_t rt, int32_t day);

/* verify_reconcile: compare nights (with counters and tables) and the database's
 * bookings with the clients' records; add the findings to *r (zero it first).
 * nights and bookings are reordered. dropped: attempts the history could not keep.
 * Pure: no I/O. */
void verify_reconcile(const struct history_rec *recs, size_t nrecs, uint64_t dropped,
                      struct verify_booking *bookings, size_t nbookings,
                      struct verify_night *nights, size_t nnights, struct verify_result *r);

/* verify_database: run every check against db_url for the room types given, with the
 * history h; fills *r (zeroed first). Returns 0, or -1 with err when the database
 * could not be queried (*r then incomplete). */
int verify_database(const char *db_url, const int64_t *room_types, int nroom_types,
                    const struct history *h, struct verify_result *r, char *err, size_t errlen);

/* verify_api: the same without database access: GET /api/admin/integrity (counts are
 * database-wide) and GET /api/admin/inventory for each room type's nights [from, to)
 * (days since 1970-01-01), reconciled with the history by night. Fills *r. */
int verify_api(const struct setup_http *http, const char *admin_token, const int64_t *room_types,
               int nroom_types, int32_t from, int32_t to, const struct history *h,
               struct verify_result *r, char *err, size_t errlen);

#endif
