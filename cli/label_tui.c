/* The labelling screen: the prompt (wrapped by display width, pasted code
 * kept line by line, long pastes shown head and tail), the model's guess and
 * how sure it is, the label being edited, and single keys to change it. The
 * terminal is in raw mode while it runs and restored on every way out. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <utf8proc.h>

#include "label.h"

struct label_tui {
    int fd;                /* the terminal */
    struct termios saved;
    int pending;           /* a key read after ESC that was not part of a sequence, or -1 */
};

/* The one piece of state a signal handler needs: the terminal's settings, to
 * put them back when SIGTERM or SIGHUP ends the session (the labels are
 * already on disk). */
static struct termios g_saved_termios;
static int g_tty_fd = -1;

static void restore_and_exit(int sig) {
    if (g_tty_fd >= 0) {
        static const char reset[] = "\x1b[0m\x1b[?25h\r\n";
        tcsetattr(g_tty_fd, TCSAFLUSH, &g_saved_termios);
        (void)!write(g_tty_fd, reset, sizeof reset - 1);
    }
    _exit(128 + sig);
}

int label_tui_open(label_tui **out, cx_error *err) {
    label_tui *t = calloc(1, sizeof *t);
    if (!t) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    t->fd = STDIN_FILENO;
    t->pending = -1;
    if (tcgetattr(t->fd, &t->saved) != 0) {
        free(t);
        return cx_error_set(err, CX_ERR_IO, "standard input is not a terminal (use --plain)");
    }
    g_saved_termios = t->saved;
    g_tty_fd = t->fd;
    struct sigaction sa = {0};
    sa.sa_handler = restore_and_exit;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    struct termios raw = t->saved;
    raw.c_lflag &= ~(tcflag_t)(ECHO | ICANON | ISIG | IEXTEN);
    raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    tcsetattr(t->fd, TCSAFLUSH, &raw);
    *out = t;
    return CX_OK;
}

void label_tui_close(label_tui *t) {
    if (!t) return;
    printf("\x1b[0m\x1b[H\x1b[2J");
    fflush(stdout);
    tcsetattr(t->fd, TCSAFLUSH, &t->saved);
    g_tty_fd = -1;
    free(t);
}

static void screen_size(int *cols, int *rows) {
    struct winsize ws;
    *cols = 80;
    *rows = 24;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20 && ws.ws_row > 10) {
        *cols = ws.ws_col;
        *rows = ws.ws_row;
    }
}

static int read_byte(label_tui *t, int timeout_ms) {
    unsigned char c;
    struct pollfd p = {t->fd, POLLIN, 0};
    if (timeout_ms >= 0 && poll(&p, 1, timeout_ms) <= 0) return -1;
    return read(t->fd, &c, 1) == 1 ? c : -2;
}

/* A key. An escape sequence (arrows, function keys: ESC [ ... or ESC O x)
 * reads as ESC alone; a key typed right after ESC is kept for the next call. */
static int read_key(label_tui *t) {
    int c = t->pending;
    t->pending = -1;
    if (c < 0) c = read_byte(t, -1);
    if (c == -2) return 'q'; /* the terminal is gone */
    if (c != 27) return c;
    int next = read_byte(t, 30);
    if (next == '[' || next == 'O') {
        int b;
        do b = read_byte(t, 30);
        while (b >= 0 && next == '[' && !(b >= 0x40 && b <= 0x7e));
    } else if (next >= 0) {
        t->pending = next;
    }
    return 27;
}

/* ---- The prompt, wrapped ---- */

typedef struct row {
    const char *s;
    size_t len;
    int cont;   /* continues the line above (wrapped), so pasted code reads line by line */
} row;

typedef struct rows {
    row *r;
    size_t n, cap;
} rows;

static int push_row(rows *rs, const char *s, size_t len, int cont) {
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? 2 * rs->cap : 64;
        row *r = realloc(rs->r, cap * sizeof *r);
        if (!r) return -1;
        rs->r = r;
        rs->cap = cap;
    }
    rs->r[rs->n++] = (row){s, len, cont};
    return 0;
}

/* Display columns of one code point: wide CJK 2, combining 0, tab to 4. */
static int cp_width(utf8proc_int32_t cp, int col) {
    if (cp == '\t') return 4 - col % 4;
    if (cp < 32 || cp == 127) return 0;
    int w = utf8proc_charwidth(cp);
    return w < 0 ? 1 : w;
}

/* Splits the text into rows of at most `width` columns, at its newlines and
 * where a line runs over. */
static int wrap(const char *text, size_t len, int width, rows *rs) {
    size_t i = 0, start = 0;
    int col = 0, cont = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) n = 1, cp = '?';
        if (cp == '\n') {
            if (push_row(rs, text + start, i - start, cont)) return -1;
            i += (size_t)n;
            start = i;
            col = cont = 0;
            continue;
        }
        int w = cp_width(cp, col);
        if (col + w > width && i > start) {
            if (push_row(rs, text + start, i - start, cont)) return -1;
            start = i;
            col = 0;
            cont = 1;
            w = cp_width(cp, col);
        }
        col += w;
        i += (size_t)n;
    }
    return push_row(rs, text + start, len - start, cont);
}

/* Writes one row: tabs as spaces, other control characters dropped. */
static void put_row(FILE *o, const row *r) {
    int col = 0;
    size_t i = 0;
    while (i < r->len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)r->s + i, (utf8proc_ssize_t)(r->len - i), &cp);
        if (n <= 0) n = 1, cp = '?';
        int w = cp_width(cp, col);
        if (cp == '\t') fprintf(o, "%*s", w, "");
        else if (cp == '?' && n == 1 && (unsigned char)r->s[i] >= 0x80) fputc('?', o);
        else if (w > 0 || cp >= 32) fwrite(r->s + i, 1, (size_t)n, o);
        col += w;
        i += (size_t)n;
    }
}

static void put_gutter_row(FILE *o, const row *r) {
    fputs(r->cont ? "\x1b[2m┆\x1b[0m " : "\x1b[2m│\x1b[0m ", o);
    put_row(o, r);
    fputs("\r\n", o);
}

/* The prompt in at most `avail` rows: all of it, or its head and its tail
 * (the question after a paste is often at the end). */
static void put_prompt(FILE *o, const label_item *it, int cols, int avail) {
    rows rs = {0};
    if (wrap(it->text, it->len, cols - 2, &rs)) {
        fprintf(o, "(out of memory)\r\n");
        free(rs.r);
        return;
    }
    size_t head = rs.n, tail = 0;
    if (rs.n > (size_t)avail) {
        tail = (size_t)avail / 3;
        head = (size_t)avail - 1 - tail;
    }
    for (size_t k = 0; k < head; k++) put_gutter_row(o, &rs.r[k]);
    if (tail) {
        fprintf(o, "\x1b[2m│ … %zu more rows …\x1b[0m\r\n", rs.n - head - tail);
        for (size_t k = rs.n - tail; k < rs.n; k++) put_gutter_row(o, &rs.r[k]);
    }
    free(rs.r);
}

/* ---- The rest of the screen ---- */

typedef enum { MODE_MAIN, MODE_INTENT, MODE_DOMAINS, MODE_HELP } mode;

static void put_domains(FILE *o, unsigned domains) {
    if (!domains) fputs("none", o);
    for (int d = 0, first = 1; d < CX_N_DOMAINS; d++)
        if (domains >> d & 1u) {
            fprintf(o, "%s%s", first ? "" : ",", cx_domain_names[d]);
            first = 0;
        }
}

static void put_guess(FILE *o, const label_item *it) {
    const cx_prediction *g = &it->guess;
    const int second = it->runner_up;
    fprintf(o, "model: %s %.2f (p %.2f, next %s %.2f: %s) · intent %s %.2f · domains ", cx_tier_names[g->tier],
            g->score, g->tier_probs[g->tier], cx_tier_names[second], g->tier_probs[second],
            it->margin < 0.2 ? "\x1b[33munsure\x1b[0m" : it->margin < 0.5 ? "fairly sure" : "sure",
            cx_intent_names[g->intent], g->intent_probs[g->intent]);
    put_domains(o, g->domains);
    fputs("\r\n", o);
}

static void put_draft(FILE *o, const label_draft *d) {
    fprintf(o, "\x1b[1mlabel: %s %.2f · intent %s · domains ", cx_tier_names[d->tier], d->score,
            cx_intent_names[d->intent]);
    put_domains(o, d->domains);
    fprintf(o, " · lang %s\x1b[0m\r\n", d->lang >= 0 ? cx_lang_names[d->lang] : "?");
}

static void put_keys(FILE *o, mode m, const label_draft *d) {
    if (m == MODE_INTENT) {
        fputs("intent:", o);
        for (int k = 0; k < CX_N_INTENTS; k++) fprintf(o, " %d %s", k + 1, cx_intent_names[k]);
        fputs(" · Esc back · ? rules\r\n", o);
    } else if (m == MODE_DOMAINS) {
        fputs("domains (toggle):", o);
        for (int k = 0; k < CX_N_DOMAINS; k++)
            fprintf(o, " %d[%c]%s", k + 1, d->domains >> k & 1u ? 'x' : ' ', cx_domain_names[k]);
        fputs(" · 0 none · Enter done · ? rules\r\n", o);
    } else {
        fputs("Enter accept · 1-5 tier · +/- score · i intent · d domains · l language · s skip · u undo · "
              "? rules · q quit\r\n", o);
    }
}

static const char *rules_for(mode m) {
    return m == MODE_INTENT ? label_rules_intent : m == MODE_DOMAINS ? label_rules_domains : label_rules_tier;
}

static void put_help(FILE *o, mode m) {
    for (const char *p = rules_for(m); *p; p++) {
        if (*p == '\n') fputc('\r', o);
        fputc(*p, o);
    }
    fputs("\r\n\r\n", o);
    if (m == MODE_MAIN) {
        for (const char *p = label_rules_lang; *p; p++) {
            if (*p == '\n') fputc('\r', o);
            fputc(*p, o);
        }
        fputs("\r\n\r\n", o);
    }
    fputs("(any key: back)\r\n", o);
}

static void draw(const label_item *it, const label_draft *d, const label_progress *p, mode m, mode help_of,
                 const char *note) {
    int cols, lines;
    screen_size(&cols, &lines);
    char *buf = NULL;
    size_t size = 0;
    FILE *o = open_memstream(&buf, &size);
    if (!o) return;
    fputs("\x1b[H\x1b[2J", o);
    fprintf(o, "\x1b[7m complexity label · %zu labelled · %zu left", p->done, p->left);
    if (p->per_minute > 0) fprintf(o, " · %.1f labels/min", p->per_minute);
    fprintf(o, " · line %zu", it->line);
    if (it->count > 1) fprintf(o, " · %zu times in the log", it->count);
    fputs(" \x1b[0m\r\n", o);
    if (m == MODE_HELP) {
        put_help(o, help_of);
    } else {
        put_prompt(o, it, cols, lines - 8);
        fputs("\x1b[2m", o);
        for (int k = 0; k < cols && k < 100; k++) fputs("─", o);
        fputs("\x1b[0m\r\n", o);
        put_guess(o, it);
        put_draft(o, d);
        put_keys(o, m, d);
        if (note && *note) fprintf(o, "\x1b[33m%s\x1b[0m\r\n", note);
    }
    fclose(o);
    fwrite(buf, 1, size, stdout);
    fflush(stdout);
    free(buf);
}

/* One key of the main screen. Returns 1 when a decision is made. */
static int main_key(int c, label_draft *d, mode *m, label_action *act) {
    switch (c) {
    case '\r': case '\n': case 'a': case 'y': *act = LABEL_ACCEPT; return 1;
    case 's': *act = LABEL_SKIP; return 1;
    case 'u': *act = LABEL_UNDO; return 1;
    case 'q': case 3: case 4: *act = LABEL_QUIT; return 1;
    case '+': case '=': label_draft_nudge(d, 0.01); return 0;
    case '-': case '_': label_draft_nudge(d, -0.01); return 0;
    case 'i': *m = MODE_INTENT; return 0;
    case 'd': *m = MODE_DOMAINS; return 0;
    case 'l': d->lang = (d->lang + 1) % CX_N_LANGS; return 0;
    default:
        if (c >= '1' && c < '1' + CX_N_TIERS) label_draft_set_tier(d, c - '1');
        return 0;
    }
}

static void intent_key(int c, label_draft *d, mode *m) {
    if (c >= '1' && c < '1' + CX_N_INTENTS) d->intent = c - '1';
    if ((c >= '1' && c < '1' + CX_N_INTENTS) || c == 27 || c == '\r' || c == '\n') *m = MODE_MAIN;
}

static void domains_key(int c, label_draft *d, mode *m) {
    if (c >= '1' && c < '1' + CX_N_DOMAINS) d->domains ^= 1u << (c - '1');
    else if (c == '0') d->domains = 0;
    else if (c == 27 || c == '\r' || c == '\n') *m = MODE_MAIN;
}

label_action label_tui_decide(label_tui *t, const label_item *it, label_draft *d, const label_progress *p,
                              const char *note) {
    mode m = MODE_MAIN, help_of = MODE_MAIN;
    label_action act = LABEL_QUIT;
    for (;;) {
        draw(it, d, p, m, help_of, note);
        int c = read_key(t);
        note = NULL;
        if (m == MODE_HELP) {
            m = help_of;
        } else if (c == '?') {
            help_of = m;
            m = MODE_HELP;
        } else if (m == MODE_INTENT) {
            intent_key(c, d, &m);
        } else if (m == MODE_DOMAINS) {
            domains_key(c, d, &m);
        } else if (main_key(c, d, &m, &act)) {
            return act;
        }
    }
}
