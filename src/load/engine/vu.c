/*
 * vu.c: the virtual user's state machine and each worker's share of the executor.
 *
 * A VU is a small state machine driven by its worker's event loop:
 *
 *   IDLE --begin--> RUNNING --step: REQUEST--> WAIT_HTTP --response--> RUNNING ...
 *                        \--step: SLEEP--> SLEEPING --timer--> RUNNING
 *                        \--step: BARRIER--> PARKED --release--> RUNNING (or WAIT_HTTP)
 *                        \--step: DONE / ABORT--> IDLE --executor: next iteration?
 *
 * Everything here runs on the VU's own worker thread and needs no lock; nothing here
 * allocates. Time: iteration_duration runs from the iteration's intended start, which
 * in the arrival-rate executors is its slot in the schedule (so a late start, because
 * every VU was busy or the loop was behind, shows in iteration_duration: no
 * coordinated omission); http_req_duration runs from the first byte written.
 */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "load/engine/runner_int.h"

/* ---- helpers ------------------------------------------------------------------- */

uint64_t lr_rand(struct lr_vu *vu, uint64_t n)
{
    uint64_t x = vu->rng ? vu->rng : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    vu->rng = x;
    return n ? (x * 2685821657736338717ull) % n : 0;
}

static double ns_ms(uint64_t a, uint64_t b)
{
    return b > a ? (double)(b - a) / 1e6 : 0;
}

/* A sample with tags t (a request's and answer's, or its part's). */
static void w_add_tagged(struct worker *w, int metric, const struct metrics_tags *t, double v)
{
    metrics_add_tagged(w->shard, metric, t, v);
    if (w->nd)
        export_ndjson_point_tagged(w->nd, metric, v,
                                   (int64_t)clock_mono_ns() + w->run->real_minus_mono, t);
}

static bool status_expected(const struct slot *s, int status)
{
    if (status >= 200 && status < 400)
        return true;
    for (int i = 0; i < 4 && s->expect[i]; i++)
        if (s->expect[i] == status)
            return true;
    return false;
}

static void reset_req(struct lr_request *q)
{
    q->method = NULL;
    q->path[0] = '\0';
    q->body_len = 0;
    q->token = NULL;
    q->idempotency_key[0] = '\0';
    q->name = -1;
    q->timeout_ms = 0;
    q->barrier_timeout_ms = 0;
    q->sleep_ms = 0;
    memset(q->expect_status, 0, sizeof q->expect_status);
    q->headers = NULL;
    q->name_tag = NULL;
    q->group = NULL;
    q->tags = NULL;
    q->redirects = 0;
}

/* ---- one VU's iteration -------------------------------------------------------------- */

static void vu_act(struct slot *s, enum lr_step what);
static void vu_next(struct slot *s);

static void vu_step(struct slot *s, const struct lr_response *resp)
{
    struct worker *w = s->w;
    if (w->depth >= RUNNER_MAX_DEPTH) { /* unwind: continue from the loop */
        s->deferred_resp = resp != NULL;
        if (resp)
            s->pending = *resp;
        s->timer_kind = VT_DEFER;
        loop_timer_arm(w->loop, &s->timer, 0);
        return;
    }
    w->depth++;
    reset_req(&w->req);
    vu_act(s, w->run->cfg->scenario->step(&s->vu, resp, &w->req));
    w->depth--;
}

static void vu_begin(struct slot *s, uint64_t intended)
{
    s->st = VU_RUNNING;
    s->intended_ns = intended ? intended : clock_mono_ns();
    s->vu.iteration++;
    httpc_cookies_clear(&s->conn); /* k6: a new iteration, an empty jar */
    s->wp->running++;
    atomic_fetch_add(&s->wp->pr->inflight, 1);
    vu_step(s, NULL);
}

/* The iteration is over: counted (complete or aborted) or interrupted. recheck: let
 * the barrier release without this VU now (else the caller does, once the VU has
 * begun its next iteration or not: a VU that goes straight on to its next iteration
 * is not left out of the barrier by the instant in between). */
static void vu_end_then(struct slot *s, bool counted, bool recheck)
{
    struct worker *w = s->w;
    struct part_run *pr = s->wp->pr;
    if (counted) {
        w_add_tagged(w, M_ITERATIONS, &pr->tags, 1);
        w_add_tagged(w, M_ITERATION_DURATION, &pr->tags, ns_ms(s->intended_ns, clock_mono_ns()));
        atomic_fetch_add_explicit(&w->iters, 1, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&w->interrupted, 1, memory_order_relaxed);
    }
    s->st = VU_IDLE;
    loop_timer_disarm(w->loop, &s->deadline);
    s->wp->running--;
    atomic_fetch_sub(&pr->inflight, 1);
    if (recheck)
        runner_barrier_recheck(pr);
}

static void vu_end(struct slot *s, bool counted)
{
    vu_end_then(s, counted, true);
}

static void vu_interrupt(struct slot *s)
{
    if (s->st == VU_IDLE)
        return;
    httpc_close(&s->conn);
    loop_timer_disarm(s->w->loop, &s->timer);
    if (s->st == VU_PARKED)
        runner_barrier_unpark(s);
    s->prepared = false;
    vu_end(s, false);
}

static void vu_send(struct slot *s)
{
    const struct runner_config *cfg = s->w->run->cfg;
    double ms = s->w->req.timeout_ms > 0 ? s->w->req.timeout_ms : cfg->timeout_s * 1e3;
    s->st = VU_WAIT_HTTP;
    httpc_send(&s->conn, clock_mono_ns() + (uint64_t)(ms * 1e6));
}

static void vu_take_request(struct slot *s)
{
    const struct lr_request *q = &s->w->req;
    const struct run *r = s->w->run;
    s->req_name = q->name >= 0 && q->name < r->nnames ? q->name : -1;
    s->name_tag = s->req_name >= 0 ? r->cfg->scenario->names[s->req_name] : q->name_tag;
    s->method = q->method ? q->method : "GET";
    s->group = q->group;
    s->utags = q->tags;
    s->token = q->token;
    s->headers = q->headers;
    int max = q->redirects ? q->redirects : r->cfg->max_redirects;
    s->redirects_left = max == 0 ? 10 : max < 0 ? -1 : max; /* -1: not followed */
    memcpy(s->expect, q->expect_status, sizeof s->expect);
}

static void vu_act(struct slot *s, enum lr_step what)
{
    struct worker *w = s->w;
    switch (what) {
    case LR_STEP_REQUEST:
        if (httpc_prepare(&s->conn, &w->req) != 0)
            break; /* cannot be written: an abort */
        vu_take_request(s);
        vu_send(s);
        return;
    case LR_STEP_SLEEP:
        s->st = VU_SLEEPING;
        s->timer_kind = VT_SLEEP;
        loop_timer_arm(w->loop, &s->timer,
                       clock_mono_ns()
                           + (uint64_t)(w->req.sleep_ms > 0 ? w->req.sleep_ms * 1e6 : 0));
        return;
    case LR_STEP_BARRIER:
        s->prepared = w->req.method != NULL && httpc_prepare(&s->conn, &w->req) == 0;
        if (s->prepared) {
            vu_take_request(s);
            httpc_connect(&s->conn);
        }
        if (w->req.barrier_timeout_ms > 0) {
            s->timer_kind = VT_BARRIER;
            loop_timer_arm(w->loop, &s->timer,
                           clock_mono_ns() + (uint64_t)(w->req.barrier_timeout_ms * 1e6));
        }
        runner_barrier_park(s);
        return;
    default: break;
    }
    vu_end_then(s, true, false);
    vu_next(s);
    runner_barrier_recheck(s->wp->pr);
}

static void vu_timer_fired(struct loop_timer *t)
{
    struct slot *s = container_of(t, struct slot, timer);
    if (s->timer_kind == VT_DEFER) {
        if (s->st == VU_IDLE)
            vu_begin(s, s->intended_ns);
        else
            vu_step(s, s->deferred_resp ? &s->pending : NULL);
        return;
    }
    if (s->timer_kind == VT_BARRIER) {
        if (s->st == VU_PARKED)
            runner_barrier_timeout(s);
        return;
    }
    struct lr_response r = { .outcome = LR_RESP_SLEPT };
    s->st = VU_RUNNING;
    vu_step(s, &r);
}

static void vu_deadline_fired(struct loop_timer *t)
{
    struct slot *s = container_of(t, struct slot, deadline);
    vu_interrupt(s);
}

/* ---- recording a response ------------------------------------------------------------- */

/* The tags of the answer c gave to s's request (result r). */
static void response_tags(const struct slot *s, const struct httpc_conn *c, enum httpc_result r,
                          bool failed, const char *error, struct metrics_tags *t)
{
    const struct metrics *m = s->w->run->m;
    *t = s->wp->pr->tags; /* the run's, scenario:<name>, the scenario's own */
    t->v[MT_METHOD] = s->method;
    t->v[MT_STATUS] = metrics_status_text(r == HTTPC_OK ? c->status : 0);
    t->v[MT_NAME] = s->name_tag;
    t->v[MT_GROUP] = s->group ? s->group : "";
    t->v[MT_EXPECTED_RESPONSE] = failed ? "false" : "true";
    t->v[MT_ERROR] = error                                  ? error
                     : r == HTTPC_TLS_ERROR && c->tls_error ? c->tls_error
                                                            : httpc_result_name(r);
    for (const char *const *u = s->utags; u && u[0] && u[1]; u += 2) {
        int k = metrics_tag_key_find(m, u[0]);
        if (k >= MT_BUILTIN_KEYS)
            t->v[k] = u[1];
    }
}

static void record_ok(struct worker *w, const struct httpc_conn *c, const struct metrics_tags *t,
                      bool failed)
{
    w_add_tagged(w, M_HTTP_REQ_DURATION, t, ns_ms(c->t_write, c->t_done));
    w_add_tagged(w, M_HTTP_REQ_WAITING, t, ns_ms(c->t_sent, c->t_first));
    w_add_tagged(w, M_HTTP_REQ_SENDING, t, ns_ms(c->t_write, c->t_sent));
    w_add_tagged(w, M_HTTP_REQ_RECEIVING, t, ns_ms(c->t_first, c->t_done));
    w_add_tagged(w, M_HTTP_REQ_CONNECTING, t, c->reused ? 0 : ns_ms(c->t_start, c->t_connected));
    if (c->tls_req)
        w_add_tagged(w, M_HTTP_REQ_TLS_HANDSHAKING, t,
                     c->reused ? 0 : ns_ms(c->t_connected, c->t_tls));
    w_add_tagged(w, M_HTTP_REQ_FAILED, t, failed);
}

/* Record the samples of one answer; error (or NULL) overrides the error tag and makes
 * the request a failure. */
static void record_response(struct slot *s, const struct httpc_conn *c, enum httpc_result r,
                            const char *error)
{
    struct worker *w = s->w;
    struct metrics_tags t;
    bool failed = r != HTTPC_OK || !status_expected(s, c->status) || error;
    response_tags(s, c, r, failed, error, &t);
    w_add_tagged(w, M_HTTP_REQS, &t, 1);
    atomic_fetch_add_explicit(&w->reqs, 1, memory_order_relaxed);
    w_add_tagged(w, M_DATA_SENT, &t, (double)c->bytes_sent);
    w_add_tagged(w, M_DATA_RECEIVED, &t, (double)c->bytes_recv);
    if (w->tl)
        timeline_request(w->tl, runner_elapsed(w->run, clock_mono_ns()),
                         r == HTTPC_OK ? ns_ms(c->t_write, c->t_done) : -1, failed);
    if (r == HTTPC_OK) {
        record_ok(w, c, &t, failed);
        return;
    }
    w_add_tagged(w, M_HTTP_REQ_FAILED, &t, 1);
    w_add_tagged(w, w->run->transport_err, &t, 1);
    if (r == HTTPC_TIMEOUT)
        w_add_tagged(w, M_TIMEOUT_ERRORS, &t, 1);
    if (c->wlen > 0 && c->woff == c->wlen) { /* sent, unanswered: outcome unknown */
        w_add_tagged(w, w->run->unknown, &t, 1);
        if (w->run->cfg->unknown)
            w->run->cfg->unknown(w->run->cfg->unknown_arg, c->t_write); /* when sent */
    }
}

/* A redirect the VU follows (301, 302 and 303 as GET; 307 and 308 only for GET and
 * HEAD, whose body there is none to resend), to its own origin or another (k6 follows
 * both; on another, the request's Authorization and Cookie headers and its token are
 * not sent): the hop is recorded as its own request, the next one sent, and true
 * returned. Beyond --max-redirects, false with *exhausted set: the answer is recorded
 * as a failure (too_many_redirects). */
static bool vu_redirect(struct slot *s, struct httpc_conn *c, bool *exhausted)
{
    struct lr_request *q = &s->w->req;
    char path[LR_PATH_MAX], origin[HTTPC_HOST_MAX + 16], hdrs[HTTPC_EXTRA_MAX + 1];
    bool keeps_method = c->status == 307 || c->status == 308;
    bool bodyless = !strcmp(s->method, "GET") || !strcmp(s->method, "HEAD");
    *exhausted = false;
    if ((keeps_method && !bodyless) || s->redirects_left < 0
        || httpc_location(c, origin, sizeof origin, path, sizeof path) != 0)
        return false;
    if (s->redirects_left == 0)
        return *exhausted = true, false;
    if (httpc_set_origin(c, origin) != 0)
        return false; /* given to the scenario as it came */
    bool away = httpc_away(c);
    reset_req(q);
    memcpy(q->path, path, strlen(path) + 1);
    q->method = keeps_method || !strcmp(s->method, "HEAD") ? s->method : "GET";
    q->token = away ? NULL : s->token;
    q->headers = s->headers;
    if (away && s->headers) {
        httpc_strip_credentials(s->headers, hdrs, sizeof hdrs);
        q->headers = hdrs;
    }
    if (httpc_prepare_from_root(c, q) != 0)
        return false;
    record_response(s, c, HTTPC_OK, NULL); /* reads no field the preparing changed */
    s->redirects_left--;
    s->method = q->method;
    vu_send(s);
    return true;
}

static void vu_http_done(struct httpc_conn *c, enum httpc_result r)
{
    struct slot *s = container_of(c, struct slot, conn);
    if (s->st != VU_WAIT_HTTP)
        return;
    bool exhausted = false, followed = false;
    if (r == HTTPC_OK && httpc_is_redirect(c->status) && c->location_len > 0)
        followed = vu_redirect(s, c, &exhausted);
    if (followed)
        return;
    record_response(s, c, r, exhausted ? "too_many_redirects" : NULL);
    uint64_t done = c->t_done ? c->t_done : clock_mono_ns();
    struct lr_response resp = {
        .outcome = r == HTTPC_OK        ? LR_RESP_OK
                   : r == HTTPC_TIMEOUT ? LR_RESP_TIMEOUT
                                        : LR_RESP_CONN_ERROR,
        .status = r == HTTPC_OK ? c->status : 0,
        .body = c->body,
        .body_len = r == HTTPC_OK ? c->body_len : 0,
        .headers = c->buf,
        .headers_len = r == HTTPC_OK ? c->hdrs_len : 0,
        .duration_ms = ns_ms(c->t_write, done),
        .sent = c->wlen > 0 && c->woff == c->wlen,
        .release_gen = s->rel_gen,
        .released_ns = s->rel_ns,
        .release_open_ns = s->rel_open_ns,
        .answered_ns = done,
        .barrier_timed_out = s->rel_gen && s->rel_timed,
    };
    s->rel_gen = 0;
    s->st = VU_RUNNING;
    vu_step(s, &resp);
}

/* ---- executors: when does a VU start an iteration ---------------------------------- */

static bool arrival_type(const struct lr_exec_config *c)
{
    return c->type == LR_EXEC_CONSTANT_ARRIVAL_RATE || c->type == LR_EXEC_RAMPING_ARRIVAL_RATE;
}

/* Seconds since wp's part started. */
static double part_elapsed(const struct wpart *wp, uint64_t now)
{
    return now > wp->pr->t0 ? (double)(now - wp->pr->t0) / 1e9 : 0;
}

/* The worker stops its loop once every part's share is done. */
static void worker_maybe_done(struct worker *w)
{
    if (w->done)
        return;
    for (int i = 0; i < w->run->nparts; i++)
        if (!w->parts[i].done)
            return;
    w->done = true;
    loop_stop(w->loop);
}

static void wpart_maybe_done(struct wpart *wp)
{
    if (wp->done || wp->running > 0)
        return;
    const struct lr_exec_config *c = &wp->pr->p.exec;
    bool more = !wp->ending && !runner_stopping();
    if (more && !wp->started)
        return; /* its startTime is still to come */
    if (wp->n == 0)
        more = false; /* none of its VUs live here */
    if (more && c->type == LR_EXEC_SHARED_ITERATIONS)
        more = atomic_load(&wp->pr->shared_next) < c->iterations;
    if (more && c->type == LR_EXEC_PER_VU_ITERATIONS) {
        more = false;
        for (int i = 0; i < wp->n && !more; i++)
            more = wp->slots[i].iters_left > 0;
    }
    if (more)
        return;
    wp->done = true;
    worker_maybe_done(wp->w);
}

static void vu_set_active(struct slot *s, bool on)
{
    if (s->active == on)
        return;
    s->active = on;
    atomic_fetch_add_explicit(&s->w->active, on ? 1 : -1, memory_order_relaxed);
}

static void vu_next(struct slot *s)
{
    struct wpart *wp = s->wp;
    const struct lr_exec_config *c = &wp->pr->p.exec;
    int64_t idx;
    bool again = false;
    if (!wp->ending && !runner_stopping()) {
        switch (c->type) {
        case LR_EXEC_SHARED_ITERATIONS:
            again = exec_take(&wp->pr->shared_next, c->iterations, &idx);
            break;
        case LR_EXEC_PER_VU_ITERATIONS: again = s->iters_left > 0 && s->iters_left-- > 0; break;
        case LR_EXEC_CONSTANT_VUS:
        case LR_EXEC_RAMPING_VUS: again = s->active; break;
        default:
            exec_pool_put(&wp->pool, (uint32_t)s->local);
            vu_set_active(s, false);
            break;
        }
    }
    if (again) {
        vu_begin(s, 0);
        return;
    }
    if (!arrival_type(c))
        vu_set_active(s, false);
    wpart_maybe_done(wp);
}

/* ramping-vus: follow the target count; the part's VU j is wanted while j < target. */
static void worker_ramp(struct loop_timer *t)
{
    struct wpart *wp = container_of(t, struct wpart, tick);
    struct worker *w = wp->w;
    const struct lr_exec_config *c = &wp->pr->p.exec;
    uint64_t now = clock_mono_ns();
    int target = exec_vus_at(c, part_elapsed(wp, now));
    for (int i = 0; i < wp->n && !wp->ending; i++) {
        struct slot *s = &wp->slots[i];
        bool want = s->pnum < target;
        if (want && !s->active) {
            vu_set_active(s, true);
            loop_timer_disarm(w->loop, &s->deadline);
            if (s->st == VU_IDLE)
                vu_begin(s, 0);
        } else if (!want && s->active) {
            vu_set_active(s, false);
            if (s->st != VU_IDLE)
                loop_timer_arm(w->loop, &s->deadline,
                               now + (uint64_t)(c->graceful_ramp_down_s * 1e9));
        }
    }
    if (!wp->ending)
        loop_timer_arm(w->loop, &wp->tick, now + RUNNER_TICK_NS);
}

/* arrival-rate: start every iteration of this worker's share that is due. */
static void worker_arrivals(struct loop_timer *t)
{
    struct wpart *wp = container_of(t, struct wpart, arrival);
    struct worker *w = wp->w;
    const struct part_run *pr = wp->pr;
    double at;
    if (wp->ending)
        return;
    while (exec_cursor_due(&pr->p.exec, &wp->cursor, part_elapsed(wp, clock_mono_ns()), &at)) {
        int64_t v = exec_pool_get(&wp->pool);
        if (v < 0) {
            w_add_tagged(w, M_DROPPED_ITERATIONS, &pr->tags, 1);
            atomic_fetch_add_explicit(&w->dropped, 1, memory_order_relaxed);
            continue;
        }
        vu_set_active(&wp->slots[v], true);
        vu_begin(&wp->slots[v], pr->t0 + (uint64_t)(at * 1e9));
    }
    if (at >= 0)
        loop_timer_arm(w->loop, &wp->arrival, pr->t0 + (uint64_t)(at * 1e9));
}

/* The part's scheduled time is over: no new iterations; running ones have
 * gracefulStop. */
static void worker_end(struct loop_timer *t)
{
    struct wpart *wp = container_of(t, struct wpart, end);
    wp->ending = true;
    loop_timer_disarm(wp->w->loop, &wp->tick);
    loop_timer_disarm(wp->w->loop, &wp->arrival);
    wpart_maybe_done(wp);
}

static void wpart_stop_all(struct wpart *wp)
{
    wp->ending = true;
    loop_timer_disarm(wp->w->loop, &wp->start);
    for (int i = 0; i < wp->n; i++) {
        vu_interrupt(&wp->slots[i]);
        vu_set_active(&wp->slots[i], false);
    }
    wpart_maybe_done(wp);
}

void vu_worker_stop_all(struct worker *w)
{
    for (int i = 0; i < w->run->nparts; i++)
        wpart_stop_all(&w->parts[i]);
}

static void worker_hard(struct loop_timer *t)
{
    wpart_stop_all(container_of(t, struct wpart, hard));
}

static void worker_start_vus(struct wpart *wp)
{
    const struct lr_exec_config *c = &wp->pr->p.exec;
    int64_t idx;
    for (int i = 0; i < wp->n; i++) {
        struct slot *s = &wp->slots[i];
        if (c->type == LR_EXEC_SHARED_ITERATIONS
            && !exec_take(&wp->pr->shared_next, c->iterations, &idx))
            break;
        if (c->type == LR_EXEC_PER_VU_ITERATIONS)
            s->iters_left = c->iterations - 1;
        vu_set_active(s, true);
        vu_begin(s, 0);
    }
}

/* wp's part starts (at once, or at its startTime from a timer): its executor begins. */
static void wpart_start(struct wpart *wp)
{
    struct worker *w = wp->w;
    struct part_run *pr = wp->pr;
    const struct lr_exec_config *c = &pr->p.exec;
    if (!wp->started && !wp->ending) {
        wp->started = true;
        loop_timer_arm(w->loop, &wp->end, pr->t0 + (uint64_t)(pr->end_s * 1e9));
        loop_timer_arm(w->loop, &wp->hard, pr->t0 + (uint64_t)(pr->hard_s * 1e9));
        int depth = w->depth;
        w->depth = RUNNER_MAX_DEPTH; /* first steps run from the loop, all alike */
        if (wp->n == 0)
            ; /* none of its VUs on this thread */
        else if (c->type == LR_EXEC_RAMPING_VUS)
            worker_ramp(&wp->tick);
        else if (arrival_type(c))
            loop_timer_arm(w->loop, &wp->arrival, pr->t0);
        else
            worker_start_vus(wp);
        w->depth = depth;
    }
    atomic_fetch_sub(&pr->starting, 1);
    runner_barrier_recheck(pr);
    wpart_maybe_done(wp);
}

static void worker_start_timer(struct loop_timer *t)
{
    wpart_start(container_of(t, struct wpart, start));
}

void vu_worker_start(struct worker *w)
{
    for (int i = 0; i < w->run->nparts; i++) {
        struct wpart *wp = &w->parts[i];
        if (wp->pr->p.start_s > 0)
            loop_timer_arm(w->loop, &wp->start, wp->pr->t0);
        else
            wpart_start(wp);
    }
}

/* Send every prepared request of the released VUs first, then let the rest step. */
void vu_worker_release(struct wpart *wp, uint64_t gen)
{
    struct worker *w = wp->w;
    struct slot **now = w->release;
    int n = 0;
    for (int i = 0; i < w->nparked;) {
        struct slot *s = w->parked[i];
        if (s->wp == wp && s->park_gen < gen) {
            now[n++] = s;
            w->parked[i] = w->parked[--w->nparked];
        } else {
            i++;
        }
    }
    bool timed = atomic_load(&wp->pr->bar_timed_gen) == gen;
    uint64_t opened = runner_barrier_opened(wp->pr, gen);
    for (int i = 0; i < n; i++)
        if (now[i]->prepared) {
            now[i]->prepared = false;
            now[i]->st = VU_WAIT_HTTP;
            now[i]->rel_ns = clock_mono_ns();
            httpc_send(&now[i]->conn, now[i]->rel_ns + (uint64_t)(w->run->cfg->timeout_s * 1e9));
        }
    for (int i = 0; i < n; i++) {
        now[i]->rel_gen = gen;
        now[i]->rel_open_ns = opened;
        now[i]->rel_timed = timed;
        if (now[i]->timer_kind == VT_BARRIER)
            loop_timer_disarm(w->loop, &now[i]->timer);
    }
    for (int i = 0; i < n; i++)
        if (now[i]->st == VU_PARKED) {
            struct lr_response rel = { .outcome = LR_RESP_RELEASED,
                                       .release_gen = gen,
                                       .released_ns = clock_mono_ns(),
                                       .release_open_ns = opened,
                                       .barrier_timed_out = timed };
            now[i]->st = VU_RUNNING;
            now[i]->rel_gen = 0;
            vu_step(now[i], &rel);
        }
}

/* ---- set-up --------------------------------------------------------------------------- */

void vu_worker_timers(struct worker *w)
{
    for (int i = 0; i < w->run->nparts; i++) {
        w->parts[i].start.fn = worker_start_timer;
        w->parts[i].arrival.fn = worker_arrivals;
        w->parts[i].tick.fn = worker_ramp;
        w->parts[i].end.fn = worker_end;
        w->parts[i].hard.fn = worker_hard;
    }
}

void vu_slot_init(struct wpart *wp, struct slot *s, int local, char *mem)
{
    struct worker *w = wp->w;
    const struct runner_config *cfg = w->run->cfg;
    size_t wcap = httpc_wbuf_size(cfg->target);
    s->w = w;
    s->wp = wp;
    s->local = local;
    s->timer.fn = vu_timer_fired;
    s->deadline.fn = vu_deadline_fired;
    httpc_init(&s->conn, w->loop, cfg->target, &cfg->limits, mem, wcap, mem + wcap, vu_http_done);
    httpc_set_pool(&s->conn, &w->bigbufs);
    s->pnum = runner_part_first(w->run, wp->pr, w->idx) + local * w->run->nw;
    int num = wp->pr->base + s->pnum;
    s->vu = (struct lr_vu){ .id = cfg->segment ? (int)seg_index(cfg->segment, num) : num,
                            .num = num,
                            .thread = w->idx,
                            .part = &wp->pr->p,
                            .shard = w->shard,
                            .env = cfg->env };
}
