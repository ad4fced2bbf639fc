/* Encoding: added-token split, BERT normalizer, BERT pre-tokenizer and
 * WordPiece fused into one pass over the text, without per-character
 * allocation. The order of the Rust library is kept: special tokens are
 * matched in the raw text; then each character is cleaned (clean_text),
 * spaced (CJK), accent-stripped and lower-cased; the resulting characters are
 * split on whitespace and punctuation; each word goes through WordPiece. */
#include <stdlib.h>
#include <string.h>

#include "text/bert_unicode.h"
#include "text/tok_int.h"
#include "complexity/common.h"
#include "util/utf8.h"

#define WORD_STACK_CHARS 128

typedef struct enc {
    const cx_tokenizer *tok;
    int32_t *ids;     /* output, (cap) */
    size_t cap;
    size_t n;         /* ids produced so far, counted even past cap */
    size_t n_seq;     /* of which sequence pieces */
    size_t limit;     /* most sequence pieces wanted (truncation) */
    int full;         /* limit reached: stop */
    char *word;       /* current word, UTF-8, room for max_chars * 4 bytes */
    size_t wlen;      /* bytes */
    size_t wchars;    /* characters, counted past max_chars */
    int32_t *pieces;  /* (max_chars) WordPiece scratch */
    tok_word_fn on_word; /* when set, words go here instead of WordPiece */
    void *ctx;
} enc;

static void emit(enc *e, int32_t id) {
    if (e->n_seq >= e->limit) {
        e->full = 1;
        return;
    }
    if (e->n < e->cap) e->ids[e->n] = id;
    e->n++;
    if (++e->n_seq >= e->limit) e->full = 1;
}

/* Greedy longest-match-first from the left; any unmatchable rest makes the
 * whole word the unk token (Rust WordPiece::tokenize). */
static void wordpiece(enc *e) {
    const cx_tokenizer *tok = e->tok;
    const char *w = e->word;
    size_t np = 0, start = 0;
    while (start < e->wlen) {
        const tok_table *t = (start && tok->prefix_len) ? &tok->cont : &tok->full;
        size_t off = (start && tok->prefix_len) ? tok->prefix_len : 0;
        size_t end = e->wlen;
        if (end - start > t->max_bytes) {
            end = start + t->max_bytes;
            while (end > start && ((unsigned char)w[end] & 0xC0) == 0x80) end--;
        }
        int32_t id = -1;
        while (end > start) {
            id = tok_table_find(tok, t, off, w + start, end - start);
            if (id >= 0) break;
            end--;
            while (end > start && ((unsigned char)w[end] & 0xC0) == 0x80) end--;
        }
        if (id < 0) {
            emit(e, tok->unk_id);
            return;
        }
        e->pieces[np++] = id;
        start = end;
    }
    for (size_t i = 0; i < np && !e->full; i++) emit(e, e->pieces[i]);
}

static void flush(enc *e) {
    if (e->wchars == 0) return;
    size_t max_chars = (size_t)e->tok->opt.max_input_chars_per_word;
    if (e->on_word) e->on_word(e->ctx, e->word, e->wlen, e->wchars, e->wchars > max_chars);
    else if (e->wchars > (size_t)e->tok->opt.max_input_chars_per_word) emit(e, e->tok->unk_id);
    else wordpiece(e);
    e->wlen = 0;
    e->wchars = 0;
}

static void add_char(enc *e, uint32_t cp) {
    if (++e->wchars > (size_t)e->tok->opt.max_input_chars_per_word) return; /* becomes [UNK] */
    e->wlen += cx_utf8_encode(cp, e->word + e->wlen);
}

static unsigned class_of(const cx_tokenizer *tok, uint32_t cp) {
    if (cp < 65536) return tok->bmp_class[cp];
    unsigned cls = bu_class(cp);
    uint32_t m[BU_MAX_MAP];
    if (bu_map(cp, tok->opt.strip_accents, tok->opt.lowercase, m) == 1 && m[0] == cp) cls |= TOK_IDENTITY;
    return cls;
}

/* A normalized character meets the pre-tokenizer. */
static void pretokenize_char(enc *e, uint32_t cp, unsigned cls) {
    if (cls & BU_WS) {
        flush(e);
    } else if (cls & BU_PUNCT) {
        flush(e);
        add_char(e, cp);
        flush(e);
    } else {
        add_char(e, cp);
    }
}

/* A raw character meets the normalizer, then the pre-tokenizer. */
static void normalize_char(enc *e, uint32_t cp, unsigned cls) {
    const cx_tokenizer_options *o = &e->tok->opt;
    if (o->clean_text) {
        if (cls & BU_DROP) return;
        if (cls & BU_WS) {
            flush(e);
            return;
        }
    }
    uint32_t m[BU_MAX_MAP];
    int nm = 1;
    m[0] = cp;
    if (!(cls & TOK_IDENTITY)) nm = bu_map(cp, o->strip_accents, o->lowercase, m);
    if (o->handle_chinese_chars && (cls & BU_CJK)) {
        flush(e);
        for (int i = 0; i < nm; i++) add_char(e, m[i]);
        flush(e);
        return;
    }
    if (cls & TOK_IDENTITY) {
        pretokenize_char(e, cp, cls);
        return;
    }
    for (int i = 0; i < nm; i++) pretokenize_char(e, m[i], class_of(e->tok, m[i]));
}

/* Length of the longest added token at s (leftmost-longest matching), or 0. */
static size_t match_added(const cx_tokenizer *tok, const char *s, size_t n, int32_t *id) {
    size_t best = 0;
    for (size_t i = 0; i < tok->n_added; i++) {
        const tok_added *a = &tok->added[i];
        if (a->len > best && a->len <= n && memcmp(a->content, s, a->len) == 0) {
            best = a->len;
            *id = a->id;
        }
    }
    return best;
}

static void encode_text(enc *e, const char *text, size_t len) {
    const cx_tokenizer *tok = e->tok;
    const unsigned char *s = (const unsigned char *)text;
    int lower = tok->opt.lowercase;
    size_t i = 0;
    while (i < len && !e->full) {
        unsigned c = s[i];
        if (tok->added_first[c]) {
            int32_t id;
            size_t m = match_added(tok, text + i, len - i, &id);
            if (m) {
                flush(e);
                if (!e->on_word) emit(e, id);
                i += m;
                continue;
            }
        }
        if (c < 0x80) {
            unsigned cls = tok->bmp_class[c];
            if (cls == TOK_IDENTITY || (lower && c >= 'A' && c <= 'Z')) {
                /* plain ASCII letter or digit: straight into the word */
                if (++e->wchars <= (size_t)tok->opt.max_input_chars_per_word)
                    e->word[e->wlen++] = (char)(lower && c >= 'A' && c <= 'Z' ? c + 32 : c);
            } else {
                normalize_char(e, c, cls);
            }
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = cx_utf8_decode(s + i, len - i, &cp);
        if (k == 0) { /* invalid byte: U+FFFD, which clean_text drops */
            cp = 0xFFFD;
            k = 1;
        }
        normalize_char(e, cp, class_of(tok, cp));
        i += k;
    }
    if (!e->full) flush(e);
}

int cx_tokenizer_encode(const cx_tokenizer *tok, const char *text, size_t len, size_t max_length,
                        int32_t *ids_out, int32_t *mask_out, size_t cap, size_t *n_out, cx_error *err) {
    if (n_out) *n_out = 0;
    if (!tok || !n_out || (!text && len) || (!ids_out && cap))
        return cx_error_set(err, CX_ERR_INVALID, "tokenizer_encode: NULL argument");
    size_t n_special = tok->n_prefix + tok->n_suffix;
    if (max_length && max_length < n_special)
        return cx_error_set(err, CX_ERR_INVALID,
                            "tokenizer_encode: max_length %zu is less than the %zu special tokens", max_length,
                            n_special);
    size_t max_chars = (size_t)tok->opt.max_input_chars_per_word;
    char word_stack[WORD_STACK_CHARS * 4 + 4];
    int32_t pieces_stack[WORD_STACK_CHARS];
    enc e = {tok, ids_out, cap, 0, 0, max_length ? max_length - n_special : SIZE_MAX, 0, word_stack, 0, 0,
             pieces_stack, NULL, NULL};
    if (max_chars > WORD_STACK_CHARS) {
        e.word = malloc(max_chars * 4 + 4);
        e.pieces = malloc(max_chars * sizeof(int32_t));
        if (!e.word || !e.pieces) {
            free(e.word);
            free(e.pieces);
            return cx_error_set(err, CX_ERR_NOMEM, "tokenizer_encode: out of memory");
        }
    }
    for (size_t i = 0; i < tok->n_prefix; i++) {
        if (e.n < cap) ids_out[e.n] = tok->prefix_ids[i];
        e.n++;
    }
    if (e.limit > 0) encode_text(&e, text ? text : "", len);
    for (size_t i = 0; i < tok->n_suffix; i++) {
        if (e.n < cap) ids_out[e.n] = tok->suffix_ids[i];
        e.n++;
    }
    if (e.word != word_stack) {
        free(e.word);
        free(e.pieces);
    }
    *n_out = e.n;
    if (e.n > cap)
        return cx_error_set(err, CX_ERR_INVALID, "tokenizer_encode: %zu ids do not fit in %zu", e.n, cap);
    if (mask_out)
        for (size_t i = 0; i < e.n; i++) mask_out[i] = 1;
    return CX_OK;
}

int tok_pretokenize(const cx_tokenizer *tok, const char *text, size_t len, tok_word_fn fn, void *ctx,
                    cx_error *err) {
    size_t max_chars = (size_t)tok->opt.max_input_chars_per_word;
    enc e = {tok, NULL, 0, 0, 0, SIZE_MAX, 0, malloc(max_chars * 4 + 4), 0, 0, NULL, fn, ctx};
    if (!e.word) return cx_error_set(err, CX_ERR_NOMEM, "tokenizer: out of memory");
    encode_text(&e, text ? text : "", len);
    free(e.word);
    return CX_OK;
}

int cx_tokenizer_encode_batch(const cx_tokenizer *tok, const char *const *texts, const size_t *lens,
                              size_t n, size_t max_length, int32_t *ids_out, int32_t *mask_out,
                              size_t *lens_out, cx_error *err) {
    if (!tok || (n && (!texts || !ids_out)))
        return cx_error_set(err, CX_ERR_INVALID, "tokenizer_encode_batch: NULL argument");
    if (max_length == 0) return cx_error_set(err, CX_ERR_INVALID, "tokenizer_encode_batch: max_length is 0");
    int32_t pad = tok->special.pad >= 0 ? tok->special.pad : 0;
    for (size_t b = 0; b < n; b++) {
        int32_t *row = ids_out + b * max_length;
        int32_t *mrow = mask_out ? mask_out + b * max_length : NULL;
        const char *t = texts[b] ? texts[b] : "";
        size_t len = lens ? lens[b] : strlen(t), got = 0;
        int rc = cx_tokenizer_encode(tok, t, len, max_length, row, mrow, max_length, &got, err);
        if (rc) {
            cx_error_prefix(err, "text %zu", b);
            return rc;
        }
        for (size_t i = got; i < max_length; i++) {
            row[i] = pad;
            if (mrow) mrow[i] = 0;
        }
        if (lens_out) lens_out[b] = got;
    }
    return CX_OK;
}
