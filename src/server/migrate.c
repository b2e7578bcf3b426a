/*
 * migrate.c: the embedded SQL applied at start, and the admin account ensured from the
 * environment.
 *
 * The one runner for the database (scripts/pg.sh calls `lastroomd migrate`): pending
 * versioned migrations first, each in its own transaction with its schema_migrations
 * row, then every function file in one transaction, so a start never leaves half the
 * functions of one version and half of another. Both hold the transaction-level
 * advisory lock MIGRATE_LOCK, so any number of servers may start at once.
 */
#include "server/migrate.h"

#include <stdio.h>
#include <string.h>

#include "server/auth.h"
#include "server/migrations.h"
#include "server/validate.h"

#define MIGRATE_LOCK "SELECT pg_advisory_xact_lock(7243001)"

static int run(PGconn *c, const char *sql, char *err, size_t errcap)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        snprintf(err, errcap, "%s", PQerrorMessage(c));
    PQclear(r);
    return ok ? 0 : -1;
}

/* applied: 1 when version is recorded, 0 when not, -1 on error. */
static int applied(PGconn *c, const char *version, char *err, size_t errcap)
{
    const char *params[1] = { version };
    PGresult *r = PQexecParams(c, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, NULL,
                               params, NULL, NULL, 0);
    int rc = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) > 0 : -1;
    if (rc < 0)
        snprintf(err, errcap, "%s", PQerrorMessage(c));
    PQclear(r);
    return rc;
}

static int apply_one(PGconn *c, const struct migration *m, char *err, size_t errcap)
{
    char msg[512];
    const char *params[1] = { m->version };
    if (run(c, "BEGIN", err, errcap) || run(c, MIGRATE_LOCK, err, errcap))
        return -1;
    int done = applied(c, m->version, err, errcap);
    if (done != 0) {
        run(c, "ROLLBACK", msg, sizeof msg);
        return done < 0 ? -1 : 0;
    }
    if (run(c, m->sql, msg, sizeof msg) != 0) {
        snprintf(err, errcap, "migration %s failed: %s", m->version, msg);
        run(c, "ROLLBACK", msg, sizeof msg);
        return -1;
    }
    PGresult *r = PQexecParams(c, "INSERT INTO schema_migrations(version) VALUES ($1)", 1, NULL,
                               params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok || run(c, "COMMIT", err, errcap) != 0) {
        run(c, "ROLLBACK", msg, sizeof msg);
        return -1;
    }
    return 1;
}

/* apply_functions: every db/functions file, in one transaction. Bodies are checked
 * when called, not when created (as pg_dump does), so the files' order never matters. */
static int apply_functions(PGconn *c, char *err, size_t errcap)
{
    char msg[512];
    if (run(c, "BEGIN", err, errcap) || run(c, MIGRATE_LOCK, err, errcap)
        || run(c, "SET LOCAL check_function_bodies = off", err, errcap))
        return -1;
    for (int i = 0; i < functions_count; i++) {
        if (run(c, functions_all[i].sql, msg, sizeof msg) != 0) {
            snprintf(err, errcap, "functions %s failed: %s", functions_all[i].version, msg);
            run(c, "ROLLBACK", msg, sizeof msg);
            return -1;
        }
    }
    if (run(c, "COMMIT", err, errcap) != 0) {
        run(c, "ROLLBACK", msg, sizeof msg);
        return -1;
    }
    return 0;
}

int migrate_apply(PGconn *conn, char *err, size_t errcap)
{
    int n = 0;
    if (run(conn, "SET client_min_messages = warning", err, errcap)
        || run(conn,
               "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, "
               "applied_at timestamptz NOT NULL DEFAULT now())",
               err, errcap))
        return -1;
    for (int i = 0; i < migrations_count; i++) {
        int rc = apply_one(conn, &migrations_all[i], err, errcap);
        if (rc < 0)
            return -1;
        n += rc;
    }
    return apply_functions(conn, err, errcap) == 0 ? n : -1;
}

int migrate_ensure_admin(PGconn *conn, const char *email, const char *password, char *err,
                         size_t errcap)
{
    char lower[256], hash[AUTH_HASH_MAX];
    const char *why;
    if (validate_email(email, strlen(email), lower, sizeof lower, &why) != 0
        || validate_password(strlen(password), &why) != 0) {
        snprintf(err, errcap, "LASTROOM_ADMIN_EMAIL/PASSWORD refused: %s", why);
        return -1;
    }
    if (auth_password_hash(password, strlen(password), hash) != 0) {
        snprintf(err, errcap, "cannot hash the admin password");
        return -1;
    }
    const char *params[2] = { lower, hash };
    PGresult *r =
        PQexecParams(conn, "SELECT api_ensure_admin($1, $2)", 2, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        snprintf(err, errcap, "cannot ensure the admin: %s", PQerrorMessage(conn));
    PQclear(r);
    return ok ? 0 : -1;
}
