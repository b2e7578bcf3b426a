/*
 * worlddata.c: the setup data file. `lastroom-load setup --setup-out FILE` writes the
 * world it built (hotel, room types, nights, users and their tokens) as one JSON
 * object; each part of a segmented test reads it back with --setup-data FILE, so that
 * every part races for the same rooms. What is read is checked against the scenario
 * and profile of the run that reads it.
 */
#include "load/booking/worlddata.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The run's data as setup_out holds it. */
static json_t *data_json(const struct world *w, const struct lr_scenario_env *env)
{
    json_t *users = json_array(), *rts = json_array();
    for (int i = 0; i < w->nusers; i++)
        json_array_append_new(
            users, json_pack("{s:s, s:s}", "email", w->users[i].email, "token", w->users[i].token));
    for (int i = 0; i < w->nroom_types; i++)
        json_array_append_new(rts, json_integer(w->room_type_ids[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:i, s:i, s:b, s:o}", "format",
                     WORLD_DATA_FORMAT, "scenario", w->p.scenario, "profile",
                     env->profile ? env->profile : "full", "nonce", w->nonce, "hotel_id",
                     (json_int_t)w->hotel_id, "room_type_ids", rts, "first_day", w->first_day,
                     "nights", w->p.nights, "login_in_setup", w->login_in_setup, "users", users);
}

int worlddata_write(const struct world *w, const struct lr_scenario_env *env, char *err,
                    size_t errlen)
{
    json_t *o = data_json(w, env);
    int rc = o ? json_dump_file(o, env->setup_out, JSON_COMPACT) : -1;
    json_decref(o);
    if (rc != 0)
        return snprintf(err, errlen, "cannot write the setup data to %s", env->setup_out), -1;
    return 0;
}

static int data_bad(const char *path, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "setup data %s: %s", path, what);
    return -1;
}

/* The users of the setup data into w. */
static int read_users(struct world *w, json_t *users, const char *path, char *err, size_t errlen)
{
    size_t n = json_array_size(users);
    if (n < 1 || n > 1000000)
        return data_bad(path, "no users", err, errlen);
    w->users = calloc(n, sizeof *w->users);
    if (!w->users)
        return snprintf(err, errlen, "out of memory"), -1;
    w->nusers = (int)n;
    for (size_t i = 0; i < n; i++) {
        const char *e = json_string_value(json_object_get(json_array_get(users, i), "email"));
        const char *t = json_string_value(json_object_get(json_array_get(users, i), "token"));
        if (!e || !t || strlen(e) >= sizeof w->users[i].email
            || strlen(t) >= sizeof w->users[i].token)
            return data_bad(path, "a bad user", err, errlen);
        strcpy(w->users[i].email, e);
        strcpy(w->users[i].token, t);
    }
    return 0;
}

int worlddata_read(struct world *w, const struct lr_scenario_env *env, char *err, size_t errlen)
{
    const char *path = env->setup_data;
    json_error_t je;
    json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    int rc = -1;
    if (!o) {
        snprintf(err, errlen, "setup data %s: %s", path, je.text);
        return -1;
    }
    const char *fmt = json_string_value(json_object_get(o, "format"));
    const char *scn = json_string_value(json_object_get(o, "scenario"));
    const char *nonce = json_string_value(json_object_get(o, "nonce"));
    json_t *rts = json_object_get(o, "room_type_ids");
    size_t nrt = json_array_size(rts);
    w->hotel_id = json_integer_value(json_object_get(o, "hotel_id"));
    w->first_day = (int32_t)json_integer_value(json_object_get(o, "first_day"));
    if (!fmt || strcmp(fmt, WORLD_DATA_FORMAT))
        data_bad(path, "not lastroom-load setup data", err, errlen);
    else if (!scn || strcmp(scn, w->p.scenario))
        data_bad(path, "written for another scenario", err, errlen);
    else if (json_integer_value(json_object_get(o, "nights")) != w->p.nights
             || nrt != (size_t)w->p.room_types
             || !json_is_boolean(json_object_get(o, "login_in_setup")))
        data_bad(path, "written for another profile", err, errlen);
    else if (!nonce || strlen(nonce) >= sizeof w->nonce || w->hotel_id <= 0 || w->first_day <= 0)
        data_bad(path, "a bad hotel or nonce", err, errlen);
    else
        rc = read_users(w, json_object_get(o, "users"), path, err, errlen);
    for (size_t i = 0; rc == 0 && i < nrt; i++)
        if ((w->room_type_ids[i] = json_integer_value(json_array_get(rts, i))) <= 0)
            rc = data_bad(path, "a bad room type", err, errlen);
    if (rc == 0) {
        strcpy(w->nonce, nonce);
        w->nroom_types = (int)nrt;
        w->room_type_id = w->room_type_ids[0];
        w->login_in_setup = json_is_true(json_object_get(o, "login_in_setup"));
    }
    json_decref(o);
    return rc;
}
