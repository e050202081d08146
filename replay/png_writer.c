/* SPDX-License-Identifier: MIT */
/* PNG output for snapshots through libpng's simplified API. Rows are written in guest memory
 * order: the first row of the resource is the top row of the image. */
#include "png_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include <vgl/format.h>

bool png_write_texels(const char *path, uint32_t format, uint32_t w, uint32_t h,
                      const uint8_t *texels, char *why, size_t why_size) {
    if (w == 0 || h == 0 || (uint64_t)w * h > (1u << 28)) {
        snprintf(why, why_size, "image size %ux%u", w, h);
        return false;
    }
    uint8_t *rgba = malloc((size_t)w * h * 4);
    if (!rgba) {
        snprintf(why, why_size, "out of memory");
        return false;
    }
    if (!vgl_format_to_rgba8(format, texels, (size_t)w * h, rgba)) {
        snprintf(why, why_size, "no RGBA conversion for format %u", format);
        free(rgba);
        return false;
    }
    png_image image;
    memset(&image, 0, sizeof(image));
    image.version = PNG_IMAGE_VERSION;
    image.width = w;
    image.height = h;
    image.format = PNG_FORMAT_RGBA;
    const int ok = png_image_write_to_file(&image, path, 0, rgba, 0, NULL);
    if (!ok) {
        snprintf(why, why_size, "%s", image.message);
    }
    png_image_free(&image);
    free(rgba);
    return ok != 0;
}
