/*
 * test_load_openapi.c: lastroom-load's OpenAPI reader (openapi.c) on a small document
 * written for the test: the operation list, the exact script for operations with and
 * without an operationId (path parameters, query examples, a body from the example and
 * one sampled from the schema, tokens by role, header parameters, escaping), and the
 * refusals (unknown operation, not JSON, no paths).
 */
#include "unit.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/openapi.h"

static const char doc_text[] =
    "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"Pets \\\"R\\\" Us\",\"version\":\"1\"},"
    "\"servers\":[{\"url\":\"http://127.0.0.1:9\"}],\"security\":[{\"bearer\":[]}],"
    "\"paths\":{"
    "\"/pets/{pet id}\":{\"get\":{\"summary\":\"One pet\\nand more\",\"security\":[],"
    "  \"parameters\":[{\"$ref\":\"#/components/parameters/PetId\"},"
    "    {\"name\":\"fields\",\"in\":\"query\",\"example\":\"name,age\"},"
    "    {\"name\":\"page\",\"in\":\"query\",\"schema\":{\"type\":\"integer\"}}],"
    "  \"responses\":{\"200\":{\"description\":\"ok\"},\"404\":{\"description\":\"no\"}}},"
    " \"put\":{\"operationId\":\"renamePet\",\"security\":[{\"bearer\":[\"admin\"]}],"
    "  \"parameters\":[{\"$ref\":\"#/components/parameters/PetId\"},"
    "    {\"name\":\"X-Trace\",\"in\":\"header\",\"example\":\"t-1\"}],"
    "  \"requestBody\":{\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Pet\"}}}},"
    "  \"responses\":{\"200\":{\"description\":\"ok\"},\"204\":{\"description\":\"ok\"}}}},"
    "\"/pets\":{\"post\":{\"operationId\":\"addPet\",\"parameters\":[{\"name\":\"Idempotency-Key\",\"in\":\"header\"}],"
    "  \"requestBody\":{\"content\":{\"application/json\":{\"example\":{\"name\":\"Rex \\\"the\\\" dog\",\"end\":true,\"tags\":[1,2.5]}}}},"
    "  \"responses\":{\"201\":{\"description\":\"made\"}}}}},"
    "\"components\":{\"parameters\":{\"PetId\":{\"name\":\"pet id\",\"in\":\"path\",\"required\":true,\"example\":42}},"
    "  \"schemas\":{\"Pet\":{\"type\":\"object\",\"required\":[\"name\",\"age\",\"kind\"],\"properties\":{"
    "    \"name\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\",\"minimum\":1},"
    "    \"kind\":{\"enum\":[\"cat\",\"dog\"]},\"owner\":{\"type\":\"string\"}}}}}}";

static char path[] = "/tmp/test_openapi_XXXXXX";

static struct openapi_doc *open_text(const char *text, char *err, size_t cap)
{
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct openapi_doc *doc = openapi_open(path, err, cap);
    unlink(path);
    strcpy(path + strlen(path) - 6, "XXXXXX");
    return doc;
}

/* The test document open, and a stream whose text the test reads after fclose. */
struct capture {
    struct openapi_doc *doc;
    FILE *out;
    char *text;
    size_t len;
    char err[256];
};

static void capture_begin(struct capture *c)
{
    c->doc = open_text(doc_text, c->err, sizeof c->err);
    ck_assert_msg(c->doc != NULL, "%s", c->err);
    c->text = NULL;
    c->out = open_memstream(&c->text, &c->len);
    ck_assert_ptr_nonnull(c->out);
}

static void capture_free(struct capture *c)
{
    free(c->text);
    openapi_close(c->doc);
}

START_TEST(test_list)
{
    struct capture c;
    capture_begin(&c);
    openapi_list(c.doc, c.out);
    fclose(c.out);
    ck_assert_str_eq(
        c.text,
        "-                      GET    /pets/{pet id}                   none        One pet and more\n"
        "renamePet              PUT    /pets/{pet id}                   token:admin \n"
        "addPet                 POST   /pets                            token       \n");
    capture_free(&c);
}
END_TEST

START_TEST(test_script)
{
    struct capture c;
    const char *names[] = { "GET /pets/{pet id}", "renamePet", "addPet" };
    capture_begin(&c);
    ck_assert_int_eq(openapi_script(c.doc, "pets.json", names, 3, c.out, c.err, sizeof c.err), 0);
    fclose(c.out);
    ck_assert_str_eq(
        c.text,
        "-- A starting script for Pets \"R\" Us, written by lastroom-load openapi script from its OpenAPI\n"
        "-- document. Edit the values, then: lastroom-load run FILE.lua -e API_URL=http://...\n"
        "-- TOKEN (ADMIN_TOKEN for an admin's operations) is the bearer token; -e ID=... and the\n"
        "-- like set path parameters.\n"
        "local http = require \"lastroom.http\"\n"
        "local lr = require \"lastroom\"\n\n"
        "local base = lr.env.API_URL or \"http://127.0.0.1:9\"\n\n"
        "options = { vus = 1, iterations = 1 }\n\n"
        "function default()\n"
        "  do   -- GET /pets/{pet id}: One pet and more\n"
        "    local p_pet_id = lr.env.PET_ID or \"42\"\n"
        "    local r = http.get(base .. \"/pets/\" .. p_pet_id .. \"?fields=name%2Cage\", "
        "{ headers = { }, tags = { name = \"GET /pets/{pet id}\" } })\n"
        "    lr.check(r, { [\"GET /pets/{pet id}: status 200\"] = function(res) return res.status == 200 end })\n"
        "  end\n"
        "  do   -- renamePet\n"
        "    local p_pet_id = lr.env.PET_ID or \"42\"\n"
        "    local body = { name = \"\", age = 1, kind = \"cat\" }\n"
        "    local r = http.request(\"PUT\", base .. \"/pets/\" .. p_pet_id, body, { headers = { "
        "Authorization = \"Bearer \" .. (lr.env.ADMIN_TOKEN or \"\"), [\"X-Trace\"] = \"t-1\", }, "
        "tags = { name = \"renamePet\" } })\n"
        "    lr.check(r, { [\"renamePet: status 200/204\"] = function(res) return res.status == 200 or "
        "res.status == 204 end })\n"
        "  end\n"
        "  do   -- addPet\n"
        "    local body = { name = \"Rex \\\"the\\\" dog\", [\"end\"] = true, tags = { 1, 2.5 } }\n"
        "    local r = http.post(base .. \"/pets\", body, { headers = { Authorization = \"Bearer \" .. "
        "(lr.env.TOKEN or \"\"), [\"Idempotency-Key\"] = lr.uuid(), }, tags = { name = \"addPet\" } })\n"
        "    lr.check(r, { [\"addPet: status 201\"] = function(res) return res.status == 201 end })\n"
        "  end\n"
        "end\n");
    capture_free(&c);
}
END_TEST

START_TEST(test_unknown_operation)
{
    struct capture c;
    const char *names[] = { "addPet", "deletePet" };
    capture_begin(&c);
    ck_assert_int_eq(openapi_script(c.doc, "pets.json", names, 2, c.out, c.err, sizeof c.err), -1);
    fclose(c.out);
    ck_assert_str_eq(
        c.err,
        "no operation 'deletePet' in pets.json (lastroom-load openapi list pets.json shows them)");
    ck_assert_str_eq(c.text, "");
    capture_free(&c);
}
END_TEST

START_TEST(test_refusals)
{
    char err[256];
    ck_assert_ptr_null(open_text("openapi: 3.1.0\n", err, sizeof err));
    ck_assert_msg(strstr(err, ": not a JSON document (line 1: ") != NULL, "%s", err);
    ck_assert_ptr_null(open_text("{\"openapi\":\"3.1.0\"}", err, sizeof err));
    ck_assert_msg(strstr(err, ": no \"paths\" object: not an OpenAPI document") != NULL, "%s", err);
    ck_assert_ptr_null(openapi_open("/nonexistent/doc.json", err, sizeof err));
    ck_assert_str_eq(err, "/nonexistent/doc.json: not a readable file");
}
END_TEST

UNIT_MAIN("openapi", test_list, test_script, test_unknown_operation, test_refusals)
