/*
 * test_srv_router.c: every route of the table, ids, 404 and 405 with Allow.
 */
#include "unit.h"
#include <stdlib.h>

#include "server/router.h"

static enum route match_ok(const char *method, const char *path, int64_t *id)
{
    struct router_match m;
    ck_assert_msg(router_match(method, path, &m) == ROUTER_OK, "%s %s did not match", method, path);
    *id = m.id;
    return m.route;
}

START_TEST(test_routes)
{
    static const struct {
        const char *method, *path;
        enum route r;
        int64_t id;
    } cases[] = {
        { "GET", "/health", ROUTE_HEALTH, 0 },
        { "GET", "/health/live", ROUTE_HEALTH_LIVE, 0 },
        { "GET", "/metrics", ROUTE_METRICS, 0 },
        { "GET", "/openapi.json", ROUTE_OPENAPI, 0 },
        { "POST", "/api/auth/register", ROUTE_REGISTER, 0 },
        { "POST", "/api/auth/login", ROUTE_LOGIN, 0 },
        { "GET", "/api/hotels", ROUTE_HOTELS, 0 },
        { "GET", "/api/hotels/17/room-types", ROUTE_HOTEL_ROOM_TYPES, 17 },
        { "GET", "/api/availability", ROUTE_AVAILABILITY, 0 },
        { "POST", "/api/holds", ROUTE_HOLD_CREATE, 0 },
        { "GET", "/api/holds/5", ROUTE_HOLD_GET, 5 },
        { "DELETE", "/api/holds/123456789012345678", ROUTE_HOLD_DELETE, 123456789012345678LL },
        { "POST", "/api/bookings", ROUTE_BOOKING_CREATE, 0 },
        { "GET", "/api/bookings", ROUTE_BOOKING_LIST, 0 },
        { "GET", "/api/bookings/9", ROUTE_BOOKING_GET, 9 },
        { "POST", "/api/bookings/9/cancel", ROUTE_BOOKING_CANCEL, 9 },
        { "POST", "/api/admin/hotels", ROUTE_ADMIN_HOTEL_CREATE, 0 },
        { "POST", "/api/admin/room-types", ROUTE_ADMIN_ROOM_TYPE_CREATE, 0 },
        { "PUT", "/api/admin/inventory", ROUTE_ADMIN_INVENTORY_PUT, 0 },
        { "GET", "/api/admin/inventory", ROUTE_ADMIN_INVENTORY_GET, 0 },
        { "GET", "/api/admin/integrity", ROUTE_ADMIN_INTEGRITY, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t id = -1;
        ck_assert_int_eq(match_ok(cases[i].method, cases[i].path, &id), cases[i].r);
        ck_assert_int_eq(id, cases[i].id);
        ck_assert_str_ne(router_name(cases[i].r), "unmatched");
    }
}
END_TEST

START_TEST(test_auth_levels)
{
    struct router_match m;
    router_match("GET", "/api/hotels", &m);
    ck_assert_int_eq(m.auth, AUTH_NONE);
    router_match("POST", "/api/holds", &m);
    ck_assert_int_eq(m.auth, AUTH_USER);
    router_match("GET", "/api/admin/integrity", &m);
    ck_assert_int_eq(m.auth, AUTH_ADMIN);
}
END_TEST

START_TEST(test_not_found)
{
    static const char *paths[] = {
        "/",
        "",
        "/api",
        "/api/",
        "/api/holds/",
        "/api/holds/0",
        "/api/holds/01",
        "/api/holds/-1",
        "/api/holds/abc",
        "/api/holds/5/x",
        "/api/holds/1234567890123456789",
        "/healthz",
        "/health/",
        "/api/hotels//room-types",
        "/api/hotels/1/room-types/",
        "/API/holds",
        "/api/bookings/9/cancel/now",
    };
    struct router_match m;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        ck_assert_msg(router_match("GET", paths[i], &m) == ROUTER_NOT_FOUND, "'%s' matched",
                      paths[i]);
    ck_assert_int_eq(m.route, ROUTE_UNMATCHED);
    ck_assert_str_eq(router_name(ROUTE_UNMATCHED), "unmatched");
}
END_TEST

START_TEST(test_method_not_allowed)
{
    struct router_match m;
    ck_assert_int_eq(router_match("PATCH", "/api/holds/3", &m), ROUTER_METHOD_NOT_ALLOWED);
    ck_assert_str_eq(m.allow, "GET, DELETE");
    ck_assert_int_eq(router_match("DELETE", "/api/bookings", &m), ROUTER_METHOD_NOT_ALLOWED);
    ck_assert_str_eq(m.allow, "POST, GET");
    ck_assert_int_eq(router_match("POST", "/health", &m), ROUTER_METHOD_NOT_ALLOWED);
    ck_assert_str_eq(m.allow, "GET");
    ck_assert_int_eq(router_match("get", "/health", &m), ROUTER_METHOD_NOT_ALLOWED);
}
END_TEST

UNIT_MAIN("router", test_routes, test_auth_levels, test_not_found, test_method_not_allowed)
