/*
 * scenarios.h: the scenarios lastroom-load knows, by name (the one registry).
 *
 * The engine (load/engine/) knows a scenario only through struct lr_scenario; this
 * table joins the engine's own http scenario and the booking scenarios
 * (load/booking/scn_*.c) for main.c.
 */
#ifndef LASTROOM_LOAD_SCENARIOS_H
#define LASTROOM_LOAD_SCENARIOS_H

#include "load/engine/scenario.h"

extern const struct lr_scenario lr_scenario_http;
extern const struct lr_scenario lr_scenario_race;
extern const struct lr_scenario lr_scenario_last_room;
extern const struct lr_scenario lr_scenario_pool_stress;
extern const struct lr_scenario lr_scenario_smoke;
extern const struct lr_scenario lr_scenario_stress;
extern const struct lr_scenario lr_scenario_chaos;

/* The scenarios in the order `lastroom-load list` shows them, NULL-ended. */
extern const struct lr_scenario *const lr_scenarios[];

/* lr_scenario_find: the scenario called name, or NULL. */
const struct lr_scenario *lr_scenario_find(const char *name);

#endif
