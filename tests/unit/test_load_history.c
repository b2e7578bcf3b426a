/*
 * test_load_history.c: per-VU booking histories: records stay where the VU put them,
 * a full history drops and counts instead of growing, and collection adds up; what
 * history_write wrote (with a part's VU numbers) reads back, and a cut or bad file is
 * refused naming the line.
 */
#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "load/booking/history.h"
#include "load/engine/segment.h"

START_TEST(test_record_and_count)
{
    struct history *h = history_new(3, 4);
    ck_assert_ptr_nonnull(h);
    struct history_rec *r = history_begin(history_of(h, 0), 7, 20000, 2, 1);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->outcome, HISTORY_PENDING);
    ck_assert_int_eq(r->nights, 2);
    r->outcome = HISTORY_OK;
    r->hold_id = 11;
    r->booking_id = 12;
    history_begin(history_of(h, 2), 7, 20001, 1, 1)->outcome = HISTORY_REFUSED;
    history_begin(history_of(h, 2), 7, 20001, 1, 1)->outcome = HISTORY_REFUSED;
    ck_assert_uint_eq(history_total(h), 3);
    ck_assert_uint_eq(history_count(h, HISTORY_OK), 1);
    ck_assert_uint_eq(history_count(h, HISTORY_REFUSED), 2);
    ck_assert_uint_eq(history_count(h, HISTORY_UNKNOWN), 0);
    size_t n = 0;
    struct history_rec *all = history_collect(h, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(all[0].booking_id, 12);
    ck_assert_int_eq(all[1].check_in, 20001);
    free(all);
    history_free(h);
}
END_TEST

START_TEST(test_full_drops)
{
    struct history *h = history_new(1, 2);
    struct history_vu *v = history_of(h, 0);
    ck_assert_ptr_nonnull(history_begin(v, 1, 0, 1, 1));
    ck_assert_ptr_nonnull(history_begin(v, 1, 0, 1, 1));
    ck_assert_ptr_null(history_begin(v, 1, 0, 1, 1));
    ck_assert_ptr_null(history_begin(v, 1, 0, 1, 1));
    ck_assert_uint_eq(history_total(h), 2);
    ck_assert_uint_eq(history_dropped(h), 2);
    ck_assert_ptr_null(history_of(h, 1));
    ck_assert_ptr_null(history_of(h, -1));
    ck_assert_ptr_null(history_begin(NULL, 1, 0, 1, 1));
    history_free(h);
    ck_assert_ptr_null(history_new(0, 5));
    size_t n = 9;
    struct history *e = history_new(2, 1);
    ck_assert_ptr_null(history_collect(e, &n));
    ck_assert_uint_eq(n, 0);
    history_free(e);
}
END_TEST

/* Records are stamped with the anchored monotonic clock: close to the wall clock,
 * never going back, and the same anchor for every VU. */
START_TEST(test_times)
{
    struct history *h = history_new(2, 4);
    ck_assert_ptr_nonnull(h);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t wall = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    struct history_rec *a = history_begin(history_of(h, 0), 1, 20000, 1, 1);
    struct history_rec *b = history_begin(history_of(h, 1), 1, 20000, 1, 1);
    ck_assert_int_le(llabs(a->begun_ms - wall), 1000);
    ck_assert_int_ge(b->begun_ms, a->begun_ms);
    ck_assert_int_eq(history_of(h, 0)->anchor_wall_ms, history_of(h, 1)->anchor_wall_ms);
    ck_assert_int_ge(history_clock_ms(history_of(h, 0)), b->begun_ms);
    ck_assert_int_eq(a->settled_ms, 0);
    ck_assert_int_eq(a->confirm_at_ms, 0);
    history_free(h);
}
END_TEST

START_TEST(test_per_vu_sizing)
{
    /* one iteration per VU (last-room): a few records each, not thousands */
    ck_assert_uint_eq(history_per_vu(10000, 10000), 2 + HISTORY_SLACK);
    ck_assert_uint_eq(history_per_vu(1000, 1000), 2 + HISTORY_SLACK);
    ck_assert_uint_eq(history_per_vu(50, 100), 2 * 2 + HISTORY_SLACK);
    /* a short run: never more than the whole run */
    ck_assert_uint_eq(history_per_vu(4, 10), 10);
    /* shared iterations over few VUs: twice the even share, capped */
    ck_assert_uint_eq(history_per_vu(10, 1000), 2 * 100 + HISTORY_SLACK);
    ck_assert_uint_eq(history_per_vu(1, 1000000), HISTORY_PER_VU_MAX);
    /* bounded by time: the total budget shared, within the per-VU bounds */
    ck_assert_uint_eq(history_per_vu(50, -1), HISTORY_PER_VU_MAX);
    ck_assert_uint_eq(history_per_vu(10000, -1), HISTORY_TOTAL_MAX / 10000);
    ck_assert_uint_eq(history_per_vu(1000000, -1), HISTORY_PER_VU_MIN);
    ck_assert_uint_eq(history_per_vu(0, 5), HISTORY_PER_VU_MIN);
}
END_TEST

/* Write two VUs' records as the middle part of thirds, read them back twice. */
START_TEST(test_write_read)
{
    struct segment seg = { { 1, 3 }, { 2, 3 } };
    char err[256], path[] = "/tmp/lr-history-XXXXXX";
    struct seg_plan *p = seg_plan_new(&seg, NULL, 0, err, sizeof err);
    struct history *h = history_new(2, 4), *back = NULL;
    ck_assert_ptr_nonnull(p);
    h->seg = p;
    struct history_rec *r = history_begin(history_of(h, 1), 7, 20000, 2, 3);
    r->outcome = HISTORY_OK;
    r->hold_id = 11;
    r->booking_id = 12;
    r->cancel = HISTORY_CANCEL_UNKNOWN;
    r->replay = HISTORY_REPLAY_OTHER;
    r->replay_booking_id = 13;
    r->hold_expiry_ms = 1700000000000;
    r->confirm_at_ms = 1700000000900;
    history_begin(history_of(h, 0), 7, 20001, 1, 1)->outcome = HISTORY_REFUSED;
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    ck_assert_int_eq(history_write(h, f), 0);
    fclose(f);
    ck_assert_int_eq(history_read(path, &back, err, sizeof err), 0);
    ck_assert_int_eq(history_read(path, &back, err, sizeof err), 0);
    ck_assert_uint_eq(history_total(back), 4);
    ck_assert_uint_eq(history_count(back, HISTORY_OK), 2);
    const struct history_rec *b = &back->vus[0].recs[1];
    ck_assert_int_eq(b->hold_id, 11);
    ck_assert_int_eq(b->booking_id, 12);
    ck_assert_int_eq(b->check_in, 20000);
    ck_assert_int_eq(b->nights, 2);
    ck_assert_int_eq(b->quantity, 3);
    ck_assert_int_eq(b->cancel, HISTORY_CANCEL_UNKNOWN);
    ck_assert_int_eq(b->replay, HISTORY_REPLAY_OTHER); /* what verify's own checks need */
    ck_assert_int_eq(b->replay_booking_id, 13);
    ck_assert_int_eq(b->hold_expiry_ms, 1700000000000);
    ck_assert_int_eq(b->confirm_at_ms, 1700000000900);
    history_free(back);
    back = NULL;

    f = fopen(path, "r");
    char all[4096];
    size_t n = fread(all, 1, sizeof all - 1, f);
    fclose(f);
    all[n] = '\0';
    ck_assert_ptr_nonnull(strstr(all, "{\"vu\":1,")); /* VU 0 of the part is 1 of 3 */
    ck_assert_ptr_nonnull(strstr(all, "{\"vu\":4,")); /* VU 1 of the part is 4 */
    f = fopen(path, "w");
    fwrite(all, 1, (size_t)(strstr(all, "{\"dropped") - all), f); /* cut the last line */
    fclose(f);
    ck_assert_int_eq(history_read(path, &back, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "truncated"));
    history_free(back);
    back = NULL;
    f = fopen(path, "w");
    fputs("{\"vu\":0,\"outcome\":\"maybe\"}\n{\"dropped\":0}\n", f);
    fclose(f);
    ck_assert_int_eq(history_read(path, &back, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "line 1 is not a history record"));
    history_free(back);
    unlink(path);
    history_free(h);
    seg_plan_free(p);
}
END_TEST

UNIT_MAIN("history", test_record_and_count, test_full_drops, test_per_vu_sizing, test_times,
          test_write_read)
