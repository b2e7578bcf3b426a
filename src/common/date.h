/*
 * date.h: calendar dates as day numbers (days since 1970-01-01, proleptic Gregorian)
 * and their ISO 8601 text form YYYY-MM-DD.
 *
 * Parsing is strict: exactly ten characters, zero-padded, a real calendar day. Day
 * numbers make ranges plain arithmetic: the nights of a stay are [check_in, check_out).
 */
#ifndef LASTROOM_COMMON_DATE_H
#define LASTROOM_COMMON_DATE_H

#include <stddef.h>
#include <stdint.h>

#define DATE_TEXT_LEN 10 /* "YYYY-MM-DD" without the terminating NUL */

/* date_parse: the first len bytes of s as YYYY-MM-DD (years 0001..9999). Returns 0 and
 * sets *day, or -1 (*day unchanged) when s is not exactly such a date. */
int date_parse(const char *s, size_t len, int32_t *day);

/* date_format: write day as "YYYY-MM-DD" plus NUL into out (11 bytes). Days outside
 * years 0001..9999 are clamped to those bounds. */
void date_format(int32_t day, char out[DATE_TEXT_LEN + 1]);

/* date_from_ymd: the day number of a valid (y, m, d); no validation. */
int32_t date_from_ymd(int y, int m, int d);

/* date_today_utc: today's day number in UTC. */
int32_t date_today_utc(void);

#endif
