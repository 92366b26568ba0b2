/* mesh.h -- rendezvous at rank 0 and a full mesh of TCP connections.
 *
 *   1. rank 0 listens on MASTER_ADDR:MASTER_PORT (the rendezvous);
 *   2. every rank opens a data listener on an ephemeral port of the local
 *      address that reaches rank 0 (loopback, a testbed 198.18.0.x, ...);
 *   3. ranks 1..n-1 connect to the rendezvous (retrying until the deadline)
 *      and send a hello {magic, rank, size, ip, port, pid};
 *   4. rank 0 checks them (same world size, no rank twice), and sends every
 *      rank either the address table or the error that stopped it;
 *   5. rank r connects to every rank below it and accepts every rank above
 *      it: one full-duplex socket per pair, TCP_NODELAY, nonblocking.
 *
 *     rank 0  <--rdv--  rank 1, 2, 3        (closed once the table is out)
 *     0 <-> 1, 0 <-> 2, 1 <-> 2, ...        (mesh, kept)
 *
 * Every wait has a deadline: a rank that cannot meet the others fails with
 * a sentence naming the missing ranks; a peer that dies mid-run shows as
 * EOF or a reset on its socket (error at once), a peer that hangs as no
 * progress for `timeout_s` (error then). Never an endless wait.
 *
 * Small collectives for the harness ride on the mesh (star through rank 0):
 * barrier, sum/max of a few doubles, broadcast.
 */
#ifndef DT_MESH_H
#define DT_MESH_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "err.h"

struct mesh {
    int rank;              /* this rank */
    int size;              /* ranks */
    int *fd;               /* fd[peer]: socket to peer, -1 for self */
    double timeout_s;      /* no-progress limit on any wait, s */
    int early;             /* mesh_opts.early, for the transports */
    uint32_t *ip;          /* ip[peer]: IPv4 (network order) of its listener */
    uint16_t *port;        /* port[peer]: its data port (host order) */
};

struct mesh_opts {
    double rdv_timeout_s;  /* to gather every rank at the rendezvous, s */
    double timeout_s;      /* no progress on a socket for this long -> error, s */
    int sockbuf_bytes;     /* SO_SNDBUF/SO_RCVBUF when the kernel allows it; 0 = autotune */
    int early;             /* schedule transports: which next-round sends may start early (enum sched_early) */
};

/* Meet the others and connect the mesh. size 1: no sockets at all. */
int mesh_open(struct mesh *m, const struct bench_world *w, const struct mesh_opts *o, dt_err *e);
void mesh_close(struct mesh *m);

/* Monotonic clock, s. */
double mesh_now(void);

/* Move exactly `bytes` on a nonblocking socket, failing after timeout_s
 * without progress, or at once when the peer is gone. */
int mesh_send(struct mesh *m, int peer, const void *buf, size_t bytes, dt_err *e);
int mesh_recv(struct mesh *m, int peer, void *buf, size_t bytes, dt_err *e);

int mesh_barrier(struct mesh *m, dt_err *e);
/* v[i] <- sum (op 0) or max (op 1) over ranks, on every rank. */
enum { MESH_SUM = 0, MESH_MAX = 1 };
int mesh_allreduce_f64(struct mesh *m, double *v, int n, int op, dt_err *e);
int mesh_bcast(struct mesh *m, void *buf, size_t bytes, dt_err *e);

/* Rendezvous messages, arrays of 32-bit words (host order here). Nothing
 * a peer sent is used or printed before its magic word has been checked;
 * text from a peer is printed through mesh_printable.
 *
 *   hello  (rank r -> 0): RDV_MAGIC, rank, size, ip, port, pid
 *   answer (0 -> rank r): REPLY_MAGIC, status (0 or -DT_E code), n
 *            status 0: n = size, then n x {ip, port}   (the address table)
 *            else:     n bytes of text, the reason     (at most 1023 kept)
 */
enum { MESH_HELLO_WORDS = 6, MESH_REPLY_WORDS = 3, MESH_REPLY_TEXT = 1023 };
struct mesh_hello {
    int rank, size;
    uint32_t ip;      /* host order */
    uint16_t port;
    uint32_t pid;
};
/* A hello for a world of `size` ranks. DT_ENOENT: not a dtbench hello (a
 * stray connection: ignore it); DT_EINVAL: a dtbench rank with a bad
 * hello (rank out of range, another world size, port 0 or above 65535),
 * e says which. */
int mesh_hello_parse(const uint32_t w[MESH_HELLO_WORDS], int size, struct mesh_hello *h, dt_err *e);
/* An answer's header: the bytes that follow (*body). Errors: not an answer
 * (magic), a table of the wrong size. */
int mesh_reply_head(const uint32_t w[MESH_REPLY_WORDS], int size, size_t *body, dt_err *e);
/* An answer's body (`n` bytes as received, network order words for a
 * table): the table into ip[] (network order) and port[], or rank 0's
 * error, its text made printable. */
int mesh_reply_body(const uint32_t w[MESH_REPLY_WORDS], const void *body, size_t n, int size, uint32_t *ip,
                    uint16_t *port, dt_err *e);
/* Copy `n` bytes of untrusted text to out (NUL-terminated, cut to fit):
 * printable ASCII as is, every other byte as \xHH. Returns strlen(out). */
size_t mesh_printable(char *out, size_t size, const void *in, size_t n);

/* Set TCP_NODELAY and nonblocking (and the buffer sizes, see mesh_opts). */
int mesh_tune_socket(int fd, int sockbuf_bytes);
/* Name a socket error for a peer: "rank 3 closed the connection". */
int mesh_peer_error(struct mesh *m, int peer, int err, const char *during, dt_err *e);

#endif
