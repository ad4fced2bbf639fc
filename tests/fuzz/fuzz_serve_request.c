/* Fuzz target: the service's request bodies. The first byte picks the
 * endpoint (estimate, classify, route, config PUT, chat), the rest is the
 * body, handed to the same dispatch the HTTP side calls. Every input must get
 * a reply with a status in 200..599 and, but for a stream, a JSON body; never
 * a crash, a leak or undefined behaviour. The server runs on a config of its
 * own (model off: the fuzzer is after the request handling, and the model's
 * readers have targets of their own) and listens on a free loopback port.
 * Seeds: tests/fuzz/corpus/serve_request.
 *
 * libFuzzer build (clang): cmake -B build-fuzz -DCMAKE_C_COMPILER=clang
 *   -DCMAKE_BUILD_TYPE=Asan -DCX_FUZZ=ON && ninja -C build-fuzz fuzz_serve_request
 * run: build-fuzz/fuzz_serve_request -max_len=8192 -max_total_time=600 CORPUS_DIR tests/fuzz/corpus/serve_request
 * The test suite replays tests/fuzz/corpus/serve_request (replay_serve_request). */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "serve/router.h"
#include "serve/serve_int.h"

static cx_server *srv;
static char config_path[160];

static void stop_server(void) {
    cx_server_stop(srv);
    unlink(config_path);
}

static void start_server(void) {
    fuzz_path(config_path, sizeof config_path, "config.yaml");
    static const char cfg[] = "task_complexity:\n  ml_model_enabled: false\n  fast_model: f\n";
    fuzz_write(config_path, cfg, sizeof cfg - 1);
    cx_server_options o = cx_server_default_options();
    o.config_path = config_path;
    cx_error err = {0, ""};
    if (cx_server_start(&o, &srv, &err) != CX_OK) abort(); /* no server, no test */
    atexit(stop_server);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const struct {
        endpoint ep;
        const char *method;
    } targets[] = {{EP_ESTIMATE, "POST"}, {EP_CLASSIFY, "POST"}, {EP_ROUTE, "POST"}, {EP_CONFIG, "PUT"},
                   {EP_CHAT, "POST"}};
    if (!srv) start_server();
    if (size < 1) return 0;
    const size_t pick = data[0] % (sizeof targets / sizeof targets[0]);
    reply r = {.status = 200, .body = SBUF_INIT};
    serve_dispatch(srv, targets[pick].ep, targets[pick].method, (const char *)data + 1, size - 1, &r);
    if (r.status < 200 || r.status > 599) abort();
    if (!r.stream) {
        cJSON *j = cJSON_ParseWithLength(r.body.data ? r.body.data : "", r.body.len);
        if (!j) abort(); /* every reply is JSON */
        cJSON_Delete(j);
    }
    proxy_close(r.stream);
    sbuf_free(&r.body);
    return 0;
}
