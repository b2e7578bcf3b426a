/*
 * nemspec.c: reading the nemesis options: kind names and default durations, one
 * scheduled event, what each kind needs, and the script beside the program. Nothing
 * here runs a fault; the command line calls it before any run exists.
 */
#include "load/booking/nemspec.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "load/engine/duration.h"

static const char *const kind_names[NEMESIS_KINDS] = {
    "kill-backends", "pg-restart-fast", "pg-restart-immediate",
    "pg-pause",      "server-kill",     "latency",
    "reset",         "blackhole",       "down",
    "node-kill",     "primary-crash",   "switchover",
    "api-kill",      "pooler-restart",
};

/* Default durations: how long each fault lasts when the schedule does not say. */
static const double kind_default_s[NEMESIS_KINDS] = { 0, 0, 0, 2, 0, 3, 0.5, 2, 1, 0, 0, 0, 2, 0 };

const char *nemspec_kind_name(enum nemesis_kind k)
{
    return (unsigned)k < NEMESIS_KINDS ? kind_names[k] : "?";
}

int nemspec_kind_parse(const char *name)
{
    for (int i = 0; i < NEMESIS_KINDS; i++)
        if (!strcmp(name, kind_names[i]))
            return i;
    return -1;
}

int nemspec_parse(const char *spec, struct nemesis_event *ev, char *err, size_t errlen)
{
    char kind[32], when[32], dur[32] = "";
    const char *at = strchr(spec, '@');
    if (!at || (size_t)(at - spec) >= sizeof kind)
        return snprintf(err, errlen, "nemesis '%s': expected KIND@START[:DURATION]", spec), -1;
    snprintf(kind, sizeof kind, "%.*s", (int)(at - spec), spec);
    const char *colon = strchr(at + 1, ':');
    size_t wl = colon ? (size_t)(colon - at - 1) : strlen(at + 1);
    if (wl == 0 || wl >= sizeof when || (colon && strlen(colon + 1) >= sizeof dur))
        return snprintf(err, errlen, "nemesis '%s': bad START or DURATION", spec), -1;
    snprintf(when, sizeof when, "%.*s", (int)wl, at + 1);
    if (colon)
        snprintf(dur, sizeof dur, "%s", colon + 1);
    int k = nemspec_kind_parse(kind);
    if (k < 0)
        return snprintf(err, errlen, "nemesis '%s': unknown fault kind '%s'", spec, kind), -1;
    ev->kind = (enum nemesis_kind)k;
    ev->duration_s = kind_default_s[k];
    if (dur_parse(when, &ev->start_s, err, errlen) != 0
        || (dur[0] && dur_parse(dur, &ev->duration_s, err, errlen) != 0))
        return -1;
    if (ev->kind == NEMESIS_PG_PAUSE && !(ev->duration_s > 0 && ev->duration_s <= 300))
        return snprintf(err, errlen, "nemesis '%s': pg-pause lasts (0, 300] s", spec), -1;
    return 0;
}

const char *nemspec_missing(const struct nemesis_config *c, enum nemesis_kind k)
{
    if (!c->script)
        return "--nemesis-script";
    switch (k) {
    case NEMESIS_KILL_BACKENDS: return c->db_url ? NULL : "--db";
    case NEMESIS_PG_RESTART_FAST:
    case NEMESIS_PG_RESTART_IMMEDIATE:
    case NEMESIS_PG_PAUSE: return c->pgdir ? NULL : "--pgdir";
    case NEMESIS_SERVER_KILL:
        return !c->server_pidfile   ? "--server-pidfile"
               : !c->server_restart ? "--server-restart-cmd"
                                    : NULL;
    case NEMESIS_NODE_KILL:
    case NEMESIS_PRIMARY_CRASH:
    case NEMESIS_SWITCHOVER:
    case NEMESIS_API_KILL:
    case NEMESIS_POOLER_RESTART: return c->cluster_dir ? NULL : "--cluster-dir";
    default: return c->proxy_ctl ? NULL : "--proxy-control";
    }
}

static bool try_script(char *out, size_t outlen, const char *dir, const char *up)
{
    int n = snprintf(out, outlen, "%s/%sscripts/nemesis.sh", dir, up);
    return n > 0 && (size_t)n < outlen && access(out, X_OK) == 0;
}

int nemspec_script_find(char *out, size_t outlen)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return -1;
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    static const char *const ups[] = { "../", "../../", "../../../" };
    for (size_t i = 0; i < sizeof ups / sizeof *ups; i++)
        if (try_script(out, outlen, exe, ups[i]))
            return 0;
    return -1;
}
