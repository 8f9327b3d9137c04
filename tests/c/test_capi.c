/*
 * The C API from C: every entry point, its results against known values, and its error
 * paths (null pointers, overlap, misalignment, bad shapes, bad enums and handles), checking
 * that nothing is written on error. Compiled, linked against the static library and run by
 * capi/tests/c_program.rs; exits with 0 when every check passes.
 */
#include "simd_activations.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                        \
    do {                                                                   \
        ++checks;                                                          \
        if (!(cond)) {                                                     \
            ++failures;                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                \
        }                                                                  \
    } while (0)

#define CHECK_STATUS(call, want)                                                    \
    do {                                                                            \
        sa_status got_ = (call);                                                    \
        ++checks;                                                                   \
        if (got_ != (want)) {                                                       \
            ++failures;                                                             \
            fprintf(stderr, "%s:%d: %s returned %u (%s), expected %u (%s)\n",       \
                    __FILE__, __LINE__, #call, (unsigned)got_,                      \
                    sa_status_message(got_), (unsigned)(want),                      \
                    sa_status_message(want));                                       \
        }                                                                           \
    } while (0)

#define OK(call) CHECK_STATUS(call, SA_STATUS_OK)

#define SENTINEL 42.0f

static void fill(float *p, size_t n, float v) {
    for (size_t i = 0; i < n; ++i) p[i] = v;
}

/* Whether all n floats are the sentinel (nothing written). */
static int untouched(const float *p, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (p[i] != SENTINEL) return 0;
    return 1;
}

static int same_bits(float a, float b) {
    uint32_t x, y;
    memcpy(&x, &a, 4);
    memcpy(&y, &b, 4);
    return x == y;
}

/* |got - want| <= tol * |want| (or both infinite of the same sign, or both NaN). */
static int close_to(float got, double want, double tol) {
    if (isnan(want)) return isnan(got);
    if (isinf(want)) return got == (float)want;
    return fabs((double)got - want) <= tol * fabs(want) + 1e-30;
}

/* A float pointer one byte past p: misaligned. */
static float *misaligned(float *p) { return (float *)(void *)((uintptr_t)p + 1); }

static const float LN2 = 0.693147182f; /* ln 2 rounded to float */

static void test_status_and_backends(sa_kernels *k) {
    for (unsigned s = 0; s <= SA_STATUS_OTHER_ERROR; ++s) {
        const char *m = sa_status_message((sa_status)s);
        CHECK(m != NULL && m[0] != '\0');
    }
    CHECK(strcmp(sa_status_message((sa_status)999), "unknown status") == 0);
    CHECK(strcmp(sa_status_message(SA_STATUS_OK), "success") == 0);

    sa_backend best = sa_backend_best();
    CHECK(sa_backend_supported(best));
    CHECK(sa_backend_supported(SA_BACKEND_SCALAR));
    CHECK(!sa_backend_supported((sa_backend)77));
    CHECK(strcmp(sa_backend_name(SA_BACKEND_SCALAR), "scalar") == 0);
    CHECK(strcmp(sa_backend_name(SA_BACKEND_AVX512), "avx512") == 0);
    CHECK(sa_backend_name((sa_backend)9) == NULL);
    CHECK(sa_backend_lanes(SA_BACKEND_SCALAR) == 1);
    CHECK(sa_backend_lanes(SA_BACKEND_AVX2) == 8);
    CHECK(sa_backend_lanes(SA_BACKEND_AVX512) == 16);
    CHECK(sa_backend_lanes(SA_BACKEND_NEON) == 4);
    CHECK(sa_backend_lanes((sa_backend)9) == 0);

    *k = sa_kernels_new();
    sa_backend b = SA_BACKEND_NEON;
    OK(sa_kernels_backend(*k, &b));
    CHECK(b == best);
    CHECK_STATUS(sa_kernels_backend(*k, NULL), SA_STATUS_NULL_POINTER);
    CHECK(!sa_kernels_is_sequential(*k));

    sa_kernels s;
    OK(sa_kernels_with_backend(SA_BACKEND_SCALAR, &s));
    OK(sa_kernels_backend(s, &b));
    CHECK(b == SA_BACKEND_SCALAR);
    CHECK_STATUS(sa_kernels_with_backend(SA_BACKEND_SCALAR, NULL), SA_STATUS_NULL_POINTER);

    sa_kernels untouched_k = s;
    CHECK_STATUS(sa_kernels_with_backend((sa_backend)1234, &untouched_k), SA_STATUS_INVALID_ENUM);
    CHECK(memcmp(&untouched_k, &s, sizeof s) == 0);
    /* Every backend this CPU lacks is refused, and nothing written. */
    for (unsigned v = SA_BACKEND_SCALAR; v <= SA_BACKEND_NEON; ++v) {
        sa_kernels h = s;
        if (sa_backend_supported((sa_backend)v)) {
            OK(sa_kernels_with_backend((sa_backend)v, &h));
            OK(sa_kernels_backend(h, &b));
            CHECK(b == (sa_backend)v);
        } else {
            CHECK_STATUS(sa_kernels_with_backend((sa_backend)v, &h),
                         SA_STATUS_UNSUPPORTED_BACKEND);
            CHECK(memcmp(&h, &s, sizeof s) == 0);
        }
    }

    sa_kernels seq = sa_kernels_sequential(*k);
    CHECK(sa_kernels_is_sequential(seq));
    CHECK(!sa_kernels_is_sequential(sa_kernels_automatic_threading(seq)));
    CHECK(!sa_kernels_is_sequential(sa_kernels_parallel_threshold(seq, 16)));

    /* A handle with garbage in it: an error, never undefined behaviour. */
    sa_kernels garbage;
    memset(&garbage, 0xAB, sizeof garbage);
    float x[2] = {0.0f, 1.0f}, y[2];
    fill(y, 2, SENTINEL);
    CHECK_STATUS(sa_activate(garbage, SA_ACTIVATION_RELU, NAN, x, y, 2), SA_STATUS_INVALID_HANDLE);
    CHECK_STATUS(sa_kernels_backend(garbage, &b), SA_STATUS_INVALID_HANDLE);
    CHECK_STATUS(sa_softmax(garbage, x, y, 2, 2), SA_STATUS_INVALID_HANDLE);
    CHECK(untouched(y, 2));
}

static void test_activation_names(void) {
    CHECK(SA_ACTIVATION_COUNT == 16);
    for (unsigned a = 0; a < SA_ACTIVATION_COUNT; ++a) {
        const char *name = sa_activation_name((sa_activation)a);
        CHECK(name != NULL);
        if (name == NULL) continue;
        sa_activation back = (sa_activation)99;
        float p = 0.0f;
        OK(sa_activation_from_name(name, &back, &p));
        CHECK(back == (sa_activation)a);
        CHECK(isnan(p));
    }
    CHECK(sa_activation_name((sa_activation)SA_ACTIVATION_COUNT) == NULL);
    CHECK(strcmp(sa_activation_name(SA_ACTIVATION_GELU_TANH), "gelu_tanh") == 0);

    sa_activation a = SA_ACTIVATION_EXP;
    float p = 0.0f;
    OK(sa_activation_from_name("leaky_relu(0.2)", &a, &p));
    CHECK(a == SA_ACTIVATION_LEAKY_RELU && p == 0.2f);
    a = SA_ACTIVATION_EXP;
    p = 3.0f;
    CHECK_STATUS(sa_activation_from_name("nope", &a, &p), SA_STATUS_UNKNOWN_ACTIVATION);
    CHECK_STATUS(sa_activation_from_name("relu(1)", &a, &p), SA_STATUS_MALFORMED_ACTIVATION);
    CHECK_STATUS(sa_activation_from_name("elu(x)", &a, &p), SA_STATUS_MALFORMED_ACTIVATION);
    CHECK_STATUS(sa_activation_from_name("elu(inf)", &a, &p), SA_STATUS_INVALID_PARAMETER);
    CHECK_STATUS(sa_activation_from_name(NULL, &a, &p), SA_STATUS_NULL_POINTER);
    CHECK_STATUS(sa_activation_from_name("elu", NULL, &p), SA_STATUS_NULL_POINTER);
    CHECK_STATUS(sa_activation_from_name("elu", &a, NULL), SA_STATUS_NULL_POINTER);
    CHECK(a == SA_ACTIVATION_EXP && p == 3.0f); /* nothing written */
}

static void test_activate(sa_kernels k) {
    float x[4] = {-1.0f, 0.0f, 2.0f, -INFINITY};
    float y[4];

    OK(sa_activate(k, SA_ACTIVATION_SIGMOID, NAN, x, y, 4));
    CHECK(y[1] == 0.5f); /* exactly */
    CHECK(y[3] == 0.0f);
    CHECK(close_to(y[0], 1.0 / (1.0 + exp(1.0)), 1e-6));

    OK(sa_activate(k, SA_ACTIVATION_RELU, NAN, x, y, 4));
    CHECK(y[0] == 0.0f && y[1] == 0.0f && y[2] == 2.0f && y[3] == 0.0f);

    OK(sa_activate(k, SA_ACTIVATION_LEAKY_RELU, NAN, x, y, 3)); /* default slope 0.01 */
    CHECK(y[0] == -0.01f && y[2] == 2.0f);
    OK(sa_activate(k, SA_ACTIVATION_LEAKY_RELU, 0.5f, x, y, 3));
    CHECK(y[0] == -0.5f);
    OK(sa_activate(k, SA_ACTIVATION_ELU, NAN, x, y, 4)); /* default alpha 1 */
    CHECK(y[3] == -1.0f && y[2] == 2.0f);
    OK(sa_activate(k, SA_ACTIVATION_ELU, 2.0f, x, y, 4));
    CHECK(y[3] == -2.0f);
    OK(sa_activate(k, SA_ACTIVATION_EXP, 123.0f /* ignored */, x, y, 3));
    CHECK(y[1] == 1.0f && close_to(y[2], exp(2.0), 1.2e-7));
    OK(sa_activate(k, SA_ACTIVATION_TANH, NAN, x, y, 2));
    CHECK(close_to(y[0], tanh(-1.0), 2.4e-7) && y[1] == 0.0f);

    /* Every activation runs, in and out of place, with the same bits. */
    for (unsigned a = 0; a < SA_ACTIVATION_COUNT; ++a) {
        float in[5] = {-3.0f, -0.5f, 0.0f, 0.5f, 3.0f}, out[5], inplace[5];
        memcpy(inplace, in, sizeof in);
        OK(sa_activate(k, (sa_activation)a, NAN, in, out, 5));
        OK(sa_activate(k, (sa_activation)a, NAN, inplace, inplace, 5));
        for (int i = 0; i < 5; ++i) CHECK(same_bits(out[i], inplace[i]) && isfinite(out[i]));
    }

    /* Errors: nothing written. */
    fill(y, 4, SENTINEL);
    CHECK_STATUS(sa_activate(k, SA_ACTIVATION_RELU, NAN, NULL, y, 4), SA_STATUS_NULL_POINTER);
    CHECK_STATUS(sa_activate(k, SA_ACTIVATION_RELU, NAN, x, NULL, 4), SA_STATUS_NULL_POINTER);
    CHECK_STATUS(sa_activate(k, (sa_activation)SA_ACTIVATION_COUNT, NAN, x, y, 4),
                 SA_STATUS_INVALID_ENUM);
    CHECK_STATUS(sa_activate(k, SA_ACTIVATION_LEAKY_RELU, INFINITY, x, y, 4),
                 SA_STATUS_INVALID_PARAMETER);
    CHECK(untouched(y, 4));
    OK(sa_activate(k, SA_ACTIVATION_RELU, NAN, NULL, NULL, 0)); /* empty: fine */

    float buf[8];
    fill(buf, 8, SENTINEL);
    CHECK_STATUS(sa_activate(k, SA_ACTIVATION_SIGMOID, NAN, buf, buf + 1, 4), SA_STATUS_OVERLAP);
    CHECK_STATUS(sa_activate(k, SA_ACTIVATION_SIGMOID, NAN, buf + 3, buf, 4), SA_STATUS_OVERLAP);
    CHECK(untouched(buf, 8));
    OK(sa_activate(k, SA_ACTIVATION_SIGMOID, NAN, buf, buf + 4, 4)); /* adjacent: fine */
    CHECK(close_to(buf[4], 1.0 / (1.0 + exp(-42.0)), 1e-6));

    float aligned[4];
    fill(aligned, 4, SENTINEL);
    CHECK_STATUS(sa_activate(k, SA_ACTIVATION_RELU, NAN, x, misaligned(aligned), 2),
                 SA_STATUS_MISALIGNED);
    CHECK(untouched(aligned, 4));
}

static void test_backward(sa_kernels k) {
    float x[2] = {-1.0f, 2.0f}, dy[2] = {5.0f, 5.0f}, dx[2];
    OK(sa_activate_backward(k, SA_ACTIVATION_RELU, NAN, x, dy, dx, 2));
    CHECK(dx[0] == 0.0f && dx[1] == 5.0f);
    float z[1] = {0.0f}, one[1] = {1.0f}, g[1];
    OK(sa_activate_backward(k, SA_ACTIVATION_SIGMOID, NAN, z, one, g, 1));
    CHECK(g[0] == 0.25f);
    OK(sa_activate_backward(k, SA_ACTIVATION_LEAKY_RELU, 0.5f, x, dy, dx, 2));
    CHECK(dx[0] == 2.5f && dx[1] == 5.0f);
    float d[2] = {5.0f, 5.0f};
    OK(sa_activate_backward(k, SA_ACTIVATION_RELU, NAN, x, d, d, 2)); /* in place */
    CHECK(d[0] == 0.0f && d[1] == 5.0f);

    float buf[4] = {-1.0f, 2.0f, SENTINEL, SENTINEL};
    CHECK_STATUS(sa_activate_backward(k, SA_ACTIVATION_RELU, NAN, buf, dy, buf + 1, 2),
                 SA_STATUS_OVERLAP); /* dx overlaps x */
    CHECK_STATUS(sa_activate_backward(k, SA_ACTIVATION_RELU, NAN, buf, dy, buf, 2),
                 SA_STATUS_OVERLAP); /* dx is x, not dy */
    CHECK(buf[0] == -1.0f && buf[1] == 2.0f && buf[2] == SENTINEL);
    fill(dx, 2, SENTINEL);
    CHECK_STATUS(sa_activate_backward(k, SA_ACTIVATION_RELU, NAN, x, NULL, dx, 2),
                 SA_STATUS_NULL_POINTER);
    CHECK(untouched(dx, 2));

    float y[2] = {0.5f, 1.0f}, ones[2] = {1.0f, 1.0f};
    OK(sa_sigmoid_backward_from_output(k, y, ones, dx, 2));
    CHECK(dx[0] == 0.25f && dx[1] == 0.0f);
    float t[2] = {0.0f, 0.5f}, g2[2] = {2.0f, 2.0f};
    OK(sa_tanh_backward_from_output(k, t, g2, g2, 2)); /* in place */
    CHECK(g2[0] == 2.0f && g2[1] == 1.5f);
    OK(sa_sigmoid_backward_from_output(k, y, ones, ones, 2));
    CHECK(ones[0] == 0.25f);
    fill(dx, 2, SENTINEL);
    CHECK_STATUS(sa_tanh_backward_from_output(k, NULL, t, dx, 2), SA_STATUS_NULL_POINTER);
    float yb[3] = {0.5f, 0.5f, SENTINEL};
    CHECK_STATUS(sa_sigmoid_backward_from_output(k, yb, t, yb + 1, 2), SA_STATUS_OVERLAP);
    CHECK(untouched(dx, 2) && yb[1] == 0.5f && yb[2] == SENTINEL);
}

static void test_prelu(sa_kernels k) {
    float x[4] = {-1.0f, -1.0f, 2.0f, -4.0f}, y[4], slopes[2] = {0.5f, 0.25f};
    OK(sa_prelu(k, x, y, 4, slopes, 2));
    CHECK(y[0] == -0.5f && y[1] == -0.25f && y[2] == 2.0f && y[3] == -1.0f);
    float z[4];
    memcpy(z, x, sizeof z);
    OK(sa_prelu(k, z, z, 4, slopes, 2));
    CHECK(memcmp(z, y, sizeof z) == 0);

    float cf[6] = {-1.0f, -2.0f, 3.0f, -1.0f, -2.0f, 3.0f}, ycf[6];
    OK(sa_prelu_channels_first(k, cf, ycf, 6, slopes, 2, 3));
    CHECK(ycf[0] == -0.5f && ycf[1] == -1.0f && ycf[2] == 3.0f && ycf[3] == -0.25f &&
          ycf[4] == -0.5f && ycf[5] == 3.0f);

    fill(y, 4, SENTINEL);
    CHECK_STATUS(sa_prelu(k, x, y, 4, slopes, 0), SA_STATUS_ZERO_DIMENSION);
    CHECK_STATUS(sa_prelu(k, x, y, 3, slopes, 2), SA_STATUS_NOT_DIVISIBLE);
    CHECK_STATUS(sa_prelu_channels_first(k, x, y, 4, slopes, 2, 0), SA_STATUS_ZERO_DIMENSION);
    CHECK_STATUS(sa_prelu_channels_first(k, x, y, 4, slopes, 2, 3), SA_STATUS_NOT_DIVISIBLE);
    CHECK_STATUS(sa_prelu(k, x, y, 4, NULL, 2), SA_STATUS_NULL_POINTER);
    CHECK_STATUS(sa_prelu(k, x, y, 4, y + 2, 2), SA_STATUS_OVERLAP); /* slopes in y */
    float bad[2] = {0.5f, NAN};
    CHECK_STATUS(sa_prelu(k, x, y, 4, bad, 2), SA_STATUS_INVALID_PARAMETER);
    CHECK(untouched(y, 4));

    /* Backward, channels-last. */
    float bx[4] = {-2.0f, 1.0f, -1.0f, -3.0f}, bdy[4] = {1.0f, 1.0f, 1.0f, 1.0f};
    float bdx[4], ds[2];
    OK(sa_prelu_backward(k, bx, bdy, bdx, 4, slopes, ds, 2));
    CHECK(bdx[0] == 0.5f && bdx[1] == 1.0f && bdx[2] == 0.5f && bdx[3] == 0.25f);
    CHECK(ds[0] == -3.0f && ds[1] == -3.0f);
    OK(sa_prelu_backward(k, bx, bdy, bdy, 4, slopes, ds, 2)); /* in place */
    CHECK(memcmp(bdy, bdx, sizeof bdx) == 0 && ds[0] == -3.0f);

    /* Backward, channels-first: N = 1, C = 2, H * W = 2. */
    float cx[4] = {-1.0f, 3.0f, -2.0f, -2.0f}, cdy[4] = {1.0f, 1.0f, 1.0f, 1.0f}, cdx[4];
    OK(sa_prelu_channels_first_backward(k, cx, cdy, cdx, 4, slopes, ds, 2, 2));
    CHECK(cdx[0] == 0.5f && cdx[1] == 1.0f && cdx[2] == 0.25f && cdx[3] == 0.25f);
    CHECK(ds[0] == -1.0f && ds[1] == -4.0f);

    float out[6];
    fill(out, 6, SENTINEL);
    CHECK_STATUS(sa_prelu_backward(k, cx, cdy, out, 4, slopes, out + 3, 2),
                 SA_STATUS_OVERLAP); /* dslopes in dx */
    float sl[2] = {0.5f, 0.25f};
    CHECK_STATUS(sa_prelu_backward(k, cx, cdy, out, 4, sl, sl, 2),
                 SA_STATUS_OVERLAP); /* dslopes is slopes */
    CHECK(sl[0] == 0.5f && sl[1] == 0.25f);
    CHECK_STATUS(sa_prelu_backward(k, cx, cdy, out, 4, slopes, cdy, 2),
                 SA_STATUS_OVERLAP); /* dslopes in dy */
    CHECK_STATUS(sa_prelu_backward(k, cx, cdy, out, 4, slopes, NULL, 2), SA_STATUS_NULL_POINTER);
    CHECK_STATUS(sa_prelu_channels_first_backward(k, cx, cdy, out, 4, slopes, out + 4, 2, 0),
                 SA_STATUS_ZERO_DIMENSION);
    CHECK_STATUS(sa_prelu_backward(k, cx, cdy, out, 3, slopes, out + 4, 2),
                 SA_STATUS_NOT_DIVISIBLE);
    CHECK(untouched(out, 6));
}

/* The softmax of one row, in double. */
static void softmax_ref(const float *x, double *want, size_t n) {
    double m = -INFINITY, s = 0.0;
    for (size_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
    for (size_t i = 0; i < n; ++i) s += exp(x[i] - m);
    for (size_t i = 0; i < n; ++i) want[i] = exp(x[i] - m) / s;
}

static void test_softmax(sa_kernels k) {
    /* 4 ULP = 4 * 2^-23 relative at most (well within 1e-6). */
    const double tol = 4.0 * 1.1920929e-7;
    float x[6] = {1.0f, 2.0f, 3.0f, 0.0f, 0.0f, -INFINITY}, y[6];
    double want[3];
    OK(sa_softmax(k, x, y, 6, 3));
    softmax_ref(x, want, 3);
    for (int i = 0; i < 3; ++i) CHECK(close_to(y[i], want[i], tol));
    CHECK(y[3] == 0.5f && y[4] == 0.5f && y[5] == 0.0f);

    OK(sa_log_softmax(k, x, y, 6, 3));
    for (int i = 0; i < 3; ++i) CHECK(close_to(y[i], log(want[i]), tol));
    CHECK(y[3] == -LN2 && y[4] == -LN2 && y[5] == -INFINITY);

    float z[6];
    memcpy(z, x, sizeof z);
    OK(sa_softmax(k, z, z, 6, 3)); /* in place */
    OK(sa_softmax(k, x, y, 6, 3));
    CHECK(memcmp(z, y, sizeof z) == 0);
    memcpy(z, x, sizeof z);
    OK(sa_log_softmax(k, z, z, 6, 3));
    CHECK(z[3] == -LN2);

    float nanrow[2] = {NAN, 1.0f}, ny[2];
    OK(sa_softmax(k, nanrow, ny, 2, 2));
    CHECK(isnan(ny[0]) && isnan(ny[1]));

    fill(y, 6, SENTINEL);
    CHECK_STATUS(sa_softmax(k, x, y, 6, 0), SA_STATUS_ZERO_DIMENSION);
    CHECK_STATUS(sa_softmax(k, x, y, 6, 4), SA_STATUS_NOT_DIVISIBLE);
    CHECK_STATUS(sa_log_softmax(k, x, y, 6, 4), SA_STATUS_NOT_DIVISIBLE);
    CHECK_STATUS(sa_softmax(k, NULL, y, 6, 3), SA_STATUS_NULL_POINTER);
    CHECK(untouched(y, 6));
    float buf[8];
    fill(buf, 8, SENTINEL);
    CHECK_STATUS(sa_softmax(k, buf, buf + 2, 6, 3), SA_STATUS_OVERLAP);
    CHECK_STATUS(sa_log_softmax(k, buf + 2, buf, 6, 3), SA_STATUS_OVERLAP);
    CHECK(untouched(buf, 8));
    OK(sa_softmax(k, NULL, NULL, 0, 3));

    /* Many rows, split across threads or not: the same bits. */
    enum { ROWS = 64, COLS = 1000 };
    static float big[ROWS * COLS], b1[ROWS * COLS], b2[ROWS * COLS];
    for (size_t i = 0; i < ROWS * COLS; ++i) big[i] = (float)((i * 7919) % 1000) * 0.01f - 5.0f;
    OK(sa_softmax(sa_kernels_sequential(k), big, b1, ROWS * COLS, COLS));
    OK(sa_softmax(sa_kernels_parallel_threshold(k, 1), big, b2, ROWS * COLS, COLS));
    CHECK(memcmp(b1, b2, sizeof b1) == 0);
    double sum = 0.0;
    for (size_t j = 0; j < COLS; ++j) sum += b1[j];
    CHECK(fabs(sum - 1.0) < 1e-5);
}

static void test_softmax_with(sa_kernels k) {
    sa_softmax_options o = sa_softmax_options_default();
    CHECK(o.scale == 1.0f && o.mask_kind == SA_MASK_NONE && o.mask == NULL &&
          o.mask_len == 0 && o.causal_offset == 0 && o.masked_rows == SA_MASKED_ROWS_NAN &&
          o.row_stride == 0);

    float x[6] = {1.0f, 2.0f, 3.0f, 7.0f, 7.0f, 7.0f}, y[6], plain[6];
    OK(sa_softmax(k, x, plain, 6, 3));
    OK(sa_softmax_with(k, x, y, 6, 3, &o));
    CHECK(memcmp(y, plain, sizeof y) == 0);
    OK(sa_softmax_with(k, x, y, 6, 3, NULL)); /* NULL: the defaults */
    CHECK(memcmp(y, plain, sizeof y) == 0);

    /* Scale, additive mask (second row padding), zeros for fully masked rows. */
    float mask[6] = {0.0f, 0.0f, 0.0f, -INFINITY, -INFINITY, -INFINITY};
    o.scale = 0.5f;
    o.mask_kind = SA_MASK_ADDITIVE;
    o.mask = mask;
    o.mask_len = 6;
    o.masked_rows = SA_MASKED_ROWS_ZERO;
    OK(sa_softmax_with(k, x, y, 6, 3, &o));
    float half_x[3] = {0.5f, 1.0f, 1.5f};
    double want[3];
    softmax_ref(half_x, want, 3);
    for (int i = 0; i < 3; ++i) CHECK(close_to(y[i], want[i], 4.0 * 1.1920929e-7));
    CHECK(y[3] == 0.0f && y[4] == 0.0f && y[5] == 0.0f);
    OK(sa_log_softmax_with(k, x, y, 6, 3, &o));
    CHECK(close_to(y[0], log(want[0]), 4.0 * 1.1920929e-7) && y[5] == -INFINITY);
    float inplace[6];
    memcpy(inplace, x, sizeof x);
    OK(sa_log_softmax_with(k, inplace, inplace, 6, 3, &o));
    CHECK(memcmp(inplace, y, sizeof y) == 0);
    o.masked_rows = SA_MASKED_ROWS_NAN;
    OK(sa_softmax_with(k, x, y, 6, 3, &o));
    CHECK(isnan(y[3]) && isnan(y[5]));

    /* Causal, strided: 3 query rows in a cache of capacity 8, 4 live columns. */
    float cx[24], cy[24];
    fill(cx, 24, 0.5f);
    fill(cy, 24, SENTINEL);
    sa_softmax_options c = sa_softmax_options_default();
    c.mask_kind = SA_MASK_CAUSAL;
    c.causal_offset = 1;
    c.masked_rows = SA_MASKED_ROWS_ZERO;
    c.row_stride = 8;
    c.scale = 0.125f;
    OK(sa_softmax_with(k, cx, cy, 24, 4, &c));
    CHECK(cy[0] == 0.5f && cy[1] == 0.5f && cy[2] == 0.0f && cy[3] == 0.0f);
    CHECK(cy[16] == 0.25f && cy[19] == 0.25f);
    CHECK(cy[4] == SENTINEL && cy[7] == SENTINEL); /* between rows: untouched */
    float lx[3] = {0.0f, 0.0f, 5.0f}, ly[3];
    sa_softmax_options lc = sa_softmax_options_default();
    lc.mask_kind = SA_MASK_CAUSAL;
    lc.causal_offset = 1;
    OK(sa_log_softmax_with(k, lx, ly, 3, 3, &lc));
    CHECK(ly[0] == -LN2 && ly[1] == -LN2 && ly[2] == -INFINITY);

    /* Errors: nothing written. */
    fill(y, 6, SENTINEL);
    sa_softmax_options e = sa_softmax_options_default();
    e.scale = 0.0f;
    CHECK_STATUS(sa_softmax_with(k, x, y, 6, 3, &e), SA_STATUS_ZERO_SCALE);
    e.scale = NAN;
    CHECK_STATUS(sa_softmax_with(k, x, y, 6, 3, &e), SA_STATUS_INVALID_PARAMETER);
    e = sa_softmax_options_default();
    e.row_stride = 2;
    CHECK_STATUS(sa_softmax_with(k, x, y, 6, 3, &e), SA_STATUS_ROW_STRIDE);
    e.row_stride = 4;
    CHECK_STATUS(sa_softmax_with(k, x, y, 6, 3, &e), SA_STATUS_SHORT_BUFFER); /* 2 rows need 7 */
    e = sa_softmax_options_default();
    e.mask_kind = (sa_mask_kind)7;
    CHECK_STATUS(sa_softmax_with(k, x, y, 6, 3, &e), SA_STATUS_INVALID_ENUM);
    e = sa_softmax_options_default();
    e.masked_rows = (sa_masked_rows)9;
    CHECK_STATUS(sa_log_softmax_with(k, x, y, 6, 3, &e), SA_STATUS_INVALID_ENUM);
    e = sa_softmax_options_default();
    e.mask_kind = SA_MASK_ADDITIVE;
    e.mask = mask;
    e.mask_len = 5;
    CHECK_STATUS(sa_softmax_with(k, x, y, 6, 3, &e), SA_STATUS_MASK_LENGTH);
    e.mask = NULL;
    e.mask_len = 3;
    CHECK_STATUS(sa_softmax_with(k, x, y, 6, 3, &e), SA_STATUS_NULL_POINTER);
    float nanmask[3] = {0.0f, NAN, 0.0f};
    e.mask = nanmask;
    CHECK_STATUS(sa_softmax_with(k, x, y, 6, 3, &e), SA_STATUS_INVALID_PARAMETER);
    e.mask = y + 3; /* the mask overlaps the output */
    CHECK_STATUS(sa_softmax_with(k, x, y, 6, 3, &e), SA_STATUS_OVERLAP);
    CHECK(untouched(y, 6));
    e.mask = x; /* overlapping the input is fine: both are read */
    fill(x + 3, 3, 0.0f);
    OK(sa_softmax_with(k, x, y, 6, 3, &e));
}

static void test_log_sum_exp(sa_kernels k) {
    float x[4] = {0.0f, 0.0f, 1000.0f, 1000.0f}, out[2];
    OK(sa_log_sum_exp(k, x, 4, out, 2, 2));
    CHECK(out[0] == LN2 && out[1] == 1000.0f + LN2);

    float t[8] = {2.0f, 2.0f, 2.0f, 2.0f, 8.0f, 0.0f, 0.0f, 0.0f};
    sa_softmax_options o = sa_softmax_options_default();
    o.scale = 0.5f;
    OK(sa_log_sum_exp_with(k, t, 8, out, 2, 4, &o));
    CHECK(close_to(out[0], 1.0 + log(4.0), 2.4e-7));
    float mask[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    o = sa_softmax_options_default();
    o.mask_kind = SA_MASK_ADDITIVE;
    o.mask = mask;
    o.mask_len = 4;
    o.masked_rows = SA_MASKED_ROWS_ZERO;
    OK(sa_log_sum_exp_with(k, t, 8, out, 2, 4, &o));
    CHECK(out[0] == -INFINITY && out[1] == -INFINITY);
    OK(sa_log_sum_exp_with(k, t, 8, out, 2, 4, NULL));
    CHECK(close_to(out[0], 2.0 + log(4.0), 2.4e-7));

    float o2[3];
    fill(o2, 3, SENTINEL);
    CHECK_STATUS(sa_log_sum_exp(k, x, 4, o2, 3, 2), SA_STATUS_OUTPUT_ROWS);
    CHECK_STATUS(sa_log_sum_exp(k, x, 4, o2, 2, 0), SA_STATUS_ZERO_DIMENSION);
    CHECK_STATUS(sa_log_sum_exp(k, x, 4, o2, 1, 3), SA_STATUS_NOT_DIVISIBLE);
    CHECK_STATUS(sa_log_sum_exp(k, x, 4, NULL, 2, 2), SA_STATUS_NULL_POINTER);
    o.mask_len = 3; /* neither cols nor rows * cols */
    CHECK_STATUS(sa_log_sum_exp_with(k, x, 4, o2, 2, 2, &o), SA_STATUS_MASK_LENGTH);
    o.mask = o2; /* the mask overlaps the output */
    o.mask_len = 2;
    CHECK_STATUS(sa_log_sum_exp_with(k, x, 4, o2, 2, 2, &o), SA_STATUS_OVERLAP);
    CHECK(untouched(o2, 3));
    CHECK_STATUS(sa_log_sum_exp(k, x, 4, x + 1, 2, 2), SA_STATUS_OVERLAP);
    CHECK(x[1] == 0.0f && x[2] == 1000.0f);
}

static void test_softmax_backward(sa_kernels k) {
    float y[2] = {0.25f, 0.75f}, dy[2] = {1.0f, 0.0f}, dx[2];
    OK(sa_softmax_backward(k, y, dy, dx, 2, 2));
    CHECK(dx[0] == 0.25f * 0.75f && dx[1] == -0.75f * 0.25f);
    float h[2] = {0.5f, 0.5f}, g[2] = {1.0f, -1.0f};
    OK(sa_softmax_backward(k, h, g, g, 2, 2)); /* in place */
    CHECK(g[0] == 0.5f && g[1] == -0.5f);

    float ly[2] = {0.0f, -INFINITY}, ldy[2] = {1.0f, 2.0f};
    OK(sa_log_softmax_backward(k, ly, ldy, dx, 2, 2));
    CHECK(dx[0] == -2.0f && dx[1] == 2.0f);
    OK(sa_log_softmax_backward(k, ly, ldy, ldy, 2, 2));
    CHECK(ldy[0] == -2.0f && ldy[1] == 2.0f);

    fill(dx, 2, SENTINEL);
    CHECK_STATUS(sa_softmax_backward(k, y, dy, dx, 2, 0), SA_STATUS_ZERO_DIMENSION);
    CHECK_STATUS(sa_log_softmax_backward(k, y, dy, dx, 2, 3), SA_STATUS_NOT_DIVISIBLE);
    CHECK_STATUS(sa_softmax_backward(k, y, NULL, dx, 2, 2), SA_STATUS_NULL_POINTER);
    CHECK(untouched(dx, 2));
    float buf[3] = {0.5f, 0.5f, SENTINEL};
    CHECK_STATUS(sa_softmax_backward(k, buf, dy, buf + 1, 2, 2), SA_STATUS_OVERLAP);
    CHECK(buf[1] == 0.5f && buf[2] == SENTINEL);
}

static void test_fused(sa_kernels k) {
    float x[6] = {1.0f, -2.0f, 3.0f, -4.0f, 5.0f, -6.0f}, bias[2] = {1.0f, 5.0f}, y[6];
    OK(sa_bias_activate(k, SA_ACTIVATION_LEAKY_RELU, 0.5f, x, y, 6, bias, 2));
    CHECK(y[0] == 2.0f && y[1] == 3.0f && y[2] == 4.0f && y[3] == 1.0f && y[4] == 6.0f &&
          y[5] == -0.5f);
    float h[3] = {-1.0f, 1.0f, 0.0f}, one[1] = {1.0f};
    OK(sa_bias_activate(k, SA_ACTIVATION_RELU, NAN, h, h, 3, one, 1)); /* in place */
    CHECK(h[0] == 0.0f && h[1] == 2.0f && h[2] == 1.0f);
    fill(y, 6, SENTINEL);
    CHECK_STATUS(sa_bias_activate(k, SA_ACTIVATION_RELU, NAN, x, y, 6, bias, 0),
                 SA_STATUS_ZERO_DIMENSION);
    CHECK_STATUS(sa_bias_activate(k, SA_ACTIVATION_RELU, NAN, x, y, 5, bias, 2),
                 SA_STATUS_NOT_DIVISIBLE);
    CHECK_STATUS(sa_bias_activate(k, SA_ACTIVATION_RELU, NAN, x, y, 6, y + 4, 2),
                 SA_STATUS_OVERLAP);
    CHECK_STATUS(sa_bias_activate(k, (sa_activation)100, NAN, x, y, 6, bias, 2),
                 SA_STATUS_INVALID_ENUM);
    CHECK(untouched(y, 6));

    float gate[2] = {0.0f, 100.0f}, up[2] = {3.0f, -2.0f}, g[2];
    OK(sa_glu(k, SA_ACTIVATION_SIGMOID, NAN, gate, up, g, 2));
    CHECK(g[0] == 1.5f && g[1] == -2.0f);
    OK(sa_glu(k, SA_ACTIVATION_SIGMOID, NAN, gate, up, up, 2)); /* in place on up */
    CHECK(up[0] == 1.5f && up[1] == -2.0f);
    float gb[2] = {1.0f, 2.0f};
    CHECK_STATUS(sa_glu(k, SA_ACTIVATION_RELU, NAN, gb, up, gb, 2), SA_STATUS_OVERLAP);
    CHECK(gb[0] == 1.0f && gb[1] == 2.0f);
    fill(g, 2, SENTINEL);
    CHECK_STATUS(sa_glu(k, SA_ACTIVATION_ELU, INFINITY, gate, up, g, 2),
                 SA_STATUS_INVALID_PARAMETER);
    CHECK_STATUS(sa_glu(k, SA_ACTIVATION_RELU, NAN, gate, NULL, g, 2), SA_STATUS_NULL_POINTER);
    CHECK(untouched(g, 2));

    float rows[4] = {1.0f, 7.0f, -1.0f, 7.0f}, r[2];
    OK(sa_glu_rows(k, SA_ACTIVATION_RELU, NAN, rows, 4, r, 2, 1));
    CHECK(r[0] == 7.0f && r[1] == 0.0f);
    fill(r, 2, SENTINEL);
    CHECK_STATUS(sa_glu_rows(k, SA_ACTIVATION_RELU, NAN, rows, 4, r, 1, 1),
                 SA_STATUS_SLICE_LENGTH);
    CHECK_STATUS(sa_glu_rows(k, SA_ACTIVATION_RELU, NAN, rows, 4, r, 2, 0),
                 SA_STATUS_ZERO_DIMENSION);
    CHECK_STATUS(sa_glu_rows(k, SA_ACTIVATION_RELU, NAN, rows, 3, r, 1, 1),
                 SA_STATUS_NOT_DIVISIBLE);
    CHECK(untouched(r, 2));
    CHECK_STATUS(sa_glu_rows(k, SA_ACTIVATION_RELU, NAN, rows, 4, rows + 2, 2, 1),
                 SA_STATUS_OVERLAP);
    CHECK(rows[2] == -1.0f);
}

static void test_half(sa_kernels k) {
    /* f16 bit patterns: 1, 0.5, -2, +inf, the smallest subnormal (2^-24), a NaN. */
    uint16_t h[6] = {0x3C00, 0x3800, 0xC000, 0x7C00, 0x0001, 0x7E00};
    float f[6];
    OK(sa_f16_to_f32(k, h, f, 6));
    CHECK(f[0] == 1.0f && f[1] == 0.5f && f[2] == -2.0f && f[3] == INFINITY &&
          f[4] == ldexpf(1.0f, -24) && isnan(f[5]));

    /* A tie to even, 65520 (rounds up to inf), 1e-7 (subnormal 2 * 2^-24), the largest. */
    float g[5] = {1.0f + ldexpf(1.0f, -11), 65520.0f, 1e-7f, 65504.0f, -0.0f};
    uint16_t hb[5];
    OK(sa_f32_to_f16(k, g, hb, 5));
    CHECK(hb[0] == 0x3C00 && hb[1] == 0x7C00 && hb[2] == 0x0002 && hb[3] == 0x7BFF &&
          hb[4] == 0x8000);

    uint16_t b[3] = {0x3F80, 0xC020, 0x7F80}; /* bf16: 1, -2.5, +inf */
    OK(sa_bf16_to_f32(k, b, f, 3));
    CHECK(f[0] == 1.0f && f[1] == -2.5f && f[2] == INFINITY);
    /* 1 + 2^-8 is a tie (to even: 1), 1 + 3 * 2^-8 a tie (to even: 1 + 2^-6). */
    float bf[3] = {1.0f, 1.0f + ldexpf(1.0f, -8), 1.0f + 3.0f * ldexpf(1.0f, -8)};
    uint16_t bo[3];
    OK(sa_f32_to_bf16(k, bf, bo, 3));
    CHECK(bo[0] == 0x3F80 && bo[1] == 0x3F80 && bo[2] == 0x3F82);

    uint16_t ax[3] = {0x0000, 0xBC00, 0x4000}, ay[3]; /* 0, -1, 2 */
    OK(sa_activate_f16(k, SA_ACTIVATION_SIGMOID, NAN, ax, ay, 1));
    CHECK(ay[0] == 0x3800); /* 0.5 */
    OK(sa_activate_f16(k, SA_ACTIVATION_RELU, NAN, ax, ay, 3));
    CHECK(ay[0] == 0x0000 && ay[1] == 0x0000 && ay[2] == 0x4000);
    OK(sa_activate_f16(k, SA_ACTIVATION_LEAKY_RELU, 0.5f, ax, ax, 3)); /* in place */
    CHECK(ax[1] == 0xB800 && ax[2] == 0x4000); /* -0.5, 2 */
    uint16_t bx[2] = {0x0000, 0xBF80}, by[2]; /* bf16: 0, -1 */
    OK(sa_activate_bf16(k, SA_ACTIVATION_SIGMOID, NAN, bx, by, 1));
    CHECK(by[0] == 0x3F00); /* 0.5 */
    OK(sa_activate_bf16(k, SA_ACTIVATION_RELU, NAN, bx, bx, 2));
    CHECK(bx[1] == 0x0000);

    /* Errors. */
    float fo[4];
    fill(fo, 4, SENTINEL);
    CHECK_STATUS(sa_f16_to_f32(k, NULL, fo, 2), SA_STATUS_NULL_POINTER);
    CHECK_STATUS(sa_bf16_to_f32(k, (const uint16_t *)(const void *)(fo + 1), fo, 2),
                 SA_STATUS_OVERLAP);
    CHECK(untouched(fo, 4));
    uint16_t u[6] = {1, 2, 3, 4, 5, 6};
    CHECK_STATUS(sa_f32_to_f16(k, fo, u, 4), SA_STATUS_OK);
    uint16_t u2[6] = {7, 7, 7, 7, 7, 7};
    float fb[2] = {1.0f, 2.0f};
    CHECK_STATUS(sa_f32_to_bf16(k, fb, (uint16_t *)(void *)fb + 1, 2), SA_STATUS_OVERLAP);
    CHECK(fb[0] == 1.0f && fb[1] == 2.0f);
    CHECK_STATUS(sa_activate_f16(k, SA_ACTIVATION_RELU, NAN, u2, u2 + 1, 3), SA_STATUS_OVERLAP);
    CHECK_STATUS(sa_activate_bf16(k, SA_ACTIVATION_RELU, NAN, u2, NULL, 3),
                 SA_STATUS_NULL_POINTER);
    CHECK_STATUS(sa_activate_bf16(k, (sa_activation)77, NAN, u2, u2, 3), SA_STATUS_INVALID_ENUM);
    CHECK_STATUS(sa_f16_to_f32(k, (const uint16_t *)(const void *)((uintptr_t)u2 + 1), fo, 2),
                 SA_STATUS_MISALIGNED);
    for (int i = 0; i < 6; ++i) CHECK(u2[i] == 7);
    CHECK(untouched(fo, 4));

    /* Softmax on half storage: rows of two equal logits and a -inf give 0.5 (f16 0x3800,
       bf16 0x3F00) and 0; log-softmax -ln 2 (f16 0xB98C, bf16 0xBF31) and -inf. */
    uint16_t sx[6] = {0x3C00, 0x3C00, 0xFC00, 0x4000, 0x4000, 0xFC00}, sy[6];
    OK(sa_softmax_f16(k, sx, sy, 6, 3));
    CHECK(sy[0] == 0x3800 && sy[1] == 0x3800 && sy[2] == 0x0000 && sy[3] == 0x3800 &&
          sy[5] == 0x0000);
    OK(sa_log_softmax_f16(k, sx, sy, 6, 3));
    CHECK(sy[0] == 0xB98C && sy[4] == 0xB98C && sy[5] == 0xFC00);
    OK(sa_softmax_f16(k, sx, sx, 6, 3)); /* in place */
    CHECK(sx[0] == 0x3800 && sx[2] == 0x0000);
    uint16_t tx[4] = {0x3F80, 0x3F80, 0xC000, 0xC000}, ty[4]; /* bf16: 1, 1, -2, -2 */
    OK(sa_softmax_bf16(k, tx, ty, 4, 2));
    CHECK(ty[0] == 0x3F00 && ty[1] == 0x3F00 && ty[2] == 0x3F00 && ty[3] == 0x3F00);
    OK(sa_log_softmax_bf16(k, tx, tx, 4, 2)); /* in place */
    CHECK(tx[0] == 0xBF31 && tx[3] == 0xBF31);
    uint16_t e[4] = {9, 9, 9, 9};
    CHECK_STATUS(sa_softmax_f16(k, e, e + 1, 3, 3), SA_STATUS_OVERLAP);
    CHECK_STATUS(sa_log_softmax_bf16(k, e, e, 4, 0), SA_STATUS_ZERO_DIMENSION);
    CHECK_STATUS(sa_softmax_bf16(k, e, e, 4, 3), SA_STATUS_NOT_DIVISIBLE);
    CHECK_STATUS(sa_log_softmax_f16(k, NULL, e, 2, 1), SA_STATUS_NULL_POINTER);
    for (int i = 0; i < 4; ++i) CHECK(e[i] == 9);
}

int main(void) {
    sa_kernels k;
    test_status_and_backends(&k);
    test_activation_names();
    /* Every operation on the best backend, then on every other supported one. */
    for (unsigned v = 0; v <= SA_BACKEND_NEON + 1; ++v) {
        sa_kernels h = k;
        if (v <= SA_BACKEND_NEON) {
            if (!sa_backend_supported((sa_backend)v)) continue;
            OK(sa_kernels_with_backend((sa_backend)v, &h));
            h = sa_kernels_sequential(h);
        }
        test_activate(h);
        test_backward(h);
        test_prelu(h);
        test_softmax(h);
        test_softmax_with(h);
        test_log_sum_exp(h);
        test_softmax_backward(h);
        test_fused(h);
        test_half(h);
    }
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
