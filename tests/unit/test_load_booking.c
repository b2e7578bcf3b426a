/*
 * test_load_booking.c: what the booking iteration records for the answers it gets.
 *
 * The step machine (booking.c) is driven answer by answer, as the engine would, on a
 * world built in memory (no server: what is under test is the classification of each
 * answer into the history, which verification relies on): a confirm answered 2xx
 * without a readable booking id is unknown, not failed; a cancel refused with 409
 * inventory_conflict changed nothing; a hold's expires_at is kept; the mixed
 * workload's late confirm, repeated cancel and replay are recorded as such, and a
 * pair of VUs cancels one booking at the same instant, each answer recorded.
 */
#include "unit.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "load/booking/booking.h"
#include "load/booking/world.h"

struct rig {
    struct world w;
    struct world_user user;
    struct metrics *m;
    struct lr_vu vu, vu1; /* VU 0 and its partner VU 1 */
    struct lr_request req, req1;
    char days[8][11];
};

static void rig_init(struct rig *g, const struct world_params *p)
{
    memset(g, 0, sizeof *g);
    g->w.p = *p;
    g->w.nroom_types = p->room_types > 0 ? p->room_types : 1;
    g->w.room_type_ids[0] = g->w.room_type_id = 7;
    g->w.room_type_ids[1] = 8;
    g->w.first_day = 20500;
    g->w.day = g->days;
    for (int i = 0; i < 8; i++)
        date_format(g->w.first_day + i, g->days[i]);
    snprintf(g->w.nonce, sizeof g->w.nonce, "n0");
    g->m = metrics_new();
    ck_assert_ptr_nonnull(g->m);
    g->w.m_booking_errors = metrics_define(g->m, "booking_errors", METRIC_COUNTER, false);
    g->w.m_error_rate = metrics_define(g->m, "error_rate", METRIC_RATE, false);
    g->w.history = history_new(2, 16);
    g->w.nvus = 2;
    g->w.vus = calloc(2, sizeof *g->w.vus);
    ck_assert_ptr_nonnull(g->w.vus);
    g->w.vus[0] = (struct world_vu){
        .w = &g->w, .user = &g->user, .auth = "tok", .hist = history_of(g->w.history, 0)
    };
    g->w.vus[1] = (struct world_vu){
        .w = &g->w, .user = &g->user, .auth = "tok1", .hist = history_of(g->w.history, 1)
    };
    g->vu = (struct lr_vu){
        .id = 0, .rng = 12345, .data = &g->w.vus[0], .shard = metrics_shard_new(g->m)
    };
    g->vu1 = (struct lr_vu){
        .id = 1, .num = 1, .rng = 777, .data = &g->w.vus[1], .shard = metrics_shard_new(g->m)
    };
}

static void rig_free(struct rig *g)
{
    history_free(g->w.history);
    free(g->w.vus);
    metrics_shard_free(g->vu.shard);
    metrics_shard_free(g->vu1.shard);
    metrics_free(g->m);
}

/* Feed one answer (status, body) and return the step's decision. */
static enum lr_step answer(struct rig *g, int status, const char *body)
{
    struct lr_response r = { .outcome = LR_RESP_OK,
                             .status = status,
                             .body = body,
                             .body_len = strlen(body),
                             .sent = true };
    return booking_step(&g->vu, &r, &g->req);
}

static enum lr_step woken(struct rig *g)
{
    struct lr_response r = { .outcome = LR_RESP_SLEPT };
    return booking_step(&g->vu, &r, &g->req);
}

static struct history_rec *rec(struct rig *g, uint32_t i)
{
    return &history_of(g->w.history, 0)->recs[i];
}

static const struct world_params plain = { .allotment = 3, .nights = 4, .max_stay = 2 };

#define HELD "{\"hold_id\":41,\"expires_at\":\"2026-02-16T10:00:00.250Z\"}"

START_TEST(test_confirm_2xx_without_id_is_unknown)
{
    struct rig g;
    rig_init(&g, &plain);
    ck_assert_int_eq(booking_step(&g.vu, NULL, &g.req), LR_STEP_REQUEST);
    ck_assert_str_eq(g.req.path, "/api/holds");
    ck_assert_int_eq(answer(&g, 201, HELD), LR_STEP_REQUEST);
    ck_assert_str_eq(g.req.path, "/api/bookings");
    /* 20500 = 2026-02-16: the expiry kept in Unix ms */
    ck_assert_int_eq(rec(&g, 0)->hold_expiry_ms, (int64_t)20500 * 86400000 + 36000250);
    ck_assert_int_eq(rec(&g, 0)->confirm_sent, 1);
    ck_assert_int_gt(rec(&g, 0)->confirm_at_ms, 0);
    /* a success whose id cannot be read: resent with its key, never "failed" */
    enum lr_step s = LR_STEP_SLEEP;
    for (int i = 0; i < 40 && s == LR_STEP_SLEEP; i++) {
        ck_assert_int_eq(rec(&g, 0)->outcome, HISTORY_PENDING);
        s = answer(&g, 201, "{\"status\":\"Confirmed\"}");
        if (s == LR_STEP_SLEEP)
            ck_assert_int_eq(woken(&g), LR_STEP_REQUEST);
    }
    ck_assert_int_eq(s, LR_STEP_DONE); /* the retries ran out */
    ck_assert_int_eq(rec(&g, 0)->outcome, HISTORY_UNKNOWN);
    ck_assert_int_gt(rec(&g, 0)->settled_ms, 0);
    rig_free(&g);
}
END_TEST

/* Hold and confirm one booking (id 500), read it back: the iteration is done. */
static void book_one(struct rig *g)
{
    booking_step(&g->vu, NULL, &g->req);
    answer(g, 201, HELD);
    ck_assert_int_eq(answer(g, 201, "{\"booking_id\":500}"), LR_STEP_REQUEST);
    ck_assert_int_eq(rec(g, 0)->outcome, HISTORY_OK);
    ck_assert_int_eq(answer(g, 200, "{\"status\":\"Confirmed\"}"), LR_STEP_DONE);
}

/* book_one, then start the next iteration: its cancel. */
static void book_then_cancel(struct rig *g)
{
    book_one(g);
    ck_assert_int_eq(booking_step(&g->vu, NULL, &g->req), LR_STEP_REQUEST);
    ck_assert_str_eq(g->req.path, "/api/bookings/500/cancel");
    ck_assert_int_eq(rec(g, 0)->cancel, HISTORY_CANCEL_UNKNOWN);
}

START_TEST(test_cancel_inventory_conflict_changed_nothing)
{
    struct rig g;
    struct world_params p = plain;
    p.cancel_pct = 100;
    rig_init(&g, &p);
    book_then_cancel(&g);
    answer(&g, 409, "{\"code\":\"inventory_conflict\"}");
    ck_assert_int_eq(rec(&g, 0)->cancel, HISTORY_CANCEL_NONE);
    rig_free(&g);

    rig_init(&g, &p);
    book_then_cancel(&g);
    answer(&g, 503, "{\"code\":\"db_unavailable\"}"); /* may have committed */
    ck_assert_int_eq(rec(&g, 0)->cancel, HISTORY_CANCEL_UNKNOWN);
    rig_free(&g);
}
END_TEST

START_TEST(test_repeated_cancel_keeps_the_first_answer)
{
    struct rig g;
    struct world_params p = plain;
    p.cancel_pct = 100;
    p.recancel_pct = 100;
    rig_init(&g, &p);
    book_then_cancel(&g);
    ck_assert_int_eq(answer(&g, 200, "{\"status\":\"Cancelled\"}"), LR_STEP_REQUEST);
    ck_assert_str_eq(g.req.path, "/api/bookings/500/cancel"); /* sent again */
    ck_assert_int_eq(g.req.expect_status[0], 409);
    answer(&g, 409, "{\"code\":\"already_cancelled\"}");
    ck_assert_int_eq(rec(&g, 0)->cancel, HISTORY_CANCEL_OK);
    ck_assert_int_eq(rec(&g, 0)->cancels, 2);
    rig_free(&g);
}
END_TEST

START_TEST(test_replay_recorded)
{
    struct rig g;
    struct world_params p = plain;
    p.replay_pct = 100;
    rig_init(&g, &p);
    for (int k = 0; k < 2; k++) { /* two confirmed attempts: 500, then 501 */
        booking_step(&g.vu, NULL, &g.req);
        answer(&g, 201, HELD);
        char body[40];
        snprintf(body, sizeof body, "{\"booking_id\":%d}", 500 + k);
        answer(&g, 201, body);
        enum lr_step s = answer(&g, 200, "{\"status\":\"Confirmed\"}");
        ck_assert_int_eq(s, k == 0 ? LR_STEP_DONE : LR_STEP_REQUEST);
    }
    /* the replay of the first attempt's confirm: its key and its hold */
    ck_assert_str_eq(g.req.idempotency_key, "lr-n0-0-1-confirm");
    ck_assert_str_eq(g.req.body, "{\"hold_id\":41}");
    ck_assert_int_eq(answer(&g, 200, "{\"booking_id\":501}"), LR_STEP_DONE);
    ck_assert_int_eq(rec(&g, 0)->replay, HISTORY_REPLAY_OTHER);
    ck_assert_int_eq(rec(&g, 0)->replay_booking_id, 501);
    rig_free(&g);
}
END_TEST

/* VU 0 offers its booking's cancel; VU 1 takes it at its next iteration; both send the
 * cancel when the instant comes, VU 1 with VU 0's token; each answer is recorded. */
START_TEST(test_concurrent_cancel_of_one_booking)
{
    struct rig g;
    struct world_params p = plain;
    p.cancel_pct = 100;
    p.cocancel_pct = 100;
    rig_init(&g, &p);
    book_one(&g);
    ck_assert_int_eq(booking_step(&g.vu, NULL, &g.req), LR_STEP_SLEEP); /* offered */
    /* taken: VU 1 sleeps until the instant (or sends at once if it has passed) */
    struct lr_response slept = { .outcome = LR_RESP_SLEPT };
    enum lr_step s1 = booking_step(&g.vu1, NULL, &g.req1);
    if (s1 == LR_STEP_SLEEP)
        s1 = booking_step(&g.vu1, &slept, &g.req1);
    ck_assert_int_eq(s1, LR_STEP_REQUEST);
    ck_assert_str_eq(g.req1.path, "/api/bookings/500/cancel");
    ck_assert_str_eq(g.req1.token, "tok"); /* the owner's token */
    ck_assert_int_eq(g.req1.expect_status[0], 409);
    ck_assert_int_eq(woken(&g), LR_STEP_REQUEST);
    ck_assert_str_eq(g.req.path, "/api/bookings/500/cancel");
    ck_assert_int_eq(g.req.expect_status[0], 409);
    ck_assert_int_eq(rec(&g, 0)->co_cancel, HISTORY_CO_UNKNOWN);
    answer(&g, 200, "{\"status\":\"Cancelled\"}");
    struct lr_response already = { .outcome = LR_RESP_OK,
                                   .status = 409,
                                   .body = "{\"code\":\"already_cancelled\"}",
                                   .sent = true };
    already.body_len = strlen(already.body);
    ck_assert_int_eq(booking_step(&g.vu1, &already, &g.req1), LR_STEP_REQUEST);
    ck_assert_str_eq(g.req1.path, "/api/holds"); /* VU 1 goes on with its own attempt */
    ck_assert_int_eq(rec(&g, 0)->cancel, HISTORY_CANCEL_OK);
    ck_assert_int_eq(rec(&g, 0)->cancel_wins, 1);
    ck_assert_int_eq(rec(&g, 0)->co_cancel, HISTORY_CO_ALREADY);
    ck_assert_int_eq(atomic_load(&g.w.vus[0].share), 0); /* the slot is free again */
    rig_free(&g);
}
END_TEST

START_TEST(test_mixed_draws_room_type_and_quantity)
{
    struct rig g;
    struct world_params p = plain;
    p.room_types = 2;
    p.max_quantity = 3;
    rig_init(&g, &p);
    bool seen_rt[2] = { false, false }, seen_q[4] = { false };
    for (int k = 0; k < 40; k++) {
        booking_step(&g.vu, NULL, &g.req);
        struct history_rec *h = rec(&g, (uint32_t)k % 16);
        if (k >= 16)
            break;
        ck_assert(h->room_type_id == 7 || h->room_type_id == 8);
        ck_assert(h->quantity >= 1 && h->quantity <= 3);
        char q[24];
        snprintf(q, sizeof q, "\"quantity\":%d}", h->quantity);
        ck_assert_ptr_nonnull(strstr(g.req.body, q));
        seen_rt[h->room_type_id - 7] = true;
        seen_q[h->quantity] = true;
        answer(&g, 409, "{\"code\":\"sold_out\"}");
    }
    ck_assert(seen_rt[0] && seen_rt[1]);
    ck_assert(seen_q[1] && seen_q[2] && seen_q[3]);
    rig_free(&g);
}
END_TEST

UNIT_MAIN("booking", test_confirm_2xx_without_id_is_unknown,
          test_cancel_inventory_conflict_changed_nothing,
          test_repeated_cancel_keeps_the_first_answer, test_replay_recorded,
          test_mixed_draws_room_type_and_quantity, test_concurrent_cancel_of_one_booking)
