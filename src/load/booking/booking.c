/*
 * booking.c: the booking iterations, one response at a time.
 *
 * The engine calls a step function with resp == NULL to start an iteration and then
 * with each response; the function reads it, records metrics and the attempt's
 * history, writes the next request into the engine's buffer and says what to do.
 * The per-VU state is struct world_vu (world.h); nothing here allocates, blocks or
 * locks. Response bodies are read with jscan, which needs no allocation either.
 *
 * Outcomes, as the history records them: a confirmation with its booking id (ok); a
 * clean 409 sold_out on the hold (refused); an answer that proves no booking was made
 * (failed); or, after the bounded retries of the confirm with its Idempotency-Key, no
 * answer at all (unknown). Verification relies on these being exact: a confirm answered
 * 2xx without a readable booking id is unknown (it may well have committed), a cancel
 * refused with 409 inventory_conflict changed nothing.
 *
 * The mixed profile's extras (world.h): room type and quantity drawn per attempt; a
 * confirm sent deliberately after the hold's expires_at; a cancel sent twice; and the
 * confirm of the VU's previous confirmed attempt replayed with its Idempotency-Key,
 * whose answer must name the same booking; and a cancel shared by a pair of VUs (even
 * num, num + 1): the even one offers its booking in its slot (world_vu.share, one
 * atomic word: the only state two VUs touch) with an instant SHARE_LEAD_MS ahead; the
 * odd one takes it at the start of an iteration, and both send the cancel at that
 * instant with the booking owner's token. Each records its own answer (the partner in
 * the record's co_cancel field only). Times go into the history (history.h).
 */
#include "load/booking/booking.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "common/date.h"
#include "load/engine/jscan.h"
#include "load/booking/world.h"

#define LOGIN_TRIES   40 /* 429 / 503 / no answer: wait and log in again */
#define LOGIN_WAIT_MS 250
#define HOLD_TRIES    5 /* hold resent with its key while the answer is unknown */
#define CONFIRM_TRIES \
    40                        /* confirm resent with its key while the outcome is unknown:
                                 with the backoff below, about 35 s of retries, longer
                                 than any outage the chaos schedules make */
#define RETRY_WAIT_MS     100 /* first wait before a resend; doubled up to the cap */
#define RETRY_WAIT_MAX_MS 1000
#define SHARE_LEAD_MS     60 /* an offered cancel is sent by both VUs this long after */

/* The states of a VU's cancel-sharing slot (world_vu.share). */
enum booking_share { SHARE_IDLE, SHARE_OFFERED, SHARE_TAKEN };

const char *const booking_names[] = { "login",  "availability", "hold",   "confirm", "booking",
                                      "cancel", "release",      "hotels", "health",  NULL };

enum phase {
    PH_IDLE,
    PH_LOGIN,
    PH_AVAIL,
    PH_HOLD,
    PH_CONFIRM,
    PH_VERIFY,
    PH_CANCEL,
    PH_RELEASE,
    PH_SIMPLE,
    PH_WAIT_LOGIN,
    PH_WAIT_HOLD,
    PH_WAIT_CONFIRM,
    PH_RECANCEL,
    PH_REPLAY,
    PH_WAIT_SHARE,
    PH_WAIT_COCANCEL,
    PH_COCANCEL
};

/* --- requests --- */

static void req_start(const struct world_vu *v, struct lr_request *req, const char *method,
                      enum booking_req name, const char *token)
{
    req->method = method;
    req->name = (int)name;
    req->token = token;
    req->body[0] = '\0';
    req->body_len = 0;
    req->idempotency_key[0] = '\0';
    req->timeout_ms = v->w->p.timeout_ms; /* 0: the run's --timeout */
    req->sleep_ms = 0;
    req->expect_status[0] = 0;
}

static void req_body(struct lr_request *req, int n)
{
    req->body_len = n > 0 && (size_t)n < sizeof req->body ? (size_t)n : 0;
}

static enum lr_step send_login(struct world_vu *v, struct lr_request *req)
{
    req_start(v, req, "POST", BR_LOGIN, NULL);
    snprintf(req->path, sizeof req->path, "/api/auth/login");
    req_body(req, snprintf(req->body, sizeof req->body, "{\"email\":\"%s\",\"password\":\"%s\"}",
                           v->user->email, v->w->password));
    v->phase = PH_LOGIN;
    return LR_STEP_REQUEST;
}

static enum lr_step send_availability(struct world_vu *v, struct lr_request *req)
{
    const struct world *w = v->w;
    int first = v->check_in - w->first_day;
    req_start(v, req, "GET", BR_AVAILABILITY, v->auth);
    snprintf(req->path, sizeof req->path,
             "/api/availability?room_type_id=%lld&check_in=%s&check_out=%s",
             (long long)v->room_type_id, w->day[first], w->day[first + v->nights]);
    v->phase = PH_AVAIL;
    return LR_STEP_REQUEST;
}

static enum lr_step send_hold(struct lr_vu *vu, struct world_vu *v, struct lr_request *req)
{
    const struct world *w = v->w;
    int first = v->check_in - w->first_day;
    req_start(v, req, "POST", BR_HOLD, v->auth);
    snprintf(req->path, sizeof req->path, "/api/holds");
    req_body(req, snprintf(req->body, sizeof req->body,
                           "{\"room_type_id\":%lld,\"check_in\":\"%s\",\"check_out\":\"%s\","
                           "\"quantity\":%d}",
                           (long long)v->room_type_id, w->day[first], w->day[first + v->nights],
                           v->quantity));
    snprintf(req->idempotency_key, sizeof req->idempotency_key, "lr-%s-%d-%llu-hold", w->nonce,
             vu->id, (unsigned long long)v->attempt);
    req->expect_status[0] = 409; /* sold_out is an answer, not a failure */
    req->expect_status[1] = 0;
    if (v->rec && !v->rec->hold_at_ms) /* a resend's answer may be the first one's */
        v->rec->hold_at_ms = history_clock_ms(v->hist);
    v->phase = PH_HOLD;
    return LR_STEP_REQUEST;
}

static enum lr_step send_confirm(struct lr_vu *vu, struct world_vu *v, struct lr_request *req)
{
    req_start(v, req, "POST", BR_CONFIRM, v->auth);
    snprintf(req->path, sizeof req->path, "/api/bookings");
    req_body(req,
             snprintf(req->body, sizeof req->body, "{\"hold_id\":%lld}", (long long)v->hold_id));
    snprintf(req->idempotency_key, sizeof req->idempotency_key, "lr-%s-%d-%llu-confirm",
             v->w->nonce, vu->id, (unsigned long long)v->attempt);
    if (v->rec) {
        v->rec->confirm_sent = 1;
        v->rec->confirm_at_ms = history_clock_ms(v->hist);
    }
    if (v->late) { /* expired (410), or already swept (404), is the right answer */
        req->expect_status[0] = 410;
        req->expect_status[1] = 404;
        req->expect_status[2] = 0;
    }
    v->phase = PH_CONFIRM;
    return LR_STEP_REQUEST;
}

/* The confirm of the VU's previous confirmed attempt again, with its key and hold. */
static enum lr_step send_replay(struct lr_vu *vu, struct world_vu *v, struct lr_request *req)
{
    req_start(v, req, "POST", BR_CONFIRM, v->auth);
    snprintf(req->path, sizeof req->path, "/api/bookings");
    req_body(req, snprintf(req->body, sizeof req->body, "{\"hold_id\":%lld}",
                           (long long)v->prev_ok->hold_id));
    snprintf(req->idempotency_key, sizeof req->idempotency_key, "lr-%s-%d-%llu-confirm",
             v->w->nonce, vu->id, (unsigned long long)v->prev_ok_attempt);
    v->phase = PH_REPLAY;
    return LR_STEP_REQUEST;
}

static enum lr_step send_get_booking(struct world_vu *v, struct lr_request *req)
{
    req_start(v, req, "GET", BR_BOOKING, v->auth);
    snprintf(req->path, sizeof req->path, "/api/bookings/%lld", (long long)v->booking_id);
    v->phase = PH_VERIFY;
    return LR_STEP_REQUEST;
}

/* Cancel the VU's previous booking (v->kept); shared: the partner VU cancels it too. */
static enum lr_step send_cancel(struct world_vu *v, struct lr_request *req, bool shared)
{
    req_start(v, req, "POST", BR_CANCEL, v->auth);
    snprintf(req->path, sizeof req->path, "/api/bookings/%lld/cancel",
             (long long)v->kept->booking_id);
    if (v->kept->cancel == HISTORY_CANCEL_NONE)
        v->kept->cancel = HISTORY_CANCEL_UNKNOWN;
    v->kept->cancels++;
    v->phase = v->kept->cancels > 1 ? PH_RECANCEL : PH_CANCEL;
    if (v->phase == PH_RECANCEL || shared) {
        req->expect_status[0] = 409; /* already_cancelled is a right answer */
        req->expect_status[1] = 0;
    }
    return LR_STEP_REQUEST;
}

/* The partner's booking (v->co_rec), cancelled with the partner's token. */
static enum lr_step send_cocancel(struct world_vu *v, struct lr_request *req)
{
    req_start(v, req, "POST", BR_CANCEL, v->co_auth);
    snprintf(req->path, sizeof req->path, "/api/bookings/%lld/cancel",
             (long long)v->co_rec->booking_id);
    v->co_rec->co_cancel = HISTORY_CO_UNKNOWN;
    req->expect_status[0] = 409; /* already_cancelled is a right answer */
    req->expect_status[1] = 0;
    v->phase = PH_COCANCEL;
    return LR_STEP_REQUEST;
}

/* The wait before resend number `tries` (1, 2, ...): doubling from RETRY_WAIT_MS. */
static double backoff_ms(int tries)
{
    double ms = RETRY_WAIT_MS;
    for (int i = 1; i < tries && ms < RETRY_WAIT_MAX_MS; i++)
        ms *= 2;
    return ms < RETRY_WAIT_MAX_MS ? ms : RETRY_WAIT_MAX_MS;
}

static enum lr_step wait_then(struct world_vu *v, struct lr_request *req, enum phase next,
                              double ms)
{
    req->sleep_ms = ms;
    v->phase = next;
    return LR_STEP_SLEEP;
}

/* --- reading responses --- */

static bool answered(const struct lr_response *r, int status)
{
    return r->outcome == LR_RESP_OK && r->status == status;
}

static bool no_answer(const struct lr_response *r)
{
    return r->outcome == LR_RESP_TIMEOUT || r->outcome == LR_RESP_CONN_ERROR;
}

static bool error_code_is(const struct lr_response *r, const char *code)
{
    return r->outcome == LR_RESP_OK && jscan_str_eq(r->body, r->body_len, "code", code);
}

/* Count one response: requests, timeouts, database errors, and the error rate. */
static void count_response(struct lr_vu *vu, struct world_vu *v, const struct lr_response *r,
                           bool expected)
{
    v->requests++;
    if (r->outcome == LR_RESP_TIMEOUT) {
        v->timeouts++;
        metrics_add(vu->shard, M_TIMEOUT_ERRORS, 1);
    }
    if (r->outcome == LR_RESP_OK && r->status == 503) {
        v->db_errors++;
        metrics_add(vu->shard, M_DB_CONNECTION_ERRORS, 1);
    }
    metrics_add(vu->shard, v->w->m_error_rate, expected ? 0 : 1);
}

static void check(struct lr_vu *vu, bool ok)
{
    metrics_add(vu->shard, M_CHECKS, ok ? 1 : 0);
}

/* End the attempt in progress with outcome o and count it. */
static enum lr_step finish(struct lr_vu *vu, struct world_vu *v, enum history_outcome o)
{
    if (v->rec) {
        v->rec->outcome = (uint8_t)o;
        v->rec->settled_ms = history_clock_ms(v->hist);
    }
    if (o == HISTORY_REFUSED)
        metrics_add(vu->shard, M_FAILED_BOOKINGS, 1);
    else if (o != HISTORY_OK)
        metrics_add(vu->shard, v->w->m_booking_errors, 1);
    v->phase = PH_IDLE;
    return LR_STEP_DONE;
}

/* --- the booking iteration --- */

static enum lr_step begin_attempt(struct lr_vu *vu, struct world_vu *v, struct lr_request *req)
{
    const struct world *w = v->w;
    v->nights = 1 + (int)lr_rand(vu, (uint64_t)w->p.max_stay);
    v->check_in = w->first_day + (int32_t)lr_rand(vu, (uint64_t)(w->p.nights - v->nights + 1));
    v->room_type_id = w->room_type_ids[lr_rand(vu, (uint64_t)w->nroom_types)];
    v->quantity = 1 + (int)lr_rand(vu, (uint64_t)w->p.max_quantity);
    v->attempt++;
    v->rec = NULL;
    v->hold_id = v->booking_id = 0;
    v->booking_ms = 0;
    v->tries = 0;
    v->confirm_maybe = false;
    v->late = false;
    if (w->p.availability)
        return send_availability(v, req);
    v->rec = history_begin(v->hist, v->room_type_id, v->check_in, v->nights, v->quantity);
    return send_hold(vu, v, req);
}

/* Park at the start barrier with the attempt's first request ready, so that the
 * engine sends it the instant every VU is there; its answer comes back as usual. */
static enum lr_step park(struct lr_vu *vu, struct world_vu *v, struct lr_request *req)
{
    v->passed_barrier = true;
    begin_attempt(vu, v, req);
    return LR_STEP_BARRIER;
}

/* The VU paired with v for shared cancels (num ^ 1), or NULL when none. */
static struct world_vu *partner(const struct lr_vu *vu, const struct world_vu *v)
{
    int p = vu->num ^ 1;
    return v->w->p.cocancel_pct > 0 && p < v->w->nvus ? &v->w->vus[p] : NULL;
}

/* Cancel the kept booking: alone, or (an even VU, now and then) offered to the
 * partner, both cancels then going SHARE_LEAD_MS later. */
static enum lr_step cancel_kept(struct lr_vu *vu, struct world_vu *v, struct lr_request *req)
{
    if (!(vu->num & 1) && partner(vu, v)
        && atomic_load_explicit(&v->share, memory_order_acquire) == SHARE_IDLE
        && (int)lr_rand(vu, 100) < v->w->p.cocancel_pct) {
        v->share_rec = v->kept;
        v->share_go_ms = history_clock_ms(v->hist) + SHARE_LEAD_MS;
        atomic_store_explicit(&v->share, SHARE_OFFERED, memory_order_release);
        return wait_then(v, req, PH_WAIT_SHARE, SHARE_LEAD_MS);
    }
    return send_cancel(v, req, false);
}

/* The offerer's instant has come: take the offer back unless the partner took it, and
 * cancel. */
static enum lr_step shared_go(struct world_vu *v, struct lr_request *req)
{
    int offered = SHARE_OFFERED;
    bool alone = atomic_compare_exchange_strong_explicit(
        &v->share, &offered, SHARE_IDLE, memory_order_acq_rel, memory_order_acquire);
    return send_cancel(v, req, !alone);
}

/* An odd VU takes its partner's offered booking, if there is one, and waits for the
 * instant to cancel it. */
static bool take_shared(struct lr_vu *vu, struct world_vu *v, struct lr_request *req,
                        enum lr_step *step)
{
    struct world_vu *p = (vu->num & 1) ? partner(vu, v) : NULL;
    int offered = SHARE_OFFERED;
    if (!p
        || !atomic_compare_exchange_strong_explicit(&p->share, &offered, SHARE_TAKEN,
                                                    memory_order_acq_rel, memory_order_acquire))
        return false;
    v->co_rec = p->share_rec;
    v->co_auth = p->auth;
    int64_t wait = p->share_go_ms - history_clock_ms(v->hist);
    *step = wait > 0 ? wait_then(v, req, PH_WAIT_COCANCEL, (double)wait) : send_cocancel(v, req);
    return true;
}

static enum lr_step own_turn(struct lr_vu *vu, struct world_vu *v, struct lr_request *req)
{
    if (v->kept && (int)lr_rand(vu, 100) < v->w->p.cancel_pct)
        return cancel_kept(vu, v, req);
    return begin_attempt(vu, v, req);
}

static enum lr_step after_login(struct lr_vu *vu, struct world_vu *v, struct lr_request *req)
{
    enum lr_step step;
    if (v->w->p.barrier && !v->passed_barrier)
        return park(vu, v, req);
    if (take_shared(vu, v, req, &step))
        return step;
    return own_turn(vu, v, req);
}

static enum lr_step on_login(struct lr_vu *vu, struct world_vu *v, const struct lr_response *r,
                             struct lr_request *req)
{
    /* a VU logs in itself only when the user is its own (world.h) */
    bool ok =
        answered(r, 200)
        && jscan_str(r->body, r->body_len, "token", v->user->token, sizeof v->user->token) > 0;
    bool again = no_answer(r) || answered(r, 429) || answered(r, 503);
    count_response(vu, v, r, ok || answered(r, 429));
    if (ok) {
        check(vu, true);
        v->auth = v->user->token;
        return after_login(vu, v, req);
    }
    if (again && ++v->tries < LOGIN_TRIES)
        return wait_then(v, req, PH_WAIT_LOGIN, LOGIN_WAIT_MS);
    check(vu, false);
    v->phase = PH_IDLE;
    return LR_STEP_ABORT;
}

static enum lr_step on_availability(struct lr_vu *vu, struct world_vu *v,
                                    const struct lr_response *r, struct lr_request *req)
{
    bool ok = answered(r, 200);
    count_response(vu, v, r, ok);
    check(vu, ok);
    v->rec = history_begin(v->hist, v->room_type_id, v->check_in, v->nights, v->quantity);
    return send_hold(vu, v, req);
}

/* The hold's expires_at ("YYYY-MM-DDTHH:MM:SS.mmmZ", UTC) in Unix ms; 0 when absent
 * or not in that form. */
static int64_t hold_expiry_ms(const struct lr_response *r)
{
    char t[32];
    int32_t day;
    int hh, mm, ss, ms;
    if (jscan_str(r->body, r->body_len, "expires_at", t, sizeof t) != 24
        || date_parse(t, 10, &day) < 0
        || sscanf(t + 10, "T%2d:%2d:%2d.%3dZ", &hh, &mm, &ss, &ms) != 4)
        return 0;
    return (((int64_t)day * 24 + hh) * 60 + mm) * 60000 + ss * 1000 + ms;
}

static enum lr_step on_hold(struct lr_vu *vu, struct world_vu *v, const struct lr_response *r,
                            struct lr_request *req)
{
    bool held = answered(r, 201) && jscan_int(r->body, r->body_len, "hold_id", &v->hold_id) == 0;
    bool sold_out = answered(r, 409) && error_code_is(r, "sold_out");
    count_response(vu, v, r, held || sold_out);
    v->booking_ms += r->duration_ms;
    if (held || sold_out)
        check(vu, true);
    if (held) {
        int64_t expiry = hold_expiry_ms(r), now = history_clock_ms(v->hist);
        if (v->rec) {
            v->rec->hold_id = v->hold_id;
            v->rec->hold_expiry_ms = expiry;
        }
        v->tries = 0;
        v->late = expiry > 0 && expiry - now <= WORLD_LATE_MAX_MS
                  && (int)lr_rand(vu, 100) < v->w->p.late_pct;
        if (v->late)
            return wait_then(v, req, PH_WAIT_CONFIRM, (double)(expiry - now + WORLD_LATE_PAST_MS));
        return send_confirm(vu, v, req);
    }
    if (sold_out)
        return finish(vu, v, HISTORY_REFUSED);
    if ((no_answer(r) || (r->outcome == LR_RESP_OK && r->status >= 500)) && ++v->tries < HOLD_TRIES)
        return wait_then(v, req, PH_WAIT_HOLD, backoff_ms(v->tries));
    check(vu, false);
    return finish(vu, v, HISTORY_FAILED);
}

/* A confirm answer that proves no booking was made for the hold: a client error
 * (400 invalid, 401 token, 404 no such hold, 410 expired, 422 key reused), not 429. */
static bool confirm_refused(const struct lr_response *r)
{
    return r->outcome == LR_RESP_OK && r->status >= 400 && r->status < 500 && r->status != 429;
}

/* A confirm that may have committed without the client learning it: sent with no
 * answer, 503 outcome_unknown (lastroomd lost its database connection after sending
 * the call), a success whose booking id could not be read, or any other server error but those that prove the call never ran or was
 * rolled back (503 db_pool_timeout, db_unavailable, busy, shutting_down: never started;
 * db_timeout, db_conflict: rolled back). */
static bool confirm_ambiguous(const struct lr_response *r)
{
    static const char *const definite[] = { "db_pool_timeout", "db_unavailable", "busy",
                                            "shutting_down",   "db_timeout",     "db_conflict" };
    if (r->outcome != LR_RESP_OK)
        return r->sent;
    if (r->status >= 200 && r->status < 300)
        return true; /* a success without a readable booking id */
    if (r->status < 500)
        return false;
    for (size_t i = 0; r->status == 503 && i < sizeof definite / sizeof definite[0]; i++)
        if (error_code_is(r, definite[i]))
            return false;
    return true;
}

static enum lr_step on_confirm(struct lr_vu *vu, struct world_vu *v, const struct lr_response *r,
                               struct lr_request *req)
{
    bool done = (answered(r, 201) || answered(r, 200))
                && jscan_int(r->body, r->body_len, "booking_id", &v->booking_id) == 0;
    bool late_refused = v->late && (answered(r, 410) || answered(r, 404));
    count_response(vu, v, r, done || late_refused);
    v->booking_ms += r->duration_ms;
    if (done) {
        check(vu, true);
        if (v->rec) {
            v->rec->booking_id = v->booking_id;
            v->rec->outcome = HISTORY_OK;
        }
        metrics_add(vu->shard, M_SUCCESSFUL_BOOKINGS, 1);
        metrics_add(vu->shard, M_BOOKING_DURATION, v->booking_ms);
        v->kept = v->rec;
        if (v->rec) {
            v->rec->settled_ms = history_clock_ms(v->hist);
            v->prev_ok = v->last_ok;
            v->prev_ok_attempt = v->last_ok_attempt;
            v->last_ok = v->rec;
            v->last_ok_attempt = v->attempt;
        }
        return send_get_booking(v, req);
    }
    if (confirm_refused(r)) {
        /* 404 and 410 prove that no booking exists for the hold (a committed earlier
         * try would be answered already_confirmed); others only that this try failed */
        bool none = answered(r, 404) || answered(r, 410) || !v->confirm_maybe;
        check(vu, late_refused);
        return finish(vu, v, none ? HISTORY_FAILED : HISTORY_UNKNOWN);
    }
    if (confirm_ambiguous(r))
        v->confirm_maybe = true;
    if (++v->tries < CONFIRM_TRIES)
        return wait_then(v, req, PH_WAIT_CONFIRM, backoff_ms(v->tries));
    check(vu, false);
    return finish(vu, v, v->confirm_maybe ? HISTORY_UNKNOWN : HISTORY_FAILED);
}

static enum lr_step on_booking(struct lr_vu *vu, struct world_vu *v, const struct lr_response *r,
                               struct lr_request *req)
{
    bool ok = answered(r, 200) && jscan_str_eq(r->body, r->body_len, "status", "Confirmed");
    count_response(vu, v, r, ok);
    check(vu, ok);
    if (v->prev_ok && v->prev_ok->replay == HISTORY_REPLAY_NONE
        && (int)lr_rand(vu, 100) < v->w->p.replay_pct)
        return send_replay(vu, v, req);
    v->phase = PH_IDLE;
    return LR_STEP_DONE;
}

/* The replayed confirm must name the booking told the first time. */
static enum lr_step on_replay(struct lr_vu *vu, struct world_vu *v, const struct lr_response *r)
{
    int64_t id = 0;
    bool ok = (answered(r, 200) || answered(r, 201))
              && jscan_int(r->body, r->body_len, "booking_id", &id) == 0;
    count_response(vu, v, r, ok);
    check(vu, ok);
    if (ok) {
        v->prev_ok->replay =
            id == v->prev_ok->booking_id ? HISTORY_REPLAY_SAME : HISTORY_REPLAY_OTHER;
        v->prev_ok->replay_booking_id = id;
    }
    v->phase = PH_IDLE;
    return LR_STEP_DONE;
}

static enum lr_step on_cancel(struct lr_vu *vu, struct world_vu *v, const struct lr_response *r,
                              struct lr_request *req)
{
    bool ok = answered(r, 200) || (answered(r, 409) && error_code_is(r, "already_cancelled"));
    count_response(vu, v, r, ok);
    check(vu, ok);
    v->kept->cancel_wins += answered(r, 200);
    if (ok)
        v->kept->cancel = HISTORY_CANCEL_OK;
    else if (answered(r, 404) || (answered(r, 409) && error_code_is(r, "inventory_conflict")))
        v->kept->cancel = HISTORY_CANCEL_NONE; /* refused: nothing was cancelled */
    if (ok && (int)lr_rand(vu, 100) < v->w->p.recancel_pct)
        return send_cancel(v, req, false);
    v->kept = NULL;
    return begin_attempt(vu, v, req);
}

/* A cancel sent again: already_cancelled is the answer; what the first one settled
 * stands. */
static enum lr_step on_recancel(struct lr_vu *vu, struct world_vu *v, const struct lr_response *r,
                                struct lr_request *req)
{
    bool ok = answered(r, 409) && error_code_is(r, "already_cancelled");
    count_response(vu, v, r, ok);
    check(vu, ok);
    v->kept->cancel_wins += answered(r, 200);
    v->kept = NULL;
    return begin_attempt(vu, v, req);
}

/* The partner's booking cancelled at the same instant: record the answer in its record
 * (co_cancel, written by this VU only), free the partner's slot, go on. */
static enum lr_step on_cocancel(struct lr_vu *vu, struct world_vu *v, const struct lr_response *r,
                                struct lr_request *req)
{
    bool won = answered(r, 200);
    bool already = answered(r, 409) && error_code_is(r, "already_cancelled");
    bool refused = answered(r, 404) || (answered(r, 409) && error_code_is(r, "inventory_conflict"));
    count_response(vu, v, r, won || already);
    check(vu, won || already);
    v->co_rec->co_cancel = won       ? HISTORY_CO_CANCELLED
                           : already ? HISTORY_CO_ALREADY
                           : refused ? HISTORY_CO_REFUSED
                                     : HISTORY_CO_UNKNOWN;
    v->co_rec = NULL;
    atomic_store_explicit(&partner(vu, v)->share, SHARE_IDLE, memory_order_release);
    return own_turn(vu, v, req);
}

/* The engine woke the VU up after a wait this machine asked for. */
static enum lr_step on_woken(struct lr_vu *vu, struct world_vu *v, struct lr_request *req)
{
    switch (v->phase) {
    case PH_WAIT_LOGIN: return send_login(v, req);
    case PH_WAIT_HOLD: return send_hold(vu, v, req);
    case PH_WAIT_CONFIRM: return send_confirm(vu, v, req);
    case PH_AVAIL: return send_availability(v, req); /* released without a burst */
    case PH_HOLD: return send_hold(vu, v, req);
    case PH_WAIT_SHARE: return shared_go(v, req);
    case PH_WAIT_COCANCEL: return send_cocancel(v, req);
    default: return LR_STEP_ABORT;
    }
}

static enum lr_step start(struct lr_vu *vu, struct world_vu *v, struct lr_request *req)
{
    v->tries = 0;
    v->rec = NULL;
    if (!v->auth)
        return send_login(v, req);
    return after_login(vu, v, req);
}

enum lr_step booking_step(struct lr_vu *vu, const struct lr_response *resp, struct lr_request *req)
{
    struct world_vu *v = vu->data;
    if (!resp)
        return start(vu, v, req);
    if (resp->outcome == LR_RESP_SLEPT || resp->outcome == LR_RESP_RELEASED)
        return on_woken(vu, v, req);
    switch (v->phase) {
    case PH_LOGIN: return on_login(vu, v, resp, req);
    case PH_AVAIL: return on_availability(vu, v, resp, req);
    case PH_HOLD: return on_hold(vu, v, resp, req);
    case PH_CONFIRM: return on_confirm(vu, v, resp, req);
    case PH_VERIFY: return on_booking(vu, v, resp, req);
    case PH_CANCEL: return on_cancel(vu, v, resp, req);
    case PH_RECANCEL: return on_recancel(vu, v, resp, req);
    case PH_REPLAY: return on_replay(vu, v, resp);
    case PH_COCANCEL: return on_cocancel(vu, v, resp, req);
    default: return LR_STEP_ABORT;
    }
}

/* --- pool-stress --- */

static enum lr_step send_simple(struct world_vu *v, struct lr_request *req, enum booking_req name,
                                const char *path)
{
    req_start(v, req, "GET", name, v->auth);
    snprintf(req->path, sizeof req->path, "%s", path);
    v->phase = PH_SIMPLE;
    return LR_STEP_REQUEST;
}

static enum lr_step send_release(struct world_vu *v, struct lr_request *req)
{
    req_start(v, req, "DELETE", BR_RELEASE, v->auth);
    snprintf(req->path, sizeof req->path, "/api/holds/%lld", (long long)v->hold_id);
    v->phase = PH_RELEASE;
    return LR_STEP_REQUEST;
}

static enum lr_step pool_start(struct lr_vu *vu, struct world_vu *v, struct lr_request *req)
{
    const struct world *w = v->w;
    v->nights = 1;
    v->check_in = w->first_day + (int32_t)lr_rand(vu, (uint64_t)w->p.nights);
    v->room_type_id = w->room_type_id;
    v->quantity = 1;
    v->attempt++;
    switch (lr_rand(vu, 4)) {
    case 0: return send_simple(v, req, BR_HOTELS, "/api/hotels");
    case 1: return send_availability(v, req);
    case 2: return send_simple(v, req, BR_HEALTH, "/health");
    default: v->rec = NULL; return send_hold(vu, v, req);
    }
}

static enum lr_step pool_end(struct lr_vu *vu, struct world_vu *v, const struct lr_response *r,
                             bool ok)
{
    count_response(vu, v, r, ok);
    check(vu, ok);
    v->phase = PH_IDLE;
    return LR_STEP_DONE;
}

enum lr_step booking_pool_step(struct lr_vu *vu, const struct lr_response *resp,
                               struct lr_request *req)
{
    struct world_vu *v = vu->data;
    if (!resp)
        return pool_start(vu, v, req);
    switch (v->phase) {
    case PH_HOLD:
        if (answered(resp, 201)
            && jscan_int(resp->body, resp->body_len, "hold_id", &v->hold_id) == 0) {
            count_response(vu, v, resp, true);
            check(vu, true);
            return send_release(v, req);
        }
        return pool_end(vu, v, resp, false);
    case PH_RELEASE:
    case PH_AVAIL:
    case PH_SIMPLE: return pool_end(vu, v, resp, answered(resp, 200));
    default: return LR_STEP_ABORT;
    }
}
