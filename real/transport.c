#include "transport.h"

#include "strsim.h"

#include <string.h>

/* Table order is the order --help lists. NCCL is a weak reference: NULL
 * unless the CUDA build linked real/tp_nccl. */
static const char *const names[] = {"tcp", "verbs", "nccl"};

static const struct transport *at(size_t i)
{
    switch (i) {
    case 0: return &transport_tcp;
    case 1: return &transport_verbs;
    case 2: return &transport_nccl; /* may be NULL */
    }
    return NULL;
}

const struct transport *transport_find(const char *name, dt_err *e)
{
    size_t n = sizeof names / sizeof names[0];
    for (size_t i = 0; i < n; i++) {
        if (strcmp(name, names[i]) != 0) continue;
        const struct transport *t = at(i);
        if (!t) dt_errf(e, DT_ESKIP, "%s: dtbench was built without CUDA/NCCL", name);
        return t;
    }
    char list[128];
    strsim_join(list, sizeof list, names, n);
    const char *near = strsim_nearest(name, names, n);
    if (near)
        dt_errf(e, DT_ENOENT, "unknown transport '%s' (did you mean '%s'? valid: %s)", name, near, list);
    else
        dt_errf(e, DT_ENOENT, "unknown transport '%s' (valid: %s)", name, list);
    return NULL;
}
