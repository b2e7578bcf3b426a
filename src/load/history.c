/*
 * history.c: per-VU, preallocated records of booking attempts.
 *
 * All memory is taken in history_new, before the run. During the run each VU appends
 * to its own array only; after the run the main thread reads them all.
 */
#include "load/history.h"

#include <stdlib.h>
#include <string.h>

struct history *history_new(int nvus, uint32_t per_vu)
{
    if (nvus <= 0 || per_vu == 0)
        return NULL;
    struct history *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->vus = calloc((size_t)nvus, sizeof *h->vus);
    if (!h->vus)
        goto err;
    h->nvus = nvus;
    for (int i = 0; i < nvus; i++) {
        h->vus[i].recs = calloc(per_vu, sizeof *h->vus[i].recs);
        if (!h->vus[i].recs)
            goto err;
        h->vus[i].cap = per_vu;
    }
    return h;
err:
    history_free(h);
    return NULL;
}

void history_free(struct history *h)
{
    if (!h)
        return;
    for (int i = 0; h->vus && i < h->nvus; i++)
        free(h->vus[i].recs);
    free(h->vus);
    free(h);
}

struct history_vu *history_of(struct history *h, int vu)
{
    if (!h || vu < 0 || vu >= h->nvus)
        return NULL;
    return &h->vus[vu];
}

struct history_rec *history_begin(struct history_vu *v, int64_t room_type_id,
                                  int32_t check_in, int nights, int quantity)
{
    if (!v)
        return NULL;
    if (v->len >= v->cap) {
        v->dropped++;
        return NULL;
    }
    struct history_rec *r = &v->recs[v->len++];
    memset(r, 0, sizeof *r);
    r->room_type_id = room_type_id;
    r->check_in = check_in;
    r->nights = (int16_t)nights;
    r->quantity = (int16_t)quantity;
    r->outcome = HISTORY_PENDING;
    return r;
}

size_t history_total(const struct history *h)
{
    size_t n = 0;
    for (int i = 0; h && i < h->nvus; i++)
        n += h->vus[i].len;
    return n;
}

uint64_t history_dropped(const struct history *h)
{
    uint64_t n = 0;
    for (int i = 0; h && i < h->nvus; i++)
        n += h->vus[i].dropped;
    return n;
}

size_t history_count(const struct history *h, enum history_outcome outcome)
{
    size_t n = 0;
    for (int i = 0; h && i < h->nvus; i++)
        for (uint32_t j = 0; j < h->vus[i].len; j++)
            n += h->vus[i].recs[j].outcome == outcome;
    return n;
}

struct history_rec *history_collect(const struct history *h, size_t *n)
{
    *n = 0;
    size_t total = history_total(h);
    if (total == 0)
        return NULL;
    struct history_rec *all = malloc(total * sizeof *all);
    if (!all)
        return NULL;
    for (int i = 0; i < h->nvus; i++) {
        memcpy(all + *n, h->vus[i].recs, h->vus[i].len * sizeof *all);
        *n += h->vus[i].len;
    }
    return all;
}
