/* complexity quantize: a fp32 model -> the INT8 engine's file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "complexity/fileio.h"

static const char *const CMD = "quantize";

static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity quantize [--model PATH] [-o FILE] [--weights best_model|final_model]\n\n"
            "Quantizes a trained model for the INT8 engine (int8 weights, per-tensor scales) and\n"
            "writes it as a safetensors file that `complexity classify --model FILE` runs.\n\n"
            "  --model PATH   a training output folder or a .safetensors file (default training/output)\n"
            "  -o FILE        output (default: model_int8.safetensors in the model's folder, beside\n"
            "                 its tokenizer/ and config.json)\n"
            "  --weights W    in a folder: best_model (default) or final_model\n");
}

static long long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int cmd_quantize(int argc, char **argv) {
    static const struct option longopts[] = {{"model", required_argument, 0, 'm'},
                                             {"output", required_argument, 0, 'o'},
                                             {"weights", required_argument, 0, 'w'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    const char *model = "training/output", *output = NULL, *weights = "best_model";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'o': output = optarg; break;
        case 'w': weights = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        default: return cli_usage_error(CMD, "unknown option");
        }
    }
    if (optind < argc) return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    if (strcmp(weights, "best_model") && strcmp(weights, "final_model"))
        return cli_usage_error(CMD, "--weights must be best_model or final_model");
    struct stat st;
    int is_dir = stat(model, &st) == 0 && S_ISDIR(st.st_mode);
    char file[64];
    snprintf(file, sizeof file, "%s.safetensors", weights);
    char *src = is_dir ? cx_path_join(model, file) : strdup(model);
    char *dir = is_dir ? strdup(model) : cx_dirname(model);
    char *dst = output ? strdup(output) : cx_path_join(dir, "model_int8.safetensors");
    cx_error err = {0, ""};
    cx_model *m = NULL;
    cx_engine *e = NULL;
    int rc = src && dir && dst ? CLI_OK : cli_fail(CMD, "out of memory");
    if (rc == CLI_OK && (cx_model_load(src, NULL, &m, &err) || cx_engine_from_model(m, &e, &err) ||
                         cx_engine_save(e, dst, &err)))
        rc = cli_fail_err(CMD, &err);
    if (rc == CLI_OK) {
        long long a = file_size(src), b = file_size(dst);
        printf("%s: %.1f MB -> %s: %.1f MB (%.1fx smaller)\n", src, a / 1e6, dst, b / 1e6, b > 0 ? (double)a / b : 0.0);
    }
    cx_engine_free(e);
    cx_model_free(m);
    free(src);
    free(dir);
    free(dst);
    return rc;
}
