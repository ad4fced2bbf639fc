/* Accumulating dataset statistics. */
#include <stdlib.h>
#include <string.h>

#include "complexity/stats.h"
#include "util/strset.h"
#include "util/utf8.h"

struct cx_stats {
    cx_data_summary s;
    double score_sum;
    strset texts;         /* text -> label signature, or -1 once conflicting */
    size_t *lengths;      /* code points per record */
    size_t n_lengths, cap_lengths;
};

cx_stats *cx_stats_new(void) {
    cx_stats *st = calloc(1, sizeof *st);
    if (st) strset_init(&st->texts);
    return st;
}

void cx_stats_free(cx_stats *st) {
    if (!st) return;
    strset_free(&st->texts);
    free(st->lengths);
    free(st);
}

static int record_signature(const cx_record *r) { return r->tier | r->intent << 3 | (int)r->domains << 7; }

int cx_stats_add(cx_stats *st, const cx_record *rec) {
    if (st->n_lengths == st->cap_lengths) {
        size_t cap = st->cap_lengths ? st->cap_lengths * 2 : 1024;
        size_t *v = realloc(st->lengths, cap * sizeof *v);
        if (!v) return CX_ERR_NOMEM;
        st->lengths = v;
        st->cap_lengths = cap;
    }
    int added, sig = record_signature(rec);
    strset_entry *e = strset_add(&st->texts, rec->text, rec->text_len, sig, &added);
    if (!e) return CX_ERR_NOMEM;
    if (!added && e->value != sig && e->value != -1) {
        e->value = -1;
        st->s.label_conflicts++;
    }
    cx_data_summary *s = &st->s;
    st->lengths[st->n_lengths++] = cx_utf8_count(rec->text, rec->text_len);
    s->n++;
    s->tier[rec->tier]++;
    s->intent[rec->intent]++;
    for (int d = 0; d < CX_N_DOMAINS; d++) s->domain[d] += (rec->domains >> d) & 1u;
    s->no_domain += rec->domains == 0;
    s->lang[rec->lang >= 0 ? rec->lang : cx_detect_lang(rec->text, rec->text_len)]++;
    st->score_sum += rec->score;
    /* half a ten-thousandth of slack: scores are written with 4 decimals */
    s->score_off_tier += rec->score < cx_tier_score_lo[rec->tier] - 5e-5 ||
                         rec->score > cx_tier_score_hi[rec->tier] + 5e-5;
    return CX_OK;
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

void cx_stats_summary(cx_stats *st, cx_data_summary *out) {
    cx_data_summary *s = &st->s;
    s->distinct = st->texts.count;
    s->score_mean = s->n ? st->score_sum / (double)s->n : 0.0;
    memset(s->len_p, 0, sizeof s->len_p);
    if (st->n_lengths) {
        qsort(st->lengths, st->n_lengths, sizeof *st->lengths, cmp_size);
        static const double q[CX_N_LEN_QUANTILES] = {0.0, 0.5, 0.9, 0.99, 1.0};
        for (int i = 0; i < CX_N_LEN_QUANTILES; i++) s->len_p[i] = st->lengths[(size_t)(q[i] * (double)(st->n_lengths - 1))];
    }
    *out = *s;
}
