/*
 * test_srv_validate.c: the API's input rules (emails, passwords, stays, ranges, keys)
 * and the configuration parser (flags, environment, durations, refusals).
 */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "server/config.h"
#include "server/validate.h"

static int email(const char *s, char *out)
{
    const char *why;
    return validate_email(s, strlen(s), out, 255, &why);
}

START_TEST(test_email)
{
    char out[255];
    ck_assert_int_eq(email("Alice.Smith+x@Example.COM", out), 0);
    ck_assert_str_eq(out, "alice.smith+x@example.com");
    static const char *bad[] = { "",        "a@",      "@b.c",    "ab",     "a@b",
                                 "a b@c.d", "a@b@c.d", "a@b.c\n", "a\t@b.c" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(email(bad[i], out) == -1, "accepted '%s'", bad[i]);
    char longest[300];
    memset(longest, 'a', 251);
    memcpy(longest + 251, "@b.c", 5);
    ck_assert_int_eq(email(longest, out), -1); /* 255 bytes */
    longest[250] = '\0';
    strcat(longest, "@b.c");
    ck_assert_int_eq(email(longest, out), 0); /* 254 bytes, the most */
}
END_TEST

START_TEST(test_password_and_key)
{
    const char *why;
    ck_assert_int_eq(validate_password(7, &why), -1);
    ck_assert_int_eq(validate_password(8, &why), 0);
    ck_assert_int_eq(validate_password(128, &why), 0);
    ck_assert_int_eq(validate_password(129, &why), -1);
    ck_assert_int_eq(validate_idem_key("abc-123_X", &why), 0);
    ck_assert_int_eq(validate_idem_key("", &why), -1);
    ck_assert_int_eq(validate_idem_key("has space", &why), -1);
    char key[202];
    memset(key, 'k', 201);
    key[201] = '\0';
    ck_assert_int_eq(validate_idem_key(key, &why), -1);
    key[200] = '\0';
    ck_assert_int_eq(validate_idem_key(key, &why), 0);
}
END_TEST

START_TEST(test_stays)
{
    const char *why;
    int32_t d = date_from_ymd(2031, 3, 1), x;
    ck_assert_int_eq(validate_stay_dates(d, d + 1, &why), 0);
    ck_assert_int_eq(validate_stay_dates(d, d + 30, &why), 0);
    ck_assert_int_eq(validate_stay_dates(d, d + 31, &why), -1);
    ck_assert_int_eq(validate_stay_dates(d, d, &why), -1);
    ck_assert_int_eq(validate_stay_dates(d, d - 1, &why), -1);
    ck_assert_int_eq(validate_range(d, d + 3660, &why), 0);
    ck_assert_int_eq(validate_range(d, d + 3661, &why), -1);
    ck_assert_int_eq(validate_date("2000-01-01", 10, &x, &why), 0);
    ck_assert_int_eq(validate_date("2100-12-31", 10, &x, &why), 0);
    ck_assert_int_eq(validate_date("1999-12-31", 10, &x, &why), -1);
    ck_assert_int_eq(validate_date("2101-01-01", 10, &x, &why), -1);
    ck_assert_int_eq(validate_date("2031-02-29", 10, &x, &why), -1);
}
END_TEST

static int parse(struct config *c, int argc, const char **argv)
{
    char err[256];
    return config_parse(argc, (char **)argv, c, err, sizeof err);
}

START_TEST(test_config)
{
    struct config c;
    unsetenv("LASTROOM_DB_URL");
    unsetenv("LASTROOM_POOL_SIZE");
    const char *a1[] = {
        "lastroomd",   "--db", "postgresql://x", "--listen", "0.0.0.0:9000", "--hold-ttl", "900s",
        "--pool-size", "7",    "--log-level",    "warn",     "--threads",    "3",          NULL
    };
    ck_assert_int_eq(parse(&c, 13, a1), 0);
    ck_assert_str_eq(c.db_url, "postgresql://x");
    ck_assert_str_eq(c.host, "0.0.0.0");
    ck_assert_int_eq(c.port, 9000);
    ck_assert_int_eq(c.hold_ttl_ms, 900000);
    ck_assert_int_eq(c.pool_size, 7);
    ck_assert_int_eq(c.log_level, LOG_WARN);
    ck_assert_int_eq(c.threads, 3);
    ck_assert_int_eq(c.migrate_only, 0);

    setenv("LASTROOM_DB_URL", "postgresql://env", 1);
    setenv("LASTROOM_POOL_SIZE", "4", 1);
    const char *a2[] = { "lastroomd", "migrate", NULL };
    ck_assert_int_eq(parse(&c, 2, a2), 0);
    ck_assert_int_eq(c.migrate_only, 1);
    ck_assert_str_eq(c.db_url, "postgresql://env");
    ck_assert_int_eq(c.pool_size, 4);
    ck_assert_str_eq(c.host, "127.0.0.1");
    ck_assert_int_eq(c.port, 8080);
    ck_assert_int_eq(c.hold_ttl_ms, 15 * 60 * 1000);
    ck_assert_int_eq(c.pool_wait_ms, 2000);

    const char *a3[] = { "lastroomd", "--pool-size", "9", NULL }; /* flag beats env */
    ck_assert_int_eq(parse(&c, 3, a3), 0);
    ck_assert_int_eq(c.pool_size, 9);
    const char *help[] = { "lastroomd", "--help", NULL };
    ck_assert_int_eq(parse(&c, 2, help), 1);
    unsetenv("LASTROOM_POOL_SIZE");
}
END_TEST

START_TEST(test_config_refusals)
{
    struct config c;
    setenv("LASTROOM_DB_URL", "postgresql://env", 1);
    const char *bad[][3] = {
        { "lastroomd", "--hold-ttl", "15" },    { "lastroomd", "--pool-size", "0" },
        { "lastroomd", "--pool-size", "x" },    { "lastroomd", "--booking-strategy", "unsafe" },
        { "lastroomd", "--log-level", "loud" }, { "lastroomd", "--listen", "host:99999" },
        { "lastroomd", "--nope", "1" },         { "lastroomd", "stray", "arg" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[4] = { bad[i][0], bad[i][1], bad[i][2], NULL };
        ck_assert_msg(parse(&c, 3, argv) == -1, "accepted %s %s", bad[i][1], bad[i][2]);
    }
    unsetenv("LASTROOM_DB_URL");
    const char *none[] = { "lastroomd", NULL };
    ck_assert_int_eq(parse(&c, 1, none), -1);
    setenv("LASTROOM_POOL_SIZE", "many", 1);
    const char *ok[] = { "lastroomd", "--db", "x", NULL };
    ck_assert_int_eq(parse(&c, 3, ok), -1);
    unsetenv("LASTROOM_POOL_SIZE");
}
END_TEST

UNIT_MAIN("validate", test_email, test_password_and_key, test_stays, test_config,
          test_config_refusals)
