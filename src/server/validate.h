/*
 * validate.h: the input rules of the HTTP API that need no database: ids, emails,
 * passwords, stays, idempotency keys. Pure functions; each returns 0 when the input is
 * acceptable, or -1 and points *why at a sentence for the error message.
 */
#ifndef LASTROOM_SERVER_VALIDATE_H
#define LASTROOM_SERVER_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#define VALIDATE_MIN_DATE_TEXT        "2000-01-01"
#define VALIDATE_MAX_DATE_TEXT        "2100-12-31"
#define VALIDATE_MAX_NIGHTS           30
#define VALIDATE_MAX_QUANTITY         10
#define VALIDATE_MAX_INVENTORY_NIGHTS 3660
#define VALIDATE_EMAIL_MAX            254
#define VALIDATE_PASSWORD_MIN         8
#define VALIDATE_PASSWORD_MAX         128
#define VALIDATE_NAME_MAX             200
#define VALIDATE_KEY_MAX              200

/* validate_date: s (len bytes) is YYYY-MM-DD within 2000-01-01..2100-12-31; sets *day. */
int validate_date(const char *s, size_t len, int32_t *day, const char **why);

/* validate_email: 3..254 bytes, one '@' with text on both sides, a dot in the domain,
 * no spaces or control characters. Writes the lowercased address into out (cap >= 255). */
int validate_email(const char *s, size_t len, char *out, size_t cap, const char **why);

/* validate_password: 8..128 bytes. */
int validate_password(size_t len, const char **why);

/* validate_stay_dates: check_out after check_in, at most 30 nights. */
int validate_stay_dates(int32_t check_in, int32_t check_out, const char **why);

/* validate_range: inventory [from, to): to after from, at most 3660 nights. */
int validate_range(int32_t from, int32_t to, const char **why);

/* validate_id: s (len bytes) is 1..18 digits not starting with 0, in a path ({id}) or a
 * query; sets *id (positive) only then. */
int validate_id(const char *s, size_t len, int64_t *id, const char **why);

/* validate_idem_key: 1..200 bytes of visible ASCII. */
int validate_idem_key(const char *s, const char **why);

#endif
