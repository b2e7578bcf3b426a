/*
 * test_srv_metrics.c: the Prometheus text: request counts by route and status,
 * cumulative histogram buckets, events and the pools' gauges.
 */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "server/metrics.h"

static int has(const char *text, const char *line)
{
    return strstr(text, line) != NULL;
}

START_TEST(test_render)
{
    metrics_request(ROUTE_HOLD_CREATE, 201, 300);      /* 0.3 ms */
    metrics_request(ROUTE_HOLD_CREATE, 201, 3000);     /* 3 ms */
    metrics_request(ROUTE_HOLD_CREATE, 409, 20000000); /* 20 s: +Inf only */
    metrics_request(ROUTE_UNMATCHED, 404, 10);
    metrics_request(ROUTE_HEALTH, 418, 10); /* not in the list: "other" */
    metrics_event(EV_HOLD_CREATED, 2);
    metrics_event(EV_HOLD_EXPIRED, 5);
    metrics_event(EV_COUNT, 5); /* ignored */
    struct pool_stats db = { .size = 5, .in_use = 2, .idle = 3, .waiting = 7, .timeouts = 4 };
    struct pool_stats cpu = { .size = 2 };
    char *t = metrics_render(&db, &cpu, 3, 0);
    ck_assert_ptr_nonnull(t);
    ck_assert(has(t, "lastroom_http_requests_total{route=\"POST /api/holds\",status=\"201\"} 2\n"));
    ck_assert(has(t, "lastroom_http_requests_total{route=\"POST /api/holds\",status=\"409\"} 1\n"));
    ck_assert(has(t, "lastroom_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n"));
    ck_assert(has(t, "lastroom_http_requests_total{route=\"GET /health\",status=\"other\"} 1\n"));
    ck_assert(has(t, "duration_seconds_bucket{route=\"POST /api/holds\",le=\"0.0005\"} 1\n"));
    ck_assert(has(t, "duration_seconds_bucket{route=\"POST /api/holds\",le=\"0.005\"} 2\n"));
    ck_assert(has(t, "duration_seconds_bucket{route=\"POST /api/holds\",le=\"10\"} 2\n"));
    ck_assert(has(t, "duration_seconds_bucket{route=\"POST /api/holds\",le=\"+Inf\"} 3\n"));
    ck_assert(has(t, "duration_seconds_count{route=\"POST /api/holds\"} 3\n"));
    ck_assert(has(t, "duration_seconds_sum{route=\"POST /api/holds\"} 20.003300\n"));
    ck_assert(has(t, "\nlastroom_holds_created_total 2\n"));
    ck_assert(has(t, "\nlastroom_holds_expired_total 5\n"));
    ck_assert(has(t, "\nlastroom_sold_out_total 0\n"));
    ck_assert(has(t, "lastroom_pool_in_use{pool=\"db\"} 2\n"));
    ck_assert(has(t, "lastroom_pool_waiting{pool=\"db\"} 7\n"));
    ck_assert(has(t, "lastroom_pool_timeouts_total{pool=\"db\"} 4\n"));
    ck_assert(has(t, "lastroom_pool_size{pool=\"hash\"} 2\n"));
    ck_assert(has(t, "# TYPE lastroom_coalesce_waiting gauge\n"));
    ck_assert(has(t, "lastroom_coalesce_waiting{kind=\"holds\"} 3\n"));
    ck_assert(has(t, "lastroom_coalesce_waiting{kind=\"confirms\"} 0\n"));
    ck_assert(has(t, "# TYPE lastroom_http_request_duration_seconds histogram\n"));
    ck_assert(!has(t, "GET /api/hotels\"")); /* routes never seen stay out */
    free(t);
}
END_TEST

UNIT_MAIN("metrics", test_render)
