/* SPDX-License-Identifier: MIT */
/*
 * Wire constants of the virgl command stream, written from shared/reference/protocol-facts.md
 * (Mesa 22.3.6). Numbers only: no behaviour lives here.
 */
#ifndef VGL_PROTOCOL_H
#define VGL_PROTOCOL_H

#include <stdint.h>

/* §2.1: command header dword = id | obj_type << 8 | len << 16 (len = payload dwords). */
#define VGL_CMD_ID(hdr)              ((hdr)&0xffu)
#define VGL_CMD_OBJ(hdr)             (((hdr) >> 8) & 0xffu)
#define VGL_CMD_LEN(hdr)             ((hdr) >> 16)
#define VGL_CMD_HEADER(id, obj, len) ((uint32_t)(id) | (uint32_t)(obj) << 8 | (uint32_t)(len) << 16)

/* §2.1: "A submitted buffer is at most 65 536 + 1 024 = 66 560 dwords." */
#define VGL_MAX_SUBMIT_DWORDS 66560u

/* §2.6 TRANSFER3D direction (Mesa only emits TO_HOST) and COPY_TRANSFER3D flags. */
#define VGL_TRANSFER_TO_HOST               1u
#define VGL_COPY_TRANSFER3D_READ_FROM_HOST (1u << 1)
#define VGL_TRANSFER3D_LEN                 13u
#define VGL_COPY_TRANSFER3D_LEN            14u

/* §2.2 VIRGL_CCMD_* ids. */
enum vgl_ccmd {
    VGL_CCMD_NOP = 0,
    VGL_CCMD_CREATE_OBJECT = 1,
    VGL_CCMD_BIND_OBJECT = 2,
    VGL_CCMD_DESTROY_OBJECT = 3,
    VGL_CCMD_SET_VIEWPORT_STATE = 4,
    VGL_CCMD_SET_FRAMEBUFFER_STATE = 5,
    VGL_CCMD_SET_VERTEX_BUFFERS = 6,
    VGL_CCMD_CLEAR = 7,
    VGL_CCMD_DRAW_VBO = 8,
    VGL_CCMD_RESOURCE_INLINE_WRITE = 9,
    VGL_CCMD_SET_SAMPLER_VIEWS = 10,
    VGL_CCMD_SET_INDEX_BUFFER = 11,
    VGL_CCMD_SET_CONSTANT_BUFFER = 12,
    VGL_CCMD_SET_STENCIL_REF = 13,
    VGL_CCMD_SET_BLEND_COLOR = 14,
    VGL_CCMD_SET_SCISSOR_STATE = 15,
    VGL_CCMD_BLIT = 16,
    VGL_CCMD_RESOURCE_COPY_REGION = 17,
    VGL_CCMD_BIND_SAMPLER_STATES = 18,
    VGL_CCMD_BEGIN_QUERY = 19,
    VGL_CCMD_END_QUERY = 20,
    VGL_CCMD_GET_QUERY_RESULT = 21,
    VGL_CCMD_SET_POLYGON_STIPPLE = 22,
    VGL_CCMD_SET_CLIP_STATE = 23,
    VGL_CCMD_SET_SAMPLE_MASK = 24,
    VGL_CCMD_SET_STREAMOUT_TARGETS = 25,
    VGL_CCMD_SET_RENDER_CONDITION = 26,
    VGL_CCMD_SET_UNIFORM_BUFFER = 27,
    VGL_CCMD_SET_SUB_CTX = 28,
    VGL_CCMD_CREATE_SUB_CTX = 29,
    VGL_CCMD_DESTROY_SUB_CTX = 30,
    VGL_CCMD_BIND_SHADER = 31,
    VGL_CCMD_SET_TESS_STATE = 32,
    VGL_CCMD_SET_MIN_SAMPLES = 33,
    VGL_CCMD_SET_SHADER_BUFFERS = 34,
    VGL_CCMD_SET_SHADER_IMAGES = 35,
    VGL_CCMD_MEMORY_BARRIER = 36,
    VGL_CCMD_LAUNCH_GRID = 37,
    VGL_CCMD_SET_FRAMEBUFFER_STATE_NO_ATTACH = 38,
    VGL_CCMD_TEXTURE_BARRIER = 39,
    VGL_CCMD_SET_ATOMIC_BUFFERS = 40,
    VGL_CCMD_SET_DEBUG_FLAGS = 41,
    VGL_CCMD_GET_QUERY_RESULT_QBO = 42,
    VGL_CCMD_TRANSFER3D = 43,
    VGL_CCMD_END_TRANSFERS = 44,
    VGL_CCMD_COPY_TRANSFER3D = 45,
    VGL_CCMD_SET_TWEAKS = 46,
    VGL_CCMD_CLEAR_TEXTURE = 47,
    VGL_CCMD_PIPE_RESOURCE_CREATE = 48,
    VGL_CCMD_PIPE_RESOURCE_SET_TYPE = 49,
    VGL_CCMD_GET_MEMORY_INFO = 50,
    VGL_CCMD_EMIT_STRING_MARKER = 51,
    VGL_CCMD_LINK_SHADER = 52,
    VGL_CCMD_CREATE_VIDEO_CODEC = 53,
    VGL_CCMD_DESTROY_VIDEO_CODEC = 54,
    VGL_CCMD_CREATE_VIDEO_BUFFER = 55,
    VGL_CCMD_DESTROY_VIDEO_BUFFER = 56,
    VGL_CCMD_BEGIN_FRAME = 57,
    VGL_CCMD_DECODE_MACROBLOCK = 58,
    VGL_CCMD_DECODE_BITSTREAM = 59,
    VGL_CCMD_ENCODE_BITSTREAM = 60,
    VGL_CCMD_END_FRAME = 61,
    VGL_CCMD_COUNT = 62,
};

/* §2.3 VIRGL_OBJECT_* ids. */
enum vgl_object_type {
    VGL_OBJECT_NULL = 0,
    VGL_OBJECT_BLEND = 1,
    VGL_OBJECT_RASTERIZER = 2,
    VGL_OBJECT_DSA = 3,
    VGL_OBJECT_SHADER = 4,
    VGL_OBJECT_VERTEX_ELEMENTS = 5,
    VGL_OBJECT_SAMPLER_VIEW = 6,
    VGL_OBJECT_SAMPLER_STATE = 7,
    VGL_OBJECT_SURFACE = 8,
    VGL_OBJECT_QUERY = 9,
    VGL_OBJECT_STREAMOUT_TARGET = 10,
    VGL_OBJECT_MSAA_SURFACE = 11,
    VGL_OBJECT_COUNT = 12,
};

/* §4.2 targets (PIPE_TEXTURE_*). */
enum vgl_target {
    VGL_TARGET_BUFFER = 0,
    VGL_TARGET_1D = 1,
    VGL_TARGET_2D = 2,
    VGL_TARGET_3D = 3,
    VGL_TARGET_CUBE = 4,
    VGL_TARGET_RECT = 5,
    VGL_TARGET_1D_ARRAY = 6,
    VGL_TARGET_2D_ARRAY = 7,
    VGL_TARGET_CUBE_ARRAY = 8,
    VGL_TARGET_COUNT = 9,
};

/* §4.3 VIRGL_BIND_* bits. */
#define VGL_BIND_DEPTH_STENCIL   (1u << 0)
#define VGL_BIND_RENDER_TARGET   (1u << 1)
#define VGL_BIND_SAMPLER_VIEW    (1u << 3)
#define VGL_BIND_VERTEX_BUFFER   (1u << 4)
#define VGL_BIND_INDEX_BUFFER    (1u << 5)
#define VGL_BIND_CONSTANT_BUFFER (1u << 6)
#define VGL_BIND_CUSTOM          (1u << 17)

/* §2.5 CLEAR buffers bits. */
#define VGL_CLEAR_DEPTH   1u
#define VGL_CLEAR_STENCIL 2u
#define VGL_CLEAR_COLOR0  4u

/* §2.5 BLIT mask bits. */
#define VGL_MASK_RGBA 0xfu
#define VGL_MASK_Z    0x10u
#define VGL_MASK_S    0x20u

/* §2.5 SET_FRAMEBUFFER_STATE: at most 8 colour buffers (PIPE_MAX_COLOR_BUFS). */
#define VGL_MAX_COLOR_BUFS 8u

/* §5.2 / §5.3 caps layout offsets (bytes). */
#define VGL_CAPS_V1_SAMPLER                    4
#define VGL_CAPS_V1_RENDER                     68
#define VGL_CAPS_V1_DEPTHSTENCIL               132
#define VGL_CAPS_V1_VERTEXBUFFER               196
#define VGL_CAPS_V1_BSET                       260
#define VGL_CAPS_V1_GLSL_LEVEL                 264
#define VGL_CAPS_V1_MAX_TEXTURE_ARRAY_LAYERS   268
#define VGL_CAPS_V1_MAX_STREAMOUT_BUFFERS      272
#define VGL_CAPS_V1_MAX_DUAL_SOURCE            276
#define VGL_CAPS_V1_MAX_RENDER_TARGETS         280
#define VGL_CAPS_V1_MAX_SAMPLES                284
#define VGL_CAPS_V1_PRIM_MASK                  288
#define VGL_CAPS_V1_MAX_TBO_SIZE               292
#define VGL_CAPS_V1_MAX_UNIFORM_BLOCKS         296
#define VGL_CAPS_V1_MAX_VIEWPORTS              300
#define VGL_CAPS_V1_MAX_GATHER_COMPONENTS      304
#define VGL_CAPS_V2_POINT_SIZE                 308 /* 4 floats: min/max aliased, min/max smooth */
#define VGL_CAPS_V2_LINE_WIDTH                 324 /* 4 floats */
#define VGL_CAPS_V2_MAX_LOD_BIAS               340
#define VGL_CAPS_V2_MAX_GEOM_OUTPUT_VERTICES   344
#define VGL_CAPS_V2_MAX_GEOM_TOTAL_COMPONENTS  348
#define VGL_CAPS_V2_MAX_VERTEX_OUTPUTS         352
#define VGL_CAPS_V2_MAX_VERTEX_ATTRIBS         356
#define VGL_CAPS_V2_MIN_TEXEL_OFFSET           364
#define VGL_CAPS_V2_MAX_TEXEL_OFFSET           368
#define VGL_CAPS_V2_UBO_ALIGNMENT              384
#define VGL_CAPS_V2_CAPABILITY_BITS            392
#define VGL_CAPS_V2_MAX_VERTEX_ATTRIB_STRIDE   428
#define VGL_CAPS_V2_MAX_TEXTURE_2D_SIZE        484
#define VGL_CAPS_V2_MAX_TEXTURE_3D_SIZE        488
#define VGL_CAPS_V2_MAX_TEXTURE_CUBE_SIZE      492
#define VGL_CAPS_V2_HOST_FEATURE_CHECK_VERSION 556
#define VGL_CAPS_V2_READBACK_FORMATS           560
#define VGL_CAPS_V2_SCANOUT                    624
#define VGL_CAPS_V2_CAPABILITY_BITS_V2         688
#define VGL_CAPS_V2_RENDERER                   696
#define VGL_CAPS_V2_MAX_ANISOTROPY             760
#define VGL_CAPS_V2_MAX_SHADER_SAMPLER_VIEWS   764
#define VGL_CAPS_V2_MAX_CONST_BUFFER_SIZE      832
#define VGL_CAPS_V2_MAX_UNIFORM_BLOCK_SIZE     1372

/* §5.3 capability_bits. */
#define VGL_CAP_COPY_IMAGE              (1u << 3)
#define VGL_CAP_FB_NO_ATTACH            (1u << 8)
#define VGL_CAP_TEXTURE_BARRIER         (1u << 12)
#define VGL_CAP_SRGB_WRITE_CONTROL      (1u << 15)
#define VGL_CAP_TRANSFER                (1u << 17)
#define VGL_CAP_FBO_MIXED_COLOR_FORMATS (1u << 18)

#endif
