/*
 * test_srv_auth.c: tokens (round trip, expiry, every kind of tampering, another key)
 * and argon2id password hashes (OWASP parameters, verify right and wrong).
 */
#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/auth.h"

static uint8_t key[AUTH_KEY_BYTES];

static void setup(void)
{
    ck_assert_int_eq(auth_init(), 0);
    auth_key_from_secret("unit-test-secret", key);
}

static int verify(const char *tok, int64_t now, struct auth_user *u)
{
    return auth_token_verify(key, tok, strlen(tok), now, u);
}

START_TEST(test_round_trip)
{
    char tok[AUTH_TOKEN_MAX + 1];
    struct auth_user in = { 42, 0 }, out = { 0, 0 };
    ck_assert_int_gt(auth_token_sign(key, &in, 2000, tok, sizeof tok), 0);
    ck_assert_int_eq(verify(tok, 1999, &out), 0);
    ck_assert_int_eq(out.user_id, 42);
    ck_assert_int_eq(out.is_admin, 0);
    in.is_admin = 1;
    in.user_id = 900000000000LL;
    ck_assert_int_gt(auth_token_sign(key, &in, 2000, tok, sizeof tok), 0);
    ck_assert_int_eq(verify(tok, 1000, &out), 0);
    ck_assert_int_eq(out.user_id, 900000000000LL);
    ck_assert_int_eq(out.is_admin, 1);
    ck_assert_int_eq(auth_token_sign(key, &in, 2000, tok, 20), -1); /* too small */
}
END_TEST

START_TEST(test_expiry)
{
    char tok[AUTH_TOKEN_MAX + 1];
    struct auth_user in = { 7, 0 }, out = { -1, -1 };
    auth_token_sign(key, &in, 2000, tok, sizeof tok);
    ck_assert_int_eq(verify(tok, 2000, &out), -1);
    ck_assert_int_eq(verify(tok, 99999, &out), -1);
    ck_assert_int_eq(out.user_id, -1); /* untouched on failure */
}
END_TEST

START_TEST(test_tampering)
{
    char tok[AUTH_TOKEN_MAX + 1], t2[AUTH_TOKEN_MAX + 8];
    struct auth_user in = { 7, 0 }, out;
    int n = auth_token_sign(key, &in, 5000, tok, sizeof tok);
    for (int i = 0; i < n; i++) { /* any one byte changed */
        snprintf(t2, sizeof t2, "%s", tok);
        t2[i] = t2[i] == 'A' ? 'B' : 'A';
        ck_assert_msg(verify(t2, 1000, &out) == -1, "accepted with byte %d changed", i);
    }
    snprintf(t2, sizeof t2, "%s", tok);
    memcpy(strstr(t2, "guest"), "admin", 5);
    ck_assert_int_eq(verify(t2, 1000, &out), -1);
    snprintf(t2, sizeof t2, "8%s", tok + 1);
    ck_assert_int_eq(verify(t2, 1000, &out), -1);
    snprintf(t2, sizeof t2, "%sA", tok);
    ck_assert_int_eq(verify(t2, 1000, &out), -1);
    tok[n - 1] = '\0';
    ck_assert_int_eq(verify(tok, 1000, &out), -1);
    ck_assert_int_eq(verify("", 1000, &out), -1);
    ck_assert_int_eq(verify("7.guest.5000.", 1000, &out), -1);
    ck_assert_int_eq(verify("....", 1000, &out), -1);
}
END_TEST

START_TEST(test_other_key)
{
    char tok[AUTH_TOKEN_MAX + 1];
    uint8_t other[AUTH_KEY_BYTES];
    struct auth_user in = { 7, 1 }, out;
    auth_token_sign(key, &in, 5000, tok, sizeof tok);
    auth_key_from_secret("another-secret", other);
    ck_assert_int_eq(auth_token_verify(other, tok, strlen(tok), 1000, &out), -1);
}
END_TEST

START_TEST(test_key_file)
{
    char dir[] = "/tmp/lastroom-auth-XXXXXX", path[128], err[256];
    uint8_t k1[AUTH_KEY_BYTES], k2[AUTH_KEY_BYTES], k3[AUTH_KEY_BYTES];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/sub/secret", dir);
    ck_assert_int_eq(auth_key_load(NULL, path, k1, err, sizeof err), 0); /* created */
    ck_assert_int_eq(auth_key_load("", path, k2, err, sizeof err), 0);   /* read back */
    ck_assert_mem_eq(k1, k2, AUTH_KEY_BYTES);
    ck_assert_int_eq(auth_key_load("given", path, k3, err, sizeof err), 0);
    ck_assert_int_ne(memcmp(k1, k3, AUTH_KEY_BYTES), 0);
    ck_assert_int_eq(access(path, R_OK), 0);
    unlink(path);
    snprintf(path, sizeof path, "%s/sub", dir);
    rmdir(path);
    rmdir(dir);
}
END_TEST

START_TEST(test_password)
{
    char hash[AUTH_HASH_MAX];
    ck_assert_int_eq(auth_password_hash("correct horse", 13, hash), 0);
    ck_assert_ptr_nonnull(strstr(hash, "$argon2id$"));
    ck_assert_ptr_nonnull(strstr(hash, "m=19456,t=2,p=1"));
    ck_assert_int_eq(auth_password_verify(hash, "correct horse", 13), 1);
    ck_assert_int_eq(auth_password_verify(hash, "correct hors", 12), 0);
    ck_assert_int_eq(auth_password_verify(hash, "correct horsE", 13), 0);
    ck_assert_int_eq(auth_password_verify("not a hash", "x", 1), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("auth");
    TCase *tc = tcase_create("auth");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_expiry);
    tcase_add_test(tc, test_tampering);
    tcase_add_test(tc, test_other_key);
    tcase_add_test(tc, test_key_file);
    tcase_add_test(tc, test_password);
    suite_add_tcase(s, tc);
    return unit_run_suite(s);
}
