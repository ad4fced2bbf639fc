/* One JSONL record: validation on the way in, the seed's layout on the way out. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/dataset.h"
#include "complexity/labels.h"
#include "complexity/common.h"
#include "util/json_out.h"
#include "util/sbuf.h"
#include "util/strset.h"
#include "util/utf8.h"

/* Copies up to 24 bytes of s around pos for error messages, stopping before a
 * cut UTF-8 sequence so the message itself stays valid UTF-8. */
static void snippet(const char *s, size_t n, size_t pos, char *out, size_t cap) {
    size_t k = 0;
    for (size_t i = pos; i < n && k + 5 < cap && i < pos + 24; i++) out[k++] = s[i];
    while (k > 0 && ((unsigned char)out[k - 1] & 0x80)) {
        /* drop a trailing partial sequence */
        size_t start = k - 1;
        while (start > 0 && ((unsigned char)out[start] & 0xC0) == 0x80) start--;
        uint32_t cp;
        if (cx_utf8_decode((const unsigned char *)out + start, k - start, &cp) == k - start) break;
        k = start;
    }
    out[k] = '\0';
}

/* Whether the JSON text holds an escaped NUL (\u0000), which cJSON would
 * silently cut a string at. Escapes are followed one by one: in "\\u0000"
 * the backslash is escaped, and the text is a backslash and "u0000". */
static int has_escaped_nul(const char *s, size_t n) {
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != '\\') continue;
        if (s[i + 1] == 'u' && n - i >= 6 && memcmp(s + i + 2, "0000", 4) == 0) return 1;
        i++; /* the escaped character */
    }
    return 0;
}

/* Whether the text stops inside a string or an open object/array: the sign of
 * a truncated line, which deserves a clearer message than "invalid JSON". */
static int json_incomplete(const char *s, size_t n) {
    int in_string = 0, depth = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\') i++;
            else if (c == '"') in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return in_string || depth > 0;
}

static int label_error(cx_error *err, const char *field, const char *value,
                       const char *const *names, int n) {
    sbuf b = SBUF_INIT;
    for (int i = 0; i < n; i++) {
        if (i) sbuf_puts(&b, ", ");
        sbuf_puts(&b, names[i]);
    }
    cx_error_set(err, CX_ERR_FORMAT, "field \"%s\": unknown value \"%.40s\" (expected one of %s)",
                 field, value, sbuf_str(&b));
    sbuf_free(&b);
    return CX_ERR_FORMAT;
}

/* A record may carry any number of extra fields: past a few keys, a hash set
 * (comparing every pair took 84 s on a 1 MB line of 110,000 keys). */
enum { FEW_KEYS = 16 };

static int check_duplicate_keys(const cJSON *obj, cx_error *err) {
    if (cJSON_GetArraySize(obj) <= FEW_KEYS) {
        for (const cJSON *a = obj->child; a; a = a->next)
            for (const cJSON *b = a->next; b; b = b->next)
                if (strcmp(a->string, b->string) == 0)
                    return cx_error_set(err, CX_ERR_FORMAT, "duplicate key \"%.40s\"", a->string);
        return CX_OK;
    }
    strset seen;
    strset_init(&seen);
    int rc = CX_OK, added;
    for (const cJSON *a = obj->child; a && !rc; a = a->next) {
        if (!strset_add(&seen, a->string, strlen(a->string), 0, &added))
            rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
        else if (!added)
            rc = cx_error_set(err, CX_ERR_FORMAT, "duplicate key \"%.40s\"", a->string);
    }
    strset_free(&seen);
    return rc;
}

static const cJSON *field(const cJSON *obj, const char *name, int required, cx_error *err) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!it && required) cx_error_set(err, CX_ERR_FORMAT, "missing field \"%s\"", name);
    return it;
}

static int parse_label(const cJSON *obj, const char *name, int (*lookup)(const char *, size_t),
                       const char *const *names, int n, int required, int *out, cx_error *err) {
    *out = -1;
    const cJSON *it = field(obj, name, required, err);
    if (!it) return required ? CX_ERR_FORMAT : CX_OK;
    if (!cJSON_IsString(it))
        return cx_error_set(err, CX_ERR_FORMAT, "field \"%s\": expected a string", name);
    *out = lookup(it->valuestring, strlen(it->valuestring));
    if (*out < 0) return label_error(err, name, it->valuestring, names, n);
    return CX_OK;
}

static int parse_domains(const cJSON *obj, unsigned *out, cx_error *err) {
    *out = 0;
    const cJSON *arr = field(obj, "domains", 1, err);
    if (!arr) return CX_ERR_FORMAT;
    if (!cJSON_IsArray(arr))
        return cx_error_set(err, CX_ERR_FORMAT, "field \"domains\": expected an array of strings");
    const cJSON *d;
    cJSON_ArrayForEach(d, arr) {
        if (!cJSON_IsString(d))
            return cx_error_set(err, CX_ERR_FORMAT, "field \"domains\": expected an array of strings");
        int k = cx_domain_from_name(d->valuestring, strlen(d->valuestring));
        if (k < 0) return label_error(err, "domains", d->valuestring, cx_domain_names, CX_N_DOMAINS);
        if (*out & (1u << k))
            return cx_error_set(err, CX_ERR_FORMAT, "field \"domains\": \"%s\" listed twice", d->valuestring);
        *out |= 1u << k;
    }
    return CX_OK;
}

static int parse_text(const cJSON *obj, cx_record *rec, char **text_out, cx_error *err) {
    const cJSON *t = field(obj, "text", 1, err);
    if (!t) return CX_ERR_FORMAT;
    if (!cJSON_IsString(t)) return cx_error_set(err, CX_ERR_FORMAT, "field \"text\": expected a string");
    size_t n = strlen(t->valuestring);
    size_t bad = cx_utf8_invalid_at(t->valuestring, n);
    if (bad < n)
        return cx_error_set(err, CX_ERR_FORMAT, "field \"text\": invalid UTF-8 after decoding escapes (byte %zu)", bad);
    size_t i = 0;
    while (i < n && strchr(" \t\r\n", t->valuestring[i])) i++;
    if (i == n) return cx_error_set(err, CX_ERR_FORMAT, "field \"text\": empty text");
    *text_out = strdup(t->valuestring);
    if (!*text_out) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    rec->text = *text_out;
    rec->text_len = n;
    return CX_OK;
}

static int parse_score(const cJSON *obj, double *out, cx_error *err) {
    const cJSON *s = field(obj, "score", 1, err);
    if (!s) return CX_ERR_FORMAT;
    if (!cJSON_IsNumber(s)) return cx_error_set(err, CX_ERR_FORMAT, "field \"score\": expected a number");
    double v = s->valuedouble;
    if (!isfinite(v) || v < 0.0 || v > 1.0)
        return cx_error_set(err, CX_ERR_FORMAT, "field \"score\": %g is outside [0, 1]", v);
    *out = v;
    return CX_OK;
}

static int parse_object(const cJSON *obj, cx_record *rec, char **text_out, cx_error *err) {
    int rc;
    if (!cJSON_IsObject(obj)) return cx_error_set(err, CX_ERR_FORMAT, "expected a JSON object");
    if ((rc = check_duplicate_keys(obj, err))) return rc;
    if ((rc = parse_text(obj, rec, text_out, err))) return rc;
    if ((rc = parse_score(obj, &rec->score, err))) return rc;
    if ((rc = parse_label(obj, "tier", cx_tier_from_name, cx_tier_names, CX_N_TIERS, 1, &rec->tier, err))) return rc;
    if ((rc = parse_domains(obj, &rec->domains, err))) return rc;
    if ((rc = parse_label(obj, "intent", cx_intent_from_name, cx_intent_names, CX_N_INTENTS, 1, &rec->intent, err)))
        return rc;
    if ((rc = parse_label(obj, "lang", cx_lang_from_name, cx_lang_names, CX_N_LANGS, 0, &rec->lang, err))) return rc;
    return CX_OK;
}

int cx_record_parse(const char *line, size_t len, cx_record *rec, char **text_out, cx_error *err) {
    memset(rec, 0, sizeof *rec);
    *text_out = NULL;
    size_t bad = cx_utf8_invalid_at(line, len);
    if (bad < len)
        return cx_error_set(err, CX_ERR_FORMAT, "invalid UTF-8 at byte %zu (column %zu)", bad,
                            cx_utf8_count(line, bad) + 1);
    if (has_escaped_nul(line, len))
        return cx_error_set(err, CX_ERR_FORMAT, "contains an escaped NUL character (\\u0000)");
    const char *end = NULL;
    cJSON *obj = cJSON_ParseWithLengthOpts(line, len, &end, 0);
    if (!obj) {
        size_t pos = end && end >= line && end <= line + len ? (size_t)(end - line) : 0;
        char near[32];
        snippet(line, len, pos, near, sizeof near);
        if (pos >= len || json_incomplete(line, len))
            return cx_error_set(err, CX_ERR_FORMAT, "not valid JSON: the line ends inside a value (truncated?)");
        return cx_error_set(err, CX_ERR_FORMAT, "not valid JSON at column %zu, near '%s'",
                            cx_utf8_count(line, pos) + 1, near);
    }
    size_t pos = (size_t)(end - line);
    while (pos < len && strchr(" \t\r\n", line[pos])) pos++;
    int rc;
    if (pos < len) {
        char near[32];
        snippet(line, len, pos, near, sizeof near);
        rc = cx_error_set(err, CX_ERR_FORMAT, "unexpected text after the JSON object at column %zu, near '%s'",
                          cx_utf8_count(line, pos) + 1, near);
    } else {
        rc = parse_object(obj, rec, text_out, err);
    }
    cJSON_Delete(obj);
    if (rc) {
        free(*text_out);
        *text_out = NULL;
    }
    return rc;
}

/* Scores are written with 4 decimals and hand labels often with 2. */
#define LABEL_SCORE_SLACK 0.005

int cx_record_check_labeling(const cx_record *rec, cx_error *err) {
    if (rec->tier < 0 || rec->tier >= CX_N_TIERS)
        return cx_error_set(err, CX_ERR_INVALID, "tier: %d is not one of the %d tiers", rec->tier, CX_N_TIERS);
    if (rec->intent < 0 || rec->intent >= CX_N_INTENTS)
        return cx_error_set(err, CX_ERR_INVALID, "intent: %d is not one of the %d intents", rec->intent,
                            CX_N_INTENTS);
    if (rec->lang < -1 || rec->lang >= CX_N_LANGS)
        return cx_error_set(err, CX_ERR_INVALID, "lang: %d is not one of the %d languages", rec->lang, CX_N_LANGS);
    if (rec->domains >> CX_N_DOMAINS)
        return cx_error_set(err, CX_ERR_INVALID, "domains: bits beyond the %d domains", CX_N_DOMAINS);
    double lo = cx_tier_score_lo[rec->tier], hi = cx_tier_score_hi[rec->tier];
    if (!(rec->score >= lo - LABEL_SCORE_SLACK && rec->score <= hi + LABEL_SCORE_SLACK))
        return cx_error_set(err, CX_ERR_INVALID, "score: %.4g is outside %s's range %.2f-%.2f (LABELING.md)",
                            rec->score, cx_tier_names[rec->tier], lo, hi);
    return CX_OK;
}

int cx_record_write(FILE *f, const cx_record *rec) {
    sbuf b = SBUF_INIT;
    sbuf_puts(&b, "{\"text\": ");
    cx_json_put_string(&b, rec->text, rec->text_len);
    sbuf_puts(&b, ", \"score\": ");
    cx_json_put_score4(&b, rec->score);
    sbuf_printf(&b, ", \"tier\": \"%s\", \"domains\": [", cx_tier_names[rec->tier]);
    int first = 1;
    for (int d = 0; d < CX_N_DOMAINS; d++) {
        if (!(rec->domains & (1u << d))) continue;
        sbuf_printf(&b, "%s\"%s\"", first ? "" : ", ", cx_domain_names[d]);
        first = 0;
    }
    sbuf_printf(&b, "], \"intent\": \"%s\"", cx_intent_names[rec->intent]);
    if (rec->lang >= 0) sbuf_printf(&b, ", \"lang\": \"%s\"", cx_lang_names[rec->lang]);
    sbuf_puts(&b, "}\n");
    int rc = b.oom || fwrite(b.data, 1, b.len, f) != b.len ? CX_ERR_IO : CX_OK;
    sbuf_free(&b);
    return rc;
}
