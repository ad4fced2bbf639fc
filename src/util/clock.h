/* The one monotonic clock of the library: seconds since an arbitrary start,
 * for durations only (latencies, epochs, timeouts). */
#ifndef CX_UTIL_CLOCK_H
#define CX_UTIL_CLOCK_H

#include <time.h>

static inline double cx_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
