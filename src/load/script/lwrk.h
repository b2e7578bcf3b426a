/*
 * lwrk.h: scripts written for wrk run unchanged. A script with wrk's hooks (request,
 * response, init, setup(thread), done) and no default() is run with wrk's meaning: each
 * iteration sends the request that request() (or wrk.format()) returns, parsed back
 * into method, path, headers and body, and hands the answer to response(status,
 * headers, body); init(args) runs in every thread's state, setup(thread) once before
 * the VUs, done(summary, latency, requests) after them with the run's figures (wrk's
 * units: microseconds).
 */
#ifndef LASTROOM_LOAD_SCRIPT_LWRK_H
#define LASTROOM_LOAD_SCRIPT_LWRK_H

#include <lua.h>
#include <stdbool.h>

struct metrics;

/* lwrk_prelude: define the global table wrk (wrk.method, .path, .headers, .body,
 * wrk.format) in L before the script runs. Returns 0, or -1 (no memory). */
int lwrk_prelude(lua_State *L);

/* lwrk_adopt: after the script ran in L (not yet frozen): when it has wrk's hooks and
 * no default, define default as wrk's iteration and run init({}) if there is one.
 * Returns 1 (wrk mode), 0 (not), or -1 with the error on the stack. */
int lwrk_adopt(lua_State *L);

/* lwrk_done: call done(summary, latency, requests) in L from the merged metrics of a
 * run of elapsed_s seconds, when the script has done. Returns 0, or -1 with the error
 * message on the stack. */
int lwrk_done(lua_State *L, const struct metrics *m, double elapsed_s);

#endif
