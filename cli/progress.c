#include "progress.h"

#include <string.h>
#include <unistd.h>

#include "cli.h"

void progress_init(progress *p, FILE *out) {
    memset(p, 0, sizeof *p);
    p->out = out;
    p->tty = isatty(fileno(out));
}

void progress_start(progress *p, const char *label, long total) {
    progress_end(p);
    snprintf(p->label, sizeof p->label, "%s", label);
    p->total = total > 0 ? total : 1;
    p->t0 = cli_now_s();
    p->last_draw = 0;
    p->last_decile = -1;
}

static void fmt_duration(char *buf, size_t n, double s) {
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, n, "%02ld:%02ld", t / 60, t % 60);
}

void progress_update(progress *p, long done, const char *extra) {
    double t = cli_now_s(), elapsed = t - p->t0;
    double frac = (double)done / (double)p->total;
    int decile = (int)(frac * 10);
    int final = done >= p->total;
    if (p->tty ? (t - p->last_draw < 0.1 && !final) : (decile == p->last_decile && t - p->last_draw < 30 && !final))
        return;
    p->last_draw = t;
    p->last_decile = decile;
    double rate = elapsed > 0.5 ? (double)done / elapsed : 0; /* too early to tell */
    char eta[32], spent[32];
    fmt_duration(eta, sizeof eta, rate > 0 ? (double)(p->total - done) / rate : 0);
    fmt_duration(spent, sizeof spent, elapsed);
    if (p->tty) {
        char bar[31];
        int fill = (int)(frac * 30);
        for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(p->out, "\r%s [%s] %3d%% %ld/%ld %.1f/s %s ETA %s %s\033[K", p->label, bar, (int)(frac * 100), done,
                p->total, rate, spent, eta, extra ? extra : "");
        p->open_line = 1;
    } else {
        fprintf(p->out, "%s: %ld/%ld (%d%%) %.1f/s elapsed %s ETA %s %s\n", p->label, done, p->total,
                (int)(frac * 100), rate, spent, eta, extra ? extra : "");
    }
    fflush(p->out);
}

void progress_end(progress *p) {
    if (p->open_line) fputc('\n', p->out);
    p->open_line = 0;
}
