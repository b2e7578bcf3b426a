/* chan.h: one direction of a proxied connection: a bounded byte buffer whose bytes
 * are released to the writer chunk by chunk, each chunk at its own time, in order. */
#ifndef LASTROOM_PROXY_CHAN_H
#define LASTROOM_PROXY_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHAN_MAX_CHUNKS 256
#define CHAN_HELD       INT64_MAX /* release time of a chunk held until chan_retime_held */

enum chan_io { CHAN_OK, CHAN_AGAIN, CHAN_EOF, CHAN_ERROR };

struct chan_chunk {
    uint64_t end;       /* stream offset just past the chunk's last byte */
    int64_t release_us; /* monotonic time from which it may be written */
};

struct chan {
    char *buf;
    size_t cap, head, tail;       /* unwritten bytes are buf[head, tail) */
    uint64_t in_total, out_total; /* bytes read from the source, written to the sink */
    struct chan_chunk chunk[CHAN_MAX_CHUNKS];
    unsigned c_first, c_count; /* ring of chunks not yet fully written */
    bool eof;                  /* the source has closed its side */
    bool shut;                 /* the sink was told (shutdown SHUT_WR) */
};

/* chan_init: an empty channel holding at most cap bytes. Returns 0, or -1 when out of
 * memory (c then owns nothing). Free with chan_free. */
int chan_init(struct chan *c, size_t cap);

/* chan_free: release the buffer; c may be passed to chan_free again. */
void chan_free(struct chan *c);

/* chan_can_fill: true when there is room for more bytes and another chunk. */
bool chan_can_fill(const struct chan *c);

/* chan_fill: one read(2) from fd into the free space, as one chunk released at
 * release_us (or later, to keep the order of chunks). Sets *n to the bytes read.
 * Returns CHAN_OK, CHAN_AGAIN (nothing to read or no room), CHAN_EOF (sets c->eof) or
 * CHAN_ERROR (errno set). */
enum chan_io chan_fill(struct chan *c, int fd, int64_t release_us, size_t *n);

/* chan_flush: write to fd every byte released by now_us. Sets *n to the bytes written.
 * Returns CHAN_OK when nothing released is left, CHAN_AGAIN when fd is full, or
 * CHAN_ERROR (errno set). Uses send(MSG_NOSIGNAL): fd must be a socket. */
enum chan_io chan_flush(struct chan *c, int fd, int64_t now_us, size_t *n);

/* chan_pending: bytes read and not yet written. */
size_t chan_pending(const struct chan *c);

/* chan_next_release: release time of the first chunk not released by now_us, or -1
 * when none waits (CHAN_HELD chunks count as not waiting on a timer). */
int64_t chan_next_release(const struct chan *c, int64_t now_us);

/* chan_retime_held: give every chunk held with CHAN_HELD the release time release_us. */
void chan_retime_held(struct chan *c, int64_t release_us);

#endif
