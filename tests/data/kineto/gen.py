#!/usr/bin/env python3
"""Write the Kineto fixtures of tests/data/kineto/ (run from anywhere;
the files are committed, this script is how they were made).

They follow the shape of torch.profiler's Chrome trace (PyTorch 1.13 to
2.x, profiler/kineto output): CPU ops (cat cpu_op) nested on the main
thread, backward on the autograd thread under
"autograd::engine::evaluate_function: XBackward0", record_function spans
(cat user_annotation: ProfilerStep#N, Optimizer.step#SGD.step,
Optimizer.zero_grad#SGD.zero_grad), cudaLaunchKernel (cat cuda_runtime,
args.correlation), kernels (cat kernel, args.correlation, on the GPU's
pid and a stream tid) and ac2g flow events ("s" at the launch, "f" at the
kernel, id = correlation).

The model is torchvision's VGG-16 at batch 8 (13 convolutions, 3 linear
layers). vgg16-gpu-amp.json is the same step under autocast: inside each
convolution nest an aten::to / aten::_to_copy launches a 3 us cast kernel
and the convolution runs in c10::Half (tests/test_stackfit.c).
vgg16-gpu-h100.json.gz (another device name), vgg16-gpu-noshapes.json.gz
(no Input Dims or Input type) and bad.gz (gzip magic, no stream) are for
the refusals of dtsim calibrate-stack and trace import (tests/golden). Known
numbers the unit tests check (tests/test_kineto.c):
  conv i (0-based among the 16 conv/fc layers) forward kernel: 100 + 10 i us,
  plus a 5 us bias kernel; backward: data-gradient 120 + 10 i us (none for
  i = 0), weight gradient 130 + 10 i us; a conv op nest lasts 40 us on the
  CPU, its backward evaluate_function 60 + i us. The kernels of layer 1 carry
  no args.correlation, nor do the launches of layer 2: only the flow
  events pair them.
"""
import gzip
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LAYERS = (["conv", "relu", "conv", "relu", "pool"] +
          ["conv", "relu", "conv", "relu", "pool"] +
          ["conv", "relu"] * 3 + ["pool"] +
          ["conv", "relu"] * 3 + ["pool"] +
          ["conv", "relu"] * 3 + ["pool", "avgpool"] +
          ["fc", "relu", "dropout", "fc", "relu", "dropout", "fc"])
PID, MAIN, BWD, GPU, STREAM = 1234, 1234, 1240, 0, 7


class Trace:
    def __init__(self, gpu):
        self.gpu = gpu
        self.ev = []
        self.corr = 1000
        self.seq = 50
        self.gpu_t = 0.0
        self.noncorr = set()

    def x(self, cat, name, tid, ts, dur, args=None, pid=PID):
        e = {"ph": "X", "cat": cat, "name": name, "pid": pid, "tid": tid, "ts": ts, "dur": dur}
        if args:
            e["args"] = args
        self.ev.append(e)
        return e

    def launch(self, tid, ts, kname, kdur, tag=None, ldur=8):
        """cudaLaunchKernel at ts (ldur us) and its kernel"""
        if not self.gpu:
            return
        self.corr += 1
        c = self.corr
        rargs = {"cbid": 211} if tag == "noncorr-launch" else {"correlation": c, "cbid": 211}
        self.x("cuda_runtime", "cudaLaunchKernel", tid, ts, ldur, rargs)
        start = max(self.gpu_t, ts + 6.5)
        kargs = {"device": 0, "stream": STREAM, "grid": [128, 1, 1], "block": [256, 1, 1]}
        if tag != "noncorr":
            kargs["correlation"] = c
            kargs["External id"] = c
        self.x("kernel", kname, STREAM, start, kdur, kargs, pid=GPU)
        self.gpu_t = start + kdur
        self.ev.append({"ph": "s", "id": c, "pid": PID, "tid": tid, "ts": ts, "cat": "ac2g", "name": "ac2g"})
        self.ev.append({"ph": "f", "id": c, "pid": GPU, "tid": STREAM, "ts": start, "cat": "ac2g", "name": "ac2g",
                        "bp": "e"})

    def op(self, name, tid, ts, dur, seq=None, dims=None, types=None):
        args = {"External id": self.corr}
        if seq is not None:
            args["Sequence number"] = seq
            args["Fwd thread id"] = 0
        if dims is not None:
            args["Input Dims"] = dims
        if types is not None:
            args["Input type"] = types
        return self.x("cpu_op", name, tid, ts, dur, args)


def step(tr, n, t0, batch, seqnr, amp=False):
    """one training step from t0; returns its end"""
    t = t0 + 10
    fwd = []  # (k, seq) of conv/fc layers
    k = 0
    hw = 224
    cin = 3
    for kind in LAYERS:
        if kind == "conv":
            s = tr.seq if seqnr else None
            tr.seq += 1
            dims = [[batch, cin, hw, hw], [64, cin, 3, 3], [64]]
            ty = ["float", "float", "float"]
            tr.op("aten::conv2d", MAIN, t, 40, s, dims, ty)
            if amp:  # autocast: the weight cast, then the convolution in half
                tr.op("aten::to", MAIN, t + 0.2, 0.7)
                tr.op("aten::_to_copy", MAIN, t + 0.3, 0.5)
                tr.launch(MAIN, t + 0.4, "unrolled_elementwise_kernel<copy>", 3, ldur=0.3)
                ty = ["c10::Half", "c10::Half", "c10::Half"]
            tr.op("aten::convolution", MAIN, t + 1, 38, s, dims, ty)
            tr.op("aten::_convolution", MAIN, t + 2, 36, s, dims, ty)
            tr.op("aten::cudnn_convolution", MAIN, t + 4, 24, s, dims, ty)
            tag = "noncorr" if k == 1 else "noncorr-launch" if k == 2 else None
            tr.launch(MAIN, t + 6, "sm80_xmma_fprop_implicit_gemm_tf32f32", 100 + 10 * k, tag)
            tr.op("aten::add_", MAIN, t + 29, 8)
            tr.launch(MAIN, t + 29, "elementwise_kernel<add>", 5, tag)
            fwd.append((k, s))
            k += 1
            cin = 64
            t += 45
        elif kind == "fc":
            # aten::t makes TBackward0 with the linear's sequence number,
            # aten::addmm AddmmBackward0 with the next one
            s = tr.seq if seqnr else None
            s2 = tr.seq + 1 if seqnr else None
            tr.seq += 2
            dims = [[batch, 4096], [4096, 4096], [4096]]
            tr.op("aten::linear", MAIN, t, 40, s, dims, ["float", "float", "float"])
            tr.op("aten::t", MAIN, t + 1, 5, s)
            tr.op("aten::transpose", MAIN, t + 2, 3, s)
            tr.op("aten::addmm", MAIN, t + 8, 30, s2)
            tr.launch(MAIN, t + 10, "ampere_sgemm_128x64_tn", 100 + 10 * k)
            tr.launch(MAIN, t + 20, "splitKreduce_kernel", 5)
            fwd.append((k, s2))
            k += 1
            t += 45
        else:
            name = {"relu": "aten::relu_", "pool": "aten::max_pool2d", "avgpool": "aten::adaptive_avg_pool2d",
                    "dropout": "aten::dropout"}[kind]
            tr.op(name, MAIN, t, 12)
            tr.launch(MAIN, t + 2, "vectorized_elementwise_kernel", 7)
            if kind == "pool":
                hw //= 2
            t += 15
    tr.op("aten::cross_entropy_loss", MAIN, t, 30)
    tr.launch(MAIN, t + 5, "nll_loss_forward_reduce_cuda_kernel_2d", 4)
    t += 35
    # backward on the autograd thread, reverse order; the main thread waits
    tb = t + 5
    tr.op("autograd::engine::evaluate_function: NllLossBackward0", BWD, tb, 20)
    tr.launch(BWD, tb + 5, "nll_loss_backward_reduce_cuda_kernel_2d", 4)
    tb += 25
    for (kk, s) in reversed(fwd):
        kind = "fc" if kk >= 13 else "conv"
        node = "ConvolutionBackward0" if kind == "conv" else "AddmmBackward0"
        tr.op("autograd::engine::evaluate_function: " + node, BWD, tb, 60 + kk, s)
        tr.op(node, BWD, tb + 1, 50, s)
        inner = "aten::convolution_backward" if kind == "conv" else "aten::mm"
        tr.op(inner, BWD, tb + 2, 45, s)
        tag = "noncorr" if kk == 1 else "noncorr-launch" if kk == 2 else None
        if kk != 0:
            tr.launch(BWD, tb + 5, "sm80_xmma_dgrad_implicit_gemm", 120 + 10 * kk, tag)
        tr.launch(BWD, tb + 20, "sm80_xmma_wgrad_implicit_gemm", 130 + 10 * kk, tag)
        tb += 62 + kk
        tr.op("autograd::engine::evaluate_function: torch::autograd::AccumulateGrad", BWD, tb, 10)
        tb += 12
        if kk != 0:
            tr.op("autograd::engine::evaluate_function: ReluBackward0", BWD, tb, 14)
            tr.op("ReluBackward0", BWD, tb + 1, 12)
            tr.op("aten::threshold_backward", BWD, tb + 2, 10)
            tr.launch(BWD, tb + 3, "threshold_backward_kernel", 6)
            tb += 16
    t = tb + 5
    # optimizer
    tr.x("user_annotation", "Optimizer.step#SGD.step", MAIN, t, 80)
    tr.op("aten::_foreach_add_", MAIN, t + 5, 60)
    tr.launch(MAIN, t + 10, "multi_tensor_apply_kernel", 50)
    t += 85
    tr.x("user_annotation", "Optimizer.zero_grad#SGD.zero_grad", MAIN, t, 20)
    tr.op("aten::zero_", MAIN, t + 2, 10)
    t += 25
    tr.x("user_annotation", "ProfilerStep#%d" % n, MAIN, t0, t - t0)
    if tr.gpu:  # the kernels' mirror of the step on the GPU timeline: not a CPU span
        tr.x("gpu_user_annotation", "ProfilerStep#%d" % n, STREAM, t0 + 20, t - t0, pid=GPU)
    return t + 50


def write(name, gpu, seqnr, steps=2, batch=8, amp=False):
    tr = Trace(gpu)
    t = 1700000000000.0 if gpu else 1700000000000
    tr.gpu_t = t
    for n in range(1, steps + 1):
        t = step(tr, n, t, batch, seqnr, amp)
    # without a schedule, the last prof.step() opens a span that runs to
    # prof.stop() and holds no step
    tr.x("user_annotation", "ProfilerStep#%d" % (steps + 1), MAIN, t, 30)
    tr.op("aten::empty", MAIN, t + 5, 2)
    doc = {"schemaVersion": 1}
    if gpu:
        doc["deviceProperties"] = [{"id": 0, "name": "NVIDIA A100-SXM4-40GB", "totalGlobalMem": 42505273344,
                                    "computeMajor": 8, "computeMinor": 0, "maxThreadsPerBlock": 1024,
                                    "numSms": 108, "regsPerBlock": 65536, "warpSize": 32}]
    doc["record_shapes"] = 1
    doc["traceEvents"] = tr.ev
    doc["traceName"] = "fixture"
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    write("vgg16-gpu.json", gpu=True, seqnr=True)
    write("vgg16-cpu.json", gpu=False, seqnr=False)
    write("vgg16-gpu-amp.json", gpu=True, seqnr=True, amp=True)
    with open(os.path.join(HERE, "vgg16-gpu.json")) as f:
        text = f.read()
    with open(os.path.join(HERE, "truncated.json"), "w") as f:
        f.write(text[:len(text) // 2])
    # gzip variants for dtsim calibrate-stack's refusals (mtime 0: the same bytes every run)
    def gz(name, body):
        with open(os.path.join(HERE, name), "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
                f.write(body.encode())
    gz("vgg16-gpu-h100.json.gz", text.replace("NVIDIA A100-SXM4-40GB", "NVIDIA H100 80GB HBM3"))
    doc = json.loads(text)
    for e in doc["traceEvents"]:
        for k in ("Input Dims", "Input type"):
            e.get("args", {}).pop(k, None)
    gz("vgg16-gpu-noshapes.json.gz", json.dumps(doc, indent=1) + "\n")
    with open(os.path.join(HERE, "bad.gz"), "wb") as f:  # gzip magic, then no deflate stream
        f.write(b"\x1f\x8b" + b"x" * 22)
    sys.exit(0)
