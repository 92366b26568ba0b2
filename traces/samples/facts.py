#!/usr/bin/env python3
"""What a torch.profiler Chrome trace holds: python3 traces/samples/facts.py FILE.json ...

Prints, per file, the container (a bare array: the legacy autograd
profiler; an object with traceEvents: Kineto), the event phases,
categories, process and thread ids, which args keys occur, the record_function
spans (ProfilerStep, Optimizer, dtsim:, module:), Python-stack events, the
convolution and linear ops of each pass, and the spans' durations. Standard
library only; used for traces/samples/README.md.
"""
import collections
import json
import sys


def facts(path):
    with open(path) as f:
        doc = json.load(f)
    if isinstance(doc, list):
        kind, ev, top = "bare JSON array (legacy autograd profiler)", doc, []
    elif isinstance(doc, dict) and isinstance(doc.get("traceEvents"), list):
        kind, ev = "object with traceEvents (Kineto)", doc["traceEvents"]
        top = sorted(k for k in doc if k != "traceEvents")
    else:
        print("%s: neither a JSON array nor an object with traceEvents" % path)
        return
    out = print
    out("== %s: %s, %d events%s" % (path, kind, len(ev),
                                     ", top-level keys " + ",".join(top) if top else ""))
    out("  event keys: %s" % dict(collections.Counter(",".join(sorted(e)) for e in ev)))
    out("  ph: %s" % dict(collections.Counter(e.get("ph") for e in ev)))
    out("  cat: %s" % dict(collections.Counter(e.get("cat", "(none)") for e in ev)))
    out("  pid/tid: %s" % dict(collections.Counter("%s/%s" % (e.get("pid"), e.get("tid"))
                                                    for e in ev)))
    args = collections.Counter(k for e in ev for k in (e.get("args") or {}))
    out("  events with non-empty args: %d; args keys: %s"
        % (sum(1 for e in ev if e.get("args")), dict(args) or "none"))
    out("  ts/dur integers: %s; dur == 0: %d events"
        % (all(isinstance(e.get("ts", 0), int) and isinstance(e.get("dur", 0), int)
               for e in ev), sum(1 for e in ev if e.get("dur") == 0)))
    names = collections.Counter(e.get("name", "") for e in ev)
    steps = [e for e in ev if e.get("name", "").startswith("ProfilerStep#")]
    out("  ProfilerStep spans: %s" % ", ".join("%s %d us" % (e["name"], e["dur"]) for e in steps))
    for pre in ("Optimizer.", "dtsim: "):
        out("  %s spans: %s" % (pre, ", ".join("%s %d us" % (e["name"], e["dur"]) for e in ev
                                                if e.get("name", "").startswith(pre))))
    mods = [n for n in names if n.startswith("module: ")]
    out("  'module: PATH' spans: %d distinct, %d events" % (len(mods), sum(names[n] for n in mods)))
    py = [n for n in names if n.startswith("nn.Module:") or ".py(" in n]
    out("  Python-stack events (nn.Module: / FILE.py(LINE)): %d" % sum(names[n] for n in py))
    fwd = ("aten::conv2d", "aten::convolution", "aten::mkldnn_convolution",
           "aten::cudnn_convolution", "aten::linear", "aten::addmm")
    bwd = ("autograd::engine::evaluate_function: ConvolutionBackward0",
           "aten::convolution_backward", "AddmmBackward0")
    out("  forward ops: %s" % {n: names[n] for n in fwd if names[n]})
    out("  backward ops: %s" % {n: names[n] for n in bwd if names[n]})
    out("  autograd nodes (evaluate_function spans): %d"
        % sum(c for n, c in names.items() if n.startswith("autograd::engine::evaluate_function:")))
    # a module span contains its ops (same thread, time inside the span)
    conv_spans = [e for e in ev if e.get("name", "").startswith("module: ")]
    inner = 0
    for s in conv_spans:
        t0, t1 = s["ts"], s["ts"] + s["dur"]
        if any(o.get("name") == "aten::conv2d" and o.get("tid") == s.get("tid")
               and t0 <= o["ts"] and o["ts"] + o["dur"] <= t1 for o in ev):
            inner += 1
    out("  module spans holding an aten::conv2d: %d" % inner)
    if steps:
        s = steps[-1]
        t0, t1 = s["ts"], s["ts"] + s["dur"]
        outside = sum(1 for e in ev if e.get("ph") == "X" and (e["ts"] < t0 or e["ts"] > t1))
        out("  events outside the last ProfilerStep span: %d" % outside)


for p in sys.argv[1:]:
    facts(p)
