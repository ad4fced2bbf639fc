#!/usr/bin/env python3
"""Reference values for src/train/optim.c, computed by PyTorch (Debian's python3-torch).

Writes tests/data/optim/adamw.txt: a few AdamW steps of torch.optim.AdamW with the seed's
hyper-parameters, gradient clipping by torch.nn.utils.clip_grad_norm_, and the learning-rate
multipliers of a LambdaLR with the seed's warmup + cosine schedule (transformers'
get_cosine_schedule_with_warmup formula). Run: /usr/bin/python3 tools/make_optim_fixtures.py
"""
import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "data", "optim", "adamw.txt")


def lr_lambda(step, total, warmup_steps):
    warmup = min(warmup_steps, total // 5)
    if step < warmup:
        return step / max(1, warmup)
    progress = (step - warmup) / max(1, total - warmup)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


def main():
    torch.manual_seed(0)
    n, steps, base_lr = 37, 6, 1e-3
    p = torch.nn.Parameter(torch.randn(n))
    grads = [torch.randn(n) * (0.5 + k) for k in range(steps)]
    opt = torch.optim.AdamW([p], lr=base_lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_lambda(s, 20, 4))
    lines = ["# n steps", f"{n} {steps}", "# initial params", " ".join(f"{x:.9e}" for x in p.detach().tolist())]
    for k in range(steps):
        p.grad = grads[k].clone()
        norm = torch.nn.utils.clip_grad_norm_([p], 1.0).item()
        lr = opt.param_groups[0]["lr"]
        lines += [f"# step {k + 1}: raw grad, total norm, lr used, params after",
                  " ".join(f"{x:.9e}" for x in grads[k].tolist()), f"{norm:.9e}", f"{lr:.9e}"]
        opt.step()
        sched.step()
        lines.append(" ".join(f"{x:.9e}" for x in p.detach().tolist()))
    lines.append("# lr multipliers for total=1000 warmup=100 at steps 0 1 50 99 100 101 500 999 1000")
    lines.append(" ".join(f"{lr_lambda(s, 1000, 100):.12e}" for s in [0, 1, 50, 99, 100, 101, 500, 999, 1000]))
    lines.append("# lr multipliers for total=40 warmup=100 (warmup capped at total/5=8) at steps 0 4 8 20 39")
    lines.append(" ".join(f"{lr_lambda(s, 40, 100):.12e}" for s in [0, 4, 8, 20, 39]))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
