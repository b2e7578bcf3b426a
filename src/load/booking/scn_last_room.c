/*
 * scn_last_room.c: the last-room scenario: N users, one room, one instant.
 *
 * Setup creates a room type with an allotment of 1 for a single night, and registers
 * and logs in min(VUs, 100) users (--users N), whose tokens the VUs share round-robin:
 * two password hashes per VU would make setup, not the burst, the cost of a large run.
 * Sharing is harmless here, since at most one hold can succeed, so no user comes near
 * lastroomd's live-hold cap. Every VU parks at the start barrier with its hold request
 * already serialised and its connection open; the engine releases them all at once,
 * and each tries hold + confirm exactly once, with idempotency keys and a history of
 * its own. The only correct result is one success and N-1 clean sold_out refusals: a
 * second success is an overbooking whatever the counters say.
 */
#include "load/scenarios.h"
#include "load/booking/booking.h"
#include "load/booking/world.h"

static const struct world_params last_room_world = {
    .scenario = "last-room",
    .title = "RACE CONDITION TEST",
    .test_name = "race condition test",
    .allotment = 1,
    .nights = 1,
    .max_stay = 1,
    .users = 100,
    .barrier = true,
    .expect_exact = true,
};

static int last_room_setup(struct lr_scenario_env *env, char *err, size_t errlen)
{
    return world_setup(env, &last_room_world, err, errlen);
}

static const struct lr_threshold_spec last_room_thresholds[] = {
    { "overbookings", "count==0", false },
    { "inventory_violations", "count==0", false },
    { "checks", "rate==1", false },
    { "http_req_duration{name:hold}", "p(95)<2000", false },
    { "http_req_duration{name:confirm}", "p(95)<2000", false },
    { "http_req_failed", "rate<0.1", false },
    { "db_connection_errors", "count<10", false },
    { "timeout_errors", "count<10", false },
    { NULL, NULL, false },
};

static const struct lr_profile last_room_quick = {
    .name = "quick",
    .exec = { .type = LR_EXEC_SHARED_ITERATIONS,
              .vus = 50,
              .iterations = 50,
              .max_duration_s = 120,
              .graceful_stop_s = 30,
              .time_unit_s = 1 },
    .thresholds = last_room_thresholds,
};

static const struct lr_profile last_room_full = {
    .name = "full",
    .exec = { .type = LR_EXEC_SHARED_ITERATIONS,
              .vus = 50,
              .iterations = 50,
              .max_duration_s = 120,
              .graceful_stop_s = 30,
              .time_unit_s = 1 },
    .thresholds = last_room_thresholds,
};

const struct lr_scenario lr_scenario_last_room = {
    .name = "last-room",
    .description = "50 users released together from a barrier try to book the last room: "
                   "exactly 1 may succeed",
    .names = booking_names,
    .options = world_options,
    .quick = &last_room_quick,
    .full = &last_room_full,
    .setup = last_room_setup,
    .vu_init = world_vu_init,
    .step = booking_step,
    .verify = world_verify,
    .teardown = world_teardown,
};
