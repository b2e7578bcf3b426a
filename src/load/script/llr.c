/*
 * llr.c: the `lastroom` module (see llr.h). Per VU values (lr.vu.id, .iteration,
 * .state) are read from the VU being resumed, since every VU of a thread shares the
 * thread's state; the checks' pass and fail counts are kept per state in a registry
 * table and summed after the run.
 */
#include "load/script/llr.h"

#include <errno.h>
#include <lauxlib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "load/engine/duration.h"
#include "load/engine/metrics.h"
#include "load/engine/scenario.h"
#include "load/script/ljson.h"
#include "load/script/script.h"
#include "load/script/script_int.h"

#define LLR_OPEN_MAX (16u << 20)
static const char CHECKS_KEY[] = "lastroom.checks";
static const char SHARED_KEY[] = "lastroom.shared";
static const char ENV_KEY[] = "lastroom.env";

extern char **environ;

static struct metrics_shard *llr_shard(struct script_state *st)
{
    return st->cur ? st->cur->vu->shard : st->s->env ? st->s->env->shard : NULL;
}

/* Count one check result in the state's table {name = {pass, fail}} and the metrics. */
static void check_count(lua_State *L, struct script_state *st, const char *name, bool ok)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, CHECKS_KEY);
    if (lua_getfield(L, -1, name) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_createtable(L, 2, 0);
        lua_pushinteger(L, 0);
        lua_rawseti(L, -2, 1);
        lua_pushinteger(L, 0);
        lua_rawseti(L, -2, 2);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, name);
    }
    lua_rawgeti(L, -1, ok ? 1 : 2);
    lua_Integer n = lua_tointeger(L, -1) + 1;
    lua_pop(L, 1);
    lua_pushinteger(L, n);
    lua_rawseti(L, -2, ok ? 1 : 2);
    lua_pop(L, 2);
    struct metrics_shard *sh = llr_shard(st);
    if (!sh || !st->s->env)
        return;
    struct metrics_tags t;
    script_tags(st, &t);
    t.v[MT_CHECK] = name;
    metrics_add_tagged(sh, M_CHECKS, &t, ok);
}

static int l_check(lua_State *L)
{
    struct script_state *st = script_state_of(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    bool all = true;
    lua_pushnil(L);
    while (lua_next(L, 2) != 0) {
        const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        if (!name || !lua_isfunction(L, -1))
            return luaL_error(L, "lr.check: want { [\"name\"] = function(v) ... end }");
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
        bool ok = lua_toboolean(L, -1);
        lua_pop(L, 1);
        check_count(L, st, name, ok);
        all = all && ok;
    }
    lua_pushboolean(L, all);
    return 1;
}

static int l_sleep(lua_State *L)
{
    struct script_state *st = script_state_of(L);
    double s = luaL_checknumber(L, 1);
    if (!(s >= 0) || s > 86400)
        return luaL_error(L, "lr.sleep: seconds must be in [0, 86400]");
    if (st->cur) {
        st->req->sleep_ms = s * 1e3;
        return script_yield(L, LR_STEP_SLEEP, NULL);
    }
    if (st->in_init)
        return luaL_error(L, "lr.sleep is not allowed in the init context");
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return 0;
}

static int l_barrier(lua_State *L)
{
    struct script_state *st = script_state_of(L);
    double sec = 0;
    if (!st->cur)
        return luaL_error(L, "lr.barrier is allowed only in VU code");
    const struct lr_exec_config *ex = &st->cur->vu->part->exec;
    if (ex->type == LR_EXEC_CONSTANT_ARRIVAL_RATE || ex->type == LR_EXEC_RAMPING_ARRIVAL_RATE)
        return luaL_error(L, "lr.barrier under an arrival-rate executor: its VUs do not "
                             "start together, use an iterations or VUs executor");
    if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        char err[128];
        int t = lua_getfield(L, 1, "timeout");
        if (t != LUA_TNIL
            && (t != LUA_TSTRING || dur_parse(lua_tostring(L, -1), &sec, err, sizeof err) != 0
                || sec <= 0))
            return luaL_error(L, "lr.barrier: timeout: want a duration such as \"30s\"");
    }
    st->cur->barrier_armed = true;
    st->cur->barrier_timeout_ms = sec * 1e3;
    return 0;
}

/* ---- lr.barrier's releases ------------------------------------------------------------ */

static pthread_mutex_t bar_mu = PTHREAD_MUTEX_INITIALIZER;

int llr_barrier_define(struct script *s, struct metrics *m)
{
    s->bar.spread_id = metrics_define(m, "barrier_release_spread", METRIC_TREND, true);
    s->bar.timeouts_id = metrics_define(m, "barrier_timeouts", METRIC_COUNTER, false);
    return s->bar.spread_id < 0 || s->bar.timeouts_id < 0 ? -1 : 0;
}

/* Sum ring entry i into the totals and shard (bar_mu held). */
static void bar_close(struct script *s, int i, struct metrics_shard *shard)
{
    double us = (double)(s->bar.ring[i].last - s->bar.ring[i].first) / 1e3;
    s->bar.n++;
    s->bar.sum_us += us;
    s->bar.max_us = us > s->bar.max_us ? us : s->bar.max_us;
    if (shard && s->bar.spread_id >= 0)
        metrics_add(shard, s->bar.spread_id, us / 1e3);
    if (s->bar.ring[i].timed) {
        s->bar.timeouts++;
        if (shard && s->bar.timeouts_id >= 0)
            metrics_add(shard, s->bar.timeouts_id, 1);
    }
    s->bar.ring[i].gen = 0;
}

void llr_barrier_released(struct script_state *st, const struct lr_response *resp)
{
    struct script *s = st->s;
    uint64_t g = resp->release_gen, t = resp->released_ns;
    struct metrics_shard *shard = st->cur ? st->cur->vu->shard : NULL;
    int n = (int)(sizeof s->bar.ring / sizeof s->bar.ring[0]), i = (int)(g % (uint64_t)n);
    pthread_mutex_lock(&bar_mu);
    for (int j = 0; j < n; j++) /* releases before this one are over */
        if (s->bar.ring[j].gen && s->bar.ring[j].gen + (uint64_t)n / 2 <= g)
            bar_close(s, j, shard);
    if (s->bar.ring[i].gen && s->bar.ring[i].gen != g)
        bar_close(s, i, shard);
    if (s->bar.ring[i].gen != g)
        s->bar.ring[i] = (struct script_release){ g, t, t, resp->barrier_timed_out };
    s->bar.ring[i].first = t < s->bar.ring[i].first ? t : s->bar.ring[i].first;
    s->bar.ring[i].last = t > s->bar.ring[i].last ? t : s->bar.ring[i].last;
    pthread_mutex_unlock(&bar_mu);
}

void llr_barrier_report(struct script *s, struct metrics_shard *shard, char *buf, size_t len)
{
    int n = (int)(sizeof s->bar.ring / sizeof s->bar.ring[0]);
    pthread_mutex_lock(&bar_mu);
    for (int j = 0; j < n; j++)
        if (s->bar.ring[j].gen)
            bar_close(s, j, shard);
    if (s->bar.n > 0 && shard && s->bar.timeouts_id >= 0)
        metrics_add(shard, s->bar.timeouts_id, 0); /* exported as 0 when none timed out */
    if (s->bar.n > 0)
        snprintf(buf, len,
                 "lr.barrier: %llu release%s, spread (first to last request "
                 "written) max %.0f µs, avg %.0f µs; %llu timed out%s\n",
                 (unsigned long long)s->bar.n, s->bar.n == 1 ? "" : "s", s->bar.max_us,
                 s->bar.sum_us / (double)s->bar.n, (unsigned long long)s->bar.timeouts,
                 s->bar.timeouts ? " (released whoever was parked: see barrier_timeouts)" : "");
    pthread_mutex_unlock(&bar_mu);
}

static int l_open(lua_State *L)
{
    struct script_state *st = script_state_of(L);
    const char *p = luaL_checkstring(L, 1);
    char path[2048];
    if (!st->in_init)
        return luaL_error(L, "lr.open is allowed only in the init context");
    snprintf(path, sizeof path, "%s%s%s", p[0] == '/' ? "" : st->s->dir, p[0] == '/' ? "" : "/", p);
    FILE *f = fopen(path, "rb");
    if (!f)
        return luaL_error(L, "lr.open: %s: %s", path, strerror(errno));
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    size_t total = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && total <= LLR_OPEN_MAX) {
        luaL_addlstring(&b, chunk, n);
        total += n;
    }
    fclose(f);
    if (total > LLR_OPEN_MAX)
        return luaL_error(L, "lr.open: %s is larger than %u bytes", path, LLR_OPEN_MAX);
    luaL_pushresult(&b);
    return 1;
}

/* lr.shared(name, fn): built by the main state's init context, then copied (as JSON)
 * into every thread's state once, read-only. */
static int l_shared(lua_State *L)
{
    struct script_state *st = script_state_of(L);
    const char *name = luaL_checkstring(L, 1);
    char err[160];
    luaL_checktype(L, 2, LUA_TFUNCTION);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, SHARED_KEY);
    if (lua_getfield(L, -1, name) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    json_t *all = st->s->shared_obj, *j = all ? json_object_get(all, name) : NULL;
    if (!j && st->thread >= 0)
        return luaL_error(L, "lr.shared('%s') was not built by the init context", name);
    if (!j) {
        lua_pushvalue(L, 2);
        lua_call(L, 0, 1);
        j = ljson_from_lua(L, -1, err, sizeof err);
        lua_pop(L, 1);
        if (!j)
            return luaL_error(L, "lr.shared('%s'): %s", name, err);
        if (!all && !(all = st->s->shared_obj = json_object())) {
            json_decref(j);
            return luaL_error(L, "out of memory");
        }
        json_object_set_new(all, name, j);
    }
    ljson_push(L, j);
    ljson_push_readonly(L, -1);
    lua_remove(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

static int l_uuid(lua_State *L)
{
    unsigned char b[16];
    char out[37];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        return luaL_error(L, "lr.uuid: no randomness");
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, sizeof out,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    lua_pushstring(L, out);
    return 1;
}

/* lr.vu: id (1-based, unique in the run), iteration (0-based), state. */
static int vu_index(lua_State *L)
{
    struct script_state *st = script_state_of(L);
    const char *k = luaL_checkstring(L, 2);
    struct script_vu *v = st->cur;
    if (!strcmp(k, "id"))
        lua_pushinteger(L, v ? v->vu->id + 1 : 0);
    else if (!strcmp(k, "iteration"))
        lua_pushinteger(L, v ? (lua_Integer)v->vu->iteration - 1 : 0);
    else if (!strcmp(k, "state") && v)
        lua_rawgeti(L, LUA_REGISTRYINDEX, v->state_ref);
    else if (!strcmp(k, "state"))
        return luaL_error(L, "lr.vu.state exists only in VU code");
    else
        lua_pushnil(L);
    return 1;
}

/* Push an empty table whose fields are read by index (and written by newindex and
 * walked by pairs, when not NULL); its metatable is hidden. */
static void push_proxy(lua_State *L, lua_CFunction index, lua_CFunction newindex,
                       lua_CFunction pairs)
{
    const lua_CFunction fn[] = { index, newindex, pairs };
    const char *const name[] = { "__index", "__newindex", "__pairs" };
    lua_newtable(L);
    lua_createtable(L, 0, 4);
    for (int i = 0; i < 3; i++)
        if (fn[i]) {
            lua_pushcfunction(L, fn[i]);
            lua_setfield(L, -2, name[i]);
        }
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

static void overlay(lua_State *L, const struct opts_scenario *sc)
{
    for (int i = 0; sc && i + 1 < sc->nenv; i += 2) {
        lua_pushstring(L, sc->env_kv[i + 1]);
        lua_setfield(L, -2, sc->env_kv[i]);
    }
}

/* lr.env: the environment (where -e pairs were put), then, with one scenario, its env. */
static void push_env(lua_State *L, const struct script *s)
{
    lua_newtable(L);
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        lua_pushlstring(L, *e, (size_t)(eq - *e));
        lua_pushstring(L, eq + 1);
        lua_rawset(L, -3);
    }
    if (s->nscn == 1)
        overlay(L, &s->scn[0]);
}

/* With several scenarios, the table lr.env stands for: the running VU's scenario's (the
 * environment overlaid with its env, made on first use), else the environment's. */
static int env_table(lua_State *L)
{
    struct script_state *st = script_state_of(L);
    int idx = st->cur ? st->cur->scn_idx : -1;
    lua_getfield(L, LUA_REGISTRYINDEX, ENV_KEY);
    if (idx < 0) {
        lua_getfield(L, -1, "base");
        return lua_gettop(L);
    }
    if (lua_rawgeti(L, -1, idx + 1) == LUA_TTABLE)
        return lua_gettop(L);
    lua_pop(L, 1);
    push_env(L, st->s);
    overlay(L, &st->s->scn[idx]);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, idx + 1);
    return lua_gettop(L);
}

static int env_index(lua_State *L)
{
    int t = env_table(L);
    lua_pushvalue(L, 2);
    lua_rawget(L, t);
    return 1;
}

static int env_newindex(lua_State *L)
{
    int t = env_table(L);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 3);
    lua_rawset(L, t);
    return 0;
}

static int env_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_next(L, 1))
        return 2;
    lua_pushnil(L);
    return 1;
}

static int env_pairs(lua_State *L)
{
    int t = env_table(L);
    lua_pushcfunction(L, env_next);
    lua_pushvalue(L, t);
    lua_pushnil(L);
    return 3;
}

/* Push lr.env for several scenarios: an empty table whose metatable reads env_table. */
static void push_env_proxy(lua_State *L, const struct script *s)
{
    lua_newtable(L); /* the environment's, then one per scenario at [index + 1] */
    push_env(L, s);
    lua_setfield(L, -2, "base");
    lua_setfield(L, LUA_REGISTRYINDEX, ENV_KEY);
    push_proxy(L, env_index, env_newindex, env_pairs);
}

/* lr.scenario.name: the running VU's scenario; outside VU code the script's one
 * scenario ("default" without options.scenarios), nil when it has several. */
static int scenario_index(lua_State *L)
{
    struct script_state *st = script_state_of(L);
    const struct script *s = st->s;
    if (strcmp(luaL_checkstring(L, 2), "name") != 0)
        lua_pushnil(L);
    else if (st->cur)
        lua_pushstring(L, st->cur->scn->name);
    else if (s->nscn <= 1)
        lua_pushstring(L, s->nscn == 1 ? s->scn[0].name : "default");
    else
        lua_pushnil(L);
    return 1;
}

static const char GROUP_LUA[] = "local name, fn = ...\n"
                                "if type(name) ~= 'string' or type(fn) ~= 'function' then\n"
                                "  error('lr.group(name, fn): want a name and a function', 2)\n"
                                "end\n"
                                "return fn()\n";

int llr_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "check", l_check },   { "sleep", l_sleep }, { "barrier", l_barrier }, { "open", l_open },
        { "shared", l_shared }, { "uuid", l_uuid },   { NULL, NULL },
    };
    struct script_state *st = script_state_of(L);
    luaL_newlib(L, fns);
    if (luaL_loadbuffer(L, GROUP_LUA, sizeof GROUP_LUA - 1, "=lr.group") != LUA_OK)
        return lua_error(L);
    lua_setfield(L, -2, "group");
    push_proxy(L, vu_index, NULL, NULL);
    lua_setfield(L, -2, "vu");
    push_proxy(L, scenario_index, NULL, NULL);
    lua_setfield(L, -2, "scenario");
    if (st->s->nscn > 1)
        push_env_proxy(L, st->s);
    else
        push_env(L, st->s);
    lua_setfield(L, -2, "env");
    ljson_open(L);
    lua_setfield(L, -2, "json");
    return 1;
}

void llr_patch(lua_State *L, const struct script *s)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, "lastroom") == LUA_TTABLE) {
        if (s->nscn > 1) { /* setup, verify and teardown see the environment's */
            push_env_proxy(L, s);
            lua_setfield(L, -2, "env");
        } else {
            lua_getfield(L, -1, "env");
            overlay(L, &s->scn[0]);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 2);
}

#define LLR_CHECKS_MAX 64

struct check_sum {
    char name[96];
    long long pass, fail;
};

static void sum_state(lua_State *L, struct check_sum *c, int *n)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, CHECKS_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        const char *name = lua_tostring(L, -2);
        int i = 0;
        while (i < *n && strcmp(c[i].name, name))
            i++;
        if (i == *n && *n < LLR_CHECKS_MAX)
            snprintf(c[(*n)++].name, sizeof c->name, "%s", name);
        if (i < *n) {
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            c[i].pass += lua_tointeger(L, -2);
            c[i].fail += lua_tointeger(L, -1);
            lua_pop(L, 2);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

void llr_checks_report(struct script_state *const *states, int n, char *buf, size_t len)
{
    static struct check_sum c[LLR_CHECKS_MAX];
    int nc = 0;
    size_t off = strlen(buf);
    memset(c, 0, sizeof c);
    for (int i = 0; i < n; i++)
        if (states[i])
            sum_state(states[i]->L, c, &nc);
    for (int i = 0; i < nc; i++) {
        int w = snprintf(buf + off, off < len ? len - off : 0,
                         "  %s %s: %lld passed, "
                         "%lld failed\n",
                         c[i].fail ? "✗" : "✓", c[i].name, c[i].pass, c[i].fail);
        if (w > 0)
            off += (size_t)w;
    }
}
