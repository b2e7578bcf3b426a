/*
 * executor.c: k6's executors as schedule arithmetic (see executor.h).
 *
 * All times are seconds from the start of the run. Rates in the configuration are
 * per time_unit_s; they are turned into per-second rates here and nowhere else.
 */
#include "load/engine/executor.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "load/engine/duration.h"

static const char *const exec_names[] = {
    "shared-iterations", "per-vu-iterations",     "constant-vus",
    "ramping-vus",       "constant-arrival-rate", "ramping-arrival-rate",
};

#define EXEC_EPS 1e-9

void exec_defaults(struct lr_exec_config *c, enum lr_executor type)
{
    memset(c, 0, sizeof *c);
    c->type = type;
    c->vus = 1;
    c->iterations = 1;
    c->max_duration_s = 600;
    c->graceful_stop_s = 30;
    c->graceful_ramp_down_s = 30;
    c->time_unit_s = 1;
}

const char *exec_name(enum lr_executor type)
{
    return (unsigned)type < sizeof exec_names / sizeof *exec_names ? exec_names[type] : "?";
}

int exec_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof exec_names / sizeof *exec_names; i++)
        if (strcmp(name, exec_names[i]) == 0)
            return (int)i;
    return -1;
}

static bool is_arrival(const struct lr_exec_config *c)
{
    return c->type == LR_EXEC_CONSTANT_ARRIVAL_RATE || c->type == LR_EXEC_RAMPING_ARRIVAL_RATE;
}

static bool has_stages(const struct lr_exec_config *c)
{
    return c->type == LR_EXEC_RAMPING_VUS || c->type == LR_EXEC_RAMPING_ARRIVAL_RATE;
}

static int check_stages(const struct lr_exec_config *c, char *err, size_t errlen)
{
    if (c->nstages < 1 || c->nstages > LR_MAX_STAGES) {
        snprintf(err, errlen, "%s needs 1..%d stages", exec_name(c->type), LR_MAX_STAGES);
        return -1;
    }
    for (int i = 0; i < c->nstages; i++)
        if (!(c->stages[i].duration_s >= 0) || !(c->stages[i].target >= 0)) {
            snprintf(err, errlen, "stage %d: duration and target must be >= 0", i + 1);
            return -1;
        }
    if (exec_duration(c) <= 0) {
        snprintf(err, errlen, "the stages last no time");
        return -1;
    }
    return 0;
}

int exec_check(const struct lr_exec_config *c, char *err, size_t errlen)
{
    if ((unsigned)c->type > LR_EXEC_RAMPING_ARRIVAL_RATE) {
        snprintf(err, errlen, "unknown executor");
        return -1;
    }
    if (has_stages(c) && check_stages(c, err, errlen) != 0)
        return -1;
    if (is_arrival(c)) {
        if (c->pre_allocated_vus < 1 || c->max_vus < c->pre_allocated_vus
            || !(c->time_unit_s > 0)) {
            snprintf(err, errlen,
                     "%s needs preAllocatedVUs >= 1, maxVUs >= "
                     "preAllocatedVUs and timeUnit > 0",
                     exec_name(c->type));
            return -1;
        }
        if (c->type == LR_EXEC_CONSTANT_ARRIVAL_RATE && !(c->rate > 0 && c->duration_s > 0)) {
            snprintf(err, errlen, "constant-arrival-rate needs rate > 0 and duration > 0");
            return -1;
        }
        return 0;
    }
    if (c->type != LR_EXEC_RAMPING_VUS && c->vus < 1) {
        snprintf(err, errlen, "%s needs vus >= 1", exec_name(c->type));
        return -1;
    }
    if (c->type == LR_EXEC_CONSTANT_VUS && !(c->duration_s > 0)) {
        snprintf(err, errlen, "constant-vus needs a duration > 0");
        return -1;
    }
    if ((c->type == LR_EXEC_SHARED_ITERATIONS || c->type == LR_EXEC_PER_VU_ITERATIONS)
        && (c->iterations < 1 || !(c->max_duration_s > 0))) {
        snprintf(err, errlen, "%s needs iterations >= 1 and maxDuration > 0", exec_name(c->type));
        return -1;
    }
    return 0;
}

int exec_vus_max(const struct lr_exec_config *c)
{
    switch (c->type) {
    case LR_EXEC_SHARED_ITERATIONS: return c->iterations < c->vus ? (int)c->iterations : c->vus;
    case LR_EXEC_RAMPING_VUS: {
        double m = c->start_vus;
        for (int i = 0; i < c->nstages; i++)
            m = fmax(m, c->stages[i].target);
        return (int)m;
    }
    case LR_EXEC_CONSTANT_ARRIVAL_RATE:
    case LR_EXEC_RAMPING_ARRIVAL_RATE: return c->max_vus;
    default: return c->vus;
    }
}

double exec_duration(const struct lr_exec_config *c)
{
    double d = 0;
    switch (c->type) {
    case LR_EXEC_SHARED_ITERATIONS:
    case LR_EXEC_PER_VU_ITERATIONS: return c->max_duration_s;
    case LR_EXEC_CONSTANT_VUS:
    case LR_EXEC_CONSTANT_ARRIVAL_RATE: return c->duration_s;
    default:
        for (int i = 0; i < c->nstages; i++)
            d += c->stages[i].duration_s;
        return d;
    }
}

int exec_parts_vus_max(const struct lr_part *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v += exec_vus_max(&p[i].exec);
    return v;
}

double exec_parts_end(const struct lr_part *p, int n)
{
    double end = 0;
    for (int i = 0; i < n; i++)
        end = fmax(end, p[i].start_s + exec_duration(&p[i].exec));
    return end;
}

double exec_parts_span(const struct lr_part *p, int n, bool ramp_down)
{
    double end = 0;
    for (int i = 0; i < n; i++) {
        const struct lr_exec_config *c = &p[i].exec;
        double down = ramp_down ? c->graceful_ramp_down_s : 0;
        end = fmax(end, p[i].start_s + exec_duration(c) + c->graceful_stop_s + down);
    }
    return end;
}

int64_t exec_parts_iterations(const struct lr_part *p, int n)
{
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        const struct lr_exec_config *c = &p[i].exec;
        if (c->type == LR_EXEC_SHARED_ITERATIONS)
            total += c->iterations;
        else if (c->type == LR_EXEC_PER_VU_ITERATIONS)
            total += c->iterations * c->vus;
        else
            return -1;
    }
    return total;
}

/* What exec_describe says of c's shape, before the parenthesis. */
static void describe_shape(const struct lr_exec_config *c, char *buf, size_t len)
{
    char d[32];
    dur_format_ms(exec_duration(c) * 1e3, d, sizeof d);
    switch (c->type) {
    case LR_EXEC_SHARED_ITERATIONS:
        snprintf(buf, len, "%lld iterations shared among %d VUs", (long long)c->iterations,
                 exec_vus_max(c));
        break;
    case LR_EXEC_PER_VU_ITERATIONS:
        snprintf(buf, len, "%lld iterations for each of %d VUs", (long long)c->iterations, c->vus);
        break;
    case LR_EXEC_CONSTANT_VUS: snprintf(buf, len, "%d looping VUs for %s", c->vus, d); break;
    case LR_EXEC_RAMPING_VUS:
        snprintf(buf, len, "up to %d looping VUs for %s over %d stages", exec_vus_max(c), d,
                 c->nstages);
        break;
    case LR_EXEC_CONSTANT_ARRIVAL_RATE:
        snprintf(buf, len, "%.2f iterations/s for %s", c->rate / c->time_unit_s, d);
        break;
    default: {
        double top = c->start_rate;
        for (int i = 0; i < c->nstages; i++)
            top = fmax(top, c->stages[i].target);
        snprintf(buf, len, "up to %.2f iterations/s for %s over %d stages", top / c->time_unit_s, d,
                 c->nstages);
    }
    }
}

char *exec_describe(const struct lr_exec_config *c, double start_s, char *buf, size_t len)
{
    char shape[160], a[32], b[32], extra[96] = "";
    size_t o = 0;
    describe_shape(c, shape, sizeof shape);
    if (c->type == LR_EXEC_SHARED_ITERATIONS || c->type == LR_EXEC_PER_VU_ITERATIONS)
        o += (size_t)snprintf(extra + o, sizeof extra - o, "maxDuration: %s, ",
                              dur_format_ms(c->max_duration_s * 1e3, a, sizeof a));
    if (is_arrival(c))
        o += (size_t)snprintf(extra + o, sizeof extra - o, "maxVUs: %d-%d, ", c->pre_allocated_vus,
                              c->max_vus);
    if (c->type == LR_EXEC_RAMPING_VUS && o < sizeof extra)
        o += (size_t)snprintf(extra + o, sizeof extra - o, "gracefulRampDown: %s, ",
                              dur_format_ms(c->graceful_ramp_down_s * 1e3, a, sizeof a));
    if (start_s > 0 && o < sizeof extra)
        snprintf(extra + o, sizeof extra - o, "startTime: %s, ",
                 dur_format_ms(start_s * 1e3, b, sizeof b));
    snprintf(buf, len, "%s (%sgracefulStop: %s)", shape, extra,
             dur_format_ms(c->graceful_stop_s * 1e3, a, sizeof a));
    return buf;
}

char *exec_parts_describe(const struct lr_part *p, int n, char *buf, size_t len)
{
    char span[32], one[320];
    size_t o =
        (size_t)snprintf(buf, len,
                         "  scenarios: %d scenario%s, %d max VUs, %s max duration (incl. "
                         "graceful stop):\n",
                         n, n == 1 ? "" : "s", exec_parts_vus_max(p, n),
                         dur_format_ms(exec_parts_span(p, n, false) * 1e3, span, sizeof span));
    for (int i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "           * %s: %s\n", p[i].name,
                              exec_describe(&p[i].exec, p[i].start_s, one, sizeof one));
    return buf;
}

/* The stage holding t: its index, start time and starting value in *from. Returns
 * nstages when t is past the last stage. */
static int stage_at(const struct lr_exec_config *c, double t, double first, double *start,
                    double *from)
{
    double s = 0, v = first;
    for (int i = 0; i < c->nstages; i++) {
        if (t < s + c->stages[i].duration_s) {
            *start = s;
            *from = v;
            return i;
        }
        s += c->stages[i].duration_s;
        v = c->stages[i].target;
    }
    *start = s;
    *from = v;
    return c->nstages;
}

int exec_vus_at(const struct lr_exec_config *c, double t)
{
    if (c->type != LR_EXEC_RAMPING_VUS)
        return is_arrival(c) ? 0 : exec_vus_max(c);
    double s, from;
    int i = stage_at(c, t, c->start_vus, &s, &from);
    if (i == c->nstages)
        return (int)from;
    double to = c->stages[i].target, v = from + (to - from) * (t - s) / c->stages[i].duration_s;
    /* the count moves one VU at a time, once the line has crossed the next integer */
    return to >= from ? (int)floor(v + EXEC_EPS) : (int)ceil(v - EXEC_EPS);
}

double exec_rate_at(const struct lr_exec_config *c, double t)
{
    if (c->type == LR_EXEC_CONSTANT_ARRIVAL_RATE)
        return t < c->duration_s ? c->rate / c->time_unit_s : 0;
    if (c->type != LR_EXEC_RAMPING_ARRIVAL_RATE)
        return 0;
    double s, from;
    int i = stage_at(c, t, c->start_rate, &s, &from);
    if (i == c->nstages)
        return 0;
    double to = c->stages[i].target;
    return (from + (to - from) * (t - s) / c->stages[i].duration_s) / c->time_unit_s;
}

/* Time into a stage at which the rate, going linearly from r0 to r1 (per second)
 * over d seconds, has added up to m iterations (m within the stage's total). */
static double stage_solve(double r0, double r1, double d, double m)
{
    if (m <= 0)
        return 0;
    double a = (r1 - r0) / (2 * d);
    if (fabs(a) < 1e-15)
        return m / r0;
    double disc = r0 * r0 + 4 * a * m;
    return 2 * m / (r0 + sqrt(disc > 0 ? disc : 0));
}

static double ramping_arrival_at(const struct lr_exec_config *c, uint64_t n)
{
    double s = 0, r0 = c->start_rate / c->time_unit_s, cum = 0, want = (double)n;
    for (int i = 0; i < c->nstages; i++) {
        double d = c->stages[i].duration_s, r1 = c->stages[i].target / c->time_unit_s;
        double total = (r0 + r1) / 2 * d;
        if (d > 0 && want < cum + total - EXEC_EPS)
            return s + stage_solve(r0, r1, d, want - cum);
        cum += total;
        s += d;
        r0 = r1;
    }
    return -1;
}

double exec_arrival_at(const struct lr_exec_config *c, uint64_t n)
{
    if (c->type == LR_EXEC_CONSTANT_ARRIVAL_RATE) {
        double t = (double)n * c->time_unit_s / c->rate;
        return t < c->duration_s - EXEC_EPS ? t : -1;
    }
    if (c->type == LR_EXEC_RAMPING_ARRIVAL_RATE)
        return ramping_arrival_at(c, n);
    return -1;
}

uint64_t exec_arrivals_total(const struct lr_exec_config *c)
{
    double total = 0, r0 = c->start_rate;
    if (c->type == LR_EXEC_CONSTANT_ARRIVAL_RATE)
        total = c->rate * c->duration_s / c->time_unit_s;
    else if (c->type == LR_EXEC_RAMPING_ARRIVAL_RATE)
        for (int i = 0; i < c->nstages; i++) {
            total += (r0 + c->stages[i].target) / 2 * c->stages[i].duration_s / c->time_unit_s;
            r0 = c->stages[i].target;
        }
    return total > 0 ? (uint64_t)ceil(total - EXEC_EPS) : 0;
}

bool exec_take(_Atomic int64_t *next, int64_t total, int64_t *idx)
{
    if (atomic_load_explicit(next, memory_order_relaxed) >= total)
        return false;
    int64_t i = atomic_fetch_add_explicit(next, 1, memory_order_relaxed);
    if (i >= total)
        return false;
    *idx = i;
    return true;
}

void exec_pool_init(struct exec_pool *p, uint32_t *stack, uint32_t pre, uint32_t max)
{
    p->stack = stack;
    p->max = max;
    p->inited = pre < max ? pre : max;
    p->nfree = 0;
    for (uint32_t i = p->inited; i > 0; i--)
        p->stack[p->nfree++] = i - 1;
}

int64_t exec_pool_get(struct exec_pool *p)
{
    if (p->nfree > 0)
        return p->stack[--p->nfree];
    if (p->inited < p->max)
        return p->inited++;
    return -1;
}

void exec_pool_put(struct exec_pool *p, uint32_t idx)
{
    if (p->nfree < p->max)
        p->stack[p->nfree++] = idx;
}

bool exec_cursor_due(const struct lr_exec_config *c, struct exec_cursor *cur, double t,
                     double *start)
{
    uint32_t stride = cur->stride ? cur->stride : 1;
    while (cur->seg && !seg_owns(cur->seg, cur->next))
        cur->next += stride;
    double at = exec_arrival_at(c, cur->next);
    *start = at;
    if (at < 0 || at > t)
        return false;
    cur->next += stride;
    return true;
}
