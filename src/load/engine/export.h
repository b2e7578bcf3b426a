/*
 * export.h: the machine-readable outputs of a run, in k6's formats.
 *
 * --summary-export FILE: one JSON document, k6's summary with more beside it,
 *   {"format": "lastroom-summary", "version": 1,
 *    "metrics": {"<series>": {"type": "trend|counter|rate|gauge",
 *                             "contains": "time|data|default",
 *                             "values": {...},
 *                             "thresholds": {"<expr>": {"ok": true, "observed": X}},
 *                             "histogram": {...}}},
 *    "state": {"testRunDurationMs": N},
 *    "timeline": {"mergeable": false, "step_s": 1, "requests": [...], ...},
 *    "lastroom": {...}}
 *   values: trend avg, min, med, max, p(90), p(95), p(99); counter count, rate;
 *   rate rate, passes, fails; gauge value, min, max. "lastroom" is the caller's object
 *   (the scenario's verdict figures), {} when none is given.
 *   histogram (trends only): every bucket of the series' hist.h histogram, in
 *   thousandths of the unit (microseconds for time), with the layout's parameters and
 *   the exact count, min, max and sum:
 *     {"layout": "log-linear-128-64", "max_trackable": 137438953471, "scale": 1000,
 *      "count": N, "min": A, "max": B, "sum": S, "buckets": [gap, count, gap, count ...]}
 *   where each pair is a non-empty bucket: its index is the previous one's plus 1 plus
 *   gap (the first's is gap). Two runs' histograms merge by adding bucket counts.
 *   timeline: one point per step_s seconds of the run (timeline.h), in columns of equal
 *   length: requests, errors, vus, p50_ms, p95_ms, p99_ms. Its percentiles are coarse
 *   and cannot be merged across runs ("mergeable": false).
 *   A reader refuses any "version" but EXPORT_VERSION (result.h).
 *
 * --out json=FILE: newline-delimited JSON as k6 writes it: one "Metric" line per metric
 *   when the output opens, then one "Point" line per sample. Samples are written by
 *   per-thread writers into a fixed buffer, without allocation or lock; a full buffer
 *   is handed to the shared FILE under a short lock.
 * --out csv=FILE: the same samples as CSV with k6's columns (EXPORT_CSV_HEADER): the
 *   metric, the Unix time in seconds, the value; a series' name tag in "name", any other
 *   tag in "extra_tags" as key=value; the columns this engine does not know per sample
 *   left empty.
 * A FILE.gz of either is written through zlib (export_gz_open).
 */
#ifndef LASTROOM_LOAD_ENGINE_EXPORT_H
#define LASTROOM_LOAD_ENGINE_EXPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "load/engine/hist.h"
#include "load/engine/metrics.h"
#include "load/engine/threshold.h"
#include "load/engine/timeline.h"

#define EXPORT_WRITER_BUF  65536
#define EXPORT_FORMAT      "lastroom-summary"
#define EXPORT_VERSION     1
#define EXPORT_HIST_LAYOUT "log-linear-128-64"

/* export_summary_json: the summary document for m's merged values over duration_s
 * seconds (thr may be NULL; judged thresholds; tl may be NULL: no "timeline"). lastroom
 * (may be NULL) is added to the document with its own reference (the caller keeps
 * its reference). Series without data are left out unless they carry a threshold.
 * Returns a new reference, or NULL on no memory. */
json_t *export_summary_json(const struct metrics *m, const struct thr_set *thr,
                            const struct timeline *tl, double duration_s, json_t *lastroom);

/* export_write_json: doc written to path (indented), through a temporary file renamed
 * into place. Returns 0, or -1 with a message naming path in err. */
int export_write_json(const char *path, const json_t *doc, char *err, size_t errlen);

/* export_replace: write path through "<path>.tmp", filled by write(f, arg) (0 or -1),
 * then renamed into place, so that a reader never sees half a file. Returns 0, or -1
 * with "could not write PATH" in err (the temporary file removed). */
int export_replace(const char *path, int (*write)(FILE *f, const void *arg), const void *arg,
                   char *err, size_t errlen);

/* export_hist_json: the "histogram" object of h (see above). NULL on no memory. */
json_t *export_hist_json(const struct hist *h);
/* export_hist_add: add the histogram encoded in enc (an export_hist_json object) to
 * dst, which must have the layout it names (max_trackable). Decoding a summary is
 * adding into an empty histogram; merging two is adding both. Returns 0, or -1 with a
 * message in err (dst unchanged) when enc is malformed, inconsistent (bucket counts
 * that do not add up to count, min or max outside the buckets) or of another layout. */
int export_hist_add(struct hist *dst, const json_t *enc, char *err, size_t errlen);

struct export_ndjson;        /* the shared output: a FILE and its lock */
struct export_ndjson_writer; /* one thread's buffer */

/* export_ndjson_new: start an NDJSON output on out (not closed by us) and write the
 * Metric lines of every metric in m (with its thresholds from thr, which may be NULL).
 * m must outlive the output. Returns NULL on no memory or a write error. */
struct export_ndjson *export_ndjson_new(FILE *out, const struct metrics *m,
                                        const struct thr_set *thr);
#define EXPORT_CSV_HEADER                                                         \
    "metric_name,timestamp,metric_value,check,error,error_code,"                  \
    "expected_response,group,method,name,proto,scenario,service,status,subproto," \
    "tls_version,url,extra_tags,metadata"
/* export_csv_new: like export_ndjson_new, for CSV: writes the header line. */
struct export_ndjson *export_csv_new(FILE *out, const struct metrics *m);
/* export_gz_open: a FILE that writes gzip (zlib) into path; fclose finishes the file
 * and reports a failure. NULL (errno set) when path cannot be opened. */
FILE *export_gz_open(const char *path);

/* export_ndjson_finish: flush out and free the output (after every writer is freed).
 * Returns 0, or -1 when any write failed along the way. */
int export_ndjson_finish(struct export_ndjson *x);

/* export_ndjson_writer_new: a writer for one thread. NULL on no memory. */
struct export_ndjson_writer *export_ndjson_writer_new(struct export_ndjson *x);
/* export_ndjson_writer_free: flush the writer's buffer and free it. */
void export_ndjson_writer_free(struct export_ndjson_writer *w);
/* export_ndjson_point: a Point line for series id (its tag becomes the point's tag)
 * with value at time_ns (nanoseconds since the Unix epoch, CLOCK_REALTIME). No
 * allocation; locks only to hand over a full buffer. Non-finite values are skipped. */
void export_ndjson_point(struct export_ndjson_writer *w, int id, double value, int64_t time_ns);
/* export_ndjson_point_tagged: a Point line of metric with every tag of t (values
 * JSON-escaped; a tag that would not fit in a line is left out). Same buffering. */
void export_ndjson_point_tagged(struct export_ndjson_writer *w, int metric, double value,
                                int64_t time_ns, const struct metrics_tags *t);
/* export_ndjson_flush: hand the writer's buffer to the shared output now. */
void export_ndjson_flush(struct export_ndjson_writer *w);

#endif
