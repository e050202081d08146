/* SPDX-License-Identifier: MIT */
/* virgl format -> host GL (core profile) internal format, transfer format and type. Formats
 * the host core profile cannot store exactly are left out until they are emulated. */
#include <string.h>

#include "common/util.h"
#include "gl/gl_internal.h"

// clang-format off
#define COLOR(ifmt, fmt, ty, bytes_)                                                              \
    {.internal_format = ifmt, .format = fmt, .type = ty, .bytes = bytes_, .renderable = true,    \
     .attachment = GL_COLOR_ATTACHMENT0}
/* Sampled with the channels the format names taken from what the host stores; only X formats
 * (a stored but unused alpha) are also render targets. */
#define SWIZZLED(ifmt, fmt, ty, bytes_, r, g, b, a)                                               \
    {.internal_format = ifmt, .format = fmt, .type = ty, .bytes = bytes_,                         \
     .renderable = a == GL_ONE && r == GL_RED, .attachment = GL_COLOR_ATTACHMENT0,                  \
     .swizzle = {r, g, b, a}}
/* Luminance/alpha/intensity stored in R or RG: sampled through a swizzle, rendered through the
 * shader key's colour-buffer swizzle (stored R, G, B, A <- output selector; 4 zero, 5 one). */
#define OUTSWZ(r, g, b, a) (uint16_t)(0x8000 | (r) | (g) << 3 | (b) << 6 | (a) << 9)
#define LUMINANCE(ifmt, fmt, bytes_, r, g, b, a, out)                                               \
    {.internal_format = ifmt, .format = fmt, .type = GL_UNSIGNED_BYTE, .bytes = bytes_,             \
     .renderable = true, .attachment = GL_COLOR_ATTACHMENT0, .swizzle = {r, g, b, a},               \
     .output_swizzle = out}
/* Alpha and luminance-alpha kept in RGBA8 so that blending with destination alpha works: the
 * transfers widen and narrow the guest's texels. */
#define EXPANDED(bytes_, r, a, out, kind)                                                           \
    {.internal_format = GL_RGBA8, .format = GL_RGBA, .type = GL_UNSIGNED_BYTE, .bytes = bytes_,    \
     .renderable = true, .attachment = GL_COLOR_ATTACHMENT0, .swizzle = {r, r, r, a},               \
     .output_swizzle = out, .expand = kind}
/* A colour format the host samples but cannot render to. */
#define SAMPLED(ifmt, fmt, ty, bytes_)                                                            \
    {.internal_format = ifmt, .format = fmt, .type = ty, .bytes = bytes_,                         \
     .attachment = GL_COLOR_ATTACHMENT0}
/* Pure integer colour formats: `kind` enum gl_int_kind. */
#define INTEGER(ifmt, fmt, ty, bytes_, kind)                                                      \
    {.internal_format = ifmt, .format = fmt, .type = ty, .bytes = bytes_, .renderable = true,    \
     .attachment = GL_COLOR_ATTACHMENT0, .integer = kind}
/* Three-channel integer formats: sampled, not colour-renderable in core GL; not offered either,
 * as upstream cannot create them (the guest uses the four-channel ones). */
#define INTEGER3(ifmt, ty, bytes_, kind)                                                          \
    {.internal_format = ifmt, .format = GL_RGB_INTEGER, .type = ty, .bytes = bytes_,             \
     .attachment = GL_COLOR_ATTACHMENT0, .integer = kind, .unoffered = UNOFFERED_ALL}
#define U GL_INT_UNSIGNED
#define S GL_INT_SIGNED
/* 4x4 blocks of `bytes`; allocated through a plain format, never attached or rendered to. */
#define COMPRESSED(ifmt, fmt, bytes_, need)                                                         \
    {.internal_format = ifmt, .format = fmt, .type = GL_UNSIGNED_BYTE, .bytes = bytes_,             \
     .attachment = GL_COLOR_ATTACHMENT0, .block = 4, .needs = need}
#define DEPTH(ifmt, fmt, ty, bytes_, attach)                                                      \
    {.internal_format = ifmt, .format = fmt, .type = ty, .bytes = bytes_, .renderable = true,    \
     .attachment = attach}
// clang-format on

static const struct gl_format formats[] = {
        [1] = COLOR(GL_RGBA8, GL_BGRA, GL_UNSIGNED_BYTE, 4), /* B8G8R8A8_UNORM */
        [2] = SWIZZLED(GL_RGBA8, GL_BGRA, GL_UNSIGNED_BYTE, 4, GL_RED, GL_GREEN, GL_BLUE,
                       GL_ONE), /* B8G8R8X8_UNORM */
        /* B5G5R5A1 / B4G4R4A4: blue in the low bits, as GL's _REV packings with BGRA order. */
        [5] = COLOR(GL_RGB5_A1, GL_BGRA, GL_UNSIGNED_SHORT_1_5_5_5_REV, 2),
        [6] = COLOR(GL_RGBA4, GL_BGRA, GL_UNSIGNED_SHORT_4_4_4_4_REV, 2),
        [7] = COLOR(GL_RGB565, GL_RGB, GL_UNSIGNED_SHORT_5_6_5, 2), /* B5G6R5_UNORM */
        /* 10-bit RGB, 2-bit alpha: red in the low bits, as GL's _REV packing. */
        [8] = COLOR(GL_RGB10_A2, GL_RGBA, GL_UNSIGNED_INT_2_10_10_10_REV, 4), /* R10G10B10A2 */
        [9] = LUMINANCE(GL_R8, GL_RED, 1, GL_RED, GL_RED, GL_RED, GL_ONE,
                        OUTSWZ(0, 4, 4, 5)), /* L8: stored R <- red */
        [10] = EXPANDED(1, GL_ZERO, GL_ALPHA, OUTSWZ(4, 4, 4, 3), EXPAND_A8), /* A8 */
        [11] = LUMINANCE(GL_R8, GL_RED, 1, GL_RED, GL_RED, GL_RED, GL_RED,
                         OUTSWZ(0, 4, 4, 5)), /* I8: stored R <- red */
        /* L8A8: not offered (upstream cannot render to it, "unknown format is 12"): the guest
         * keeps luminance-alpha in a format both renderers have. Old traces still replay. */
        [12] = {.internal_format = GL_RGBA8,
                .format = GL_RGBA,
                .type = GL_UNSIGNED_BYTE,
                .bytes = 2,
                .renderable = true,
                .attachment = GL_COLOR_ATTACHMENT0,
                .swizzle = {GL_RED, GL_RED, GL_RED, GL_ALPHA},
                .output_swizzle = OUTSWZ(0, 4, 4, 3),
                .expand = EXPAND_L8A8,
                .unoffered = UNOFFERED_ALL},
        [16] = DEPTH(GL_DEPTH_COMPONENT16, GL_DEPTH_COMPONENT, GL_UNSIGNED_SHORT, 2,
                     GL_DEPTH_ATTACHMENT), /* Z16_UNORM */
        [18] = DEPTH(GL_DEPTH_COMPONENT32F, GL_DEPTH_COMPONENT, GL_FLOAT, 4,
                     GL_DEPTH_ATTACHMENT), /* Z32_FLOAT */
        /* S8_UINT_Z24_UNORM: stencil in the low byte, depth above it, as GL_UNSIGNED_INT_24_8. */
        [20] = DEPTH(GL_DEPTH24_STENCIL8, GL_DEPTH_STENCIL, GL_UNSIGNED_INT_24_8, 4,
                     GL_DEPTH_STENCIL_ATTACHMENT),
        /* Z24X8_UNORM: depth in the low 24 bits; the host keeps it above a stencil byte (the
         * transfers move it). The guest's first choice for 24-bit depth. */
        [21] = {.internal_format = GL_DEPTH24_STENCIL8,
                .format = GL_DEPTH_STENCIL,
                .type = GL_UNSIGNED_INT_24_8,
                .bytes = 4,
                .renderable = true,
                .attachment = GL_DEPTH_STENCIL_ATTACHMENT,
                .expand = EXPAND_Z24X8},
        /* X8Z24_UNORM: the layout of format 20 with the low byte unused (stored with a stencil
         * byte the guest never sees: transfers move the whole dword). Not offered, as upstream
         * cannot create it; traces that use it still replay. */
        [22] = {.internal_format = GL_DEPTH24_STENCIL8,
                .format = GL_DEPTH_STENCIL,
                .type = GL_UNSIGNED_INT_24_8,
                .bytes = 4,
                .renderable = true,
                .attachment = GL_DEPTH_STENCIL_ATTACHMENT,
                .unoffered = UNOFFERED_ALL},
        [28] = COLOR(GL_R32F, GL_RED, GL_FLOAT, 4),
        [29] = COLOR(GL_RG32F, GL_RG, GL_FLOAT, 8),
        [30] = SAMPLED(GL_RGB32F, GL_RGB, GL_FLOAT, 12), /* R32G32B32_FLOAT */
        [31] = COLOR(GL_RGBA32F, GL_RGBA, GL_FLOAT, 16),
        [48] = COLOR(GL_R16, GL_RED, GL_UNSIGNED_SHORT, 2),
        [49] = COLOR(GL_RG16, GL_RG, GL_UNSIGNED_SHORT, 4),
        [51] = COLOR(GL_RGBA16, GL_RGBA, GL_UNSIGNED_SHORT, 8),
        /* Signed normalized (colour-renderable on the hosts we run on: Mesa, NVIDIA). */
        [56] = COLOR(GL_R16_SNORM, GL_RED, GL_SHORT, 2),
        [57] = COLOR(GL_RG16_SNORM, GL_RG, GL_SHORT, 4),
        [59] = COLOR(GL_RGBA16_SNORM, GL_RGBA, GL_SHORT, 8),
        [74] = COLOR(GL_R8_SNORM, GL_RED, GL_BYTE, 1),
        [75] = COLOR(GL_RG8_SNORM, GL_RG, GL_BYTE, 2),
        [77] = COLOR(GL_RGBA8_SNORM, GL_RGBA, GL_BYTE, 4),
        [64] = COLOR(GL_R8, GL_RED, GL_UNSIGNED_BYTE, 1),     /* R8_UNORM */
        [65] = COLOR(GL_RG8, GL_RG, GL_UNSIGNED_BYTE, 2),     /* R8G8_UNORM */
        [67] = COLOR(GL_RGBA8, GL_RGBA, GL_UNSIGNED_BYTE, 4), /* R8G8B8A8_UNORM */
        [91] = COLOR(GL_R16F, GL_RED, GL_HALF_FLOAT, 2),
        [92] = COLOR(GL_RG16F, GL_RG, GL_HALF_FLOAT, 4),
        [94] = COLOR(GL_RGBA16F, GL_RGBA, GL_HALF_FLOAT, 8),
        [100] = COLOR(GL_SRGB8_ALPHA8, GL_BGRA, GL_UNSIGNED_BYTE, 4), /* B8G8R8A8_SRGB */
        [101] = SWIZZLED(GL_SRGB8_ALPHA8, GL_BGRA, GL_UNSIGNED_BYTE, 4, GL_RED, GL_GREEN, GL_BLUE,
                         GL_ONE),                                     /* B8G8R8X8_SRGB */
        [104] = COLOR(GL_SRGB8_ALPHA8, GL_RGBA, GL_UNSIGNED_BYTE, 4), /* R8G8B8A8_SRGB */
        /* Compressed: 4x4 blocks of 8 or 16 bytes. */
        [105] = COMPRESSED(GL_COMPRESSED_RGB_S3TC_DXT1_EXT, GL_RGBA, 8, NEED_S3TC),
        [106] = COMPRESSED(GL_COMPRESSED_RGBA_S3TC_DXT1_EXT, GL_RGBA, 8, NEED_S3TC),
        [107] = COMPRESSED(GL_COMPRESSED_RGBA_S3TC_DXT3_EXT, GL_RGBA, 16, NEED_S3TC),
        [108] = COMPRESSED(GL_COMPRESSED_RGBA_S3TC_DXT5_EXT, GL_RGBA, 16, NEED_S3TC),
        [109] = COMPRESSED(GL_COMPRESSED_SRGB_S3TC_DXT1_EXT, GL_RGBA, 8, NEED_S3TC_SRGB),
        [110] = COMPRESSED(GL_COMPRESSED_SRGB_ALPHA_S3TC_DXT1_EXT, GL_RGBA, 8, NEED_S3TC_SRGB),
        [111] = COMPRESSED(GL_COMPRESSED_SRGB_ALPHA_S3TC_DXT3_EXT, GL_RGBA, 16, NEED_S3TC_SRGB),
        [112] = COMPRESSED(GL_COMPRESSED_SRGB_ALPHA_S3TC_DXT5_EXT, GL_RGBA, 16, NEED_S3TC_SRGB),
        [113] = COMPRESSED(GL_COMPRESSED_RED_RGTC1, GL_RED, 8, NEED_NONE),
        [114] = COMPRESSED(GL_COMPRESSED_SIGNED_RED_RGTC1, GL_RED, 8, NEED_NONE),
        [115] = COMPRESSED(GL_COMPRESSED_RG_RGTC2, GL_RG, 16, NEED_NONE),
        [116] = COMPRESSED(GL_COMPRESSED_SIGNED_RG_RGTC2, GL_RG, 16, NEED_NONE),
        [124] = COLOR(GL_R11F_G11F_B10F, GL_RGB, GL_UNSIGNED_INT_10F_11F_11F_REV, 4),
        [125] = SAMPLED(GL_RGB9_E5, GL_RGB, GL_UNSIGNED_INT_5_9_9_9_REV, 4), /* R9G9B9E5_FLOAT */
        /* Z32_FLOAT_S8X24_UINT: float depth, then stencil in the low byte of the next dword. */
        [126] = DEPTH(GL_DEPTH32F_STENCIL8, GL_DEPTH_STENCIL, GL_FLOAT_32_UNSIGNED_INT_24_8_REV, 8,
                      GL_DEPTH_STENCIL_ATTACHMENT),
        [131] = COLOR(GL_RGB10_A2, GL_BGRA, GL_UNSIGNED_INT_2_10_10_10_REV, 4), /* B10G10R10A2 */
        [134] = SWIZZLED(GL_RGBA8, GL_RGBA, GL_UNSIGNED_BYTE, 4, GL_RED, GL_GREEN, GL_BLUE,
                         GL_ONE), /* R8G8B8X8_UNORM */
        /* R8_UINT .. R32G32B32A32_SINT (177..200). */
        [177] = INTEGER(GL_R8UI, GL_RED_INTEGER, GL_UNSIGNED_BYTE, 1, U),
        [178] = INTEGER(GL_RG8UI, GL_RG_INTEGER, GL_UNSIGNED_BYTE, 2, U),
        [179] = INTEGER3(GL_RGB8UI, GL_UNSIGNED_BYTE, 3, U),
        [180] = INTEGER(GL_RGBA8UI, GL_RGBA_INTEGER, GL_UNSIGNED_BYTE, 4, U),
        [181] = INTEGER(GL_R8I, GL_RED_INTEGER, GL_BYTE, 1, S),
        [182] = INTEGER(GL_RG8I, GL_RG_INTEGER, GL_BYTE, 2, S),
        [183] = INTEGER3(GL_RGB8I, GL_BYTE, 3, S),
        [184] = INTEGER(GL_RGBA8I, GL_RGBA_INTEGER, GL_BYTE, 4, S),
        [185] = INTEGER(GL_R16UI, GL_RED_INTEGER, GL_UNSIGNED_SHORT, 2, U),
        [186] = INTEGER(GL_RG16UI, GL_RG_INTEGER, GL_UNSIGNED_SHORT, 4, U),
        [187] = INTEGER3(GL_RGB16UI, GL_UNSIGNED_SHORT, 6, U),
        [188] = INTEGER(GL_RGBA16UI, GL_RGBA_INTEGER, GL_UNSIGNED_SHORT, 8, U),
        [189] = INTEGER(GL_R16I, GL_RED_INTEGER, GL_SHORT, 2, S),
        [190] = INTEGER(GL_RG16I, GL_RG_INTEGER, GL_SHORT, 4, S),
        [191] = INTEGER3(GL_RGB16I, GL_SHORT, 6, S),
        [192] = INTEGER(GL_RGBA16I, GL_RGBA_INTEGER, GL_SHORT, 8, S),
        [193] = INTEGER(GL_R32UI, GL_RED_INTEGER, GL_UNSIGNED_INT, 4, U),
        [194] = INTEGER(GL_RG32UI, GL_RG_INTEGER, GL_UNSIGNED_INT, 8, U),
        [195] = INTEGER3(GL_RGB32UI, GL_UNSIGNED_INT, 12, U),
        [196] = INTEGER(GL_RGBA32UI, GL_RGBA_INTEGER, GL_UNSIGNED_INT, 16, U),
        [197] = INTEGER(GL_R32I, GL_RED_INTEGER, GL_INT, 4, S),
        [198] = INTEGER(GL_RG32I, GL_RG_INTEGER, GL_INT, 8, S),
        [199] = INTEGER3(GL_RGB32I, GL_INT, 12, S),
        [200] = INTEGER(GL_RGBA32I, GL_RGBA_INTEGER, GL_INT, 16, S),
        /* B10G10R10A2_UINT and R10G10B10A2_UINT (ARB_texture_rgb10_a2ui). */
        [225] = INTEGER(GL_RGB10_A2UI, GL_BGRA_INTEGER, GL_UNSIGNED_INT_2_10_10_10_REV, 4, U),
        [253] = INTEGER(GL_RGB10_A2UI, GL_RGBA_INTEGER, GL_UNSIGNED_INT_2_10_10_10_REV, 4, U),
};
#undef U
#undef S

const struct gl_format *vgl_gl_format(uint32_t virgl_format) {
    if (virgl_format >= VGL_ARRAY_SIZE(formats) || formats[virgl_format].internal_format == 0) {
        return NULL;
    }
    return &formats[virgl_format];
}

// clang-format off
#define CONVERTED(ifmt, fmt, ty, bytes_, swz_a, kind)                                               \
    {.internal_format = ifmt, .format = fmt, .type = ty, .bytes = bytes_, .renderable = true,      \
     .attachment = GL_COLOR_ATTACHMENT0, .expand = kind,                                           \
     .swizzle = {swz_a ? GL_RED : 0, swz_a ? GL_GREEN : 0, swz_a ? GL_BLUE : 0, swz_a}}
// clang-format on

/* What a GLES host without GL_EXT_texture_format_BGRA8888 and GL_EXT_read_format_bgra stores
 * for the BGRA byte formats: RGBA, its bytes swapped in transfers. */
static const struct gl_format bgra_swapped[] = {
        [1] = CONVERTED(GL_RGBA8, GL_RGBA, GL_UNSIGNED_BYTE, 4, 0, EXPAND_SWAP_RB),
        [2] = CONVERTED(GL_RGBA8, GL_RGBA, GL_UNSIGNED_BYTE, 4, GL_ONE, EXPAND_SWAP_RB),
        [100] = CONVERTED(GL_SRGB8_ALPHA8, GL_RGBA, GL_UNSIGNED_BYTE, 4, 0, EXPAND_SWAP_RB),
        [101] = CONVERTED(GL_SRGB8_ALPHA8, GL_RGBA, GL_UNSIGNED_BYTE, 4, GL_ONE, EXPAND_SWAP_RB),
};

/* What a GLES host without GL_EXT_texture_norm16 stores for 16-bit normalized formats: 32-bit
 * floats (exact for every 16-bit value), converted in transfers. Rendering does not clamp them
 * to the normalized range (an approximation; read-backs clamp). */
static const struct gl_format norm16_as_float[] = {
        [48] = CONVERTED(GL_R32F, GL_RED, GL_FLOAT, 2, 0, EXPAND_UNORM16),
        [49] = CONVERTED(GL_RG32F, GL_RG, GL_FLOAT, 4, 0, EXPAND_UNORM16),
        [51] = CONVERTED(GL_RGBA32F, GL_RGBA, GL_FLOAT, 8, 0, EXPAND_UNORM16),
        [56] = CONVERTED(GL_R32F, GL_RED, GL_FLOAT, 2, 0, EXPAND_SNORM16),
        [57] = CONVERTED(GL_RG32F, GL_RG, GL_FLOAT, 4, 0, EXPAND_SNORM16),
        [59] = CONVERTED(GL_RGBA32F, GL_RGBA, GL_FLOAT, 8, 0, EXPAND_SNORM16),
};

static const struct gl_format *converted(const struct gl_format *table, size_t n,
                                         uint32_t virgl_format) {
    return virgl_format < n && table[virgl_format].internal_format ? &table[virgl_format] : NULL;
}

const struct gl_format *vgl_gl_host_format(const struct vgl_renderer *r, uint32_t virgl_format) {
    const struct gl_format *f = vgl_gl_format(virgl_format);
    const struct gl_format *c = NULL;
    if (r->gles && !r->has_bgra) {
        c = converted(bgra_swapped, VGL_ARRAY_SIZE(bgra_swapped), virgl_format);
    }
    if (r->gles && !r->has_norm16 && !c) {
        c = converted(norm16_as_float, VGL_ARRAY_SIZE(norm16_as_float), virgl_format);
    }
    f = f && c ? c : f;
    if (!f || (f->needs == NEED_S3TC && !r->has_s3tc) ||
        (f->needs == NEED_S3TC_SRGB && !r->has_s3tc_srgb) ||
        (f->block && !r->has_compressed_sub_image)) {
        return NULL;
    }
    /* GLES refuses BGRA with the packed _REV types and has no BGRA_INTEGER: those formats are
     * not offered there, and the guest picks others (docs/gles-host.md). */
    if (r->gles &&
        ((f->format == GL_BGRA && f->type != GL_UNSIGNED_BYTE) || f->format == GL_BGRA_INTEGER)) {
        return NULL;
    }
    return f;
}

struct vertex_entry {
    GLint size; /* components, or GL_BGRA */
    GLenum type;
    GLboolean normalized;
    uint8_t integer; /* enum gl_int_kind */
};

/* §4.1 vertex formats: plain float, normalized and scaled integer formats. */
static const struct vertex_entry vertex_formats[] = {
        [1] = {GL_BGRA, GL_UNSIGNED_BYTE, GL_TRUE},         /* B8G8R8A8_UNORM */
        [8] = {4, GL_UNSIGNED_INT_2_10_10_10_REV, GL_TRUE}, /* R10G10B10A2_UNORM */
        [24] = {1, GL_DOUBLE, GL_FALSE},                    /* R64_FLOAT .. R64G64B64A64_FLOAT */
        [25] = {2, GL_DOUBLE, GL_FALSE},
        [26] = {3, GL_DOUBLE, GL_FALSE},
        [27] = {4, GL_DOUBLE, GL_FALSE},
        [28] = {1, GL_FLOAT, GL_FALSE},
        [29] = {2, GL_FLOAT, GL_FALSE},
        [30] = {3, GL_FLOAT, GL_FALSE},
        [31] = {4, GL_FLOAT, GL_FALSE},
        [32] = {1, GL_UNSIGNED_INT, GL_TRUE},
        [33] = {2, GL_UNSIGNED_INT, GL_TRUE},
        [34] = {3, GL_UNSIGNED_INT, GL_TRUE},
        [35] = {4, GL_UNSIGNED_INT, GL_TRUE},
        [36] = {1, GL_UNSIGNED_INT, GL_FALSE},
        [37] = {2, GL_UNSIGNED_INT, GL_FALSE},
        [38] = {3, GL_UNSIGNED_INT, GL_FALSE},
        [39] = {4, GL_UNSIGNED_INT, GL_FALSE},
        [40] = {1, GL_INT, GL_TRUE},
        [41] = {2, GL_INT, GL_TRUE},
        [42] = {3, GL_INT, GL_TRUE},
        [43] = {4, GL_INT, GL_TRUE},
        [44] = {1, GL_INT, GL_FALSE},
        [45] = {2, GL_INT, GL_FALSE},
        [46] = {3, GL_INT, GL_FALSE},
        [47] = {4, GL_INT, GL_FALSE},
        [48] = {1, GL_UNSIGNED_SHORT, GL_TRUE},
        [49] = {2, GL_UNSIGNED_SHORT, GL_TRUE},
        [50] = {3, GL_UNSIGNED_SHORT, GL_TRUE},
        [51] = {4, GL_UNSIGNED_SHORT, GL_TRUE},
        [52] = {1, GL_UNSIGNED_SHORT, GL_FALSE},
        [53] = {2, GL_UNSIGNED_SHORT, GL_FALSE},
        [54] = {3, GL_UNSIGNED_SHORT, GL_FALSE},
        [55] = {4, GL_UNSIGNED_SHORT, GL_FALSE},
        [56] = {1, GL_SHORT, GL_TRUE},
        [57] = {2, GL_SHORT, GL_TRUE},
        [58] = {3, GL_SHORT, GL_TRUE},
        [59] = {4, GL_SHORT, GL_TRUE},
        [60] = {1, GL_SHORT, GL_FALSE},
        [61] = {2, GL_SHORT, GL_FALSE},
        [62] = {3, GL_SHORT, GL_FALSE},
        [63] = {4, GL_SHORT, GL_FALSE},
        [64] = {1, GL_UNSIGNED_BYTE, GL_TRUE},
        [65] = {2, GL_UNSIGNED_BYTE, GL_TRUE},
        [66] = {3, GL_UNSIGNED_BYTE, GL_TRUE},
        [67] = {4, GL_UNSIGNED_BYTE, GL_TRUE},
        [69] = {1, GL_UNSIGNED_BYTE, GL_FALSE},
        [70] = {2, GL_UNSIGNED_BYTE, GL_FALSE},
        [71] = {3, GL_UNSIGNED_BYTE, GL_FALSE},
        [72] = {4, GL_UNSIGNED_BYTE, GL_FALSE},
        [74] = {1, GL_BYTE, GL_TRUE},
        [75] = {2, GL_BYTE, GL_TRUE},
        [76] = {3, GL_BYTE, GL_TRUE},
        [77] = {4, GL_BYTE, GL_TRUE},
        [82] = {1, GL_BYTE, GL_FALSE},
        [83] = {2, GL_BYTE, GL_FALSE},
        [84] = {3, GL_BYTE, GL_FALSE},
        [85] = {4, GL_BYTE, GL_FALSE},
        [91] = {1, GL_HALF_FLOAT, GL_FALSE},
        [92] = {2, GL_HALF_FLOAT, GL_FALSE},
        [93] = {3, GL_HALF_FLOAT, GL_FALSE},
        [94] = {4, GL_HALF_FLOAT, GL_FALSE},
        [131] = {GL_BGRA, GL_UNSIGNED_INT_2_10_10_10_REV, GL_TRUE}, /* B10G10R10A2_UNORM */
        /* Pure integer attributes (R8_UINT .. R32G32B32A32_SINT). */
        [177] = {1, GL_UNSIGNED_BYTE, GL_FALSE, GL_INT_UNSIGNED},
        [178] = {2, GL_UNSIGNED_BYTE, GL_FALSE, GL_INT_UNSIGNED},
        [179] = {3, GL_UNSIGNED_BYTE, GL_FALSE, GL_INT_UNSIGNED},
        [180] = {4, GL_UNSIGNED_BYTE, GL_FALSE, GL_INT_UNSIGNED},
        [181] = {1, GL_BYTE, GL_FALSE, GL_INT_SIGNED},
        [182] = {2, GL_BYTE, GL_FALSE, GL_INT_SIGNED},
        [183] = {3, GL_BYTE, GL_FALSE, GL_INT_SIGNED},
        [184] = {4, GL_BYTE, GL_FALSE, GL_INT_SIGNED},
        [185] = {1, GL_UNSIGNED_SHORT, GL_FALSE, GL_INT_UNSIGNED},
        [186] = {2, GL_UNSIGNED_SHORT, GL_FALSE, GL_INT_UNSIGNED},
        [187] = {3, GL_UNSIGNED_SHORT, GL_FALSE, GL_INT_UNSIGNED},
        [188] = {4, GL_UNSIGNED_SHORT, GL_FALSE, GL_INT_UNSIGNED},
        [189] = {1, GL_SHORT, GL_FALSE, GL_INT_SIGNED},
        [190] = {2, GL_SHORT, GL_FALSE, GL_INT_SIGNED},
        [191] = {3, GL_SHORT, GL_FALSE, GL_INT_SIGNED},
        [192] = {4, GL_SHORT, GL_FALSE, GL_INT_SIGNED},
        [193] = {1, GL_UNSIGNED_INT, GL_FALSE, GL_INT_UNSIGNED},
        [194] = {2, GL_UNSIGNED_INT, GL_FALSE, GL_INT_UNSIGNED},
        [195] = {3, GL_UNSIGNED_INT, GL_FALSE, GL_INT_UNSIGNED},
        [196] = {4, GL_UNSIGNED_INT, GL_FALSE, GL_INT_UNSIGNED},
        [197] = {1, GL_INT, GL_FALSE, GL_INT_SIGNED},
        [198] = {2, GL_INT, GL_FALSE, GL_INT_SIGNED},
        [199] = {3, GL_INT, GL_FALSE, GL_INT_SIGNED},
        [200] = {4, GL_INT, GL_FALSE, GL_INT_SIGNED},
};

static uint32_t type_bytes(GLenum type) {
    switch (type) {
    case GL_DOUBLE:
        return 8;
    case GL_FLOAT:
    case GL_INT:
    case GL_UNSIGNED_INT:
        return 4;
    case GL_SHORT:
    case GL_UNSIGNED_SHORT:
    case GL_HALF_FLOAT:
        return 2;
    default:
        return 1;
    }
}

bool vgl_gl_vertex_format(uint32_t virgl_format, struct gl_vertex_format *out) {
    if (virgl_format >= VGL_ARRAY_SIZE(vertex_formats) || !vertex_formats[virgl_format].size) {
        return false;
    }
    const struct vertex_entry *e = &vertex_formats[virgl_format];
    const bool packed = e->type == GL_UNSIGNED_INT_2_10_10_10_REV;
    const uint32_t components = packed ? 1 : e->size == GL_BGRA ? 4 : (uint32_t)e->size;
    *out = (struct gl_vertex_format){
            .size = e->size == GL_BGRA ? GL_BGRA : (GLint)e->size,
            .type = e->type,
            .normalized = e->normalized,
            .integer = e->integer,
            .bytes = components * type_bytes(e->type),
    };
    return true;
}

/* Stored channel widths of the colour formats a logic op applies to (GL: fixed-point and integer
 * buffers; signed integers take all 32 bits, since ops on in-range values stay in range). */
void vgl_gl_format_logic_bits(GLenum internal_format, uint8_t bits[4]) {
    static const struct {
        GLenum format;
        uint8_t bits[4];
    } table[] = {
            {GL_RGBA8, {8, 8, 8, 8}},        {GL_SRGB8_ALPHA8, {8, 8, 8, 8}},
            {GL_RGB8, {8, 8, 8, 0}},         {GL_RG8, {8, 8, 0, 0}},
            {GL_R8, {8, 0, 0, 0}},           {GL_RGB565, {5, 6, 5, 0}},
            {GL_RGBA4, {4, 4, 4, 4}},        {GL_RGB5_A1, {5, 5, 5, 1}},
            {GL_RGB10_A2, {10, 10, 10, 2}},  {GL_R16, {16, 0, 0, 0}},
            {GL_RG16, {16, 16, 0, 0}},       {GL_RGBA16, {16, 16, 16, 16}},
            {GL_R8UI, {8, 0, 0, 0}},         {GL_RG8UI, {8, 8, 0, 0}},
            {GL_RGBA8UI, {8, 8, 8, 8}},      {GL_R16UI, {16, 0, 0, 0}},
            {GL_RG16UI, {16, 16, 0, 0}},     {GL_RGBA16UI, {16, 16, 16, 16}},
            {GL_R32UI, {32, 0, 0, 0}},       {GL_RG32UI, {32, 32, 0, 0}},
            {GL_RGBA32UI, {32, 32, 32, 32}}, {GL_RGB10_A2UI, {10, 10, 10, 2}},
            {GL_R8I, {32, 0, 0, 0}},         {GL_RG8I, {32, 32, 0, 0}},
            {GL_RGBA8I, {32, 32, 32, 32}},   {GL_R16I, {32, 0, 0, 0}},
            {GL_RG16I, {32, 32, 0, 0}},      {GL_RGBA16I, {32, 32, 32, 32}},
            {GL_R32I, {32, 0, 0, 0}},        {GL_RG32I, {32, 32, 0, 0}},
            {GL_RGBA32I, {32, 32, 32, 32}},
    };
    memset(bits, 0, 4);
    for (size_t i = 0; i < VGL_ARRAY_SIZE(table); i++) {
        if (table[i].format == internal_format) {
            memcpy(bits, table[i].bits, 4);
            return;
        }
    }
}
