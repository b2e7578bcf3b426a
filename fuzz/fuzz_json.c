/*
 * fuzz_json.c: libFuzzer harness for the strict JSON body parser (jsonx_parse_object
 * with its depth pre-check jsonx_depth_ok) and the typed field readers
 * (jsonx_get_int, jsonx_get_str) that every request body goes through.
 *
 * Properties: a parsed body is an object nested at most 16 levels deep (counting the
 * object itself), so the depth pre-check can never be fooled into letting deep input
 * reach the parser; an accepted integer lies in the asked range; an accepted string
 * has the asked length and no NUL inside; a missing or null field is JSONX_MISSING.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/jsonx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DEPTH 16

static int depth_of(const json_t *j)
{
    int d = 0;
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v)
        {
            int dv = depth_of(v);
            d = dv > d ? dv : d;
        }
        return d + 1;
    }
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++) {
            int dv = depth_of(json_array_get(j, i));
            d = dv > d ? dv : d;
        }
        return d + 1;
    }
    return 0;
}

static void read_fields(const json_t *obj)
{
    static const char *const keys[] = {
        "room_type_id",     "hotel_id",  "hold_id",   "quantity", "allotment", "capacity",
        "base_price_cents", "check_in",  "check_out", "from",     "to",        "email",
        "password",         "full_name", "name",      "city",     "address",   "",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        int64_t v = 12345;
        json_t *raw = json_object_get(obj, keys[i]);
        enum jsonx_rc rc = jsonx_get_int(obj, keys[i], 1, 10, &v);
        if ((rc == JSONX_MISSING) != (raw == NULL || json_is_null(raw)))
            abort();
        if (rc == JSONX_OK ? v < 1 || v > 10 : v != 12345)
            abort();
        const char *s = NULL;
        size_t n = 99999;
        rc = jsonx_get_str(obj, keys[i], 2, 64, &s, &n);
        if ((rc == JSONX_MISSING) != (raw == NULL || json_is_null(raw)))
            abort();
        if (rc == JSONX_OK && (n < 2 || n > 64 || strlen(s) != n))
            abort();
        if (rc != JSONX_OK && (s != NULL || n != 99999))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1); /* exact size: the body is not NUL-terminated */
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    json_t *obj = jsonx_parse_object(buf, size, MAX_DEPTH);
    if (obj != NULL) {
        if (!json_is_object(obj) || depth_of(obj) > MAX_DEPTH)
            abort();
        read_fields(obj);
        char *text = jsonx_dump(obj);
        if (text == NULL)
            abort();
        json_t *again = jsonx_parse_object(text, strlen(text), MAX_DEPTH);
        if (again == NULL || !json_equal(obj, again))
            abort(); /* what we write we read back the same */
        json_decref(again);
        free(text);
        json_decref(obj);
    }
    free(buf);
    return 0;
}
