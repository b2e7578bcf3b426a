/*
 * nemcluster.c: the cluster's faults as arguments of `nemesis.sh cluster`; the script
 * knows the cluster's layout (which node is primary, where each process runs).
 */
#include "load/booking/nemcluster.h"

#include <stdio.h>

#include "load/booking/nemchild.h"

static int cluster(const struct nemesis_config *c, char *note, size_t cap, const char *cmd,
                   const char *arg)
{
    return nemchild_script(c, note, cap, "cluster", c->cluster_dir, cmd, arg, NULL);
}

int nemcluster_inject(struct nemesis *x, struct nemesis_fault *f)
{
    const struct nemesis_config *c = nemesis_config(x);
    char *note = f->note, started[NEMESIS_NOTE_MAX];
    size_t cap = sizeof f->note;
    int rc;
    switch (f->ev.kind) {
    case NEMESIS_NODE_KILL: return cluster(c, note, cap, "kill", "primary");
    case NEMESIS_PRIMARY_CRASH: return cluster(c, note, cap, "crash", "primary");
    case NEMESIS_SWITCHOVER: return cluster(c, note, cap, "failover", NULL);
    case NEMESIS_POOLER_RESTART: return cluster(c, note, cap, "restart-pooler", NULL);
    case NEMESIS_API_KILL:
        if ((rc = cluster(c, note, cap, "kill-api", "api1")) != 0)
            return rc;
        nemesis_hold(x, f);
        return cluster(c, started, sizeof started, "start-api", "api1");
    default: return snprintf(note, cap, "not a cluster fault"), -1;
    }
}
