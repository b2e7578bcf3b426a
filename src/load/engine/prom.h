/*
 * prom.h: --metrics-listen ADDR: the tester's own metrics in Prometheus' text format,
 * served over HTTP while the run goes on (the pull model Prometheus scrapes).
 *
 * Names: lastroom_load_ and the metric's name, every metric from the first publish on
 * (at 0 until it has data, so a dashboard's queries always find it); a tagged series,
 * once it has data, is the same family with its tag as a label (http_reqs{name:hold} -> lastroom_load_http_reqs_total
 * {name="hold"}). counter -> NAME_total; gauge -> NAME; rate -> NAME_ratio (gauge),
 * NAME_passes_total and NAME_samples_total; trend -> a summary with quantile 0.5,
 * 0.9, 0.95, 0.99, NAME_sum and NAME_count, in seconds for time trends
 * (NAME_seconds). Beside them: lastroom_load_elapsed_seconds and, per threshold,
 * lastroom_load_threshold_ok{series="...",threshold="..."} 1 or 0 as last judged.
 *
 * A thread of its own accepts one connection at a time on ADDR, reads at most
 * PROM_REQUEST_MAX bytes of request for at most two seconds, answers GET /metrics
 * with the text last published and anything else with 404, and closes. The run's
 * monitor thread publishes once a second (prom_publish): the text is built there and
 * swapped in under a lock, so a scrape never reads the metrics themselves.
 */
#ifndef LASTROOM_LOAD_ENGINE_PROM_H
#define LASTROOM_LOAD_ENGINE_PROM_H

#include <stddef.h>

#include "load/engine/metrics.h"
#include "load/engine/threshold.h"

#define PROM_REQUEST_MAX 4096

struct prom;

/* prom_start: listen on addr ("HOST:PORT", HOST a numeric IPv4 address; ":PORT" is
 * 127.0.0.1) and start serving (an empty page until the first publish). Returns NULL
 * with a message in err when addr is malformed or cannot be bound. */
struct prom *prom_start(const char *addr, char *err, size_t errlen);

/* prom_publish: render m's merged values and thr's last judgements (thr may be NULL)
 * at elapsed_s seconds into the run, and serve that from now on. */
void prom_publish(struct prom *p, const struct metrics *m, const struct thr_set *thr,
                  double elapsed_s);

/* prom_stop: stop serving, join the thread, close the socket, free p (NULL is fine). */
void prom_stop(struct prom *p);

#endif
