/*
 * lmetrics.h: the `lastroom.metrics` module of scripts: custom counters, gauges,
 * rates and trends recorded into the engine's metrics (metrics.h).
 *
 * Metrics are declared in the init context. The main state's declarations are
 * remembered and defined in the registry by lmetrics_define_all during setup (before
 * any shard exists); the threads' states find them by name. A value added with tags
 * goes to the series "name{k:v}" when such a series exists (a threshold names it),
 * else to the untagged series.
 */
#ifndef LASTROOM_LOAD_SCRIPT_LMETRICS_H
#define LASTROOM_LOAD_SCRIPT_LMETRICS_H

#include <lua.h>
#include <stddef.h>

#include "load/engine/metrics.h"

struct script;
struct script_state;

/* lmetrics_open: push the module (a lua_CFunction for package.preload). */
int lmetrics_open(lua_State *L);

/* lmetrics_define_all: define every metric the main state declared, and the engine's
 * script_errors counter, in m. Returns 0, or -1 with a message in err. */
int lmetrics_define_all(struct script *s, struct metrics *m, char *err, size_t errlen);

/* lmetrics_script_error: count one runtime error of VU code (script_errors). */
void lmetrics_script_error(const struct script *s, struct metrics_shard *shard);

#endif
