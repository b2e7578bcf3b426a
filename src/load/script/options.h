/*
 * options.h: a script's `options` table (k6's names) as the engine's executor and
 * thresholds.
 *
 * options.scenarios holds at most one scenario (the engine runs one executor per run);
 * without it, k6's shortcuts vus, duration, iterations and stages apply, and with
 * nothing at all one VU runs one iteration. Thresholds are { series = { "expr",
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

struct opts_result {
    struct lr_exec_config exec;
    char exec_fn[64];       /* "default", or the scenario's exec */
    char name[64];          /* the scenario's name ("default" without scenarios) */
    const char *env_kv[64]; /* the scenario's env: key, value, ... (strings of L) */
    int nenv;
    bool insecure_tls; /* insecureSkipTLSVerify = true */
    int max_redirects; /* maxRedirects: 0 not given, -1 none, else N */
};

/* opts_read: read the global table `options` of L (absent: defaults) into *o and *t.
 * Strings in env_kv stay owned by L. Returns 0, or -1 with a message naming the field
 * in err. */
int opts_read(lua_State *L, struct opts_result *o, struct opts_thresholds *t, char *err,
              size_t errlen);

#endif
