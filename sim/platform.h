/* platform.h -- a cluster of GPUs as a SimGrid platform.
 *
 * A `struct sim_cluster` holds plain numbers (the config layer fills it from
 * the experiment file and the catalog); platform_write_xml() turns it into
 * SimGrid platform XML, platform_load() writes and loads it.
 *
 * One host per GPU, named "g<rank>", rank = node * gpus_per_node + local.
 * Zones nest as the hardware does, so that SimGrid resolves a route by
 * walking three small tables instead of one N^2 table:
 *
 *   top   (DijkstraCache)  leaf switches + spine router    fat-tree, dragonfly
 *    leaf (DijkstraCache)  one switch + the nodes under it
 *     node (Full)          GPUs g.., gateway router n<i>gw
 *
 *   intra-node  gA --port(A) UP--> [fabric] --port(B) DOWN--> gB    (switch)
 *               gA --pair(A,B)--> gB                                (mesh)
 *   inter-node  gA --nic(A) UP--> leaf sw [--uplink UP--> spine --uplink DOWN-->
 *               leaf sw] --nic(B) DOWN--> gB
 *
 * Every link is SPLITDUPLEX (full duplex: each direction has the full
 * bandwidth), so a ring's send and receive on one NIC do not share.
 *
 * Latency budget (one way), with L = nic_lat_s, W = switch_lat_s:
 *   same node            intra_lat_s              (each port link: intra_lat_s/2)
 *   same leaf switch     L + W                    (each NIC link: L/2 + W/2)
 *   across the spine     L + 3W                   (each uplink: W)
 *   torus, h hops        L + W + h * W
 *
 * Multi-rail: local GPU j uses NIC floor(j * nics_per_node / gpus_per_node);
 * GPUs sharing a NIC share its bandwidth. GPU-to-NIC PCIe is not modelled
 * (the NIC is the narrower pipe on every system we target). The schedule
 * picks the NIC through the GPU that sends: models/coll.h, Channels.
 *
 * Fat-tree: a leaf switch holds nodes_per_leaf nodes; its uplink to the spine
 * is one aggregated link of bandwidth
 *     nodes_in_leaf * nics_per_node * nic_bw_Bps / oversubscription
 * (perfect load balance over the physical uplinks; ECMP hash collisions are
 * not modelled). The spine itself is non-blocking.
 *
 * Torus: nodes on a torus_x * torus_y * torus_z grid (wrap-around links of
 * torus_link_bw_Bps, or nic_bw_Bps when 0), shortest-path routing.
 * Dragonfly: nodes_per_leaf nodes per router, dfly_routers routers per group
 * all-to-all by local links, one global link between every pair of groups
 * (on router j of group i for group j, modulo dfly_routers), minimal routing.
 *
 * Network model: see platform_engine_init() and docs/sim.md. Factors are 1:
 * the catalog gives *effective* bandwidths, and the closed forms hold.
 */
#ifndef DT_PLATFORM_H
#define DT_PLATFORM_H

#include <stdio.h>

#include "err.h"

enum sim_topology {
    SIM_TOPO_SWITCH = 0,   /* every node on one non-blocking switch */
    SIM_TOPO_FATTREE = 1,  /* two levels: leaves of nodes_per_leaf, one spine */
    SIM_TOPO_TORUS = 2,    /* nodes on a 1/2/3-d torus */
    SIM_TOPO_DRAGONFLY = 3 /* groups of routers, global links between groups */
};

enum sim_intra {
    SIM_INTRA_SWITCH = 0,  /* each GPU has one port of intra_bw_Bps into a switch (NVSwitch, PCIe) */
    SIM_INTRA_MESH = 1     /* a direct link per GPU pair of intra_bw_Bps / (G-1) (NVLink mesh) */
};

struct sim_cluster {
    int nodes;                 /* >= 1 */
    int gpus_per_node;         /* G >= 1 */
    double gpu_flops;          /* flop/s, host speed of each GPU */
    int intra;                 /* enum sim_intra */
    double intra_bw_Bps;       /* B/s per GPU per direction into the node fabric */
    double intra_lat_s;        /* s, GPU to GPU in a node, one way */
    int nics_per_node;         /* 1..G */
    double nic_bw_Bps;         /* B/s per NIC per direction */
    double nic_lat_s;          /* s, NIC to NIC, one way, switches excluded */
    double switch_lat_s;       /* s, per switch traversed */
    int topology;              /* enum sim_topology */
    int nodes_per_leaf;        /* fat-tree: nodes per leaf switch; dragonfly: per router */
    double oversubscription;   /* fat-tree: leaf down/up bandwidth ratio, >= 1 */
    int torus_x, torus_y, torus_z;  /* torus: nodes per dimension (unused = 1) */
    double torus_link_bw_Bps;  /* B/s per torus link direction; 0 = nic_bw_Bps */
    int dfly_routers;          /* dragonfly: routers per group */
    double dfly_local_bw_Bps;  /* B/s, router-router link in a group; 0 = leaf uplink as fat-tree */
    double dfly_global_bw_Bps; /* B/s, group-group link; 0 = dfly_local_bw_Bps */
};

/* Fill c with an ABCI-like default (4 V100 per node, NVLink2, 2 x EDR, 34
 * nodes per leaf, 3:1) for `nodes` nodes. Numbers and sources in docs/sim.md. */
void platform_abci(struct sim_cluster *c, int nodes);

/* Check every field (counts >= 1, bandwidths > 0, grid matches nodes ...). */
int platform_check(const struct sim_cluster *c, dt_err *e);

/* Write the platform XML. Deterministic: same cluster, same bytes. */
int platform_write_xml(const struct sim_cluster *c, FILE *f, dt_err *e);

/* Leaf bandwidth to the spine (fat-tree), B/s. */
double platform_uplink_Bps(const struct sim_cluster *c, int leaf);

/* Start the SimGrid engine with dtsim's network model settings (once per
 * process, before platform_load). Extra SimGrid options ("--cfg=...") may
 * follow in argv; argv[0] is the program name. */
int platform_engine_init(int argc, char **argv, dt_err *e);

/* Write the XML to `path` and load it. Once per process. */
int platform_load(const struct sim_cluster *c, const char *path, dt_err *e);

/* Host name of a rank ("g12"). */
const char *platform_host_name(int rank, char *buf, size_t n);

#endif
