/*
 * coalesce.h: hold requests gathered into one database transaction (api_hold_batch,
 * db/functions/60_hold_batch.sql); and confirm requests, gathered likewise
 * (api_confirm_batch, db/functions/70_confirm_batch.sql).
 *
 * A hot room serves one-hold transactions one at a time: each keeps the nights' row
 * locks through its own commit. And holds spread over many rooms pay a commit, a round
 * trip and two thread hops each. The hold coalescer keeps COALESCE_HOLD_LANES queues of
 * waiting hold requests, a room type always in the same lane (room type id modulo the
 * lanes), and at most one pool job per lane. When a worker takes a lane's job it sends
 * everything queued at that moment (up to max_batch), of one stay or of several, as one
 * call; requests arriving meanwhile wait for the next one. No wait is added for its
 * own sake: a lone request is sent as soon as its lane has a turn (below) and a worker
 * is free, as the single statement (STMT_HOLD), exactly as without the coalescer. Every
 * request gets its own answer, by the same outcome table as the single call.
 *
 * Turns: at most `concurrency` lanes have a job in the pool at once (--hold-concurrency,
 * default 2 of the 4 hold lanes). A lane that gets requests while every turn is taken
 * waits, gathering them, until a running lane's job finishes and hands it its turn
 * (oldest waiting lane first; the finishing lane, if it has more, queues behind). A
 * turn lasts at most --hold-turn (50 ms): a job still running after it (a big batch, or
 * one waiting on a row lock) stops counting, and the next arrival, finished batch or
 * tick of the pool's timer gives the turn on, so a lane stuck on a lock holds up the
 * others for that long, not for its whole wait. On two cores turns make a closed loop's
 * alternation of a lone hold and a small batch into full batches, for about a quarter
 * less CPU per hold (docs/profiling.md "Turns").
 *
 * Lanes never share a room type, so two batches never wait for each other's rows;
 * several lastroomd stay correct: the row locks of the batch function, taken in the
 * single hold's global order, serialise them as they serialise single holds.
 *
 * Confirms: a confirm request names only its hold, not the hold's stay, so a confirm
 * coalescer spreads confirms over COALESCE_CONFIRM_LANES queues by hold id (each one
 * group, one pool job at a time): a few confirms run side by side, and those that queue
 * behind one go together. The batch function locks the holds, then all their nights in
 * one global order, so batches of mixed stays are as safe as one stay; a lone confirm
 * goes as STMT_CONFIRM.
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

#define COALESCE_MAX_BATCH     1000 /* api_hold_batch's and api_confirm_batch's own bound */
#define COALESCE_HOLD_LANES    4    /* hold queues, by room type */
#define COALESCE_CONFIRM_LANES 4    /* confirm queues, by hold id */

/* What a coalescer gathers. */
enum coalesce_kind { COALESCE_HOLDS, COALESCE_CONFIRMS };

struct coalesce;

/* How a coalescer batches. */
struct coalesce_config {
    enum coalesce_kind kind;
    int max_batch;   /* requests per batch, 2..COALESCE_MAX_BATCH (clamped) */
    int concurrency; /* lanes in the pool at once, 1 to the kind's lanes (else all) */
    int64_t turn_ms; /* a lane's turn lasts this long at most (<= 0: as long as it runs) */
    int64_t wait_ms; /* a request's wait for its batch, at most */
};

/* coalesce_start: a coalescer feeding pool as cfg says. Returns NULL when out of
 * memory. */
struct coalesce *coalesce_start(struct pool *pool, const struct coalesce_config *cfg);

/* coalesce_hold: suspend r, whose STMT_HOLD call for room type rt is ready
 * (api_db_prepare, parameters set), and queue it in rt's lane; c is a COALESCE_HOLDS
 * coalescer. r is answered and resumed exactly once, from a pool thread. */
void coalesce_hold(struct coalesce *c, struct api_req *r, int64_t rt);

/* coalesce_confirm: suspend r, whose STMT_CONFIRM call for hold is ready (api_db_prepare,
 * parameters set), and queue it with the other confirms of its lane; c is a
 * COALESCE_CONFIRMS coalescer. r is answered and resumed exactly once, from a pool
 * thread. */
void coalesce_confirm(struct coalesce *c, struct api_req *r, int64_t hold);

/* coalesce_waiting: how many requests wait in c's lanes for a batch (taken, they no
 * longer count); 0 for NULL (no coalescer). */
int coalesce_waiting(struct coalesce *c);

/* coalesce_free: free the coalescer; call after pool_stop of its pool (no request is
 * waiting any more). NULL is a no-op. */
void coalesce_free(struct coalesce *c);

#endif
