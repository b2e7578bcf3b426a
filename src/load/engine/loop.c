/*
 * loop.c: the per-thread epoll loop of lastroom-load (see loop.h).
 *
 * Timers live in a binary min-heap of pointers sized at creation; each timer knows
 * its heap slot, so disarming is O(log n) and no search. epoll_wait sleeps until the
 * earliest timer, rounded up to the next millisecond (a timer never fires early).
 */
#include "load/engine/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

#define LOOP_EVENTS 256

struct loop {
    int epfd;
    int wakefd;
    bool stop;
    struct loop_io wake_io;
    void (*wake_fn)(void *arg);
    void *wake_arg;
    struct loop_timer **heap;
    size_t nheap, cap;
};

static void loop_wake_read(struct loop_io *io, uint32_t events)
{
    struct loop *l = container_of(io, struct loop, wake_io);
    uint64_t v;
    (void)events;
    while (read(l->wakefd, &v, sizeof v) == (ssize_t)sizeof v)
        ;
    if (l->wake_fn)
        l->wake_fn(l->wake_arg);
}

struct loop *loop_new(size_t max_timers)
{
    struct loop *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    l->cap = max_timers ? max_timers : 1;
    l->heap = calloc(l->cap, sizeof *l->heap);
    l->wake_io.fn = loop_wake_read;
    if (l->epfd < 0 || l->wakefd < 0 || !l->heap
        || loop_watch(l, l->wakefd, EPOLLIN, &l->wake_io) != 0) {
        loop_free(l);
        return NULL;
    }
    return l;
}

void loop_free(struct loop *l)
{
    if (!l)
        return;
    if (l->epfd >= 0)
        close(l->epfd);
    if (l->wakefd >= 0)
        close(l->wakefd);
    free(l->heap);
    free(l);
}

int loop_watch(struct loop *l, int fd, uint32_t events, struct loop_io *io)
{
    struct epoll_event ev = { .events = events | EPOLLET, .data.ptr = io };
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
        return 0;
    if (errno == EEXIST && epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
        return 0;
    return -errno;
}

void loop_unwatch(struct loop *l, int fd)
{
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
    l->heap[i] = t;
    t->slot = (uint32_t)i + 1;
}

static void heap_up(struct loop *l, size_t i)
{
    struct loop_timer *t = l->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (l->heap[p]->at_ns <= t->at_ns)
            break;
        heap_set(l, i, l->heap[p]);
        i = p;
    }
    heap_set(l, i, t);
}

static void heap_down(struct loop *l, size_t i)
{
    struct loop_timer *t = l->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= l->nheap)
            break;
        if (c + 1 < l->nheap && l->heap[c + 1]->at_ns < l->heap[c]->at_ns)
            c++;
        if (t->at_ns <= l->heap[c]->at_ns)
            break;
        heap_set(l, i, l->heap[c]);
        i = c;
    }
    heap_set(l, i, t);
}

void loop_timer_disarm(struct loop *l, struct loop_timer *t)
{
    if (t->slot == 0)
        return;
    size_t i = t->slot - 1;
    struct loop_timer *last = l->heap[--l->nheap];
    t->slot = 0;
    if (last == t)
        return;
    heap_set(l, i, last);
    heap_up(l, i);
    heap_down(l, last->slot - 1);
}

int loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t at_ns)
{
    loop_timer_disarm(l, t);
    if (l->nheap == l->cap)
        return -1;
    t->at_ns = at_ns;
    heap_set(l, l->nheap++, t);
    heap_up(l, l->nheap - 1);
    return 0;
}

void loop_on_wake(struct loop *l, void (*fn)(void *arg), void *arg)
{
    l->wake_fn = fn;
    l->wake_arg = arg;
}

void loop_wake(struct loop *l)
{
    uint64_t one = 1;
    ssize_t n = write(l->wakefd, &one, sizeof one);
    (void)n;
}

void loop_stop(struct loop *l)
{
    l->stop = true;
}

/* Fire every timer due at now; a callback may arm timers again. */
static void loop_fire_timers(struct loop *l)
{
    uint64_t now = clock_mono_ns();
    while (l->nheap > 0 && l->heap[0]->at_ns <= now && !l->stop) {
        struct loop_timer *t = l->heap[0];
        loop_timer_disarm(l, t);
        t->fn(t);
    }
}

static int loop_wait_ms(const struct loop *l)
{
    if (l->nheap == 0)
        return 1000;
    uint64_t now = clock_mono_ns(), at = l->heap[0]->at_ns;
    if (at <= now)
        return 0;
    uint64_t ms = (at - now + 999999) / 1000000;
    return ms > 1000 ? 1000 : (int)ms;
}

int loop_run(struct loop *l)
{
    struct epoll_event evs[LOOP_EVENTS];
    l->stop = false;
    while (!l->stop) {
        int n = epoll_wait(l->epfd, evs, LOOP_EVENTS, loop_wait_ms(l));
        if (n < 0 && errno != EINTR)
            return -errno;
        for (int i = 0; i < n && !l->stop; i++) {
            struct loop_io *io = evs[i].data.ptr;
            io->fn(io, evs[i].events);
        }
        loop_fire_timers(l);
    }
    return 0;
}
