/* SPDX-License-Identifier: MIT */
/*
 * Capability sets derived from the host GL and from what this renderer implements. Advertise
 * only what works: protocol-facts §5.4 gives GL 2.1 for glsl_level 120 plus an sRGB sampler
 * format, which is where this renderer stands today.
 */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "gl/gl_internal.h"

static void set_bit(uint8_t *caps, size_t mask_offset, uint32_t bit) {
    caps[mask_offset + bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static void put(struct vgl_renderer *r, size_t offset, uint32_t v) {
    vgl_put_le32(r->caps_v2 + offset, v);
}

static void putf(struct vgl_renderer *r, size_t offset, float v) {
    vgl_put_lef(r->caps_v2 + offset, v);
}

void vgl_gl_fill_caps(struct vgl_renderer *r) {
    uint8_t *caps = r->caps_v2;
    memset(caps, 0, sizeof(r->caps_v2));
    put(r, 0, 2);

    for (uint32_t f = 1; f <= VGL_GL_FORMAT_MAX; f++) {
        const struct gl_format *fmt = vgl_gl_host_format(r, f);
        if (!fmt) {
            continue;
        }
        set_bit(caps, VGL_CAPS_V1_SAMPLER, f);
        set_bit(caps, VGL_CAPS_V2_READBACK_FORMATS, f);
        if (fmt->renderable && fmt->attachment == GL_COLOR_ATTACHMENT0) {
            set_bit(caps, VGL_CAPS_V1_RENDER, f);
            set_bit(caps, VGL_CAPS_V2_SCANOUT, f);
        }
    }

    /* bset: only what this renderer implements (protocol-facts §5.2 bit numbers). */
    uint32_t bset = 1u << 0     /* indep_blend_enable */
                    | 1u << 2   /* cube_map_array: storage, transfers, copies */
                    | 1u << 1   /* indep_blend_func */
                    | 1u << 6   /* primitive_restart */
                    | 1u << 7   /* blend_eq_sep */
                    | 1u << 9   /* vertex_element_instance_divisor */
                    | 1u << 10  /* seamless_cube_map */
                    | 1u << 11  /* occlusion_query */
                    | 1u << 12; /* timer_query */
    /* Not mirror_clamp (21): MIRROR_CLAMP and MIRROR_CLAMP_TO_BORDER do not exist in a core
     * host profile. */
    if (r->has_base_instance) {
        bset |= 1u << 5; /* start_instance */
    }
    if (r->max_samples > 1) {
        bset |= 1u << 14; /* texture_multisample: multisampled colour and depth surfaces */
    }
    put(r, VGL_CAPS_V1_BSET, bset);
    /* 130, not 120: Mesa then emits native integer TGSI (which the translator implements)
     * and avoids its 1.20 path that drops writes to indexed temporary arrays in loops. The
     * guest still gets GL 2.1 / GLSL 1.20 (protocol-facts §5.4: 3.0 needs more caps). */
    put(r, VGL_CAPS_V1_GLSL_LEVEL, 130);
    put(r, VGL_CAPS_V1_MAX_RENDER_TARGETS, VGL_MAX_COLOR_BUFS);
    put(r, VGL_CAPS_V1_MAX_SAMPLES, (uint32_t)r->max_samples);
    put(r, VGL_CAPS_V1_MAX_TEXTURE_ARRAY_LAYERS, (uint32_t)r->max_array_layers);
    /* Points, lines, loops, strips, triangles, strips, fans, and quads, quad strips and polygons
     * (drawn through a geometry shader so that unfilled ones show no internal edges). */
    put(r, VGL_CAPS_V1_PRIM_MASK, 0x3ff);
    put(r, VGL_CAPS_V1_MAX_UNIFORM_BLOCKS, 1);
    /* Stream output (EXT_transform_feedback; the guest stays at GL 2.1): interleaved varyings
     * with gaps and several buffers need gl_SkipComponentsN and gl_NextBuffer. */
    put(r, VGL_CAPS_V1_MAX_STREAMOUT_BUFFERS, r->has_tf3 ? 4 : 0);
    put(r, VGL_CAPS_V1_MAX_VIEWPORTS, 1);
    /* TG4 becomes textureGather with a component (GLSL 4.00 or GL_ARB_gpu_shader5): the guest
     * then offers AMD_texture_texture4 (and ARB_texture_gather); its GL version stays 2.1. */
    if (epoxy_gl_version() >= 40 || epoxy_has_gl_extension("GL_ARB_gpu_shader5")) {
        put(r, VGL_CAPS_V1_MAX_GATHER_COMPONENTS, 4);
    }

    putf(r, VGL_CAPS_V2_POINT_SIZE + 0, 1.0f);
    putf(r, VGL_CAPS_V2_POINT_SIZE + 4, 255.0f);
    putf(r, VGL_CAPS_V2_POINT_SIZE + 8, 1.0f);
    putf(r, VGL_CAPS_V2_POINT_SIZE + 12, 255.0f);
    putf(r, VGL_CAPS_V2_LINE_WIDTH + 0, 1.0f);
    putf(r, VGL_CAPS_V2_LINE_WIDTH + 4, 1.0f);
    putf(r, VGL_CAPS_V2_LINE_WIDTH + 8, 1.0f);
    putf(r, VGL_CAPS_V2_LINE_WIDTH + 12, 1.0f);
    putf(r, VGL_CAPS_V2_MAX_LOD_BIAS, 15.0f);
    put(r, VGL_CAPS_V2_MAX_VERTEX_OUTPUTS, 32);
    put(r, VGL_CAPS_V2_MAX_VERTEX_ATTRIBS, 16);
    put(r, VGL_CAPS_V2_MIN_TEXEL_OFFSET, (uint32_t)-8);
    put(r, VGL_CAPS_V2_MAX_TEXEL_OFFSET, 7);
    put(r, VGL_CAPS_V2_UBO_ALIGNMENT, 256);

    uint32_t bits = VGL_CAP_TRANSFER | VGL_CAP_SRGB_WRITE_CONTROL | VGL_CAP_FBO_MIXED_COLOR_FORMATS;
    if (r->has_no_attachments) {
        bits |= VGL_CAP_FB_NO_ATTACH;
    }
    if (r->has_copy_image) {
        bits |= VGL_CAP_COPY_IMAGE; /* RESOURCE_COPY_REGION keeps texel bits across formats */
    }
    put(r, VGL_CAPS_V2_CAPABILITY_BITS, bits);
    put(r, VGL_CAPS_V2_MAX_VERTEX_ATTRIB_STRIDE, 2048);
    put(r, VGL_CAPS_V2_MAX_TEXTURE_2D_SIZE, (uint32_t)r->max_texture_size);
    put(r, VGL_CAPS_V2_MAX_TEXTURE_3D_SIZE, (uint32_t)r->max_3d_texture_size);
    put(r, VGL_CAPS_V2_MAX_TEXTURE_CUBE_SIZE, (uint32_t)r->max_texture_size);
    /* hfcv 5 names the host renderer in GL_RENDERER ("virgl (...)"), and asks nothing more. */
    put(r, VGL_CAPS_V2_HOST_FEATURE_CHECK_VERSION, 5);
    snprintf((char *)caps + VGL_CAPS_V2_RENDERER, 64, "vgl %.59s", r->name);
    putf(r, VGL_CAPS_V2_MAX_ANISOTROPY, 1.0f);
    put(r, VGL_CAPS_V2_MAX_SHADER_SAMPLER_VIEWS, 16);
    for (int stage = 0; stage < 6; stage++) {
        put(r, VGL_CAPS_V2_MAX_CONST_BUFFER_SIZE + 4 * stage, 65536);
    }
    put(r, VGL_CAPS_V2_MAX_UNIFORM_BLOCK_SIZE, 65536);
}
