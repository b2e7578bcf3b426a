/*
 * loop.h: one epoll event loop per thread, with timers and a cross-thread wake-up.
 *
 * A loop watches file descriptors edge-triggered and keeps timers in a binary heap
 * whose capacity is fixed when the loop is made, so that arming a timer never
 * allocates. Callbacks receive the embedded struct (loop_io, loop_timer); the owner
 * finds itself with container_of. A loop is used by one thread only, except
 * loop_wake, which any thread may call.
 */
#ifndef LASTROOM_LOAD_ENGINE_LOOP_H
#define LASTROOM_LOAD_ENGINE_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct loop;

/* A watched descriptor: fn is called with the epoll event bits. */
struct loop_io {
    void (*fn)(struct loop_io *io, uint32_t events);
};

/* A one-shot timer. slot is its place in the heap plus one, 0 when not armed. */
struct loop_timer {
    uint64_t at_ns;
    uint32_t slot;
    void (*fn)(struct loop_timer *t);
};

/* loop_new: a loop that can hold max_timers armed timers at once. Returns NULL when
 * the epoll or eventfd descriptor cannot be made or memory is short. */
struct loop *loop_new(size_t max_timers);
/* loop_free: closes the loop's own descriptors (not the watched ones) and frees it. */
void loop_free(struct loop *l);

/* loop_watch: watch fd for events (EPOLLIN, EPOLLOUT, ... ; edge-triggered is added).
 * Returns 0, or -errno (nothing changed). */
int loop_watch(struct loop *l, int fd, uint32_t events, struct loop_io *io);
/* loop_unwatch: stop watching fd (call before closing it). */
void loop_unwatch(struct loop *l, int fd);

/* loop_timer_arm: (re)arm t to fire at at_ns (clock_mono_ns clock). Returns 0, or -1
 * when the heap is full (t is then not armed). */
int loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t at_ns);
/* loop_timer_disarm: cancel t; harmless when t is not armed. */
void loop_timer_disarm(struct loop *l, struct loop_timer *t);

/* loop_on_wake: fn(arg) runs on the loop's thread after loop_wake was called. */
void loop_on_wake(struct loop *l, void (*fn)(void *arg), void *arg);
/* loop_wake: wake the loop from any thread (async-signal-safe). */
void loop_wake(struct loop *l);

/* loop_run: dispatch events and timers until loop_stop. Returns 0, or -errno when
 * epoll_wait fails for a reason other than EINTR. */
int loop_run(struct loop *l);
/* loop_stop: make loop_run return after the current dispatch (loop's thread only). */
void loop_stop(struct loop *l);

#endif
