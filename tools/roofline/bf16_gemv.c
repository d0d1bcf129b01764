// What native code reaches on this machine, for holding specdec's kernels against: a plain read
// of a buffer, and one-token bf16 GEMV kernels over rows of COLS weights, on two threads (each a
// contiguous half). Not part of the build; see docs/benchmarks.md ("What limits streaming").
//
//   gcc -O2 -march=native -pthread tools/roofline/bf16_gemv.c -o /tmp/bf16_gemv
//   /tmp/bf16_gemv MB COLS MODE [PREFETCH_BYTES]
//
// MODE: read (sum of the buffer as floats), widen1 (bf16 widened by a shift, one fma chain per
// row: specdec's BF16Weight.dot1), widen2 (the same with two chains), dpbf16 (AVX512-BF16 dot
// products, the input converted to bf16 once). PREFETCH_BYTES > 0 adds a software prefetch that
// far ahead. Prints the median and best of 15 passes in GB/s of the buffer.
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t rows, cols, bytes;
static uint16_t *w;
static float *x, *out;
static int mode, prefetch;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float read_half(const float *p, size_t n) {
    __m512 a = _mm512_setzero_ps(), b = a, c = a, d = a;
    for (size_t i = 0; i < n; i += 64) {
        if (prefetch) _mm_prefetch((const char *) (p + i) + prefetch, _MM_HINT_T0);
        a = _mm512_add_ps(a, _mm512_loadu_ps(p + i));
        b = _mm512_add_ps(b, _mm512_loadu_ps(p + i + 16));
        c = _mm512_add_ps(c, _mm512_loadu_ps(p + i + 32));
        d = _mm512_add_ps(d, _mm512_loadu_ps(p + i + 48));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d)));
}

static inline __m512 widen(const uint16_t *p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *) p)), 16));
}

#ifdef __AVX512BF16__
static __m512bh *xb;
#endif

static float row_dot(const uint16_t *r) {
    __m512 a = _mm512_setzero_ps(), b = a;
    if (mode == 1) {
        for (size_t i = 0; i < cols; i += 16) {
            if (prefetch && (i & 31) == 0) _mm_prefetch((const char *) (r + i) + prefetch, _MM_HINT_T0);
            a = _mm512_fmadd_ps(widen(r + i), _mm512_loadu_ps(x + i), a);
        }
    } else if (mode == 2) {
        for (size_t i = 0; i < cols; i += 32) {
            if (prefetch) _mm_prefetch((const char *) (r + i) + prefetch, _MM_HINT_T0);
            a = _mm512_fmadd_ps(widen(r + i), _mm512_loadu_ps(x + i), a);
            b = _mm512_fmadd_ps(widen(r + i + 16), _mm512_loadu_ps(x + i + 16), b);
        }
    } else {
#ifdef __AVX512BF16__
        for (size_t i = 0; i < cols; i += 32) {
            if (prefetch) _mm_prefetch((const char *) (r + i) + prefetch, _MM_HINT_T0);
            a = _mm512_dpbf16_ps(a, (__m512bh) _mm512_loadu_si512(r + i), xb[i / 32]);
        }
#endif
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(a, b));
}

static void *work(void *arg) {
    long id = (long) arg;
    if (mode == 0) {
        size_t n = bytes / 4 / 2;
        out[id] = read_half((const float *) w + id * n, n);
    } else {
        for (size_t j = id * rows / 2; j < (id + 1) * rows / 2; j++) out[j] = row_dot(w + j * cols);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s MB COLS read|widen1|widen2|dpbf16 [PREFETCH_BYTES]\n", argv[0]);
        return 2;
    }
    bytes = (size_t) atol(argv[1]) << 20;
    cols = (size_t) atol(argv[2]);
    mode = !strcmp(argv[3], "read") ? 0 : !strcmp(argv[3], "widen1") ? 1 : !strcmp(argv[3], "widen2") ? 2 : !strcmp(argv[3], "dpbf16") ? 3 : -1;
    prefetch = argc > 4 ? atoi(argv[4]) : 0;
    if (mode < 0 || cols == 0 || cols % 64 != 0) {
        fprintf(stderr, "MODE must be read, widen1, widen2 or dpbf16; COLS a multiple of 64\n");
        return 2;
    }
#ifndef __AVX512BF16__
    if (mode == 3) {
        fprintf(stderr, "dpbf16 needs a compiler and CPU with AVX512-BF16 (-march=native)\n");
        return 2;
    }
#endif
    rows = bytes / (cols * 2) / 2 * 2;
    bytes = rows * cols * 2;
    w = aligned_alloc(4096, bytes + 65536);
    x = aligned_alloc(64, cols * 4);
    out = aligned_alloc(64, (rows + 2) * 4);
    for (size_t i = 0; i < bytes / 2; i++) w[i] = (uint16_t) (0x3f80 + (i & 7));
    for (size_t i = 0; i < cols; i++) x[i] = 1.0f / (float) (1 + (i & 15));
#ifdef __AVX512BF16__
    xb = aligned_alloc(64, cols / 32 * 64);
    for (size_t i = 0; i < cols; i += 32) xb[i / 32] = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(x + i));
#endif
    double t[15];
    for (int r = 0; r < 15; r++) {
        pthread_t th[2];
        double t0 = now();
        for (long k = 0; k < 2; k++) pthread_create(&th[k], NULL, work, (void *) k);
        for (int k = 0; k < 2; k++) pthread_join(th[k], NULL);
        t[r] = now() - t0;
    }
    for (int i = 0; i < 15; i++)
        for (int j = i + 1; j < 15; j++)
            if (t[j] < t[i]) { double s = t[i]; t[i] = t[j]; t[j] = s; }
    printf("%s cols=%zu prefetch=%d: median %.1f GB/s, best %.1f (%.1f MB)\n", argv[3], cols, prefetch,
           bytes / t[7] / 1e9, bytes / t[0] / 1e9, bytes / 1e6);
    return out[0] == 12345.0f;
}
