/* SPDX-License-Identifier: MIT */
/* The virgl format table (protocol-facts §4.1): names and texel sizes, plus RGBA8 conversion
 * for snapshots. Knows nothing about GL. */
#include <string.h>

#include <vgl/format.h>

#include "common/util.h"

enum layout {
    L_NONE,
    L_RGBA8,
    L_RGBX8,
    L_BGRA8,
    L_BGRX8,
    L_R8,
    L_RG8,
    L_A8,
    L_L8,
    L_LA8,
    L_I8,
    L_B5G6R5,
    L_R32, /* a 32-bit integer: its three low bytes as red, green, blue (snapshots) */
};

struct entry {
    const char *name;
    uint8_t bytes;
    uint8_t bw, bh;
    bool depth, stencil;
    enum layout layout;
};

static const struct entry formats[] = {
        [1] = {"B8G8R8A8_UNORM", 4, 1, 1, false, false, L_BGRA8},
        [2] = {"B8G8R8X8_UNORM", 4, 1, 1, false, false, L_BGRX8},
        [3] = {"A8R8G8B8_UNORM", 4, 1, 1, false, false, L_NONE},
        [4] = {"X8R8G8B8_UNORM", 4, 1, 1, false, false, L_NONE},
        [5] = {"B5G5R5A1_UNORM", 2, 1, 1, false, false, L_NONE},
        [6] = {"B4G4R4A4_UNORM", 2, 1, 1, false, false, L_NONE},
        [7] = {"B5G6R5_UNORM", 2, 1, 1, false, false, L_B5G6R5},
        [8] = {"R10G10B10A2_UNORM", 4, 1, 1, false, false, L_NONE},
        [9] = {"L8_UNORM", 1, 1, 1, false, false, L_L8},
        [10] = {"A8_UNORM", 1, 1, 1, false, false, L_A8},
        [11] = {"I8_UNORM", 1, 1, 1, false, false, L_I8},
        [12] = {"L8A8_UNORM", 2, 1, 1, false, false, L_LA8},
        [16] = {"Z16_UNORM", 2, 1, 1, true, false, L_NONE},
        [17] = {"Z32_UNORM", 4, 1, 1, true, false, L_NONE},
        [18] = {"Z32_FLOAT", 4, 1, 1, true, false, L_NONE},
        [19] = {"Z24_UNORM_S8_UINT", 4, 1, 1, true, true, L_NONE},
        [20] = {"S8_UINT_Z24_UNORM", 4, 1, 1, true, true, L_NONE},
        [21] = {"Z24X8_UNORM", 4, 1, 1, true, false, L_NONE},
        [22] = {"X8Z24_UNORM", 4, 1, 1, true, false, L_NONE},
        [23] = {"S8_UINT", 1, 1, 1, false, true, L_NONE},
        [28] = {"R32_FLOAT", 4, 1, 1, false, false, L_NONE},
        [29] = {"R32G32_FLOAT", 8, 1, 1, false, false, L_NONE},
        [30] = {"R32G32B32_FLOAT", 12, 1, 1, false, false, L_NONE},
        [31] = {"R32G32B32A32_FLOAT", 16, 1, 1, false, false, L_NONE},
        [48] = {"R16_UNORM", 2, 1, 1, false, false, L_NONE},
        [49] = {"R16G16_UNORM", 4, 1, 1, false, false, L_NONE},
        [50] = {"R16G16B16_UNORM", 6, 1, 1, false, false, L_NONE},
        [51] = {"R16G16B16A16_UNORM", 8, 1, 1, false, false, L_NONE},
        [56] = {"R16_SNORM", 2, 1, 1, false, false, L_NONE},
        [57] = {"R16G16_SNORM", 4, 1, 1, false, false, L_NONE},
        [58] = {"R16G16B16_SNORM", 6, 1, 1, false, false, L_NONE},
        [59] = {"R16G16B16A16_SNORM", 8, 1, 1, false, false, L_NONE},
        [64] = {"R8_UNORM", 1, 1, 1, false, false, L_R8},
        [65] = {"R8G8_UNORM", 2, 1, 1, false, false, L_RG8},
        [66] = {"R8G8B8_UNORM", 3, 1, 1, false, false, L_NONE},
        [67] = {"R8G8B8A8_UNORM", 4, 1, 1, false, false, L_RGBA8},
        [68] = {"X8B8G8R8_UNORM", 4, 1, 1, false, false, L_NONE},
        [74] = {"R8_SNORM", 1, 1, 1, false, false, L_NONE},
        [75] = {"R8G8_SNORM", 2, 1, 1, false, false, L_NONE},
        [76] = {"R8G8B8_SNORM", 3, 1, 1, false, false, L_NONE},
        [77] = {"R8G8B8A8_SNORM", 4, 1, 1, false, false, L_NONE},
        [91] = {"R16_FLOAT", 2, 1, 1, false, false, L_NONE},
        [92] = {"R16G16_FLOAT", 4, 1, 1, false, false, L_NONE},
        [94] = {"R16G16B16A16_FLOAT", 8, 1, 1, false, false, L_NONE},
        [95] = {"L8_SRGB", 1, 1, 1, false, false, L_L8},
        [100] = {"B8G8R8A8_SRGB", 4, 1, 1, false, false, L_BGRA8},
        [101] = {"B8G8R8X8_SRGB", 4, 1, 1, false, false, L_BGRX8},
        [104] = {"R8G8B8A8_SRGB", 4, 1, 1, false, false, L_RGBA8},
        [105] = {"DXT1_RGB", 8, 4, 4, false, false, L_NONE},
        [106] = {"DXT1_RGBA", 8, 4, 4, false, false, L_NONE},
        [107] = {"DXT3_RGBA", 16, 4, 4, false, false, L_NONE},
        [108] = {"DXT5_RGBA", 16, 4, 4, false, false, L_NONE},
        [121] = {"A8B8G8R8_UNORM", 4, 1, 1, false, false, L_NONE},
        [124] = {"R11G11B10_FLOAT", 4, 1, 1, false, false, L_NONE},
        [125] = {"R9G9B9E5_FLOAT", 4, 1, 1, false, false, L_NONE},
        [126] = {"Z32_FLOAT_S8X24_UINT", 8, 1, 1, true, true, L_NONE},
        [131] = {"B10G10R10A2_UNORM", 4, 1, 1, false, false, L_NONE},
        [134] = {"R8G8B8X8_UNORM", 4, 1, 1, false, false, L_RGBX8},
        [177] = {"R8_UINT", 1, 1, 1, false, false, L_NONE},
        [178] = {"R8G8_UINT", 2, 1, 1, false, false, L_NONE},
        [179] = {"R8G8B8_UINT", 3, 1, 1, false, false, L_NONE},
        [180] = {"R8G8B8A8_UINT", 4, 1, 1, false, false, L_RGBA8},
        [181] = {"R8_SINT", 1, 1, 1, false, false, L_NONE},
        [182] = {"R8G8_SINT", 2, 1, 1, false, false, L_NONE},
        [183] = {"R8G8B8_SINT", 3, 1, 1, false, false, L_NONE},
        [184] = {"R8G8B8A8_SINT", 4, 1, 1, false, false, L_RGBA8},
        [185] = {"R16_UINT", 2, 1, 1, false, false, L_NONE},
        [186] = {"R16G16_UINT", 4, 1, 1, false, false, L_NONE},
        [187] = {"R16G16B16_UINT", 6, 1, 1, false, false, L_NONE},
        [188] = {"R16G16B16A16_UINT", 8, 1, 1, false, false, L_NONE},
        [189] = {"R16_SINT", 2, 1, 1, false, false, L_NONE},
        [190] = {"R16G16_SINT", 4, 1, 1, false, false, L_NONE},
        [191] = {"R16G16B16_SINT", 6, 1, 1, false, false, L_NONE},
        [192] = {"R16G16B16A16_SINT", 8, 1, 1, false, false, L_NONE},
        [193] = {"R32_UINT", 4, 1, 1, false, false, L_R32},
        [194] = {"R32G32_UINT", 8, 1, 1, false, false, L_NONE},
        [195] = {"R32G32B32_UINT", 12, 1, 1, false, false, L_NONE},
        [196] = {"R32G32B32A32_UINT", 16, 1, 1, false, false, L_NONE},
        [197] = {"R32_SINT", 4, 1, 1, false, false, L_R32},
        [198] = {"R32G32_SINT", 8, 1, 1, false, false, L_NONE},
        [199] = {"R32G32B32_SINT", 12, 1, 1, false, false, L_NONE},
        [200] = {"R32G32B32A32_SINT", 16, 1, 1, false, false, L_NONE},
        [225] = {"B10G10R10A2_UINT", 4, 1, 1, false, false, L_NONE},
        [253] = {"R10G10B10A2_UINT", 4, 1, 1, false, false, L_NONE},
};

static const struct entry *lookup(uint32_t format) {
    if (format >= VGL_ARRAY_SIZE(formats) || !formats[format].name) {
        return NULL;
    }
    return &formats[format];
}

bool vgl_format_describe(uint32_t format, struct vgl_format_desc *out) {
    const struct entry *e = lookup(format);
    if (!e) {
        return false;
    }
    *out = (struct vgl_format_desc){
            .format = format,
            .name = e->name,
            .block_bytes = e->bytes,
            .block_w = e->bw,
            .block_h = e->bh,
            .depth = e->depth,
            .stencil = e->stencil,
    };
    return true;
}

static void put(uint8_t *d, uint8_t r, uint8_t g, uint8_t b, uint8_t a) {
    d[0] = r;
    d[1] = g;
    d[2] = b;
    d[3] = a;
}

bool vgl_format_to_rgba8(uint32_t format, const void *src, size_t count, uint8_t *dst) {
    const struct entry *e = lookup(format);
    if (!e || e->layout == L_NONE) {
        return false;
    }
    const uint8_t *s = src;
    for (size_t i = 0; i < count; i++, dst += 4) {
        switch (e->layout) {
        case L_RGBA8:
            memcpy(dst, s + 4 * i, 4);
            break;
        case L_RGBX8:
            put(dst, s[4 * i], s[4 * i + 1], s[4 * i + 2], 255);
            break;
        case L_BGRA8:
            put(dst, s[4 * i + 2], s[4 * i + 1], s[4 * i], s[4 * i + 3]);
            break;
        case L_BGRX8:
            put(dst, s[4 * i + 2], s[4 * i + 1], s[4 * i], 255);
            break;
        case L_R8:
            put(dst, s[i], 0, 0, 255);
            break;
        case L_RG8:
            put(dst, s[2 * i], s[2 * i + 1], 0, 255);
            break;
        case L_A8:
            put(dst, 0, 0, 0, s[i]);
            break;
        case L_L8:
            put(dst, s[i], s[i], s[i], 255);
            break;
        case L_LA8:
            put(dst, s[2 * i], s[2 * i], s[2 * i], s[2 * i + 1]);
            break;
        case L_I8:
            put(dst, s[i], s[i], s[i], s[i]);
            break;
        case L_B5G6R5: {
            const unsigned v = s[2 * i] | s[2 * i + 1] << 8;
            const unsigned r = v >> 11, g = (v >> 5) & 63, b = v & 31;
            put(dst, (uint8_t)(r * 255 / 31), (uint8_t)(g * 255 / 63), (uint8_t)(b * 255 / 31),
                255);
            break;
        }
        case L_R32:
            put(dst, s[4 * i], s[4 * i + 1], s[4 * i + 2], 255);
            break;
        case L_NONE:
            return false;
        }
    }
    return true;
}
