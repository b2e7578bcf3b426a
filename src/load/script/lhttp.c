/*
 * lhttp.c: the `lastroom.http` module (see lhttp.h).
 *
 * Limits are the engine's: a path of LR_PATH_MAX - 1 bytes, a body of LR_BODY_MAX - 1,
 * extra headers of HTTPC_EXTRA_MAX; the response body is kept up to the run's cap
 * (16 KiB, shared with the headers, which take at most half of it). r.headers holds
 * the answer's headers under k6's names (canonical: "content-type" becomes
 * "Content-Type"), a repeated header's values joined with ", ". Past a limit the call
 * raises an error, which ends the iteration as failed.
 */
#include "load/script/lhttp.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/booking/setup.h"
#include "load/engine/duration.h"
#include "load/script/lhistory.h"
#include "load/script/ljson.h"
#include "load/script/llr.h"
#include "load/script/script_int.h"

static const char RESPONSE_MT[] = "lastroom.http.response";
/* Key (by address) of the raw header block kept in a response until r.headers is read. */
static const char HEADERS_RAW = 0;

static const char *const methods[] = { "GET",    "POST", "PUT",     "PATCH",
                                       "DELETE", "HEAD", "OPTIONS", NULL };

static const char *method_of(lua_State *L, const char *m)
{
    for (int i = 0; methods[i]; i++)
        if (!strcmp(methods[i], m))
            return methods[i];
    luaL_error(L, "http: unknown method '%s'", m);
    return NULL;
}

/* The path of url on the run's target into out. Raises on another host. */
static void url_path(lua_State *L, const struct httpc_target *t, const char *url, char *out,
                     size_t cap)
{
    const char *p = url;
    size_t sl = !strncmp(url, "http://", 7) ? 7 : !strncmp(url, "https://", 8) ? 8 : 0;
    if (sl) {
        const char *host = url + sl;
        size_t hl = strcspn(host, "/?#");
        if (hl != strlen(t->host) || strncmp(host, t->host, hl) != 0)
            luaL_error(L,
                       "http: %s is not on the run's target %s (give --url or -e "
                       "API_URL=...)",
                       url, t->host);
        p = host + hl;
        size_t pl = strlen(t->prefix);
        if (pl && !strncmp(p, t->prefix, pl))
            p += pl;
    } else if (url[0] != '/') {
        luaL_error(L, "http: want http[s]://HOST:PORT/path or /path, got '%s'", url);
    }
    size_t n = strlen(p);
    if (n >= cap || strpbrk(p, " \r\n"))
        luaL_error(L, "http: path too long (max %d) or with blanks: %s", (int)cap - 1, url);
    if (n == 0)
        p = "/", n = 1;
    memcpy(out, p, n + 1);
}

/* The body at idx (string, table as JSON, nil) into out. Returns its length. */
static size_t body_of(lua_State *L, int idx, char *out, size_t cap)
{
    size_t len = 0;
    if (idx == 0 || lua_isnoneornil(L, idx))
        return 0;
    if (lua_type(L, idx) == LUA_TTABLE) {
        char err[128];
        json_t *j = ljson_from_lua(L, idx, err, sizeof err);
        if (!j)
            luaL_error(L, "http: body: %s", err);
        len = json_dumpb(j, out, cap, JSON_COMPACT);
        json_decref(j);
    } else {
        const char *s = luaL_checklstring(L, idx, &len);
        if (len < cap)
            memcpy(out, s, len);
    }
    if (len >= cap)
        luaL_error(L, "http: body larger than %d bytes", (int)cap - 1);
    return len;
}

static void headers_of(lua_State *L, int params, char *out, size_t cap)
{
    size_t off = 0;
    out[0] = '\0';
    if (lua_getfield(L, params, "headers") != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        const char *v = lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER
                            ? lua_tostring(L, -1)
                            : NULL;
        if (!k || !v || strpbrk(k, "\r\n: \t") || strpbrk(v, "\r\n"))
            luaL_error(L, "http: headers: want { [\"Name\"] = \"value\" } without CR/LF");
        int w = snprintf(out + off, cap - off, "%s: %s\r\n", k, v);
        if (w < 0 || (size_t)w >= cap - off)
            luaL_error(L, "http: headers larger than %d bytes", (int)cap - 1);
        off += (size_t)w;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static int name_index(const struct script *s, const char *name)
{
    for (int i = 0; name && i < s->nnames; i++)
        if (!strcmp(s->names[i], name))
            return i;
    return -1;
}

/* params: tags.name, timeout, expect (statuses that are not failures), redirects
 * (k6's: how many to follow, 0 none). */
static void params_of(lua_State *L, int params, struct script_state *st, struct lr_request *q)
{
    if (lua_isnoneornil(L, params))
        return;
    luaL_checktype(L, params, LUA_TTABLE);
    headers_of(L, params, st->hdr, sizeof st->hdr);
    q->headers = st->hdr[0] ? st->hdr : NULL;
    if (lua_getfield(L, params, "tags") == LUA_TTABLE && lua_getfield(L, -1, "name") == LUA_TSTRING)
        q->name = name_index(st->s, lua_tostring(L, -1));
    lua_settop(L, params);
    if (lua_getfield(L, params, "timeout") == LUA_TSTRING) {
        char err[128];
        double sec;
        if (dur_parse(lua_tostring(L, -1), &sec, err, sizeof err) != 0)
            luaL_error(L, "http: timeout: %s", err);
        q->timeout_ms = sec * 1e3;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, params, "redirects") != LUA_TNIL) {
        lua_Integer n = lua_tointeger(L, -1);
        if (!lua_isinteger(L, -1) || n < 0 || n > 1000)
            luaL_error(L, "http: redirects: want a whole number 0..1000");
        q->redirects = n == 0 ? -1 : (int)n;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, params, "expect") == LUA_TTABLE)
        for (int i = 0; i < 4; i++) {
            lua_rawgeti(L, -1, i + 1);
            q->expect_status[i] = (int)lua_tointeger(L, -1);
            lua_pop(L, 1);
        }
    lua_pop(L, 1);
}

/* name in the canonical form k6 gives it (each letter after the start or a '-' upper
 * case, the rest lower), into out (cap bytes); a name with a byte outside a token's
 * letters, digits and "-" is given as sent. */
static void canonical_name(const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    bool plain = n < cap;
    for (size_t i = 0; plain && i < n; i++)
        plain = isalnum((unsigned char)name[i]) || strchr("-!#$%&'*+.^_`|~", name[i]);
    snprintf(out, cap, "%s", name);
    if (!plain)
        return;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(i == 0 || out[i - 1] == '-' ? toupper((unsigned char)out[i])
                                                    : tolower((unsigned char)out[i]));
}

/* The table r.headers from the pairs the client kept. */
static void push_headers(lua_State *L, const char *hdrs, size_t len)
{
    const char *name, *value;
    char key[256];
    size_t pos = 0;
    lua_newtable(L);
    while (hdrs && httpc_header_next(hdrs, len, &pos, &name, &value)) {
        canonical_name(name, key, sizeof key);
        if (lua_getfield(L, -1, key) == LUA_TSTRING) {
            lua_pushstring(L, ", ");
            lua_pushstring(L, value);
            lua_concat(L, 3); /* a repeated header: values joined */
        } else {
            lua_pop(L, 1);
            lua_pushstring(L, value);
        }
        lua_setfield(L, -2, key);
    }
}

/* after_ms < 0: no timings.after_release (no barrier release in this iteration yet) */
static void push_response(lua_State *L, int status, const char *body, size_t blen, const char *hdrs,
                          size_t hlen, const char *error, bool unknown, double ms, double after_ms)
{
    lua_createtable(L, 0, 7);
    lua_pushinteger(L, status);
    lua_setfield(L, -2, "status");
    lua_pushlstring(L, body ? body : "", body ? blen : 0);
    lua_setfield(L, -2, "body");
    if (hdrs && hlen) { /* the table is built on first read (r_index): most scripts never look */
        lua_pushlstring(L, hdrs, hlen);
        lua_rawsetp(L, -2, &HEADERS_RAW);
    }
    if (error) {
        lua_pushstring(L, error);
        lua_setfield(L, -2, "error");
    }
    lua_pushboolean(L, unknown);
    lua_setfield(L, -2, "unknown");
    lua_createtable(L, 0, 2);
    lua_pushnumber(L, ms);
    lua_setfield(L, -2, "duration");
    if (after_ms >= 0) {
        lua_pushnumber(L, after_ms);
        lua_setfield(L, -2, "after_release");
    }
    lua_setfield(L, -2, "timings");
    lua_rawgetp(L, LUA_REGISTRYINDEX, RESPONSE_MT); /* by address: no string lookup */
    lua_setmetatable(L, -2);
}

static int http_resumed(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    struct script_state *st = script_state_of(L);
    const struct lr_response *r = st->resp;
    if (!r || !st->cur)
        return luaL_error(L, "http: resumed without a response");
    lhistory_mark_sent(st->hist, &st->cur->hist_mark, st->cur->vu->id + 1,
                       (uint64_t)(r->duration_ms * 1e6));
    const char *error = r->outcome == LR_RESP_OK        ? NULL
                        : r->outcome == LR_RESP_TIMEOUT ? "timeout"
                        : r->sent                       ? "reset"
                                                        : "connect";
    struct script_vu *v = st->cur;
    if (r->release_gen)
        v->release_open_ns = r->release_open_ns;
    double after_ms = v->release_open_ns && r->answered_ns >= v->release_open_ns
                          ? (double)(r->answered_ns - v->release_open_ns) / 1e6
                          : -1;
    push_response(L, r->status, r->body, r->body_len, r->headers, r->headers_len, error,
                  r->outcome != LR_RESP_OK && r->sent, r->duration_ms, after_ms);
    if (r->release_gen) {
        llr_barrier_released(st, r);
        if (r->barrier_timed_out) { /* not every participant arrived in time */
            lua_pushliteral(L, "timeout");
            lua_setfield(L, -2, "barrier");
        }
    }
    return 1;
}

/* setup, verify, teardown: one blocking request (Connection: close). */
static int http_blocking(lua_State *L, const char *method, const char *url, int body, int params)
{
    struct setup_http h;
    char err[256], base[300], path[LR_PATH_MAX], token[LR_TOKEN_MAX] = "";
    size_t sl = !strncmp(url, "http://", 7) ? 7 : !strncmp(url, "https://", 8) ? 8 : 0;
    const char *rest = sl ? url + sl + strcspn(url + sl, "/?#") : NULL;
    struct script *s = script_state_of(L)->s;
    if (rest)
        snprintf(base, sizeof base, "%.*s", (int)(rest - url), url);
    else
        snprintf(base, sizeof base, "%s://%s", s->target.url.tls ? "https" : "http",
                 s->target.host);
    snprintf(path, sizeof path, "%s", rest ? (rest[0] ? rest : "/") : url);
    if (!lua_isnoneornil(L, params) && lua_getfield(L, params, "headers") == LUA_TTABLE
        && lua_getfield(L, -1, "Authorization") == LUA_TSTRING
        && !strncmp(lua_tostring(L, -1), "Bearer ", 7))
        snprintf(token, sizeof token, "%s", lua_tostring(L, -1) + 7);
    json_t *jb = NULL, *resp = NULL;
    if (body != 0 && !lua_isnoneornil(L, body)) {
        json_error_t je;
        jb = lua_type(L, body) == LUA_TTABLE
                 ? ljson_from_lua(L, body, err, sizeof err)
                 : json_loads(luaL_checkstring(L, body), JSON_DECODE_ANY, &je);
        if (!jb)
            return luaL_error(L, "http: outside VU code the body must be JSON");
    }
    int status = 0;
    int rc = setup_http_init(&h, base, 30000, err, sizeof err);
    if (rc == 0)
        rc = setup_call(&h, method, path, token[0] ? token : NULL, jb, &status, &resp, err,
                        sizeof err);
    json_decref(jb);
    char *text = resp ? json_dumps(resp, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(resp);
    push_response(L, status, text, text ? strlen(text) : 0, NULL, 0, rc ? err : NULL, false, 0, -1);
    free(text);
    return 1;
}

static int http_do(lua_State *L, const char *method, int url, int body, int params)
{
    struct script_state *st = script_state_of(L);
    const char *u = luaL_checkstring(L, url);
    if (st->in_init)
        return luaL_error(L, "http: no requests in the init context (use setup())");
    if (!st->cur)
        return http_blocking(L, method, u, body, params);
    struct lr_request *q = st->req;
    q->method = method;
    url_path(L, &st->s->target, u, q->path, sizeof q->path);
    q->body_len = body_of(L, body, q->body, sizeof q->body);
    params_of(L, params, st, q);
    bool bar = st->cur->barrier_armed;
    st->cur->barrier_armed = false;
    q->barrier_timeout_ms = bar ? st->cur->barrier_timeout_ms : 0;
    return script_yield(L, bar ? LR_STEP_BARRIER : LR_STEP_REQUEST, http_resumed);
}

static int l_get(lua_State *L)
{
    return http_do(L, "GET", 1, 0, 2);
}
static int l_del(lua_State *L)
{
    return http_do(L, "DELETE", 1, 2, 3);
}
static int l_post(lua_State *L)
{
    return http_do(L, "POST", 1, 2, 3);
}
static int l_put(lua_State *L)
{
    return http_do(L, "PUT", 1, 2, 3);
}
static int l_patch(lua_State *L)
{
    return http_do(L, "PATCH", 1, 2, 3);
}

static int l_request(lua_State *L)
{
    return http_do(L, method_of(L, luaL_checkstring(L, 1)), 2, 3, 4);
}

static int r_json(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "body");
    size_t len;
    const char *b = lua_tolstring(L, -1, &len);
    json_error_t e;
    json_t *j = b ? json_loadb(b, len, JSON_DECODE_ANY, &e) : NULL;
    if (!j)
        return luaL_error(L, "r:json(): the body is not JSON");
    ljson_push(L, j);
    json_decref(j);
    return 1;
}

/* The response's __index: r:json, and r.headers built from the kept header block on
 * first read, then stored in r itself (so a second read finds it without this call). */
static int r_index(lua_State *L)
{
    if (lua_type(L, 2) != LUA_TSTRING) /* r[1] and the like: nothing (no conversion) */
        return 0;
    const char *k = lua_tostring(L, 2);
    if (!strcmp(k, "json")) {
        lua_pushcfunction(L, r_json);
        return 1;
    }
    if (strcmp(k, "headers") != 0)
        return 0;
    size_t len = 0;
    const char *raw =
        lua_rawgetp(L, 1, &HEADERS_RAW) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    push_headers(L, raw, len);
    lua_pushvalue(L, -1);
    lua_setfield(L, 1, "headers");
    lua_pushnil(L);
    lua_rawsetp(L, 1, &HEADERS_RAW);
    return 1;
}

int lhttp_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "get", l_get }, { "post", l_post },       { "put", l_put }, { "patch", l_patch },
        { "del", l_del }, { "request", l_request }, { NULL, NULL },
    };
    if (luaL_newmetatable(L, RESPONSE_MT)) {
        lua_pushcfunction(L, r_index);
        lua_setfield(L, -2, "__index");
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, RESPONSE_MT);
    }
    lua_pop(L, 1);
    luaL_newlib(L, fns);
    return 1;
}
