/* A label being edited, and LABELING.md's rules as `?` shows them. */
#include <math.h>

#include "label.h"

void label_draft_from_guess(label_draft *d, const label_item *it) {
    *d = (label_draft){it->guess.tier, it->guess.score, it->guess.intent, it->guess.domains, it->lang};
    label_draft_set_tier(d, d->tier);
}

/* Hand labels carry two decimals (LABELING.md's examples do). */
static double two_decimals(double x) {
    return round(x * 100.0) / 100.0;
}

void label_draft_set_tier(label_draft *d, int tier) {
    double lo = cx_tier_score_lo[tier], hi = cx_tier_score_hi[tier];
    d->tier = tier;
    if (!(d->score >= lo && d->score <= hi)) d->score = (lo + hi) / 2;
    d->score = two_decimals(d->score);
    if (d->score < lo) d->score = lo;
    if (d->score > hi) d->score = hi;
}

void label_draft_nudge(label_draft *d, double delta) {
    double lo = cx_tier_score_lo[d->tier], hi = cx_tier_score_hi[d->tier];
    double s = two_decimals(d->score + delta);
    d->score = s < lo ? lo : s > hi ? hi : s;
}

cx_record label_draft_record(const label_draft *d, const label_item *it) {
    return (cx_record){.text = it->text, .text_len = it->len, .score = d->score, .tier = d->tier,
                       .domains = d->domains, .intent = d->intent, .lang = d->lang};
}

const char *const label_rules_tier =
    "Tier and score: the work a good answer needs, not the length or the keywords (LABELING.md)\n"
    "1 trivial  0.00-0.12  small talk, greetings, thanks; one fact or one arithmetic step\n"
    "2 simple   0.15-0.32  one short well-defined task: a small function, a definition, one shell\n"
    "                      command, translating or polishing a short text, one fact out of pasted text\n"
    "3 moderate 0.38-0.58  some reasoning or a few steps: a described bug, comparing 2-3 options for a\n"
    "                      stated situation, one component, worked examples, a trip plan, ~500 words\n"
    "4 complex  0.62-0.82  multi-part analysis or design with trade-offs, retries and monitoring, a\n"
    "                      migration keeping compatibility, a data pipeline, profiling, incident\n"
    "                      debugging, a competition-level proof\n"
    "5 expert   0.86-0.98  large open-ended builds across domains: distributed systems with scale\n"
    "                      targets, a product from scratch, an ML platform, a regulated migration,\n"
    "                      research-level proofs and open problems\n"
    "Inside a tier the score rises with constraints, components, scale, risk and ambiguity.\n"
    "Long but easy stays low (a long thank-you, a pasted log + one small question);\n"
    "short but hard stays high (\"design twitter.\", \"幫我把公司整個機房搬上雲\").";

const char *const label_rules_intent =
    "Intent: one label, the first rule that applies wins (LABELING.md)\n"
    "1 greeting    purely social (hi, thanks, ok, sorry) of any length, nothing asked\n"
    "2 question    information or an explanation; proofs, derivations; one fact from pasted text\n"
    "3 code_gen    the answer is mainly code to write (function, script, SQL, Dockerfile, formula);\n"
    "              how to use one command or app feature is a question\n"
    "4 analysis    compare, evaluate, review, assess\n"
    "5 debug       something is broken and the user wants the cause or the fix\n"
    "6 planning    design, architect, plan, migrate a system, a trip, a schedule, a budget\n"
    "7 creative    write, rewrite, translate, summarize, turn notes into a list\n"
    "8 multi_step  three or more separate sub-tasks listed; or a complete product from scratch\n"
    "Order of the rules: greeting, multi_step, planning, debug, code_gen, analysis, creative, question.\n"
    "\"thanks! but it still crashes\" is debug, not greeting.";

const char *const label_rules_domains =
    "Domains (any number): the work requested, not incidental pasted content (LABELING.md)\n"
    "1 code      programming, code, frameworks, APIs, regex, SQL, git, scripts\n"
    "2 math      arithmetic, finance calculations, statistics, proofs, algorithm analysis, ML math\n"
    "3 data      databases, SQL, CSV/JSON/YAML, spreadsheets, pandas, ETL, analytics, search indexes\n"
    "4 system    OS, shell, files, servers, networking, containers, CI/CD, deployment, monitoring;\n"
    "            a shell one-liner alone is system; a script file is code + system; git is code + system\n"
    "5 creative  writing, rewriting, translation, summaries, stories, names, copy, emails, reports\n"
    "none        daily life, travel, shopping, general knowledge, small talk; a thank-you quoting code";

const char *const label_rules_lang =
    "Language (LABELING.md)\n"
    "en     English only (code may appear)\n"
    "zh     Chinese prose, Traditional or Simplified; English only as names, identifiers, pasted code\n"
    "mixed  real code-switching (\"幫我 check 一下\"), or partly in each language\n"
    "other  any other language";
