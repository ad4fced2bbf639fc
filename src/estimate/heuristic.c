/* The seed's heuristic estimator: nine dimensions (SPEC §8), values identical
 * to the seed's Python (checked on 1,515 texts by tests/test_heuristic.c).
 *
 * Keyword dimensions: substring search in the lower-cased text, "count" = how
 * many list entries occur. Step patterns: Python `re` with IGNORECASE on the
 * original text, reproduced in PCRE2 (see step_rx below). Code blocks: byte
 * scanners (a backtick is one byte in UTF-8, so bytes are exact). */
#include "complexity/estimator.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimate/detail.h"
#include "estimate/keywords.h"
#include "estimate/kwindex.h"
#include "estimate/text.h"
#include "complexity/common.h"
#include "util/utf8.h"

const char *const cx_dim_names[CX_N_DIMS] = {
    "token_length", "reasoning_markers", "domain_count", "step_indicators", "code_complexity",
    "context_dependency", "constraint_count", "ambiguity", "external_tool_need"};

int cx_dim_from_name(const char *name) {
    for (int i = 0; i < CX_N_DIMS; i++)
        if (strcmp(cx_dim_names[i], name) == 0) return i;
    return -1;
}

/* ---- Step patterns --------------------------------------------------------
 * Python's IGNORECASE and \s differ from PCRE2's, so each pattern is written
 * out with explicit classes, built from Python 3.11 itself: under re.I,
 * 'i' also matches U+0130 and U+0131, 's' also U+017F; \s is str.isspace()
 * (which includes U+001C-001F and U+0085, unlike PCRE2's). \d is Unicode Nd in
 * both. `.` excludes only \n in both (PCRE2 newline = LF).
 * Two rewrites keep matching linear on hostile input without changing whether
 * a pattern matches anywhere: `\d+[.)]\s` matches somewhere iff `\d[.)]\s`
 * does; `A.*B` matches iff some line has B after the leftmost A of that line,
 * so it is searched as head A, then tail B on the rest of the line. */
#define WS "[\\t\\n\\x0b\\f\\r\\x1c-\\x1f \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}" \
           "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]"
#define I_ "[iI\\x{130}\\x{131}]"
#define S_ "[sS\\x{17f}]"

typedef struct step_rx {
    const char *python;  /* must equal cx_kw_step_patterns[i] */
    const char *head;    /* PCRE2 */
    const char *tail;    /* NULL, or: must follow head on the same line */
} step_rx;

static const step_rx step_rxs[] = {
    {"\\d+[\\.\\)]\\s", "\\d[.)]" WS, NULL},
    {"first.*then", "[fF]" I_ "[rR]" S_ "[tT]", "[tT][hH][eE][nN]"},
    {"step\\s*\\d", S_ "[tT][eE][pP]" WS "*\\d", NULL},
    {"第[一二三四五六七八九十]", "第[一二三四五六七八九十]", NULL},
    {"首先.*然後", "首先", "然後"},
    {"接著|最後|finally", "接著|最後|[fF]" I_ "[nN][aA][lL][lL][yY]", NULL},
};
enum { N_STEP = sizeof step_rxs / sizeof step_rxs[0] };

struct cx_heuristic {
    cx_kwindex *kw;
    pcre2_code *head[N_STEP];
    pcre2_code *tail[N_STEP];
};

static pcre2_code *compile_rx(const char *pattern, cx_error *err) {
    int code;
    PCRE2_SIZE at;
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (!cc) return NULL;
    pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK,
                                   &code, &at, cc);
    pcre2_compile_context_free(cc);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        cx_error_set(err, CX_ERR_INTERNAL, "step pattern '%s' at %zu: %s", pattern, (size_t)at, (char *)msg);
        return NULL;
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* optional: the interpreter is the fallback */
    return re;
}

int cx_heuristic_open(cx_heuristic **out, cx_error *err) {
    *out = NULL;
    if (cx_kw_step_patterns_n != N_STEP)
        return cx_error_set(err, CX_ERR_INTERNAL, "keyword table has %zu step patterns, heuristic.c knows %d",
                            cx_kw_step_patterns_n, (int)N_STEP);
    cx_heuristic *h = calloc(1, sizeof *h);
    if (!h) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    h->kw = cx_kwindex_new();
    if (!h->kw) {
        free(h);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory (or a keyword under two bytes)");
    }
    for (int i = 0; i < N_STEP; i++) {
        if (strcmp(step_rxs[i].python, cx_kw_step_patterns[i]) != 0) {
            cx_heuristic_free(h);
            return cx_error_set(err, CX_ERR_INTERNAL, "step pattern %d is '%s' in the keyword table, '%s' here", i,
                                cx_kw_step_patterns[i], step_rxs[i].python);
        }
        h->head[i] = compile_rx(step_rxs[i].head, err);
        h->tail[i] = step_rxs[i].tail ? compile_rx(step_rxs[i].tail, err) : NULL;
        if (!h->head[i] || (step_rxs[i].tail && !h->tail[i])) {
            if (err && err->code == CX_OK) cx_error_set(err, CX_ERR_NOMEM, "out of memory");
            cx_heuristic_free(h);
            return err ? err->code : CX_ERR_NOMEM;
        }
    }
    *out = h;
    return CX_OK;
}

void cx_heuristic_free(cx_heuristic *h) {
    if (!h) return;
    cx_kwindex_free(h->kw);
    for (int i = 0; i < N_STEP; i++) {
        pcre2_code_free(h->head[i]);
        pcre2_code_free(h->tail[i]);
    }
    free(h);
}

/* Start offset of the first match of re in s[from, end), or -1 (-2: error). */
static long rx_find(const pcre2_code *re, const char *s, size_t from, size_t end, pcre2_match_data *md,
                    size_t *match_end) {
    int rc = pcre2_match(re, (PCRE2_SPTR)s, end, from, PCRE2_NO_UTF_CHECK, md, NULL);
    if (rc == PCRE2_ERROR_NOMATCH) return -1;
    if (rc < 0) return -2;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    *match_end = ov[1];
    return (long)ov[0];
}

/* 1 when step pattern i matches somewhere in s (-1 on a PCRE2 failure). */
static int step_matches(const cx_heuristic *h, int i, const char *s, size_t n, pcre2_match_data *md) {
    size_t end;
    if (!h->tail[i]) {
        long at = rx_find(h->head[i], s, 0, n, md, &end);
        return at >= 0 ? 1 : (at == -1 ? 0 : -1);
    }
    size_t from = 0;
    while (from <= n) {
        long at = rx_find(h->head[i], s, from, n, md, &end);
        if (at < 0) return at == -1 ? 0 : -1;
        const char *nl = memchr(s + end, '\n', n - end);
        size_t line_end = nl ? (size_t)(nl - s) : n;
        size_t tail_end;
        long t = rx_find(h->tail[i], s, end, line_end, md, &tail_end);
        if (t >= 0) return 1;
        if (t == -2) return -1;
        if (!nl) return 0;
        from = line_end + 1;
    }
    return 0;
}

/* ---- Counting helpers ----------------------------------------------------- */

/* Non-overlapping occurrences of "```", as Python's str.count. */
static int count_fences(const char *s, size_t n) {
    int count = 0;
    for (size_t i = 0; i + 3 <= n;) {
        if (s[i] == '`' && s[i + 1] == '`' && s[i + 2] == '`') { count++; i += 3; }
        else i++;
    }
    return count;
}

/* Matches of `[^`]+` as re.findall counts them: a backtick, a non-empty run
 * of other characters, a closing backtick; the search resumes after it. */
static int count_inline_code(const char *s, size_t n) {
    int count = 0;
    size_t i = 0;
    while (i < n) {
        const char *open = memchr(s + i, '`', n - i);
        if (!open) break;
        size_t o = (size_t)(open - s);
        const char *close = o + 1 < n ? memchr(s + o + 1, '`', n - o - 1) : NULL;
        if (!close) break;             /* no closing backtick: nothing further can match */
        size_t c = (size_t)(close - s);
        if (c == o + 1) { i = o + 1; continue; } /* empty run: retry from the second backtick */
        count++;
        i = c + 1;
    }
    return count;
}

/* Names found, for a dimension's detail. */
typedef struct found_list {
    const char *names[5];
    int n;
} found_list;

static void found_add(found_list *f, const char *name) {
    if (f->n < 5) f->names[f->n] = name;
    f->n++;
}

/* How many entries of one keyword list were found (names into f, in list order). */
static int count_list(const cx_kwindex *ix, int list, const uint8_t *found, found_list *f) {
    const cx_kwlist *kl = cx_kwindex_list(ix, list);
    int count = 0;
    for (size_t i = 0; i < kl->n; i++) {
        if (!found[kl->first_id + i]) continue;
        count++;
        if (f) found_add(f, kl->words[i]);
    }
    return count;
}

static double min1(double x) { return x < 1.0 ? x : 1.0; }

static void set_dim(cx_heuristic_result *r, int i, double score, const double *weights) {
    r->dims[i].name = cx_dim_names[i];
    r->dims[i].score = score;
    r->dims[i].weight = weights[i];
}

/* "<count> <noun>" and the names found, as the detail of dimension i. */
static void count_detail(cx_heuristic_result *r, int i, int count, const char *noun, const found_list *f) {
    cx_detail d;
    cx_detail_init(&d, r->dims[i].detail, CX_DETAIL_MAX);
    cx_detail_int(&d, count);
    cx_detail_str(&d, noun);
    if (f) cx_detail_names(&d, f->names, 5, f->n);
}

static void token_length_dim(cx_heuristic_result *r, size_t n_cjk, size_t n_cp, const double *w) {
    double est = 1.5 * (double)n_cjk + (double)(n_cp - n_cjk) / 4;
    set_dim(r, CX_DIM_TOKEN_LENGTH, min1(est / 2000), w);
    cx_detail d;
    cx_detail_init(&d, r->dims[CX_DIM_TOKEN_LENGTH].detail, CX_DETAIL_MAX);
    cx_detail_str(&d, "~");
    cx_detail_int(&d, (long long)est);
    cx_detail_str(&d, " tokens (");
    cx_detail_int(&d, (long long)n_cjk);
    cx_detail_str(&d, " CJK + ");
    cx_detail_int(&d, (long long)(n_cp - n_cjk));
    cx_detail_str(&d, " other chars)");
}

static int step_dim(const cx_heuristic *h, const char *text, size_t len, cx_heuristic_result *r, const double *w,
                    cx_error *err) {
    pcre2_match_data *md = pcre2_match_data_create(2, NULL);
    if (!md) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    int steps = 0, which[N_STEP];
    for (int i = 0; i < N_STEP; i++) {
        int m = step_matches(h, i, text, len, md);
        if (m < 0) {
            pcre2_match_data_free(md);
            return cx_error_set(err, CX_ERR_INTERNAL, "step pattern %d failed", i);
        }
        if (m) which[steps++] = i + 1;
    }
    pcre2_match_data_free(md);
    set_dim(r, CX_DIM_STEP_INDICATORS, min1(steps / 3.0), w);
    cx_detail d;
    cx_detail_init(&d, r->dims[CX_DIM_STEP_INDICATORS].detail, CX_DETAIL_MAX);
    cx_detail_int(&d, steps);
    cx_detail_str(&d, " step patterns");
    for (int i = 0; i < steps; i++) {
        cx_detail_str(&d, i ? "," : " (#");
        cx_detail_int(&d, which[i]);
    }
    if (steps) cx_detail_str(&d, ")");
    return CX_OK;
}

static void code_dim(const char *text, size_t len, cx_heuristic_result *r, const double *w) {
    int fences = count_fences(text, len), inl = count_inline_code(text, len);
    set_dim(r, CX_DIM_CODE_COMPLEXITY, min1((fences + inl * 0.3) / 4), w);
    cx_detail d;
    cx_detail_init(&d, r->dims[CX_DIM_CODE_COMPLEXITY].detail, CX_DETAIL_MAX);
    cx_detail_int(&d, fences);
    cx_detail_str(&d, " code fences, ");
    cx_detail_int(&d, inl);
    cx_detail_str(&d, " inline");
}

/* The keyword dimensions, from one scan of the lower-cased text. */
static void keyword_dims(const cx_kwindex *ix, const char *lower, size_t n, int prior, cx_heuristic_result *r,
                         const double *w) {
    uint8_t found[CX_KW_MAX_ENTRIES];
    cx_kwindex_scan(ix, lower, n, found);
    found_list f = {{0}, 0};
    int c = count_list(ix, CX_KWL_REASONING, found, &f);
    set_dim(r, CX_DIM_REASONING_MARKERS, min1(c / 5.0), w);
    count_detail(r, CX_DIM_REASONING_MARKERS, c, " markers", &f);

    f.n = 0;
    for (int g = 0; g < CX_KW_N_DOMAIN_GROUPS; g++)
        if (count_list(ix, CX_KWL_DOMAIN0 + g, found, NULL)) found_add(&f, cx_kw_domains[g].name);
    set_dim(r, CX_DIM_DOMAIN_COUNT, min1(f.n / 3.0), w);
    count_detail(r, CX_DIM_DOMAIN_COUNT, f.n, " domains", &f);

    f.n = 0;
    c = count_list(ix, CX_KWL_CONTEXT, found, &f);
    set_dim(r, CX_DIM_CONTEXT_DEPENDENCY, min1((c + prior / 20.0) / 3), w);
    cx_detail d;
    cx_detail_init(&d, r->dims[CX_DIM_CONTEXT_DEPENDENCY].detail, CX_DETAIL_MAX);
    cx_detail_int(&d, prior);
    cx_detail_str(&d, " prior user messages, ");
    cx_detail_int(&d, c);
    cx_detail_str(&d, " refs");
    cx_detail_names(&d, f.names, 5, f.n);

    f.n = 0;
    c = count_list(ix, CX_KWL_CONSTRAINT, found, &f);
    set_dim(r, CX_DIM_CONSTRAINT_COUNT, min1(c / 4.0), w);
    count_detail(r, CX_DIM_CONSTRAINT_COUNT, c, " constraints", &f);

    int spec = count_list(ix, CX_KWL_SPECIFIC, found, NULL), vague = count_list(ix, CX_KWL_VAGUE, found, NULL);
    double amb = min1((vague - spec + 1) / 3.0);
    set_dim(r, CX_DIM_AMBIGUITY, amb > 0 ? amb : 0.0, w);
    cx_detail_init(&d, r->dims[CX_DIM_AMBIGUITY].detail, CX_DETAIL_MAX);
    cx_detail_str(&d, "vague=");
    cx_detail_int(&d, vague);
    cx_detail_str(&d, ", specific=");
    cx_detail_int(&d, spec);

    f.n = 0;
    c = count_list(ix, CX_KWL_EXTERNAL, found, &f);
    set_dim(r, CX_DIM_EXTERNAL_TOOL_NEED, min1(c / 3.0), w);
    count_detail(r, CX_DIM_EXTERNAL_TOOL_NEED, c, " signals", &f);
}

int cx_heuristic_eval(const cx_heuristic *h, const char *text, size_t len, int prior_user_messages,
                      const double *weights, cx_heuristic_result *out, cx_error *err) {
    memset(out, 0, sizeof *out);
    if (!text) text = "", len = 0;
    if (!weights) weights = cx_kw_default_weights;
    if (prior_user_messages < 0) prior_user_messages = 0;
    sbuf repaired = SBUF_INIT, lower = SBUF_INIT;
    if (cx_utf8_invalid_at(text, len) != len) {
        cx_text_repair(text, len, &repaired);
        if (repaired.oom) { sbuf_free(&repaired); return cx_error_set(err, CX_ERR_NOMEM, "out of memory"); }
        text = sbuf_str(&repaired);
        len = repaired.len;
    }
    size_t n_cjk = 0, n_cp = 0;
    cx_text_lower(text, len, &lower, &n_cjk, &n_cp);
    int rc = lower.oom ? cx_error_set(err, CX_ERR_NOMEM, "out of memory") : CX_OK;
    if (rc == CX_OK) {
        token_length_dim(out, n_cjk, n_cp, weights);
        keyword_dims(h->kw, sbuf_str(&lower), lower.len, prior_user_messages, out, weights);
        rc = step_dim(h, text, len, out, weights, err);
        code_dim(text, len, out, weights);
    }
    sbuf_free(&repaired);
    sbuf_free(&lower);
    if (rc != CX_OK) return rc;
    double sum = 0.0; /* left to right, as Python's sum() */
    for (int i = 0; i < CX_N_DIMS; i++) sum += out->dims[i].score * out->dims[i].weight;
    out->score = min1(sum);
    return CX_OK;
}
