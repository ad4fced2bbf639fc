#!/usr/bin/python3
"""Writes a checkpoint in exactly the Hugging Face DistilBERT layout
(config.json + model.safetensors), to test cx_model_load_hf without network
access to the Hub.

  --shape small     tiny dims (tests/data/model/hf/*, committed)
  --shape full      distilbert-base-multilingual-cased: vocab 119547 (the size of
                    ../shared/vocab/mbert-cased/vocab.txt), 768/6/12/3072, 512
                    positions: ~540 MB in F32, write it to a temp dir only
  --no-prefix       names without "distilbert." (as DistilBertModel saves them)
  --mlm             add the masked-LM extras (vocab_transform, vocab_layer_norm,
                    vocab_projector.bias) as DistilBertForMaskedLM saves them
  --dtype F32|F16|BF16
Values are k/64 for small integers k (exact in F32, F16 and BF16), drawn from
--seed, so every dtype variant holds the same numbers.

Run: /usr/bin/python3 tools/make_hf_checkpoint.py --out DIR [options]
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

SHAPES = {
    'small': dict(vocab_size=30, max_position_embeddings=16, dim=16, n_layers=2, n_heads=2,
                  hidden_dim=24),
    'full': dict(vocab_size=119547, max_position_embeddings=512, dim=768, n_layers=6, n_heads=12,
                 hidden_dim=3072),
}


def tensor_shapes(c):
    D, F = c['dim'], c['hidden_dim']
    yield 'embeddings.word_embeddings.weight', (c['vocab_size'], D)
    yield 'embeddings.position_embeddings.weight', (c['max_position_embeddings'], D)
    yield 'embeddings.LayerNorm.weight', (D,)
    yield 'embeddings.LayerNorm.bias', (D,)
    for i in range(c['n_layers']):
        p = 'transformer.layer.%d.' % i
        for lin in ('q_lin', 'k_lin', 'v_lin', 'out_lin'):
            yield p + 'attention.%s.weight' % lin, (D, D)
            yield p + 'attention.%s.bias' % lin, (D,)
        yield p + 'sa_layer_norm.weight', (D,)
        yield p + 'sa_layer_norm.bias', (D,)
        yield p + 'ffn.lin1.weight', (F, D)
        yield p + 'ffn.lin1.bias', (F,)
        yield p + 'ffn.lin2.weight', (D, F)
        yield p + 'ffn.lin2.bias', (D,)
        yield p + 'output_layer_norm.weight', (D,)
        yield p + 'output_layer_norm.bias', (D,)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--shape', choices=sorted(SHAPES), default='small')
    ap.add_argument('--no-prefix', action='store_true')
    ap.add_argument('--mlm', action='store_true')
    ap.add_argument('--dtype', choices=['F32', 'F16', 'BF16'], default='F32')
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    c = SHAPES[a.shape]
    rng = np.random.default_rng(a.seed)
    prefix = '' if a.no_prefix else 'distilbert.'
    shapes = [(prefix + n, s) for n, s in tensor_shapes(c)]
    if a.mlm:
        D, V = c['dim'], c['vocab_size']
        shapes += [('vocab_transform.weight', (D, D)), ('vocab_transform.bias', (D,)),
                   ('vocab_layer_norm.weight', (D,)), ('vocab_layer_norm.bias', (D,)),
                   ('vocab_projector.bias', (V,))]
    tensors, names = {}, {}
    for name, shape in shapes:
        v = (rng.integers(-64, 65, size=shape) / 64.0).astype(np.float32)
        if a.dtype == 'F16':
            v = v.astype(np.float16)
        elif a.dtype == 'BF16':  # top 16 bits of the float32 (exact for k/64)
            v = (v.view(np.uint32) >> 16).astype(np.uint16)
            names[name] = 'BF16'
        tensors[name] = v
    os.makedirs(a.out, exist_ok=True)
    config = dict(activation='gelu', architectures=['DistilBertForMaskedLM'], attention_dropout=0.1,
                  dropout=0.1, initializer_range=0.02, model_type='distilbert', output_past=True,
                  pad_token_id=0, qa_dropout=0.1, seq_classif_dropout=0.2,
                  sinusoidal_pos_embds=False, tie_weights_=True, transformers_version='4.30.0', **c)
    with open(os.path.join(a.out, 'config.json'), 'w') as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write('\n')
    st_write.save(os.path.join(a.out, 'model.safetensors'), tensors, {'format': 'pt'}, names)
    print('wrote %s (%s, %s, %d tensors)' % (a.out, a.shape, a.dtype, len(tensors)))


if __name__ == '__main__':
    main()
