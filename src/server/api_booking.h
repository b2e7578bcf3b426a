/*
 * api_booking.h: holds and bookings: POST /api/holds, GET and DELETE /api/holds/{id},
 * POST /api/bookings, GET /api/bookings[/{id}], POST /api/bookings/{id}/cancel.
 *
 * A caller only ever sees their own holds and bookings: the user id from the token is
 * part of every call, and another user's hold or booking is answered 404. POST /api/holds
 * and POST /api/bookings honour an Idempotency-Key header: the key and a fingerprint of
 * the request (route and normalised fields) go into the same database call.
 */
#ifndef LASTROOM_SERVER_API_BOOKING_H
#define LASTROOM_SERVER_API_BOOKING_H

#include "server/api.h"

void api_booking_hold(struct api_ctx *api, struct api_req *r);
void api_booking_confirm(struct api_ctx *api, struct api_req *r);
/* api_booking_by_id: the routes that take the user and at most one id. */
void api_booking_by_id(struct api_ctx *api, struct api_req *r);

#endif
