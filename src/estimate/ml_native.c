/* The native classifier (complexity/classifier.h) as the estimator's ML
 * backend. The estimator may call from many threads at once: each prediction
 * borrows a context from a pool (made on demand, one per thread that ever
 * predicted at the same time) and gives it back; the lock guards only the
 * pool's list, never a prediction. */
#include "complexity/estimator.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "complexity/classifier.h"
#include "complexity/common.h"

typedef struct pooled_ctx {
    cx_classifier_ctx *ctx;
    struct pooled_ctx *next;
} pooled_ctx;

typedef struct native_model {
    cx_classifier *classifier;
    pthread_mutex_t mu;   /* guards idle */
    pooled_ctx *idle;     /* contexts no thread is using */
} native_model;

static int native_load(void *ctx, const char *model_path, const char *tokenizer_path, void **model, cx_error *err) {
    (void)ctx;
    *model = NULL;
    cx_classifier_options opt = cx_classifier_default_options();
    /* One message at a time is too little work to split: extra threads only
     * wait for busy cores (measured: 39 ms with 2 threads, 0.5 ms with 1). */
    opt.threads = 1;
    struct stat sb;
    /* A tokenizer path that does not exist (the seed's default) means "the one beside the model". */
    if (tokenizer_path && stat(tokenizer_path, &sb) == 0) opt.tokenizer = tokenizer_path;
    native_model *m = calloc(1, sizeof *m);
    if (!m) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    int rc = cx_classifier_open(model_path, &opt, &m->classifier, err);
    if (rc == CX_OK && pthread_mutex_init(&m->mu, NULL) != 0) {
        cx_classifier_free(m->classifier);
        rc = cx_error_set(err, CX_ERR_NOMEM, "cannot create a mutex");
    }
    if (rc != CX_OK) {
        free(m);
        return rc;
    }
    *model = m;
    return CX_OK;
}

/* An idle context, or a new one when every context is in use. */
static int borrow_ctx(native_model *m, pooled_ctx **out, cx_error *err) {
    pthread_mutex_lock(&m->mu);
    pooled_ctx *p = m->idle;
    if (p) m->idle = p->next;
    pthread_mutex_unlock(&m->mu);
    if (!p) {
        if (!(p = calloc(1, sizeof *p))) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
        int rc = cx_classifier_ctx_open(m->classifier, &p->ctx, err);
        if (rc) {
            free(p);
            return rc;
        }
    }
    *out = p;
    return CX_OK;
}

static void return_ctx(native_model *m, pooled_ctx *p) {
    pthread_mutex_lock(&m->mu);
    p->next = m->idle;
    m->idle = p;
    pthread_mutex_unlock(&m->mu);
}

static int native_predict(void *model, const char *text, size_t len, cx_prediction *out, cx_error *err) {
    native_model *m = model;
    pooled_ctx *pc = NULL;
    int rc = borrow_ctx(m, &pc, err);
    if (rc != CX_OK) return rc;
    rc = cx_classifier_predict(pc->ctx, text, len, out, err);
    return_ctx(m, pc);
    return rc;
}

static void native_unload(void *model) {
    native_model *m = model;
    if (!m) return;
    while (m->idle) {
        pooled_ctx *p = m->idle;
        m->idle = p->next;
        cx_classifier_ctx_free(p->ctx);
        free(p);
    }
    cx_classifier_free(m->classifier);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static int native_count_tokens(void *model, const char *text, size_t len, size_t *seen, size_t *total,
                               cx_error *err) {
    return cx_classifier_count_tokens(((native_model *)model)->classifier, text, len, seen, total, err);
}

const cx_ml_backend *cx_ml_backend_native(void) {
    static const cx_ml_backend backend = {.load = native_load, .predict = native_predict, .unload = native_unload,
                                          .count_tokens = native_count_tokens};
    return &backend;
}
