/* SPDX-License-Identifier: MIT */
/*
 * Facts about virgl (VIRGL_FORMAT_*) formats for tools: names, texel sizes and conversion of
 * read-back texels to 8-bit RGBA for images. No GL here.
 */
#ifndef VGL_FORMAT_H
#define VGL_FORMAT_H

#include <vgl/common.h>

struct vgl_format_desc {
    uint32_t format;      /* VIRGL_FORMAT_* number */
    const char *name;     /* "R8G8B8A8_UNORM" */
    uint32_t block_bytes; /* bytes per texel (per block for compressed formats) */
    uint32_t block_w;     /* texels per block, 1 for uncompressed */
    uint32_t block_h;
    bool depth;   /* has a depth component */
    bool stencil; /* has a stencil component */
};

/* Describe a format. Returns false for formats this library does not know. */
VGL_API bool vgl_format_describe(uint32_t format, struct vgl_format_desc *out);

/*
 * Convert `count` texels of `format` at src to RGBA8 at dst (4 * count bytes). Colour formats
 * only; returns false for formats it cannot convert. sRGB data is passed through unconverted.
 */
VGL_API bool vgl_format_to_rgba8(uint32_t format, const void *src, size_t count, uint8_t *dst);

#endif
