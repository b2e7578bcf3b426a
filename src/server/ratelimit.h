/*
 * ratelimit.h: failed-login limiting per email address, in fixed memory.
 *
 * Each address hashes to one of a fixed number of slots holding its failures in the
 * current window. After `limit` failures within `window`, further logins for that
 * address are refused (429) until the window ends; a success clears the slot. Only
 * failures count, so a load test logging many users in from one address is never
 * limited. Two addresses that share a slot simply take it over from each other
 * (the slot remembers whose it is), which can only forget failures, never invent them.
 * Thread-safe (one mutex; the work under it is a few stores).
 */
#ifndef LASTROOM_RATELIMIT_H
#define LASTROOM_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 16384

struct ratelimit;

/* ratelimit_new: limit failures per window_us. NULL on no memory. */
struct ratelimit *ratelimit_new(int limit, int64_t window_us);
void ratelimit_free(struct ratelimit *rl);

/* ratelimit_blocked: whether key (len bytes) is over its limit at time now_us. */
int ratelimit_blocked(struct ratelimit *rl, const char *key, size_t len, int64_t now_us);

/* ratelimit_failed / ratelimit_succeeded: record a login outcome for key. */
void ratelimit_failed(struct ratelimit *rl, const char *key, size_t len, int64_t now_us);
void ratelimit_succeeded(struct ratelimit *rl, const char *key, size_t len);

#endif
