/* A rough language guess for statistics: en, zh or mixed (LABELING.md).
 * Text without CJK is English. Text with CJK is mixed when a line that also
 * holds Chinese uses English words of real code-switching ("幫我 check 一下");
 * lines without Chinese (pasted code, logs) and `code spans` do not count,
 * nor do identifiers and names, which zh allows. */
#include <ctype.h>
#include <string.h>

#include "complexity/dataset.h"
#include "complexity/labels.h"
#include "util/utf8.h"

static const char *const switch_words[] = {
    "the", "and", "with", "this", "that", "please", "pls", "check", "help", "quick", "answer", "just", "how",
    "what", "why", "can", "you", "my", "me", "fix", "thanks", "thx", "sorry", "ok", "okay", "sure", "but", "not",
    "does", "should", "would", "update", "review", "deadline", "meeting", "confirm", "make", "sense", "call",
    "push", "merge", "debug", "deploy", "run", "test", "follow", "up", "sync", "issue", "case", "point", "idea",
    "plan", "schedule", "feature", "design", "team", "data", "bug", "error", "work", "works", "crash", "render",
    "delay", "release", "client", "boss", "demo", "cache", "clear", "local", "staging", "permission", "module"};

static int is_switch_word(const char *w, size_t n) {
    char low[16];
    if (n < 2 || n >= sizeof low) return 0;
    for (size_t i = 0; i < n; i++) low[i] = (char)tolower((unsigned char)w[i]);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof switch_words / sizeof switch_words[0]; i++)
        if (strcmp(low, switch_words[i]) == 0) return 1;
    return 0;
}

/* Counts CJK characters and switch words of one line (outside `code`). */
static void scan_line(const unsigned char *s, size_t len, size_t *cjk, size_t *switches) {
    size_t i = 0;
    int in_code = 0;
    *cjk = *switches = 0;
    while (i < len) {
        if (s[i] == '`') { in_code = !in_code; i++; continue; }
        if (isalpha(s[i])) {
            size_t j = i;
            while (j < len && (isalnum(s[j]) || s[j] == '_')) j++;
            if (!in_code) *switches += is_switch_word((const char *)s + i, j - i);
            i = j;
            continue;
        }
        uint32_t cp;
        size_t k = cx_utf8_decode(s + i, len - i, &cp);
        if (!k) { i++; continue; }
        *cjk += cx_is_cjk(cp);
        i += k;
    }
}

int cx_detect_lang(const char *text, size_t len) {
    const unsigned char *s = (const unsigned char *)text;
    size_t cjk_total = 0, switches_total = 0, start = 0;
    while (start <= len) {
        const unsigned char *nl = memchr(s + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - s) : len, cjk, switches;
        scan_line(s + start, end - start, &cjk, &switches);
        cjk_total += cjk;
        if (cjk) switches_total += switches; /* lines without Chinese are pasted content */
        start = end + 1;
    }
    if (!cjk_total) return CX_LANG_EN;
    return switches_total ? CX_LANG_MIXED : CX_LANG_ZH;
}
