/* The heads' outputs of one text turned into a prediction (softmax, sigmoid,
 * argmax, the domain threshold, the n-gram part mixed in, the score moved into
 * the tier's range): one place for every caller. */
#ifndef CX_INFER_PREDICTION_H
#define CX_INFER_PREDICTION_H

#include "complexity/classifier.h"
#include "infer/ngram.h"

/* What the model's four heads give for one text: the score after its sigmoid,
 * the other three as logits. */
typedef struct cx_head_values {
    float score, tier[CX_N_TIERS], domain[CX_N_DOMAINS], intent[CX_N_INTENTS];
} cx_head_values;

/* ng: the n-gram part's NGRAM_OUTPUTS outputs, mixed in with the neural
 * weights a (both NULL: none). raw_score 0: the score is moved into the
 * predicted tier's range. */
void cx_prediction_of(const cx_head_values *h, const float *ng, const cx_ngram_blend *a, int raw_score,
                      cx_prediction *p);

#endif
