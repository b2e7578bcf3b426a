/*
 * scn_stress.c: the stress scenario: the race iteration with 100 users.
 *
 * Twice the race's peak, constant, against a slightly larger allotment; the latency
 * thresholds are those of high load (p(95) under 5 s), the correctness ones do not
 * move: no overbooking, no inventory violation.
 */
#include "load/scenarios.h"
#include "load/booking/booking.h"
#include "load/booking/world.h"

static const struct world_params stress_world = {
    .scenario = "stress",
    .title = "STRESS TEST",
    .test_name = "stress test",
    .allotment = 5,
    .nights = 6,
    .max_stay = 3,
    .cancel_pct = 100,
    .availability = true,
    .vus_per_user_max = 5,
};

static int stress_setup(struct lr_scenario_env *env, char *err, size_t errlen)
{
    return world_setup(env, &stress_world, err, errlen);
}

static const struct lr_profile stress_quick = {
    .name = "quick",
    .exec = { .type = LR_EXEC_CONSTANT_VUS,
              .vus = 100,
              .duration_s = 10,
              .graceful_stop_s = 15,
              .max_duration_s = 600,
              .time_unit_s = 1 },
    .thresholds = world_thresholds_high,
};

static const struct lr_profile stress_full = {
    .name = "full",
    .exec = { .type = LR_EXEC_CONSTANT_VUS,
              .vus = 100,
              .duration_s = 120,
              .graceful_stop_s = 30,
              .max_duration_s = 600,
              .time_unit_s = 1 },
    .thresholds = world_thresholds_high,
};

const struct lr_scenario lr_scenario_stress = {
    .name = "stress",
    .description = "100 users run the booking iteration for 2m (quick: 10s)",
    .names = booking_names,
    .options = world_options,
    .quick = &stress_quick,
    .full = &stress_full,
    .setup = stress_setup,
    .vu_init = world_vu_init,
    .step = booking_step,
    .verify = world_verify,
    .teardown = world_teardown,
};
