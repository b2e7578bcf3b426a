/*
 * buf.h: a growable byte buffer with a hard cap, for anything whose size a peer
 * controls (request bodies, response texts).
 *
 * The content is always NUL-terminated (the NUL is not counted in len and does not
 * count against the cap). An append that would pass the cap fails and changes nothing.
 */
#ifndef LASTROOM_SERVER_BUF_H
#define LASTROOM_SERVER_BUF_H

#include <stddef.h>

struct buf {
    char *data; /* NULL until the first append; then NUL-terminated */
    size_t len;
    size_t alloc;
    size_t max; /* hard cap on len */
};

/* buf_init: an empty buffer that will never hold more than max bytes. */
void buf_init(struct buf *b, size_t max);

/* buf_append: add n bytes. Returns 0, or -1 (buffer unchanged) when len + n would pass
 * the cap or memory ran out. */
int buf_append(struct buf *b, const void *data, size_t n);

/* buf_appendf: add printf-formatted text; same result as buf_append. */
int buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* buf_steal: hand the content (malloc'd, NUL-terminated, never NULL unless memory ran
 * out) to the caller, who frees it; the buffer is left empty. */
char *buf_steal(struct buf *b);

/* buf_free: release the memory; the buffer is empty and may be reused. */
void buf_free(struct buf *b);

#endif
