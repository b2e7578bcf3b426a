/*
 * connwatch.h: a deadline on how long a connection may take to deliver a complete
 * request, against clients that drip bytes (slowloris).
 *
 * MHD's idle timeout restarts with every byte received, so a client sending one byte
 * a second would hold a connection forever. Here every connection is registered with
 * the time it last became idle (opened, or its previous request answered); a watchdog
 * thread shuts down the socket of any connection that has not delivered the headers
 * of a new request within the limit, and MHD then closes it. A connection whose request
 * is being handled is never cut. The limit is the idle timeout, so a silent keep-alive
 * connection gets exactly what it got before, and a dripping one no more than that.
 */
#ifndef LASTROOM_SERVER_CONNWATCH_H
#define LASTROOM_SERVER_CONNWATCH_H

#include <stdint.h>

struct connwatch;
struct connwatch_conn;

/* connwatch_start: watch with this limit (ms). NULL when the thread cannot start. */
struct connwatch *connwatch_start(int64_t limit_ms);

/* connwatch_stop: stop the thread and free what is still registered. */
void connwatch_stop(struct connwatch *w);

/* connwatch_add: register a new connection's socket; NULL on no memory (then it is
 * simply not watched). */
struct connwatch_conn *connwatch_add(struct connwatch *w, int fd);

/* connwatch_remove: forget a closed connection (c may be NULL). */
void connwatch_remove(struct connwatch *w, struct connwatch_conn *c);

/* connwatch_busy: busy = 1 when a request's headers are in; 0 when it was answered,
 * which restarts the connection's clock. c may be NULL. */
void connwatch_busy(struct connwatch *w, struct connwatch_conn *c, int busy);

#endif
