/* units.h -- numbers with units, as written in config files.
 *
 * The prefix rule (also in docs/config.md):
 *
 *   SI prefixes are decimal:   k = 1e3, M = 1e6, G = 1e9, T = 1e12, P = 1e15
 *   binary prefixes are 1024^n: Ki = 2^10, Mi = 2^20, Gi = 2^30, Ti = 2^40, Pi = 2^50
 *   `b` or `bit` is a bit, `B` is a byte (8 bits).
 *   `K` (capital) is accepted as a synonym of `k` (decimal), never as 1024.
 *
 * Kinds and the value they yield (always SI base units, as a double):
 *
 *   UNITS_BANDWIDTH  bytes/s   100Gbps, 100Gbit/s, 100Gb/s, 12.5GB/s, 12.5GBps, 1.5MiB/s
 *                              (`bps` = bits/s, `Bps` = bytes/s; 100Gbps = 12.5e9)
 *   UNITS_TIME       seconds   ns us ms s min h        (1.5us = 1.5e-6)
 *   UNITS_SIZE       bytes     B kB KB MB GB TB PB KiB MiB GiB TiB PiB, and
 *                              bit forms (Mbit, Gb) divided by 8 (64MiB = 67108864)
 *   UNITS_FLOPS      flop/s    FLOPS FLOP/s flops flop/s with a prefix (15.7TFLOPS = 1.57e13)
 *   UNITS_NUMBER     plain     a number, optionally with an SI or binary prefix
 *                              (`1.28M` = 1280000, `64Ki` = 65536)
 *
 * Grammar: optional spaces, a decimal number (no sign; `1e3` exponent
 * allowed), optional spaces, the unit, optional spaces. A unit is required
 * for every kind but UNITS_NUMBER: "'100' needs a unit, e.g. 100Gbps".
 * Negative numbers, NaN, infinities, overflow and trailing garbage are
 * errors. Zero is accepted here; ranges are the config schema's business.
 *
 * Error messages carry no file:line; the config layer adds it.
 */
#ifndef DT_UNITS_H
#define DT_UNITS_H

#include "err.h"

#include <stddef.h>

enum units_kind { UNITS_BANDWIDTH, UNITS_TIME, UNITS_SIZE, UNITS_FLOPS, UNITS_NUMBER };

/* Parse `text` as a value of `kind` into *out (SI base units). Returns 0,
 * or DT_EINVAL with e filled ("'100' needs a unit, e.g. 100Gbps",
 * "unknown bandwidth unit 'Gbs' in '100Gbs' (did you mean 'Gbps'?)"). */
int units_parse(const char *text, enum units_kind kind, double *out, dt_err *e);

/* Format `value` (SI base units) for people: "%.4g" with the largest
 * decimal prefix that keeps the number >= 1, e.g. "12.5 GB/s", "1.5 us",
 * "25 MB", "15.7 TFLOP/s". Deterministic (no locale). A size that is an
 * exact multiple of a higher power of 1024 than of 1000 prints binary
 * ("64 MiB"). Times print in s, ms, us, ns (whole minutes/hours as min/h).
 * UNITS_NUMBER prints integers in full ("1281167"), others "%.6g".
 * Returns buf. */
char *units_format(char *buf, size_t len, double value, enum units_kind kind);

/* A unit example for messages: "100Gbps", "1.5us", "25MB", "15.7TFLOPS", "42". */
const char *units_example(enum units_kind kind);

/* "bandwidth", "time", "size", "flop rate", "number". */
const char *units_kind_name(enum units_kind kind);

#endif
