/* The estimator's state, shared by estimator.c (estimating) and reload.c
 * (config and model changes). */
#ifndef CX_ESTIMATE_ESTIMATOR_INT_H
#define CX_ESTIMATE_ESTIMATOR_INT_H

#include <pthread.h>
#include <sys/types.h>

#include "complexity/estimator.h"

/* What identifies a file version cheaply: a change in any field = reload. */
typedef struct file_stamp {
    int exists;
    dev_t dev;
    ino_t ino;
    off_t size;
    long long mtime_ns;
} file_stamp;

struct cx_estimator {
    pthread_rwlock_t lock;        /* readers: estimate; writer: the swap in apply */
    pthread_mutex_t reload_mu;    /* one reloader at a time; guards the fields below `model` */
    cx_heuristic *heur;           /* immutable */
    cx_estimator_config cfg;      /* under lock */
    void *model;                  /* under lock; NULL = heuristic only */
    char model_path[CX_CONFIG_PATH_MAX];     /* resolved paths of the loaded model */
    char tokenizer_path[CX_CONFIG_PATH_MAX];
    file_stamp model_stamp;
    char *config_path;            /* NULL: no file */
    file_stamp config_stamp;
    int has_backend;
    cx_ml_backend backend;
    int has_refiner;
    cx_refiner refiner;
    cx_logger *log;               /* borrowed */
    cx_ml_change last_change;     /* under reload_mu */
    char last_error[CX_ERRMSG_MAX];
    unsigned long reloads;
};

void cx_file_stamp_of(const char *path, file_stamp *st);
int cx_file_stamp_equal(const file_stamp *a, const file_stamp *b);

/* Makes cfg the config in force, loading/unloading the model as it asks, and
 * says what happened to the model. Caller holds reload_mu. `initial` = at
 * open (no "reloaded" log line). */
cx_ml_change cx_estimator_apply(cx_estimator *est, const cx_estimator_config *cfg, int initial);

#endif
