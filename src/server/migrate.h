/*
 * migrate.h: apply the SQL compiled into lastroomd (migrations.h) to a database: the
 * pending versioned migrations (recorded in schema_migrations), then every function
 * file with CREATE OR REPLACE. Under one transaction-level advisory lock, so any number
 * of servers may race safely. `lastroomd migrate` is the only runner there is.
 */
#ifndef LASTROOM_SERVER_MIGRATE_H
#define LASTROOM_SERVER_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

/* migrate_apply: apply what is pending on conn, then the functions. Returns the number
 * of migrations applied, or -1 with the reason in err (the failing migration or the
 * function files rolled back; migrations applied before stay). */
int migrate_apply(PGconn *conn, char *err, size_t errcap);

/* migrate_ensure_admin: create the admin with this email and password, or make the
 * existing user of that email admin with this password. Hashes on the calling thread.
 * Returns 0, or -1 with the reason in err. */
int migrate_ensure_admin(PGconn *conn, const char *email, const char *password, char *err,
                         size_t errcap);

#endif
