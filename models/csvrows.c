/* csvrows.c -- see csvrows.h. */
#include "csvrows.h"

#include <stdlib.h>
#include <string.h>

int csvrows_read(const char *text, const struct csvrows *r, void **out, size_t *n, dt_err *e)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0, cnt = 0;
    char *v = NULL;
    int lineno = 0, rc = 0;
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[CSVROWS_LINE_MAX + 1];
        lineno++;
        if (len >= sizeof line) {
            rc = dt_errf(e, DT_EINVAL, "%s:%d: %s", r->name, lineno, r->too_long);
            goto err;
        }
        memcpy(line, p, len);
        line[len] = '\0';
        p = nl ? nl + 1 : p + len;
        if (cnt == cap) {
            cap = cap ? 2 * cap : 16;
            char *nv = realloc(v, cap * r->size);
            if (!nv) {
                rc = dt_errf(e, DT_ENOMEM, "out of memory");
                goto err;
            }
            v = nv;
        }
        char *row = v + cnt * r->size;
        memset(row, 0, r->size);
        int k = r->line(r->ctx, r->name, line, lineno, row, e);
        if (k < 0) {
            rc = k;
            goto err;
        }
        if (k > 0) cnt++;
    }
    if (cnt == 0) {
        rc = dt_errf(e, DT_EINVAL, "%s: %s", r->name, r->empty);
        goto err;
    }
    *out = v;
    *n = cnt;
    return 0;
err:
    free(v);
    return rc;
}

int csvrows_split(char *line, char **f, int max)
{
    int nf = 0;
    for (char *s = line; nf < max;) {
        f[nf++] = s;
        char *c = strchr(s, ',');
        if (!c) break;
        *c = '\0';
        s = c + 1;
    }
    return nf;
}

void csvrows_put(FILE *f, const char *s)
{
    size_t n = strlen(s);
    if (!strpbrk(s, ",\"#\n") && (!n || (s[0] != ' ' && s[n - 1] != ' '))) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('"', f);
}
