/* The ML classifier: text in, the seed's MLPrediction out (score, tier,
 * domains, intent and every probability). Loads a training output folder
 * (config.json, best_model.safetensors, tokenizer/) or a weights file: fp32
 * (run by the fp32 model, or quantized at load with the int8 option) or an
 * INT8 file written by cx_engine_save (run by the INT8 engine, engine.h).
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
    double score;                        /* the score head's sigmoid output, moved into the
                                            predicted tier's score range (SPEC §2) so that the
                                            score and the tier agree: the estimator's tier comes
                                            from the score through tier_boundaries; the head's
                                            own value with raw_score */
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
    int threads;             /* fp32: 0 leaves the library's setting; INT8: 0 = 1 thread */
    int raw_score;           /* 1: score = the score head as is (what the ONNX file's
                                "score" output gives), not moved into the tier's range */
    const char *ngram;       /* the n-gram part (tools/train_ngram.py) mixed into the heads'
                                probabilities: NULL = CX_NGRAM_FILE beside the model when
                                that file exists; "" = none; a path = that file (must load) */
} cx_classifier_options;

/* File name of the n-gram part beside a model (models/ or a training folder). */
#define CX_NGRAM_FILE "complexity_ngram.safetensors"

/* How to run the model (cx_classifier_open_ex). */
typedef struct cx_classifier_engine {
    int int8;                /* 1: run the INT8 engine, quantizing fp32 weights at load;
                                0: INT8 only when the weights file is an INT8 file */
    const char *kernel;      /* INT8 GEMM kernel name (engine.h); NULL: the best */
} cx_classifier_engine;

int cx_classifier_open(const char *model_path, const cx_classifier_options *opt, cx_classifier **out,
                       cx_error *err);
/* As cx_classifier_open; eng NULL: as {0}. */
int cx_classifier_open_ex(const char *model_path, const cx_classifier_options *opt, const cx_classifier_engine *eng,
                          cx_classifier **out, cx_error *err);
void cx_classifier_free(cx_classifier *c);
int cx_classifier_predict(cx_classifier *c, const char *text, size_t len, cx_prediction *out, cx_error *err);
/* n texts (lens[i] bytes each) -> out[i], one after another on this thread.
 * Stops at the first failure (err names the index). */
int cx_classifier_predict_batch(cx_classifier *c, const char *const *texts, const size_t *lens, size_t n,
                                cx_prediction *out, cx_error *err);
/* "fp32", or "int8/<kernel>" (static string). */
const char *cx_classifier_backend(const cx_classifier *c);
/* Where the weights came from (borrowed). */
const char *cx_classifier_model_path(const cx_classifier *c);

/* Writes a prediction as the seed's MLPrediction JSON object (no newline);
 * caller frees. */
char *cx_prediction_to_json(const cx_prediction *p);

#ifdef __cplusplus
}
#endif
#endif
