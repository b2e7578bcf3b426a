/*
 * lhttp.h: the `lastroom.http` module of scripts.
 *
 * In VU code a request is written into the engine's request buffer and the VU's
 * coroutine yields; the engine sends it on the VU's keep-alive connection and resumes
 * the coroutine with the response, so the script reads sequentially while the thread's
 * loop never blocks. Requests go to the run's target (--url): a URL is either a path
 * ("/api/x") or an http:// URL on that host and port. In setup, verify and teardown
 * (the main thread, before or after the VUs) the same calls block, one connection each.
 */
#ifndef LASTROOM_LOAD_SCRIPT_LHTTP_H
#define LASTROOM_LOAD_SCRIPT_LHTTP_H

#include <lua.h>

/* lhttp_open: push the module (a lua_CFunction for package.preload). */
int lhttp_open(lua_State *L);

#endif
