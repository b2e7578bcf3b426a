/*
 * router.h: the route table of lastroomd: method + path -> route, its id parameter,
 * the authentication it needs and the name it is counted under in /metrics.
 *
 * Paths are matched segment by segment; "{id}" matches a positive decimal integer of
 * at most 18 digits. A path that matches with another method gives the methods that
 * would match (for 405 and its Allow header). Pure: no allocation, no state.
 */
#ifndef LASTROOM_SERVER_ROUTER_H
#define LASTROOM_SERVER_ROUTER_H

#include <stddef.h>
#include <stdint.h>

enum route {
    ROUTE_HEALTH,
    ROUTE_HEALTH_LIVE,
    ROUTE_METRICS,
    ROUTE_OPENAPI,
    ROUTE_REGISTER,
    ROUTE_LOGIN,
    ROUTE_HOTELS,
    ROUTE_HOTEL_ROOM_TYPES,
    ROUTE_AVAILABILITY,
    ROUTE_HOLD_CREATE,
    ROUTE_HOLD_GET,
    ROUTE_HOLD_DELETE,
    ROUTE_BOOKING_CREATE,
    ROUTE_BOOKING_LIST,
    ROUTE_BOOKING_GET,
    ROUTE_BOOKING_CANCEL,
    ROUTE_ADMIN_HOTEL_CREATE,
    ROUTE_ADMIN_ROOM_TYPE_CREATE,
    ROUTE_ADMIN_INVENTORY_PUT,
    ROUTE_ADMIN_INVENTORY_GET,
    ROUTE_ADMIN_INTEGRITY,
    ROUTE_HOLD_LIST,
    ROUTE_COUNT,
    ROUTE_UNMATCHED = ROUTE_COUNT /* 404 / 405 / errors before routing, for metrics */
};

enum route_auth { AUTH_NONE, AUTH_USER, AUTH_ADMIN };

enum router_rc { ROUTER_OK, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };

struct router_match {
    enum route route;
    enum route_auth auth;
    int64_t id;     /* the {id} segment, 0 when the route has none */
    char allow[48]; /* on ROUTER_METHOD_NOT_ALLOWED: e.g. "GET, DELETE" */
};

/* router_match: look up method and path (the path without its query string). Returns
 * ROUTER_OK with m filled, ROUTER_NOT_FOUND, or ROUTER_METHOD_NOT_ALLOWED with
 * m->allow set. */
enum router_rc router_match(const char *method, const char *path, struct router_match *m);

/* router_route_at: row i of the route table: its method, its pattern ("{id}" for an id
 * segment) and the authentication it needs. Returns 0, or -1 when i is past the last
 * row. For checks that compare the table with another description of the API. */
int router_route_at(size_t i, const char **method, const char **pattern, enum route_auth *auth);

/* router_name: the route's label for metrics and logs, e.g. "POST /api/holds";
 * "unmatched" for ROUTE_UNMATCHED. */
const char *router_name(enum route r);

#endif
