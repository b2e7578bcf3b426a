/* proxy.c: lastroom-faultproxy's engine (see proxy.h).
 *
 * One thread, one epoll set, level-triggered. Each client connection is paired with
 * one upstream connection; each direction is a struct chan of half the configured
 * buffer. Backpressure is plain: a side is read only while its chan has room, so a slow
 * reader slows the writer down through TCP. The fault mode decides when read bytes may
 * leave: at once (pass), after a delay plus jitter (latency), never until the mode
 * changes (blackhole: bytes are read until the buffer is full, then held; new clients
 * are accepted and connect upstream only once the blackhole ends). Reset ends every
 * connection, current and new, with a TCP RST; down closes the listener, so connects
 * are refused, and closes every connection.
 *
 * Epoll cookies start with a tag (see ctl.h for the control channel's). A connection
 * closed while a batch of events is being handled is kept on a dead list until the
 * batch is over, so a later event of the same batch never reaches freed memory.
 */
#include "proxy/proxy.h"

#include "proxy/addr.h"
#include "proxy/chan.h"
#include "proxy/ctl.h"
#include "proxy/fault.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

enum { TAG_LISTENER = 1, TAG_SIGNAL, TAG_SIDE };
enum { CLIENT = 0, UPSTREAM = 1 };
#define EVENT_BATCH        64
#define READS_PER_WAKEUP   16
#define ACCEPTS_PER_WAKEUP 64

struct conn;

struct side {
    unsigned tag; /* TAG_SIDE: must stay first */
    struct conn *conn;
    int fd; /* -1 when not open */
    bool registered;
    uint32_t events;
};

struct conn {
    struct side side[2]; /* CLIENT, UPSTREAM */
    struct chan ch[2];   /* ch[i] carries bytes read from side[i] to side[1 - i] */
    bool blocked[2];     /* the sink of ch[i] was full at the last flush */
    bool connecting;     /* the upstream connect is under way */
    bool dead;
    size_t slot; /* index in proxy.conns */
    struct conn *next_dead;
};

struct proxy {
    struct proxy_config cfg;
    struct sockaddr_in listen_sa, upstream_sa;
    int epfd, lfd;
    unsigned listener_tag, signal_tag;
    struct ctl *ctl;
    struct fault_mode mode;
    struct conn **conns;
    size_t nconns;
    struct conn *dead;
    struct proxy_stats st;
    uint64_t rng;
    bool stop;
};

__attribute__((format(printf, 2, 3))) static void say(struct proxy *p, const char *fmt, ...)
{
    if (p->cfg.log == NULL)
        return;
    char msg[CTL_REPLY_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->cfg.log(p->cfg.log_ud, msg);
}

/* ---- connections ---------------------------------------------------------------- */

/* Events wanted on side i; a side with nothing left to do is taken out of the set. */
static bool side_wanted(const struct conn *c, int i, uint32_t *events)
{
    *events = 0;
    if (i == UPSTREAM && c->connecting) {
        *events = EPOLLOUT;
        return true;
    }
    if (!c->ch[i].eof && chan_can_fill(&c->ch[i]))
        *events |= EPOLLIN;
    if (c->blocked[1 - i])
        *events |= EPOLLOUT;
    return !c->ch[i].eof || !c->ch[1 - i].shut;
}

static int side_sync(struct proxy *p, struct conn *c, int i)
{
    struct side *s = &c->side[i];
    uint32_t events;
    if (s->fd < 0)
        return 0;
    bool want = side_wanted(c, i, &events);
    struct epoll_event ev = { .events = events, .data.ptr = s };
    if (!want) {
        if (s->registered && epoll_ctl(p->epfd, EPOLL_CTL_DEL, s->fd, NULL) != 0)
            return -1;
        s->registered = false;
        return 0;
    }
    if (s->registered && s->events == events)
        return 0;
    if (epoll_ctl(p->epfd, s->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s->fd, &ev) != 0)
        return -1;
    s->registered = true;
    s->events = events;
    return 0;
}

static void conn_kill(struct proxy *p, struct conn *c, bool rst)
{
    if (c->dead)
        return;
    for (int i = 0; i < 2; i++) {
        if (c->side[i].fd < 0)
            continue;
        if (rst)
            addr_close_rst(c->side[i].fd);
        else
            close(c->side[i].fd);
        c->side[i].fd = -1;
    }
    chan_free(&c->ch[CLIENT]);
    chan_free(&c->ch[UPSTREAM]);
    c->dead = true;
    p->conns[c->slot] = p->conns[--p->nconns];
    p->conns[c->slot]->slot = c->slot;
    c->next_dead = p->dead;
    p->dead = c;
}

/* Free the connections killed during the last batch of events. */
static void reap(struct proxy *p)
{
    while (p->dead != NULL) {
        struct conn *c = p->dead;
        p->dead = c->next_dead;
        free(c);
    }
}

static void conn_sync(struct proxy *p, struct conn *c)
{
    if (side_sync(p, c, CLIENT) != 0 || side_sync(p, c, UPSTREAM) != 0)
        conn_kill(p, c, true);
}

static void conn_start_upstream(struct proxy *p, struct conn *c)
{
    bool in_progress;
    int fd = addr_connect(&p->upstream_sa, &in_progress);
    if (fd < 0) {
        p->st.upstream_errors++;
        conn_kill(p, c, true);
        return;
    }
    c->side[UPSTREAM].fd = fd;
    c->connecting = in_progress;
    conn_sync(p, c);
}

static void conn_finish_connect(struct proxy *p, struct conn *c)
{
    int err = 0;
    socklen_t len = sizeof err;
    c->connecting = false;
    if (getsockopt(c->side[UPSTREAM].fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        p->st.upstream_errors++;
        conn_kill(p, c, true);
    }
}

static void conn_new(struct proxy *p, int fd)
{
    struct conn *c = calloc(1, sizeof *c);
    size_t half = p->cfg.buffer / 2;
    if (c == NULL || chan_init(&c->ch[0], half) != 0 || chan_init(&c->ch[1], half) != 0) {
        if (c != NULL) {
            chan_free(&c->ch[0]);
            free(c);
        }
        addr_close_rst(fd);
        return;
    }
    for (int i = 0; i < 2; i++) {
        c->side[i].tag = TAG_SIDE;
        c->side[i].conn = c;
        c->side[i].fd = -1;
    }
    c->side[CLIENT].fd = fd;
    c->slot = p->nconns;
    p->conns[p->nconns++] = c;
    p->st.accepted++;
    if (p->mode.kind == FAULT_BLACKHOLE)
        conn_sync(p, c);
    else
        conn_start_upstream(p, c);
}

/* When may bytes read at now leave, under the current mode. */
static int64_t release_time(struct proxy *p, int64_t now)
{
    if (p->mode.kind == FAULT_BLACKHOLE)
        return CHAN_HELD;
    return now + fault_delay_us(&p->mode, &p->rng);
}

/* Read what side i has for us, within the room of its chan. Returns 0 or -1 on error. */
static int conn_read(struct proxy *p, struct conn *c, int i)
{
    for (int round = 0; round < READS_PER_WAKEUP; round++) {
        size_t n;
        enum chan_io r = chan_fill(&c->ch[i], c->side[i].fd, release_time(p, clock_mono_us()), &n);
        if (r == CHAN_ERROR)
            return -1;
        if (r != CHAN_OK)
            return 0;
        if (p->mode.kind == FAULT_BLACKHOLE)
            p->st.held++;
        else if (p->mode.kind == FAULT_LATENCY)
            p->st.delayed++;
    }
    return 0;
}

/* Write what is due in both directions; tell a sink once its source has ended.
 * Returns 1 when both directions are over, 0 while the connection lives on, -1 on error. */
static int conn_pump(struct proxy *p, struct conn *c, int64_t now)
{
    if (p->mode.kind == FAULT_BLACKHOLE)
        return 0;
    for (int i = 0; i < 2; i++) {
        struct side *sink = &c->side[1 - i];
        size_t n;
        if (sink->fd < 0 || (1 - i == UPSTREAM && c->connecting))
            continue;
        enum chan_io r = chan_flush(&c->ch[i], sink->fd, now, &n);
        if (i == CLIENT)
            p->st.bytes_up += n;
        else
            p->st.bytes_down += n;
        if (r == CHAN_ERROR)
            return -1;
        c->blocked[i] = (r == CHAN_AGAIN);
        if (c->ch[i].eof && chan_pending(&c->ch[i]) == 0 && !c->ch[i].shut) {
            shutdown(sink->fd, SHUT_WR);
            c->ch[i].shut = true;
        }
    }
    return c->ch[0].shut && c->ch[1].shut;
}

static void conn_service(struct proxy *p, struct conn *c, int64_t now)
{
    int r = conn_pump(p, c, now);
    if (r != 0)
        conn_kill(p, c, r < 0);
    else
        conn_sync(p, c);
}

static void conn_on_event(struct proxy *p, struct side *s, uint32_t events)
{
    struct conn *c = s->conn;
    int i = (int)(s - c->side);
    if (c->dead)
        return;
    if (i == UPSTREAM && c->connecting) {
        conn_finish_connect(p, c);
    } else if (events & EPOLLERR) {
        conn_kill(p, c, true);
    } else if ((events & (EPOLLIN | EPOLLHUP)) && conn_read(p, c, i) != 0) {
        conn_kill(p, c, true);
    }
    if (!c->dead)
        conn_service(p, c, clock_mono_us());
}

/* ---- listener and modes --------------------------------------------------------- */

static int listener_open(struct proxy *p)
{
    p->lfd = addr_listen(&p->listen_sa);
    if (p->lfd < 0)
        return -1;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &p->listener_tag };
    if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->lfd, &ev) == 0)
        return 0;
    int e = errno;
    close(p->lfd);
    p->lfd = -1;
    errno = e;
    return -1;
}

static void listener_close(struct proxy *p)
{
    if (p->lfd >= 0)
        close(p->lfd);
    p->lfd = -1;
}

static void accept_clients(struct proxy *p)
{
    for (int round = 0; round < ACCEPTS_PER_WAKEUP && p->lfd >= 0; round++) {
        int fd = accept4(p->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (p->mode.kind == FAULT_RESET) {
            addr_close_rst(fd);
            p->st.resets++;
        } else if (p->nconns >= p->cfg.max_conns) {
            addr_close_rst(fd);
            p->st.overflow++;
        } else {
            conn_new(p, fd);
        }
    }
}

/* End every connection; returns how many there were. */
static size_t kill_all(struct proxy *p, bool rst)
{
    size_t n = p->nconns;
    while (p->nconns > 0)
        conn_kill(p, p->conns[p->nconns - 1], rst);
    return n;
}

/* Leaving the blackhole: held bytes leave now (plus the new mode's delay) and the
 * connections accepted meanwhile connect upstream. */
static void end_blackhole(struct proxy *p)
{
    int64_t now = clock_mono_us();
    for (size_t k = p->nconns; k-- > 0;) {
        struct conn *c = p->conns[k];
        for (int i = 0; i < 2; i++)
            chan_retime_held(&c->ch[i], now + fault_delay_us(&p->mode, &p->rng));
        if (c->side[UPSTREAM].fd < 0)
            conn_start_upstream(p, c);
    }
}

static void set_mode(struct proxy *p, const struct fault_mode *m, char *reply, size_t n)
{
    enum fault_kind old = p->mode.kind;
    char desc[96];
    size_t ended = 0;
    if (old == FAULT_DOWN && m->kind != FAULT_DOWN && p->lfd < 0 && listener_open(p) != 0) {
        snprintf(reply, n, "error cannot listen again: %s", strerror(errno));
        return;
    }
    p->mode = *m;
    if (m->kind == FAULT_RESET) {
        ended = kill_all(p, true);
        p->st.resets += ended;
    } else if (m->kind == FAULT_DOWN) {
        ended = kill_all(p, false);
        p->st.closed += ended;
        listener_close(p);
    } else if (old == FAULT_BLACKHOLE && m->kind != FAULT_BLACKHOLE) {
        end_blackhole(p);
    }
    fault_describe(m, desc, sizeof desc);
    say(p, "%s (was %s), %zu connections ended", desc, fault_name(old), ended);
    snprintf(reply, n, "ok %s ended=%zu", desc, ended);
}

static void status(const struct proxy *p, char *reply, size_t n)
{
    char desc[96];
    const struct proxy_stats *s = &p->st;
    fault_describe(&p->mode, desc, sizeof desc);
    snprintf(reply, n,
             "ok %s conns=%zu accepted=%llu bytes_up=%llu bytes_down=%llu faults=%llu"
             " resets=%llu closed=%llu delayed=%llu held=%llu overflow=%llu upstream_errors=%llu",
             desc, p->nconns, (unsigned long long)s->accepted, (unsigned long long)s->bytes_up,
             (unsigned long long)s->bytes_down,
             (unsigned long long)(s->resets + s->closed + s->delayed + s->held),
             (unsigned long long)s->resets, (unsigned long long)s->closed,
             (unsigned long long)s->delayed, (unsigned long long)s->held,
             (unsigned long long)s->overflow, (unsigned long long)s->upstream_errors);
}

void proxy_exec(struct proxy *p, const char *line, char *reply, size_t n)
{
    struct fault_cmd cmd;
    char err[128];
    if (fault_parse(line, &cmd, err, sizeof err) != 0) {
        snprintf(reply, n, "error %s", err);
        return;
    }
    switch (cmd.verb) {
    case FAULT_CMD_MODE: set_mode(p, &cmd.mode, reply, n); break;
    case FAULT_CMD_STATUS: status(p, reply, n); break;
    case FAULT_CMD_QUIT:
        p->stop = true;
        say(p, "quit received");
        snprintf(reply, n, "ok bye");
        break;
    case FAULT_CMD_HELP:
        snprintf(reply, n,
                 "ok commands: mode pass | mode latency DELAY_MS [JITTER_MS] | mode reset"
                 " | mode blackhole | mode down | status | quit");
        break;
    }
}

static void exec_cb(void *ud, const char *line, char *reply, size_t n)
{
    proxy_exec(ud, line, reply, n);
}

static void note_cb(void *ud, const char *line, const char *reply)
{
    say(ud, "control fifo: %s -> %s", line, reply);
}

/* ---- the loop ------------------------------------------------------------------- */

static void on_signal(struct proxy *p)
{
    struct signalfd_siginfo si;
    if (read(p->cfg.signal_fd, &si, sizeof si) == (ssize_t)sizeof si) {
        say(p, "signal %u received, shutting down", si.ssi_signo);
        p->stop = true;
    }
}

static void dispatch(struct proxy *p, void *cookie, uint32_t events)
{
    unsigned tag = *(unsigned *)cookie;
    if (tag == CTL_TAG)
        ctl_on_event(p->ctl, cookie, events);
    else if (tag == TAG_LISTENER)
        accept_clients(p);
    else if (tag == TAG_SIGNAL)
        on_signal(p);
    else if (tag == TAG_SIDE)
        conn_on_event(p, cookie, events);
}

/* Flush what has come due on every connection with bytes in flight; return the epoll
 * timeout (ms) until the next chunk is due, or -1. */
static int service_due(struct proxy *p)
{
    int64_t now = clock_mono_us(), next = -1;
    for (size_t k = p->nconns; k-- > 0;) {
        struct conn *c = p->conns[k];
        if (chan_pending(&c->ch[0]) == 0 && chan_pending(&c->ch[1]) == 0)
            continue;
        conn_service(p, c, now);
        for (int i = 0; i < 2 && !c->dead; i++) {
            int64_t t = chan_next_release(&c->ch[i], now);
            if (t >= 0 && (next < 0 || t < next))
                next = t;
        }
    }
    reap(p);
    if (next < 0)
        return -1;
    int64_t ms = (next - now + 999) / 1000;
    return ms > 60000 ? 60000 : (int)ms;
}

int proxy_run(struct proxy *p, char *err, size_t errlen)
{
    struct epoll_event evs[EVENT_BATCH];
    int timeout = -1;
    say(p, "proxying %s -> %s", p->cfg.listen, p->cfg.upstream);
    while (!p->stop) {
        int n = epoll_wait(p->epfd, evs, EVENT_BATCH, timeout);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "epoll_wait: %s", strerror(errno));
            return -1;
        }
        for (int k = 0; k < n; k++)
            dispatch(p, evs[k].data.ptr, evs[k].events);
        reap(p);
        timeout = service_due(p);
    }
    return 0;
}

/* ---- set-up --------------------------------------------------------------------- */

static int check_config(struct proxy *p, const struct proxy_config *cfg, char *err, size_t errlen)
{
    if (cfg->listen == NULL || cfg->upstream == NULL) {
        snprintf(err, errlen, "--listen and --upstream are required");
        return -1;
    }
    if (cfg->max_conns < 1 || cfg->max_conns > PROXY_LIMIT_MAX_CONNS
        || cfg->buffer < PROXY_MIN_BUFFER || cfg->buffer > PROXY_LIMIT_BUFFER) {
        snprintf(err, errlen, "max connections must be 1..%d and buffer %d..%d bytes",
                 PROXY_LIMIT_MAX_CONNS, PROXY_MIN_BUFFER, PROXY_LIMIT_BUFFER);
        return -1;
    }
    if (addr_parse(cfg->listen, &p->listen_sa, err, errlen) != 0
        || addr_parse(cfg->upstream, &p->upstream_sa, err, errlen) != 0)
        return -1;
    return 0;
}

static int open_fds(struct proxy *p, char *err, size_t errlen)
{
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (p->epfd < 0 || listener_open(p) != 0) {
        snprintf(err, errlen, "listen %s: %s", p->cfg.listen, strerror(errno));
        return -1;
    }
    if (p->cfg.signal_fd >= 0) {
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &p->signal_tag };
        if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->cfg.signal_fd, &ev) != 0) {
            snprintf(err, errlen, "epoll: %s", strerror(errno));
            return -1;
        }
    }
    if (p->cfg.control == NULL && p->cfg.control_fifo == NULL)
        return 0;
    p->ctl =
        ctl_open(p->epfd, p->cfg.control, p->cfg.control_fifo, exec_cb, note_cb, p, err, errlen);
    return p->ctl == NULL ? -1 : 0;
}

struct proxy *proxy_open(const struct proxy_config *cfg, char *err, size_t errlen)
{
    struct proxy *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->cfg = *cfg;
    p->epfd = p->lfd = -1;
    p->listener_tag = TAG_LISTENER;
    p->signal_tag = TAG_SIGNAL;
    p->rng = (uint64_t)clock_mono_us() * 2654435761u | 1;
    if (check_config(p, cfg, err, errlen) != 0)
        goto fail;
    p->conns = calloc(cfg->max_conns, sizeof *p->conns);
    if (p->conns == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (open_fds(p, err, errlen) != 0)
        goto fail;
    return p;
fail:
    proxy_close(p);
    return NULL;
}

void proxy_close(struct proxy *p)
{
    if (p == NULL)
        return;
    if (p->conns != NULL)
        kill_all(p, false);
    reap(p);
    ctl_close(p->ctl);
    listener_close(p);
    if (p->epfd >= 0)
        close(p->epfd);
    free(p->conns);
    free(p);
}
