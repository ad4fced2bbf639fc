/* The ML classifier: text in, the seed's MLPrediction out (score, tier,
 * domains, intent and every probability). Loads a training output folder
 * (config.json, best_model.safetensors, tokenizer/) or a weights file.
 *
 * A cx_classifier owns its working memory: use one per thread (the weights
 * themselves could be shared; see cx_model). */
#ifndef COMPLEXITY_CLASSIFIER_H
#define COMPLEXITY_CLASSIFIER_H

#include "complexity/common.h"
#include "complexity/labels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_classifier cx_classifier;

typedef struct cx_prediction {
    double score;                        /* sigmoid output, in [0,1] */
    int tier;                            /* argmax of tier_probs */
    unsigned domains;                    /* bit d: domain_scores[d] > 0.5 */
    int intent;                          /* argmax of intent_probs */
    double tier_probs[CX_N_TIERS];       /* softmax */
    double intent_probs[CX_N_INTENTS];   /* softmax */
    double domain_scores[CX_N_DOMAINS];  /* sigmoid */
} cx_prediction;

typedef struct cx_classifier_options {
    const char *tokenizer;   /* NULL: MODEL/tokenizer, or tokenizer/ beside a weights file */
    const char *weights;     /* in a folder: "best_model" (default) or "final_model" */
    int max_length;          /* 0: config.json's max_length, else 256 */
    int threads;             /* 0: leave the library's setting */
} cx_classifier_options;

int cx_classifier_open(const char *model_path, const cx_classifier_options *opt, cx_classifier **out,
                       cx_error *err);
void cx_classifier_free(cx_classifier *c);
int cx_classifier_predict(cx_classifier *c, const char *text, size_t len, cx_prediction *out, cx_error *err);
/* Where the weights came from (borrowed). */
const char *cx_classifier_model_path(const cx_classifier *c);

/* Writes a prediction as the seed's MLPrediction JSON object (no newline);
 * caller frees. */
char *cx_prediction_to_json(const cx_prediction *p);

#ifdef __cplusplus
}
#endif
#endif
