#!/usr/bin/env python3
"""Record a few training steps of a PyTorch model under torch.profiler and
write the Chrome trace (Kineto JSON) that `dtsim trace import` reads.

  scripts/torch-profile.py --model resnet50 --batch 64 --amp
  scripts/torch-profile.py --model resnet18 --batch 4 --device cpu --out r18.json
  scripts/torch-profile.py --model mypkg.nets:MLP --input-shape 784 --classes 10 --batch 32

The step is plain training: synthetic inputs and labels (fixed seed),
cross-entropy, SGD with momentum. The profiler records ProfilerActivity.CPU
(and CUDA on a GPU), record_shapes, with_stack and with_modules where the
installed torch accepts them, under schedule(wait, warmup, active); the
trace of the active steps is written with export_chrome_trace.

Each leaf module's forward is wrapped in a record_function span named
"module: PATH" (PATH its name in model.named_modules(), e.g.
"module: layer1.0.conv1") unless --no-module-spans; forward, backward and
the optimizer are wrapped in "dtsim: forward", "dtsim: backward" and
"dtsim: optimizer".

Needs only PyTorch (and torchvision for models given by name). docs/calibrate.md.
"""

import argparse
import importlib
import inspect
import os
import platform
import sys


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="torch-profile.py",
        description="Run a few training steps under torch.profiler and write "
        "the Chrome trace (Kineto JSON) for `dtsim trace import`.",
        epilog="Examples: --model resnet50 --batch 64 --amp;  "
        "--model mypkg.nets:MLP --input-shape 784 --classes 10.  "
        "Documented in docs/calibrate.md.")
    p.add_argument("--model", required=True,
                   help="a torchvision.models name (resnet50, resnet18, ...) or "
                   "MODULE:CLASS, a class importable from MODULE built with no "
                   "arguments")
    p.add_argument("--batch", type=int, required=True,
                   help="images (samples) per step")
    p.add_argument("--amp", action="store_true",
                   help="automatic mixed precision: autocast fp16 with a "
                   "GradScaler on cuda, autocast bf16 on cpu")
    p.add_argument("--steps", type=int, default=1,
                   help="active (recorded) steps (default 1)")
    p.add_argument("--warmup", type=int, default=1,
                   help="profiler warm-up steps, run with the profiler on but "
                   "not kept (default 1)")
    p.add_argument("--wait", type=int, default=1,
                   help="steps run before the profiler starts (default 1)")
    p.add_argument("--out", default=None,
                   help="the trace file (default: MODEL-bBATCH-DEVICE[-amp].json "
                   "in the current directory, MODEL's ':' and '.' as '-')")
    p.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto",
                   help="where to run (default auto: cuda when "
                   "torch.cuda.is_available(), else cpu; the choice is printed)")
    p.add_argument("--channels-last", action="store_true",
                   help="model and inputs in torch.channels_last memory format")
    p.add_argument("--input-shape", default="3,224,224",
                   help="one sample's shape, comma-separated (default 3,224,224)")
    p.add_argument("--classes", type=int, default=1000,
                   help="number of classes of the labels (default 1000)")
    p.add_argument("--lr", type=float, default=0.1,
                   help="SGD learning rate (default 0.1; momentum 0.9)")
    p.add_argument("--seed", type=int, default=0, help="torch.manual_seed (default 0)")
    p.add_argument("--threads", type=int, default=0,
                   help="torch.set_num_threads (default 0: leave torch's choice)")
    p.add_argument("--no-stack", action="store_true",
                   help="do not ask the profiler for with_stack (Python call "
                   "stacks: larger traces)")
    p.add_argument("--no-module-spans", action="store_true",
                   help="do not wrap each leaf module's forward in a "
                   "'module: PATH' record_function span")
    p.add_argument("--no-sync", action="store_true",
                   help="on cuda, do not wait for the GPU at the end of each "
                   "step (a loop that never reads the loss: the host runs "
                   "ahead); by default the step ends with "
                   "torch.cuda.synchronize(), as a loop that reads the loss "
                   "each step waits (dtsim calibrate-stack then finds sync = step)")
    a = p.parse_args(argv)
    for name in ("batch", "steps", "classes"):
        if getattr(a, name) < 1:
            p.error("--%s must be at least 1, got %d" % (name, getattr(a, name)))
    for name in ("warmup", "wait", "threads"):
        if getattr(a, name) < 0:
            p.error("--%s must be 0 or more, got %d" % (name, getattr(a, name)))
    if not a.lr > 0:
        p.error("--lr must be positive, got %g" % a.lr)
    try:
        a.shape = tuple(int(x) for x in a.input_shape.split(","))
    except ValueError:
        p.error("--input-shape: '%s' is not a comma-separated list of integers"
                % a.input_shape)
    if not a.shape or min(a.shape) < 1:
        p.error("--input-shape: '%s' has a dimension below 1" % a.input_shape)
    if a.channels_last and len(a.shape) != 3:
        p.error("--channels-last needs a 3-dimensional --input-shape (C,H,W), got '%s'"
                % a.input_shape)
    return a


def die(msg):
    sys.stderr.write("torch-profile.py: %s\n" % msg)
    sys.exit(2)


def build_model(name, torch):
    if ":" in name:
        modname, _, clsname = name.partition(":")
        if not modname or not clsname:
            die("--model '%s': expected MODULE:CLASS" % name)
        sys.path.insert(0, os.getcwd())
        try:
            mod = importlib.import_module(modname)
        except ImportError as e:
            die("--model '%s': cannot import module '%s' (%s)" % (name, modname, e))
        cls = getattr(mod, clsname, None)
        if cls is None:
            die("--model '%s': module '%s' has no '%s'" % (name, modname, clsname))
        model = cls()
        if not isinstance(model, torch.nn.Module):
            die("--model '%s': %s() is not a torch.nn.Module" % (name, clsname))
        return model
    try:
        import torchvision.models as tvm
    except ImportError:
        die("--model '%s': torchvision is not installed (Debian: apt-get install "
            "python3-torchvision), or give MODULE:CLASS" % name)
    fn = getattr(tvm, name, None)
    if fn is None or not callable(fn) or name.startswith("_"):
        die("--model '%s': not a torchvision.models name, nor MODULE:CLASS" % name)
    return fn()  # random weights: nothing is downloaded


def add_module_spans(model, torch):
    """record_function 'module: PATH' around each leaf module's forward."""
    rf = torch.autograd.profiler.record_function
    handles = []
    for path, m in model.named_modules():
        if path == "" or any(True for _ in m.children()):
            continue
        label = "module: " + path

        def pre(mod, inp, label=label):
            r = rf(label)
            r.__enter__()
            mod._dtsim_spans = getattr(mod, "_dtsim_spans", [])
            mod._dtsim_spans.append(r)

        def post(mod, inp, out):
            mod._dtsim_spans.pop().__exit__(None, None, None)

        handles.append(m.register_forward_pre_hook(pre))
        handles.append(m.register_forward_hook(post))
    return handles


def main(argv):
    a = parse_args(argv)
    try:
        import torch
        from torch.profiler import profile, schedule, ProfilerActivity, record_function
    except ImportError as e:
        die("PyTorch is not installed (%s); Debian: apt-get install python3-torch "
            "python3-torchvision, or pip install torch torchvision" % e)

    kineto = getattr(torch.autograd.profiler, "kineto_available", lambda: False)()
    if not kineto:
        sys.stderr.write("torch-profile.py: this torch (%s) is built without Kineto: "
                         "the trace will be the legacy profiler's JSON array (CPU ops "
                         "only, no categories, shapes, sequence numbers or flows; "
                         "traces/samples/README.md)\n" % torch.__version__)
    cuda_ok = torch.cuda.is_available()
    if a.device == "auto":
        a.device = "cuda" if cuda_ok else "cpu"
        sys.stderr.write("torch-profile.py: --device auto: %s\n" % a.device)
    elif a.device == "cuda" and not cuda_ok:
        die("--device cuda: torch.cuda.is_available() is false (torch %s)"
            % torch.__version__)
    dev = torch.device(a.device)
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    model = build_model(a.model, torch).to(dev)
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    if a.channels_last:
        model = model.to(memory_format=fmt)
    model.train()
    if not a.no_module_spans:
        add_module_spans(model, torch)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9)
    lossf = torch.nn.CrossEntropyLoss()
    x = torch.randn((a.batch,) + a.shape, device=dev).contiguous(memory_format=fmt) \
        if a.channels_last else torch.randn((a.batch,) + a.shape, device=dev)
    y = torch.randint(0, a.classes, (a.batch,), device=dev)

    amp_dtype = None
    if a.amp:
        amp_dtype = torch.float16 if a.device == "cuda" else torch.bfloat16
    scaler = torch.cuda.amp.GradScaler() if (a.amp and a.device == "cuda") else None

    def check(out):
        if out.dim() != 2 or out.shape[0] != a.batch or out.shape[1] != a.classes:
            die("--model '%s': output shape %s, expected (%d, %d) (--batch, --classes)"
                % (a.model, tuple(out.shape), a.batch, a.classes))

    def step():
        opt.zero_grad(set_to_none=True)
        with record_function("dtsim: forward"):
            if amp_dtype is not None:
                with torch.autocast(device_type=a.device, dtype=amp_dtype):
                    out = model(x)
                    check(out)
                    loss = lossf(out, y)
            else:
                out = model(x)
                check(out)
                loss = lossf(out, y)
        with record_function("dtsim: backward"):
            (scaler.scale(loss) if scaler else loss).backward()
        with record_function("dtsim: optimizer"):
            if scaler:
                scaler.step(opt)
                scaler.update()
            else:
                opt.step()
        if a.device == "cuda" and not a.no_sync:
            torch.cuda.synchronize()

    if a.out is None:
        base = a.model.replace(":", "-").replace(".", "-")
        a.out = "%s-b%d-%s%s.json" % (base, a.batch, a.device, "-amp" if a.amp else "")

    acts = [ProfilerActivity.CPU]
    if a.device == "cuda":
        acts.append(ProfilerActivity.CUDA)
    kw = dict(activities=acts,
              schedule=schedule(wait=a.wait, warmup=a.warmup, active=a.steps, repeat=1),
              record_shapes=True,
              on_trace_ready=lambda p: p.export_chrome_trace(a.out))
    params = inspect.signature(profile.__init__).parameters
    if "with_stack" in params and not a.no_stack:
        kw["with_stack"] = True
    if "with_modules" in params:
        kw["with_modules"] = True
    with profile(**kw) as prof:
        for i in range(a.wait + a.warmup + a.steps):
            if i == 0:
                try:
                    step()
                except Exception as e:  # the user's model or shapes: one line
                    msg = str(e).strip().splitlines()
                    die("--model '%s': the first training step failed (--input-shape %s, "
                        "--classes %d?): %s: %s" % (a.model, a.input_shape, a.classes,
                                                    type(e).__name__, msg[0] if msg else ""))
            else:
                step()
            prof.step()
    if not os.path.exists(a.out):
        die("the profiler wrote no trace to %s" % a.out)
    sys.stderr.write("torch-profile.py: %s: torch %s, %s, model %s, batch %d%s%s, "
                     "%d active step(s) after %d wait + %d warm-up; profiler options %s\n"
                     % (a.out, torch.__version__,
                        torch.cuda.get_device_name(0) if a.device == "cuda"
                        else "cpu (%s, %d threads)" % (platform.machine(),
                                                       torch.get_num_threads()),
                        a.model, a.batch, ", amp %s" % str(amp_dtype).replace("torch.", "")
                        if a.amp else "", ", channels_last" if a.channels_last else "",
                        a.steps, a.wait, a.warmup,
                        ",".join(sorted(k for k in kw if k.startswith(("with_", "record_"))))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
