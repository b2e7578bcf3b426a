/*
 * jscan.h: reading single fields out of a JSON response without allocating.
 *
 * The booking steps run on the measuring path, where no allocation is allowed, and
 * need only a few fields of small, well-known responses ("hold_id", "token", the error
 * "code"). jscan walks the bytes as JSON tokens (strings with their escapes, so a
 * quoted key inside a value is never mistaken for a key) and returns the value of the
 * first key of that name, at any depth. It does not validate the document.
 */
#ifndef LASTROOM_LOAD_ENGINE_JSCAN_H
#define LASTROOM_LOAD_ENGINE_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* jscan_int: the integer value of the first key `key` in buf[0..len). Returns 0 and
 * sets *out, or -1 when the key is missing, its value is not an integer, or it does
 * not fit in int64_t (*out untouched). */
int jscan_int(const char *buf, size_t len, const char *key, int64_t *out);

/* jscan_str: copy the string value of the first key `key` into out (cap bytes,
 * NUL-terminated; the escapes \" \\ \/ \n \t \r \b \f are decoded, \uXXXX is kept
 * as written). Returns the length copied, or -1 when the key is missing, the value
 * is not a string, or it does not fit in cap - 1 bytes (out is then ""). */
int jscan_str(const char *buf, size_t len, const char *key, char *out, size_t cap);

/* jscan_str_eq: whether the first key `key` has the string value `want`. */
bool jscan_str_eq(const char *buf, size_t len, const char *key, const char *want);

#endif
