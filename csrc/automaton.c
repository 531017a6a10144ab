/* See automaton.h. One pass, one table lookup per code point: linear in the text. */
#include "automaton.h"

/* The class of a non-ASCII code point, or -1 if only the exact path can decide it. */
static int non_ascii_class(const fv_automaton *a, uint32_t c)
{
    if (a->uses_case && (c == FV_CASE_FOLD_0 || c == FV_CASE_FOLD_1 || c == FV_CASE_FOLD_2 ||
                         c == FV_CASE_FOLD_3))
        return -1;
    if (a->na_kind == NULL)
        return a->na_class[0];
    if (c > 0xFFFF)
        return -1; /* categories matter and the table covers the BMP only */
    return a->na_class[a->na_kind[c]];
}

#define FV_LOOP(TYPE)                                                        \
    do {                                                                     \
        const TYPE *text = (const TYPE *)data;                               \
        for (ptrdiff_t i = 0; i < length; i++) {                             \
            uint32_t c = text[i];                                            \
            int cls;                                                         \
            if (c < 128) {                                                   \
                cls = ascii_class[c];                                        \
            } else {                                                         \
                cls = non_ascii_class(a, c);                                 \
                if (cls < 0)                                                 \
                    return -1;                                               \
            }                                                                \
            row = trans[(row & FV_ROW) + (uint32_t)cls];                     \
            if (row & stop_flag)                                             \
                return a->acc[(row & FV_ROW) / n_classes];                   \
        }                                                                    \
    } while (0)

int fv_run(const fv_automaton *a, uint32_t stop_flag, int kind, const void *data,
           ptrdiff_t length)
{
    const uint8_t *ascii_class = a->ascii_class;
    const uint32_t *trans = a->trans;
    const uint32_t n_classes = (uint32_t)a->n_classes;
    uint32_t row = a->start;

    if (row & stop_flag)
        return a->acc[(row & FV_ROW) / n_classes];
    if (kind == 1)
        FV_LOOP(uint8_t);
    else if (kind == 2)
        FV_LOOP(uint16_t);
    else
        FV_LOOP(uint32_t);
    return a->eot[(row & FV_ROW) / n_classes];
}
