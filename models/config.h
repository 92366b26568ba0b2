/* config.h -- the dtsim config language: INI files with includes,
 * command-line overrides, a schema and typed getters with units.
 *
 * Format (read with libinih; see docs/config.md):
 *
 *     ; comment            # comment too
 *     include = cluster.ini        ; relative to this file; several allowed;
 *                                  ; a directive wherever it appears
 *     [cluster]
 *     gpu = V100-SXM2-16GB
 *     nic = IB-EDR                 ; inline comments start with ';'
 *     [gpu V100-SXM2-16GB]         ; two words: section type, then a name
 *     fp16 = 125TFLOPS
 *
 * A config is an ordered list of entries (section, key, value, file, line)
 * in reading order: an `include` line is replaced in place by the entries
 * of the included file (depth-first), then `--set section.key=value`
 * entries are appended with file "--set" and line = position (1, 2, ...).
 * When a (section, key) appears several times, the LAST one wins
 * (config_find). Every entry is kept, so origins can be printed.
 *
 * Limits, each refused with file:line rather than misread:
 *   - a line longer than CONFIG_MAX_LINE bytes ("line too long");
 *   - a NUL byte or other control byte besides tab/CR/LF ("binary file");
 *   - a file bigger than CONFIG_MAX_FILE bytes;
 *   - include depth > CONFIG_MAX_DEPTH, or an include cycle;
 *   - indented continuation lines (inih's multi-line values are off:
 *     an indented `key = value` is just a key).
 * An empty file (or only comments) is an error for config_load:
 *   "exp.ini:1: empty config (no key = value lines)".
 *
 * Section names: "[type name]": the first word is the section TYPE, matched
 * against a schema; the rest (trimmed) is its NAME. `section` in every API
 * below is the full string as written ("gpu V100-SXM2-16GB" or "cluster").
 *
 * Error format everywhere: "FILE:LINE: [section] key: message"
 * (config_errf builds it from an entry).
 */
#ifndef DT_CONFIG_H
#define DT_CONFIG_H

#include "err.h"
#include "units.h"

#include <stddef.h>

/* Bytes per line, '\n' excluded: libinih (Debian, r55) reads lines into a
 * 200-byte buffer and would cut a longer line in pieces; we refuse it. */
#define CONFIG_MAX_LINE 198
#define CONFIG_MAX_FILE (16L << 20)    /* bytes per file */
#define CONFIG_MAX_DEPTH 16            /* include nesting */

typedef struct config config;

struct config_entry {
    const char *section; /* full section as written, "" before any [section] */
    const char *key;
    const char *value;   /* trimmed, inline comment removed */
    const char *file;    /* path as opened, or "--set", or the name given to config_load_string */
    int line;            /* 1-based line in file (position for --set) */
};

/* Load `path` and its includes. On error *out is NULL and e says
 * "FILE:LINE: ...". */
int config_load(config **out, const char *path, dt_err *e);

/* Same from memory; `name` is used in messages and as the base for
 * includes (relative to its directory; "-" or a name without '/' means the
 * current directory). `text` must be NUL-terminated; an embedded NUL cannot
 * be seen, so fuzzers should use config_load_bytes. */
int config_load_string(config **out, const char *name, const char *text, dt_err *e);

/* Same from `len` bytes that may contain NUL (refused as binary).
 * flags: CONFIG_NOINCLUDE refuses `include` (for fuzzing). */
#define CONFIG_NOINCLUDE 1
int config_load_bytes(config **out, const char *name, const char *bytes, size_t len, int flags,
                      dt_err *e);

/* An empty config (for building one with config_set). */
config *config_new(void);

/* Append "section.key=value" (from --set) with file "--set" and line =
 * its position (1, 2, ...). A section type is one word without a '.', so
 * the section ends at the FIRST '.' when no blank precedes it
 * ("uncertain.cluster.nodes=1|2": section "uncertain", key
 * "cluster.nodes"); a named section ("TYPE NAME", whose name may hold
 * dots) ends at the LAST '.' preceding '=':
 * "gpu V100-SXM2-16GB.fp16=100TFLOPS". Errors quote the assignment. */
int config_set(config *c, const char *assignment, dt_err *e);

void config_free(config *c);

/* An independent copy of c (entries, sections, origins), or NULL when
 * memory runs out. */
config *config_copy(const config *c);

/* Append one entry with the given origin, after every other (so it wins
 * over earlier ones); its section is recorded like a file's. For values
 * that stand in for another line, e.g. an [uncertain] alternative tried in
 * place of the point, whose errors should name the range's FILE:LINE. */
int config_add(config *c, const char *section, const char *key, const char *value, const char *file,
               int line, dt_err *e);

size_t config_count(const config *c);
const struct config_entry *config_at(const config *c, size_t i);

/* The last entry for (section, key), or NULL. `section` is the full name. */
const struct config_entry *config_find(const config *c, const char *section, const char *key);
/* config_find, or when the key is absent (left at its default) *tmp
 * filled as a stand-in at the file itself (line 0, value `def`), so that an
 * error about the key can still name where to write it. Returns one. */
const struct config_entry *config_find_or(const config *c, const char *section, const char *key, const char *def,
                                          struct config_entry *tmp);

/* The file config_load was given (or the string's name). */
const char *config_path(const config *c);

/* Section type: first word of `section` copied into buf ("gpu"). Returns buf. */
char *config_section_type(char *buf, size_t len, const char *section);
/* Section name: the rest after the first word, trimmed ("" when none).
 * Points into `section`. */
const char *config_section_name(const char *section);

/* Distinct full section names in order of first appearance. */
size_t config_nsections(const config *c);
const char *config_section_at(const config *c, size_t i);

/* ---- schema ------------------------------------------------------------ */

enum config_type {
    CONFIG_STRING,    /* any non-empty text */
    CONFIG_INT,       /* integer, SI/binary prefix allowed ("1.28M"), within [min, max] */
    CONFIG_REAL,      /* real number within [min, max] */
    CONFIG_BANDWIDTH, /* bytes/s, unit required, within [min, max] */
    CONFIG_TIME,      /* seconds, unit required */
    CONFIG_SIZE,      /* bytes, unit required */
    CONFIG_FLOPS,     /* flop/s, unit required */
    CONFIG_ENUM,      /* one of `choices`, "a|b|c" */
    CONFIG_BOOL,      /* true/false/yes/no/on/off/1/0 */
    CONFIG_LIST,      /* comma-separated list, free form (checked by its user) */
};

struct config_key {
    const char *section;  /* section TYPE: "cluster", "gpu" */
    const char *key;
    enum config_type type;
    double min, max;      /* range for numeric types (inclusive); min == max == 0: no range */
    const char *choices;  /* CONFIG_ENUM: "single-switch|fat-tree|torus" */
    const char *def;      /* default as text (parsed like a value), or NULL: required.
                           * For a numeric or unit key, a default that is a word
                           * ("catalog") is accepted as a value too and parses as 0:
                           * the code reading the key gives it its meaning. */
    const char *help;     /* one line for docs and `dtsim config` */
};

/* "string", "int", "real", "bandwidth", ... */
const char *config_type_name(enum config_type t);

/* Schema lookup by section TYPE and key; NULL when absent. */
const struct config_key *config_schema_find(const struct config_key *schema, size_t n,
                                            const char *section_type, const char *key);

/* Check every entry: section type known, key known in that section type,
 * value parses per type and is in range. The first problem is reported:
 *   exp.ini:12: [cluster] gpus_per_nod: unknown key 'gpus_per_nod' in [cluster] (did you mean 'gpus_per_node'?)
 *   exp.ini:3: unknown section [clutser] (did you mean [cluster]?)
 *   exp.ini:7: [cluster] nodes: 0 is out of range (1 to 100000)
 * Sections whose type is not in the schema are errors, except those listed
 * in `ignore_types` (NULL-terminated, may be NULL) -- for files that mix
 * kinds. Required keys are checked by the getters, not here. */
int config_check(const config *c, const struct config_key *schema, size_t n,
                 const char *const *ignore_types, dt_err *e);

/* Parse one value against a schema key (no range check when k->min ==
 * k->max == 0). For CONFIG_ENUM *num is the index of the choice; for
 * CONFIG_BOOL 0/1; for CONFIG_STRING/LIST *num is untouched. `at` (may be
 * NULL) names the origin in errors. */
int config_value_parse(const struct config_key *k, const char *value,
                       const struct config_entry *at, double *num, dt_err *e);

/* ---- typed getters ------------------------------------------------------
 * Look up (section, key) (last wins). When absent: use `def` when not NULL
 * (parsed like a value), otherwise fail with
 *   "exp.ini: [cluster] gpu: missing required key (e.g. gpu = ...)".
 * Errors say "FILE:LINE: [section] key: ...". */
int config_get_str(const config *c, const char *section, const char *key,
                   const char *def, const char **out, dt_err *e);
int config_get_int(const config *c, const char *section, const char *key,
                   const char *def, long long min, long long max, long long *out, dt_err *e);
int config_get_real(const config *c, const char *section, const char *key,
                    const char *def, double min, double max, double *out, dt_err *e);
int config_get_units(const config *c, const char *section, const char *key, enum units_kind kind,
                     const char *def, double min, double max, double *out, dt_err *e);
int config_get_bool(const config *c, const char *section, const char *key,
                    const char *def, int *out, dt_err *e);

/* Parse an entry's value (errors prefixed with the entry's origin). */
int config_entry_int(const struct config_entry *en, long long min, long long max, long long *out, dt_err *e);
int config_entry_real(const struct config_entry *en, double min, double max, double *out, dt_err *e);
int config_entry_units(const struct config_entry *en, enum units_kind kind, double min, double max,
                       double *out, dt_err *e);

/* Where an entry comes from: "FILE:LINE", "--set", or "default" for NULL
 * (a key left at its default). Returns buf. */
const char *config_origin(char *buf, size_t len, const struct config_entry *en);

/* Fill e with "FILE:LINE: [section] key: <fmt...>" for entry `at` (or just
 * "<fmt...>" when at is NULL). Returns code. */
int config_errf(dt_err *e, int code, const struct config_entry *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
