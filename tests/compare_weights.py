#!/usr/bin/env python3
"""Largest absolute difference between two safetensors files of F32 tensors
with the same names and shapes (standard library only: CI has no numpy).

usage: compare_weights.py A.safetensors B.safetensors TOLERANCE
Prints the difference; exits 1 when it is over TOLERANCE or the files differ in
their tensors."""
import array
import json
import struct
import sys


def load(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] != "F32":
            sys.exit(f"{path}: {name} is {t['dtype']}, not F32")
        lo, hi = t["data_offsets"]
        a = array.array("f")
        a.frombytes(blob[8 + n + lo:8 + n + hi])
        out[name] = a
    return out


def main():
    a, b, tol = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
    if a.keys() != b.keys() or any(len(a[k]) != len(b[k]) for k in a):
        sys.exit("the files hold different tensors")
    worst = max(max(abs(x - y) for x, y in zip(a[k], b[k])) for k in a)
    print(f"max |difference| {worst:.3g} over {sum(len(v) for v in a.values())} weights")
    sys.exit(0 if worst <= tol else 1)


if __name__ == "__main__":
    main()
