#define _GNU_SOURCE /* accept4 */
#include "mesh.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RDV_MAGIC 0x44544231u  /* "DTB1": rendezvous hello */
#define MESH_MAGIC 0x44544d31u /* "DTM1": mesh hello */
#define REPLY_MAGIC 0x44544232u /* "DTB2": rank 0's answer to a hello */

double mesh_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static int poll_ms(double until)
{
    double left = until - mesh_now();
    return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

static const char *ipstr(uint32_t ip, char *buf)
{
    struct in_addr a = {ip};
    inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
    return buf;
}

static size_t read_sysctl(const char *path)
{
    FILE *f = fopen(path, "r");
    unsigned long v = 0;
    if (f) {
        if (fscanf(f, "%lu", &v) != 1) v = 0;
        fclose(f);
    }
    return v;
}

int mesh_tune_socket(int fd, int sockbuf_bytes)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) return -1;
    /* A fixed SO_RCVBUF switches autotuning off; only worth it when the
     * kernel lets us go at least as high as asked (net.core.*mem_max). */
    if (sockbuf_bytes > 0 && read_sysctl("/proc/sys/net/core/rmem_max") >= (size_t)sockbuf_bytes &&
        read_sysctl("/proc/sys/net/core/wmem_max") >= (size_t)sockbuf_bytes) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sockbuf_bytes, sizeof sockbuf_bytes);
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sockbuf_bytes, sizeof sockbuf_bytes);
    }
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int mesh_peer_error(struct mesh *m, int peer, int err, const char *during, dt_err *e)
{
    if (err == 0)
        return dt_errf(e, DT_EIO, "rank %d closed the connection %s (did it fail or get killed?)", peer, during);
    if (err == ETIMEDOUT)
        return dt_errf(e, DT_EIO, "no progress from rank %d for %g s %s (is it hung?)", peer, m->timeout_s, during);
    return dt_errf(e, DT_EIO, "connection to rank %d failed %s: %s", peer, during, strerror(err));
}

/* Exactly `bytes` through a nonblocking fd; err out after `timeout_s`
 * without progress. Returns 0, or the errno (0 for EOF as -1 marker). */
static int xfer(int fd, void *buf, size_t bytes, int out, double timeout_s, int *err)
{
    char *p = buf;
    double last = mesh_now();
    while (bytes) {
        ssize_t n = out ? send(fd, p, bytes, MSG_NOSIGNAL) : recv(fd, p, bytes, 0);
        if (n > 0) {
            p += n;
            bytes -= (size_t)n;
            last = mesh_now();
            continue;
        }
        if (n == 0) {
            *err = 0;
            return -1;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            *err = errno;
            return -1;
        }
        struct pollfd pf = {fd, (short)(out ? POLLOUT : POLLIN), 0};
        int r = poll(&pf, 1, poll_ms(last + timeout_s));
        if (r == 0) {
            *err = ETIMEDOUT;
            return -1;
        }
        if (r < 0 && errno != EINTR) {
            *err = errno;
            return -1;
        }
    }
    return 0;
}

int mesh_send(struct mesh *m, int peer, const void *buf, size_t bytes, dt_err *e)
{
    int err;
    if (xfer(m->fd[peer], (void *)buf, bytes, 1, m->timeout_s, &err))
        return mesh_peer_error(m, peer, err, "while sending", e);
    return 0;
}

int mesh_recv(struct mesh *m, int peer, void *buf, size_t bytes, dt_err *e)
{
    int err;
    if (xfer(m->fd[peer], buf, bytes, 0, m->timeout_s, &err))
        return mesh_peer_error(m, peer, err, "while receiving", e);
    return 0;
}

/* Nonblocking connect with a deadline; returns fd or -1 with errno. */
static int connect_until(uint32_t ip, uint16_t port, double until, int sockbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (mesh_tune_socket(fd, sockbuf) < 0) goto err;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = {ip}};
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) return fd;
    if (errno != EINPROGRESS) goto err;
    struct pollfd pf = {fd, POLLOUT, 0};
    int r = poll(&pf, 1, poll_ms(until));
    if (r == 0) {
        errno = ETIMEDOUT;
        goto err;
    }
    int soerr = 0;
    socklen_t len = sizeof soerr;
    if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) goto err;
    if (soerr) {
        errno = soerr;
        goto err;
    }
    return fd;
err:;
    int sv = errno;
    close(fd);
    errno = sv;
    return -1;
}

static int listen_on(uint32_t ip, uint16_t port, int backlog, int sockbuf, uint16_t *bound)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    mesh_tune_socket(fd, sockbuf); /* inherited by accepted sockets */
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = {ip}};
    socklen_t len = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, backlog) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        int sv = errno;
        close(fd);
        errno = sv;
        return -1;
    }
    *bound = ntohs(sa.sin_port);
    return fd;
}

static int accept_until(int lfd, double until)
{
    struct pollfd pf = {lfd, POLLIN, 0};
    for (;;) {
        int r = poll(&pf, 1, poll_ms(until));
        if (r == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        if (r < 0 && errno != EINTR) return -1;
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0) {
            mesh_tune_socket(fd, 0);
            return fd;
        }
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) return -1;
    }
}

static int resolve(const char *host, uint32_t *ip, dt_err *e)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc) return dt_errf(e, DT_EINVAL, "cannot resolve MASTER_ADDR '%s': %s", host, gai_strerror(rc));
    *ip = ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr;
    freeaddrinfo(res);
    return 0;
}

/* Wire messages: arrays of 32-bit words in network order. */
enum { HELLO_WORDS = MESH_HELLO_WORDS }; /* magic, rank, size, ip, port, pid */

size_t mesh_printable(char *out, size_t size, const void *in, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *b = in;
    size_t k = 0;
    if (size == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\') {
            if (k + 1 >= size) break;
            out[k++] = (char)b[i];
        } else {
            if (k + 4 >= size) break;
            out[k++] = '\\';
            out[k++] = 'x';
            out[k++] = hex[b[i] >> 4];
            out[k++] = hex[b[i] & 15];
        }
    }
    out[k] = '\0';
    return k;
}

/* A port from the wire: 1..65535, not truncated to 16 bits. */
static int port_ok(uint32_t p) { return p >= 1 && p <= 65535; }

int mesh_hello_parse(const uint32_t w[MESH_HELLO_WORDS], int size, struct mesh_hello *h, dt_err *e)
{
    if (w[0] != RDV_MAGIC) return dt_errf(e, DT_ENOENT, "not a dtbench hello (magic 0x%08x)", w[0]);
    h->rank = w[1] > (uint32_t)INT32_MAX ? -1 : (int)w[1];
    h->size = w[2] > (uint32_t)INT32_MAX ? -1 : (int)w[2];
    h->ip = w[3];
    h->port = 0;
    h->pid = w[5];
    if (h->size != size)
        return dt_errf(e, DT_EINVAL,
                       "rank %u (pid %u) has world size %u but rank 0 has %d: every rank must get the same WORLD_SIZE",
                       w[1], w[5], w[2], size);
    if (h->rank <= 0 || h->rank >= size)
        return dt_errf(e, DT_EINVAL, "a rank (pid %u) says it is rank %u, outside 1..%d: check RANK", w[5], w[1],
                       size - 1);
    if (!port_ok(w[4]))
        return dt_errf(e, DT_EINVAL, "rank %d (pid %u) sent data port %u, outside 1..65535", h->rank, w[5], w[4]);
    h->port = (uint16_t)w[4];
    return 0;
}

int mesh_reply_head(const uint32_t w[MESH_REPLY_WORDS], int size, size_t *body, dt_err *e)
{
    *body = 0;
    if (w[0] != REPLY_MAGIC)
        return dt_errf(e, DT_EIO,
                       "rendezvous: the answer from MASTER_ADDR:MASTER_PORT is not from dtbench (magic 0x%08x): "
                       "another program on that port?",
                       w[0]);
    if (w[1] != 0) {
        *body = w[2] < MESH_REPLY_TEXT ? w[2] : MESH_REPLY_TEXT;
        return 0;
    }
    if (size < 1 || w[2] != (uint32_t)size)
        return dt_errf(e, DT_EIO, "rendezvous: rank 0 sent a table of %u ranks, expected %d", w[2], size);
    *body = (size_t)size * 8;
    return 0;
}

int mesh_reply_body(const uint32_t w[MESH_REPLY_WORDS], const void *body, size_t n, int size, uint32_t *ip,
                    uint16_t *port, dt_err *e)
{
    if (w[1] != 0) {
        int code = w[1] < 16 ? -(int)w[1] : DT_EIO;
        if (code == DT_OK) code = DT_EIO;
        char msg[4 * MESH_REPLY_TEXT + 1];
        mesh_printable(msg, sizeof msg, body, n);
        return dt_errf(e, code, "rendezvous failed: %s", n ? msg : "(no reason given by rank 0)");
    }
    if (n != (size_t)size * 8) return dt_errf(e, DT_EIO, "rendezvous: table from rank 0 cut short");
    const unsigned char *b = body;
    for (int i = 0; i < size; i++) {
        uint32_t t[2];
        memcpy(t, b + (size_t)i * 8, 8);
        t[0] = ntohl(t[0]);
        t[1] = ntohl(t[1]);
        if (!port_ok(t[1]))
            return dt_errf(e, DT_EIO, "rendezvous: rank 0's table gives rank %d data port %u, outside 1..65535", i,
                           t[1]);
        ip[i] = htonl(t[0]);
        port[i] = (uint16_t)t[1];
    }
    return 0;
}

static int send_words(int fd, const uint32_t *w, int n, double timeout_s)
{
    uint32_t b[16];
    for (int i = 0; i < n; i++) b[i] = htonl(w[i]);
    int err;
    return xfer(fd, b, (size_t)n * 4, 1, timeout_s, &err);
}

static int recv_words(int fd, uint32_t *w, int n, double timeout_s, int *err)
{
    if (xfer(fd, w, (size_t)n * 4, 0, timeout_s, err)) return -1;
    for (int i = 0; i < n; i++) w[i] = ntohl(w[i]);
    return 0;
}

/* Rank 0's answer: status word (0 ok, else -DT_E code), length word, then
 * the error text or the address table. */
static void rdv_reply(int fd, int code, const char *msg, const struct mesh *m)
{
    int ok = code == 0;
    uint32_t h[MESH_REPLY_WORDS] = {REPLY_MAGIC, (uint32_t)-code, ok ? (uint32_t)m->size : (uint32_t)strlen(msg)};
    int err;
    if (send_words(fd, h, MESH_REPLY_WORDS, 2.0)) return;
    if (!ok) {
        xfer(fd, (void *)msg, strlen(msg), 1, 2.0, &err);
        return;
    }
    for (int i = 0; i < m->size; i++) {
        uint32_t w[2] = {ntohl(m->ip[i]), m->port[i]};
        if (send_words(fd, w, 2, 2.0)) return;
    }
}

static int rdv_master(struct mesh *m, uint32_t mip, const struct bench_world *w, const struct mesh_opts *o,
                      int *conn, dt_err *e)
{
    uint16_t port;
    int lfd = listen_on(mip, (uint16_t)w->master_port, m->size, 0, &port);
    if (lfd < 0 && errno == EADDRNOTAVAIL) /* MASTER_ADDR names another interface */
        lfd = listen_on(INADDR_ANY, (uint16_t)w->master_port, m->size, 0, &port);
    if (lfd < 0) {
        if (errno == EADDRINUSE)
            return dt_errf(e, DT_EIO,
                           "cannot listen on %s:%d for the rendezvous: port already in use (another dtbench "
                           "or torchrun? pick another MASTER_PORT or launch --port)",
                           w->master_addr, w->master_port);
        return dt_errf(e, DT_EIO, "cannot listen on %s:%d for the rendezvous: %s", w->master_addr,
                       w->master_port, strerror(errno));
    }
    int joined = 1, rc = 0;
    double until = mesh_now() + o->rdv_timeout_s;
    char msg[sizeof e->msg];
    msg[0] = 0;
    while (joined < m->size) {
        int fd = accept_until(lfd, until);
        if (fd < 0) {
            char miss[256];
            size_t k = 0;
            int shown = 0;
            miss[0] = 0;
            for (int r = 1; r < m->size && k + 16 < sizeof miss; r++)
                if (conn[r] < 0) {
                    if (shown++ == 8) {
                        k += (size_t)snprintf(miss + k, sizeof miss - k, ", ...");
                        break;
                    }
                    k += (size_t)snprintf(miss + k, sizeof miss - k, "%s%d", k ? ", " : "", r);
                }
            snprintf(msg, sizeof msg,
                     "rendezvous at %s:%d timed out after %g s: %d of %d ranks joined, missing rank%s %s",
                     w->master_addr, w->master_port, o->rdv_timeout_s, joined, m->size,
                     m->size - joined > 1 ? "s" : "", miss);
            rc = DT_EIO;
            break;
        }
        uint32_t h[HELLO_WORDS];
        int err;
        struct mesh_hello hi;
        dt_err he;
        if (recv_words(fd, h, HELLO_WORDS, 5.0, &err)) {
            close(fd); /* a stray connection, not a dtbench rank */
            continue;
        }
        int hrc = mesh_hello_parse(h, m->size, &hi, &he);
        if (hrc == DT_ENOENT) {
            close(fd); /* not a dtbench rank: nothing of it is printed */
            continue;
        }
        if (hrc) {
            snprintf(msg, sizeof msg, "%s", he.msg);
            rdv_reply(fd, DT_EINVAL, msg, m);
            close(fd);
            rc = DT_EINVAL;
            break;
        }
        int r = hi.rank;
        if (conn[r] >= 0) {
            snprintf(msg, sizeof msg, "rank %d joined twice (pid %u): two processes got the same RANK", r, hi.pid);
            rdv_reply(fd, DT_EINVAL, msg, m);
            close(fd);
            rc = DT_EINVAL;
            break;
        }
        conn[r] = fd;
        m->ip[r] = htonl(hi.ip);
        m->port[r] = hi.port;
        joined++;
    }
    close(lfd);
    for (int r = 1; r < m->size; r++)
        if (conn[r] >= 0) rdv_reply(conn[r], rc, msg, m);
    if (rc) return dt_errf(e, rc, "%s", msg);
    return 0;
}

static int rdv_join(struct mesh *m, uint32_t mip, const struct bench_world *w, const struct mesh_opts *o,
                    int *lfd, dt_err *e)
{
    double until = mesh_now() + o->rdv_timeout_s;
    int fd, last = 0;
    while ((fd = connect_until(mip, (uint16_t)w->master_port, until, 0)) < 0) {
        last = errno;
        if (mesh_now() + 0.1 >= until)
            return dt_errf(e, DT_EIO,
                           "cannot reach the rendezvous at %s:%d within %g s (%s): is rank 0 running, with the "
                           "same MASTER_ADDR/MASTER_PORT?",
                           w->master_addr, w->master_port, o->rdv_timeout_s, strerror(last));
        sleep_s(0.1);
    }
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &len);
    m->ip[m->rank] = sa.sin_addr.s_addr;
    *lfd = listen_on(sa.sin_addr.s_addr, 0, m->size, o->sockbuf_bytes, &m->port[m->rank]);
    if (*lfd < 0) {
        close(fd);
        return dt_errf(e, DT_EIO, "cannot open a data listener: %s", strerror(errno));
    }
    uint32_t h[HELLO_WORDS] = {RDV_MAGIC, (uint32_t)m->rank, (uint32_t)m->size, ntohl(m->ip[m->rank]),
                               m->port[m->rank], (uint32_t)getpid()};
    uint32_t r[MESH_REPLY_WORDS];
    int err = 0;
    /* Rank 0 answers when the last rank has joined or its own wait ran
     * out; allow for ranks that started later than this one. */
    if (send_words(fd, h, HELLO_WORDS, o->timeout_s) ||
        recv_words(fd, r, MESH_REPLY_WORDS, o->rdv_timeout_s + 5.0, &err)) {
        close(fd);
        return dt_errf(e, DT_EIO, "rendezvous with rank 0 at %s:%d failed: %s", w->master_addr, w->master_port,
                       err == 0 ? "rank 0 closed the connection (see its error)"
                       : err == ETIMEDOUT ? "no answer in time"
                                          : strerror(err));
    }
    size_t n;
    int hrc = mesh_reply_head(r, m->size, &n, e); /* checked before anything of it is read on */
    if (hrc) {
        close(fd);
        return hrc;
    }
    unsigned char *body = malloc(n ? n : 1);
    if (!body) {
        close(fd);
        return dt_errf(e, DT_ENOMEM, "out of memory for the rendezvous table");
    }
    size_t got = n;
    if (n && xfer(fd, body, n, 0, r[1] ? 2.0 : o->timeout_s, &err)) got = r[1] ? 0 : n + 1;
    close(fd);
    int rc = got > n ? dt_errf(e, DT_EIO, "rendezvous: table from rank 0 cut short")
                     : mesh_reply_body(r, body, got, m->size, m->ip, m->port, e);
    free(body);
    return rc;
}

static int mesh_connect_all(struct mesh *m, int lfd, const struct mesh_opts *o, dt_err *e)
{
    char ab[INET_ADDRSTRLEN];
    double until = mesh_now() + o->rdv_timeout_s;
    for (int p = 0; p < m->rank; p++) {
        int fd = connect_until(m->ip[p], m->port[p], until, o->sockbuf_bytes);
        if (fd < 0)
            return dt_errf(e, DT_EIO, "cannot connect to rank %d at %s:%u: %s", p, ipstr(m->ip[p], ab), m->port[p],
                           strerror(errno));
        uint32_t h[2] = {MESH_MAGIC, (uint32_t)m->rank};
        m->fd[p] = fd;
        if (send_words(fd, h, 2, o->timeout_s)) return mesh_peer_error(m, p, errno, "while connecting", e);
    }
    for (int k = m->rank + 1; k < m->size; k++) {
        int fd = accept_until(lfd, until);
        if (fd < 0) {
            int miss = -1;
            for (int p = m->size - 1; p > m->rank; p--)
                if (m->fd[p] < 0) miss = p;
            return dt_errf(e, DT_EIO, "rank %d never connected to rank %d within %g s (did it die?)", miss, m->rank,
                           o->rdv_timeout_s);
        }
        uint32_t h[2];
        int err;
        if (recv_words(fd, h, 2, o->timeout_s, &err) || h[0] != MESH_MAGIC || (int)h[1] <= m->rank ||
            (int)h[1] >= m->size || m->fd[h[1]] >= 0) {
            close(fd);
            k--; /* not one of ours; keep waiting */
            continue;
        }
        m->fd[h[1]] = fd;
    }
    return 0;
}

int mesh_open(struct mesh *m, const struct bench_world *w, const struct mesh_opts *o, dt_err *e)
{
    memset(m, 0, sizeof *m);
    m->rank = w->rank;
    m->size = w->size;
    m->timeout_s = o->timeout_s;
    m->early = o->early;
    m->fd = malloc(sizeof *m->fd * (size_t)w->size);
    m->ip = calloc((size_t)w->size, sizeof *m->ip);
    m->port = calloc((size_t)w->size, sizeof *m->port);
    if (!m->fd || !m->ip || !m->port) {
        mesh_close(m);
        return dt_errf(e, DT_ENOMEM, "out of memory for %d ranks", w->size);
    }
    for (int i = 0; i < w->size; i++) m->fd[i] = -1;
    if (w->size == 1) return 0;
    uint32_t mip = 0;
    int rc = resolve(w->master_addr, &mip, e), lfd = -1;
    if (rc) goto fail;
    if (w->rank == 0) {
        /* Rank 0's data listener sits on MASTER_ADDR (or any address when
         * that is not local), next to the rendezvous. */
        m->ip[0] = mip;
        lfd = listen_on(mip, 0, m->size, o->sockbuf_bytes, &m->port[0]);
        if (lfd < 0) lfd = listen_on(INADDR_ANY, 0, m->size, o->sockbuf_bytes, &m->port[0]);
        if (lfd < 0) {
            rc = dt_errf(e, DT_EIO, "cannot open a data listener: %s", strerror(errno));
            goto fail;
        }
        int *conn = malloc(sizeof *conn * (size_t)w->size);
        if (!conn) {
            rc = dt_errf(e, DT_ENOMEM, "out of memory");
            goto fail;
        }
        for (int i = 0; i < w->size; i++) conn[i] = -1;
        rc = rdv_master(m, mip, w, o, conn, e);
        for (int i = 0; i < w->size; i++)
            if (conn[i] >= 0) close(conn[i]);
        free(conn);
    } else {
        rc = rdv_join(m, mip, w, o, &lfd, e);
    }
    if (!rc) rc = mesh_connect_all(m, lfd, o, e);
fail:
    if (lfd >= 0) close(lfd);
    if (rc) mesh_close(m);
    return rc;
}

void mesh_close(struct mesh *m)
{
    if (m->fd)
        for (int i = 0; i < m->size; i++)
            if (m->fd[i] >= 0) close(m->fd[i]);
    free(m->fd);
    free(m->ip);
    free(m->port);
    m->fd = NULL;
    m->ip = NULL;
    m->port = NULL;
}

int mesh_allreduce_f64(struct mesh *m, double *v, int n, int op, dt_err *e)
{
    if (m->size == 1) return 0;
    size_t bytes = sizeof *v * (size_t)n;
    if (m->rank != 0) {
        int rc = mesh_send(m, 0, v, bytes, e);
        return rc ? rc : mesh_recv(m, 0, v, bytes, e);
    }
    double t[64];
    if (n > 64) return dt_errf(e, DT_EINVAL, "mesh_allreduce_f64: at most 64 values");
    for (int p = 1; p < m->size; p++) {
        int rc = mesh_recv(m, p, t, bytes, e);
        if (rc) return rc;
        for (int i = 0; i < n; i++) v[i] = op == MESH_MAX ? (t[i] > v[i] ? t[i] : v[i]) : v[i] + t[i];
    }
    for (int p = 1; p < m->size; p++) {
        int rc = mesh_send(m, p, v, bytes, e);
        if (rc) return rc;
    }
    return 0;
}

int mesh_barrier(struct mesh *m, dt_err *e)
{
    double x = 0;
    return mesh_allreduce_f64(m, &x, 1, MESH_SUM, e);
}

int mesh_bcast(struct mesh *m, void *buf, size_t bytes, dt_err *e)
{
    if (m->size == 1) return 0;
    if (m->rank != 0) return mesh_recv(m, 0, buf, bytes, e);
    for (int p = 1; p < m->size; p++) {
        int rc = mesh_send(m, p, buf, bytes, e);
        if (rc) return rc;
    }
    return 0;
}
