/*
 * router.c: the route table and a segment-wise matcher over it. The table is small
 * (twenty-one rows), so a linear scan is both simplest and fast enough.
 */
#include "server/router.h"

#include <stdio.h>
#include <string.h>

#include "server/validate.h"

struct route_def {
    const char *method;
    const char *pattern;
    enum route route;
    enum route_auth auth;
    const char *name;
};

static const struct route_def routes[] = {
    { "GET", "/health", ROUTE_HEALTH, AUTH_NONE, "GET /health" },
    { "GET", "/health/live", ROUTE_HEALTH_LIVE, AUTH_NONE, "GET /health/live" },
    { "GET", "/metrics", ROUTE_METRICS, AUTH_NONE, "GET /metrics" },
    { "GET", "/openapi.json", ROUTE_OPENAPI, AUTH_NONE, "GET /openapi.json" },
    { "POST", "/api/auth/register", ROUTE_REGISTER, AUTH_NONE, "POST /api/auth/register" },
    { "POST", "/api/auth/login", ROUTE_LOGIN, AUTH_NONE, "POST /api/auth/login" },
    { "GET", "/api/hotels", ROUTE_HOTELS, AUTH_NONE, "GET /api/hotels" },
    { "GET", "/api/hotels/{id}/room-types", ROUTE_HOTEL_ROOM_TYPES, AUTH_NONE,
      "GET /api/hotels/{id}/room-types" },
    { "GET", "/api/availability", ROUTE_AVAILABILITY, AUTH_NONE, "GET /api/availability" },
    { "POST", "/api/holds", ROUTE_HOLD_CREATE, AUTH_USER, "POST /api/holds" },
    { "GET", "/api/holds", ROUTE_HOLD_LIST, AUTH_USER, "GET /api/holds" },
    { "GET", "/api/holds/{id}", ROUTE_HOLD_GET, AUTH_USER, "GET /api/holds/{id}" },
    { "DELETE", "/api/holds/{id}", ROUTE_HOLD_DELETE, AUTH_USER, "DELETE /api/holds/{id}" },
    { "POST", "/api/bookings", ROUTE_BOOKING_CREATE, AUTH_USER, "POST /api/bookings" },
    { "GET", "/api/bookings", ROUTE_BOOKING_LIST, AUTH_USER, "GET /api/bookings" },
    { "GET", "/api/bookings/{id}", ROUTE_BOOKING_GET, AUTH_USER, "GET /api/bookings/{id}" },
    { "POST", "/api/bookings/{id}/cancel", ROUTE_BOOKING_CANCEL, AUTH_USER,
      "POST /api/bookings/{id}/cancel" },
    { "POST", "/api/admin/hotels", ROUTE_ADMIN_HOTEL_CREATE, AUTH_ADMIN, "POST /api/admin/hotels" },
    { "POST", "/api/admin/room-types", ROUTE_ADMIN_ROOM_TYPE_CREATE, AUTH_ADMIN,
      "POST /api/admin/room-types" },
    { "PUT", "/api/admin/inventory", ROUTE_ADMIN_INVENTORY_PUT, AUTH_ADMIN,
      "PUT /api/admin/inventory" },
    { "GET", "/api/admin/inventory", ROUTE_ADMIN_INVENTORY_GET, AUTH_ADMIN,
      "GET /api/admin/inventory" },
    { "GET", "/api/admin/integrity", ROUTE_ADMIN_INTEGRITY, AUTH_ADMIN,
      "GET /api/admin/integrity" },
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

/* path_matches: whether path fits pattern; sets *id from a {id} segment. */
static int path_matches(const char *pattern, const char *path, int64_t *id)
{
    *id = 0;
    while (*pattern != '\0' && *path != '\0') {
        if (strncmp(pattern, "{id}", 4) == 0) {
            size_t n = strcspn(path, "/");
            const char *why;
            if (validate_id(path, n, id, &why) != 0)
                return 0;
            pattern += 4;
            path += n;
        } else if (*pattern++ != *path++) {
            return 0;
        }
    }
    return *pattern == '\0' && *path == '\0';
}

static void add_allow(char *allow, size_t cap, const char *method)
{
    size_t n = strlen(allow);
    if (strstr(allow, method) == NULL)
        snprintf(allow + n, cap - n, "%s%s", n ? ", " : "", method);
}

enum router_rc router_match(const char *method, const char *path, struct router_match *m)
{
    int64_t id;
    m->allow[0] = '\0';
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!path_matches(routes[i].pattern, path, &id))
            continue;
        if (strcmp(routes[i].method, method) == 0) {
            m->route = routes[i].route;
            m->auth = routes[i].auth;
            m->id = id;
            return ROUTER_OK;
        }
        add_allow(m->allow, sizeof m->allow, routes[i].method);
    }
    m->route = ROUTE_UNMATCHED;
    m->auth = AUTH_NONE;
    m->id = 0;
    return m->allow[0] ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
}

int router_route_at(size_t i, const char **method, const char **pattern, enum route_auth *auth)
{
    if (i >= N_ROUTES)
        return -1;
    *method = routes[i].method;
    *pattern = routes[i].pattern;
    *auth = routes[i].auth;
    return 0;
}

const char *router_name(enum route r)
{
    for (size_t i = 0; i < N_ROUTES; i++)
        if (routes[i].route == r)
            return routes[i].name;
    return "unmatched";
}
