/*
 * metrics.c: fixed arrays of atomic counters, rendered in the Prometheus text format
 * (version 0.0.4). Statuses are kept in a short fixed list; any other lands in "other".
 */
#include "server/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "server/buf.h"

static const int status_list[] = { 200, 201, 400, 401, 403, 404, 405, 409,
                                   410, 413, 422, 429, 431, 500, 503 };
#define N_STATUS (sizeof status_list / sizeof status_list[0] + 1) /* + "other" */
static const double bucket_le[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                    0.1,    0.25,  0.5,    1,     2.5,  5,     10 };
#define N_BUCKETS (sizeof bucket_le / sizeof bucket_le[0])
#define N_ROUTES  (ROUTE_COUNT + 1)

static _Atomic uint64_t requests[N_ROUTES][N_STATUS];
static _Atomic uint64_t buckets[N_ROUTES][N_BUCKETS + 1]; /* last: +Inf only */
static _Atomic uint64_t latency_sum_us[N_ROUTES];
static _Atomic uint64_t events[EV_COUNT];

static size_t status_slot(int status)
{
    for (size_t i = 0; i < N_STATUS - 1; i++)
        if (status_list[i] == status)
            return i;
    return N_STATUS - 1;
}

void metrics_request(enum route route, int status, int64_t latency_us)
{
    size_t r = (size_t)route < N_ROUTES ? (size_t)route : ROUTE_UNMATCHED;
    double s = (double)latency_us / 1e6;
    size_t b = 0;
    while (b < N_BUCKETS && s > bucket_le[b])
        b++;
    atomic_fetch_add_explicit(&requests[r][status_slot(status)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&buckets[r][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&latency_sum_us[r], (uint64_t)(latency_us > 0 ? latency_us : 0),
                              memory_order_relaxed);
}

void metrics_event(enum metrics_event ev, uint64_t n)
{
    if (ev > EV_NONE && ev < EV_COUNT)
        atomic_fetch_add_explicit(&events[ev], n, memory_order_relaxed);
}

static uint64_t get(_Atomic uint64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

static void render_requests(struct buf *b)
{
    buf_appendf(b,
                "# HELP lastroom_http_requests_total HTTP requests answered, by route and status.\n"
                "# TYPE lastroom_http_requests_total counter\n");
    for (size_t r = 0; r < N_ROUTES; r++)
        for (size_t s = 0; s < N_STATUS; s++) {
            uint64_t n = get(&requests[r][s]);
            if (n == 0)
                continue;
            if (s < N_STATUS - 1)
                buf_appendf(b, "lastroom_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                            router_name((enum route)r), status_list[s], (unsigned long long)n);
            else
                buf_appendf(b, "lastroom_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                            router_name((enum route)r), (unsigned long long)n);
        }
}

static void render_latency_route(struct buf *b, size_t r)
{
    uint64_t cum = 0;
    const char *name = router_name((enum route)r);
    for (size_t i = 0; i < N_BUCKETS; i++) {
        cum += get(&buckets[r][i]);
        buf_appendf(b,
                    "lastroom_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                    name, bucket_le[i], (unsigned long long)cum);
    }
    cum += get(&buckets[r][N_BUCKETS]);
    buf_appendf(b, "lastroom_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                name, (unsigned long long)cum);
    buf_appendf(b, "lastroom_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
                (double)get(&latency_sum_us[r]) / 1e6);
    buf_appendf(b, "lastroom_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
                (unsigned long long)cum);
}

static void render_latency(struct buf *b)
{
    buf_appendf(b, "# HELP lastroom_http_request_duration_seconds Time from request to answer.\n"
                   "# TYPE lastroom_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r < N_ROUTES; r++) {
        uint64_t any = 0;
        for (size_t i = 0; i <= N_BUCKETS; i++)
            any += get(&buckets[r][i]);
        if (any != 0)
            render_latency_route(b, r);
    }
}

static void render_one(struct buf *b, const char *name, const char *type, const char *help,
                       uint64_t v)
{
    buf_appendf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
                (unsigned long long)v);
}

static void render_pool(struct buf *b, const char *pool, const struct pool_stats *p)
{
    static const char *const names[] = { "size", "in_use", "idle", "waiting" };
    const int vals[] = { p->size, p->in_use, p->idle, p->waiting };
    for (int i = 0; i < 4; i++)
        buf_appendf(b, "lastroom_pool_%s{pool=\"%s\"} %d\n", names[i], pool, vals[i]);
    buf_appendf(b, "lastroom_pool_timeouts_total{pool=\"%s\"} %llu\n", pool,
                (unsigned long long)p->timeouts);
    buf_appendf(b, "lastroom_pool_unavailable_total{pool=\"%s\"} %llu\n", pool,
                (unsigned long long)p->unavailable);
    buf_appendf(b, "lastroom_pool_full_total{pool=\"%s\"} %llu\n", pool,
                (unsigned long long)p->full);
    buf_appendf(b, "lastroom_pool_connects_total{pool=\"%s\"} %llu\n", pool,
                (unsigned long long)p->connects);
    buf_appendf(b, "lastroom_pool_connect_failures_total{pool=\"%s\"} %llu\n", pool,
                (unsigned long long)p->connect_failures);
}

static void render_pools(struct buf *b, const struct pool_stats *db, const struct pool_stats *cpu)
{
    static const char *const gauges[] = { "size", "in_use", "idle", "waiting" };
    static const char *const counters[] = { "timeouts", "unavailable", "full", "connects",
                                            "connect_failures" };
    for (int i = 0; i < 4; i++)
        buf_appendf(b, "# TYPE lastroom_pool_%s gauge\n", gauges[i]);
    for (int i = 0; i < 5; i++)
        buf_appendf(b, "# TYPE lastroom_pool_%s_total counter\n", counters[i]);
    render_pool(b, "db", db);
    render_pool(b, "hash", cpu);
}

char *metrics_render(const struct pool_stats *db, const struct pool_stats *cpu, int holds_waiting,
                     int confirms_waiting)
{
    struct buf b;
    buf_init(&b, 4u << 20);
    render_requests(&b);
    render_latency(&b);
    render_pools(&b, db, cpu);
    buf_appendf(&b,
                "# HELP lastroom_coalesce_waiting Requests waiting in a lane for the next batch.\n"
                "# TYPE lastroom_coalesce_waiting gauge\n"
                "lastroom_coalesce_waiting{kind=\"holds\"} %d\n"
                "lastroom_coalesce_waiting{kind=\"confirms\"} %d\n",
                holds_waiting, confirms_waiting);
    render_one(&b, "lastroom_holds_created_total", "counter", "Holds created.",
               get(&events[EV_HOLD_CREATED]));
    render_one(&b, "lastroom_sold_out_total", "counter", "Hold requests refused as sold out.",
               get(&events[EV_SOLD_OUT]));
    render_one(&b, "lastroom_bookings_confirmed_total", "counter", "Bookings confirmed.",
               get(&events[EV_BOOKING_CONFIRMED]));
    render_one(&b, "lastroom_bookings_cancelled_total", "counter", "Bookings cancelled.",
               get(&events[EV_BOOKING_CANCELLED]));
    render_one(&b, "lastroom_holds_released_total", "counter", "Holds released by their owner.",
               get(&events[EV_HOLD_RELEASED]));
    render_one(&b, "lastroom_holds_expired_total", "counter",
               "Expired holds released by the sweeper.", get(&events[EV_HOLD_EXPIRED]));
    return buf_steal(&b);
}
