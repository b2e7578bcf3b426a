/*
 * api_auth.h: POST /api/auth/register and POST /api/auth/login.
 *
 * Both need a password hash computed or checked (argon2id, tens of ms of CPU), which
 * runs on the hashing pool, never on an event thread nor while holding a database
 * connection: register hashes then inserts; login reads the stored hash then checks it.
 * An unknown email is checked against a dummy hash, so both cost the same.
 */
#ifndef LASTROOM_SERVER_API_AUTH_H
#define LASTROOM_SERVER_API_AUTH_H

#include "server/api.h"

void api_auth_register(struct api_ctx *api, struct api_req *r);
void api_auth_login(struct api_ctx *api, struct api_req *r);

#endif
