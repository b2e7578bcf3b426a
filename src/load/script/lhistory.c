/*
 * lhistory.c: the `lastroom.history` module (see lhistory.h). A record holds its keys
 * as one block of NUL-ended strings; a handle is a userdata holding the record's index
 * in its state's buffer, so that the buffer may grow.
 */
#include "load/script/lhistory.h"

#include <lauxlib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/script/script_int.h"

static const char HANDLE_MT[] = "lastroom.history.handle";

struct hrec {
    char *keys; /* nkeys NUL-ended strings, one block */
    char *id;
    int nkeys, vu;
    int64_t qty;
    enum rec_op op;
    enum rec_outcome outcome;
    bool open;
    uint64_t t_send, t_answer;
};

struct lhistory_buf {
    struct hrec *r;
    size_t n, cap;
    uint64_t dropped;
};

struct lhistory_buf *lhistory_buf_new(void)
{
    return calloc(1, sizeof(struct lhistory_buf));
}

void lhistory_buf_free(struct lhistory_buf *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        free(b->r[i].keys);
        free(b->r[i].id);
    }
    free(b->r);
    free(b);
}

static struct hrec *rec_new(lua_State *L, struct lhistory_buf *b)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        if (b->n >= LHISTORY_MAX_RECORDS)
            return luaL_error(L, "history: more than %d records in one thread",
                              LHISTORY_MAX_RECORDS),
                   NULL;
        struct hrec *r = realloc(b->r, cap * sizeof *r);
        if (!r)
            return luaL_error(L, "history: out of memory"), NULL;
        b->r = r;
        b->cap = cap;
    }
    struct hrec *h = &b->r[b->n];
    memset(h, 0, sizeof *h);
    return h;
}

/* Raise unless the value at idx is nil or an id (a string or number of <= 256 bytes). */
static void id_check(lua_State *L, int idx)
{
    size_t len = 0;
    if (lua_isnoneornil(L, idx))
        return;
    if (lua_type(L, idx) != LUA_TSTRING && lua_type(L, idx) != LUA_TNUMBER)
        luaL_error(L, "history: an id is a string or a number");
    lua_pushvalue(L, idx);
    lua_tolstring(L, -1, &len); /* converts the copy, not the original */
    lua_pop(L, 1);
    if (len > 256)
        luaL_error(L, "history: an id is at most 256 bytes");
}

/* The id at idx (checked) as a new string; NULL for nil or no memory (*nomem set). */
static char *id_dup(lua_State *L, int idx, bool *nomem)
{
    *nomem = false;
    if (lua_isnoneornil(L, idx))
        return NULL;
    lua_pushvalue(L, idx);
    char *d = strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    *nomem = d == NULL;
    return d;
}

/* Append the key at the top of the stack to the block (*blk, *len). */
static void key_add(lua_State *L, char **blk, size_t *len, int *n)
{
    size_t kl;
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &kl) : NULL;
    if (!k || kl == 0 || kl > 256 || memchr(k, 0, kl) || *n >= LHISTORY_MAX_KEYS) {
        free(*blk);
        luaL_error(L, "history: keys are 1..256-byte strings, at most %d per attempt",
                   LHISTORY_MAX_KEYS);
    }
    char *b = realloc(*blk, *len + kl + 1);
    if (!b) {
        free(*blk);
        luaL_error(L, "history: out of memory");
    }
    memcpy(b + *len, k, kl + 1);
    *blk = b;
    *len += kl + 1;
    (*n)++;
}

static int64_t qty_of(lua_State *L, int t)
{
    lua_getfield(L, t, "qty");
    lua_Integer q = lua_isnil(L, -1) ? 1 : luaL_checkinteger(L, -1);
    lua_pop(L, 1);
    if (q < 1 || q > 1000000)
        luaL_error(L, "history: qty must be in 1..1000000");
    return q;
}

/* Fill h from the table at 1 (invoke's or record's argument). */
static void rec_fill(lua_State *L, struct hrec *h, bool single)
{
    char *blk = NULL;
    size_t len = 0;
    int n = 0;
    h->qty = qty_of(L, 1);
    if (single) {
        lua_getfield(L, 1, "key");
        key_add(L, &blk, &len, &n);
        lua_pop(L, 1);
    } else if (lua_getfield(L, 1, "keys") == LUA_TTABLE) {
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
            key_add(L, &blk, &len, &n);
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    } else {
        luaL_error(L, "history.invoke: keys = { \"key\", ... } is required");
    }
    if (n == 0)
        luaL_error(L, "history: at least one key");
    h->keys = blk;
    h->nkeys = n;
}

static int open_record(lua_State *L, bool single)
{
    struct script_state *st = script_state_of(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    struct hrec tmp = { .op = REC_BOOK, .outcome = REC_UNKNOWN, .open = !single };
    lua_getfield(L, 1, "op");
    const char *op = luaL_optstring(L, -1, "book");
    if (strcmp(op, "book") && strcmp(op, "cancel"))
        return luaL_error(L, "history: op is \"book\" or \"cancel\"");
    tmp.op = op[0] == 'c' ? REC_CANCEL : REC_BOOK;
    lua_pop(L, 1);
    if (single) {
        lua_getfield(L, 1, "outcome");
        const char *o = luaL_checkstring(L, -1);
        tmp.outcome = !strcmp(o, "ok")        ? REC_OK
                      : !strcmp(o, "fail")    ? REC_FAIL
                      : !strcmp(o, "unknown") ? REC_UNKNOWN
                                              : (enum rec_outcome) - 1;
        if ((int)tmp.outcome < 0)
            return luaL_error(L, "history.record: outcome is ok, fail or unknown");
        lua_pop(L, 1);
    }
    struct hrec *h = rec_new(L, st->hist);
    bool nomem;
    lua_getfield(L, 1, "id");
    id_check(L, -1);
    rec_fill(L, &tmp, single); /* raises before allocating, or frees */
    tmp.id = id_dup(L, -1, &nomem);
    lua_pop(L, 1);
    if (nomem) {
        free(tmp.keys);
        return luaL_error(L, "history: out of memory");
    }
    tmp.vu = st->cur ? st->cur->vu->id + 1 : 0;
    tmp.t_send = script_now_ns();
    tmp.t_answer = single && tmp.outcome != REC_UNKNOWN ? tmp.t_send : 0;
    *h = tmp;
    st->hist->n++;
    if (single)
        return 0;
    size_t *idx = lua_newuserdatauv(L, sizeof *idx, 0);
    *idx = st->hist->n - 1;
    luaL_setmetatable(L, HANDLE_MT);
    return 1;
}

static int l_invoke(lua_State *L)
{
    return open_record(L, false);
}
static int l_record(lua_State *L)
{
    return open_record(L, true);
}

static int close_handle(lua_State *L, enum rec_outcome o)
{
    struct script_state *st = script_state_of(L);
    size_t *idx = luaL_checkudata(L, 1, HANDLE_MT);
    struct hrec *h = &st->hist->r[*idx];
    if (!h->open)
        return luaL_error(L, "history: this attempt was already closed");
    bool nomem;
    id_check(L, 2);
    char *id = o == REC_OK ? id_dup(L, 2, &nomem) : NULL;
    if (o == REC_OK && nomem)
        return luaL_error(L, "history: out of memory");
    if (id) {
        free(h->id);
        h->id = id;
    }
    h->open = false;
    h->outcome = o;
    h->t_answer = script_now_ns();
    return 0;
}

static int h_ok(lua_State *L)
{
    return close_handle(L, REC_OK);
}
static int h_fail(lua_State *L)
{
    return close_handle(L, REC_FAIL);
}

int lhistory_open(lua_State *L)
{
    static const luaL_Reg fns[] = { { "invoke", l_invoke },
                                    { "record", l_record },
                                    { NULL, NULL } };
    if (luaL_newmetatable(L, HANDLE_MT)) {
        lua_createtable(L, 0, 2);
        lua_pushcfunction(L, h_ok);
        lua_setfield(L, -2, "ok");
        lua_pushcfunction(L, h_fail);
        lua_setfield(L, -2, "fail");
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    luaL_newlib(L, fns);
    return 1;
}

int lhistory_collect(struct lhistory_buf *const *bufs, int n, struct rec_attempt **out,
                     size_t *nout, struct lhistory_totals *t)
{
    size_t total = 0;
    memset(t, 0, sizeof *t);
    for (int i = 0; i < n; i++)
        for (size_t j = 0; bufs[i] && j < bufs[i]->n; j++)
            total += (size_t)bufs[i]->r[j].nkeys;
    struct rec_attempt *a = malloc((total + 1) * sizeof *a);
    if (!a)
        return -1;
    size_t k = 0;
    for (int i = 0; i < n; i++)
        for (size_t j = 0; bufs[i] && j < bufs[i]->n; j++) {
            const struct hrec *h = &bufs[i]->r[j];
            if (h->op == REC_CANCEL)
                t->cancels++;
            else if (h->outcome == REC_OK)
                t->ok++;
            else if (h->outcome == REC_FAIL)
                t->fail++;
            else
                t->unknown++;
            const char *key = h->keys;
            for (int m = 0; m < h->nkeys; m++, key += strlen(key) + 1)
                a[k++] = (struct rec_attempt){ .key = key,
                                               .id = h->id,
                                               .qty = h->qty,
                                               .op = h->op,
                                               .outcome = h->outcome,
                                               .t_send = h->t_send,
                                               .t_answer = h->t_answer,
                                               .vu = h->vu };
        }
    *out = a;
    *nout = k;
    return 0;
}

void lhistory_mark_sent(struct lhistory_buf *b, size_t *mark, int vu, uint64_t dur_ns)
{
    if (*mark >= b->n)
        return;
    uint64_t now = script_now_ns(), t = now > dur_ns ? now - dur_ns : now;
    for (size_t i = *mark; i < b->n; i++)
        if (b->r[i].vu == vu && b->r[i].open && b->r[i].t_send < t)
            b->r[i].t_send = t;
    *mark = b->n;
}
