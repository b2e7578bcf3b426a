/*
 * jsonx.c: strict JSON object parsing with a depth cap and typed field access.
 */
#include "server/jsonx.h"

#include <string.h>

/* scan: the deepest nesting of [ and { and an upper bound on the number of values
 * (1 + commas + opening brackets), strings skipped. */
static void scan(const char *buf, size_t len, int max_depth, int *depth_ok, size_t *values)
{
    int depth = 0, in_str = 0;
    *depth_ok = 1;
    *values = 1;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            (*values)++;
            if (++depth > max_depth)
                *depth_ok = 0;
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == ',') {
            (*values)++;
        }
    }
}

int jsonx_depth_ok(const char *buf, size_t len, int max_depth)
{
    int ok;
    size_t values;
    scan(buf, len, max_depth, &ok, &values);
    return ok;
}

json_t *jsonx_parse_object(const char *buf, size_t len, int max_depth)
{
    json_error_t err;
    int depth_ok;
    size_t values;
    if (buf == NULL)
        return NULL;
    scan(buf, len, max_depth, &depth_ok, &values);
    if (!depth_ok || values > JSONX_MAX_VALUES)
        return NULL;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
    if (j != NULL && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

enum jsonx_rc jsonx_get_int(const json_t *obj, const char *key, int64_t min, int64_t max,
                            int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v))
        return JSONX_MISSING;
    if (!json_is_integer(v))
        return JSONX_INVALID;
    json_int_t n = json_integer_value(v);
    if (n < min || n > max)
        return JSONX_INVALID;
    *out = (int64_t)n;
    return JSONX_OK;
}

enum jsonx_rc jsonx_get_str(const json_t *obj, const char *key, size_t min_len, size_t max_len,
                            const char **out, size_t *out_len)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v))
        return JSONX_MISSING;
    if (!json_is_string(v))
        return JSONX_INVALID;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n < min_len || n > max_len || strlen(s) != n)
        return JSONX_INVALID;
    *out = s;
    if (out_len != NULL)
        *out_len = n;
    return JSONX_OK;
}

char *jsonx_dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
}

char *jsonx_error_body(const char *code, const char *message)
{
    json_t *e = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
    char *s = e ? jsonx_dump(e) : NULL;
    json_decref(e);
    return s;
}
