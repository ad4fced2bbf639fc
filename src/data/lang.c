/* A rough language guess for statistics: en, zh or mixed (LABELING.md). */
#include <ctype.h>
#include <string.h>

#include "complexity/dataset.h"
#include "complexity/labels.h"
#include "util/utf8.h"

/* English words that signal real code-switching when they appear in Chinese
 * prose (identifiers like Python or K8s do not). */
static const char *const switch_words[] = {
    "the", "a", "an", "to", "is", "are", "and", "or", "of", "for", "in", "on", "with", "it", "this", "that",
    "please", "pls", "check", "help", "quick", "answer", "just", "how", "what", "why", "can", "you", "my",
    "me", "fix", "thanks", "sorry", "ok", "okay", "sure", "so", "but", "not", "do", "does", "should", "would",
    "update", "review", "deadline", "meeting", "confirm", "make", "sense", "call", "push", "merge", "debug",
    "deploy", "run", "test", "follow", "up", "sync", "issue", "case", "point", "idea", "plan", "schedule"};

static int is_switch_word(const char *w, size_t n) {
    char low[16];
    if (n >= sizeof low) return 0;
    for (size_t i = 0; i < n; i++) low[i] = (char)tolower((unsigned char)w[i]);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof switch_words / sizeof switch_words[0]; i++)
        if (strcmp(low, switch_words[i]) == 0) return 1;
    return 0;
}

int cx_detect_lang(const char *text, size_t len) {
    const unsigned char *s = (const unsigned char *)text;
    size_t cjk = 0, switches = 0, i = 0;
    while (i < len) {
        if (isalpha(s[i])) {
            size_t j = i;
            while (j < len && isalpha(s[j])) j++;
            switches += is_switch_word(text + i, j - i);
            i = j;
            continue;
        }
        uint32_t cp;
        size_t k = cx_utf8_decode(s + i, len - i, &cp);
        if (!k) { i++; continue; }
        cjk += cx_is_cjk(cp);
        i += k;
    }
    if (!cjk) return CX_LANG_EN;
    return switches ? CX_LANG_MIXED : CX_LANG_ZH;
}
