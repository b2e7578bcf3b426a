/*
 * coalesce.h: hold requests for the same room type and stay, gathered into one
 * database transaction (api_hold_batch, db/functions/60_hold_batch.sql).
 *
 * A hot room serves one-hold transactions one at a time: each keeps the nights' row
 * locks through its own commit. The coalescer keeps, per (room type, check-in,
 * check-out), one queue of waiting hold requests and at most one pool job. When a worker
 * takes that job it sends everything queued at that moment (up to max_batch) as one
 * call; requests arriving meanwhile wait for the next one. No wait is added: a lone
 * request is sent as soon as a worker is free, as the single statement (STMT_HOLD),
 * exactly as without the coalescer. Every request gets its own answer, by the same
 * outcome table as the single call. Several lastroomd stay correct: the row locks of the
 * batch function serialise them as they serialise single holds.
 *
 * Bounded wait: a request that waited longer than the pool's wait when a batch is taken
 * is answered 503 db_pool_timeout and not sent, so its wait is bounded by the pool's
 * wait plus the batch running before it.
 */
#ifndef LASTROOM_SERVER_COALESCE_H
#define LASTROOM_SERVER_COALESCE_H

#include <stdint.h>

#include "server/api.h"
#include "server/pool.h"

#define COALESCE_MAX_BATCH 1000 /* api_hold_batch's own bound */

struct coalesce;

/* coalesce_start: a coalescer feeding pool, batches of at most max_batch requests
 * (2..COALESCE_MAX_BATCH), each request's wait bounded by wait_ms. Returns NULL when
 * out of memory. */
struct coalesce *coalesce_start(struct pool *pool, int max_batch, int64_t wait_ms);

/* coalesce_hold: suspend r, whose STMT_HOLD call is ready (api_db_prepare, parameters
 * set), and queue it with the other holds of room type rt for [check_in, check_out)
 * (days since the epoch). r is answered and resumed exactly once, from a pool thread. */
void coalesce_hold(struct coalesce *c, struct api_req *r, int64_t rt, int32_t check_in,
                   int32_t check_out);

/* coalesce_free: free the coalescer; call after pool_stop of its pool (no request is
 * waiting any more). NULL is a no-op. */
void coalesce_free(struct coalesce *c);

#endif
