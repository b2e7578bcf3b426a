/*
 * history.h: what every booking attempt of a run was told, recorded per VU.
 *
 * Verification reconciles the database with these records (docs/invariants.md,
 * I6). Each VU owns one preallocated, bounded array and is its only writer,
 * so recording on the measuring path takes no lock and allocates nothing. When a VU's
 * array is full, further attempts are only counted (dropped) and verification widens
 * its bounds by that count.
 *
 * Times: every record carries when its attempt began, when it was settled and when
 * its last confirm was sent, read from the monotonic clock and placed on the wall
 * clock by one anchor taken when the history was made (history_clock_ms), so that they
 * compare with the server's expires_at and never jump with the wall clock.
 */
#ifndef LASTROOM_LOAD_BOOKING_HISTORY_H
#define LASTROOM_LOAD_BOOKING_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What the client knows about a booking attempt. */
enum history_outcome {
    HISTORY_PENDING, /* started, not finished (the run ended mid-attempt) */
    HISTORY_OK,      /* a confirmation was received (booking_id known) */
    HISTORY_REFUSED, /* a clean refusal: 409 sold_out */
    HISTORY_FAILED,  /* definitely no booking: an error answer before or at confirm */
    HISTORY_UNKNOWN  /* a confirm was sent and no answer settled it */
};

/* What became of a cancel the client sent for a confirmed booking. */
enum history_cancel {
    HISTORY_CANCEL_NONE,   /* never asked */
    HISTORY_CANCEL_OK,     /* told cancelled */
    HISTORY_CANCEL_UNKNOWN /* asked, no answer settled it */
};

/* What a deliberate replay of a confirmed attempt's confirm (same Idempotency-Key)
 * was answered. */
enum history_replay {
    HISTORY_REPLAY_NONE, /* not replayed, or no answer */
    HISTORY_REPLAY_SAME, /* the booking told first */
    HISTORY_REPLAY_OTHER /* another booking: replay_booking_id */
};

/* What the partner VU was answered when it cancelled the same booking at the same
 * instant as the record's own VU (the mixed profile's concurrent cancels). */
enum history_co_cancel {
    HISTORY_CO_NONE,      /* no concurrent cancel sent */
    HISTORY_CO_CANCELLED, /* 200: told it cancelled the booking */
    HISTORY_CO_ALREADY,   /* 409 already_cancelled */
    HISTORY_CO_REFUSED,   /* an answer proving it cancelled nothing (404, inventory_conflict) */
    HISTORY_CO_UNKNOWN    /* sent, no answer settled it */
};

struct history_rec {
    int64_t hold_id;    /* 0 until a hold was granted */
    int64_t booking_id; /* 0 unless the client was told the booking id */
    int64_t room_type_id;
    int64_t replay_booking_id; /* what a replay answered, when HISTORY_REPLAY_OTHER */
    int64_t begun_ms;          /* history_clock_ms when the attempt's first request went */
    int64_t settled_ms;        /* ... when its outcome was settled (0: never) */
    int64_t confirm_at_ms;     /* ... when its last confirm was sent (0: none) */
    int64_t hold_at_ms;        /* ... when its first hold request was sent (0: none) */
    int64_t hold_expiry_ms;    /* the hold's expires_at as answered, Unix ms (0: unknown) */
    int32_t check_in;          /* days since 1970-01-01 */
    int16_t nights;
    int16_t quantity;
    uint8_t outcome;      /* enum history_outcome */
    uint8_t cancel;       /* enum history_cancel */
    uint8_t confirm_sent; /* a confirm request may have reached the server */
    uint8_t replay;       /* enum history_replay */
    uint8_t cancels;      /* cancel requests sent for the booking by its VU */
    uint8_t cancel_wins;  /* of those, answered 200 "cancelled" */
    uint8_t co_cancel;    /* enum history_co_cancel; written by the partner VU only */
};

struct history_vu {
    struct history_rec *recs;
    uint32_t cap, len;
    uint64_t dropped;                       /* attempts not recorded because recs was full */
    int64_t anchor_wall_ms, anchor_mono_ns; /* the history's clock anchor */
};

struct history {
    struct history_vu *vus;
    int nvus;
    struct history_rec *block;  /* every VU's records, one after the other */
    const struct seg_plan *seg; /* set: VU v is written as its number in the whole
                                    test (segment.h); NULL: as v */
};

#define HISTORY_PER_VU_MAX 8192u      /* records one VU can have */
#define HISTORY_PER_VU_MIN 16u        /* records one VU has in a run of unknown length */
#define HISTORY_SLACK      4u         /* records past twice a VU's share of a known run */
#define HISTORY_TOTAL_MAX  (1u << 20) /* records of a run of unknown length, all VUs */

/* history_per_vu: the records to give each of nvus VUs when the run starts at most
 * `iterations` attempts (-1: unknown, the run is bounded by time). Known: twice the
 * even share plus HISTORY_SLACK, so that VUs which claim more than their share of
 * shared iterations still fit, but never more than the whole run. Unknown:
 * HISTORY_TOTAL_MAX shared evenly, at least HISTORY_PER_VU_MIN. Never more than
 * HISTORY_PER_VU_MAX; a VU that fills its records drops and counts the rest (see
 * history_begin), and verification widens its bounds by that count. */
uint32_t history_per_vu(int nvus, int64_t iterations);

/* history_new: nvus empty histories of per_vu records each, in one block whose pages
 * become resident only as VUs write them. Returns NULL on no memory or bad sizes.
 * Free with history_free. */
struct history *history_new(int nvus, uint32_t per_vu);
void history_free(struct history *h);

/* history_of: VU vu's history, or NULL when vu is out of range. */
struct history_vu *history_of(struct history *h, int vu);

/* history_begin: record a new attempt (outcome PENDING, begun now) and return it for
 * the caller to update, or NULL when v is NULL or full (the attempt is then counted as
 * dropped). Never allocates. */
struct history_rec *history_begin(struct history_vu *v, int64_t room_type_id, int32_t check_in,
                                  int nights, int quantity);

/* history_clock_ms: now, in Unix milliseconds: the monotonic clock's time since the
 * history's anchor added to the wall clock read at the anchor. No lock, no allocation. */
int64_t history_clock_ms(const struct history_vu *v);

/* history_total: records over all VUs; history_dropped: attempts dropped. */
size_t history_total(const struct history *h);
uint64_t history_dropped(const struct history *h);

/* history_count: records with the given outcome, over all VUs. */
size_t history_count(const struct history *h, enum history_outcome outcome);

/* history_write: every record as one JSON line, VU by VU: {"vu", "hold_id",
 * "booking_id", "room_type_id", "check_in" (YYYY-MM-DD), "nights", "quantity",
 * "outcome" (pending|ok|refused|failed|unknown), "cancel" (none|ok|unknown),
 * "confirm_sent", "cancels", "cancel_wins", "co_cancel" (enum history_co_cancel),
 * "replay" (enum history_replay), "replay_booking_id",
 * "begun_ms", "settled_ms", "confirm_at_ms", "hold_at_ms", "hold_expiry_ms" (Unix ms,
 * 0: none)},
 * then one line {"dropped": N} with the attempts not recorded.
 * Returns 0, or -1 when writing failed. */
int history_write(const struct history *h, FILE *out);

/* history_read: append the records of a file history_write wrote to *h (a history of
 * one VU that history_read makes on the first call: start with *h NULL). Returns 0, or
 * -1 with a message in err naming the file and the line (no such file, a bad line,
 * more than HISTORY_READ_MAX records, no closing {"dropped"} line: truncated). */
#define HISTORY_READ_MAX (16u << 20)
#define HISTORY_LINE_MAX 1024
int history_read(const char *path, struct history **h, char *err, size_t errlen);

/* history_collect: a new array (free() it) of every record, VU by VU; *n is set to its
 * length. Returns NULL with *n == 0 when there is none or on no memory. */
struct history_rec *history_collect(const struct history *h, size_t *n);

#endif
