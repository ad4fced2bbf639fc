/* complexity export-onnx: a training output folder -> complexity_model.onnx
 * (fp32) and complexity_model_int8.onnx, checked by re-reading them;
 * --install copies the deploy artifact into models/ (SPEC §6). */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "complexity/classifier.h"
#include "complexity/onnx_export.h"
#include "complexity/common.h"
#include "complexity/fileio.h"

static const char *const CMD = "export-onnx";

static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity export-onnx --model DIR [-o DIR] [--weights best_model|final_model]\n"
            "                              [--no-quantize] [--install] [--models-dir DIR]\n\n"
            "Exports a trained model (config.json, WEIGHTS.safetensors, tokenizer/) to ONNX:\n"
            "complexity_model.onnx (fp32) and complexity_model_int8.onnx (dynamic INT8 as ONNX\n"
            "Runtime's quantize_dynamic writes it), inputs input_ids/attention_mask (int64\n"
            "[batch, seq]), outputs score, tier_logits, domain_logits, intent_logits. Each file is\n"
            "re-read and checked; sizes and the INT8 reduction are printed.\n\n"
            "  --model DIR        training output folder (required)\n"
            "  -o, --output DIR   where to write (default: the model folder)\n"
            "  --weights NAME     best_model (default) or final_model\n"
            "  --no-quantize      write only the fp32 file\n"
            "  --install          copy the model (INT8, or fp32 with --no-quantize) and tokenizer to\n"
            "                     MODELS/complexity_model_int8.onnx and MODELS/complexity_tokenizer/,\n"
            "                     and the folder's n-gram part (" CX_NGRAM_FILE ") beside them;\n"
            "                     an earlier model's n-gram part there is removed when it has none\n"
            "  --models-dir DIR   MODELS for --install (default models)\n");
}

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Copies src to dst atomically. */
static int copy_file(const char *src, const char *dst, cx_error *err) {
    FILE *in = fopen(src, "rb");
    if (!in) return cx_error_set(err, CX_ERR_IO, "%s: cannot open", src);
    cx_afile af;
    int rc = cx_afile_open(&af, dst, err);
    char buf[1 << 16];
    size_t n;
    while (rc == CX_OK && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, af.f) != n) rc = cx_error_set(err, CX_ERR_IO, "%s: write failed", dst);
    if (rc == CX_OK && ferror(in)) rc = cx_error_set(err, CX_ERR_IO, "%s: read failed", src);
    fclose(in);
    if (rc == CX_OK) return cx_afile_commit(&af, err);
    cx_afile_abort(&af);
    return rc;
}

/* Copies every regular file of src_dir into dst_dir. */
static int copy_dir(const char *src_dir, const char *dst_dir, cx_error *err) {
    DIR *d = opendir(src_dir);
    if (!d) return cx_error_set(err, CX_ERR_IO, "%s: cannot open the tokenizer folder", src_dir);
    int rc = cx_mkdirs(dst_dir, err);
    struct dirent *e;
    while (rc == CX_OK && (e = readdir(d))) {
        char *src = cx_path_join(src_dir, e->d_name), *dst = cx_path_join(dst_dir, e->d_name);
        struct stat st;
        if (!src || !dst) rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
        else if (e->d_name[0] != '.' && stat(src, &st) == 0 && S_ISREG(st.st_mode)) rc = copy_file(src, dst, err);
        free(src);
        free(dst);
    }
    closedir(d);
    return rc;
}

static long file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

/* Writes one file, re-reads and checks it, prints what it holds. */
static int export_one(const cx_model *m, const char *path, int int8, cx_error *err) {
    int rc = cx_onnx_export(m, path, int8, err);
    cx_onnx_summary s;
    if (rc == CX_OK) rc = cx_onnx_check(path, &s, err);
    if (rc) return rc;
    printf("%s: %.2f MB, %zu nodes, %zu weights (%zu int8), %d layers, IR %lld, opset %lld: checked\n", path,
           (double)s.file_bytes / 1e6, s.n_nodes, s.n_weights, s.n_int8_weights, s.n_layers,
           (long long)s.ir_version, (long long)s.opset);
    /* run it: fp32 must reproduce the model; INT8 differs by its rounding */
    double d;
    if ((rc = cx_onnx_verify(m, path, &d, err))) return rc;
    printf("  ran it (reference interpreter, padded batch of 2): max |onnx - native| = %.3g\n", d);
    if (!(d <= (int8 ? 1.0 : 1e-4)))
        return cx_error_set(err, CX_ERR_INTERNAL, "%s: outputs differ from the model by %g", path, d);
    return CX_OK;
}

typedef struct opts {
    const char *model, *out, *weights, *models_dir;
    int quantize, install;
} opts;

static int parse(int argc, char **argv, opts *o) {
    static const struct option longopts[] = {
        {"model", required_argument, 0, 'm'},  {"output", required_argument, 0, 'o'},
        {"weights", required_argument, 0, 'w'}, {"no-quantize", no_argument, 0, 'n'},
        {"install", no_argument, 0, 'i'},       {"models-dir", required_argument, 0, 'M'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': o->model = optarg; break;
        case 'o': o->out = optarg; break;
        case 'w': o->weights = optarg; break;
        case 'n': o->quantize = 0; break;
        case 'i': o->install = 1; break;
        case 'M': o->models_dir = optarg; break;
        case 'h': usage(stdout); return -1;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (optind < argc) return cli_usage_error(CMD, "unexpected argument %s", argv[optind]);
    if (!o->model) return cli_usage_error(CMD, "--model DIR is required");
    if (strcmp(o->weights, "best_model") != 0 && strcmp(o->weights, "final_model") != 0)
        return cli_usage_error(CMD, "--weights must be best_model or final_model, not %s", o->weights);
    if (!o->out) o->out = o->model;
    return CLI_OK;
}

/* The model folder's n-gram part goes beside the installed model; without one,
 * an installed part of an earlier model is removed, since the classifier
 * would mix it into a model it was not made for. */
static int install_ngram(const opts *o, cx_error *err) {
    char *src = cx_path_join(o->model, CX_NGRAM_FILE), *dst = cx_path_join(o->models_dir, CX_NGRAM_FILE);
    int rc = src && dst ? CX_OK : cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    struct stat st;
    if (rc == CX_OK && stat(src, &st) == 0) {
        rc = copy_file(src, dst, err);
        if (rc == CX_OK) printf("installed %s\n", dst);
    } else if (rc == CX_OK && stat(dst, &st) == 0) {
        if (remove(dst) != 0) rc = cx_error_set(err, CX_ERR_IO, "%s: cannot remove the earlier model's n-gram part", dst);
        else printf("removed %s (the earlier model's n-gram part; %s has none)\n", dst, o->model);
    }
    free(src);
    free(dst);
    return rc;
}

static int install(const opts *o, const char *model_file, const char *tok_dir, cx_error *err) {
    char *dst = cx_path_join(o->models_dir, o->quantize ? "complexity_model_int8.onnx" : "complexity_model.onnx");
    char *tok_dst = cx_path_join(o->models_dir, "complexity_tokenizer");
    int rc = dst && tok_dst ? cx_mkdirs(o->models_dir, err) : cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    if (rc == CX_OK) rc = copy_file(model_file, dst, err);
    if (rc == CX_OK) rc = copy_dir(tok_dir, tok_dst, err);
    if (rc == CX_OK) printf("installed %s and %s/\n", dst, tok_dst);
    if (rc == CX_OK) rc = install_ngram(o, err);
    free(dst);
    free(tok_dst);
    return rc;
}

/* The tokenizer must load and fit the model's embedding table. */
static int check_tokenizer(const char *dir, const cx_model *m, cx_error *err) {
    cx_tokenizer *tok = NULL;
    int rc = cx_tokenizer_open(dir, &tok, err);
    if (rc == CX_OK && cx_tokenizer_vocab_size(tok) > (size_t)cx_model_get_config(m)->vocab_size)
        rc = cx_error_set(err, CX_ERR_FORMAT, "%s: %zu tokens but the model has only %d embeddings", dir,
                          cx_tokenizer_vocab_size(tok), cx_model_get_config(m)->vocab_size);
    cx_tokenizer_free(tok);
    return rc;
}

static int run(const opts *o, cx_error *err) {
    char wfile[64];
    snprintf(wfile, sizeof wfile, "%s.safetensors", o->weights);
    char *weights = cx_path_join(o->model, wfile), *tok_dir = cx_path_join(o->model, "tokenizer");
    char *fp32 = cx_path_join(o->out, "complexity_model.onnx");
    char *int8 = cx_path_join(o->out, "complexity_model_int8.onnx");
    cx_model *m = NULL;
    int rc = weights && tok_dir && fp32 && int8 ? CX_OK : cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    if (rc == CX_OK && !is_dir(o->model))
        rc = cx_error_set(err, CX_ERR_NOT_FOUND, "%s: no such model folder", o->model);
    if (rc == CX_OK && file_size(weights) < 0)
        rc = cx_error_set(err, CX_ERR_NOT_FOUND, "%s: missing (is %s a training output folder?)", weights, o->model);
    if (rc == CX_OK && !is_dir(tok_dir))
        rc = cx_error_set(err, CX_ERR_NOT_FOUND, "%s: missing: the model folder has no tokenizer", tok_dir);
    if (rc == CX_OK) rc = cx_model_load(weights, NULL, &m, err);
    if (rc == CX_OK) rc = check_tokenizer(tok_dir, m, err);
    if (rc == CX_OK) rc = cx_mkdirs(o->out, err);
    if (rc == CX_OK) rc = export_one(m, fp32, 0, err);
    if (rc == CX_OK && o->quantize) rc = export_one(m, int8, 1, err);
    if (rc == CX_OK && o->quantize) {
        long a = file_size(fp32), b = file_size(int8);
        printf("size: %.2f MB -> %.2f MB (%.1f%% smaller)\n", a / 1e6, b / 1e6, a > 0 ? 100.0 * (a - b) / a : 0.0);
    }
    if (rc == CX_OK && o->install) rc = install(o, o->quantize ? int8 : fp32, tok_dir, err);
    cx_model_free(m);
    free(weights);
    free(tok_dir);
    free(fp32);
    free(int8);
    return rc;
}

int cmd_export_onnx(int argc, char **argv) {
    opts o = {NULL, NULL, "best_model", "models", 1, 0};
    int rc = parse(argc, argv, &o);
    if (rc) return rc < 0 ? CLI_OK : rc;
    cx_error err = {0, ""};
    return run(&o, &err) == CX_OK ? CLI_OK : cli_fail_err(CMD, &err);
}
