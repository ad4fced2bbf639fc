/* POST /v1/route: an OpenAI chat request in, the tier for its last user
 * message out, with the model to use and why.
 *
 * Earlier turns count as context (prior_messages), and one case more: a
 * short go-ahead ("yes go ahead", "好 就這樣做", "ok do it") right after an
 * assistant message is not a trivial task but the start of the work that
 * message proposed. It inherits the tier of the request that led to the plan
 * (the user turn before the assistant's), when that one is higher. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/common.h"
#include "serve/serve_int.h"

/* Longest message still taken as a bare approval, in bytes (about ten words,
 * or twenty CJK characters). */
enum { APPROVAL_MAX_BYTES = 64, MAX_MESSAGES = 4096 };

/* What a go-ahead is made of, English and Chinese (Traditional and
 * Simplified). A message is an approval when removing these phrases,
 * punctuation and spaces leaves nothing. Longer phrases first: the removal is
 * greedy. */
static const char *const approval_phrases[] = {
    /* English */
    "sounds good", "looks good", "go ahead", "go for it", "let's do it", "lets do it", "let's go", "do it",
    "please do", "proceed", "continue", "carry on", "make it so", "ship it", "approved", "agreed", "perfect",
    "great", "lgtm", "yes", "yeah", "yep", "yup", "sure", "okay", "ok", "k", "fine", "please", "thanks",
    "thank you", "that works", "works for me", "alright", "all right", "right", "exactly", "correct", "and",
    "then", "now",
    /* Chinese */
    "就這樣做", "就这样做", "就這樣", "就这样", "照這樣", "照这样", "照做", "沒問題", "没问题", "開始吧", "开始吧",
    "開始", "开始", "繼續", "继续", "可以", "好的", "好啊", "好吧", "好", "行", "對", "对", "是的", "同意", "請",
    "请", "麻煩", "麻烦", "謝謝", "谢谢", "做吧", "做", "吧", "嗯", "了", "那", "就"};

static int is_separator(const char *p, size_t *n) {
    unsigned char c = (unsigned char)*p;
    if (c < 0x80) {
        *n = 1;
        return isspace(c) || ispunct(c);
    }
    /* full-width punctuation: ，。！？、～ and the ideographic space */
    static const char *const wide[] = {"，", "。", "！", "？", "、", "～", "　", "…", "：", "；"};
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
        size_t k = strlen(wide[i]);
        if (!strncmp(p, wide[i], k)) {
            *n = k;
            return 1;
        }
    }
    return 0;
}

/* An ASCII phrase must end at a word boundary ("ok" in "okra" is not "ok"). */
static size_t phrase_at(const char *p, const char *end) {
    for (size_t i = 0; i < sizeof approval_phrases / sizeof approval_phrases[0]; i++) {
        const char *ph = approval_phrases[i];
        size_t k = strlen(ph);
        if ((size_t)(end - p) < k || strncmp(p, ph, k) != 0) continue;
        int ascii = (unsigned char)ph[0] < 0x80;
        if (ascii && p + k < end && isalnum((unsigned char)p[k])) continue;
        return k;
    }
    return 0;
}

int route_is_approval(const char *text, size_t len) {
    if (!len || len > APPROVAL_MAX_BYTES) return 0;
    char lower[APPROVAL_MAX_BYTES + 1];
    for (size_t i = 0; i < len; i++) lower[i] = (char)tolower((unsigned char)text[i]);
    lower[len] = '\0';
    const char *p = lower, *end = lower + len;
    int words = 0;
    while (p < end) {
        size_t n;
        if (is_separator(p, &n)) {
            p += n;
            continue;
        }
        if (!(n = phrase_at(p, end))) return 0; /* something that is not a go-ahead */
        p += n;
        words++;
    }
    return words > 0;
}

/* ---- the chat request ----------------------------------------------------------- */

/* A message's text: content as a string, or the text parts of a list. */
static char *message_text(const cJSON *msg) {
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(msg, "content");
    if (cJSON_IsString(content)) return strdup(content->valuestring);
    sbuf b = SBUF_INIT;
    if (cJSON_IsArray(content))
        for (const cJSON *part = content->child; part; part = part->next) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(part, "text");
            if (!cJSON_IsString(t)) continue;
            if (b.len) sbuf_putc(&b, '\n');
            sbuf_puts(&b, t->valuestring);
        }
    return sbuf_detach(&b);
}

static const char *role_of(const cJSON *msg) {
    const cJSON *role = cJSON_GetObjectItemCaseSensitive(msg, "role");
    return cJSON_IsString(role) ? role->valuestring : "";
}

/* Index of the last message with this role before `before`, or -1. */
static int last_with_role(const cJSON *const *msgs, int before, const char *role) {
    for (int i = before - 1; i >= 0; i--)
        if (!strcmp(role_of(msgs[i]), role)) return i;
    return -1;
}

static int users_before(const cJSON *const *msgs, int before) {
    int n = 0;
    for (int i = 0; i < before; i++) n += !strcmp(role_of(msgs[i]), "user");
    return n;
}

static int estimate_message(cx_server *s, const cJSON *const *msgs, int i, cx_estimate *e, reply *r) {
    char *text = message_text(msgs[i]);
    if (!text) return reply_error(r, 500, NULL, "out of memory");
    cx_error err = {0, ""};
    int rc = cx_estimator_estimate(s->est, text, strlen(text), users_before(msgs, i), e, &err);
    free(text);
    return rc == CX_OK ? 0 : reply_error(r, 500, NULL, "estimate failed: %s", err.msg);
}

/* Scores to 4 places, probabilities to 6: what a reader and a router need. */
static double round_to(double x, double scale) { return round(x * scale) / scale; }

/* Why: the heuristic's dimensions, the model's view, whether they agree. */
static cJSON *why_json(const cx_estimate *e, const cx_estimator_config *cfg) {
    cJSON *why = cJSON_CreateObject();
    cJSON_AddStringToObject(why, "method", e->estimation_method);
    cJSON_AddStringToObject(why, "mode", cx_ml_mode_names[cfg->ml_estimation_mode]);
    cJSON_AddNumberToObject(why, "heuristic_score", round_to(e->heuristic_score, 1e4));
    cJSON_AddStringToObject(why, "heuristic_tier",
                            cx_tier_names[cx_score_to_tier(e->heuristic_score, cfg->tier_boundaries)]);
    if (e->has_ml) {
        cJSON_AddNumberToObject(why, "ml_score", round_to(e->ml.score, 1e4));
        cJSON_AddStringToObject(why, "ml_tier", cx_tier_names[e->ml.tier]);
        cJSON_AddNumberToObject(why, "ml_confidence", round_to(e->ml.tier_probs[e->ml.tier], 1e6));
        int h = (int)cx_score_to_tier(e->heuristic_score, cfg->tier_boundaries);
        cJSON_AddBoolToObject(why, "agree", abs(h - e->ml.tier) <= 1);
    }
    cJSON *dims = cJSON_AddArrayToObject(why, "dimensions");
    for (int d = 0; d < CX_N_DIMS; d++) {
        if (e->dimensions[d].score <= 0) continue; /* only what moved the score */
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", cx_dim_names[d]);
        cJSON_AddNumberToObject(o, "score", round_to(e->dimensions[d].score, 1e3));
        cJSON_AddNumberToObject(o, "weight", e->dimensions[d].weight);
        cJSON_AddStringToObject(o, "detail", e->dimensions[d].detail);
        cJSON_AddItemToArray(dims, o);
    }
    return why;
}


cJSON *route_json(cx_server *s, const route_decision *d) {
    cx_estimator_config cfg;
    cx_estimator_get_config(s->est, &cfg);
    const cx_estimate *final = d->inherited ? &d->plan : &d->own;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "tier", cx_tier_names[final->tier]);
    cJSON_AddNumberToObject(o, "score", round_to(final->score, 1e4));
    cJSON_AddStringToObject(o, "estimation_method", final->estimation_method);
    const cx_route route = cx_tier_route(final->tier);
    cJSON_AddStringToObject(o, "route", cx_route_names[route]);
    const char *model = cx_route_model(&cfg, route);
    if (model[0]) cJSON_AddStringToObject(o, "suggested_model", model);
    else cJSON_AddNullToObject(o, "suggested_model");
    cJSON_AddBoolToObject(o, "needs_decomposition", final->needs_decomposition);
    cJSON_AddItemToObject(o, "why", why_json(&d->own, &cfg));
    if (d->plan_index >= 0) {
        cJSON *inh = cJSON_AddObjectToObject(o, "approval");
        cJSON_AddBoolToObject(inh, "inherited", d->inherited);
        cJSON_AddNumberToObject(inh, "plan_request_index", d->plan_index);
        cJSON_AddStringToObject(inh, "plan_tier", cx_tier_names[d->plan.tier]);
        cJSON_AddStringToObject(inh, "own_tier", cx_tier_names[d->own.tier]);
    }
    return o;
}

/* The messages as an array of objects, or a 400. */
static int read_messages(const cJSON *req, const cJSON **msgs, int *n, reply *r) {
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(req, "messages");
    if (!cJSON_IsArray(list) || !list->child)
        return reply_error(r, 400, "messages", "\"messages\" must be a non-empty list of {role, content}");
    *n = 0;
    for (const cJSON *m = list->child; m; m = m->next) {
        if (*n == MAX_MESSAGES) return reply_error(r, 400, "messages", "more than %d messages", MAX_MESSAGES);
        if (!cJSON_IsObject(m) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "role")))
            return reply_error(r, 400, "messages", "\"messages\"[%d] needs a \"role\" string", *n);
        msgs[(*n)++] = m;
    }
    return 0;
}

/* The plan a go-ahead at `last` answers: the request that led to the
 * assistant's message, or that message itself when nothing asked for it; -1
 * when `last` is not a go-ahead after an assistant message. */
static int plan_of(const cJSON *const *msgs, int last) {
    if (last < 1 || strcmp(role_of(msgs[last - 1]), "assistant") != 0) return -1;
    char *text = message_text(msgs[last]);
    int approval = text && route_is_approval(text, strlen(text));
    free(text);
    if (!approval) return -1;
    int plan = last_with_role(msgs, last - 1, "user");
    return plan >= 0 ? plan : last - 1;
}

static int decide_on(cx_server *s, const cJSON *req, const cJSON **msgs, route_decision *d, reply *r) {
    int n = 0;
    if (read_messages(req, msgs, &n, r)) return -1;
    int last = last_with_role(msgs, n, "user");
    if (last < 0) return reply_error(r, 400, "messages", "no message with role \"user\"");
    if (estimate_message(s, msgs, last, &d->own, r)) return -1;
    d->own_message = msgs[last];
    const cJSON *flag = cJSON_GetObjectItemCaseSensitive(req, "inherit_approval");
    d->plan_index = s->inherit_approvals && !cJSON_IsFalse(flag) ? plan_of(msgs, last) : -1;
    if (d->plan_index >= 0 && estimate_message(s, msgs, d->plan_index, &d->plan, r)) return -1;
    d->inherited = d->plan_index >= 0 && d->plan.tier > d->own.tier;
    d->tier = d->inherited ? d->plan.tier : d->own.tier;
    d->score = d->inherited ? d->plan.score : d->own.score;
    metrics_tier(&s->metrics, d->tier, d->inherited);
    metrics_recent(&s->metrics, d->tier, d->own.estimation_ms + (d->plan_index >= 0 ? d->plan.estimation_ms : 0));
    return 0;
}

int route_decide(cx_server *s, const cJSON *req, route_decision *d, reply *r) {
    memset(d, 0, sizeof *d);
    d->plan_index = -1;
    const cJSON **msgs = malloc(MAX_MESSAGES * sizeof *msgs);
    if (!msgs) return reply_error(r, 500, NULL, "out of memory");
    int rc = decide_on(s, req, msgs, d, r);
    free(msgs);
    return rc ? -1 : 0;
}

void route_log(cx_server *s, const char *where, const route_decision *d) {
    if (!s->requests.enabled) return;
    char *text = message_text(d->own_message);
    request_log_write(&s->requests, where, text, d->tier, d->score, d->inherited);
    free(text);
}

void handle_route(cx_server *s, const char *body, size_t len, reply *r) {
    cJSON *req = parse_body(body, len, r);
    if (!req) return;
    route_decision d;
    if (!route_decide(s, req, &d, r)) {
        route_log(s, "route", &d);
        cJSON *o = route_json(s, &d);
        if (o && wants_explanation(req)) {
            char *text = message_text(d.own_message);
            cJSON *why = cJSON_GetObjectItemCaseSensitive(o, "why");
            if (text && why) cJSON_AddItemToObject(why, "explanation", explanation_json(s, text, strlen(text)));
            free(text);
        }
        reply_json(r, 200, o);
    }
    cJSON_Delete(req);
}
