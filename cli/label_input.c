/* The prompts to label, read from a log: one per line, as plain text, as a
 * JSON object with "text" or "prompt", or as the body of an OpenAI chat
 * request (what `complexity serve` and any router receive): its last user
 * message. Identical prompts are merged, because logs repeat "ok" and "thanks"
 * and one label covers them all. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "label.h"

/* Bound on what one run reads: a day of a busy assistant's prompts. */
enum { MAX_PROMPTS = 1000000 };

void label_input_free(label_input *in) {
    for (size_t i = 0; i < in->n; i++) free(in->items[i].text);
    free(in->items);
    free(in->slots);
    memset(in, 0, sizeof *in);
}

/* Byte offset of the first invalid UTF-8 sequence, or len. */
static size_t invalid_utf8_at(const char *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) return i;
        i += (size_t)n;
    }
    return len;
}

/* FNV-1a: the merge of identical prompts looks texts up in an open-addressing
 * table of item indices + 1 (0 = empty), kept at most half full. */
static size_t text_hash(const char *s, size_t len) {
    size_t h = 1469598103934665603u;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static size_t *find_slot(label_input *in, const char *text, size_t len) {
    size_t mask = in->n_slots - 1;
    for (size_t i = text_hash(text, len) & mask;; i = (i + 1) & mask) {
        size_t k = in->slots[i];
        if (!k || (in->items[k - 1].len == len && memcmp(in->items[k - 1].text, text, len) == 0))
            return &in->slots[i];
    }
}

long label_input_find(label_input *in, const char *text, size_t len) {
    if (!in->n_slots) return -1;
    size_t k = *find_slot(in, text, len);
    return k ? (long)k - 1 : -1;
}

static int grow_slots(label_input *in) {
    size_t n = in->n_slots ? in->n_slots * 2 : 1024;
    size_t *slots = calloc(n, sizeof *slots);
    if (!slots) return -1;
    free(in->slots);
    in->slots = slots;
    in->n_slots = n;
    for (size_t i = 0; i < in->n; i++) *find_slot(in, in->items[i].text, in->items[i].len) = i + 1;
    return 0;
}

/* The text of a chat message's content: a string, or the text parts of an
 * array of {"type": "text", "text": ...}. Newly allocated, NULL if none. */
static char *content_text(const cJSON *content) {
    if (cJSON_IsString(content)) return strdup(content->valuestring);
    if (!cJSON_IsArray(content)) return NULL;
    size_t cap = 1, len = 0;
    for (const cJSON *p = content->child; p; p = p->next) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "text");
        if (cJSON_IsString(t)) cap += strlen(t->valuestring) + 1;
    }
    char *out = malloc(cap);
    if (!out) return NULL;
    for (const cJSON *p = content->child; p; p = p->next) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "text");
        if (!cJSON_IsString(t)) continue;
        if (len) out[len++] = '\n';
        size_t n = strlen(t->valuestring);
        memcpy(out + len, t->valuestring, n);
        len += n;
    }
    out[len] = '\0';
    return out;
}

static char *last_user_message(const cJSON *messages) {
    const cJSON *last = NULL;
    for (const cJSON *m = messages->child; m; m = m->next) {
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
        if (cJSON_IsString(role) && strcmp(role->valuestring, "user") == 0) last = m;
    }
    return last ? content_text(cJSON_GetObjectItemCaseSensitive(last, "content")) : NULL;
}

/* The prompt of one JSON line, or NULL with a reason in err. */
static char *json_prompt(const char *line, cx_error *err) {
    cJSON *obj = cJSON_Parse(line);
    if (!obj || !cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        cx_error_set(err, CX_ERR_FORMAT, "a line starting with '{' is not a JSON object");
        return NULL;
    }
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(obj, "text");
    if (!text) text = cJSON_GetObjectItemCaseSensitive(obj, "prompt");
    const cJSON *messages = cJSON_GetObjectItemCaseSensitive(obj, "messages");
    char *out = NULL;
    if (cJSON_IsString(text)) out = strdup(text->valuestring);
    else if (cJSON_IsArray(messages)) out = last_user_message(messages);
    cJSON_Delete(obj);
    if (!out)
        cx_error_set(err, CX_ERR_FORMAT,
                     "no prompt: expected \"text\" or \"prompt\" (a string), or \"messages\" with a user message");
    return out;
}

static int blank(const char *s) {
    return s[strspn(s, " \t\r\n")] == '\0';
}

static int add_prompt(label_input *in, char *text, size_t line, cx_error *err) {
    size_t len = strlen(text), bad = invalid_utf8_at(text, len);
    if (bad < len) return free(text), cx_error_set(err, CX_ERR_FORMAT, "invalid UTF-8 at byte %zu", bad);
    if (2 * (in->n + 1) > in->n_slots && grow_slots(in)) return free(text), cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    size_t *slot = find_slot(in, text, len);
    if (*slot) {
        in->items[*slot - 1].count++;
        free(text);
        return CX_OK;
    }
    if (in->n == MAX_PROMPTS) {
        free(text);
        return cx_error_set(err, CX_ERR_INVALID, "more than %d distinct prompts: split the log", MAX_PROMPTS);
    }
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 256;
        label_item *items = realloc(in->items, cap * sizeof *items);
        if (!items) return free(text), cx_error_set(err, CX_ERR_NOMEM, "out of memory");
        in->items = items;
        in->cap = cap;
    }
    in->items[in->n++] = (label_item){.text = text, .len = len, .line = line, .count = 1};
    *slot = in->n;
    return CX_OK;
}

static int read_line(FILE *f, char **buf, size_t *cap, size_t *len) {
    ssize_t n = getline(buf, cap, f);
    if (n < 0) return 0;
    *len = (size_t)n;
    while (*len && ((*buf)[*len - 1] == '\n' || (*buf)[*len - 1] == '\r')) (*buf)[--*len] = '\0';
    return 1;
}

static int read_prompts(FILE *f, const char *path, label_input *in, cx_error *err) {
    char *buf = NULL;
    size_t cap = 0, len, line = 0;
    int rc = CX_OK;
    while (rc == CX_OK && read_line(f, &buf, &cap, &len)) {
        line++;
        if (len > CX_MAX_LINE_BYTES) {
            rc = cx_error_set(err, CX_ERR_FORMAT, "%s:%zu: a line of %zu bytes (at most %u)", path, line, len,
                              CX_MAX_LINE_BYTES);
            break;
        }
        if (strlen(buf) != len) {
            rc = cx_error_set(err, CX_ERR_FORMAT, "%s:%zu: a NUL byte in the line", path, line);
            break;
        }
        const char *p = buf + strspn(buf, " \t");
        if (blank(p)) continue;
        char *text = *p == '{' ? json_prompt(p, err) : strdup(buf);
        if (!text) {
            if (!err->code) cx_error_set(err, CX_ERR_NOMEM, "out of memory");
            cx_error_prefix(err, "%s:%zu", path, line);
            rc = err->code;
        } else if (blank(text)) {
            free(text);
        } else if ((rc = add_prompt(in, text, line, err))) {
            cx_error_prefix(err, "%s:%zu", path, line);
        }
    }
    free(buf);
    return rc;
}

int label_input_read(const char *path, label_input *in, cx_error *err) {
    memset(in, 0, sizeof *in);
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) return cx_error_set(err, CX_ERR_IO, "%s: %s", path, strerror(errno));
    int rc = read_prompts(f, path, in, err);
    if (f != stdin) fclose(f);
    if (rc == CX_OK && in->n == 0) rc = cx_error_set(err, CX_ERR_INVALID, "%s: no prompts in it", path);
    if (rc) label_input_free(in);
    return rc;
}
