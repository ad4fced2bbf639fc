#!/usr/bin/python3
"""Bench: the same training step in PyTorch (the seed's model, plain torch,
float32, freeze F: embeddings and layers 0..F-1 without gradients).

usage: train_step_torch.py IDS_FILE [--threads N] [--freeze F] [--steps S]
Prints one RESULT line per padding mode: 'pad256' (the seed pads every batch
to max_length 256) and 'dynamic' (pad to the longest sequence of the batch).
"""
import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
from make_model_fixtures import SeedModel  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('ids')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--freeze', type=int, default=4)
    ap.add_argument('--steps', type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    seqs = [[int(x) for x in line.split()] for line in open(a.ids) if line.strip()]
    cfg = dict(vocab_size=119547, max_positions=512, dim=768, n_layers=6, n_heads=12,
               ffn_dim=3072, shared_dim=512, head_dim=128, dropout=0.1, attention_dropout=0.1,
               ln_eps=1e-12)
    model = SeedModel(cfg)
    # the fixture model has no attention dropout module; the step cost differs by one
    # element-wise op on (B,H,T,T), negligible next to the GEMMs
    for p in model.distilbert.embeddings.parameters():
        p.requires_grad_(False)
    for layer in model.distilbert.transformer.layer[:a.freeze]:
        for p in layer.parameters():
            p.requires_grad_(False)
    model.train()
    B = len(seqs)
    score_t = torch.full((B,), 0.5)
    tier_t = torch.arange(B) % 5
    dom_t = torch.zeros(B, 5)
    dom_t[:, 0] = 1
    int_t = torch.arange(B) % 8
    print('torch %s, %d threads, batch %d, %d tokens' % (torch.__version__, torch.get_num_threads(),
                                                       B, sum(map(len, seqs))))
    for mode in ('dynamic', 'pad256'):
        T = 256 if mode == 'pad256' else max(map(len, seqs))
        ids = torch.zeros(B, T, dtype=torch.long)
        mask = torch.zeros(B, T, dtype=torch.long)
        for b, s in enumerate(seqs):
            ids[b, :len(s)] = torch.tensor(s)
            mask[b, :len(s)] = 1
        times = []
        for step in range(a.steps + 1):
            t0 = time.perf_counter()
            model.zero_grad(set_to_none=True)
            s, tier, dom, intent = model(ids, mask, [])
            loss = (0.4 * torch.nn.functional.mse_loss(torch.sigmoid(s), score_t)
                    + 0.3 * torch.nn.functional.cross_entropy(tier, tier_t)
                    + 0.15 * torch.nn.functional.binary_cross_entropy_with_logits(dom, dom_t)
                    + 0.15 * torch.nn.functional.cross_entropy(intent, int_t))
            loss.backward()
            if step > 0:
                times.append(time.perf_counter() - t0)
        times.sort()
        print('RESULT torch %s (seq %d): median %.3f s/step (min %.3f, max %.3f) loss %.4f' % (
            mode, T, statistics.median(times), times[0], times[-1], loss.item()))


if __name__ == '__main__':
    main()
