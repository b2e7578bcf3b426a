/*
 * vm.c: Lua states and VU coroutines for scripted tests (see vm.h).
 *
 * Assumes Lua 5.4: coroutines inherit their state's hook and extra space, and a
 * coroutine that ended (normally or by error, after lua_resetthread) can be given a
 * new function and resumed again, so one coroutine serves all of a VU's iterations.
 */
#include "common/clock.h"
#include "load/script/vm.h"

#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/loop.h"
#include "load/script/lhistory.h"
#include "load/script/lhttp.h"
#include "load/script/llr.h"
#include "load/script/lmetrics.h"
#include "load/script/lsql.h"
#include "load/script/lwrk.h"
#include "load/script/script.h"

#define VM_HOOK_EVERY 1000

static const char GLOBALS_KEY[] = "lastroom.globals";

uint64_t script_now_ns(void)
{
    return clock_mono_ns();
}

/* Small blocks (tables, strings, closures: most of what a request allocates) are
 * kept on per-state free lists by 16-byte size class instead of going back to malloc:
 * a state belongs to one thread, so a pop or a push is all an allocation costs, and a
 * collection's burst of frees no longer overflows malloc's per-thread cache. Under
 * AddressSanitizer a block on a free list is poisoned (all but its link), so that a
 * use after free is still caught, and the lists are exercised by the tests. */
#define VM_POOL_MAX (VM_POOL_CLASSES * 16)
#define VM_LINK     sizeof(void *)

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(a, n)   ((void)(a), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(a, n) ((void)(a), (void)(n))
#endif

/* Whether n bytes go to a free list (1 .. VM_POOL_MAX), and which one. */
static bool pooled(size_t n)
{
    return n > 0 && n <= VM_POOL_MAX;
}

static size_t pool_class(size_t n)
{
    return (n + 15) / 16 - 1;
}

static void *pool_get(struct script_state *st, size_t n)
{
    if (!pooled(n))
        return malloc(n);
    void **head = &st->pool[pool_class(n)];
    void *p = *head;
    if (!p)
        return malloc((pool_class(n) + 1) * 16);
    *head = *(void **)p;
    ASAN_UNPOISON_MEMORY_REGION((char *)p + VM_LINK, (pool_class(n) + 1) * 16 - VM_LINK);
    return p;
}

static void pool_put(struct script_state *st, void *p, size_t n)
{
    if (!pooled(n)) {
        free(p);
        return;
    }
    void **head = &st->pool[pool_class(n)];
    *(void **)p = *head;
    *head = p;
    ASAN_POISON_MEMORY_REGION((char *)p + VM_LINK, (pool_class(n) + 1) * 16 - VM_LINK);
}

static void pool_free_all(struct script_state *st)
{
    for (int c = 0; c < VM_POOL_CLASSES; c++)
        while (st->pool[c]) {
            void *p = st->pool[c];
            st->pool[c] = *(void **)p;
            ASAN_UNPOISON_MEMORY_REGION((char *)p + VM_LINK, (size_t)(c + 1) * 16 - VM_LINK);
            free(p);
        }
}

static void *vm_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct script_state *st = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        if (ptr)
            pool_put(st, ptr, old);
        st->mem -= old;
        return NULL;
    }
    if (nsize > old && st->mem + (nsize - old) > st->mem_max) {
        st->mem_hit = true;
        return NULL;
    }
    void *p;
    if (ptr && !pooled(old) && !pooled(nsize))
        p = realloc(ptr, nsize);
    else if (ptr && pooled(old) && pooled(nsize) && pool_class(old) == pool_class(nsize))
        p = ptr;
    else if ((p = pool_get(st, nsize)) && ptr) {
        memcpy(p, ptr, old < nsize ? old : nsize);
        pool_put(st, ptr, old);
    }
    if (p)
        st->mem = st->mem - old + nsize;
    return p;
}

static void vm_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    struct script_state *st = script_state_of(L);
    st->steps += VM_HOOK_EVERY;
    if (st->steps <= st->steps_max)
        return;
    lua_Debug d;
    int line = lua_getstack(L, 0, &d) && lua_getinfo(L, "Sl", &d) ? d.currentline : -1;
    luaL_error(L,
               "%s:%d: stopped after %I instructions without yielding (an endless "
               "loop? --max-instructions)",
               line >= 0 ? d.short_src : "?", line, (lua_Integer)st->steps_max);
}

int script_yield(lua_State *L, int want, lua_KFunction k)
{
    struct script_state *st = script_state_of(L);
    if (!st->cur || L != st->cur->co)
        return luaL_error(L, "this call waits for the network or the clock: it is "
                             "allowed only in VU code (not in the init context, setup, "
                             "verify, teardown, or a coroutine of the script's own)");
    st->want = want;
    return lua_yieldk(L, 0, 0, k);
}

static int vm_text_load(lua_State *L)
{
    lua_settop(L, 4);
    lua_pushstring(L, "t");
    lua_replace(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 4, LUA_MULTRET);
    return lua_gettop(L);
}

/* No io, no os.execute and friends, no debug, no code from disk, text-only load. */
static void vm_sandbox(lua_State *L)
{
    static const char *const gone[] = { "io", "debug", "dofile", "loadfile", NULL };
    static const char *const os_gone[] = { "execute", "exit",      "remove", "rename",
                                           "tmpname", "setlocale", NULL };
    for (int i = 0; gone[i]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, gone[i]);
    }
    lua_getglobal(L, "os");
    for (int i = 0; os_gone[i]; i++) {
        lua_pushnil(L);
        lua_setfield(L, -2, os_gone[i]);
    }
    lua_pop(L, 1);
    lua_getglobal(L, "package");
    lua_pushstring(L, "");
    lua_setfield(L, -2, "path");
    lua_pushstring(L, "");
    lua_setfield(L, -2, "cpath");
    lua_pushnil(L);
    lua_setfield(L, -2, "loadlib");
    lua_getfield(L, -1, "searchers"); /* keep only the preload searcher */
    for (lua_Integer i = luaL_len(L, -1); i > 1; i--) {
        lua_pushnil(L);
        lua_rawseti(L, -2, i);
    }
    lua_pop(L, 2);
    lua_getglobal(L, "load");
    lua_pushcclosure(L, vm_text_load, 1);
    lua_setglobal(L, "load");
}

static void vm_preload(lua_State *L)
{
    static const luaL_Reg mods[] = {
        { "lastroom", llr_open },
        { "lastroom.http", lhttp_open },
        { "lastroom.metrics", lmetrics_open },
        { "lastroom.history", lhistory_open },
        { "lastroom.sql", lsql_open },
        { "lastroom.lastroomd", lsql_open_lastroomd },
        { NULL, NULL },
    };
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    for (const luaL_Reg *m = mods; m->name; m++) {
        lua_pushcfunction(L, m->func);
        lua_setfield(L, -2, m->name);
    }
    lua_pop(L, 1);
}

static int freeze_newindex(lua_State *L)
{
    return luaL_error(L,
                      "assigning the global '%s' after the init context: globals are "
                      "shared by every VU of a thread; keep a VU's own data in "
                      "lr.vu.state (or a local)",
                      luaL_optstring(L, 2, "?"));
}

/* Move every global into a table of their own behind an empty _G that refuses writes. */
static void vm_freeze(struct script_state *st)
{
    lua_State *L = st->L;
    lua_pushglobaltable(L);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, -3) != 0) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    lua_pushnil(L); /* empty _G */
    while (lua_next(L, -3) != 0) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushnil(L);
        lua_rawset(L, -5);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, GLOBALS_KEY);
    lua_createtable(L, 0, 3);
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, freeze_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    st->frozen = true;
}

void vm_global(struct script_state *st, const char *name)
{
    if (st->frozen) {
        lua_getfield(st->L, LUA_REGISTRYINDEX, GLOBALS_KEY);
        lua_getfield(st->L, -1, name);
        lua_remove(st->L, -2);
    } else {
        lua_getglobal(st->L, name);
    }
}

static int vm_traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    luaL_traceback(L, L, msg ? msg : "(an error object that is not a string)", 1);
    return 1;
}

int vm_pcall(struct script_state *st, int nargs, int nres, char *err, size_t errlen)
{
    lua_State *L = st->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, vm_traceback);
    lua_insert(L, base);
    st->steps = 0;
    int rc = lua_pcall(L, nargs, nres, base);
    lua_remove(L, base);
    if (rc == LUA_OK)
        return 0;
    snprintf(err, errlen, "%s",
             st->mem_hit           ? "the state's memory cap was reached "
                                     "(--memory-max)"
             : lua_tostring(L, -1) ? lua_tostring(L, -1)
                                   : "error");
    st->mem_capped |= st->mem_hit;
    st->mem_hit = false;
    lua_pop(L, 1);
    return -1;
}

struct script_state *vm_state_new(struct script *s, int thread, bool *syntax, char *err,
                                  size_t errlen)
{
    struct script_state *st = calloc(1, sizeof *st);
    *syntax = false;
    if (!st || !(st->hist = lhistory_buf_new())) {
        free(st);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    st->s = s;
    st->thread = thread;
    st->mem_max = s->mem_max;
    st->steps_max = s->steps_max;
    st->want = -1;
    st->data_ref = LUA_NOREF;
    st->L = lua_newstate(vm_alloc, st);
    if (!st->L) {
        vm_state_free(st);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *(struct script_state **)lua_getextraspace(st->L) = st;
    luaL_openlibs(st->L);
    vm_sandbox(st->L);
    vm_preload(st->L);
    lua_sethook(st->L, vm_hook, LUA_MASKCOUNT, VM_HOOK_EVERY);
    lua_gc(st->L, LUA_GCGEN, 0, 0); /* a response lives one call: young garbage */
    if (lwrk_prelude(st->L) != 0) {
        vm_state_free(st);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (luaL_loadbuffer(st->L, s->source, s->source_len, s->chunkname) != LUA_OK) {
        *syntax = true;
        snprintf(err, errlen, "%s", lua_tostring(st->L, -1));
        vm_state_free(st);
        return NULL;
    }
    st->in_init = true;
    int rc = vm_pcall(st, 0, 0, err, errlen), wrk = rc == 0 ? lwrk_adopt(st->L) : 0;
    st->in_init = false;
    if (wrk < 0)
        snprintf(err, errlen, "%s", lua_tostring(st->L, -1));
    if (rc != 0 || wrk < 0) {
        vm_state_free(st);
        return NULL;
    }
    s->wrk = wrk == 1;
    if (!s->wrk) /* wrk's scripts keep globals per thread */
        vm_freeze(st);
    return st;
}

void vm_state_free(struct script_state *st)
{
    if (!st)
        return;
    if (st->L)
        lua_close(st->L);
    pool_free_all(st);
    lhistory_buf_free(st->hist);
    free(st);
}

static int vm_new_thread(lua_State *L)
{
    lua_newthread(L);
    return 1;
}

static int vm_new_vu(lua_State *L)
{
    lua_newthread(L);
    lua_newtable(L);
    return 2;
}

int vm_vu_init(struct script_state *st, struct script_vu *v, struct lr_vu *vu)
{
    lua_State *L = st->L;
    lua_pushcfunction(L, vm_new_vu);
    if (lua_pcall(L, 0, 2, 0) != LUA_OK) { /* no memory */
        lua_pop(L, 1);
        return -1;
    }
    v->st = st;
    v->vu = vu;
    v->fn_ref = LUA_NOREF;
    v->state_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    v->co = lua_tothread(L, -1);
    v->co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    vu->data = v;
    return 0;
}

/* The iteration's function and its argument (setup's data) onto the coroutine. */
static int vm_begin(struct script_vu *v)
{
    struct script_state *st = v->st;
    if (lua_status(v->co) != LUA_OK || lua_gettop(v->co) > 0)
        lua_resetthread(v->co); /* cut short before, or failed */
    v->barrier_armed = false;
    v->release_open_ns = 0;
    if (v->fn_ref == LUA_NOREF && st->frozen) { /* globals are frozen: look it up once */
        vm_global(st, v->scn->exec_fn);
        v->fn_ref = luaL_ref(st->L, LUA_REGISTRYINDEX);
    }
    if (v->fn_ref != LUA_NOREF)
        lua_rawgeti(st->L, LUA_REGISTRYINDEX, v->fn_ref);
    else
        vm_global(st, v->scn->exec_fn);
    lua_rawgeti(st->L, LUA_REGISTRYINDEX, st->data_ref);
    lua_xmove(st->L, v->co, 2);
    return 1;
}

static enum lr_step vm_fail(struct script_vu *v, const char *msg)
{
    struct script_state *st = v->st;
    char buf[SCRIPT_ERR_LEN];
    snprintf(buf, sizeof buf, "%s",
             st->mem_hit ? "the state's memory cap was reached "
                           "(--memory-max)"
             : msg       ? msg
                         : "an error object that is not a string");
    st->mem_capped |= st->mem_hit;
    st->mem_hit = false;
    script_note_error(st->s, buf);
    lmetrics_script_error(st->s, v->vu->shard);
    lua_resetthread(v->co);
    /* An error raised by the hook leaves the coroutine's hooks off (Lua re-enables them
     * only for lua_pcall): the VU goes on in a new coroutine. */
    lua_pushcfunction(st->L, vm_new_thread);
    if (lua_pcall(st->L, 0, 1, 0) == LUA_OK) {
        luaL_unref(st->L, LUA_REGISTRYINDEX, v->co_ref);
        v->co = lua_tothread(st->L, -1);
        v->co_ref = luaL_ref(st->L, LUA_REGISTRYINDEX);
    } else {
        lua_pop(st->L, 1); /* no memory: keep the old one */
    }
    return LR_STEP_ABORT;
}

enum lr_step vm_step(struct script_vu *v, const struct lr_response *resp, struct lr_request *req)
{
    struct script_state *st = v->st;
    int nargs = 0, nres = 0;
    if (!resp)
        nargs = vm_begin(v);
    st->cur = v;
    st->req = req;
    st->resp = resp;
    st->want = -1;
    st->steps = 0;
    int rc = lua_resume(v->co, st->L, nargs, &nres);
    st->cur = NULL;
    st->resp = NULL;
    if (rc == LUA_YIELD) {
        lua_pop(v->co, nres);
        if (st->want >= 0)
            return (enum lr_step)st->want;
        return vm_fail(v, "coroutine.yield() in VU code outside a coroutine of its own");
    }
    if (rc == LUA_OK) {
        lua_settop(v->co, 0);
        return LR_STEP_DONE;
    }
    return vm_fail(v, lua_tostring(v->co, -1));
}
