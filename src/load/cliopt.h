/*
 * cliopt.h: a command line described by one table. Each row names an option, the kind
 * of its argument, the field of the caller's struct it fills (or a setter), its default
 * and its --help lines; cliopt_parse reads argv through the table and cliopt_usage
 * prints the table as help, so that adding an option is adding one row.
 */
#ifndef LASTROOM_LOAD_CLIOPT_H
#define LASTROOM_LOAD_CLIOPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLIOPT_LIST_MAX 128

/* A repeatable option's values in the order given, NULL-terminated. */
struct cliopt_list {
    const char *v[CLIOPT_LIST_MAX + 1];
    int n;
};

enum cliopt_kind {
    CLIOPT_TEXT,    /* no option: the row's help is printed as it is */
    CLIOPT_FLAG,    /* no argument: the bool at off becomes true */
    CLIOPT_STR,     /* the const char * at off points into argv */
    CLIOPT_COUNT,   /* an integer 1..max into the int64_t at off */
    CLIOPT_DUR,     /* a duration ("500ms", "2m30s") into the double at off, seconds */
    CLIOPT_CHOICE,  /* one of the "|"-separated words of choices, into a const char * */
    CLIOPT_LIST,    /* appended to the struct cliopt_list at off, at most max values */
    CLIOPT_KV_LIST, /* as CLIOPT_LIST, each value of the form KEY=VALUE */
    CLIOPT_SET,     /* set(target, value, ...) does what the option means */
};

/* A setter: apply v to target. Returns 0, or -1 with a message in err (an empty err
 * stands for "bad option or value: NAME"). */
typedef int (*cliopt_setter)(void *target, const char *v, char *err, size_t errlen);

struct cliopt {
    const char *name;  /* "--vus"; NULL for a CLIOPT_TEXT row */
    const char *alias; /* a second spelling ("-q"), or NULL */
    enum cliopt_kind kind;
    size_t off;          /* offsetof the field in the target struct */
    int64_t max;         /* CLIOPT_COUNT: the largest value; lists: their capacity */
    const char *choices; /* CLIOPT_CHOICE: "quick|full|mixed" */
    cliopt_setter set;   /* CLIOPT_SET */
    const char *def;     /* applied as if given before argv, or NULL */
    const char *usage;   /* --help's left column ("--vus N"); NULL: another row's */
    const char *help;    /* --help's right column, "\n" between lines; "{default}"
                              * is replaced by def */
};

/* A table ends with a row whose name, usage and help are all NULL. */
/* clang-format off */
#define CLIOPT_END { NULL, NULL, CLIOPT_TEXT, 0, 0, NULL, NULL, NULL, NULL, NULL }
/* clang-format on */

/* cliopt_parse: apply every default of table to target, then read argv[0..argc):
 * "--name=value" (split in place: argv's strings are written), "name value", flags
 * alone (a flag given a value is a bad value). The first argument not starting with '-'
 * goes to *positional (once; later ones are read as option names). A "--name" the
 * table does not know goes, with its value, to rest as a pair (at most
 * CLIOPT_LIST_MAX / 2 - 1 pairs); with rest NULL it is an error. Returns 0, or -1 with
 * a message in err ("missing value for: --vus", "bad option or value: --vus", or the
 * kind's own); target may then be partly filled. */
int cliopt_parse(const struct cliopt *table, void *target, int argc, char **argv,
                 const char **positional, struct cliopt_list *rest, char *err, size_t errlen);

/* cliopt_count: v as a whole decimal integer in 1..max into *out. Returns 0, or -1 with
 * *out unchanged. */
int cliopt_count(const char *v, int64_t max, int64_t *out);

/* cliopt_usage: print table as --help lines to out: "  USAGE" padded to column 31,
 * then the help, its further lines indented to column 31; text rows as they are. */
void cliopt_usage(const struct cliopt *table, FILE *out);

#endif
