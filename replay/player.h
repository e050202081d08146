/* SPDX-License-Identifier: MIT */
/* The player: re-executes the calls of a trace on a fresh renderer, checking frame checksums and
 * call statuses against what was recorded. Used by virgl-replay; knows nothing of the CLI. */
#ifndef VGL_REPLAY_PLAYER_H
#define VGL_REPLAY_PLAYER_H

#include <vgl/renderer.h>
#include <vgl/trace.h>

struct player_options {
    const char *snapshot_dir; /* write frame-NNNN.png here, or NULL */
    bool verbose;
};

struct player_stats {
    uint64_t records, calls, submits, submit_dwords, guest_bytes;
    uint32_t frames, frames_matched, frames_mismatched, snapshots_written, snapshot_failures;
    uint32_t status_mismatches;
    bool clean_end;              /* the trace ends with an END record */
    enum vgl_status read_status; /* VGL_OK, or why reading stopped early */
    uint64_t error_offset;
    char error_message[256];
};

/*
 * Replay the trace at `path`. Returns VGL_OK when the whole file was read (checksum mismatches
 * are reported in *stats, not as an error), a trace error (TRUNCATED, CORRUPT, IO) after
 * replaying everything before the damage, or the renderer's status when it cannot start.
 */
enum vgl_status player_run(const char *path, const struct player_options *opts,
                           struct player_stats *stats);

#endif
