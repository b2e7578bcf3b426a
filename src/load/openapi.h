/*
 * openapi.h: lastroom-load's reading of an OpenAPI 3.x document (JSON): list its
 * operations, and write a starting Lua script that calls chosen ones, written to the
 * scripting API of lastroom-load (lastroom.http, lastroom: lr.check, lr.env).
 *
 * An operation is named by its operationId, or when it has none by "METHOD /path"
 * (e.g. "GET /api/hotels"), which also always works. The script takes its target from
 * API_URL (default: the document's first server), bearer tokens from TOKEN (ADMIN_TOKEN
 * for an operation whose security names the role admin), path ids from the parameter's
 * example, and bodies from the request's example, or else from the required properties
 * of its schema. It is a starting point to edit, not a test with assertions beyond the
 * documented success statuses.
 */
#ifndef LASTROOM_LOAD_OPENAPI_H
#define LASTROOM_LOAD_OPENAPI_H

#include <stddef.h>
#include <stdio.h>

#define OPENAPI_MAX_BYTES (16 * 1024 * 1024) /* a larger document is refused */
#define OPENAPI_MAX_OPS   4096

struct openapi_doc;

/* openapi_open: read and index the JSON document at path. Returns the document, or
 * NULL with the reason in err (unreadable, over OPENAPI_MAX_BYTES, not JSON, no paths,
 * more than OPENAPI_MAX_OPS operations). Free with openapi_close. */
struct openapi_doc *openapi_open(const char *path, char *err, size_t errcap);

/* openapi_close: free doc (NULL is fine). */
void openapi_close(struct openapi_doc *doc);

/* openapi_list: one line per operation, in document order: its name (operationId or
 * "-"), method, path, auth ("none", "token" or "token:ROLE") and summary. */
void openapi_list(const struct openapi_doc *doc, FILE *out);

/* openapi_script: write to out a Lua script calling the operations named in names[0..n)
 * in that order, from a default() function. Returns 0, or -1 with err naming the first
 * name that is no operation (nothing is written then). */
int openapi_script(const struct openapi_doc *doc, const char *source, const char *const *names,
                   int n, FILE *out, char *err, size_t errcap);

#endif
