/* SPDX-License-Identifier: MIT */
/*
 * Frame checks against expectations for CI: per-frame checksum files, reference PNG
 * directories, fuzzy comparison, an HTML report of the frames that differ, and rewriting the
 * expectations (--update). The player hands every replayed frame to checker_frame.
 */
#ifndef VGL_REPLAY_CHECKER_H
#define VGL_REPLAY_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sum_entry;
struct frame_result;

struct checker_options {
    const char *checksums_out; /* write "frame crc32 WxH format" lines here, or NULL */
    const char *compare_ref;   /* a checksum file or a directory of frame-NNNN.png, or NULL */
    unsigned tolerance;        /* largest channel difference still counted as equal */
    const char *report_dir;    /* write DIR/index.html for differing frames, or NULL */
    bool update;               /* rewrite compare_ref from this replay */
    bool partial;              /* --frames/--calls: reference frames not replayed are not
                                  missing */
    /* Instead of compare_ref: expected checksums held in memory (a corpus manifest's), named
     * expected_desc in messages. */
    const struct sum_entry *expected;
    size_t expected_count;
    const char *expected_desc;
    /* With checksums: a directory of frame-NNNN.png; a frame whose checksum differs is compared
     * with its image there, within the tolerance. */
    const char *images_dir;
};

/* One replayed frame. rgba is w*h*4 bytes, first row on top, or NULL when the frame's format has
 * no RGBA conversion (then only its checksum can be compared). */
struct checker_frame {
    uint32_t frame;
    uint32_t w, h;
    uint32_t format;
    uint32_t crc; /* CRC-32 of the read-back bytes, as in the trace's FRAME record */
    const uint8_t *rgba;
    /* A frame without a read-back (a FRAME_MARK): no image and no checksum, so it is reported
     * as not compared, never as a match or a difference, and no checksum line is written for
     * it. */
    bool unchecked;
};

struct checker;

/* NULL with a sentence in why when the reference cannot be read (a missing file, bad syntax). */
struct checker *checker_create(const struct checker_options *opts, char *why, size_t why_size);
/* Check (and remember for the report / checksum file) one frame; prints a line when it differs. */
void checker_frame(struct checker *c, const struct checker_frame *f);
/*
 * Finish: frames the reference has that the replay never produced count as differing; writes
 * the checksum file, the report and the updated expectations. Returns the number of differing
 * frames, or -1 (with why) when an output could not be written.
 */
int checker_finish(struct checker *c, char *why, size_t why_size);
void checker_destroy(struct checker *c);
/* Every frame's result, sorted by frame once checker_finish has run. */
const struct frame_result *checker_results(const struct checker *c, size_t *count);

#endif
