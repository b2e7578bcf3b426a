/*
 * auth.c: argon2id password hashing and HMAC-signed bearer tokens, both on libsodium.
 */
#include "server/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIG_B64_LEN 43 /* 32 bytes, unpadded base64url */

int auth_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void auth_key_from_secret(const char *secret, uint8_t key[AUTH_KEY_BYTES])
{
    crypto_hash_sha256(key, (const unsigned char *)secret, strlen(secret));
}

static void make_parent(const char *path)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        mkdir(dir, 0700);
    }
}

static int create_secret_file(const char *path, char *err, size_t errcap)
{
    uint8_t raw[32];
    char hex[65];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    make_parent(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 && errno == EEXIST)
        return 0; /* another process made it first: read theirs */
    if (fd < 0) {
        snprintf(err, errcap, "cannot create token secret file %s: %s", path, strerror(errno));
        return -1;
    }
    ssize_t w = write(fd, hex, 64);
    close(fd);
    if (w != 64) {
        snprintf(err, errcap, "cannot write token secret file %s", path);
        return -1;
    }
    return 0;
}

static int read_secret_file(const char *path, char out[129], char *err, size_t errcap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errcap, "cannot read token secret file %s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = fread(out, 1, 128, f);
    fclose(f);
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
        n--;
    out[n] = '\0';
    if (n < AUTH_SECRET_MIN) {
        snprintf(err, errcap, "token secret file %s holds fewer than %d characters", path,
                 AUTH_SECRET_MIN);
        return -1;
    }
    return 0;
}

int auth_key_load(const char *secret, const char *path, uint8_t key[AUTH_KEY_BYTES], char *err,
                  size_t errcap)
{
    char text[129];
    if (secret != NULL && secret[0] != '\0') {
        auth_key_from_secret(secret, key);
        return 0;
    }
    if (access(path, F_OK) != 0 && create_secret_file(path, err, errcap) != 0)
        return -1;
    if (read_secret_file(path, text, err, errcap) != 0)
        return -1;
    auth_key_from_secret(text, key);
    sodium_memzero(text, sizeof text);
    return 0;
}

static void sign(const uint8_t key[AUTH_KEY_BYTES], const char *msg, size_t len,
                 char out[SIG_B64_LEN + 1])
{
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, AUTH_KEY_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(out, SIG_B64_LEN + 1, mac, sizeof mac,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int auth_token_sign(const uint8_t key[AUTH_KEY_BYTES], const struct auth_user *u, int64_t exp,
                    char *out, size_t cap)
{
    char sig[SIG_B64_LEN + 1];
    char body[96];
    int n = snprintf(body, sizeof body, "%" PRId64 ".%s.%" PRId64, u->user_id,
                     u->is_admin ? "admin" : "guest", exp);
    sign(key, body, (size_t)n, sig);
    int m = snprintf(out, cap, "%s.%s", body, sig);
    return m < 0 || (size_t)m >= cap ? -1 : m;
}

/* parse_num: a non-negative decimal of 1..18 digits from s up to the next '.'. */
static const char *parse_num(const char *s, const char *end, int64_t *v)
{
    int64_t x = 0;
    const char *p = s;
    while (p < end && *p >= '0' && *p <= '9' && p - s < 18)
        x = x * 10 + (*p++ - '0');
    if (p == s || p == end || *p != '.')
        return NULL;
    *v = x;
    return p + 1;
}

int auth_token_verify(const uint8_t key[AUTH_KEY_BYTES], const char *tok, size_t len, int64_t now,
                      struct auth_user *u)
{
    int64_t uid, exp;
    int admin;
    char sig[SIG_B64_LEN + 1];
    const char *end = tok + len, *p;
    if (len > AUTH_TOKEN_MAX || (p = parse_num(tok, end, &uid)) == NULL)
        return -1;
    if (end - p > 6 && memcmp(p, "admin.", 6) == 0)
        admin = 1;
    else if (end - p > 6 && memcmp(p, "guest.", 6) == 0)
        admin = 0;
    else
        return -1;
    if ((p = parse_num(p + 6, end, &exp)) == NULL || end - p != SIG_B64_LEN)
        return -1;
    sign(key, tok, (size_t)(p - 1 - tok), sig);
    if (sodium_memcmp(sig, p, SIG_B64_LEN) != 0 || exp <= now || uid <= 0)
        return -1;
    u->user_id = uid;
    u->is_admin = admin;
    return 0;
}

int auth_password_hash(const char *pw, size_t len, char out[AUTH_HASH_MAX])
{
    return crypto_pwhash_str(out, pw, len, AUTH_PWHASH_OPSLIMIT, AUTH_PWHASH_MEMLIMIT) == 0 ? 0
                                                                                            : -1;
}

int auth_password_verify(const char *hash, const char *pw, size_t len)
{
    return crypto_pwhash_str_verify(hash, pw, len) == 0;
}
