// Dumps, for every Unicode scalar value, what the Rust `tokenizers` BERT normalizer and pre-tokenizer do with
// that character alone. Usage: node probe_unicode.js [path-to-tokenizers-module] > probe.tsv
// One line per code point whose behaviour is not "kept as is, not split":
//   CP  cased  lower-only  strip-only  strip+lower  split
// Outputs are space-separated hex code points ('-' when the character vanishes); split is 'p' when the
// pre-tokenizer isolates it as punctuation, 'w' when it splits on it as whitespace, '.' otherwise.
// dump_unicode.c prints the same format from our C tables; the two must be identical.
'use strict';
const tk = require(process.argv[2] || 'tokenizers');
const mk = (strip, lower) =>
  tk.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: strip, lowercase: lower });
const modes = [mk(false, false), mk(false, true), mk(true, false), mk(true, true)];
const pre = tk.bertPreTokenizer();
const hex = (s) => (s.length === 0 ? '-' : Array.from(s).map((c) => c.codePointAt(0).toString(16)).join(' '));
const out = [];
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const ch = String.fromCodePoint(cp);
  const res = modes.map((m) => m.normalizeString(ch));
  const parts = pre.preTokenizeString('a' + ch + 'b');
  const split = parts.length === 3 ? 'p' : parts.length === 2 ? 'w' : '.';
  if (res.some((r) => r !== ch) || split !== '.') out.push([cp.toString(16), ...res.map(hex), split].join('\t'));
}
process.stdout.write(out.join('\n') + '\n');
