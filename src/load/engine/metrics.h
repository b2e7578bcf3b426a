/*
 * metrics.h: lastroom-load's metrics, in k6's model.
 *
 * A metric has a name and a type (counter, gauge, rate, trend). Every sample carries a
 * tag set (struct metrics_tags: method, status, name, scenario, group,
 * expected_response, error, check, and the run's and the scenario's own keys). A tagged series
 * is a metric with up to METRICS_FILTER_MAX conditions, as in k6's sub-metrics
 * (http_req_duration{name:hold}, http_reqs{status:201,method:POST}): it receives every
 * sample of its metric whose tags have those values. The untagged series of a metric
 * always exists and receives every sample. Tagged series are declared before the run
 * (by a scenario, by thresholds); a sample is matched against its metric's tagged
 * series only, so the cost of a sample grows with the series declared on its metric,
 * never with the number of distinct tag values seen.
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
#include <stddef.h>
#include <stdint.h>

struct hist;

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_RATE, METRIC_TREND };

#define METRICS_MAX_SERIES   256
#define METRICS_NAME_MAX     64
#define METRICS_TAG_MAX      64
#define METRICS_FILTER_MAX   4  /* conditions of one tagged series */
#define METRICS_TAG_KEYS_MAX 32 /* tag keys known to a registry */

/* The tag keys every registry knows, with these ids. */
enum metrics_tag_builtin {
    MT_METHOD,
    MT_STATUS,
    MT_NAME,
    MT_SCENARIO,
    MT_GROUP,
    MT_EXPECTED_RESPONSE,
    MT_ERROR,
    MT_CHECK, /* the check name of a checks sample */
    MT_BUILTIN_KEYS
};

/* A sample's tags: v[key id] is the value, NULL when the sample lacks that key.
 * Values are not copied: they must outlive the metrics_add_tagged call. */
struct metrics_tags {
    const char *v[METRICS_TAG_KEYS_MAX];
};

struct metrics;       /* the registry: definitions and merged values */
struct metrics_shard; /* one worker thread's private values */

/* Built-in metrics, defined by metrics_new in this order so that their ids are fixed. */
enum metric_builtin {
    M_HTTP_REQS,
    M_HTTP_REQ_DURATION,
    M_HTTP_REQ_FAILED,
    M_HTTP_REQ_WAITING,
    M_HTTP_REQ_CONNECTING,
    M_HTTP_REQ_SENDING,
    M_HTTP_REQ_RECEIVING,
    M_ITERATIONS,
    M_ITERATION_DURATION,
    M_VUS,
    M_VUS_MAX,
    M_DATA_SENT,
    M_DATA_RECEIVED,
    M_CHECKS,
    M_DROPPED_ITERATIONS,
    /* the custom metrics of the booking scenarios */
    M_SUCCESSFUL_BOOKINGS,
    M_FAILED_BOOKINGS,
    M_OVERBOOKINGS,
    M_INVENTORY_VIOLATIONS,
    M_DB_CONNECTION_ERRORS,
    M_TIMEOUT_ERRORS,
    M_BOOKING_DURATION,
    M_HTTP_REQ_TLS_HANDSHAKING,
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
 * "http_req_duration{name:hold}" (conditions in any order, blanks allowed); -1 when
 * there is none. */
int metrics_find(const struct metrics *m, const char *series);

/* metrics_subseries: the id of metric_id's series with the conditions filter
 * ("status:201" or "status:201, method:POST"), created when missing. Returns -1 with a
 * message in err for a malformed filter, a tag key the registry does not know (the
 * message lists the known ones), or a full registry. Only before shards exist. */
int metrics_subseries(struct metrics *m, int metric_id, const char *filter, char *err,
                      size_t errlen);

/* Tag keys. metrics_tag_key: the id of key, defined when missing (a scenario's own key);
 * -1 when invalid or when METRICS_TAG_KEYS_MAX keys exist. metrics_tag_key_find: the id
 * or -1 (never defines). Only before shards exist. */
int metrics_tag_key(struct metrics *m, const char *key);
int metrics_tag_key_find(const struct metrics *m, const char *key);
int metrics_tag_key_count(const struct metrics *m);
const char *metrics_tag_key_name(const struct metrics *m, int key); /* NULL: no such id */

/* metrics_run_tag: a tag every sample of the run carries (k6's --tag); the key must
 * not be a built-in one. Returns 0, or -1 (invalid, built-in key, or no room). */
int metrics_run_tag(struct metrics *m, const char *key, const char *value);
/* metrics_tags_init: *t = the run's tags (every other key NULL). */
void metrics_tags_init(const struct metrics *m, struct metrics_tags *t);
/* metrics_status_text: "0".."999" for a status tag, from a static table (outside the
 * range: "0"). Thread-safe, never allocates. */
const char *metrics_status_text(int status);

/* Per-thread recording. metrics_add on a tagged series also records on its metric's
 * untagged series. Never allocates, never locks. */
struct metrics_shard *metrics_shard_new(const struct metrics *m);
void metrics_shard_free(struct metrics_shard *s);
void metrics_add(struct metrics_shard *s, int id, double value);
/* metrics_add_tagged: a sample of metric_id (any of its series: its metric is meant)
 * with tags t: recorded on the untagged series and on every tagged series of the metric
 * whose conditions t meets. Never allocates, never locks. */
void metrics_add_tagged(struct metrics_shard *s, int metric_id, const struct metrics_tags *t,
                        double value);

/* metrics_merge: add a shard's values into the registry's merged values (the shard is
 * left unchanged; call it once per shard, or after metrics_reset_merged). */
void metrics_merge(struct metrics *m, const struct metrics_shard *s);
void metrics_reset_merged(struct metrics *m);

/* Reading merged values. */
int metrics_count_series(const struct metrics *m);
const char *metrics_series_name(const struct metrics *m, int id); /* "name" or "name{k:v}" */
enum metric_type metrics_type(const struct metrics *m, int id);
bool metrics_is_time(const struct metrics *m, int id);
bool metrics_has_data(const struct metrics *m, int id);
double metrics_counter(const struct metrics *m, int id); /* total */
double metrics_counter_rate(const struct metrics *m, int id, double seconds);
double metrics_gauge(const struct metrics *m, int id); /* last value */
double metrics_gauge_min(const struct metrics *m, int id);
double metrics_gauge_max(const struct metrics *m, int id);
double metrics_rate(const struct metrics *m, int id); /* trues / total, 0 when none */
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
/* metrics_tag: the series' (first) tag key and value, or false (both set to NULL) when
 * untagged. metrics_series_name gives all of them. */
bool metrics_tag(const struct metrics *m, int id, const char **key, const char **value);
/* metrics_hist: the merged histogram of trend series id (values in thousandths of the
 * series' unit, METRICS_TREND_SCALE), or NULL when id is not a trend. */
const struct hist *metrics_hist(const struct metrics *m, int id);
#define METRICS_TREND_SCALE 1000.0
#define METRICS_TREND_MAX   ((1ull << 37) - 1) /* the histograms' max_value (hist_new) */

#endif
