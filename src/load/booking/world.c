/*
 * world.c: setting up, verifying and tearing down a booking scenario's world.
 *
 * Setup runs once on the main thread before any VU exists: it logs in as the admin
 * (ADMIN_EMAIL / ADMIN_PASSWORD), creates a hotel and a room type named after a
 * per-run nonce, sets the allotment, registers the users (a few at a time, since the
 * server hashes passwords slowly on purpose), and preallocates every VU's state and
 * history. Users are either one per VU, each VU logging in as its first request, or
 * fewer (--users N, or the scenario's default), logged in here and shared by the VUs
 * round-robin; every VU keeps a history and idempotency keys of its own either way.
 * The setup data file is worlddata's. Verification runs once after the VUs are gone
 * (verify.c), and its verdict is written by verdict.c.
 */
#include "load/booking/world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/date.h"
#include "load/cliopt.h"
#include "load/booking/verdict.h"
#include "load/booking/worlddata.h"
#include "load/engine/segment.h"

#define FIRST_NIGHT_AHEAD 30 /* the first night with inventory, days from today */
#define REGISTER_THREADS  4

const struct lr_threshold_spec world_thresholds_normal[] = {
    { "overbookings", "count==0", false },
    { "inventory_violations", "count==0", false },
    { "http_req_duration{name:hold}", "p(95)<2000", false },
    { "http_req_duration{name:confirm}", "p(95)<2000", false },
    { "http_req_failed", "rate<0.1", false },
    { "db_connection_errors", "count<10", false },
    { "timeout_errors", "count<10", false },
    { NULL, NULL, false },
};

const struct lr_threshold_spec world_thresholds_high[] = {
    { "overbookings", "count==0", false },
    { "inventory_violations", "count==0", false },
    { "http_req_duration{name:hold}", "p(95)<5000", false },
    { "http_req_duration{name:confirm}", "p(95)<5000", false },
    { "http_req_failed", "rate<0.1", false },
    { "db_connection_errors", "count<10", false },
    { "timeout_errors", "count<10", false },
    { NULL, NULL, false },
};

static void make_nonce(struct world *w, uint64_t seed)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x =
        seed ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 40);
    snprintf(w->nonce, sizeof w->nonce, "%llx", (unsigned long long)(x & 0xffffffffffffULL));
    snprintf(w->password, sizeof w->password, "lr-load-%s-pw", w->nonce);
}

/* The dates of the nights from w->first_day on, and the day after the last. */
static int make_days(struct world *w, char *err, size_t errlen)
{
    w->day = calloc((size_t)w->p.nights + 1, sizeof *w->day);
    if (!w->day)
        return snprintf(err, errlen, "out of memory"), -1;
    for (int i = 0; i <= w->p.nights; i++)
        date_format(w->first_day + i, w->day[i]);
    return 0;
}

/* Hotel, room types and inventory, through the admin API. */
static int make_inventory(struct world *w, const char *scenario, char *err, size_t errlen)
{
    char name[128];
    snprintf(name, sizeof name, "lastroom-load %s %s", scenario, w->nonce);
    if (setup_create_hotel(&w->http, w->admin_token, name, &w->hotel_id, err, errlen) < 0)
        return -1;
    w->nroom_types = w->p.room_types;
    for (int i = 0; i < w->nroom_types; i++)
        if (setup_create_room_type(&w->http, w->admin_token, w->hotel_id,
                                   i ? "Other Room" : "Last Room", &w->room_type_ids[i], err,
                                   errlen)
            < 0)
            return -1;
    w->room_type_id = w->room_type_ids[0];
    w->first_day = date_today_utc() + FIRST_NIGHT_AHEAD;
    if (make_days(w, err, errlen) < 0)
        return -1;
    for (int i = 0; i < w->nroom_types; i++)
        if (setup_set_inventory(&w->http, w->admin_token, w->room_type_ids[i], w->day[0],
                                w->day[w->p.nights], w->p.allotment, err, errlen)
            < 0)
            return -1;
    return 0;
}

const char *const world_options[] = { "--users", NULL };

/* The users to register: --users N, else the scenario's default, at most one per VU;
 * sets w->login_in_setup unless each VU is to log in itself (no --users, and a default
 * of one per VU). Returns the count, or LR_SETUP_USAGE with err. */
static int count_users(struct world *w, const struct lr_scenario_env *env, char *err, size_t errlen)
{
    int n = w->p.users, vus = env->vus_max;
    w->login_in_setup = n > 0;
    for (const char *const *a = env->argv_extra; a && a[0]; a += 2) {
        if (strcmp(a[0], "--users") != 0 || !a[1])
            continue;
        int64_t v;
        if (cliopt_count(a[1], 1000000, &v) != 0)
            return snprintf(err, errlen,
                            "--users: want a count of users (1 to 1000000), "
                            "got '%s'",
                            a[1]),
                   LR_SETUP_USAGE;
        n = (int)v;
        w->login_in_setup = true;
    }
    n = n <= 0 || n > vus ? vus : n;
    int per_user = (vus + n - 1) / n, max = w->p.vus_per_user_max;
    if (max > 0 && per_user > max)
        return snprintf(err, errlen,
                        "--users %d puts up to %d VUs on one user, more than %d: "
                        "lastroomd refuses a user's hold past its live-hold cap (409 "
                        "too_many_holds); give at least %d users for %d VUs",
                        n, per_user, max, (vus + max - 1) / max, vus),
               LR_SETUP_USAGE;
    return n;
}

/* Register n users (and log them in when they are logged in during setup), a few at a
 * time: the server hashes each password slowly on purpose. */
static int make_users(struct world *w, int n, char *err, size_t errlen)
{
    w->users = calloc((size_t)n, sizeof *w->users);
    char **emails = calloc((size_t)n, sizeof *emails);
    char **tokens = calloc((size_t)n, sizeof *tokens);
    int rc = -1;
    if (!w->users || !emails || !tokens) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    w->nusers = n;
    for (int i = 0; i < n; i++) {
        snprintf(w->users[i].email, sizeof w->users[i].email, "lr-%s-%d@load.test", w->nonce, i);
        emails[i] = w->users[i].email;
        tokens[i] = w->users[i].token;
    }
    rc = setup_register_all(&w->http, emails, n, w->password, REGISTER_THREADS, err, errlen);
    if (rc == 0 && w->login_in_setup)
        rc = setup_login_all(&w->http, emails, tokens, sizeof w->users[0].token, n, w->password,
                             REGISTER_THREADS, err, errlen);
out:
    free(emails);
    free(tokens);
    return rc;
}

static int make_vus(struct world *w, const struct lr_scenario_env *env, char *err, size_t errlen)
{
    w->nvus = env->vus_max;
    w->vus = calloc((size_t)w->nvus, sizeof *w->vus);
    w->history = history_new(w->nvus, history_per_vu(w->nvus, env->iterations_hint));
    if (!w->vus || !w->history)
        return snprintf(err, errlen, "out of memory for %d VUs", w->nvus), -1;
    w->history->seg = env->segment;
    for (int i = 0; i < w->nvus; i++) {
        struct world_vu *v = &w->vus[i];
        int64_t id = env->segment ? seg_index(env->segment, i) : i; /* in the test */
        v->w = w;
        v->user = &w->users[id % w->nusers];
        v->hist = history_of(w->history, i);
        v->auth = w->login_in_setup ? v->user->token : NULL;
    }
    return 0;
}

static int define_metrics(struct world *w, struct metrics *m, char *err, size_t errlen)
{
    w->m_booking_errors = metrics_define(m, "booking_errors", METRIC_COUNTER, false);
    w->m_error_rate = metrics_define(m, "error_rate", METRIC_RATE, false);
    if (w->m_booking_errors < 0 || w->m_error_rate < 0)
        return snprintf(err, errlen, "cannot define the scenario's metrics"), -1;
    return 0;
}

/* The world from `setup --setup-out`'s data: the same hotel and users for every part. */
static int build_from_data(struct world *w, struct lr_scenario_env *env, char *err, size_t errlen)
{
    if (setup_http_init(&w->http, env->base_url, 30000, err, errlen) < 0
        || define_metrics(w, env->metrics, err, errlen) < 0
        || worlddata_read(w, env, err, errlen) < 0 || make_days(w, err, errlen) < 0)
        return -1;
    if (env->db_url == NULL && env->admin_email && env->admin_password
        && setup_login(&w->http, env->admin_email, env->admin_password, w->admin_token,
                       sizeof w->admin_token, NULL, err, errlen)
               < 0)
        return -1;
    return make_vus(w, env, err, errlen);
}

static int build(struct world *w, struct lr_scenario_env *env, const char *scenario, char *err,
                 size_t errlen)
{
    if (env->setup_data)
        return build_from_data(w, env, err, errlen);
    if (env->vus_max <= 0)
        return snprintf(err, errlen, "no VUs to prepare"), -1;
    int n = count_users(w, env, err, errlen);
    if (n < 0)
        return n;
    if (!env->admin_email || !env->admin_password || !*env->admin_email)
        return snprintf(err, errlen,
                        "set ADMIN_EMAIL and ADMIN_PASSWORD: setup creates "
                        "its hotel through the admin API"),
               -1;
    make_nonce(w, env->seed);
    if (setup_http_init(&w->http, env->base_url, 30000, err, errlen) < 0
        || define_metrics(w, env->metrics, err, errlen) < 0
        || setup_login(&w->http, env->admin_email, env->admin_password, w->admin_token,
                       sizeof w->admin_token, NULL, err, errlen)
               < 0
        || make_inventory(w, scenario, err, errlen) < 0)
        return -1;
    if (make_users(w, n, err, errlen) < 0)
        return -1;
    if (env->setup_out)
        return worlddata_write(w, env, err, errlen);
    return make_vus(w, env, err, errlen);
}

/* The mixed profile's workload over the scenario's own: two room types on the same
 * dates, 1 to 3 rooms per stay, stays of up to three nights that overlap, a fifth of
 * the holds confirmed after their expiry (when lastroomd's hold TTL is short), a third
 * of the cancels repeated, a third of the confirmed attempts followed by a replay of
 * the previous one's confirm, half of an even VU's cancels sent by its odd partner too. */
static void world_mix(struct world_params *p)
{
    p->room_types = 2;
    p->max_quantity = 3;
    p->max_stay = 3;
    p->nights = p->nights < 5 ? 5 : p->nights;
    p->allotment = p->allotment < 4 ? 4 : p->allotment;
    p->late_pct = 20;
    p->recancel_pct = 35;
    p->replay_pct = 35;
    p->cocancel_pct = 50;
}

static void world_free(struct world *w)
{
    if (!w)
        return;
    history_free(w->history);
    free(w->vus);
    free(w->users);
    free(w->day);
    free(w);
}

int world_setup(struct lr_scenario_env *env, const struct world_params *p, char *err, size_t errlen)
{
    env->data = NULL;
    struct world *w = calloc(1, sizeof *w);
    if (!w)
        return snprintf(err, errlen, "out of memory"), -1;
    w->p = *p;
    if (env->profile && !strcmp(env->profile, "mixed"))
        world_mix(&w->p);
    if (w->p.max_stay < 1 || w->p.max_stay > w->p.nights)
        w->p.max_stay = w->p.nights;
    if (w->p.room_types < 1 || w->p.room_types > WORLD_ROOM_TYPES_MAX)
        w->p.room_types = 1;
    if (w->p.max_quantity < 1)
        w->p.max_quantity = 1;
    int rc = build(w, env, p->scenario, err, errlen);
    if (rc < 0) {
        world_free(w);
        return rc;
    }
    env->data = w;
    return 0;
}

int world_vu_init(struct lr_scenario_env *env, struct lr_vu *vu)
{
    struct world *w = env->data;
    if (!w || vu->num < 0 || vu->num >= w->nvus)
        return -1;
    vu->data = &w->vus[vu->num];
    return 0;
}

void world_teardown(struct lr_scenario_env *env)
{
    world_free(env->data);
    env->data = NULL;
}

/* --- verification and the verdict --- */

/* Make every series the default thresholds name exist, even when nothing happened. */
static void touch_metrics(struct lr_scenario_env *env, const struct world *w)
{
    metrics_add(env->shard, M_DB_CONNECTION_ERRORS, 0);
    metrics_add(env->shard, M_TIMEOUT_ERRORS, 0);
    metrics_add(env->shard, M_SUCCESSFUL_BOOKINGS, 0);
    metrics_add(env->shard, M_FAILED_BOOKINGS, 0);
    metrics_add(env->shard, w->m_booking_errors, 0);
}

/* --history-out: every attempt the clients made, one JSON line each. */
static int write_history(struct lr_scenario_env *env, const struct world *w, char *err,
                         size_t errlen)
{
    FILE *f = fopen(env->history_out, "w");
    int rc = f ? history_write(w->history, f) : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        return snprintf(err, errlen, "cannot write the booking history to %s", env->history_out),
               -1;
    env->history_written = true;
    return 0;
}

int world_verify(struct lr_scenario_env *env, char *err, size_t errlen)
{
    struct world *w = env->data;
    if (!w)
        return snprintf(err, errlen, "no world to verify"), -1;
    if (env->history_out && write_history(env, w, err, errlen) != 0)
        return -1;
    if (env->segment) { /* one part of a test: lastroom-load merge verifies */
        touch_metrics(env, w);
        snprintf(env->verdict, sizeof env->verdict,
                 "=== %s: one part of a segmented test "
                 "===\nNo verdict here: lastroom-load merge verifies the parts' histories "
                 "together.\n",
                 w->p.title);
        return 0;
    }
    struct verify_result r;
    int32_t to = w->first_day + w->p.nights;
    int rc = env->db_url ? verify_database(env->db_url, w->room_type_ids, w->nroom_types,
                                           w->history, &r, err, errlen)
                         : verify_api(&w->http, w->admin_token, w->room_type_ids, w->nroom_types,
                                      w->first_day, to, w->history, &r, err, errlen);
    if (rc < 0)
        return -1;
    struct verdict_tally t = verdict_tally(w);
    touch_metrics(env, w);
    metrics_add(env->shard, M_OVERBOOKINGS, (double)r.overbookings);
    metrics_add(env->shard, M_INVENTORY_VIOLATIONS, (double)r.violations);
    if (w->p.expect_exact)
        metrics_add(env->shard, M_CHECKS,
                    t.ok == (uint64_t)w->p.allotment && t.refused == t.total - t.ok);
    env->export_extra = verdict_json(&r, &t);
    verdict_write(env, w, &t, &r);
    return 0;
}
