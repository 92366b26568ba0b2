/* commlib.c -- see commlib.h. */
#include "commlib.h"

#include <math.h>
#include <strings.h>

const struct commlib commlib_none = {
    .name = "none",
    .library = "ideal",
    .version = "",
    .transport = "",
    .on = "",
    .bw_share = 1,
    .small_bw_share = 1,
    .source = "no software cost: the link alone",
};

int commlib_is_none(const char *name)
{
    return name && strcasecmp(name, "none") == 0;
}

int commlib_check(const struct commlib *l, dt_err *e)
{
    const struct {
        const char *key;
        double v;
    } nonneg[] = {{"call", l->call_s},
                  {"step_intra", l->step_intra_s},
                  {"step_inter", l->step_inter_s},
                  {"small_bytes", l->small_bytes},
                  {"small_step_intra", l->small_step_intra_s},
                  {"small_step_inter", l->small_step_inter_s},
                  {"chunk_bytes", l->chunk_bytes},
                  {"chunk_lat", l->chunk_lat_s}};
    for (size_t i = 0; i < sizeof nonneg / sizeof *nonneg; i++)
        if (!(nonneg[i].v >= 0) || !isfinite(nonneg[i].v))
            return dt_errf(e, DT_EINVAL, "[commlib %s] %s: %g, expected a finite value >= 0", l->name, nonneg[i].key,
                           nonneg[i].v);
    if (!(l->bw_share > 0 && l->bw_share <= 1))
        return dt_errf(e, DT_EINVAL, "[commlib %s] bw_share: %g, expected a fraction in (0, 1]", l->name, l->bw_share);
    if (!(l->small_bw_share > 0 && l->small_bw_share <= 1))
        return dt_errf(e, DT_EINVAL, "[commlib %s] small_bw_share: %g, expected a fraction in (0, 1]", l->name,
                       l->small_bw_share);
    if (l->chunk_lat_s > 0 && l->chunk_bytes == 0)
        return dt_errf(e, DT_EINVAL, "[commlib %s] chunk_lat: a cost per piece needs chunk_bytes (the piece size)",
                       l->name);
    return 0;
}

void commlib_layer(const struct commlib *layer, const struct commlib *base, struct commlib *out)
{
    struct commlib m = *base;
    m.name = layer->name;
    m.library = layer->library;
    m.version = layer->version;
    m.year = layer->year;
    m.transport = layer->transport[0] ? layer->transport : base->transport;
    m.on = layer->on;
    m.call_s = base->call_s + layer->call_s;
    m.source = layer->source;
    m.at = layer->at;
    *out = m;
}

double commlib_call_s(const struct commlib *l)
{
    return l ? l->call_s : 0;
}

int commlib_small(const struct commlib *l, double max_bytes)
{
    return l && l->small_bytes > 0 && max_bytes <= l->small_bytes;
}

double commlib_round_lat_s(const struct commlib *l, int inter, double max_bytes)
{
    if (!l) return 0;
    double t;
    if (commlib_small(l, max_bytes)) t = inter ? l->small_step_inter_s : l->small_step_intra_s;
    else t = inter ? l->step_inter_s : l->step_intra_s;
    if (l->chunk_bytes > 0 && max_bytes > l->chunk_bytes) t += (ceil(max_bytes / l->chunk_bytes) - 1) * l->chunk_lat_s;
    return t;
}

double commlib_share(const struct commlib *l, double max_bytes)
{
    if (!l) return 1;
    return commlib_small(l, max_bytes) ? l->small_bw_share : l->bw_share;
}
