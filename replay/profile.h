/* SPDX-License-Identifier: MIT */
/*
 * --profile: Chrome trace-event JSON (loads in ui.perfetto.dev and chrome://tracing) with a slice
 * per call, a slice per decoded command (wall and CPU time, GPU time from GL timer queries on a
 * track of its own), frames as slices and uploaded bytes as a counter; plus a text summary of
 * the commands that cost most. Events are streamed to the file as they happen.
 */
#ifndef VGL_REPLAY_PROFILE_H
#define VGL_REPLAY_PROFILE_H

#include <stdio.h>

#include <vgl/renderer.h>

struct profiler;

/* NULL with a reason in why when the file cannot be created. */
struct profiler *profile_create(const char *path, char *why, size_t why_size);
void profile_call_begin(struct profiler *pf, uint64_t call, const char *name, uint32_t ctx);
void profile_call_end(struct profiler *pf);
void profile_command(struct profiler *pf, const struct vgl_command_timing *t);
/* A frame from start_ms to end_ms (CLOCK_MONOTONIC milliseconds). */
void profile_frame(struct profiler *pf, uint32_t frame, double start_ms, double end_ms);
/*
 * The captured timeline, a second process ("captured") beside the replay's: a call at the time
 * the capture recorded it and a frame from the previous frame's recorded time to its own, each
 * given as CLOCK_MONOTONIC ns already aligned by the caller (the trace's first record at the
 * replay's start).
 */
void profile_captured_call(struct profiler *pf, uint64_t call, const char *name, uint32_t ctx,
                           uint64_t at_ns);
void profile_captured_frame(struct profiler *pf, uint32_t frame, uint64_t start_ns,
                            uint64_t end_ns);
/* Guest bytes uploaded so far. */
void profile_upload(struct profiler *pf, uint64_t total_bytes);
/* Close the JSON and print the summary to `summary`; false when writing failed. */
bool profile_finish(struct profiler *pf, FILE *summary);
void profile_destroy(struct profiler *pf);

#endif
