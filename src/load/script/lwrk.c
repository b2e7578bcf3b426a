/*
 * lwrk.c: wrk's scripting interface on top of lastroom.http (see lwrk.h). wrk's
 * per-thread objects are reduced to what a script can observe: setup(thread) gets a
 * table with set/get, and requests go to the run's target whatever wrk.host says.
 */
#include "load/script/lwrk.h"

#include <lauxlib.h>
#include <stdio.h>

#include "load/engine/metrics.h"

static const char PRELUDE[] =
    "wrk = { scheme = 'http', host = '', port = '', method = 'GET', path = '/',\n"
    "        headers = {}, body = nil }\n"
    "function wrk.format(method, path, headers, body)\n"
    "  local h = {}\n"
    "  for k, v in pairs(wrk.headers) do h[k] = v end\n"
    "  for k, v in pairs(headers or {}) do h[k] = v end\n"
    "  body = body or wrk.body\n"
    "  local lines = { (method or wrk.method) .. ' ' .. (path or wrk.path) .. ' HTTP/1.1' }\n"
    "  for k, v in pairs(h) do lines[#lines + 1] = k .. ': ' .. v end\n"
    "  if body then lines[#lines + 1] = 'Content-Length: ' .. #body end\n"
    "  return table.concat(lines, '\\r\\n') .. '\\r\\n\\r\\n' .. (body or '')\n"
    "end\n";

/* The iteration: one request as request() writes it, its answer to response(). */
static const char ITERATION[] =
    "local http = require 'lastroom.http'\n"
    "local skip = { host = true, ['content-length'] = true, ['content-type'] = true,\n"
    "               connection = true }\n"
    "local function parse(raw)\n"
    "  local head, body = raw:match('^(.-)\\r\\n\\r\\n(.*)$')\n"
    "  head = head or raw\n"
    "  local method, path = head:match('^(%u+) (%S+)')\n"
    "  if not method then error('request() must return an HTTP request', 2) end\n"
    "  local headers = {}\n"
    "  for k, v in head:gmatch('\\r\\n([^:\\r\\n]+):%s*([^\\r\\n]*)') do\n"
    "    if not skip[k:lower()] then headers[k] = v end\n"
    "  end\n"
    "  return method, path, headers, body ~= '' and body or nil\n"
    "end\n"
    "return function()\n"
    "  local raw = request and request() or wrk.format()\n"
    "  local m, p, h, b = parse(raw)\n"
    "  local r = http.request(m, p, b, { headers = h })\n"
    "  if response then response(r.status, r.headers, r.body) end\n"
    "end\n";

int lwrk_prelude(lua_State *L)
{
    if (luaL_loadbuffer(L, PRELUDE, sizeof PRELUDE - 1, "=wrk") != LUA_OK
        || lua_pcall(L, 0, 0, 0) != LUA_OK) {
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

static bool is_function(lua_State *L, const char *name)
{
    bool f = lua_getglobal(L, name) == LUA_TFUNCTION;
    lua_pop(L, 1);
    return f;
}

int lwrk_adopt(lua_State *L)
{
    if (is_function(L, "default")
        || !(is_function(L, "request") || is_function(L, "response") || is_function(L, "done")
             || is_function(L, "init")))
        return 0;
    if (luaL_loadbuffer(L, ITERATION, sizeof ITERATION - 1, "=wrk") != LUA_OK
        || lua_pcall(L, 0, 1, 0) != LUA_OK)
        return -1;
    lua_setglobal(L, "default");
    if (is_function(L, "init")) {
        lua_getglobal(L, "init");
        lua_newtable(L);
        if (lua_pcall(L, 1, 0, 0) != LUA_OK)
            return -1;
    }
    return 1;
}

static int lat_percentile(lua_State *L)
{
    const struct metrics *m = lua_touserdata(L, lua_upvalueindex(1));
    char stat[32];
    double v = 0, p = luaL_checknumber(L, 2);
    snprintf(stat, sizeof stat, "p(%g)", p);
    if (!(p > 0 && p <= 100) || metrics_trend(m, M_HTTP_REQ_DURATION, stat, &v) != 0)
        return luaL_error(L, "latency:percentile(p): p in (0, 100]");
    lua_pushnumber(L, v * 1e3);
    return 1;
}

static void set_num(lua_State *L, const char *k, double v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, k);
}

int lwrk_done(lua_State *L, const struct metrics *m, double elapsed_s)
{
    if (!is_function(L, "done"))
        return 0;
    lua_getglobal(L, "done");
    lua_createtable(L, 0, 4); /* summary */
    set_num(L, "duration", elapsed_s * 1e6);
    set_num(L, "requests", metrics_counter(m, M_HTTP_REQS));
    set_num(L, "bytes", metrics_counter(m, M_DATA_RECEIVED));
    lua_createtable(L, 0, 5);
    set_num(L, "connect", 0);
    set_num(L, "read", 0);
    set_num(L, "write", 0);
    set_num(L, "status", (double)metrics_rate_trues(m, M_HTTP_REQ_FAILED));
    set_num(L, "timeout", metrics_counter(m, M_TIMEOUT_ERRORS));
    lua_setfield(L, -2, "errors");
    static const char *const stats[] = { "min", "max", "avg" };
    static const char *const names[] = { "min", "max", "mean" };
    lua_createtable(L, 0, 4); /* latency */
    for (int i = 0; i < 3; i++) {
        double v = 0;
        metrics_trend(m, M_HTTP_REQ_DURATION, stats[i], &v);
        set_num(L, names[i], v * 1e3);
    }
    lua_pushlightuserdata(L, (void *)m);
    lua_pushcclosure(L, lat_percentile, 1);
    lua_setfield(L, -2, "percentile");
    lua_pushvalue(L, -1); /* requests: the same figures */
    return lua_pcall(L, 3, 0, 0) == LUA_OK ? 0 : -1;
}
