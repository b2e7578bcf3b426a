/*
 * config.h: lastroomd's configuration from flags and environment (flags win).
 *
 *   lastroomd [serve] [options]     serve the API (migrations applied first)
 *   lastroomd migrate --db URL      apply pending migrations and exit
 *
 * The strings point into argv or the environment; nothing is allocated.
 */
#ifndef LASTROOM_SERVER_CONFIG_H
#define LASTROOM_SERVER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "server/log.h"

struct config {
    const char *db_url;
    const char *migrate_db_url; /* migrations and the admin; --db when not given */
    const char *read_db_url;    /* availability reads; NULL: --db */
    int pooler_safe;            /* no named statements, settings per transaction */
    char host[64];
    int port;
    int64_t hold_ttl_ms;
    int pool_size;
    int64_t pool_wait_ms;
    enum log_level log_level;
    int threads;
    int64_t sweep_interval_ms;
    const char *token_secret;
    int secret_on_command_line; /* --token-secret: visible to every user in ps */
    const char *secret_file;
    int64_t token_ttl_s;
    unsigned max_connections;
    unsigned conn_timeout_s;
    int statement_timeout_ms;
    int max_holds_per_user;      /* live holds per user; 0: no cap */
    int hold_batch;              /* holds per batch transaction (coalesce.h); <= 1: off */
    int confirm_batch;           /* confirms per batch transaction (coalesce.h); <= 1: off */
    int hold_concurrency;        /* hold lanes in the database at once (coalesce.h) */
    int64_t hold_turn_ms;        /* a hold lane's turn lasts this long at most */
    int login_failures_per_addr; /* failed logins per client address and minute; 0: no cap */
    unsigned max_conns_per_addr; /* open connections per client address; 0: no cap */
    int registrations_per_addr;  /* registrations per client address and minute; 0: no cap */
    const char *trusted_proxies; /* comma-separated IPv4 addresses; NULL: none */
    int hash_queue;              /* password hashes waiting at most, before 503 busy */
    int migrate_only;
    const char *admin_email;
    const char *admin_password;
};

/* config_parse: defaults, then LASTROOM_* environment, then flags. Returns 0, 1 when
 * --help was asked for, or -1 with the reason in err. */
int config_parse(int argc, char **argv, struct config *c, char *err, size_t errcap);

/* config_usage: the --help text. */
const char *config_usage(void);

#endif
