/* What this machine runs: the fp32 GEMM library with its kernel family, and
 * the INT8 GEMM kernel the engine picks (cx_backend_info, for --version and
 * bug reports). */
#include <pthread.h>
#include <stdio.h>

#include "complexity/common.h"
#include "infer/qgemm.h"
#include "nn/nn.h"

static pthread_once_t info_once = PTHREAD_ONCE_INIT;
static char info[512]; /* written once under info_once, read-only after */

static void describe(void) {
    nn_blas_init();
    int n = snprintf(info, sizeof info, "fp32 GEMM: %s; INT8 GEMM: %s (this CPU also runs:", nn_blas_describe(),
                     qgemm_kernel_name(qgemm_best_kernel()));
    for (int k = 0; k < QGEMM_N_KERNELS && n > 0 && (size_t)n < sizeof info; k++)
        if (qgemm_kernel_available((qgemm_kernel)k) && (qgemm_kernel)k != qgemm_best_kernel())
            n += snprintf(info + n, sizeof info - (size_t)n, " %s", qgemm_kernel_name((qgemm_kernel)k));
    if (n > 0 && (size_t)n < sizeof info) snprintf(info + n, sizeof info - (size_t)n, ")");
}

const char *cx_backend_info(void) {
    pthread_once(&info_once, describe);
    return info;
}
