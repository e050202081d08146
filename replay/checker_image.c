/* SPDX-License-Identifier: MIT */
/*
 * PNG reading and writing (libpng's simplified API) and pixel comparison for the frame checker.
 * Reference files come from anywhere: only regular files of bounded size and dimensions are
 * decoded, and every failure becomes a sentence, never an abort.
 */
#include "checker_image.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <png.h>

/* A compressed PNG larger than this is not a reference image we want to read. */
#define MAX_PNG_FILE    (256u << 20)
#define MAX_IMAGE_BYTES (1ull << 30)

size_t rgba_size(uint32_t w, uint32_t h) {
    /* (2^32 - 1)^2 still fits 64 bits, so the product is exact before it is bounded. */
    const uint64_t pixels = (uint64_t)w * h;
    if (pixels == 0 || pixels > MAX_IMAGE_BYTES / 4 || pixels * 4 > SIZE_MAX) {
        return 0;
    }
    return (size_t)(pixels * 4);
}

/* Open path for reading only if it is a regular file of sane size; a FIFO or device would block
 * or never end. */
static FILE *open_regular(const char *path, char *why, size_t why_size) {
    const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, why_size, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if ((uint64_t)st.st_size > MAX_PNG_FILE) {
        snprintf(why, why_size, "%s: file too large (%lld bytes)", path, (long long)st.st_size);
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

/* Begin reading: the header is parsed and the size checked. On success the caller owns both
 * image (png_image_free) and *file (fclose). */
static bool begin_read(const char *path, png_image *image, FILE **file, char *why,
                       size_t why_size) {
    memset(image, 0, sizeof(*image));
    image->version = PNG_IMAGE_VERSION;
    *file = open_regular(path, why, why_size);
    if (!*file) {
        return false;
    }
    if (!png_image_begin_read_from_stdio(image, *file)) {
        snprintf(why, why_size, "%s: not a readable PNG (%s)", path, image->message);
        goto fail;
    }
    if (image->width == 0 || image->height == 0 || image->width > CHECKER_MAX_SIDE ||
        image->height > CHECKER_MAX_SIDE) {
        snprintf(why, why_size, "%s: image size %ux%u is outside 1..%u", path, image->width,
                 image->height, CHECKER_MAX_SIDE);
        goto fail;
    }
    return true;
fail:
    png_image_free(image);
    fclose(*file);
    *file = NULL;
    return false;
}

bool png_read_size(const char *path, uint32_t *w, uint32_t *h, char *why, size_t why_size) {
    png_image image;
    FILE *f;
    if (!begin_read(path, &image, &f, why, why_size)) {
        return false;
    }
    *w = image.width;
    *h = image.height;
    png_image_free(&image);
    fclose(f);
    return true;
}

bool png_read_rgba(const char *path, struct rgba_image *img, char *why, size_t why_size) {
    memset(img, 0, sizeof(*img));
    png_image image;
    FILE *f;
    if (!begin_read(path, &image, &f, why, why_size)) {
        return false;
    }
    image.format = PNG_FORMAT_RGBA;
    const size_t size = rgba_size(image.width, image.height);
    uint8_t *px = size ? malloc(size) : NULL;
    bool ok = false;
    if (!px) {
        snprintf(why, why_size, "%s: out of memory for %ux%u", path, image.width, image.height);
    } else if (!png_image_finish_read(&image, NULL, px, 0, NULL)) {
        snprintf(why, why_size, "%s: broken PNG (%s)", path, image.message);
    } else {
        img->w = image.width;
        img->h = image.height;
        img->px = px;
        px = NULL;
        ok = true;
    }
    free(px);
    png_image_free(&image);
    fclose(f);
    return ok;
}

static void init_write_image(png_image *image, uint32_t w, uint32_t h) {
    memset(image, 0, sizeof(*image));
    image->version = PNG_IMAGE_VERSION;
    image->width = w;
    image->height = h;
    image->format = PNG_FORMAT_RGBA;
}

bool png_write_rgba(const char *path, const uint8_t *px, uint32_t w, uint32_t h, char *why,
                    size_t why_size) {
    if (!rgba_size(w, h)) {
        snprintf(why, why_size, "%s: image size %ux%u", path, w, h);
        return false;
    }
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        snprintf(why, why_size, "path too long");
        return false;
    }
    png_image image;
    init_write_image(&image, w, h);
    if (!png_image_write_to_file(&image, tmp, 0, px, 0, NULL)) {
        snprintf(why, why_size, "%s: %s", tmp, image.message);
        png_image_free(&image);
        unlink(tmp);
        return false;
    }
    png_image_free(&image);
    if (rename(tmp, path) != 0) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return false;
    }
    return true;
}

bool png_encode_rgba(const uint8_t *px, uint32_t w, uint32_t h, uint8_t **out, size_t *out_size,
                     char *why, size_t why_size) {
    *out = NULL;
    *out_size = 0;
    if (!rgba_size(w, h)) {
        snprintf(why, why_size, "image size %ux%u", w, h);
        return false;
    }
    png_image image;
    init_write_image(&image, w, h);
    png_alloc_size_t size = 0;
    /* The first call only measures; the second writes into a buffer of that size. */
    if (!png_image_write_to_memory(&image, NULL, &size, 0, px, 0, NULL) || size == 0) {
        snprintf(why, why_size, "PNG encoding: %s", image.message);
        png_image_free(&image);
        return false;
    }
    uint8_t *buf = malloc(size);
    if (!buf || !png_image_write_to_memory(&image, buf, &size, 0, px, 0, NULL)) {
        snprintf(why, why_size, "PNG encoding: %s", buf ? image.message : "out of memory");
        free(buf);
        png_image_free(&image);
        return false;
    }
    png_image_free(&image);
    *out = buf;
    *out_size = size;
    return true;
}

static unsigned pixel_diff(const uint8_t *a, const uint8_t *b, uint64_t *squares) {
    unsigned largest = 0;
    for (int c = 0; c < 4; c++) {
        const unsigned d = (unsigned)abs((int)a[c] - (int)b[c]);
        *squares += (uint64_t)d * d;
        if (d > largest) {
            largest = d;
        }
    }
    return largest;
}

void pixel_metrics_compute(const uint8_t *ref, const uint8_t *res, uint32_t w, uint32_t h,
                           unsigned tolerance, struct pixel_metrics *m) {
    memset(m, 0, sizeof(*m));
    /* At most 2^28 pixels of 4 * 255^2 each: the sum fits 64 bits with room to spare. */
    uint64_t squares = 0;
    for (uint32_t y = 0; y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            const size_t i = ((size_t)y * w + x) * 4;
            const unsigned d = pixel_diff(ref + i, res + i, &squares);
            if (d > m->max_diff) {
                m->max_diff = d;
                m->max_x = x;
                m->max_y = y;
            }
            m->differing += d > 0;
            m->over += d > tolerance;
        }
    }
    if (squares == 0) {
        m->psnr = INFINITY;
        return;
    }
    const double mse = (double)squares / ((double)w * h * 4);
    m->psnr = 10.0 * log10(255.0 * 255.0 / mse);
}

static void put_rgba(uint8_t *p, uint32_t rgba) {
    p[0] = (uint8_t)(rgba >> 24);
    p[1] = (uint8_t)(rgba >> 16);
    p[2] = (uint8_t)(rgba >> 8);
    p[3] = (uint8_t)rgba;
}

uint8_t *diff_image_make(const uint8_t *ref, const uint8_t *res, uint32_t w, uint32_t h,
                         unsigned tolerance) {
    const size_t size = rgba_size(w, h);
    uint8_t *out = size ? malloc(size) : NULL;
    if (!out) {
        return NULL;
    }
    for (size_t i = 0; i < size; i += 4) {
        uint64_t ignored = 0;
        const unsigned d = pixel_diff(ref + i, res + i, &ignored);
        if (d > tolerance) {
            put_rgba(out + i, CHECKER_MARK_OVER);
        } else if (d > 0) {
            put_rgba(out + i, CHECKER_MARK_WITHIN);
        } else {
            /* Rec. 601 luma, darkened to a third so the marks stand out. */
            const unsigned luma = (res[i] * 77u + res[i + 1] * 150u + res[i + 2] * 29u) >> 8;
            const uint8_t g = (uint8_t)(luma / 3);
            out[i] = out[i + 1] = out[i + 2] = g;
            out[i + 3] = 255;
        }
    }
    return out;
}
