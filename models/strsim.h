/* strsim.h -- "did you mean" suggestions.
 *
 * Edit distance (Levenshtein, case-insensitive) between short identifiers,
 * and the nearest of a candidate list. Used for unknown config keys,
 * sections, GPUs, links, algorithms and commands.
 */
#ifndef DT_STRSIM_H
#define DT_STRSIM_H

#include <stddef.h>

/* Case-insensitive Levenshtein distance; strings longer than 255 bytes are
 * compared on their first 255 bytes. */
int strsim_distance(const char *a, const char *b);

/* The candidate nearest to `word`, or NULL when none is close enough
 * (distance greater than max(2, strlen(word)/2)). A candidate that starts
 * with `word` (case-insensitively) counts as distance 1. */
const char *strsim_nearest(const char *word, const char *const *cands, size_t n);

/* Same, over a NULL-terminated list. */
const char *strsim_nearest0(const char *word, const char *const *cands);

/* Write "a, b, c" (at most len bytes) listing candidates, for errors that
 * list every valid choice. Returns buf. */
char *strsim_join(char *buf, size_t len, const char *const *cands, size_t n);

#endif
