/*
 * options.c: a script's options table as the engine's executor and thresholds (see
 * options.h). Durations are k6's strings ("30s", "1m30s"); counts are integers.
 */
#include "load/script/options.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/duration.h"
#include "load/engine/executor.h"

#define FAIL(...)                           \
    do {                                    \
        snprintf(err, errlen, __VA_ARGS__); \
        return -1;                          \
    } while (0)

/* The duration field f of the table at t into *out (left alone when absent). */
static int get_dur(lua_State *L, int t, const char *f, double *out, char *err, size_t errlen)
{
    char why[128];
    int ty = lua_getfield(L, t, f);
    const char *v = lua_tostring(L, -1);
    lua_pop(L, 1);
    if (ty == LUA_TNIL)
        return 0;
    if (ty != LUA_TSTRING || dur_parse(v, out, why, sizeof why) != 0)
        FAIL("options: %s: want a duration such as \"30s\"", f);
    return 0;
}

static int get_num(lua_State *L, int t, const char *f, double min, double max, double *out,
                   char *err, size_t errlen)
{
    int ty = lua_getfield(L, t, f);
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (ty == LUA_TNIL)
        return 0;
    if (ty != LUA_TNUMBER || !(v >= min && v <= max))
        FAIL("options: %s: want a number in [%g, %g]", f, min, max);
    *out = v;
    return 0;
}

static int get_int(lua_State *L, int t, const char *f, int *out, char *err, size_t errlen)
{
    double v = *out;
    if (get_num(L, t, f, 0, 1000000, &v, err, errlen) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

static int get_stages(lua_State *L, int t, struct lr_exec_config *e, char *err, size_t errlen)
{
    if (lua_getfield(L, t, "stages") != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    int n = (int)luaL_len(L, -1);
    if (n < 1 || n > LR_MAX_STAGES)
        FAIL("options: stages: 1 to %d stages", LR_MAX_STAGES);
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, -1, i + 1);
        if (!lua_istable(L, -1))
            FAIL("options: stages[%d]: want { duration = \"30s\", target = N }", i + 1);
        int st = lua_gettop(L);
        e->stages[i].target = -1;
        if (get_dur(L, st, "duration", &e->stages[i].duration_s, err, errlen) != 0
            || get_num(L, st, "target", 0, 1000000, &e->stages[i].target, err, errlen) != 0)
            return -1;
        if (e->stages[i].target < 0)
            FAIL("options: stages[%d]: target is required", i + 1);
        lua_pop(L, 1);
    }
    e->nstages = n;
    lua_pop(L, 1);
    return 0;
}

/* The executor's fields of the table at t, over k6's defaults for its type. */
static int get_exec_fields(lua_State *L, int t, struct lr_exec_config *e, char *err, size_t errlen)
{
    double iters = (double)e->iterations;
    if (get_int(L, t, "vus", &e->vus, err, errlen)
        || get_int(L, t, "startVUs", &e->start_vus, err, errlen)
        || get_int(L, t, "preAllocatedVUs", &e->pre_allocated_vus, err, errlen)
        || get_int(L, t, "maxVUs", &e->max_vus, err, errlen)
        || get_num(L, t, "iterations", 1, 1e15, &iters, err, errlen)
        || get_num(L, t, "rate", 0, 1e7, &e->rate, err, errlen)
        || get_num(L, t, "startRate", 0, 1e7, &e->start_rate, err, errlen)
        || get_dur(L, t, "duration", &e->duration_s, err, errlen)
        || get_dur(L, t, "maxDuration", &e->max_duration_s, err, errlen)
        || get_dur(L, t, "timeUnit", &e->time_unit_s, err, errlen)
        || get_dur(L, t, "gracefulStop", &e->graceful_stop_s, err, errlen)
        || get_dur(L, t, "gracefulRampDown", &e->graceful_ramp_down_s, err, errlen)
        || get_stages(L, t, e, err, errlen))
        return -1;
    e->iterations = (int64_t)iters;
    if (e->max_vus < e->pre_allocated_vus) /* k6: maxVUs defaults to preAllocatedVUs */
        e->max_vus = e->pre_allocated_vus;
    return 0;
}

/* startTime: a duration >= 0 (absent: 0). */
static int get_start(lua_State *L, int t, double *out, char *err, size_t errlen)
{
    lua_getfield(L, t, "startTime");
    const char *v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    bool neg = v ? v[strspn(v, " \t")] == '-' : lua_isnumber(L, -1) && lua_tonumber(L, -1) < 0;
    lua_pop(L, 1);
    if (neg)
        FAIL("options: startTime: must not be negative (want a duration such as \"10s\")");
    return get_dur(L, t, "startTime", out, err, errlen);
}

/* The string pairs of field f ({ key = "value", ... }) into kv[0..2*max), *n set. */
static int read_pairs(lua_State *L, int t, const char *f, const char **kv, int max, int *n,
                      char *err, size_t errlen)
{
    if (lua_getfield(L, t, f) != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING || *n >= 2 * max)
            FAIL("options: %s: string keys and values, at most %d", f, max);
        kv[(*n)++] = lua_tostring(L, -2);
        kv[(*n)++] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return 0;
}

/* A scenario's name: what the scenario tag and lr.scenario.name carry (k6's rule). */
static bool name_ok(const char *n)
{
    size_t len = strlen(n);
    return len > 0 && len < OPTS_NAME_MAX
           && strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == len;
}

/* One entry of options.scenarios (key at -2, table at -1) into *sc. */
static int read_one(lua_State *L, struct opts_scenario *sc, char *err, size_t errlen)
{
    if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1))
        FAIL("options: scenarios: want { name = { executor = ..., ... } }");
    if (!name_ok(lua_tostring(L, -2)))
        FAIL("options: scenarios: '%s': a name of letters, digits, _ and - (at most %d)",
             lua_tostring(L, -2), OPTS_NAME_MAX - 1);
    snprintf(sc->name, sizeof sc->name, "%s", lua_tostring(L, -2));
    snprintf(sc->exec_fn, sizeof sc->exec_fn, "default");
    int t = lua_gettop(L);
    lua_getfield(L, t, "executor");
    int type = lua_isstring(L, -1) ? exec_from_name(lua_tostring(L, -1)) : -1;
    lua_pop(L, 1);
    if (type < 0)
        FAIL("options: scenarios.%s.executor: one of k6's executors, e.g. \"constant-vus\"",
             sc->name);
    exec_defaults(&sc->exec, (enum lr_executor)type);
    if (get_exec_fields(L, t, &sc->exec, err, errlen) != 0
        || get_start(L, t, &sc->start_s, err, errlen) != 0
        || read_pairs(L, t, "env", sc->env_kv, OPTS_ENV_MAX, &sc->nenv, err, errlen) != 0
        || read_pairs(L, t, "tags", sc->tags_kv, OPTS_TAGS_MAX, &sc->ntags, err, errlen) != 0)
        return -1;
    sc->tags_kv[sc->ntags] = NULL;
    int ty = lua_getfield(L, t, "exec");
    if (ty == LUA_TSTRING && lua_rawlen(L, -1) > 0 && lua_rawlen(L, -1) < sizeof sc->exec_fn)
        snprintf(sc->exec_fn, sizeof sc->exec_fn, "%s", lua_tostring(L, -1));
    else if (ty != LUA_TNIL)
        FAIL("options: exec: want the name of a function, e.g. \"browse\"");
    lua_pop(L, 1);
    return exec_check(&sc->exec, err, errlen);
}

/* k6 orders scenarios by startTime, then by name. */
static int scenario_cmp(const void *a, const void *b)
{
    const struct opts_scenario *x = a, *y = b;
    if (x->start_s != y->start_s)
        return x->start_s < y->start_s ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int read_scenarios(lua_State *L, int opts, struct opts_result *o, char *err, size_t errlen)
{
    if (lua_getfield(L, opts, "scenarios") != LUA_TTABLE) {
        lua_pop(L, 1);
        return 1; /* none: the shortcuts */
    }
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        if (o->nscn >= OPTS_SCN_MAX)
            FAIL("options: scenarios: at most %d", OPTS_SCN_MAX);
        struct opts_scenario *sc = &o->scn[o->nscn];
        char why[256];
        if (read_one(L, sc, why, sizeof why) != 0) {
            bool field = !strncmp(why, "options: ", 9); /* else exec_check's words */
            const char *w = field ? why + 9 : why;
            if (!strncmp(w, "scenarios", 9))
                FAIL("options: %s", w);
            FAIL("options: scenarios.%s%s%s", sc->name, field ? "." : ": ", w);
        }
        lua_pop(L, 1);
        o->nscn++;
    }
    lua_pop(L, 1);
    if (o->nscn == 0)
        FAIL("options: scenarios is empty");
    qsort(o->scn, (size_t)o->nscn, sizeof o->scn[0], scenario_cmp);
    return 0;
}

/* k6's shortcuts: stages, iterations, duration, vus. */
static int read_shortcuts(lua_State *L, int opts, struct lr_exec_config *e, char *err,
                          size_t errlen)
{
    struct lr_exec_config c = { 0 };
    double iters = 0;
    if (get_int(L, opts, "vus", &c.vus, err, errlen)
        || get_dur(L, opts, "duration", &c.duration_s, err, errlen)
        || get_num(L, opts, "iterations", 1, 1e15, &iters, err, errlen)
        || get_stages(L, opts, &c, err, errlen))
        return -1;
    if (c.nstages > 0) {
        exec_defaults(e, LR_EXEC_RAMPING_VUS);
        e->start_vus = c.vus ? c.vus : 1;
        memcpy(e->stages, c.stages, sizeof c.stages);
        e->nstages = c.nstages;
    } else if (iters > 0) {
        exec_defaults(e, LR_EXEC_SHARED_ITERATIONS);
        e->vus = c.vus ? c.vus : 1;
        e->iterations = (int64_t)iters;
        if (c.duration_s > 0)
            e->max_duration_s = c.duration_s;
    } else if (c.duration_s > 0) {
        exec_defaults(e, LR_EXEC_CONSTANT_VUS);
        e->vus = c.vus ? c.vus : 1;
        e->duration_s = c.duration_s;
    } else {
        exec_defaults(e, LR_EXEC_SHARED_ITERATIONS);
        e->vus = c.vus ? c.vus : 1;
        e->iterations = e->vus;
    }
    return 0;
}

static int add_threshold(struct opts_thresholds *t, const char *series, const char *expr,
                         bool abort_on_fail, double delay, char *err, size_t errlen)
{
    if (t->n >= THR_MAX)
        FAIL("options: thresholds: at most %d", THR_MAX);
    if (strlen(series) >= sizeof t->series[0] || strlen(expr) >= sizeof t->expr[0])
        FAIL("options: thresholds: '%s' too long", series);
    snprintf(t->series[t->n], sizeof t->series[0], "%s", series);
    snprintf(t->expr[t->n], sizeof t->expr[0], "%s", expr);
    t->specs[t->n] = (struct lr_threshold_spec){ t->series[t->n], t->expr[t->n], abort_on_fail };
    t->delays[t->n] = delay;
    t->n++;
    t->specs[t->n].series = NULL;
    return 0;
}

static int read_thresholds(lua_State *L, int opts, struct opts_thresholds *t, char *err,
                           size_t errlen)
{
    if (lua_getfield(L, opts, "thresholds") != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        const char *series = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        if (!series || !lua_istable(L, -1))
            FAIL("options: thresholds: want { [\"metric\"] = { \"p(95)<500\", ... } }");
        int list = lua_gettop(L);
        for (lua_Integer i = 1; lua_rawgeti(L, list, i) != LUA_TNIL; i++) {
            double delay = 0;
            bool abort = false;
            const char *expr = lua_tostring(L, -1);
            if (lua_istable(L, -1)) {
                int e = lua_gettop(L);
                lua_getfield(L, e, "threshold");
                expr = lua_tostring(L, -1);
                lua_getfield(L, e, "abortOnFail");
                abort = lua_toboolean(L, -1);
                lua_pop(L, 1);
                if (get_dur(L, e, "delayAbortEval", &delay, err, errlen) != 0)
                    return -1;
            }
            if (!expr || add_threshold(t, series, expr, abort, delay, err, errlen) != 0)
                FAIL("%s", expr ? err : "options: thresholds: an entry without threshold");
            lua_settop(L, list);
        }
        lua_settop(L, list - 1);
    }
    lua_pop(L, 1);
    return 0;
}

/* k6's client options: insecureSkipTLSVerify, maxRedirects. */
static int read_client(lua_State *L, int opts, struct opts_result *o, char *err, size_t errlen)
{
    int t = lua_getfield(L, opts, "insecureSkipTLSVerify");
    o->insecure_tls = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (t != LUA_TNIL && t != LUA_TBOOLEAN)
        return snprintf(err, errlen, "options: insecureSkipTLSVerify: want true or false"), -1;
    double n = 0;
    lua_getfield(L, opts, "maxRedirects");
    bool given = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (get_num(L, opts, "maxRedirects", 0, 1000, &n, err, errlen) != 0)
        return -1;
    o->max_redirects = !given ? 0 : n == 0 ? -1 : (int)n;
    return 0;
}

int opts_read(lua_State *L, struct opts_result *o, struct opts_thresholds *t, char *err,
              size_t errlen)
{
    memset(o, 0, sizeof *o);
    t->n = 0;
    t->specs[0].series = NULL;
    int top = lua_gettop(L);
    struct opts_scenario *one = &o->scn[0];
    snprintf(one->exec_fn, sizeof one->exec_fn, "default");
    snprintf(one->name, sizeof one->name, "default");
    exec_defaults(&one->exec, LR_EXEC_SHARED_ITERATIONS);
    if (lua_getglobal(L, "options") != LUA_TTABLE) {
        lua_settop(L, top);
        o->nscn = 1;
        return 0;
    }
    int opts = lua_gettop(L);
    int rc = read_scenarios(L, opts, o, err, errlen);
    if (rc == 1) {
        o->nscn = 1;
        rc = read_shortcuts(L, opts, &one->exec, err, errlen);
        if (rc == 0)
            rc = exec_check(&one->exec, err, errlen);
    }
    if (rc == 0)
        rc = read_thresholds(L, opts, t, err, errlen);
    if (rc == 0)
        rc = read_client(L, opts, o, err, errlen);
    lua_settop(L, top);
    return rc;
}
