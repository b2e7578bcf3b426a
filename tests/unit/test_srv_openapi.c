/*
 * test_srv_openapi.c: the route table (router.c) and the OpenAPI document compiled into
 * lastroomd (docs/openapi.yaml) describe the same operations with the same
 * authentication: a route missing from the document, an operation the router does not
 * have, or a different auth fails with the route named. The drift check is also run
 * against deliberately altered copies of the document, to show that it catches each
 * kind of drift.
 */
#include "unit.h"
#include <check.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/openapi.h"
#include "server/router.h"

static const char *const auth_names[] = { "none", "user", "admin" };

/* doc_auth: the auth an operation's security (or the document's) asks for: [] is none,
 * [{bearer: []}] a user, [{bearer: [admin]}] an admin; NULL for anything else. */
static const char *doc_auth(const json_t *doc, const json_t *op)
{
    const json_t *sec = json_object_get(op, "security");
    if (sec == NULL)
        sec = json_object_get(doc, "security");
    if (!json_is_array(sec))
        return NULL;
    if (json_array_size(sec) == 0)
        return "none";
    const json_t *roles = json_object_get(json_array_get(sec, 0), "bearer");
    if (json_array_size(sec) != 1 || json_object_size(json_array_get(sec, 0)) != 1
        || !json_is_array(roles))
        return NULL;
    if (json_array_size(roles) == 0)
        return "user";
    const char *role = json_string_value(json_array_get(roles, 0));
    if (json_array_size(roles) == 1 && role != NULL && strcmp(role, "admin") == 0)
        return "admin";
    return NULL;
}

static void lower(const char *s, char *out, size_t cap)
{
    size_t i = 0;
    for (; s[i] != '\0' && i + 1 < cap; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[i] = '\0';
}

static int in_router(const char *method, const char *path)
{
    const char *m, *p;
    enum route_auth a;
    char lm[16];
    for (size_t i = 0; router_route_at(i, &m, &p, &a) == 0; i++) {
        lower(m, lm, sizeof lm);
        if (strcmp(lm, method) == 0 && strcmp(p, path) == 0)
            return 1;
    }
    return 0;
}

/* drift: "" when doc and the route table agree, else the first difference. */
static void drift(const json_t *doc, char *msg, size_t cap)
{
    const char *method, *path, *want, *got;
    enum route_auth auth;
    char lm[16];
    const json_t *paths = json_object_get(doc, "paths"), *item, *op;
    msg[0] = '\0';
    for (size_t i = 0; router_route_at(i, &method, &path, &auth) == 0; i++) {
        lower(method, lm, sizeof lm);
        op = json_object_get(json_object_get(paths, path), lm);
        if (op == NULL) {
            snprintf(msg, cap, "%s %s: in the router, not in the document", method, path);
            return;
        }
        want = auth_names[auth];
        got = doc_auth(doc, op);
        if (got == NULL || strcmp(want, got) != 0) {
            snprintf(msg, cap, "%s %s: the router needs auth %s, the document says %s", method,
                     path, want, got ? got : "something else");
            return;
        }
    }
    json_object_foreach((json_t *)paths, path, item)
    {
        json_object_foreach((json_t *)item, method, op)
        {
            if (strcmp(method, "parameters") == 0 || strcmp(method, "summary") == 0
                || strcmp(method, "description") == 0 || strcmp(method, "servers") == 0)
                continue;
            if (!in_router(method, path)) {
                snprintf(msg, cap, "%s %s: in the document, not in the router", method, path);
                return;
            }
        }
    }
}

static json_t *load_doc(void)
{
    json_error_t e;
    json_t *doc = json_loadb(openapi_json, openapi_json_len, 0, &e);
    ck_assert_msg(doc != NULL, "the embedded document is not JSON: %s (line %d)", e.text, e.line);
    return doc;
}

START_TEST(test_no_drift)
{
    char msg[256];
    json_t *doc = load_doc();
    ck_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    drift(doc, msg, sizeof msg);
    ck_assert_msg(msg[0] == '\0', "drift: %s", msg);
    json_decref(doc);
}
END_TEST

START_TEST(test_every_route_once)
{
    const char *m, *p, *path, *method;
    enum route_auth a;
    const json_t *item, *op;
    size_t routes = 0, ops = 0;
    json_t *doc = load_doc();
    while (router_route_at(routes, &m, &p, &a) == 0)
        routes++;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
        json_object_foreach((json_t *)item, method, op) ops +=
        json_is_object(op) && json_object_get(op, "responses") != NULL;
    ck_assert_uint_eq(routes, ROUTE_COUNT);
    ck_assert_uint_eq(ops, routes);
    json_decref(doc);
}
END_TEST

START_TEST(test_catches_route_missing_from_document)
{
    char msg[256];
    json_t *doc = load_doc();
    json_object_del(json_object_get(json_object_get(doc, "paths"), "/api/holds/{id}"), "delete");
    drift(doc, msg, sizeof msg);
    ck_assert_str_eq(msg, "DELETE /api/holds/{id}: in the router, not in the document");
    json_decref(doc);
}
END_TEST

START_TEST(test_catches_operation_missing_from_router)
{
    char msg[256];
    json_t *doc = load_doc();
    json_t *item = json_object_get(json_object_get(doc, "paths"), "/api/bookings/{id}");
    json_object_set(item, "delete", json_object_get(item, "get"));
    drift(doc, msg, sizeof msg);
    ck_assert_str_eq(msg, "delete /api/bookings/{id}: in the document, not in the router");
    json_decref(doc);
}
END_TEST

START_TEST(test_catches_auth_difference)
{
    char msg[256];
    json_t *doc = load_doc();
    json_t *op = json_object_get(
        json_object_get(json_object_get(doc, "paths"), "/api/admin/integrity"), "get");
    json_object_set_new(op, "security", json_pack("[{s:[]}]", "bearer"));
    drift(doc, msg, sizeof msg);
    ck_assert_str_eq(
        msg, "GET /api/admin/integrity: the router needs auth admin, the document says user");
    op = json_object_get(json_object_get(json_object_get(doc, "paths"), "/api/hotels"), "get");
    json_object_del(op, "security");
    json_object_set_new(doc, "security", json_pack("[{s:[]}]", "bearer"));
    drift(doc, msg, sizeof msg);
    ck_assert_str_eq(msg, "GET /api/hotels: the router needs auth none, the document says user");
    json_decref(doc);
}
END_TEST

UNIT_MAIN("openapi", test_no_drift, test_every_route_once, test_catches_route_missing_from_document,
          test_catches_operation_missing_from_router, test_catches_auth_difference)
