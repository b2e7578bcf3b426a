/*
 * verdict.c: the verdict of a booking scenario, written from the verification's result
 * and the outcomes its clients recorded. Text goes into env->verdict, a fixed buffer:
 * what does not fit is cut, never overflowed.
 */
#include "load/booking/verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUMMARY_EVIDENCE 8 /* problems printed with their evidence in the verdict */

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

/* The mixed workload's extras, as the records show them. */
static void count_extras(const struct world *w, struct verdict_tally *t)
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

struct verdict_tally verdict_tally(const struct world *w)
{
    struct verdict_tally t = { .ok = history_count(w->history, HISTORY_OK),
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
                      const struct verdict_tally *t, const struct verify_result *r)
{
    say(env, "=== %s SUMMARY ===\n", w->p.title);
    if (w->p.pool_report) {
        say(env, "Requests: %llu\nDB Connection Errors: %llu\nTimeout Errors: %llu\n",
            (unsigned long long)t->requests, (unsigned long long)t->db_errors,
            (unsigned long long)t->timeouts);
        say(env, "Overbookings Detected: %lld\n", (long long)r->overbookings);
    } else {
        say(env, "Successful Bookings: %llu\nFailed Bookings: %llu\n", (unsigned long long)t->ok,
            (unsigned long long)t->refused);
        say(env, "Overbookings Detected: %lld\nTotal Booking Attempts: %llu\n",
            (long long)r->overbookings, (unsigned long long)t->total);
    }
    if (r->overbookings == 0)
        say(env, "✅ NO OVERBOOKING DETECTED - System passed %s!\n", w->p.test_name);
    else
        say(env, "❌ OVERBOOKING DETECTED - System failed %s!\n", w->p.test_name);
}

static void say_details(struct lr_scenario_env *env, const struct world *w,
                        const struct verdict_tally *t, const struct verify_result *r)
{
    say(env, "\nVerification (%s; room type %lld",
        r->from_api ? "through /api/admin/integrity" : "database", (long long)w->room_type_id);
    for (int i = 1; i < w->nroom_types; i++)
        say(env, " and %lld", (long long)w->room_type_ids[i]);
    say(env, ", %d night%s from %s, last %s):\n", w->p.nights, w->p.nights == 1 ? "" : "s",
        w->day[0], w->day[w->p.nights - 1]);
    say(env,
        "  oversold nights by counters / tables / confirmations seen / at one moment: "
        "%lld / %lld / %lld / %lld\n",
        (long long)r->oversold_counters, (long long)r->oversold_tables, (long long)r->oversold_seen,
        (long long)r->oversold_in_time);
    say(env,
        "  inventory violations: %lld (booked %lld, tentative %lld, details %lld, "
        "lingering holds %lld)\n",
        (long long)r->violations, (long long)r->booked_mismatch, (long long)r->tentative_mismatch,
        (long long)r->without_details, (long long)r->holds_lingering);
    say(env,
        "  clients vs database: missing %lld, cancel lost %lld, refused but booked %lld, "
        "unattributed %lld, nights out of bounds %lld\n",
        (long long)r->missing_confirmed, (long long)r->cancel_lost,
        (long long)r->refused_but_booked, (long long)r->unattributed, (long long)r->night_bounds);
    say(env,
        "  whole database (%s): %lld oversold rows, "
        "%lld confirmed bookings without details\n",
        r->from_api ? "integrity report" : "the two verification queries",
        (long long)r->db_wide_oversold, (long long)r->db_wide_no_details);
    say(env,
        "  unknown outcomes: %lld confirms never settled, %lld of them booked in the "
        "database\n",
        (long long)r->unknown_confirms, (long long)r->unknown_booked);
    if (r->log_present)
        say(env, "  sold_out answers judged by the inventory change log: %lld\n",
            (long long)r->refusals_checked);
    else
        say(env, "  not run without the inventory change log (scripts/mutant.sh log): "
                 "sold_out answered while the rooms were free\n");
    if (t->late || t->recancelled || t->replayed || t->multi_room)
        say(env,
            "  workload: %llu attempts of several rooms, %llu confirms sent after the "
            "hold's expiry, %llu cancels repeated, %llu confirms replayed, %llu bookings "
            "cancelled by two VUs at once\n",
            (unsigned long long)t->multi_room, (unsigned long long)t->late,
            (unsigned long long)t->recancelled, (unsigned long long)t->replayed,
            (unsigned long long)t->cocancelled);
    say(env,
        "  stays / duplicate claims / replays / confirmed after expiry: %lld / %lld / "
        "%lld / %lld\n",
        (long long)r->stay_mismatch, (long long)r->duplicate_claim, (long long)r->replay_mismatch,
        (long long)r->confirmed_after_expiry);
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
    int64_t more = r->evidence_dropped
                   + (r->nevidence > SUMMARY_EVIDENCE ? r->nevidence - SUMMARY_EVIDENCE : 0);
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
        json_array_append_new(ev, json_pack("{s:s, s:s}", "check", r->evidence[i].check, "evidence",
                                            r->evidence[i].text));
    json_object_set_new(verify, "checks", checks);
    json_object_set_new(verify, "fired", fired);
    json_object_set_new(verify, "evidence", ev);
    json_object_set_new(verify, "evidence_dropped", json_integer(r->evidence_dropped));
    json_object_set_new(verify, "exact", json_boolean(r->exact));
}

json_t *verdict_json(const struct verify_result *r, const struct verdict_tally *t)
{
    json_t *o =
        json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}}", "verify",
                  "overbookings", (json_int_t)r->overbookings, "inventory_violations",
                  (json_int_t)r->violations, "missing_confirmed", (json_int_t)r->missing_confirmed,
                  "cancel_lost", (json_int_t)r->cancel_lost, "refused_but_booked",
                  (json_int_t)r->refused_but_booked, "unattributed", (json_int_t)r->unattributed,
                  "unknown_confirms", (json_int_t)r->unknown_confirms, "unknown_booked",
                  (json_int_t)r->unknown_booked, "confirmed_seen", (json_int_t)t->ok, "attempts",
                  (json_int_t)t->total, "from_api", r->from_api);
    if (o) {
        checks_json(json_object_get(o, "verify"), r);
        json_object_set_new(
            o, "workload",
            json_pack("{s:I, s:I, s:I, s:I, s:I}", "several_rooms", (json_int_t)t->multi_room,
                      "late_confirms", (json_int_t)t->late, "repeated_cancels",
                      (json_int_t)t->recancelled, "replays", (json_int_t)t->replayed,
                      "concurrent_cancels", (json_int_t)t->cocancelled));
    }
    return o;
}

void verdict_write(struct lr_scenario_env *env, const struct world *w,
                   const struct verdict_tally *t, const struct verify_result *r)
{
    env->verdict[0] = '\0';
    say_block(env, w, t, r);
    say_details(env, w, t, r);
}
