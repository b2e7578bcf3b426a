/*
 * history.c: per-VU, preallocated records of booking attempts.
 *
 * All memory is taken in history_new, before the run: one block cut into equal per-VU
 * arrays, sized by history_per_vu from the run's length. During the run each VU
 * appends to its own array only; after the run the main thread reads them all.
 */
#include "load/booking/history.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t history_clock_ms(const struct history_vu *v)
{
    return v->anchor_wall_ms + (clock_ns(CLOCK_MONOTONIC) - v->anchor_mono_ns) / 1000000;
}

#include "common/date.h"
#include "load/engine/segment.h"

uint32_t history_per_vu(int nvus, int64_t iterations)
{
    uint64_t n;
    if (nvus <= 0)
        return HISTORY_PER_VU_MIN;
    if (iterations <= 0) {
        n = HISTORY_TOTAL_MAX / (uint64_t)nvus;
        n = n < HISTORY_PER_VU_MIN ? HISTORY_PER_VU_MIN : n;
    } else {
        uint64_t share = ((uint64_t)iterations + (uint64_t)nvus - 1) / (uint64_t)nvus;
        n = 2 * share + HISTORY_SLACK;
        n = n > (uint64_t)iterations ? (uint64_t)iterations : n;
    }
    return n > HISTORY_PER_VU_MAX ? HISTORY_PER_VU_MAX : (uint32_t)n;
}

struct history *history_new(int nvus, uint32_t per_vu)
{
    if (nvus <= 0 || per_vu == 0)
        return NULL;
    struct history *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->vus = calloc((size_t)nvus, sizeof *h->vus);
    h->block = calloc((size_t)nvus * per_vu, sizeof *h->block);
    if (!h->vus || !h->block) {
        history_free(h);
        return NULL;
    }
    h->nvus = nvus;
    int64_t wall_ms = clock_ns(CLOCK_REALTIME) / 1000000, mono_ns = clock_ns(CLOCK_MONOTONIC);
    for (int i = 0; i < nvus; i++) {
        h->vus[i].recs = h->block + (size_t)i * per_vu;
        h->vus[i].cap = per_vu;
        h->vus[i].anchor_wall_ms = wall_ms;
        h->vus[i].anchor_mono_ns = mono_ns;
    }
    return h;
}

void history_free(struct history *h)
{
    if (!h)
        return;
    free(h->block);
    free(h->vus);
    free(h);
}

struct history_vu *history_of(struct history *h, int vu)
{
    if (!h || vu < 0 || vu >= h->nvus)
        return NULL;
    return &h->vus[vu];
}

struct history_rec *history_begin(struct history_vu *v, int64_t room_type_id, int32_t check_in,
                                  int nights, int quantity)
{
    if (!v)
        return NULL;
    if (v->len >= v->cap) {
        v->dropped++;
        return NULL;
    }
    struct history_rec *r = &v->recs[v->len++];
    memset(r, 0, sizeof *r);
    r->room_type_id = room_type_id;
    r->check_in = check_in;
    r->nights = (int16_t)nights;
    r->quantity = (int16_t)quantity;
    r->outcome = HISTORY_PENDING;
    r->begun_ms = history_clock_ms(v);
    return r;
}

size_t history_total(const struct history *h)
{
    size_t n = 0;
    for (int i = 0; h && i < h->nvus; i++)
        n += h->vus[i].len;
    return n;
}

uint64_t history_dropped(const struct history *h)
{
    uint64_t n = 0;
    for (int i = 0; h && i < h->nvus; i++)
        n += h->vus[i].dropped;
    return n;
}

size_t history_count(const struct history *h, enum history_outcome outcome)
{
    size_t n = 0;
    for (int i = 0; h && i < h->nvus; i++)
        for (uint32_t j = 0; j < h->vus[i].len; j++)
            n += h->vus[i].recs[j].outcome == outcome;
    return n;
}

struct history_rec *history_collect(const struct history *h, size_t *n)
{
    *n = 0;
    size_t total = history_total(h);
    if (total == 0)
        return NULL;
    struct history_rec *all = malloc(total * sizeof *all);
    if (!all)
        return NULL;
    for (int i = 0; i < h->nvus; i++) {
        memcpy(all + *n, h->vus[i].recs, h->vus[i].len * sizeof *all);
        *n += h->vus[i].len;
    }
    return all;
}

int history_write(const struct history *h, FILE *out)
{
    static const char *const outcomes[] = { "pending", "ok", "refused", "failed", "unknown" };
    static const char *const cancels[] = { "none", "ok", "unknown" };
    char day[DATE_TEXT_LEN + 1];
    for (int v = 0; v < h->nvus; v++)
        for (uint32_t i = 0; i < h->vus[v].len; i++) {
            const struct history_rec *r = &h->vus[v].recs[i];
            date_format(r->check_in, day);
            fprintf(out,
                    "{\"vu\":%d,\"hold_id\":%lld,\"booking_id\":%lld,\"room_type_id\":%lld,"
                    "\"check_in\":\"%s\",\"nights\":%d,\"quantity\":%d,\"outcome\":\"%s\","
                    "\"cancel\":\"%s\",\"confirm_sent\":%s,\"cancels\":%d,\"cancel_wins\":%d,"
                    "\"co_cancel\":%d,\"replay\":%d,"
                    "\"replay_booking_id\":%lld,\"begun_ms\":%lld,\"settled_ms\":%lld,"
                    "\"confirm_at_ms\":%lld,\"hold_at_ms\":%lld,\"hold_expiry_ms\":%lld}\n",
                    h->seg ? (int)seg_index(h->seg, v) : v, (long long)r->hold_id,
                    (long long)r->booking_id, (long long)r->room_type_id, day, r->nights,
                    r->quantity, r->outcome < 5 ? outcomes[r->outcome] : "?",
                    r->cancel < 3 ? cancels[r->cancel] : "?", r->confirm_sent ? "true" : "false",
                    r->cancels, r->cancel_wins, r->co_cancel, r->replay,
                    (long long)r->replay_booking_id, (long long)r->begun_ms,
                    (long long)r->settled_ms, (long long)r->confirm_at_ms, (long long)r->hold_at_ms,
                    (long long)r->hold_expiry_ms);
        }
    fprintf(out, "{\"dropped\":%llu}\n", (unsigned long long)history_dropped(h));
    return ferror(out) ? -1 : 0;
}

static int enum_of(const char *v, const char *const *names, int n)
{
    for (int i = 0; v && i < n; i++)
        if (!strcmp(v, names[i]))
            return i;
    return -1;
}

/* One line of history_write's into *r. Returns 0, 1 for the closing line (dropped
 * added to *dropped), or -1. */
static int read_line(const char *line, struct history_rec *r, uint64_t *dropped)
{
    static const char *const outcomes[] = { "pending", "ok", "refused", "failed", "unknown" };
    static const char *const cancels[] = { "none", "ok", "unknown" };
    json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
    json_t *d = json_object_get(o, "dropped");
    int rc = -1;
    memset(r, 0, sizeof *r);
    if (json_is_integer(d) && json_integer_value(d) >= 0 && json_object_size(o) == 1) {
        *dropped += (uint64_t)json_integer_value(d);
        rc = 1;
    } else if (json_is_object(o)) {
        const char *day = json_string_value(json_object_get(o, "check_in"));
        int oc = enum_of(json_string_value(json_object_get(o, "outcome")), outcomes, 5);
        int ca = enum_of(json_string_value(json_object_get(o, "cancel")), cancels, 3);
        json_int_t nights = json_integer_value(json_object_get(o, "nights"));
        json_int_t qty = json_integer_value(json_object_get(o, "quantity"));
        r->hold_id = json_integer_value(json_object_get(o, "hold_id"));
        r->booking_id = json_integer_value(json_object_get(o, "booking_id"));
        r->room_type_id = json_integer_value(json_object_get(o, "room_type_id"));
        r->confirm_sent = json_is_true(json_object_get(o, "confirm_sent"));
        json_int_t ncancel = json_integer_value(json_object_get(o, "cancels"));
        json_int_t replay = json_integer_value(json_object_get(o, "replay"));
        json_int_t wins = json_integer_value(json_object_get(o, "cancel_wins"));
        json_int_t co = json_integer_value(json_object_get(o, "co_cancel"));
        r->replay_booking_id = json_integer_value(json_object_get(o, "replay_booking_id"));
        r->begun_ms = json_integer_value(json_object_get(o, "begun_ms"));
        r->settled_ms = json_integer_value(json_object_get(o, "settled_ms"));
        r->confirm_at_ms = json_integer_value(json_object_get(o, "confirm_at_ms"));
        r->hold_expiry_ms = json_integer_value(json_object_get(o, "hold_expiry_ms"));
        r->hold_at_ms = json_integer_value(json_object_get(o, "hold_at_ms"));
        r->cancels = (uint8_t)(ncancel >= 0 && ncancel <= UINT8_MAX ? ncancel : 0);
        r->replay = (uint8_t)(replay >= 0 && replay <= HISTORY_REPLAY_OTHER ? replay : 0);
        r->cancel_wins = (uint8_t)(wins >= 0 && wins <= UINT8_MAX ? wins : 0);
        r->co_cancel = (uint8_t)(co >= 0 && co <= HISTORY_CO_UNKNOWN ? co : 0);
        if (day && date_parse(day, strlen(day), &r->check_in) == 0 && oc >= 0 && ca >= 0
            && nights >= 1 && nights <= INT16_MAX && qty >= 1 && qty <= INT16_MAX
            && r->room_type_id > 0 && r->hold_id >= 0 && r->booking_id >= 0) {
            r->outcome = (uint8_t)oc;
            r->cancel = (uint8_t)ca;
            r->nights = (int16_t)nights;
            r->quantity = (int16_t)qty;
            rc = 0;
        }
    }
    json_decref(o);
    return rc;
}

/* Room for one more record in the one VU of h. */
static int grow(struct history *h)
{
    struct history_vu *v = &h->vus[0];
    if (v->len < v->cap)
        return 0;
    uint32_t cap = v->cap ? 2 * v->cap : 1024;
    struct history_rec *b = realloc(h->block, (size_t)cap * sizeof *b);
    if (!b)
        return -1;
    h->block = v->recs = b;
    v->cap = cap;
    return 0;
}

int history_read(const char *path, struct history **hp, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return snprintf(err, errlen, "history %s: cannot be read", path), -1;
    if (!*hp && (*hp = calloc(1, sizeof **hp)) != NULL
        && ((*hp)->vus = calloc(1, sizeof *(*hp)->vus)) != NULL)
        (*hp)->nvus = 1;
    struct history *h = *hp;
    char line[HISTORY_LINE_MAX + 2];
    unsigned long n = 0;
    int rc = h && h->nvus == 1 ? -2 : -1, got;
    if (rc == -1)
        snprintf(err, errlen, "out of memory");
    while (rc == -2 && fgets(line, sizeof line, f)) {
        n++;
        struct history_rec r;
        size_t len = strlen(line);
        if (len > HISTORY_LINE_MAX || line[len - 1] != '\n'
            || (got = read_line(line, &r, &h->vus[0].dropped)) < 0) {
            snprintf(err, errlen, "history %s: line %lu is not a history record%s", path, n,
                     line[len - 1] != '\n' ? " (cut short)" : "");
            rc = -1;
        } else if (got == 1) {
            rc = fgetc(f) == EOF ? 0 : -3;
            if (rc == -3)
                snprintf(err, errlen, "history %s: lines after the closing line", path);
        } else if (h->vus[0].len >= HISTORY_READ_MAX || grow(h) != 0) {
            snprintf(err, errlen, "history %s: more than %u records or no memory", path,
                     HISTORY_READ_MAX);
            rc = -1;
        } else {
            h->vus[0].recs[h->vus[0].len++] = r;
        }
    }
    if (rc == -2)
        snprintf(err, errlen, "history %s: truncated (no closing {\"dropped\"} line)", path);
    fclose(f);
    return rc == 0 ? 0 : -1;
}
