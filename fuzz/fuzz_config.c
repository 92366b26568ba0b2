/* libFuzzer target for the config language: bytes -> config_load_bytes
 * (includes refused, so the fuzzer cannot read the file system) ->
 * config_check against the experiment schema -> experiment_from_config;
 * plus units_parse of every kind and config_set on the first line.
 *
 *   make fuzz FUZZ_SECONDS=60      (clang, -fsanitize=fuzzer,address,undefined)
 *
 * Any crash, sanitizer report or leak is a bug; errors are expected. */
#include "config.h"
#include "experiment.h"
#include "units.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dt_err e = {0, ""};

    /* First line as a unit value and as a --set assignment. */
    size_t l = 0;
    while (l < size && l < 256 && data[l] != '\n' && data[l] != '\0') l++;
    char line[257];
    memcpy(line, data, l);
    line[l] = '\0';
    for (int k = UNITS_BANDWIDTH; k <= UNITS_NUMBER; k++) {
        double v;
        if (units_parse(line, (enum units_kind)k, &v, &e) == 0) {
            char buf[64];
            units_format(buf, sizeof buf, v, (enum units_kind)k);
        }
    }

    config *c = NULL;
    if (config_load_bytes(&c, "fuzz.ini", (const char *)data, size, CONFIG_NOINCLUDE, &e) < 0) {
        if (c) abort(); /* must be NULL on error */
        return 0;
    }
    config_set(c, line, &e);
    size_t n;
    const struct config_key *schema = experiment_schema(&n);
    config_check(c, schema, n, NULL, &e);
    for (size_t i = 0; i < config_count(c); i++) {
        const struct config_entry *en = config_at(c, i);
        if (!en || !en->section || !en->key || !en->value || !en->file) abort();
        double v;
        config_entry_units(en, UNITS_BANDWIDTH, 0, 0, &v, &e);
        long long ll;
        config_entry_int(en, -1000, 1000, &ll, &e);
    }
    struct experiment x;
    if (experiment_from_config(&x, c, NULL, NULL, &e) == 0) {
        experiment_batch_at(&x, 1.5);
        experiment_free(&x);
    }
    return 0;
}
