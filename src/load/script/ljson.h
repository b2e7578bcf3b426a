/*
 * ljson.h: Lua values to and from JSON (jansson), for lr.json, request bodies given
 * as tables, setup()'s data handed to every thread, and lr.shared tables.
 *
 * A table whose keys are exactly 1..n (n > 0) is an array, any other table an object
 * (number keys written as strings); nil and JSON null are the same. Depth is capped at
 * LJSON_DEPTH_MAX and cycles are refused, so hostile input fails cleanly.
 */
#ifndef LASTROOM_LOAD_SCRIPT_LJSON_H
#define LASTROOM_LOAD_SCRIPT_LJSON_H

#include <jansson.h>
#include <lua.h>
#include <stddef.h>

#define LJSON_DEPTH_MAX 64

/* ljson_from_lua: the value at idx as a new jansson value (the caller decrefs), or
 * NULL with a message in err (functions, userdata, too deep, NaN). */
json_t *ljson_from_lua(lua_State *L, int idx, char *err, size_t errlen);

/* ljson_push: push j as a Lua value (NULL or null: nil). */
void ljson_push(lua_State *L, const json_t *j);

/* ljson_push_readonly: push the table at idx wrapped, recursively, so that assigning
 * any field of it or of a table inside raises an error; other values pushed as they are. */
void ljson_push_readonly(lua_State *L, int idx);

/* ljson_open: push the table {encode, decode} of lr.json. */
void ljson_open(lua_State *L);

#endif
