/*
 * fuzz_token.c: libFuzzer harness for bearer token verification (auth_token_verify),
 * which runs on the text after "Bearer " of every authenticated request.
 *
 * The first byte picks the mode: raw bytes as the token, or a token freshly signed
 * for fuzzed (user, role, expiry) and then mutated by the remaining bytes. Properties:
 * no read past len; an accepted token is exactly what auth_token_sign would write for
 * the user, role and expiry it names (no forgery, no alternative spelling); the user
 * is unchanged on refusal; a freshly signed, unexpired token is always accepted.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000LL

static uint8_t key[AUTH_KEY_BYTES];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (auth_init() != 0)
        abort();
    auth_key_from_secret("fuzzing secret, not a real one", key);
    return 0;
}

/* verify tok (an exact-size heap copy) and check what an acceptance means. */
static int verify(const char *tok, size_t len)
{
    struct auth_user u = { -5, 7 };
    char *copy = malloc(len ? len : 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, tok, len);
    int rc = auth_token_verify(key, copy, len, NOW, &u);
    if (rc != 0) {
        if (u.user_id != -5 || u.is_admin != 7)
            abort();
    } else {
        /* the expiry is the third dot-separated field */
        const char *p = memchr(copy, '.', len);
        p = p ? memchr(p + 1, '.', len - (size_t)(p + 1 - copy)) : NULL;
        if (p == NULL || u.user_id <= 0 || (u.is_admin != 0 && u.is_admin != 1))
            abort();
        int64_t exp = strtoll(p + 1, NULL, 10);
        char again[AUTH_TOKEN_MAX + 1];
        int n = auth_token_sign(key, &u, exp, again, sizeof again);
        if (exp <= NOW || n < 0 || (size_t)n != len || memcmp(again, copy, len) != 0)
            abort();
    }
    free(copy);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4 * AUTH_TOKEN_MAX)
        return 0;
    if (data[0] % 2 == 0) {
        verify((const char *)data + 1, size - 1);
        return 0;
    }
    /* signed for fuzzed fields, then flipped at fuzzed positions */
    uint64_t bits = 0;
    for (size_t i = 1; i < size && i < 9; i++)
        bits = bits << 8 | data[i];
    struct auth_user u = { (int64_t)(bits % 999999999999LL) + 1, (int)(bits >> 63) };
    int64_t exp = NOW + 1 + (int64_t)(bits % 100000);
    char tok[AUTH_TOKEN_MAX + 1];
    int n = auth_token_sign(key, &u, exp, tok, sizeof tok);
    if (n < 0)
        abort();
    if (verify(tok, (size_t)n) != 0)
        abort(); /* a good token was refused */
    for (size_t i = 9; i + 1 < size; i += 2)
        tok[data[i] % (size_t)n] ^= (char)data[i + 1];
    verify(tok, (size_t)n);
    return 0;
}
