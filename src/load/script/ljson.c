/*
 * ljson.c: Lua values to and from JSON with jansson (see ljson.h), and the read-only
 * wrapping that setup data and lr.shared tables get in VU code.
 */
#include "load/script/ljson.h"

#include <lauxlib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *from_lua(lua_State *L, int idx, int depth, char *err, size_t errlen);

/* The length n when the table at idx has exactly the keys 1..n, else 0. */
static lua_Integer array_len(lua_State *L, int idx)
{
    lua_Integer n = 0, max = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
            lua_pop(L, 1);
            return 0;
        }
        n++;
        if (lua_tointeger(L, -1) > max)
            max = lua_tointeger(L, -1);
    }
    return n == max ? n : 0;
}

static json_t *table_to_json(lua_State *L, int idx, int depth, char *err, size_t errlen)
{
    lua_Integer n = array_len(L, idx);
    json_t *out = n > 0 ? json_array() : json_object();
    for (lua_Integer i = 1; out && i <= n; i++) {
        lua_rawgeti(L, idx, i);
        json_t *v = from_lua(L, lua_gettop(L), depth + 1, err, errlen);
        lua_pop(L, 1);
        if (!v || json_array_append_new(out, v) != 0)
            goto fail;
    }
    if (n > 0)
        return out;
    lua_pushnil(L);
    while (out && lua_next(L, idx) != 0) {
        char num[32];
        const char *k = num;
        if (lua_type(L, -2) == LUA_TSTRING)
            k = lua_tostring(L, -2);
        else if (lua_type(L, -2) == LUA_TNUMBER)
            snprintf(num, sizeof num, "%s", lua_tostring(L, -2) ? lua_tostring(L, -2) : "");
        else {
            lua_pop(L, 2);
            snprintf(err, errlen, "a table key that is neither string nor number");
            goto fail;
        }
        json_t *v = from_lua(L, lua_gettop(L), depth + 1, err, errlen);
        lua_pop(L, 1);
        if (!v || json_object_set_new(out, k, v) != 0) {
            lua_pop(L, 1);
            goto fail;
        }
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

static json_t *from_lua(lua_State *L, int idx, int depth, char *err, size_t errlen)
{
    if (depth > LJSON_DEPTH_MAX || !lua_checkstack(L, 4)) {
        snprintf(err, errlen, "nested deeper than %d (or a cycle)", LJSON_DEPTH_MAX);
        return NULL;
    }
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return json_null();
    case LUA_TBOOLEAN: return json_boolean(lua_toboolean(L, idx));
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            return json_integer((json_int_t)lua_tointeger(L, idx));
        if (!isfinite(lua_tonumber(L, idx))) {
            snprintf(err, errlen, "a number that is not finite");
            return NULL;
        }
        return json_real(lua_tonumber(L, idx));
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        json_t *j = json_stringn(s, len);
        if (!j)
            snprintf(err, errlen, "a string that is not UTF-8");
        return j;
    }
    case LUA_TTABLE:
        if (luaL_getmetafield(L, idx, "__ljson_orig") != LUA_TNIL) { /* read-only proxy */
            json_t *j = from_lua(L, lua_gettop(L), depth, err, errlen);
            lua_pop(L, 1);
            return j;
        }
        return table_to_json(L, idx, depth, err, errlen);
    default:
        snprintf(err, errlen, "a %s cannot be written as JSON", luaL_typename(L, idx));
        return NULL;
    }
}

json_t *ljson_from_lua(lua_State *L, int idx, char *err, size_t errlen)
{
    return from_lua(L, lua_absindex(L, idx), 0, err, errlen);
}

void ljson_push(lua_State *L, const json_t *j)
{
    luaL_checkstack(L, 4, "JSON nested too deep");
    switch (j ? json_typeof(j) : JSON_NULL) {
    case JSON_OBJECT: {
        const char *k;
        json_t *v;
        lua_createtable(L, 0, (int)json_object_size(j));
        json_object_foreach((json_t *)j, k, v)
        {
            ljson_push(L, v);
            lua_setfield(L, -2, k);
        }
        return;
    }
    case JSON_ARRAY:
        lua_createtable(L, (int)json_array_size(j), 0);
        for (size_t i = 0; i < json_array_size(j); i++) {
            ljson_push(L, json_array_get(j, i));
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        return;
    case JSON_STRING: lua_pushlstring(L, json_string_value(j), json_string_length(j)); return;
    case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(j)); return;
    case JSON_REAL: lua_pushnumber(L, json_real_value(j)); return;
    case JSON_TRUE:
    case JSON_FALSE: lua_pushboolean(L, json_is_true(j)); return;
    default: lua_pushnil(L);
    }
}

/* ---- read-only wrapping ------------------------------------------------------------ */

static int ro_newindex(lua_State *L)
{
    return luaL_error(L, "this table is read-only (setup data and lr.shared tables are "
                         "shared by every VU; copy what you change into lr.vu.state)");
}

static int ro_len(lua_State *L)
{
    luaL_getmetafield(L, 1, "__ljson_orig");
    lua_pushinteger(L, (lua_Integer)luaL_len(L, -1));
    return 1;
}

static int ro_pairs(lua_State *L)
{
    lua_getglobal(L, "next");
    luaL_getmetafield(L, 1, "__ljson_orig");
    lua_pushnil(L);
    return 3;
}

void ljson_push_readonly(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 6, "table nested too deep");
    if (lua_type(L, idx) != LUA_TTABLE || luaL_getmetafield(L, idx, "__ljson_orig") != LUA_TNIL) {
        lua_pushvalue(L, idx);
        return;
    }
    lua_pushnil(L); /* wrap the nested tables first, in place */
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            ljson_push_readonly(L, -1);
            lua_pushvalue(L, -3);
            lua_insert(L, -2);
            lua_rawset(L, idx);
        }
        lua_pop(L, 1);
    }
    lua_newtable(L);          /* the proxy */
    lua_createtable(L, 0, 6); /* its metatable */
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__ljson_orig");
    lua_pushcfunction(L, ro_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, ro_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, ro_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

static int l_encode(lua_State *L)
{
    char err[128];
    luaL_checkany(L, 1);
    json_t *j = ljson_from_lua(L, 1, err, sizeof err);
    if (!j)
        return luaL_error(L, "json.encode: %s", err);
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    if (!s)
        return luaL_error(L, "json.encode: out of memory");
    lua_pushstring(L, s);
    free(s);
    return 1;
}

static int l_decode(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    json_error_t e;
    json_t *j = json_loadb(s, len, JSON_DECODE_ANY, &e);
    if (!j)
        return luaL_error(L, "json.decode: %s at line %d column %d", e.text, e.line, e.column);
    ljson_push(L, j);
    json_decref(j);
    return 1;
}

void ljson_open(lua_State *L)
{
    static const luaL_Reg fns[] = { { "encode", l_encode },
                                    { "decode", l_decode },
                                    { NULL, NULL } };
    luaL_newlib(L, fns);
}
