/*
 * script.h: a test written in Lua as one more lastroom-load scenario.
 *
 * `lastroom-load run FILE.lua` loads the file with script_load, which runs its init
 * context, reads its options into the scenario's one profile, and returns a struct
 * lr_scenario like the compiled ones: setup() runs the script's setup, each thread
 * gets its own Lua state and each VU its own coroutine (vm.h), verify() reconciles
 * the booking history the script recorded with what its verify() says the system
 * holds (reconcile.h), teardown() runs the script's teardown and frees everything.
 * One script per process.
 */
#ifndef LASTROOM_LOAD_SCRIPT_SCRIPT_H
#define LASTROOM_LOAD_SCRIPT_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "load/engine/scenario.h"

/* script_is_path: whether a scenario name is a script's file name (ends in ".lua"). */
bool script_is_path(const char *name);

/* script_client_options: the loaded script's k6 client options under the command
 * line's: options.insecureSkipTLSVerify sets *insecure_tls; options.maxRedirects
 * fills *max_redirects when it is 0 (not given; -1: none). */
void script_client_options(bool *insecure_tls, int64_t *max_redirects);

/* script_load: load the script at path, with profile ("quick", "full" or NULL: the
 * environment's PROFILE) visible to it as lr.env.PROFILE. Returns the scenario, or
 * NULL with a message in err ("file:line: ..." for a script that does not compile or
 * whose init context fails, the field for bad options): a usage error. */
const struct lr_scenario *script_load(const char *path, const char *profile, char *err,
                                      size_t errlen);

/* script_shipped: the path of the shipped script (load-tests/) called name: its file's
 * name without ".lua" ("last-room-test"), or that without "-test" ("race-condition").
 * Looked for in $LASTROOM_LOAD_TESTS, then in load-tests/ and share/lastroom/load-tests/
 * one to three folders above the program's own. Returns 0 with the path in path, or -1
 * (not a shipped script's name, or its file is nowhere). */
int script_shipped(const char *name, char *path, size_t cap);

/* script_list_shipped: one line per shipped script (its name, where it was found, what
 * it does) on out. */
void script_list_shipped(FILE *out);

#endif
