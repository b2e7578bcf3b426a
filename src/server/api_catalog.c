/*
 * api_catalog.c: validation and database calls for the catalogue and admin routes.
 */
#include "server/api_catalog.h"

#include "server/api_db.h"
#include "server/coalesce.h"
#include "server/metrics.h"
#include "server/validate.h"

void api_catalog_availability(struct api_ctx *api, struct api_req *r)
{
    int64_t rt, hotel;
    int32_t in, out;
    const char *why;
    if (api_query_id(r, "room_type_id", 0, &rt) != 0 || api_query_id(r, "hotel_id", 0, &hotel) != 0)
        return;
    if (rt == 0 && hotel == 0) {
        http_reply_error(r->http, 400, "missing_room_type_id",
                         "room_type_id or hotel_id is required");
        return;
    }
    if (api_query_date(r, "check_in", &in) != 0 || api_query_date(r, "check_out", &out) != 0)
        return;
    if (validate_stay_dates(in, out, &why) != 0) {
        http_reply_error(r->http, 400, "invalid_check_out", why);
        return;
    }
    if (rt != 0)
        api_param_i64(r, AVAIL_ROOM_TYPE, rt);
    else
        api_param_null(r, AVAIL_ROOM_TYPE);
    if (hotel != 0)
        api_param_i64(r, AVAIL_HOTEL, hotel);
    else
        api_param_null(r, AVAIL_HOTEL);
    api_param_date(r, AVAIL_CHECK_IN, in);
    api_param_date(r, AVAIL_CHECK_OUT, out);
    api_db_call(api, r, STMT_AVAILABILITY);
}

void api_catalog_hotel_create(struct api_ctx *api, struct api_req *r)
{
    const char *name, *city, *address;
    if (api_body(r) != 0 || api_field_str(r, "name", 1, 200, 1, NULL, &name, NULL) != 0
        || api_field_str(r, "city", 0, 200, 0, "", &city, NULL) != 0
        || api_field_str(r, "address", 0, 400, 0, "", &address, NULL) != 0)
        return;
    api_param_str(r, 0, name);
    api_param_str(r, 1, city);
    api_param_str(r, 2, address);
    api_db_call(api, r, STMT_HOTEL_CREATE);
}

void api_catalog_room_type_create(struct api_ctx *api, struct api_req *r)
{
    int64_t hotel, capacity, price;
    const char *name;
    if (api_body(r) != 0 || api_field_id(r, "hotel_id", &hotel) != 0
        || api_field_str(r, "name", 1, 200, 1, NULL, &name, NULL) != 0
        || api_field_int(r, "capacity", 1, 50, 0, 2, &capacity) != 0
        || api_field_int(r, "base_price_cents", 0, 1000000000000LL, 0, 10000, &price) != 0)
        return;
    api_param_i64(r, 0, hotel);
    api_param_str(r, 1, name);
    api_param_i64(r, 2, capacity);
    api_param_i64(r, 3, price);
    api_db_call(api, r, STMT_ROOM_TYPE_CREATE);
}

/* inventory_params: check [from, to) and set parameters 0..2 (room type, from, to). */
static int inventory_params(struct api_req *r, int64_t rt, int32_t from, int32_t to)
{
    const char *why;
    if (validate_range(from, to, &why) != 0) {
        http_reply_error(r->http, 400, "invalid_to", why);
        return -1;
    }
    api_param_i64(r, INVENTORY_ROOM_TYPE, rt);
    api_param_date(r, INVENTORY_FROM, from);
    api_param_date(r, INVENTORY_TO, to);
    return 0;
}

void api_catalog_inventory_put(struct api_ctx *api, struct api_req *r)
{
    int64_t rt, allotment;
    int32_t from, to;
    if (api_body(r) != 0 || api_field_id(r, "room_type_id", &rt) != 0
        || api_field_date(r, "from", &from) != 0 || api_field_date(r, "to", &to) != 0
        || api_field_int(r, "allotment", 0, 100000, 1, 0, &allotment) != 0
        || inventory_params(r, rt, from, to) != 0)
        return;
    api_param_i64(r, INVENTORY_ALLOTMENT, allotment);
    api_db_call(api, r, STMT_INVENTORY_SET);
}

void api_catalog_inventory_get(struct api_ctx *api, struct api_req *r)
{
    int64_t rt;
    int32_t from, to;
    if (api_query_id(r, "room_type_id", 1, &rt) != 0 || api_query_date(r, "from", &from) != 0
        || api_query_date(r, "to", &to) != 0 || inventory_params(r, rt, from, to) != 0)
        return;
    api_db_call(api, r, STMT_INVENTORY_GET);
}

void api_catalog_integrity(struct api_ctx *api, struct api_req *r)
{
    int64_t rt;
    if (api_query_id(r, "room_type_id", 0, &rt) != 0)
        return;
    if (rt != 0)
        api_param_i64(r, 0, rt);
    else
        api_param_null(r, 0);
    api_db_call(api, r, STMT_INTEGRITY);
}

void api_catalog_metrics(struct api_ctx *api, struct api_req *r)
{
    struct pool_stats db, cpu;
    pool_get_stats(api->db, &db);
    pool_get_stats(api->cpu, &cpu);
    r->http->content_type = "text/plain; version=0.0.4; charset=utf-8";
    http_reply(
        r->http, 200,
        metrics_render(&db, &cpu, coalesce_waiting(api->holds), coalesce_waiting(api->confirms)));
}
