/*
 * log.h: leveled log lines on stderr, one write per line so that lines from several
 * threads never interleave.
 *
 * Line format: "2026-01-02T03:04:05.678Z LEVEL message". The level is process-wide and
 * may be changed at any time. Callers must never pass secrets (passwords, tokens).
 */
#ifndef LASTROOM_SERVER_LOG_H
#define LASTROOM_SERVER_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

/* log_set_level: lines below level are dropped. Default LOG_INFO. */
void log_set_level(enum log_level level);

/* log_level_parse: "debug", "info", "warn", "error" or "off" to a level. Returns 0, or
 * -1 (*level unchanged) for any other name. */
int log_level_parse(const char *name, enum log_level *level);

/* log_enabled: whether a line at level would be written (to skip costly formatting). */
int log_enabled(enum log_level level);

/* log_msg: write one line at level (a trailing newline is added; long lines are cut
 * at 2 KiB). */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* log_escape: in, with control bytes, DEL and backslash written as \xNN, into out
 * (cap bytes, NUL-terminated, cut short rather than overflow), so that text a peer
 * sent cannot forge or break log lines. Returns out. */
const char *log_escape(const char *in, char *out, size_t cap);

#endif
