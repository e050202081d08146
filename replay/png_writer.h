/* SPDX-License-Identifier: MIT */
/* Writes read-back texels as an RGBA PNG (libpng). */
#ifndef VGL_REPLAY_PNG_WRITER_H
#define VGL_REPLAY_PNG_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Convert `w` x `h` texels of virgl `format` (tightly packed rows, first row first) and write
 * them to `path`. Returns false (with a message in `why`) for formats without a conversion. */
bool png_write_texels(const char *path, uint32_t format, uint32_t w, uint32_t h,
                      const uint8_t *texels, char *why, size_t why_size);

#endif
