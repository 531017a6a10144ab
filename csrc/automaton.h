/* The matcher loop of fastvars: runs the DFA tables that the pattern compiler
 * (fastvars/compiler/, entry point compiler/patterns.py; rows encoded by
 * compiler/tables.py) builds, over the code points of a string. Plain C, no Python API:
 * the caller passes the raw PyUnicode buffer, its kind (1, 2 or 4 bytes per code point)
 * and its length. compiler/reference.py is this loop in Python, for the tests. */
#ifndef FASTVARS_AUTOMATON_H
#define FASTVARS_AUTOMATON_H

#include <stddef.h>
#include <stdint.h>

/* A transition is the target state's row offset (state * n_classes) with two flags:
 * the target ends a classification (no bit can change) or a mask search. Copies of
 * fastvars/compiler/tables.py's STOP_ALL, STOP_MASK and ROW, which encode them. */
#define FV_STOP_ALL 0x80000000u
#define FV_STOP_MASK 0x40000000u
#define FV_ROW 0x3FFFFFFFu

/* The non-ASCII code points that case folding relates to ASCII letters (U+0130, U+0131,
 * U+017F, U+212A); a text holding one takes the exact path when the tables say
 * uses_case. A copy of fastvars/compiler/alphabet.py's CASE_FOLD_CODE_POINTS, kept as
 * immediates for the loop (tests/test_c_constants.py checks the copies agree). */
#define FV_CASE_FOLD_0 0x130u
#define FV_CASE_FOLD_1 0x131u
#define FV_CASE_FOLD_2 0x17Fu
#define FV_CASE_FOLD_3 0x212Au

typedef struct {
    int n_classes;
    uint32_t start;               /* the start state's row, with its flags */
    const uint8_t *ascii_class;   /* 128 entries */
    uint8_t na_class[4];          /* other code points: other, \w, \d, \s */
    const uint8_t *na_kind;       /* 65536 entries (0..3) for BMP code points, or NULL
                                     when categories do not matter */
    int uses_case;                /* the special case-fold code points need exact matching */
    const uint32_t *trans;        /* n_states * n_classes */
    const uint8_t *acc;           /* bits found on reaching a state */
    const uint8_t *eot;           /* bits found when the text ends in a state */
} fv_automaton;

/* Bits found in text (kind 1, 2 or 4), or -1 when the text holds a code point the
 * tables cannot decide (the caller must then take the exact path). `stop_flag` is
 * FV_STOP_ALL (classify) or FV_STOP_MASK (mask search): where to return early. */
int fv_run(const fv_automaton *a, uint32_t stop_flag, int kind, const void *data,
           ptrdiff_t length);

#endif
