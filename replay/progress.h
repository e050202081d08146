/* SPDX-License-Identifier: MIT */
/* A one-line progress display on stderr: frames done / total, rate and ETA. */
#ifndef VGL_REPLAY_PROGRESS_H
#define VGL_REPLAY_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
    bool shown;
    uint32_t total;
    double start_ms, last_ms;
};

void progress_start(struct progress *p, uint32_t total);
/* Redraws at most ten times a second. */
void progress_update(struct progress *p, uint32_t done);
/* Clears the line, if one was drawn. */
void progress_done(struct progress *p);

#endif
