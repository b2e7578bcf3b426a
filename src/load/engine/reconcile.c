/*
 * reconcile.c: the clients' attempts against what the system stores, per key (the
 * rules are in reconcile.h). Sorting both sides by key makes it one merge pass; each
 * key's "at any moment" check sorts that key's events by time and sweeps them.
 */
#include "load/engine/reconcile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[REC_KINDS] = {
    "overbooking: stored more than the capacity",
    "overbooking: acknowledged more than the capacity at one moment",
    "lost acknowledged booking: stored less than acknowledged",
    "phantom booking: stored more than was attempted",
    "acknowledged booking id not stored",
    "booking id stored with another quantity",
    "refused booking id stored",
    "key attempted but missing from verify()",
};

const char *rec_kind_name(enum rec_kind k)
{
    return k < REC_KINDS ? kind_names[k] : "?";
}

static int cmp_attempt(const void *a, const void *b)
{
    const struct rec_attempt *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->t_send > y->t_send) - (x->t_send < y->t_send);
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const struct rec_key *)a)->key, ((const struct rec_key *)b)->key);
}

static void find(struct rec_result *r, enum rec_kind kind, const char *key, const char *id,
                 int64_t expected, int64_t got, uint64_t at)
{
    r->by_kind[kind]++;
    if (kind == REC_OVERSOLD || kind == REC_OVERSOLD_IN_TIME)
        ; /* counted once per key by the caller */
    else
        r->violations++;
    if (r->nfindings < REC_FINDINGS_MAX)
        r->findings[r->nfindings++] = (struct rec_finding){ kind, key, id, expected, got, at };
}

struct event {
    uint64_t t;
    int64_t d;
};

static int cmp_event(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    return (x->d > y->d) - (x->d < y->d); /* a release before a take at one instant */
}

/* The most acknowledged at one moment over a[0..n); *at its time. -1: no memory. */
static int64_t peak(const struct rec_attempt *a, size_t n, uint64_t *at)
{
    struct event *ev = malloc((n + 1) * sizeof *ev);
    size_t ne = 0;
    int64_t cur = 0, best = 0;
    if (!ev)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (a[i].op == REC_BOOK && a[i].outcome == REC_OK)
            ev[ne++] = (struct event){ a[i].t_answer ? a[i].t_answer : a[i].t_send, a[i].qty };
        else if (a[i].op == REC_CANCEL && a[i].outcome != REC_FAIL)
            ev[ne++] = (struct event){ a[i].t_send, -a[i].qty };
    }
    qsort(ev, ne, sizeof *ev, cmp_event);
    for (size_t i = 0; i < ne; i++) {
        cur += ev[i].d;
        if (cur > best) {
            best = cur;
            *at = ev[i].t;
        }
    }
    free(ev);
    return best;
}

static const struct rec_id *id_find(const struct rec_key *k, const char *id)
{
    for (size_t i = 0; id && i < k->nids; i++)
        if (strcmp(k->ids[i].id, id) == 0)
            return &k->ids[i];
    return NULL;
}

/* Whether an ok cancel of id is among a[0..n). */
static bool cancelled(const struct rec_attempt *a, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].op == REC_CANCEL && a[i].outcome == REC_OK && a[i].id && !strcmp(a[i].id, id))
            return true;
    return false;
}

static void check_ids(const struct rec_key *k, const struct rec_attempt *a, size_t n,
                      struct rec_result *r)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i].op != REC_BOOK || !a[i].id)
            continue;
        const struct rec_id *s = id_find(k, a[i].id);
        if (a[i].outcome == REC_FAIL && s)
            find(r, REC_ID_FAILED_STORED, k->key, a[i].id, 0, s->qty, 0);
        if (a[i].outcome != REC_OK || cancelled(a, n, a[i].id))
            continue;
        if (!s)
            find(r, REC_ID_MISSING, k->key, a[i].id, a[i].qty, 0, 0);
        else if (s->qty != a[i].qty)
            find(r, REC_ID_QTY, k->key, a[i].id, a[i].qty, s->qty, 0);
    }
}

/* One key: its attempts a[0..n) (n may be 0) against what is stored. */
static int judge(const struct rec_key *k, const struct rec_attempt *a, size_t n,
                 struct rec_result *r)
{
    int64_t okb = 0, ub = 0, okc = 0, uc = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t q = a[i].qty;
        if (a[i].op == REC_BOOK)
            okb += a[i].outcome == REC_OK ? q : 0, ub += a[i].outcome == REC_UNKNOWN ? q : 0;
        else
            okc += a[i].outcome == REC_OK ? q : 0, uc += a[i].outcome == REC_UNKNOWN ? q : 0;
    }
    if (k->stored < okb - okc - uc)
        find(r, REC_LOST, k->key, NULL, okb - okc - uc, k->stored, 0);
    if (k->stored > okb + ub - okc)
        find(r, REC_PHANTOM, k->key, NULL, okb + ub - okc, k->stored, 0);
    uint64_t at = 0;
    int64_t p = peak(a, n, &at);
    if (p < 0)
        return -1;
    bool over = false;
    if (k->stored > k->capacity)
        find(r, REC_OVERSOLD, k->key, NULL, k->capacity, k->stored, 0), over = true;
    if (p > k->capacity)
        find(r, REC_OVERSOLD_IN_TIME, k->key, NULL, k->capacity, p, at), over = true;
    r->overbookings += over;
    if (k->ids)
        check_ids(k, a, n, r);
    return 0;
}

int rec_reconcile(struct rec_attempt *a, size_t na, struct rec_key *keys, size_t nk,
                  struct rec_result *r)
{
    memset(r, 0, sizeof *r);
    qsort(a, na, sizeof *a, cmp_attempt);
    qsort(keys, nk, sizeof *keys, cmp_key);
    size_t i = 0, j = 0;
    while (i < na || j < nk) {
        int c = i == na ? 1 : j == nk ? -1 : strcmp(a[i].key, keys[j].key);
        size_t n = 0;
        while (c <= 0 && i + n < na && !strcmp(a[i + n].key, a[i].key))
            n++;
        if (c < 0)
            find(r, REC_KEY_MISSING, a[i].key, NULL, 0, 0, 0);
        else if (judge(&keys[j], a + i, n, r) != 0)
            return -1;
        i += n;
        j += c >= 0;
    }
    return 0;
}

static const char *op_name(const struct rec_attempt *a)
{
    static const char *const o[] = { "ok", "fail", "unknown" };
    return a->op == REC_BOOK        ? o[a->outcome]
           : a->outcome == REC_OK   ? "cancel ok"
           : a->outcome == REC_FAIL ? "cancel fail"
                                    : "cancel unknown";
}

static double rel_ms(uint64_t t, uint64_t t0)
{
    return t > t0 ? (double)(t - t0) / 1e6 : 0;
}

#define EVIDENCE_ATTEMPTS 6

void rec_evidence(const struct rec_result *r, const struct rec_attempt *a, size_t na, uint64_t t0,
                  char *buf, size_t len)
{
    size_t off = 0;
#define PUT(...)                                                              \
    do {                                                                      \
        int w_ = snprintf(buf + off, off < len ? len - off : 0, __VA_ARGS__); \
        if (w_ > 0)                                                           \
            off += (size_t)w_;                                                \
    } while (0)
    if (len)
        buf[0] = '\0';
    for (size_t f = 0; f < r->nfindings; f++) {
        const struct rec_finding *x = &r->findings[f];
        PUT("  %s: key %s%s%s, expected %s %lld, got %lld", rec_kind_name(x->kind), x->key,
            x->id ? " id " : "", x->id ? x->id : "", x->kind == REC_LOST ? "at least" : "at most",
            (long long)x->expected, (long long)x->got);
        if (x->kind == REC_OVERSOLD_IN_TIME)
            PUT(" at %.3f ms", rel_ms(x->at, t0));
        PUT("\n");
        int shown = 0;
        for (size_t i = 0; i < na && shown < EVIDENCE_ATTEMPTS; i++)
            if (!strcmp(a[i].key, x->key) && (!x->id || (a[i].id && !strcmp(a[i].id, x->id)))) {
                PUT("    VU %d %s %s qty %lld id %s sent %.3f ms answered %.3f ms\n", a[i].vu,
                    a[i].op == REC_BOOK ? "book" : "cancel", op_name(&a[i]), (long long)a[i].qty,
                    a[i].id ? a[i].id : "-", rel_ms(a[i].t_send, t0),
                    a[i].t_answer ? rel_ms(a[i].t_answer, t0) : -1.0);
                shown++;
            }
    }
    if (off >= len && len > 4)
        memcpy(buf + len - 5, "...\n", 5);
#undef PUT
}
