/*
 * sweeper.h: the hold sweeper: a thread with a connection of its own that calls
 * api_sweep (release_expired_holds, then forgetting day-old idempotency keys) every
 * interval, repeating at once while full batches come back.
 */
#ifndef LASTROOM_SERVER_SWEEPER_H
#define LASTROOM_SERVER_SWEEPER_H

#include <stdint.h>

struct sweeper;

/* sweeper_start: start sweeping conninfo's database every interval_ms. NULL when the
 * thread cannot be started. conninfo must outlive the sweeper. */
struct sweeper *sweeper_start(const char *conninfo, int64_t interval_ms);

/* sweeper_stop: stop the thread (waiting for a sweep in progress), close, free. */
void sweeper_stop(struct sweeper *s);

#endif
