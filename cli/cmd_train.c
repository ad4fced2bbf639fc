/* complexity train: fine-tunes DistilBERT with the four heads (or trains a
 * smaller encoder from scratch), as the seed's training/train.py with the
 * same flags and defaults, correct and fast. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "complexity/hub.h"
#include "complexity/train.h"
#include "progress.h"

static const char *const CMD = "train";
static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity train --data FILE [--data FILE ...] [--weight NAME=K ...] [--val FILE]\n"
            "                        [-o DIR] [--epochs N] [--batch-size N]\n"
            "                        [--lr X] [--freeze-layers N] [--max-length N] [--warmup-steps N]\n"
            "                        [--device auto|cpu|cuda] [--base DIR|NAME|none] [--arch PRESET]\n"
            "                        [--vocab DIR] [--resume] [--seed N] [--threads N]\n"
            "                        [--precision auto|fp32|bf16] [--loss-weights S,T,D,I]\n\n"
            "Trains the complexity classifier: a DistilBERT encoder with score, tier, domain and\n"
            "intent heads. Writes best_model / final_model / checkpoint (.safetensors), config.json,\n"
            "tokenizer/ and metrics.jsonl into the output folder.\n\n"
            "  --data FILE            training data, JSONL (required; repeat for several files,\n"
            "                         up to 16)\n"
            "  --weight NAME=K        each record of the --data file NAME counts K times per epoch\n"
            "                         (1..100; default 1). NAME: the file's path, or its name\n"
            "                         without folder and extension (labelled for\n"
            "                         logs/labelled.jsonl). Repeat, or NAME=K,NAME=K\n"
            "  --val FILE             validation data; best_model = lowest validation score MAE\n"
            "  -o, --output DIR       output folder (default training/output)\n"
            "  --epochs N             (default 5)\n"
            "  --batch-size N         (default 32)\n"
            "  --lr X                 encoder learning rate; heads use 5x (default 2e-5;\n"
            "                         5e-4 with --base none)\n"
            "  --freeze-layers N      freeze the embeddings and the first N layers (default 4;\n"
            "                         0 with --base none)\n"
            "  --max-length N         truncate prompts to N tokens (default 256)\n"
            "  --warmup-steps N       linear warmup steps, then cosine decay (default 100)\n"
            "  --device D             auto, cpu or cuda (default auto: cpu in this build)\n"
            "  --base B               Hugging Face DistilBERT: a folder (config.json, model.safetensors,\n"
            "                         vocab.txt and/or tokenizer.json) or a Hub name fetched once into\n"
            "                         the cache (default distilbert-base-multilingual-cased);\n"
            "                         none = train from scratch (needs --vocab)\n"
            "  --arch PRESET          architecture from scratch: tiny, mini, small, distilbert (default small)\n"
            "  --vocab DIR            tokenizer for training from scratch (complexity build-vocab)\n"
            "  --resume               continue from the output folder's checkpoint\n"
            "  --seed N               (default 42)\n"
            "  --threads N            CPU threads (default: all cores)\n"
            "  --cache-mb N           memory for cached frozen activations (default 4096)\n"
            "  --precision P          GEMMs of the encoder layers: fp32, or bf16 with fp32\n"
            "                         accumulation and fp32 weights (4-5x faster on AMX);\n"
            "                         auto = bf16 where the CPU has AMX-BF16 or AVX512-BF16\n"
            "                         and the model is at least 256 wide (default auto)\n"
            "  --loss-weights S,T,D,I weights of the score MSE, tier CE, domain BCE and intent CE\n"
            "                         losses (default: the seed's 0.4,0.3,0.15,0.15)\n"
            "Ctrl-C saves a checkpoint and stops; --resume continues exactly where it stopped.\n");
}

typedef struct train_cli {
    progress bar;
    const char *phase;
    int epochs;
} train_cli;

static void on_progress(void *ctx, const cx_train_progress *p) {
    train_cli *c = ctx;
    if (c->phase != p->phase) {
        char label[64];
        if (strcmp(p->phase, "cache") == 0) snprintf(label, sizeof label, "caching frozen layers");
        else snprintf(label, sizeof label, "epoch %d/%d %s", p->epoch, p->epochs, p->phase);
        progress_start(&c->bar, label, p->epoch_steps);
        c->phase = p->phase;
    }
    char extra[96] = "";
    if (strcmp(p->phase, "train") == 0) snprintf(extra, sizeof extra, "loss %.4f lr %.2e", p->loss, p->lr);
    progress_update(&c->bar, p->epoch_step, extra);
}

static void on_epoch(void *ctx, const cx_epoch_report *r) {
    train_cli *c = ctx;
    progress_end(&c->bar);
    c->phase = NULL;
    printf("epoch %d/%d: train loss %.4f", r->epoch, c->epochs, r->train_loss);
    if (!isnan(r->val_mae))
        printf(", val loss %.4f, score MAE %.4f, tier %.2f%%, intent %.2f%%, domain F1 %.2f%%", r->val_loss,
               r->val_mae, 100 * r->val_tier_acc, 100 * r->val_intent_acc, 100 * r->val_domain_f1);
    printf(" (%.1f s)%s\n", r->seconds, r->is_best ? " *best*" : "");
    fflush(stdout);
}

static void on_message(void *ctx, const char *line) {
    train_cli *c = ctx;
    progress_end(&c->bar);
    c->phase = NULL;
    printf("%s\n", line);
    fflush(stdout);
}

static int parse_int(const char *flag, const char *arg, int min, int *out) {
    size_t v;
    if (cli_parse_size(CMD, flag, arg, (size_t)min, &v)) return -1;
    if (v > 1000000000) return cli_usage_error(CMD, "%s: %s is too large", flag, arg), -1;
    *out = (int)v;
    return 0;
}

enum { O_DATA = 256, O_WEIGHT, O_VAL, O_EPOCHS, O_BATCH, O_LR, O_FREEZE, O_MAXLEN, O_DEVICE, O_WARMUP, O_BASE, O_ARCH,
       O_VOCAB, O_RESUME, O_SEED, O_THREADS, O_CACHE, O_PRECISION, O_LOSS_WEIGHTS };

/* Which of the seed's defaults the user overrode. */
typedef struct given { int lr, freeze; } given;

/* The --data files and the --weight requests, matched after parsing. */
typedef struct data_args {
    cx_train_data files[CX_MAX_TRAIN_FILES];
    int n_files;
    const char *weights[CX_MAX_TRAIN_FILES]; /* the --weight arguments */
    int n_weights;
} data_args;

static int add_data(data_args *d, const char *path) {
    if (d->n_files == CX_MAX_TRAIN_FILES)
        return cli_usage_error(CMD, "--data: at most %d files", CX_MAX_TRAIN_FILES);
    d->files[d->n_files++] = (cx_train_data){path, 1};
    return CLI_OK;
}

static int add_weight(data_args *d, const char *arg) {
    if (d->n_weights == CX_MAX_TRAIN_FILES)
        return cli_usage_error(CMD, "--weight: at most %d", CX_MAX_TRAIN_FILES);
    d->weights[d->n_weights++] = arg;
    return CLI_OK;
}

/* Does NAME (len bytes) name this path: the path itself, or its last
 * component without its extension? */
static int names_file(const char *name, size_t len, const char *path) {
    if (strlen(path) == len && memcmp(path, name, len) == 0) return 1;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    return stem == len && memcmp(base, name, len) == 0;
}

/* One NAME=K item (ends at ',' or NUL); *next is set past it. */
static int apply_weight(data_args *d, const char *item, const char **next) {
    const char *eq = strchr(item, '='), *end = strchr(item, ',');
    if (!end) end = item + strlen(item);
    if (!eq || eq > end || eq == item)
        return cli_usage_error(CMD, "--weight: expected NAME=K, got '%.*s'", (int)(end - item), item);
    char *num_end;
    long k = strtol(eq + 1, &num_end, 10);
    if (num_end != end || k < 1 || k > CX_MAX_DATA_WEIGHT)
        return cli_usage_error(CMD, "--weight %.*s: K must be a whole number in 1..%d", (int)(end - item), item,
                               CX_MAX_DATA_WEIGHT);
    size_t len = (size_t)(eq - item);
    int found = -1;
    for (int i = 0; i < d->n_files; i++)
        if (names_file(item, len, d->files[i].path)) {
            if (found >= 0)
                return cli_usage_error(CMD, "--weight %.*s: both %s and %s are called that; give the path",
                                       (int)len, item, d->files[found].path, d->files[i].path);
            found = i;
        }
    if (found < 0) return cli_usage_error(CMD, "--weight: no --data file is called '%.*s'", (int)len, item);
    d->files[found].weight = (int)k;
    *next = *end ? end + 1 : end;
    return CLI_OK;
}

static int apply_weights(data_args *d) {
    for (int w = 0; w < d->n_weights; w++)
        for (const char *p = d->weights[w]; *p;)
            if (apply_weight(d, p, &p)) return CLI_USAGE;
    return CLI_OK;
}

/* "S,T,D,I": four numbers in [0, 100], not all 0. */
static int parse_loss_weights(const char *s, float w[4]) {
    const char *p = s;
    double sum = 0;
    for (int k = 0; k < 4; k++) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !(v >= 0 && v <= 100) || *end != (k < 3 ? ',' : '\0'))
            return cli_usage_error(CMD, "--loss-weights: expected four numbers in [0, 100] as S,T,D,I, got '%s'", s);
        w[k] = (float)v;
        sum += v;
        p = end + 1;
    }
    if (sum <= 0) return cli_usage_error(CMD, "--loss-weights: all four are 0");
    return CLI_OK;
}

static int parse_args(int argc, char **argv, cx_train_options *o, data_args *d, const char **base,
                      const char **device, given *g) {
    static const struct option longopts[] = {
        {"data", required_argument, 0, O_DATA}, {"weight", required_argument, 0, O_WEIGHT},
        {"val", required_argument, 0, O_VAL},
        {"output", required_argument, 0, 'o'}, {"epochs", required_argument, 0, O_EPOCHS},
        {"batch-size", required_argument, 0, O_BATCH}, {"lr", required_argument, 0, O_LR},
        {"freeze-layers", required_argument, 0, O_FREEZE}, {"max-length", required_argument, 0, O_MAXLEN},
        {"device", required_argument, 0, O_DEVICE}, {"warmup-steps", required_argument, 0, O_WARMUP},
        {"base", required_argument, 0, O_BASE}, {"arch", required_argument, 0, O_ARCH},
        {"vocab", required_argument, 0, O_VOCAB}, {"resume", no_argument, 0, O_RESUME},
        {"seed", required_argument, 0, O_SEED}, {"threads", required_argument, 0, O_THREADS},
        {"cache-mb", required_argument, 0, O_CACHE}, {"precision", required_argument, 0, O_PRECISION},
        {"loss-weights", required_argument, 0, O_LOSS_WEIGHTS}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, bad = 0;
    size_t sz;
    optind = 1;
    while (!bad && (c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_DATA: bad = add_data(d, optarg); break;
        case O_WEIGHT: bad = add_weight(d, optarg); break;
        case O_VAL: o->val_path = optarg; break;
        case 'o': o->output_dir = optarg; break;
        case O_EPOCHS: bad = parse_int("--epochs", optarg, 1, &o->epochs); break;
        case O_BATCH: bad = parse_int("--batch-size", optarg, 1, &o->batch_size); break;
        case O_LR: bad = cli_parse_double(CMD, "--lr", optarg, 1e-9, 1.0, &o->lr); g->lr = 1; break;
        case O_FREEZE: bad = parse_int("--freeze-layers", optarg, 0, &o->freeze_layers); g->freeze = 1; break;
        case O_MAXLEN: bad = parse_int("--max-length", optarg, 2, &o->max_length); break;
        case O_WARMUP: bad = parse_int("--warmup-steps", optarg, 0, &o->warmup_steps); break;
        case O_DEVICE: *device = optarg; break;
        case O_BASE: *base = optarg; break;
        case O_ARCH: o->arch = optarg; break;
        case O_VOCAB: o->vocab_dir = optarg; break;
        case O_RESUME: o->resume = 1; break;
        case O_SEED: bad = cli_parse_u64(CMD, "--seed", optarg, &o->seed); break;
        case O_THREADS: bad = parse_int("--threads", optarg, 1, &o->threads); break;
        case O_CACHE: bad = cli_parse_size(CMD, "--cache-mb", optarg, 1, &sz); o->cache_limit_mb = sz; break;
        case O_PRECISION: bad = cli_parse_precision(CMD, optarg, &o->precision); break;
        case O_LOSS_WEIGHTS: bad = parse_loss_weights(optarg, o->loss_weights); break;
        case 'h': usage(stdout); return -1;
        default: return cli_usage_error(CMD, "unknown option");
        }
    }
    if (bad) return CLI_USAGE;
    if (optind < argc) return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    if (!d->n_files) return cli_usage_error(CMD, "--data is required");
    if (apply_weights(d)) return CLI_USAGE;
    o->data = d->files;
    o->n_data = d->n_files;
    if (strcmp(*device, "auto") && strcmp(*device, "cpu") && strcmp(*device, "cuda"))
        return cli_usage_error(CMD, "--device: expected auto, cpu or cuda, got '%s'", *device);
    return CLI_OK;
}

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cmd_train(int argc, char **argv) {
    cx_train_options o;
    o = cx_train_default_options();
    const char *base = "distilbert-base-multilingual-cased", *device = "auto";
    given g = {0, 0};
    data_args data = {.n_files = 0};
    int rc = parse_args(argc, argv, &o, &data, &base, &device, &g);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (strcmp(base, "none") == 0) {
        /* Random layers learn nothing frozen, and need a larger step than fine-tuning. */
        if (!g.freeze) o.freeze_layers = 0;
        if (!g.lr) o.lr = 5e-4;
    }
    if (strcmp(device, "cuda") == 0)
        return cli_fail(CMD, "--device cuda: this build has no CUDA backend (use --device cpu or auto)");
    cx_error err = {0, ""};
    char *base_dir = NULL;
    if (strcmp(base, "none") != 0) {
        if (is_dir(base)) base_dir = strdup(base);
        else if (cx_hub_fetch(base, NULL, &base_dir, &err) != CX_OK) {
            cli_fail_err(CMD, &err);
            fprintf(stderr, "(here: --base DIR for such a folder, or --base none to train from scratch)\n");
            return CLI_FAIL;
        }
        o.base_dir = base_dir;
        o.base_name = base;
    }
    train_cli ctx = {.epochs = o.epochs};
    progress_init(&ctx.bar, stderr);
    cx_train_callbacks cb = {on_progress, on_epoch, on_message, &ctx};
    o.stop = cli_stop_on_interrupt();
    int interrupted = 0;
    rc = cx_train(&o, &cb, &interrupted, &err);
    progress_end(&ctx.bar);
    free(base_dir);
    if (rc) return cli_fail_err(CMD, &err);
    if (!cli_is_primary_rank()) return interrupted ? 130 : CLI_OK; /* rank 0 speaks for the job */
    if (interrupted) {
        printf("Stopped: checkpoint saved in %s; run again with --resume to continue.\n", o.output_dir);
        return 130;
    }
    printf("Done: %s/best_model.safetensors, final_model.safetensors, config.json, tokenizer/\n", o.output_dir);
    return CLI_OK;
}
