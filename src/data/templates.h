/* Template families for the generator: the parsed form of *.tmpl files. */
#ifndef CX_DATA_TEMPLATES_H
#define CX_DATA_TEMPLATES_H

#include <stddef.h>

/* A template file compiled into the library (generated/templates_builtin.c). */
typedef struct cx_template_source {
    const char *name;  /* file name, for error messages */
    const char *text;  /* NUL-terminated contents */
    size_t len;
} cx_template_source;

extern const cx_template_source cx_builtin_templates[];

#endif
