/*
 * metrics.h: lastroom-load's metrics, in k6's model.
 *
 * A metric has a name and a type (counter, gauge, rate, trend). A series is a metric
 * with at most one tag (k6 sub-metrics: http_req_duration{name:hold}); the untagged
 * series of a metric always exists and every tagged record also counts there.
 *
 * Life cycle, chosen so that the measuring path takes no lock and allocates nothing:
 *   1. before the run, one thread defines every series (metrics_define, metrics_series);
 *   2. each worker thread gets its own shard (metrics_shard_new) and records into it
 *      with metrics_add: a counter adds, a gauge sets, a rate counts a non-zero value as
 *      true, a trend records into a bounded histogram (hist.h);
 *   3. at the end (or for a progress line) the registry merges the shards
 *      (metrics_merge), and the summary, thresholds and exports read the merged values.
 * Ids are small integers, stable for the life of the registry.
 */
#ifndef LASTROOM_LOAD_ENGINE_METRICS_H
#define LASTROOM_LOAD_ENGINE_METRICS_H

#include <stdbool.h>
#include <stdint.h>

struct hist;

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_RATE, METRIC_TREND };

#define METRICS_MAX_SERIES 256
#define METRICS_NAME_MAX 64
#define METRICS_TAG_MAX 64

struct metrics;        /* the registry: definitions and merged values */
struct metrics_shard;  /* one worker thread's private values */

/* Built-in metrics, defined by metrics_new in this order so that their ids are fixed. */
enum metric_builtin {
    M_HTTP_REQS, M_HTTP_REQ_DURATION, M_HTTP_REQ_FAILED, M_HTTP_REQ_WAITING,
    M_HTTP_REQ_CONNECTING, M_HTTP_REQ_SENDING, M_HTTP_REQ_RECEIVING,
    M_ITERATIONS, M_ITERATION_DURATION, M_VUS, M_VUS_MAX,
    M_DATA_SENT, M_DATA_RECEIVED, M_CHECKS, M_DROPPED_ITERATIONS,
    /* the custom metrics of the booking scenarios */
    M_SUCCESSFUL_BOOKINGS, M_FAILED_BOOKINGS, M_OVERBOOKINGS, M_INVENTORY_VIOLATIONS,
    M_DB_CONNECTION_ERRORS, M_TIMEOUT_ERRORS, M_BOOKING_DURATION,
    M_BUILTIN_COUNT
};

/* metrics_new: a registry holding the built-in metrics above. Returns NULL on no memory. */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* metrics_define: add a metric (untagged series) and return its id, or the id of the
 * existing metric of that name and type; -1 when the name is invalid, the type differs
 * from an existing one, or the registry is full. is_time: values are milliseconds. */
int metrics_define(struct metrics *m, const char *name, enum metric_type type, bool is_time);

/* metrics_series: the id of metric_id's series tagged key:value (e.g. "name", "hold"),
 * created when missing; -1 when full. Only before shards exist. */
int metrics_series(struct metrics *m, int metric_id, const char *key, const char *value);

/* metrics_find: the id of the series written as in k6, "http_req_duration" or
 * "http_req_duration{name:hold}"; -1 when there is none. */
int metrics_find(const struct metrics *m, const char *series);

/* Per-thread recording. metrics_add on a tagged series also records on its metric's
 * untagged series. Never allocates, never locks. */
struct metrics_shard *metrics_shard_new(const struct metrics *m);
void metrics_shard_free(struct metrics_shard *s);
void metrics_add(struct metrics_shard *s, int id, double value);

/* metrics_merge: add a shard's values into the registry's merged values (the shard is
 * left unchanged; call it once per shard, or after metrics_reset_merged). */
void metrics_merge(struct metrics *m, const struct metrics_shard *s);
void metrics_reset_merged(struct metrics *m);

/* Reading merged values. */
int metrics_count_series(const struct metrics *m);
const char *metrics_series_name(const struct metrics *m, int id);  /* "name" or "name{k:v}" */
enum metric_type metrics_type(const struct metrics *m, int id);
bool metrics_is_time(const struct metrics *m, int id);
bool metrics_has_data(const struct metrics *m, int id);
double metrics_counter(const struct metrics *m, int id);       /* total */
double metrics_counter_rate(const struct metrics *m, int id, double seconds);
double metrics_gauge(const struct metrics *m, int id);         /* last value */
double metrics_gauge_min(const struct metrics *m, int id);
double metrics_gauge_max(const struct metrics *m, int id);
double metrics_rate(const struct metrics *m, int id);          /* trues / total, 0 when none */
uint64_t metrics_rate_trues(const struct metrics *m, int id);
uint64_t metrics_rate_total(const struct metrics *m, int id);
/* Trend statistics: stat is "avg", "min", "med", "max", "count", or "p(N)" with N in
 * (0, 100]. Returns 0 and sets *out, or -1 for an unknown stat. */
int metrics_trend(const struct metrics *m, int id, const char *stat, double *out);

/* Additions for the summary and exports. */
/* metrics_is_data: the series counts bytes (data_sent, data_received). */
bool metrics_is_data(const struct metrics *m, int id);
/* metrics_parent: the id of the untagged series of id's metric (id itself when untagged). */
int metrics_parent(const struct metrics *m, int id);
/* metrics_metric_name: the metric's name without the tag ("http_req_duration"). */
const char *metrics_metric_name(const struct metrics *m, int id);
/* metrics_tag: the series' tag key and value, or false (both set to NULL) when untagged. */
bool metrics_tag(const struct metrics *m, int id, const char **key, const char **value);
/* metrics_hist: the merged histogram of trend series id (values in thousandths of the
 * series' unit, METRICS_TREND_SCALE), or NULL when id is not a trend. */
const struct hist *metrics_hist(const struct metrics *m, int id);
#define METRICS_TREND_SCALE 1000.0
#define METRICS_TREND_MAX ((1ull << 37) - 1)   /* the histograms' max_value (hist_new) */

#endif
