/*
 * lhistory.h: the `lastroom.history` module of scripts: what each client was told.
 *
 * history.invoke{keys=, qty=, op="book"|"cancel", id=} opens an attempt stamped with
 * the time it was made (just before its request is sent); h:ok([id]) and h:fail()
 * close it with the time of the answer; an attempt never closed is unknown. Records
 * are kept per thread (one buffer per state, no lock) and gathered after the run into
 * reconcile.h's attempts, one per key.
 */
#ifndef LASTROOM_LOAD_SCRIPT_LHISTORY_H
#define LASTROOM_LOAD_SCRIPT_LHISTORY_H

#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#include "load/engine/reconcile.h"

#define LHISTORY_MAX_RECORDS 4000000 /* per state */
#define LHISTORY_MAX_KEYS    64      /* per attempt */

struct lhistory_buf;

struct lhistory_buf *lhistory_buf_new(void);
void lhistory_buf_free(struct lhistory_buf *b);

/* lhistory_open: push the module (a lua_CFunction for package.preload). */
int lhistory_open(lua_State *L);

/* Totals over attempts of op book (one per attempt, whatever its keys). */
struct lhistory_totals {
    uint64_t ok, fail, unknown, cancels, dropped;
};

/* lhistory_collect: the attempts of bufs[0..n), one per key, as a new array (*out,
 * freed with free; its strings point into the buffers, which must outlive it), and
 * the totals. Returns 0, or -1 when out of memory. */
int lhistory_collect(struct lhistory_buf *const *bufs, int n, struct rec_attempt **out,
                     size_t *nout, struct lhistory_totals *t);

/* lhistory_mark_sent: the attempts VU vu opened since *mark (still open) were sent
 * dur_ns before now (their request's first byte); *mark moves to the end of b. Reads
 * the clock only when there are such attempts (it runs after every response). */
void lhistory_mark_sent(struct lhistory_buf *b, size_t *mark, int vu, uint64_t dur_ns);

#endif
