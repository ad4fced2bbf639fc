/* cx_onnx_export: builds the graph and streams the packed ModelProto into an
 * atomically written file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/labels.h"
#include "export/onnx_export_int.h"
#include "complexity/common.h"
#include "complexity/fileio.h"

/* protobuf-c writes through this: straight to the temp file, no second copy */
typedef struct file_buffer {
    ProtobufCBuffer base;
    FILE *f;
    int failed;
} file_buffer;

static void file_append(ProtobufCBuffer *buf, size_t len, const uint8_t *data) {
    file_buffer *fb = (file_buffer *)buf;
    if (!fb->failed && len && fwrite(data, 1, len, fb->f) != len) fb->failed = 1;
}

/* "a,b,c" from a label list, into buf */
static char *join(char *buf, size_t cap, const char *const *names, int n) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(buf + used, used < cap ? cap - used : 0, "%s%s", i ? "," : "", names[i]);
    return buf;
}

static int write_model(const Onnx__ModelProto *mp, const char *path, cx_error *err) {
    size_t size = onnx__model_proto__get_packed_size(mp);
    if (size >= (size_t)INT32_MAX) /* protobuf's hard limit; ONNX Runtime refuses more */
        return cx_error_set(err, CX_ERR_UNSUPPORTED, "%s: the model would be %zu bytes, over protobuf's 2 GiB limit",
                            path, size);
    cx_afile af;
    int rc = cx_afile_open(&af, path, err);
    if (rc) return rc;
    file_buffer fb = {{file_append}, af.f, 0};
    size_t wrote = onnx__model_proto__pack_to_buffer(mp, &fb.base);
    if (fb.failed || wrote != size) {
        cx_afile_abort(&af);
        return cx_error_set(err, CX_ERR_IO, "%s: write failed", path);
    }
    return cx_afile_commit(&af, err);
}

int cx_onnx_export(const cx_model *m, const char *path, int int8, cx_error *err) {
    og_graph g;
    og_init(&g);
    int rc = onnx_build_graph(&g, m, int8, err);
    if (rc == CX_OK) {
        Onnx__ModelProto mp;
        Onnx__GraphProto graph;
        Onnx__OperatorSetIdProto opset, *opsets[1];
        og_model(&g, &mp, &graph, &opset, opsets, int8 ? "complexity_int8" : "complexity");
        /* the label order is part of the output contract: ship it with the model */
        char tiers[256], domains[256], intents[256];
        Onnx__StringStringEntryProto kv[3], *kvp[3];
        const char *keys[3] = {"tiers", "domains", "intents"};
        char *vals[3] = {join(tiers, sizeof tiers, cx_tier_names, CX_N_TIERS),
                         join(domains, sizeof domains, cx_domain_names, CX_N_DOMAINS),
                         join(intents, sizeof intents, cx_intent_names, CX_N_INTENTS)};
        for (int i = 0; i < 3; i++) {
            onnx__string_string_entry_proto__init(&kv[i]);
            kv[i].key = (char *)(uintptr_t)keys[i];
            kv[i].value = vals[i];
            kvp[i] = &kv[i];
        }
        mp.n_metadata_props = 3;
        mp.metadata_props = kvp;
        rc = write_model(&mp, path, err);
    }
    og_free(&g);
    return rc;
}
