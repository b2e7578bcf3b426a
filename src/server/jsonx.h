/*
 * jsonx.h: JSON helpers over jansson for input from untrusted peers and for compact
 * output.
 *
 * Input: a body must be one JSON object, at most a given nesting depth, valid UTF-8,
 * without duplicate keys. Fields are read with explicit types and ranges, and each
 * read says whether the field was missing or had the wrong type or value, so that an
 * API can name the field in its error. Unknown fields are simply never read.
 */
#ifndef LASTROOM_SERVER_JSONX_H
#define LASTROOM_SERVER_JSONX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum jsonx_rc { JSONX_OK = 0, JSONX_MISSING = 1, JSONX_INVALID = 2 };

/* jsonx_depth_ok: whether the nesting of [ and { in buf (strings skipped) stays within
 * max_depth. Cheap pre-check run before the parser sees deep input. */
int jsonx_depth_ok(const char *buf, size_t len, int max_depth);

/* The most values a body may hold, counted before parsing as 1 + commas + opening
 * brackets outside strings (an upper bound on members, elements and containers): the
 * parsed tree costs far more memory than its text, so its size is capped, not only the
 * text's. */
#define JSONX_MAX_VALUES 64

/* jsonx_parse_object: parse buf as one JSON object. Returns a new reference, or NULL
 * when buf is not valid JSON, too deep, holds more than JSONX_MAX_VALUES values, has
 * duplicate keys or is not an object. */
json_t *jsonx_parse_object(const char *buf, size_t len, int max_depth);

/* jsonx_get_int: obj[key] as an integer in [min, max]. A JSON null counts as missing.
 * Floats, strings and booleans are JSONX_INVALID. *out is set only on JSONX_OK. */
enum jsonx_rc jsonx_get_int(const json_t *obj, const char *key, int64_t min, int64_t max,
                            int64_t *out);

/* jsonx_get_str: obj[key] as a string of min_len..max_len bytes, no NUL inside. The
 * pointer is owned by obj. A JSON null counts as missing. */
enum jsonx_rc jsonx_get_str(const json_t *obj, const char *key, size_t min_len, size_t max_len,
                            const char **out, size_t *out_len);

/* jsonx_dump: compact text of j (malloc'd, caller frees), or NULL on no memory. */
char *jsonx_dump(const json_t *j);

/* jsonx_error_body: {"error":{"code":code,"message":message}} as malloc'd text. */
char *jsonx_error_body(const char *code, const char *message);

#endif
