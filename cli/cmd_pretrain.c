/* complexity pretrain: masked-LM pretraining of the encoder on unlabelled
 * text (not in the seed), whose output folder `train --base DIR` fine-tunes. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "complexity/train.h"
#include "progress.h"

static const char *const CMD = "pretrain";
static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity pretrain --data FILE [--data FILE ...] --vocab DIR [-o DIR]\n"
            "                           [--arch PRESET] [--steps N] [--batch-size N] [--max-length N]\n"
            "                           [--lr X] [--warmup-steps N] [--mask-prob P] [--save-every N]\n"
            "                           [--resume] [--seed N] [--threads N] [--precision auto|fp32|bf16]\n\n"
            "Pretrains the encoder as a masked language model on unlabelled text: 15%% of each\n"
            "text's word pieces are hidden and guessed back. Writes a Hugging Face\n"
            "DistilBertForMaskedLM folder (config.json, model.safetensors, the tokenizer) that\n"
            "`complexity train --base DIR --freeze-layers 0` fine-tunes, plus\n"
            "pretrain_checkpoint.safetensors and pretrain.jsonl (loss and accuracy per save).\n\n"
            "  --data FILE         JSONL, one {\"text\": ...} per line (required; up to 16 files)\n"
            "  --vocab DIR         the tokenizer (complexity build-vocab; required)\n"
            "  -o, --output DIR    output folder (default training/pretrain)\n"
            "  --arch PRESET       tiny, mini, small, distilbert (default mini)\n"
            "  --steps N           optimizer steps (default 2000)\n"
            "  --batch-size N      texts per step (default 64)\n"
            "  --max-length N      pieces per text, longer ones cut (default 128)\n"
            "  --lr X              peak learning rate (default 5e-4)\n"
            "  --warmup-steps N    linear warmup, then cosine decay (default 100)\n"
            "  --mask-prob P       share of pieces hidden (default 0.15)\n"
            "  --save-every N      steps between checkpoints (default 250)\n"
            "  --resume            continue from the output folder's checkpoint\n"
            "  --seed N            (default 42)\n"
            "  --threads N         CPU threads (default: all cores)\n"
            "  --precision P       GEMMs in fp32 or bf16 (default auto, as train)\n"
            "Ctrl-C saves a checkpoint and stops; --resume continues exactly where it stopped.\n");
}

/* The bar counts the steps of this run (a resumed run starts past 0) and
 * keeps its clock across the lines printed at each save. */
typedef struct pretrain_cli {
    progress bar;
    int drawing;       /* the bar is on screen */
    int begun;         /* base and t0 are set */
    long base;         /* steps done before this run */
    double t0;
} pretrain_cli;

static void on_progress(void *ctx, const cx_train_progress *p) {
    pretrain_cli *c = ctx;
    if (!c->begun) {
        c->base = p->step - 1;
        c->begun = 1;
        progress_start(&c->bar, "pretrain", p->total_steps - c->base);
        c->t0 = c->bar.t0;
    } else if (!c->drawing) {
        progress_start(&c->bar, "pretrain", p->total_steps - c->base);
        c->bar.t0 = c->t0;
    }
    c->drawing = 1;
    char extra[64];
    snprintf(extra, sizeof extra, "step %ld loss %.4f lr %.2e", p->step, p->loss, p->lr);
    progress_update(&c->bar, p->step - c->base, extra);
}

static void on_message(void *ctx, const char *line) {
    pretrain_cli *c = ctx;
    progress_end(&c->bar);
    c->drawing = 0;
    printf("%s\n", line);
    fflush(stdout);
}

enum { O_DATA = 256, O_VOCAB, O_ARCH, O_STEPS, O_BATCH, O_MAXLEN, O_LR, O_WARMUP, O_MASK, O_SAVE, O_RESUME, O_SEED,
       O_THREADS, O_PRECISION };

static int parse_int(const char *flag, const char *arg, int min, int *out) {
    size_t v;
    if (cli_parse_size(CMD, flag, arg, (size_t)min, &v)) return -1;
    if (v > 1000000000) return cli_usage_error(CMD, "%s: %s is too large", flag, arg), -1;
    *out = (int)v;
    return 0;
}

static int parse_args(int argc, char **argv, cx_pretrain_options *o, const char **data, int *n_data) {
    static const struct option longopts[] = {
        {"data", required_argument, 0, O_DATA}, {"vocab", required_argument, 0, O_VOCAB},
        {"output", required_argument, 0, 'o'}, {"arch", required_argument, 0, O_ARCH},
        {"steps", required_argument, 0, O_STEPS}, {"batch-size", required_argument, 0, O_BATCH},
        {"max-length", required_argument, 0, O_MAXLEN}, {"lr", required_argument, 0, O_LR},
        {"warmup-steps", required_argument, 0, O_WARMUP}, {"mask-prob", required_argument, 0, O_MASK},
        {"save-every", required_argument, 0, O_SAVE}, {"resume", no_argument, 0, O_RESUME},
        {"seed", required_argument, 0, O_SEED}, {"threads", required_argument, 0, O_THREADS},
        {"precision", required_argument, 0, O_PRECISION}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, bad = 0, steps = 0;
    optind = 1;
    while (!bad && (c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_DATA:
            if (*n_data == CX_MAX_TRAIN_FILES) return cli_usage_error(CMD, "--data: at most %d files", CX_MAX_TRAIN_FILES);
            data[(*n_data)++] = optarg;
            break;
        case O_VOCAB: o->vocab_dir = optarg; break;
        case 'o': o->output_dir = optarg; break;
        case O_ARCH: o->arch = optarg; break;
        case O_STEPS: bad = parse_int("--steps", optarg, 1, &steps); o->steps = steps; break;
        case O_BATCH: bad = parse_int("--batch-size", optarg, 1, &o->batch_size); break;
        case O_MAXLEN: bad = parse_int("--max-length", optarg, 3, &o->max_length); break;
        case O_LR: bad = cli_parse_double(CMD, "--lr", optarg, 1e-9, 0.999, &o->lr); break;
        case O_WARMUP: bad = parse_int("--warmup-steps", optarg, 0, &o->warmup_steps); break;
        case O_MASK: bad = cli_parse_double(CMD, "--mask-prob", optarg, 0.01, 0.5, &o->mask_prob); break;
        case O_SAVE: bad = parse_int("--save-every", optarg, 1, &o->save_every); break;
        case O_RESUME: o->resume = 1; break;
        case O_SEED: bad = cli_parse_u64(CMD, "--seed", optarg, &o->seed); break;
        case O_THREADS: bad = parse_int("--threads", optarg, 1, &o->threads); break;
        case O_PRECISION: bad = cli_parse_precision(CMD, optarg, &o->precision); break;
        case 'h': usage(stdout); return -1;
        default: return cli_usage_error(CMD, "unknown option");
        }
    }
    if (bad) return CLI_USAGE;
    if (optind < argc) return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    if (!*n_data) return cli_usage_error(CMD, "--data is required");
    if (!o->vocab_dir) return cli_usage_error(CMD, "--vocab is required (a folder made by complexity build-vocab)");
    o->data = data;
    o->n_data = *n_data;
    return CLI_OK;
}

int cmd_pretrain(int argc, char **argv) {
    cx_pretrain_options o = cx_pretrain_default_options();
    const char *data[CX_MAX_TRAIN_FILES];
    int n_data = 0;
    int rc = parse_args(argc, argv, &o, data, &n_data);
    if (rc) return rc < 0 ? CLI_OK : rc;
    pretrain_cli ctx = {.drawing = 0};
    progress_init(&ctx.bar, stderr);
    cx_train_callbacks cb = {on_progress, NULL, on_message, &ctx};
    o.stop = cli_stop_on_interrupt();
    int interrupted = 0;
    cx_error err = {0, ""};
    rc = cx_pretrain(&o, &cb, &interrupted, &err);
    progress_end(&ctx.bar);
    if (rc) return cli_fail_err(CMD, &err);
    if (interrupted) {
        printf("Stopped: checkpoint saved in %s; run again with --resume to continue.\n", o.output_dir);
        return 130;
    }
    printf("Done: %s (train --base %s --freeze-layers 0 fine-tunes it)\n", o.output_dir, o.output_dir);
    return CLI_OK;
}
