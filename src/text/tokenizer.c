/* cx_tokenizer: construction, lookup tables, accessors. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "text/bert_unicode.h"
#include "text/tok_int.h"
#include "complexity/common.h"
#include "complexity/fileio.h"

#define TOK_MAX_TOKENS (1u << 24) /* far above any BERT vocabulary; ids fit int32 */

cx_tokenizer_options cx_tokenizer_default_options(void) {
    cx_tokenizer_options o = {.clean_text = 1, .handle_chinese_chars = 1, .strip_accents = -1,
                              .max_input_chars_per_word = 100};
    return o;
}

uint32_t tok_hash(const char *s, size_t n) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

int32_t tok_table_find(const cx_tokenizer *tok, const tok_table *t, size_t base_off, const char *s,
                       size_t n) {
    if (n > t->max_bytes || !t->slots) return -1;
    uint32_t h = tok_hash(s, n);
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        const tok_slot *sl = &t->slots[i];
        if (sl->id < 0) return -1;
        if (sl->hash == h && tok->token_len[sl->id] - base_off == n &&
            memcmp(tok->tokens[sl->id] + base_off, s, n) == 0)
            return sl->id;
    }
}

/* Inserts id under key s[0..n); a later id replaces an earlier one with the
 * same key, as the Rust vocabulary (a HashMap filled line by line) does. */
static void table_put(const cx_tokenizer *tok, tok_table *t, size_t base_off, int32_t id) {
    const char *s = tok->tokens[id] + base_off;
    size_t n = tok->token_len[id] - base_off;
    uint32_t h = tok_hash(s, n);
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        tok_slot *sl = &t->slots[i];
        if (sl->id < 0 || (sl->hash == h && tok->token_len[sl->id] - base_off == n &&
                           memcmp(tok->tokens[sl->id] + base_off, s, n) == 0)) {
            sl->hash = h;
            sl->id = id;
            if (n > t->max_bytes) t->max_bytes = n;
            return;
        }
    }
}

static int table_init(tok_table *t, size_t count) {
    size_t cap = 16;
    while (cap < count * 2 + 1) cap <<= 1;
    free(t->slots);
    t->slots = malloc(cap * sizeof(tok_slot));
    if (!t->slots) return -1;
    for (size_t i = 0; i < cap; i++) t->slots[i].id = -1;
    t->mask = cap - 1;
    t->max_bytes = 0;
    return 0;
}

static int starts_with(const char *s, size_t n, const char *p, size_t pn) {
    return n >= pn && memcmp(s, p, pn) == 0;
}

int tok_finish(cx_tokenizer *tok, cx_error *err) {
    size_t n_cont = 0;
    for (size_t i = 0; i < tok->n_tokens; i++)
        if (tok->tokens[i] && tok->prefix_len && starts_with(tok->tokens[i], tok->token_len[i], tok->prefix, tok->prefix_len))
            n_cont++;
    if (table_init(&tok->full, tok->n_tokens) || table_init(&tok->cont, n_cont))
        return cx_error_set(err, CX_ERR_NOMEM, "tokenizer: out of memory for %zu tokens", tok->n_tokens);
    for (size_t i = 0; i < tok->n_tokens; i++) {
        if (!tok->tokens[i]) continue;
        table_put(tok, &tok->full, 0, (int32_t)i);
        if (tok->prefix_len && starts_with(tok->tokens[i], tok->token_len[i], tok->prefix, tok->prefix_len))
            table_put(tok, &tok->cont, tok->prefix_len, (int32_t)i);
    }
    tok->unk_id = tok_table_find(tok, &tok->full, 0, tok->unk_token, strlen(tok->unk_token));
    if (tok->unk_id < 0)
        return cx_error_set(err, CX_ERR_FORMAT, "tokenizer: unk token \"%s\" is not in the vocabulary",
                            tok->unk_token);
    static const char *const names[5] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    int32_t *dst[5] = {&tok->special.pad, &tok->special.unk, &tok->special.cls, &tok->special.sep,
                       &tok->special.mask};
    for (int i = 0; i < 5; i++) *dst[i] = tok_table_find(tok, &tok->full, 0, names[i], strlen(names[i]));
    tok->special.unk = tok->unk_id;

    if (!tok->bmp_class) tok->bmp_class = malloc(65536);
    if (!tok->bmp_class) return cx_error_set(err, CX_ERR_NOMEM, "tokenizer: out of memory");
    for (uint32_t cp = 0; cp < 65536; cp++) {
        uint32_t m[BU_MAX_MAP];
        unsigned cls = bu_class(cp);
        int nm = bu_map(cp, tok->opt.strip_accents, tok->opt.lowercase, m);
        if (nm == 1 && m[0] == cp) cls |= TOK_IDENTITY;
        tok->bmp_class[cp] = (uint8_t)cls;
    }
    return CX_OK;
}

static char *dup_n(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

int tok_set_added(cx_tokenizer *tok, const tok_added *added, size_t n, cx_error *err) {
    for (size_t i = 0; i < tok->n_added; i++) free(tok->added[i].content);
    free(tok->added);
    tok->added = NULL;
    tok->n_added = 0;
    memset(tok->added_first, 0, sizeof(tok->added_first));
    if (n == 0) return CX_OK;
    tok->added = calloc(n, sizeof(tok_added));
    if (!tok->added) return cx_error_set(err, CX_ERR_NOMEM, "tokenizer: out of memory");
    for (size_t i = 0; i < n; i++) {
        tok->added[i] = added[i];
        tok->added[i].content = dup_n(added[i].content, added[i].len);
        if (!tok->added[i].content) return cx_error_set(err, CX_ERR_NOMEM, "tokenizer: out of memory");
        tok->n_added = i + 1;
        if (added[i].len == 0) return cx_error_set(err, CX_ERR_FORMAT, "tokenizer: added token %zu is empty", i);
        tok->added_first[(unsigned char)added[i].content[0]] = 1;
    }
    return CX_OK;
}

int tok_set_template(cx_tokenizer *tok, const int32_t *pre, size_t n_pre, const int32_t *post,
                     size_t n_post, cx_error *err) {
    free(tok->prefix_ids);
    free(tok->suffix_ids);
    tok->prefix_ids = malloc((n_pre + 1) * sizeof(int32_t));
    tok->suffix_ids = malloc((n_post + 1) * sizeof(int32_t));
    if (!tok->prefix_ids || !tok->suffix_ids) return cx_error_set(err, CX_ERR_NOMEM, "tokenizer: out of memory");
    if (n_pre) memcpy(tok->prefix_ids, pre, n_pre * sizeof(int32_t));
    if (n_post) memcpy(tok->suffix_ids, post, n_post * sizeof(int32_t));
    tok->n_prefix = n_pre;
    tok->n_suffix = n_post;
    tok->has_template = 1;
    return CX_OK;
}

/* The [PAD] [UNK] [CLS] [SEP] [MASK] added tokens and [CLS] $A [SEP] template,
 * as transformers' BertConverter builds them from a vocab.txt. */
static int set_bert_defaults(cx_tokenizer *tok, cx_error *err) {
    static const char *const names[5] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    tok_added added[5];
    size_t n = 0;
    for (int i = 0; i < 5; i++) {
        int32_t id = tok_table_find(tok, &tok->full, 0, names[i], strlen(names[i]));
        if (id < 0) continue;
        added[n].content = (char *)names[i];
        added[n].len = strlen(names[i]);
        added[n].id = id;
        added[n].special = 1;
        n++;
    }
    int rc = tok_set_added(tok, added, n, err);
    if (rc) return rc;
    if (tok->special.cls >= 0 && tok->special.sep >= 0)
        return tok_set_template(tok, &tok->special.cls, 1, &tok->special.sep, 1, err);
    return CX_OK;
}

int tok_create(const char *const *tokens, size_t n_tokens, const cx_tokenizer_options *opt,
               const char *unk_token, const char *prefix, cx_tokenizer **out, cx_error *err) {
    *out = NULL;
    if (n_tokens == 0 || n_tokens > TOK_MAX_TOKENS)
        return cx_error_set(err, CX_ERR_FORMAT, "tokenizer: vocabulary size %zu out of range (1..%u)",
                            n_tokens, TOK_MAX_TOKENS);
    cx_tokenizer *tok = calloc(1, sizeof(*tok));
    if (!tok) return cx_error_set(err, CX_ERR_NOMEM, "tokenizer: out of memory");
    tok->opt = opt ? *opt : cx_tokenizer_default_options();
    tok->strip_null = tok->opt.strip_accents < 0;
    if (tok->opt.strip_accents < 0) tok->opt.strip_accents = tok->opt.lowercase;
    tok->opt.strip_accents = !!tok->opt.strip_accents;
    tok->opt.lowercase = !!tok->opt.lowercase;
    tok->opt.clean_text = !!tok->opt.clean_text;
    tok->opt.handle_chinese_chars = !!tok->opt.handle_chinese_chars;
    int rc = CX_OK;
    if (tok->opt.max_input_chars_per_word <= 0 || tok->opt.max_input_chars_per_word > 100000) {
        rc = cx_error_set(err, CX_ERR_INVALID, "tokenizer: max_input_chars_per_word %d out of range (1..100000)",
                          tok->opt.max_input_chars_per_word);
        goto fail;
    }
    tok->tokens = calloc(n_tokens, sizeof(char *));
    tok->token_len = calloc(n_tokens, sizeof(uint32_t));
    if (!unk_token) unk_token = "[UNK]";
    if (!prefix) prefix = "##";
    tok->unk_token = dup_n(unk_token, strlen(unk_token));
    tok->prefix = dup_n(prefix, strlen(prefix));
    tok->prefix_len = strlen(prefix);
    if (!tok->tokens || !tok->token_len || !tok->unk_token || !tok->prefix) goto oom;
    tok->n_tokens = n_tokens;
    for (size_t i = 0; i < n_tokens; i++) {
        if (!tokens[i]) continue;
        size_t len = strlen(tokens[i]);
        if (len > UINT32_MAX) goto oom;
        tok->tokens[i] = dup_n(tokens[i], len);
        if (!tok->tokens[i]) goto oom;
        tok->token_len[i] = (uint32_t)len;
    }
    if ((rc = tok_finish(tok, err)) || (rc = set_bert_defaults(tok, err))) goto fail;
    *out = tok;
    return CX_OK;
oom:
    rc = cx_error_set(err, CX_ERR_NOMEM, "tokenizer: out of memory");
fail:
    cx_tokenizer_free(tok);
    return rc;
}

int cx_tokenizer_from_vocab(const char *const *tokens, size_t n_tokens, const cx_tokenizer_options *opt,
                            cx_tokenizer **out, cx_error *err) {
    if (!out) return cx_error_set(err, CX_ERR_INVALID, "tokenizer: out is NULL");
    if (!tokens) return cx_error_set(err, CX_ERR_INVALID, "tokenizer: tokens is NULL");
    return tok_create(tokens, n_tokens, opt, NULL, NULL, out, err);
}

void cx_tokenizer_free(cx_tokenizer *tok) {
    if (!tok) return;
    if (tok->tokens)
        for (size_t i = 0; i < tok->n_tokens; i++) free(tok->tokens[i]);
    free(tok->tokens);
    free(tok->token_len);
    free(tok->full.slots);
    free(tok->cont.slots);
    free(tok->unk_token);
    free(tok->prefix);
    for (size_t i = 0; i < tok->n_added; i++) free(tok->added[i].content);
    free(tok->added);
    free(tok->prefix_ids);
    free(tok->suffix_ids);
    free(tok->bmp_class);
    free(tok);
}

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int file_exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int cx_tokenizer_open(const char *path, cx_tokenizer **out, cx_error *err) {
    if (!out) return cx_error_set(err, CX_ERR_INVALID, "tokenizer: out is NULL");
    *out = NULL;
    if (!path) return cx_error_set(err, CX_ERR_INVALID, "tokenizer: path is NULL");
    if (is_dir(path)) {
        char *json = cx_path_join(path, "tokenizer.json");
        char *vocab = cx_path_join(path, "vocab.txt");
        char *config = cx_path_join(path, "tokenizer_config.json");
        int rc;
        if (!json || !vocab || !config) rc = cx_error_set(err, CX_ERR_NOMEM, "tokenizer: out of memory");
        else if (file_exists(json)) rc = tok_load_json(json, out, err);
        else if (file_exists(vocab)) rc = tok_load_vocab_txt(vocab, file_exists(config) ? config : NULL, out, err);
        else rc = cx_error_set(err, CX_ERR_NOT_FOUND, "%s: no tokenizer.json or vocab.txt in this folder", path);
        free(json);
        free(vocab);
        free(config);
        return rc;
    }
    if (!file_exists(path)) return cx_error_set(err, CX_ERR_NOT_FOUND, "%s: no such file or folder", path);
    if (ends_with(path, ".json")) return tok_load_json(path, out, err);
    char *dir = cx_dirname(path);
    char *config = dir ? cx_path_join(dir, "tokenizer_config.json") : NULL;
    int rc = tok_load_vocab_txt(path, config && file_exists(config) ? config : NULL, out, err);
    free(dir);
    free(config);
    return rc;
}

size_t cx_tokenizer_vocab_size(const cx_tokenizer *tok) { return tok ? tok->n_tokens : 0; }

const char *cx_tokenizer_id_to_token(const cx_tokenizer *tok, int32_t id) {
    if (!tok || id < 0 || (size_t)id >= tok->n_tokens) return NULL;
    return tok->tokens[id];
}

int32_t cx_tokenizer_token_to_id(const cx_tokenizer *tok, const char *token) {
    if (!tok || !token) return -1;
    for (size_t i = 0; i < tok->n_added; i++)
        if (strcmp(tok->added[i].content, token) == 0) return tok->added[i].id;
    return tok_table_find(tok, &tok->full, 0, token, strlen(token));
}

cx_special_ids cx_tokenizer_special_ids(const cx_tokenizer *tok) {
    cx_special_ids none = {-1, -1, -1, -1, -1};
    return tok ? tok->special : none;
}

cx_tokenizer_options cx_tokenizer_get_options(const cx_tokenizer *tok) {
    return tok ? tok->opt : cx_tokenizer_default_options();
}

size_t cx_tokenizer_default_max_length(const cx_tokenizer *tok) { return tok ? tok->default_max_length : 0; }

void cx_tokenizer_set_default_max_length(cx_tokenizer *tok, size_t max_length) { tok->default_max_length = max_length; }
