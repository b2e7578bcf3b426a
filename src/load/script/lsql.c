/*
 * lsql.c: the `lastroom.sql` and `lastroom.lastroomd` modules (see lsql.h).
 */
#include "load/script/lsql.h"

#include <lauxlib.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "load/booking/verify.h"
#include "load/script/script_int.h"

static const char DB_MT[] = "lastroom.sql.db";

#define LSQL_PARAMS_MAX 32

static PGconn **check_db(lua_State *L)
{
    PGconn **c = luaL_checkudata(L, 1, DB_MT);
    if (!*c)
        luaL_error(L, "sql: the connection is closed");
    return c;
}

static void main_thread_only(lua_State *L)
{
    struct script_state *st = script_state_of(L);
    if (st->thread >= 0 || st->in_init || st->cur)
        luaL_error(L, "lastroom.sql is for setup, verify and teardown only");
}

static int l_open(lua_State *L)
{
    const char *url = luaL_checkstring(L, 1);
    main_thread_only(L);
    PGconn **c = lua_newuserdatauv(L, sizeof *c, 0);
    *c = NULL;
    luaL_setmetatable(L, DB_MT);
    *c = PQconnectdb(url);
    if (PQstatus(*c) != CONNECTION_OK) {
        lua_pushstring(L, PQerrorMessage(*c));
        PQfinish(*c);
        *c = NULL;
        return luaL_error(L, "sql.open: %s", lua_tostring(L, -1));
    }
    return 1;
}

static void push_rows(lua_State *L, PGresult *r)
{
    int rows = PQntuples(r), cols = PQnfields(r);
    lua_createtable(L, rows, 0);
    for (int i = 0; i < rows; i++) {
        lua_createtable(L, 0, cols);
        for (int j = 0; j < cols; j++) {
            if (PQgetisnull(r, i, j))
                continue;
            lua_pushlstring(L, PQgetvalue(r, i, j), (size_t)PQgetlength(r, i, j));
            lua_setfield(L, -2, PQfname(r, j));
        }
        lua_rawseti(L, -2, i + 1);
    }
}

static int db_query(lua_State *L)
{
    PGconn **c = check_db(L);
    const char *q = luaL_checkstring(L, 2);
    const char *params[LSQL_PARAMS_MAX];
    int n = lua_gettop(L) - 2;
    main_thread_only(L);
    if (n > LSQL_PARAMS_MAX)
        return luaL_error(L, "db:query: at most %d parameters", LSQL_PARAMS_MAX);
    for (int i = 0; i < n; i++)
        params[i] = lua_isnil(L, i + 3) ? NULL : luaL_tolstring(L, i + 3, NULL);
    PGresult *r = PQexecParams(*c, q, n, NULL, params, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        lua_pushstring(L, PQresultErrorMessage(r));
        PQclear(r);
        return luaL_error(L, "db:query: %s", lua_tostring(L, -1));
    }
    if (PQntuples(r) > LSQL_ROWS_MAX) {
        PQclear(r);
        return luaL_error(L, "db:query: more than %d rows", LSQL_ROWS_MAX);
    }
    push_rows(L, r); /* on no memory the result leaks into the error: */
    PQclear(r);      /* push_rows raises only on a full memory cap */
    return 1;
}

static int db_close(lua_State *L)
{
    PGconn **c = luaL_checkudata(L, 1, DB_MT);
    if (*c)
        PQfinish(*c);
    *c = NULL;
    return 0;
}

int lsql_open(lua_State *L)
{
    static const luaL_Reg fns[] = { { "open", l_open }, { NULL, NULL } };
    if (luaL_newmetatable(L, DB_MT)) {
        lua_createtable(L, 0, 2);
        lua_pushcfunction(L, db_query);
        lua_setfield(L, -2, "query");
        lua_pushcfunction(L, db_close);
        lua_setfield(L, -2, "close");
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, db_close);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    luaL_newlib(L, fns);
    return 1;
}

/* ---- lastroom.lastroomd ------------------------------------------------------------ */

static const char LASTROOMD_LUA[] =
#include "lastroomd_lua.h"
    ;

const char *lsql_lastroomd_source(size_t *len)
{
    *len = sizeof LASTROOMD_LUA - 1;
    return LASTROOMD_LUA;
}

int lsql_open_lastroomd(lua_State *L)
{
    if (luaL_loadbuffer(L, LASTROOMD_LUA, sizeof LASTROOMD_LUA - 1, "=lastroom.lastroomd")
        != LUA_OK)
        return lua_error(L);
    lua_pushstring(L, VERIFY_Q_OVERSOLD);
    lua_pushstring(L, VERIFY_Q_NO_DETAILS);
    lua_call(L, 2, 1);
    return 1;
}
