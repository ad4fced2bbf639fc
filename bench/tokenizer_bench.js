// Rust tokenizers (node binding) throughput on one thread: encodeBatch over every text of a JSONL file.
// usage: RAYON_NUM_THREADS=1 node tokenizer_bench.js TOKENIZERS_MODULE VOCAB_TXT DATA.jsonl ROUNDS
'use strict';
const fs = require('fs');
const [mod, vocabPath, dataPath, roundsArg] = process.argv.slice(2);
const tk = require(mod);
const lines = fs.readFileSync(vocabPath, 'utf8').split('\n');
if (lines[lines.length - 1] === '') lines.pop();
const v = {};
lines.forEach((t, i) => { v[t.trimEnd()] = i; });
const tok = new tk.Tokenizer(tk.WordPiece.init(v, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 }));
tok.setNormalizer(tk.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: false }));
tok.setPreTokenizer(tk.bertPreTokenizer());
tok.setPostProcessor(tk.bertProcessing(['[SEP]', v['[SEP]']], ['[CLS]', v['[CLS]']]));
tok.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
const texts = fs.readFileSync(dataPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l).text);
const rounds = parseInt(roundsArg || '5', 10);
(async () => {
  await tok.encodeBatch(texts.slice(0, 100)); // warm-up
  let total = 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const e of await tok.encodeBatch(texts)) total += e.getLength();
  const batchS = Number(process.hrtime.bigint() - t0) / 1e9;
  let total1 = 0;
  const t1 = process.hrtime.bigint();
  for (const t of texts) total1 += (await tok.encode(t)).getLength();
  const oneS = Number(process.hrtime.bigint() - t1) / 1e9;
  console.log(`rust encodeBatch: texts ${texts.length} rounds ${rounds} tokens ${total} seconds ${batchS.toFixed(4)} tokens/s ${(total / batchS).toFixed(0)}`);
  console.log(`rust encode (one call per text): tokens ${total1} seconds ${oneS.toFixed(4)} tokens/s ${(total1 / oneS).toFixed(0)}`);
})();
