/*
 * scenarios.c: the scenarios lastroom-load knows, by name.
 *
 * Each scenario is defined in its own file (scn_*.c); this table is the one place
 * that lists them, in the order `lastroom-load list` shows them.
 */
#include <string.h>

#include "load/scenarios.h"

const struct lr_scenario *const lr_scenarios[] = {
    &lr_scenario_race,   &lr_scenario_last_room, &lr_scenario_pool_stress, &lr_scenario_smoke,
    &lr_scenario_stress, &lr_scenario_chaos,     &lr_scenario_http,        NULL,
};

const struct lr_scenario *lr_scenario_find(const char *name)
{
    for (int i = 0; name && lr_scenarios[i]; i++)
        if (strcmp(lr_scenarios[i]->name, name) == 0)
            return lr_scenarios[i];
    return NULL;
}
