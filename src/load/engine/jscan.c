/*
 * jscan.c: the first value of a named key in a JSON text, found without allocating.
 *
 * The scanner steps over the text token by token. Every string is read to its closing
 * quote with escapes honoured; a string followed (after white space) by ':' is a key.
 * Only the first key with the wanted name counts, whatever its depth. The input is a
 * peer's bytes: every read is bounded by len and nothing is trusted to be terminated.
 */
#include "load/engine/jscan.h"

#include <string.h>

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const char *buf, size_t len, size_t i)
{
    while (i < len && is_ws(buf[i]))
        i++;
    return i;
}

/* The index just past the string that opens at buf[i] == '"', or len if unclosed. */
static size_t string_end(const char *buf, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (buf[i] == '\\')
            i++;
        else if (buf[i] == '"')
            return i + 1;
    }
    return len;
}

/* Whether the raw string token buf[start..end) (quotes included) spells key. */
static bool token_is(const char *buf, size_t start, size_t end, const char *key)
{
    size_t klen = strlen(key);
    if (end - start != klen + 2 || buf[end - 1] != '"')
        return false;
    return memcmp(buf + start + 1, key, klen) == 0;
}

/* The index of the first byte of key's value, or len when there is none. */
static size_t find_value(const char *buf, size_t len, const char *key)
{
    size_t i = 0;
    while (i < len) {
        if (buf[i] != '"') {
            i++;
            continue;
        }
        size_t end = string_end(buf, len, i);
        size_t colon = skip_ws(buf, len, end);
        if (colon < len && buf[colon] == ':' && token_is(buf, i, end, key))
            return skip_ws(buf, len, colon + 1);
        i = end;
    }
    return len;
}

int jscan_int(const char *buf, size_t len, const char *key, int64_t *out)
{
    size_t i = find_value(buf, len, key);
    bool neg = false;
    if (i < len && buf[i] == '-') {
        neg = true;
        i++;
    }
    if (i >= len || buf[i] < '0' || buf[i] > '9')
        return -1;
    uint64_t v = 0;
    for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
        if (v > (UINT64_C(9223372036854775807) - (uint64_t)(buf[i] - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(buf[i] - '0');
    }
    if (i < len && (buf[i] == '.' || buf[i] == 'e' || buf[i] == 'E'))
        return -1;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

static char unescape(char c)
{
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'b': return '\b';
    case 'f': return '\f';
    default: return c;
    }
}

/* Append c to out[*n] unless that would leave no room for the terminator. */
static bool put(char *out, size_t cap, size_t *n, char c)
{
    if (*n + 1 >= cap)
        return false;
    out[(*n)++] = c;
    return true;
}

int jscan_str(const char *buf, size_t len, const char *key, char *out, size_t cap)
{
    if (cap == 0)
        return -1;
    out[0] = '\0';
    size_t i = find_value(buf, len, key), n = 0;
    if (i >= len || buf[i] != '"')
        return -1;
    bool fits = true;
    for (i++; fits && i < len && buf[i] != '"'; i++) {
        if (buf[i] != '\\' || i + 1 >= len) {
            fits = put(out, cap, &n, buf[i]);
        } else if (buf[++i] == 'u') {
            fits = put(out, cap, &n, '\\') && put(out, cap, &n, 'u');
        } else {
            fits = put(out, cap, &n, unescape(buf[i]));
        }
    }
    if (!fits || i >= len) {
        out[0] = '\0';
        return -1;
    }
    out[n] = '\0';
    return (int)n;
}

bool jscan_str_eq(const char *buf, size_t len, const char *key, const char *want)
{
    char tmp[128];
    return jscan_str(buf, len, key, tmp, sizeof tmp) >= 0 && strcmp(tmp, want) == 0;
}
