/* complexity label: label one's own prompts (the seed's tip: "collect actual
 * user queries from production logs, manually label them, add to training")
 * in minutes. The model guesses each label; the person accepts it or changes
 * it with single keys; the most uncertain prompts come first, so the first
 * hundred labels teach the model the most. Every label is on disk before the
 * next prompt shows, and a later run resumes where this one stopped. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "label.h"
#include "progress.h"

static const char *const CMD = "label";

static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity label --in FILE --out LABELLED.jsonl [--model PATH] [--order uncertain|input|random]\n"
            "                        [--lang en,zh,mixed,other] [--limit N] [--seed N] [--plain]\n\n"
            "Shows each prompt with the model's guess (tier, score, intent, domains, how sure it is) and\n"
            "lets you accept or change it with single keys. Labels follow LABELING.md and are written to\n"
            "LABELLED.jsonl after every one (a temp file renamed into place): Ctrl-C, a closed terminal or\n"
            "a kill loses nothing, and running the same command again resumes. Skipped prompts are kept in\n"
            "LABELLED.jsonl.skipped and not shown again.\n\n"
            "  --in FILE        prompts, one a line: plain text, or JSON with \"text\" or \"prompt\", or an\n"
            "                   OpenAI chat request (its last user message); repeats are labelled once\n"
            "  --out FILE       the labelled JSONL (train --data FILE --weight NAME=5 folds it in)\n"
            "  --model PATH     the model that guesses (default: training/output when it exists, else\n"
            "                   the shipped models/complexity_model_int8.onnx)\n"
            "  --order O        uncertain (default: the smallest margin between the tier head's two\n"
            "                   likeliest tiers first), input, or random\n"
            "  --lang LIST      only prompts in these languages (detected): en, zh, mixed, other\n"
            "  --limit N        stop after N labels in this session\n"
            "  --seed N         the random order's seed (default 42)\n"
            "  --plain          no screen: print each prompt and guess as a JSON line on stdout and read\n"
            "                   one decision a line from stdin (the default when stdin is not a terminal):\n"
            "                     accept | skip | undo | quit |\n"
            "                     tier=T score=S intent=I domains=D,D lang=L   (any of them; the rest\n"
            "                     from the guess; a tier alone moves the score into its range)\n\n"
            "Keys: Enter accept · 1-5 tier · +/- score · i intent · d domains · l language · s skip ·\n"
            "      u undo · ? LABELING.md's rule for what you are choosing · q quit\n");
}

typedef enum { ORDER_UNCERTAIN, ORDER_INPUT, ORDER_RANDOM } order;

typedef struct label_opts {
    const char *in, *out, *model;
    order ord;
    unsigned langs;     /* bit per cx_lang; 0 = all */
    size_t limit;
    uint64_t seed;
    int plain;
} label_opts;

static int parse_langs(const char *arg, unsigned *langs) {
    *langs = 0;
    for (const char *p = arg; *p;) {
        size_t n = strcspn(p, ",");
        int l = cx_lang_from_name(p, n);
        if (l < 0) return cli_usage_error(CMD, "--lang: '%.*s' is not one of en, zh, mixed, other", (int)n, p);
        *langs |= 1u << l;
        p += n + (p[n] == ',');
    }
    return *langs ? CLI_OK : cli_usage_error(CMD, "--lang: empty list");
}

static int parse_order(const char *arg, order *o) {
    static const char *const names[] = {"uncertain", "input", "random"};
    for (int i = 0; i < 3; i++)
        if (strcmp(arg, names[i]) == 0) return *o = (order)i, CLI_OK;
    return cli_usage_error(CMD, "--order: expected uncertain, input or random, got '%s'", arg);
}

static int parse_args(int argc, char **argv, label_opts *o) {
    enum { O_IN = 256, O_OUT, O_MODEL, O_ORDER, O_LANG, O_LIMIT, O_SEED, O_PLAIN };
    static const struct option longopts[] = {
        {"in", required_argument, 0, O_IN}, {"out", required_argument, 0, O_OUT},
        {"model", required_argument, 0, O_MODEL}, {"order", required_argument, 0, O_ORDER},
        {"lang", required_argument, 0, O_LANG}, {"limit", required_argument, 0, O_LIMIT},
        {"seed", required_argument, 0, O_SEED}, {"plain", no_argument, 0, O_PLAIN},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, bad = 0;
    optind = 1;
    while (!bad && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_IN: o->in = optarg; break;
        case O_OUT: o->out = optarg; break;
        case O_MODEL: o->model = optarg; break;
        case O_ORDER: bad = parse_order(optarg, &o->ord); break;
        case O_LANG: bad = parse_langs(optarg, &o->langs); break;
        case O_LIMIT: bad = cli_parse_size(CMD, "--limit", optarg, 1, &o->limit); break;
        case O_SEED: bad = cli_parse_u64(CMD, "--seed", optarg, &o->seed); break;
        case O_PLAIN: o->plain = 1; break;
        case 'h': usage(stdout); return -1;
        default: return cli_usage_error(CMD, "unknown option");
        }
    }
    if (bad) return CLI_USAGE;
    if (optind < argc) return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    if (!o->in || !o->out) return cli_usage_error(CMD, "--in and --out are required");
    if (strcmp(o->in, o->out) == 0) return cli_usage_error(CMD, "--in and --out are the same file");
    return CLI_OK;
}

/* ---- The model's guesses and the order ---- */

/* Every prompt's guess first (the order needs them all): a progress bar on
 * the terminal, about 1.3 ms a prompt on one core with the shipped model. */
static int guess_all(const char *model, label_input *in, cx_error *err) {
    progress bar;
    progress_init(&bar, stderr);
    progress_start(&bar, "model's guesses", (long)in->n);
    cx_classifier_options co = cx_classifier_default_options();
    cx_classifier *cl = NULL;
    cx_classifier_ctx *x = NULL;
    int rc = cx_classifier_open(model, &co, &cl, err);
    if (rc == CX_OK) rc = cx_classifier_ctx_open(cl, &x, err);
    for (size_t i = 0; i < in->n && rc == CX_OK; i++) {
        label_item *it = &in->items[i];
        rc = cx_classifier_predict(x, it->text, it->len, &it->guess, err);
        const double *p = it->guess.tier_probs;
        it->runner_up = it->guess.tier == 0 ? 1 : 0;
        for (int k = 0; k < CX_N_TIERS; k++)
            if (k != it->guess.tier && p[k] > p[it->runner_up]) it->runner_up = k;
        it->margin = p[it->guess.tier] - p[it->runner_up];
        it->lang = cx_detect_lang(it->text, it->len);
        progress_update(&bar, (long)i + 1, NULL);
    }
    progress_end(&bar);
    cx_classifier_ctx_free(x);
    cx_classifier_free(cl);
    return rc;
}

static int by_margin(const void *a, const void *b) {
    const label_item *x = *(label_item *const *)a, *y = *(label_item *const *)b;
    if (x->margin != y->margin) return x->margin < y->margin ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static uint64_t next_random(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The prompts still to label, in the order asked for; *done counts those
 * labelled or skipped before. */
static label_item **queue_of(label_input *in, const label_store *st, const label_opts *o, size_t *n_out,
                             size_t *done) {
    label_item **q = malloc((in->n ? in->n : 1) * sizeof *q);
    if (!q) return NULL;
    for (size_t i = 0; i < label_store_done_count(st); i++) {
        size_t len;
        const char *text = label_store_done_text(st, i, &len);
        long k = label_input_find(in, text, len);
        if (k >= 0) in->items[k].done = 1;
    }
    size_t n = 0;
    *done = 0;
    for (size_t i = 0; i < in->n; i++) {
        label_item *it = &in->items[i];
        if (o->langs && !(o->langs >> it->lang & 1u)) continue;
        if (it->done) ++*done;
        else q[n++] = it;
    }
    if (o->ord == ORDER_UNCERTAIN) qsort(q, n, sizeof *q, by_margin);
    uint64_t s = o->seed;
    for (size_t i = n; o->ord == ORDER_RANDOM && i > 1; i--) {
        size_t j = (size_t)(next_random(&s) % i);
        label_item *t = q[i - 1];
        q[i - 1] = q[j];
        q[j] = t;
    }
    *n_out = n;
    return q;
}

/* ---- The plain mode: a JSON line out, a decision line in ---- */

static void print_item(const label_item *it, size_t left) {
    char *pred = cx_prediction_to_json(&it->guess);
    cJSON *text = cJSON_CreateString(it->text);
    char *t = text ? cJSON_PrintUnformatted(text) : NULL;
    printf("{\"line\": %zu, \"count\": %zu, \"left\": %zu, \"lang\": \"%s\", \"margin\": %.4f, \"text\": %s, "
           "\"guess\": %s}\n",
           it->line, it->count, left, it->lang >= 0 ? cx_lang_names[it->lang] : "other", it->margin,
           t ? t : "\"\"", pred ? pred : "{}");
    fflush(stdout);
    cJSON_free(t);
    cJSON_Delete(text);
    free(pred);
}

static int set_field(label_draft *d, const char *key, size_t klen, const char *val, size_t vlen, double *score,
                     int *score_given) {
    if (klen == 4 && memcmp(key, "tier", 4) == 0) {
        int t = cx_tier_from_name(val, vlen);
        if (t < 0) return -1;
        label_draft_set_tier(d, t);
    } else if (klen == 5 && memcmp(key, "score", 5) == 0) {
        char buf[32], *end;
        if (vlen == 0 || vlen >= sizeof buf) return -1;
        memcpy(buf, val, vlen);
        buf[vlen] = '\0';
        *score = strtod(buf, &end);
        if (*end) return -1;
        *score_given = 1;
    } else if (klen == 6 && memcmp(key, "intent", 6) == 0) {
        if ((d->intent = cx_intent_from_name(val, vlen)) < 0) return -1;
    } else if (klen == 4 && memcmp(key, "lang", 4) == 0) {
        if ((d->lang = cx_lang_from_name(val, vlen)) < 0) return -1;
    } else if (klen == 7 && memcmp(key, "domains", 7) == 0) {
        d->domains = 0;
        for (size_t i = 0; i < vlen;) {
            size_t n = strcspn(val + i, ",");
            if (n > vlen - i) n = vlen - i;
            int dom = n ? cx_domain_from_name(val + i, n) : -1;
            if (dom < 0 && !(n == 4 && memcmp(val + i, "none", 4) == 0)) return -1;
            if (dom >= 0) d->domains |= 1u << dom;
            i += n + 1;
        }
    } else {
        return -1;
    }
    return 0;
}

/* Parses "tier=T score=S ..." into d (d starts as the guess). A score given
 * with a tier is kept as given, so that the check against LABELING.md can
 * refuse it. */
static int parse_fields(const char *line, label_draft *d, char *why, size_t why_n) {
    int score_given = 0;
    double score = 0;
    for (const char *p = line; *p;) {
        p += strspn(p, " \t");
        size_t n = strcspn(p, " \t");
        if (!n) break;
        const char *eq = memchr(p, '=', n);
        if (!eq || set_field(d, p, (size_t)(eq - p), eq + 1, n - (size_t)(eq - p) - 1, &score, &score_given)) {
            snprintf(why, why_n, "'%.*s': expected tier=, score=, intent=, domains= or lang= with a value from "
                     "LABELING.md's lists", (int)n, p);
            return -1;
        }
        p += n;
    }
    if (score_given) d->score = score;
    return 0;
}

static label_action plain_decide(const label_item *it, label_draft *d, size_t *input_line) {
    char *line = NULL;
    size_t cap = 0;
    label_action act = LABEL_QUIT;
    for (;;) {
        ssize_t n = getline(&line, &cap, stdin);
        if (n < 0) break;
        (*input_line)++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        const char *w = line + strspn(line, " \t");
        if (!*w || !strcmp(w, "accept") || !strcmp(w, "a")) act = LABEL_ACCEPT;
        else if (!strcmp(w, "skip") || !strcmp(w, "s")) act = LABEL_SKIP;
        else if (!strcmp(w, "undo") || !strcmp(w, "u")) act = LABEL_UNDO;
        else if (!strcmp(w, "quit") || !strcmp(w, "q")) act = LABEL_QUIT;
        else {
            char why[256];
            label_draft_from_guess(d, it);
            if (parse_fields(w, d, why, sizeof why)) {
                fprintf(stderr, "complexity label: stdin:%zu: %s; give the decision again\n", *input_line, why);
                continue;
            }
            act = LABEL_ACCEPT;
        }
        break;
    }
    free(line);
    return act;
}

/* ---- The session ---- */

typedef struct session {
    label_store *store;
    label_tui *tui;         /* NULL in the plain mode */
    label_item **queue;
    size_t n, pos;
    size_t limit;
    double t0;
    size_t stdin_line;
    char note[512];
} session;

static label_progress progress_of(const session *s) {
    /* The rate from the tenth second on: before, one label reads as thousands a minute. */
    double minutes = (cli_now_s() - s->t0) / 60.0;
    size_t labels = label_store_session_labels(s->store);
    return (label_progress){label_store_labelled(s->store), s->n - s->pos,
                            minutes >= 10.0 / 60 ? (double)labels / minutes : 0};
}

static void plain_progress(const session *s) {
    label_progress p = progress_of(s);
    fprintf(stderr, "label: %zu labelled, %zu left", p.done, p.left);
    if (cli_now_s() - s->t0 >= 10) fprintf(stderr, ", %.1f labels/min", p.per_minute);
    fputc('\n', stderr);
}

/* Steps back to the prompt an undo took back (it is earlier in the queue). */
static void undo(session *s, cx_error *err) {
    const char *text;
    if (label_store_undo(s->store, &text, err) != CX_OK) return;
    if (!text) {
        snprintf(s->note, sizeof s->note, "nothing to undo in this session");
        return;
    }
    for (size_t k = s->pos; k-- > 0;)
        if (strcmp(s->queue[k]->text, text) == 0) {
            s->pos = k;
            snprintf(s->note, sizeof s->note, "undone: this prompt again");
            return;
        }
}

static int apply(session *s, label_action act, const label_draft *d, cx_error *err) {
    const label_item *it = s->queue[s->pos];
    s->note[0] = '\0';
    *err = (cx_error){0, ""};
    if (act == LABEL_ACCEPT) {
        cx_record rec = label_draft_record(d, it);
        int rc = label_store_add(s->store, &rec, err);
        if (rc == CX_ERR_INVALID) {
            /* A label outside LABELING.md's ranges: refused, asked again. */
            snprintf(s->note, sizeof s->note, "refused: %s", err->msg);
            if (!s->tui) fprintf(stderr, "complexity label: refused: %s; give the decision again\n", err->msg);
            *err = (cx_error){0, ""};
            return CX_OK;
        }
        if (rc) return rc;
        s->pos++;
    } else if (act == LABEL_SKIP) {
        int rc = label_store_skip(s->store, it->text, it->len, err);
        if (rc) return rc;
        s->pos++;
    } else if (act == LABEL_UNDO) {
        undo(s, err);
        if (err->code) return err->code;
        if (!s->tui && s->note[0]) fprintf(stderr, "complexity label: %s\n", s->note);
    }
    return CX_OK;
}

static int run_session(session *s, cx_error *err) {
    while (s->pos < s->n && (!s->limit || label_store_session_labels(s->store) < s->limit)) {
        const label_item *it = s->queue[s->pos];
        label_draft d;
        label_draft_from_guess(&d, it);
        label_action act;
        if (s->tui) {
            label_progress p = progress_of(s);
            act = label_tui_decide(s->tui, it, &d, &p, s->note);
        } else {
            print_item(it, s->n - s->pos);
            act = plain_decide(it, &d, &s->stdin_line);
        }
        if (act == LABEL_QUIT) break;
        int rc = apply(s, act, &d, err);
        if (rc) return rc;
        if (!s->tui && act != LABEL_UNDO) plain_progress(s);
    }
    return CX_OK;
}

int cmd_label(int argc, char **argv) {
    label_opts o = {.ord = ORDER_UNCERTAIN, .seed = 42};
    int rc = parse_args(argc, argv, &o);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!o.model) o.model = cli_default_model();
    if (!o.plain && !isatty(STDIN_FILENO)) o.plain = 1;
    cx_error err = {0, ""};
    label_input in;
    session s = {0};
    if (label_input_read(o.in, &in, &err) != CX_OK) return cli_fail_err(CMD, &err);
    if (label_store_open(o.out, &s.store, &err) != CX_OK || guess_all(o.model, &in, &err) != CX_OK) {
        label_input_free(&in);
        label_store_free(s.store);
        return cli_fail_err(CMD, &err);
    }
    size_t done = 0;
    s.queue = queue_of(&in, s.store, &o, &s.n, &done);
    s.limit = o.limit;
    s.t0 = cli_now_s();
    fprintf(stderr, "label: %zu distinct prompts in %s; %zu already labelled or skipped in %s; %zu to go%s\n", in.n,
            o.in, done, o.out, s.n, o.langs ? " in the languages asked for" : "");
    rc = !s.queue ? cx_error_set(&err, CX_ERR_NOMEM, "out of memory")
                  : o.plain ? CX_OK : label_tui_open(&s.tui, &err);
    if (rc == CX_OK) rc = run_session(&s, &err);
    label_tui_close(s.tui);
    size_t labels = label_store_session_labels(s.store), total = label_store_labelled(s.store);
    free(s.queue);
    label_store_free(s.store);
    label_input_free(&in);
    if (rc) return cli_fail_err(CMD, &err);
    fprintf(stderr, "label: %zu new labels, %zu in %s\n", labels, total, o.out);
    return CLI_OK;
}
