/*
 * connwatch.c: the registry of connections (a doubly linked list under one mutex;
 * registering and updating are O(1)) and its watchdog thread, which scans it four times
 * a second. shutdown(2) rather than close(2): the descriptor stays MHD's, so it cannot
 * be reused under MHD's feet; MHD sees the end of the stream and cleans up as usual.
 */
#include "server/connwatch.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "common/clock.h"
#include "server/log.h"
#include "server/pool.h"

#define TICK_MS 250

struct connwatch_conn {
    struct connwatch_conn *prev, *next;
    int fd;
    int busy;
    int cut;
    int64_t since_us;
};

struct connwatch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct connwatch_conn *head;
    int64_t limit_us;
    int stop;
    pthread_t thread;
};

static void scan_locked(struct connwatch *w, int64_t now)
{
    int n = 0;
    for (struct connwatch_conn *c = w->head; c != NULL; c = c->next)
        if (!c->busy && !c->cut && now - c->since_us > w->limit_us) {
            shutdown(c->fd, SHUT_RDWR);
            c->cut = 1;
            n++;
        }
    if (n > 0)
        log_debug("connwatch: cut %d connections without a complete request in time", n);
}

static void *watch_main(void *arg)
{
    struct connwatch *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        scan_locked(w, clock_mono_us());
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &ts) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

struct connwatch *connwatch_start(int64_t limit_ms)
{
    struct connwatch *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->limit_us = limit_ms * 1000;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        free(w);
        return NULL;
    }
    return w;
}

void connwatch_stop(struct connwatch *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    while (w->head != NULL) {
        struct connwatch_conn *c = w->head;
        w->head = c->next;
        free(c);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

struct connwatch_conn *connwatch_add(struct connwatch *w, int fd)
{
    struct connwatch_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->fd = fd;
    c->since_us = clock_mono_us();
    pthread_mutex_lock(&w->mu);
    c->next = w->head;
    if (w->head != NULL)
        w->head->prev = c;
    w->head = c;
    pthread_mutex_unlock(&w->mu);
    return c;
}

void connwatch_remove(struct connwatch *w, struct connwatch_conn *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        w->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&w->mu);
    free(c);
}

void connwatch_busy(struct connwatch *w, struct connwatch_conn *c, int busy)
{
    if (c == NULL)
        return;
    int64_t now = clock_mono_us();
    pthread_mutex_lock(&w->mu);
    c->busy = busy;
    if (!busy)
        c->since_us = now;
    pthread_mutex_unlock(&w->mu);
}
