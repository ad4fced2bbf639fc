/* Training (complexity train): the seed's recipe (SPEC §5) done right and
 * fast: per-step warmup + cosine schedule, AdamW with 5x learning rate on the
 * heads, clipping at 1.0, no padding, the frozen part computed once per
 * distinct text and reused across epochs, resumable checkpoints.
 *
 * Output folder (as the seed's, with safetensors instead of .pt):
 *   best_model.safetensors   lowest validation score MAE (train loss without --val)
 *   final_model.safetensors  weights after the last epoch
 *   checkpoint.safetensors   weights + AdamW moments + position, every epoch
 *                            and on interruption; --resume continues from it
 *   config.json              the seed's keys + the architecture
 *   tokenizer/               vocab.txt, tokenizer.json, tokenizer_config.json
 *   metrics.jsonl            one JSON line per epoch */
#ifndef COMPLEXITY_TRAIN_H
#define COMPLEXITY_TRAIN_H

#include <signal.h>
#include <stdint.h>

#include "complexity/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_train_progress {
    int epoch, epochs;          /* 1-based epoch */
    long step, total_steps;     /* optimizer steps done / planned */
    long epoch_step, epoch_steps;
    double loss;                /* running mean of the epoch's training loss */
    double lr;                  /* encoder learning rate of the last step */
    double elapsed_s;
    const char *phase;          /* "train", "validate", "cache" */
} cx_train_progress;

/* Per-epoch figures, also written to metrics.jsonl. */
typedef struct cx_epoch_report {
    int epoch;
    double train_loss, val_loss;         /* val_* are NaN without validation data */
    double val_mae, val_tier_acc, val_intent_acc, val_domain_f1;
    double seconds;
    int is_best;
} cx_epoch_report;

typedef struct cx_train_callbacks {
    void (*progress)(void *ctx, const cx_train_progress *p);   /* often; may be NULL */
    void (*epoch_done)(void *ctx, const cx_epoch_report *r);   /* may be NULL */
    void (*message)(void *ctx, const char *line);              /* one-off notes; may be NULL */
    void *ctx;
} cx_train_callbacks;

/* GEMM precision of the encoder layers. AUTO: bf16 where the CPU runs it
 * natively (cx_bf16_supported) and the model is at least 256 wide, else fp32. Weights, optimizer state and every
 * other operation stay fp32 either way. */
typedef enum { CX_PRECISION_AUTO = 0, CX_PRECISION_FP32, CX_PRECISION_BF16 } cx_precision;

/* A training file and its weight: each of its records counts `weight` times
 * per epoch (it is seen that often, in shuffled order), so a small file of
 * one's own labels can outweigh a large generated one. */
typedef struct cx_train_data {
    const char *path;
    int weight;                 /* 1..CX_MAX_DATA_WEIGHT */
} cx_train_data;

#define CX_MAX_TRAIN_FILES 16
#define CX_MAX_DATA_WEIGHT 100

typedef struct cx_train_options {
    const cx_train_data *data;  /* required: n_data files, read in order */
    int n_data;                 /* 1..CX_MAX_TRAIN_FILES */
    const char *val_path;       /* NULL: no validation */
    const char *output_dir;     /* "training/output" */
    int epochs;                 /* 5 */
    int batch_size;             /* 32 */
    double lr;                  /* 2e-5; heads at 5x */
    int freeze_layers;          /* 4 */
    int max_length;             /* 256 */
    int warmup_steps;           /* 100 */
    const char *base_dir;       /* Hugging Face DistilBERT folder, or NULL to train from scratch */
    const char *arch;           /* preset when base_dir is NULL ("tiny", "mini", "small", "distilbert") */
    const char *vocab_dir;      /* tokenizer when base_dir is NULL */
    int resume;                 /* continue from output_dir/checkpoint.safetensors */
    uint64_t seed;              /* 42 */
    int threads;                /* 0: all cores */
    size_t cache_limit_mb;      /* memory for cached frozen activations; 0: default */
    volatile sig_atomic_t *stop; /* set to non-zero (e.g. by SIGINT) to checkpoint and stop */
    const char *base_name;      /* written as config.json's base_model (default base_dir or "none") */
    cx_precision precision;     /* AUTO */
    float loss_weights[CX_N_LOSSES];      /* score MSE, tier CE, domain BCE, intent CE; all 0 = the
                                   seed's 0.4, 0.3, 0.15, 0.15 */
} cx_train_options;

/* The seed's defaults. */
CX_API cx_train_options cx_train_default_options(void);

/* Runs training. Under MPI (started by mpirun, or MPI initialised by the
 * host) the call is collective and data-parallel: every rank trains the same
 * model on its share of each global batch; rank 0 alone writes and calls the
 * callbacks (docs/SCALING.md). Returns CX_OK when all epochs ran, and also when *stop was
 * raised: then the checkpoint is written, *interrupted is 1, and --resume
 * continues exactly where it stopped. */
CX_API int cx_train(const cx_train_options *o, const cx_train_callbacks *cb, int *interrupted, cx_error *err);

/* ---- Masked-language-model pretraining (complexity pretrain): the encoder
 * learns from unlabelled text before `train --base DIR` fine-tunes it. 15% of
 * each text's word pieces are chosen (at least one); of those 80% become
 * [MASK], 10% a random piece, 10% stay; the loss is the cross-entropy of
 * guessing the chosen pieces back through Hugging Face's DistilBertForMaskedLM
 * head (tied to the word embeddings). Steps are drawn from a shuffled order
 * of the texts, epoch after epoch; the masks of step s depend only on (seed,
 * s), so a resumed run continues exactly.
 *
 * Output folder, a Hugging Face DistilBertForMaskedLM (train --base loads it):
 *   config.json, model.safetensors   the encoder (distilbert.*) and the MLM head
 *   vocab.txt, tokenizer.json, ...   the tokenizer
 *   pretrain_checkpoint.safetensors  weights + AdamW moments + step, every
 *                                    save_every steps and on interruption
 *   pretrain.jsonl                   one line per save: step, loss, accuracy */
typedef struct cx_pretrain_options {
    const char *const *data;    /* required: n_data JSONL files of records with a "text" string */
    int n_data;                 /* 1..CX_MAX_TRAIN_FILES */
    const char *output_dir;     /* "training/pretrain" */
    const char *arch;           /* "mini" */
    const char *vocab_dir;      /* required: the tokenizer (complexity build-vocab) */
    long steps;                 /* optimizer steps (2000) */
    int batch_size;             /* texts per step (64) */
    int max_length;             /* pieces per text, [CLS] and [SEP] included (128) */
    double lr;                  /* peak learning rate (5e-4), linear warmup then cosine */
    int warmup_steps;           /* 100 (at most steps / 5) */
    double mask_prob;           /* 0.15 */
    int save_every;             /* steps between checkpoints (250) */
    int resume;                 /* continue from output_dir/pretrain_checkpoint.safetensors */
    uint64_t seed;              /* 42 */
    int threads;                /* 0: all cores */
    cx_precision precision;     /* AUTO */
    volatile sig_atomic_t *stop; /* set to non-zero to checkpoint and stop */
} cx_pretrain_options;

CX_API cx_pretrain_options cx_pretrain_default_options(void);

/* Runs pretraining; progress (phase "pretrain", epoch 1 of 1) and a message
 * per save through cb. CX_OK when all steps ran, and also when *stop was
 * raised: then the checkpoint and the folder are written and *interrupted is 1. */
CX_API int cx_pretrain(const cx_pretrain_options *o, const cx_train_callbacks *cb, int *interrupted,
                       cx_error *err);

#ifdef __cplusplus
}
#endif
#endif
