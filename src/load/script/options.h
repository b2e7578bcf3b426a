/*
 * options.h: a script's `options` table (k6's names) as the engine's executor and
 * thresholds.
 *
 * options.scenarios names one scenario or several (run at once, each with its own
 * executor, startTime, exec, env and tags), in k6's order: by startTime, then name;
 * without it, k6's shortcuts vus, duration, iterations and stages make one scenario
 * "default", and with nothing at all one VU runs one iteration. Thresholds are { series = { "expr",
 * { threshold = "expr", abortOnFail = bool, delayAbortEval = "10s" } } }.
 */
#ifndef LASTROOM_LOAD_SCRIPT_OPTIONS_H
#define LASTROOM_LOAD_SCRIPT_OPTIONS_H

#include <lua.h>
#include <stddef.h>

#include "load/engine/scenario.h"
#include "load/engine/threshold.h"

struct opts_thresholds {
    struct lr_threshold_spec specs[THR_MAX + 1]; /* ends with series == NULL */
    char series[THR_MAX][THR_EXPR_MAX * 2];
    char expr[THR_MAX][THR_EXPR_MAX];
    double delays[THR_MAX];
    int n;
};

#define OPTS_SCN_MAX  LR_MAX_PARTS
#define OPTS_NAME_MAX 64
#define OPTS_ENV_MAX  31 /* env pairs of one scenario */
#define OPTS_TAGS_MAX 8  /* tags pairs of one scenario */

struct opts_scenario {
    char name[OPTS_NAME_MAX]; /* its key ("default" without scenarios) */
    struct lr_exec_config exec;
    double start_s;                       /* startTime */
    char exec_fn[64];                     /* "default", or its exec */
    const char *env_kv[2 * OPTS_ENV_MAX]; /* its env: key, value, ... (strings of L) */
    int nenv;
    const char *tags_kv[2 * OPTS_TAGS_MAX + 1]; /* its tags: key, value, ..., NULL */
    int ntags;
};

struct opts_result {
    struct opts_scenario scn[OPTS_SCN_MAX];
    int nscn;          /* 1 or more */
    bool insecure_tls; /* insecureSkipTLSVerify = true */
    int max_redirects; /* maxRedirects: 0 not given, -1 none, else N */
};

/* opts_read: read the global table `options` of L (absent: defaults) into *o and *t.
 * Strings in env_kv stay owned by L. Returns 0, or -1 with a message naming the field
 * in err. */
int opts_read(lua_State *L, struct opts_result *o, struct opts_thresholds *t, char *err,
              size_t errlen);

#endif
