/* SPDX-License-Identifier: MIT */
#include "progress.h"

#include <stdio.h>
#include <time.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void progress_start(struct progress *p, uint32_t total) {
    *p = (struct progress){.total = total, .start_ms = now_ms()};
}

void progress_update(struct progress *p, uint32_t done) {
    const double now = now_ms();
    if (now - p->last_ms < 100 && done != p->total) {
        return;
    }
    p->last_ms = now;
    const double secs = (now - p->start_ms) / 1e3;
    const double rate = secs > 0 ? done / secs : 0;
    if (p->total && done <= p->total) {
        const double eta = rate > 0 ? (p->total - done) / rate : 0;
        fprintf(stderr, "\r\033[Kframe %u/%u (%.0f%%), %.1f frames/s, ETA %.0f s", done, p->total,
                100.0 * done / p->total, rate, eta);
    } else {
        fprintf(stderr, "\r\033[Kframe %u, %.1f frames/s", done, rate);
    }
    p->shown = true;
}

void progress_done(struct progress *p) {
    if (p->shown) {
        fprintf(stderr, "\r\033[K");
        p->shown = false;
    }
}
