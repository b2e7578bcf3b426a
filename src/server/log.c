/*
 * log.c: the leveled logger. The line is formatted into a stack buffer and written
 * with a single write(2), which keeps concurrent lines whole without a lock.
 */
#include "server/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 2048

static _Atomic int current_level = LOG_INFO;
static const char *const level_names[] = { "debug", "info", "warn", "error", "off" };

void log_set_level(enum log_level level)
{
    atomic_store(&current_level, (int)level);
}

int log_level_parse(const char *name, enum log_level *level)
{
    for (int i = LOG_DEBUG; i <= LOG_OFF; i++)
        if (name != NULL && strcmp(name, level_names[i]) == 0) {
            *level = (enum log_level)i;
            return 0;
        }
    return -1;
}

int log_enabled(enum log_level level)
{
    return level != LOG_OFF && (int)level >= atomic_load(&current_level);
}

static size_t stamp(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    int m = snprintf(out + n, cap - n, ".%03ldZ ", ts.tv_nsec / 1000000);
    return n + (m > 0 ? (size_t)m : 0);
}

const char *log_escape(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p != '\0' && n + 5 <= cap; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\') {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        } else {
            out[n++] = (char)*p;
        }
    }
    if (cap > 0)
        out[n < cap ? n : cap - 1] = '\0';
    return out;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    char line[LINE_MAX_BYTES];
    if (!log_enabled(level))
        return;
    size_t n = stamp(line, sizeof line);
    int m = snprintf(line + n, sizeof line - n, "%-5s ", level_names[level]);
    n += m > 0 ? (size_t)m : 0;
    va_list ap;
    va_start(ap, fmt);
    m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    if (m > 0)
        n += (size_t)m < sizeof line - n - 1 ? (size_t)m : sizeof line - n - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}
