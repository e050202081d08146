/* SPDX-License-Identifier: MIT */
/*
 * Pixel work for the frame checker: reading reference PNGs (treated as hostile), encoding PNGs to
 * files and memory, difference metrics and the difference image. All images are RGBA8, tightly
 * packed, first row on top.
 */
#ifndef VGL_REPLAY_CHECKER_IMAGE_H
#define VGL_REPLAY_CHECKER_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reference images larger than this in either direction are refused before decoding. */
#define CHECKER_MAX_SIDE 16384u

/* Colours of the difference image: over the tolerance, within it but not equal. */
#define CHECKER_MARK_OVER   0xff00ffffu /* RGBA: bright magenta */
#define CHECKER_MARK_WITHIN 0x00a0a0ffu /* RGBA: dim teal */

struct rgba_image {
    uint32_t w, h;
    uint8_t *px; /* w * h * 4 bytes, owned */
};

struct pixel_metrics {
    uint32_t max_diff;     /* largest channel difference over all pixels, 0..255 */
    uint32_t max_x, max_y; /* first pixel (row-major, y=0 on top) with that difference */
    uint64_t over;         /* pixels whose largest channel difference exceeds the tolerance */
    uint64_t differing;    /* pixels with any difference */
    double psnr;           /* dB over all RGBA8 channels; INFINITY when identical */
};

/* Bytes of a w x h RGBA8 image, or 0 when either side is 0 or the size would exceed 1 GiB. */
size_t rgba_size(uint32_t w, uint32_t h);

/* Read only the size of a PNG. False with a sentence in why for anything that is not a readable
 * regular file holding a PNG within CHECKER_MAX_SIDE. */
bool png_read_size(const char *path, uint32_t *w, uint32_t *h, char *why, size_t why_size);
/* Read a PNG as RGBA8 into img (free img->px). Same checks as png_read_size. */
bool png_read_rgba(const char *path, struct rgba_image *img, char *why, size_t why_size);

/* Write RGBA8 pixels as a PNG file (through a temporary name, then renamed). */
bool png_write_rgba(const char *path, const uint8_t *px, uint32_t w, uint32_t h, char *why,
                    size_t why_size);
/* Encode RGBA8 pixels as PNG into a malloc'ed buffer (*out, *out_size; free *out). */
bool png_encode_rgba(const uint8_t *px, uint32_t w, uint32_t h, uint8_t **out, size_t *out_size,
                     char *why, size_t why_size);

/* Compare two w x h images. */
void pixel_metrics_compute(const uint8_t *ref, const uint8_t *res, uint32_t w, uint32_t h,
                           unsigned tolerance, struct pixel_metrics *m);
/* A new w x h image (malloc'ed, NULL when out of memory): a darkened greyscale of res, with
 * pixels over the tolerance in CHECKER_MARK_OVER and other differing pixels in
 * CHECKER_MARK_WITHIN, all at full alpha. */
uint8_t *diff_image_make(const uint8_t *ref, const uint8_t *res, uint32_t w, uint32_t h,
                         unsigned tolerance);

#endif
