/*
 * export.h: the machine-readable outputs of a run, in k6's formats.
 *
 * --summary-export FILE: one JSON document,
 *   {"metrics": {"<series>": {"type": "trend|counter|rate|gauge",
 *                             "contains": "time|data|default",
 *                             "values": {...}, "thresholds": {"<expr>": {"ok": true}}}},
 *    "state": {"testRunDurationMs": N}, "lastroom": {...}}
 *   values: trend avg, min, med, max, p(90), p(95), p(99); counter count, rate;
 *   rate rate, passes, fails; gauge value, min, max. "lastroom" is the caller's object
 *   (the scenario's verdict figures), {} when none is given.
 *
 * --out json=FILE: newline-delimited JSON as k6 writes it: one "Metric" line per metric
 *   when the output opens, then one "Point" line per sample. Samples are written by
 *   per-thread writers into a fixed buffer, without allocation or lock; a full buffer
 *   is handed to the shared FILE under a short lock.
 */
#ifndef LASTROOM_LOAD_ENGINE_EXPORT_H
#define LASTROOM_LOAD_ENGINE_EXPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "load/engine/metrics.h"
#include "load/engine/threshold.h"

#define EXPORT_WRITER_BUF 65536

/* export_summary_json: the summary document for m's merged values over duration_s
 * seconds (thr may be NULL; judged thresholds). lastroom (may be NULL) is added to the
 * document with its own reference (the caller keeps its reference). Series without
 * data are left out unless they carry a threshold. Returns a new reference, or NULL on
 * no memory. */
json_t *export_summary_json(const struct metrics *m, const struct thr_set *thr,
                            double duration_s, json_t *lastroom);

/* export_summary_write: export_summary_json written to path (indented). Returns 0, or
 * -1 with a message in err. */
int export_summary_write(const char *path, const struct metrics *m, const struct thr_set *thr,
                         double duration_s, json_t *lastroom, char *err, size_t errlen);

struct export_ndjson;         /* the shared output: a FILE and its lock */
struct export_ndjson_writer;  /* one thread's buffer */

/* export_ndjson_new: start an NDJSON output on out (not closed by us) and write the
 * Metric lines of every metric in m (with its thresholds from thr, which may be NULL).
 * m must outlive the output. Returns NULL on no memory or a write error. */
struct export_ndjson *export_ndjson_new(FILE *out, const struct metrics *m,
                                        const struct thr_set *thr);
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
