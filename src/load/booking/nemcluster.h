/*
 * nemcluster.h: faults on a cluster of scripts/cluster.sh (Patroni nodes, PgBouncer,
 * two lastroomd), each through `nemesis.sh cluster DIR ...`: node-kill, primary-crash,
 * switchover, api-kill (held for its duration, then api1 started again), pooler-restart.
 */
#ifndef LASTROOM_LOAD_BOOKING_NEMCLUSTER_H
#define LASTROOM_LOAD_BOOKING_NEMCLUSTER_H

#include "load/booking/nemesis.h"

/* nemcluster_inject: inject f, one of the cluster kinds. Returns 0 when it was injected
 * (and, for api-kill, healed), else the script's status or -1, the reason in f->note. */
int nemcluster_inject(struct nemesis *x, struct nemesis_fault *f);

#endif
