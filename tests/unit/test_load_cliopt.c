/*
 * test_load_cliopt.c: a command line read through an option table: each kind of
 * argument, the defaults, "--name=value", the scenario's own options, and every
 * refusal with its exact message; then the table printed as --help.
 */
#include "unit.h"
#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "load/cliopt.h"
#include "load/engine/duration.h"

struct opts {
    const char *name, *profile, *when;
    bool quiet;
    int64_t n;
    double wait_s;
    struct cliopt_list tags, faults;
    int sets;
};

static int set_when(void *target, const char *v, char *err, size_t errlen)
{
    struct opts *o = target;
    o->sets++;
    if (!strcmp(v, "never"))
        return -1; /* the generic message */
    if (!strcmp(v, "later")) {
        snprintf(err, errlen, "--when wants now or soon: %s", v);
        return -1;
    }
    o->when = v;
    return 0;
}

static const struct cliopt table[] = {
    { "--name", NULL, CLIOPT_STR, offsetof(struct opts, name), 0, NULL, NULL, "anon", "--name NAME",
      "who runs (default {default})" },
    { "--quiet", "-q", CLIOPT_FLAG, offsetof(struct opts, quiet), 0, NULL, NULL, NULL, "--quiet",
      "say less" },
    { NULL, NULL, CLIOPT_TEXT, 0, 0, NULL, NULL, NULL, NULL, "numbers:\n" },
    { "--n", NULL, CLIOPT_COUNT, offsetof(struct opts, n), 50, NULL, NULL, NULL, "--n N [--wait D]",
      "how many, 1 to 50;\nat most that" },
    { "--wait", NULL, CLIOPT_DUR, offsetof(struct opts, wait_s), 0, NULL, NULL, "2s", NULL, NULL },
    { "--profile", NULL, CLIOPT_CHOICE, offsetof(struct opts, profile), 0, "quick|full", NULL, NULL,
      "--profile quick|full", "the profile" },
    { "--tag", NULL, CLIOPT_KV_LIST, offsetof(struct opts, tags), 2, NULL, NULL, NULL,
      "--tag-with-a-long-usage KEY=VALUE", "a tag" },
    { "--fault", NULL, CLIOPT_LIST, offsetof(struct opts, faults), 1, NULL, NULL, NULL, NULL,
      NULL },
    { "--when", NULL, CLIOPT_SET, 0, 0, NULL, set_when, NULL, "--when now|soon", "" },
    CLIOPT_END,
};

static struct opts o;
static struct cliopt_list rest;
static const char *pos;
static char err[256];

/* parse "a b c": argv from a copy of line split at spaces (cliopt_parse writes it). */
static int parse(const char *line)
{
    static char buf[512];
    char *argv[32];
    int argc = 0;
    memset(&o, 0, sizeof o);
    memset(&rest, 0, sizeof rest);
    pos = NULL;
    err[0] = '\0';
    snprintf(buf, sizeof buf, "%s", line);
    for (char *t = strtok(buf, " "); t && argc < 32; t = strtok(NULL, " "))
        argv[argc++] = t;
    return cliopt_parse(table, &o, argc, argv, &pos, &rest, err, sizeof err);
}

static void refused(const char *line, const char *message)
{
    ck_assert_int_eq(parse(line), -1);
    ck_assert_str_eq(err, message);
}

START_TEST(test_defaults)
{
    ck_assert_int_eq(parse("run"), 0);
    ck_assert_str_eq(pos, "run");
    ck_assert_str_eq(o.name, "anon");
    ck_assert(o.wait_s == 2 && o.n == 0 && !o.quiet && !o.profile && o.tags.n == 0);
    ck_assert_int_eq(rest.n, 0);
}
END_TEST

START_TEST(test_each_kind)
{
    ck_assert_int_eq(parse("--name ann -q --n 50 --wait=1m30s run --profile full "
                           "--tag a=1 --tag=b=2 --fault x --when soon"),
                     0);
    ck_assert_str_eq(o.name, "ann");
    ck_assert(o.quiet);
    ck_assert_int_eq(o.n, 50);
    ck_assert(o.wait_s == 90);
    ck_assert_str_eq(pos, "run");
    ck_assert_str_eq(o.profile, "full");
    ck_assert_int_eq(o.tags.n, 2);
    ck_assert_str_eq(o.tags.v[0], "a=1");
    ck_assert_str_eq(o.tags.v[1], "b=2");
    ck_assert(o.tags.v[2] == NULL);
    ck_assert_str_eq(o.faults.v[0], "x");
    ck_assert_str_eq(o.when, "soon");
    ck_assert_int_eq(o.sets, 1);
}
END_TEST

START_TEST(test_rest_in_pairs)
{
    ck_assert_int_eq(parse("run --users 5 --path=/a=b --name z"), 0);
    ck_assert_int_eq(rest.n, 4);
    ck_assert_str_eq(rest.v[0], "--users");
    ck_assert_str_eq(rest.v[1], "5");
    ck_assert_str_eq(rest.v[2], "--path");
    ck_assert_str_eq(rest.v[3], "/a=b");
    ck_assert(rest.v[4] == NULL);
    ck_assert_str_eq(o.name, "z");
}
END_TEST

START_TEST(test_unknown_without_rest)
{
    char a0[] = "--users", a1[] = "5";
    char *argv[] = { a0, a1 };
    memset(&o, 0, sizeof o);
    pos = NULL;
    ck_assert_int_eq(cliopt_parse(table, &o, 2, argv, &pos, NULL, err, sizeof err), -1);
    ck_assert_str_eq(err, "bad option or value: --users");
}
END_TEST

START_TEST(test_refusals)
{
    refused("run --n", "missing value for: --n");
    refused("run --users", "missing value for: --users");
    refused("run extra", "missing value for: extra");
    refused("run extra value", "bad option or value: extra");
    refused("run -x y", "bad option or value: -x");
    refused("run --quiet=1", "bad option or value: --quiet");
    refused("run --n 0", "bad option or value: --n");
    refused("run --n 51", "bad option or value: --n");
    refused("run --n 5x", "bad option or value: --n");
    refused("run --n=", "bad option or value: --n");
    refused("run --profile slow", "bad option or value: --profile");
    refused("run --profile qui", "bad option or value: --profile");
    refused("run --profile=", "bad option or value: --profile");
    refused("run --tag novalue", "bad option or value: --tag");
    refused("run --tag a=1 --tag b=2 --tag c=3", "bad option or value: --tag");
    refused("run --fault x --fault y", "bad option or value: --fault");
    refused("run --when never", "bad option or value: --when");
    refused("run --when later", "--when wants now or soon: later");
}
END_TEST

START_TEST(test_duration_message)
{
    char want[256];
    double s;
    ck_assert_int_eq(parse("run --wait 3x"), -1);
    ck_assert_int_ne(dur_parse("3x", &s, want, sizeof want), 0);
    ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_count)
{
    int64_t n = 7;
    ck_assert_int_eq(cliopt_count("1000", 1000, &n), 0);
    ck_assert_int_eq(n, 1000);
    ck_assert_int_eq(cliopt_count("1001", 1000, &n), -1);
    ck_assert_int_eq(cliopt_count("", 1000, &n), -1);
    ck_assert_int_eq(cliopt_count("-1", 1000, &n), -1);
    ck_assert_int_eq(n, 1000);
}
END_TEST

START_TEST(test_usage)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cliopt_usage(table, f);
    fclose(f);
    ck_assert_str_eq(text, "  --name NAME                  who runs (default anon)\n"
                           "  --quiet                      say less\n"
                           "numbers:\n"
                           "  --n N [--wait D]             how many, 1 to 50;\n"
                           "                               at most that\n"
                           "  --profile quick|full         the profile\n"
                           "  --tag-with-a-long-usage KEY=VALUE   a tag\n"
                           "  --when now|soon\n");
    free(text);
}
END_TEST

UNIT_MAIN("cliopt", test_defaults, test_each_kind, test_rest_in_pairs, test_unknown_without_rest,
          test_refusals, test_duration_message, test_count, test_usage)
