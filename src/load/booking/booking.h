/*
 * booking.h: the booking iteration as a step state machine, shared by the race,
 * last-room, smoke, stress and pool-stress scenarios.
 *
 * One iteration of booking_step: log in once per VU unless setup logged its user in
 * (then, when the world asks for it, wait at the start barrier); cancel the VU's previous booking (as often as the
 * world asks), so that rooms keep coming back into the race; look at availability;
 * hold (POST /api/holds with an Idempotency-Key); confirm (POST /api/bookings with an
 * Idempotency-Key, retried with the same key while its outcome is unknown); read the
 * booking back. Every attempt and what the client was told goes into the VU's history.
 * booking_pool_step is pool-stress's iteration: one of the hotels list, availability,
 * hold + release, or health, chosen at random.
 *
 * Both run on the VU's thread: they never block, allocate or lock. vu->data is the
 * VU's struct world_vu (world_vu_init).
 */
#ifndef LASTROOM_LOAD_BOOKING_BOOKING_H
#define LASTROOM_LOAD_BOOKING_BOOKING_H

#include "load/engine/scenario.h"

/* Request names (the name: tag of http_req_* series), indexes of booking_names. */
enum booking_req {
    BR_LOGIN,
    BR_AVAILABILITY,
    BR_HOLD,
    BR_CONFIRM,
    BR_BOOKING,
    BR_CANCEL,
    BR_RELEASE,
    BR_HOTELS,
    BR_HEALTH
};

/* "login", "availability", ... NULL-ended, in enum booking_req order. */
extern const char *const booking_names[];

/* booking_step: the booking iteration (see above), for struct lr_scenario.step. */
enum lr_step booking_step(struct lr_vu *vu, const struct lr_response *resp, struct lr_request *req);

/* booking_pool_step: pool-stress's iteration, for struct lr_scenario.step. */
enum lr_step booking_pool_step(struct lr_vu *vu, const struct lr_response *resp,
                               struct lr_request *req);

#endif
