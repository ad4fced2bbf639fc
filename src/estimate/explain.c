/* Why the model scored a text as it did: occlusion. The text is cut into
 * words (runs of non-space characters; Chinese, which has no spaces, in pairs
 * of ideographs), the words into at most CX_EXPLAIN_MAX_SEGMENTS segments of
 * consecutive words, and the model scores the text once without each
 * segment. A segment whose removal lowers the score made the task look
 * harder. The cost is bounded by the segment count, not by the length. */
#include "util/clock.h"
#include "estimate/estimator_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/common.h"
#include "util/utf8.h"

enum { CJK_PER_WORD = 2 };

typedef struct span {
    size_t start, end;
} span;

static double now_ms(void) { return 1e3 * cx_now_s(); }

static int is_space(uint32_t cp) { return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000; }

/* The words of text: up to cap spans; returns how many there are (may be > cap). */
static size_t split_words(const char *text, size_t len, span *words, size_t cap) {
    size_t n = 0, i = 0;
    int in_word = 0, cjk_run = 0;
    while (i < len) {
        uint32_t cp;
        size_t k = cx_utf8_decode((const unsigned char *)text + i, len - i, &cp);
        if (!k) k = 1, cp = 0xFFFD; /* an invalid byte: part of a word */
        int cjk = cx_is_cjk(cp);
        if (is_space(cp)) in_word = 0;
        else {
            /* a new word at a space, a change between CJK and not, or every CJK_PER_WORD ideographs */
            int start = !in_word || cjk != (cjk_run > 0) || (cjk && cjk_run == CJK_PER_WORD);
            if (start) {
                if (n < cap) words[n].start = i;
                n++;
                cjk_run = 0;
            }
            if (n <= cap) words[n - 1].end = i + k;
            cjk_run = cjk ? cjk_run + 1 : 0;
            in_word = 1;
        }
        i += k;
    }
    return n;
}

/* At most max_segments segments of consecutive words, as even as can be. */
static size_t group_words(const span *words, size_t n_words, span *segs, size_t max_segments) {
    size_t n_segs = n_words < max_segments ? n_words : max_segments;
    for (size_t s = 0; s < n_segs; s++) {
        size_t first = s * n_words / n_segs, last = (s + 1) * n_words / n_segs - 1;
        segs[s].start = words[first].start;
        segs[s].end = words[last].end;
    }
    return n_segs;
}

static int by_effect(const void *a, const void *b) {
    double x = fabs(((const cx_word_effect *)a)->delta), y = fabs(((const cx_word_effect *)b)->delta);
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The model's score of text without seg (a space in its place). */
static int score_without(cx_estimator *est, const char *text, size_t len, span seg, char *buf, double *score,
                         cx_error *err) {
    size_t n = 0;
    memcpy(buf, text, seg.start);
    n += seg.start;
    buf[n++] = ' ';
    memcpy(buf + n, text + seg.end, len - seg.end);
    n += len - seg.end;
    cx_prediction p;
    int rc = est->backend.predict(est->model, buf, n, &p, err);
    *score = p.score;
    return rc;
}

/* Occlusion over the segments; fills out's effects. Caller holds the read lock. */
static int occlude(cx_estimator *est, const char *text, size_t len, cx_explanation *out, cx_error *err) {
    span segs[CX_EXPLAIN_MAX_SEGMENTS];
    size_t n_words = split_words(text, len, NULL, 0), n_segs = 0; /* a first pass counts */
    span *words = malloc((n_words ? n_words : 1) * sizeof *words);
    if (!words) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    split_words(text, len, words, n_words);
    n_segs = group_words(words, n_words, segs, CX_EXPLAIN_MAX_SEGMENTS);
    free(words);
    char *buf = malloc(len + 1);
    cx_word_effect *all = calloc(n_segs ? n_segs : 1, sizeof *all);
    int rc = buf && all ? CX_OK : cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    for (size_t s = 0; s < n_segs && rc == CX_OK; s++) {
        double without;
        rc = score_without(est, text, len, segs[s], buf, &without, err);
        all[s] = (cx_word_effect){segs[s].start, segs[s].end - segs[s].start, out->ml_score - without};
        out->predictions++;
    }
    if (rc == CX_OK) {
        qsort(all, n_segs, sizeof *all, by_effect);
        out->n_effects = n_segs < CX_EXPLAIN_TOP ? (int)n_segs : CX_EXPLAIN_TOP;
        memcpy(out->effects, all, (size_t)out->n_effects * sizeof *all);
    }
    free(buf);
    free(all);
    return rc;
}

int cx_estimator_explain(cx_estimator *est, const char *text, size_t len, cx_explanation *out, cx_error *err) {
    double t0 = now_ms();
    memset(out, 0, sizeof *out);
    pthread_rwlock_rdlock(&est->lock);
    int rc = est->model && est->cfg.ml_model_enabled
                 ? CX_OK
                 : cx_error_set(err, CX_ERR_UNSUPPORTED, "no ML model is loaded: nothing to explain");
    cx_prediction whole;
    if (rc == CX_OK) rc = est->backend.predict(est->model, text, len, &whole, err);
    if (rc == CX_OK) {
        out->ml_score = whole.score;
        out->predictions = 1;
        if (est->backend.count_tokens &&
            est->backend.count_tokens(est->model, text, len, &out->tokens_seen, &out->tokens_total, err) != CX_OK)
            out->tokens_seen = out->tokens_total = 0, cx_error_clear(err);
        rc = occlude(est, text, len, out, err);
    }
    pthread_rwlock_unlock(&est->lock);
    out->ms = now_ms() - t0;
    return rc;
}
