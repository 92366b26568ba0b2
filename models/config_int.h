/* config_int.h -- private layout of struct config (config.c, config_check.c). */
#ifndef DT_CONFIG_INT_H
#define DT_CONFIG_INT_H

#include "config.h"

#define CONFIG_MAX_ENTRIES 200000  /* key = value lines, all files */
#define CONFIG_MAX_SECTIONS 20000  /* distinct section names */

struct config_section {
    const char *name;      /* full name, "gpu V100-SXM2-16GB" */
    const char *file;      /* where it first appears */
    int line;
};

struct config {
    struct config_entry *v;     /* entries in reading order */
    size_t n, cap;
    struct config_section *sec; /* distinct sections, first appearance */
    size_t nsec, capsec;
    char **strs;                /* every string the config owns */
    size_t nstr, capstr;
    const char *names[64];      /* recently interned file/section names (ring) */
    size_t nnames;
    const char *path;           /* top-level file or string name */
    int nset;                   /* --set assignments so far */
};

/* The section record for a full section name, or NULL. */
const struct config_section *config__section(const config *c, const char *name);

#endif
