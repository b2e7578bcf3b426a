/*
 * script.c: the scenario of a Lua script (see script.h): loading, setup, one state per
 * thread and one coroutine per VU, verification by reconciliation, teardown.
 *
 * The main thread's state runs the init context, setup(), verify() and teardown();
 * each event-loop thread gets a state of its own, made while the VUs are initialised
 * (on the main thread, before the run), which runs the init context again and then
 * only VU code. setup()'s data travels between states as JSON and is read-only in VUs.
 */
#include "load/script/script.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/engine/executor.h"
#include "load/engine/metrics.h"
#include "load/engine/reconcile.h"
#include "load/script/lhistory.h"
#include "load/script/ljson.h"
#include "load/script/llr.h"
#include "load/script/lmetrics.h"
#include "load/script/lsql.h"
#include "load/script/lwrk.h"
#include "load/script/options.h"
#include "load/script/script_int.h"
#include "load/script/vm.h"

#define SCRIPT_SOURCE_MAX    (4u << 20)
#define SCRIPT_THREADS_MAX   1024
#define SCRIPT_DEFAULT_MEM   (64u << 20)
#define SCRIPT_DEFAULT_STEPS 100000000ull

static struct script g_s;
static struct script_state *g_main;
static struct script_state *g_threads[SCRIPT_THREADS_MAX];
static struct script_vu *g_vus;
static json_t *g_data; /* setup()'s answer */
static struct opts_thresholds g_thr;
static struct opts_result g_opts;
static struct lr_part g_parts[OPTS_SCN_MAX];
static const struct opts_scenario g_default = { .name = "default", .exec_fn = "default" };
static struct lr_profile g_profile;
static struct lr_scenario g_scn;
static uint64_t g_t0; /* the end of setup */
static pthread_mutex_t g_err_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *const script_options[] = { "--max-instructions", "--memory-max", NULL };

bool script_is_path(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    return n > 4 && !strcmp(name + n - 4, ".lua");
}

void script_tags(const struct script_state *st, struct metrics_tags *t)
{
    metrics_tags_init(st->s->env->metrics, t);
    const struct lr_part *p = st->cur ? st->cur->vu->part : NULL;
    if (!p)
        return;
    t->v[MT_SCENARIO] = p->name;
    for (const char *const *u = p->tags; u && u[0] && u[1]; u += 2) {
        int k = metrics_tag_key_find(st->s->env->metrics, u[0]);
        if (k >= MT_BUILTIN_KEYS)
            t->v[k] = u[1];
    }
}

void script_note_error(struct script *s, const char *msg)
{
    pthread_mutex_lock(&g_err_mu);
    int i = 0;
    while (i < s->nerrors && strcmp(s->errors[i], msg))
        i++;
    if (i == s->nerrors && s->nerrors < SCRIPT_MAX_ERRORS)
        snprintf(s->errors[s->nerrors++], SCRIPT_ERR_LEN, "%s", msg);
    if (i < s->nerrors)
        s->error_counts[i]++;
    pthread_mutex_unlock(&g_err_mu);
}

static int read_source(struct script *s, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    s->source = malloc(SCRIPT_SOURCE_MAX + 1);
    s->source_len = s->source ? fread(s->source, 1, SCRIPT_SOURCE_MAX + 1, f) : 0;
    fclose(f);
    if (!s->source || s->source_len > SCRIPT_SOURCE_MAX) {
        snprintf(err, errlen, "%s: larger than %u bytes", path, SCRIPT_SOURCE_MAX);
        return -1;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    snprintf(s->chunkname, sizeof s->chunkname, "@%s", path);
    const char *slash = strrchr(path, '/');
    snprintf(s->dir, sizeof s->dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    return 0;
}

/* Request names written as string literals in tags = { name = "..." }: each gets
 * series of its own (http_req_duration{name:...}), which must exist before the run. */
static void scan_names(struct script *s, const char *text, size_t len)
{
    static char store[SCRIPT_MAX_NAMES][64];
    const char *p = text, *end = text + len;
    while (s->nnames < SCRIPT_MAX_NAMES && (p = memmem(p, (size_t)(end - p), "tags", 4))) {
        p += 4;
        const char *q = p + strspn(p, " \t\r\n=");
        if (*q != '{')
            continue;
        const char *close = memchr(q, '}', (size_t)(end - q));
        const char *n = close ? memmem(q, (size_t)(close - q), "name", 4) : NULL;
        if (!n)
            continue;
        n += 4 + strspn(n + 4, " \t=");
        char quote = *n;
        const char *e =
            quote == '"' || quote == '\'' ? memchr(n + 1, quote, (size_t)(close - n - 1)) : NULL;
        if (!e || e - n - 1 >= 63 || e == n + 1)
            continue;
        int i = s->nnames;
        snprintf(store[i], sizeof store[i], "%.*s", (int)(e - n - 1), n + 1);
        bool dup = false;
        for (int j = 0; j < i && !dup; j++)
            dup = !strcmp(s->names[j], store[i]);
        if (!dup)
            s->names[s->nnames++] = store[i];
    }
    s->names[s->nnames] = NULL;
}

/* ---- the scenario's callbacks -------------------------------------------------------- */

static int parse_count(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (!*v || *end || n < min || n > max)
        return -1;
    *out = n;
    return 0;
}

static int script_opts(struct lr_scenario_env *env, char *err, size_t errlen)
{
    for (const char *const *a = env->argv_extra; a && a[0]; a += 2) {
        uint64_t n;
        if (a[1] && !strcmp(a[0], "--max-instructions")
            && !parse_count(a[1], 10000, 1ull << 50, &n))
            g_s.steps_max = n;
        else if (a[1] && !strcmp(a[0], "--memory-max") && !parse_count(a[1], 1, 1 << 20, &n))
            g_s.mem_max = (size_t)n << 20;
        else {
            snprintf(err, errlen,
                     "%s: want --max-instructions N (>= 10000) or "
                     "--memory-max MIB (per Lua state)",
                     a[0]);
            return -1;
        }
    }
    g_main->steps_max = g_s.steps_max;
    g_main->mem_max = g_s.mem_max > g_main->mem ? g_s.mem_max : g_main->mem + (1u << 20);
    return 0;
}

/* Push data (read-only) and store its reference in st. Run protected. */
static int push_data(lua_State *L)
{
    struct script_state *st = script_state_of(L);
    ljson_push(L, g_data);
    ljson_push_readonly(L, -1);
    st->data_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

static int state_data(struct script_state *st, char *err, size_t errlen)
{
    lua_pushcfunction(st->L, push_data);
    return vm_pcall(st, 0, 0, err, errlen);
}

/* The script's scenario called name, or -1. */
static int scn_find(const char *name)
{
    for (int i = 0; i < g_s.nscn; i++)
        if (!strcmp(g_s.scn[i].name, name))
            return i;
    return -1;
}

/* The run's parts are the script's scenarios, or the one "default" the command line's
 * executor options put in their place (which runs default()); each scenario's tags
 * are tag keys of the run. Returns 0, or -1 with a message in err (a usage error). */
static int scn_check(struct lr_scenario_env *env, char *err, size_t errlen)
{
    for (int i = 0; i < env->nparts; i++) {
        if (scn_find(env->parts[i].name) >= 0 || g_s.wrk)
            continue;
        vm_global(g_main, "default");
        bool fn = lua_isfunction(g_main->L, -1);
        lua_pop(g_main->L, 1);
        if (!fn) {
            snprintf(err, errlen,
                     "--vus, --duration, --iterations, --stages and --rate replace the "
                     "script's scenarios with one running default(), which %s does not define",
                     g_s.path);
            return -1;
        }
    }
    for (int i = 0; i < g_s.nscn; i++)
        for (int k = 0; k + 1 < g_s.scn[i].ntags; k += 2)
            if (metrics_tag_key(env->metrics, g_s.scn[i].tags_kv[k]) < MT_BUILTIN_KEYS) {
                snprintf(err, errlen,
                         "options: scenarios.%s.tags: '%s': a key that is not built in, "
                         "without {}:,\"\\",
                         g_s.scn[i].name, g_s.scn[i].tags_kv[k]);
                return -1;
            }
    return 0;
}

static int script_setup(struct lr_scenario_env *env, char *err, size_t errlen)
{
    char why[1024];
    g_s.env = env;
    if (script_opts(env, err, errlen) != 0 || scn_check(env, err, errlen) != 0)
        return LR_SETUP_USAGE;
    if (httpc_target_parse(&g_s.target, env->base_url, err, errlen) != 0
        || lmetrics_define_all(&g_s, env->metrics, err, errlen) != 0)
        return LR_SETUP_USAGE;
    httpc_target_free(&g_s.target); /* its host and prefix are read, never its TLS */
    g_s.bar.spread_id = g_s.bar.timeouts_id = -1;
    if (memmem(g_s.source, g_s.source_len, "barrier", 7)
        && llr_barrier_define(&g_s, env->metrics) != 0) {
        snprintf(err, errlen, "too many metric series");
        return LR_SETUP_USAGE;
    }
    g_vus = calloc((size_t)env->vus_max + 1, sizeof *g_vus);
    if (!g_vus) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    vm_global(g_main, "setup");
    if (lua_isfunction(g_main->L, -1) && g_s.wrk) {
        lua_newtable(g_main->L); /* wrk's setup(thread): a table to set/get */
        if (luaL_dostring(g_main->L, "return function(t, k, v) rawset(t, k, v) end") != 0)
            lua_pushnil(g_main->L);
        lua_setfield(g_main->L, -2, "set");
        if (luaL_dostring(g_main->L, "return function(t, k) return rawget(t, k) end") != 0)
            lua_pushnil(g_main->L);
        lua_setfield(g_main->L, -2, "get");
        if (vm_pcall(g_main, 1, 0, why, sizeof why) != 0) {
            snprintf(err, errlen, "setup(thread): %s", why);
            return -1;
        }
        lua_pushnil(g_main->L);
    } else if (lua_isfunction(g_main->L, -1)) {
        if (vm_pcall(g_main, 0, 1, why, sizeof why) != 0) {
            snprintf(err, errlen, "setup(): %s", why);
            return -1;
        }
        g_data = ljson_from_lua(g_main->L, -1, why, sizeof why);
        if (!g_data) {
            snprintf(err, errlen, "setup() must return JSON-able data: %s", why);
            lua_pop(g_main->L, 1);
            return -1;
        }
    }
    lua_pop(g_main->L, 1);
    int one = env->nparts == 1 ? scn_find(env->parts[0].name) : -1;
    const char *fn = g_s.wrk    ? "wrk's request/response"
                     : one >= 0 ? g_s.scn[one].exec_fn
                                : "default";
    if (env->nparts > 1 && !g_s.wrk)
        snprintf(env->verdict, sizeof env->verdict, "script: %s (%d scenarios)\n", g_s.path,
                 env->nparts);
    else
        snprintf(env->verdict, sizeof env->verdict, "script: %s (%s)\n", g_s.path, fn);
    g_t0 = script_now_ns();
    return state_data(g_main, err, errlen);
}

static int script_vu_init(struct lr_scenario_env *env, struct lr_vu *vu)
{
    (void)env;
    char err[1024];
    bool syntax;
    if (vu->thread < 0 || vu->thread >= SCRIPT_THREADS_MAX)
        return -1;
    struct script_state *st = g_threads[vu->thread];
    if (!st) {
        st = vm_state_new(&g_s, vu->thread, &syntax, err, sizeof err);
        if (!st || state_data(st, err, sizeof err) != 0) {
            fprintf(stderr, "lastroom-load: thread %d: %s\n", vu->thread, err);
            vm_state_free(st);
            return -1;
        }
        g_threads[vu->thread] = st;
    }
    struct script_vu *v = &g_vus[vu->num];
    if (vm_vu_init(st, v, vu) != 0)
        return -1;
    v->scn_idx = vu->part ? scn_find(vu->part->name) : -1;
    v->scn = v->scn_idx >= 0 ? &g_s.scn[v->scn_idx] : &g_default;
    return 0;
}

static enum lr_step script_step(struct lr_vu *vu, const struct lr_response *resp,
                                struct lr_request *req)
{
    return vm_step(vu->data, resp, req);
}

/* ---- verification -------------------------------------------------------------------- */

struct keyset {
    struct rec_key *k;
    size_t n;
    char **strs; /* every string copied, to free */
    size_t nstrs, capstrs;
    struct rec_id *ids;
    size_t nids;
};

static const char *keep(struct keyset *ks, lua_State *L, int idx)
{
    if (ks->nstrs == ks->capstrs) {
        size_t cap = ks->capstrs ? ks->capstrs * 2 : 256;
        char **p = realloc(ks->strs, cap * sizeof *p);
        if (!p)
            return NULL;
        ks->strs = p;
        ks->capstrs = cap;
    }
    lua_pushvalue(L, idx);
    char *s = strdup(lua_tostring(L, -1) ? lua_tostring(L, -1) : "");
    lua_pop(L, 1);
    return s ? (ks->strs[ks->nstrs++] = s) : NULL;
}

static void keyset_free(struct keyset *ks)
{
    for (size_t i = 0; i < ks->nstrs; i++)
        free(ks->strs[i]);
    free(ks->strs);
    free(ks->k);
    free(ks->ids);
}

static int64_t field_int(lua_State *L, int t, const char *f, bool *ok)
{
    lua_getfield(L, t, f);
    int isnum;
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    lua_pop(L, 1);
    *ok = *ok && isnum;
    return v;
}

/* Count the ids of every entry first, then fill; the table is at t. */
static int keyset_read(struct keyset *ks, lua_State *L, int t, char *err, size_t errlen)
{
    size_t nk = 0, ni = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1)) {
            snprintf(err, errlen,
                     "verify() must return { [key] = { capacity = C, stored "
                     "= S, ids = { [id] = qty } } }");
            lua_pop(L, 2);
            return -1;
        }
        nk++;
        if (lua_getfield(L, -1, "ids") == LUA_TTABLE)
            for (lua_pushnil(L); lua_next(L, -2) != 0; lua_pop(L, 1))
                ni++;
        lua_pop(L, 2);
    }
    ks->k = calloc(nk + 1, sizeof *ks->k);
    ks->ids = calloc(ni + 1, sizeof *ks->ids);
    if (!ks->k || !ks->ids)
        goto nomem;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        int e = lua_gettop(L);
        bool ok = true;
        struct rec_key *k = &ks->k[ks->n++];
        k->key = keep(ks, L, e - 1);
        k->capacity = field_int(L, e, "capacity", &ok);
        k->stored = field_int(L, e, "stored", &ok);
        if (!ok) {
            snprintf(err, errlen, "verify(): key %s: capacity and stored must be integers",
                     k->key ? k->key : "?");
            lua_pop(L, 2);
            return -1;
        }
        if (lua_getfield(L, e, "ids") == LUA_TTABLE) {
            k->ids = ks->ids + ks->nids;
            for (lua_pushnil(L); lua_next(L, -2) != 0; lua_pop(L, 1)) {
                struct rec_id *id = &ks->ids[ks->nids++];
                id->id = keep(ks, L, -2);
                id->qty = lua_tointeger(L, -1);
                k->nids++;
                if (!id->id)
                    goto nomem;
            }
        }
        lua_settop(L, e - 1);
        if (!k->key)
            goto nomem;
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}

#define SAY(...)                                                            \
    do {                                                                    \
        size_t o_ = strlen(env->verdict);                                   \
        snprintf(env->verdict + o_, sizeof env->verdict - o_, __VA_ARGS__); \
    } while (0)

static void say_summary(struct lr_scenario_env *env, const struct lhistory_totals *t, int64_t ob,
                        int64_t viol)
{
    SAY("\n=== RACE CONDITION TEST SUMMARY ===\n");
    SAY("Successful Bookings: %llu\nFailed Bookings: %llu\nUnknown Outcomes: %llu\n",
        (unsigned long long)t->ok, (unsigned long long)t->fail, (unsigned long long)t->unknown);
    SAY("Overbookings Detected: %lld\nInventory Violations: %lld\n", (long long)ob,
        (long long)viol);
    SAY("Total Booking Attempts: %llu\n", (unsigned long long)(t->ok + t->fail + t->unknown));
    if (ob > 0)
        SAY("❌ OVERBOOKING DETECTED - System failed race condition test!\n");
    else if (viol > 0)
        SAY("❌ INVENTORY VIOLATIONS DETECTED - System failed race condition test!\n");
    else
        SAY("✅ NO OVERBOOKING DETECTED - System passed race condition test!\n");
}

static void say_errors(struct lr_scenario_env *env)
{
    struct script_state *all[SCRIPT_THREADS_MAX + 1];
    int n = 0;
    all[n++] = g_main;
    for (int i = 0; i < SCRIPT_THREADS_MAX; i++)
        if (g_threads[i])
            all[n++] = g_threads[i];
    size_t o = strlen(env->verdict);
    llr_checks_report(all, n, env->verdict + o, sizeof env->verdict - o);
    o = strlen(env->verdict);
    llr_barrier_report(&g_s, env->shard, env->verdict + o, sizeof env->verdict - o);
    for (int i = 0; i < g_s.nerrors; i++)
        SAY("script error (%llu iteration%s): %s\n", (unsigned long long)g_s.error_counts[i],
            g_s.error_counts[i] == 1 ? "" : "s", g_s.errors[i]);
    for (int i = 0; i < n; i++)
        if (all[i]->mem_capped)
            SAY("thread %d: Lua state at its memory cap (%zu MiB, --memory-max)\n", all[i]->thread,
                all[i]->mem_max >> 20);
}

/* The second value of verify(): { overbookings = N, problems = { "text", ... } }. */
static void extra_findings(lua_State *L, int t, struct lr_scenario_env *env, int64_t *ob,
                           int64_t *viol)
{
    if (!lua_istable(L, t))
        return;
    lua_getfield(L, t, "overbookings");
    *ob += lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, t, "problems") == LUA_TTABLE)
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
            SAY("  %s\n", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(a problem)");
            lua_pop(L, 1);
            (*viol)++;
        }
    lua_settop(L, t);
}

static int run_verify(struct rec_attempt *a, size_t na, struct rec_result *r, int64_t *ob,
                      int64_t *viol, char *err, size_t errlen)
{
    lua_State *L = g_main->L;
    struct keyset ks = { 0 };
    char why[1024];
    int top = lua_gettop(L);
    vm_global(g_main, "verify");
    lua_rawgeti(L, LUA_REGISTRYINDEX, g_main->data_ref);
    if (vm_pcall(g_main, 1, 2, why, sizeof why) != 0) {
        snprintf(err, errlen, "verify(): %s", why);
        return -1;
    }
    int rc = -1;
    if (!lua_istable(L, top + 1))
        snprintf(err, errlen, "verify() must return a table of keys");
    else if (keyset_read(&ks, L, top + 1, err, errlen) == 0
             && rec_reconcile(a, na, ks.k, ks.n, NULL, r) == 0) {
        *ob = r->overbookings;
        *viol = r->violations;
        extra_findings(L, top + 2, g_s.env, ob, viol);
        uint64_t t0 = 0;
        for (size_t i = 0; i < na; i++)
            t0 = !t0 || a[i].t_send < t0 ? a[i].t_send : t0;
        size_t o = strlen(g_s.env->verdict);
        rec_evidence(r, a, na, t0, g_s.env->verdict + o, sizeof g_s.env->verdict - o);
        rc = 0;
    }
    keyset_free(&ks);
    lua_settop(L, top);
    return rc;
}

static int script_verify(struct lr_scenario_env *env, char *err, size_t errlen)
{
    struct lhistory_buf *bufs[SCRIPT_THREADS_MAX + 1];
    int nb = 0;
    bufs[nb++] = g_main->hist;
    for (int i = 0; i < SCRIPT_THREADS_MAX; i++)
        if (g_threads[i])
            bufs[nb++] = g_threads[i]->hist;
    struct rec_attempt *a = NULL;
    size_t na = 0;
    struct lhistory_totals t;
    static struct rec_result r;
    int64_t ob = 0, viol = 0;
    say_errors(env);
    if (g_s.wrk && lwrk_done(g_main->L, env->metrics, (double)(script_now_ns() - g_t0) / 1e9)) {
        snprintf(err, errlen, "done(): %s", lua_tostring(g_main->L, -1));
        lua_pop(g_main->L, 1);
        return -1;
    }
    if (lhistory_collect(bufs, nb, &a, &na, &t) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    vm_global(g_main, "verify");
    bool has = lua_isfunction(g_main->L, -1);
    lua_pop(g_main->L, 1);
    int rc = 0;
    if (has)
        rc = run_verify(a, na, &r, &ob, &viol, err, errlen);
    else if (na > 0)
        SAY("no verify(): %zu recorded attempts were not reconciled\n", na);
    free(a);
    if (rc != 0)
        return -1;
    metrics_add(env->shard, M_OVERBOOKINGS, (double)ob);
    metrics_add(env->shard, M_INVENTORY_VIOLATIONS, (double)viol);
    if (has || na > 0)
        say_summary(env, &t, ob, viol);
    env->violated = ob > 0 || viol > 0;
    return 0;
}

static void script_free_all(void)
{
    for (int i = 0; i < SCRIPT_THREADS_MAX; i++) {
        vm_state_free(g_threads[i]);
        g_threads[i] = NULL;
    }
    vm_state_free(g_main);
    g_main = NULL;
    free(g_vus);
    g_vus = NULL;
    json_decref(g_data);
    g_data = NULL;
    json_decref(g_s.shared_obj);
    free(g_s.source);
    memset(&g_s, 0, sizeof g_s);
}

static void script_teardown(struct lr_scenario_env *env)
{
    char why[1024];
    (void)env;
    vm_global(g_main, "teardown");
    if (lua_isfunction(g_main->L, -1)) {
        lua_rawgeti(g_main->L, LUA_REGISTRYINDEX, g_main->data_ref);
        if (vm_pcall(g_main, 1, 0, why, sizeof why) != 0)
            fprintf(stderr, "lastroom-load: teardown(): %s\n", why);
    } else {
        lua_pop(g_main->L, 1);
    }
    script_free_all();
}

/* ---- the shipped scripts -------------------------------------------------------------- */

static const struct {
    const char *name, *what;
} shipped[] = {
    { "last-room-test", "users released together at the last room: exactly one may win" },
    { "race-condition-test", "ramping users race for a small allotment; reconciled" },
    { "connection-pool-stress", "arrival rate 10 -> 150/s over hotels, availability, holds" },
    { "smoke-test", "a few users run the booking flow; bookings read back Confirmed" },
    { "stress-test", "many users run the booking flow" },
};

static int shipped_in(const char *dir, const char *file, char *path, size_t cap)
{
    int n = snprintf(path, cap, "%s/%s.lua", dir, file);
    return n > 0 && (size_t)n < cap && access(path, R_OK) == 0 ? 0 : -1;
}

int script_shipped(const char *name, char *path, size_t cap)
{
    size_t nl = name ? strlen(name) : 0;
    int found = -1;
    for (size_t i = 0; found < 0 && i < sizeof shipped / sizeof shipped[0]; i++) {
        size_t sl = strlen(shipped[i].name);
        if (!strcmp(name ? name : "", shipped[i].name)
            || (sl == nl + 5 && !strncmp(shipped[i].name, name, nl)
                && !strcmp(shipped[i].name + nl, "-test")))
            found = (int)i;
    }
    if (found < 0)
        return -1;
    const char *file = shipped[found].name, *env = getenv("LASTROOM_LOAD_TESTS");
    if (env && env[0])
        return shipped_in(env, file, path, cap);
    char exe[1024], dir[1100];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    for (int up = 0; up < 4; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash || slash == exe)
            return -1;
        *slash = '\0';
        snprintf(dir, sizeof dir, "%s/load-tests", exe);
        if (up > 0 && shipped_in(dir, file, path, cap) == 0)
            return 0;
        snprintf(dir, sizeof dir, "%s/share/lastroom/load-tests", exe);
        if (up > 0 && shipped_in(dir, file, path, cap) == 0)
            return 0;
    }
    return -1;
}

void script_list_shipped(FILE *out)
{
    char path[1200];
    fprintf(out, "\nscripts (load-tests/*.lua; run NAME or run FILE.lua):\n");
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        bool at = script_shipped(shipped[i].name, path, sizeof path) == 0;
        fprintf(out, "%-22s %s\n%-22s   %s\n", shipped[i].name, shipped[i].what, "",
                at ? path : "(not found: set LASTROOM_LOAD_TESTS to its folder)");
    }
}

/* ---- loading ------------------------------------------------------------------------- */

/* Every scenario's function exists. */
static int scn_functions(char *err, size_t errlen)
{
    for (int i = 0; i < g_s.nscn; i++) {
        const struct opts_scenario *sc = &g_s.scn[i];
        vm_global(g_main, sc->exec_fn);
        bool fn = lua_isfunction(g_main->L, -1);
        lua_pop(g_main->L, 1);
        if (fn)
            continue;
        if (g_s.nscn == 1)
            snprintf(err, errlen, "%s: no function %s() (the iteration)", g_s.path, sc->exec_fn);
        else
            snprintf(err, errlen, "%s: scenarios.%s.exec: no function %s()", g_s.path, sc->name,
                     sc->exec_fn);
        return -1;
    }
    return 0;
}

static int script_options_read(char *err, size_t errlen)
{
    if (opts_read(g_main->L, &g_opts, &g_thr, err, errlen) != 0)
        return -1;
    g_s.scn = g_opts.scn;
    g_s.nscn = g_opts.nscn;
    g_s.insecure_tls = g_opts.insecure_tls;
    g_s.max_redirects = g_opts.max_redirects;
    llr_patch(g_main->L, &g_s);
    for (int i = 0; i < g_s.nscn; i++)
        g_parts[i] = (struct lr_part){ .name = g_s.scn[i].name,
                                       .exec = g_s.scn[i].exec,
                                       .start_s = g_s.scn[i].start_s,
                                       .tags = g_s.scn[i].ntags ? g_s.scn[i].tags_kv : NULL };
    return scn_functions(err, errlen);
}

void script_client_options(bool *insecure_tls, int64_t *max_redirects)
{
    *insecure_tls |= g_s.insecure_tls;
    if (*max_redirects == 0)
        *max_redirects = g_s.max_redirects;
}

const struct lr_scenario *script_load(const char *path, const char *profile, char *err,
                                      size_t errlen)
{
    bool syntax;
    script_free_all();
    if (read_source(&g_s, path, err, errlen) != 0) {
        script_free_all();
        return NULL;
    }
    if (profile)
        setenv("PROFILE", profile, 1);
    g_s.mem_max = SCRIPT_DEFAULT_MEM;
    g_s.steps_max = SCRIPT_DEFAULT_STEPS;
    g_main = vm_state_new(&g_s, -1, &syntax, err, errlen);
    if (!g_main || script_options_read(err, errlen) != 0) {
        script_free_all();
        return NULL;
    }
    scan_names(&g_s, g_s.source, g_s.source_len);
    if (memmem(g_s.source, g_s.source_len, "lastroom.lastroomd", 18)) {
        size_t len;
        const char *mod = lsql_lastroomd_source(&len);
        scan_names(&g_s, mod, len);
    }
    g_profile = (struct lr_profile){ .name = profile ? profile : "script",
                                     .exec = g_opts.scn[0].exec,
                                     .thresholds = g_thr.specs,
                                     .threshold_delays = g_thr.delays,
                                     .parts = g_parts,
                                     .nparts = g_s.nscn };
    if (g_s.nscn > 1) /* what the command line's executor options start from */
        exec_defaults(&g_profile.exec, LR_EXEC_SHARED_ITERATIONS);
    g_scn = (struct lr_scenario){
        .name = g_s.path,
        .description = "a Lua script",
        .names = g_s.names,
        .options = script_options,
        .quick = &g_profile,
        .full = &g_profile,
        .keep_headers = true,
        .setup = script_setup,
        .vu_init = script_vu_init,
        .step = script_step,
        .verify = script_verify,
        .teardown = script_teardown,
    };
    return &g_scn;
}
