/* transport.h -- how dtbench moves an all-reduce: one const descriptor per
 * transport (tcp, verbs, nccl), found by name, like the collectives.
 *
 * The harness (cmd_allreduce.c) owns rendezvous, data, timing and checks;
 * a transport owns its buffers and the all-reduce itself:
 *
 *     open(mesh)                 connect what it needs (tcp: the mesh itself;
 *                                nccl: exchange the unique id over the mesh)
 *     alloc / upload / download  its buffers (host memory for tcp, device
 *                                memory for nccl); NULL upload/download =
 *                                plain memcpy
 *     allreduce(src, dst, p)     one collective; src == dst in place; a
 *                                schedule from models/coll.h, or the
 *                                transport's own when p->algo == native
 *     close
 *
 * A transport whose hardware or build is absent returns DT_ESKIP from
 * open with the reason; dtbench prints it and exits 3 (skipped).
 *
 * transport_nccl is a weak symbol: the CUDA part of the build defines it
 * (real/tp_nccl.cu); without it dtbench says "built without CUDA/NCCL".
 */
#ifndef DT_TRANSPORT_H
#define DT_TRANSPORT_H

#include <stddef.h>

#include "coll.h"
#include "err.h"
#include "mesh.h"

struct tport; /* transport-private state */

struct transport {
    const char *name;      /* "tcp" */
    const char *summary;   /* one line for --help */
    const char *native;    /* an --algo name served natively ("nccl"), or NULL */
    int schedules;         /* 1: runs models/coll.h schedules (allreduce with any --algo) */
    int (*open)(struct tport **t, struct mesh *m, dt_err *e);
    void *(*alloc)(struct tport *t, size_t bytes);
    void (*free)(struct tport *t, void *p);
    int (*upload)(struct tport *t, void *dst, const void *host, size_t bytes, dt_err *e);
    int (*download)(struct tport *t, void *host, const void *src, size_t bytes, dt_err *e);
    int (*allreduce)(struct tport *t, const void *src, void *dst, const struct coll_params *p, dt_err *e);
    void (*close)(struct tport *t);
};

extern const struct transport transport_tcp;
extern const struct transport transport_verbs;
extern const struct transport transport_nccl __attribute__((weak));

/* By name; NULL with the list of valid names in e. */
const struct transport *transport_find(const char *name, dt_err *e);

#endif
