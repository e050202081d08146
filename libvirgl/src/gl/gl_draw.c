/* SPDX-License-Identifier: MIT */
/*
 * DRAW_VBO: choose the program variant for the bound shaders and state, apply blend, depth,
 * stencil, rasterizer, viewport, textures, constants and vertex arrays to GL, check the vertex
 * ranges it can check, and draw.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "gl/gl_program.h"

#define FAIL(s, status, ...) vgl_sink_set_error(s, status, __VA_ARGS__)

/* Vertices (count x instances) one draw may ask of the host: 16M, far beyond what guests draw
 * at once, and still well under a second on llvmpipe. */
#define MAX_DRAW_INVOCATIONS (1u << 24)

GLenum vgl_gl_compare_func(uint8_t func);

static GLenum blend_factor(uint8_t f) {
    switch (f) {
    case 0x01:
        return GL_ONE;
    case 0x02:
        return GL_SRC_COLOR;
    case 0x03:
        return GL_SRC_ALPHA;
    case 0x04:
        return GL_DST_ALPHA;
    case 0x05:
        return GL_DST_COLOR;
    case 0x06:
        return GL_SRC_ALPHA_SATURATE;
    case 0x07:
        return GL_CONSTANT_COLOR;
    case 0x08:
        return GL_CONSTANT_ALPHA;
    case 0x09:
        return GL_SRC1_COLOR;
    case 0x0a:
        return GL_SRC1_ALPHA;
    case 0x12:
        return GL_ONE_MINUS_SRC_COLOR;
    case 0x13:
        return GL_ONE_MINUS_SRC_ALPHA;
    case 0x14:
        return GL_ONE_MINUS_DST_ALPHA;
    case 0x15:
        return GL_ONE_MINUS_DST_COLOR;
    case 0x17:
        return GL_ONE_MINUS_CONSTANT_COLOR;
    case 0x18:
        return GL_ONE_MINUS_CONSTANT_ALPHA;
    case 0x19:
        return GL_ONE_MINUS_SRC1_COLOR;
    case 0x1a:
        return GL_ONE_MINUS_SRC1_ALPHA;
    default:
        return GL_ZERO;
    }
}

static GLenum blend_equation(uint8_t func) {
    static const GLenum map[] = {GL_FUNC_ADD, GL_FUNC_SUBTRACT, GL_FUNC_REVERSE_SUBTRACT, GL_MIN,
                                 GL_MAX};
    return func < 5 ? map[func] : GL_FUNC_ADD;
}

/* PIPE_LOGICOP_* (truth-table order) -> GL. */
static const GLenum logic_ops[16] = {
        GL_CLEAR, GL_NOR,        GL_AND_INVERTED, GL_COPY_INVERTED, GL_AND_REVERSE, GL_INVERT,
        GL_XOR,   GL_NAND,       GL_AND,          GL_EQUIV,         GL_NOOP,        GL_OR_INVERTED,
        GL_COPY,  GL_OR_REVERSE, GL_OR,           GL_SET,
};

static void set_enabled(GLenum cap, bool on);

/* The guest's sample mask over the host's samples: where the host allocated more samples than
 * the guest asked for (llvmpipe has 4 for 2), host sample j takes guest bit j * guest / host, so
 * that a mask keeps its share of the pixel (glSampleCoverage). */
static GLbitfield host_sample_mask(const struct gl_sub_ctx *sub) {
    const struct gl_surface *s = sub->zsurf;
    for (uint32_t i = 0; i < sub->nr_cbufs && i < VGL_MAX_COLOR_BUFS && !s; i++) {
        s = sub->cbufs[i];
    }
    const uint32_t guest = s ? s->res->args.nr_samples : 0, host = s ? s->res->host_samples : 0;
    if (guest <= 1 || host <= guest || host >= 32) {
        return sub->sample_mask;
    }
    GLbitfield mask = 0;
    for (uint32_t j = 0; j < host; j++) {
        mask |= ((sub->sample_mask >> (j * guest / host)) & 1u) << j;
    }
    return mask | (sub->sample_mask & ~0u << host);
}

/* Whether colour buffer i has no alpha of its own (an X format kept in RGBA8: the host stores
 * whatever alpha the shader wrote), so that blending must read its alpha as one. */
static bool cbuf_lacks_alpha(const struct gl_sub_ctx *sub, GLuint i) {
    const struct gl_format *f =
            i < sub->nr_cbufs && sub->cbufs[i] ? vgl_gl_format(sub->cbufs[i]->format) : NULL;
    return f && f->swizzle[3] == GL_ONE;
}

/* A blend factor for a destination whose alpha reads as one (PIPE_BLENDFACTOR_*). */
static GLenum rt_blend_factor(uint8_t f, bool no_dst_alpha) {
    if (no_dst_alpha && f == 0x04) { /* DST_ALPHA */
        return GL_ONE;
    }
    if (no_dst_alpha && (f == 0x14 || f == 0x06)) { /* INV_DST_ALPHA, SRC_ALPHA_SATURATE */
        return GL_ZERO;
    }
    return blend_factor(f);
}

/*
 * GLES has no alpha-to-one: the shader key's alpha_to_one does it, where the framebuffer is
 * multisampled (the only place GL applies it). Returns the host samples of the framebuffer's
 * first colour buffer then, 0 otherwise.
 */
static uint32_t gles_alpha_to_one(const struct gl_sub_ctx *sub) {
    const struct vgl_cmd_blend *b = sub->blend ? &sub->blend->state : NULL;
    const struct gl_surface *s = sub->nr_cbufs ? sub->cbufs[0] : NULL;
    if (!sub->ctx->r->gles || !b || !b->alpha_to_one || !s || s->res->args.nr_samples <= 1) {
        return 0;
    }
    const uint32_t n = s->res->host_samples ? s->res->host_samples : s->res->args.nr_samples;
    return n > 31 ? 31 : n;
}

static void apply_blend(const struct gl_sub_ctx *sub) {
    const struct vgl_cmd_blend *b = sub->blend ? &sub->blend->state : NULL;
    for (GLuint i = 0; i < VGL_MAX_COLOR_BUFS; i++) {
        const struct vgl_rt_blend *rt = b ? &b->rt[b->independent_blend_enable ? i : 0] : NULL;
        const bool no_a = cbuf_lacks_alpha(sub, i);
        if (!rt || !rt->blend_enable || (b && b->logicop_enable)) {
            glDisablei(GL_BLEND, i);
            /* Drop SRC1 factors a dual-source state left: with them set, hosts (Mesa) refuse
             * draws to more buffers than GL_MAX_DUAL_SOURCE_DRAW_BUFFERS even with blending
             * off, and the next context's multi-buffer draws would vanish. */
            glBlendFuncSeparatei(i, GL_ONE, GL_ZERO, GL_ONE, GL_ZERO);
        } else {
            glEnablei(GL_BLEND, i);
            glBlendEquationSeparatei(i, blend_equation(rt->rgb_func),
                                     blend_equation(rt->alpha_func));
            glBlendFuncSeparatei(i, rt_blend_factor(rt->rgb_src_factor, no_a),
                                 rt_blend_factor(rt->rgb_dst_factor, no_a),
                                 rt_blend_factor(rt->alpha_src_factor, no_a),
                                 rt_blend_factor(rt->alpha_dst_factor, no_a));
        }
        const uint8_t m = rt ? rt->colormask : 0xf;
        glColorMaski(i, m & 1, (m >> 1) & 1, (m >> 2) & 1, (m >> 3) & 1);
    }
    const bool gles = sub->ctx->r->gles;
    if (gles) {
        /* GLES has neither logic ops nor alpha-to-one: the shader does them (docs/gles-host.md). */
    } else if (b && b->logicop_enable) {
        glEnable(GL_COLOR_LOGIC_OP);
        glLogicOp(logic_ops[b->logicop_func & 15]);
    } else {
        glDisable(GL_COLOR_LOGIC_OP);
    }
    /* The shader computes the coverage where it also makes alpha one (gles_alpha_to_one). */
    set_enabled(GL_SAMPLE_ALPHA_TO_COVERAGE, b && b->alpha_to_coverage && !gles_alpha_to_one(sub));
    if (!gles) {
        set_enabled(GL_SAMPLE_ALPHA_TO_ONE, b && b->alpha_to_one);
    }
    /* SET_SAMPLE_MASK: all ones unless the guest restricted it. */
    set_enabled(GL_SAMPLE_MASK, sub->sample_mask != ~0u);
    glSampleMaski(0, host_sample_mask(sub));
    glBlendColor(sub->blend_color[0], sub->blend_color[1], sub->blend_color[2],
                 sub->blend_color[3]);
}

static GLenum stencil_op(uint8_t op) {
    static const GLenum map[] = {GL_KEEP, GL_ZERO,      GL_REPLACE,   GL_INCR,
                                 GL_DECR, GL_INCR_WRAP, GL_DECR_WRAP, GL_INVERT};
    return map[op & 7];
}

static void apply_stencil_face(GLenum face, const struct vgl_stencil_state *st, uint8_t ref) {
    glStencilFuncSeparate(face, vgl_gl_compare_func(st->func), ref, st->valuemask);
    glStencilOpSeparate(face, stencil_op(st->fail_op), stencil_op(st->zfail_op),
                        stencil_op(st->zpass_op));
    glStencilMaskSeparate(face, st->writemask);
}

static void apply_dsa(const struct gl_sub_ctx *sub) {
    const struct vgl_cmd_dsa *d = sub->dsa ? &sub->dsa->state : NULL;
    if (d && d->depth_enabled) {
        glEnable(GL_DEPTH_TEST);
        glDepthFunc(vgl_gl_compare_func(d->depth_func));
        glDepthMask(d->depth_writemask ? GL_TRUE : GL_FALSE);
    } else {
        glDisable(GL_DEPTH_TEST);
        glDepthMask(GL_FALSE);
    }
    if (d && d->stencil[0].enabled) {
        glEnable(GL_STENCIL_TEST);
        apply_stencil_face(GL_FRONT, &d->stencil[0], sub->stencil_ref[0]);
        /* One-sided stencil uses the front state for back faces too. */
        const bool two_sided = d->stencil[1].enabled;
        apply_stencil_face(GL_BACK, two_sided ? &d->stencil[1] : &d->stencil[0],
                           sub->stencil_ref[two_sided ? 1 : 0]);
    } else {
        glDisable(GL_STENCIL_TEST);
    }
}

static void set_enabled(GLenum cap, bool on) {
    if (on) {
        glEnable(cap);
    } else {
        glDisable(cap);
    }
}

static const GLenum polygon_modes[4] = {GL_FILL, GL_LINE, GL_POINT, GL_FILL};

static void apply_rasterizer(const struct gl_sub_ctx *sub, bool flip_y) {
    static const struct vgl_cmd_rasterizer defaults = {
            .depth_clip = true,
            .point_size = 1.0f,
            .line_width = 1.0f,
            .half_pixel_center = true,
    };
    const struct vgl_cmd_rasterizer *r = sub->rs ? &sub->rs->state : &defaults;
    /* Gallium judges winding in window coordinates with y down; the host sees the same numbers
     * with y up (our window coordinates are numerically gallium's, flipped or not), so every
     * triangle's winding is mirrored. Culling and the polygon mode belong to the pass. */
    const struct vgl_renderer *host = sub->ctx->r;
    glFrontFace(r->front_ccw ? GL_CW : GL_CCW);
    set_enabled(GL_POLYGON_OFFSET_FILL, r->offset_tri);
    glPolygonOffset(r->offset_scale, r->offset_units);
    glLineWidth(r->line_width > 0 ? r->line_width : 1.0f);
    if (!host->gles) {
        /* GLES has no polygon modes (unfilled polygons take the translator's GS, which offsets
         * them itself), sizes points only from the shader, never smooths and always
         * multisamples into multisampled buffers (docs/gles-host.md). */
        set_enabled(GL_POLYGON_OFFSET_LINE, r->offset_line);
        set_enabled(GL_POLYGON_OFFSET_POINT, r->offset_point);
        set_enabled(GL_PROGRAM_POINT_SIZE, r->point_size_per_vertex);
        glPointSize(r->point_size > 0 ? r->point_size : 1.0f);
        set_enabled(GL_LINE_SMOOTH, r->line_smooth);
        set_enabled(GL_POLYGON_SMOOTH, r->poly_smooth);
        set_enabled(GL_MULTISAMPLE, r->multisample);
    }
    set_enabled(GL_RASTERIZER_DISCARD, r->rasterizer_discard);
    if (host->has_depth_clamp) { /* GL_DEPTH_CLAMP_EXT on GLES has the same value */
        set_enabled(GL_DEPTH_CLAMP, !r->depth_clip);
    }
    /* GL_POINT_SPRITE_COORD_ORIGIN stays GL_UPPER_LEFT: the shader key orients sprites. */
    for (GLenum i = 0; i < 8 && host->has_clip_distance; i++) {
        set_enabled(GL_CLIP_DISTANCE0 + i, (r->clip_plane_enable >> i) & 1);
    }
    if (r->scissor) {
        const int minx = sub->scissor[0] & 0xffff, miny = sub->scissor[0] >> 16;
        const int maxx = sub->scissor[1] & 0xffff, maxy = sub->scissor[1] >> 16;
        const int w = maxx > minx ? maxx - minx : 0, h = maxy > miny ? maxy - miny : 0;
        glEnable(GL_SCISSOR_TEST);
        /* Gallium's scissor, like its window coordinates, is the host's as it is (Mesa turns a
         * window's scissor into gallium's y itself). */
        glScissor(minx, miny, w, h);
    } else {
        glDisable(GL_SCISSOR_TEST);
    }
}

/* Gallium viewport: window = translate + scale * ndc. GL: from origin, size and depth range. */
static void apply_viewport(struct vgl_renderer *r, const struct gl_sub_ctx *sub) {
    const float *v = sub->viewport;
    const float sx = fabsf(v[0]), sy = fabsf(v[1]);
    const float x = v[3] - sx, y = v[4] - sy;
    if (r->has_viewport_array) {
        glViewportIndexedf(0, x, y, 2 * sx, 2 * sy);
    } else {
        glViewport((GLint)lrintf(x), (GLint)lrintf(y), (GLsizei)lrintf(2 * sx),
                   (GLsizei)lrintf(2 * sy));
    }
    if (r->gles) {
        glDepthRangef(v[5] - v[2], v[5] + v[2]);
    } else {
        glDepthRange(v[5] - v[2], v[5] + v[2]);
    }
}

static bool is_shadow(enum vgl_tex_target t) {
    return t == VGL_TEX_SHADOW1D || t == VGL_TEX_SHADOW2D || t == VGL_TEX_SHADOWRECT ||
           t == VGL_TEX_SHADOW1D_ARRAY || t == VGL_TEX_SHADOW2D_ARRAY || t == VGL_TEX_SHADOWCUBE ||
           t == VGL_TEX_SHADOWCUBE_ARRAY;
}

/* What a draw of `mode` rasterizes: polygons drawn with fill mode point or line (the host's
 * polygon mode follows fill_front) become points or lines. */
enum raster_class { RASTER_POINTS, RASTER_LINES, RASTER_POLYGONS };

static enum raster_class raster_class(const struct gl_sub_ctx *sub, uint32_t mode) {
    if (mode == 0) {
        return RASTER_POINTS;
    }
    if (mode == 1 || mode == 2 || mode == 3 || mode == 10 || mode == 11) {
        return RASTER_LINES;
    }
    const uint8_t fill = sub->rs ? sub->rs->state.fill_front & 3 : 0;
    return fill == 2 ? RASTER_POINTS : fill == 1 ? RASTER_LINES : RASTER_POLYGONS;
}

/* Sprite coordinates replace varyings of points only, and the polygon stipple applies to filled
 * polygons only: a triangle drawn while GL_POINT_SPRITE is on keeps its varyings, a line drawn
 * while GL_POLYGON_STIPPLE is on is not stippled. */
/*
 * One rasterization pass of a draw. Core GL has one polygon mode for both faces and no edge
 * flags: triangles with different front and back modes are drawn once per face (the host culls
 * the other face), and unfilled faces whose edge flags matter go through the translator's
 * geometry shader (shader key gs_fill), which culls by itself.
 */
struct pass {
    bool capture;      /* stream output alone, nothing rasterized (capture_polygon) */
    uint8_t fill;      /* host polygon mode: 0 fill, 1 line, 2 point */
    uint8_t host_cull; /* bit 0 front, bit 1 back (gallium's cull_face) */
    uint8_t gs_fill, gs_cull;
    uint8_t gs_prim; /* the shader key's gs_prim */
};

static bool vs_writes_edgeflag(const struct gl_sub_ctx *sub) {
    const struct vgl_shader_info *info =
            vgl_shader_get_info(vgl_gl_shader(sub, VGL_SHADER_VERTEX)->parsed);
    for (uint32_t i = 0; i < info->num_outputs; i++) {
        if (info->outputs[i].semantic == VGL_SEM_EDGEFLAG) {
            return true;
        }
    }
    return false;
}

static unsigned plan_passes(const struct gl_sub_ctx *sub, uint32_t mode, struct pass out[2]) {
    const struct vgl_cmd_rasterizer *r = sub->rs ? &sub->rs->state : NULL;
    memset(out, 0, 2 * sizeof(*out));
    if (!r) {
        return 1;
    }
    const uint8_t cull = r->cull_face & 3;
    const uint8_t front = (r->fill_front & 3) == 3 ? 0 : r->fill_front & 3;
    const uint8_t back = (r->fill_back & 3) == 3 ? 0 : r->fill_back & 3;
    /* Quads, quad strips and polygons (7..9) show no internal edges: unfilled, they always go
     * through the geometry shader. A guest geometry shader's triangles have no edge flags: the
     * host's polygon modes apply to them as they are. */
    const bool guest_gs = vgl_gl_shader(sub, VGL_SHADER_GEOMETRY) != NULL;
    const bool triangles = mode >= 4 && mode <= 9;
    /* GLES has no polygon modes at all: every unfilled polygon takes the geometry shader. */
    const bool edge =
            !guest_gs && triangles && (mode >= 7 || vs_writes_edgeflag(sub) || sub->ctx->r->gles);
    out[0].fill = front;
    out[0].host_cull = cull;
    if (!triangles || (front == back && !(edge && front != 0))) {
        return 1; /* the host draws it as it is */
    }
    if (front == back) {
        out[0] = (struct pass){.gs_fill = front, .gs_cull = cull};
        return 1;
    }
    unsigned n = 0;
    for (uint8_t face = 1; face <= 2; face++) {
        if (cull & face) {
            continue;
        }
        const uint8_t fill = face == 1 ? front : back, other = (uint8_t)(3 - face);
        if (edge && fill != 0) {
            out[n++] = (struct pass){.gs_fill = fill, .gs_cull = other};
        } else {
            out[n++] = (struct pass){.fill = fill, .host_cull = other};
        }
    }
    return n;
}

/* Every pass sets what passes change: culling, the polygon mode and the provoking vertex. */
static void apply_pass(const struct gl_sub_ctx *sub, const struct pass *ps) {
    if (ps->host_cull) {
        glEnable(GL_CULL_FACE);
        glCullFace(ps->host_cull == 1   ? GL_FRONT
                   : ps->host_cull == 2 ? GL_BACK
                                        : GL_FRONT_AND_BACK);
    } else {
        glDisable(GL_CULL_FACE);
    }
    if (!sub->ctx->r->gles) { /* GLES: filled polygons only, the last vertex provokes */
        glPolygonMode(GL_FRONT_AND_BACK, polygon_modes[ps->gs_fill ? 0 : ps->fill & 3]);
        /* The polygon's geometry shader picks flat varyings itself and needs each fan triangle
         * as (0, i + 1, i + 2): hosts order them with the provoking vertex first under the
         * first-vertex convention. */
        const bool first = sub->rs && sub->rs->state.flatshade_first && ps->gs_prim != 3;
        glProvokingVertex(first ? GL_FIRST_VERTEX_CONVENTION : GL_LAST_VERTEX_CONVENTION);
    }
    if (ps->capture) {
        glEnable(GL_RASTERIZER_DISCARD);
    }
}

static enum raster_class pass_raster_class(const struct gl_sub_ctx *sub, uint32_t mode,
                                           const struct pass *ps) {
    const enum raster_class rc = raster_class(sub, mode);
    if (rc != RASTER_POLYGONS && mode <= 3) {
        return rc; /* points and lines stay what they are */
    }
    const uint8_t fill = ps->gs_fill ? ps->gs_fill : ps->fill;
    return fill == 2 ? RASTER_POINTS : fill == 1 ? RASTER_LINES : RASTER_POLYGONS;
}

static void build_key(const struct gl_sub_ctx *sub, bool flip_y, enum raster_class raster,
                      const struct pass *ps, struct vgl_shader_key *key) {
    memset(key, 0, sizeof(*key));
    key->glsl_es = sub->ctx->r->gles ? (uint16_t)sub->ctx->r->glsl_version : 0;
    key->point_size_uniform =
            sub->ctx->r->gles && !(sub->rs && sub->rs->state.point_size_per_vertex);
    if (ps->gs_fill) {
        key->gs_fill = ps->gs_fill;
        key->gs_cull = ps->gs_cull;
        key->gs_front_ccw = sub->rs && sub->rs->state.front_ccw;
        key->gs_flat_first = sub->rs && sub->rs->state.flatshade_first;
        key->gs_prim = ps->gs_prim;
        const struct vgl_cmd_rasterizer *r = sub->rs ? &sub->rs->state : NULL;
        key->gs_offset = r && ((ps->gs_fill == 1 && r->offset_line) ||
                               (ps->gs_fill == 2 && r->offset_point));
    }
    if (sub->dsa && sub->dsa->state.alpha_enabled) {
        key->alpha_test_enabled = true;
        key->alpha_func = sub->dsa->state.alpha_func;
    }
    if (sub->rs) {
        const struct vgl_cmd_rasterizer *r = &sub->rs->state;
        key->flatshade = r->flatshade;
        key->two_side = r->light_twoside;
        key->poly_stipple = r->poly_stipple_enable && raster == RASTER_POLYGONS;
        if (r->point_quad_rasterization && raster == RASTER_POINTS) {
            key->sprite_coord_enable = r->sprite_coord_enable;
            key->sprite_coord_upper_left = r->sprite_coord_mode_upper_left;
        }
        key->clip_plane_enable = r->clip_plane_enable;
        key->clip_discard = sub->ctx->r->gles && !sub->ctx->r->has_clip_distance;
        key->clip_halfz = r->clip_halfz;
    }
    key->nr_cbufs = (uint8_t)sub->nr_cbufs;
    if (sub->blend) {
        const struct vgl_rt_blend *rt = &sub->blend->state.rt[0];
        const uint8_t f[4] = {rt->rgb_src_factor, rt->rgb_dst_factor, rt->alpha_src_factor,
                              rt->alpha_dst_factor};
        for (int i = 0; i < 4 && rt->blend_enable; i++) {
            key->dual_src |= f[i] == 0x09 || f[i] == 0x0a || f[i] == 0x19 || f[i] == 0x1a;
        }
    }
    key->flip_y = flip_y;
    const struct vgl_cmd_blend *blend = sub->blend ? &sub->blend->state : NULL;
    const uint32_t a2o_samples = gles_alpha_to_one(sub);
    key->alpha_to_one = a2o_samples != 0;
    key->a2c_samples = (uint8_t)(a2o_samples && blend->alpha_to_coverage ? a2o_samples : 0);
    if (blend && blend->logicop_enable && blend->logicop_func != 12 /* COPY */ &&
        sub->ctx->r->gles && sub->ctx->r->has_fb_fetch) {
        key->logicop = (uint8_t)(16 | (blend->logicop_func & 15));
    }
    for (uint32_t i = 0; i < sub->nr_cbufs && i < 8; i++) {
        if (sub->cbufs[i]) {
            const uint8_t expand = sub->cbufs[i]->res->fmt->expand;
            key->clamp_unorm |= (uint8_t)((expand == EXPAND_UNORM16) << i);
            key->clamp_snorm |= (uint8_t)((expand == EXPAND_SNORM16) << i);
            if (key->logicop) {
                const struct gl_format *hf = vgl_gl_format(sub->cbufs[i]->format);
                vgl_gl_format_logic_bits(hf ? hf->internal_format : 0, key->logic_bits[i]);
            }
            key->cbuf_swizzle[i] = vgl_gl_surface_output_swizzle(sub->cbufs[i]);
            const struct gl_format *f = vgl_gl_format(sub->cbufs[i]->format);
            const uint8_t kind = f ? f->integer : GL_INT_NONE;
            key->cbuf_sint |= (uint8_t)((kind == GL_INT_SIGNED) << i);
            key->cbuf_uint |= (uint8_t)((kind == GL_INT_UNSIGNED) << i);
        }
    }
    for (uint32_t i = 0; sub->ve && i < sub->ve->state.count; i++) {
        const uint8_t kind = sub->ve->formats[i].integer;
        key->attrib_sint |= (uint32_t)(kind == GL_INT_SIGNED) << i;
        key->attrib_uint |= (uint32_t)(kind == GL_INT_UNSIGNED) << i;
    }
    for (unsigned st = 0; st < VGL_SHADER_STAGES; st++) {
        const struct gl_shader *const sh = vgl_gl_shader(sub, st);
        if (!sh || !sh->parsed) {
            continue;
        }
        const struct vgl_shader_info *info = vgl_shader_get_info(sh->parsed);
        uint32_t used = info->samplers_used;
        while (used) {
            const unsigned n = (unsigned)__builtin_ctz(used);
            used &= used - 1;
            const struct gl_sampler_view *v = sub->stages[st].views[n];
            if (v && is_shadow(info->sampler_targets[n]) && v->pipe_swizzle != 0x688) {
                key->stage[st].shadow_swizzle[n] = (uint16_t)(0x8000 | v->pipe_swizzle);
            }
            const struct gl_sampler_state *smp = sub->stages[st].samplers[n];
            if (smp) {
                key->stage[st].tex_clamp[n] = vgl_gl_sampler_clamp_bits(&smp->state);
                if (key->glsl_es && st == VGL_SHADER_FRAGMENT && smp->state.lod_bias != 0.0f) {
                    key->stage[st].lod_bias |= 1u << n;
                }
            }
        }
    }
}

/* The emulation's uniforms of the program, set where they differ from what it holds. */
static void set_uniforms(struct gl_program *p, const struct gl_sub_ctx *sub,
                         const struct vgl_cmd_draw *d, bool flip_y) {
    struct gl_program_uniforms want;
    memset(&want, 0, sizeof(want));
    want.known = true;
    want.alpha_ref = sub->dsa ? sub->dsa->state.alpha_ref : 0.0f;
    memcpy(want.clip_planes, sub->clip_planes, sizeof(want.clip_planes));
    want.y_sign = flip_y ? -1.0f : 1.0f;
    want.point_size = sub->rs && sub->rs->state.point_size > 0 ? sub->rs->state.point_size : 1.0f;
    for (uint32_t n = 0; p->loc_lod_bias >= 0 && n < VGL_SHADER_MAX_SAMPLERS; n++) {
        const struct gl_sampler_state *smp = sub->stages[VGL_SHADER_FRAGMENT].samplers[n];
        want.lod_bias[n] = smp ? smp->state.lod_bias : 0.0f;
    }
    bool levels = false;
    for (unsigned st = 0; st < VGL_SHADER_STAGES; st++) {
        for (uint32_t n = 0; p->loc_levels[st] >= 0 && n < VGL_SHADER_MAX_SAMPLERS; n++) {
            const struct gl_sampler_view *v = sub->stages[st].views[n];
            const uint32_t last = v && v->res ? v->res->args.last_level : 0;
            const uint32_t top = v && v->last_level < last ? v->last_level : last;
            want.levels[st][n] =
                    v && v->res && top >= v->first_level ? (GLint)(top - v->first_level + 1) : 0;
            levels = true;
        }
    }
    want.poly_last = (GLint)d->count - 3;
    if (p->loc_poly_offset >= 0 && sub->rs) {
        /* Units count the depth buffer's smallest step: 16 or (as for float depth here) 24
         * bits. */
        const struct vgl_cmd_rasterizer *rs = &sub->rs->state;
        const float step =
                sub->zsurf && sub->zsurf->format == 16 ? 1.0f / 65535.0f : 1.0f / 16777215.0f;
        const GLfloat u[8] = {
                fabsf(sub->viewport[0]), fabsf(sub->viewport[1]), sub->viewport[2], 0.0f,
                rs->offset_scale,        rs->offset_units * step, rs->offset_clamp, 0.0f};
        memcpy(want.poly_offset, u, sizeof(u));
    } else {
        memcpy(want.poly_offset, p->uniforms.poly_offset, sizeof(want.poly_offset)); /* unset */
    }
    struct gl_program_uniforms *have = &p->uniforms;
    const bool all = !have->known;
#define DIFFERS(field) (all || memcmp(&have->field, &want.field, sizeof(want.field)) != 0)
    if (p->loc_alpha_ref >= 0 && DIFFERS(alpha_ref)) {
        glUniform1f(p->loc_alpha_ref, want.alpha_ref);
    }
    if (p->loc_clip_planes >= 0 && DIFFERS(clip_planes)) {
        glUniform4fv(p->loc_clip_planes, 8, &want.clip_planes[0][0]);
    }
    if (p->loc_y_sign >= 0 && DIFFERS(y_sign)) {
        glUniform1f(p->loc_y_sign, want.y_sign);
    }
    if (p->loc_point_size >= 0 && DIFFERS(point_size)) {
        glUniform1f(p->loc_point_size, want.point_size);
    }
    if (p->loc_lod_bias >= 0 && DIFFERS(lod_bias)) {
        glUniform1fv(p->loc_lod_bias, VGL_SHADER_MAX_SAMPLERS, want.lod_bias);
    }
    for (unsigned st = 0; levels && st < VGL_SHADER_STAGES && DIFFERS(levels); st++) {
        if (p->loc_levels[st] >= 0) {
            glUniform1iv(p->loc_levels[st], VGL_SHADER_MAX_SAMPLERS, want.levels[st]);
        }
    }
    if (p->loc_poly_last >= 0 && DIFFERS(poly_last)) {
        glUniform1i(p->loc_poly_last, want.poly_last);
    }
    if (p->loc_poly_offset >= 0 && sub->rs && DIFFERS(poly_offset)) {
        glUniform4fv(p->loc_poly_offset, 2, want.poly_offset);
    }
#undef DIFFERS
    *have = want;
}

/* A uniform buffer binding point, bound where it holds something else (length 0: the whole
 * buffer). */
static void bind_ubo(struct vgl_renderer *r, GLuint binding, GLuint buffer, uint64_t serial,
                     uint32_t offset, uint32_t length) {
    if (r->bound.ubo[binding].buffer == serial && r->bound.ubo[binding].offset == offset &&
        r->bound.ubo[binding].length == length) {
        return;
    }
    if (length) {
        glBindBufferRange(GL_UNIFORM_BUFFER, binding, buffer, offset, length);
    } else {
        glBindBufferBase(GL_UNIFORM_BUFFER, binding, buffer);
    }
    r->bound.ubo[binding].buffer = serial;
    r->bound.ubo[binding].offset = offset;
    r->bound.ubo[binding].length = length;
}

/* What constant slots and uniform buffers the guest did not set read as: zeros, never stale host
 * memory. */
static const uint8_t zeros[VGL_SHADER_MAX_CONSTS * 16];

/* CONST[0] of a stage goes to its uniform block as raw bits (std140 uvec4 array). */
static void upload_constants(struct vgl_renderer *r, struct gl_stage_state *st,
                             const struct vgl_shader *sh, GLuint binding, bool changed) {
    const uint32_t slots = vgl_shader_get_info(sh)->num_consts;
    const size_t bytes = (size_t)(slots ? slots : 1) * 16;
    if (!st->ubo) {
        glGenBuffers(1, &st->ubo);
        st->ubo_serial = ++r->serial;
        changed = true;
    }
    if (!changed && st->ubo_slots == slots) {
        bind_ubo(r, binding, st->ubo, st->ubo_serial, 0, 0);
        return; /* the buffer holds what this shader reads */
    }
    st->ubo_slots = slots;
    glBindBuffer(GL_UNIFORM_BUFFER, st->ubo);
    /* Slots the guest did not set read as zeros, never as stale host memory. */
    const size_t have = (size_t)st->const_dwords * 4;
    if (have >= bytes) {
        glBufferData(GL_UNIFORM_BUFFER, (GLsizeiptr)bytes, st->consts, GL_STREAM_DRAW);
    } else {
        glBufferData(GL_UNIFORM_BUFFER, (GLsizeiptr)bytes, zeros, GL_STREAM_DRAW);
        if (have) {
            glBufferSubData(GL_UNIFORM_BUFFER, 0, (GLsizeiptr)have, st->consts);
        }
    }
    bind_ubo(r, binding, st->ubo, st->ubo_serial, 0, 0);
}

/* The stage's uniform buffers at the program's binding points; one the guest left unbound reads
 * zeros. */
static void bind_uniform_buffers(struct vgl_renderer *r, const struct gl_stage_state *st,
                                 const struct vgl_shader *sh, const uint8_t *bindings) {
    uint32_t used = vgl_shader_get_info(sh)->ubos_used;
    while (used) {
        const unsigned n = (unsigned)__builtin_ctz(used);
        used &= used - 1;
        const struct gl_ubo_binding *b = &st->ubos[n];
        if (b->res) {
            bind_ubo(r, bindings[n], b->res->id, b->res->serial, b->offset, b->length);
            continue;
        }
        if (!r->zero_ubo) {
            glGenBuffers(1, &r->zero_ubo);
            r->zero_ubo_serial = ++r->serial;
            glBindBuffer(GL_UNIFORM_BUFFER, r->zero_ubo);
            glBufferData(GL_UNIFORM_BUFFER, sizeof(zeros), zeros, GL_STATIC_DRAW);
        }
        bind_ubo(r, bindings[n], r->zero_ubo, r->zero_ubo_serial, 0, 0);
    }
}

/* The border colour in the view's stored channels (A8 keeps alpha in R, ...). */
static void set_border(struct gl_sampler_state *smp, const struct gl_sampler_view *v) {
    GLfloat b[4] = {0.0f, 0.0f, 0.0f, 0.0f}; /* raw bits, as the guest sent them */
    for (int c = 0; c < 4; c++) {
        const int i = v->border_src[c];
        if (i >= 0) {
            memcpy(&b[c], &smp->state.border_color[i], sizeof(b[c]));
        }
    }
    if (memcmp(b, smp->host_border, sizeof(b)) != 0) {
        glSamplerParameterfv(smp->sampler, GL_TEXTURE_BORDER_COLOR, b);
        memcpy(smp->host_border, b, sizeof(b));
    }
}

/* A texture object's view parameters, set where they differ from what it holds. The texture
 * must be bound to the active unit. */
static void set_tex_params(struct gl_tex_params *have, GLenum target, const GLint swizzle[4],
                           GLint base_level, GLint max_level) {
    if (!have->known || memcmp(have->swizzle, swizzle, sizeof(have->swizzle)) != 0) {
        /* One channel at a time: GL_TEXTURE_SWIZZLE_RGBA is not in GLES. */
        static const GLenum channel[4] = {GL_TEXTURE_SWIZZLE_R, GL_TEXTURE_SWIZZLE_G,
                                          GL_TEXTURE_SWIZZLE_B, GL_TEXTURE_SWIZZLE_A};
        for (int c = 0; c < 4; c++) {
            glTexParameteri(target, channel[c], swizzle[c]);
        }
        memcpy(have->swizzle, swizzle, sizeof(have->swizzle));
    }
    if (!have->known || have->base_level != base_level) {
        glTexParameteri(target, GL_TEXTURE_BASE_LEVEL, base_level);
        have->base_level = base_level;
    }
    if (!have->known || have->max_level != max_level) {
        glTexParameteri(target, GL_TEXTURE_MAX_LEVEL, max_level);
        have->max_level = max_level;
    }
    have->known = true;
}

/* The stage's sampler views and samplers on the program's units, bound where a unit holds
 * something else. True when it left another unit active than the rest unit. Seamless cube
 * filtering is global state in core GL: *seamless is set when any bound sampler asks. */
static bool bind_textures(struct vgl_renderer *r, const struct gl_stage_state *st,
                          const struct vgl_shader *sh, const uint8_t *units, bool *seamless) {
    static const GLint identity[4] = {GL_RED, GL_GREEN, GL_BLUE, GL_ALPHA};
    bool moved = false;
    const struct vgl_shader_info *info = vgl_shader_get_info(sh);
    uint32_t used = info->samplers_used;
    while (used) {
        const unsigned n = (unsigned)__builtin_ctz(used);
        used &= used - 1;
        struct gl_sampler_view *v = st->views[n];
        struct gl_sampler_state *smp = st->samplers[n];
        const GLuint unit = units[n];
        if (v) {
            const bool buffer = v->buffer_tex != 0; /* no levels, swizzle or sampler */
            const GLenum target = buffer ? GL_TEXTURE_BUFFER : v->gl_target;
            struct gl_tex_params *params = v->view_tex ? &v->view_params : &v->res->params;
            /* Shadow lookups take the view swizzle in the shader (shader key), after the
             * comparison: the host must hand the comparison the depth in red. */
            const GLint *swizzle = is_shadow(info->sampler_targets[n]) ? identity : v->swizzle;
            const bool rebind = r->bound.view[unit] != v->base.serial;
            const bool reparam =
                    !buffer && (!params->known ||
                                memcmp(params->swizzle, swizzle, sizeof(params->swizzle)) != 0 ||
                                params->base_level != (GLint)v->first_level ||
                                params->max_level != (GLint)v->last_level);
            if (rebind || reparam) {
                glActiveTexture(GL_TEXTURE0 + unit);
                moved = true;
            }
            if (rebind) {
                glBindTexture(target, buffer        ? v->buffer_tex
                                      : v->view_tex ? v->view_tex
                                                    : v->res->id);
                r->bound.view[unit] = v->base.serial;
            }
            if (reparam) {
                set_tex_params(params, target, swizzle, (GLint)v->first_level,
                               (GLint)v->last_level);
            }
            if (smp) {
                set_border(smp, v);
            }
        }
        const uint64_t sampler = smp ? smp->base.serial : 0;
        if (r->bound.sampler[unit] != sampler) {
            glBindSampler(unit, smp ? smp->sampler : 0);
            r->bound.sampler[unit] = sampler;
        }
        *seamless |= smp && smp->state.seamless_cube_map;
    }
    return moved;
}

static bool is_srgb(uint32_t format) {
    return format == 95 || format == 100 || format == 101 || format == 104;
}

/* Highest byte a vertex attribute reads for vertices [first, last], or false on overflow. */
static bool attrib_end(const struct vgl_vertex_buffer *vb, const struct vgl_vertex_element *e,
                       const struct gl_vertex_format *f, uint64_t last, uint64_t *end) {
    uint64_t v;
    return vgl_size_mul(last, vb->stride, &v) && vgl_size_add(v, vb->offset, &v) &&
           vgl_size_add(v, e->src_offset, &v) && vgl_size_add(v, f->bytes, end);
}

static void disable_attrib(struct gl_sub_ctx *sub, uint32_t i) {
    if (sub->attribs[i].buffer) {
        glDisableVertexAttribArray(i);
        sub->attribs[i].buffer = 0;
    }
}

/*
 * GLES has no double vertex attributes: attribute i's doubles, element k at `ptr + k * stride`
 * of the vertex buffer, as floats in the renderer's buffer for that attribute (element k at
 * k * components * 4). Every element the buffer holds is converted, so that any index reads
 * what it would; `*elements` says how many. Returns the buffer, bound to GL_ARRAY_BUFFER.
 */
static GLuint doubles_as_floats(struct vgl_renderer *r, uint32_t i, const struct gl_resource *res,
                                uint64_t ptr, uint32_t stride, uint32_t components) {
    const uint64_t bytes = (uint64_t)components * 8;
    uint64_t n = 0;
    if (res->args.width >= ptr + bytes) {
        n = stride ? (res->args.width - ptr - bytes) / stride + 1 : 1;
    }
    float *out = malloc(n ? n * components * sizeof(float) : 1);
    if (!r->scratch_doubles[i]) {
        glGenBuffers(1, &r->scratch_doubles[i]);
    }
    glBindBuffer(GL_COPY_READ_BUFFER, res->id);
    const uint64_t span = n ? (n - 1) * stride + bytes : 0;
    const uint8_t *in = n && out ? glMapBufferRange(GL_COPY_READ_BUFFER, (GLintptr)ptr,
                                                    (GLsizeiptr)span, GL_MAP_READ_BIT)
                                 : NULL;
    for (uint64_t k = 0; in && k < n; k++) {
        for (uint32_t c = 0; c < components; c++) {
            double v;
            memcpy(&v, in + k * stride + c * 8, 8);
            out[k * components + c] = (float)v;
        }
    }
    if (in) {
        glUnmapBuffer(GL_COPY_READ_BUFFER);
    }
    glBindBuffer(GL_COPY_READ_BUFFER, 0);
    glBindBuffer(GL_ARRAY_BUFFER, r->scratch_doubles[i]);
    glBufferData(GL_ARRAY_BUFFER, in ? (GLsizeiptr)(n * components * sizeof(float)) : 4,
                 in ? out : NULL, GL_STREAM_DRAW);
    free(out);
    return r->scratch_doubles[i];
}

/* The vertex arrays of the sub-context's VAO, set where they differ from what it holds. */
static enum vgl_status setup_vertices(struct vgl_sink *s, struct gl_sub_ctx *sub,
                                      const struct vgl_cmd_draw *d, GLint max_attribs) {
    const struct gl_vertex_elements *ve = sub->ve;
    const uint32_t count = ve ? ve->state.count : 0;
    if ((GLint)count > max_attribs) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "%u vertex elements, host has %d", count,
                    max_attribs);
    }
    struct vgl_renderer *r = vgl_gl_ctx_of(s)->r;
    if (r->bound.vao != sub->vao) {
        glBindVertexArray(sub->vao);
        r->bound.vao = sub->vao;
    }
    for (uint32_t i = 0; i < count; i++) {
        const struct vgl_vertex_element *e = &ve->state.elements[i];
        const struct gl_vertex_format *f = &ve->formats[i];
        const struct vgl_vertex_buffer *vb = &sub->vbs[e->vertex_buffer_index];
        const struct gl_resource *res = sub->vb_res[e->vertex_buffer_index];
        if (!res) {
            disable_attrib(sub, i);
            continue;
        }
        /* The vertices a non-indexed draw reads are known: check them against the buffer. An
         * indexed draw's max_index is only the guest's hint (Mesa sends the index count there
         * when it knows no bound): its reads stay the robust host context's to bound. */
        uint64_t last = UINT64_MAX;
        if (e->instance_divisor) {
            /* In 64 bits: start_instance near 2^32 must not wrap to a small element. */
            last = (uint64_t)d->start_instance + (d->instance_count - 1) / e->instance_divisor;
        } else if (!d->indexed) {
            last = (uint64_t)d->start + d->count - 1;
        }
        uint64_t end;
        if (last != UINT64_MAX && (!attrib_end(vb, e, f, last, &end) || end > res->args.width)) {
            return FAIL(s, VGL_ERROR_INVALID_ARGUMENT,
                        "attribute %u reads past vertex buffer %u (%u bytes)", i,
                        e->vertex_buffer_index, res->args.width);
        }
        /* Gallium's stride 0 repeats one element for every vertex and instance; GL's stride 0
         * means tightly packed. A divisor no instance count reaches keeps GL on element
         * start_instance, so the pointer moves back by that many elements. */
        uint64_t ptr = (uint64_t)vb->offset + e->src_offset;
        GLsizei stride = (GLsizei)vb->stride;
        GLuint divisor = e->instance_divisor;
        if (vb->stride == 0) {
            const uint64_t skew = (uint64_t)d->start_instance * f->bytes;
            if (skew > ptr) {
                return FAIL(s, VGL_ERROR_UNSUPPORTED,
                            "attribute %u: stride 0 with start_instance %u", i, d->start_instance);
            }
            ptr -= skew;
            stride = (GLsizei)f->bytes;
            divisor = UINT32_MAX;
        }
        struct gl_attrib_binding want;
        memset(&want, 0, sizeof(want));
        want = (struct gl_attrib_binding){.buffer = res->serial,
                                          .offset = ptr,
                                          .stride = stride,
                                          .size = f->size,
                                          .divisor = divisor,
                                          .type = f->type,
                                          .normalized = f->normalized,
                                          .integer = f->integer};
        struct gl_attrib_binding *have = &sub->attribs[i];
        const bool doubles = f->type == GL_DOUBLE && r->gles;
        if (doubles) { /* converted again for every draw: the buffer may have changed */
            want.buffer = ++r->serial;
            want.offset = 0;
            want.stride = 0;
            want.type = GL_FLOAT;
        }
        if (memcmp(have, &want, sizeof(want)) == 0) {
            continue; /* the VAO holds it */
        }
        if (doubles) {
            doubles_as_floats(r, i, res, (uint64_t)vb->offset + e->src_offset, vb->stride,
                              (uint32_t)f->size);
            stride = 0;
            ptr = 0;
        } else {
            glBindBuffer(GL_ARRAY_BUFFER, res->id);
        }
        if (f->integer) {
            glVertexAttribIPointer(i, f->size, f->type, stride, (const void *)(uintptr_t)ptr);
        } else {
            glVertexAttribPointer(i, f->size, (GLenum)want.type, f->normalized, stride,
                                  (const void *)(uintptr_t)ptr);
        }
        glBindBuffer(GL_ARRAY_BUFFER, 0);
        if (have->divisor != divisor || !have->buffer) {
            glVertexAttribDivisor(i, divisor);
        }
        if (!have->buffer) {
            glEnableVertexAttribArray(i);
        }
        *have = want;
    }
    for (uint32_t i = count; i < VGL_ARRAY_SIZE(sub->attribs); i++) {
        disable_attrib(sub, i);
    }
    return VGL_OK;
}

static const GLenum prim_modes[] = {
        GL_POINTS,
        GL_LINES,
        GL_LINE_LOOP,
        GL_LINE_STRIP,
        GL_TRIANGLES,
        GL_TRIANGLE_STRIP,
        GL_TRIANGLE_FAN,
        GL_LINES_ADJACENCY /* quads: a geometry shader takes 4 vertices a quad */,
        GL_LINE_STRIP_ADJACENCY /* quad strip: the geometry shader skips odd primitives */,
        GL_TRIANGLE_FAN /* polygon */,
        GL_LINES_ADJACENCY,
        GL_LINE_STRIP_ADJACENCY,
        GL_TRIANGLES_ADJACENCY,
        GL_TRIANGLE_STRIP_ADJACENCY,
};

static enum vgl_status issue_draw(struct vgl_sink *s, struct vgl_renderer *r,
                                  struct gl_sub_ctx *sub, const struct vgl_cmd_draw *d,
                                  GLenum mode) {
    const GLsizei count = (GLsizei)d->count, instances = (GLsizei)d->instance_count;
    if (d->start_instance && !r->has_base_instance) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "start_instance without host base instance");
    }
    /* Primitive restart is for indexed draws (some hosts apply it to arrays too). GLES restarts
     * only at the all-ones index of the index type (see vgl_gl_restart_indices_gles). */
    const int restart = d->indexed && d->primitive_restart;
    if (r->bound.restart != restart) {
        set_enabled(r->gles ? GL_PRIMITIVE_RESTART_FIXED_INDEX : GL_PRIMITIVE_RESTART, restart);
        r->bound.restart = restart;
    }
    if (restart && !r->gles && r->bound.restart_index != d->restart_index) {
        glPrimitiveRestartIndex(d->restart_index);
        r->bound.restart_index = d->restart_index;
    }
    if (!d->indexed) {
        if (d->start_instance) {
            glDrawArraysInstancedBaseInstance(mode, (GLint)d->start, count, instances,
                                              d->start_instance);
        } else {
            glDrawArraysInstanced(mode, (GLint)d->start, count, instances);
        }
        return VGL_OK;
    }
    if (!sub->ib_res) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "indexed draw without an index buffer");
    }
    /* §2.5: the index buffer offset already includes start * index_size (observed: the data of
     * an upload at offset 160 for start 80 with 2-byte indices), so start is not added again. */
    const uint32_t offset = sub->ib_offset;
    uint64_t end;
    if (!vgl_size_mul(d->count, sub->ib_size, &end) || !vgl_size_add(end, offset, &end) ||
        end > sub->ib_res->args.width) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "indices past index buffer (%u bytes)",
                    sub->ib_res->args.width);
    }
    GLenum type = sub->ib_size == 1   ? GL_UNSIGNED_BYTE
                  : sub->ib_size == 2 ? GL_UNSIGNED_SHORT
                                      : GL_UNSIGNED_INT;
    const void *ptr = (const void *)(uintptr_t)offset;
    const uint32_t all_ones = sub->ib_size == 4 ? ~0u : (1u << (8 * sub->ib_size)) - 1;
    if (restart && r->gles && d->restart_index != all_ones) {
        const enum vgl_status st = vgl_gl_restart_indices_gles(r, sub, d, offset);
        if (st != VGL_OK) {
            return FAIL(s, st, "out of memory for restart indices");
        }
        type = GL_UNSIGNED_INT;
        ptr = NULL;
    } else if (sub->vao_index_buffer != sub->ib_res->serial) {
        glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, sub->ib_res->id); /* state of the bound VAO */
        sub->vao_index_buffer = sub->ib_res->serial;
    }
    if (d->start_instance) {
        glDrawElementsInstancedBaseVertexBaseInstance(mode, count, type, ptr, instances,
                                                      d->index_bias, d->start_instance);
    } else {
        glDrawElementsInstancedBaseVertex(mode, count, type, ptr, instances, d->index_bias);
    }
    return VGL_OK;
}

static enum vgl_status draw_pass(struct vgl_sink *s, struct gl_sub_ctx *sub,
                                 const struct vgl_cmd_draw *d, struct gl_program *p,
                                 const struct vgl_shader_key *kp, const struct pass *ps,
                                 bool flip_y);

/*
 * Stream output of a polygon. The translator's geometry shader draws polygons and captures
 * nothing, so a pass of its own captures the polygon first, with nothing rasterized: as the
 * triangles (i + 1, i + 2, 0), or (0, i + 1, i + 2) under the first-vertex convention, so that
 * vertex 0, whose colour a flat polygon takes, is each triangle's provoking vertex. The visible
 * passes then capture nothing (so_captured).
 */
/*
 * Stream output of primitives that GLES draws otherwise than the guest asked: unfilled
 * triangles through the translator's geometry shader (no polygon modes there), and first-vertex
 * ones reordered (vgl_gl_provoking_first_indices). A pass of its own captures them as the guest's
 * host would, with nothing rasterized.
 */
static enum vgl_status capture_primitives(struct vgl_sink *s, struct gl_sub_ctx *sub,
                                          const struct vgl_cmd_draw *d, bool flip_y) {
    const struct pass ps = {.capture = true};
    struct vgl_shader_key key;
    build_key(sub, flip_y, RASTER_POLYGONS, &ps, &key);
    char why[160] = "";
    struct gl_program *p = vgl_gl_program_get(sub, &key, why, sizeof(why));
    if (!p || !p->so_buffers) {
        return VGL_OK;
    }
    const enum vgl_status st = draw_pass(s, sub, d, p, &key, &ps, flip_y);
    sub->dirty |= DIRTY_RASTERIZER; /* rasterizer discard back to the guest's */
    return st;
}

static enum vgl_status capture_polygon(struct vgl_sink *s, struct gl_sub_ctx *sub,
                                       const struct vgl_cmd_draw *d, bool flip_y) {
    struct vgl_renderer *r = vgl_gl_ctx_of(s)->r;
    if (d->indexed) {
        vgl_log(VGL_LOG_DEBUG, "stream output of an indexed polygon: not captured");
        return VGL_OK;
    }
    const struct pass ps = {.capture = true};
    struct vgl_shader_key key;
    build_key(sub, flip_y, RASTER_POLYGONS, &ps, &key);
    char why[160] = "";
    struct gl_program *p = vgl_gl_program_get(sub, &key, why, sizeof(why));
    if (!p || !p->so_buffers || d->count < 3) {
        return VGL_OK;
    }
    const uint32_t tris = d->count - 2;
    uint32_t *idx = malloc((size_t)tris * 3 * sizeof(*idx));
    if (!idx) {
        return FAIL(s, VGL_ERROR_NO_MEMORY, "out of memory");
    }
    const bool first = sub->rs && sub->rs->state.flatshade_first;
    for (uint32_t i = 0; i < tris; i++) {
        const uint32_t tri[3] = {first ? 0 : i + 1, first ? i + 1 : i + 2, first ? i + 2 : 0};
        memcpy(&idx[3 * i], tri, sizeof(tri));
    }
    vgl_gl_scratch_indices(r, sub, idx, (size_t)tris * 12);
    free(idx);
    /* The guest's index buffer stays its own: this pass alone reads the renderer's. */
    const struct gl_ib_binding guest = vgl_gl_use_scratch_indices(r, sub);
    struct vgl_cmd_draw td = *d;
    td.mode = 4; /* triangles */
    td.indexed = true;
    td.count = tris * 3;
    td.index_bias = (int32_t)d->start;
    td.primitive_restart = false;
    const enum vgl_status st = draw_pass(s, sub, &td, p, &key, &ps, flip_y);
    vgl_gl_restore_indices(sub, guest);
    sub->dirty |= DIRTY_RASTERIZER; /* rasterizer discard back to the guest's */
    return st;
}

static enum vgl_status draw_vbo(struct vgl_sink *s, const struct vgl_cmd_draw *d) {
    struct gl_context *ctx = vgl_gl_ctx_of(s);
    struct vgl_renderer *r = ctx->r;
    struct gl_sub_ctx *sub = ctx->sub;
    if (d->indirect) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "indirect draws");
    }
    struct vgl_cmd_draw auto_draw;
    if (d->count_from_stream_output) {
        /* DRAW_AUTO (glDrawTransformFeedback): the vertices captured into the first target of
         * the last capture set (Mesa sends that target's size here, not its handle). */
        const struct gl_so_target *t = sub->so_draw_target;
        if (!t) {
            return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "stream-output draw without a target");
        }
        auto_draw = *d;
        auto_draw.indexed = false;
        auto_draw.start = 0;
        auto_draw.count = t->stride ? t->written / t->stride : 0;
        d = &auto_draw;
    }
    if (d->mode >= VGL_ARRAY_SIZE(prim_modes)) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "primitive mode %u", d->mode);
    }
    if (!vgl_gl_shader(sub, VGL_SHADER_VERTEX)) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "draw without a vertex shader");
    }
    if (d->mode >= 7 && d->mode <= 9 && vgl_gl_shader(sub, VGL_SHADER_GEOMETRY)) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "primitive mode %u with a geometry shader",
                    d->mode);
    }
    if (d->count == 0 || d->instance_count == 0) {
        return VGL_OK;
    }
    for (unsigned st = 0; st < VGL_SHADER_STAGES; st++) {
        const struct gl_shader *const sh = st == VGL_SHADER_COMPUTE ? NULL : vgl_gl_shader(sub, st);
        if (sh && !sh->parsed) {
            return VGL_OK; /* a shader the translator cannot handle yet (logged when created) */
        }
    }
    if (r->applied_sub != sub->serial) {
        sub->dirty = DIRTY_ALL; /* GL holds another sub-context's state, or none */
        r->applied_sub = sub->serial;
    }
    /* The host runs the vertex shader count x instances times: bound the product, or one
     * command can keep the host busy for hours (316 vertices x 754974721 instances, fuzz-vtest). */
    if ((uint64_t)d->count * d->instance_count > MAX_DRAW_INVOCATIONS) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT,
                    "draw of %u vertices x %u instances (more than %u vertices in all)", d->count,
                    d->instance_count, MAX_DRAW_INVOCATIONS);
    }
    const bool flip_y = sub->viewport[1] < 0;
    struct pass passes[2];
    const unsigned num_passes = plan_passes(sub, d->mode, passes);
    for (unsigned i = 0; i < num_passes && d->mode >= 7 && d->mode <= 9; i++) {
        /* Filled ones go through the geometry shader too: the host has no quads, and a
         * polygon's provoking vertex is its first, which no host triangle fan has. */
        struct pass *ps = &passes[i];
        if (!ps->gs_fill) {
            *ps = (struct pass){.gs_fill = ps->fill ? ps->fill : 3, .gs_cull = ps->host_cull};
        }
        ps->gs_prim = ps->gs_fill ? (uint8_t)(d->mode - 6) : 0;
    }
    /* GLES: the first-vertex convention through reordered primitives
     * (vgl_gl_provoking_first_indices): the provoking vertex last for the host, or first for the
     * translator's geometry shader (unfilled triangles), which then takes it from there. Not with a
     * guest geometry shader. Stream output is captured first by a pass of its own, in the guest's
     * convention's order. */
    const bool first_order = r->gles && sub->rs && sub->rs->state.flatshade_first && d->mode >= 1 &&
                             d->mode <= 6 && !vgl_gl_shader(sub, VGL_SHADER_GEOMETRY) &&
                             (!d->indexed || sub->ib_res);
    enum vgl_status st = VGL_OK;
    bool vertices_ready = false;
    sub->so_captured = false; /* stream output captures one pass of a draw */
    if (d->mode == 9 && vgl_gl_so_bound(sub)) {
        VGL_FORWARD_IF_ERROR(setup_vertices(s, sub, d, r->max_vertex_attribs));
        vertices_ready = true;
        VGL_FORWARD_IF_ERROR(capture_polygon(s, sub, d, flip_y));
    } else if (r->gles && vgl_gl_so_bound(sub) &&
               (first_order || (d->mode >= 4 && d->mode <= 6 && passes[0].gs_fill))) {
        VGL_FORWARD_IF_ERROR(setup_vertices(s, sub, d, r->max_vertex_attribs));
        vertices_ready = true;
        if (first_order) {
            struct vgl_cmd_draw ordered;
            if (!vgl_gl_provoking_first_indices(r, sub, d, false, &ordered)) {
                return FAIL(s, VGL_ERROR_NO_MEMORY, "out of memory for first-vertex indices");
            }
            const struct gl_ib_binding guest = vgl_gl_use_scratch_indices(r, sub);
            st = capture_primitives(s, sub, &ordered, flip_y);
            vgl_gl_restore_indices(sub, guest);
            VGL_FORWARD_IF_ERROR(st);
        } else {
            VGL_FORWARD_IF_ERROR(capture_primitives(s, sub, d, flip_y));
        }
    }
    struct vgl_cmd_draw reordered;
    struct gl_ib_binding guest_ib = {0};
    int order = -1; /* what the renderer's index buffer holds: 0 provoking first, 1 last */
    for (unsigned i = 0; i < num_passes && st == VGL_OK; i++) {
        if (i == 1 || (i == 0 && sub->so_captured)) {
            /* The primitives were generated once, in the first pass. */
            vgl_gl_queries_suspend(ctx, GL_PRIMITIVES_GENERATED);
        }
        struct vgl_shader_key key;
        build_key(sub, flip_y, pass_raster_class(sub, d->mode, &passes[i]), &passes[i], &key);
        char why[160] = "";
        struct gl_program *p = vgl_gl_program_get(sub, &key, why, sizeof(why));
        if (!p) {
            /* Translation gaps skip the draw (logged once per program variant when it failed). */
            continue;
        }
        if (!vertices_ready) { /* also binds the VAO whose index buffer a reordering sets */
            st = setup_vertices(s, sub, d, r->max_vertex_attribs);
            vertices_ready = st == VGL_OK;
            if (st != VGL_OK) {
                break;
            }
        }
        const int want = passes[i].gs_fill ? 0 : 1;
        if (first_order && order != want) {
            if (order >= 0) {
                vgl_gl_restore_indices(sub, guest_ib); /* the guest's indices are read again */
            }
            if (!vgl_gl_provoking_first_indices(r, sub, d, want == 1, &reordered)) {
                order = -1;
                st = FAIL(s, VGL_ERROR_NO_MEMORY, "out of memory for first-vertex indices");
                break;
            }
            guest_ib = vgl_gl_use_scratch_indices(r, sub);
            order = want;
        }
        st = draw_pass(s, sub, first_order ? &reordered : d, p, &key, &passes[i], flip_y);
    }
    if (order >= 0) {
        vgl_gl_restore_indices(sub, guest_ib);
    }
    vgl_gl_queries_resume(ctx, GL_PRIMITIVES_GENERATED, 0);
    if (vertices_ready) {
        vgl_gl_throttle_draw(r, (uint64_t)d->count * (d->instance_count ? d->instance_count : 1));
    }
    return st;
}

static enum vgl_status draw_pass(struct vgl_sink *s, struct gl_sub_ctx *sub,
                                 const struct vgl_cmd_draw *d, struct gl_program *p,
                                 const struct vgl_shader_key *kp, const struct pass *ps,
                                 bool flip_y) {
    struct vgl_renderer *r = vgl_gl_ctx_of(s)->r;
    const struct vgl_shader_key key = *kp;
    if (r->bound.program != p->program) {
        glUseProgram(p->program);
        r->bound.program = p->program;
    }
    set_uniforms(p, sub, d, flip_y);
    bool seamless = false, moved = false;
    for (unsigned stage = 0; stage < VGL_SHADER_STAGES; stage++) {
        const struct gl_shader *const sh = vgl_gl_shader(sub, stage);
        if (!sh || p->serial[stage] != sh->serial) {
            continue; /* not a stage of this program */
        }
        upload_constants(r, &sub->stages[stage], sh->parsed, p->bind.consts[stage],
                         sub->dirty & DIRTY_CONSTS_OF(stage));
        bind_uniform_buffers(r, &sub->stages[stage], sh->parsed, p->bind.ubo[stage]);
        moved |= bind_textures(r, &sub->stages[stage], sh->parsed, p->bind.unit[stage], &seamless);
    }
    if (key.poly_stipple && sub->stipple_tex && p->bind.stipple_unit != GL_NO_BINDING) {
        /* Not a sampler view: bound on every such draw, and the unit's view forgotten. */
        const GLuint unit = p->bind.stipple_unit;
        glActiveTexture(GL_TEXTURE0 + unit);
        moved = true;
        glBindTexture(GL_TEXTURE_2D, sub->stipple_tex);
        r->bound.view[unit] = GL_BOUND_UNKNOWN;
        if (r->bound.sampler[unit] != 0) {
            glBindSampler(unit, 0);
            r->bound.sampler[unit] = 0;
        }
    }
    if (moved) {
        glActiveTexture(GL_TEXTURE0 + (GLenum)r->rest_unit); /* where other code binds */
    }
    if (r->bound.seamless != (int)seamless && !r->gles) { /* GLES: always seamless */
        set_enabled(GL_TEXTURE_CUBE_MAP_SEAMLESS, seamless);
        r->bound.seamless = seamless;
    }
    vgl_gl_bind_fbo(r, GL_DRAW_FRAMEBUFFER, sub->fbo);
    /* State the sub-context changed since GL last had it (all of it after a clear, a blit or
     * another sub-context's draw). */
    if (sub->dirty & DIRTY_FRAMEBUFFER) {
        /* SRGB_WRITE_CONTROL: the surface format says whether writes are sRGB-encoded. */
        vgl_gl_srgb_write(r, sub->cbufs[0] && is_srgb(sub->cbufs[0]->format));
    }
    if (sub->dirty & DIRTY_BLEND) {
        apply_blend(sub);
    }
    if (sub->dirty & DIRTY_DSA) {
        apply_dsa(sub);
    }
    if (sub->dirty & DIRTY_RASTERIZER) {
        apply_rasterizer(sub, flip_y);
    }
    if (sub->dirty & DIRTY_VIEWPORT) {
        apply_viewport(r, sub);
    }
    sub->dirty = 0;
    apply_pass(sub, ps);
    if (!vgl_gl_condition_begin(r, sub)) {
        return VGL_OK; /* the guest's render condition skips it */
    }
    struct gl_so_draw so;
    vgl_gl_so_begin(sub, p, d, &so);
    const enum vgl_status st = issue_draw(s, r, sub, d, prim_modes[d->mode]);
    vgl_gl_so_end(sub, &so);
    vgl_gl_condition_end(sub);
    return st;
}

void vgl_gl_state_dirty(struct vgl_renderer *r) {
    r->applied_sub = 0;
}

void vgl_gl_bound_forget(struct vgl_renderer *r) {
    memset(&r->bound, 0xff, sizeof(r->bound));
    r->bound.program = 0;
    r->bound.vao = 0;
    r->bound.seamless = -1;
    r->bound.restart = -1;
}

void vgl_gl_bind_fbo(struct vgl_renderer *r, GLenum target, GLuint fbo) {
    GLuint *bound = target == GL_READ_FRAMEBUFFER ? &r->bound.read_fbo : &r->bound.draw_fbo;
    if (*bound != fbo) {
        glBindFramebuffer(target, fbo);
        *bound = fbo;
    }
}

static enum vgl_status texture_barrier(struct vgl_sink *s, uint32_t flags) {
    if (!vgl_gl_ctx_of(s)->r->has_texture_barrier) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "texture barrier without host support");
    }
    glTextureBarrier();
    return VGL_OK;
}

void vgl_gl_draw_init(struct vgl_sink_impl *impl) {
    impl->draw_vbo = draw_vbo;
    impl->texture_barrier = texture_barrier;
}
