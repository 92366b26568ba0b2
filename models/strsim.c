#include "strsim.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define STRSIM_MAX 255

int strsim_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > STRSIM_MAX) la = STRSIM_MAX;
    if (lb > STRSIM_MAX) lb = STRSIM_MAX;
    int row[STRSIM_MAX + 1];
    for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = diag + cost;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *strsim_nearest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    int bestd = 1 << 30;
    size_t wl = strlen(word);
    for (size_t i = 0; i < n; i++) {
        if (!cands[i]) continue;
        int d = strsim_distance(word, cands[i]);
        if (wl >= 2 && strncasecmp(cands[i], word, wl) == 0 && d > 1) d = 1;
        if (d < bestd) { bestd = d; best = cands[i]; }
    }
    int limit = (int)(wl / 2);
    if (limit < 2) limit = 2;
    return bestd <= limit ? best : NULL;
}

const char *strsim_nearest0(const char *word, const char *const *cands)
{
    size_t n = 0;
    while (cands[n]) n++;
    return strsim_nearest(word, cands, n);
}

char *strsim_join(char *buf, size_t len, const char *const *cands, size_t n)
{
    size_t used = 0;
    if (len == 0) return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used + 1 < len; i++) {
        size_t cl = strlen(cands[i]);
        const char *sep = i ? ", " : "";
        size_t need = strlen(sep) + cl;
        if (used + need + 1 > len) break;
        memcpy(buf + used, sep, strlen(sep));
        used += strlen(sep);
        memcpy(buf + used, cands[i], cl);
        used += cl;
        buf[used] = '\0';
    }
    return buf;
}
