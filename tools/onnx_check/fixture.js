// Expected outputs of the committed ONNX fixtures (tests/data/onnx), computed
// by ONNX Runtime: a padded batch of 4 sequences (lengths 7, 3, 5, 1).
// usage: node fixture.js ORT_MODULE FIXTURE_DIR   (writes FIXTURE_DIR/expected.json)
'use strict';
const fs = require('fs');
const path = require('path');
const [ortPath, dir] = process.argv.slice(2);
const ort = require(ortPath);

const ids = [[1, 17, 42, 5, 33, 8, 2], [1, 49, 2, 0, 0, 0, 0], [1, 3, 3, 30, 2, 0, 0], [1, 0, 0, 0, 0, 0, 0]];
const mask = ids.map((row, b) => row.map((_, t) => (t < [7, 3, 5, 1][b] ? 1 : 0)));

async function run(file) {
  const s = await ort.InferenceSession.create(path.join(dir, file), { intraOpNumThreads: 1 });
  const flat = (m) => new BigInt64Array(m.flat().map(BigInt));
  const out = await s.run({
    input_ids: new ort.Tensor('int64', flat(ids), [4, 7]),
    attention_mask: new ort.Tensor('int64', flat(mask), [4, 7]),
  });
  const rows = (t, w) => Array.from({ length: 4 }, (_, b) => Array.from(t.data.slice(b * w, b * w + w)));
  return { score: Array.from(out.score.data), tier_logits: rows(out.tier_logits, 5),
    domain_logits: rows(out.domain_logits, 5), intent_logits: rows(out.intent_logits, 8) };
}

(async () => {
  const r = { ort_version: ort.env.versions ? ort.env.versions.common : 'unknown', input_ids: ids,
    attention_mask: mask, fp32: await run('micro_fp32.onnx'), int8: await run('micro_int8.onnx') };
  fs.writeFileSync(path.join(dir, 'expected.json'), JSON.stringify(r, null, 1) + '\n');
})().catch((e) => { console.error(e); process.exit(1); });
