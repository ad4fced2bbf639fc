#!/usr/bin/python3
"""Parity fixture for the masked-LM pretraining step (tests/test_mlm.c).

The encoder of tools/make_model_fixtures.py with Hugging Face's
DistilBertForMaskedLM head on top (vocab_transform -> GELU ->
vocab_layer_norm -> vocab_projector tied to the word embeddings, plus its own
bias), in float64, on a padded batch of mixed lengths whose masked positions
hold a [MASK] stand-in or another id. The loss is the mean cross-entropy over
the masked positions (HF's labels with -100 elsewhere). Writes the weights,
the packed masked ids, positions, labels, the loss and every gradient.

Run: /usr/bin/python3 tools/make_mlm_fixture.py [tests/data/model/mlm.safetensors]
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402
from make_model_fixtures import CFG, LENGTHS, DistilBert, init_weights  # noqa: E402

MASK_ID = 3


class MaskedLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.distilbert = DistilBert(c)
        self.vocab_transform = nn.Linear(c['dim'], c['dim'])
        self.vocab_layer_norm = nn.LayerNorm(c['dim'], eps=1e-12)
        self.vocab_projector_bias = nn.Parameter(torch.zeros(c['vocab_size']))

    def forward(self, ids, mask):
        x = self.distilbert.embeddings(ids)
        for blk in self.distilbert.transformer.layer:
            x = blk(x, mask)
        h = self.vocab_layer_norm(nn.functional.gelu(self.vocab_transform(x)))
        return h @ self.distilbert.embeddings.word_embeddings.weight.T + self.vocab_projector_bias


def hf_name(name):
    return 'vocab_projector.bias' if name == 'vocab_projector_bias' else name


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'tests/data/model/mlm.safetensors'
    torch.manual_seed(4321)
    model = MaskedLM(CFG).double()
    init_weights(model)
    B, T = len(LENGTHS), max(LENGTHS)
    ids = torch.zeros(B, T, dtype=torch.long)
    mask = torch.zeros(B, T, dtype=torch.long)
    labels = torch.full((B, T), -100, dtype=torch.long)
    g = torch.Generator().manual_seed(99)
    for b, n in enumerate(LENGTHS):
        ids[b, :n] = torch.randint(4, CFG['vocab_size'], (n,), generator=g)
        ids[b, 0] = 2
        mask[b, :n] = 1
        for t in range(1, n):  # every third piece, and the second of each text
            if t % 3 == 1 or t == 2:
                labels[b, t] = ids[b, t]
                ids[b, t] = MASK_ID if t % 2 else int(torch.randint(4, CFG['vocab_size'], (1,), generator=g))
    labels[0, 4] = labels[0, 1]  # two positions share a label: the tied projection's rows add up
    logits = model(ids, mask)
    loss = nn.functional.cross_entropy(logits.view(-1, CFG['vocab_size']), labels.view(-1), ignore_index=-100)
    loss.backward()

    packed_ids, pos, lab, base = [], [], [], 0
    for b, n in enumerate(LENGTHS):
        packed_ids += ids[b, :n].tolist()
        for t in range(n):
            if labels[b, t] >= 0:
                pos.append(base + t)
                lab.append(int(labels[b, t]))
        base += n
    right = sum(int(logits[b, t].argmax() == labels[b, t]) for b in range(B) for t in range(T) if labels[b, t] >= 0)

    def f32(t):
        return t.detach().float().numpy()

    tensors = {}
    for name, p in model.named_parameters():
        tensors[hf_name(name)] = f32(p)
        tensors['grad.' + hf_name(name)] = f32(p.grad)
    tensors['input.ids'] = np.array(packed_ids, dtype=np.int32)
    tensors['input.lengths'] = np.array(LENGTHS, dtype=np.int32)
    tensors['input.positions'] = np.array(pos, dtype=np.int32)
    tensors['input.labels'] = np.array(lab, dtype=np.int32)
    tensors['out.loss'] = f32(loss.reshape(1))
    tensors['out.correct'] = np.array([right], dtype=np.int32)
    meta = {'complexity.config': json.dumps(CFG), 'generator': 'tools/make_mlm_fixture.py',
            'torch': torch.__version__}
    st_write.save(out, tensors, meta)
    print('wrote %s (%d tensors, %d masked positions), loss %.9f' % (out, len(tensors), len(pos), loss.item()))


if __name__ == '__main__':
    main()
