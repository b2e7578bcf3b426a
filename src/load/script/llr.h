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

/* llr_patch: set lr.scenario.name and overlay lr.env with the scenario's env in a
 * state whose `lastroom` module was loaded before the options were read. */
struct script;
void llr_patch(lua_State *L, const struct script *s);

#endif
