/*
 * verdict.h: a booking scenario's verdict after verification: the outcomes its clients
 * saw, the verdict block printed under the summary ("=== RACE CONDITION TEST SUMMARY
 * ===", every check's count and the evidence of the first problems), and the same
 * figures for the summary export.
 */
#ifndef LASTROOM_LOAD_BOOKING_VERDICT_H
#define LASTROOM_LOAD_BOOKING_VERDICT_H

#include <jansson.h>
#include <stdint.h>

#include "load/booking/verify.h"
#include "load/booking/world.h"

/* What the clients saw, from the world's history and its VUs' counters. */
struct verdict_tally {
    uint64_t ok, refused, total, db_errors, timeouts, requests;
    uint64_t late, recancelled, replayed, multi_room, cocancelled; /* the mixed extras */
};

/* verdict_tally: the outcomes of w's run (after the VUs are gone). */
struct verdict_tally verdict_tally(const struct world *w);

/* verdict_write: the verdict block of w's run into env->verdict (replacing what it
 * held), truncated at its end. */
void verdict_write(struct lr_scenario_env *env, const struct world *w,
                   const struct verdict_tally *t, const struct verify_result *r);

/* verdict_json: {"verify": {...figures, "checks", "fired", "evidence", ...}, "workload":
 * {...}} for the summary export's "lastroom" object; NULL on no memory. */
json_t *verdict_json(const struct verify_result *r, const struct verdict_tally *t);

#endif
