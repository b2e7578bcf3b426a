/*
 * main.c: lastroomd's entry point: configuration, migrations, the admin account, then
 * the pools, the sweeper and the HTTP front; waits for SIGTERM/SIGINT and shuts down
 * in order (stop accepting, let deferred requests finish, close the pools). The only
 * place that prints to stdout/stderr directly and exits.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "server/log.h"
#include "server/api.h"
#include "server/api_db.h"
#include "server/auth.h"
#include "server/coalesce.h"
#include "server/config.h"
#include "server/http.h"
#include "server/migrate.h"
#include "server/pool.h"
#include "server/sweeper.h"

#define LOGIN_FAILURES_PER_MINUTE 10

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Connect for start-up. A database that is not reachable yet (started together with
 * lastroomd, or restarting while lastroomd restarts) is retried every 250 ms for up to
 * START_DB_WAIT_S, unless SIGTERM or SIGINT arrives (they are blocked by now, so the
 * pending set is polled). Returns the last attempt's connection, good or not. */
#define START_DB_WAIT_S 30
static PGconn *connect_at_start(const char *url)
{
    PGconn *c = pool_connect(url);
    for (int tries = 0; PQstatus(c) != CONNECTION_OK && tries < START_DB_WAIT_S * 4; tries++) {
        sigset_t pending;
        if (sigpending(&pending) == 0
            && (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT)))
            break;
        if (tries % 20 == 0)
            log_warn("database not reachable yet, retrying for up to %d s: %s", START_DB_WAIT_S,
                     PQerrorMessage(c));
        PQfinish(c);
        nanosleep(&(struct timespec){ .tv_nsec = 250 * 1000 * 1000 }, NULL);
        c = pool_connect(url);
    }
    return c;
}

static int prepare_database(const struct config *cfg, char *err, size_t errcap)
{
    PGconn *c = connect_at_start(cfg->migrate_db_url);
    int rc = 0;
    if (PQstatus(c) != CONNECTION_OK) {
        snprintf(err, errcap, "cannot connect to the database: %s", PQerrorMessage(c));
        rc = -1;
    } else if ((rc = migrate_apply(c, err, errcap)) >= 0) {
        log_info("migrations: %d applied", rc);
        rc = 0;
        if (!cfg->migrate_only && cfg->admin_email && *cfg->admin_email && cfg->admin_password)
            rc = migrate_ensure_admin(c, cfg->admin_email, cfg->admin_password, err, errcap);
    }
    PQfinish(c);
    return rc;
}

static int start_pools(const struct config *cfg, struct api_ctx *api, char *err, size_t errcap)
{
    struct pool_config db = {
        .conninfo = cfg->db_url,
        .size = cfg->pool_size,
        .wait_ms = cfg->pool_wait_ms,
        .statement_timeout_ms = cfg->statement_timeout_ms,
        .stmts = api_db_statements,
        .n_stmts = STMT_COUNT,
        .pooler_safe = cfg->pooler_safe,
    };
    struct pool_config read = db;
    read.conninfo = cfg->read_db_url;
    struct pool_config cpu = {
        .conninfo = NULL, .size = cfg->threads, .wait_ms = 30000, .max_queue = cfg->hash_queue
    };
    struct coalesce_config hold_cfg = { .kind = COALESCE_HOLDS,
                                        .max_batch = cfg->hold_batch,
                                        .concurrency = cfg->hold_concurrency,
                                        .turn_ms = cfg->hold_turn_ms,
                                        .wait_ms = cfg->pool_wait_ms };
    struct coalesce_config confirm_cfg = { .kind = COALESCE_CONFIRMS,
                                           .max_batch = cfg->confirm_batch,
                                           .concurrency = COALESCE_CONFIRM_LANES,
                                           .wait_ms = cfg->pool_wait_ms };
    api->db = pool_start(&db, err, errcap);
    if (api->db != NULL && cfg->hold_batch > 1
        && (api->holds = coalesce_start(api->db, &hold_cfg)) == NULL) {
        snprintf(err, errcap, "no memory for the hold coalescer");
        pool_stop(api->db);
        api->db = NULL;
    }
    if (api->db != NULL && cfg->confirm_batch > 1
        && (api->confirms = coalesce_start(api->db, &confirm_cfg)) == NULL) {
        snprintf(err, errcap, "no memory for the confirm coalescer");
        pool_stop(api->db); /* first: its timer may be calling the hold coalescer */
        coalesce_free(api->holds);
        api->holds = NULL;
        api->db = NULL;
    }
    api->cpu = api->db ? pool_start(&cpu, err, errcap) : NULL;
    if (api->cpu != NULL && cfg->read_db_url != NULL
        && (api->read = pool_start(&read, err, errcap)) == NULL) {
        pool_stop(api->cpu);
        api->cpu = NULL;
    }
    return api->cpu != NULL ? 0 : -1;
}

static int setup_auth(const struct config *cfg, struct api_ctx *api, char *err, size_t errcap)
{
    if (auth_key_load(cfg->token_secret, cfg->secret_file, api->key, err, errcap) != 0)
        return -1;
    if (auth_password_hash("lastroom-dummy-password", 23, api->dummy_hash) != 0) {
        snprintf(err, errcap, "cannot hash (out of memory?)");
        return -1;
    }
    api->logins = ratelimit_new(LOGIN_FAILURES_PER_MINUTE, 60 * 1000000LL);
    if (cfg->login_failures_per_addr > 0)
        api->login_addrs = ratelimit_new(cfg->login_failures_per_addr, 60 * 1000000LL);
    if (cfg->registrations_per_addr > 0)
        api->register_addrs = ratelimit_new(cfg->registrations_per_addr, 60 * 1000000LL);
    if (api->logins == NULL || (cfg->login_failures_per_addr > 0 && api->login_addrs == NULL)
        || (cfg->registrations_per_addr > 0 && api->register_addrs == NULL)) {
        snprintf(err, errcap, "no memory");
        return -1;
    }
    api->max_holds = cfg->max_holds_per_user;
    api->hold_ttl_ms = cfg->hold_ttl_ms;
    api->token_ttl_s = cfg->token_ttl_s;
    return 0;
}

static int wait_for_signal(void)
{
    sigset_t set;
    int sig = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigwait(&set, &sig);
    return sig;
}

static void block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The longest a deferred request can still take once shutdown began: a job already
 * on a worker runs its statement (statement timeout), and after a lost connection one
 * reconnect (5 s connect timeout) and one more run; queued jobs are refused at once. */
static int drain_grace_ms(const struct config *cfg)
{
    return 2 * (5000 + cfg->statement_timeout_ms) + 1000;
}

/* shut_down: drain the HTTP front and the pools together, then stop everything that
 * was started (NULL parts are skipped). Returns 0, or -1 when requests were still
 * deferred after the grace period (the process must then exit without waiting). */
static int shut_down(struct http_server *http, struct sweeper *sw, struct api_ctx *api,
                     const struct config *cfg)
{
    http_drain(http);
    pool_drain(api->cpu);
    pool_drain(api->read);
    pool_drain(api->db);
    if (http_stop(http, drain_grace_ms(cfg)) != 0)
        return -1;
    sweeper_stop(sw);
    pool_stop(api->cpu);
    pool_stop(api->read);
    pool_stop(api->db);
    coalesce_free(api->holds);
    coalesce_free(api->confirms);
    ratelimit_free(api->logins);
    ratelimit_free(api->login_addrs);
    ratelimit_free(api->register_addrs);
    return 0;
}

static int serve(const struct config *cfg)
{
    static struct api_ctx api;
    char err[512] = "";
    struct sweeper *sw = NULL;
    struct http_server *http = NULL;
    struct http_config hc = {
        .host = cfg->host,
        .port = cfg->port,
        .threads = cfg->threads,
        .max_connections = cfg->max_connections,
        .conn_timeout_s = cfg->conn_timeout_s,
        .per_ip_limit = cfg->max_conns_per_addr,
        .trusted_proxies = cfg->trusted_proxies,
        .body_max = api_body_max,
        .cls = &api,
        .req_open = api_req_open,
        .req_handle = api_handle,
        .req_close = api_req_close,
    };
    int ok =
        setup_auth(cfg, &api, err, sizeof err) == 0 && start_pools(cfg, &api, err, sizeof err) == 0;
    if (ok && (sw = sweeper_start(cfg->db_url, cfg->sweep_interval_ms)) == NULL)
        snprintf(err, sizeof err, "cannot start the sweeper");
    if (sw != NULL)
        http = http_start(&hc, err, sizeof err);
    if (http != NULL) {
        log_info("lastroomd listening on http://%s:%d (threads %d, pool %d, hold ttl %lldms, "
                 "max holds per user %d)",
                 cfg->host, cfg->port, cfg->threads, cfg->pool_size, (long long)cfg->hold_ttl_ms,
                 cfg->max_holds_per_user);
        log_debug(
            "settings: pool wait %lldms, token ttl %llds, token key from %s, max holds per user %d, "
            "failed logins per minute: %d per email, %d per address, sweep every %lldms, "
            "max connections %u (%u per address), registrations per address and minute %d, "
            "hash queue %d, idle timeout %us, statement timeout %lldms, hold batch %d "
            "(%d lanes at once, turns of %lldms), confirm batch %d",
            (long long)cfg->pool_wait_ms, (long long)cfg->token_ttl_s,
            cfg->token_secret && *cfg->token_secret ? "the given secret" : "the secret file",
            cfg->max_holds_per_user, LOGIN_FAILURES_PER_MINUTE, cfg->login_failures_per_addr,
            (long long)cfg->sweep_interval_ms, cfg->max_connections, cfg->max_conns_per_addr,
            cfg->registrations_per_addr, cfg->hash_queue, cfg->conn_timeout_s,
            (long long)cfg->statement_timeout_ms, cfg->hold_batch, cfg->hold_concurrency,
            (long long)cfg->hold_turn_ms, cfg->confirm_batch);
        log_info("signal %d: shutting down (within %d ms)", wait_for_signal(),
                 drain_grace_ms(cfg) + HTTP_DRAIN_IDLE_MS);
    } else {
        fprintf(stderr, "lastroomd: %s\n", err);
    }
    if (shut_down(http, sw, &api, cfg) != 0)
        _exit(1);
    if (http != NULL)
        log_info("stopped");
    return http != NULL ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    int rc = config_parse(argc, argv, &cfg, err, sizeof err);
    if (rc != 0) {
        fputs(rc > 0 ? config_usage() : "", rc > 0 ? stdout : stderr);
        if (rc < 0)
            fprintf(stderr, "lastroomd: %s\n%s", err, config_usage());
        return rc > 0 ? 0 : 2;
    }
    log_set_level(cfg.log_level);
    if (auth_init() != 0) {
        fprintf(stderr, "lastroomd: libsodium cannot be initialised\n");
        return 1;
    }
    if (cfg.secret_on_command_line)
        log_warn("--token-secret is visible to every user of this machine (ps, /proc); "
                 "give LASTROOM_TOKEN_SECRET or --secret-file instead");
    block_signals();
    raise_fd_limit();
    if (prepare_database(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "lastroomd: %s\n", err);
        return 1;
    }
    return cfg.migrate_only ? 0 : serve(&cfg);
}
