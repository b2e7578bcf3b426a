/*
 * test_load_hist.c: the histogram against an exact sort of the same data (several
 * distributions, a heavy tail among them), merging, and the edge cases.
 */
#include "unit.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "load/engine/hist.h"

#define N_VALUES 200000

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd64(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static double rnd01(void) /* (0, 1) */
{
    return ((double)(rnd64() >> 11) + 0.5) / 9007199254740992.0;
}

enum dist { D_UNIFORM, D_EXPONENTIAL, D_LOGNORMAL, D_PARETO, D_SMALL, D_WIDE, D_COUNT };

static uint64_t draw(enum dist d)
{
    switch (d) {
    case D_UNIFORM: return rnd64() % 1000000;
    case D_EXPONENTIAL: return (uint64_t)(-log(rnd01()) * 20000.0);
    case D_LOGNORMAL: {
        double z = sqrt(-2 * log(rnd01())) * cos(6.283185307179586 * rnd01());
        return (uint64_t)exp(9.0 + 1.5 * z);
    }
    case D_PARETO: return (uint64_t)(1000.0 / pow(rnd01(), 1.0 / 1.1)); /* heavy tail */
    case D_SMALL: return rnd64() % 300;
    default: return rnd64() >> (rnd64() % 64); /* every magnitude */
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t exact_quantile(const uint64_t *sorted, size_t n, double q)
{
    double r = q * (double)n;
    size_t rank = (size_t)r;
    if (r - (double)rank > 1e-9 * r)
        rank++;
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

static const double qs[] = { 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999 };

START_TEST(test_accuracy)
{
    enum dist d = (enum dist)_i;
    uint64_t *v = malloc(N_VALUES * sizeof *v);
    struct hist *h = hist_new(UINT64_MAX);
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_nonnull(h);
    uint64_t sum = 0;
    for (size_t i = 0; i < N_VALUES; i++) {
        v[i] = draw(d);
        if (d == D_WIDE)
            v[i] >>= 20; /* keep the exact sum below 2^64 */
        sum += v[i];
        hist_record(h, v[i]);
    }
    qsort(v, N_VALUES, sizeof *v, cmp_u64);
    double worst = 0;
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        uint64_t want = exact_quantile(v, N_VALUES, qs[k]), got = hist_quantile(h, qs[k]);
        double err = want ? fabs((double)got - (double)want) / (double)want : (double)got;
        if (err > worst)
            worst = err;
        ck_assert_msg(err <= 0.01, "dist %d q %g: got %llu want %llu", (int)d, qs[k],
                      (unsigned long long)got, (unsigned long long)want);
    }
    printf("# dist %d: worst relative quantile error %.5f%%\n", (int)d, worst * 100);
    fflush(stdout);
    ck_assert_uint_eq(hist_count(h), N_VALUES);
    ck_assert_uint_eq(hist_min(h), v[0]);
    ck_assert_uint_eq(hist_max(h), v[N_VALUES - 1]);
    ck_assert_uint_eq(hist_sum(h), sum);
    ck_assert_double_eq_tol(hist_mean(h), (double)sum / N_VALUES, 1e-9 * (double)sum);
    ck_assert_uint_eq(hist_quantile(h, 0), v[0]);
    ck_assert_uint_eq(hist_quantile(h, 1), v[N_VALUES - 1]);
    hist_free(h);
    free(v);
}
END_TEST

START_TEST(test_small_values_exact)
{
    struct hist *h = hist_new(1000);
    for (uint64_t i = 0; i < 128; i++)
        hist_record(h, i);
    for (uint64_t i = 1; i <= 128; i++)
        ck_assert_uint_eq(hist_quantile(h, (double)i / 128.0), i - 1);
    hist_free(h);
}
END_TEST

START_TEST(test_merge_equals_one)
{
    struct hist *all = hist_new(3600000000ull), *a = hist_new(3600000000ull),
                *b = hist_new(3600000000ull);
    for (int i = 0; i < 50000; i++) {
        uint64_t x = draw(D_LOGNORMAL);
        hist_record(all, x);
        hist_record(i % 3 ? a : b, x);
    }
    ck_assert_int_eq(hist_merge(a, b), 0);
    ck_assert_uint_eq(hist_count(a), hist_count(all));
    ck_assert_uint_eq(hist_sum(a), hist_sum(all));
    ck_assert_uint_eq(hist_min(a), hist_min(all));
    ck_assert_uint_eq(hist_max(a), hist_max(all));
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++)
        ck_assert_uint_eq(hist_quantile(a, qs[k]), hist_quantile(all, qs[k]));
    hist_free(all);
    hist_free(a);
    hist_free(b);
}
END_TEST

START_TEST(test_merge_layout_mismatch)
{
    struct hist *a = hist_new(1000), *b = hist_new(1000000);
    hist_record(b, 5);
    ck_assert_int_eq(hist_merge(a, b), -1);
    ck_assert_uint_eq(hist_count(a), 0);
    hist_free(a);
    hist_free(b);
}
END_TEST

START_TEST(test_empty)
{
    struct hist *h = hist_new(1000);
    ck_assert_uint_eq(hist_count(h), 0);
    ck_assert_uint_eq(hist_min(h), 0);
    ck_assert_uint_eq(hist_max(h), 0);
    ck_assert_double_eq(hist_mean(h), 0);
    ck_assert_uint_eq(hist_quantile(h, 0.5), 0);
    ck_assert_ptr_null(hist_new(0));
    hist_free(h);
}
END_TEST

START_TEST(test_single_value)
{
    struct hist *h = hist_new(UINT64_MAX);
    hist_record(h, 123456789);
    ck_assert_uint_eq(hist_count(h), 1);
    ck_assert_uint_eq(hist_min(h), 123456789);
    ck_assert_uint_eq(hist_max(h), 123456789);
    ck_assert_double_eq(hist_mean(h), 123456789.0);
    ck_assert_uint_eq(hist_quantile(h, 0.01), 123456789); /* clamped to [min, max] */
    ck_assert_uint_eq(hist_quantile(h, 0.99), 123456789);
    hist_free(h);
}
END_TEST

START_TEST(test_clamp_huge)
{
    struct hist *h = hist_new(1000000);
    hist_record(h, 10);
    hist_record(h, UINT64_MAX);
    hist_record_n(h, 5000000, 2);
    ck_assert_uint_eq(hist_count(h), 4);
    ck_assert_uint_eq(hist_max(h), 1000000);
    ck_assert_uint_eq(hist_sum(h), 3000010);
    ck_assert_uint_eq(hist_quantile(h, 1), 1000000);
    ck_assert_uint_eq(hist_quantile(h, 0.5), 1000000);
    ck_assert_uint_eq(hist_quantile(h, 0.25), 10);
    hist_free(h);
}
END_TEST

START_TEST(test_reset_and_bytes)
{
    struct hist *h = hist_new(3600000000ull);
    ck_assert_uint_le(hist_bytes(h), 16 * 1024);
    hist_record(h, 42);
    hist_reset(h);
    ck_assert_uint_eq(hist_count(h), 0);
    ck_assert_uint_eq(hist_quantile(h, 0.5), 0);
    hist_record(h, 7);
    ck_assert_uint_eq(hist_min(h), 7);
    ck_assert_uint_eq(hist_max_trackable(h), 3600000000ull);
    hist_free(h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hist");
    TCase *tc = tcase_create("hist");
    tcase_add_loop_test(tc, test_accuracy, 0, D_COUNT);
    tcase_add_test(tc, test_small_values_exact);
    tcase_add_test(tc, test_merge_equals_one);
    tcase_add_test(tc, test_merge_layout_mismatch);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_single_value);
    tcase_add_test(tc, test_clamp_huge);
    tcase_add_test(tc, test_reset_and_bytes);
    suite_add_tcase(s, tc);
    return unit_run_suite(s);
}
