/*
 * openapi.c: list the operations of an OpenAPI document and write a starting Lua
 * script for chosen ones (see openapi.h). The document is read whole with jansson
 * (capped in size), its operations indexed in document order; local $refs
 * ("#/components/...") are followed, at most OPENAPI_REF_HOPS in a row. The script is
 * text for people to edit: every value it takes from the document is written as a Lua
 * literal with escapes, never pasted raw.
 */
#include "load/openapi.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define OPENAPI_REF_HOPS  16
#define OPENAPI_MAX_DEPTH 8 /* nesting of a generated body */

static const char *const http_methods[] = { "get",     "put",  "post",  "delete",
                                            "options", "head", "patch", "trace" };

struct op {
    char method[8]; /* upper case */
    const char *path;
    const char *id; /* operationId, or NULL */
    json_t *op;
};

struct openapi_doc {
    json_t *root;
    int n;
    struct op ops[];
};

/* deref: node, or what its local $ref points to (siblings ignored); NULL when a ref
 * cannot be followed. */
static json_t *deref(const struct openapi_doc *doc, json_t *node)
{
    for (int hop = 0; hop < OPENAPI_REF_HOPS; hop++) {
        const char *ref = json_string_value(json_object_get(node, "$ref"));
        if (ref == NULL)
            return node;
        if (strncmp(ref, "#/", 2) != 0)
            return NULL;
        node = doc->root;
        char part[256];
        for (const char *p = ref + 2; node != NULL && *p != '\0';) {
            size_t n = strcspn(p, "/"), k = 0;
            for (size_t i = 0; i < n && k + 1 < sizeof part; i++) { /* ~1 is '/', ~0 is '~' */
                if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1'))
                    part[k++] = p[++i] == '1' ? '/' : '~';
                else
                    part[k++] = p[i];
            }
            part[k] = '\0';
            node = json_object_get(node, part);
            p += n + (p[n] == '/');
        }
    }
    return NULL;
}

struct openapi_doc *openapi_open(const char *path, char *err, size_t errcap)
{
    struct stat st;
    json_error_t je;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errcap, "%s: not a readable file", path);
        return NULL;
    }
    if (st.st_size > OPENAPI_MAX_BYTES) {
        snprintf(err, errcap, "%s: over %d bytes", path, OPENAPI_MAX_BYTES);
        return NULL;
    }
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        snprintf(err, errcap,
                 "%s: not a JSON document (line %d: %s); a YAML one can be fetched "
                 "as JSON (lastroomd serves GET /openapi.json)",
                 path, je.line, je.text);
        return NULL;
    }
    json_t *paths = json_object_get(root, "paths"), *item;
    const char *p;
    if (!json_is_object(paths)) {
        snprintf(err, errcap, "%s: no \"paths\" object: not an OpenAPI document", path);
        json_decref(root);
        return NULL;
    }
    struct openapi_doc *doc = calloc(1, sizeof *doc + OPENAPI_MAX_OPS * sizeof doc->ops[0]);
    if (doc == NULL) {
        snprintf(err, errcap, "out of memory");
        json_decref(root);
        return NULL;
    }
    doc->root = root;
    json_object_foreach(paths, p, item)
    {
        const char *m;
        json_t *op;
        json_object_foreach(item, m, op)
        {
            size_t k = 0;
            while (k < sizeof http_methods / sizeof http_methods[0]
                   && strcmp(m, http_methods[k]) != 0)
                k++;
            if (k == sizeof http_methods / sizeof http_methods[0] || !json_is_object(op))
                continue;
            if (doc->n == OPENAPI_MAX_OPS) {
                snprintf(err, errcap, "%s: more than %d operations", path, OPENAPI_MAX_OPS);
                openapi_close(doc);
                return NULL;
            }
            struct op *o = &doc->ops[doc->n++];
            for (size_t i = 0; m[i] != '\0' && i + 1 < sizeof o->method; i++)
                o->method[i] = (char)toupper((unsigned char)m[i]);
            o->path = p;
            o->id = json_string_value(json_object_get(op, "operationId"));
            o->op = op;
        }
    }
    return doc;
}

void openapi_close(struct openapi_doc *doc)
{
    if (doc == NULL)
        return;
    json_decref(doc->root);
    free(doc);
}

/* auth_of: "none", "token" or "token:ROLE" from the operation's (or the document's)
 * first security requirement; role gets ROLE or "". */
static const char *auth_of(const struct openapi_doc *doc, const struct op *o, const char **role)
{
    json_t *sec = json_object_get(o->op, "security");
    if (sec == NULL)
        sec = json_object_get(doc->root, "security");
    json_t *req = json_array_get(sec, 0), *roles;
    const char *scheme;
    *role = "";
    if (json_object_size(req) == 0)
        return "none";
    json_object_foreach(req, scheme, roles)
    {
        if (json_array_size(roles) > 0 && json_is_string(json_array_get(roles, 0))) {
            *role = json_string_value(json_array_get(roles, 0));
            return "token:";
        }
        break;
    }
    return "token";
}

/* put_one_line: s with line breaks written as spaces (for comments and list lines). */
static void put_one_line(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, out);
}

void openapi_list(const struct openapi_doc *doc, FILE *out)
{
    for (int i = 0; i < doc->n; i++) {
        const struct op *o = &doc->ops[i];
        const char *role, *auth = auth_of(doc, o, &role);
        const char *summary = json_string_value(json_object_get(o->op, "summary"));
        char a[80];
        snprintf(a, sizeof a, "%s%s", auth, role);
        fprintf(out, "%-22s %-6s %-32s %-11s ", o->id ? o->id : "-", o->method, o->path, a);
        put_one_line(out, summary ? summary : "");
        fputc('\n', out);
    }
}

static const struct op *find_op(const struct openapi_doc *doc, const char *name)
{
    for (int i = 0; i < doc->n; i++) {
        const struct op *o = &doc->ops[i];
        size_t ml = strlen(o->method);
        if ((o->id != NULL && strcmp(o->id, name) == 0)
            || (strncmp(name, o->method, ml) == 0 && name[ml] == ' '
                && strcmp(name + ml + 1, o->path) == 0))
            return o;
    }
    return NULL;
}

/* lua_str: s as a Lua string literal (quotes, backslashes, control bytes escaped). */
static void lua_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\%03d", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static int lua_ident(const char *s)
{
    static const char *const reserved[] = { "and",   "break",  "do",     "else",     "elseif",
                                            "end",   "false",  "for",    "function", "goto",
                                            "if",    "in",     "local",  "nil",      "not",
                                            "or",    "repeat", "return", "then",     "true",
                                            "until", "while" };
    if (!isalpha((unsigned char)s[0]) && s[0] != '_')
        return 0;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return 0;
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(s, reserved[i]) == 0)
            return 0;
    return 1;
}

/* lua_value: v as a Lua literal; tables at most OPENAPI_MAX_DEPTH deep. */
static void lua_value(FILE *out, const json_t *v, int depth)
{
    const char *k;
    json_t *x;
    size_t i, n = 0;
    switch (json_typeof(v)) {
    case JSON_STRING: lua_str(out, json_string_value(v)); break;
    case JSON_INTEGER: fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_REAL: fprintf(out, "%.17g", json_real_value(v)); break;
    case JSON_TRUE: fputs("true", out); break;
    case JSON_FALSE: fputs("false", out); break;
    case JSON_NULL: fputs("nil", out); break;
    case JSON_ARRAY:
        if (depth >= OPENAPI_MAX_DEPTH) {
            fputs("{}", out);
            break;
        }
        fputs("{ ", out);
        json_array_foreach(v, i, x)
        {
            fputs(i ? ", " : "", out);
            lua_value(out, x, depth + 1);
        }
        fputs(" }", out);
        break;
    case JSON_OBJECT:
        if (depth >= OPENAPI_MAX_DEPTH || json_object_size(v) == 0) {
            fputs("{}", out);
            break;
        }
        fputs("{ ", out);
        json_object_foreach((json_t *)v, k, x)
        {
            fputs(n++ ? ", " : "", out);
            if (lua_ident(k)) {
                fputs(k, out);
            } else {
                fputc('[', out);
                lua_str(out, k);
                fputc(']', out);
            }
            fputs(" = ", out);
            lua_value(out, x, depth + 1);
        }
        fputs(" }", out);
        break;
    }
}

/* sample: a new value fitting schema: its example, default, const or first enum
 * value, else the required properties of an object filled the same way, else a
 * neutral value of its type (the minimum of a number). */
static json_t *sample(const struct openapi_doc *doc, json_t *schema, int depth)
{
    static const char *const given[] = { "example", "default", "const" };
    schema = deref(doc, schema);
    if (!json_is_object(schema) || depth >= OPENAPI_MAX_DEPTH)
        return json_null();
    for (size_t i = 0; i < sizeof given / sizeof given[0]; i++)
        if (json_object_get(schema, given[i]) != NULL)
            return json_deep_copy(json_object_get(schema, given[i]));
    if (json_array_size(json_object_get(schema, "enum")) > 0)
        return json_deep_copy(json_array_get(json_object_get(schema, "enum"), 0));
    if (json_array_size(json_object_get(schema, "allOf")) > 0)
        return sample(doc, json_array_get(json_object_get(schema, "allOf"), 0), depth + 1);
    const char *type = json_string_value(json_object_get(schema, "type"));
    json_t *min = json_object_get(schema, "minimum");
    if (type == NULL && json_object_get(schema, "properties") != NULL)
        type = "object";
    if (type == NULL)
        return json_null();
    if (strcmp(type, "string") == 0)
        return json_string("");
    if (strcmp(type, "integer") == 0 || strcmp(type, "number") == 0)
        return json_is_number(min) ? json_deep_copy(min) : json_integer(0);
    if (strcmp(type, "boolean") == 0)
        return json_false();
    if (strcmp(type, "array") == 0)
        return json_array();
    if (strcmp(type, "object") != 0)
        return json_null();
    json_t *obj = json_object(), *props = json_object_get(schema, "properties"), *req;
    size_t i;
    json_array_foreach(json_object_get(schema, "required"), i, req)
    {
        const char *k = json_string_value(req);
        if (k != NULL)
            json_object_set_new(obj, k, sample(doc, json_object_get(props, k), depth + 1));
    }
    return obj;
}

/* request_body: the JSON body to send, new, or NULL when the operation takes none. */
static json_t *request_body(const struct openapi_doc *doc, const struct op *o)
{
    json_t *media = json_object_get(
        json_object_get(deref(doc, json_object_get(o->op, "requestBody")), "content"),
        "application/json");
    const char *k;
    json_t *ex;
    if (media == NULL)
        return NULL;
    if (json_object_get(media, "example") != NULL)
        return json_deep_copy(json_object_get(media, "example"));
    json_object_foreach(
        json_object_get(media, "examples"), k,
        ex) if (json_object_get(deref(doc, ex), "value")
                != NULL) return json_deep_copy(json_object_get(deref(doc, ex), "value"));
    return sample(doc, json_object_get(media, "schema"), 0);
}

/* param_value: a parameter's example (or its schema's sample) as text, new. */
static char *param_value(const struct openapi_doc *doc, json_t *p)
{
    json_t *v = json_object_get(p, "example") ? json_incref(json_object_get(p, "example"))
                                              : sample(doc, json_object_get(p, "schema"), 0);
    char *s = json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
    json_decref(v);
    return s;
}

static void url_escape(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (isalnum(*p) || strchr("-._~", *p))
            fputc(*p, out);
        else
            fprintf(out, "%%%02X", *p);
}

/* write_url: the Lua expression of the operation's URL: base, the path with each
 * {name} a local of the block (set from the parameter's example; -e NAME=... overrides),
 * and the query arguments that are required or have an example. */
static void write_url(const struct openapi_doc *doc, const struct op *o, FILE *out, FILE *locals)
{
    size_t i, qlen = 0;
    json_t *p;
    char *qtext = NULL;
    FILE *q = open_memstream(&qtext, &qlen);
    if (q == NULL)
        return;
    fputs("base .. ", out);
    for (const char *s = o->path; *s;) {
        const char *open = strchr(s, '{'), *close = open ? strchr(open, '}') : NULL;
        size_t lit = close ? (size_t)(open - s) : strlen(s);
        char lit_text[1024], name[128];
        snprintf(lit_text, sizeof lit_text, "%.*s",
                 (int)(lit < sizeof lit_text ? lit : sizeof lit_text - 1), s);
        if (lit > 0) {
            lua_str(out, lit_text);
            fputs(close ? " .. " : "", out);
        }
        if (close == NULL)
            break;
        size_t nl = (size_t)(close - open - 1);
        snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name ? nl : sizeof name - 1),
                 open + 1);
        for (char *c = name; *c; c++)
            if (!isalnum((unsigned char)*c))
                *c = '_';
        fprintf(out, "p_%s%s", name, close[1] ? " .. " : "");
        s = close + 1;
    }
    json_array_foreach(json_object_get(o->op, "parameters"), i, p)
    {
        p = deref(doc, p);
        const char *in = json_string_value(json_object_get(p, "in"));
        const char *name = json_string_value(json_object_get(p, "name"));
        char *v;
        if (in == NULL || name == NULL || (v = param_value(doc, p)) == NULL)
            continue;
        if (strcmp(in, "path") == 0) {
            char var[128], env[128];
            snprintf(var, sizeof var, "%s", name);
            for (char *c = var; *c; c++)
                if (!isalnum((unsigned char)*c))
                    *c = '_';
            for (size_t k = 0;
                 k + 1 < sizeof env && (env[k] = (char)toupper((unsigned char)var[k])); k++)
                ;
            fprintf(locals, "    local p_%s = lr.env.%s or ", var, env);
            lua_str(locals, v);
            fputc('\n', locals);
        } else if (strcmp(in, "query") == 0
                   && (json_is_true(json_object_get(p, "required"))
                       || json_object_get(p, "example") != NULL)) {
            fputc(ftell(q) > 0 ? '&' : '?', q);
            url_escape(q, name);
            fputc('=', q);
            url_escape(q, v);
        }
        free(v);
    }
    fclose(q);
    if (qlen > 0)
        fprintf(out, " .. \"%s\"", qtext); /* url_escape left nothing to escape for Lua */
    free(qtext);
}

/* write_params: the params table: bearer token, header parameters, the tag name. */
static void write_params(const struct openapi_doc *doc, const struct op *o, const char *name,
                         FILE *out)
{
    const char *role, *auth = auth_of(doc, o, &role), *hname;
    size_t i;
    json_t *p;
    fputs("{ headers = { ", out);
    if (strcmp(auth, "none") != 0)
        fprintf(out, "Authorization = \"Bearer \" .. (lr.env.%s or \"\"), ",
                strcmp(role, "admin") == 0 ? "ADMIN_TOKEN" : "TOKEN");
    json_array_foreach(json_object_get(o->op, "parameters"), i, p)
    {
        p = deref(doc, p);
        const char *in = json_string_value(json_object_get(p, "in"));
        if (in == NULL || strcmp(in, "header") != 0
            || (hname = json_string_value(json_object_get(p, "name"))) == NULL)
            continue;
        fputc('[', out);
        lua_str(out, hname);
        fputs("] = ", out);
        if (strcasecmp(hname, "Idempotency-Key") == 0) {
            fputs("lr.uuid()", out);
        } else {
            char *v = param_value(doc, p);
            lua_str(out, v ? v : "");
            free(v);
        }
        fputs(", ", out);
    }
    fputs("}, tags = { name = ", out);
    lua_str(out, name);
    fputs(" } }", out);
}

/* write_check: lr.check on the documented 2xx statuses. */
static void write_check(const struct op *o, const char *name, FILE *out)
{
    const char *status;
    json_t *r;
    char label[64] = "", cond[256] = "";
    json_object_foreach(json_object_get(o->op, "responses"), status, r)
    {
        if (status[0] != '2' || strlen(status) != 3 || strlen(cond) + 40 > sizeof cond)
            continue;
        snprintf(label + strlen(label), sizeof label - strlen(label), "%s%s", label[0] ? "/" : "",
                 status);
        snprintf(cond + strlen(cond), sizeof cond - strlen(cond), "%sres.status == %s",
                 cond[0] ? " or " : "", status);
    }
    if (cond[0] == '\0')
        snprintf(cond, sizeof cond, "res.status >= 200 and res.status < 300");
    fputs("    lr.check(r, { [", out);
    char check[600];
    snprintf(check, sizeof check, "%s: status %s", name, label[0] ? label : "2xx");
    lua_str(out, check);
    fprintf(out, "] = function(res) return %s end })\n", cond);
}

static void write_op(const struct openapi_doc *doc, const struct op *o, FILE *out)
{
    char name[512], *locals_text = NULL;
    size_t locals_len = 0;
    const char *summary = json_string_value(json_object_get(o->op, "summary"));
    if (o->id != NULL)
        snprintf(name, sizeof name, "%s", o->id);
    else
        snprintf(name, sizeof name, "%s %s", o->method, o->path);
    FILE *locals = open_memstream(&locals_text, &locals_len);
    char *url_text = NULL;
    size_t url_len = 0;
    FILE *url = open_memstream(&url_text, &url_len);
    if (locals == NULL || url == NULL) {
        if (locals)
            fclose(locals);
        if (url)
            fclose(url);
        free(locals_text);
        free(url_text);
        return;
    }
    write_url(doc, o, url, locals);
    fclose(url);
    fclose(locals);
    fputs("  do   -- ", out);
    put_one_line(out, name);
    if (summary != NULL) {
        fputs(": ", out);
        put_one_line(out, summary);
    }
    fputc('\n', out);
    fputs(locals_text, out);
    json_t *body = request_body(doc, o);
    if (body != NULL) {
        fputs("    local body = ", out);
        lua_value(out, body, 0);
        fputc('\n', out);
        json_decref(body);
    }
    if (strcmp(o->method, "GET") == 0)
        fprintf(out, "    local r = http.get(%s, ", url_text);
    else if (strcmp(o->method, "POST") == 0)
        fprintf(out, "    local r = http.post(%s, %s, ", url_text, body ? "body" : "nil");
    else
        fprintf(out, "    local r = http.request(\"%s\", %s, %s, ", o->method, url_text,
                body ? "body" : "nil");
    write_params(doc, o, name, out);
    fputs(")\n", out);
    write_check(o, name, out);
    fputs("  end\n", out);
    free(locals_text);
    free(url_text);
}

int openapi_script(const struct openapi_doc *doc, const char *source, const char *const *names,
                   int n, FILE *out, char *err, size_t errcap)
{
    for (int i = 0; i < n; i++)
        if (find_op(doc, names[i]) == NULL) {
            snprintf(err, errcap,
                     "no operation '%s' in %s (lastroom-load openapi list %s shows them)", names[i],
                     source, source);
            return -1;
        }
    const char *server = json_string_value(
        json_object_get(json_array_get(json_object_get(doc->root, "servers"), 0), "url"));
    const char *title =
        json_string_value(json_object_get(json_object_get(doc->root, "info"), "title"));
    fputs("-- A starting script for ", out);
    put_one_line(out, title ? title : "an API");
    fputs(
        ", written by lastroom-load openapi script from its OpenAPI\n"
        "-- document. Edit the values, then: lastroom-load run FILE.lua -e API_URL=http://...\n"
        "-- TOKEN (ADMIN_TOKEN for an admin's operations) is the bearer token; -e ID=... and the\n"
        "-- like set path parameters.\n"
        "local http = require \"lastroom.http\"\n"
        "local lr = require \"lastroom\"\n\n"
        "local base = lr.env.API_URL or ",
        out);
    lua_str(out, server ? server : "http://127.0.0.1:8080");
    fputs("\n\noptions = { vus = 1, iterations = 1 }\n\nfunction default()\n", out);
    for (int i = 0; i < n; i++)
        write_op(doc, find_op(doc, names[i]), out);
    fputs("end\n", out);
    return 0;
}
