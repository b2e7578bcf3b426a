/*
 * ratelimit.c: fixed windows per slot, keyed by a 64-bit FNV-1a hash of the address.
 */
#include "server/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>

struct slot {
    uint64_t key;
    int64_t window_start_us;
    int failures;
};

struct ratelimit {
    pthread_mutex_t mu;
    int limit;
    int64_t window_us;
    struct slot slots[RATELIMIT_SLOTS];
};

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h | 1;   /* 0 marks an empty slot */
}

struct ratelimit *ratelimit_new(int limit, int64_t window_us)
{
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (rl == NULL)
        return NULL;
    pthread_mutex_init(&rl->mu, NULL);
    rl->limit = limit;
    rl->window_us = window_us;
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

int ratelimit_blocked(struct ratelimit *rl, const char *key, size_t len, int64_t now_us)
{
    uint64_t h = hash(key, len);
    struct slot *s = &rl->slots[h % RATELIMIT_SLOTS];
    pthread_mutex_lock(&rl->mu);
    int blocked = s->key == h && now_us - s->window_start_us < rl->window_us && s->failures >= rl->limit;
    pthread_mutex_unlock(&rl->mu);
    return blocked;
}

void ratelimit_failed(struct ratelimit *rl, const char *key, size_t len, int64_t now_us)
{
    uint64_t h = hash(key, len);
    struct slot *s = &rl->slots[h % RATELIMIT_SLOTS];
    pthread_mutex_lock(&rl->mu);
    if (s->key != h || now_us - s->window_start_us >= rl->window_us) {
        s->key = h;
        s->window_start_us = now_us;
        s->failures = 0;
    }
    s->failures++;
    pthread_mutex_unlock(&rl->mu);
}

void ratelimit_succeeded(struct ratelimit *rl, const char *key, size_t len)
{
    uint64_t h = hash(key, len);
    struct slot *s = &rl->slots[h % RATELIMIT_SLOTS];
    pthread_mutex_lock(&rl->mu);
    if (s->key == h)
        s->key = 0;
    pthread_mutex_unlock(&rl->mu);
}
