/*
 * stub_server.c: the in-process stand-in for http.c and pool.c described in
 * stub_server.h. Nothing here talks to a socket, a thread or a database.
 */
#include "stub_server.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>

#include "server/buf.h"
#include "server/pool.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void unescape(char *s)
{
    char *w = s;
    for (char *p = s; *p != '\0'; p++) {
        if (*p == '+') {
            *w++ = ' ';
        } else if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            *w++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 2;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
}

void stub_parse_query(struct stub_req *s, char *q)
{
    char *save = NULL;
    for (char *a = strtok_r(q, "&", &save); a != NULL && s->nargs < STUB_MAX_ARGS;
         a = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(a, '=');
        if (eq != NULL) {
            *eq = '\0';
            unescape(eq + 1);
        }
        unescape(a);
        s->args[s->nargs].key = a;
        s->args[s->nargs].value = eq != NULL ? eq + 1 : NULL;
        s->nargs++;
    }
}

void stub_add_header(struct stub_req *s, char *line)
{
    char *colon = strchr(line, ':');
    if (colon == NULL || s->nheaders >= STUB_MAX_ARGS)
        return;
    *colon = '\0';
    char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
        v[--n] = '\0';
    s->headers[s->nheaders].key = line;
    s->headers[s->nheaders].value = v;
    s->nheaders++;
}

/* ---- libmicrohttpd --------------------------------------------------------- */

int stub_req_init(struct stub_req *s, struct api_ctx *api, const char *method, const char *url,
                  size_t body_max)
{
    memset(s, 0, sizeof *s);
    s->r.srv = (struct http_server *)(void *)s->srv;
    s->r.conn = (struct MHD_Connection *)(void *)s;
    s->r.method = method;
    s->r.url = url;
    s->r.content_type = "application/json";
    buf_init(&s->r.body, body_max);
    s->a = s->r.state = api_req_open(api, &s->r);
    return s->a != NULL ? 0 : -1;
}

const char *MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind,
                                        const char *key)
{
    struct stub_req *s = (struct stub_req *)(void *)c;
    if (kind == MHD_GET_ARGUMENT_KIND) {
        for (int i = 0; i < s->nargs; i++) /* MHD answers the first one */
            if (strcmp(s->args[i].key, key) == 0)
                return s->args[i].value;
    } else if (kind == MHD_HEADER_KIND) {
        for (int i = 0; i < s->nheaders; i++)
            if (strcasecmp(s->headers[i].key, key) == 0)
                return s->headers[i].value;
    }
    return NULL;
}

void MHD_suspend_connection(struct MHD_Connection *c)
{
    ((struct stub_req *)(void *)c)->suspended++;
}

void MHD_resume_connection(struct MHD_Connection *c)
{
    ((struct stub_req *)(void *)c)->resumed++;
}

/* ---- pool.h ----------------------------------------------------------------- */

void pool_submit(struct pool *p, struct pool_job *job)
{
    (void)p;
    ((struct stub_req *)(void *)api_req_of_job(job)->http->conn)->deferred++;
}

int pool_on_tick(struct pool *p, void (*fn)(void *), void *arg)
{
    (void)p;
    (void)fn;
    (void)arg;
    return 0; /* no timer here: no job ever runs, so no turn ever runs out */
}

void pool_get_stats(struct pool *p, struct pool_stats *out)
{
    (void)p;
    memset(out, 0, sizeof *out);
}

PGresult *pool_exec(const struct pool_job *job, PGconn *conn, int stmt, int nparams,
                    const char *const *params)
{
    (void)job;
    (void)conn;
    (void)stmt;
    (void)nparams;
    (void)params;
    return NULL; /* no job ever runs here: pool_submit only counts */
}

int pool_conn_lost(PGconn *conn, const PGresult *res)
{
    (void)conn;
    (void)res;
    return 1;
}
