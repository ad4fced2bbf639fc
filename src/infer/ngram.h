/* The n-gram part of the default model: hashed character n-grams into linear
 * heads (tier, intent, domains, score), mixed with the neural model's
 * probabilities by the classifier. Trained by tools/train_ngram.py, which
 * documents the file (complexity_ngram.safetensors) and computes the same
 * features (tools/ngram_features.py): text lower-cased code point by code
 * point, split on whitespace, each word padded with a space on both sides,
 * every n-gram of 1..4 code points hashed (FNV-1a 32 over its UTF-8 bytes)
 * into 2^bits buckets, (1 + ln count) * idf, L2-normalised. Version 2 files
 * hold a kept set (only n-grams seen in at least min_df training texts count)
 * and may add words: with word_ngrams 2 each word stripped of punctuation and
 * symbols at its ends, and each pair of such words, counts as an n-gram too. */
#ifndef CX_INFER_NGRAM_H
#define CX_INFER_NGRAM_H

#include <stddef.h>

#include "complexity/common.h"
#include "complexity/labels.h"

enum {
    NGRAM_TIER = 0,
    NGRAM_INTENT = NGRAM_TIER + CX_N_TIERS,
    NGRAM_DOMAIN = NGRAM_INTENT + CX_N_INTENTS,
    NGRAM_SCORE = NGRAM_DOMAIN + CX_N_DOMAINS,
    NGRAM_OUTPUTS = NGRAM_SCORE + 1,
    /* Only the first 64 KiB of a text are read: pasted logs can be megabytes,
     * and their head says what they are. */
    NGRAM_MAX_BYTES = 64 << 10
};

typedef struct cx_ngram cx_ngram;

int cx_ngram_open(const char *path, cx_ngram **out, cx_error *err);
void cx_ngram_free(cx_ngram *m);
/* Weight of the neural model's output in the mix of each head (the file's
 * blend_tier, blend_intent, blend_domain, blend_score); the n-gram part gets
 * 1 - weight. */
typedef struct cx_ngram_blend {
    double tier, intent, domain, score;
} cx_ngram_blend;
cx_ngram_blend cx_ngram_blends(const cx_ngram *m);
/* The NGRAM_OUTPUTS linear outputs of a text: tier and intent logits, domain
 * logits, the score. Thread-safe (the model is read-only). */
int cx_ngram_logits(const cx_ngram *m, const char *text, size_t len, float out[NGRAM_OUTPUTS], cx_error *err);

#endif
