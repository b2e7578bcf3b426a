/*
 * migrate.h: apply the migrations compiled into lastroomd (migrations.h) to a database.
 *
 * Same bookkeeping as scripts/pg.sh: table schema_migrations(version), each pending
 * migration applied in one transaction with its row, under the transaction-level
 * advisory lock 7243001, so the script and any number of servers may race safely.
 */
#ifndef LASTROOM_SERVER_MIGRATE_H
#define LASTROOM_SERVER_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

/* migrate_apply: apply what is pending on conn. Returns the number applied, or -1 with
 * the reason in err (the failing migration rolled back; earlier ones stay). */
int migrate_apply(PGconn *conn, char *err, size_t errcap);

/* migrate_ensure_admin: create the admin with this email and password, or make the
 * existing user of that email admin with this password. Hashes on the calling thread.
 * Returns 0, or -1 with the reason in err. */
int migrate_ensure_admin(PGconn *conn, const char *email, const char *password, char *err, size_t errcap);

#endif
