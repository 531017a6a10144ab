/* See secret_chains.h. One pass; per character, work bounded by the live positions. */
#include "secret_chains.h"

#define FV_IN(s, p, c) (((s)->cls[2 * (p) + ((c) >> 6)] >> ((c) & 63)) & 1)

#define FV_SECRETS_LOOP(TYPE)                                                \
    do {                                                                     \
        const TYPE *text = (const TYPE *)data;                               \
        for (ptrdiff_t i = 0; i < length; i++) {                             \
            uint32_t c = text[i];                                            \
            int n_next = 0;                                                  \
            if (c >= 128) { /* no format holds a non-ASCII character */      \
                n_cur = 0;                                                   \
                continue;                                                    \
            }                                                                \
            for (int k = 0; k < n_cur; k++) {                                \
                int32_t p = cur[k];                                          \
                if (s->loop[p] && FV_IN(s, p, c))                            \
                    FV_ADD(p);                                               \
                int32_t q = s->next[p];                                      \
                if (FV_IN(s, q, c))                                          \
                    FV_ADD(q);                                               \
            }                                                                \
            for (int32_t k = s->start_index[c]; k < s->start_index[c + 1]; k++) \
                FV_ADD(s->starts[k]);                                        \
            for (int k = 0; k < n_next; k++) { /* reset dedup, find leaders */ \
                int32_t x = nxt[k];                                          \
                seen[x >> 6] &= ~((uint64_t)1 << (x & 63));                  \
                int g = s->group[x];                                         \
                if (g >= 0 && x > best[g])                                   \
                    best[g] = x;                                             \
            }                                                                \
            int kept = 0;                                                    \
            for (int k = 0; k < n_next; k++) {                               \
                int32_t x = nxt[k];                                          \
                int g = s->group[x];                                         \
                if (g < 0 || best[g] == x)                                   \
                    nxt[kept++] = x;                                         \
            }                                                                \
            for (int k = 0; k < kept; k++) {                                 \
                int g = s->group[nxt[k]];                                    \
                if (g >= 0)                                                  \
                    best[g] = -1;                                            \
            }                                                                \
            n_next = kept;                                                   \
            int32_t *swap = cur;                                             \
            cur = nxt;                                                       \
            nxt = swap;                                                      \
            n_cur = n_next;                                                  \
        }                                                                    \
    } while (0)

/* Add a live position once; a position whose next is -1 completes a format. */
#define FV_ADD(x)                                                            \
    do {                                                                     \
        int32_t x_ = (x);                                                    \
        if (!((seen[x_ >> 6] >> (x_ & 63)) & 1)) {                           \
            if (s->next[x_] < 0)                                             \
                return 1;                                                    \
            seen[x_ >> 6] |= (uint64_t)1 << (x_ & 63);                       \
            nxt[n_next++] = x_;                                              \
        }                                                                    \
    } while (0)

int fv_secrets_search(const fv_secrets *s, int kind, const void *data, ptrdiff_t length)
{
    int32_t buf_a[FV_SECRETS_MAX_POS], buf_b[FV_SECRETS_MAX_POS];
    uint64_t seen[FV_SECRETS_MAX_POS / 64] = {0};
    int32_t best[FV_SECRETS_MAX_GROUPS];
    int32_t *cur = buf_a, *nxt = buf_b;
    int n_cur = 0;

    if (s->n_pos <= 0 || s->n_pos > FV_SECRETS_MAX_POS || s->n_groups > FV_SECRETS_MAX_GROUPS)
        return -1;
    for (int g = 0; g < s->n_groups; g++)
        best[g] = -1;
    if (kind == 1)
        FV_SECRETS_LOOP(uint8_t);
    else if (kind == 2)
        FV_SECRETS_LOOP(uint16_t);
    else
        FV_SECRETS_LOOP(uint32_t);
    return 0;
}
