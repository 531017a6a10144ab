/* len(repr(x)) for a finite double without producing its digits.
 *
 * repr() prints the shortest decimal that reads back as x (David Gay's dtoa, mode 0:
 * the boundaries of x's rounding interval count when its significand is even). Its
 * length only depends on that decimal's number of significant digits and its decimal
 * point position, and both come from one question asked exactly in integer
 * arithmetic: does the rounding interval of x hold a multiple of 10^p? The answer is
 * monotone in p (a multiple of 10^p is one of 10^(p-1) too), so a binary search over
 * the few possible p finds the largest; the multiple found there has the shortest
 * digits. Everything is exact with 128-bit integers for |x| below 2^54 and with at
 * most 31 decimal places; for anything else (or without a 128-bit type) the caller
 * formats the number instead. About 30 times cheaper than formatting a 17-digit float.
 */
#ifndef FASTVARS_FLOATREPR_H
#define FASTVARS_FLOATREPR_H

#include <stdint.h>
#include <string.h>

#ifdef __SIZEOF_INT128__
typedef unsigned __int128 fv_u128;

static const uint64_t FV_POW10[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
    100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL};

/* 5^0 .. 5^27 (5^27 < 2^64) */
static const uint64_t FV_POW5[28] = {
    1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL, 390625ULL,
    1953125ULL, 9765625ULL, 48828125ULL, 244140625ULL, 1220703125ULL, 6103515625ULL,
    30517578125ULL, 152587890625ULL, 762939453125ULL, 3814697265625ULL,
    19073486328125ULL, 95367431640625ULL, 476837158203125ULL, 2384185791015625ULL,
    11920928955078125ULL, 59604644775390625ULL, 298023223876953125ULL,
    1490116119384765625ULL, 7450580596923828125ULL};

#define FV_MAX_PLACES 31 /* 5^31 < 2^72: lo * 5^q stays below 2^127 */

/* (Only GCC and clang define __SIZEOF_INT128__, and both have __builtin_clzll.) */
static int fv_bit_length(fv_u128 v) {
    uint64_t high = (uint64_t)(v >> 64), low = (uint64_t)v;
    if (high) return 128 - __builtin_clzll(high);
    return low ? 64 - __builtin_clzll(low) : 0;
}

/* Whether [lo, hi] / 2^s (closed when `closed`, else open) holds a multiple K * 10^p,
 * K >= 1; 1 with *k_out = the smallest such K, 0 if none, -1 if not decidable here. */
static int fv_holds_multiple(uint64_t lo, uint64_t hi, int s, int closed, int p,
                             uint64_t *k_out) {
    fv_u128 a, b, kmin, kmax;
    int t;
    if (p >= 0) {
        /* K * 10^p * 2^s in [lo, hi], and hi < 2^56 */
        uint64_t unit;
        if (p > 17 || s > 60 || FV_POW10[p] > (hi >> s)) return 0;
        unit = FV_POW10[p] << s;  /* <= hi < 2^56 */
        kmin = lo / unit + (closed ? (lo % unit != 0) : 1);
        kmax = closed ? hi / unit : (hi - 1) / unit;
    } else {
        int q = -p;
        fv_u128 five;
        if (q > FV_MAX_PLACES) return -1;
        five = q <= 27 ? (fv_u128)FV_POW5[q] : (fv_u128)FV_POW5[27] * FV_POW5[q - 27];
        a = (fv_u128)lo * five;  /* K in [a, b] / 2^t */
        b = (fv_u128)hi * five;
        t = s - q;
        if (t < 0) {
            if (fv_bit_length(b) - t > 127) return -1;
            a <<= -t; b <<= -t; t = 0;
        }
        if (t > 126) return -1;
        {
            fv_u128 mask = ((fv_u128)1 << t) - 1;
            if (closed) {
                kmin = (a >> t) + ((a & mask) != 0);
                kmax = b >> t;
            } else {
                kmin = (a >> t) + 1;                       /* K * 2^t > a */
                kmax = (b >> t) - ((b & mask) == 0);       /* K * 2^t < b */
            }
        }
    }
    if (kmin < 1) kmin = 1;
    if (kmin > kmax) return 0;
    if (kmin > (fv_u128)FV_POW10[19]) return -1;
    *k_out = (uint64_t)kmin;
    return 1;
}

/* The length of repr's text for `ndigits` significant digits with the decimal point
   `decpt` places after the first (repr's choice between 0.000ddd, ddd000.0, dd.ddd and
   d.ddde+XX), without the sign. */
static Py_ssize_t fv_repr_length_of(int ndigits, int decpt) {
    int exp10;
    if (-4 < decpt && decpt <= 16) {
        if (decpt <= 0) return 2 + (-decpt) + ndigits;        /* 0.000ddd */
        if (decpt >= ndigits) return decpt + 2;               /* ddd000.0 */
        return ndigits + 1;                                   /* dd.ddd */
    }
    exp10 = decpt - 1;
    if (exp10 < 0) exp10 = -exp10;
    return ndigits + (ndigits > 1) + 2 + (exp10 >= 100 ? 3 : 2);  /* d.ddde+XX */
}

/* 10^0 .. 10^FV_SHORT_PLACES, exact doubles. */
#define FV_SHORT_PLACES 6
static const double FV_POW10_D[FV_SHORT_PLACES + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};

/* Speed: len(repr(ax)) for a positive ax that some decimal of at most FV_SHORT_PLACES
   places reads back as, found by trying each number of places in turn (a few
   multiplications and divisions, where the search below asks its 128-bit question
   about ten times): what timings, prices and ratios of small numbers look like.
   -1 for any other ax.
   At k places, N = ax * 10^k rounded to an integer (below 2^50, so that the rounding
   of the product cannot move N off the integer nearest the exact ax * 10^k) reads
   back as ax exactly when N / 10^k, one correctly rounded IEEE division of two exact
   doubles, is ax: the same round-half-even reading float() makes. The rounding
   interval of ax is narrower than 10^-k there, so that integer is the only candidate
   at k places, and a decimal with fewer significant digits would have been found at
   fewer places: the first k that reads back gives repr's digits (N without its
   trailing zeros) and its decimal point. */
static Py_ssize_t fv_short_repr_length(double ax) {
    /* Adding and removing 2^52 rounds a double in [0, 2^52) to an integer (the FPU's
       round-to-nearest-even; C compilers keep the two operations without -ffast-math). */
    const double round_shift = 4503599627370496.0, limit = 1125899906842624.0; /* 2^52, 2^50 */
    volatile double shifted;
    double y, r;
    uint64_t n;
    int k, digits, zeros;
    for (k = 0; k <= FV_SHORT_PLACES; k++) {
        y = ax * FV_POW10_D[k];
        if (!(y < limit)) return -1;
        shifted = y + round_shift;
        r = shifted - round_shift;
        if (r / FV_POW10_D[k] != ax) continue;
        n = (uint64_t)r;  /* >= 1: a positive ax does not read back from 0 */
        digits = 1;
        while (digits < 20 && n >= FV_POW10[digits]) digits++;
        zeros = 0;
        while (n % 10 == 0) { n /= 10; zeros++; }
        return fv_repr_length_of(digits - zeros, digits - k);
    }
    return -1;
}

/* len(repr(x)) for finite x, or -1 when the caller must format x to know. */
static Py_ssize_t fv_float_repr_length_fast(double x) {
    uint64_t bits, frac, m, lo, hi, k = 0, k_found = 0;
    int neg, bexp, e, s, closed, e10, a, b, r, ndigits, decpt;
    Py_ssize_t n;
    memcpy(&bits, &x, sizeof bits);
    neg = (int)(bits >> 63);
    bexp = (int)((bits >> 52) & 0x7ff);
    frac = bits & ((1ULL << 52) - 1);
    if (bexp == 0x7ff) return -1;
    if (bexp == 0) {
        if (frac == 0) return 3 + neg;  /* 0.0, -0.0 */
        return -1;                      /* subnormal: far too many places */
    }
    n = fv_short_repr_length(neg ? -x : x);
    if (n >= 0) return n + neg;
    m = frac | (1ULL << 52);
    e = bexp - 1075;                    /* |x| = m * 2^e */
    /* The rounding interval, in units of 2^(e-2): halfway to each neighbour; the gap
       below is half as wide at a power of two. */
    hi = 4 * m + 2;
    lo = (frac == 0 && bexp > 1) ? 4 * m - 1 : 4 * m - 2;
    s = 2 - e;
    if (s <= 0) return -1;              /* |x| >= 2^54 */
    closed = (m & 1) == 0;
    /* floor(log10|x|), give or take one: log10(2) ~ 0.30103 */
    e10 = ((bexp - 1023) * 78913) >> 18;
    /* 17 significant digits always suffice, so p = e10 - 16 <= floor(log10|x|) - 16
       holds a multiple; no multiple of 10^(e10 + 3) > |x| fits. The largest p that
       holds one, by bisection. */
    a = e10 - 16;
    b = e10 + 3;
    r = fv_holds_multiple(lo, hi, s, closed, a, &k);
    if (r != 1) return -1;
    k_found = k;
    /* Computed values mostly need 17 or 16 digits: look at the bottom two first. */
    for (int step = 0; step < 2; step++) {
        r = fv_holds_multiple(lo, hi, s, closed, a + 1, &k);
        if (r < 0) return -1;
        if (!r) { b = a + 1; break; }
        a = a + 1;
        k_found = k;
    }
    if (b - a > 1) {
        r = fv_holds_multiple(lo, hi, s, closed, b, &k);
        if (r != 0) return -1;
    }
    while (b - a > 1) {
        int mid = a + (b - a) / 2;
        r = fv_holds_multiple(lo, hi, s, closed, mid, &k);
        if (r < 0) return -1;
        if (r) { a = mid; k_found = k; } else b = mid;
    }
    /* The shortest digits are k_found's (every candidate at this p has the same count:
       one ending in 0 would hold a multiple of 10^(p+1)). */
    ndigits = 1;
    while (ndigits < 20 && k_found >= FV_POW10[ndigits]) ndigits++;
    decpt = a + ndigits;
    return fv_repr_length_of(ndigits, decpt) + neg;
}
#else
static Py_ssize_t fv_float_repr_length_fast(double x) { (void)x; return -1; }
#endif

#endif
