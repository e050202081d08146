/* SPDX-License-Identifier: MIT */
/* virgl format -> host GL (core profile) internal format, transfer format and type. Formats
 * the host core profile cannot store exactly are left out until they are emulated. */
#include "common/util.h"
#include "gl/gl_internal.h"

#define COLOR(ifmt, fmt, type, bytes)                                                              \
    { ifmt, fmt, type, bytes, true, GL_COLOR_ATTACHMENT0 }

static const struct gl_format formats[] = {
        [1] = COLOR(GL_RGBA8, GL_BGRA, GL_UNSIGNED_BYTE, 4),          /* B8G8R8A8_UNORM */
        [2] = COLOR(GL_RGBA8, GL_BGRA, GL_UNSIGNED_BYTE, 4),          /* B8G8R8X8_UNORM */
        [7] = COLOR(GL_RGB565, GL_RGB, GL_UNSIGNED_SHORT_5_6_5, 2),   /* B5G6R5_UNORM */
        [64] = COLOR(GL_R8, GL_RED, GL_UNSIGNED_BYTE, 1),             /* R8_UNORM */
        [65] = COLOR(GL_RG8, GL_RG, GL_UNSIGNED_BYTE, 2),             /* R8G8_UNORM */
        [67] = COLOR(GL_RGBA8, GL_RGBA, GL_UNSIGNED_BYTE, 4),         /* R8G8B8A8_UNORM */
        [100] = COLOR(GL_SRGB8_ALPHA8, GL_BGRA, GL_UNSIGNED_BYTE, 4), /* B8G8R8A8_SRGB */
        [104] = COLOR(GL_SRGB8_ALPHA8, GL_RGBA, GL_UNSIGNED_BYTE, 4), /* R8G8B8A8_SRGB */
        [134] = COLOR(GL_RGBA8, GL_RGBA, GL_UNSIGNED_BYTE, 4),        /* R8G8B8X8_UNORM */
        [16] = {GL_DEPTH_COMPONENT16, GL_DEPTH_COMPONENT, GL_UNSIGNED_SHORT, 2, true,
                GL_DEPTH_ATTACHMENT}, /* Z16_UNORM */
        [18] = {GL_DEPTH_COMPONENT32F, GL_DEPTH_COMPONENT, GL_FLOAT, 4, true,
                GL_DEPTH_ATTACHMENT}, /* Z32_FLOAT */
        /* S8_UINT_Z24_UNORM: stencil in the low byte, depth above it, as GL_UNSIGNED_INT_24_8. */
        [20] = {GL_DEPTH24_STENCIL8, GL_DEPTH_STENCIL, GL_UNSIGNED_INT_24_8, 4, true,
                GL_DEPTH_STENCIL_ATTACHMENT},
};

const struct gl_format *vgl_gl_format(uint32_t virgl_format) {
    if (virgl_format >= VGL_ARRAY_SIZE(formats) || formats[virgl_format].internal_format == 0) {
        return NULL;
    }
    return &formats[virgl_format];
}
