/* SPDX-License-Identifier: MIT */
/* What one virgl-replay invocation does with its options: loops, benchmark statistics, checks
 * against expectations, profile and leak reports, the frame log, and the exit status. */
#ifndef VGL_REPLAY_APP_H
#define VGL_REPLAY_APP_H

#include <stdio.h>

#include "checker.h"
#include "player.h"

enum exit_code {
    EXIT_GOOD = 0,
    EXIT_BAD = 1,
    EXIT_INPUT = 2,
    EXIT_UNTESTABLE = 125,
};

struct frame_sum {
    uint32_t frame, crc;
};

struct replay_app {
    const char *path;
    struct player_options popts;
    struct checker_options copts;
    int verbosity;
    bool benchmark, leaks;
    unsigned loops;
    const char *profile_path;
    const char *frame_log_path; /* --frame-log: one JSON object per frame */
    FILE *frame_log;

    struct checker *checker;
    struct profiler *profiler;
    struct leak_tracker *leak_tracker;
    unsigned iteration;
    struct frame_sum *first_sums; /* the first iteration's checksums, for --loop */
    size_t first_count, first_capacity, seen_this_iteration;
    bool loop_differs;
    uint32_t status_mismatches;     /* calls whose status differs from the capture's (first run) */
    double *frame_wall, *frame_cpu; /* --benchmark, every frame of every iteration */
    size_t timed, timed_capacity;
    uint8_t *rgba;
    size_t rgba_capacity;
};

int replay_app_run(struct replay_app *app);
/* 125, or VGL_EXIT_UNTESTABLE from the environment (the meson tests ask for 77). */
int replay_untestable_status(void);
void replay_app_finish(struct replay_app *app);

#endif
