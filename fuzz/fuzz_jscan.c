/*
 * fuzz_jscan.c: libFuzzer harness for lastroom-load's allocation-free JSON field
 * reader (jscan_int, jscan_str, jscan_str_eq), which reads hold ids, tokens and error
 * codes out of whatever the server under test answers.
 *
 * Input: one byte for the output capacity, then the response body (not terminated).
 * Properties: no read past the body; jscan_str's result fits in cap - 1 bytes and is
 * NUL-terminated, "" on refusal; jscan_str_eq agrees with jscan_str for plain values;
 * a key jscan_int reads as an integer is never also read as a string.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/jscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {
        "hold_id", "booking_id", "token", "code", "status", "a", ""
    };
    if (size < 1)
        return 0;
    size_t cap = 1 + data[0] % 80;
    size_t len = size - 1;
    char *body = malloc(len ? len : 1);
    char *out = malloc(cap);
    if (body == NULL || out == NULL)
        abort();
    memcpy(body, data + 1, len);
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        int64_t v = 777;
        int irc = jscan_int(body, len, keys[k], &v);
        if (irc != 0 && v != 777)
            abort();
        memset(out, 'x', cap);
        int n = jscan_str(body, len, keys[k], out, cap);
        if (n >= 0 ? (size_t)n >= cap || out[n] != '\0' : out[0] != '\0')
            abort();
        if (n >= 0 && irc == 0)
            abort(); /* one value cannot be both an integer and a string */
        if (n >= 0 && memchr(out, '\\', (size_t)n) == NULL && strlen(out) == (size_t)n
            && !jscan_str_eq(body, len, keys[k], out))
            abort();
    }
    free(out);
    free(body);
    return 0;
}
