/*
 * lmetrics.c: the `lastroom.metrics` module (see lmetrics.h).
 */
#include "load/script/lmetrics.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "load/script/script_int.h"

static const char METRIC_MT[] = "lastroom.metric";

struct lmetric {
    char name[METRICS_NAME_MAX];
    enum metric_type type;
    int id; /* -1 until the registry has it */
};

static struct lmetric *check_metric(lua_State *L)
{
    return luaL_checkudata(L, 1, METRIC_MT);
}

static int resolve(struct script_state *st, struct lmetric *m)
{
    if (m->id < 0 && st->s->env && st->s->env->metrics)
        m->id = metrics_find(st->s->env->metrics, m->name);
    return m->id;
}

static int m_add(lua_State *L)
{
    struct lmetric *m = check_metric(L);
    struct script_state *st = script_state_of(L);
    double v = lua_type(L, 2) == LUA_TBOOLEAN ? lua_toboolean(L, 2) : luaL_checknumber(L, 2);
    struct metrics_shard *sh = st->cur ? st->cur->vu->shard : st->s->env ? st->s->env->shard : NULL;
    if (resolve(st, m) < 0 || !sh)
        return luaL_error(L,
                          "metric %s: not defined in the init context, or added before "
                          "setup",
                          m->name);
    struct metrics_tags t;
    script_tags(st, &t);
    if (lua_type(L, 3) == LUA_TTABLE) /* the sample's own tags, over its scenario's */
        for (lua_pushnil(L); lua_next(L, 3) != 0; lua_pop(L, 1)) {
            int k = lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING
                        ? metrics_tag_key_find(st->s->env->metrics, lua_tostring(L, -2))
                        : -1;
            if (k >= 0)
                t.v[k] = lua_tostring(L, -1); /* the table keeps it alive during the call */
        }
    metrics_add_tagged(sh, m->id, &t, v);
    return 0;
}

static int declare(lua_State *L, enum metric_type type)
{
    struct script_state *st = script_state_of(L);
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    bool is_time = lua_toboolean(L, 2);
    if (!st->in_init)
        return luaL_error(L, "metrics are declared in the init context only");
    if (len == 0 || len >= METRICS_NAME_MAX
        || strspn(name, "abcdefghijklmnopqrstuvwxyz"
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
               != len)
        return luaL_error(L, "metric name '%s': letters, digits and _ only, at most %d", name,
                          METRICS_NAME_MAX - 1);
    struct lmetric *m = lua_newuserdatauv(L, sizeof *m, 0);
    snprintf(m->name, sizeof m->name, "%s", name);
    m->type = type;
    m->id = -1;
    luaL_setmetatable(L, METRIC_MT);
    struct script *s = st->s;
    if (st->thread < 0 && s->nmetrics < SCRIPT_MAX_METRICS) {
        snprintf(s->metrics[s->nmetrics].name, METRICS_NAME_MAX, "%s", name);
        s->metrics[s->nmetrics].type = (int)type;
        s->metrics[s->nmetrics++].is_time = is_time && type == METRIC_TREND;
    } else if (st->thread < 0) {
        return luaL_error(L, "more than %d custom metrics", SCRIPT_MAX_METRICS);
    } else if (resolve(st, m) < 0) {
        return luaL_error(L,
                          "metric %s: declared by the threads but not by the init "
                          "context of the main thread",
                          name);
    }
    return 1;
}

static int l_counter(lua_State *L)
{
    return declare(L, METRIC_COUNTER);
}
static int l_gauge(lua_State *L)
{
    return declare(L, METRIC_GAUGE);
}
static int l_rate(lua_State *L)
{
    return declare(L, METRIC_RATE);
}
static int l_trend(lua_State *L)
{
    return declare(L, METRIC_TREND);
}

int lmetrics_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "counter", l_counter }, { "gauge", l_gauge }, { "rate", l_rate },
        { "trend", l_trend },     { NULL, NULL },
    };
    if (luaL_newmetatable(L, METRIC_MT)) {
        lua_createtable(L, 0, 1);
        lua_pushcfunction(L, m_add);
        lua_setfield(L, -2, "add");
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    luaL_newlib(L, fns);
    return 1;
}

int lmetrics_define_all(struct script *s, struct metrics *m, char *err, size_t errlen)
{
    for (int i = 0; i < s->nmetrics; i++)
        if (metrics_define(m, s->metrics[i].name, (enum metric_type)s->metrics[i].type,
                           s->metrics[i].is_time)
            < 0) {
            snprintf(err, errlen,
                     "metric %s: a built-in metric of another type, or too "
                     "many series",
                     s->metrics[i].name);
            return -1;
        }
    s->errors_id = metrics_define(m, "script_errors", METRIC_COUNTER, false);
    if (s->errors_id < 0) {
        snprintf(err, errlen, "too many metric series");
        return -1;
    }
    return 0;
}

void lmetrics_script_error(const struct script *s, struct metrics_shard *shard)
{
    if (s->errors_id >= 0)
        metrics_add(shard, s->errors_id, 1);
}
