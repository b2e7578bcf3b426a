/* main.c: lastroom-faultproxy, a TCP proxy that injects network faults on command.
 *
 * It sits between lastroomd and PostgreSQL (or any TCP pair on this machine) and is
 * switched between pass, latency, reset, blackhole and down over a line-based control
 * channel; see --help and docs/reliability.md. This file parses options, wires signals,
 * prints the log and exits; the work is in proxy.c.
 */
#include "proxy/ctl.h"
#include "proxy/proxy.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lastroom-faultproxy --listen HOST:PORT --upstream HOST:PORT\n"
            "                           [--control 127.0.0.1:PORT] [--control-fifo PATH]\n"
            "                           [--max-conns N] [--buffer BYTES]\n"
            "\n"
            "Forwards TCP connections from --listen to --upstream and injects faults on command.\n"
            "Control commands, one per line, each answered with one line 'ok ...' or 'error ...':\n"
            "  mode pass                       forward bytes as they come\n"
            "  mode latency DELAY_MS [JITTER]  delay each forwarded chunk by DELAY plus 0..JITTER "
            "ms, in order\n"
            "  mode reset                      RST every connection, current and new\n"
            "  mode blackhole                  accept and read but forward nothing; hold "
            "connections open\n"
            "  mode down                       refuse new connections, close current ones\n"
            "  status                          mode, connections, bytes each way, faults applied\n"
            "  quit                            stop the proxy\n"
            "Replies to FIFO commands go to the log (stderr). SIGTERM or SIGINT stops cleanly.\n"
            "Defaults: --max-conns %d, --buffer %d (per connection, half each way).\n",
            PROXY_DEFAULT_MAX_CONNS, PROXY_DEFAULT_BUFFER);
}

static void log_line(void *ud, const char *msg)
{
    char ts[32];
    struct timespec now;
    struct tm tm;
    (void)ud;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03ldZ lastroom-faultproxy: %s\n", ts, now.tv_nsec / 1000000, msg);
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
        return -1;
    *out = (size_t)v;
    return 0;
}

/* Fill cfg from argv; returns 0, 1 after --help, 2 on a usage error. */
static int parse_args(int argc, char **argv, struct proxy_config *cfg)
{
    static const struct option opts[] = {
        { "listen", required_argument, NULL, 'l' },
        { "upstream", required_argument, NULL, 'u' },
        { "control", required_argument, NULL, 'c' },
        { "control-fifo", required_argument, NULL, 'f' },
        { "max-conns", required_argument, NULL, 'm' },
        { "buffer", required_argument, NULL, 'b' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'l': cfg->listen = optarg; break;
        case 'u': cfg->upstream = optarg; break;
        case 'c': cfg->control = optarg; break;
        case 'f': cfg->control_fifo = optarg; break;
        case 'm':
            if (parse_size(optarg, &cfg->max_conns) != 0)
                return 2;
            break;
        case 'b':
            if (parse_size(optarg, &cfg->buffer) != 0)
                return 2;
            break;
        case 'h': return 1;
        default: return 2;
        }
    }
    return optind == argc ? 0 : 2;
}

/* Raise the open-file limit to fit two descriptors per connection plus the control
 * channel; returns 0, or -1 when the hard limit is too low. */
static int fit_fd_limit(size_t max_conns)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)max_conns * 2 + CTL_MAX_CLIENTS + 32;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur >= need)
        return 0; /* RLIM_INFINITY is the largest rlim_t */
    if (rl.rlim_max < need)
        return -1;
    rl.rlim_cur = need;
    return setrlimit(RLIMIT_NOFILE, &rl);
}

/* Block SIGTERM and SIGINT and return a signalfd for them, or -1. */
static int signals_fd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int main(int argc, char **argv)
{
    struct proxy_config cfg = {
        .max_conns = PROXY_DEFAULT_MAX_CONNS,
        .buffer = PROXY_DEFAULT_BUFFER,
        .log = log_line,
    };
    char err[256];
    int rc = parse_args(argc, argv, &cfg);
    if (rc != 0) {
        usage(rc == 1 ? stdout : stderr);
        return rc == 1 ? 0 : 2;
    }
    if (fit_fd_limit(cfg.max_conns) != 0) {
        fprintf(stderr, "lastroom-faultproxy: the open-file limit is too low for --max-conns %zu\n",
                cfg.max_conns);
        return 1;
    }
    cfg.signal_fd = signals_fd();
    if (cfg.signal_fd < 0) {
        fprintf(stderr, "lastroom-faultproxy: signalfd: %s\n", strerror(errno));
        return 1;
    }
    struct proxy *p = proxy_open(&cfg, err, sizeof err);
    if (p == NULL) {
        fprintf(stderr, "lastroom-faultproxy: %s\n", err);
        close(cfg.signal_fd);
        return strstr(err, "required") != NULL || strstr(err, "must be") != NULL ? 2 : 1;
    }
    rc = proxy_run(p, err, sizeof err);
    proxy_close(p);
    close(cfg.signal_fd);
    if (rc != 0)
        fprintf(stderr, "lastroom-faultproxy: %s\n", err);
    else
        log_line(NULL, "stopped");
    return rc == 0 ? 0 : 1;
}
