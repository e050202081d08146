/* SPDX-License-Identifier: MIT */
/*
 * Capability sets derived from the host GL and from what this renderer implements. Advertise
 * only what works: the guest's GL level follows from glsl_level and the bits of protocol-facts
 * §5.4, so the level offered is the highest whose every part the host has (and the renderer
 * options do not hide); one log line names what keeps the next level out.
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

static const char *const feature_names[FEATURE_COUNT] = {
        [FEATURE_COND_RENDER] = "cond_render",
        [FEATURE_STREAMOUT] = "streamout",
        [FEATURE_DEPTH_CLAMP] = "depth_clamp",
        [FEATURE_TIMER_QUERY] = "timer_query",
        [FEATURE_UBO] = "ubo",
        [FEATURE_TBO] = "tbo",
        [FEATURE_GS] = "gs",
        [FEATURE_MSAA] = "msaa",
        [FEATURE_DUAL_SRC] = "dual_src",
};

bool vgl_gl_parse_features(const char *list, uint32_t *bits, char *bad, size_t bad_size) {
    *bits = 0;
    for (const char *p = list; *p;) {
        const size_t n = strcspn(p, ", ");
        if (n) {
            unsigned f = 0;
            while (f < FEATURE_COUNT &&
                   (strlen(feature_names[f]) != n || strncmp(feature_names[f], p, n) != 0)) {
                f++;
            }
            if (f == FEATURE_COUNT) {
                snprintf(bad, bad_size, "%.*s", (int)n, p);
                return false;
            }
            *bits |= 1u << f;
        }
        p += n;
        p += strspn(p, ", ");
    }
    return true;
}

static GLint host_int(GLenum pname) {
    GLint v = 0;
    glGetIntegerv(pname, &v);
    return v;
}

static GLint min3(GLint a, GLint b, GLint c) {
    const GLint m = a < b ? a : b;
    return m < c ? m : c;
}

/*
 * What each feature needs of the host; false also when the options hide it. `why` gets what is
 * missing.
 */
static bool feature_ok(struct vgl_renderer *r, enum gl_feature f, char *why, size_t why_size) {
    if (r->hidden >> f & 1) {
        snprintf(why, why_size, "%s is hidden", feature_names[f]);
        return false;
    }
    bool ok = true;
    switch (f) {
    case FEATURE_COND_RENDER:
        break; /* core GL 3.0; on GLES through the CPU where the host cannot */
    case FEATURE_STREAMOUT:
        /* Interleaved varyings with gaps and several buffers: gl_SkipComponentsN and
         * gl_NextBuffer (GL 4.0 or ARB_transform_feedback3; not in GLES). */
        ok = r->has_tf3;
        if (r->gles) {
            /* GLES: a buffer's whole record is one array captured by itself (GL 3.0 lets the
             * guest put 64 components in one buffer, and use 4 buffers). */
            ok = host_int(GL_MAX_TRANSFORM_FEEDBACK_SEPARATE_ATTRIBS) >= 4 &&
                 host_int(GL_MAX_TRANSFORM_FEEDBACK_SEPARATE_COMPONENTS) >= 64;
        }
        break;
    case FEATURE_DEPTH_CLAMP: /* GL 3.2 core; EXT_depth_clamp on GLES */
        ok = r->has_depth_clamp;
        break;
    case FEATURE_TIMER_QUERY: /* GL 3.3 core; EXT_disjoint_timer_query on GLES */
        ok = r->has_timer_query;
        break;
    case FEATURE_UBO:
        /* 12 uniform buffers and the default block (CONST[0]) in every stage. */
        ok = min3(host_int(GL_MAX_VERTEX_UNIFORM_BLOCKS), host_int(GL_MAX_FRAGMENT_UNIFORM_BLOCKS),
                  host_int(GL_MAX_GEOMETRY_UNIFORM_BLOCKS)) >= 13;
        break;
    case FEATURE_TBO:
        ok = r->max_tbo_size > 0;
        break;
    case FEATURE_GS:
        ok = host_int(GL_MAX_GEOMETRY_OUTPUT_VERTICES) >= 256;
        break;
    case FEATURE_MSAA:
        ok = r->max_samples >= 4;
        break;
    case FEATURE_DUAL_SRC: /* on GLES the query needs EXT_blend_func_extended */
        ok = (!r->gles || vgl_gl_host_ext(r, "GL_EXT_blend_func_extended")) &&
             host_int(GL_MAX_DUAL_SOURCE_DRAW_BUFFERS) >= 1;
        break;
    default:
        ok = false;
    }
    if (!ok) {
        snprintf(why, why_size, "the host lacks %s", feature_names[f]);
    }
    return ok;
}

/* Guest levels, lowest first: the GLSL level that offers each and the features it adds. */
static const struct {
    uint32_t glsl;
    const char *gl;
    uint32_t needs; /* bits of enum gl_feature */
} levels[] = {
        {130, "2.1", 0}, /* 130 gives native integers; the guest stays at 2.1 without 3.0's bits */
        {130, "3.0", 1u << FEATURE_COND_RENDER | 1u << FEATURE_STREAMOUT},
        {140, "3.1", 1u << FEATURE_UBO | 1u << FEATURE_TBO},
        {150, "3.2", 1u << FEATURE_GS | 1u << FEATURE_MSAA | 1u << FEATURE_DEPTH_CLAMP},
        {330, "3.3", 1u << FEATURE_DUAL_SRC | 1u << FEATURE_TIMER_QUERY},
};

/* The highest level whose features (and every lower level's) the host has: its index. */
static unsigned pick_level(struct vgl_renderer *r, uint32_t *features) {
    *features = 0;
    for (unsigned l = 1; l < VGL_ARRAY_SIZE(levels); l++) {
        for (unsigned f = 0; f < FEATURE_COUNT; f++) {
            char why[96];
            if ((levels[l].needs >> f & 1) && !feature_ok(r, f, why, sizeof(why))) {
                vgl_log(VGL_LOG_INFO, "caps: the guest gets GL %s, not %s: %s", levels[l - 1].gl,
                        levels[l].gl, why);
                return l - 1;
            }
        }
        *features |= levels[l].needs;
    }
    vgl_log(VGL_LOG_INFO, "caps: the guest gets GL %s", levels[VGL_ARRAY_SIZE(levels) - 1].gl);
    return VGL_ARRAY_SIZE(levels) - 1;
}

void vgl_gl_fill_caps(struct vgl_renderer *r) {
    uint8_t *caps = r->caps_v2;
    memset(caps, 0, sizeof(r->caps_v2));
    put(r, 0, 2);
    uint32_t features;
    const unsigned level = pick_level(r, &features);
    r->guest_glsl = levels[level].glsl;

    for (uint32_t f = 1; f <= VGL_GL_FORMAT_MAX; f++) {
        const struct gl_format *fmt = vgl_gl_host_format(r, f);
        if (!fmt || fmt->unoffered == UNOFFERED_ALL) {
            continue;
        }
        set_bit(caps, VGL_CAPS_V1_SAMPLER, f);
        set_bit(caps, VGL_CAPS_V2_READBACK_FORMATS, f);
        if (fmt->renderable && fmt->attachment == GL_COLOR_ATTACHMENT0 &&
            fmt->unoffered != UNOFFERED_RENDER) {
            set_bit(caps, VGL_CAPS_V1_RENDER, f);
            set_bit(caps, VGL_CAPS_V2_SCANOUT, f);
        }
    }

    /* bset: only what this renderer implements (protocol-facts §5.2 bit numbers). */
    uint32_t bset =
            1u << 0    /* indep_blend_enable */
            | 1u << 2  /* cube_map_array: storage, transfers, copies */
            | 1u << 1  /* indep_blend_func */
            | 1u << 6  /* primitive_restart (GLES: other than all ones rewritten) */
            | 1u << 7  /* blend_eq_sep */
            | 1u << 8  /* instanceid */
            | 1u << 9  /* vertex_element_instance_divisor */
            | 1u << 10 /* seamless_cube_map */
            | 1u << 11 /* occlusion_query */
            | (r->has_timer_query && !(r->hidden >> FEATURE_TIMER_QUERY & 1) ? 1u << 12 : 0) |
            1u << 13 /* streamout_pause_resume: resumes and DRAW_AUTO (gl_streamout.c) */
            | (r->has_depth_clamp && !(r->hidden >> FEATURE_DEPTH_CLAMP & 1) ? 1u << 16 : 0);
    if (features >> FEATURE_COND_RENDER & 1) {
        bset |= 1u << 4; /* conditional_render */
        if (r->has_cond_inverted) {
            bset |= 1u << 28; /* conditional_render_inverted */
        }
    }
    if (features >> FEATURE_UBO & 1) {
        bset |= 1u << 18; /* ubo */
    }
    /* shader_stencil_export: the translator writes gl_FragStencilRefARB. Mesa then copies
     * depth-stencil (glDrawPixels, blits) by sampling a depth view and a stencil view of one
     * texture in one draw: stencil views are host texture views (immutable storage). */
    if (r->has_stencil_export && r->has_stencil_views) {
        bset |= 1u << 3;
    }
    if (r->has_derivative_control) {
        bset |= 1u << 29; /* derivative_control: the translator's fine derivatives */
    }
    /* Not mirror_clamp (21): MIRROR_CLAMP and MIRROR_CLAMP_TO_BORDER do not exist in a core
     * host profile. */
    if (r->has_base_instance) {
        bset |= 1u << 5; /* start_instance */
    }
    if (r->max_samples > 1 && !(r->hidden >> FEATURE_MSAA & 1)) {
        bset |= 1u << 14; /* texture_multisample: multisampled colour and depth surfaces */
    }
    put(r, VGL_CAPS_V1_BSET, bset);
    /* At least 130, not 120: Mesa then emits native integer TGSI (which the translator
     * implements) and avoids its 1.20 path that drops writes to indexed temporary arrays in
     * loops. */
    put(r, VGL_CAPS_V1_GLSL_LEVEL, r->guest_glsl);
    put(r, VGL_CAPS_V1_MAX_RENDER_TARGETS, VGL_MAX_COLOR_BUFS);
    put(r, VGL_CAPS_V1_MAX_SAMPLES, r->hidden >> FEATURE_MSAA & 1 ? 1 : (uint32_t)r->max_samples);
    put(r, VGL_CAPS_V1_MAX_TEXTURE_ARRAY_LAYERS, (uint32_t)r->max_array_layers);
    /* Points, lines, loops, strips, triangles, strips, fans, and quads, quad strips and polygons
     * (drawn through a geometry shader so that unfilled ones show no internal edges); the
     * adjacency primitives with geometry shaders. */
    put(r, VGL_CAPS_V1_PRIM_MASK, features >> FEATURE_GS & 1 ? 0x3fff : 0x3ff);
    /* The default block (CONST[0]) counts: 13 gives the guest the 12 uniform buffers of GL 3.1. */
    put(r, VGL_CAPS_V1_MAX_UNIFORM_BLOCKS, features >> FEATURE_UBO & 1 ? 13 : 1);
    if (features >> FEATURE_TBO & 1) {
        put(r, VGL_CAPS_V1_MAX_TBO_SIZE, (uint32_t)r->max_tbo_size);
    }
    if (features >> FEATURE_DUAL_SRC & 1) {
        put(r, VGL_CAPS_V1_MAX_DUAL_SOURCE, 1);
    }
    if (features >> FEATURE_GS & 1) {
        put(r, VGL_CAPS_V2_MAX_GEOM_OUTPUT_VERTICES,
            (uint32_t)host_int(GL_MAX_GEOMETRY_OUTPUT_VERTICES));
        put(r, VGL_CAPS_V2_MAX_GEOM_TOTAL_COMPONENTS,
            (uint32_t)host_int(GL_MAX_GEOMETRY_TOTAL_OUTPUT_COMPONENTS));
    }
    /* Stream output (EXT_transform_feedback; the guest stays at GL 2.1): interleaved varyings
     * with gaps and several buffers need gl_SkipComponentsN and gl_NextBuffer. */
    put(r, VGL_CAPS_V1_MAX_STREAMOUT_BUFFERS, features >> FEATURE_STREAMOUT & 1 ? 4 : 0);
    put(r, VGL_CAPS_V1_MAX_VIEWPORTS, 1);
    /* TG4 becomes textureGather with a component (GLSL 4.00 or GL_ARB_gpu_shader5): the guest
     * then offers AMD_texture_texture4 (and ARB_texture_gather); its GL version stays 2.1. */
    if (r->has_gather_component) {
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

    /* SRGB_WRITE_CONTROL even on a GLES host without EXT_sRGB_write_control: GL 3.0 needs
     * it, and such a host only always encodes into sRGB surfaces (an approximation,
     * docs/gles-host.md). */
    uint32_t bits = VGL_CAP_TRANSFER | VGL_CAP_SRGB_WRITE_CONTROL | VGL_CAP_FBO_MIXED_COLOR_FORMATS;
    if (r->has_no_attachments) {
        bits |= VGL_CAP_FB_NO_ATTACH;
    }
    if (r->has_texture_barrier) {
        bits |= VGL_CAP_TEXTURE_BARRIER; /* TEXTURE_BARRIER: glTextureBarrier */
    }
    if (r->has_copy_image) {
        bits |= VGL_CAP_COPY_IMAGE; /* RESOURCE_COPY_REGION keeps texel bits across formats */
    }
    put(r, VGL_CAPS_V2_CAPABILITY_BITS, bits);
    put(r, VGL_CAPS_V2_MAX_VERTEX_ATTRIB_STRIDE, 2048);
    put(r, VGL_CAPS_V2_MAX_TEXTURE_2D_SIZE, (uint32_t)r->max_texture_size);
    put(r, VGL_CAPS_V2_MAX_TEXTURE_3D_SIZE, (uint32_t)r->max_3d_texture_size);
    put(r, VGL_CAPS_V2_MAX_TEXTURE_CUBE_SIZE, (uint32_t)r->max_texture_size);
    /* hfcv 5 names the host renderer in GL_RENDERER ("virgl (...)"); 6 lets compatibility
     * contexts go past GLSL 1.40 too. Both ask nothing more of the host (7 would make Mesa send
     * LINK_SHADER). */
    put(r, VGL_CAPS_V2_HOST_FEATURE_CHECK_VERSION, 6);
    snprintf((char *)caps + VGL_CAPS_V2_RENDERER, 64, "vgl %.59s", r->name);
    putf(r, VGL_CAPS_V2_MAX_ANISOTROPY, 1.0f);
    put(r, VGL_CAPS_V2_MAX_SHADER_SAMPLER_VIEWS, 16);
    for (int stage = 0; stage < 6; stage++) {
        put(r, VGL_CAPS_V2_MAX_CONST_BUFFER_SIZE + 4 * stage, 65536);
    }
    put(r, VGL_CAPS_V2_MAX_UNIFORM_BLOCK_SIZE, 65536);
}
