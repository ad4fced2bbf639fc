// ONNX Runtime side of bench/latency.sh: p50/p99/mean latency per prompt of an
// ONNX file with onnxruntime-node, one prompt per run, (a) padded to 256 as
// Kuro runs it (seq fixed at 256, mask 0 on the padding) and (b) at its true
// length; plus session creation time. Token ids come from `complexity
// tokenize` (tokenization is not timed here; ours includes it).
// REPEAT > 1: every prompt runs in REPEAT passes; the first pass gives the usual
// figures, the best pass per prompt a second set (as bench/latency.c --repeat).
// usage: node bench/latency_ort.js ORT_MODULE MODEL.onnx IDS.txt THREADS [REPEAT]
'use strict';
const fs = require('fs');
const [ortPath, modelPath, idsPath, threadsArg, repeatArg] = process.argv.slice(2);
const ort = require(ortPath);
const threads = Number(threadsArg || 1);
const repeat = Math.max(1, Number(repeatArg || 1));
const seqs = fs.readFileSync(idsPath, 'utf8').split('\n').filter((l) => l.trim())
  .map((l) => l.trim().split(/\s+/).map(Number));

function feeds(s, T) {
  const ids = new BigInt64Array(T), mask = new BigInt64Array(T);
  s.forEach((id, t) => { ids[t] = BigInt(id); mask[t] = 1n; });
  return { input_ids: new ort.Tensor('int64', ids, [1, T]), attention_mask: new ort.Tensor('int64', mask, [1, T]) };
}

function summary(ms) {
  const sorted = [...ms].sort((a, b) => a - b);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  return `p50=${sorted[Math.floor(ms.length / 2)].toFixed(2)} ms  p99=${sorted[Math.floor(ms.length * 0.99)].toFixed(2)} ms  mean=${mean.toFixed(2)} ms`;
}

async function timeAll(session, padTo, passes) {
  for (const s of seqs.slice(0, 5)) await session.run(feeds(s, padTo || s.length)); // warm up
  const ms = [], best = [];
  for (let pass = 0; pass < passes; pass++) {
    for (const [i, s] of seqs.entries()) {
      const f = feeds(s, padTo || s.length);
      const t0 = process.hrtime.bigint();
      await session.run(f);
      const t = Number(process.hrtime.bigint() - t0) / 1e6;
      if (pass === 0) ms.push(t), best.push(t);
      else best[i] = Math.min(best[i], t);
    }
  }
  return summary(ms) + (passes > 1 ? `  best of ${passes}: ${summary(best)}` : '');
}

(async () => {
  const opts = { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(modelPath, opts);
  const load = Number(process.hrtime.bigint() - t0) / 1e6;
  const name = modelPath.split('/').pop();
  console.log(`ORT ${name} threads=${threads} prompts=${seqs.length} load=${load.toFixed(0)} ms  padded to 256: ${await timeAll(session, 256, 1)}`);
  console.log(`ORT ${name} threads=${threads} prompts=${seqs.length} true length: ${await timeAll(session, 0, repeat)}`);
})().catch((e) => { console.error(e); process.exit(1); });
