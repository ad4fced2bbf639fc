#ifndef CX_CLI_PRINT_STATS_H
#define CX_CLI_PRINT_STATS_H

#include <stdio.h>

#include "complexity.h"

/* The distributions the seed prints, plus languages, distinct texts, lengths. */
void print_summary(FILE *out, const cx_data_summary *s);

#endif
