#!/usr/bin/env python3
"""Trim a torch.profiler (Kineto) Chrome trace to one ProfilerStep span.

usage: trim-kineto.py IN.json[.gz] STEP OUT.json.gz [--tail-ms 30]

Keeps the metadata events (ph "M"), the trace's top-level keys
(deviceProperties, schemaVersion, ...) and every event that starts inside
the span named STEP ("ProfilerStep#8") or within --tail-ms after it (the
GPU finishes the step's last kernels after the CPU span ends); drops the
"[memory]" allocation events of profile_memory=True. Writes gzip. Used for
the V100 samples in traces/samples/README.md. Needs only Python 3.
"""
import argparse
import gzip
import json


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inp")
    ap.add_argument("step")
    ap.add_argument("out")
    ap.add_argument("--tail-ms", type=float, default=30.0)
    a = ap.parse_args()
    opener = gzip.open if a.inp.endswith(".gz") else open
    with opener(a.inp, "rt") as f:
        d = json.load(f)
    ev = d["traceEvents"]
    spans = [e for e in ev if e.get("name") == a.step and e.get("ph") == "X"]
    if len(spans) != 1:
        raise SystemExit("%s: %d spans named %r" % (a.inp, len(spans), a.step))
    t0 = spans[0]["ts"]
    t1 = t0 + spans[0]["dur"] + a.tail_ms * 1000
    keep = [e for e in ev if e.get("ph") == "M" or
            (e.get("name") != "[memory]" and "ts" in e and t0 <= e["ts"] <= t1)]
    d["traceEvents"] = keep
    with gzip.open(a.out, "wt", compresslevel=9) as f:
        json.dump(d, f, separators=(",", ":"))
    print("%s: %d of %d events" % (a.out, len(keep), len(ev)))


if __name__ == "__main__":
    main()
