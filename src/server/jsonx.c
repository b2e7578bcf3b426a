/*
 * jsonx.c: strict JSON object parsing with a depth cap and typed field access.
 */
#include "server/jsonx.h"

#include <string.h>

int jsonx_depth_ok(const char *buf, size_t len, int max_depth)
{
    int depth = 0, in_str = 0;
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
            if (++depth > max_depth)
                return 0;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 1;
}

json_t *jsonx_parse_object(const char *buf, size_t len, int max_depth)
{
    json_error_t err;
    if (buf == NULL || !jsonx_depth_ok(buf, len, max_depth))
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
