/*
 * segment.c: execution segments, their dealing pattern and the scaling of an executor
 * to one part (see segment.h).
 *
 * Fractions stay exact: a point is num/den with den <= SEG_DEN_MAX, the pattern is
 * built over the sequence's least common denominator in integers, and shares of large
 * counts come from whole periods plus a prefix table, never from floating point.
 */
#include "load/engine/segment.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static int frac_cmp(struct seg_frac a, struct seg_frac b)
{
    __extension__ unsigned __int128 l = (unsigned __int128)a.num * b.den,
                                    r = (unsigned __int128)b.num * a.den;
    return l < r ? -1 : l > r;
}

static int frac_set(struct seg_frac *f, uint64_t num, uint64_t den, const char *text, char *err,
                    size_t errlen)
{
    uint64_t g = gcd(num, den);
    if (den == 0 || num > den) {
        snprintf(err, errlen, "segment point %s is not within 0..1", text);
        return -1;
    }
    f->num = num / g;
    f->den = den / g;
    if (f->den > SEG_DEN_MAX) {
        snprintf(err, errlen, "segment point %s: denominator above %llu", text,
                 (unsigned long long)SEG_DEN_MAX);
        return -1;
    }
    return 0;
}

/* Digits only, at most 18 of them. */
static int digits(const char *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 18)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return -1;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    *out = v;
    return 0;
}

int seg_parse_frac(const char *text, struct seg_frac *f, char *err, size_t errlen)
{
    size_t len = strlen(text);
    const char *slash = strchr(text, '/'), *dot = strchr(text, '.');
    uint64_t a = 0, b = 0, den = 1;
    if (slash) {
        if (digits(text, (size_t)(slash - text), &a) == 0
            && digits(slash + 1, strlen(slash + 1), &b) == 0)
            return frac_set(f, a, b, text, err, errlen);
    } else if (len > 1 && text[len - 1] == '%') {
        const char *d = memchr(text, '.', len - 1);
        size_t whole = d ? (size_t)(d - text) : len - 1, fr = d ? len - 2 - whole : 0;
        if (digits(text, whole, &a) == 0 && (!d || digits(d + 1, fr, &b) == 0) && fr < 9) {
            for (size_t i = 0; i < fr; i++)
                den *= 10;
            return frac_set(f, a * den + (d ? b : 0), 100 * den, text, err, errlen);
        }
    } else if (dot) {
        size_t fr = len - (size_t)(dot - text) - 1;
        if (digits(text, (size_t)(dot - text), &a) == 0 && digits(dot + 1, fr, &b) == 0 && fr < 10
            && a <= 1) {
            for (size_t i = 0; i < fr; i++)
                den *= 10;
            return frac_set(f, a * den + b, den, text, err, errlen);
        }
    } else if (digits(text, len, &a) == 0) {
        return frac_set(f, a, 1, text, err, errlen);
    }
    snprintf(err, errlen, "bad segment point %.64s (want 1/3, 0.25 or 25%%)", text);
    return -1;
}

int seg_parse(const char *text, struct segment *s, char *err, size_t errlen)
{
    char a[64];
    const char *colon = strchr(text, ':');
    if (strlen(text) >= sizeof a) {
        snprintf(err, errlen, "execution segment too long");
        return -1;
    }
    if (!colon) {
        s->from = (struct seg_frac){ 0, 1 };
        if (seg_parse_frac(text, &s->to, err, errlen) != 0)
            return -1;
    } else {
        snprintf(a, sizeof a, "%.*s", (int)(colon - text), text);
        if (seg_parse_frac(a, &s->from, err, errlen) != 0
            || seg_parse_frac(colon + 1, &s->to, err, errlen) != 0)
            return -1;
    }
    if (frac_cmp(s->from, s->to) >= 0) {
        snprintf(err, errlen, "execution segment %.64s: its start must be below its end", text);
        return -1;
    }
    return 0;
}

int seg_parse_sequence(const char *text, struct seg_frac *pts, int max, int *n, char *err,
                       size_t errlen)
{
    char one[64];
    *n = 0;
    for (const char *p = text;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len >= sizeof one || *n >= max) {
            snprintf(err, errlen, "execution segment sequence: too long");
            return -1;
        }
        snprintf(one, sizeof one, "%.*s", (int)len, p);
        if (seg_parse_frac(one, &pts[*n], err, errlen) != 0)
            return -1;
        if (*n > 0 && frac_cmp(pts[*n - 1], pts[*n]) >= 0) {
            snprintf(err, errlen, "execution segment sequence: points must ascend");
            return -1;
        }
        (*n)++;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (*n < 2 || pts[0].num != 0 || pts[*n - 1].num != pts[*n - 1].den) {
        snprintf(err, errlen, "execution segment sequence must run from 0 to 1");
        return -1;
    }
    return 0;
}

/* The default sequence 0, A, B, 1 (without repeats). */
static int default_sequence(const struct segment *s, struct seg_frac *pts)
{
    int n = 0;
    pts[n++] = (struct seg_frac){ 0, 1 };
    if (s->from.num != 0)
        pts[n++] = s->from;
    pts[n++] = s->to;
    if (s->to.num != s->to.den)
        pts[n++] = (struct seg_frac){ 1, 1 };
    return n;
}

/* Deal one period: indices 0..L-1 to the steps of pts, each to the step furthest
 * behind its share; keep the step `mine`'s prefix counts and positions. */
static void deal(struct seg_plan *p, const uint64_t *width, int steps, int mine)
{
    int64_t dealt[SEG_SEQ_MAX] = { 0 };
    uint64_t L = p->period;
    p->prefix[0] = 0;
    for (uint64_t i = 0; i < L; i++) {
        int best = 0;
        int64_t best_d = 0;
        for (int j = 0; j < steps; j++) {
            int64_t d = (int64_t)(width[j] * (i + 1)) - dealt[j] * (int64_t)L;
            if (j == 0 || d > best_d) {
                best = j;
                best_d = d;
            }
        }
        dealt[best]++;
        p->prefix[i + 1] = p->prefix[i] + (best == mine);
        if (best == mine)
            p->pos[p->prefix[i]] = (uint32_t)i;
    }
}

struct seg_plan *seg_plan_new(const struct segment *s, const struct seg_frac *pts_in, int n,
                              char *err, size_t errlen)
{
    struct seg_frac def[4];
    const struct seg_frac *pts = pts_in ? pts_in : def;
    if (!pts_in)
        n = default_sequence(s, def);
    int mine = -1;
    uint64_t L = 1;
    for (int i = 0; i + 1 < n; i++)
        if (frac_cmp(pts[i], s->from) == 0 && frac_cmp(pts[i + 1], s->to) == 0)
            mine = i;
    for (int i = 0; i < n && L <= SEG_PERIOD_MAX; i++)
        L = L / gcd(L, pts[i].den) * pts[i].den;
    if (mine < 0) {
        snprintf(err, errlen, "the execution segment is not a step of the sequence");
        return NULL;
    }
    if (L > SEG_PERIOD_MAX || L * (uint64_t)n > 50 * (uint64_t)SEG_PERIOD_MAX) {
        snprintf(err, errlen, "the segments' common denominator is above %u", SEG_PERIOD_MAX);
        return NULL;
    }
    uint64_t width[SEG_SEQ_MAX];
    for (int i = 0; i + 1 < n; i++)
        width[i] = pts[i + 1].num * (L / pts[i + 1].den) - pts[i].num * (L / pts[i].den);
    struct seg_plan *p = calloc(1, sizeof *p);
    if (p) {
        p->seg = *s;
        p->period = (uint32_t)L;
        p->per_period = (uint32_t)width[mine];
        p->prefix = calloc(L + 1, sizeof *p->prefix);
        p->pos = calloc(width[mine] + 1, sizeof *p->pos);
    }
    if (!p || !p->prefix || !p->pos) {
        seg_plan_free(p);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    deal(p, width, n - 1, mine);
    return p;
}

void seg_plan_free(struct seg_plan *p)
{
    if (!p)
        return;
    free(p->prefix);
    free(p->pos);
    free(p);
}

int64_t seg_share(const struct seg_plan *p, int64_t n)
{
    if (n <= 0)
        return 0;
    return n / p->period * p->per_period + p->prefix[n % p->period];
}

bool seg_owns(const struct seg_plan *p, uint64_t i)
{
    uint64_t r = i % p->period;
    return p->prefix[r + 1] > p->prefix[r];
}

int64_t seg_index(const struct seg_plan *p, int64_t k)
{
    return k / p->per_period * p->period + p->pos[k % p->per_period];
}

static int none(const struct seg_plan *p, const char *what, char *err, size_t errlen)
{
    char seg[96];
    seg_format(&p->seg, seg, sizeof seg);
    snprintf(err, errlen, "execution segment %s holds no %s of this test", seg, what);
    return -1;
}

int seg_apply(const struct seg_plan *p, struct lr_exec_config *c, char *err, size_t errlen)
{
    switch (c->type) {
    case LR_EXEC_SHARED_ITERATIONS:
        c->iterations = seg_share(p, c->iterations);
        if (c->iterations == 0)
            return none(p, "iteration", err, errlen);
        /* fallthrough */
    case LR_EXEC_PER_VU_ITERATIONS:
    case LR_EXEC_CONSTANT_VUS: c->vus = (int)seg_share(p, c->vus); break;
    case LR_EXEC_RAMPING_VUS:
        c->start_vus = (int)seg_share(p, c->start_vus);
        for (int i = 0; i < c->nstages; i++)
            c->stages[i].target = (double)seg_share(p, (int64_t)c->stages[i].target);
        break;
    default:
        c->max_vus = (int)seg_share(p, c->max_vus);
        c->pre_allocated_vus = (int)seg_share(p, c->pre_allocated_vus);
        if (c->pre_allocated_vus < 1 && c->max_vus >= 1)
            c->pre_allocated_vus = 1;
        return c->max_vus < 1 ? none(p, "VU", err, errlen) : 0;
    }
    bool any = c->vus >= 1 || c->start_vus >= 1;
    for (int i = 0; c->type == LR_EXEC_RAMPING_VUS && i < c->nstages; i++)
        any = any || c->stages[i].target >= 1;
    return any ? 0 : none(p, "VU", err, errlen);
}

static void frac_format(struct seg_frac f, char *out, size_t len)
{
    if (f.den == 1)
        snprintf(out, len, "%" PRIu64, f.num);
    else
        snprintf(out, len, "%" PRIu64 "/%" PRIu64, f.num, f.den);
}

void seg_format(const struct segment *s, char *out, size_t len)
{
    char a[48], b[48];
    frac_format(s->from, a, sizeof a);
    frac_format(s->to, b, sizeof b);
    snprintf(out, len, "%s:%s", a, b);
}
