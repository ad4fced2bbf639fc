/* Labelled datasets: JSONL files of {"text", "score", "tier", "domains", "intent"}
 * (plus optional "lang"), one record a line, UTF-8. Every later command reads
 * its data through this reader, so every record is validated the same way. */
#ifndef COMPLEXITY_DATASET_H
#define COMPLEXITY_DATASET_H

#include <stdio.h>

#include "complexity/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One validated record. Strings are owned by the dataset. */
typedef struct cx_record {
    const char *text;   /* NUL-terminated UTF-8, never empty */
    size_t text_len;    /* bytes, without the NUL */
    double score;       /* finite, in [0, 1] */
    int tier;           /* cx_tier */
    unsigned domains;   /* bit d set <=> cx_domain d is present */
    int intent;         /* cx_intent */
    int lang;           /* cx_lang from the "lang" field, or -1 when absent */
    size_t line;        /* 1-based line number in its file */
} cx_record;

typedef struct cx_dataset cx_dataset;

enum {
    CX_LOAD_SKIP_INVALID = 1u << 0, /* count and skip bad lines instead of failing */
    CX_LOAD_ALLOW_EMPTY = 1u << 1   /* a file with no records is not an error */
};

/* Hard limit on one line; longer lines are reported, never buffered whole. */
#define CX_MAX_LINE_BYTES (1u << 20)

/* Reads and validates `path` ("-" = stdin). Without CX_LOAD_SKIP_INVALID the
 * first bad line fails the load with "FILE:LINE: what is wrong" in err. With
 * it, bad lines are counted and the first problems kept (cx_dataset_problem).
 * On success *out is a new dataset the caller frees with cx_dataset_free. */
CX_API int cx_dataset_load(const char *path, unsigned flags, cx_dataset **out, cx_error *err);
CX_API void cx_dataset_free(cx_dataset *ds);

CX_API size_t cx_dataset_size(const cx_dataset *ds);
/* Borrowed pointer, valid until cx_dataset_free. i < cx_dataset_size. */
CX_API const cx_record *cx_dataset_get(const cx_dataset *ds, size_t i);
CX_API const char *cx_dataset_path(const cx_dataset *ds);

/* Lines that failed validation (only non-zero with CX_LOAD_SKIP_INVALID). */
CX_API size_t cx_dataset_invalid_count(const cx_dataset *ds);
/* The i-th kept problem message ("FILE:LINE: ..."), i < cx_dataset_problem_count;
 * at most CX_MAX_KEPT_PROBLEMS are kept. Borrowed pointer. */
#define CX_MAX_KEPT_PROBLEMS 50
CX_API size_t cx_dataset_problem_count(const cx_dataset *ds);
CX_API const char *cx_dataset_problem(const cx_dataset *ds, size_t i);
/* Notes on tolerated oddities: a UTF-8 BOM, CRLF line ends, blank lines. */
CX_API int cx_dataset_had_bom(const cx_dataset *ds);
CX_API size_t cx_dataset_crlf_lines(const cx_dataset *ds);
CX_API size_t cx_dataset_blank_lines(const cx_dataset *ds);

/* Validates one JSON line (no line terminator) as a record; used by the loader
 * and by anything that reads records from a stream. On success fills *rec with
 * pointers into `*text_out`, a new NUL-terminated copy the caller frees. The
 * message in err has no "FILE:LINE: " prefix. */
CX_API int cx_record_parse(const char *line, size_t len, cx_record *rec, char **text_out, cx_error *err);

/* LABELING.md's rules that a record can be checked against on its own: the
 * score lies in its tier's range (cx_tier_score_lo/hi, a rounding of 0.005
 * allowed), tier, intent and lang (or -1) are in their lists, domains has no
 * bit beyond the list. Returns CX_OK, or CX_ERR_INVALID naming the field. A
 * file that passes the loader may still fail this (the seed's data does not
 * always follow it); every label a person gives through `complexity label`
 * must pass it. */
CX_API int cx_record_check_labeling(const cx_record *rec, cx_error *err);

/* Writes one record as the seed writes it (Python json.dumps, ensure_ascii
 * False): {"text": ..., "score": ..., "tier": ..., "domains": [...], "intent": ...}
 * followed by '\n'. Returns CX_OK or CX_ERR_IO. */
CX_API int cx_record_write(FILE *f, const cx_record *rec);

#ifdef __cplusplus
}
#endif
#endif
