/*
 * template.h: request templates of the http scenario: text with placeholders that are
 * filled for each request, without allocation, into the request's own buffer.
 *
 *   {{vu}}          the VU's id (0 .. VUs-1)
 *   {{vu + N}}      the VU's id plus N (0 <= N <= 10^15): VU i on row N + i
 *   {{iter}}        the VU's iteration number, from 0 (k6's __ITER)
 *   {{rand A B}}    a uniform integer in [A, B] from the VU's random state
 *                   (A <= B, both within +-10^15)
 *
 * Spaces inside the braces are allowed ({{ vu }}). Anything else between {{ and }}, or
 * a {{ without its }}, is an error; a lone }} is text. A template is compiled once, at
 * setup, into at most TPL_PARTS_MAX parts, and its longest expansion is known then: a
 * template that could overflow its buffer is refused before the run, never cut short.
 */
#ifndef LASTROOM_LOAD_ENGINE_TEMPLATE_H
#define LASTROOM_LOAD_ENGINE_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load/engine/scenario.h"

#define TPL_PARTS_MAX  32
#define TPL_RAND_LIMIT 1000000000000000LL /* 10^15 */

enum tpl_kind { TPL_TEXT, TPL_VU, TPL_ITER, TPL_RAND };

struct tpl_part {
    enum tpl_kind kind;
    size_t off, len; /* TPL_TEXT: its bytes in src */
    int64_t lo, hi;  /* TPL_RAND: the range; TPL_VU: lo is the offset added */
};

struct tpl {
    const char *src; /* not copied: it must outlive the template */
    struct tpl_part parts[TPL_PARTS_MAX];
    int nparts;
    size_t max_len; /* the longest expansion, in bytes */
};

/* tpl_compile: compile the len bytes of src into t, for a buffer of cap bytes (the
 * expansion and a NUL must fit). forbid (may be NULL) lists characters that the text
 * outside placeholders may not hold (" \r\n" for a path). Returns 0, or -1 with a
 * one-line reason in err (t is then unusable). */
int tpl_compile(struct tpl *t, const char *src, size_t len, size_t cap, const char *forbid,
                char *err, size_t errlen);

/* tpl_expand: write t for vu into out (cap bytes), NUL-terminated. Returns the length
 * without the NUL, or -1 when it does not fit (out is then ""). Draws from vu->rng
 * once per {{rand}}; never allocates. */
int tpl_expand(const struct tpl *t, struct lr_vu *vu, char *out, size_t cap);

#endif
