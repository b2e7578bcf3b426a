/*
 * ratelimit.c: fixed windows in a set-associative table keyed by a 64-bit SipHash of
 * the key under a per-limiter random key.
 */
#include "server/ratelimit.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS (RATELIMIT_SLOTS / RATELIMIT_WAYS)

struct slot {
    uint64_t key; /* 0: free */
    int64_t window_start_us;
    int failures;
};

struct ratelimit {
    pthread_mutex_t mu;
    int limit;
    int64_t window_us;
    uint64_t evictions;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    struct slot slots[RATELIMIT_SLOTS];
};

static uint64_t hash(const struct ratelimit *rl, const char *s, size_t n)
{
    unsigned char out[crypto_shorthash_BYTES];
    uint64_t h;
    crypto_shorthash(out, (const unsigned char *)s, n, rl->hash_key);
    memcpy(&h, out, sizeof h);
    return h | 1; /* 0 marks a free slot */
}

static struct slot *bucket(struct ratelimit *rl, uint64_t h)
{
    return &rl->slots[(h >> 1) % BUCKETS * RATELIMIT_WAYS];
}

static int running(const struct ratelimit *rl, const struct slot *s, int64_t now_us)
{
    return s->key != 0 && now_us - s->window_start_us < rl->window_us;
}

/* find: the entry of h in its bucket, or NULL. Called with the mutex held. */
static struct slot *find(struct ratelimit *rl, uint64_t h)
{
    struct slot *b = bucket(rl, h);
    for (int i = 0; i < RATELIMIT_WAYS; i++)
        if (b[i].key == h)
            return &b[i];
    return NULL;
}

/* claim: a free or ended entry of h's bucket, else the one whose window ends first. */
static struct slot *claim(struct ratelimit *rl, uint64_t h, int64_t now_us)
{
    struct slot *b = bucket(rl, h), *oldest = &b[0];
    for (int i = 0; i < RATELIMIT_WAYS; i++) {
        if (!running(rl, &b[i], now_us))
            return &b[i];
        if (b[i].window_start_us < oldest->window_start_us)
            oldest = &b[i];
    }
    rl->evictions++;
    return oldest;
}

struct ratelimit *ratelimit_new(int limit, int64_t window_us)
{
    if (sodium_init() < 0)
        return NULL;
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (rl == NULL)
        return NULL;
    pthread_mutex_init(&rl->mu, NULL);
    rl->limit = limit;
    rl->window_us = window_us;
    crypto_shorthash_keygen(rl->hash_key);
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
    uint64_t h = hash(rl, key, len);
    int wait_s = 0;
    pthread_mutex_lock(&rl->mu);
    struct slot *s = find(rl, h);
    if (s != NULL && running(rl, s, now_us) && s->failures >= rl->limit) {
        int64_t left_us = s->window_start_us + rl->window_us - now_us;
        wait_s = (int)((left_us + 999999) / 1000000);
    }
    pthread_mutex_unlock(&rl->mu);
    return wait_s;
}

void ratelimit_failed(struct ratelimit *rl, const char *key, size_t len, int64_t now_us)
{
    uint64_t h = hash(rl, key, len);
    pthread_mutex_lock(&rl->mu);
    struct slot *s = find(rl, h);
    if (s == NULL || !running(rl, s, now_us)) {
        if (s == NULL)
            s = claim(rl, h, now_us);
        s->key = h;
        s->window_start_us = now_us;
        s->failures = 0;
    }
    s->failures++;
    pthread_mutex_unlock(&rl->mu);
}

void ratelimit_succeeded(struct ratelimit *rl, const char *key, size_t len)
{
    uint64_t h = hash(rl, key, len);
    pthread_mutex_lock(&rl->mu);
    struct slot *s = find(rl, h);
    if (s != NULL)
        s->key = 0;
    pthread_mutex_unlock(&rl->mu);
}

uint64_t ratelimit_evictions(struct ratelimit *rl)
{
    pthread_mutex_lock(&rl->mu);
    uint64_t n = rl->evictions;
    pthread_mutex_unlock(&rl->mu);
    return n;
}
