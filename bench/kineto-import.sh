#!/bin/sh
# Speed and memory of `dtsim trace import` on a large torch.profiler trace.
# Target (issue 14): a 200 MB trace in <= 10 s and <= 1 GB.
#
# The trace is synthetic, of the shape of tests/data/kineto/vgg16-gpu.json
# (tests/data/kineto/gen.py: nested CPU ops, autograd-thread backward,
# cudaLaunchKernel with correlation ids, kernels, ac2g flows, ProfilerStep
# and Optimizer spans, one event per line as Kineto writes them), repeated
# step after step until it holds MB megabytes; it goes to /tmp and is
# deleted afterwards. The import reads every event and analyses the last
# step.
#   bench/kineto-import.sh [MB]      default 200
set -eu
DTSIM=${DTSIM:-bin/dtsim}
mb=${1:-200}
json=$(mktemp /tmp/dtsim-kineto-XXXXXX.json)
trap 'rm -f "$json" "$json.csv" "$json.time"' EXIT
python3 - "$json" "$mb" <<'EOF'
import json, os, sys
sys.path.insert(0, "tests/data/kineto")
import gen
path, mb = sys.argv[1], int(sys.argv[2])
tr = gen.Trace(True)
t = 1700000000000.0
tr.gpu_t = t
n = 0
with open(path, "w") as f:
    f.write('{"schemaVersion": 1, "deviceProperties": [{"id": 0, "name": "NVIDIA A100-SXM4-40GB", '
            '"totalGlobalMem": 42505273344, "computeMajor": 8, "computeMinor": 0, "numSms": 108}],\n'
            '"record_shapes": 1, "traceEvents": [\n')
    first = True
    while f.tell() < mb * 1000000:
        n += 1
        tr.ev = []
        t = gen.step(tr, n, t, 8, True)
        for e in tr.ev:
            f.write(("" if first else ",\n") + json.dumps(e))
            first = False
    f.write('\n], "traceName": "bench"}\n')
print("trace: %d steps, %.1f MB" % (n, os.path.getsize(path) / 1e6))
EOF
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -v "$DTSIM" trace import "$json" --model vgg16 --out "$json.csv" 2>"$json.time"
grep -E "Elapsed|Maximum resident|User time|System time" "$json.time" | sed 's/^[ \t]*//'
sed -n 's/^# source: [^:]*: /import: /p' "$json.csv"
