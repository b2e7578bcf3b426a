/*
 * scn_smoke.c: the smoke scenario: the race iteration at a gentle, constant load.
 *
 * Ten users book, read back and sometimes cancel over the same small allotment as
 * race; a quick check that the whole booking path works and stays consistent. Its mixed
 * profile runs the wider workload (world.h): two room types, 1 to 3 rooms, stays up to
 * three nights, late confirms, repeated cancels and replays, for 8 s.
 */
#include "load/scenarios.h"
#include "load/booking/booking.h"
#include "load/booking/world.h"

static const struct world_params smoke_world = {
    .scenario = "smoke",
    .title = "SMOKE TEST",
    .test_name = "smoke test",
    .allotment = 3,
    .nights = 4,
    .max_stay = 2,
    .cancel_pct = 100,
    .availability = true,
    .vus_per_user_max = 5,
};

static int smoke_setup(struct lr_scenario_env *env, char *err, size_t errlen)
{
    return world_setup(env, &smoke_world, err, errlen);
}

static const struct lr_profile smoke_quick = {
    .name = "quick",
    .exec = { .type = LR_EXEC_CONSTANT_VUS,
              .vus = 10,
              .duration_s = 5,
              .graceful_stop_s = 10,
              .max_duration_s = 600,
              .time_unit_s = 1 },
    .thresholds = world_thresholds_normal,
};

static const struct lr_profile smoke_full = {
    .name = "full",
    .exec = { .type = LR_EXEC_CONSTANT_VUS,
              .vus = 10,
              .duration_s = 30,
              .graceful_stop_s = 30,
              .max_duration_s = 600,
              .time_unit_s = 1 },
    .thresholds = world_thresholds_normal,
};

static const struct lr_profile smoke_mixed = {
    .name = "mixed",
    .exec = { .type = LR_EXEC_CONSTANT_VUS,
              .vus = 10,
              .duration_s = 8,
              .graceful_stop_s = 10,
              .max_duration_s = 600,
              .time_unit_s = 1 },
    .thresholds = world_thresholds_normal,
};

const struct lr_scenario lr_scenario_smoke = {
    .name = "smoke",
    .description = "10 users run the booking iteration for 30s (quick: 5s)",
    .names = booking_names,
    .options = world_options,
    .quick = &smoke_quick,
    .full = &smoke_full,
    .mixed = &smoke_mixed,
    .setup = smoke_setup,
    .vu_init = world_vu_init,
    .step = booking_step,
    .verify = world_verify,
    .teardown = world_teardown,
};
