/* proxy.h: lastroom-faultproxy's engine: a single-threaded epoll TCP proxy whose fault
 * mode (pass, latency, reset, blackhole, down) is switched at run time over ctl. */
#ifndef LASTROOM_PROXY_PROXY_H
#define LASTROOM_PROXY_PROXY_H

#include <stddef.h>
#include <stdint.h>

#define PROXY_DEFAULT_MAX_CONNS 1024
#define PROXY_LIMIT_MAX_CONNS   16384
#define PROXY_DEFAULT_BUFFER    (256 * 1024) /* per connection, split between directions */
#define PROXY_MIN_BUFFER        (2 * 1024)
#define PROXY_LIMIT_BUFFER      (64 * 1024 * 1024)

/* proxy_log_fn: told one line (no newline) about each notable event. */
typedef void (*proxy_log_fn)(void *ud, const char *msg);

struct proxy_config {
    const char *listen;       /* "127.0.0.1:PORT" clients connect here */
    const char *upstream;     /* "127.0.0.1:PORT" the real server */
    const char *control;      /* loopback "HOST:PORT" for commands, or NULL */
    const char *control_fifo; /* FIFO path for commands, or NULL */
    size_t max_conns;         /* 1..PROXY_LIMIT_MAX_CONNS */
    size_t buffer;            /* bytes per connection, PROXY_MIN_BUFFER..PROXY_LIMIT_BUFFER */
    int signal_fd;            /* a signalfd: any signal read from it stops proxy_run; -1 for none */
    proxy_log_fn log;         /* may be NULL */
    void *log_ud;
};

struct proxy_stats {
    uint64_t accepted;        /* client connections accepted and proxied */
    uint64_t bytes_up;        /* client -> upstream, bytes written */
    uint64_t bytes_down;      /* upstream -> client, bytes written */
    uint64_t resets;          /* connections ended with RST by the reset mode */
    uint64_t closed;          /* connections closed by the down mode */
    uint64_t delayed;         /* chunks delayed by the latency mode */
    uint64_t held;            /* chunks held by the blackhole mode */
    uint64_t overflow;        /* connections refused because max_conns were open */
    uint64_t upstream_errors; /* upstream connects that failed */
};

struct proxy;

/* proxy_open: validate cfg, listen, open the control channel. The proxy starts in
 * pass mode. Returns the proxy, or NULL with a reason in err (nothing left open). */
struct proxy *proxy_open(const struct proxy_config *cfg, char *err, size_t errlen);

/* proxy_run: serve until a signal arrives on cfg->signal_fd or "quit" is received.
 * Returns 0, or -1 with a reason in err when the event loop itself fails. */
int proxy_run(struct proxy *p, char *err, size_t errlen);

/* proxy_exec: run one control line (as if received on the control channel) and write
 * its one-line reply ("ok ..." or "error ...") into reply. */
void proxy_exec(struct proxy *p, const char *line, char *reply, size_t n);

/* proxy_close: close every connection and socket and free p (NULL is fine). */
void proxy_close(struct proxy *p);

#endif
