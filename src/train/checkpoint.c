#include "train/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_int.h"
#include "model/safetensors.h"
#include "complexity/common.h"

enum { N_META = 8 };

static void fmt_meta(char buf[N_META][64], const ckpt_state *st) {
    snprintf(buf[0], 64, "%ld", st->step);
    snprintf(buf[1], 64, "%.17g", st->best_metric);
    snprintf(buf[2], 64, "%.17g", st->epoch_loss_sum);
    snprintf(buf[3], 64, "%ld", st->n_records);
    snprintf(buf[4], 64, "%d", st->batch_size);
    snprintf(buf[5], 64, "%d", st->freeze);
    snprintf(buf[6], 64, "%d", st->epochs);
    snprintf(buf[7], 64, "%llu", st->seed);
}

static const char *const meta_keys[N_META] = {"step",      "best_metric", "epoch_loss_sum", "n_records",
                                              "batch_size", "freeze",     "epochs",         "seed"};

int ckpt_save(const char *path, const cx_model *model, const float *m, const float *v, size_t n_trainable,
              const ckpt_state *st, cx_error *err) {
    int n = cx_model_n_tensors(model);
    st_out *t = calloc((size_t)n + 2, sizeof *t);
    if (!t) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    const float *params = cx_model_params((cx_model *)model);
    for (int i = 0; i < n; i++) {
        size_t off;
        int shape[2];
        cx_model_tensor(model, i, &t[i].name, &off, &t[i].ndim, shape);
        t[i].data = params + off;
        for (int d = 0; d < t[i].ndim; d++) t[i].shape[d] = shape[d];
    }
    int count = n;
    if (m && v) {
        t[count++] = (st_out){"optimizer.exp_avg", m, 1, {(int64_t)n_trainable}};
        t[count++] = (st_out){"optimizer.exp_avg_sq", v, 1, {(int64_t)n_trainable}};
    }
    char vals[N_META][64];
    const char *meta[2 * N_META];
    int n_meta = 0;
    if (st) {
        fmt_meta(vals, st);
        for (int i = 0; i < N_META; i++) {
            meta[2 * i] = meta_keys[i];
            meta[2 * i + 1] = vals[i];
        }
        n_meta = N_META;
    }
    int rc = st_write(path, t, count, meta, n_meta, err);
    free(t);
    return rc;
}

static int meta_number(const st_file *f, const char *path, const char *key, double *out, cx_error *err) {
    const char *s = st_meta(f, key);
    char *end;
    if (!s) return cx_error_set(err, CX_ERR_FORMAT, "%s: not a training checkpoint (no '%s' in its metadata)", path, key);
    *out = strtod(s, &end);
    if (end == s || *end) return cx_error_set(err, CX_ERR_FORMAT, "%s: metadata '%s' is not a number", path, key);
    return CX_OK;
}

int ckpt_read_state(const char *path, ckpt_state *st, cx_error *err) {
    st_file *f;
    int rc = st_open(&f, path, err);
    if (rc) return rc;
    double vals[N_META] = {0};
    for (int i = 0; i < N_META && rc == CX_OK; i++) rc = meta_number(f, path, meta_keys[i], &vals[i], err);
    if (rc == CX_OK) {
        st->step = (long)vals[0];
        st->best_metric = vals[1];
        st->epoch_loss_sum = vals[2];
        st->n_records = (long)vals[3];
        st->batch_size = (int)vals[4];
        st->freeze = (int)vals[5];
        st->epochs = (int)vals[6];
        st->seed = strtoull(st_meta(f, "seed"), NULL, 10);
    }
    st_close(f);
    return rc;
}

int ckpt_load(const char *path, cx_model *model, float *m, float *v, size_t n_trainable, cx_error *err) {
    st_file *f;
    int rc = st_open(&f, path, err);
    if (rc) return rc;
    rc = model_read_tensors(model, f, path, err);
    const st_tensor *tm = rc ? NULL : st_find(f, "optimizer.exp_avg");
    const st_tensor *tv = rc ? NULL : st_find(f, "optimizer.exp_avg_sq");
    if (rc == CX_OK && (!tm || !tv))
        rc = cx_error_set(err, CX_ERR_FORMAT, "%s: checkpoint has no optimizer state", path);
    if (rc == CX_OK) rc = st_read_f32(f, tm, m, n_trainable, err);
    if (rc == CX_OK) rc = st_read_f32(f, tv, v, n_trainable, err);
    st_close(f);
    return rc;
}
