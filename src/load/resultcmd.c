/*
 * resultcmd.c: the commands that work on a run's summary after the run, and the check
 * that an output path can be written (see resultcmd.h). Like main, these print their
 * errors on stderr and return the exit status.
 */
#include "load/resultcmd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load/engine/compare.h"
#include "load/engine/report.h"
#include "load/engine/result.h"

static int bad(const char *what, const char *arg)
{
    fprintf(stderr, "lastroom-load: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
    return -1;
}

int resultcmd_writable(const char *what, const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    struct stat st;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
    bool isdir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    if (isdir || access(dir, W_OK) != 0 || (stat(path, &st) == 0 && access(path, W_OK) != 0)) {
        fprintf(stderr, "lastroom-load: %s %s cannot be written (%s)\n", what, path,
                isdir ? "it is a folder" : strerror(errno));
        return -1;
    }
    return 0;
}

int resultcmd_report(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    char err[512];
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] != '-' && !in)
            in = argv[i];
        else
            return bad("report: bad argument (usage: report SUMMARY.json -o FILE.html)", argv[i]),
                   RESULTCMD_USAGE;
    }
    if (!in || !out)
        return bad("usage: lastroom-load report SUMMARY.json -o FILE.html", NULL), RESULTCMD_USAGE;
    if (resultcmd_writable("-o", out) != 0)
        return RESULTCMD_USAGE;
    struct result *r = result_load(in, err, sizeof err);
    if (!r)
        return bad(err, NULL), RESULTCMD_CANNOT;
    int rc = report_write_file(out, r, err, sizeof err);
    result_free(r);
    return rc == 0 ? 0 : (bad(err, NULL), RESULTCMD_CANNOT);
}

int resultcmd_compare(int argc, char **argv)
{
    const char *files[2] = { NULL, NULL };
    double tol = COMPARE_DEFAULT_TOLERANCE;
    int nfiles = 0;
    char err[512];
    for (int i = 0; i < argc; i++) {
        const char *t = !strcmp(argv[i], "--tolerance") && i + 1 < argc ? argv[++i]
                        : !strncmp(argv[i], "--tolerance=", 12)         ? argv[i] + 12
                                                                        : NULL;
        if (t && compare_tolerance(t, &tol) != 0)
            return bad("compare: bad --tolerance (e.g. 10% or 0.1)", t), RESULTCMD_USAGE;
        else if (!t && argv[i][0] != '-' && nfiles < 2)
            files[nfiles++] = argv[i];
        else if (!t)
            return bad("compare: bad argument (usage: compare BASE.json NEW.json "
                       "[--tolerance 10%])",
                       argv[i]),
                   RESULTCMD_USAGE;
    }
    if (nfiles != 2)
        return bad("usage: lastroom-load compare BASE.json NEW.json [--tolerance 10%]", NULL),
               RESULTCMD_USAGE;
    struct result *b = result_load(files[0], err, sizeof err), *c = NULL;
    if (b)
        c = result_load(files[1], err, sizeof err);
    int n = b && c ? compare_runs(stdout, b, c, tol, err, sizeof err) : -1;
    if (n < 0)
        bad(err, NULL);
    result_free(b);
    result_free(c);
    return !b || !c ? RESULTCMD_CANNOT : n < 0 ? RESULTCMD_USAGE : n > 0 ? RESULTCMD_REGRESSED : 0;
}
