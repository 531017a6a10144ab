/* Decimal digits of an unsigned 64-bit integer, for the JSON writers: the count by
 * comparisons, four digits per division at most, and the digits written two at a
 * time from a table (PERF: most ints in frames are small, and the one-digit-per-
 * division loop with a copy out of a scratch buffer cost more than the rest of
 * writing them). */
#ifndef FASTVARS_INTDIGITS_H
#define FASTVARS_INTDIGITS_H

#include <stdint.h>
#include <string.h>

static const char FV_DIGIT_PAIRS[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* How many decimal digits u has (1 for 0). */
static inline int fv_u64_digits(uint64_t u) {
    int n = 1;
    for (;;) {
        if (u < 10) return n;
        if (u < 100) return n + 1;
        if (u < 1000) return n + 2;
        if (u < 10000) return n + 3;
        u /= 10000;
        n += 4;
    }
}

/* The digits of u written backwards, the last one just before `end`. */
static inline void fv_write_u64_back(char *end, uint64_t u) {
    while (u >= 100) {
        unsigned int pair = (unsigned int)(u % 100);
        u /= 100;
        end -= 2;
        memcpy(end, FV_DIGIT_PAIRS + 2 * pair, 2);
    }
    if (u >= 10) {
        memcpy(end - 2, FV_DIGIT_PAIRS + 2 * u, 2);
    } else {
        end[-1] = (char)('0' + u);
    }
}

#endif
