/* coll_torus.c -- 2D-torus all-reduce (Mikami et al. 2018, "Massively
 * distributed SGD: ImageNet/ResNet-50 training in a flash", sec. 3.2).
 *
 * N = X * Y ranks on a grid, rank r at column x = r % X, row y = r / X, so
 * a row is X consecutive ranks (one node or several when X is a multiple
 * of gpus_per_node):
 *
 *   1. ring reduce-scatter along each row: x ends with block x of X (X-1 steps)
 *   2. ring all-reduce of block x along each column (2 (Y-1) steps)
 *   3. ring all-gather along each row (X-1 steps)
 *
 *   steps = rounds = (2 (X-1) + 2 (Y-1)) * chunks
 *   bytes sent ~ 2 (X-1)/X * S  +  2 (Y-1)/(X Y) * S
 *
 * Grid 0x0 is chosen: X = the smallest divisor of N with X*X >= N that is a
 * multiple of gpus_per_node when that divides N (4096 ranks, 8 per node:
 * 64x64; 16 ranks, 8 per node: 8x2), otherwise the smallest divisor with
 * X*X >= N (a prime N gives N x 1, a plain ring). One side given, the
 * other is N divided by it. X*Y != N is refused.
 *
 * Channels (coll.h): when a row spans several whole nodes (X a multiple of
 * gpus_per_node, X > gpus_per_node), channel c runs the three phases on
 * region c of k, its row order rotated inside each node so that the row's
 * node-to-node hops of channel c leave on NIC c. The column rings already
 * join GPU j of one node to GPU j of others (NIC j k / G): a column of
 * channel c carries the block its rank owns in region c. A row inside one
 * node runs one channel.
 *
 * State: st[0] = next round t; t / chunks is the ring step across phases.
 */
#include "coll_int.h"

static int torus_prepare(struct coll_params *p, dt_err *e)
{
    int rc = coll__prepare_common(p, e);
    if (rc) return rc;
    if (p->chunks == 0) p->chunks = 1;
    int n = p->nranks, g = p->gpus_per_node;
    if (p->grid_x < 0 || p->grid_y < 0)
        return dt_errf(e, DT_EINVAL, "2d-torus: grid %dx%d has a negative side", p->grid_x, p->grid_y);
    if (p->grid_x == 0 && p->grid_y == 0) {
        int want_g = g > 1 && n % g == 0;
        int x0 = 1;
        while ((int64_t)x0 * x0 < n) x0++;
        for (int x = x0; x <= n; x++)
            if (n % x == 0 && (!want_g || x % g == 0)) {
                p->grid_x = x;
                break;
            }
        p->grid_y = n / p->grid_x;
        p->channels = coll__channels(p, p->grid_x);
        return 0;
    }
    if (p->grid_y == 0) {
        if (n % p->grid_x)
            return dt_errf(e, DT_EINVAL, "2d-torus: grid width %d does not divide %d ranks", p->grid_x, n);
        p->grid_y = n / p->grid_x;
    } else if (p->grid_x == 0) {
        if (n % p->grid_y)
            return dt_errf(e, DT_EINVAL, "2d-torus: grid height %d does not divide %d ranks", p->grid_y, n);
        p->grid_x = n / p->grid_y;
    }
    if ((int64_t)p->grid_x * p->grid_y != n)
        return dt_errf(e, DT_EINVAL, "2d-torus: grid %dx%d holds %lld ranks, not %d", p->grid_x, p->grid_y,
                       (long long)p->grid_x * p->grid_y, n);
    p->channels = coll__channels(p, p->grid_x);
    return 0;
}

static int torus_begin(struct coll_iter *it)
{
    it->st[0] = 0;
    return 0;
}

/* Channel ch's row and column rings (p prepared). The row works on region
 * ch of k, its order rotated inside each node; the column ring of the rank
 * at row position v all-reduces block v of that region. */
static void rings(const struct coll_params *p, int rank, int ch, struct coll__ring *row, struct coll__ring *col)
{
    int X = p->grid_x, x = rank % X, y = rank / X, k = coll__nch(p);
    uint64_t off = coll__part_off(p->count, (uint64_t)k, (uint64_t)ch),
             len = coll__part_len(p->count, (uint64_t)k, (uint64_t)ch);
    *row = (struct coll__ring){X, x, y * X, 1, off, len, p->chunks, 0, 0, p->gpus_per_node,
                               k > 1 ? coll__chan_rot(p->gpus_per_node, k, ch) : 0};
    row->pos = coll__ring_pos(row, rank);
    int v = row->pos;
    *col = (struct coll__ring){p->grid_y, y, x, X, off + coll__part_off(len, (uint64_t)X, (uint64_t)v),
                               coll__part_len(len, (uint64_t)X, (uint64_t)v), p->chunks, 0, 0, 0, 0};
    coll__ring_init(row);
    coll__ring_init(col);
}

static int torus_next(struct coll_iter *it, struct coll_round *r)
{
    const struct coll_params *p = &it->p;
    if (p->count == 0 || p->nranks < 2) return 0;
    uint64_t C = (uint64_t)p->chunks, X1 = (uint64_t)p->grid_x - 1, Y1 = (uint64_t)p->grid_y - 1;
    uint64_t t = it->st[0], k = t / C, c = t % C;
    if (k >= 2 * X1 + 2 * Y1) return 0;
    it->st[0]++;
    struct coll__ring row, col;
    r->nops = 0;
    r->step = (uint32_t)t;
    r->phase = k < X1 ? 0 : k < X1 + Y1 ? 1 : k < X1 + 2 * Y1 ? 2 : 3;
    for (int ch = 0; ch < coll__nch(p); ch++) {
        rings(p, it->rank, ch, &row, &col);
        int rc;
        if (r->phase == 0)
            rc = coll__ring_ops(&row, 1, (int)k, (int)c, r);
        else if (r->phase < 3)
            rc = coll__ring_ops(&col, r->phase == 1, (int)(r->phase == 1 ? k - X1 : k - X1 - Y1), (int)c, r);
        else
            rc = coll__ring_ops(&row, 0, (int)(k - X1 - 2 * Y1), (int)c, r);
        if (rc) return rc;
    }
    return 1;
}

static int torus_cost(const struct coll_params *p, int rank, struct coll_cost *c)
{
    coll__cost_zero(c);
    if (p->count == 0 || p->nranks < 2) return 0;
    c->rounds = c->steps = (uint64_t)(2 * (p->grid_x - 1) + 2 * (p->grid_y - 1)) * (uint64_t)p->chunks;
    for (int ch = 0; ch < coll__nch(p); ch++) {
        struct coll__ring row, col;
        rings(p, rank, ch, &row, &col);
        coll__ring_cost(&row, 1, p, rank, c);
        coll__ring_cost(&col, 1, p, rank, c);
        coll__ring_cost(&col, 0, p, rank, c);
        coll__ring_cost(&row, 0, p, rank, c);
    }
    return 0;
}

const struct coll_algo coll_algo_torus = {
    .name = "2d-torus",
    .summary = "Mikami et al.: reduce-scatter along X, all-reduce along Y, all-gather along X",
    .prepare = torus_prepare, .begin = torus_begin, .next = torus_next, .cost = torus_cost,
    .op = COLL_ALLREDUCE,
};
