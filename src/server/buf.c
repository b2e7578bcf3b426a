/*
 * buf.c: the capped buffer. Grows by doubling up to the cap.
 */
#include "server/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->alloc = 0;
    b->max = max;
}

static int reserve(struct buf *b, size_t need)
{
    if (need + 1 <= b->alloc)
        return 0;
    size_t a = b->alloc ? b->alloc : 256;
    while (a < need + 1)
        a *= 2;
    char *p = realloc(b->data, a);
    if (p == NULL)
        return -1;
    b->data = p;
    b->alloc = a;
    return 0;
}

int buf_append(struct buf *b, const void *data, size_t n)
{
    if (n > b->max - b->len || reserve(b, b->len + n) != 0)
        return -1;
    if (n > 0)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_appendf(struct buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof small)
        return buf_append(b, small, (size_t)n);
    if ((size_t)n > b->max - b->len || reserve(b, b->len + (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *buf_steal(struct buf *b)
{
    char *p = b->data;
    if (p == NULL)
        p = calloc(1, 1);
    buf_init(b, b->max);
    return p;
}

void buf_free(struct buf *b)
{
    free(b->data);
    buf_init(b, b->max);
}
