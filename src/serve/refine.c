/* The service's cx_refiner: the seed's llm_refinement over an
 * OpenAI-compatible endpoint (the router section's `refinement`, else its
 * standard upstream). The model is asked for a 1-10 rating as JSON; the
 * answer's first number in 1..10 is taken, mapped to [0,1] as the seed does
 * ((n-1)/9). A timeout of its own (refinement_timeout_s), no retries. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/common.h"
#include "serve/router.h"
#include "serve/serve_int.h"

static const char RATING_PROMPT[] =
    "Rate how complex the user's task is for an AI assistant, from 1 (trivial: a greeting, a one-line fact) to 10 "
    "(expert: research-level, many interacting parts). Answer with JSON only: {\"rating\": N}";

/* The chat request: the prompt, the text, deterministic, short. */
static char *rating_request(const char *model, const char *text, size_t len) {
    char *copy = strndup(text, len);
    cJSON *o = cJSON_CreateObject(), *msgs = cJSON_AddArrayToObject(o, "messages");
    cJSON *sys = cJSON_CreateObject(), *user = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", model);
    cJSON_AddStringToObject(sys, "role", "system");
    cJSON_AddStringToObject(sys, "content", RATING_PROMPT);
    cJSON_AddStringToObject(user, "role", "user");
    cJSON_AddStringToObject(user, "content", copy ? copy : "");
    cJSON_AddItemToArray(msgs, sys);
    cJSON_AddItemToArray(msgs, user);
    cJSON_AddNumberToObject(o, "temperature", 0);
    cJSON_AddNumberToObject(o, "max_tokens", 20);
    char *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    free(copy);
    return body;
}

/* The rating in an OpenAI chat answer: choices[0].message.content, its
 * {"rating": N} or else its first number; -1 when there is none in 1..10. */
static int rating_of(const char *answer) {
    cJSON *j = cJSON_Parse(answer);
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(j, "choices");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(choices, 0), "message");
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(msg, "content");
    int n = -1;
    if (cJSON_IsString(content)) {
        cJSON *inner = cJSON_Parse(content->valuestring);
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(inner, "rating");
        if (cJSON_IsNumber(r)) n = (int)r->valuedouble;
        else
            for (const char *p = content->valuestring; *p && n < 0; p++)
                if (*p >= '0' && *p <= '9') n = atoi(p);
        cJSON_Delete(inner);
    }
    cJSON_Delete(j);
    return n >= 1 && n <= 10 ? n : -1;
}

static int serve_rate(void *ctx, const char *model, const char *text, size_t len, double *rating, cx_error *err) {
    cx_server *s = ctx;
    router_config rc;
    int rcode = router_config_load(s->config_path, &rc, err);
    if (rcode != CX_OK) return rcode;
    router_upstream up = rc.refinement.base_url[0] ? rc.refinement : rc.up[1];
    if (!up.base_url[0])
        return cx_error_set(err, CX_ERR_INVALID, "router.refinement: no endpoint for llm_refinement (nor a standard upstream)");
    rc.timeout_s = rc.refinement_timeout_s;
    char *body = rating_request(model, text, len);
    if (!body) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    proxy *p = NULL;
    int status = 0;
    rcode = proxy_open(&rc, &up, body, strlen(body), &p, &status, err);
    free(body);
    if (rcode != CX_OK) return rcode;
    sbuf answer = SBUF_INIT;
    status = proxy_status(p);
    rcode = proxy_read_all(p, &answer, err);
    proxy_close(p);
    int n = rcode == CX_OK && status == 200 ? rating_of(sbuf_str(&answer)) : -1;
    if (rcode == CX_OK && status != 200) rcode = cx_error_set(err, CX_ERR_IO, "%s answered %d", up.base_url, status);
    else if (rcode == CX_OK && n < 0)
        rcode = cx_error_set(err, CX_ERR_FORMAT, "no rating from 1 to 10 in the answer: %.120s", sbuf_str(&answer));
    sbuf_free(&answer);
    if (rcode == CX_OK) *rating = (n - 1) / 9.0;
    return rcode;
}

cx_refiner serve_refiner(cx_server *s) {
    cx_refiner r = {.ctx = s, .rate = serve_rate};
    return r;
}
