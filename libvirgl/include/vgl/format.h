/* SPDX-License-Identifier: MIT */
/*
 * Facts about virgl (VIRGL_FORMAT_*) formats for tools: names, texel sizes and conversion of
 * read-back texels to 8-bit RGBA for images. No GL here.
 */
#ifndef VGL_FORMAT_H
#define VGL_FORMAT_H

#include <vgl/common.h>
#include <vgl/renderer.h>

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

/*
 * Where a transfer's box lies in guest memory: `rows` rows of `row_bytes` bytes per layer, rows
 * `stride` bytes apart and layers `layer_stride` apart, from the transfer's offset. A stride or
 * layer stride of 0 means the packed layout of the level (the vtest rule); buffers are one row of
 * box.w bytes. False for an unknown format, a negative box size or strides above 32 bits.
 */
struct vgl_transfer_layout {
    uint64_t row_bytes, rows, layers, stride, layer_stride;
};
VGL_API bool vgl_transfer_layout(const struct vgl_resource_args *res, const struct vgl_transfer *t,
                                 struct vgl_transfer_layout *out);

/* The bytes from the first to the last byte a layout touches (0 when it touches none);
 * false when that overflows. */
VGL_API bool vgl_transfer_span(const struct vgl_transfer_layout *lay, uint64_t *out);

/*
 * Visit the rows of a layout in guest memory (`iov`, `iov_count` pieces), from `offset`, in box
 * order (layers, then rows): `fn` gets each row in pieces that stay inside one iovec, with the
 * piece's offset in the memory. What a read-back wrote there, as replay checksums it. Returns
 * false at the first row that does not lie wholly inside the memory (the rows before it were
 * visited).
 */
typedef void (*vgl_row_fn)(void *user, uint64_t offset, const uint8_t *bytes, size_t size);
VGL_API bool vgl_transfer_visit(const struct vgl_transfer_layout *lay, uint64_t offset,
                                const struct iovec *iov, unsigned int iov_count, vgl_row_fn fn,
                                void *user);

#endif
