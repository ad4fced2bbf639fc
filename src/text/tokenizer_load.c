/* Reading a tokenizer from tokenizer.json (Hugging Face fast-tokenizer file) or
 * vocab.txt (+ optional tokenizer_config.json).
 *
 * vocab.txt: UTF-8, one token a line, id = 0-based line number; trailing
 * whitespace of a line (\r included) is not part of the token; a final line
 * without '\n' counts; when a token repeats, the later id wins the lookup.
 *
 * tokenizer.json (the parts we accept; anything else is refused by name):
 *   version          any
 *   truncation       null | {direction "Right", max_length N, strategy, stride}
 *   padding          null | {direction "Right", ...}      (cx_tokenizer_encode_batch pads)
 *   added_tokens     [{id, content, single_word false, lstrip false, rstrip false,
 *                      normalized false, special}]
 *   normalizer       null | {type "BertNormalizer", clean_text, handle_chinese_chars,
 *                      strip_accents (null|bool), lowercase}
 *   pre_tokenizer    {type "BertPreTokenizer"}
 *   model            {type "WordPiece", unk_token, continuing_subword_prefix,
 *                      max_input_chars_per_word, vocab {token: id}}
 *   post_processor   null | TemplateProcessing (single: SpecialToken* Sequence A SpecialToken*)
 *                      | BertProcessing {sep [tok, id], cls [tok, id]}
 *   decoder          any (decoding is not implemented; ids do not depend on it) */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "text/tok_int.h"
#include "complexity/common.h"
#include "complexity/fileio.h"
#include "util/utf8.h"

#define TOK_MAX_FILE_BYTES ((size_t)256 << 20)
#define TOK_MAX_ID (1 << 24)

/* The longest piece WordPiece can produce: a word of more than
 * max_input_chars_per_word characters (after normalization, at most 4 bytes
 * each in UTF-8) becomes the unk token whole, and a continuing piece carries
 * the prefix. A longer vocabulary entry can never be emitted: refused as a
 * sign of a corrupt file (a 2 MB "token" was accepted before). */
static size_t max_piece_bytes(const cx_tokenizer_options *opt, size_t prefix_len) {
    return (size_t)opt->max_input_chars_per_word * 4 + prefix_len;
}

/* ---- vocab.txt ---- */

static int is_trailing_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

static int read_bool_field(const cJSON *root, const char *key, int *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (cJSON_IsBool(v)) *out = cJSON_IsTrue(v);
    return cJSON_IsBool(v);
}

static int read_config(const char *path, cx_tokenizer_options *opt, cx_error *err) {
    char *data;
    size_t len;
    int rc = cx_read_file(path, TOK_MAX_FILE_BYTES, &data, &len, err);
    if (rc) return rc;
    cJSON *root = cJSON_ParseWithLength(data, len);
    free(data);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return cx_error_set(err, CX_ERR_FORMAT, "%s: not a JSON object", path);
    }
    /* transformers' BertTokenizer defaults: do_lower_case true, strip_accents
     * None (follows lowercase), tokenize_chinese_chars true. */
    opt->lowercase = 1;
    read_bool_field(root, "do_lower_case", &opt->lowercase);
    read_bool_field(root, "tokenize_chinese_chars", &opt->handle_chinese_chars);
    int strip = 0;
    opt->strip_accents = read_bool_field(root, "strip_accents", &strip) ? strip : -1;
    cJSON_Delete(root);
    return CX_OK;
}

int tok_load_vocab_txt(const char *path, const char *config_path, cx_tokenizer **out, cx_error *err) {
    *out = NULL;
    cx_tokenizer_options opt = cx_tokenizer_default_options();
    int rc;
    if (config_path && (rc = read_config(config_path, &opt, err))) return rc;
    char *data;
    size_t len;
    if ((rc = cx_read_file(path, TOK_MAX_FILE_BYTES, &data, &len, err))) return rc;
    size_t n_lines = 0;
    for (size_t i = 0; i < len; i++) n_lines += data[i] == '\n';
    if (len && data[len - 1] != '\n') n_lines++;
    if (n_lines > TOK_MAX_ID) {
        free(data);
        return cx_error_set(err, CX_ERR_FORMAT, "%s: %zu lines, more than the %d tokens a vocabulary may hold", path,
                            n_lines, TOK_MAX_ID);
    }
    const size_t max_bytes = max_piece_bytes(&opt, 2); /* "##" */
    const char **tokens = calloc(n_lines ? n_lines : 1, sizeof(char *));
    if (!tokens) {
        free(data);
        return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t line = 0, pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && data[end] != '\n') end++;
        size_t stop = end;
        while (stop > pos && is_trailing_space(data[stop - 1])) stop--;
        data[stop] = '\0';
        if (stop - pos > max_bytes) {
            rc = cx_error_set(err, CX_ERR_FORMAT,
                              "%s:%zu: token of %zu bytes, over the %zu-byte limit (%d characters of at most 4 bytes "
                              "plus \"##\": the longest piece the tokenizer can produce)",
                              path, line + 1, stop - pos, max_bytes, opt.max_input_chars_per_word);
            break;
        }
        if (cx_utf8_invalid_at(data + pos, stop - pos) != stop - pos) {
            rc = cx_error_set(err, CX_ERR_FORMAT, "%s:%zu: token is not valid UTF-8", path, line + 1);
            break;
        }
        tokens[line++] = data + pos;
        pos = end + 1;
    }
    if (!rc && line == 0) rc = cx_error_set(err, CX_ERR_FORMAT, "%s: empty vocabulary", path);
    if (!rc) {
        rc = tok_create(tokens, line, &opt, NULL, NULL, out, err);
        if (rc) cx_error_prefix(err, "%s", path);
    }
    free(tokens);
    free(data);
    return rc;
}

/* ---- tokenizer.json ---- */

typedef struct jctx {
    const char *path;
    cx_error *err;
} jctx;

static int unsupported(jctx *c, const char *what, const char *value) {
    return cx_error_set(c->err, CX_ERR_UNSUPPORTED, "%s: %s%s%s%s is not supported", c->path, what,
                        value ? " \"" : "", value ? value : "", value ? "\"" : "");
}

static int bad(jctx *c, const char *field, const char *why) {
    return cx_error_set(c->err, CX_ERR_FORMAT, "%s: field %s: %s", c->path, field, why);
}

static const char *type_of(const cJSON *o) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");
    return cJSON_IsString(t) ? t->valuestring : NULL;
}

/* Optional boolean: absent keeps *out; must be bool (or null when allow_null, giving -1). */
static int get_bool(jctx *c, const cJSON *o, const char *key, const char *field, int allow_null, int *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) return CX_OK;
    if (cJSON_IsBool(v)) *out = cJSON_IsTrue(v);
    else if (allow_null && cJSON_IsNull(v)) *out = -1;
    else return bad(c, field, allow_null ? "expected true, false or null" : "expected true or false");
    return CX_OK;
}

/* A JSON number that is an integer in lo..hi. The range is checked before
 * the cast: converting 1e300 to an integer type is undefined behaviour. */
static int is_int_in(const cJSON *v, long lo, long hi) {
    return cJSON_IsNumber(v) && v->valuedouble >= (double)lo && v->valuedouble <= (double)hi &&
           v->valuedouble == (double)(long)v->valuedouble;
}

static int get_int(jctx *c, const cJSON *o, const char *key, const char *field, long lo, long hi, long *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!is_int_in(v, lo, hi)) {
        char why[96];
        snprintf(why, sizeof why, "expected an integer in %ld..%ld", lo, hi);
        return bad(c, field, why);
    }
    *out = (long)v->valuedouble;
    return CX_OK;
}

static int parse_normalizer(jctx *c, const cJSON *n, cx_tokenizer_options *opt) {
    if (!n || cJSON_IsNull(n)) {
        opt->clean_text = opt->handle_chinese_chars = opt->lowercase = 0;
        opt->strip_accents = 0;
        return CX_OK;
    }
    const char *t = type_of(n);
    if (!t || strcmp(t, "BertNormalizer") != 0) return unsupported(c, "normalizer type", t ? t : "(none)");
    int rc;
    if ((rc = get_bool(c, n, "clean_text", "normalizer.clean_text", 0, &opt->clean_text)) ||
        (rc = get_bool(c, n, "handle_chinese_chars", "normalizer.handle_chinese_chars", 0, &opt->handle_chinese_chars)) ||
        (rc = get_bool(c, n, "strip_accents", "normalizer.strip_accents", 1, &opt->strip_accents)) ||
        (rc = get_bool(c, n, "lowercase", "normalizer.lowercase", 0, &opt->lowercase)))
        return rc;
    return CX_OK;
}

static int check_top_level(jctx *c, const cJSON *root) {
    static const char *const known[] = {"version", "truncation", "padding", "added_tokens", "normalizer",
                                        "pre_tokenizer", "model", "post_processor", "decoder"};
    for (const cJSON *it = root->child; it; it = it->next) {
        size_t k = 0;
        while (k < sizeof known / sizeof known[0] && strcmp(known[k], it->string) != 0) k++;
        if (k == sizeof known / sizeof known[0]) return unsupported(c, "top-level field", it->string);
    }
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer");
    const char *pt = type_of(pre);
    if (!pt || strcmp(pt, "BertPreTokenizer") != 0) return unsupported(c, "pre_tokenizer type", pt ? pt : "(none)");
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(root, "truncation");
    if (tr && !cJSON_IsNull(tr)) {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(tr, "direction");
        if (d && !(cJSON_IsString(d) && strcmp(d->valuestring, "Right") == 0))
            return unsupported(c, "truncation.direction", cJSON_IsString(d) ? d->valuestring : "(not a string)");
    }
    const cJSON *pad = cJSON_GetObjectItemCaseSensitive(root, "padding");
    if (pad && !cJSON_IsNull(pad)) {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(pad, "direction");
        if (d && !(cJSON_IsString(d) && strcmp(d->valuestring, "Right") == 0))
            return unsupported(c, "padding.direction", cJSON_IsString(d) ? d->valuestring : "(not a string)");
    }
    return CX_OK;
}

/* model.vocab -> tokens[id] (borrowed strings of the JSON tree). Ids may
 * leave holes (a vocab.txt with a repeated line converts to one), but no more
 * holes than tokens: a few bytes must not ask for 16 million ids. */
static int parse_vocab(jctx *c, const cJSON *vocab, size_t max_bytes, const char ***tokens_out, size_t *n_out) {
    if (!cJSON_IsObject(vocab)) return bad(c, "model.vocab", "expected an object {token: id}");
    long max_id = -1;
    size_t count = 0;
    for (const cJSON *it = vocab->child; it; it = it->next, count++) {
        if (!is_int_in(it, 0, TOK_MAX_ID - 1)) return bad(c, "model.vocab", "ids must be integers in 0..16777215");
        size_t len = strlen(it->string);
        if (len > max_bytes) {
            char why[320];
            snprintf(why, sizeof why, "token \"%.40s...\" (id %ld) is %zu bytes, over the %zu-byte limit "
                     "(max_input_chars_per_word characters of at most 4 bytes plus the prefix)",
                     it->string, (long)it->valuedouble, len, max_bytes);
            return bad(c, "model.vocab", why);
        }
        if ((long)it->valuedouble > max_id) max_id = (long)it->valuedouble;
    }
    if (max_id < 0) return bad(c, "model.vocab", "empty vocabulary");
    if ((size_t)max_id >= 2 * count) {
        char why[128];
        snprintf(why, sizeof why, "highest id %ld for %zu tokens: more ids missing than present", max_id, count);
        return bad(c, "model.vocab", why);
    }
    const char **tokens = calloc((size_t)max_id + 1, sizeof(char *));
    if (!tokens) return cx_error_set(c->err, CX_ERR_NOMEM, "%s: out of memory", c->path);
    for (const cJSON *it = vocab->child; it; it = it->next) {
        size_t id = (size_t)it->valuedouble;
        if (tokens[id]) {
            free(tokens);
            char why[64];
            snprintf(why, sizeof why, "id %zu is given to two tokens", id);
            return bad(c, "model.vocab", why);
        }
        tokens[id] = it->string;
    }
    *tokens_out = tokens;
    *n_out = (size_t)max_id + 1;
    return CX_OK;
}

static int parse_model(jctx *c, const cJSON *m, cx_tokenizer_options *opt, const char **unk, const char **prefix) {
    if (!cJSON_IsObject(m)) return bad(c, "model", "expected an object");
    const char *t = type_of(m);
    if (t && strcmp(t, "WordPiece") != 0) return unsupported(c, "model type", t);
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(m, "unk_token");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "continuing_subword_prefix");
    if (!cJSON_IsString(u)) return bad(c, "model.unk_token", "expected a string");
    if (!cJSON_IsString(p)) return bad(c, "model.continuing_subword_prefix", "expected a string");
    *unk = u->valuestring;
    *prefix = p->valuestring;
    long maxc = 100;
    if (cJSON_GetObjectItemCaseSensitive(m, "max_input_chars_per_word")) {
        int rc = get_int(c, m, "max_input_chars_per_word", "model.max_input_chars_per_word", 1, 100000, &maxc);
        if (rc) return rc;
    }
    opt->max_input_chars_per_word = (int)maxc;
    return CX_OK;
}

static int parse_added(jctx *c, cx_tokenizer *tok, const cJSON *arr, size_t model_size) {
    size_t next_id = model_size;
    if (!arr || cJSON_IsNull(arr)) return tok_set_added(tok, NULL, 0, c->err);
    if (!cJSON_IsArray(arr)) return bad(c, "added_tokens", "expected an array");
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
    tok_added *added = calloc(n ? n : 1, sizeof(tok_added));
    if (!added) return cx_error_set(c->err, CX_ERR_NOMEM, "%s: out of memory", c->path);
    int rc = CX_OK;
    for (const cJSON *a = arr->child; a && !rc; a = a->next, i++) {
        char field[64];
        snprintf(field, sizeof field, "added_tokens[%zu]", i);
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(a, "content");
        long id = 0;
        int single = 0, lstrip = 0, rstrip = 0, normalized = 0, special = 0;
        if (!cJSON_IsString(content) || !content->valuestring[0]) { rc = bad(c, field, "content must be a non-empty string"); break; }
        if ((rc = get_int(c, a, "id", field, 0, TOK_MAX_ID - 1, &id))) break;
        if ((rc = get_bool(c, a, "single_word", field, 0, &single)) ||
            (rc = get_bool(c, a, "lstrip", field, 0, &lstrip)) || (rc = get_bool(c, a, "rstrip", field, 0, &rstrip)) ||
            (rc = get_bool(c, a, "normalized", field, 0, &normalized)) ||
            (rc = get_bool(c, a, "special", field, 0, &special)))
            break;
        if (single || lstrip || rstrip || normalized) {
            char what[160];
            snprintf(what, sizeof what, "%s (\"%s\") with %s", field, content->valuestring,
                     single ? "single_word" : lstrip ? "lstrip" : rstrip ? "rstrip" : "normalized");
            rc = unsupported(c, what, NULL);
            break;
        }
        /* The Rust library gives an added token already in model.vocab its vocabulary id, and a new
         * one the next id after the vocabulary and the added tokens before it: the file must agree. */
        int32_t vid = tok_table_find(tok, &tok->full, 0, content->valuestring, strlen(content->valuestring));
        if (vid >= 0 && (size_t)vid >= model_size) vid = -1; /* found as an earlier added token itself */
        if (vid < 0 && (size_t)id != next_id) {
            char why[128];
            snprintf(why, sizeof why, "id %ld, but the Rust library would give this new token id %zu", id, next_id);
            rc = bad(c, field, why);
            break;
        }
        if (vid < 0) next_id++;
        added[i].content = content->valuestring;
        added[i].len = strlen(content->valuestring);
        added[i].id = vid >= 0 ? vid : (int32_t)id;
        added[i].special = special;
    }
    if (!rc) rc = tok_set_added(tok, added, i, c->err);
    free(added);
    return rc;
}

static int special_ids_of(jctx *c, const cJSON *specials, const char *name, int32_t *ids, size_t cap, size_t *n) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(specials, name);
    const cJSON *arr = s ? cJSON_GetObjectItemCaseSensitive(s, "ids") : NULL;
    if (!cJSON_IsArray(arr)) return bad(c, "post_processor.special_tokens", "a template token has no ids");
    for (const cJSON *v = arr->child; v; v = v->next) {
        if (!is_int_in(v, 0, TOK_MAX_ID - 1))
            return bad(c, "post_processor.special_tokens", "ids must be integers in 0..16777215");
        if (*n >= cap) return unsupported(c, "post_processor with more than 8 special ids", NULL);
        ids[(*n)++] = (int32_t)v->valuedouble;
    }
    return CX_OK;
}

static int parse_post(jctx *c, cx_tokenizer *tok, const cJSON *pp) {
    if (!pp || cJSON_IsNull(pp)) {
        int rc = tok_set_template(tok, NULL, 0, NULL, 0, c->err);
        tok->has_template = 0;
        return rc;
    }
    const char *t = type_of(pp);
    int32_t pre[8], post[8];
    size_t n_pre = 0, n_post = 0;
    if (t && strcmp(t, "BertProcessing") == 0) {
        const cJSON *cls = cJSON_GetObjectItemCaseSensitive(pp, "cls");
        const cJSON *sep = cJSON_GetObjectItemCaseSensitive(pp, "sep");
        const cJSON *ci = cJSON_GetArrayItem(cls, 1), *si = cJSON_GetArrayItem(sep, 1);
        if (!is_int_in(ci, 0, TOK_MAX_ID - 1) || !is_int_in(si, 0, TOK_MAX_ID - 1))
            return bad(c, "post_processor", "cls / sep must be [token, id] with an integer id in 0..16777215");
        pre[n_pre++] = (int32_t)ci->valuedouble;
        post[n_post++] = (int32_t)si->valuedouble;
    } else if (t && strcmp(t, "TemplateProcessing") == 0) {
        const cJSON *single = cJSON_GetObjectItemCaseSensitive(pp, "single");
        const cJSON *specials = cJSON_GetObjectItemCaseSensitive(pp, "special_tokens");
        if (!cJSON_IsArray(single)) return bad(c, "post_processor.single", "expected an array");
        int seen_a = 0;
        for (const cJSON *piece = single->child; piece; piece = piece->next) {
            const cJSON *sp = cJSON_GetObjectItemCaseSensitive(piece, "SpecialToken");
            const cJSON *sq = cJSON_GetObjectItemCaseSensitive(piece, "Sequence");
            int rc;
            if (sp) {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(sp, "id");
                if (!cJSON_IsString(id)) return bad(c, "post_processor.single", "SpecialToken without id");
                if ((rc = seen_a ? special_ids_of(c, specials, id->valuestring, post, 8, &n_post)
                                 : special_ids_of(c, specials, id->valuestring, pre, 8, &n_pre)))
                    return rc;
            } else if (sq) {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(sq, "id");
                if (!cJSON_IsString(id) || strcmp(id->valuestring, "A") != 0 || seen_a)
                    return unsupported(c, "post_processor.single other than one Sequence A", NULL);
                seen_a = 1;
            } else {
                return bad(c, "post_processor.single", "expected SpecialToken or Sequence");
            }
        }
        if (!seen_a) return bad(c, "post_processor.single", "no Sequence A");
    } else {
        return unsupported(c, "post_processor type", t ? t : "(none)");
    }
    for (size_t i = 0; i < n_pre + n_post; i++) {
        int32_t id = i < n_pre ? pre[i] : post[i - n_pre];
        if ((size_t)id >= tok->n_tokens) return bad(c, "post_processor", "special id outside the vocabulary");
    }
    return tok_set_template(tok, pre, n_pre, post, n_post, c->err);
}

static int load_json_tree(jctx *c, const cJSON *root, cx_tokenizer **out) {
    if (!cJSON_IsObject(root)) return bad(c, "(root)", "expected a JSON object");
    int rc = check_top_level(c, root);
    if (rc) return rc;
    cx_tokenizer_options opt = cx_tokenizer_default_options();
    const char *unk = NULL, *prefix = NULL;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    if ((rc = parse_normalizer(c, cJSON_GetObjectItemCaseSensitive(root, "normalizer"), &opt)) ||
        (rc = parse_model(c, model, &opt, &unk, &prefix)))
        return rc;
    const char **tokens = NULL;
    size_t n = 0;
    if ((rc = parse_vocab(c, cJSON_GetObjectItemCaseSensitive(model, "vocab"), max_piece_bytes(&opt, strlen(prefix)),
                          &tokens, &n)))
        return rc;
    /* Added tokens outside model.vocab get their own ids after it, one each
     * in order (parse_added refuses any other id): n_all <= n + their count. */
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    const size_t id_end = n + (size_t)(cJSON_IsArray(added) ? cJSON_GetArraySize(added) : 0);
    size_t n_all = n;
    for (const cJSON *a = cJSON_IsArray(added) ? added->child : NULL; a; a = a->next) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "id");
        if (cJSON_IsNumber(id) && id->valuedouble >= (double)n_all && id->valuedouble < (double)id_end)
            n_all = (size_t)id->valuedouble + 1;
    }
    if (n_all > n) {
        const char **grown = realloc(tokens, n_all * sizeof(char *));
        if (!grown) {
            free(tokens);
            return cx_error_set(c->err, CX_ERR_NOMEM, "%s: out of memory", c->path);
        }
        tokens = grown;
        memset(tokens + n, 0, (n_all - n) * sizeof(char *));
        for (const cJSON *a = added->child; a; a = a->next) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "id");
            const cJSON *content = cJSON_GetObjectItemCaseSensitive(a, "content");
            if (cJSON_IsNumber(id) && cJSON_IsString(content) && id->valuedouble >= (double)n &&
                id->valuedouble < (double)n_all)
                tokens[(size_t)id->valuedouble] = content->valuestring;
        }
    }
    cx_tokenizer *tok = NULL;
    rc = tok_create(tokens, n_all, &opt, unk, prefix, &tok, c->err);
    free(tokens);
    if (rc) {
        cx_error_prefix(c->err, "%s", c->path);
        return rc;
    }
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(root, "truncation");
    long maxlen = 0;
    if (tr && !cJSON_IsNull(tr) && (rc = get_int(c, tr, "max_length", "truncation.max_length", 0, 1L << 30, &maxlen)))
        goto fail;
    tok->default_max_length = (size_t)maxlen;
    if ((rc = parse_added(c, tok, added, n)) ||
        (rc = parse_post(c, tok, cJSON_GetObjectItemCaseSensitive(root, "post_processor"))))
        goto fail;
    *out = tok;
    return CX_OK;
fail:
    cx_tokenizer_free(tok);
    return rc;
}

int tok_load_json(const char *path, cx_tokenizer **out, cx_error *err) {
    *out = NULL;
    char *data;
    size_t len;
    int rc = cx_read_file(path, TOK_MAX_FILE_BYTES, &data, &len, err);
    if (rc) return rc;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
    if (!root) {
        size_t off = end ? (size_t)(end - data) : 0, line = 1;
        for (size_t i = 0; i < off && i < len; i++) line += data[i] == '\n';
        free(data);
        return cx_error_set(err, CX_ERR_FORMAT, "%s:%zu: invalid JSON", path, line);
    }
    free(data);
    jctx c = {path, err};
    rc = load_json_tree(&c, root, out);
    cJSON_Delete(root);
    return rc;
}
