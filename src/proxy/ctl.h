/* ctl.h: the control channel of lastroom-faultproxy: line-based commands over a
 * loopback TCP port and/or a FIFO, registered in the caller's epoll set. */
#ifndef LASTROOM_PROXY_CTL_H
#define LASTROOM_PROXY_CTL_H

#include <stddef.h>
#include <stdint.h>

#define CTL_TAG         0x43544cu /* first member of every epoll cookie owned by ctl */
#define CTL_LINE_MAX    256       /* longest command line, newline excluded */
#define CTL_REPLY_MAX   512       /* longest reply line, newline excluded */
#define CTL_MAX_CLIENTS 8         /* control TCP connections at once */

/* ctl_exec_fn: run one command line (no newline, NUL-terminated); write a one-line
 * reply starting "ok" or "error" (no newline) into reply. */
typedef void (*ctl_exec_fn)(void *ud, const char *line, char *reply, size_t n);

/* ctl_note_fn: told each FIFO command and its reply (a FIFO has no way back). */
typedef void (*ctl_note_fn)(void *ud, const char *line, const char *reply);

struct ctl;

/* ctl_open: listen on tcp_addr ("127.0.0.1:PORT", loopback only) and/or read commands
 * from the FIFO fifo_path (created with mode 0600 when missing); either may be NULL.
 * Their descriptors are added to epfd with cookies whose first member is CTL_TAG.
 * Returns the channel, or NULL with a reason in err (nothing left open). */
struct ctl *ctl_open(int epfd, const char *tcp_addr, const char *fifo_path, ctl_exec_fn exec,
                     ctl_note_fn note, void *ud, char *err, size_t errlen);

/* ctl_on_event: handle epoll events for a cookie carrying CTL_TAG. A client that sends
 * a line longer than CTL_LINE_MAX gets "error line too long" and is disconnected. */
void ctl_on_event(struct ctl *ctl, void *cookie, uint32_t events);

/* ctl_close: close every descriptor and free ctl (NULL is fine). A FIFO it created is
 * left in place for the caller to remove. */
void ctl_close(struct ctl *ctl);

#endif
