/* tp_verbs.c -- the ibverbs transport: a coll.h schedule moved by RDMA
 * writes on RC queue pairs.
 *
 * libibverbs is opened at run time (dlopen), so dtbench builds and runs on
 * machines without it; the structures come from <infiniband/verbs.h> when
 * the build machine has it (else only the skip below is built). open():
 *   - libibverbs.so.1 cannot be loaded       -> skipped (DT_ESKIP, exit 3)
 *   - ibv_get_device_list() lists no device  -> skipped
 *   - any rank skips                         -> every rank skips (agreed
 *                                               over the mesh first)
 *   - else: device $DTBENCH_IB_DEV (default the first), port
 *     $DTBENCH_IB_PORT (default 1), GID index $DTBENCH_IB_GID (default 0,
 *     used when the port has a GID: RoCE); one PD, one CQ, and one RC QP
 *     per peer, taken INIT -> RTR -> RTS with {lid, qpn, psn, gid}
 *     exchanged over the mesh's TCP sockets.
 *
 * A round of the schedule (sched_exec.h):
 *   1. every receive: register its buffer (buffers from alloc() are
 *      registered once; scratch per round), post a receive WR (for the
 *      immediate), and send the peer a 16-byte ticket {addr, rkey, bytes}
 *      on the mesh socket;
 *   2. every send: read the peer's ticket (same order on both sides: the
 *      schedule lists transfers to a peer in the same order), post an
 *      RDMA_WRITE_WITH_IMM from the registered source into it;
 *   3. poll the CQ until every write and every incoming immediate has
 *      completed (no progress for timeout_s -> error; a bad completion
 *      status -> error naming the peer); then the receives are reported
 *      whole to the executor, which applies them.
 * Early (cut-through) sends are not used: the executor presents them again
 * in their own round. Writes are at most 1 GiB each (split above).
 *
 * Tested: only the skip paths (no RDMA device and no rdma_rxe module on
 * the machines this was written on). The data path has not run anywhere.
 */
#define _GNU_SOURCE
#include "transport.h"

#include "sched_exec.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include) && !defined(DT_NO_VERBS_H) /* DT_NO_VERBS_H: build the skip only */
#if __has_include(<infiniband/verbs.h>)
#define DT_HAVE_VERBS_H 1
#endif
#endif

struct ibv_device;
typedef struct ibv_device **(*get_list_fn)(int *n);
typedef void (*free_list_fn)(struct ibv_device **l);
typedef const char *(*get_name_fn)(struct ibv_device *d);

/* Load libibverbs and find a device; DT_ESKIP with the reason when not. */
static int probe(void **handle, char *name, size_t len, dt_err *e)
{
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
    snprintf(name, len, "%s", get_name(l[0]));
    free_list(l);
    *handle = h;
    return 0;
}

#ifndef DT_HAVE_VERBS_H

static int verbs_open(struct tport **t, struct mesh *m, dt_err *e)
{
    (void)m;
    *t = NULL;
    void *h;
    char name[64];
    int rc = probe(&h, name, sizeof name, e);
    if (rc) return rc;
    dlclose(h);
    return dt_errf(e, DT_ESKIP, "verbs: found RDMA device '%s', but this dtbench was built without "
                                "<infiniband/verbs.h> (install libibverbs-dev and rebuild)", name);
}

static void verbs_close(struct tport *t)
{
    (void)t;
}

const struct transport transport_verbs = {
    .name = "verbs",
    .summary = "ibverbs RC queue pairs + RDMA writes (built without verbs.h: reports a skip)",
    .native = NULL,
    .schedules = 1,
    .open = verbs_open,
    .close = verbs_close,
};

#else /* DT_HAVE_VERBS_H */

#include <infiniband/verbs.h>

/* The libibverbs entry points used (names without the ibv_ prefix: some
 * are macros in verbs.h). Inline ones (post_send, post_recv, poll_cq) go
 * through the context's ops table and need no symbol. */
static struct {
    struct ibv_device **(*get_device_list)(int *);
    void (*free_device_list)(struct ibv_device **);
    const char *(*get_device_name)(struct ibv_device *);
    struct ibv_context *(*open_device)(struct ibv_device *);
    int (*close_device)(struct ibv_context *);
    struct ibv_pd *(*alloc_pd)(struct ibv_context *);
    int (*dealloc_pd)(struct ibv_pd *);
    struct ibv_mr *(*reg_mr)(struct ibv_pd *, void *, size_t, int);
    int (*dereg_mr)(struct ibv_mr *);
    struct ibv_cq *(*create_cq)(struct ibv_context *, int, void *, struct ibv_comp_channel *, int);
    int (*destroy_cq)(struct ibv_cq *);
    struct ibv_qp *(*create_qp)(struct ibv_pd *, struct ibv_qp_init_attr *);
    int (*destroy_qp)(struct ibv_qp *);
    int (*modify_qp)(struct ibv_qp *, struct ibv_qp_attr *, int);
    int (*query_port)(struct ibv_context *, uint8_t, struct ibv_port_attr *);
    int (*query_gid)(struct ibv_context *, uint8_t, int, union ibv_gid *);
    const char *(*wc_status_str)(enum ibv_wc_status);
} V;

#define MAX_WRITE ((size_t)1 << 30)

struct conn_info { /* exchanged over the mesh */
    uint32_t qpn, psn;
    uint16_t lid;
    uint8_t gid[16];
    uint8_t pad[2];
};

struct ticket { /* where a receive wants its bytes */
    uint64_t addr;
    uint32_t rkey;
    uint32_t bytes_lo; /* bytes, low 32 bits (high bits: implied by the schedule) */
};

struct regmr {
    char *base;
    size_t len;
    struct ibv_mr *mr;
};

struct tport {
    struct mesh *m;
    void *dl;
    struct ibv_context *ctx;
    struct ibv_pd *pd;
    struct ibv_cq *cq;
    struct ibv_qp **qp;    /* per peer, NULL for self */
    uint8_t port;
    struct sched s;
    struct regmr *perm;    /* alloc()'s buffers, registered for their life */
    int nperm, capperm;
    struct regmr *tmp;     /* per round, deregistered at its end */
    int ntmp, captmp;
};

static int load(void *h, dt_err *e)
{
#define SYM(f, s)                                                                                  \
    do {                                                                                           \
        *(void **)&V.f = dlsym(h, s);                                                              \
        if (!V.f) return dt_errf(e, DT_ESKIP, "verbs: libibverbs lacks %s", s);                    \
    } while (0)
    SYM(get_device_list, "ibv_get_device_list");
    SYM(free_device_list, "ibv_free_device_list");
    SYM(get_device_name, "ibv_get_device_name");
    SYM(open_device, "ibv_open_device");
    SYM(close_device, "ibv_close_device");
    SYM(alloc_pd, "ibv_alloc_pd");
    SYM(dealloc_pd, "ibv_dealloc_pd");
    SYM(reg_mr, "ibv_reg_mr");
    SYM(dereg_mr, "ibv_dereg_mr");
    SYM(create_cq, "ibv_create_cq");
    SYM(destroy_cq, "ibv_destroy_cq");
    SYM(create_qp, "ibv_create_qp");
    SYM(destroy_qp, "ibv_destroy_qp");
    SYM(modify_qp, "ibv_modify_qp");
    SYM(query_port, "ibv_query_port");
    SYM(query_gid, "ibv_query_gid");
    SYM(wc_status_str, "ibv_wc_status_str");
#undef SYM
    return 0;
}

static int env_int(const char *name, int def)
{
    const char *s = getenv(name);
    return s && *s ? atoi(s) : def;
}

static void verbs_close(struct tport *t)
{
    if (!t) return;
    sched_free(&t->s);
    for (int i = 0; i < t->ntmp; i++) V.dereg_mr(t->tmp[i].mr);
    for (int i = 0; i < t->nperm; i++) V.dereg_mr(t->perm[i].mr);
    if (t->qp)
        for (int p = 0; p < t->m->size; p++)
            if (t->qp[p]) V.destroy_qp(t->qp[p]);
    if (t->cq) V.destroy_cq(t->cq);
    if (t->pd) V.dealloc_pd(t->pd);
    if (t->ctx) V.close_device(t->ctx);
    if (t->dl) dlclose(t->dl);
    free(t->qp);
    free(t->perm);
    free(t->tmp);
    free(t);
}

/* Connect QP t->qp[p] to the peer's {qpn, psn, lid, gid}. */
static int connect_qp(struct tport *t, int p, const struct ibv_port_attr *pa, const struct conn_info *me,
                      const struct conn_info *peer, int gid_index, int use_gid, dt_err *e)
{
    struct ibv_qp_attr a;
    memset(&a, 0, sizeof a);
    a.qp_state = IBV_QPS_INIT;
    a.pkey_index = 0;
    a.port_num = t->port;
    a.qp_access_flags = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE;
    if (V.modify_qp(t->qp[p], &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
        return dt_errf(e, DT_EIO, "verbs: QP to rank %d: INIT failed", p);
    memset(&a, 0, sizeof a);
    a.qp_state = IBV_QPS_RTR;
    a.path_mtu = pa->active_mtu;
    a.dest_qp_num = peer->qpn;
    a.rq_psn = peer->psn;
    a.max_dest_rd_atomic = 1;
    a.min_rnr_timer = 12;
    a.ah_attr.dlid = peer->lid;
    a.ah_attr.port_num = t->port;
    if (use_gid) {
        a.ah_attr.is_global = 1;
        memcpy(a.ah_attr.grh.dgid.raw, peer->gid, 16);
        a.ah_attr.grh.sgid_index = (uint8_t)gid_index;
        a.ah_attr.grh.hop_limit = 64;
    }
    if (V.modify_qp(t->qp[p], &a,
                    IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
                        IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
        return dt_errf(e, DT_EIO, "verbs: QP to rank %d: RTR failed", p);
    memset(&a, 0, sizeof a);
    a.qp_state = IBV_QPS_RTS;
    a.timeout = 14;
    a.retry_cnt = 7;
    a.rnr_retry = 7;
    a.sq_psn = me->psn;
    a.max_rd_atomic = 1;
    if (V.modify_qp(t->qp[p], &a,
                    IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
                        IBV_QP_MAX_QP_RD_ATOMIC))
        return dt_errf(e, DT_EIO, "verbs: QP to rank %d: RTS failed", p);
    return 0;
}

static int setup(struct tport *t, const char *want, dt_err *e)
{
    struct mesh *m = t->m;
    int n = 0;
    struct ibv_device **l = V.get_device_list(&n);
    struct ibv_device *dev = NULL;
    for (int i = 0; l && i < n && !dev; i++)
        if (!want || strcmp(V.get_device_name(l[i]), want) == 0) dev = l[i];
    if (!dev) {
        if (l) V.free_device_list(l);
        return dt_errf(e, DT_EINVAL, "verbs: no RDMA device named '%s'", want ? want : "?");
    }
    t->ctx = V.open_device(dev);
    V.free_device_list(l);
    if (!t->ctx) return dt_errf(e, DT_EIO, "verbs: ibv_open_device failed");
    t->port = (uint8_t)env_int("DTBENCH_IB_PORT", 1);
    struct ibv_port_attr pa;
    memset(&pa, 0, sizeof pa);
    if (V.query_port(t->ctx, t->port, &pa)) return dt_errf(e, DT_EIO, "verbs: cannot query port %d", t->port);
    if (pa.state != IBV_PORT_ACTIVE) return dt_errf(e, DT_EIO, "verbs: port %d is not active", t->port);
    int gid_index = env_int("DTBENCH_IB_GID", 0);
    union ibv_gid gid;
    memset(&gid, 0, sizeof gid);
    int use_gid = V.query_gid(t->ctx, t->port, gid_index, &gid) == 0 &&
                  (gid.global.subnet_prefix || gid.global.interface_id);
    if (!(t->pd = V.alloc_pd(t->ctx))) return dt_errf(e, DT_EIO, "verbs: ibv_alloc_pd failed");
    if (!(t->cq = V.create_cq(t->ctx, 8192, NULL, NULL, 0))) return dt_errf(e, DT_EIO, "verbs: ibv_create_cq failed");
    t->qp = calloc((size_t)m->size, sizeof *t->qp);
    if (!t->qp) return dt_errf(e, DT_ENOMEM, "out of memory");
    struct conn_info *mine = calloc((size_t)m->size, sizeof *mine), *theirs = calloc((size_t)m->size, sizeof *theirs);
    int rc = (!mine || !theirs) ? dt_errf(e, DT_ENOMEM, "out of memory") : 0;
    for (int p = 0; p < m->size && !rc; p++) {
        if (p == m->rank) continue;
        struct ibv_qp_init_attr ia;
        memset(&ia, 0, sizeof ia);
        ia.send_cq = ia.recv_cq = t->cq;
        ia.qp_type = IBV_QPT_RC;
        ia.cap.max_send_wr = 1024;
        ia.cap.max_recv_wr = 1024;
        ia.cap.max_send_sge = ia.cap.max_recv_sge = 1;
        if (!(t->qp[p] = V.create_qp(t->pd, &ia))) {
            rc = dt_errf(e, DT_EIO, "verbs: ibv_create_qp for rank %d failed", p);
            break;
        }
        mine[p].qpn = t->qp[p]->qp_num;
        mine[p].psn = (uint32_t)((m->rank * 7919u + (unsigned)p * 104729u) & 0xffffff);
        mine[p].lid = pa.lid;
        memcpy(mine[p].gid, gid.raw, 16);
    }
    /* Exchange: every rank sends all, then reads all (small; the socket
     * buffers hold them). */
    for (int p = 0; p < m->size && !rc; p++)
        if (p != m->rank) rc = mesh_send(m, p, &mine[p], sizeof mine[p], e);
    for (int p = 0; p < m->size && !rc; p++)
        if (p != m->rank) rc = mesh_recv(m, p, &theirs[p], sizeof theirs[p], e);
    for (int p = 0; p < m->size && !rc; p++)
        if (p != m->rank) rc = connect_qp(t, p, &pa, &mine[p], &theirs[p], gid_index, use_gid, e);
    free(mine);
    free(theirs);
    if (!rc) rc = mesh_barrier(m, e); /* every QP is ready before any write */
    return rc;
}

static int verbs_open(struct tport **out, struct mesh *m, dt_err *e)
{
    *out = NULL;
    void *h = NULL;
    char name[64];
    int rc = probe(&h, name, sizeof name, e);
    /* Every rank must agree: one without a device makes all skip. */
    double skip = rc ? 1 : 0;
    dt_err e2;
    if (mesh_allreduce_f64(m, &skip, 1, MESH_MAX, &e2)) {
        if (h) dlclose(h);
        *e = e2;
        return e2.code;
    }
    if (skip) {
        if (h) dlclose(h);
        return rc ? rc : dt_errf(e, DT_ESKIP, "verbs: another rank has no RDMA device");
    }
    if ((rc = load(h, e))) {
        dlclose(h);
        return rc;
    }
    struct tport *t = calloc(1, sizeof *t);
    if (!t) {
        dlclose(h);
        return dt_errf(e, DT_ENOMEM, "out of memory");
    }
    t->m = m;
    t->dl = h;
    sched_init(&t->s);
    t->s.policy = m->early;
    if ((rc = setup(t, getenv("DTBENCH_IB_DEV"), e))) {
        verbs_close(t);
        return rc;
    }
    *out = t;
    return 0;
}

static void *verbs_alloc(struct tport *t, size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 4096, bytes ? bytes : 1)) return NULL;
    memset(p, 0, bytes);
    if (t->nperm == t->capperm) {
        int cap = t->capperm ? 2 * t->capperm : 8;
        struct regmr *r = realloc(t->perm, (size_t)cap * sizeof *r);
        if (!r) {
            free(p);
            return NULL;
        }
        t->perm = r;
        t->capperm = cap;
    }
    struct ibv_mr *mr = V.reg_mr(t->pd, p, bytes ? bytes : 1, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
    if (!mr) {
        free(p);
        return NULL;
    }
    t->perm[t->nperm++] = (struct regmr){p, bytes ? bytes : 1, mr};
    return p;
}

static void verbs_free(struct tport *t, void *p)
{
    for (int i = 0; i < t->nperm; i++)
        if (t->perm[i].base == p) {
            V.dereg_mr(t->perm[i].mr);
            t->perm[i] = t->perm[--t->nperm];
            break;
        }
    free(p);
}

/* The MR holding [p, p + bytes): a permanent one, or a new one for this round. */
static struct ibv_mr *mr_for(struct tport *t, void *p, size_t bytes, dt_err *e)
{
    char *a = p;
    for (int i = 0; i < t->nperm; i++)
        if (a >= t->perm[i].base && a + bytes <= t->perm[i].base + t->perm[i].len) return t->perm[i].mr;
    for (int i = 0; i < t->ntmp; i++)
        if (a >= t->tmp[i].base && a + bytes <= t->tmp[i].base + t->tmp[i].len) return t->tmp[i].mr;
    if (t->ntmp == t->captmp) {
        int cap = t->captmp ? 2 * t->captmp : 16;
        struct regmr *r = realloc(t->tmp, (size_t)cap * sizeof *r);
        if (!r) {
            dt_errf(e, DT_ENOMEM, "out of memory");
            return NULL;
        }
        t->tmp = r;
        t->captmp = cap;
    }
    struct ibv_mr *mr = V.reg_mr(t->pd, p, bytes ? bytes : 1, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
    if (!mr) {
        dt_errf(e, DT_EIO, "verbs: ibv_reg_mr of %zu bytes failed", bytes);
        return NULL;
    }
    t->tmp[t->ntmp++] = (struct regmr){a, bytes ? bytes : 1, mr};
    return mr;
}

static int verbs_round(void *ctx, const struct coll_round *r, struct sched_xfer *x, int n, dt_err *e)
{
    (void)r;
    struct tport *t = ctx;
    struct mesh *m = t->m;
    int rc = 0, nsend = 0, nrecv = 0;
    /* 1. receives: post a WR per write, hand out a ticket. */
    for (int i = 0; i < n && !rc; i++) {
        if (x[i].send || x[i].early || x[i].bytes == 0) continue;
        struct ibv_mr *mr = mr_for(t, x[i].ptr, x[i].bytes, e);
        if (!mr) return e->code;
        size_t pieces = (x[i].bytes + MAX_WRITE - 1) / MAX_WRITE;
        for (size_t k = 0; k < pieces && !rc; k++) {
            struct ibv_recv_wr wr, *bad;
            memset(&wr, 0, sizeof wr);
            wr.wr_id = (uint64_t)i;
            if (ibv_post_recv(t->qp[x[i].peer], &wr, &bad))
                rc = dt_errf(e, DT_EIO, "verbs: ibv_post_recv to rank %d failed", x[i].peer);
            nrecv++;
        }
        struct ticket tk = {(uint64_t)(uintptr_t)x[i].ptr, mr->rkey, (uint32_t)x[i].bytes};
        if (!rc) rc = mesh_send(m, x[i].peer, &tk, sizeof tk, e);
    }
    /* 2. sends: read the ticket, write. */
    for (int i = 0; i < n && !rc; i++) {
        if (!x[i].send || x[i].early || x[i].bytes == 0) continue;
        struct ticket tk;
        if ((rc = mesh_recv(m, x[i].peer, &tk, sizeof tk, e))) break;
        if (tk.bytes_lo != (uint32_t)x[i].bytes) {
            rc = dt_errf(e, DT_EIO, "verbs: rank %d expects %u bytes, this rank sends %zu", x[i].peer, tk.bytes_lo,
                         x[i].bytes);
            break;
        }
        struct ibv_mr *mr = mr_for(t, x[i].ptr, x[i].bytes, e);
        if (!mr) return e->code;
        for (size_t off = 0; off < x[i].bytes && !rc; off += MAX_WRITE) {
            size_t len = x[i].bytes - off < MAX_WRITE ? x[i].bytes - off : MAX_WRITE;
            struct ibv_sge sge = {(uint64_t)(uintptr_t)((char *)x[i].ptr + off), (uint32_t)len, mr->lkey};
            struct ibv_send_wr wr, *bad;
            memset(&wr, 0, sizeof wr);
            wr.wr_id = (uint64_t)i;
            wr.sg_list = &sge;
            wr.num_sge = 1;
            wr.opcode = IBV_WR_RDMA_WRITE_WITH_IMM;
            wr.send_flags = IBV_SEND_SIGNALED;
            wr.imm_data = htonl((uint32_t)i);
            wr.wr.rdma.remote_addr = tk.addr + off;
            wr.wr.rdma.rkey = tk.rkey;
            if (ibv_post_send(t->qp[x[i].peer], &wr, &bad))
                rc = dt_errf(e, DT_EIO, "verbs: ibv_post_send to rank %d failed", x[i].peer);
            nsend++;
        }
    }
    /* 3. completions. */
    double last = mesh_now();
    while (!rc && (nsend > 0 || nrecv > 0)) {
        struct ibv_wc wc[32];
        int got = ibv_poll_cq(t->cq, 32, wc);
        if (got < 0) {
            rc = dt_errf(e, DT_EIO, "verbs: ibv_poll_cq failed");
            break;
        }
        for (int k = 0; k < got && !rc; k++) {
            int i = (int)wc[k].wr_id;
            if (wc[k].status != IBV_WC_SUCCESS)
                rc = dt_errf(e, DT_EIO, "verbs: %s to rank %d failed: %s", wc[k].opcode & IBV_WC_RECV ? "receive" : "write",
                             i >= 0 && i < n ? x[i].peer : -1, V.wc_status_str(wc[k].status));
            else if (wc[k].opcode & IBV_WC_RECV)
                nrecv--;
            else
                nsend--;
        }
        if (got > 0) {
            last = mesh_now();
        } else if (mesh_now() - last > m->timeout_s) {
            rc = dt_errf(e, DT_EIO, "verbs: no completion for %.0f s (%d writes, %d receives outstanding)",
                         m->timeout_s, nsend, nrecv);
        }
    }
    for (int i = 0; i < n && !rc; i++) {
        if (x[i].early) continue;
        x[i].done = x[i].bytes;
        if (!x[i].send && x[i].progress) x[i].progress(x[i].arg, x[i].bytes);
    }
    for (int i = 0; i < t->ntmp; i++) V.dereg_mr(t->tmp[i].mr);
    t->ntmp = 0;
    return rc;
}

static int verbs_allreduce(struct tport *t, const void *src, void *dst, const struct coll_params *p, dt_err *e)
{
    return sched_allreduce(&t->s, p, t->m->rank, src, dst, verbs_round, t, e);
}

const struct transport transport_verbs = {
    .name = "verbs",
    .summary = "ibverbs RC queue pairs + RDMA writes along the schedule (dlopen; skips without a device)",
    .native = NULL,
    .schedules = 1,
    .open = verbs_open,
    .alloc = verbs_alloc,
    .free = verbs_free,
    .upload = NULL,
    .download = NULL,
    .allreduce = verbs_allreduce,
    .close = verbs_close,
};

#endif /* DT_HAVE_VERBS_H */
