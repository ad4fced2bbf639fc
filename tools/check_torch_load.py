#!/usr/bin/python3
"""Loads a checkpoint written by cx_model_save into the seed's PyTorch model
(plain torch, tools/make_model_fixtures.py's SeedModel) with
load_state_dict(strict=True): every name and shape must match, nothing extra.
Then runs one forward pass on a short batch and prints the outputs.

Run: /usr/bin/python3 tools/check_torch_load.py MODEL.safetensors
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_model_fixtures import SeedModel  # noqa: E402


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop('__metadata__', {})
    tensors = {}
    for name, e in header.items():
        assert e['dtype'] == 'F32', (name, e['dtype'])
        b, end = e['data_offsets']
        tensors[name] = torch.from_numpy(
            np.frombuffer(data[b:end], dtype='<f4').reshape(e['shape']).copy())
    return tensors, meta


def main():
    tensors, meta = read_safetensors(sys.argv[1])
    cfg = json.loads(meta['complexity.config'])
    model = SeedModel(cfg)
    model.load_state_dict(tensors, strict=True)
    model.eval()
    ids = torch.tensor([[2, 5, 7, 1], [2, 3, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    with torch.no_grad():
        score, tier, dom, intent = model(ids, mask, [])
    print('loaded %d tensors strictly (config %s)' % (len(tensors), cfg))
    print('score', torch.sigmoid(score).tolist())


if __name__ == '__main__':
    main()
