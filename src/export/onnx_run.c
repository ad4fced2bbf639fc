/* cx_onnx_run / cx_onnx_verify: an exported file run by the reference
 * interpreter, and compared with the model it came from. */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "complexity/labels.h"
#include "complexity/onnx_export.h"
#include "export/onnx_eval.h"
#include "complexity/common.h"

/* Decodes path (checked first by cx_onnx_check). */
static int decode(const char *path, Onnx__ModelProto **out, cx_error *err) {
    int rc = cx_onnx_check(path, NULL, err);
    if (rc) return rc;
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) close(fd);
        return cx_error_set(err, CX_ERR_IO, "%s: cannot open", path);
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return cx_error_set(err, CX_ERR_IO, "%s: cannot map", path);
    *out = onnx__model_proto__unpack(NULL, (size_t)st.st_size, map);
    munmap(map, (size_t)st.st_size);
    return *out ? CX_OK : cx_error_set(err, CX_ERR_FORMAT, "%s: not an ONNX model", path);
}

int cx_onnx_run(const char *path, const int64_t *ids, const int64_t *mask, int batch, int seq, cx_onnx_result *r,
                cx_error *err) {
    if (batch < 1 || seq < 1) return cx_error_set(err, CX_ERR_INVALID, "batch and seq must be positive");
    Onnx__ModelProto *m = NULL;
    int rc = decode(path, &m, err);
    if (rc) return rc;
    const char *names[2] = {"input_ids", "attention_mask"};
    et in[2];
    for (int i = 0; i < 2; i++) {
        memset(&in[i], 0, sizeof in[i]);
        in[i].type = ET_I64;
        in[i].ndim = 2;
        in[i].dims[0] = batch;
        in[i].dims[1] = seq;
        in[i].n = (size_t)batch * seq;
        in[i].data = (void *)(uintptr_t)(i ? mask : ids); /* only read */
    }
    et out[4];
    rc = onnx_eval(m->graph, names, in, 2, out, 4, err);
    const int evaluated = rc == CX_OK;
    const size_t width[4] = {1, CX_N_TIERS, CX_N_DOMAINS, CX_N_INTENTS};
    float *dst[4] = {r->score, r->tier_logits, r->domain_logits, r->intent_logits};
    for (int k = 0; rc == CX_OK && k < 4; k++) {
        if (out[k].type != ET_F32 || out[k].n != (size_t)batch * width[k])
            rc = cx_error_set(err, CX_ERR_FORMAT, "%s: output %d has %zu values, expected %zu", path, k, out[k].n,
                              (size_t)batch * width[k]);
        else memcpy(dst[k], out[k].data, out[k].n * sizeof(float));
    }
    for (int k = 0; evaluated && k < 4; k++) et_release(&out[k]);
    onnx__model_proto__free_unpacked(m, NULL);
    if (rc) cx_error_prefix(err, "%s", path);
    return rc;
}

enum { VB = 2 }; /* verification batch: one full-length row, one padded */

int cx_onnx_verify(const cx_model *m, const char *path, double *max_diff, cx_error *err) {
    const cx_model_config *c = cx_model_get_config(m);
    const int T = c->max_positions < 12 ? c->max_positions : 12, len[VB] = {T, T < 5 ? T : 5};
    int64_t ids[VB * 12] = {0}, mask[VB * 12] = {0};
    int32_t packed[VB * 12];
    int n = 0;
    for (int b = 0; b < VB; b++)
        for (int t = 0; t < len[b]; t++) {
            int64_t id = t == 0 && c->vocab_size > 101 ? 101 : (int64_t)((t * 7919 + b * 104729 + 13) % c->vocab_size);
            ids[b * T + t] = id;
            mask[b * T + t] = 1;
            packed[n++] = (int32_t)id;
        }
    float sc[VB], tier[VB * CX_N_TIERS], dom[VB * CX_N_DOMAINS], intent[VB * CX_N_INTENTS];
    cx_onnx_result r = {sc, tier, dom, intent};
    int rc = cx_onnx_run(path, ids, mask, VB, T, &r, err);
    if (rc) return rc;
    cx_model_ws *ws = NULL;
    cx_ws_options wo = {.max_seqs = VB, .max_tokens = (size_t)n, .max_len = T};
    cx_model_outputs o;
    cx_model_batch batch = {VB, len, packed, NULL};
    rc = cx_ws_open(m, &wo, &ws, err);
    if (rc == CX_OK) rc = cx_model_forward(m, ws, &batch, NULL, 0, 0, NULL, NULL, &o, err);
    if (rc == CX_OK) {
        const float *ours[4] = {o.score, o.tier_logits, o.domain_logits, o.intent_logits};
        const float *theirs[4] = {sc, tier, dom, intent};
        const int width[4] = {1, CX_N_TIERS, CX_N_DOMAINS, CX_N_INTENTS};
        double d = 0;
        for (int k = 0; k < 4; k++)
            for (int i = 0; i < VB * width[k]; i++) {
                double e = fabs((double)ours[k][i] - theirs[k][i]);
                d = e > d || e != e ? e : d; /* NaN counts as worst */
            }
        *max_diff = d;
    }
    cx_ws_free(ws);
    return rc;
}
