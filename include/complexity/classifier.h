/* The ML classifier: text in, the seed's MLPrediction out (score, tier,
 * domains, intent and every probability). Loads a training output folder
 * (config.json, best_model.safetensors, tokenizer/) or a weights file: fp32
 * (run by the fp32 model, or quantized at load with the int8 option) or an
 * INT8 file (ONNX or one written by cx_engine_save, run by the INT8 engine).
 *
 * Two handles, as cx_engine / cx_engine_ctx: a cx_classifier holds what is
 * read-only once loaded (tokenizer, weights, n-gram part) and may be shared by
 * any number of threads; a cx_classifier_ctx holds one thread's working
 * memory. Predict from many threads at once with one context each, no lock. */
#ifndef COMPLEXITY_CLASSIFIER_H
#define COMPLEXITY_CLASSIFIER_H

#include "complexity/common.h"
#include "complexity/labels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_classifier cx_classifier;
typedef struct cx_classifier_ctx cx_classifier_ctx;

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
    int max_length;          /* 0: config.json's max_length, else the tokenizer's
                                model_max_length, else 256 */
    int threads;             /* threads of each context's work (0 = 1): the INT8 GEMMs, or the
                                fp32 model's OpenMP loops (set for the calling thread only);
                                OpenBLAS's own thread count is the host's (cx_model_set_threads) */
    int raw_score;           /* 1: score = the score head as is (what the ONNX file's
                                "score" output gives), not moved into the tier's range */
    const char *ngram;       /* the n-gram part (tools/train_ngram.py) mixed into the heads'
                                probabilities: NULL = CX_NGRAM_FILE beside the model when
                                that file exists; "" = none; a path = that file (must load) */
    int int8;                /* 1: run the INT8 engine, quantizing fp32 weights at load;
                                0: INT8 only when the weights file is an INT8 file */
    const char *kernel;      /* INT8 GEMM kernel name (engine.h); NULL: the best this CPU has */
    int keep_tail;           /* a text longer than max_length tokens keeps its first tokens and its last
                                keep_tail (the question after pasted code or a long context is often at
                                the end); 0: half of max_length; -1: the head only, the seed's cut */
} cx_classifier_options;

/* All defaults (every field 0 / NULL). */
CX_API cx_classifier_options cx_classifier_default_options(void);

/* File name of the n-gram part beside a model (models/ or a training folder). */
#define CX_NGRAM_FILE "complexity_ngram.safetensors"

/* opt NULL: the defaults. On failure *out is NULL. */
CX_API int cx_classifier_open(const char *model_path, const cx_classifier_options *opt, cx_classifier **out,
                              cx_error *err);
CX_API void cx_classifier_free(cx_classifier *c);

/* One thread's working memory for c, which must outlive it. */
CX_API int cx_classifier_ctx_open(const cx_classifier *c, cx_classifier_ctx **out, cx_error *err);
CX_API void cx_classifier_ctx_free(cx_classifier_ctx *x);

CX_API int cx_classifier_predict(cx_classifier_ctx *x, const char *text, size_t len, cx_prediction *out,
                                 cx_error *err);
/* n texts (lens[i] bytes each) -> out[i], on this thread (INT8: packed into
 * batches that share each read of the weights). Stops at the first failure
 * (err names the index). */
CX_API int cx_classifier_predict_batch(cx_classifier_ctx *x, const char *const *texts, const size_t *lens, size_t n,
                                       cx_prediction *out, cx_error *err);
/* "fp32", or "int8/<kernel>" (static string). */
CX_API const char *cx_classifier_backend(const cx_classifier *c);
/* Where the weights came from (borrowed). */
CX_API const char *cx_classifier_model_path(const cx_classifier *c);
/* The token length texts are cut to. */
CX_API int cx_classifier_max_length(const cx_classifier *c);
/* How much of a text the model reads: *total = its tokens with [CLS] and
 * [SEP], *seen = those within max_length (the head of the text). */
CX_API int cx_classifier_count_tokens(const cx_classifier *c, const char *text, size_t len, size_t *seen,
                                      size_t *total, cx_error *err);

/* Writes a prediction as the seed's MLPrediction JSON object (no newline);
 * caller frees. */
CX_API char *cx_prediction_to_json(const cx_prediction *p);

#ifdef __cplusplus
}
#endif
#endif
