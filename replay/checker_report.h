/* SPDX-License-Identifier: MIT */
/*
 * What the frame checker found for each frame, and the self-contained HTML report made from it.
 */
#ifndef VGL_REPLAY_CHECKER_REPORT_H
#define VGL_REPLAY_CHECKER_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checker_image.h"

enum frame_state {
    FRAME_UNCHECKED, /* no reference given */
    FRAME_MATCH,     /* identical (same crc, or same pixels) */
    FRAME_FUZZY,     /* pixels differ, none over the tolerance */
    FRAME_SKIPPED,   /* PNG reference, but the format has no RGBA conversion */
    FRAME_DIFFERS,
    FRAME_MISSING, /* in the reference, never produced by the replay */
    FRAME_NEW,     /* produced by the replay, not in the reference */
};

struct png_blob {
    uint8_t *data; /* encoded PNG, owned; NULL when there is no image */
    size_t size;
    uint32_t w, h;
};

struct frame_result {
    uint32_t frame, w, h, format, crc;
    bool produced; /* false for FRAME_MISSING */
    bool has_sum;  /* crc is a read-back's checksum (false for a FRAME_MARK frame) */
    enum frame_state state;
    bool has_metrics; /* m is valid (a PNG reference of the same size) */
    struct pixel_metrics m;
    char note[512];                 /* why it differs, or other detail; plain text */
    struct png_blob ref, res, diff; /* only for differing frames when a report is wanted */
};

const char *frame_state_name(enum frame_state state);
bool frame_state_differs(enum frame_state state);
/* "largest channel difference D at (x,y), N pixels over tolerance T, PSNR P dB" */
void metrics_text(const struct pixel_metrics *m, unsigned tolerance, char *buf, size_t size);

/*
 * Write dir/index.html (dir is created if missing): a summary of every result, and for each
 * differing one its images as data: URIs. ref_desc names the reference (printed escaped).
 */
bool report_write(const char *dir, const char *ref_desc, unsigned tolerance,
                  const struct frame_result *results, size_t count, char *why, size_t why_size);

#endif
