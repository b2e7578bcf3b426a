/*
 * reconcile.c: the clients' attempts against what the system stores, per key (the
 * rules are in reconcile.h). Sorting both sides by key (the keys through an index, so
 * that the caller's order stays) makes it one merge pass; each key's "at any moment"
 * check sorts that key's events by time and sweeps them.
 */
#include "load/engine/reconcile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[REC_KINDS] = {
    "overbooking: stored more than the capacity",
    "overbooking: acknowledged more than the capacity at one moment",
    "overbooking: the ledger's counters exceed the capacity",
    "overbooking: the ledger stored more than the capacity at one moment",
    "lost acknowledged booking: stored less than acknowledged",
    "phantom booking: stored more than was attempted",
    "acknowledged booking id not stored",
    "booking id stored with another quantity",
    "refused booking id stored",
    "key attempted but missing from verify()",
    "the ledger's stored counter differs from what is stored",
    "the ledger's held counter differs from what is held",
};

const char *rec_kind_name(enum rec_kind k)
{
    return k < REC_KINDS ? kind_names[k] : "?";
}

static int cmp_attempt(const void *a, const void *b)
{
    const struct rec_attempt *x = a, *y = b;
    int c = x->key == y->key ? 0 : strcmp(x->key, y->key); /* callers often share keys */
    return c ? c : (x->t_send > y->t_send) - (x->t_send < y->t_send);
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp((*(const struct rec_key *const *)a)->key,
                  (*(const struct rec_key *const *)b)->key);
}

static bool oversold_kind(enum rec_kind k)
{
    return k <= REC_OVERSOLD_LEDGER_PEAK;
}

/* A finding of kind at x's key (marked in x->fired), into r. */
static void find(struct rec_result *r, struct rec_key_result *x, enum rec_kind kind, const char *id,
                 int64_t expected, int64_t got, uint64_t at)
{
    r->by_kind[kind]++;
    x->fired |= 1u << kind;
    if (!oversold_kind(kind)) /* an overbooking is counted once per key by judge */
        r->violations++;
    if (r->nfindings < REC_FINDINGS_MAX)
        r->findings[r->nfindings++] = (struct rec_finding){ kind, x->key, id, expected, got, at };
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
                      struct rec_key_result *x, struct rec_result *r)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i].op != REC_BOOK || !a[i].id)
            continue;
        const struct rec_id *s = id_find(k, a[i].id);
        if (a[i].outcome == REC_FAIL && s)
            find(r, x, REC_ID_FAILED_STORED, a[i].id, 0, s->qty, 0);
        if (a[i].outcome != REC_OK || cancelled(a, n, a[i].id))
            continue;
        if (!s)
            find(r, x, REC_ID_MISSING, a[i].id, a[i].qty, 0, 0);
        else if (s->qty != a[i].qty)
            find(r, x, REC_ID_QTY, a[i].id, a[i].qty, s->qty, 0);
    }
}

/* The told and the bound figures of a[0..n) into *x. */
static void sums(const struct rec_attempt *a, size_t n, int64_t slack, struct rec_key_result *x)
{
    int64_t okb = 0, ub = 0, okc = 0, uc = 0, lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t q = a[i].qty;
        bool book = a[i].op == REC_BOOK;
        enum rec_outcome o = a[i].outcome;
        *(book ? &okb : &okc) += o == REC_OK ? q : 0;
        *(book ? &ub : &uc) += o == REC_UNKNOWN ? q : 0;
        if (o == REC_UNKNOWN && a[i].resolved != REC_UNRESOLVED)
            o = a[i].resolved == REC_HAPPENED ? REC_OK : REC_FAIL;
        lo += book ? (o == REC_OK ? q : 0) : (o != REC_FAIL ? -q : 0);
        hi += book ? (o != REC_FAIL ? q : 0) : (o == REC_OK ? -q : 0);
    }
    x->acked = okb - okc - uc;
    x->low = lo;
    x->high = hi + slack;
}

/* One key: its attempts a[0..n) (n may be 0) against what is stored; its figures into
 * *x. Each rule: the kind it finds, whether the key breaks it, the bound and the figure
 * that broke it. */
static int judge(const struct rec_key *k, const struct rec_attempt *a, size_t n,
                 struct rec_key_result *x, struct rec_result *r)
{
    bool led = k->ledger != NULL;
    struct rec_ledger l = led ? *k->ledger : (struct rec_ledger){ 0, 0, 0 };
    int64_t c = k->capacity, s = k->stored, h = k->held;
    *x = (struct rec_key_result){ .key = k->key, .capacity = c, .stored = s, .held = h };
    sums(a, n, k->slack, x);
    if ((x->peak = peak(a, n, &x->peak_at)) < 0)
        return -1;
    x->drift = s > x->high ? s - x->high : s < x->low ? s - x->low : 0;
    /* clang-format off */
    const struct { enum rec_kind kind; bool broken; int64_t bound, got; } rule[] = {
        { REC_LOST,                 s < x->low,                   x->low,  s },
        { REC_PHANTOM,              s > x->high,                  x->high, s },
        { REC_OVERSOLD,             s + h > c,                    c,       s + h },
        { REC_OVERSOLD_IN_TIME,     x->peak > c,                  c,       x->peak },
        { REC_OVERSOLD_LEDGER,      led && l.stored + l.held > c, c,       l.stored + l.held },
        { REC_OVERSOLD_LEDGER_PEAK, led && l.peak > c,            c,       l.peak },
        { REC_LEDGER_STORED,        led && l.stored != s,         s,       l.stored },
        { REC_LEDGER_HELD,          led && l.held != h,           h,       l.held },
    };
    /* clang-format on */
    for (size_t i = 0; i < sizeof rule / sizeof rule[0]; i++) {
        if (!rule[i].broken)
            continue;
        enum rec_kind kind = rule[i].kind;
        find(r, x, kind, NULL, rule[i].bound, rule[i].got,
             kind == REC_OVERSOLD_IN_TIME ? x->peak_at : 0);
        if (oversold_kind(kind) && rule[i].got - c > x->excess)
            x->excess = rule[i].got - c;
    }
    r->overbookings += x->excess > 0;
    if (k->ids)
        check_ids(k, a, n, x, r);
    return 0;
}

int rec_reconcile(struct rec_attempt *a, size_t na, const struct rec_key *keys, size_t nk,
                  struct rec_key_result *out, struct rec_result *r)
{
    memset(r, 0, sizeof *r);
    const struct rec_key **ks = malloc((nk + 1) * sizeof *ks);
    if (!ks)
        return -1;
    for (size_t j = 0; j < nk; j++)
        ks[j] = &keys[j];
    if (na) /* a may be NULL then */
        qsort(a, na, sizeof *a, cmp_attempt);
    qsort(ks, nk, sizeof *ks, cmp_key);
    size_t i = 0, j = 0;
    int rc = 0;
    while (rc == 0 && (i < na || j < nk)) {
        int c = i == na ? 1 : j == nk ? -1 : strcmp(a[i].key, ks[j]->key);
        size_t n = 0;
        struct rec_key_result x = { .key = i < na ? a[i].key : NULL };
        while (c <= 0 && i + n < na
               && (a[i + n].key == a[i].key || !strcmp(a[i + n].key, a[i].key)))
            n++;
        if (c < 0)
            find(r, &x, REC_KEY_MISSING, NULL, 0, 0, 0);
        else if ((rc = judge(ks[j], a + i, n, out ? &out[ks[j] - keys] : &x, r)) != 0)
            break;
        i += n;
        j += c >= 0;
    }
    free(ks);
    return rc;
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
            x->id ? " id " : "", x->id ? x->id : "",
            x->kind == REC_LOST                                          ? "at least"
            : x->kind == REC_LEDGER_STORED || x->kind == REC_LEDGER_HELD ? "exactly"
                                                                         : "at most",
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
