/*
 * nemchild.h: faults injected by child processes on one host: each action is one run
 * of scripts/nemesis.sh (kill lastroomd's database sessions, restart or pause the
 * private cluster, kill lastroomd and run its restart command, switch
 * lastroom-faultproxy's mode), with a deadline, its first line of output kept as the
 * fault's note.
 */
#ifndef LASTROOM_LOAD_BOOKING_NEMCHILD_H
#define LASTROOM_LOAD_BOOKING_NEMCHILD_H

#include <stddef.h>

#include "load/booking/nemesis.h"

/* nemchild_run: run argv (NULL-ended) with stdin from /dev/null and its first line of
 * stdout in note (further lines joined with spaces); stderr is the tester's. A child
 * still running after 120 s is killed by its pid. Returns the exit status, or -1 (the
 * reason in note) when it could not run, died of a signal or ran past its deadline. */
int nemchild_run(char *const argv[], char *note, size_t cap);

/* nemchild_script: nemchild_run of cfg->script with the arguments that follow, up to
 * the first NULL (at most six). */
int nemchild_script(const struct nemesis_config *cfg, char *note, size_t cap, ...)
    __attribute__((sentinel));

/* nemchild_inject: inject f (kill-backends, pg-restart-*, pg-pause, server-kill,
 * latency, reset, blackhole, down) and, for those it heals itself, hold it through
 * nemesis_hold and heal it. Returns 0 when the fault was injected (and healed), else
 * the script's status or -1, the reason in f->note. */
int nemchild_inject(struct nemesis *x, struct nemesis_fault *f);

#endif
