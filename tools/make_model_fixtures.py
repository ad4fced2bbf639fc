#!/usr/bin/python3
"""Parity fixture for the C model (tests/test_model_parity.c).

Builds the seed's model (DistilBERT encoder + classifier heads, SPEC §3) in
plain PyTorch at small dimensions, in float64 so the reference is exact to
far below the test's tolerance, runs forward + backward on a PADDED batch of
mixed lengths with an attention mask (as the seed does), and writes weights,
inputs, targets, outputs, losses and every gradient to one safetensors file.
The C side runs the same batch packed (no padding) and must agree.

Run: /usr/bin/python3 tools/make_model_fixtures.py [tests/data/model/parity.safetensors]

The file is the same from run to run on one machine; on another CPU its last
bits may differ (PyTorch's float64 reductions run in another order): the
committed file and one written here on 2026-12-07 differ only in the key
projections' gradients, by at most 5e-13 (the key bias's gradient is zero in
exact arithmetic and comes out as 1e-17 noise), far below the test's tolerance.
"""
import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

CFG = dict(vocab_size=50, max_positions=24, dim=32, n_layers=2, n_heads=4, ffn_dim=48,
           shared_dim=24, head_dim=16, dropout=0.0, attention_dropout=0.0, ln_eps=1e-12)
LENGTHS = [9, 4, 13, 1, 6]


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.h = heads
        self.q_lin, self.k_lin, self.v_lin, self.out_lin = (nn.Linear(dim, dim) for _ in range(4))

    def forward(self, x, mask):
        B, T, D = x.shape
        hd = D // self.h

        def split(t):
            return t.view(B, T, self.h, hd).transpose(1, 2)
        q = split(self.q_lin(x)) / math.sqrt(hd)
        k, v = split(self.k_lin(x)), split(self.v_lin(x))
        scores = q @ k.transpose(2, 3)
        pad = (mask == 0).view(B, 1, 1, T).expand_as(scores)
        scores = scores.masked_fill(pad, torch.finfo(scores.dtype).min)
        w = torch.softmax(scores, dim=-1)
        ctx = (w @ v).transpose(1, 2).reshape(B, T, D)
        return self.out_lin(ctx)


class FFN(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.lin1, self.lin2 = nn.Linear(dim, hidden), nn.Linear(hidden, dim)

    def forward(self, x):
        return self.lin2(nn.functional.gelu(self.lin1(x)))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c['dim'], c['n_heads'])
        self.sa_layer_norm = nn.LayerNorm(c['dim'], eps=c['ln_eps'])
        self.ffn = FFN(c['dim'], c['ffn_dim'])
        self.output_layer_norm = nn.LayerNorm(c['dim'], eps=c['ln_eps'])

    def forward(self, x, mask):
        sa = self.sa_layer_norm(self.attention(x, mask) + x)
        return self.output_layer_norm(self.ffn(sa) + sa)


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c['vocab_size'], c['dim'])
        self.position_embeddings = nn.Embedding(c['max_positions'], c['dim'])
        self.LayerNorm = nn.LayerNorm(c['dim'], eps=c['ln_eps'])

    def forward(self, ids):
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        return self.LayerNorm(self.word_embeddings(ids) + self.position_embeddings(pos))


class Transformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(Block(c) for _ in range(c['n_layers']))


class DistilBert(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.transformer = Transformer(c)


def head(c, n):
    return nn.Sequential(nn.Linear(c['shared_dim'], c['head_dim']), nn.ReLU(),
                         nn.Linear(c['head_dim'], n))


class Classifier(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dropout = nn.Dropout(c['dropout'])
        self.shared = nn.Sequential(nn.Linear(c['dim'], c['shared_dim']), nn.ReLU(),
                                    nn.Dropout(c['dropout']))
        self.score_head, self.tier_head = head(c, 1), head(c, 5)
        self.domain_head, self.intent_head = head(c, 5), head(c, 8)


class SeedModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.distilbert = DistilBert(c)
        self.classifier = Classifier(c)

    def forward(self, ids, mask, keep):
        x = self.distilbert.embeddings(ids)
        keep.append(x)
        for blk in self.distilbert.transformer.layer:
            x = blk(x, mask)
            keep.append(x)
        h = self.classifier.shared(self.classifier.dropout(x[:, 0]))
        cl = self.classifier
        return (cl.score_head(h).squeeze(-1), cl.tier_head(h), cl.domain_head(h),
                cl.intent_head(h))


def init_weights(model):
    """Larger than HF's 0.02 so that every term matters; LayerNorm weights
    around 1; all values rounded to float32, which the C side reads."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('LayerNorm.weight') or name.endswith('layer_norm.weight'):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            else:
                p.copy_(0.3 * torch.randn_like(p))
            p.copy_(p.float().double())


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'tests/data/model/parity.safetensors'
    torch.manual_seed(1234)
    model = SeedModel(CFG).double()
    init_weights(model)
    B, T = len(LENGTHS), max(LENGTHS)
    ids = torch.zeros(B, T, dtype=torch.long)
    mask = torch.zeros(B, T, dtype=torch.long)
    for b, n in enumerate(LENGTHS):
        ids[b, :n] = torch.randint(1, CFG['vocab_size'], (n,))
        ids[b, 0] = 2  # a [CLS] stand-in, repeated: exercises the embedding scatter-add
        mask[b, :n] = 1
    score_t = torch.rand(B, dtype=torch.float64).float().double()
    tier_t = torch.randint(0, 5, (B,))
    dom_t = torch.bernoulli(torch.full((B, 5), 0.4, dtype=torch.float64))
    int_t = torch.randint(0, 8, (B,))

    keep = []
    score_logit, tier, dom, intent = model(ids, mask, keep)
    for k in keep:
        k.retain_grad()
    score = torch.sigmoid(score_logit)
    mse = nn.functional.mse_loss(score, score_t)
    ce_t = nn.functional.cross_entropy(tier, tier_t)
    bce = nn.functional.binary_cross_entropy_with_logits(dom, dom_t)
    ce_i = nn.functional.cross_entropy(intent, int_t)
    loss = 0.4 * mse + 0.3 * ce_t + 0.15 * bce + 0.15 * ce_i
    loss.backward()

    def packed(x):  # (B,T,...) -> real tokens only, one after another
        return torch.cat([x[b, :n] for b, n in enumerate(LENGTHS)])

    def f32(t):
        return t.detach().float().numpy()

    tensors = {}
    for name, p in model.named_parameters():
        tensors[name] = f32(p)
    for name, p in model.named_parameters():
        tensors['grad.' + name] = f32(p.grad)
    tensors['input.ids'] = packed(ids).int().numpy()
    tensors['input.lengths'] = np.array(LENGTHS, dtype=np.int32)
    tensors['target.score'] = f32(score_t)
    tensors['target.tier'] = tier_t.int().numpy()
    tensors['target.domains'] = f32(dom_t)
    tensors['target.intent'] = int_t.int().numpy()
    tensors['out.hidden'] = f32(packed(keep[-1]))
    tensors['out.score'] = f32(score)
    tensors['out.tier_logits'] = f32(tier)
    tensors['out.domain_logits'] = f32(dom)
    tensors['out.intent_logits'] = f32(intent)
    tensors['out.loss'] = f32(torch.stack([loss, mse, ce_t, bce, ce_i]))
    for i, k in enumerate(keep[:-1]):  # d loss / d (input of layer i)
        tensors['grad.hidden%d' % i] = f32(packed(k.grad))
    tensors['input.hidden1'] = f32(packed(keep[1]))
    meta = {'complexity.config': json.dumps(CFG), 'generator': 'tools/make_model_fixtures.py',
            'torch': torch.__version__}
    st_write.save(out, tensors, meta)
    print('wrote %s (%d tensors, %d bytes), loss %.9f' % (out, len(tensors), os.path.getsize(out),
                                                         loss.item()))


if __name__ == '__main__':
    main()
