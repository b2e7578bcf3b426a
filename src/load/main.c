/*
 * main.c: the command line of lastroom-load, a k6-style load and race tester.
 *
 *   lastroom-load run SCENARIO [options]   run a scenario (see usage below)
 *   lastroom-load list                     the scenarios and their profiles
 *   lastroom-load openapi list FILE.json   the operations of an OpenAPI document
 *   lastroom-load openapi script FILE.json OPERATION...   a starting Lua script for them
 *
 * main reads the options, builds the executor from the scenario's profile and k6's
 * shortcuts (--vus + --duration: constant-vus; --iterations: shared-iterations;
 * --stage: ramping-vus), runs setup, the run, verify, judges thresholds, prints the
 * summary and the verdict and writes the exports. It alone prints and exits:
 * 0 every threshold passed; 99 a threshold failed; 2 usage; 1 the run could not be made.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "load/cliopt.h"
#include "load/engine/duration.h"
#include "load/openapi.h"
#include "load/engine/executor.h"
#include "load/engine/export.h"
#include "load/engine/httpc.h"
#include "load/engine/junit.h"
#include "load/engine/prom.h"
#include "load/engine/report.h"
#include "load/engine/result.h"
#include "load/mergecmd.h"
#include "load/resultcmd.h"
#include "load/booking/nemesis.h"
#include "load/booking/nemreport.h"
#include "load/booking/nemspec.h"
#include "load/booking/setup.h"
#include "load/engine/runner.h"
#include "load/engine/segment.h"
#include "load/scenarios.h"
#include "load/script/script.h"
#include "load/engine/summary.h"
#include "load/engine/threshold.h"

#define EXIT_THRESHOLD 99
#define EXIT_USAGE     2
#define EXIT_CANNOT    1

/* What the command line says: cli_table's defaults, then cliopt_parse over argv. */
struct cli {
    const char *scenario, *url, *db, *profile, *summary_export, *out_json;
    bool out_csv;                       /* --out csv=FILE (out_json holds FILE) */
    const char *report, *junit;         /* --report FILE.html, --junit FILE */
    const char *metrics_listen;         /* --metrics-listen ADDR */
    const char *history_out;            /* --history-out FILE */
    const char *segment, *sequence;     /* --execution-segment(-sequence) */
    const char *setup_out, *setup_data; /* --setup-out FILE, --setup-data FILE */
    bool setup_only;                    /* the setup command */
    int64_t start_at_ns;                /* --start-at, CLOCK_REALTIME ns; 0: none */
    int64_t vus, threads, max_vus;      /* 0: not given */
    int64_t max_redirects;              /* --max-redirects: 0 not given, -1 none */
    int64_t rate;                       /* --rate: constant-arrival-rate, 0: not given */
    int64_t iterations;                 /* 0: not given */
    double duration_s, timeout_s;       /* 0: not given */
    struct lr_stage stages[LR_MAX_STAGES];
    int nstages;
    bool no_thresholds, quiet;
    bool allow_remote;     /* --allow-remote: setup may write to another host */
    struct tls_config tls; /* --insecure-skip-tls-verify, --tls-ca, ... */
    int64_t seed;
    struct cliopt_list thr;    /* --threshold SERIES=EXPR */
    struct cliopt_list tags;   /* --tag KEY=VALUE */
    struct cliopt_list extra;  /* the scenario's options, in pairs */
    struct cliopt_list faults; /* --nemesis KIND@START[:DURATION] */
    bool no_nemesis;
    struct nemesis_config nem; /* --pgdir, --proxy-control, ... */
};

struct app {
    struct cli cli;
    const struct lr_scenario *scn;
    const struct lr_profile *profile;
    struct lr_scenario_env env;
    struct httpc_target target;
    struct lr_exec_config exec;
    const struct lr_part *parts; /* the run's scenarios (build_parts) */
    int nparts;
    struct lr_part one; /* the one, when there is one */
    struct thr_set *thr;
    FILE *nd_file;
    struct export_ndjson *nd;
    bool tty;
    double last_line;
    struct nemesis_event events[NEMESIS_MAX_EVENTS];
    int nevents;
    struct nemesis *nemesis; /* NULL: no fault scheduled */
    char script[4096];
    struct timeline *timeline; /* per-second figures for the exports */
    struct prom *prom;         /* --metrics-listen, or NULL */
    struct seg_plan *seg;      /* --execution-segment, or NULL */
};

static int bad(const char *what, const char *arg)
{
    fprintf(stderr, "lastroom-load: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
    return -1;
}

static const char default_url[] = "http://127.0.0.1:8080";

/* -e KEY=VALUE: into the environment (a script reads any in lr.env); API_URL is also
 * the API. */
static int set_env(void *target, const char *v, char *err, size_t errlen)
{
    struct cli *c = target;
    char name[256];
    (void)err, (void)errlen;
    if (!strchr(v, '=') || strchr(v, '=') == v)
        return -1;
    snprintf(name, sizeof name, "%.*s", (int)(strchr(v, '=') - v), v);
    setenv(name, strchr(v, '=') + 1, 1);
    if (!strcmp(name, "API_URL"))
        c->url = v + 8;
    return 0;
}

/* --stage D:T, one or a comma-separated list, appended to the stages given before. */
static int set_stage(void *target, const char *v, char *err, size_t errlen)
{
    struct cli *c = target;
    int n = 0;
    if (dur_parse_stages(v, c->stages + c->nstages, LR_MAX_STAGES - c->nstages, &n, err, errlen)
        != 0)
        return -1;
    c->nstages += n;
    return 0;
}

/* --out json=FILE | csv=FILE, once. */
static int set_out(void *target, const char *v, char *err, size_t errlen)
{
    struct cli *c = target;
    bool csv = !strncmp(v, "csv=", 4);
    (void)err, (void)errlen;
    if (c->out_json || !(csv || !strncmp(v, "json=", 5)) || !strchr(v, '=')[1])
        return -1;
    c->out_csv = csv;
    c->out_json = strchr(v, '=') + 1;
    return 0;
}

/* --max-redirects N: 0 is none (-1 for the engine), at most 1000. */
static int set_redirects(void *target, const char *v, char *err, size_t errlen)
{
    struct cli *c = target;
    (void)err, (void)errlen;
    if (strcmp(v, "0") != 0)
        return cliopt_count(v, 1000, &c->max_redirects);
    c->max_redirects = -1;
    return 0;
}

static int set_trend_stats(void *target, const char *v, char *err, size_t errlen)
{
    (void)target;
    return summary_set_trend_stats(v, err, errlen);
}

/* --start-at: RFC 3339 in UTC, "2026-12-01T10:00:00Z" or with a fraction of a second
 * ("...:00.250Z"), not in the past. */
static int set_start_at(void *target, const char *v, char *err, size_t errlen)
{
    struct cli *c = target;
    struct tm tm = { 0 };
    struct timespec now;
    const char *p = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
    long frac = 0, scale = 1000000000;
    if (p && *p == '.')
        for (p++; *p >= '0' && *p <= '9' && scale > 1; p++) {
            scale /= 10;
            frac += (*p - '0') * scale;
        }
    if (!p || strcmp(p, "Z") != 0 || strlen(v) > 40) {
        snprintf(err, errlen,
                 "--start-at wants a UTC time in RFC 3339, e.g. "
                 "2026-12-01T10:00:00Z: %s",
                 v);
        return -1;
    }
    time_t t = timegm(&tm);
    clock_gettime(CLOCK_REALTIME, &now);
    c->start_at_ns = (int64_t)t * 1000000000 + frac;
    if (c->start_at_ns <= (int64_t)now.tv_sec * 1000000000 + now.tv_nsec) {
        snprintf(err, errlen, "--start-at is in the past (check this machine's clock): %s", v);
        return -1;
    }
    return 0;
}

/* Row makers for cli_table: a value into a field of struct cli (OPT: of any kind but
 * the following; COUNT: 1..max; LIST: at most cap values), a setter with its default
 * (SET), help text between the options (TEXT). */
#define F(field) offsetof(struct cli, field)
/* clang-format off */
#define OPT(name, kind, field, usage, help) \
    { name, NULL, kind, F(field), 0, NULL, NULL, NULL, usage, help }
#define COUNT(name, field, max, usage, help) \
    { name, NULL, CLIOPT_COUNT, F(field), max, NULL, NULL, NULL, usage, help }
#define LIST(name, kind, field, cap, usage, help) \
    { name, NULL, kind, F(field), cap, NULL, NULL, NULL, usage, help }
#define SET(name, fn, def, usage, help) \
    { name, NULL, CLIOPT_SET, 0, 0, NULL, fn, def, usage, help }
#define TEXT(help) { NULL, NULL, CLIOPT_TEXT, 0, 0, NULL, NULL, NULL, NULL, help }
/* clang-format on */

/* The options of run and setup, in --help's order. A new option is one row here: its
 * name, how its value is read (a kind and the field of struct cli, or a setter), its
 * default and its help. Rows whose usage is NULL are described by a neighbour's line. */
static const struct cliopt cli_table[] = {
    { "--url", NULL, CLIOPT_STR, F(url), 0, NULL, NULL, default_url, "--url URL | -e API_URL=URL",
      "the API (default {default}), also\nhttps://, [IPv6], a path prefix (http://h:8080/v1)" },
    OPT("--allow-remote", CLIOPT_FLAG, allow_remote, "--allow-remote",
        "let setup write "
        "through the admin API of a host\nthat is not loopback (refused otherwise)"),
    TEXT("https (TLS 1.2 and 1.3, OpenSSL; verified against the system's CAs by default):\n"),
    OPT("--tls-ca", CLIOPT_STR, tls.ca_file, "--tls-ca FILE", "trust only the CAs in FILE (PEM)"),
    OPT("--insecure-skip-tls-verify", CLIOPT_FLAG, tls.insecure, "--insecure-skip-tls-verify",
        "no certificate or name checks"),
    OPT("--tls-cert", CLIOPT_STR, tls.cert_file, "--tls-cert FILE [--tls-key FILE]",
        "a client certificate (PEM)"),
    OPT("--tls-key", CLIOPT_STR, tls.key_file, NULL, NULL),
    OPT("--no-tls-resume", CLIOPT_FLAG, tls.no_resume, "--no-tls-resume",
        "a full handshake on every connection (no session\nresumption); failures are tagged "
        "error:tls_*"),
    SET("-e", set_env, NULL, "-e ADMIN_EMAIL=.. -e ADMIN_PASSWORD=..",
        "the admin, as in the environment"),
    OPT("--db", CLIOPT_STR, db, "--db URL", "PostgreSQL, for verification"),
    { "--profile", NULL, CLIOPT_CHOICE, F(profile), 0, "quick|full|mixed", NULL, NULL,
      "--profile quick|full|mixed",
      "the scenario's profile (default full; mixed:\nthe wider "
      "booking workload, docs/mutants.md)" },
    COUNT("--vus", vus, 1000000, "--vus N --duration D", "constant-vus (k6 shortcut)"),
    OPT("--duration", CLIOPT_DUR, duration_s, NULL, NULL),
    COUNT("--iterations", iterations, INT64_MAX / 2, "--iterations N",
          "shared-iterations over --vus VUs"),
    SET("--stage", set_stage, NULL, "--stage D:T (repeatable)",
        "ramping-vus, starting from --vus (default 1)"),
    COUNT("--rate", rate, 10000000, "--rate N [--max-vus M]",
          "constant-arrival-rate: N iterations/s for\n--duration, --vus preallocated (default 10)"),
    COUNT("--max-vus", max_vus, 1000000, NULL, NULL),
    LIST("--threshold", CLIOPT_KV_LIST, thr, CLIOPT_LIST_MAX,
         "--threshold 'SERIES=EXPR[:abort[:DELAY]]'",
         "add a threshold (repeatable),\n"
         "e.g. 'http_req_duration=p(95)<500',\n'http_reqs{status:201,method:POST}=count>=7';\n"
         ":abort stops the run when it fails (abortOnFail),\nnot before DELAY seconds "
         "(delayAbortEval), e.g.\n'http_req_failed=rate<0.01:abort:10s'. A series\nwithout "
         "samples fails (no data); an unknown\nmetric or tag key is a usage error. Tag keys:\n"
         "method status name scenario group\nexpected_response error, and --tag keys"),
    LIST("--tag", CLIOPT_KV_LIST, tags, CLIOPT_LIST_MAX, "--tag KEY=VALUE",
         "a tag on every sample of the run (repeatable)"),
    OPT("--no-thresholds", CLIOPT_FLAG, no_thresholds, "--no-thresholds",
        "judge no threshold but the verdict's own:\noverbookings and inventory_violations"),
    OPT("--summary-export", CLIOPT_STR, summary_export, "--summary-export FILE",
        "the summary as JSON (histograms, timeline)"),
    OPT("--report", CLIOPT_STR, report, "--report FILE.html",
        "the HTML report (charts, thresholds, verdict)"),
    OPT("--junit", CLIOPT_STR, junit, "--junit FILE",
        "thresholds and verification checks as JUnit XML"),
    OPT("--metrics-listen", CLIOPT_STR, metrics_listen, "--metrics-listen ADDR",
        "serve the metrics to Prometheus during the run at\nhttp://ADDR/metrics (e.g. "
        "127.0.0.1:9465)"),
    OPT("--history-out", CLIOPT_STR, history_out, "--history-out FILE",
        "booking scenarios: every attempt the clients made\nand what they were told, one JSON "
        "line each"),
    SET("--out", set_out, NULL, "--out json=FILE | csv=FILE",
        "every sample as NDJSON or CSV (k6's columns);\nFILE.gz is gzipped. One --out per run"),
    SET("--summary-trend-stats", set_trend_stats, NULL, "--summary-trend-stats LIST",
        "trend columns, default avg,min,med,max,p(90),\np(95),p(99); also count and any p(N) "
        "(at most 7)"),
    COUNT("--threads", threads, 1024, "--threads N", "event-loop threads (default: one per core)"),
    { "--timeout", NULL, CLIOPT_DUR, F(timeout_s), 0, NULL, NULL, "60s", "--timeout D",
      "request timeout (default {default})" },
    SET("--max-redirects", set_redirects, NULL, "--max-redirects N",
        "redirects followed per request (any origin)\n(default 10, or the script's maxRedirects; "
        "0: none);\none more is a failed request tagged\nerror:too_many_redirects"),
    TEXT("  bodies: a gzip or deflate answer is decoded (zlib) for the scenario; no\n"
         "          Accept-Encoding is sent unless a --header names one\n"),
    OPT("--execution-segment", CLIOPT_STR, segment, "--execution-segment A:B",
        "run only this part of the test (k6's meaning: its\nshare of VUs, iterations, "
        "arrivals), e.g. 1/3:2/3"),
    OPT("--execution-segment-sequence", CLIOPT_STR, sequence,
        "--execution-segment-sequence 0,1/3,2/3,1", "the parts the test is cut into"),
    SET("--start-at", set_start_at, NULL, "--start-at TIME",
        "(with a segment) park every VU with its request\nwritten and release them at TIME "
        "(RFC 3339 UTC,\ne.g. 2026-12-01T10:00:00Z)"),
    OPT("--setup-data", CLIOPT_STR, setup_data, "--setup-data FILE",
        "booking scenarios: the data `setup` wrote, so that\nevery part races for the same rooms"),
    OPT("--setup-out", CLIOPT_STR, setup_out, NULL, NULL), /* in the setup command's line */
    COUNT("--seed", seed, INT64_MAX, "--seed N  --quiet  --help", NULL),
    { "--quiet", "-q", CLIOPT_FLAG, F(quiet), 0, NULL, NULL, NULL, NULL, NULL },
    TEXT("faults (the chaos scenario schedules its own; these replace them):\n"),
    LIST("--nemesis", CLIOPT_LIST, faults, NEMESIS_MAX_EVENTS, "--nemesis KIND@START[:DURATION]",
         "e.g. kill-backends@3s, blackhole@10s:2s;\nKIND: kill-backends pg-restart-fast\n"
         "pg-restart-immediate pg-pause server-kill\nlatency reset blackhole down (repeatable);\n"
         "on scripts/cluster.sh: node-kill primary-crash\nswitchover api-kill pooler-restart"),
    OPT("--no-nemesis", CLIOPT_FLAG, no_nemesis, "--no-nemesis",
        "no faults, not even the "
        "scenario's"),
    OPT("--pgdir", CLIOPT_STR, nem.pgdir, "--pgdir DIR",
        "the private cluster (LASTROOM_PGDIR) to restart/pause"),
    OPT("--proxy-control", CLIOPT_STR, nem.proxy_ctl, "--proxy-control HOST:PORT",
        "lastroom-faultproxy between lastroomd and PostgreSQL"),
    OPT("--server-pidfile", CLIOPT_STR, nem.server_pidfile,
        "--server-pidfile FILE --server-restart-cmd CMD", "kill lastroomd, start it again"),
    OPT("--server-restart-cmd", CLIOPT_STR, nem.server_restart, NULL, NULL),
    OPT("--nemesis-script", CLIOPT_STR, nem.script, "--nemesis-script FILE",
        "default: scripts/nemesis.sh near the program"),
    OPT("--cluster-dir", CLIOPT_STR, nem.cluster_dir, "--cluster-dir DIR",
        "the cluster of scripts/cluster.sh (var/cluster)"),
    CLIOPT_END,
};

static void usage(FILE *out)
{
    fputs(
        "usage: lastroom-load run SCENARIO|FILE.lua [options]\n"
        "       lastroom-load setup SCENARIO [options] --setup-out FILE   setup only, once\n"
        "                                    for all parts of a segmented test\n"
        "       lastroom-load list\n"
        "       lastroom-load openapi list FILE.json\n"
        "       lastroom-load openapi script FILE.json OPERATION...   (operationId or 'METHOD /path';\n"
        "                                    the Lua script goes to standard output)\n\n"
        "       lastroom-load report SUMMARY.json -o FILE.html\n"
        "       lastroom-load compare BASE.json NEW.json [--tolerance 10%]\n"
        "       lastroom-load merge [--db URL] [--history FILE]... PART.json...   the parts\n"
        "                                    of a segmented test as one run, one verdict\n\n",
        out);
    cliopt_usage(cli_table, out);
    fputs("scenario options (see lastroom-load list; any other is a usage error):\n"
          "  http: --method M --path P --header 'K: V' --body B --barrier yes|no;\n"
          "        {{vu}} {{vu + N}} {{iter}} {{rand A B}} in --path and --body are filled\n"
          "        per request\n"
          "  booking scenarios: --users N   N users logged in during setup, shared by the\n"
          "        VUs (default: last-room min(VUs,100), pool-stress 40, others one per VU)\n"
          "  FILE.lua: --max-instructions N (without yielding, default 100000000)\n"
          "        --memory-max MIB (per Lua state, default 64); -e KEY=VALUE sets lr.env\n"
          "\nADMIN_EMAIL and ADMIN_PASSWORD in the environment give setup its admin.\n"
          "exit status: 0 passed, 99 a threshold failed, 2 usage, 1 could not run\n",
          out);
}

static bool tls_given(const struct cli *c)
{
    const struct tls_config *t = &c->tls;
    return t->insecure || t->no_resume || t->ca_file || t->cert_file || t->key_file;
}

static int parse_args(struct cli *c, int argc, char **argv)
{
    char err[512];
    if (cliopt_parse(cli_table, c, argc, argv, &c->scenario, &c->extra, err, sizeof err) != 0)
        return bad(err, NULL);
    return c->scenario ? 0 : bad("no scenario given (see lastroom-load list)", NULL);
}

/* --execution-segment(-sequence): this part's plan, and the executor scaled to its
 * share. Returns 0, or -1 (reported). */
static int build_segment(struct app *a)
{
    static struct seg_frac pts[SEG_SEQ_MAX];
    struct segment s = { { 0, 1 }, { 1, 1 } };
    char err[256];
    int n = 0;
    if (a->cli.segment && seg_parse(a->cli.segment, &s, err, sizeof err) != 0)
        return bad(err, NULL);
    if (a->cli.sequence
        && seg_parse_sequence(a->cli.sequence, pts, SEG_SEQ_MAX, &n, err, sizeof err) != 0)
        return bad(err, NULL);
    a->seg = seg_plan_new(&s, a->cli.sequence ? pts : NULL, n, err, sizeof err);
    if (!a->seg || seg_apply(a->seg, &a->exec, err, sizeof err) != 0
        || exec_check(&a->exec, err, sizeof err) != 0) {
        seg_plan_free(a->seg);
        a->seg = NULL;
        return bad(err, NULL);
    }
    return 0;
}

/* The executor: the profile's, then k6's shortcuts over it. */
static int build_exec(struct app *a)
{
    const struct cli *c = &a->cli;
    struct lr_exec_config *e = &a->exec;
    char err[256];
    *e = a->profile->exec;
    if (c->rate > 0) {
        exec_defaults(e, LR_EXEC_CONSTANT_ARRIVAL_RATE);
        e->rate = c->rate;
        e->duration_s = c->duration_s > 0 ? c->duration_s : 10;
        e->pre_allocated_vus = c->vus ? c->vus : 10;
        e->max_vus = c->max_vus > e->pre_allocated_vus ? c->max_vus : e->pre_allocated_vus;
    } else if (c->nstages > 0) {
        exec_defaults(e, LR_EXEC_RAMPING_VUS);
        e->start_vus = c->vus ? c->vus : 1;
        memcpy(e->stages, c->stages, sizeof c->stages);
        e->nstages = c->nstages;
    } else if (c->iterations > 0) {
        exec_defaults(e, LR_EXEC_SHARED_ITERATIONS);
        e->vus = c->vus ? c->vus : 1;
        e->iterations = c->iterations;
        if (c->duration_s > 0)
            e->max_duration_s = c->duration_s;
    } else if (c->duration_s > 0) {
        exec_defaults(e, LR_EXEC_CONSTANT_VUS);
        e->vus = c->vus ? c->vus : 1;
        e->duration_s = c->duration_s;
    } else if (c->vus > 0) {
        e->vus = c->vus;
    }
    if (exec_check(e, err, sizeof err) != 0)
        return bad(err, NULL);
    return c->segment || c->sequence ? build_segment(a) : 0;
}

/* The run's scenarios: a script's several, unless the executor options above replace
 * them with one "default" (as k6's do); else one, the scenario's, with that executor. */
static int build_parts(struct app *a)
{
    const struct cli *c = &a->cli;
    const struct lr_profile *p = a->profile;
    bool shaped =
        c->rate > 0 || c->nstages > 0 || c->iterations > 0 || c->duration_s > 0 || c->vus > 0;
    if (p->nparts > 1 && !shaped) {
        if (a->seg)
            return bad("--execution-segment cuts one scenario: this script has several", NULL);
        a->parts = p->parts;
        a->nparts = p->nparts;
        return 0;
    }
    a->one = p->nparts == 1 ? p->parts[0]
                            : (struct lr_part){ .name = p->nparts > 1 ? "default" : a->scn->name };
    a->one.exec = a->exec;
    a->parts = &a->one;
    a->nparts = 1;
    return 0;
}

/* The verdict's thresholds: --no-thresholds does not drop them. */
static bool verdict_threshold(const struct lr_threshold_spec *s)
{
    return !strcmp(s->series, "overbookings") || !strcmp(s->series, "inventory_violations");
}

/* With --no-thresholds: only the profile's verdict thresholds. */
static int add_verdict_thresholds(struct app *a)
{
    char err[256];
    for (const struct lr_threshold_spec *s = a->profile->thresholds; s && s->series; s++) {
        struct lr_threshold_spec one[2] = { *s, { NULL, NULL, false } };
        if (verdict_threshold(s)
            && thr_add_specs(a->thr, a->env.metrics, one, err, sizeof err) != 0)
            return bad(err, NULL);
    }
    return 0;
}

static int add_thresholds(struct app *a)
{
    char err[768];
    a->thr = thr_new();
    if (!a->thr)
        return bad("out of memory", NULL);
    if (a->cli.no_thresholds)
        return add_verdict_thresholds(a);
    if (thr_add_profile(a->thr, a->env.metrics, a->profile, err, sizeof err) != 0)
        return bad(err, NULL);
    for (int i = 0; i < a->cli.thr.n; i++)
        if (thr_add_cli(a->thr, a->env.metrics, a->cli.thr.v[i], err, sizeof err) != 0)
            return bad(err, NULL);
    return 0;
}

/* The progress line: on a terminal one line redrawn each second, otherwise a plain
 * line every ten seconds; none with --quiet. abortOnFail thresholds are judged here. */
static bool on_tick(void *arg, const struct runner_progress *p, const struct metrics *m)
{
    struct app *a = arg;
    bool abort_now = !p->final && thr_should_abort(a->thr, m, p->elapsed_s);
    if (a->prom) {
        thr_evaluate(a->thr, m, p->elapsed_s); /* judged again at the end */
        prom_publish(a->prom, m, a->thr, p->elapsed_s);
    }
    if (a->cli.quiet || (!a->tty && !p->final && p->elapsed_s - a->last_line < 10))
        return abort_now;
    a->last_line = p->elapsed_s;
    double pct = p->duration_s > 0 ? 100 * p->elapsed_s / p->duration_s : 0;
    int64_t total = exec_parts_iterations(a->parts, a->nparts); /* -1: by time */
    if (total > 0)
        pct = 100.0 * (double)p->iterations / (double)total;
    fprintf(stderr,
            "%srunning (%dm%04.1fs), %d/%d VUs, %llu complete and %llu interrupted "
            "iterations, %llu requests [%3.0f%%]%s",
            a->tty ? "\r\033[K" : "", (int)(p->elapsed_s / 60),
            p->elapsed_s - 60 * (int)(p->elapsed_s / 60), p->vus, p->vus_max,
            (unsigned long long)p->iterations, (unsigned long long)p->interrupted,
            (unsigned long long)p->requests, pct > 100 ? 100 : pct,
            a->tty && !p->final ? "" : "\n");
    return abort_now;
}

static void on_signal(int sig)
{
    (void)sig;
    runner_interrupt();
}

static int open_outputs(struct app *a)
{
    if (!a->cli.out_json)
        return 0;
    size_t len = strlen(a->cli.out_json);
    bool gz = len > 3 && !strcmp(a->cli.out_json + len - 3, ".gz");
    a->nd_file = gz ? export_gz_open(a->cli.out_json) : fopen(a->cli.out_json, "w");
    if (!a->nd_file)
        return bad("cannot open --out file", a->cli.out_json);
    a->nd = a->cli.out_csv ? export_csv_new(a->nd_file, a->env.metrics)
                           : export_ndjson_new(a->nd_file, a->env.metrics, a->thr);
    return a->nd ? 0 : bad("cannot write --out file", a->cli.out_json);
}

/* The run's seed and, for a part, its segment and sequence (merge checks them). */
static void segment_json(const struct app *a, json_t *lr)
{
    char text[128];
    snprintf(text, sizeof text, "%llu", (unsigned long long)a->env.seed);
    json_object_set_new(lr, "seed", json_string(text));
    if (!a->seg)
        return;
    seg_format(&a->seg->seg, text, sizeof text);
    json_object_set_new(lr, "segment", json_string(text));
    if (a->cli.sequence)
        json_object_set_new(lr, "sequence", json_string(a->cli.sequence));
}

/* The summary export, the report and the JUnit file from the summary doc. Returns 0,
 * or -1 (reported) when one could not be written. */
static int write_results(const struct cli *c, json_t *doc)
{
    char err[512];
    int rc = 0;
    if (!doc)
        return bad("out of memory", NULL);
    if (c->summary_export && export_write_json(c->summary_export, doc, err, sizeof err) != 0)
        rc = bad(err, NULL);
    if (!c->report && !c->junit)
        return rc;
    struct result *r = result_from_doc(doc, err, sizeof err);
    if (!r)
        return bad(err, NULL);
    if (c->report && report_write_file(c->report, r, err, sizeof err) != 0)
        rc = bad(err, NULL);
    if (c->junit && junit_write_file(c->junit, r, err, sizeof err) != 0)
        rc = bad(err, NULL);
    result_free(r);
    return rc;
}

/* The run's scenarios for the summary export: name, executor, VUs, startTime, what. */
static json_t *parts_json(const struct app *a)
{
    json_t *list = json_array();
    char what[320];
    for (int i = 0; list && i < a->nparts; i++) {
        const struct lr_part *p = &a->parts[i];
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:i, s:f, s:s}", "name", p->name, "executor",
                                        exec_name(p->exec.type), "vus", exec_vus_max(&p->exec),
                                        "startTime", p->start_s, "description",
                                        exec_describe(&p->exec, p->start_s, what, sizeof what)));
    }
    return list;
}

static int close_outputs(struct app *a, double elapsed)
{
    int rc = 0;
    if (a->nd && export_ndjson_finish(a->nd) != 0)
        rc = bad("writing --out failed", a->cli.out_json);
    if (a->nd_file && fclose(a->nd_file) != 0)
        rc = bad("writing --out failed", a->cli.out_json);
    a->nd = NULL;
    a->nd_file = NULL;
    if (a->cli.summary_export || a->cli.report || a->cli.junit) {
        json_t *lr =
            json_pack("{s:s, s:s, s:s, s:o}", "scenario", a->scn->name, "profile", a->profile->name,
                      "verdict", a->env.verdict, "scenarios", parts_json(a));
        if (lr && a->env.export_extra)
            json_object_update(lr, a->env.export_extra);
        if (lr && a->nemesis)
            json_object_set_new(lr, "nemesis", nemreport_json(a->nemesis));
        if (lr)
            segment_json(a, lr);
        json_t *doc = export_summary_json(a->env.metrics, a->thr, a->timeline, elapsed, lr);
        if (write_results(&a->cli, doc) != 0)
            rc = -1;
        json_decref(doc);
        json_decref(lr);
    }
    return rc;
}

/* Run, verify, judge and report. Returns the exit status. */
static int run_and_report(struct app *a)
{
    char err[512];
    struct runner_result res;
    struct runner_config rc = {
        .scenario = a->scn,
        .env = &a->env,
        .parts = a->parts,
        .nparts = a->nparts,
        .target = &a->target,
        .segment = a->seg,
        .start_at_ns = a->cli.start_at_ns,
        .threads = a->cli.threads,
        .timeout_s = a->cli.timeout_s,
        .ndjson = a->nd,
        .timeline = a->timeline,
        .max_redirects = a->cli.max_redirects,
        .tick = on_tick,
        .tick_arg = a,
        .unknown = a->nemesis ? nemesis_mark_unknown : NULL,
        .unknown_arg = a->nemesis,
    };
    if (a->nemesis && nemesis_start(a->nemesis, err, sizeof err) != 0) {
        bad(err, NULL);
        return EXIT_CANNOT;
    }
    int ran = runner_run(&rc, &res, err, sizeof err);
    nemesis_stop(a->nemesis); /* heals a fault still under way */
    if (ran != 0) {
        bad(err, NULL);
        return EXIT_CANNOT;
    }
    int status = 0;
    if (a->scn->verify && a->scn->verify(&a->env, err, sizeof err) != 0) {
        bad("verification could not be made", err);
        status = EXIT_CANNOT;
    }
    if (a->cli.history_out && !a->env.history_written && status == 0)
        fprintf(stderr,
                "lastroom-load: the %s scenario keeps no booking history: "
                "--history-out %s not written\n",
                a->scn->name, a->cli.history_out);
    metrics_merge(a->env.metrics, a->env.shard);
    int failed = thr_evaluate(a->thr, a->env.metrics, res.elapsed_s) + a->env.violated;
    static char parts[LR_MAX_PARTS * 400 + 200];
    fputc('\n', stdout);
    fputs(exec_parts_describe(a->parts, a->nparts, parts, sizeof parts), stdout);
    summary_write(stdout, a->env.metrics, a->thr, res.elapsed_s);
    if (a->env.verdict[0])
        fputs(a->env.verdict, stdout);
    if (a->nemesis) {
        static char report[16384];
        nemreport_text(a->nemesis, report, sizeof report);
        fputs(report, stdout);
    }
    fflush(stdout);
    if (close_outputs(a, res.elapsed_s) != 0 && status == 0)
        status = EXIT_CANNOT;
    if (a->seg) /* a part: the verdict is merge's, the status says it ran */
        return status;
    return failed > 0 ? EXIT_THRESHOLD : status;
}

/* The fault schedule: the --nemesis flags, else the profile's, from which the kinds
 * this environment cannot inject are left out (with a note). */
static int build_schedule(struct app *a)
{
    struct cli *c = &a->cli;
    char err[256];
    c->nem.db_url = c->db;
    c->nem.base_url = c->url;
    if (!c->nem.script)
        c->nem.script = getenv("LASTROOM_NEMESIS_SCRIPT");
    if (!c->nem.script && nemspec_script_find(a->script, sizeof a->script) == 0)
        c->nem.script = a->script;
    const char *const *specs = c->faults.n > 0 ? c->faults.v : a->profile->nemesis;
    for (int i = 0; !c->no_nemesis && specs && specs[i]; i++) {
        struct nemesis_event ev;
        if (nemspec_parse(specs[i], &ev, err, sizeof err) != 0)
            return bad(err, NULL);
        const char *need = nemspec_missing(&c->nem, ev.kind);
        if (need && c->faults.n > 0)
            return bad("this fault needs", need);
        if (need)
            fprintf(stderr, "lastroom-load: nemesis: leaving out %s (needs %s)\n", specs[i], need);
        else
            a->events[a->nevents++] = ev;
    }
    return 0;
}

/* Every scenario option given must be one the scenario declares. Returns 0, or -1
 * (reported, naming the option and those the scenario accepts). */
static int check_scenario_options(const struct app *a)
{
    const char *const *ok = a->scn->options;
    for (int i = 0; i < a->cli.extra.n; i += 2) {
        bool known = false;
        for (int j = 0; ok && ok[j] && !known; j++)
            known = !strcmp(a->cli.extra.v[i], ok[j]);
        if (known)
            continue;
        char accepts[256] = "";
        for (int j = 0; ok && ok[j]; j++)
            snprintf(accepts + strlen(accepts), sizeof accepts - strlen(accepts), "%s%s",
                     j ? " " : "", ok[j]);
        fprintf(stderr, "lastroom-load: unknown option %s for the %s scenario (%s%s)\n",
                a->cli.extra.v[i], a->scn->name,
                accepts[0] ? "it accepts: "
                           : "it has no "
                             "options of its own",
                accepts);
        return -1;
    }
    return 0;
}

static int check_outputs(const struct cli *c)
{
    const char *const what[] = { "--summary-export", "--report", "--junit", "--out",
                                 "--history-out" };
    const char *const path[] = { c->summary_export, c->report, c->junit, c->out_json,
                                 c->history_out };
    for (size_t i = 0; i < sizeof what / sizeof what[0]; i++)
        if (path[i] && resultcmd_writable(what[i], path[i]) != 0)
            return -1;
    return 0;
}

static int app_prepare(struct app *a)
{
    char err[512];
    if (check_outputs(&a->cli) != 0)
        return -1;
    a->scn = lr_scenario_find(a->cli.scenario);
    static char shipped[1200]; /* a shipped script's name: its file */
    if (!a->scn && !script_is_path(a->cli.scenario)
        && script_shipped(a->cli.scenario, shipped, sizeof shipped) == 0)
        a->cli.scenario = shipped;
    if (!a->scn && script_is_path(a->cli.scenario)) {
        if (a->cli.url == default_url && getenv("API_URL"))
            a->cli.url = getenv("API_URL");
        if (!(a->scn = script_load(a->cli.scenario, a->cli.profile, err, sizeof err)))
            return bad(err, NULL);
        script_client_options(&a->cli.tls.insecure, &a->cli.max_redirects);
    }
    if (!a->scn)
        return bad("unknown scenario (see lastroom-load list)", a->cli.scenario);
    if (check_scenario_options(a) != 0)
        return -1;
    a->profile = a->cli.profile && !strcmp(a->cli.profile, "quick")   ? a->scn->quick
                 : a->cli.profile && !strcmp(a->cli.profile, "mixed") ? a->scn->mixed
                                                                      : a->scn->full;
    if (!a->profile)
        return bad("the scenario has no such profile", a->cli.profile);
    if (httpc_target_parse(&a->target, a->cli.url, err, sizeof err) != 0)
        return bad(err, NULL);
    if (tls_given(&a->cli) && !a->target.url.tls)
        return bad("TLS options need an https:// URL", a->cli.url);
    if ((tls_given(&a->cli) || (a->cli.tls.insecure && a->target.url.tls))
        && httpc_target_tls(&a->target, &a->cli.tls, err, sizeof err) != 0)
        return bad(err, NULL);
    return build_exec(a) != 0 || build_parts(a) != 0 ? -1 : build_schedule(a);
}

static void env_init(struct app *a)
{
    struct lr_scenario_env *e = &a->env;
    e->base_url = a->cli.url;
    e->db_url = a->cli.db;
    e->admin_email = getenv("ADMIN_EMAIL");
    e->admin_password = getenv("ADMIN_PASSWORD");
    e->profile = a->profile->name;
    e->seed = a->cli.seed ? a->cli.seed : 1;
    e->vus_max = exec_parts_vus_max(a->parts, a->nparts);
    e->parts = a->parts;
    e->nparts = a->nparts;
    e->segment = a->seg;
    e->iterations_hint = exec_parts_iterations(a->parts, a->nparts);
    e->quiet = a->cli.quiet;
    e->argv_extra = a->cli.extra.v;
    e->history_out = a->cli.history_out;
    e->setup_out = a->cli.setup_out;
    e->setup_data = a->cli.setup_data;
}

/* The nemesis for the schedule, when there is one. Returns 0, or -1 (reported). */
static int prepare_nemesis(struct app *a)
{
    char err[256];
    if (a->nevents == 0)
        return 0;
    a->nemesis = nemesis_new(&a->cli.nem, a->events, a->nevents,
                             exec_parts_span(a->parts, a->nparts, false), err, sizeof err);
    return a->nemesis ? 0 : bad(err, NULL);
}

/* One descriptor per VU: lift the soft limit to the hard one. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* The setup command's and run's checks of --setup-out and --setup-data. */
static int check_setup_options(const struct app *a)
{
    const struct cli *c = &a->cli;
    if (c->setup_only != (c->setup_out != NULL))
        return bad(c->setup_only ? "setup needs --setup-out FILE"
                                 : "--setup-out belongs to the setup command",
                   NULL);
    if (c->setup_only && c->setup_data)
        return bad("setup makes the data: --setup-data belongs to run", NULL);
    if (c->setup_only && (c->segment || c->sequence))
        return bad("setup runs once for the whole test: no --execution-segment", NULL);
    if (c->setup_out && resultcmd_writable("--setup-out", c->setup_out) != 0)
        return -1;
    if ((c->setup_out || c->setup_data) && !a->scn->verify)
        return bad("this scenario has no setup data", a->scn->name);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    double wait_s = c->start_at_ns ? (double)c->start_at_ns / 1e9 - (double)now.tv_sec
                                         - (double)now.tv_nsec / 1e9
                                   : 0;
    if (wait_s >= exec_parts_end(a->parts, a->nparts)) /* the wait counts in the schedule */
        return bad("--start-at is further away than the run lasts (the wait counts in "
                   "its duration)",
                   NULL);
    return 0;
}

static int cmd_run(int argc, char **argv, bool setup_only)
{
    static struct app a;
    char err[512];
    int status;
    a.cli.setup_only = setup_only;
    if (parse_args(&a.cli, argc, argv) != 0 || app_prepare(&a) != 0 || check_setup_options(&a) != 0)
        return EXIT_USAGE;
    env_init(&a);
    raise_nofile();
    a.tty = isatty(STDERR_FILENO);
    a.env.metrics = metrics_new();
    a.timeline = timeline_new(exec_parts_span(a.parts, a.nparts, true) + 1);
    if (!a.env.metrics || !a.timeline) {
        bad("out of memory", NULL);
        return EXIT_CANNOT;
    }
    for (int i = 0; i < a.cli.tags.n; i++) {
        char key[METRICS_TAG_MAX];
        const char *eq = strchr(a.cli.tags.v[i], '=');
        snprintf(key, sizeof key, "%.*s", (int)(eq - a.cli.tags.v[i]), a.cli.tags.v[i]);
        if ((size_t)(eq - a.cli.tags.v[i]) >= sizeof key
            || metrics_run_tag(a.env.metrics, key, eq + 1) != 0) {
            bad("--tag: want KEY=VALUE, a key that is not built in, no {}:,\"\\", a.cli.tags.v[i]);
            metrics_free(a.env.metrics);
            timeline_free(a.timeline);
            return EXIT_USAGE;
        }
    }
    if (a.cli.metrics_listen && !(a.prom = prom_start(a.cli.metrics_listen, err, sizeof err))) {
        bad(err, NULL);
        metrics_free(a.env.metrics);
        timeline_free(a.timeline);
        return EXIT_CANNOT;
    }
    signal(SIGPIPE, SIG_IGN);
    setup_allow_remote(a.cli.allow_remote);
    setup_tls_options(&a.cli.tls);
    int set = a.scn->setup ? a.scn->setup(&a.env, err, sizeof err) : 0;
    if (set == LR_SETUP_USAGE) {
        fprintf(stderr, "lastroom-load: %s: %s\n", a.scn->name, err);
        status = EXIT_USAGE;
    } else if (set != 0) {
        bad("setup failed", err);
        status = EXIT_CANNOT;
    } else if (a.cli.setup_only) {
        fprintf(stderr, "lastroom-load: %s: setup data written to %s\n", a.scn->name,
                a.cli.setup_out);
        status = 0;
    } else if (!(a.env.shard = metrics_shard_new(a.env.metrics))) {
        /* after setup, so that the series setup defined can be recorded in verify */
        bad("out of memory", NULL);
        status = EXIT_CANNOT;
    } else if (prepare_nemesis(&a) != 0) {
        status = EXIT_USAGE;
    } else if (add_thresholds(&a) != 0) {
        status = EXIT_USAGE;
    } else if (open_outputs(&a) != 0) {
        status = EXIT_CANNOT;
    } else {
        struct sigaction sa = { .sa_handler = on_signal };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL); /* from here ^C ends the run, then reports */
        sigaction(SIGTERM, &sa, NULL);
        status = run_and_report(&a);
    }
    if (a.nd)
        close_outputs(&a, 0);
    if (a.scn->teardown)
        a.scn->teardown(&a.env);
    thr_free(a.thr);
    nemesis_free(a.nemesis);
    json_decref(a.env.export_extra);
    metrics_shard_free(a.env.shard);
    metrics_free(a.env.metrics);
    timeline_free(a.timeline);
    prom_stop(a.prom);
    httpc_target_free(&a.target);
    seg_plan_free(a.seg);
    return status;
}

static int cmd_list(void)
{
    for (int i = 0; lr_scenarios[i]; i++) {
        const struct lr_scenario *s = lr_scenarios[i];
        printf("%-12s %s\n", s->name, s->description);
        for (int j = 0; s->options && s->options[j]; j++)
            printf("%s%s%s", j ? " " : "               options: ", s->options[j],
                   s->options[j + 1] ? "" : "\n");
        const struct lr_profile *p[3] = { s->quick, s->full, s->mixed };
        for (int j = 0; j < 3; j++)
            if (p[j])
                printf("%-12s   %-5s %s, %d VUs max, %.0fs\n", "", p[j]->name,
                       exec_name(p[j]->exec.type), exec_vus_max(&p[j]->exec),
                       exec_duration(&p[j]->exec));
    }
    script_list_shipped(stdout);
    return 0;
}

/* cmd_openapi: openapi list FILE | openapi script FILE OPERATION... */
static int cmd_openapi(int argc, char **argv)
{
    char err[512];
    int list = argc == 3 && !strcmp(argv[1], "list");
    if (!list && !(argc >= 4 && !strcmp(argv[1], "script"))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    struct openapi_doc *doc = openapi_open(argv[2], err, sizeof err);
    if (doc == NULL) {
        fprintf(stderr, "lastroom-load: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (list)
        openapi_list(doc, stdout);
    else if (openapi_script(doc, argv[2], (const char *const *)argv + 3, argc - 3, stdout, err,
                            sizeof err)
             != 0) {
        fprintf(stderr, "lastroom-load: %s\n", err);
        rc = EXIT_USAGE;
    }
    openapi_close(doc);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2
        && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
        usage(stdout);
        return 0;
    }
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    if (argc >= 2 && !strcmp(argv[1], "list"))
        return cmd_list();
    if (argc >= 2 && !strcmp(argv[1], "openapi"))
        return cmd_openapi(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "report"))
        return resultcmd_report(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "merge"))
        return mergecmd_run(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "compare"))
        return resultcmd_compare(argc - 2, argv + 2);
    if (argc >= 3 && !strcmp(argv[1], "run"))
        return cmd_run(argc - 2, argv + 2, false);
    if (argc >= 3 && !strcmp(argv[1], "setup"))
        return cmd_run(argc - 2, argv + 2, true);
    usage(stderr);
    return EXIT_USAGE;
}
