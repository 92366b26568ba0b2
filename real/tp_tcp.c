/* tp_tcp.c -- the TCP transport: a coll.h schedule over the mesh sockets.
 *
 * A round is moved full duplex by one thread: every socket of the round is
 * nonblocking, and one poll() loop sends and receives on all of them at
 * once until every transfer of the round is done; meanwhile the next
 * round's sends go as far as their data is final (sched_exec.h: early
 * sends), so the socket buffers stay full across round boundaries. Bytes go straight from and to the
 * user buffers (or the schedule's scratch): no staging copy. Sockets of
 * peers not in the round are watched for a hang-up so a dead rank is seen
 * at once; a round with no progress at all for timeout_s fails.
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include "transport.h"

#include "sched_exec.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct tport {
    struct mesh *m;
    struct sched s;
    struct pollfd *pf;   /* one per peer */
    int *snext, *rnext;  /* per peer: index of the next unfinished send / recv, -1 none */
};

static int tcp_open(struct tport **tp, struct mesh *m, dt_err *e)
{
    struct tport *t = calloc(1, sizeof *t);
    size_t n = (size_t)m->size;
    if (t) {
        t->pf = calloc(n, sizeof *t->pf);
        t->snext = calloc(n, sizeof *t->snext);
        t->rnext = calloc(n, sizeof *t->rnext);
    }
    if (!t || !t->pf || !t->snext || !t->rnext) {
        if (t) {
            free(t->pf);
            free(t->snext);
            free(t->rnext);
        }
        free(t);
        return dt_errf(e, DT_ENOMEM, "out of memory");
    }
    t->m = m;
    sched_init(&t->s);
    t->s.policy = m->early;
    *tp = t;
    return 0;
}

static void tcp_close(struct tport *t)
{
    if (!t) return;
    sched_free(&t->s);
    free(t->pf);
    free(t->snext);
    free(t->rnext);
    free(t);
}

static void *tcp_alloc(struct tport *t, size_t bytes)
{
    (void)t;
    void *p = NULL;
    /* Page-aligned, and touched once so the first timed run does not pay
     * the page faults. */
    if (posix_memalign(&p, 4096, bytes ? bytes : 1)) return NULL;
    memset(p, 0, bytes);
    return p;
}

static void tcp_free(struct tport *t, void *p)
{
    (void)t;
    free(p);
}

/* First unfinished transfer to/from peer in direction `send` at or after i. */
static int next_of(const struct sched_xfer *x, int n, int i, int peer, int send)
{
    for (int j = i; j < n; j++)
        if (x[j].peer == peer && x[j].send == send && x[j].done < x[j].bytes) return j;
    return -1;
}

/* An early send goes in pieces of at least this much (or its remainder),
 * so a trickle of final bytes does not turn into tiny segments. */
#define EARLY_MIN_BYTES (64 << 10)

static size_t sendable(const struct sched_xfer *q)
{
    size_t avail = q->ready ? q->ready(q->arg) : q->bytes;
    if (avail <= q->done) return 0;
    if (q->early && avail < q->bytes && avail - q->done < EARLY_MIN_BYTES) return 0;
    return avail - q->done;
}

/* Transfers of this round not yet done (early ones never count). */
static int count_pending(const struct sched_xfer *x, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++) k += !x[i].early && x[i].done < x[i].bytes;
    return k;
}

static int tcp_round(void *ctx, const struct coll_round *r, struct sched_xfer *x, int n, dt_err *e)
{
    struct tport *t = ctx;
    struct mesh *m = t->m;
    for (int p = 0; p < m->size; p++) {
        t->snext[p] = next_of(x, n, 0, p, 1);
        t->rnext[p] = next_of(x, n, 0, p, 0);
    }
    int pending = count_pending(x, n);
    double last = mesh_now();
    while (pending) {
        int np = 0;
        for (int p = 0; p < m->size; p++) {
            if (p == m->rank) continue;
            int sn = t->snext[p] >= 0 && sendable(&x[t->snext[p]]) > 0;
            short ev = (short)((sn ? POLLOUT : 0) | (t->rnext[p] >= 0 && !x[t->rnext[p]].early ? POLLIN : 0));
            /* Nothing to move with it now: only its hang-up matters. */
            t->pf[np++] = (struct pollfd){m->fd[p], ev ? ev : POLLRDHUP, 0};
        }
        double left = last + m->timeout_s - mesh_now();
        int rc = poll(t->pf, (nfds_t)np, left > 0 ? (int)(left * 1000) + 1 : 0);
        if (rc < 0) {
            if (errno == EINTR) continue;
            return dt_errf(e, DT_EIO, "poll: %s", strerror(errno));
        }
        if (rc == 0) {
            for (int p = 0; p < m->size; p++)
                if (t->rnext[p] >= 0 || (t->snext[p] >= 0 && !x[t->snext[p]].early))
                    return dt_errf(e, DT_EIO, "step %u: no progress %s rank %d for %g s (is it hung?)", r->step,
                                   t->rnext[p] >= 0 ? "receiving from" : "sending to", p, m->timeout_s);
            return dt_errf(e, DT_EIO, "step %u: no progress for %g s", r->step, m->timeout_s);
        }
        for (int k = 0; k < np; k++) {
            struct pollfd *pf = &t->pf[k];
            int p = k < m->rank ? k : k + 1;
            if (!pf->revents) continue;
            if (pf->events == POLLRDHUP) {
                /* Data for a later round is fine; a hang-up is not. */
                if (pf->revents & (POLLRDHUP | POLLHUP | POLLERR))
                    return mesh_peer_error(m, p, 0, "while this rank waited on others", e);
                continue;
            }
            while (t->rnext[p] >= 0 && (pf->revents & (POLLIN | POLLHUP | POLLERR | POLLRDHUP))) {
                struct sched_xfer *q = &x[t->rnext[p]];
                ssize_t got = recv(pf->fd, (char *)q->ptr + q->done, q->bytes - q->done, 0);
                if (got == 0) return mesh_peer_error(m, p, 0, "during the all-reduce", e);
                if (got < 0) {
                    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
                    return mesh_peer_error(m, p, errno, "during the all-reduce", e);
                }
                last = mesh_now();
                q->done += (size_t)got;
                if (q->progress) q->progress(q->arg, q->done);
                if (q->done == q->bytes) {
                    pending--;
                    t->rnext[p] = next_of(x, n, t->rnext[p] + 1, p, 0);
                }
            }
            while (t->snext[p] >= 0 && (pf->revents & (POLLOUT | POLLERR | POLLHUP))) {
                struct sched_xfer *q = &x[t->snext[p]];
                size_t len = sendable(q);
                if (!len) break;
                ssize_t put = send(pf->fd, (char *)q->ptr + q->done, len, MSG_NOSIGNAL);
                if (put < 0) {
                    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
                    return mesh_peer_error(m, p, errno, "during the all-reduce", e);
                }
                last = mesh_now();
                q->done += (size_t)put;
                if (q->done == q->bytes) {
                    if (!q->early) pending--;
                    t->snext[p] = next_of(x, n, t->snext[p] + 1, p, 1);
                }
            }
        }
    }
    return 0;
}

static int tcp_allreduce(struct tport *t, const void *src, void *dst, const struct coll_params *p, dt_err *e)
{
    return sched_allreduce(&t->s, p, t->m->rank, src, dst, tcp_round, t, e);
}

const struct transport transport_tcp = {
    .name = "tcp",
    .summary = "coll.h schedules over a full mesh of TCP sockets (poll, full duplex)",
    .native = NULL,
    .schedules = 1,
    .open = tcp_open,
    .alloc = tcp_alloc,
    .free = tcp_free,
    .upload = NULL,
    .download = NULL,
    .allreduce = tcp_allreduce,
    .close = tcp_close,
};
