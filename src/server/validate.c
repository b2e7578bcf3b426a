/*
 * validate.c: the API's input rules that can be decided without the database. The
 * database functions check the same limits again; these give the client a precise
 * error before any connection is used.
 */
#include "server/validate.h"

#include <string.h>

#include "common/date.h"

static int fail(const char **why, const char *msg)
{
    *why = msg;
    return -1;
}

int validate_date(const char *s, size_t len, int32_t *day, const char **why)
{
    int32_t d;
    if (date_parse(s, len, &d) != 0)
        return fail(why, "not a date of the form YYYY-MM-DD");
    if (d < date_from_ymd(2000, 1, 1) || d > date_from_ymd(2100, 12, 31))
        return fail(why, "outside 2000-01-01..2100-12-31");
    *day = d;
    return 0;
}

int validate_email(const char *s, size_t len, char *out, size_t cap, const char **why)
{
    const char *at = memchr(s, '@', len);
    if (len < 3 || len > VALIDATE_EMAIL_MAX || len + 1 > cap)
        return fail(why, "an email address is 3 to 254 bytes");
    if (at == NULL || at == s || at == s + len - 1
        || memchr(at + 1, '@', len - (size_t)(at - s) - 1))
        return fail(why, "an email address has one @ with text on both sides");
    if (memchr(at + 1, '.', len - (size_t)(at - s) - 1) == NULL)
        return fail(why, "the domain of an email address has a dot");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f)
            return fail(why, "an email address has no spaces or control characters");
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[len] = '\0';
    return 0;
}

int validate_password(size_t len, const char **why)
{
    if (len < VALIDATE_PASSWORD_MIN || len > VALIDATE_PASSWORD_MAX)
        return fail(why, "a password is 8 to 128 bytes");
    return 0;
}

int validate_stay_dates(int32_t check_in, int32_t check_out, const char **why)
{
    if (check_out <= check_in)
        return fail(why, "check_out must be after check_in");
    if (check_out - check_in > VALIDATE_MAX_NIGHTS)
        return fail(why, "a stay is at most 30 nights");
    return 0;
}

int validate_range(int32_t from, int32_t to, const char **why)
{
    if (to <= from)
        return fail(why, "to must be after from");
    if (to - from > VALIDATE_MAX_INVENTORY_NIGHTS)
        return fail(why, "at most 3660 nights at once");
    return 0;
}

int validate_id(const char *s, size_t len, int64_t *id, const char **why)
{
    int64_t v = 0;
    if (len == 0 || len > 18 || s[0] == '0')
        return fail(why, "a positive integer is expected");
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return fail(why, "a positive integer is expected");
        v = v * 10 + (s[i] - '0');
    }
    *id = v;
    return 0;
}

int validate_idem_key(const char *s, const char **why)
{
    size_t n = strlen(s);
    if (n < 1 || n > VALIDATE_KEY_MAX)
        return fail(why, "an Idempotency-Key is 1 to 200 characters");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return fail(why, "an Idempotency-Key is visible ASCII");
    return 0;
}
