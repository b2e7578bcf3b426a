/*
 * fuzz_validate.c: libFuzzer harness for the server's request validators that need no
 * database: validate_email (register, login), validate_idem_key (the Idempotency-Key
 * header), validate_password, validate_stay_dates and validate_range.
 *
 * The first byte picks the validator; the rest is its input. Properties: an accepted
 * email is the input lowercased, NUL-terminated, with one '@' and no byte <= ' ';
 * an accepted key is 1..200 visible ASCII bytes; the stay and range rules agree with
 * their documented limits; every refusal carries a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_email(const char *s, size_t n)
{
    char out[VALIDATE_EMAIL_MAX + 1];
    const char *why = NULL;
    memset(out, 'x', sizeof out);
    if (validate_email(s, n, out, sizeof out, &why) != 0) {
        if (why == NULL)
            abort();
        return;
    }
    if (n < 3 || n > VALIDATE_EMAIL_MAX || out[n] != '\0')
        abort();
    const char *at = memchr(out, '@', n);
    if (at == NULL || at == out || memchr(at + 1, '@', n - (size_t)(at - out) - 1) != NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i], o = (unsigned char)out[i];
        if (c <= ' ' || c == 0x7f || o != (c >= 'A' && c <= 'Z' ? c + 32 : c))
            abort();
    }
}

static void check_key(const char *s)
{
    const char *why = NULL;
    size_t n = strlen(s);
    int ok = n >= 1 && n <= VALIDATE_KEY_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)s[i] >= 0x21 && (unsigned char)s[i] <= 0x7e;
    int rc = validate_idem_key(s, &why);
    if ((rc == 0) != ok || (rc != 0 && why == NULL))
        abort();
}

static int32_t i32_at(const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (int32_t)v;
}

/* Day numbers as date_parse can produce them (years 0001..9999), the only ones the
 * API ever passes to the span rules. */
static int32_t day_at(const uint8_t *p)
{
    static const int64_t lo = -719162, hi = 2932896; /* 0001-01-01, 9999-12-31 */
    return (int32_t)(lo + (int64_t)((uint32_t)i32_at(p) % (uint32_t)(hi - lo + 1)));
}

static void check_spans(const uint8_t *p, size_t n)
{
    const char *why = NULL;
    if (n < 8)
        return;
    int32_t a = day_at(p), b = p[7] & 1 ? day_at(p + 4) : a + (int8_t)p[4] * 32 + (int8_t)p[5];
    int64_t span = (int64_t)b - a;
    if ((validate_stay_dates(a, b, &why) == 0) != (span >= 1 && span <= VALIDATE_MAX_NIGHTS))
        abort();
    if ((validate_range(a, b, &why) == 0) != (span >= 1 && span <= VALIDATE_MAX_INVENTORY_NIGHTS))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    char *s = malloc(n + 1); /* exact size plus the NUL the string callers rely on */
    if (s == NULL)
        return 0;
    memcpy(s, data + 1, n);
    s[n] = '\0';
    const char *why = NULL;
    switch (data[0] % 4) {
    case 0: check_email(s, n); break;
    case 1: check_key(s); break;
    case 2:
        if ((validate_password(n, &why) == 0)
            != (n >= VALIDATE_PASSWORD_MIN && n <= VALIDATE_PASSWORD_MAX))
            abort();
        break;
    default: check_spans(data + 1, n); break;
    }
    free(s);
    return 0;
}
