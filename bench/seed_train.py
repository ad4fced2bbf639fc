#!/usr/bin/python3
"""Bench: the seed's training/train.py (SPEC §5) in plain PyTorch, timed.

The model is the seed's: DistilBERT at the distilbert-base-multilingual-cased
shape (the module tree of tools/make_model_fixtures.py, so the state_dict
names are SPEC §3's) run with Hugging Face DistilBERT's dropouts (embeddings,
attention weights, FFN output, all 0.1) + the four heads. Training as the seed:
embeddings and layers 0..F-1 frozen, loss 0.4 MSE + 0.3 CE + 0.15 BCE + 0.15 CE,
AdamW (wd 0.01, heads 5x lr), warmup + cosine stepped once per EPOCH (the seed's
defect; no effect on a step's cost), clip 1.0 over model.parameters(), a
shuffled DataLoader of batches padded to max_length (the seed) or, with
--dynamic-padding, to the batch's longest sequence.

Token ids come from `complexity tokenize --jsonl` (one line of ids per record),
so this side and ours see identical lengths.

usage:
  seed_train.py --data train.jsonl --ids train.ids [--val-data val.jsonl
                --val-ids val.ids] [--steps N] [--val-steps M] [--threads 2]
                [--dynamic-padding] [--frozen-cached] [--weights model.safetensors]
  seed_train.py --write-base DIR --vocab VOCAB_DIR   (a random HF-layout
                DistilBERT folder at the full shape, init N(0, 0.02) as HF does)

Times --steps optimizer steps after one untimed warm-up step and extrapolates
to a full epoch (ceil(records / batch) steps) and to --epochs epochs; with
--val-* also times --val-steps validation batches (no_grad) and adds a full
validation pass per epoch. --frozen-cached times only the trainable part
(frozen layers run untimed under no_grad first, as when their outputs are
cached): the kernel-to-kernel figure. Prints a readable report and one line
'RESULT {json}'.
"""
import argparse
import json
import math
import os
import random
import resource
import shutil
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools')
sys.path.insert(0, TOOLS)
from make_model_fixtures import SeedModel  # noqa: E402
import make_hf_checkpoint  # noqa: E402
import st_write  # noqa: E402

TIERS = ['trivial', 'simple', 'moderate', 'complex', 'expert']
DOMAINS = ['code', 'math', 'data', 'system', 'creative']
INTENTS = ['greeting', 'question', 'code_gen', 'analysis', 'debug', 'planning', 'creative', 'multi_step']
FULL = make_hf_checkpoint.SHAPES['full']
CFG = dict(vocab_size=FULL['vocab_size'], max_positions=FULL['max_position_embeddings'],
           dim=FULL['dim'], n_layers=FULL['n_layers'], n_heads=FULL['n_heads'],
           ffn_dim=FULL['hidden_dim'], shared_dim=512, head_dim=128, dropout=0.1,
           attention_dropout=0.1, ln_eps=1e-12)


# ---------------------------------------------------------------- data

def load_split(data_path, ids_path, max_length):
    """Records of a JSONL file with the token ids of the matching ids file."""
    recs = []
    with open(data_path, encoding='utf-8') as fd, open(ids_path) as fi:
        for lineno, (line, ids) in enumerate(zip(fd, fi), 1):
            try:
                o = json.loads(line)
                tok = [int(x) for x in ids.split()][:max_length]
                recs.append((tok, float(o['score']), TIERS.index(o['tier']),
                             [float(d in o['domains']) for d in DOMAINS], INTENTS.index(o['intent'])))
            except (ValueError, KeyError) as e:
                sys.exit('%s:%d: %s' % (data_path, lineno, e))
    return recs


def collate(batch, pad_to):
    T = pad_to or max(len(r[0]) for r in batch)
    ids = torch.zeros(len(batch), T, dtype=torch.long)
    mask = torch.zeros(len(batch), T, dtype=torch.long)
    for i, r in enumerate(batch):
        ids[i, :len(r[0])] = torch.tensor(r[0])
        mask[i, :len(r[0])] = 1
    return dict(input_ids=ids, attention_mask=mask,
                score=torch.tensor([r[1] for r in batch]), tier=torch.tensor([r[2] for r in batch]),
                domains=torch.tensor([r[3] for r in batch]), intent=torch.tensor([r[4] for r in batch]))


def loader(recs, batch_size, pad_to, shuffle, seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return torch.utils.data.DataLoader(recs, batch_size=batch_size, shuffle=shuffle, generator=g,
                                       collate_fn=lambda b: collate(b, pad_to))


# ---------------------------------------------------------------- model

def attention(a, x, mask, p, training):
    """Hugging Face DistilBERT MultiHeadSelfAttention (dropout on the weights)."""
    B, T, D = x.shape
    hd = D // a.h

    def split(t):
        return t.view(B, T, a.h, hd).transpose(1, 2)
    q = split(a.q_lin(x)) / math.sqrt(hd)
    k, v = split(a.k_lin(x)), split(a.v_lin(x))
    scores = q @ k.transpose(2, 3)
    pad = (mask == 0).view(B, 1, 1, T).expand_as(scores)
    scores = scores.masked_fill(pad, torch.finfo(scores.dtype).min)
    w = F.dropout(torch.softmax(scores, dim=-1), p, training)
    return a.out_lin((w @ v).transpose(1, 2).reshape(B, T, D))


def block(blk, x, mask, p, training):
    """Post-LN TransformerBlock as in Hugging Face DistilBERT."""
    sa = blk.sa_layer_norm(attention(blk.attention, x, mask, p, training) + x)
    ffn = F.dropout(blk.ffn.lin2(F.gelu(blk.ffn.lin1(sa))), p, training)
    return blk.output_layer_norm(ffn + sa)


def frozen_part(model, ids, mask, n_frozen, p, training):
    x = F.dropout(model.distilbert.embeddings(ids), p, training)
    for blk in model.distilbert.transformer.layer[:n_frozen]:
        x = block(blk, x, mask, p, training)
    return x


def trainable_part(model, x, mask, n_frozen, p, training):
    for blk in model.distilbert.transformer.layer[n_frozen:]:
        x = block(blk, x, mask, p, training)
    cl = model.classifier
    h = cl.shared(cl.dropout(x[:, 0]))
    return (torch.sigmoid(cl.score_head(h).squeeze(-1)), cl.tier_head(h), cl.domain_head(h),
            cl.intent_head(h))


def seed_loss(out, b):
    score, tier, dom, intent = out
    return (0.4 * F.mse_loss(score, b['score']) + 0.3 * F.cross_entropy(tier, b['tier'])
            + 0.15 * F.binary_cross_entropy_with_logits(dom, b['domains'])
            + 0.15 * F.cross_entropy(intent, b['intent']))


def init_hf(model):
    """DistilBertPreTrainedModel._init_weights: N(0, 0.02), zero bias, LN 1/0."""
    for m in model.modules():
        if isinstance(m, (torch.nn.Linear, torch.nn.Embedding)):
            m.weight.data.normal_(0.0, 0.02)
        if isinstance(m, torch.nn.Linear) and m.bias is not None:
            m.bias.data.zero_()
        if isinstance(m, torch.nn.LayerNorm):
            m.weight.data.fill_(1.0)
            m.bias.data.zero_()


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
    raw = np.memmap(path, dtype=np.uint8, mode='r', offset=8 + n)
    out = {}
    for name, h in header.items():
        if name == '__metadata__':
            continue
        a, b = h['data_offsets']
        buf = raw[a:b]
        if h['dtype'] == 'BF16':
            v = (buf.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            v = buf.view({'F32': np.float32, 'F16': np.float16}[h['dtype']]).astype(np.float32)
        out[name] = torch.from_numpy(v.reshape(h['shape']).copy())
    return out


def load_encoder(model, path):
    """Loads a Hugging Face DistilBERT encoder (prefix 'distilbert.' or none;
    masked-LM extras ignored), as DistilBertModel.from_pretrained does."""
    sd = {}
    for name, t in read_safetensors(path).items():
        name = name[len('distilbert.'):] if name.startswith('distilbert.') else name
        if name.startswith(('embeddings.', 'transformer.')):
            sd[name] = t
    missing, _ = model.distilbert.load_state_dict(sd, strict=False)
    if missing:
        sys.exit('%s: missing %s' % (path, ', '.join(missing[:5])))


def write_base(out_dir, vocab_dir, seed):
    """A random HF-layout DistilBERT folder (config.json, model.safetensors,
    vocab.txt) at the full shape, weights as HF initializes them."""
    rng = np.random.default_rng(seed)
    tensors = {}
    for name, shape in make_hf_checkpoint.tensor_shapes(FULL):
        if 'LayerNorm' in name or 'layer_norm' in name:
            v = np.ones(shape) if name.endswith('weight') else np.zeros(shape)
        elif name.endswith('bias'):
            v = np.zeros(shape)
        else:
            v = rng.normal(0.0, 0.02, size=shape)
        tensors['distilbert.' + name] = v.astype(np.float32)
    os.makedirs(out_dir, exist_ok=True)
    config = dict(activation='gelu', architectures=['DistilBertForMaskedLM'], attention_dropout=0.1,
                  dropout=0.1, initializer_range=0.02, model_type='distilbert', pad_token_id=0,
                  sinusoidal_pos_embds=False, **FULL)
    with open(os.path.join(out_dir, 'config.json'), 'w') as f:
        json.dump(config, f, indent=2, sort_keys=True)
    st_write.save(os.path.join(out_dir, 'model.safetensors'), tensors, {'format': 'pt'})
    shutil.copyfile(os.path.join(vocab_dir, 'vocab.txt'), os.path.join(out_dir, 'vocab.txt'))
    print('wrote %s (full shape, N(0, 0.02), seed %d)' % (out_dir, seed))


# ---------------------------------------------------------------- timing

def build(a):
    torch.manual_seed(a.seed)
    model = SeedModel(CFG)
    init_hf(model)
    if a.weights:
        load_encoder(model, a.weights)
    for p in model.distilbert.embeddings.parameters():
        p.requires_grad_(False)
    for layer in model.distilbert.transformer.layer[:a.freeze_layers]:
        for p in layer.parameters():
            p.requires_grad_(False)
    enc = [p for p in model.distilbert.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([{'params': enc, 'lr': a.lr},
                             {'params': model.classifier.parameters(), 'lr': a.lr * 5}],
                            betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    total = a.epochs * math.ceil(a.n_train / a.batch_size)
    warm = min(a.warmup_steps, total // 5)

    def lr_lambda(s):  # linear warmup + cosine; the seed steps it per epoch
        if s < warm:
            return s / max(1, warm)
        return 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, total - warm)))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    return model, opt, sched


def train_step(model, opt, b, a):
    """One seed step; returns seconds (only the trainable part with --frozen-cached)."""
    ids, mask = b['input_ids'], b['attention_mask']
    if a.frozen_cached:
        with torch.no_grad():
            x = frozen_part(model, ids, mask, a.freeze_layers, 0.0, False)
    t0 = time.perf_counter()
    if not a.frozen_cached:
        x = frozen_part(model, ids, mask, a.freeze_layers, 0.1, True)
    loss = seed_loss(trainable_part(model, x, mask, a.freeze_layers, 0.1, True), b)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return time.perf_counter() - t0, float(loss)


def time_training(model, opt, recs, a):
    model.train()
    steps = []
    for i, b in enumerate(loader(recs, a.batch_size, a.pad_to, True, a.seed)):
        if i > a.steps:
            break
        sec, loss = train_step(model, opt, b, a)
        real = int(b['attention_mask'].sum())
        if i == 0:
            print('warm-up step: %.2f s (not counted)' % sec)
            continue
        steps.append((sec, real, b['input_ids'].numel()))
        print('step %d: %.2f s, %d real / %d padded tokens, loss %.4f' % (i, sec, real, steps[-1][2], loss))
        sys.stdout.flush()
    return steps


def time_validation(model, recs, a):
    model.eval()
    secs = []
    with torch.no_grad():
        for i, b in enumerate(loader(recs, a.batch_size, a.pad_to, False, a.seed)):
            if i >= a.val_steps:
                break
            t0 = time.perf_counter()
            x = frozen_part(model, b['input_ids'], b['attention_mask'], a.freeze_layers, 0.0, False)
            trainable_part(model, x, b['attention_mask'], a.freeze_layers, 0.0, False)
            secs.append((time.perf_counter() - t0, b['input_ids'].numel()))
    return secs


def padded_tokens(recs, a, shuffle):
    """Padded tokens of one full pass (same batches as the timed ones)."""
    return sum(b['input_ids'].numel() for b in loader(recs, a.batch_size, a.pad_to, shuffle, a.seed))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data')
    ap.add_argument('--ids')
    ap.add_argument('--val-data')
    ap.add_argument('--val-ids')
    ap.add_argument('--steps', type=int, default=3)
    ap.add_argument('--val-steps', type=int, default=2)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--dynamic-padding', action='store_true')
    ap.add_argument('--frozen-cached', action='store_true')
    ap.add_argument('--weights')
    ap.add_argument('--batch-size', type=int, default=32)
    ap.add_argument('--freeze-layers', type=int, default=4)
    ap.add_argument('--max-length', type=int, default=256)
    ap.add_argument('--lr', type=float, default=2e-5)
    ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--warmup-steps', type=int, default=100)
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--write-base')
    ap.add_argument('--vocab')
    a = ap.parse_args()
    if a.write_base:
        return write_base(a.write_base, a.vocab, a.seed)
    if not a.data or not a.ids:
        ap.error('--data and --ids are required')
    torch.set_num_threads(a.threads)
    random.seed(a.seed)
    recs = load_split(a.data, a.ids, a.max_length)
    a.n_train, a.pad_to = len(recs), None if a.dynamic_padding else a.max_length
    model, opt, sched = build(a)
    mode = 'dynamic' if a.dynamic_padding else 'pad%d' % a.max_length
    if a.frozen_cached:
        mode += '+frozen-cached'
    print('torch %s, %d threads, %d records, mode %s' % (torch.__version__, torch.get_num_threads(),
                                                       len(recs), mode))
    steps = time_training(model, opt, recs, a)
    sched.step()  # once per epoch, as the seed does
    sec = sum(s for s, _, _ in steps)
    real = sum(r for _, r, _ in steps)
    padded = sum(p for _, _, p in steps)
    n_steps = math.ceil(len(recs) / a.batch_size)
    # cost taken proportional to padded tokens (all batches equal when padded to 256)
    epoch_train = sec / padded * padded_tokens(recs, a, True)
    epoch_val = 0.0
    if a.val_data and a.val_ids and a.val_steps > 0:
        vrecs = load_split(a.val_data, a.val_ids, a.max_length)
        vs = time_validation(model, vrecs, a)
        vpad = sum(p for _, p in vs)
        epoch_val = sum(s for s, _ in vs) / vpad * padded_tokens(vrecs, a, False)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    res = dict(mode=mode, threads=a.threads, steps_timed=len(steps), sec_per_step=sec / len(steps),
               real_tokens_per_s=real / sec, padded_tokens_per_s=padded / sec,
               steps_per_epoch=n_steps, epoch_train_s=epoch_train, epoch_val_s=epoch_val,
               epoch_s=epoch_train + epoch_val, epochs=a.epochs,
               run_s=a.epochs * (epoch_train + epoch_val), peak_rss_mb=rss_mb)
    print('%s: %.2f s/step over %d steps, %.0f real tokens/s (%.0f padded tokens/s)'
          % (mode, res['sec_per_step'], len(steps), res['real_tokens_per_s'], res['padded_tokens_per_s']))
    print('extrapolated: epoch %.0f s (train %.0f + validation %.0f), %d epochs %.0f s; peak RSS %.0f MB'
          % (res['epoch_s'], epoch_train, epoch_val, a.epochs, res['run_s'], rss_mb))
    print('RESULT ' + json.dumps(res, sort_keys=True))


if __name__ == '__main__':
    main()
