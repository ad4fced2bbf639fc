/* complexity label: the pieces of the labelling tool.
 *   label_input.c  prompts from a log (lines, JSONL with "text"/"prompt", chat requests)
 *   label_store.c  the labelled file: resumed, rewritten atomically after every label
 *   label_tui.c    the terminal screen and its single-key editing
 *   cmd_label.c    options, the model's guesses, the order, the plain (scripted) mode */
#ifndef CX_CLI_LABEL_H
#define CX_CLI_LABEL_H

#include <stddef.h>

#include "complexity.h"

/* One distinct prompt of the input, with the model's guess. */
typedef struct label_item {
    char *text;
    size_t len;
    size_t line;          /* first input line it came from */
    size_t count;         /* how many times the log has it */
    cx_prediction guess;
    int runner_up;        /* the tier head's second likeliest tier */
    double margin;        /* its top probability minus the runner-up's: small = unsure */
    int lang;             /* cx_detect_lang */
    int done;             /* labelled or skipped in an earlier session */
} label_item;

typedef struct label_input {
    label_item *items;
    size_t n, cap;
    size_t *slots, n_slots;   /* the merge's hash table */
} label_input;

/* Reads prompts, one per line: plain text, or a JSON object with "text" or
 * "prompt" (a string), or an OpenAI chat request ("messages": the last user
 * message). Identical prompts are merged (count). Errors name FILE:LINE. */
int label_input_read(const char *path, label_input *in, cx_error *err);
/* The index of the item with this text, or -1 (a hash lookup). */
long label_input_find(label_input *in, const char *text, size_t len);
void label_input_free(label_input *in);

/* The labelled file and its ".skipped" sidecar. Every change is written to a
 * temp file and renamed into place before the call returns. */
typedef struct label_store label_store;

int label_store_open(const char *path, label_store **out, cx_error *err);
void label_store_free(label_store *s);
/* The texts labelled or skipped so far (in this or an earlier session): i <
 * label_store_done_count; borrowed until the next change. */
size_t label_store_done_count(const label_store *s);
const char *label_store_done_text(const label_store *s, size_t i, size_t *len);
/* Appends a label after checking it against LABELING.md (cx_record_check_labeling). */
int label_store_add(label_store *s, const cx_record *rec, cx_error *err);
int label_store_skip(label_store *s, const char *text, size_t len, cx_error *err);
/* Takes back this session's last label or skip; *text (borrowed until the
 * next change) says which prompt, NULL when nothing is left to undo. */
int label_store_undo(label_store *s, const char **text, cx_error *err);
size_t label_store_labelled(const label_store *s);
size_t label_store_session_labels(const label_store *s);

/* A label being edited: starts as the model's guess. */
typedef struct label_draft {
    int tier;
    double score;
    int intent;
    unsigned domains;
    int lang;
} label_draft;

void label_draft_from_guess(label_draft *d, const label_item *it);
/* Sets the tier; the score keeps its place when it is in the new tier's range
 * and moves to the range's middle otherwise. */
void label_draft_set_tier(label_draft *d, int tier);
/* Moves the score by delta, kept inside the tier's range. */
void label_draft_nudge(label_draft *d, double delta);
cx_record label_draft_record(const label_draft *d, const label_item *it);

/* What the person decided for one prompt. */
typedef enum { LABEL_ACCEPT, LABEL_SKIP, LABEL_UNDO, LABEL_QUIT } label_action;

/* The session's figures for the progress line. */
typedef struct label_progress {
    size_t done;          /* labelled in the file */
    size_t left;          /* prompts still to see */
    double per_minute;    /* this session's labels per minute */
} label_progress;

/* The terminal screen. label_tui_open puts the terminal in raw mode and
 * label_tui_close restores it (also on SIGTERM / SIGHUP). */
typedef struct label_tui label_tui;
int label_tui_open(label_tui **out, cx_error *err);
void label_tui_close(label_tui *t);
/* Shows the prompt and lets the person edit d; returns what they decided. */
label_action label_tui_decide(label_tui *t, const label_item *it, label_draft *d, const label_progress *p,
                              const char *note);

/* LABELING.md's rules, shown by `?`. */
extern const char *const label_rules_tier;
extern const char *const label_rules_intent;
extern const char *const label_rules_domains;
extern const char *const label_rules_lang;

#endif
