/*
 * fuzz_router.c: libFuzzer harness for the router (router_match), which sees the
 * method and the path of every request before anything else does.
 *
 * Input: "METHOD PATH" (the first space splits; no space: the method is GET). Properties:
 * a match has a route below ROUTE_COUNT and an id > 0 exactly when its pattern has
 * {id}, and that id is the decimal text of the matching path segment; a 405 names at
 * least one method in Allow, which is NUL-terminated and never names the method asked;
 * routing is a pure function (the same input gives the same answer twice).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int has_id(enum route r)
{
    return r == ROUTE_HOTEL_ROOM_TYPES || r == ROUTE_HOLD_GET || r == ROUTE_HOLD_DELETE
           || r == ROUTE_BOOKING_GET || r == ROUTE_BOOKING_CANCEL;
}

static void check_match(const char *method, const char *path, const struct router_match *m)
{
    char digits[32];
    if (m->route >= ROUTE_COUNT || (m->id > 0) != has_id(m->route) || m->id < 0)
        abort();
    if (strcmp(router_name(m->route), "unmatched") == 0)
        abort();
    if (strncmp(router_name(m->route), method, strlen(method)) != 0)
        abort(); /* the route's label starts with its method */
    if (m->id > 0) {
        snprintf(digits, sizeof digits, "/%" PRId64, m->id);
        if (strstr(path, digits) == NULL)
            abort();
    }
}

/* allow_names: whether the Allow list "A, B" holds method as one of its items. */
static int allow_names(const char *allow, const char *method)
{
    size_t n = strlen(method);
    for (const char *p = allow; *p != '\0';) {
        size_t item = strcspn(p, ",");
        if (item == n && strncmp(p, method, n) == 0)
            return 1;
        p += item;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (in == NULL)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    char *sp = strchr(in, ' ');
    const char *method = "GET", *path = in;
    if (sp != NULL) {
        *sp = '\0';
        method = in;
        path = sp + 1;
    }
    struct router_match m, again;
    memset(&m, 0xa5, sizeof m);
    enum router_rc rc = router_match(method, path, &m);
    if (memchr(m.allow, '\0', sizeof m.allow) == NULL)
        abort();
    switch (rc) {
    case ROUTER_OK: check_match(method, path, &m); break;
    case ROUTER_METHOD_NOT_ALLOWED:
        if (m.allow[0] == '\0' || m.route != ROUTE_UNMATCHED || allow_names(m.allow, method))
            abort();
        break;
    case ROUTER_NOT_FOUND:
        if (m.allow[0] != '\0' || m.route != ROUTE_UNMATCHED)
            abort();
        break;
    default: abort();
    }
    if (router_match(method, path, &again) != rc || again.route != m.route || again.id != m.id
        || strcmp(again.allow, m.allow) != 0)
        abort();
    free(in);
    return 0;
}
