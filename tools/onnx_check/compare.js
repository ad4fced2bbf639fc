// Runs complexity's exported ONNX files with ONNX Runtime (onnxruntime-node)
// and compares them with the native classifier (`complexity classify --jsonl`).
// usage: node compare.js ORT_MODULE FP32.onnx INT8.onnx IDS.txt NATIVE.jsonl [NATIVE_INT8.jsonl]
//   IDS.txt: `complexity tokenize --jsonl` output, one prompt's ids per line.
//   NATIVE_INT8.jsonl: our INT8 engine's `classify` of INT8.onnx itself.
// Prints a JSON summary; exits 1 when a target is missed:
//   fp32 max |diff| <= 1e-4 (score, probabilities), INT8 same tier and intent
//   as native on >= 99.5% of prompts, padded batches = single prompts; ORT's
//   INT8 and ours on the same file: same tier and intent on >= 99.5%.
'use strict';
const fs = require('fs');
const [ortPath, fp32Path, int8Path, idsPath, nativePath, nativeInt8Path] = process.argv.slice(2);
const ort = require(ortPath);

const TIERS = ['trivial', 'simple', 'moderate', 'complex', 'expert'];
const DOMAINS = ['code', 'math', 'data', 'system', 'creative'];
const INTENTS = ['greeting', 'question', 'code_gen', 'analysis', 'debug', 'planning', 'creative', 'multi_step'];

const softmax = (z) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const sigmoid = (v) => 1 / (1 + Math.exp(-v));
const argmax = (v) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);

function batchFeeds(seqs, padTo = 0) {
  const T = Math.max(padTo, ...seqs.map((s) => s.length));
  const ids = new BigInt64Array(seqs.length * T), mask = new BigInt64Array(seqs.length * T);
  seqs.forEach((s, b) => s.forEach((id, t) => { ids[b * T + t] = BigInt(id); mask[b * T + t] = 1n; }));
  return {
    input_ids: new ort.Tensor('int64', ids, [seqs.length, T]),
    attention_mask: new ort.Tensor('int64', mask, [seqs.length, T]),
  };
}

// outputs of a batch, split per sequence
function split(out, n) {
  const rows = [];
  for (let b = 0; b < n; b++) {
    rows.push({
      score: out.score.data[b],
      tier: Array.from(out.tier_logits.data.slice(b * 5, b * 5 + 5)),
      domain: Array.from(out.domain_logits.data.slice(b * 5, b * 5 + 5)),
      intent: Array.from(out.intent_logits.data.slice(b * 8, b * 8 + 8)),
    });
  }
  return rows;
}

async function main() {
  const opt = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const fp32 = await ort.InferenceSession.create(fp32Path, opt);
  const int8 = await ort.InferenceSession.create(int8Path, opt);
  const seqs = fs.readFileSync(idsPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => l.trim().split(/\s+/).map(Number));
  const native = fs.readFileSync(nativePath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  if (seqs.length !== native.length) throw new Error(`${seqs.length} token lines but ${native.length} native predictions`);
  // optional: our INT8 engine on the same INT8 file
  const native8 = nativeInt8Path
    ? fs.readFileSync(nativeInt8Path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)) : null;
  if (native8 && native8.length !== seqs.length) throw new Error(`${native8.length} native INT8 predictions for ${seqs.length} prompts`);
  const r = { prompts: seqs.length, ort_version: ort.env.versions ? ort.env.versions.common : 'unknown',
    fp32_max_abs_diff: 0, fp32_worst: '', int8_tier_agree: 0, int8_intent_agree: 0, int8_mean_abs_score_diff: 0,
    int8_vs_fp32_max_abs_logit_diff: 0, padded_batch_max_abs_logit_diff: 0 };
  if (native8) Object.assign(r, { ours_int8_tier_agree: 0, ours_int8_intent_agree: 0, ours_int8_mean_abs_score_diff: 0,
    ours_int8_max_abs_score_diff: 0, ours_int8_max_abs_prob_diff: 0 });
  const single = [];
  for (let i = 0; i < seqs.length; i++) {
    const a = split(await fp32.run(batchFeeds([seqs[i]])), 1)[0];
    const q = split(await int8.run(batchFeeds([seqs[i]])), 1)[0];
    single.push(a);
    const n = native[i];
    const pairs = [['score', a.score, n.score]];
    softmax(a.tier).forEach((p, k) => pairs.push([`tier_probs.${TIERS[k]}`, p, n.tier_probs[TIERS[k]]]));
    softmax(a.intent).forEach((p, k) => pairs.push([`intent_probs.${INTENTS[k]}`, p, n.intent_probs[INTENTS[k]]]));
    a.domain.forEach((z, k) => pairs.push([`domain_scores.${DOMAINS[k]}`, sigmoid(z), n.domain_scores[DOMAINS[k]]]));
    for (const [name, x, y] of pairs) {
      const d = Math.abs(x - y);
      if (!(d <= r.fp32_max_abs_diff)) { r.fp32_max_abs_diff = d; r.fp32_worst = `prompt ${i} ${name}: ort ${x} native ${y}`; }
    }
    if (TIERS[argmax(q.tier)] === n.tier) r.int8_tier_agree++;
    if (INTENTS[argmax(q.intent)] === n.intent) r.int8_intent_agree++;
    r.int8_mean_abs_score_diff += Math.abs(q.score - n.score) / seqs.length;
    if (native8) {
      const m = native8[i], d = Math.abs(q.score - m.score);
      if (TIERS[argmax(q.tier)] === m.tier) r.ours_int8_tier_agree++;
      if (INTENTS[argmax(q.intent)] === m.intent) r.ours_int8_intent_agree++;
      r.ours_int8_mean_abs_score_diff += d / seqs.length;
      r.ours_int8_max_abs_score_diff = Math.max(r.ours_int8_max_abs_score_diff, d);
      softmax(q.tier).forEach((p, k) => { r.ours_int8_max_abs_prob_diff = Math.max(r.ours_int8_max_abs_prob_diff, Math.abs(p - m.tier_probs[TIERS[k]])); });
      softmax(q.intent).forEach((p, k) => { r.ours_int8_max_abs_prob_diff = Math.max(r.ours_int8_max_abs_prob_diff, Math.abs(p - m.intent_probs[INTENTS[k]])); });
    }
    for (const key of ['tier', 'domain', 'intent'])
      a[key].forEach((z, k) => { r.int8_vs_fp32_max_abs_logit_diff = Math.max(r.int8_vs_fp32_max_abs_logit_diff, Math.abs(z - q[key][k])); });
  }
  // padded batches of 16 (masking, dynamic axes) must give the single-prompt logits
  for (let s = 0; s < Math.min(seqs.length, 256); s += 16) {
    const part = seqs.slice(s, s + 16);
    split(await fp32.run(batchFeeds(part)), part.length).forEach((o, b) => {
      const ref = single[s + b];
      for (const key of ['tier', 'domain', 'intent'])
        o[key].forEach((z, k) => { r.padded_batch_max_abs_logit_diff = Math.max(r.padded_batch_max_abs_logit_diff, Math.abs(z - ref[key][k])); });
      r.padded_batch_max_abs_logit_diff = Math.max(r.padded_batch_max_abs_logit_diff, Math.abs(o.score - ref.score));
    });
  }
  // as Kuro runs it: one prompt padded to 256 (INT8: padding rows take part in
  // DynamicQuantizeLinear's range, so this may differ slightly from true length)
  const nPad = Math.min(seqs.length, 100);
  r.pad256_prompts = nPad;
  r.pad256_fp32_max_abs_logit_diff = 0;
  r.pad256_int8_max_abs_logit_diff = 0;
  r.pad256_int8_same_tier_intent = 0;
  for (let i = 0; i < nPad; i++) {
    const a = split(await fp32.run(batchFeeds([seqs[i]], 256)), 1)[0];
    const q = split(await int8.run(batchFeeds([seqs[i]], 256)), 1)[0];
    const q1 = split(await int8.run(batchFeeds([seqs[i]])), 1)[0];
    for (const key of ['tier', 'domain', 'intent']) {
      a[key].forEach((z, k) => { r.pad256_fp32_max_abs_logit_diff = Math.max(r.pad256_fp32_max_abs_logit_diff, Math.abs(z - single[i][key][k])); });
      q[key].forEach((z, k) => { r.pad256_int8_max_abs_logit_diff = Math.max(r.pad256_int8_max_abs_logit_diff, Math.abs(z - q1[key][k])); });
    }
    if (argmax(q.tier) === argmax(q1.tier) && argmax(q.intent) === argmax(q1.intent)) r.pad256_int8_same_tier_intent++;
  }
  r.int8_tier_agree_pct = (100 * r.int8_tier_agree) / seqs.length;
  r.int8_intent_agree_pct = (100 * r.int8_intent_agree) / seqs.length;
  r.pass = r.fp32_max_abs_diff <= 1e-4 && r.int8_tier_agree_pct >= 99.5 && r.int8_intent_agree_pct >= 99.5 &&
    r.padded_batch_max_abs_logit_diff <= 1e-4 && r.pad256_fp32_max_abs_logit_diff <= 1e-4;
  if (native8) {
    r.ours_int8_tier_agree_pct = (100 * r.ours_int8_tier_agree) / seqs.length;
    r.ours_int8_intent_agree_pct = (100 * r.ours_int8_intent_agree) / seqs.length;
    r.pass = r.pass && r.ours_int8_tier_agree_pct >= 99.5 && r.ours_int8_intent_agree_pct >= 99.5;
  }
  console.log(JSON.stringify(r, null, 1));
  process.exit(r.pass ? 0 : 1);
}
main().catch((e) => { console.error(e); process.exit(2); });
