// Ours and ONNX Runtime timed on the same prompt one right after the other,
// prompt by prompt, so that both see the same state of a shared machine (whose
// slow phases last seconds and move whole runs by 20% or more). Ours runs in
// `bench_latency --serve` (a child process, timed inside it: tokenization
// included, the pipe not); ORT in this process on `complexity tokenize`'s ids,
// at true length. The order alternates from prompt to prompt, and each run
// starts GAP_MS after the other engine's, so the other's idle threads have
// stopped spinning (each side then also pays its wake-up, as in an assistant
// where prompts arrive seconds apart).
// usage: node bench/latency_paired.js ORT_MODULE MODEL.onnx IDS.txt DATA.jsonl BENCH_LATENCY THREADS [PASSES] [GAP_MS]
'use strict';
const fs = require('fs');
const { spawn } = require('child_process');
const readline = require('readline');

const [ortPath, modelPath, idsPath, dataPath, benchBin, threadsArg, passesArg, gapArg] = process.argv.slice(2);
const ort = require(ortPath);
const threads = Number(threadsArg || 2), passes = Number(passesArg || 3), gap = Number(gapArg || 2);
const seqs = fs.readFileSync(idsPath, 'utf8').split('\n').filter((l) => l.trim())
  .map((l) => l.trim().split(/\s+/).map(Number));
const n = seqs.length;

function feeds(s) {
  const ids = new BigInt64Array(s.map(BigInt)), mask = new BigInt64Array(s.length).fill(1n);
  return { input_ids: new ort.Tensor('int64', ids, [1, s.length]),
    attention_mask: new ort.Tensor('int64', mask, [1, s.length]) };
}

// The child's stdout, one line at a time, in order.
function lineReader(stream) {
  const queue = [], waiting = [];
  readline.createInterface({ input: stream }).on('line', (l) => {
    if (waiting.length) waiting.shift()(l); else queue.push(l);
  });
  return () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiting.push(r)));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
function summary(ms) {
  const s = [...ms].sort((a, b) => a - b), mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  return `p50=${pct(s, 0.5).toFixed(2)} ms  p99=${pct(s, 0.99).toFixed(2)} ms  mean=${mean.toFixed(2)} ms`;
}

(async () => {
  const child = spawn(benchBin, ['--model', modelPath, '--serve', '--threads', String(threads), '--n', String(n), dataPath],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, GOMP_SPINCOUNT: process.env.GOMP_SPINCOUNT || '30000' } });
  const nextLine = lineReader(child.stdout);
  const ready = await nextLine();
  const session = await ort.InferenceSession.create(modelPath,
    { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  for (const s of seqs.slice(0, 5)) await session.run(feeds(s)); // warm up

  const ours = async (i) => { child.stdin.write(`${i}\n`); return Number(await nextLine()); };
  const theirs = async (i) => {
    const f = feeds(seqs[i]), t0 = process.hrtime.bigint();
    await session.run(f);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const first = { ours: [], ort: [] }, best = { ours: Array(n).fill(Infinity), ort: Array(n).fill(Infinity) };
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < n; i++) {
      const order = (i + pass) % 2 ? ['ort', 'ours'] : ['ours', 'ort'];
      for (const who of order) {
        await sleep(gap);
        const t = who === 'ours' ? await ours(i) : await theirs(i);
        if (pass === 0) first[who].push(t);
        best[who][i] = Math.min(best[who][i], t);
      }
    }
  }
  child.stdin.end();
  const ratios = (a, b) => a.map((x, i) => x / b[i]).sort((x, y) => x - y);
  const p50 = (ms) => pct([...ms].sort((a, b) => a - b), 0.5);
  console.log(`paired, ${n} prompts, ${threads} threads, ${passes} passes, ${gap} ms between runs; ours: ${ready}`);
  console.log(`  ours  first pass: ${summary(first.ours)}   best of ${passes}: ${summary(best.ours)}`);
  console.log(`  ORT   first pass: ${summary(first.ort)}   best of ${passes}: ${summary(best.ort)}`);
  console.log(`  ours / ORT: p50 ${(p50(first.ours) / p50(first.ort)).toFixed(3)}x (first pass), ` +
    `${(p50(best.ours) / p50(best.ort)).toFixed(3)}x (best of ${passes}); per prompt, median ` +
    `${pct(ratios(first.ours, first.ort), 0.5).toFixed(3)}x, 90th percentile ${pct(ratios(first.ours, first.ort), 0.9).toFixed(3)}x`);
})().catch((e) => { console.error(e); process.exit(1); });
