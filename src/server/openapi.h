/*
 * openapi.h: the OpenAPI document of lastroomd's HTTP API (docs/openapi.yaml), compiled
 * into lastroomd as compact JSON and served at GET /openapi.json.
 *
 * The build generates it (scripts/embed-openapi.sh), so the document served is always
 * the one in the tree the server was built from.
 */
#ifndef LASTROOM_SERVER_OPENAPI_H
#define LASTROOM_SERVER_OPENAPI_H

extern const char openapi_json[];            /* NUL-terminated JSON text */
extern const unsigned long openapi_json_len; /* its length without the NUL */

#endif
