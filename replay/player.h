/* SPDX-License-Identifier: MIT */
/* The player: re-executes the calls of a trace on a renderer, checking frame checksums and call
 * statuses against what was recorded. Used by virgl-replay and virgl-trace; knows nothing of
 * the command line. */
#ifndef VGL_REPLAY_PLAYER_H
#define VGL_REPLAY_PLAYER_H

#include <vgl/renderer.h>
#include <vgl/trace.h>

#include "backend.h"

/* An inclusive range of frame or call numbers; `last` is UINT64_MAX when open. */
struct player_range {
    bool set;
    uint64_t first, last;
};

/*
 * One replayed frame, handed to player_options.on_frame. A trace's frames are its FRAME records,
 * or its FRAME_MARK records when it has no FRAME record (player_frame_type). A FRAME_MARK frame
 * has no read-back: `checked` is false, and format, w, h, crc, bytes, texels and recorded_crc are
 * 0 or NULL; it neither matches nor differs.
 */
struct player_frame {
    uint32_t frame; /* the FRAME or FRAME_MARK record's number */
    bool checked;   /* a FRAME record: a read-back with a checksum to compare */
    uint32_t ctx, handle, format;
    int32_t w, h;
    uint32_t crc;          /* CRC-32 of the replay's read-back */
    uint64_t bytes;        /* read-back size */
    const uint8_t *texels; /* the read-back, tightly packed rows, first row first */
    uint32_t recorded_crc; /* what the capture saw */
    bool matches_capture;  /* checked, and the read-back equals the capture's */
    uint32_t source;       /* FRAME_MARK: enum vgl_frame_source */
    /* When the frame's first call started (the first call after the previous frame's record),
     * milliseconds since this run started; and the frame record's capture time (ns since the
     * capture started; VGL_TRACE_NO_TIME in a version 1 trace). */
    double start_ms;
    uint64_t recorded_ns;
    double wall_ms, cpu_ms; /* since the previous frame ended (or the replay started) */
    uint64_t draws;         /* draw-like commands submitted before this frame's read-back */
};

struct profiler;
struct leak_tracker;

/* --pace: replay at the captured pace, or no faster than HZ frames per second. */
enum player_pace {
    PLAYER_PACE_NONE,
    PLAYER_PACE_RECORDED, /* before each call, sleep until run start + its recorded time */
    PLAYER_PACE_HZ,       /* frames start at least 1/pace_hz s apart (vblank) */
};

/* A gap between two recorded times longer than this is paced as this long (a paused guest, or
 * a hostile time); times that go backwards count as no time passing. */
#define PLAYER_PACE_MAX_GAP_NS (5ull * 1000000000ull)

struct player_options {
    struct backend_options backend; /* which renderer; zeroed: ours */
    const char *snapshot_dir;       /* write frame-NNNN.png here, or NULL */
    bool verbose;
    bool progress;              /* frames done / total, rate and ETA on stderr */
    uint32_t total_frames;      /* for progress; 0 when unknown */
    struct player_range frames; /* report and check only these frames; stop after the last */
    struct player_range calls;  /* likewise for the calls that read frames back */
    void (*on_frame)(void *user, const struct player_frame *f);
    void *user;
    /* Called when replay stops at the end of the selected range, before the contexts the trace
     * left alive are destroyed (trim reads the renderer's state here). */
    void (*at_stop)(void *user, struct vgl_renderer *r);
    /* Stop right after draw-like command number `stop_after_draw` (counting from 0 over the
     * whole trace; see player_scan_draws), submitting the rest of its buffer no further. */
    bool stop_at_draw;
    uint64_t stop_after_draw;
    enum player_pace pace;
    double pace_hz;             /* PLAYER_PACE_HZ: frames per second, > 0 */
    struct profiler *profiler;  /* slices per call and command, or NULL */
    struct leak_tracker *leaks; /* objects the guest never destroyed, or NULL */
};

struct player_stats {
    uint64_t records, calls, submits, submit_dwords, guest_bytes;
    uint32_t frames, frames_matched, frames_mismatched, snapshots_written, snapshot_failures;
    uint32_t frames_unchecked; /* FRAME_MARK frames: no read-back to compare */
    uint32_t status_mismatches;
    bool clean_end;              /* the trace ends with an END record */
    bool stopped_at_range;       /* replay stopped after the last selected frame or call */
    enum vgl_status read_status; /* VGL_OK, or why reading stopped early */
    uint64_t error_offset;
    char error_message[256];
};

struct player;

/*
 * A player on a fresh renderer; returns the renderer's status when it cannot start (see
 * backend_create), with a sentence in why.
 */
enum vgl_status player_create(const struct player_options *opts, struct player **out, char *why,
                              size_t why_size);
/* Our renderer, for usage counts and trim; NULL when replaying on another renderer. */
struct vgl_renderer *player_renderer(struct player *pl);
const char *player_renderer_name(const struct player *pl); /* "vgl", "virglrenderer" */

/*
 * Replay the trace at `path` once. Returns VGL_OK when the file was read to its end or to the
 * end of the selected range (mismatches are reported in *stats, not as an error), or a trace
 * error (TRUNCATED, CORRUPT, IO) after replaying everything before the damage. Contexts the trace
 * left alive are destroyed at the end, so the player can run the trace again.
 */
enum vgl_status player_run(struct player *pl, const char *path, struct player_stats *stats);
void player_destroy(struct player *pl);

/*
 * Read back a box through the renderer (into the resource's guest backing, as a guest read-back
 * does): *texels (tightly packed rows, valid until the next call on the player) and *bytes.
 * For at_stop callbacks.
 */
enum vgl_status player_read_back(struct player *pl, uint32_t ctx, const struct vgl_transfer *t,
                                 const uint8_t **texels, uint64_t *bytes);

/*
 * Draw-like commands (DRAW_VBO, CLEAR, CLEAR_TEXTURE, BLIT, RESOURCE_COPY_REGION: those that
 * change render targets) among the whole commands of a buffer. With `stop` < the count, *cut is
 * set to the dword just after draw number `stop` (0-based within the buffer).
 */
uint64_t player_scan_draws(const uint32_t *cmds, uint32_t ndw, uint64_t stop, uint32_t *cut);

/*
 * The rule every tool uses for what a trace's frames are: its FRAME records (read-backs with a
 * checksum) when it has any, otherwise its FRAME_MARK records (frames the guest showed, no
 * checksum). player_frame_type_for gives the record type from the number of FRAME records;
 * player_frame_type reads the trace up to its first FRAME record (all of it when there is none,
 * or up to damage) and gives VGL_REC_FRAME or VGL_REC_FRAME_MARK.
 */
uint32_t player_frame_type_for(uint64_t frame_records);
uint32_t player_frame_type(const char *path);

/* Number of frames in a trace by that rule (for progress), 0 when it cannot be read. */
uint32_t player_count_frames(const char *path);

/* The trace's format version (1 has no record times), 0 when it cannot be opened. */
uint32_t player_trace_version(const char *path);

/* "A-B", "A", "A-" into a range; false for anything else. */
bool player_parse_range(const char *text, struct player_range *out);

#endif
