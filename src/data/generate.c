/* The generator: draws samples from template families with the seed's tier
 * mix, keeps labels consistent per text, and assigns train/val/test splits.
 * Every random choice comes from one seeded cx_rng, in a fixed order, so the
 * same templates and options give byte-identical output everywhere. */
#include <stdlib.h>
#include <string.h>

#include "complexity/generate.h"
#include "complexity/labels.h"
#include "data/noise.h"
#include "data/render.h"
#include "data/tmpl_int.h"
#include "util/arena.h"
#include "complexity/common.h"
#include "util/strset.h"

/* The seed's generation mix by tier (SPEC §2). */
static const double tier_mix[CX_N_TIERS] = {0.15, 0.20, 0.30, 0.20, 0.15};

enum { MAX_ATTEMPTS = 200 };

struct cx_generated {
    cx_sample *samples;
    size_t n;
    arena texts;
    size_t conflicts; /* draws rejected because the text had other labels */
};

static int label_signature(const tfamily *f) { return f->tier | f->intent << 3 | (int)f->domains << 7; }

/* Score in ten-thousandths: a hash of the text spread over the family's range,
 * pushed towards the top by each {+} so more constraints score higher. */
static double text_score(const tfamily *f, const char *text, size_t len, int plus) {
    double u = (double)(cx_mix64(cx_hash64(text, len)) >> 11) * 0x1.0p-53;
    for (int i = 0; i < plus; i++) u += (1.0 - u) * 0.35;
    long v = f->score_lo + (long)(u * (double)(f->score_hi - f->score_lo) + 0.5);
    return (double)v / 10000.0;
}

/* Samples per tier: the seed's mix, renormalised over the tiers that have
 * families (so a template file for one tier can be tried alone), floors
 * first, the remainder drawn at random by the same mix. */
static void tier_counts(const double weight[CX_N_TIERS], size_t count, cx_rng *rng, size_t counts[CX_N_TIERS]) {
    double mix[CX_N_TIERS], norm = 0;
    for (int t = 0; t < CX_N_TIERS; t++) norm += mix[t] = weight[t] > 0 ? tier_mix[t] : 0.0;
    size_t total = 0;
    int last = 0;
    for (int t = 0; t < CX_N_TIERS; t++) {
        mix[t] /= norm;
        total += counts[t] = (size_t)((double)count * mix[t]);
        if (mix[t] > 0) last = t;
    }
    while (total < count) {
        double u = cx_rng_uniform(rng), acc = 0;
        int t = 0;
        while (t < last && (mix[t] == 0 || u >= (acc += mix[t]))) t++;
        counts[t]++;
        total++;
    }
}

/* The default share of each language (en, zh, mixed): Kuro's users write
 * Traditional Chinese and English about equally, and switch between them. */
static const double default_lang_mix[CX_N_LANGS] = {0.45, 0.40, 0.15, 0.0};

/* Each family's drawing weight: its own weight inside its (tier, language)
 * group, times the language's share, renormalised over the languages the
 * tier has. So the language mix does not depend on how many families each
 * language has. */
static void family_weights(const cx_templates *t, const cx_gen_options *o, double *eff, double tier_total[CX_N_TIERS]) {
    double group[CX_N_TIERS][CX_N_LANGS] = {{0}};
    const double *mix = o->lang_mix[0] + o->lang_mix[1] + o->lang_mix[2] > 0 ? o->lang_mix : default_lang_mix;
    for (size_t i = 0; i < t->n_families; i++) group[t->families[i].tier][t->families[i].lang] += t->families[i].weight;
    for (int tier = 0; tier < CX_N_TIERS; tier++) {
        double norm = 0;
        for (int l = 0; l < CX_N_LANGS; l++) norm += group[tier][l] > 0 ? mix[l] : 0;
        tier_total[tier] = 0;
        for (size_t i = 0; i < t->n_families; i++) {
            const tfamily *f = &t->families[i];
            if (f->tier != tier) continue;
            eff[i] = norm > 0 ? f->weight / group[tier][f->lang] * mix[f->lang] / norm : 0;
            tier_total[tier] += eff[i];
        }
    }
}

/* A family of the tier, drawn by its effective weight. */
static int draw_family(const cx_templates *t, const double *eff, int tier, double tier_weight, cx_rng *rng) {
    double u = cx_rng_uniform(rng) * tier_weight, acc = 0;
    int last = -1;
    for (size_t i = 0; i < t->n_families; i++) {
        if (t->families[i].tier != tier || eff[i] <= 0) continue;
        last = (int)i;
        if (u < (acc += eff[i])) return (int)i;
    }
    return last;
}

/* Optional template parts leave stray blanks: trim the ends, and in one-line
 * texts squeeze runs of spaces (multi-line texts keep their indentation). */
static void tidy_spaces(sbuf *b) {
    if (b->len == 0) return; /* a template can render to nothing: then b->data may still be NULL */
    int one_line = memchr(b->data, '\n', b->len) == NULL;
    size_t w = 0;
    for (size_t r = 0; r < b->len; r++) {
        char ch = b->data[r];
        if (ch == ' ' && (w == 0 || (one_line && b->data[w - 1] == ' '))) continue;
        b->data[w++] = ch;
    }
    while (w > 0 && strchr(" \t\n", b->data[w - 1])) w--;
    b->len = w;
    b->data[w] = '\0';
}

typedef struct gen_state {
    const cx_templates *t;
    const cx_gen_options *opts;
    cx_rng rng;
    strset seen; /* text -> label signature */
    cx_generated *g;
    sbuf text;
    double *eff; /* (n_families) drawing weights */
} gen_state;

/* Draws one sample of the tier; 1 = added, 0 = rejected (try again), <0 error. */
static int draw_sample(gen_state *s, int tier, double tier_weight) {
    int fi = draw_family(s->t, s->eff, tier, tier_weight, &s->rng);
    const tfamily *f = &s->t->families[fi];
    int plus = 0;
    sbuf_reset(&s->text);
    int rc = tmpl_render(s->t, f, &s->rng, &s->text, &plus);
    if (rc == CX_OK) tidy_spaces(&s->text);
    if (rc == CX_OK && f->noise) rc = cx_noise_apply(&s->text, f->lang, &s->rng);
    if (rc) return rc;
    if (s->text.len == 0) return 0;
    int added, sig = label_signature(f);
    strset_entry *e = strset_add(&s->seen, s->text.data, s->text.len, sig, &added);
    if (!e) return CX_ERR_NOMEM;
    if (!added && e->value != sig) {
        s->g->conflicts++;
        return 0;
    }
    if (!added && s->opts->dedup) return 0;
    cx_sample *smp = &s->g->samples[s->g->n++];
    memset(smp, 0, sizeof *smp);
    smp->rec.text = arena_strndup(&s->g->texts, s->text.data, s->text.len);
    if (!smp->rec.text) return CX_ERR_NOMEM;
    smp->rec.text_len = s->text.len;
    smp->rec.score = text_score(f, s->text.data, s->text.len, plus);
    smp->rec.tier = f->tier;
    smp->rec.domains = f->domains;
    smp->rec.intent = f->intent;
    smp->rec.lang = -1; /* the seed's format has no "lang" */
    smp->family = fi;
    smp->lang = f->lang;
    return 1;
}

static int generate_tier(gen_state *s, int tier, double weight, size_t count, cx_error *err) {
    for (size_t k = 0; k < count; k++) {
        int rc = 0;
        for (int attempt = 0; attempt < MAX_ATTEMPTS && rc == 0; attempt++) rc = draw_sample(s, tier, weight);
        if (rc < 0) return cx_error_set(err, rc, "out of memory while generating");
        if (rc == 0)
            return cx_error_set(err, CX_ERR_INVALID,
                                "could only make %zu distinct %s texts; lower count, drop dedup or add templates",
                                k, cx_tier_names[tier]);
    }
    return CX_OK;
}

/* Template-disjoint split: each tier's families, shuffled, go to train until
 * 80% of the tier's weight, then val until 90%, then test; val and test get at
 * least one family each when the tier has three or more. */
static int split_by_family(const cx_templates *t, cx_rng *rng, int *family_split) {
    int *ids = malloc((t->n_families + 1) * sizeof *ids);
    if (!ids) return CX_ERR_NOMEM;
    for (int tier = 0; tier < CX_N_TIERS; tier++) {
        size_t n = 0;
        double total = 0, acc = 0;
        for (size_t i = 0; i < t->n_families; i++)
            if (t->families[i].tier == tier) { ids[n++] = (int)i; total += t->families[i].weight; }
        cx_rng_shuffle(rng, ids, n, sizeof *ids);
        for (size_t j = 0; j < n; j++) {
            int split = acc < 0.8 * total ? 0 : acc < 0.9 * total ? 1 : 2;
            if (n >= 3 && j == n - 2 && split == 0) split = 1;
            if (n >= 3 && j == n - 1 && split < 2) split = 2;
            family_split[ids[j]] = split;
            acc += t->families[ids[j]].weight;
        }
    }
    free(ids);
    return CX_OK;
}

static int assign_splits(gen_state *s, cx_error *err) {
    cx_generated *g = s->g;
    if (s->opts->split == CX_SPLIT_RANDOM) {
        size_t n_train = (size_t)((double)g->n * 0.8), n_val_end = (size_t)((double)g->n * 0.9);
        for (size_t i = 0; i < g->n; i++) g->samples[i].split = i < n_train ? 0 : i < n_val_end ? 1 : 2;
    } else if (s->opts->split == CX_SPLIT_TEMPLATE) {
        int *family_split = calloc(s->t->n_families + 1, sizeof *family_split);
        if (!family_split || split_by_family(s->t, &s->rng, family_split) != CX_OK) {
            free(family_split);
            return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < g->n; i++) g->samples[i].split = family_split[g->samples[i].family];
        free(family_split);
    }
    return CX_OK;
}

cx_gen_options cx_gen_default_options(void) {
    cx_gen_options o = {.count = 5000, .seed = 42};
    return o;
}

int cx_generate(const cx_templates *t, const cx_gen_options *opts, cx_generated **out, cx_error *err) {
    *out = NULL;
    if (opts->count == 0) return cx_error_set(err, CX_ERR_INVALID, "count must be at least 1");
    gen_state s = {.t = t, .opts = opts, .text = SBUF_INIT};
    cx_rng_seed(&s.rng, opts->seed);
    strset_init(&s.seen);
    s.g = calloc(1, sizeof *s.g);
    if (s.g) s.g->samples = malloc(opts->count * sizeof(cx_sample));
    s.eff = calloc(t->n_families + 1, sizeof *s.eff);
    int rc = s.g && s.g->samples && s.eff ? CX_OK : cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    double weight[CX_N_TIERS] = {0};
    if (rc == CX_OK) family_weights(t, opts, s.eff, weight);
    size_t counts[CX_N_TIERS];
    if (rc == CX_OK) tier_counts(weight, opts->count, &s.rng, counts);
    for (int tier = 0; tier < CX_N_TIERS && rc == CX_OK; tier++)
        rc = generate_tier(&s, tier, weight[tier], counts[tier], err);
    if (rc == CX_OK) {
        cx_rng_shuffle(&s.rng, s.g->samples, s.g->n, sizeof(cx_sample));
        rc = assign_splits(&s, err);
    }
    strset_free(&s.seen);
    sbuf_free(&s.text);
    free(s.eff);
    if (rc) {
        cx_generated_free(s.g);
        return rc;
    }
    *out = s.g;
    return CX_OK;
}

void cx_generated_free(cx_generated *g) {
    if (!g) return;
    arena_free(&g->texts);
    free(g->samples);
    free(g);
}

size_t cx_generated_size(const cx_generated *g) { return g->n; }
const cx_sample *cx_generated_get(const cx_generated *g, size_t i) { return &g->samples[i]; }
size_t cx_generated_conflicts(const cx_generated *g) { return g->conflicts; }
