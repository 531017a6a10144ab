/* The known-secret search of fastvars: runs the position automaton that
 * fastvars/compiler/secret_chains.py builds from posthog's vendor formats over the code
 * points of a string. Plain C, no Python API: the caller passes the raw PyUnicode
 * buffer, its kind (1, 2 or 4 bytes per code point) and its length. */
#ifndef FASTVARS_SECRET_CHAINS_H
#define FASTVARS_SECRET_CHAINS_H

#include <stddef.h>
#include <stdint.h>

/* Known secret formats: a position automaton (one position per character of each
 * format, alternatives expanded into separate chains), simulated sparsely: the cost per
 * character is the number of live positions, bounded by FV_SECRETS_MAX_POS. A DFA for
 * the union of the formats would be the product of their counters: too big. The two
 * caps size the search's stack arrays; fastvars/compiler/secret_chains.py refuses tables
 * past them (MAX_SECRET_POSITIONS, MAX_SECRET_GROUPS: tests/test_c_constants.py checks
 * the copies agree). */
#define FV_SECRETS_MAX_POS 2048

typedef struct {
    int n_pos;
    const uint64_t *cls;        /* 2 words (ASCII bitmap) per position */
    const int32_t *next;        /* the position after, or -1 where a format is complete */
    const uint8_t *loop;        /* the position may repeat (X+) */
    const int32_t *start_index; /* 129 offsets into starts, by ASCII code */
    const int32_t *starts;      /* first positions of chains, grouped by character */
    const int16_t *group;       /* dominance group of a position, or -1: of the live
                                   positions of one group only the highest matters */
    int n_groups;               /* at most FV_SECRETS_MAX_GROUPS */
} fv_secrets;
#define FV_SECRETS_MAX_GROUPS 256

/* 1 if a format occurs anywhere in the text, else 0. */
int fv_secrets_search(const fv_secrets *s, int kind, const void *data, ptrdiff_t length);

#endif
