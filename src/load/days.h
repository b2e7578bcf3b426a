/*
 * days.h: calendar dates as day numbers (days since 1970-01-01, proleptic Gregorian).
 *
 * Booking scenarios pick nights and write them as "YYYY-MM-DD"; verification compares
 * them with the database's. A day number makes ranges plain integer arithmetic.
 */
#ifndef LASTROOM_DAYS_H
#define LASTROOM_DAYS_H

#include <stdint.h>

/* days_from_ymd: the day number of y-m-d (no range check of m and d). */
int32_t days_from_ymd(int y, int m, int d);

/* days_format: write day as "YYYY-MM-DD" and a NUL into out (11 bytes). */
void days_format(int32_t day, char out[11]);

/* days_parse: the first 10 bytes of s as "YYYY-MM-DD"; 0 and *day, or -1 when they are
 * not a valid date between 1900-01-01 and 2199-12-31. */
int days_parse(const char *s, int32_t *day);

/* days_today: today's day number in UTC. */
int32_t days_today(void);

#endif
