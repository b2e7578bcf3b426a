/*
 * junit.c: JUnit XML of junit.h, in the common dialect CI systems read (testsuites >
 * testsuite > testcase, with failure elements carrying a message attribute).
 */
#include "load/engine/junit.h"

#include "load/engine/chart.h"
#include "load/engine/export.h"

static void suite_open(FILE *out, const char *name, int tests, int failures)
{
    fprintf(out, " <testsuite name='%s' tests='%d' failures='%d' errors='0' skipped='0'>\n", name,
            tests, failures);
}

static void case_open(FILE *out, const struct result *r, const char *suite)
{
    fputs("  <testcase classname='lastroom-load.", out);
    chart_text(out, r->scenario);
    fprintf(out, ".%s' name='", suite);
}

static void thresholds(FILE *out, const struct result *r)
{
    struct result_threshold th[RESULT_ITEMS_MAX];
    int n = result_thresholds(r, th, RESULT_ITEMS_MAX), failed = 0;
    for (int i = 0; i < n; i++)
        failed += !th[i].ok;
    suite_open(out, "thresholds", n, failed);
    for (int i = 0; i < n; i++) {
        case_open(out, r, "thresholds");
        chart_text(out, th[i].series);
        fputs(": ", out);
        chart_text(out, th[i].expr);
        if (th[i].ok) {
            fputs("'/>\n", out);
            continue;
        }
        fputs("'>\n   <failure type='threshold' message='", out);
        chart_text(out, th[i].series);
        fputc(' ', out);
        chart_text(out, th[i].expr);
        fprintf(out, " failed: observed %.6g'/>\n  </testcase>\n", th[i].observed);
    }
    fputs(" </testsuite>\n", out);
}

static void checks(FILE *out, const struct result *r)
{
    struct result_check ch[RESULT_ITEMS_MAX];
    int n = result_checks(r, ch, RESULT_ITEMS_MAX), tests = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        tests += ch[i].is_check;
        failed += ch[i].is_check && ch[i].value != 0;
    }
    suite_open(out, "verification", tests, failed);
    for (int i = 0; i < n; i++) {
        if (!ch[i].is_check)
            continue;
        case_open(out, r, "verification");
        chart_text(out, ch[i].name);
        if (ch[i].value == 0) {
            fputs(" == 0'/>\n", out);
            continue;
        }
        fputs(" == 0'>\n   <failure type='verification' message='", out);
        chart_text(out, ch[i].name);
        fprintf(out, ": observed %.0f, expected 0'/>\n  </testcase>\n", ch[i].value);
    }
    fputs(" </testsuite>\n", out);
}

int junit_write(FILE *out, const struct result *r)
{
    fputs("<?xml version='1.0' encoding='UTF-8'?>\n<testsuites name='lastroom-load ", out);
    chart_text(out, r->scenario);
    fprintf(out, "' time='%.3f'>\n", r->duration_s);
    thresholds(out, r);
    checks(out, r);
    fputs("</testsuites>\n", out);
    return ferror(out) ? -1 : 0;
}

static int write_junit(FILE *f, const void *r)
{
    return junit_write(f, r);
}

int junit_write_file(const char *path, const struct result *r, char *err, size_t errlen)
{
    return export_replace(path, write_junit, r, err, errlen);
}
