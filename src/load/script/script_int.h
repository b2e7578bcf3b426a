/*
 * script_int.h: what the modules of src/load/script/ share: the state of one Lua
 * interpreter (one per event-loop thread, plus the main thread's for the init context,
 * setup, verify and teardown) and the state of one VU (its coroutine). Not for other
 * modules: they use script.h.
 *
 * A VU's code runs in its coroutine. A call that needs the network or the clock
 * (http.get, lr.sleep) writes the engine's request, records what the scenario's step
 * must answer in st->want, and yields; step returns that answer to the engine, and the
 * next step call resumes the coroutine with the response (st->resp).
 */
#ifndef LASTROOM_LOAD_SCRIPT_SCRIPT_INT_H
#define LASTROOM_LOAD_SCRIPT_SCRIPT_INT_H

#include <lauxlib.h>
#include <lua.h>
#include <stdbool.h>
#include <stdint.h>

#include "load/engine/httpc.h"
#include "load/engine/scenario.h"
#include "load/script/options.h"

#define SCRIPT_MAX_ERRORS  5 /* distinct runtime errors kept for the summary */
#define SCRIPT_ERR_LEN     240
#define SCRIPT_MAX_NAMES   32 /* request names (tags.name) with series of their own */
#define SCRIPT_MAX_METRICS 64 /* custom metrics */
#define VM_POOL_CLASSES    16 /* small blocks of 16, 32, ... 256 bytes kept for reuse */

struct script;
struct lhistory_buf;

struct script_vu {
    lua_State *co;                   /* the VU's coroutine */
    int co_ref, state_ref;           /* registry references: coroutine, lr.vu.state */
    int fn_ref;                      /* the iteration's function (LUA_NOREF: not looked up) */
    const struct opts_scenario *scn; /* its scenario: exec, env, name */
    int scn_idx;                     /* its index in script.scn, -1: the "default" that
                                        the command line put in place of several */
    struct lr_vu *vu;
    struct script_state *st;
    bool barrier_armed;        /* lr.barrier(): the next request waits for the others */
    double barrier_timeout_ms; /* its { timeout = ... } (0: none) */
    size_t hist_mark;          /* history records before this one are stamped */
    uint64_t release_open_ns;  /* when the barrier release this iteration went through
                                  opened (clock_mono_ns); 0: none yet */
};

struct script_state {
    lua_State *L;
    struct script *s;
    int thread;   /* -1: the main thread's state */
    bool frozen;  /* the init context is over: no new globals */
    bool in_init; /* running the script's top level */
    size_t mem, mem_max;
    void *pool[VM_POOL_CLASSES];    /* freed small blocks by size class (vm.c), reused */
    bool mem_hit;                   /* the allocator refused (reset once reported) */
    bool mem_capped;                /* it ever did: said in the summary */
    uint64_t steps, steps_max;      /* instructions since the last resume, cap */
    struct script_vu *cur;          /* the VU being resumed, NULL outside a VU */
    const struct lr_response *resp; /* what the coroutine is resumed with */
    struct lr_request *req;         /* where a yielded request is written */
    int want;                       /* enum lr_step asked for by the last yield; -1 none */
    char hdr[HTTPC_EXTRA_MAX + 1];  /* header scratch for the request being prepared */
    int data_ref;                   /* setup()'s data, read-only; LUA_NOREF before setup */
    struct lhistory_buf *hist;      /* this thread's booking records */
};

/* The script as loaded: shared by all states, read-only once the run starts. */
struct script {
    char path[1024];
    char dir[1024];
    char chunkname[1040];            /* "@path" */
    struct lr_scenario_env *env;     /* set by setup */
    struct httpc_target target;      /* --url, for the VUs' requests */
    const struct opts_scenario *scn; /* options.scenarios, k6's order (strings of the
                                        main state); NULL before the options are read */
    int nscn;
    char *source;
    size_t source_len;
    bool wrk;          /* wrk hooks and no default: wrk's meaning */
    bool insecure_tls; /* options.insecureSkipTLSVerify */
    int max_redirects; /* options.maxRedirects: 0 not given, -1 none */
    const char *names[SCRIPT_MAX_NAMES + 1];
    int nnames;
    char *shared_json; /* lr.shared: name -> JSON, as one JSON object text */
    void *shared_obj;  /* json_t * of the same, main thread only */
    size_t mem_max;
    uint64_t steps_max;
    struct {
        char name[64];
        int type;
        bool is_time;
    } metrics[SCRIPT_MAX_METRICS];
    int nmetrics;
    int errors_id; /* script_errors counter */
    struct {       /* lr.barrier's releases (llr.c), under a lock */
        struct script_release {
            uint64_t gen, first, last;
            bool timed;
        } ring[16];
        uint64_t n, timeouts;
        double max_us, sum_us;
        int spread_id, timeouts_id; /* metrics, -1: not defined */
    } bar;
    char errors[SCRIPT_MAX_ERRORS][SCRIPT_ERR_LEN]; /* the first distinct runtime errors */
    uint64_t error_counts[SCRIPT_MAX_ERRORS];
    int nerrors;
};

/* The state that owns L (set by script_state_new in L's extra space). */
static inline struct script_state *script_state_of(lua_State *L)
{
    return *(struct script_state **)lua_getextraspace(L);
}

/* script_yield: end the running C function by yielding what the VU asks the engine
 * for (want); k, when non-NULL, builds the values the call returns when resumed. */
int script_yield(lua_State *L, int want, lua_KFunction k);

/* script_loop_ns: the engine's clock (CLOCK_MONOTONIC ns). */
uint64_t script_now_ns(void);

/* script_tags: the tags of a sample recorded by st now: the run's, and in VU code
 * scenario:<its scenario> and that scenario's tags. st->s->env must be set (setup ran). */
void script_tags(const struct script_state *st, struct metrics_tags *t);

/* script_note_error: keep msg among the first distinct runtime errors (locks). */
void script_note_error(struct script *s, const char *msg);

#endif
