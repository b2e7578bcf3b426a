/*
 * worlddata.h: a booking world saved by the setup command and read back by the parts
 * of a segmented test (format WORLD_DATA_FORMAT).
 */
#ifndef LASTROOM_LOAD_BOOKING_WORLDDATA_H
#define LASTROOM_LOAD_BOOKING_WORLDDATA_H

#include <stddef.h>

#include "load/booking/world.h"

/* worlddata_write: w's hotel, room types, nights and users into env->setup_out.
 * Returns 0, or -1 with err. */
int worlddata_write(const struct world *w, const struct lr_scenario_env *env, char *err,
                    size_t errlen);

/* worlddata_read: env->setup_data into w (its params already set): nonce, hotel, room
 * types, first day, users (allocated into w->users). Returns 0, or -1 with err naming
 * the file and what is wrong (written for another scenario or profile, a bad user...);
 * what was allocated stays in w for its owner to free. */
int worlddata_read(struct world *w, const struct lr_scenario_env *env, char *err, size_t errlen);

#endif
