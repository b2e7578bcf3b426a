/*
 * cliopt.c: reading a command line through a table of options (see cliopt.h), and
 * printing the same table as --help. The table is the one place an option is named:
 * its parsing, its default and its help line come from its row. Nothing is copied:
 * string values point into argv or into the table.
 */
#include "load/cliopt.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/duration.h"

#define USAGE_COLUMN 31 /* where the help of an option starts */

static int bad_value(const struct cliopt *o, char *err, size_t errlen)
{
    snprintf(err, errlen, "bad option or value: %s", o->name);
    return -1;
}

static bool is_choice(const char *choices, const char *v)
{
    size_t len = strlen(v);
    for (const char *p = choices; p; p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL)
        if (len > 0 && !strncmp(p, v, len) && (p[len] == '|' || p[len] == '\0'))
            return true;
    return false;
}

int cliopt_count(const char *v, int64_t max, int64_t *out)
{
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < 1 || n > max)
        return -1;
    *out = n;
    return 0;
}

static int append(const struct cliopt *o, struct cliopt_list *l, const char *v)
{
    int cap = o->max < CLIOPT_LIST_MAX ? (int)o->max : CLIOPT_LIST_MAX;
    if (l->n >= cap)
        return -1;
    l->v[l->n++] = v;
    return 0;
}

/* One option with its value (NULL for a flag). Returns 0, or -1 with err. */
static int apply(const struct cliopt *o, void *target, const char *v, char *err, size_t errlen)
{
    char *field = (char *)target + o->off;
    err[0] = '\0';
    switch (o->kind) {
    case CLIOPT_FLAG: *(bool *)field = true; return 0;
    case CLIOPT_STR: *(const char **)field = v; return 0;
    case CLIOPT_COUNT:
        return cliopt_count(v, o->max, (int64_t *)field) == 0 ? 0 : bad_value(o, err, errlen);
    case CLIOPT_DUR: return dur_parse(v, (double *)field, err, errlen);
    case CLIOPT_CHOICE:
        if (!is_choice(o->choices, v))
            return bad_value(o, err, errlen);
        *(const char **)field = v;
        return 0;
    case CLIOPT_KV_LIST:
        if (!strchr(v, '='))
            return bad_value(o, err, errlen);
        /* fall through */
    case CLIOPT_LIST:
        return append(o, (struct cliopt_list *)field, v) == 0 ? 0 : bad_value(o, err, errlen);
    case CLIOPT_SET:
        if (o->set(target, v, err, errlen) == 0)
            return 0;
        return err[0] ? -1 : bad_value(o, err, errlen);
    case CLIOPT_TEXT: break;
    }
    return bad_value(o, err, errlen);
}

static const struct cliopt *find(const struct cliopt *table, const char *name)
{
    for (const struct cliopt *o = table; o->name || o->usage || o->help; o++)
        if (o->name && (!strcmp(o->name, name) || (o->alias && !strcmp(o->alias, name))))
            return o;
    return NULL;
}

/* An option with a value: the table's, else a scenario's pair in rest. */
static int valued(const struct cliopt *table, void *target, const char *k, const char *v,
                  struct cliopt_list *rest, char *err, size_t errlen)
{
    const struct cliopt *o = find(table, k);
    if (o && o->kind != CLIOPT_FLAG)
        return apply(o, target, v, err, errlen);
    if (!o && rest && !strncmp(k, "--", 2) && rest->n + 2 < CLIOPT_LIST_MAX) {
        rest->v[rest->n++] = k;
        rest->v[rest->n++] = v;
        return 0;
    }
    snprintf(err, errlen, "bad option or value: %s", k);
    return -1;
}

int cliopt_parse(const struct cliopt *table, void *target, int argc, char **argv,
                 const char **positional, struct cliopt_list *rest, char *err, size_t errlen)
{
    for (const struct cliopt *o = table; o->name || o->usage || o->help; o++)
        if (o->def && apply(o, target, o->def, err, errlen) != 0)
            return -1;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i], *eq = strchr(a, '=');
        const struct cliopt *o = find(table, a);
        int rc = 0;
        if (o && o->kind == CLIOPT_FLAG)
            rc = apply(o, target, NULL, err, errlen);
        else if (a[0] != '-' && !*positional)
            *positional = a;
        else if (!strncmp(a, "--", 2) && eq) {
            *eq = '\0'; /* split in place: the key stays valid for rest */
            rc = valued(table, target, a, eq + 1, rest, err, errlen);
        } else if (i + 1 < argc)
            rc = valued(table, target, a, argv[++i], rest, err, errlen);
        else {
            snprintf(err, errlen, "missing value for: %s", a);
            rc = -1;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* The help of o from p on, "{default}" replaced by the default, each line after the
 * first indented to the usage column. */
static void print_help(const struct cliopt *o, const char *p, FILE *out)
{
    static const char mark[] = "{default}";
    for (; *p; p++) {
        if (!strncmp(p, mark, sizeof mark - 1) && o->def) {
            fputs(o->def, out);
            p += sizeof mark - 2;
        } else if (*p == '\n' && p[1])
            fprintf(out, "\n%*s", USAGE_COLUMN, "");
        else
            fputc(*p, out);
    }
}

void cliopt_usage(const struct cliopt *table, FILE *out)
{
    for (const struct cliopt *o = table; o->name || o->usage || o->help; o++) {
        if (o->kind == CLIOPT_TEXT || !o->usage) {
            fputs(o->kind == CLIOPT_TEXT ? o->help : "", out);
            continue;
        }
        int w = fprintf(out, "  %s", o->usage);
        if (o->help && o->help[0]) {
            fprintf(out, "%*s", w + 1 < USAGE_COLUMN ? USAGE_COLUMN - w : 3, "");
            print_help(o, o->help, out);
        }
        fputc('\n', out);
    }
}
