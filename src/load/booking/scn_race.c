/*
 * scn_race.c: the race scenario: ramping users booking a small allotment.
 *
 * Users ramp up to 50 and book stays of one or two nights over four nights of three
 * rooms each, so holds collide, rooms sell out and sold_out answers are routine;
 * 30% of confirmed bookings are cancelled again, which puts rooms back into the race
 * for the whole run. Each VU logs in once as its own user, or with --users N, setup
 * logs N users in and the VUs share them (at most 5 VUs per user: each VU holds at most
 * one live hold at a time, and lastroomd's cap is 5 per user by default). Verification then proves
 * that no night was sold past its allotment and that the database agrees with every
 * answer the clients received. The mixed profile runs the quick profile's stages with
 * the wider workload of world.h.
 */
#include "load/scenarios.h"
#include "load/booking/booking.h"
#include "load/booking/world.h"

static const struct world_params race_world = {
    .scenario = "race",
    .title = "RACE CONDITION TEST",
    .test_name = "race condition test",
    .allotment = 3,
    .nights = 4,
    .max_stay = 2,
    .cancel_pct = 100,
    .availability = true,
    .vus_per_user_max = 5,
};

static int race_setup(struct lr_scenario_env *env, char *err, size_t errlen)
{
    return world_setup(env, &race_world, err, errlen);
}

static const struct lr_profile race_quick = {
    .name = "quick",
    .exec = { .type = LR_EXEC_RAMPING_VUS,
              .start_vus = 0,
              .graceful_stop_s = 10,
              .graceful_ramp_down_s = 10,
              .max_duration_s = 600,
              .time_unit_s = 1,
              .stages = { { 2, 25 }, { 2, 50 }, { 4, 50 }, { 1, 0 } },
              .nstages = 4 },
    .thresholds = world_thresholds_normal,
};

static const struct lr_profile race_full = {
    .name = "full",
    .exec = { .type = LR_EXEC_RAMPING_VUS,
              .start_vus = 0,
              .graceful_stop_s = 30,
              .graceful_ramp_down_s = 30,
              .max_duration_s = 600,
              .time_unit_s = 1,
              .stages = { { 10, 20 }, { 30, 50 }, { 60, 50 }, { 10, 0 } },
              .nstages = 4 },
    .thresholds = world_thresholds_normal,
};

static const struct lr_profile race_mixed = {
    .name = "mixed",
    .exec = { .type = LR_EXEC_RAMPING_VUS,
              .start_vus = 0,
              .graceful_stop_s = 10,
              .graceful_ramp_down_s = 10,
              .max_duration_s = 600,
              .time_unit_s = 1,
              .stages = { { 2, 25 }, { 2, 50 }, { 4, 50 }, { 1, 0 } },
              .nstages = 4 },
    .thresholds = world_thresholds_normal,
};

const struct lr_scenario lr_scenario_race = {
    .name = "race",
    .description = "ramping users (to 50) race for a small allotment: login, availability, "
                   "hold, confirm, read back",
    .names = booking_names,
    .options = world_options,
    .quick = &race_quick,
    .full = &race_full,
    .mixed = &race_mixed,
    .setup = race_setup,
    .vu_init = world_vu_init,
    .step = booking_step,
    .verify = world_verify,
    .teardown = world_teardown,
};
