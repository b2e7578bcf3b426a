/* chan.c: one direction of a proxied connection (see chan.h).
 *
 * Bytes sit in one linear buffer, compacted when the free tail runs short. Each read
 * becomes a chunk stamped with the time it may leave; chunk times never decrease, so
 * delaying chunks never reorders the stream. A chunk read at a time not later than its
 * predecessor's is merged into it, so a pass-through stream uses few chunk slots.
 * Stream offsets (in_total, out_total) are 64-bit counters that survive compaction.
 */
#include "proxy/chan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int chan_init(struct chan *c, size_t cap)
{
    memset(c, 0, sizeof *c);
    c->buf = malloc(cap);
    if (c->buf == NULL)
        return -1;
    c->cap = cap;
    return 0;
}

void chan_free(struct chan *c)
{
    free(c->buf);
    c->buf = NULL;
}

static struct chan_chunk *nth(struct chan *c, unsigned i)
{
    return &c->chunk[(c->c_first + i) % CHAN_MAX_CHUNKS];
}

static const struct chan_chunk *cnth(const struct chan *c, unsigned i)
{
    return &c->chunk[(c->c_first + i) % CHAN_MAX_CHUNKS];
}

bool chan_can_fill(const struct chan *c)
{
    return c->tail - c->head < c->cap && c->c_count < CHAN_MAX_CHUNKS;
}

size_t chan_pending(const struct chan *c)
{
    return c->tail - c->head;
}

/* Make the free space contiguous at the end when it has run short. */
static void compact(struct chan *c)
{
    if (c->head == c->tail) {
        c->head = c->tail = 0;
    } else if (c->head > 0 && c->cap - c->tail < c->cap / 4) {
        memmove(c->buf, c->buf + c->head, c->tail - c->head);
        c->tail -= c->head;
        c->head = 0;
    }
}

static void add_chunk(struct chan *c, size_t n, int64_t release_us)
{
    c->in_total += n;
    if (c->c_count > 0) {
        struct chan_chunk *last = nth(c, c->c_count - 1);
        if (release_us <= last->release_us) { /* due with its predecessor: merge */
            last->end = c->in_total;
            return;
        }
    }
    struct chan_chunk *k = nth(c, c->c_count++);
    k->end = c->in_total;
    k->release_us = release_us;
}

enum chan_io chan_fill(struct chan *c, int fd, int64_t release_us, size_t *n)
{
    *n = 0;
    if (!chan_can_fill(c))
        return CHAN_AGAIN;
    compact(c);
    ssize_t r = read(fd, c->buf + c->tail, c->cap - c->tail);
    if (r < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? CHAN_AGAIN
                                                                           : CHAN_ERROR;
    if (r == 0) {
        c->eof = true;
        return CHAN_EOF;
    }
    c->tail += (size_t)r;
    add_chunk(c, (size_t)r, release_us);
    *n = (size_t)r;
    return CHAN_OK;
}

/* Drop the chunks that have been written in full. */
static void pop_written(struct chan *c)
{
    while (c->c_count > 0 && nth(c, 0)->end <= c->out_total) {
        c->c_first = (c->c_first + 1) % CHAN_MAX_CHUNKS;
        c->c_count--;
    }
}

/* Stream offset up to which bytes are released at now_us. */
static uint64_t released_end(const struct chan *c, int64_t now_us)
{
    uint64_t end = c->out_total;
    for (unsigned i = 0; i < c->c_count && cnth(c, i)->release_us <= now_us; i++)
        end = cnth(c, i)->end;
    return end;
}

enum chan_io chan_flush(struct chan *c, int fd, int64_t now_us, size_t *n)
{
    *n = 0;
    for (int round = 0; round < 64; round++) {
        pop_written(c);
        size_t want = (size_t)(released_end(c, now_us) - c->out_total);
        if (want == 0)
            return CHAN_OK;
        ssize_t w = send(fd, c->buf + c->head, want, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return (errno == EAGAIN || errno == EWOULDBLOCK) ? CHAN_AGAIN : CHAN_ERROR;
        }
        c->head += (size_t)w;
        c->out_total += (uint64_t)w;
        *n += (size_t)w;
    }
    return CHAN_AGAIN;
}

int64_t chan_next_release(const struct chan *c, int64_t now_us)
{
    for (unsigned i = 0; i < c->c_count; i++) {
        int64_t t = cnth(c, i)->release_us;
        if (t > now_us)
            return t == CHAN_HELD ? -1 : t;
    }
    return -1;
}

void chan_retime_held(struct chan *c, int64_t release_us)
{
    for (unsigned i = 0; i < c->c_count; i++) {
        struct chan_chunk *k = nth(c, i);
        if (k->release_us == CHAN_HELD)
            k->release_us = release_us;
    }
}
