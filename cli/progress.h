/* Progress display for long work: a bar with rate and ETA redrawn in place on
 * a terminal, plain lines (every 10% or 30 s) otherwise. */
#ifndef CX_CLI_PROGRESS_H
#define CX_CLI_PROGRESS_H

#include <stdio.h>

typedef struct progress {
    FILE *out;
    int tty;
    double t0;          /* start of the current task */
    double last_draw;
    int last_decile;
    char label[64];
    long total;
    int open_line;      /* a bar is drawn on the current line */
} progress;

void progress_init(progress *p, FILE *out);
/* Starts a new task of `total` units (resets the clock). */
void progress_start(progress *p, const char *label, long total);
/* done units of total; extra is appended (e.g. "loss 0.4312"). */
void progress_update(progress *p, long done, const char *extra);
/* Ends the bar's line, so other output can follow. */
void progress_end(progress *p);

#endif
