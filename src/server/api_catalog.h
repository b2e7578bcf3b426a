/*
 * api_catalog.h: hotels, room types, availability and the admin routes (hotels, room
 * types, inventory, integrity), plus /metrics.
 */
#ifndef LASTROOM_SERVER_API_CATALOG_H
#define LASTROOM_SERVER_API_CATALOG_H

#include "server/api.h"

void api_catalog_availability(struct api_ctx *api, struct api_req *r);
void api_catalog_hotel_create(struct api_ctx *api, struct api_req *r);
void api_catalog_room_type_create(struct api_ctx *api, struct api_req *r);
void api_catalog_inventory_put(struct api_ctx *api, struct api_req *r);
void api_catalog_inventory_get(struct api_ctx *api, struct api_req *r);
void api_catalog_integrity(struct api_ctx *api, struct api_req *r);
/* api_catalog_metrics: GET /metrics, answered on the event thread (no database). */
void api_catalog_metrics(struct api_ctx *api, struct api_req *r);

#endif
