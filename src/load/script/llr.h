/*
 * llr.h: the `lastroom` module of scripts: check, sleep, group, barrier, vu, scenario,
 * env, open, shared, uuid, json (the API is in docs/scripting.md).
 */
#ifndef LASTROOM_LOAD_SCRIPT_LLR_H
#define LASTROOM_LOAD_SCRIPT_LLR_H

#include <lua.h>
#include <stddef.h>

/* llr_open: push the module (a lua_CFunction for package.preload). */
int llr_open(lua_State *L);

/* llr_checks_report: append the checks of every state's table (pass and fail counts
 * per check name, summed over states[0..n)) to buf as summary lines. */
struct script_state;
void llr_checks_report(struct script_state *const *states, int n, char *buf, size_t len);

/* llr_patch: in a state whose `lastroom` module was loaded before the options were
 * read: overlay lr.env with the one scenario's env, or with several scenarios make it
 * stand for the running VU's scenario's (the environment's outside VU code). */
struct script;
void llr_patch(lua_State *L, const struct script *s);

/* llr_barrier_define: the metrics of lr.barrier's releases (barrier_release_spread,
 * a time trend; barrier_timeouts, a counter) in m. Returns 0, or -1 (registry full). */
struct metrics;
struct metrics_shard;
struct lr_response;
int llr_barrier_define(struct script *s, struct metrics *m);

/* llr_barrier_released: note that the running VU of st was let go by the barrier
 * release resp->release_gen at resp->released_ns. A release is summed (its spread: the
 * first to the last request written) once a later one begins, or by llr_barrier_report.
 * Thread-safe. */
void llr_barrier_released(struct script_state *st, const struct lr_response *resp);

/* llr_barrier_report: sum the releases not yet summed into shard and append one line
 * on the releases (count, spread, timeouts) to buf; nothing when lr.barrier never
 * released. Call after the run. */
void llr_barrier_report(struct script *s, struct metrics_shard *shard, char *buf, size_t len);

#endif
