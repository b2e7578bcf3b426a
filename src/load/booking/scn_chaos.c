/*
 * scn_chaos.c: the chaos scenario: the race iteration while faults are injected.
 *
 * The VUs run the race's iteration (cancel the previous booking, availability, hold,
 * confirm, read back) on a small allotment, while the nemesis (nemesis.h) kills
 * lastroomd's database sessions, restarts and pauses PostgreSQL, kills and restarts
 * lastroomd, and slows, resets, blackholes and cuts the link between lastroomd and
 * PostgreSQL. Each request has a 5 s timeout, so that a blackhole or a stall ends in
 * an unknown outcome rather than a long wait; confirmations are resent with their
 * Idempotency-Key until they settle. Errors are expected during faults, so only
 * correctness is a threshold: nothing oversold, and the database agrees with every
 * answer the clients received, with unknown outcomes allowed either way.
 *
 * The default schedules leave the last seconds of the run quiet, so that every
 * confirmation can settle before the VUs stop. The full one also holds a stall and a
 * blackhole longer than the request timeout, so that requests do end unknown.
 */
#include "load/scenarios.h"
#include "load/booking/booking.h"
#include "load/booking/world.h"

static const struct world_params chaos_world = {
    .scenario = "chaos",
    .title = "CHAOS TEST",
    .test_name = "chaos test",
    .allotment = 3,
    .nights = 4,
    .max_stay = 2,
    .cancel_pct = 100,
    .availability = true,
    .timeout_ms = 5000,
    .vus_per_user_max = 5,
};

static int chaos_setup(struct lr_scenario_env *env, char *err, size_t errlen)
{
    return world_setup(env, &chaos_world, err, errlen);
}

static const struct lr_threshold_spec chaos_thresholds[] = {
    { "overbookings", "count==0", false },
    { "inventory_violations", "count==0", false },
    { NULL, NULL, false },
};

static const char *const chaos_quick_faults[] = {
    "kill-backends@3s",         "latency@5s:2s",   "server-kill@8s",
    "pg-pause@11s:2s",          "reset@14s:500ms", "blackhole@16s:2s",
    "pg-restart-immediate@19s", "down@22s:1s",     NULL,
};

static const char *const chaos_full_faults[] = {
    "latency@10s:5s",
    "kill-backends@18s",
    "reset@24s:1s",
    "server-kill@30s",
    "pg-pause@38s:6s",
    "blackhole@48s:8s",
    "down@60s:2s",
    "pg-restart-fast@66s",
    "pg-restart-immediate@74s",
    "kill-backends@82s",
    "server-kill@88s:1s",
    "latency@94s:4s",
    "pg-pause@100s:2s",
    "reset@105s:500ms",
    "down@108s:1s",
    "blackhole@112s:2s",
    NULL,
};

static const struct lr_profile chaos_quick = {
    .name = "quick",
    .exec = { .type = LR_EXEC_RAMPING_VUS,
              .start_vus = 0,
              .graceful_stop_s = 45,
              .graceful_ramp_down_s = 45,
              .max_duration_s = 600,
              .time_unit_s = 1,
              .stages = { { 2, 16 }, { 25, 16 }, { 1, 0 } },
              .nstages = 3 },
    .thresholds = chaos_thresholds,
    .nemesis = chaos_quick_faults,
};

static const struct lr_profile chaos_full = {
    .name = "full",
    .exec = { .type = LR_EXEC_RAMPING_VUS,
              .start_vus = 0,
              .graceful_stop_s = 45,
              .graceful_ramp_down_s = 45,
              .max_duration_s = 900,
              .time_unit_s = 1,
              .stages = { { 10, 20 }, { 20, 50 }, { 100, 50 }, { 10, 0 } },
              .nstages = 4 },
    .thresholds = chaos_thresholds,
    .nemesis = chaos_full_faults,
};

const struct lr_scenario lr_scenario_chaos = {
    .name = "chaos",
    .description = "the race iteration while a nemesis injects database, server and "
                   "network faults (--pgdir, --proxy-control, --server-pidfile ...)",
    .names = booking_names,
    .options = world_options,
    .quick = &chaos_quick,
    .full = &chaos_full,
    .setup = chaos_setup,
    .vu_init = world_vu_init,
    .step = booking_step,
    .verify = world_verify,
    .teardown = world_teardown,
};
