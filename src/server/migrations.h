/*
 * migrations.h: the SQL migrations of db/migrations, compiled into lastroomd.
 *
 * The build generates their table (scripts/embed-migrations.sh) in file-name order.
 * lastroomd applies the pending ones at start, each in one transaction with its row in
 * schema_migrations, exactly as scripts/pg.sh does, so either may run first.
 */
#ifndef LASTROOM_SERVER_MIGRATIONS_H
#define LASTROOM_SERVER_MIGRATIONS_H

struct migration {
    const char *version;  /* file name without .sql, e.g. "0001_schema" */
    const char *sql;      /* the file's text */
};

extern const struct migration migrations_all[];
extern const int migrations_count;

#endif
