/* ctl.c: the control channel of lastroom-faultproxy (see ctl.h).
 *
 * Commands arrive one per line on a loopback TCP port (each answered on the same
 * connection with one line) or on a FIFO (answers go to the note callback). Everything
 * a peer sends is bounded: CTL_MAX_CLIENTS connections, CTL_LINE_MAX bytes a line, a
 * fixed number of reads per wake-up. The FIFO is opened read-write so that it never
 * reports end-of-file when a writer goes away.
 */
#include "proxy/ctl.h"

#include "proxy/addr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

enum ctl_kind { CTL_LISTENER, CTL_CLIENT, CTL_FIFO };

struct ctl_ep {
    unsigned tag; /* CTL_TAG: must stay first */
    enum ctl_kind kind;
    int fd;        /* -1 when unused */
    bool skipping; /* FIFO: discarding the rest of an overlong line */
    size_t len;
    char line[CTL_LINE_MAX + 1];
};

struct ctl {
    int epfd;
    struct ctl_ep listener, fifo;
    struct ctl_ep client[CTL_MAX_CLIENTS];
    ctl_exec_fn exec;
    ctl_note_fn note;
    void *ud;
};

static void ep_init(struct ctl_ep *ep, enum ctl_kind kind)
{
    memset(ep, 0, sizeof *ep);
    ep->tag = CTL_TAG;
    ep->kind = kind;
    ep->fd = -1;
}

static int ep_watch(struct ctl *ctl, struct ctl_ep *ep, int fd)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ep };
    ep->fd = fd;
    return epoll_ctl(ctl->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void ep_close(struct ctl_ep *ep)
{
    if (ep->fd >= 0)
        close(ep->fd); /* closing removes it from the epoll set */
    ep->fd = -1;
    ep->len = 0;
    ep->skipping = false;
}

static int open_tcp(struct ctl *ctl, const char *addr, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (addr_parse(addr, &sa, err, errlen) != 0)
        return -1;
    if (!addr_is_loopback(&sa)) {
        snprintf(err, errlen, "control address %s is not loopback", addr);
        return -1;
    }
    int fd = addr_listen(&sa);
    if (fd < 0 || ep_watch(ctl, &ctl->listener, fd) != 0) {
        snprintf(err, errlen, "control %s: %s", addr, strerror(errno));
        return -1;
    }
    return 0;
}

static int open_fifo(struct ctl *ctl, const char *path, char *err, size_t errlen)
{
    if (mkfifo(path, 0600) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkfifo %s: %s", path, strerror(errno));
        return -1;
    }
    int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)
        || ep_watch(ctl, &ctl->fifo, fd) != 0) {
        snprintf(err, errlen, "control fifo %s: %s", path, fd < 0 ? strerror(errno) : "not a FIFO");
        if (fd >= 0)
            close(fd);
        ctl->fifo.fd = -1;
        return -1;
    }
    return 0;
}

struct ctl *ctl_open(int epfd, const char *tcp_addr, const char *fifo_path, ctl_exec_fn exec,
                     ctl_note_fn note, void *ud, char *err, size_t errlen)
{
    struct ctl *ctl = calloc(1, sizeof *ctl);
    if (ctl == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ctl->epfd = epfd;
    ctl->exec = exec;
    ctl->note = note;
    ctl->ud = ud;
    ep_init(&ctl->listener, CTL_LISTENER);
    ep_init(&ctl->fifo, CTL_FIFO);
    for (int i = 0; i < CTL_MAX_CLIENTS; i++)
        ep_init(&ctl->client[i], CTL_CLIENT);
    if ((tcp_addr != NULL && open_tcp(ctl, tcp_addr, err, errlen) != 0)
        || (fifo_path != NULL && open_fifo(ctl, fifo_path, err, errlen) != 0)) {
        ctl_close(ctl);
        return NULL;
    }
    return ctl;
}

void ctl_close(struct ctl *ctl)
{
    if (ctl == NULL)
        return;
    ep_close(&ctl->listener);
    ep_close(&ctl->fifo);
    for (int i = 0; i < CTL_MAX_CLIENTS; i++)
        ep_close(&ctl->client[i]);
    free(ctl);
}

/* Send one reply line; a client that cannot take a short line at once is dropped. */
static void reply_to(struct ctl_ep *ep, const char *reply)
{
    char out[CTL_REPLY_MAX + 2];
    int n = snprintf(out, sizeof out, "%.*s\n", CTL_REPLY_MAX, reply);
    if (send(ep->fd, out, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
        ep_close(ep);
}

static void run_line(struct ctl *ctl, struct ctl_ep *ep)
{
    char reply[CTL_REPLY_MAX];
    ep->line[ep->len] = '\0';
    if (ep->len > 0 && ep->line[ep->len - 1] == '\r')
        ep->line[--ep->len] = '\0';
    ctl->exec(ctl->ud, ep->line, reply, sizeof reply);
    if (ep->kind == CTL_FIFO)
        ctl->note(ctl->ud, ep->line, reply);
    else
        reply_to(ep, reply);
    ep->len = 0;
}

/* Overlong line: a TCP client is told and dropped; the FIFO skips to the next newline. */
static void line_too_long(struct ctl *ctl, struct ctl_ep *ep)
{
    ep->len = 0;
    if (ep->kind == CTL_FIFO) {
        ep->skipping = true;
        ctl->note(ctl->ud, "(overlong line)", "error line too long");
        return;
    }
    reply_to(ep, "error line too long");
    ep_close(ep);
}

/* Feed bytes to ep's line assembler; stops early if ep gets closed. */
static void take_bytes(struct ctl *ctl, struct ctl_ep *ep, const char *p, size_t n)
{
    for (size_t i = 0; i < n && ep->fd >= 0; i++) {
        if (p[i] == '\n') {
            if (ep->skipping)
                ep->skipping = false;
            else
                run_line(ctl, ep);
        } else if (!ep->skipping) {
            if (ep->len == CTL_LINE_MAX)
                line_too_long(ctl, ep);
            else
                ep->line[ep->len++] = p[i];
        }
    }
}

static void read_lines(struct ctl *ctl, struct ctl_ep *ep)
{
    char buf[512];
    for (int round = 0; round < 16 && ep->fd >= 0; round++) {
        ssize_t r = read(ep->fd, buf, sizeof buf);
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (r <= 0) {
            ep_close(ep);
            return;
        }
        take_bytes(ctl, ep, buf, (size_t)r);
    }
}

static void accept_clients(struct ctl *ctl)
{
    for (int round = 0; round < CTL_MAX_CLIENTS; round++) {
        int fd = accept4(ctl->listener.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        struct ctl_ep *slot = NULL;
        for (int i = 0; i < CTL_MAX_CLIENTS && slot == NULL; i++)
            if (ctl->client[i].fd < 0)
                slot = &ctl->client[i];
        if (slot == NULL || ep_watch(ctl, slot, fd) != 0) {
            const char busy[] = "error too many control connections\n";
            (void)send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            close(fd);
            if (slot != NULL)
                slot->fd = -1;
        }
    }
}

void ctl_on_event(struct ctl *ctl, void *cookie, uint32_t events)
{
    struct ctl_ep *ep = cookie;
    (void)events;
    if (ep->fd < 0)
        return;
    if (ep->kind == CTL_LISTENER)
        accept_clients(ctl);
    else
        read_lines(ctl, ep);
}
