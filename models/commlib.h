/* commlib.h -- a collective library's software costs as a catalog row
 * ([commlib NAME] in configs/catalog/commlibs.ini), applied by the
 * simulator to every step of every schedule (sim/collsim.h).
 *
 * What the wire does is the link's business ([link] rows, the platform);
 * what the library adds on top of it is this row's:
 *
 *   per collective call (one bucket):   call_s
 *   per round of a rank, before its data moves:
 *       step latency   step_inter_s  when any op of the round has its peer
 *                                    on another node (the round crosses the
 *                                    network), else step_intra_s
 *       protocol       the round's largest message m (bytes, sends and
 *                      receives) <= small_bytes: the small-message protocol
 *                      (small_step_*_s, small_bw_share), else the large one
 *       chunking       (pieces(m) - 1) x chunk_lat_s more, pieces(m) =
 *                      ceil(m / chunk_bytes) (1 when chunk_bytes = 0): the
 *                      pieces of the round's messages go in parallel (one
 *                      per channel), so the largest message sets the count
 *   per message:       bytes / share on the wire: a protocol that reaches a
 *                      fraction `share` of the link rate (NCCL LL: 8 bytes
 *                      of which 4 are flags, so 0.5) takes 1/share as long
 *
 * So a ring all-reduce of S bytes on N ranks, one per node, on a switch
 * with link latency L and bandwidth B, large protocol, no chunking, takes
 *
 *     call + 2(N-1) (L + step_inter) + 2(N-1)/N x S / (B x bw_share)
 *
 * Layering (on = BASE): Horovod runs NCCL or MPI underneath and adds its
 * own cost per call (tensor fusion, negotiation among ranks). A layered row
 * takes every per-step value of BASE and sets `call` only, which is added
 * to BASE's; library, version, year, transport and source stay its own. It
 * may not set any other numeric key (an error at load), and BASE must not
 * itself be layered: the per-step behaviour is the base library's, and one
 * row holds it.
 *
 * The name "none" is the ideal library: no software cost, share 1 (what
 * the simulator did before libraries were rows; the collsim unit tests keep
 * using it). NULL means the same everywhere a library is optional.
 */
#ifndef DT_COMMLIB_H
#define DT_COMMLIB_H

#include <stddef.h>

#include "catalog.h"
#include "err.h"

struct commlib {
    const char *name;          /* "nccl-2.4" */
    const char *library;       /* "NCCL", "Gloo", "Open MPI", "Horovod" ... */
    const char *version;       /* "2.4.2" */
    int year;
    const char *transport;     /* informational: "IB verbs", "TCP", "NVLink/PCIe" */
    const char *on;            /* a library layered on another (Horovod): the base row's name, "" = none */
    double call_s;             /* fixed software cost per collective call (one bucket), seconds */
    double step_intra_s;       /* software latency added to each step whose messages stay inside a node */
    double step_inter_s;       /* ... to each step with a message crossing nodes */
    double small_bytes;        /* protocol change: messages of at most this many bytes use the small-message protocol (0 = none) */
    double small_step_intra_s, small_step_inter_s; /* per-step latency of the small protocol */
    double bw_share;           /* fraction (0,1] of link bandwidth that large messages reach */
    double small_bw_share;     /* same for the small protocol (NCCL LL: 0.5) */
    double chunk_bytes;        /* a message is sent in pieces of at most this (0 = whole) */
    double chunk_lat_s;        /* extra cost of each piece after the first */
    const char *source;
    struct catalog_origin at;
};

/* The ideal library ("none"): every cost 0, both shares 1. */
extern const struct commlib commlib_none;

/* 1 when name is "none" (case-insensitive). */
int commlib_is_none(const char *name);

/* Check one row's values (shares in (0,1], times and sizes >= 0, a small
 * protocol with its latencies). DT_EINVAL with a sentence naming the key. */
int commlib_check(const struct commlib *l, dt_err *e);

/* A layered row merged with its base: *out = base's per-step values,
 * call = base call + layer call, the layer's own name and text fields. */
void commlib_layer(const struct commlib *layer, const struct commlib *base, struct commlib *out);

/* Per call (NULL = ideal): seconds. */
double commlib_call_s(const struct commlib *l);

/* Is a round whose largest message is max_bytes sent with the small protocol? */
int commlib_small(const struct commlib *l, double max_bytes);

/* Software latency of one round of a rank: step latency of the round's
 * link class (inter: 1 when any peer is on another node) and protocol, plus
 * the chunking cost of its largest message. 0 for NULL. */
double commlib_round_lat_s(const struct commlib *l, int inter, double max_bytes);

/* Share of the link rate the round's messages reach (1 for NULL). */
double commlib_share(const struct commlib *l, double max_bytes);

#endif
