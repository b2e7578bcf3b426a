/*
 * lsql.h: the `lastroom.sql` module (libpq) and the `lastroom.lastroomd` module.
 *
 * lastroom.sql is for setup, verify and teardown only (the main thread, no VU running):
 * sql.open(url) -> db; db:query(text, ...) -> array of rows, each a table by column
 * name (values as text, SQL NULL as nil; parameters $1.. from the extra arguments);
 * db:close(). At most LSQL_ROWS_MAX rows per query.
 *
 * lastroom.lastroomd gives scripts lastroomd's own checks: the operators' two
 * verification queries (verify.h, the same text the built-in verification runs), the
 * per-night state of room types for verify(), and set-up helpers for its API.
 */
#ifndef LASTROOM_LOAD_SCRIPT_LSQL_H
#define LASTROOM_LOAD_SCRIPT_LSQL_H

#include <lua.h>
#include <stddef.h>

#define LSQL_ROWS_MAX 1000000

int lsql_open(lua_State *L);
int lsql_open_lastroomd(lua_State *L);

/* lsql_lastroomd_source: the Lua text of lastroom.lastroomd (its request names are
 * declared for the scripts that require it). */
const char *lsql_lastroomd_source(size_t *len);

#endif
