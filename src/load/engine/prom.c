/*
 * prom.c: the Prometheus endpoint of prom.h.
 *
 * The text is built with open_memstream on the publishing thread; the server thread
 * only copies the current text out under the lock. The server is deliberately small:
 * one connection at a time, a capped and timed request read, HTTP/1.0-style close
 * after each answer. A scraper that stalls delays other scrapers by at most the
 * two-second read timeout and never the run.
 */
#include "load/engine/prom.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "load/engine/hist.h"

struct prom {
    int fd, stop_pipe[2];
    pthread_t th;
    pthread_mutex_t mu;
    char *text; /* under mu */
    size_t len;
};

/* ---- rendering ------------------------------------------------------------------ */

/* A label name from a tag key: characters other than [A-Za-z0-9_] become '_'. */
static void label_name(char *out, size_t cap, const char *key)
{
    size_t i = 0;
    for (; key[i] && i + 1 < cap; i++)
        out[i] = isalnum((unsigned char)key[i]) || key[i] == '_' ? key[i] : '_';
    out[i] = '\0';
    if (isdigit((unsigned char)out[0]))
        out[0] = '_';
}

/* A label value, escaped as the text format wants (\\, \", \n). */
static void label_value(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', f);
        if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

/* "{key=\"value\"" for a tagged series ("" when untagged), without the closing brace,
 * so the caller can add quantile. Returns whether a brace was opened. */
static int labels_open(FILE *f, const struct metrics *m, int id)
{
    const char *key, *val;
    char name[METRICS_TAG_MAX];
    if (!metrics_tag(m, id, &key, &val))
        return 0;
    label_name(name, sizeof name, key);
    fprintf(f, "{%s=\"", name);
    label_value(f, val);
    fputc('"', f);
    return 1;
}

static void sample(FILE *f, const struct metrics *m, int id, const char *family, const char *suffix,
                   double v)
{
    fprintf(f, "%s%s", family, suffix);
    fputs(labels_open(f, m, id) ? "}" : "", f);
    fprintf(f, " %.15g\n", v);
}

static void trend(FILE *f, const struct metrics *m, int id, const char *family)
{
    static const char *const q[] = { "0.5", "0.9", "0.95", "0.99" };
    static const char *const stat[] = { "p(50)", "p(90)", "p(95)", "p(99)" };
    double unit = metrics_is_time(m, id) ? 1e-3 : 1, v = 0;
    const struct hist *h = metrics_hist(m, id);
    for (int k = 0; k < 4; k++) {
        metrics_trend(m, id, stat[k], &v);
        fputs(family, f);
        fputs(labels_open(f, m, id) ? "," : "{", f);
        fprintf(f, "quantile=\"%s\"} %.15g\n", q[k], v * unit);
    }
    sample(f, m, id, family, "_sum", (double)hist_sum(h) / METRICS_TREND_SCALE * unit);
    sample(f, m, id, family, "_count", (double)hist_count(h));
}

static void series(FILE *f, const struct metrics *m, int id, const char *family)
{
    switch (metrics_type(m, id)) {
    case METRIC_COUNTER: sample(f, m, id, family, "_total", metrics_counter(m, id)); break;
    case METRIC_GAUGE: sample(f, m, id, family, "", metrics_gauge(m, id)); break;
    case METRIC_RATE:
        sample(f, m, id, family, "_ratio", metrics_rate(m, id));
        sample(f, m, id, family, "_passes_total", (double)metrics_rate_trues(m, id));
        sample(f, m, id, family, "_samples_total", (double)metrics_rate_total(m, id));
        break;
    case METRIC_TREND: trend(f, m, id, family); break;
    }
}

static const char *const type_line[] = { "counter", "gauge", "gauge", "summary" };

/* One family: its TYPE line, then the untagged series and every tagged one. */
static void family(FILE *f, const struct metrics *m, int parent)
{
    char name[METRICS_NAME_MAX + 32];
    enum metric_type t = metrics_type(m, parent);
    snprintf(name, sizeof name, "lastroom_load_%s%s", metrics_metric_name(m, parent),
             t == METRIC_TREND && metrics_is_time(m, parent) ? "_seconds" : "");
    if (t == METRIC_RATE)
        fprintf(f,
                "# TYPE %s_ratio gauge\n# TYPE %s_passes_total counter\n"
                "# TYPE %s_samples_total counter\n",
                name, name, name);
    else
        fprintf(f, "# TYPE %s%s %s\n", name, t == METRIC_COUNTER ? "_total" : "", type_line[t]);
    for (int id = 0; id < metrics_count_series(m); id++)
        if (id == parent || (metrics_parent(m, id) == parent && metrics_has_data(m, id)))
            series(f, m, id, name);
}

static void thresholds(FILE *f, const struct metrics *m, const struct thr_set *thr)
{
    fputs("# TYPE lastroom_load_threshold_ok gauge\n", f);
    for (int i = 0; thr && i < thr_count(thr); i++) {
        const struct thr_threshold *t = thr_get(thr, i);
        fputs("lastroom_load_threshold_ok{series=\"", f);
        label_value(f, metrics_series_name(m, t->series));
        fputs("\",threshold=\"", f);
        label_value(f, t->expr);
        fprintf(f, "\"} %d\n", t->evaluated ? t->ok : 1);
    }
}

void prom_publish(struct prom *p, const struct metrics *m, const struct thr_set *thr,
                  double elapsed_s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    fprintf(f, "# TYPE lastroom_load_elapsed_seconds gauge\nlastroom_load_elapsed_seconds %.3f\n",
            elapsed_s);
    for (int id = 0; id < metrics_count_series(m); id++)
        if (metrics_parent(m, id) == id)
            family(f, m, id);
    thresholds(f, m, thr);
    if (fclose(f) != 0) {
        free(text);
        return;
    }
    pthread_mutex_lock(&p->mu);
    free(p->text);
    p->text = text;
    p->len = len;
    pthread_mutex_unlock(&p->mu);
}

/* ---- serving ---------------------------------------------------------------------- */

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

/* Read the request head (capped, timed); answer; close. */
static void serve_one(struct prom *p, int c)
{
    char req[PROM_REQUEST_MAX + 1], head[160];
    size_t got = 0;
    struct timeval tv = { 2, 0 };
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    while (got < PROM_REQUEST_MAX) {
        ssize_t n = recv(c, req + got, PROM_REQUEST_MAX - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
            break;
    }
    req[got] = '\0';
    bool ok = strncmp(req, "GET /metrics ", 13) == 0 || strncmp(req, "GET /metrics?", 13) == 0;
    pthread_mutex_lock(&p->mu);
    size_t len = ok ? p->len : 10;
    char *body = malloc(len + 1);
    if (body)
        memcpy(body, ok ? (p->text ? p->text : "") : "not found\n", len);
    pthread_mutex_unlock(&p->mu);
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nContent-Type: text/plain; "
                     "version=0.0.4\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     ok ? "200 OK" : "404 Not Found", body ? len : 0);
    write_all(c, head, (size_t)n);
    if (body)
        write_all(c, body, len);
    free(body);
    close(c);
}

static void *serve(void *arg)
{
    struct prom *p = arg;
    struct pollfd pf[2] = { { p->fd, POLLIN, 0 }, { p->stop_pipe[0], POLLIN, 0 } };
    for (;;) {
        if (poll(pf, 2, -1) < 0 && errno != EINTR)
            break;
        if (pf[1].revents)
            break;
        if (!(pf[0].revents & POLLIN))
            continue;
        int c = accept4(p->fd, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0)
            serve_one(p, c);
    }
    return NULL;
}

/* "HOST:PORT" or ":PORT" into sa. Returns 0, or -1 when malformed. */
static int parse_addr(const char *addr, struct sockaddr_in *sa)
{
    const char *colon = strrchr(addr, ':');
    char host[64];
    char *end;
    if (!colon || (size_t)(colon - addr) >= sizeof host)
        return -1;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
        return -1;
    snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host[0] ? host : "127.0.0.1", &sa->sin_addr) == 1 ? 0 : -1;
}

struct prom *prom_start(const char *addr, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    int one = 1;
    if (parse_addr(addr, &sa) != 0) {
        snprintf(err, errlen, "--metrics-listen %s: not HOST:PORT (e.g. 127.0.0.1:9465)", addr);
        return NULL;
    }
    struct prom *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    p->stop_pipe[0] = p->stop_pipe[1] = -1;
    pthread_mutex_init(&p->mu, NULL);
    if (p->fd >= 0)
        setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(p->fd, 16) != 0
        || pipe2(p->stop_pipe, O_CLOEXEC) != 0 || pthread_create(&p->th, NULL, serve, p) != 0) {
        snprintf(err, errlen, "--metrics-listen %s: %s", addr, strerror(errno));
        if (p->fd >= 0)
            close(p->fd);
        if (p->stop_pipe[0] >= 0) {
            close(p->stop_pipe[0]);
            close(p->stop_pipe[1]);
        }
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    return p;
}

void prom_stop(struct prom *p)
{
    if (!p)
        return;
    if (write(p->stop_pipe[1], "x", 1) == 1)
        pthread_join(p->th, NULL);
    close(p->fd);
    close(p->stop_pipe[0]);
    close(p->stop_pipe[1]);
    pthread_mutex_destroy(&p->mu);
    free(p->text);
    free(p);
}
