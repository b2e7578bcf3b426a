/*
 * config.c: flag and environment parsing for lastroomd. Each option has one setter,
 * used for both its flag and its environment variable, so both obey the same rules.
 */
#include "server/config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/duration.h"
#include "server/auth.h"
#include "server/coalesce.h"
#include "server/http.h"

enum opt {
    OPT_DB = 'd',
    OPT_LISTEN = 'l',
    OPT_HELP = 'h',
    OPT_HOLD_TTL = 256,
    OPT_POOL_SIZE,
    OPT_POOL_WAIT,
    OPT_LOG_LEVEL,
    OPT_THREADS,
    OPT_SWEEP,
    OPT_SECRET,
    OPT_SECRET_FILE,
    OPT_TOKEN_TTL,
    OPT_MAX_CONN,
    OPT_CONN_TIMEOUT,
    OPT_STMT_TIMEOUT,
    OPT_MAX_HOLDS,
    OPT_ADDR_FAILURES,
    OPT_HOLD_BATCH,
    OPT_CONFIRM_BATCH,
    OPT_HOLD_CONCURRENCY,
    OPT_HOLD_TURN,
    OPT_POOLER_SAFE,
    OPT_MIGRATE_DB,
    OPT_READ_DB,
    OPT_CONN_PER_ADDR,
    OPT_REGISTER_PER_ADDR,
    OPT_TRUSTED_PROXY,
    OPT_HASH_QUEUE,
};

static const struct {
    const char *env;
    enum opt opt;
} env_map[] = {
    { "LASTROOM_DB_URL", OPT_DB },
    { "LASTROOM_LISTEN", OPT_LISTEN },
    { "LASTROOM_HOLD_TTL", OPT_HOLD_TTL },
    { "LASTROOM_POOL_SIZE", OPT_POOL_SIZE },
    { "LASTROOM_POOL_WAIT", OPT_POOL_WAIT },
    { "LASTROOM_LOG_LEVEL", OPT_LOG_LEVEL },
    { "LASTROOM_THREADS", OPT_THREADS },
    { "LASTROOM_SWEEP_INTERVAL", OPT_SWEEP },
    { "LASTROOM_TOKEN_SECRET", OPT_SECRET },
    { "LASTROOM_SECRET_FILE", OPT_SECRET_FILE },
    { "LASTROOM_TOKEN_TTL", OPT_TOKEN_TTL },
    { "LASTROOM_MAX_CONNECTIONS", OPT_MAX_CONN },
    { "LASTROOM_MAX_HOLDS_PER_USER", OPT_MAX_HOLDS },
    { "LASTROOM_HOLD_BATCH", OPT_HOLD_BATCH },
    { "LASTROOM_CONFIRM_BATCH", OPT_CONFIRM_BATCH },
    { "LASTROOM_HOLD_CONCURRENCY", OPT_HOLD_CONCURRENCY },
    { "LASTROOM_HOLD_TURN", OPT_HOLD_TURN },
    { "LASTROOM_LOGIN_FAILURES_PER_ADDRESS", OPT_ADDR_FAILURES },
    { "LASTROOM_TRUSTED_PROXY", OPT_TRUSTED_PROXY },
};

static const struct option long_opts[] = {
    { "db", required_argument, NULL, OPT_DB },
    { "listen", required_argument, NULL, OPT_LISTEN },
    { "hold-ttl", required_argument, NULL, OPT_HOLD_TTL },
    { "pool-size", required_argument, NULL, OPT_POOL_SIZE },
    { "pool-wait", required_argument, NULL, OPT_POOL_WAIT },
    { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
    { "threads", required_argument, NULL, OPT_THREADS },
    { "sweep-interval", required_argument, NULL, OPT_SWEEP },
    { "token-secret", required_argument, NULL, OPT_SECRET },
    { "secret-file", required_argument, NULL, OPT_SECRET_FILE },
    { "token-ttl", required_argument, NULL, OPT_TOKEN_TTL },
    { "max-connections", required_argument, NULL, OPT_MAX_CONN },
    { "conn-timeout", required_argument, NULL, OPT_CONN_TIMEOUT },
    { "statement-timeout", required_argument, NULL, OPT_STMT_TIMEOUT },
    { "max-holds-per-user", required_argument, NULL, OPT_MAX_HOLDS },
    { "hold-batch", required_argument, NULL, OPT_HOLD_BATCH },
    { "confirm-batch", required_argument, NULL, OPT_CONFIRM_BATCH },
    { "hold-concurrency", required_argument, NULL, OPT_HOLD_CONCURRENCY },
    { "hold-turn", required_argument, NULL, OPT_HOLD_TURN },
    { "login-failures-per-address", required_argument, NULL, OPT_ADDR_FAILURES },
    { "max-connections-per-address", required_argument, NULL, OPT_CONN_PER_ADDR },
    { "registrations-per-address", required_argument, NULL, OPT_REGISTER_PER_ADDR },
    { "trusted-proxy", required_argument, NULL, OPT_TRUSTED_PROXY },
    { "hash-queue", required_argument, NULL, OPT_HASH_QUEUE },
    { "pooler-safe", no_argument, NULL, OPT_POOLER_SAFE },
    { "migrate-db", required_argument, NULL, OPT_MIGRATE_DB },
    { "read-db", required_argument, NULL, OPT_READ_DB },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

const char *config_usage(void)
{
    return "usage: lastroomd [serve] [options]\n"
           "       lastroomd migrate --db URL\n"
           "\n"
           "  --db URL                 PostgreSQL URL (env LASTROOM_DB_URL; required)\n"
           "  --listen HOST:PORT       where to listen (env LASTROOM_LISTEN; default 127.0.0.1:8080)\n"
           "  --hold-ttl DURATION      life of a hold, k6 style: 900s, 15m (default 15m)\n"
           "  --pool-size N            database connections (env LASTROOM_POOL_SIZE; default 2 x cores + 1)\n"
           "  --pool-wait DURATION     longest wait for a connection before 503 (default 2s)\n"
           "  --log-level LEVEL        debug, info (one line per request), warn, error, off\n"
           "  --threads N              HTTP event threads (default: one per core)\n"
           "  --sweep-interval DUR     how often expired holds are released (default 1s)\n"
           "  --token-secret S         token signing secret, at least 32 characters (env\n"
           "                           LASTROOM_TOKEN_SECRET; the flag is visible in ps)\n"
           "  --secret-file PATH       where a generated secret is kept (default var/token-secret)\n"
           "  --token-ttl DURATION     life of a login token (default 1h)\n"
           "  --max-connections N      open HTTP connections at most (default 10000)\n"
           "  --conn-timeout DURATION  idle HTTP connection timeout (default 60s)\n"
           "  --statement-timeout DUR  PostgreSQL statement_timeout (default 10s)\n"
           "  --max-holds-per-user N   live holds one user may have at once (default 5; 0: no cap)\n"
           "  --hold-batch N           holds waiting in one lane (four, by room type) go to the\n"
           "                           database together, up to N per transaction (env\n"
           "                           LASTROOM_HOLD_BATCH; default 256; 0 or 1: one hold per\n"
           "                           transaction)\n"
           "  --confirm-batch N        confirms waiting together go to the database together, up\n"
           "                           to N per transaction (env LASTROOM_CONFIRM_BATCH; default\n"
           "                           64; 0 or 1: one confirm per transaction)\n"
           "  --hold-concurrency N     hold lanes in the database at once, 1 to 4; the others\n"
           "                           gather their holds meanwhile (env\n"
           "                           LASTROOM_HOLD_CONCURRENCY; default 2)\n"
           "  --hold-turn DURATION     a hold lane's turn lasts this long at most, then the\n"
           "                           next lane goes too (env LASTROOM_HOLD_TURN; default 50ms)\n"
           "  --login-failures-per-address N\n"
           "                           failed logins per client address and minute before 429\n"
           "                           (default 50; 0: no cap)\n"
           "  --max-connections-per-address N\n"
           "                           open HTTP connections per client address (default 0: no\n"
           "                           cap; a load test sends them all from one address)\n"
           "  --registrations-per-address N\n"
           "                           registrations per client address and minute before 429\n"
           "                           (default 0: no cap)\n"
           "  --trusted-proxy A,B      IPv4 addresses whose connections may start with a PROXY\n"
           "                           protocol header (v1 or v2) naming the client, which the\n"
           "                           per-address limits then see (env LASTROOM_TRUSTED_PROXY)\n"
           "  --hash-queue N           password hashes waiting at most; past them registration\n"
           "                           and login answer 503 busy (default 256)\n"
           "  --pooler-safe            for PgBouncer in transaction mode: unnamed statements,\n"
           "                           statement_timeout and TimeZone set per transaction\n"
           "  --migrate-db URL         migrations and the admin go here, not to --db (the\n"
           "                           primary itself when --db is a pooler; without it, --db)\n"
           "  --read-db URL            availability is read here (a standby: stale by at most\n"
           "                           its replication lag); without it, --db\n"
           "\n"
           "env LASTROOM_ADMIN_EMAIL + LASTROOM_ADMIN_PASSWORD: ensure that admin at start.\n"
           "Pending migrations are applied at start.\n";
}

/* said instead of the value, which is never echoed */
#define SECRET_TOO_SHORT "the secret is shorter than 32 characters"

static int parse_int(const char *v, long lo, long hi, long *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < lo || n > hi)
        return -1;
    *out = n;
    return 0;
}

static int parse_listen(struct config *c, const char *v)
{
    const char *colon = strrchr(v, ':');
    long port;
    const char *p = colon ? colon + 1 : v;
    size_t hl = colon ? (size_t)(colon - v) : 0;
    if (parse_int(p, 0, 65535, &port) != 0 || hl >= sizeof c->host)
        return -1;
    if (hl > 0) {
        memcpy(c->host, v, hl);
        c->host[hl] = '\0';
    }
    c->port = (int)port;
    return 0;
}

static int set_duration(const char *v, int64_t min_ms, int64_t *out)
{
    int64_t ms;
    if (duration_parse_ms(v, &ms) != 0 || ms < min_ms)
        return -1;
    *out = ms;
    return 0;
}

static int set_number(struct config *c, int opt, const char *v)
{
    long n;
    int64_t ms;
    switch (opt) {
    case OPT_POOL_SIZE:
        if (parse_int(v, 1, 1000, &n))
            return -1;
        c->pool_size = (int)n;
        return 0;
    case OPT_THREADS:
        if (parse_int(v, 1, 256, &n))
            return -1;
        c->threads = (int)n;
        return 0;
    case OPT_MAX_CONN:
        if (parse_int(v, 16, 1000000, &n))
            return -1;
        c->max_connections = (unsigned)n;
        return 0;
    case OPT_CONN_PER_ADDR:
        if (parse_int(v, 0, 1000000, &n))
            return -1;
        c->max_conns_per_addr = (unsigned)n;
        return 0;
    case OPT_REGISTER_PER_ADDR:
        if (parse_int(v, 0, 1000000, &n))
            return -1;
        c->registrations_per_addr = (int)n;
        return 0;
    case OPT_HASH_QUEUE:
        if (parse_int(v, 1, 1000000, &n))
            return -1;
        c->hash_queue = (int)n;
        return 0;
    case OPT_MAX_HOLDS:
        if (parse_int(v, 0, 1000000, &n))
            return -1;
        c->max_holds_per_user = (int)n;
        return 0;
    case OPT_HOLD_BATCH:
        if (parse_int(v, 0, 1000, &n))
            return -1;
        c->hold_batch = (int)n;
        return 0;
    case OPT_CONFIRM_BATCH:
        if (parse_int(v, 0, 1000, &n))
            return -1;
        c->confirm_batch = (int)n;
        return 0;
    case OPT_HOLD_CONCURRENCY:
        if (parse_int(v, 1, COALESCE_HOLD_LANES, &n))
            return -1;
        c->hold_concurrency = (int)n;
        return 0;
    case OPT_ADDR_FAILURES:
        if (parse_int(v, 0, 1000000, &n))
            return -1;
        c->login_failures_per_addr = (int)n;
        return 0;
    case OPT_HOLD_TTL: return set_duration(v, 1, &c->hold_ttl_ms);
    case OPT_POOL_WAIT: return set_duration(v, 1, &c->pool_wait_ms);
    case OPT_HOLD_TURN: return set_duration(v, 1, &c->hold_turn_ms);
    case OPT_SWEEP: return set_duration(v, 10, &c->sweep_interval_ms);
    case OPT_TOKEN_TTL:
        if (set_duration(v, 1000, &ms))
            return -1;
        c->token_ttl_s = ms / 1000;
        return 0;
    case OPT_CONN_TIMEOUT:
        if (set_duration(v, 1000, &ms))
            return -1;
        c->conn_timeout_s = (unsigned)(ms / 1000);
        return 0;
    case OPT_STMT_TIMEOUT:
        if (set_duration(v, 1, &ms) || ms > 3600000)
            return -1;
        c->statement_timeout_ms = (int)ms;
        return 0;
    default: return -1;
    }
}

static int set_opt(struct config *c, int opt, const char *v)
{
    struct in_addr trusted[HTTP_MAX_TRUSTED];
    switch (opt) {
    case OPT_DB: c->db_url = v; return 0;
    case OPT_MIGRATE_DB: c->migrate_db_url = v; return 0;
    case OPT_READ_DB: c->read_db_url = v; return 0;
    case OPT_POOLER_SAFE: c->pooler_safe = 1; return 0;
    case OPT_LISTEN: return parse_listen(c, v);
    case OPT_SECRET:
        if (strlen(v) < AUTH_SECRET_MIN)
            return -1;
        c->token_secret = v;
        return 0;
    case OPT_SECRET_FILE: c->secret_file = v; return 0;
    case OPT_TRUSTED_PROXY:
        c->trusted_proxies = v;
        return http_trusted_parse(v, trusted) < 0 ? -1 : 0;
    case OPT_LOG_LEVEL: return log_level_parse(v, &c->log_level);
    default: return set_number(c, opt, v);
    }
}

static void defaults(struct config *c)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    memset(c, 0, sizeof *c);
    if (cores < 1)
        cores = 1;
    snprintf(c->host, sizeof c->host, "127.0.0.1");
    c->port = 8080;
    c->hold_ttl_ms = 15 * 60 * 1000;
    c->pool_size = (int)(2 * cores + 1);
    c->pool_wait_ms = 2000;
    c->log_level = LOG_INFO;
    c->threads = (int)cores;
    c->sweep_interval_ms = 1000;
    c->secret_file = "var/token-secret";
    c->token_ttl_s = 3600;
    c->max_connections = 10000;
    c->conn_timeout_s = 60;
    c->statement_timeout_ms = 10000;
    c->max_holds_per_user = 5;
    c->hold_batch = 256;
    c->confirm_batch = 64;
    c->hold_concurrency = 2;
    c->hold_turn_ms = 50;
    c->login_failures_per_addr = 50;
    c->hash_queue = 256;
}

static const char *opt_name(int opt)
{
    for (const struct option *o = long_opts; o->name; o++)
        if (o->val == opt)
            return o->name;
    return "?";
}

int config_parse(int argc, char **argv, struct config *c, char *err, size_t errcap)
{
    defaults(c);
    c->admin_email = getenv("LASTROOM_ADMIN_EMAIL");
    c->admin_password = getenv("LASTROOM_ADMIN_PASSWORD");
    for (size_t i = 0; i < sizeof env_map / sizeof env_map[0]; i++) {
        const char *v = getenv(env_map[i].env);
        if (v != NULL && *v != '\0' && set_opt(c, env_map[i].opt, v) != 0) {
            snprintf(err, errcap, "bad value in %s: %s", env_map[i].env,
                     env_map[i].opt == OPT_SECRET ? SECRET_TOO_SHORT : v);
            return -1;
        }
    }
    if (argc > 1 && (strcmp(argv[1], "migrate") == 0 || strcmp(argv[1], "serve") == 0)) {
        c->migrate_only = strcmp(argv[1], "migrate") == 0;
        argv[1] = argv[0];
        argc--;
        argv++;
    }
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "d:l:h", long_opts, NULL)) != -1) {
        if (opt == OPT_HELP)
            return 1;
        if (opt == '?' || opt == ':') {
            snprintf(err, errcap, "unknown option or missing value: %s", argv[optind - 1]);
            return -1;
        }
        if (set_opt(c, opt, optarg) != 0) {
            snprintf(err, errcap, "bad value for --%s: %s", opt_name(opt),
                     opt == OPT_SECRET ? SECRET_TOO_SHORT : optarg);
            return -1;
        }
        c->secret_on_command_line |= opt == OPT_SECRET;
    }
    if (optind < argc) {
        snprintf(err, errcap, "unexpected argument: %s", argv[optind]);
        return -1;
    }
    if (c->db_url == NULL || *c->db_url == '\0') {
        snprintf(err, errcap, "no database: give --db URL or LASTROOM_DB_URL");
        return -1;
    }
    if (c->migrate_db_url == NULL || *c->migrate_db_url == '\0')
        c->migrate_db_url = c->db_url;
    return 0;
}
