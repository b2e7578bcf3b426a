/*
 * ratelimit.h: attempts limited per key (failed logins per email or client address,
 * registrations per client address), in fixed memory.
 *
 * A limiter counts failures (what the caller reports as one) per key in fixed windows:
 * after `limit` within `window` from a key's first, that key is refused (429) until the
 * window ends. For logins only failures count, so a load test logging many users in
 * from one address is never limited; for registrations every attempt counts. Successes
 * may clear a key (ratelimit_succeeded), which is right for an account (its owner
 * proved the password) and wrong for a client address (one known password would reset
 * a brute force over other accounts), so the caller decides.
 *
 * Memory is a fixed table of RATELIMIT_SLOTS entries, allocated once: keys hash with a
 * keyed SipHash (a random key per limiter, so a peer cannot aim keys at one bucket) to a
 * bucket of RATELIMIT_WAYS entries. A new key takes a free or ended entry of its bucket,
 * or else evicts the entry whose window ends soonest. Eviction can only forget failures,
 * never invent them; it needs RATELIMIT_WAYS fresher keys in one bucket within a window.
 * Thread-safe (one mutex; the work under it is a few loads and stores).
 */
#ifndef LASTROOM_SERVER_RATELIMIT_H
#define LASTROOM_SERVER_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 16384
#define RATELIMIT_WAYS  8

struct ratelimit;

/* ratelimit_new: limit failures per window_us per key. NULL on no memory. */
struct ratelimit *ratelimit_new(int limit, int64_t window_us);
void ratelimit_free(struct ratelimit *rl);

/* ratelimit_blocked: 0 when key (len bytes) may try at time now_us; otherwise the whole
 * seconds (at least 1) until its window ends, for Retry-After. */
int ratelimit_blocked(struct ratelimit *rl, const char *key, size_t len, int64_t now_us);

/* ratelimit_failed: count one failure of key at now_us (a new window when it had none
 * running). ratelimit_succeeded: forget key's failures. */
void ratelimit_failed(struct ratelimit *rl, const char *key, size_t len, int64_t now_us);
void ratelimit_succeeded(struct ratelimit *rl, const char *key, size_t len);

/* ratelimit_evictions: how many running windows were pushed out for lack of room. */
uint64_t ratelimit_evictions(struct ratelimit *rl);

#endif
