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
 * Verification runs once after the VUs are gone.
 */
#include "load/booking/world.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/date.h"
#include "load/engine/segment.h"

#define FIRST_NIGHT_AHEAD 30     /* the first night with inventory, days from today */
#define REGISTER_THREADS 4
#define SUMMARY_EVIDENCE 8       /* problems printed with their evidence in the verdict */

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
    uint64_t x = seed ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)ts.tv_nsec
                 ^ ((uint64_t)getpid() << 40);
    snprintf(w->nonce, sizeof w->nonce, "%llx", (unsigned long long)(x & 0xffffffffffffULL));
    snprintf(w->password, sizeof w->password, "lr-load-%s-pw", w->nonce);
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
                                   i ? "Other Room" : "Last Room", &w->room_type_ids[i],
                                   err, errlen) < 0)
            return -1;
    w->room_type_id = w->room_type_ids[0];
    w->first_day = date_today_utc() + FIRST_NIGHT_AHEAD;
    w->day = calloc((size_t)w->p.nights + 1, sizeof *w->day);
    if (!w->day)
        return snprintf(err, errlen, "out of memory"), -1;
    for (int i = 0; i <= w->p.nights; i++)
        date_format(w->first_day + i, w->day[i]);
    for (int i = 0; i < w->nroom_types; i++)
        if (setup_set_inventory(&w->http, w->admin_token, w->room_type_ids[i], w->day[0],
                                w->day[w->p.nights], w->p.allotment, err, errlen) < 0)
            return -1;
    return 0;
}

const char *const world_options[] = { "--users", NULL };

/* The users to register: --users N, else the scenario's default, at most one per VU;
 * sets w->login_in_setup unless each VU is to log in itself (no --users, and a default
 * of one per VU). Returns the count, or LR_SETUP_USAGE with err. */
static int count_users(struct world *w, const struct lr_scenario_env *env,
                       char *err, size_t errlen)
{
    int n = w->p.users, vus = env->vus_max;
    w->login_in_setup = n > 0;
    for (const char *const *a = env->argv_extra; a && a[0]; a += 2) {
        if (strcmp(a[0], "--users") != 0 || !a[1])
            continue;
        char *end;
        long long v = strtoll(a[1], &end, 10);
        if (!*a[1] || *end || v < 1 || v > 1000000)
            return snprintf(err, errlen, "--users: want a count of users (1 to 1000000), "
                            "got '%s'", a[1]), LR_SETUP_USAGE;
        n = (int)v;
        w->login_in_setup = true;
    }
    n = n <= 0 || n > vus ? vus : n;
    int per_user = (vus + n - 1) / n, max = w->p.vus_per_user_max;
    if (max > 0 && per_user > max)
        return snprintf(err, errlen, "--users %d puts up to %d VUs on one user, more than %d: "
                        "lastroomd refuses a user's hold past its live-hold cap (409 "
                        "too_many_holds); give at least %d users for %d VUs", n, per_user,
                        max, (vus + max - 1) / max, vus), LR_SETUP_USAGE;
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
        rc = setup_login_all(&w->http, emails, tokens, sizeof w->users[0].token, n,
                             w->password, REGISTER_THREADS, err, errlen);
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
        int64_t id = env->segment ? seg_index(env->segment, i) : i;   /* in the test */
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

/* The run's data as setup_out holds it. */
static json_t *data_json(const struct world *w, const struct lr_scenario_env *env)
{
    json_t *users = json_array(), *rts = json_array();
    for (int i = 0; i < w->nusers; i++)
        json_array_append_new(users, json_pack("{s:s, s:s}", "email", w->users[i].email,
                                               "token", w->users[i].token));
    for (int i = 0; i < w->nroom_types; i++)
        json_array_append_new(rts, json_integer(w->room_type_ids[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:i, s:i, s:b, s:o}",
                     "format", WORLD_DATA_FORMAT, "scenario", w->p.scenario,
                     "profile", env->profile ? env->profile : "full", "nonce", w->nonce,
                     "hotel_id", (json_int_t)w->hotel_id, "room_type_ids", rts,
                     "first_day", w->first_day, "nights", w->p.nights,
                     "login_in_setup", w->login_in_setup, "users", users);
}

static int write_data(const struct world *w, const struct lr_scenario_env *env, char *err,
                      size_t errlen)
{
    json_t *o = data_json(w, env);
    int rc = o ? json_dump_file(o, env->setup_out, JSON_COMPACT) : -1;
    json_decref(o);
    if (rc != 0)
        return snprintf(err, errlen, "cannot write the setup data to %s", env->setup_out), -1;
    return 0;
}

static int data_bad(const char *path, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "setup data %s: %s", path, what);
    return -1;
}

/* The users of the setup data into w. */
static int read_users(struct world *w, json_t *users, const char *path, char *err,
                      size_t errlen)
{
    size_t n = json_array_size(users);
    if (n < 1 || n > 1000000)
        return data_bad(path, "no users", err, errlen);
    w->users = calloc(n, sizeof *w->users);
    if (!w->users)
        return snprintf(err, errlen, "out of memory"), -1;
    w->nusers = (int)n;
    for (size_t i = 0; i < n; i++) {
        const char *e = json_string_value(json_object_get(json_array_get(users, i), "email"));
        const char *t = json_string_value(json_object_get(json_array_get(users, i), "token"));
        if (!e || !t || strlen(e) >= sizeof w->users[i].email
            || strlen(t) >= sizeof w->users[i].token)
            return data_bad(path, "a bad user", err, errlen);
        strcpy(w->users[i].email, e);
        strcpy(w->users[i].token, t);
    }
    return 0;
}

/* setup_data: the run's data that `setup --setup-out` wrote, for the same scenario. */
static int read_data(struct world *w, const struct lr_scenario_env *env, char *err,
                     size_t errlen)
{
    const char *path = env->setup_data;
    json_error_t je;
    json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    int rc = -1;
    if (!o) {
        snprintf(err, errlen, "setup data %s: %s", path, je.text);
        return -1;
    }
    const char *fmt = json_string_value(json_object_get(o, "format"));
    const char *scn = json_string_value(json_object_get(o, "scenario"));
    const char *nonce = json_string_value(json_object_get(o, "nonce"));
    json_t *rts = json_object_get(o, "room_type_ids");
    size_t nrt = json_array_size(rts);
    w->hotel_id = json_integer_value(json_object_get(o, "hotel_id"));
    w->first_day = (int32_t)json_integer_value(json_object_get(o, "first_day"));
    if (!fmt || strcmp(fmt, WORLD_DATA_FORMAT))
        data_bad(path, "not lastroom-load setup data", err, errlen);
    else if (!scn || strcmp(scn, w->p.scenario))
        data_bad(path, "written for another scenario", err, errlen);
    else if (json_integer_value(json_object_get(o, "nights")) != w->p.nights
             || nrt != (size_t)w->p.room_types || !json_is_boolean(json_object_get(o, "login_in_setup")))
        data_bad(path, "written for another profile", err, errlen);
    else if (!nonce || strlen(nonce) >= sizeof w->nonce || w->hotel_id <= 0 || w->first_day <= 0)
        data_bad(path, "a bad hotel or nonce", err, errlen);
    else
        rc = read_users(w, json_object_get(o, "users"), path, err, errlen);
    for (size_t i = 0; rc == 0 && i < nrt; i++)
        if ((w->room_type_ids[i] = json_integer_value(json_array_get(rts, i))) <= 0)
            rc = data_bad(path, "a bad room type", err, errlen);
    if (rc == 0) {
        strcpy(w->nonce, nonce);
        w->nroom_types = (int)nrt;
        w->room_type_id = w->room_type_ids[0];
        w->login_in_setup = json_is_true(json_object_get(o, "login_in_setup"));
        w->day = calloc((size_t)w->p.nights + 1, sizeof *w->day);
        if (!w->day)
            rc = -1, snprintf(err, errlen, "out of memory");
        for (int i = 0; w->day && i <= w->p.nights; i++)
            date_format(w->first_day + i, w->day[i]);
    }
    json_decref(o);
    return rc;
}

/* The world from `setup --setup-out`'s data: the same hotel and users for every part. */
static int build_from_data(struct world *w, struct lr_scenario_env *env, char *err,
                           size_t errlen)
{
    if (setup_http_init(&w->http, env->base_url, 30000, err, errlen) < 0
        || define_metrics(w, env->metrics, err, errlen) < 0 || read_data(w, env, err, errlen) < 0)
        return -1;
    if (env->db_url == NULL && env->admin_email && env->admin_password
        && setup_login(&w->http, env->admin_email, env->admin_password, w->admin_token,
                       sizeof w->admin_token, NULL, err, errlen) < 0)
        return -1;
    return make_vus(w, env, err, errlen);
}

static int build(struct world *w, struct lr_scenario_env *env, const char *scenario,
                 char *err, size_t errlen)
{
    if (env->setup_data)
        return build_from_data(w, env, err, errlen);
    if (env->vus_max <= 0)
        return snprintf(err, errlen, "no VUs to prepare"), -1;
    int n = count_users(w, env, err, errlen);
    if (n < 0)
        return n;
    if (!env->admin_email || !env->admin_password || !*env->admin_email)
        return snprintf(err, errlen, "set ADMIN_EMAIL and ADMIN_PASSWORD: setup creates "
                        "its hotel through the admin API"), -1;
    make_nonce(w, env->seed);
    if (setup_http_init(&w->http, env->base_url, 30000, err, errlen) < 0
        || define_metrics(w, env->metrics, err, errlen) < 0
        || setup_login(&w->http, env->admin_email, env->admin_password, w->admin_token,
                       sizeof w->admin_token, NULL, err, errlen) < 0
        || make_inventory(w, scenario, err, errlen) < 0)
        return -1;
    if (make_users(w, n, err, errlen) < 0)
        return -1;
    if (env->setup_out)
        return write_data(w, env, err, errlen);
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

int world_setup(struct lr_scenario_env *env, const struct world_params *p,
                char *err, size_t errlen)
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

/* Append to the verdict, never past its end. */
static void say(struct lr_scenario_env *env, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(struct lr_scenario_env *env, const char *fmt, ...)
{
    size_t len = strlen(env->verdict);
    if (len + 1 >= sizeof env->verdict)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(env->verdict + len, sizeof env->verdict - len, fmt, ap);
    va_end(ap);
}

struct tally {
    uint64_t ok, refused, total, db_errors, timeouts, requests;
    uint64_t late, recancelled, replayed, multi_room, cocancelled;   /* the mixed extras */
};

/* The mixed workload's extras, as the records show them. */
static void count_extras(const struct world *w, struct tally *t)
{
    size_t n = 0;
    struct history_rec *recs = history_collect(w->history, &n);
    for (size_t i = 0; recs && i < n; i++) {
        const struct history_rec *h = &recs[i];
        t->late += h->hold_expiry_ms > 0 && h->confirm_at_ms > h->hold_expiry_ms;
        t->recancelled += h->cancels > 1;
        t->replayed += h->replay != HISTORY_REPLAY_NONE;
        t->multi_room += h->quantity > 1;
        t->cocancelled += h->co_cancel != HISTORY_CO_NONE;
    }
    free(recs);
}

static struct tally count_outcomes(const struct world *w)
{
    struct tally t = {
        .ok = history_count(w->history, HISTORY_OK),
        .refused = history_count(w->history, HISTORY_REFUSED),
        .total = history_total(w->history) + history_dropped(w->history) };
    for (int i = 0; i < w->nvus; i++) {
        t.db_errors += w->vus[i].db_errors;
        t.timeouts += w->vus[i].timeouts;
        t.requests += w->vus[i].requests;
    }
    if (w->p.late_pct || w->p.recancel_pct || w->p.replay_pct || w->p.max_quantity > 1)
        count_extras(w, &t);
    return t;
}

static void say_block(struct lr_scenario_env *env, const struct world *w,
                      const struct tally *t, const struct verify_result *r)
{
    say(env, "=== %s SUMMARY ===\n", w->p.title);
    if (w->p.pool_report) {
        say(env, "Requests: %llu\nDB Connection Errors: %llu\nTimeout Errors: %llu\n",
            (unsigned long long)t->requests, (unsigned long long)t->db_errors,
            (unsigned long long)t->timeouts);
        say(env, "Overbookings Detected: %lld\n", (long long)r->overbookings);
    } else {
        say(env, "Successful Bookings: %llu\nFailed Bookings: %llu\n",
            (unsigned long long)t->ok, (unsigned long long)t->refused);
        say(env, "Overbookings Detected: %lld\nTotal Booking Attempts: %llu\n",
            (long long)r->overbookings, (unsigned long long)t->total);
    }
    if (r->overbookings == 0)
        say(env, "✅ NO OVERBOOKING DETECTED - System passed %s!\n", w->p.test_name);
    else
        say(env, "❌ OVERBOOKING DETECTED - System failed %s!\n", w->p.test_name);
}

static void say_details(struct lr_scenario_env *env, const struct world *w,
                        const struct tally *t, const struct verify_result *r)
{
    say(env, "\nVerification (%s; room type %lld", r->from_api ? "through /api/admin/integrity"
        : "database", (long long)w->room_type_id);
    for (int i = 1; i < w->nroom_types; i++)
        say(env, " and %lld", (long long)w->room_type_ids[i]);
    say(env, ", %d night%s from %s, last %s):\n", w->p.nights, w->p.nights == 1 ? "" : "s",
        w->day[0], w->day[w->p.nights - 1]);
    say(env, "  oversold nights by counters / tables / confirmations seen / at one moment: "
        "%lld / %lld / %lld / %lld\n", (long long)r->oversold_counters,
        (long long)r->oversold_tables, (long long)r->oversold_seen,
        (long long)r->oversold_in_time);
    say(env, "  inventory violations: %lld (booked %lld, tentative %lld, details %lld, "
        "lingering holds %lld)\n", (long long)r->violations, (long long)r->booked_mismatch,
        (long long)r->tentative_mismatch, (long long)r->without_details,
        (long long)r->holds_lingering);
    say(env, "  clients vs database: missing %lld, cancel lost %lld, refused but booked %lld, "
        "unattributed %lld, nights out of bounds %lld\n", (long long)r->missing_confirmed,
        (long long)r->cancel_lost, (long long)r->refused_but_booked,
        (long long)r->unattributed, (long long)r->night_bounds);
    say(env, "  whole database (%s): %lld oversold rows, "
            "%lld confirmed bookings without details\n",
            r->from_api ? "integrity report" : "the two verification queries",
            (long long)r->db_wide_oversold,
            (long long)r->db_wide_no_details);
    say(env, "  unknown outcomes: %lld confirms never settled, %lld of them booked in the "
        "database\n", (long long)r->unknown_confirms, (long long)r->unknown_booked);
    if (r->log_present)
        say(env, "  sold_out answers judged by the inventory change log: %lld\n",
            (long long)r->refusals_checked);
    else
        say(env, "  not run without the inventory change log (scripts/mutant.sh log): "
            "sold_out answered while the rooms were free\n");
    if (t->late || t->recancelled || t->replayed || t->multi_room)
        say(env, "  workload: %llu attempts of several rooms, %llu confirms sent after the "
            "hold's expiry, %llu cancels repeated, %llu confirms replayed, %llu bookings "
            "cancelled by two VUs at once\n",
            (unsigned long long)t->multi_room, (unsigned long long)t->late,
            (unsigned long long)t->recancelled, (unsigned long long)t->replayed,
            (unsigned long long)t->cocancelled);
    say(env, "  stays / duplicate claims / replays / confirmed after expiry: %lld / %lld / "
        "%lld / %lld\n", (long long)r->stay_mismatch, (long long)r->duplicate_claim,
        (long long)r->replay_mismatch, (long long)r->confirmed_after_expiry);
    if (r->from_api)
        say(env, "  not run without --db: the exact count per night (bounds used instead), "
            "the stay of each booking, bookings nobody asked for, refusals that booked, "
            "lost cancels, and rooms Confirmed twice at one moment\n");
    if (history_dropped(w->history))
        say(env, "  note: %llu attempts were not recorded (history full); bounds widened\n",
            (unsigned long long)history_dropped(w->history));
    say(env, "  checks fired:");
    int fired = 0;
    for (const struct verify_check *c = verify_checks; c->name; c++)
        if (verify_check_count(r, c) > 0)
            say(env, "%s %s=%lld", fired++ ? "," : "", c->name,
                (long long)verify_check_count(r, c));
    say(env, "%s\n", fired ? "" : " none");
    for (int i = 0; i < r->nevidence && i < SUMMARY_EVIDENCE; i++)
        say(env, "  [%s] %s\n", r->evidence[i].check, r->evidence[i].text);
    int64_t more = r->evidence_dropped + (r->nevidence > SUMMARY_EVIDENCE
                                          ? r->nevidence - SUMMARY_EVIDENCE : 0);
    if (more)
        say(env, "  ... and %lld more problems (the export keeps %d with their evidence)\n",
            (long long)more, VERIFY_EVIDENCE_MAX);
}

/* {"check": count} for every check, and the evidence of the problems found. */
static void checks_json(json_t *verify, const struct verify_result *r)
{
    json_t *checks = json_object(), *fired = json_array(), *ev = json_array();
    for (const struct verify_check *c = verify_checks; c->name; c++) {
        json_object_set_new(checks, c->name, json_integer(verify_check_count(r, c)));
        if (verify_check_count(r, c) > 0)
            json_array_append_new(fired, json_string(c->name));
    }
    for (int i = 0; i < r->nevidence; i++)
        json_array_append_new(ev, json_pack("{s:s, s:s}", "check", r->evidence[i].check,
                                            "evidence", r->evidence[i].text));
    json_object_set_new(verify, "checks", checks);
    json_object_set_new(verify, "fired", fired);
    json_object_set_new(verify, "evidence", ev);
    json_object_set_new(verify, "evidence_dropped", json_integer(r->evidence_dropped));
    json_object_set_new(verify, "exact", json_boolean(r->exact));
}

/* The verification's figures for the summary export's "lastroom" object. */
static json_t *verify_json(const struct verify_result *r, const struct tally *t)
{
    json_t *o = json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}}", "verify",
                     "overbookings", (json_int_t)r->overbookings,
                     "inventory_violations", (json_int_t)r->violations,
                     "missing_confirmed", (json_int_t)r->missing_confirmed,
                     "cancel_lost", (json_int_t)r->cancel_lost,
                     "refused_but_booked", (json_int_t)r->refused_but_booked,
                     "unattributed", (json_int_t)r->unattributed,
                     "unknown_confirms", (json_int_t)r->unknown_confirms,
                     "unknown_booked", (json_int_t)r->unknown_booked,
                     "confirmed_seen", (json_int_t)t->ok,
                     "attempts", (json_int_t)t->total, "from_api", r->from_api);
    if (o) {
        checks_json(json_object_get(o, "verify"), r);
        json_object_set_new(o, "workload", json_pack("{s:I, s:I, s:I, s:I, s:I}",
            "several_rooms", (json_int_t)t->multi_room, "late_confirms", (json_int_t)t->late,
            "repeated_cancels", (json_int_t)t->recancelled,
            "replays", (json_int_t)t->replayed, "concurrent_cancels", (json_int_t)t->cocancelled));
    }
    return o;
}

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
        return snprintf(err, errlen, "cannot write the booking history to %s", env->history_out), -1;
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
    if (env->segment) {         /* one part of a test: lastroom-load merge verifies */
        touch_metrics(env, w);
        snprintf(env->verdict, sizeof env->verdict, "=== %s: one part of a segmented test "
                 "===\nNo verdict here: lastroom-load merge verifies the parts' histories "
                 "together.\n", w->p.title);
        return 0;
    }
    struct verify_result r;
    int32_t to = w->first_day + w->p.nights;
    int rc = env->db_url
        ? verify_database(env->db_url, w->room_type_ids, w->nroom_types, w->history, &r,
                          err, errlen)
        : verify_api(&w->http, w->admin_token, w->room_type_ids, w->nroom_types,
                     w->first_day, to, w->history, &r, err, errlen);
    if (rc < 0)
        return -1;
    struct tally t = count_outcomes(w);
    touch_metrics(env, w);
    metrics_add(env->shard, M_OVERBOOKINGS, (double)r.overbookings);
    metrics_add(env->shard, M_INVENTORY_VIOLATIONS, (double)r.violations);
    if (w->p.expect_exact)
        metrics_add(env->shard, M_CHECKS, t.ok == (uint64_t)w->p.allotment
                                          && t.refused == t.total - t.ok);
    env->export_extra = verify_json(&r, &t);
    env->verdict[0] = '\0';
    say_block(env, w, &t, &r);
    say_details(env, w, &t, &r);
    return 0;
}
