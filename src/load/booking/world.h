/*
 * world.h: the data a booking scenario creates for itself and shares with its VUs.
 *
 * Setup builds a fresh world through the admin API (a hotel, its room types, their
 * allotment over a few nights, registered users), so that runs never disturb each
 * other and verification can be scoped to what this run made. The per-VU states live
 * here too, preallocated, so that the step callbacks (booking.c) never allocate.
 * After the run, world_verify checks the database against the clients' history and
 * writes the scenario's verdict block.
 */
#ifndef LASTROOM_LOAD_BOOKING_WORLD_H
#define LASTROOM_LOAD_BOOKING_WORLD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "load/booking/history.h"
#include "load/engine/scenario.h"
#include "load/booking/setup.h"
#include "load/booking/verify.h"

/* What a scenario asks of its world. */
struct world_params {
    const char *scenario;  /* its name, in the hotel name */
    const char *title;     /* verdict heading: "RACE CONDITION TEST" */
    const char *test_name; /* in the verdict's last line: "race condition test" */
    int allotment;         /* rooms per night */
    int nights;            /* nights with inventory, from 30 days ahead */
    int max_stay;          /* longest stay asked for (1..nights) */
    int cancel_pct;        /* % of iterations that begin by cancelling the VU's
                               previous booking, putting its rooms back in the race */
    int users;             /* users by default (--users overrides): 0: one per VU,
                               each VU logging in as its first request; N > 0: at most
                               N (never more than the VUs), logged in during setup,
                               VU i using user i % N's token */
    int vus_per_user_max;  /* the most VUs --users may put on one user; 0: no limit.
                               lastroomd caps a user's live holds (5 by default) and a
                               VU of the booking iteration holds one at a time */
    bool barrier;          /* wait at the start barrier (first iteration), logged in */
    bool availability;     /* look at availability before each hold */
    bool expect_exact;     /* last-room: exactly `allotment` successes, the rest refused */
    bool pool_report;      /* verdict reports connection and timeout errors */
    int timeout_ms;        /* each booking request's timeout; 0: the run's --timeout */
    /* the wider workload of the mixed profile (world_setup sets these for it) */
    int room_types;   /* room types on the same dates (1..WORLD_ROOM_TYPES_MAX; 0: 1) */
    int max_quantity; /* rooms per stay, 1..max_quantity (0: 1) */
    int late_pct;     /* % of holds confirmed deliberately after their expiry, when
                               it is at most WORLD_LATE_MAX_MS away */
    int recancel_pct; /* % of cancels sent a second time */
    int replay_pct;   /* % of confirmed attempts that then replay the confirm of
                               the VU's previous confirmed attempt (same key) */
    int cocancel_pct; /* % of an even VU's cancels offered to VU id + 1, so that
                               both send a cancel of one booking at the same instant */
};

#define WORLD_ROOM_TYPES_MAX 2
#define WORLD_DATA_FORMAT    "lastroom-load-setup-1" /* the setup data's "format" */
#define WORLD_LATE_MAX_MS    5000 /* a hold expiring later is confirmed on time */
#define WORLD_LATE_PAST_MS   400  /* a late confirm goes this long after the expiry */

struct world_user {
    char email[96];
    char token[LR_TOKEN_MAX]; /* filled in setup when users log in there; otherwise
                                   by the one VU that has this user, as it logs in */
};

struct world;

/* Per-VU state; written only by its VU's thread during the run. */
struct world_vu {
    struct world *w;
    struct world_user *user; /* shared with other VUs when users log in in setup */
    const char *auth;        /* the token in use, or NULL before login */
    struct history_vu *hist;
    struct history_rec *rec;  /* the attempt in progress, or NULL */
    struct history_rec *kept; /* the VU's last confirmed booking, not yet cancelled */
    int phase, tries;
    bool passed_barrier, confirm_maybe;
    bool late; /* the confirm in progress is sent after the expiry */
    int32_t check_in;
    int nights, quantity;
    int64_t room_type_id;                  /* of the attempt in progress */
    struct history_rec *last_ok, *prev_ok; /* the VU's last two confirmed attempts */
    uint64_t last_ok_attempt, prev_ok_attempt;
    int64_t hold_id, booking_id;
    double booking_ms;
    uint64_t attempt;                       /* this VU's attempt number, for idempotency keys */
    uint64_t db_errors, timeouts, requests; /* for the verdict block */
    /* a cancel shared by a pair of VUs (booking.c): the even VU offers its booking in
       its own slot; the odd one takes it and cancels it too, at share_go_ms */
    atomic_int share;              /* enum booking_share, of this VU's slot */
    struct history_rec *share_rec; /* written by the offerer while share is idle */
    int64_t share_go_ms;           /* history clock: when both send their cancel */
    struct history_rec *co_rec;    /* the partner's booking this VU is cancelling */
    const char *co_auth;           /* and the partner's token */
};

struct world {
    struct world_params p;
    struct setup_http http;
    char admin_token[LR_TOKEN_MAX];
    char password[48];
    char nonce[32];
    int64_t hotel_id, room_type_id; /* room_type_id: the first of room_type_ids */
    int64_t room_type_ids[WORLD_ROOM_TYPES_MAX];
    int nroom_types;
    int32_t first_day;
    char (*day)[11]; /* p.nights + 1 dates, "YYYY-MM-DD" */
    struct world_user *users;
    int nusers;
    bool login_in_setup; /* users logged in during setup; VUs share tokens */
    struct world_vu *vus;
    int nvus;
    struct history *history;
    int m_booking_errors, m_error_rate; /* custom series ids */
};

/* Default thresholds of the booking scenarios: correctness (no overbooking, no
 * inventory violation), failed requests under 10%, fewer than 10 pool and timeout
 * errors, and p(95) of hold and confirm under 2 s (normal) or 5 s (high load). */
extern const struct lr_threshold_spec world_thresholds_normal[];
extern const struct lr_threshold_spec world_thresholds_high[];

/* The scenario options the booking scenarios accept (--users N), NULL-ended. */
extern const char *const world_options[];

/* world_setup: read the scenario options (env->argv_extra), then build the world for
 * env (vus_max VUs) and set env->data. Returns 0; LR_SETUP_USAGE with err for a bad
 * option, before any request; or -1 with err (everything allocated so far is freed,
 * env->data is NULL). */
int world_setup(struct lr_scenario_env *env, const struct world_params *p, char *err,
                size_t errlen);

/* world_vu_init: give vu its preallocated state (vu->data). -1 when vu->id is out of
 * the range setup prepared for. */
int world_vu_init(struct lr_scenario_env *env, struct lr_vu *vu);

/* world_verify: check the database (env->db_url) or the integrity API, record
 * overbookings and inventory_violations in env->shard, write env->verdict.
 * -1 with err when verification could not be done. */
int world_verify(struct lr_scenario_env *env, char *err, size_t errlen);

/* world_teardown: free env->data (NULL afterwards). */
void world_teardown(struct lr_scenario_env *env);

#endif
