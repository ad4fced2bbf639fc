/* Classifies and estimates one prompt with the installed library:
 *   cc classify.c $(pkg-config --cflags --libs complexity) -o classify
 *   ./classify models/complexity_model_int8.onnx "Prove that sqrt(2) is irrational"
 * The model file is the shipped one (models/ of the source tree) or yours. */
#include <complexity.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 3) return fprintf(stderr, "usage: %s MODEL TEXT\n", argv[0]), 2;
    if (cx_version_number() != CX_VERSION_NUMBER) fprintf(stderr, "note: headers %s, library %s\n", CX_VERSION_STRING, cx_version());
    cx_error err = {0, ""};
    cx_classifier *c = NULL;        /* the model: shared by every thread */
    cx_classifier_ctx *x = NULL;    /* one thread's working memory */
    cx_prediction p;
    if (cx_classifier_open(argv[1], NULL, &c, &err) || cx_classifier_ctx_open(c, &x, &err) ||
        cx_classifier_predict(x, argv[2], strlen(argv[2]), &p, &err))
        return fprintf(stderr, "classify: %s\n", err.msg), cx_classifier_ctx_free(x), cx_classifier_free(c), 1;
    printf("classifier: tier %s, score %.3f, intent %s\n", cx_tier_names[p.tier], p.score, cx_intent_names[p.intent]);
    cx_classifier_ctx_free(x);
    cx_classifier_free(c);

    cx_estimator_config cfg;
    cx_estimator_config_defaults(&cfg);
    snprintf(cfg.ml_model_path, sizeof cfg.ml_model_path, "%s", argv[1]);
    cx_estimator_options eo = {.ml_backend = cx_ml_backend_native()};
    cx_estimator *est = NULL;
    cx_estimate e;
    if (cx_estimator_open(&eo, &est, &err) || cx_estimator_set_config(est, &cfg, NULL, &err) ||
        cx_estimator_estimate(est, argv[2], strlen(argv[2]), 0, &e, &err))
        return fprintf(stderr, "estimate: %s\n", err.msg), cx_estimator_free(est), 1;
    printf("estimator:  tier %s, score %.3f, method %s\n", cx_tier_names[e.tier], e.score, e.estimation_method);
    cx_estimator_free(est);
    return 0;
}
