// Parity of our tokenizer with the Rust `tokenizers` library (node binding).
//   node parity.js gen OUT.jsonl                      deterministic test strings ({"text": ...} per line)
//   node parity.js encode CONFIG STRINGS.jsonl OUT.txt encode with Rust: one line of ids per string
//   node parity.js compare STRINGS A.txt B.txt NAME [FIXTURE.jsonl N]  diff; optionally keep N cases as a fixture
// CONFIG: cased:VOCAB_TXT[:MAXLEN] (mBERT-style tokenizer built from a vocab.txt, as transformers'
// BertTokenizerFast does) or json:TOKENIZER_JSON[:MAXLEN]. The module path comes from $TOKENIZERS_MODULE.
'use strict';
const fs = require('fs');

function rng(seed) { // mulberry32: deterministic strings on every machine
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readTexts(path) {
  return fs.readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l).text);
}

function codePointsOf(re) { // every scalar value of a Unicode property class (node's ICU tables)
  const out = [];
  for (let cp = 1; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (re.test(String.fromCodePoint(cp))) out.push(cp);
  }
  return out;
}

function generate(sharedDir) {
  const r = rng(20240601);
  const pick = (arr) => arr[Math.floor(r() * arr.length)];
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const cp = (c) => String.fromCodePoint(c);
  const out = new Set();
  const add = (s) => { if (!s.includes('\u0000')) out.add(s); };

  // 1. reference data: every distinct text
  const ref = [];
  for (const f of ['train', 'val', 'test', 'heuristic_expected']) {
    const p = `${sharedDir}/reference-data/${f}.jsonl`;
    if (fs.existsSync(p)) for (const t of readTexts(p)) { ref.push(t); add(t); }
  }
  // 2. every character class, by general category
  const cats = ['Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'Mn', 'Mc', 'Me', 'Nd', 'Nl', 'No', 'Pc', 'Pd', 'Ps', 'Pe', 'Pi', 'Pf',
    'Po', 'Sm', 'Sc', 'Sk', 'So', 'Zs', 'Zl', 'Zp', 'Cc', 'Cf', 'Co', 'Cn'];
  const byCat = {};
  for (const c of cats) byCat[c] = codePointsOf(new RegExp(`\\p{${c}}`, 'u'));
  const ascii = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const word = () => Array.from({ length: int(1, 8) }, () => pick(ascii)).join('');
  for (const c of cats) {
    for (let i = 0; i < 300; i++) {
      const n = int(1, 6);
      let s = '';
      for (let k = 0; k < n; k++) s += (r() < 0.5 ? word() : '') + cp(pick(byCat[c])) + (r() < 0.3 ? ' ' : '');
      add(s);
    }
  }
  // 3. random scalar values anywhere, mixed with words
  for (let i = 0; i < 3000; i++) {
    let s = '';
    for (let k = int(1, 12); k > 0; k--) {
      let c = r() < 0.5 ? int(0x80, 0xffff) : int(0x10000, 0x10ffff);
      if (c >= 0xd800 && c <= 0xdfff) c = 0x4e00;
      s += (r() < 0.4 ? word() : '') + cp(c) + (r() < 0.2 ? ' ' : '');
    }
    add(s);
  }
  // 4. CJK ranges, their edges, the extension planes (Rust uses 2B920 where Python uses 2B820)
  const cjk = [[0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df], [0x2a700, 0x2b73f], [0x2b740, 0x2b81f],
    [0x2b920, 0x2ceaf], [0xf900, 0xfaff], [0x2f800, 0x2fa1f], [0x2b820, 0x2b91f], [0x30000, 0x3134f],
    [0x31350, 0x323af], [0x2ceb0, 0x2ebef], [0x2ebf0, 0x2ee5f]];
  for (const [lo, hi] of cjk) {
    for (const c of [lo - 1, lo, lo + 1, hi - 1, hi, hi + 1]) add('x' + cp(c) + 'y ' + cp(c) + word());
    for (let i = 0; i < 60; i++) add(Array.from({ length: int(1, 10) }, () => cp(int(lo, hi))).join(r() < 0.5 ? '' : 'a'));
  }
  // 5. combining marks, control and format characters, whitespace of every kind
  const marks = byCat.Mn.concat(byCat.Mc, byCat.Me);
  for (let i = 0; i < 1500; i++) {
    let s = '';
    for (let k = int(1, 5); k > 0; k--) {
      s += pick(ascii + 'éøßİıΣσςДжאب');
      for (let m = int(0, 4); m > 0; m--) s += cp(pick(marks));
      if (r() < 0.3) s += ' ';
    }
    add(s);
    add(s.normalize('NFD'));
    add(s.normalize('NFC'));
  }
  const ws = [0x9, 0xa, 0xb, 0xc, 0xd, 0x20, 0x85, 0xa0, 0x1680, 0x180e, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
    0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x200b, 0x200c, 0x200d, 0x2028, 0x2029, 0x202f, 0x205f, 0x2060, 0x3000,
    0xfeff, 0x1c, 0x1d, 0x1e, 0x1f, 0xad, 0x5, 0x7f, 0xfffd, 0xfffe, 0xffff, 0xe000, 0xf8ff, 0xf0000, 0x10fffd,
    0xe0001, 0xe0041, 0x202e, 0x200e, 0x61c, 0xfe0f, 0x34f];
  for (const c of ws) {
    add('a' + cp(c) + 'b');
    add(cp(c) + 'word' + cp(c));
    add('x' + cp(c) + cp(c) + '中' + cp(c) + '.');
  }
  for (let i = 0; i < 1000; i++) add(Array.from({ length: int(2, 10) }, () => (r() < 0.5 ? word() : cp(pick(ws)))).join(''));
  // 6. emoji, ZWJ sequences, flags, skin tones, keycaps
  const emoji = ['👨‍👩‍👧‍👦', '🏳️‍🌈', '👍🏽', '🇹🇼', '🇺🇸', '1️⃣', '❤️', '🧑🏿‍💻', '😀', '🤖', '☕', '✨', '👩‍❤️‍💋‍👨', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'];
  for (let i = 0; i < 800; i++) add(Array.from({ length: int(1, 6) }, () => (r() < 0.5 ? pick(emoji) : word())).join(r() < 0.5 ? ' ' : ''));
  // 7. full-width and half-width forms, compatibility characters, letter-case oddities
  for (let i = 0; i < 800; i++) {
    let s = '';
    for (let k = int(1, 12); k > 0; k--) s += cp(r() < 0.7 ? int(0xff01, 0xffee) : pick([0xfb01, 0x2126, 0x212a, 0x212b, 0x1e9e, 0x130, 0x131, 0x3a3, 0x1c90, 0xab70, 0x13a0, 0x10400, 0x1e900, 0x2c2f, 0xa7c0]));
    add(s);
  }
  for (const s of ['İstanbul', 'ıi', 'ΟΔΟΣ ΟΔΌΣ', 'Straße STRASSE ẞ', 'ǅungla', 'ﬁnance', 'Ωhm', 'Ångström', 'ᏣᎳᎩ', 'ᲐᲑᲒ',
    '한국어 텍스트', 'Tiếng Việt có dấu', 'Ελληνικά', 'Русский ТЕКСТ', 'עברית', 'العربية', 'हिन्दी', 'ภาษาไทย', 'ཀ་ཁ', '日本語のテキスト'])
    add(s);
  // 8. long words around the 100-character rule, unmatchable words
  for (const n of [1, 50, 98, 99, 100, 101, 102, 150, 300]) {
    add('a'.repeat(n));
    add('x ' + 'ab'.repeat(n).slice(0, n) + ' y');
    add('é'.repeat(n));
    add('中'.repeat(n));
    add('Ü' + 'ber'.repeat(n).slice(0, n - 1));
    add('🙂'.repeat(n));
    add('a\u0301'.repeat(n));
  }
  for (let i = 0; i < 300; i++) add(Array.from({ length: int(90, 110) }, () => pick(ascii)).join(''));
  // 9. special tokens written in the text
  const specials = ['[CLS]', '[SEP]', '[MASK]', '[PAD]', '[UNK]', '[mask]', '[unused1]', '[CLS', 'MASK]', '[[MASK]]'];
  for (let i = 0; i < 600; i++) add(Array.from({ length: int(1, 6) }, () => (r() < 0.4 ? pick(specials) : word())).join(r() < 0.5 ? ' ' : ''));
  // 10. generated data: reference texts mutated (case, insertions, truncations, joins)
  const junk = byCat.Mn.concat(byCat.Cf, byCat.Po, byCat.So, byCat.Zs, byCat.Lo.slice(0, 5000));
  while (out.size < 24000 && ref.length) {
    let s = pick(ref);
    const op = int(0, 4);
    if (op === 0) s = s.toUpperCase();
    else if (op === 1) s = s.toLowerCase();
    else if (op === 2) { const k = int(0, s.length); s = s.slice(0, k) + cp(pick(junk)) + s.slice(k); }
    else if (op === 3) s = s.slice(0, int(0, s.length)) + pick(ref).slice(int(0, 20));
    else s = Array.from(s).reverse().join('');
    add(s);
  }
  add('');
  add(' ');
  return Array.from(out);
}

function bertFromVocab(tk, vocab, lowercase) {
  const lines = fs.readFileSync(vocab, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const v = {};
  lines.forEach((t, i) => { v[t.trimEnd()] = i; });
  const wp = tk.WordPiece.init(v, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 });
  const tok = new tk.Tokenizer(wp);
  tok.setNormalizer(tk.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: lowercase, lowercase }));
  tok.setPreTokenizer(tk.bertPreTokenizer());
  tok.setPostProcessor(tk.bertProcessing(['[SEP]', v['[SEP]']], ['[CLS]', v['[CLS]']]));
  tok.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  return tok;
}

function loadConfig(tk, spec) {
  const parts = spec.split(':');
  const kind = parts[0], path = parts[1], maxLen = parts[2] ? parseInt(parts[2], 10) : 0;
  const tok = kind === 'cased' ? bertFromVocab(tk, path, false) : tk.Tokenizer.fromFile(path);
  tok.disablePadding();
  if (maxLen > 0) tok.setTruncation(maxLen);
  else tok.disableTruncation();
  return tok;
}

async function encode(spec, strings, outPath) {
  const tk = require(process.env.TOKENIZERS_MODULE || 'tokenizers');
  const tok = loadConfig(tk, spec);
  const texts = readTexts(strings);
  const lines = [];
  for (let i = 0; i < texts.length; i += 2000) {
    const encs = await tok.encodeBatch(texts.slice(i, i + 2000));
    for (const e of encs) lines.push(e.getIds().join(' '));
  }
  fs.writeFileSync(outPath, lines.join('\n') + '\n');
}

function compare(strings, aPath, bPath, name, fixture, nKeep) {
  const texts = readTexts(strings);
  const a = fs.readFileSync(aPath, 'utf8').split('\n');
  const b = fs.readFileSync(bPath, 'utf8').split('\n');
  let diffs = 0;
  for (let i = 0; i < texts.length; i++) {
    if (a[i] !== b[i]) {
      if (diffs < 10) console.log(`${name}: DIFF #${i} ${JSON.stringify(texts[i])}\n  rust: ${a[i]}\n  ours: ${b[i]}`);
      diffs++;
    }
  }
  console.log(`${name}: ${texts.length} strings compared, ${diffs} differences`);
  if (fixture) { // every adversarial case the sample hits + a spread of the rest, deterministic
    const r = rng(7);
    const keep = [];
    for (let i = 0; i < texts.length; i++) if (r() < nKeep / texts.length) keep.push(i);
    fs.writeFileSync(fixture, keep.map((i) => JSON.stringify({ text: texts[i], ids: a[i].split(' ').map(Number) })).join('\n') + '\n');
    console.log(`${name}: ${keep.length} cases written to ${fixture}`);
  }
  return diffs;
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'gen') {
  const strings = generate(process.env.SHARED_DIR || '/work/shared');
  fs.writeFileSync(args[0], strings.map((s) => JSON.stringify({ text: s })).join('\n') + '\n');
  console.log(`${strings.length} strings written to ${args[0]}`);
} else if (cmd === 'encode') {
  encode(args[0], args[1], args[2]).catch((e) => { console.error(e); process.exit(1); });
} else if (cmd === 'compare') {
  process.exit(compare(args[0], args[1], args[2], args[3], args[4], parseInt(args[5] || '0', 10)) ? 1 : 0);
} else {
  console.error('usage: parity.js gen|encode|compare ...');
  process.exit(2);
}
