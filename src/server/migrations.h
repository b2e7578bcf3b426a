/*
 * migrations.h: the SQL of db/, compiled into lastroomd.
 *
 * The build generates two tables (scripts/embed-migrations.sh), each in file-name order:
 * the versioned schema migrations of db/migrations, applied once each and recorded in
 * schema_migrations, and the function files of db/functions, applied with CREATE OR
 * REPLACE on every start (migrate.c), so that each function is defined in one place.
 */
#ifndef LASTROOM_SERVER_MIGRATIONS_H
#define LASTROOM_SERVER_MIGRATIONS_H

struct migration {
    const char *version; /* file name without .sql, e.g. "0001_schema", "10_booking" */
    const char *sql;     /* the file's text */
};

extern const struct migration migrations_all[];
extern const int migrations_count;
extern const struct migration functions_all[];
extern const int functions_count;

#endif
