/* tp_verbs.c -- the ibverbs transport, as far as it goes today.
 *
 * libibverbs is opened at run time (dlopen), so dtbench builds and runs on
 * machines without it. open() answers, in order:
 *   - libibverbs.so.1 cannot be loaded       -> skipped, says so
 *   - ibv_get_device_list() lists no device  -> skipped, says so
 *   - a device exists                        -> skipped: RC queue pairs and
 *     RDMA writes along the schedule are not implemented yet (honest skip,
 *     never a fake result).
 * The skip is DT_ESKIP, which dtbench turns into exit status 3.
 */
#define _GNU_SOURCE
#include "transport.h"

#include <dlfcn.h>
#include <stdio.h>

struct ibv_device; /* opaque: no verbs.h needed to build */

typedef struct ibv_device **(*get_list_fn)(int *n);
typedef void (*free_list_fn)(struct ibv_device **l);
typedef const char *(*get_name_fn)(struct ibv_device *d);

static int verbs_open(struct tport **t, struct mesh *m, dt_err *e)
{
    (void)m;
    *t = NULL;
    void *h = dlopen("libibverbs.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) return dt_errf(e, DT_ESKIP, "verbs: libibverbs is not installed (%s)", dlerror());
    get_list_fn get_list = (get_list_fn)dlsym(h, "ibv_get_device_list");
    free_list_fn free_list = (free_list_fn)dlsym(h, "ibv_free_device_list");
    get_name_fn get_name = (get_name_fn)dlsym(h, "ibv_get_device_name");
    if (!get_list || !free_list || !get_name) {
        dlclose(h);
        return dt_errf(e, DT_ESKIP, "verbs: libibverbs lacks ibv_get_device_list");
    }
    int n = 0;
    struct ibv_device **l = get_list(&n);
    if (!l || n == 0) {
        if (l) free_list(l);
        dlclose(h);
        return dt_errf(e, DT_ESKIP, "verbs: no RDMA device found (ibv_get_device_list returned none)");
    }
    char name[64];
    snprintf(name, sizeof name, "%s", get_name(l[0]));
    free_list(l);
    dlclose(h);
    return dt_errf(e, DT_ESKIP,
                   "verbs: found RDMA device '%s' (%d in all), but the RC queue-pair / RDMA-write transport is "
                   "not implemented yet",
                   name, n);
}

static void verbs_close(struct tport *t)
{
    (void)t;
}

const struct transport transport_verbs = {
    .name = "verbs",
    .summary = "ibverbs RC queue pairs + RDMA writes (not implemented yet: reports a skip)",
    .native = NULL,
    .open = verbs_open,
    .close = verbs_close,
};
