/* config.c -- loading: files, includes, --set; the entry list.
 * Schema checks and typed getters are in config_check.c. See config.h. */
#include "config.h"
#include "config_int.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strsim.h"

/* ---- storage ------------------------------------------------------------ */

static char *xstrdup(const char *s)
{
    size_t l = strlen(s) + 1;
    char *d = malloc(l);
    if (d) memcpy(d, s, l);
    return d;
}

/* Keep a string for the config's lifetime. */
static const char *keep(config *c, const char *s)
{
    if (c->nstr == c->capstr) {
        size_t cap = c->capstr ? 2 * c->capstr : 64;
        char **v = realloc(c->strs, cap * sizeof *v);
        if (!v) return NULL;
        c->strs = v;
        c->capstr = cap;
    }
    char *d = xstrdup(s);
    if (d) c->strs[c->nstr++] = d;
    return d;
}

/* Same, reusing an equal file or section name interned recently (the last
 * 64: bounded work per entry whatever the input). */
static const char *intern(config *c, const char *s)
{
    size_t m = c->nnames < 64 ? c->nnames : 64;
    for (size_t i = 0; i < m; i++) {
        const char *k = c->names[(c->nnames - 1 - i) % 64];
        if (strcmp(k, s) == 0) return k;
    }
    const char *k = keep(c, s);
    if (k) c->names[c->nnames++ % 64] = k;
    return k;
}

config *config_new(void)
{
    return calloc(1, sizeof(config));
}

void config_free(config *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nstr; i++) free(c->strs[i]);
    free(c->strs);
    free(c->v);
    free(c->sec);
    free(c);
}

static int add_entry(config *c, const char *section, const char *key, const char *value,
                     const char *file, int line, dt_err *e)
{
    if (c->n >= CONFIG_MAX_ENTRIES)
        return dt_errf(e, DT_EINVAL, "%s:%d: too many entries (at most %d)", file, line, CONFIG_MAX_ENTRIES);
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 32;
        struct config_entry *v = realloc(c->v, cap * sizeof *v);
        if (!v) return dt_errf(e, DT_ENOMEM, "out of memory");
        c->v = v;
        c->cap = cap;
    }
    struct config_entry *en = &c->v[c->n];
    en->section = intern(c, section);
    en->key = keep(c, key);
    en->value = keep(c, value);
    en->file = intern(c, file);
    en->line = line;
    if (!en->section || !en->key || !en->value || !en->file)
        return dt_errf(e, DT_ENOMEM, "out of memory");
    c->n++;
    return 0;
}

/* Record a section header (first appearance of each full name). */
static int add_section(config *c, const char *name, const char *file, int line, dt_err *e)
{
    if (config__section(c, name)) return 0;
    if (c->nsec >= CONFIG_MAX_SECTIONS)
        return dt_errf(e, DT_EINVAL, "%s:%d: too many sections (at most %d)", file, line, CONFIG_MAX_SECTIONS);
    if (c->nsec == c->capsec) {
        size_t cap = c->capsec ? 2 * c->capsec : 16;
        struct config_section *v = realloc(c->sec, cap * sizeof *v);
        if (!v) return dt_errf(e, DT_ENOMEM, "out of memory");
        c->sec = v;
        c->capsec = cap;
    }
    struct config_section *s = &c->sec[c->nsec];
    s->name = intern(c, name);
    s->file = intern(c, file);
    s->line = line;
    if (!s->name || !s->file) return dt_errf(e, DT_ENOMEM, "out of memory");
    c->nsec++;
    return 0;
}

const struct config_section *config__section(const config *c, const char *name)
{
    for (size_t i = 0; i < c->nsec; i++)
        if (strcmp(c->sec[i].name, name) == 0) return &c->sec[i];
    return NULL;
}

int config_add(config *c, const char *section, const char *key, const char *value, const char *file,
               int line, dt_err *e)
{
    int rc = add_section(c, section, file, line, e);
    return rc ? rc : add_entry(c, section, key, value, file, line, e);
}

config *config_copy(const config *c)
{
    config *d = config_new();
    if (!d) return NULL;
    int ok = !c->path || (d->path = intern(d, c->path));
    for (size_t i = 0; ok && i < c->nsec; i++)
        ok = add_section(d, c->sec[i].name, c->sec[i].file, c->sec[i].line, NULL) == 0;
    for (size_t i = 0; ok && i < c->n; i++)
        ok = add_entry(d, c->v[i].section, c->v[i].key, c->v[i].value, c->v[i].file, c->v[i].line, NULL) == 0;
    if (!ok) {
        config_free(d);
        return NULL;
    }
    d->nset = c->nset;
    return d;
}

size_t config_count(const config *c) { return c ? c->n : 0; }
const struct config_entry *config_at(const config *c, size_t i) { return c && i < c->n ? &c->v[i] : NULL; }
const struct config_entry *config_find_or(const config *c, const char *section, const char *key, const char *def,
                                          struct config_entry *tmp)
{
    const struct config_entry *at = config_find(c, section, key);
    if (at) return at;
    *tmp = (struct config_entry){section, key, def, config_path(c), 0};
    return tmp;
}

const char *config_path(const config *c) { return c && c->path ? c->path : ""; }
size_t config_nsections(const config *c) { return c ? c->nsec : 0; }
const char *config_section_at(const config *c, size_t i) { return c && i < c->nsec ? c->sec[i].name : NULL; }

const struct config_entry *config_find(const config *c, const char *section, const char *key)
{
    if (!c) return NULL;
    for (size_t i = c->n; i-- > 0;)
        if (strcmp(c->v[i].section, section) == 0 && strcmp(c->v[i].key, key) == 0) return &c->v[i];
    return NULL;
}

char *config_section_type(char *buf, size_t len, const char *section)
{
    if (!len) return buf;
    size_t i = 0;
    while (section[i] && section[i] != ' ' && section[i] != '\t' && i + 1 < len) {
        buf[i] = section[i];
        i++;
    }
    buf[i] = '\0';
    return buf;
}

const char *config_section_name(const char *section)
{
    while (*section && *section != ' ' && *section != '\t') section++;
    while (*section == ' ' || *section == '\t') section++;
    return section;
}

/* ---- reading a file ---------------------------------------------------- */

/* Check that buf is UTF-8 text with lines of at most CONFIG_MAX_LINE bytes
 * (terminator excluded). On failure fill e with "NAME:LINE: ...". */
static int check_text(const char *name, const unsigned char *b, size_t len, dt_err *e)
{
    int line = 1;
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = b[i];
        if (ch == '\n') {
            line++;
            col = 0;
            continue;
        }
        col++;
        if (col > CONFIG_MAX_LINE) {
            size_t l = col;
            while (i + 1 < len && b[i + 1] != '\n') i++, l++;
            if (l > 1 && b[i] == '\r') l--;
            return dt_errf(e, DT_EINVAL, "%s:%d: line too long (%zu bytes; at most %d per line)",
                           name, line, l, CONFIG_MAX_LINE);
        }
        if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f)
            return dt_errf(e, DT_EINVAL,
                           "%s:%d: binary data (byte 0x%02x in column %zu); a config file is text",
                           name, line, ch, col);
        if (ch == '\r' && i + 1 < len && b[i + 1] != '\n')
            return dt_errf(e, DT_EINVAL, "%s:%d: stray carriage return in column %zu", name, line, col);
        if (ch >= 0x80) { /* UTF-8 sequence: lead byte then 1-3 continuation bytes */
            size_t need = ch >= 0xf0 && ch <= 0xf4 ? 3 : ch >= 0xe0 && ch <= 0xef ? 2
                        : ch >= 0xc2 && ch <= 0xdf ? 1 : 0;
            int ok = need > 0 && i + need < len;
            for (size_t k = 1; ok && k <= need; k++) ok = (b[i + k] & 0xc0) == 0x80;
            if (!ok)
                return dt_errf(e, DT_EINVAL,
                               "%s:%d: binary data (byte 0x%02x in column %zu is not UTF-8); a config file is text",
                               name, line, ch, col);
            i += need;
            col += need;
        }
    }
    return 0;
}

/* What a file that is not a regular one is, for the message. */
static const char *file_kind(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device"
         : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* Read a whole regular file (at most CONFIG_MAX_FILE bytes), NUL-terminated.
 * Anything else (FIFO, device, directory, socket) is refused before it is
 * opened: opening a FIFO for reading waits for a writer, and opening a
 * device may act on it. The file is opened non-blocking and checked again,
 * in case it was replaced in between. */
static int read_file(const char *path, char **out, size_t *len, const struct config_entry *from, dt_err *e)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    int fd = -1, err = 0;
    if (stat(path, &st) != 0) err = errno;
    else if (S_ISREG(st.st_mode)) {
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) err = errno;
        else if (fstat(fd, &st) != 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    if (!err && !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        return from ? config_errf(e, DT_EINVAL, from, "'%s' is %s, not a regular file", path, file_kind(st.st_mode))
                    : dt_errf(e, DT_EINVAL, "'%s' is %s, not a regular file", path, file_kind(st.st_mode));
    }
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (fd >= 0 && !f) {
        err = errno;
        close(fd);
    }
    if (!f)
        return from ? config_errf(e, DT_ENOENT, from, "cannot open '%s': %s", path, strerror(err))
                    : dt_errf(e, DT_ENOENT, "cannot open '%s': %s", path, strerror(err));
    if (st.st_size > CONFIG_MAX_FILE) {
        fclose(f);
        return dt_errf(e, DT_EINVAL, "%s: file too large (%lld bytes; at most %ld)", path,
                       (long long)st.st_size, CONFIG_MAX_FILE);
    }
    size_t cap = (size_t)st.st_size + 1;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return dt_errf(e, DT_ENOMEM, "out of memory reading '%s'", path);
    }
    size_t n = fread(buf, 1, cap - 1, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(buf);
        return dt_errf(e, DT_EIO, "%s: read error", path);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* ---- parsing with inih -------------------------------------------------- */

struct stack { /* files being read, outermost first, for cycle checks */
    const char *real[CONFIG_MAX_DEPTH + 1];
    const char *name[CONFIG_MAX_DEPTH + 1];
    int depth;
};

struct parse {
    config *c;
    const char *name;  /* file name for messages (interned) */
    const char *dir;   /* directory for relative includes, "" for cwd */
    const char *p, *end;
    int lineno;        /* line just handed to inih */
    char section[CONFIG_MAX_LINE + 1]; /* full section of the current line */
    int nkeys;         /* key = value lines seen */
    int flags;
    struct stack *st;
    dt_err *e;
    int failed;        /* handler set e */
};

static int load_buffer(config *c, const char *name, const char *dir, const char *buf, size_t len,
                       int flags, struct stack *st, dt_err *e);

/* inih reader: one line from the buffer; tracks line numbers and the full
 * section name (inih truncates sections at 50 bytes). */
static char *reader(char *str, int num, void *stream)
{
    struct parse *ps = stream;
    if (ps->p >= ps->end || ps->failed) return NULL;
    const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
    size_t l = nl ? (size_t)(nl - ps->p) + 1 : (size_t)(ps->end - ps->p);
    ps->lineno++;
    if (l + 1 > (size_t)num) { /* check_text keeps lines shorter; belt and braces */
        ps->failed = 1;
        dt_errf(ps->e, DT_EINVAL, "%s:%d: line too long (%zu bytes; at most %d per line)", ps->name,
                ps->lineno, l, num - 2);
        return NULL;
    }
    memcpy(str, ps->p, l);
    str[l] = '\0';
    ps->p += l;
    /* Section header? "[type name]" possibly after a BOM and spaces. */
    const char *s = str;
    if (ps->lineno == 1 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb &&
        (unsigned char)s[2] == 0xbf)
        s += 3;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (close) {
            /* Normalise: trim, collapse the type/name separator to one space. */
            const char *a = s + 1, *b = close;
            while (a < b && (*a == ' ' || *a == '\t')) a++;
            while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
            size_t k = 0;
            while (a < b && *a != ' ' && *a != '\t') ps->section[k++] = *a++;
            while (a < b && (*a == ' ' || *a == '\t')) a++;
            if (a < b) {
                ps->section[k++] = ' ';
                while (a < b) ps->section[k++] = *a++;
            }
            ps->section[k] = '\0';
            if (k == 0) {
                ps->failed = 1;
                dt_errf(ps->e, DT_EINVAL, "%s:%d: empty section name '[]'", ps->name, ps->lineno);
                return NULL;
            }
            if (add_section(ps->c, ps->section, ps->name, ps->lineno, ps->e) < 0) {
                ps->failed = 1;
                return NULL;
            }
        }
    }
    return str;
}

static int join_path(char *buf, size_t len, const char *dir, const char *file)
{
    int n = file[0] == '/' || !dir[0] ? snprintf(buf, len, "%s", file)
                                       : snprintf(buf, len, "%s/%s", dir, file);
    return n >= 0 && (size_t)n < len ? 0 : -1;
}

/* The name in `dir` nearest to `file` among *.ini files, malloc'd, or NULL. */
static const char *near_file(const char *dir, const char *file)
{
    if (strchr(file, '/')) return NULL;
    DIR *d = opendir(dir[0] ? dir : ".");
    if (!d) return NULL;
    char *best = NULL;
    int bestd = 1 << 30;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".ini") != 0) continue;
        const char *one[1] = {de->d_name};
        if (!strsim_nearest(file, one, 1)) continue;
        int dist = strsim_distance(file, de->d_name);
        if (dist < bestd || (dist == bestd && best && strcmp(de->d_name, best) < 0)) {
            free(best);
            best = xstrdup(de->d_name);
            bestd = dist;
        }
    }
    closedir(d);
    return best;
}

static int do_include(struct parse *ps, const char *file, const struct config_entry *at)
{
    dt_err *e = ps->e;
    if (ps->flags & CONFIG_NOINCLUDE)
        return config_errf(e, DT_EINVAL, at, "includes are not allowed here");
    if (!file[0]) return config_errf(e, DT_EINVAL, at, "missing file name (include = other.ini)");
    char path[PATH_MAX];
    if (join_path(path, sizeof path, ps->dir, file) < 0)
        return config_errf(e, DT_EINVAL, at, "path too long");
    if (ps->st->depth >= CONFIG_MAX_DEPTH)
        return config_errf(e, DT_EINVAL, at, "includes nested deeper than %d files (from '%s')",
                           CONFIG_MAX_DEPTH, ps->st->name[0]);
    char *buf;
    size_t len;
    int rc = read_file(path, &buf, &len, at, e);
    if (rc == DT_ENOENT) {
        const char *near = near_file(ps->dir, file);
        if (near && e) {
            size_t u = strlen(e->msg);
            snprintf(e->msg + u, sizeof e->msg - u, " (did you mean '%s'?)", near);
        }
        free((void *)near);
    }
    if (rc < 0) return rc;
    char real[PATH_MAX];
    if (!realpath(path, real)) snprintf(real, sizeof real, "%s", path);
    for (int i = 0; i < ps->st->depth; i++)
        if (strcmp(ps->st->real[i], real) == 0) {
            free(buf);
            char chain[512] = "";
            size_t used = 0;
            for (int k = i; k < ps->st->depth && used < sizeof chain; k++)
                used += (size_t)snprintf(chain + used, sizeof chain - used, "%s -> ", ps->st->name[k]);
            return config_errf(e, DT_EINVAL, at, "cycle: %s%s", chain, path);
        }
    const char *name = intern(ps->c, path);
    const char *realk = intern(ps->c, real);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    else dir[0] = '\0';
    if (slash == dir) strcpy(dir, "/");
    rc = !name || !realk ? dt_errf(e, DT_ENOMEM, "out of memory")
                         : load_buffer(ps->c, name, dir, buf, len, ps->flags, ps->st, e);
    free(buf);
    if (rc < 0) return rc;
    return 0;
}

static int handler(void *user, const char *isection, const char *key, const char *value)
{
    struct parse *ps = user;
    (void)isection; /* truncated by inih; ps->section has the full name */
    const char *section = ps->section;
    struct config_entry at = {section, key, value ? value : "", ps->name, ps->lineno};
    if (!key[0]) {
        ps->failed = 1;
        dt_errf(ps->e, DT_EINVAL, "%s:%d: missing key before '='", ps->name, ps->lineno);
        return 0;
    }
    ps->nkeys++;
    if (strcmp(key, "include") == 0) { /* a directive wherever it appears */
        struct config_entry inc = at;
        inc.section = ""; /* messages say "FILE:LINE: include: ..." */
        if (do_include(ps, at.value, &inc) < 0) {
            ps->failed = 1;
            return 0;
        }
        return 1;
    }
    if (add_entry(ps->c, section, key, at.value, ps->name, ps->lineno, ps->e) < 0) {
        ps->failed = 1;
        return 0;
    }
    return 1;
}

/* The text of line `n` (1-based) of buf, for syntax errors. */
static void line_text(char *out, size_t len, const char *buf, size_t blen, int n)
{
    const char *p = buf, *end = buf + blen;
    for (int i = 1; i < n && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    size_t l = 0;
    while (p + l < end && p[l] != '\n' && p[l] != '\r') l++;
    while (l && (*p == ' ' || *p == '\t')) p++, l--;
    if (l >= len) l = len - 1;
    memcpy(out, p, l);
    out[l] = '\0';
}

static int load_buffer(config *c, const char *name, const char *dir, const char *buf, size_t len,
                       int flags, struct stack *st, dt_err *e)
{
    int rc = check_text(name, (const unsigned char *)buf, len, e);
    if (rc < 0) return rc;
    struct parse *ps = calloc(1, sizeof *ps);
    if (!ps) return dt_errf(e, DT_ENOMEM, "out of memory");
    ps->c = c;
    ps->name = name;
    ps->dir = dir;
    ps->p = buf;
    ps->end = buf + len;
    ps->flags = flags;
    ps->st = st;
    ps->e = e;
    char real[PATH_MAX];
    if (!realpath(name, real)) snprintf(real, sizeof real, "%s", name);
    st->real[st->depth] = intern(c, real);
    st->name[st->depth] = name;
    st->depth++;

    /* inih options (process-wide globals in Debian's libinih; set on every
     * parse): no multi-line values, stop at the first error. */
    ini_allow_multiline = false;
    ini_stop_on_first_error = true;
    ini_allow_no_value = false;
    ini_allow_inline_comments = true;
    ini_allow_bom = true;
    int r = ini_parse_stream(reader, ps, handler, ps);
    st->depth--;
    if (ps->failed) rc = e ? e->code : DT_EINVAL;
    else if (r > 0) {
        char text[80];
        line_text(text, sizeof text, buf, len, r);
        rc = dt_errf(e, DT_EINVAL,
                     "%s:%d: syntax error: expected '[section]', 'key = value' or a comment, got '%s'",
                     name, r, text);
    } else if (r < 0)
        rc = dt_errf(e, DT_ENOMEM, "%s: inih error %d", name, r);
    else if (ps->nkeys == 0)
        rc = dt_errf(e, DT_EINVAL, "%s:1: empty config (no 'key = value' lines)", name);
    free(ps);
    return rc;
}

static int load_top(config **out, const char *name, const char *buf, size_t len, int flags, dt_err *e)
{
    *out = NULL;
    config *c = config_new();
    if (!c) return dt_errf(e, DT_ENOMEM, "out of memory");
    c->path = intern(c, name);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", name);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) *slash = '\0';
    else if (slash) dir[1] = '\0';
    else dir[0] = '\0';
    struct stack st = {{0}, {0}, 0};
    int rc = c->path ? load_buffer(c, c->path, dir, buf, len, flags, &st, e)
                     : dt_errf(e, DT_ENOMEM, "out of memory");
    if (rc < 0) {
        config_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int config_load(config **out, const char *path, dt_err *e)
{
    *out = NULL;
    char *buf;
    size_t len;
    int rc = read_file(path, &buf, &len, NULL, e);
    if (rc < 0) return rc;
    rc = load_top(out, path, buf, len, 0, e);
    free(buf);
    return rc;
}

int config_load_string(config **out, const char *name, const char *text, dt_err *e)
{
    return load_top(out, name, text, strlen(text), 0, e);
}

int config_load_bytes(config **out, const char *name, const char *bytes, size_t len, int flags,
                      dt_err *e)
{
    return load_top(out, name, bytes, len, flags, e);
}

/* ---- --set -------------------------------------------------------------- */

int config_set(config *c, const char *a, dt_err *e)
{
    c->nset++;
    const char *eq = strchr(a, '=');
    if (!eq)
        return dt_errf(e, DT_EINVAL, "--set '%.200s': expected section.key=value", a);
    /* The first '.' ends a one-word section type; a blank before it means
     * a named section ("gpu V100.x"), which ends at the last '.'. */
    const char *dot = NULL, *p = a;
    int named = 0;
    while (p < eq && (*p == ' ' || *p == '\t')) p++;
    for (; p < eq; p++) {
        if ((*p == ' ' || *p == '\t') && !dot) named = 1;
        if (*p == '.' && (!dot || named)) dot = p;
    }
    if (!dot)
        return dt_errf(e, DT_EINVAL, "--set '%.200s': expected section.key=value (no '.' before '=')", a);
    char sec[256], key[256];
    const char *s0 = a, *s1 = dot, *k0 = dot + 1, *k1 = eq;
    while (s0 < s1 && (*s0 == ' ' || *s0 == '\t')) s0++;
    while (s1 > s0 && (s1[-1] == ' ' || s1[-1] == '\t')) s1--;
    while (k0 < k1 && (*k0 == ' ' || *k0 == '\t')) k0++;
    while (k1 > k0 && (k1[-1] == ' ' || k1[-1] == '\t')) k1--;
    if (s1 == s0 || k1 == k0 || (size_t)(s1 - s0) >= sizeof sec || (size_t)(k1 - k0) >= sizeof key)
        return dt_errf(e, DT_EINVAL, "--set '%.200s': expected section.key=value", a);
    memcpy(sec, s0, (size_t)(s1 - s0));
    sec[s1 - s0] = '\0';
    memcpy(key, k0, (size_t)(k1 - k0));
    key[k1 - k0] = '\0';
    const char *v = eq + 1;
    while (*v == ' ' || *v == '\t') v++;
    size_t vl = strlen(v);
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
    char *val = malloc(vl + 1);
    if (!val) return dt_errf(e, DT_ENOMEM, "out of memory");
    memcpy(val, v, vl);
    val[vl] = '\0';
    for (size_t i = 0; i < vl; i++)
        if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f) {
            free(val);
            return dt_errf(e, DT_EINVAL, "--set '%.200s': control character in value", a);
        }
    int rc = add_section(c, sec, "--set", c->nset, e);
    if (rc == 0) rc = add_entry(c, sec, key, val, "--set", c->nset, e);
    free(val);
    return rc;
}
