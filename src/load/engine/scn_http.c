/*
 * scn_http.c: the generic `http` scenario: one request per iteration, the same one
 * every time, for comparing lastroom-load with wrk or hey on any target.
 *
 *   --method M        GET (default), HEAD, POST, PUT, DELETE, PATCH, OPTIONS
 *   --path P          "/" by default; appended to the base URL's path
 *   --path P          at most LR_PATH_MAX - 1 bytes
 *   --header 'K: V'   repeatable; sent as written, at most HTTPC_EXTRA_MAX bytes in all
 *   --body B          at most LR_BODY_MAX - 1 bytes (1 MiB), sent as application/json
 *                     unless a --header names another Content-Type; @FILE: the file's bytes
 *   --barrier yes     every iteration waits at the start barrier with its request
 *                     written, so all VUs send in the same instant (a race on any URL)
 * --path and --body are templates (template.h): {{vu}}, {{iter}} and {{rand A B}} are
 * filled for each request, so that one run can spread its requests over many URLs or
 * objects, e.g. --path '/api/hotels/{{rand 1 500}}'. Any other option, or a bad value,
 * is a usage error. Any executor applies; by default a constant load of 10 VUs for
 * 10 s (quick) or 50 VUs for 1 m (full), with the threshold http_req_failed rate<0.01.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/scenarios.h"
#include "load/engine/httpc.h"
#include "load/engine/scenario.h"
#include "load/engine/template.h"

struct http_opts {
    const char *method;
    char path[LR_PATH_MAX];
    char headers[HTTPC_EXTRA_MAX + 1];
    size_t hlen;
    char body[LR_BODY_MAX];
    size_t body_len;
    bool barrier;
    struct tpl path_tpl, body_tpl; /* over path and body */
};

static const char *const http_methods[] = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", NULL,
};

static const char *const http_names[] = { NULL };

static const char *const http_options[] = {
    "--method", "--path", "--header", "--body", "--barrier", NULL,
};

static int http_method(struct http_opts *o, const char *v, char *err, size_t errlen)
{
    for (int i = 0; http_methods[i]; i++)
        if (strcmp(v, http_methods[i]) == 0) {
            o->method = http_methods[i];
            return 0;
        }
    snprintf(err, errlen, "--method: unknown method '%s'", v);
    return -1;
}

static int http_header(struct http_opts *o, const char *v, char *err, size_t errlen)
{
    const char *colon = strchr(v, ':');
    size_t len = strlen(v);
    if (!colon || colon == v || strpbrk(v, "\r\n") || strcspn(v, " \t") < (size_t)(colon - v)) {
        snprintf(err, errlen, "--header: want 'Name: value', got '%s'", v);
        return -1;
    }
    if (o->hlen + len + 2 > HTTPC_EXTRA_MAX) {
        snprintf(err, errlen, "--header: the headers exceed %d bytes", HTTPC_EXTRA_MAX);
        return -1;
    }
    memcpy(o->headers + o->hlen, v, len);
    memcpy(o->headers + o->hlen + len, "\r\n", 3);
    o->hlen += len + 2;
    return 0;
}

/* --body @FILE: the body is the file's bytes (at most LR_BODY_MAX - 1). */
static int http_body_file(struct http_opts *o, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "--body: cannot open '%s'", path);
        return -1;
    }
    o->body_len = fread(o->body, 1, sizeof o->body, f);
    bool failed = ferror(f);
    fclose(f);
    if (failed || o->body_len >= sizeof o->body) {
        snprintf(err, errlen, "--body: '%s' %s", path,
                 failed ? "cannot be read" : "is larger than the body cap");
        return -1;
    }
    return 0;
}

static int http_option(struct http_opts *o, const char *k, const char *v, char *err, size_t errlen)
{
    if (strcmp(k, "--method") == 0)
        return http_method(o, v, err, errlen);
    if (strcmp(k, "--header") == 0)
        return http_header(o, v, err, errlen);
    if (strcmp(k, "--path") == 0 && v[0] == '/' && strlen(v) < sizeof o->path) {
        snprintf(o->path, sizeof o->path, "%s", v);
        return 0;
    }
    if ((strcmp(k, "--path") == 0 && strlen(v) >= sizeof o->path)
        || (strcmp(k, "--body") == 0 && strlen(v) >= sizeof o->body)) {
        snprintf(err, errlen, "%s: at most %zu bytes", k,
                 (k[2] == 'p' ? sizeof o->path : sizeof o->body) - 1);
        return -1;
    }
    if (strcmp(k, "--barrier") == 0 && (!strcmp(v, "yes") || !strcmp(v, "no"))) {
        o->barrier = !strcmp(v, "yes");
        return 0;
    }
    if (strcmp(k, "--body") == 0 && v[0] == '@')
        return http_body_file(o, v + 1, err, errlen);
    if (strcmp(k, "--body") == 0 && strlen(v) < sizeof o->body) {
        o->body_len = strlen(v);
        memcpy(o->body, v, o->body_len);
        return 0;
    }
    snprintf(err, errlen, "bad value for %s: '%s'", k, v);
    return -1;
}

/* The path and body templates; a bad one is named in err. Returns 0 or -1. */
static int http_templates(struct http_opts *o, char *err, size_t errlen)
{
    char why[384];
    if (tpl_compile(&o->path_tpl, o->path, strlen(o->path), LR_PATH_MAX, " \r\n", why, sizeof why)
        != 0) {
        snprintf(err, errlen, "--path: %s", why);
        return -1;
    }
    if (tpl_compile(&o->body_tpl, o->body, o->body_len, LR_BODY_MAX, NULL, why, sizeof why) != 0) {
        snprintf(err, errlen, "--body: %s", why);
        return -1;
    }
    return 0;
}

static int http_setup(struct lr_scenario_env *env, char *err, size_t errlen)
{
    struct http_opts *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    o->method = "GET";
    strcpy(o->path, "/");
    env->data = o;
    for (const char *const *a = env->argv_extra; a && a[0]; a += 2) {
        if (!a[1]) {
            snprintf(err, errlen, "%s needs a value", a[0]);
            return LR_SETUP_USAGE;
        }
        if (http_option(o, a[0], a[1], err, errlen) != 0)
            return LR_SETUP_USAGE;
    }
    if (http_templates(o, err, errlen) != 0)
        return LR_SETUP_USAGE;
    snprintf(env->verdict, sizeof env->verdict, "http: %s %s%s\n", o->method, env->base_url,
             o->path);
    return 0;
}

static enum lr_step http_step(struct lr_vu *vu, const struct lr_response *resp,
                              struct lr_request *req)
{
    const struct http_opts *o = vu->env->data;
    if (resp)
        return LR_STEP_DONE; /* a failed request is counted, not an abort */
    req->method = o->method;
    int body = tpl_expand(&o->body_tpl, vu, req->body, sizeof req->body);
    if (tpl_expand(&o->path_tpl, vu, req->path, sizeof req->path) < 0 || body < 0)
        return LR_STEP_ABORT; /* cannot happen: setup bounded the expansion */
    req->body_len = (size_t)body;
    req->headers = o->hlen ? o->headers : NULL;
    req->name_tag = o->path; /* the template, never the expanded path */
    return o->barrier ? LR_STEP_BARRIER : LR_STEP_REQUEST;
}

static void http_teardown(struct lr_scenario_env *env)
{
    free(env->data);
    env->data = NULL;
}

static const struct lr_threshold_spec http_thresholds[] = {
    { "http_req_failed", "rate<0.01", false },
    { NULL, NULL, false },
};

static const struct lr_profile http_quick = {
    .name = "quick",
    .exec = { .type = LR_EXEC_CONSTANT_VUS,
              .vus = 10,
              .duration_s = 10,
              .graceful_stop_s = 30,
              .max_duration_s = 600,
              .time_unit_s = 1 },
    .thresholds = http_thresholds,
};

static const struct lr_profile http_full = {
    .name = "full",
    .exec = { .type = LR_EXEC_CONSTANT_VUS,
              .vus = 50,
              .duration_s = 60,
              .graceful_stop_s = 30,
              .max_duration_s = 600,
              .time_unit_s = 1 },
    .thresholds = http_thresholds,
};

const struct lr_scenario lr_scenario_http = {
    .name = "http",
    .description = "one request per iteration (--method, --path, --header, --body, "
                   "--barrier; {{vu}} {{vu + N}} {{iter}} {{rand A B}} in path and body), for "
                   "comparison with wrk and hey",
    .names = http_names,
    .options = http_options,
    .quick = &http_quick,
    .full = &http_full,
    .setup = http_setup,
    .step = http_step,
    .teardown = http_teardown,
};
