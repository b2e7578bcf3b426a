/*
 * nemspec.h: the nemesis options as the command line gives them: fault kinds by
 * name, one scheduled event KIND@START[:DURATION] (seconds from the start of the run,
 * k6 durations accepted: "kill-backends@3", "blackhole@12s:2s"), what a kind needs
 * from the environment, and where scripts/nemesis.sh is.
 */
#ifndef LASTROOM_LOAD_BOOKING_NEMSPEC_H
#define LASTROOM_LOAD_BOOKING_NEMSPEC_H

#include <stddef.h>

#include "load/booking/nemesis.h"

/* nemspec_kind_name: "kill-backends", ...; nemspec_kind_parse: the reverse, -1 when
 * unknown. */
const char *nemspec_kind_name(enum nemesis_kind k);
int nemspec_kind_parse(const char *name);

/* nemspec_parse: one KIND@START[:DURATION] into *ev (a missing DURATION takes the
 * kind's default). Returns 0, or -1 with a reason in err. */
int nemspec_parse(const char *spec, struct nemesis_event *ev, char *err, size_t errlen);

/* nemspec_missing: what cfg lacks for kind k (e.g. "--pgdir"), or NULL when the kind
 * can be injected. */
const char *nemspec_missing(const struct nemesis_config *cfg, enum nemesis_kind k);

/* nemspec_script_find: the nemesis script next to the program: <dir of
 * /proc/self/exe>/../scripts/nemesis.sh, then one and two folders further up. Writes
 * the path into out and returns 0, or -1 when none is executable. */
int nemspec_script_find(char *out, size_t outlen);

#endif
