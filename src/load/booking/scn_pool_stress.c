/*
 * scn_pool_stress.c: the pool-stress scenario: a rising arrival rate over the endpoints.
 *
 * Iterations arrive at 10/s rising to 150/s (ramping-arrival-rate, so latency counts
 * from when each should have started), each one of: the hotels list, availability,
 * hold + release, or health. The point is the server's database pool: 503 answers
 * (db_pool_timeout, db_unavailable) count as db_connection_errors, unanswered
 * requests as timeout_errors. Users log in during setup and the VUs share their
 * tokens, so no password hashing happens during the measurement: 40 of them, so that
 * even all 200 VUs of the full profile holding at once stay within lastroomd's default
 * cap of 5 live holds per user (a hold refused by the cap would count as an error).
 */
#include "load/scenarios.h"
#include "load/booking/booking.h"
#include "load/booking/world.h"

static const struct world_params pool_world = {
    .scenario = "pool-stress",
    .title = "CONNECTION POOL TEST",
    .test_name = "connection pool test",
    .allotment = 1000,
    .nights = 7,
    .max_stay = 1,
    .users = 40,
    .pool_report = true,
};

static int pool_setup(struct lr_scenario_env *env, char *err, size_t errlen)
{
    return world_setup(env, &pool_world, err, errlen);
}

static const struct lr_threshold_spec pool_thresholds[] = {
    { "overbookings", "count==0", false },
    { "inventory_violations", "count==0", false },
    { "http_req_duration", "p(95)<5000", false },
    { "http_req_failed", "rate<0.1", false },
    { "db_connection_errors", "count<10", false },
    { "timeout_errors", "count<10", false },
    { NULL, NULL, false },
};

static const struct lr_profile pool_quick = {
    .name = "quick",
    .exec = { .type = LR_EXEC_RAMPING_ARRIVAL_RATE,
              .start_rate = 10,
              .time_unit_s = 1,
              .pre_allocated_vus = 20,
              .max_vus = 100,
              .graceful_stop_s = 10,
              .max_duration_s = 600,
              .stages = { { 2, 50 }, { 2, 100 }, { 2, 150 }, { 3, 150 } },
              .nstages = 4 },
    .thresholds = pool_thresholds,
};

static const struct lr_profile pool_full = {
    .name = "full",
    .exec = { .type = LR_EXEC_RAMPING_ARRIVAL_RATE,
              .start_rate = 10,
              .time_unit_s = 1,
              .pre_allocated_vus = 50,
              .max_vus = 200,
              .graceful_stop_s = 30,
              .max_duration_s = 600,
              .stages = { { 30, 50 }, { 60, 100 }, { 30, 150 }, { 60, 150 } },
              .nstages = 4 },
    .thresholds = pool_thresholds,
};

const struct lr_scenario lr_scenario_pool_stress = {
    .name = "pool-stress",
    .description = "arrival rate 10 -> 150/s over hotels, availability, hold+release, health; "
                   "counts pool and timeout errors",
    .names = booking_names,
    .options = world_options,
    .quick = &pool_quick,
    .full = &pool_full,
    .setup = pool_setup,
    .vu_init = world_vu_init,
    .step = booking_pool_step,
    .verify = world_verify,
    .teardown = world_teardown,
};
