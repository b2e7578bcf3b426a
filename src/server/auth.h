/*
 * auth.h: passwords and bearer tokens.
 *
 * Passwords are stored as libsodium crypto_pwhash_str strings: argon2id with OWASP's
 * parameters (m = 19 MiB, t = 2, p = 1). Hashing costs tens of milliseconds of CPU and
 * 19 MiB, so it must never run on an HTTP event thread.
 *
 * Tokens are "<user_id>.<role>.<expiry unix seconds>.<signature>", the signature being
 * HMAC-SHA256 of the part before it under a 32-byte key, in unpadded base64url. They are
 * checked without any database call; the check is constant-time in the signature.
 */
#ifndef LASTROOM_SERVER_AUTH_H
#define LASTROOM_SERVER_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_KEY_BYTES       32
#define AUTH_SECRET_MIN      32  /* characters of a token secret, given or in a file */
#define AUTH_TOKEN_MAX       160 /* longer bearer strings are refused unread */
#define AUTH_HASH_MAX        128 /* crypto_pwhash_STRBYTES */
#define AUTH_PWHASH_OPSLIMIT 2
#define AUTH_PWHASH_MEMLIMIT (19u * 1024 * 1024)

struct auth_user {
    int64_t user_id;
    int is_admin;
};

/* auth_init: initialise libsodium. Returns 0, or -1 when it cannot be used. */
int auth_init(void);

/* auth_key_from_secret: derive the token key from a secret string (SHA-256 of it). */
void auth_key_from_secret(const char *secret, uint8_t key[AUTH_KEY_BYTES]);

/* auth_key_load: the key from secret when non-NULL and non-empty; otherwise from the
 * file at path, which is created (mode 0600, 32 random bytes in hex, parent folder made
 * if missing) when absent. Returns 0, or -1 with a reason in err (key unchanged). */
int auth_key_load(const char *secret, const char *path, uint8_t key[AUTH_KEY_BYTES], char *err,
                  size_t errcap);

/* auth_token_sign: write the token for user u expiring at exp (unix seconds) into out.
 * Returns its length, or -1 when cap is too small. */
int auth_token_sign(const uint8_t key[AUTH_KEY_BYTES], const struct auth_user *u, int64_t exp,
                    char *out, size_t cap);

/* auth_token_verify: check tok (len bytes, not NUL-terminated necessarily) at time now.
 * Returns 0 and fills *u, or -1 when malformed, forged or expired (u unchanged). */
int auth_token_verify(const uint8_t key[AUTH_KEY_BYTES], const char *tok, size_t len, int64_t now,
                      struct auth_user *u);

/* auth_password_hash: hash pw (len bytes) into out (AUTH_HASH_MAX bytes, NUL-terminated).
 * Returns 0, or -1 when out of memory. */
int auth_password_hash(const char *pw, size_t len, char out[AUTH_HASH_MAX]);

/* auth_password_verify: whether pw matches the stored hash (1) or not (0). */
int auth_password_verify(const char *hash, const char *pw, size_t len);

#endif
