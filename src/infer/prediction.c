/* The heads' outputs -> a cx_prediction: the one conversion, used by the
 * classifier and by training's validation. */
#include "infer/prediction.h"

#include <math.h>
#include <string.h>

static int softmax_argmax(const float *logits, int n, double *probs) {
    float mx = logits[0];
    int best = 0;
    for (int i = 1; i < n; i++)
        if (logits[i] > mx) mx = logits[i], best = i;
    double sum = 0;
    for (int i = 0; i < n; i++) sum += probs[i] = exp((double)logits[i] - mx); /* shift by max: no overflow */
    for (int i = 0; i < n; i++) probs[i] /= sum;
    return best;
}

/* The score head's value inside the predicted tier's range: the tier head
 * decides the tier better than the score head places the score (dev set:
 * docs/QUALITY.md), and routing reads the score. */
static double score_in_tier(double score, int tier) {
    if (score < cx_tier_score_lo[tier]) return cx_tier_score_lo[tier];
    if (score > cx_tier_score_hi[tier]) return cx_tier_score_hi[tier];
    return score;
}

static int argmax(const double *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* p = a * p + (1 - a) * softmax(logits) */
static void mix_softmax(double *p, const float *logits, int n, double a) {
    double q[CX_N_INTENTS];
    softmax_argmax(logits, n, q);
    for (int i = 0; i < n; i++) p[i] = a * p[i] + (1 - a) * q[i];
}

/* The neural heads' probabilities, mixed with the n-gram part's when there is
 * one (ng: its NGRAM_OUTPUTS outputs; a: the neural weight of each head), then
 * the tier, intent and domains they decide and the score (moved into the
 * tier's range unless raw_score). */
void cx_prediction_of(const cx_head_values *rp, const float *ng, const cx_ngram_blend *a, int raw_score,
                      cx_prediction *p) {
    const cx_head_values r = *rp;
    memset(p, 0, sizeof *p);
    softmax_argmax(r.tier, CX_N_TIERS, p->tier_probs);
    softmax_argmax(r.intent, CX_N_INTENTS, p->intent_probs);
    double score = r.score;
    for (int d = 0; d < CX_N_DOMAINS; d++) p->domain_scores[d] = sigmoid(r.domain[d]);
    if (ng) {
        mix_softmax(p->tier_probs, ng + NGRAM_TIER, CX_N_TIERS, a->tier);
        mix_softmax(p->intent_probs, ng + NGRAM_INTENT, CX_N_INTENTS, a->intent);
        for (int d = 0; d < CX_N_DOMAINS; d++)
            p->domain_scores[d] = a->domain * p->domain_scores[d] + (1 - a->domain) * sigmoid(ng[NGRAM_DOMAIN + d]);
        double s = ng[NGRAM_SCORE];
        score = a->score * score + (1 - a->score) * (s < 0 ? 0 : s > 1 ? 1 : s);
    }
    p->tier = argmax(p->tier_probs, CX_N_TIERS);
    p->intent = argmax(p->intent_probs, CX_N_INTENTS);
    for (int d = 0; d < CX_N_DOMAINS; d++)
        if (p->domain_scores[d] > 0.5) p->domains |= 1u << d;
    p->score = raw_score ? score : score_in_tier(score, p->tier);
}

