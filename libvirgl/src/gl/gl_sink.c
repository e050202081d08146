/* SPDX-License-Identifier: MIT */
/*
 * The GL sink: executes decoded commands on host GL. Sub-contexts, surfaces, framebuffer state,
 * clears, blits, copies and in-stream transfers. Semantic checks (handles, ranges) live here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/debug.h"
#include "common/util.h"
#include "gl/gl_internal.h"

struct gl_context *vgl_gl_ctx_of(struct vgl_sink *s) {
    return (struct gl_context *)((char *)s - offsetof(struct gl_context, sink));
}

#define ctx_of vgl_gl_ctx_of

#define FAIL(s, status, ...) vgl_sink_set_error(s, status, __VA_ARGS__)

void vgl_gl_srgb_write(const struct vgl_renderer *r, bool on) {
    if (!r->has_srgb_write_control) {
        return; /* a GLES host without EXT_sRGB_write_control always encodes */
    }
    if (on) {
        glEnable(GL_FRAMEBUFFER_SRGB); /* GL_FRAMEBUFFER_SRGB_EXT: the same value */
    } else {
        glDisable(GL_FRAMEBUFFER_SRGB);
    }
}

void vgl_gl_attach(GLenum fbo_target, const struct gl_resource *res, uint32_t level, uint32_t layer,
                   uint32_t color_index) {
    GLenum attachment = res->fmt->attachment;
    if (attachment == GL_COLOR_ATTACHMENT0) {
        attachment += color_index;
    }
    switch (res->gl_target) {
    case GL_TEXTURE_1D:
        glFramebufferTexture1D(fbo_target, attachment, res->gl_target, res->id, (GLint)level);
        break;
    case GL_TEXTURE_CUBE_MAP:
        glFramebufferTexture2D(fbo_target, attachment, GL_TEXTURE_CUBE_MAP_POSITIVE_X + layer,
                               res->id, (GLint)level);
        break;
    case GL_TEXTURE_3D:
    case GL_TEXTURE_1D_ARRAY:
    case GL_TEXTURE_2D_ARRAY:
    case GL_TEXTURE_CUBE_MAP_ARRAY:
        glFramebufferTextureLayer(fbo_target, attachment, res->id, (GLint)level, (GLint)layer);
        break;
    default:
        glFramebufferTexture2D(fbo_target, attachment, res->gl_target, res->id, (GLint)level);
        break;
    }
}

void vgl_gl_detach_all(GLenum fbo_target) {
    for (GLenum i = 0; i < VGL_MAX_COLOR_BUFS; i++) {
        glFramebufferRenderbuffer(fbo_target, GL_COLOR_ATTACHMENT0 + i, GL_RENDERBUFFER, 0);
    }
    glFramebufferRenderbuffer(fbo_target, GL_DEPTH_STENCIL_ATTACHMENT, GL_RENDERBUFFER, 0);
}

static void sub_ctx_destroy(struct gl_sub_ctx *sub) {
    vgl_gl_sub_ctx_release_state(sub);
    vgl_gl_programs_destroy(sub);
    size_t pos = 0;
    uint32_t handle;
    void *value;
    while (vgl_hash_map_next(&sub->objects, &pos, &handle, &value)) {
        vgl_gl_object_unref(sub, value);
    }
    vgl_hash_map_finish(&sub->objects);
    if (sub->ctx->r->bound.draw_fbo == sub->fbo) {
        sub->ctx->r->bound.draw_fbo = 0; /* deleting the bound framebuffer binds 0 */
    }
    if (sub->ctx->r->bound.read_fbo == sub->fbo) {
        sub->ctx->r->bound.read_fbo = 0;
    }
    glDeleteFramebuffers(1, &sub->fbo);
    if (sub->ctx->r->bound.vao == sub->vao) {
        sub->ctx->r->bound.vao = 0; /* deleting the bound VAO binds 0 */
    }
    glDeleteVertexArrays(1, &sub->vao);
    for (int i = 0; i < VGL_SHADER_STAGES; i++) {
        glDeleteBuffers(1, &sub->stages[i].ubo);
        free(sub->stages[i].consts);
    }
    if (sub->ctx->r->applied_sub == sub->serial) {
        sub->ctx->r->applied_sub = 0;
    }
    glDeleteTextures(1, &sub->stipple_tex);
    free(sub);
}

static struct gl_sub_ctx *sub_ctx_create(struct gl_context *ctx, uint32_t id) {
    struct gl_sub_ctx *sub = calloc(1, sizeof(*sub));
    if (!sub) {
        return NULL;
    }
    sub->id = id;
    sub->ctx = ctx;
    vgl_hash_map_init(&sub->objects);
    glGenFramebuffers(1, &sub->fbo);
    glGenVertexArrays(1, &sub->vao);
    sub->serial = ++ctx->r->sub_ctx_serial;
    sub->dirty = DIRTY_ALL;
    sub->sample_mask = ~0u;
    for (int i = 0; i < 8; i++) {
        sub->clip_planes[i][3] = 0.0f;
    }
    return sub;
}

static enum vgl_status create_sub_ctx(struct vgl_sink *s, uint32_t id) {
    struct gl_context *ctx = ctx_of(s);
    if (id == 0 || vgl_hash_map_get(&ctx->sub_ctxs, id)) {
        return FAIL(s, VGL_ERROR_EXISTS, "sub-context %u already exists", id);
    }
    if (ctx->sub_ctxs.count >= 1024) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "too many sub-contexts");
    }
    struct gl_sub_ctx *sub = sub_ctx_create(ctx, id);
    if (!sub || !vgl_hash_map_insert(&ctx->sub_ctxs, id, sub)) {
        if (sub) {
            sub_ctx_destroy(sub);
        }
        return FAIL(s, VGL_ERROR_NO_MEMORY, "out of memory");
    }
    return VGL_OK;
}

static struct gl_sub_ctx *default_sub(struct gl_context *ctx) {
    return vgl_hash_map_get(&ctx->sub_ctxs, UINT32_MAX);
}

static enum vgl_status destroy_sub_ctx(struct vgl_sink *s, uint32_t id) {
    struct gl_context *ctx = ctx_of(s);
    struct gl_sub_ctx *sub = id ? vgl_hash_map_remove(&ctx->sub_ctxs, id) : NULL;
    if (!sub || id == UINT32_MAX) {
        return FAIL(s, VGL_ERROR_NOT_FOUND, "sub-context %u not found", id);
    }
    if (ctx->sub == sub) {
        ctx->sub = default_sub(ctx);
    }
    sub_ctx_destroy(sub);
    return VGL_OK;
}

static enum vgl_status set_sub_ctx(struct vgl_sink *s, uint32_t id) {
    struct gl_context *ctx = ctx_of(s);
    struct gl_sub_ctx *sub = id == 0 ? default_sub(ctx) : vgl_hash_map_get(&ctx->sub_ctxs, id);
    if (!sub || id == UINT32_MAX) {
        return FAIL(s, VGL_ERROR_NOT_FOUND, "sub-context %u not found", id);
    }
    ctx->sub = sub;
    return VGL_OK;
}

static enum vgl_status lookup_surface(struct vgl_sink *s, uint32_t handle,
                                      struct gl_surface **out) {
    *out = NULL;
    if (handle == 0) {
        return VGL_OK;
    }
    *out = vgl_gl_object_get(ctx_of(s)->sub, handle, VGL_OBJECT_SURFACE);
    if (!*out) {
        return FAIL(s, VGL_ERROR_NOT_FOUND, "surface %u not found", handle);
    }
    return VGL_OK;
}

/* A surface of several layers is attached layered: gl_Layer picks among them (all of the
 * level's layers, as a core host cannot attach a range). */
static void attach_surface(const struct gl_surface *surf, uint32_t color_index) {
    if (surf->last_layer > surf->first_layer) {
        GLenum attachment = surf->res->fmt->attachment;
        if (attachment == GL_COLOR_ATTACHMENT0) {
            attachment += color_index;
        }
        glFramebufferTexture(GL_DRAW_FRAMEBUFFER, attachment, surf->res->id, (GLint)surf->level);
        return;
    }
    vgl_gl_attach(GL_DRAW_FRAMEBUFFER, surf->res, surf->level, surf->first_layer, color_index);
}

static enum vgl_status set_framebuffer_state(struct vgl_sink *s,
                                             const struct vgl_cmd_framebuffer *cmd) {
    struct gl_sub_ctx *sub = ctx_of(s)->sub;
    struct gl_surface *cbufs[VGL_MAX_COLOR_BUFS] = {0}, *zsurf;
    VGL_FORWARD_IF_ERROR(lookup_surface(s, cmd->zsurf, &zsurf));
    if (zsurf && zsurf->res->fmt->attachment == GL_COLOR_ATTACHMENT0) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "surface %u is not depth/stencil", cmd->zsurf);
    }
    for (uint32_t i = 0; i < cmd->nr_cbufs; i++) {
        VGL_FORWARD_IF_ERROR(lookup_surface(s, cmd->cbufs[i], &cbufs[i]));
        if (cbufs[i] && cbufs[i]->res->fmt->block) {
            return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "surface %u is compressed", cmd->cbufs[i]);
        }
        if (cbufs[i] && cbufs[i]->res->fmt->attachment != GL_COLOR_ATTACHMENT0) {
            return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "surface %u is not a colour surface",
                        cmd->cbufs[i]);
        }
    }
    vgl_gl_bind_fbo(ctx_of(s)->r, GL_DRAW_FRAMEBUFFER, sub->fbo);
    vgl_gl_detach_all(GL_DRAW_FRAMEBUFFER);
    GLenum draw_buffers[VGL_MAX_COLOR_BUFS];
    for (uint32_t i = 0; i < VGL_MAX_COLOR_BUFS; i++) {
        struct gl_surface *surf = i < cmd->nr_cbufs ? cbufs[i] : NULL;
        if (surf) {
            attach_surface(surf, i);
            sub->fb_width = vgl_gl_level_width(surf->res, surf->level);
            sub->fb_height = vgl_gl_level_height(surf->res, surf->level);
        }
        VGL_GL_REBIND(sub, sub->cbufs[i], surf);
        draw_buffers[i] = surf ? GL_COLOR_ATTACHMENT0 + i : GL_NONE;
    }
    if (zsurf) {
        attach_surface(zsurf, 0);
        sub->fb_width = vgl_gl_level_width(zsurf->res, zsurf->level);
        sub->fb_height = vgl_gl_level_height(zsurf->res, zsurf->level);
    }
    VGL_GL_REBIND(sub, sub->zsurf, zsurf);
    sub->nr_cbufs = cmd->nr_cbufs;
    sub->dirty |= DIRTY_BLEND | DIRTY_RASTERIZER | DIRTY_FRAMEBUFFER;
    glDrawBuffers(cmd->nr_cbufs ? (GLsizei)cmd->nr_cbufs : 1, draw_buffers);
    return VGL_OK;
}

static enum vgl_status set_framebuffer_no_attach(struct vgl_sink *s, uint32_t width,
                                                 uint32_t height, uint32_t layers,
                                                 uint32_t samples) {
    struct gl_context *ctx = ctx_of(s);
    if (!ctx->r->has_no_attachments) {
        return VGL_OK;
    }
    const GLint max = ctx->r->max_texture_size;
    if (width > (uint32_t)max || height > (uint32_t)max) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "framebuffer size %ux%u", width, height);
    }
    vgl_gl_bind_fbo(ctx->r, GL_DRAW_FRAMEBUFFER, ctx->sub->fbo);
    glFramebufferParameteri(GL_DRAW_FRAMEBUFFER, GL_FRAMEBUFFER_DEFAULT_WIDTH, (GLint)width);
    glFramebufferParameteri(GL_DRAW_FRAMEBUFFER, GL_FRAMEBUFFER_DEFAULT_HEIGHT, (GLint)height);
    return VGL_OK;
}

/* Gallium clears ignore scissor and write masks; make sure host state does too (the next draw
 * then applies its own state again). */
static void reset_clear_state(struct vgl_renderer *r) {
    vgl_gl_state_dirty(r);
    glDisable(GL_SCISSOR_TEST);
    glDisable(GL_RASTERIZER_DISCARD);
    glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
    glDepthMask(GL_TRUE);
    glStencilMask(0xff);
}

static bool is_srgb_format(uint32_t format) {
    return format == 95 || format == 100 || format == 101 || format == 104;
}

static enum vgl_status clear(struct vgl_sink *s, const struct vgl_cmd_clear *cmd) {
    struct gl_sub_ctx *sub = ctx_of(s)->sub;
    if (!vgl_gl_condition_begin(ctx_of(s)->r, sub)) {
        return VGL_OK; /* the guest's render condition skips it */
    }
    vgl_gl_bind_fbo(ctx_of(s)->r, GL_DRAW_FRAMEBUFFER, sub->fbo);
    reset_clear_state(ctx_of(s)->r);
    for (uint32_t i = 0; i < sub->nr_cbufs; i++) {
        if (!(cmd->buffers & (VGL_CLEAR_COLOR0 << i)) || !sub->cbufs[i]) {
            continue;
        }
        vgl_gl_srgb_write(ctx_of(s)->r, is_srgb_format(sub->cbufs[i]->format));
        GLfloat color[4], stored[4];
        memcpy(color, cmd->color, sizeof(color));
        memcpy(stored, color, sizeof(stored));
        const uint16_t out = vgl_gl_surface_output_swizzle(sub->cbufs[i]);
        for (int c = 0; out && c < 4; c++) {
            /* The same re-arrangement draws get from the shader key (cbuf_swizzle). */
            const unsigned sel = (out >> (3 * c)) & 7;
            stored[c] = sel < 4 ? color[sel] : sel == 5 ? 1.0f : 0.0f;
        }
        const struct gl_format *f = vgl_gl_format(sub->cbufs[i]->format);
        if (f && f->integer) {
            /* Integer targets take the colour's bits as integers. */
            GLuint bits[4];
            memcpy(bits, cmd->color, sizeof(bits));
            if (f->integer == GL_INT_SIGNED) {
                glClearBufferiv(GL_COLOR, (GLint)i, (const GLint *)bits);
            } else {
                glClearBufferuiv(GL_COLOR, (GLint)i, bits);
            }
            continue;
        }
        /* Normalized formats kept in floats (GLES without norm16) clamp as the guest's would. */
        const uint8_t expand = sub->cbufs[i]->res->fmt->expand;
        for (int c = 0; c < 4 && (expand == EXPAND_UNORM16 || expand == EXPAND_SNORM16); c++) {
            const float lo = expand == EXPAND_SNORM16 ? -1.0f : 0.0f;
            stored[c] = stored[c] < lo ? lo : stored[c] > 1.0f ? 1.0f : stored[c];
        }
        glClearBufferfv(GL_COLOR, (GLint)i, stored);
    }
    const bool depth = (cmd->buffers & VGL_CLEAR_DEPTH) && sub->zsurf;
    const bool stencil = (cmd->buffers & VGL_CLEAR_STENCIL) && sub->zsurf;
    if (depth && stencil && sub->zsurf->res->fmt->attachment == GL_DEPTH_STENCIL_ATTACHMENT) {
        glClearBufferfi(GL_DEPTH_STENCIL, 0, (GLfloat)cmd->depth, (GLint)cmd->stencil);
    } else if (depth) {
        const GLfloat d = (GLfloat)cmd->depth;
        glClearBufferfv(GL_DEPTH, 0, &d);
    } else if (stencil) {
        const GLint st = (GLint)cmd->stencil;
        glClearBufferiv(GL_STENCIL, 0, &st);
    }
    vgl_gl_condition_end(sub);
    return VGL_OK;
}

static enum vgl_status transfer3d(struct vgl_sink *s, const struct vgl_cmd_transfer3d *cmd) {
    /* §2.6: Mesa only emits direction 1 (TO_HOST) here. */
    if (cmd->direction != VGL_TRANSFER_TO_HOST) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "TRANSFER3D direction %u", cmd->direction);
    }
    const struct vgl_transfer t = {cmd->res,          cmd->level, cmd->stride,
                                   cmd->layer_stride, cmd->box,   cmd->offset};
    return vgl_gl_transfer(ctx_of(s), &t, true, s->message, sizeof(s->message));
}

/* §2.6 COPY_TRANSFER3D: the box's guest bytes lie in the staging buffer src_res at src_offset,
 * with explicit strides; READ_FROM_HOST copies the box there instead. */
static enum vgl_status copy_transfer3d(struct vgl_sink *s,
                                       const struct vgl_cmd_copy_transfer3d *cmd) {
    const struct vgl_transfer t = {cmd->res,          cmd->level, cmd->stride,
                                   cmd->layer_stride, cmd->box,   cmd->src_offset};
    const bool to_host = (cmd->flags & VGL_COPY_TRANSFER3D_READ_FROM_HOST) == 0;
    return vgl_gl_transfer_via(ctx_of(s), &t, cmd->src_res, to_host, s->message,
                               sizeof(s->message));
}

/* A box inside a level: 0 <= x, x + w <= level width, and so on (w, h, d may be 0). */
static bool box_inside(const struct gl_resource *res, uint32_t level, const struct vgl_box *b) {
    if (level > res->args.last_level) {
        return false;
    }
    const int64_t w = res->fmt ? vgl_gl_level_width(res, level) : res->args.width;
    const int64_t h = res->fmt ? vgl_gl_level_height(res, level) : 1;
    const int64_t d = res->fmt ? vgl_gl_level_layers(res, level) : 1;
    return b->x >= 0 && b->y >= 0 && b->z >= 0 && b->w >= 0 && b->h >= 0 && b->d >= 0 &&
           (int64_t)b->x + b->w <= w && (int64_t)b->y + b->h <= h && (int64_t)b->z + b->d <= d;
}

static enum vgl_status resource_copy_region(struct vgl_sink *s,
                                            const struct vgl_cmd_copy_region *cmd) {
    struct gl_context *ctx = ctx_of(s);
    struct gl_resource *dst = vgl_gl_resource_get(ctx, cmd->dst_res);
    struct gl_resource *src = vgl_gl_resource_get(ctx, cmd->src_res);
    if (!dst || !src) {
        return FAIL(s, VGL_ERROR_NOT_FOUND, "copy: resource %u or %u not found", cmd->dst_res,
                    cmd->src_res);
    }
    const struct vgl_box *b = &cmd->src_box;
    const struct vgl_box dst_box = {cmd->dst_x, cmd->dst_y, cmd->dst_z, b->w, b->h, b->d};
    if (!box_inside(src, cmd->src_level, b) || !box_inside(dst, cmd->dst_level, &dst_box)) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "copy: box outside a resource");
    }
    if ((src->fmt == NULL) != (dst->fmt == NULL)) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "copy between a buffer and a texture");
    }
    if (!src->fmt) {
        glBindBuffer(GL_COPY_READ_BUFFER, src->id);
        glBindBuffer(GL_COPY_WRITE_BUFFER, dst->id);
        glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, b->x, cmd->dst_x, b->w);
        glBindBuffer(GL_COPY_READ_BUFFER, 0);
        glBindBuffer(GL_COPY_WRITE_BUFFER, 0);
        return VGL_OK;
    }
    if (vgl_gl_host_bytes(src->fmt) != vgl_gl_host_bytes(dst->fmt)) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "copy between formats of different sizes");
    }
    if (!ctx->r->has_copy_image) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "host lacks GL_ARB_copy_image");
    }
    glCopyImageSubData(src->id, src->gl_target, (GLint)cmd->src_level, b->x, b->y, b->z, dst->id,
                       dst->gl_target, (GLint)cmd->dst_level, cmd->dst_x, cmd->dst_y, cmd->dst_z,
                       b->w, b->h, b->d);
    return VGL_OK;
}

/* Blit boxes may be negative (flips) but must stay within a sane coordinate range. */
static bool blit_box_sane(const struct vgl_box *b) {
    const int64_t lim = 1 << 20;
    return b->x >= -lim && b->x <= lim && b->y >= -lim && b->y <= lim && b->w >= -lim &&
           b->w <= lim && b->h >= -lim && b->h <= lim && b->z >= 0 && b->z < lim;
}

/*
 * Compressed textures cannot be attached to a framebuffer: decompress the part of the source
 * level that the blit reads into a temporary RGBA32F texture and rebase the box onto it.
 */
static enum vgl_status decompress_source(struct vgl_sink *s, const struct gl_resource *src,
                                         uint32_t level, struct vgl_box *box, GLuint *tex) {
    const int64_t lw = vgl_gl_level_width(src, level), lh = vgl_gl_level_height(src, level);
    int64_t x0 = box->w < 0 ? (int64_t)box->x + box->w : box->x;
    int64_t y0 = box->h < 0 ? (int64_t)box->y + box->h : box->y;
    int64_t x1 = x0 + (box->w < 0 ? -(int64_t)box->w : box->w);
    int64_t y1 = y0 + (box->h < 0 ? -(int64_t)box->h : box->h);
    x0 = x0 < 0 ? 0 : x0 > lw ? lw : x0;
    y0 = y0 < 0 ? 0 : y0 > lh ? lh : y0;
    x1 = x1 < x0 ? x0 : x1 > lw ? lw : x1;
    y1 = y1 < y0 ? y0 : y1 > lh ? lh : y1;
    /* Whole blocks only: widen to block boundaries inside the level. */
    x0 &= ~3;
    y0 &= ~3;
    x1 = (x1 + 3) & ~3;
    y1 = (y1 + 3) & ~3;
    x1 = x1 > lw ? lw : x1;
    y1 = y1 > lh ? lh : y1;
    const int64_t w = x1 - x0, h = y1 - y0;
    if (w <= 0 || h <= 0) {
        return VGL_OK; /* nothing to read: the blit reads only outside the level */
    }
    if (w * h > (1 << 24)) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "blit from a compressed region of %lldx%lld",
                    (long long)w, (long long)h);
    }
    const size_t bytes = (size_t)(w * h) * 16;
    float *texels = malloc(bytes);
    if (!texels) {
        return FAIL(s, VGL_ERROR_NO_MEMORY, "out of memory");
    }
    glGetTextureSubImage(src->id, (GLint)level, (GLint)x0, (GLint)y0, box->z, (GLsizei)w,
                         (GLsizei)h, 1, GL_RGBA, GL_FLOAT, (GLsizei)bytes, texels);
    glGenTextures(1, tex);
    glBindTexture(GL_TEXTURE_2D, *tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA32F, (GLsizei)w, (GLsizei)h, 0, GL_RGBA, GL_FLOAT,
                 texels);
    glBindTexture(GL_TEXTURE_2D, 0);
    free(texels);
    box->x -= (int32_t)x0;
    box->y -= (int32_t)y0;
    return VGL_OK;
}

/*
 * GLES blits from a multisampled buffer only into the same rectangle of a single-sampled one of
 * the same format. Any other such blit (a scaled, flipped, moved or converting resolve) first
 * resolves the source level into a single-sampled texture of its format, rectangle for
 * rectangle; blit then reads that texture as the guest asked. Returns the texture, or 0.
 */
static GLuint resolve_for_gles(struct vgl_renderer *r, const struct gl_resource *src,
                               const struct gl_resource *dst, const struct vgl_cmd_blit *cmd,
                               GLbitfield mask) {
    const struct vgl_box *sb = &cmd->src.box, *db = &cmd->dst.box;
    const bool same = sb->x == db->x && sb->y == db->y && sb->w == db->w && sb->h == db->h &&
                      sb->w > 0 && sb->h > 0 && src->fmt == dst->fmt && !cmd->scissor_enable;
    if (!r->gles || src->args.nr_samples <= 1 || dst->args.nr_samples > 1 || same) {
        return 0;
    }
    const GLsizei w = (GLsizei)vgl_gl_level_width(src, 0), h = (GLsizei)vgl_gl_level_height(src, 0);
    GLuint tex = 0;
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexStorage2D(GL_TEXTURE_2D, 1, src->fmt->internal_format, w, h);
    glBindTexture(GL_TEXTURE_2D, 0);
    vgl_gl_bind_fbo(r, GL_READ_FRAMEBUFFER, r->read_fbo);
    vgl_gl_bind_fbo(r, GL_DRAW_FRAMEBUFFER, r->draw_fbo);
    vgl_gl_attach(GL_READ_FRAMEBUFFER, src, 0, 0, 0);
    glFramebufferTexture2D(GL_DRAW_FRAMEBUFFER, src->fmt->attachment, GL_TEXTURE_2D, tex, 0);
    const bool color = src->fmt->attachment == GL_COLOR_ATTACHMENT0;
    const GLenum buf = color ? GL_COLOR_ATTACHMENT0 : GL_NONE;
    glReadBuffer(buf);
    glDrawBuffers(1, &buf);
    reset_clear_state(r);
    glBlitFramebuffer(0, 0, w, h, 0, 0, w, h, mask, GL_NEAREST);
    vgl_gl_detach_all(GL_READ_FRAMEBUFFER);
    vgl_gl_detach_all(GL_DRAW_FRAMEBUFFER);
    return tex;
}

static enum vgl_status blit(struct vgl_sink *s, const struct vgl_cmd_blit *cmd) {
    struct gl_context *ctx = ctx_of(s);
    struct vgl_renderer *r = ctx->r;
    struct gl_resource *dst = vgl_gl_resource_get(ctx, cmd->dst.res);
    struct gl_resource *src = vgl_gl_resource_get(ctx, cmd->src.res);
    if (!dst || !src) {
        return FAIL(s, VGL_ERROR_NOT_FOUND, "blit: resource %u or %u not found", cmd->dst.res,
                    cmd->src.res);
    }
    if (!dst->fmt || !src->fmt) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "blit between buffers");
    }
    if (cmd->dst.level > dst->args.last_level || cmd->src.level > src->args.last_level ||
        !blit_box_sane(&cmd->dst.box) || !blit_box_sane(&cmd->src.box) ||
        (uint32_t)cmd->dst.box.z >= vgl_gl_level_layers(dst, cmd->dst.level) ||
        (uint32_t)cmd->src.box.z >= vgl_gl_level_layers(src, cmd->src.level)) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "blit: level or box out of range");
    }
    GLbitfield mask = 0;
    const bool is_color = src->fmt->attachment == GL_COLOR_ATTACHMENT0;
    if ((cmd->mask & VGL_MASK_RGBA) && !is_color) {
        /* Mesa copies window depth-stencil buffers with the colour mask (observed: mask 0xf
         * for S8_UINT_Z24_UNORM when a multisampled window buffer is set up): it means all
         * of the format's components. */
        mask |= GL_DEPTH_BUFFER_BIT;
        if (src->fmt->attachment == GL_DEPTH_STENCIL_ATTACHMENT) {
            mask |= GL_STENCIL_BUFFER_BIT;
        }
    } else if (cmd->mask & VGL_MASK_RGBA) {
        mask |= GL_COLOR_BUFFER_BIT;
    }
    if (cmd->mask & VGL_MASK_Z) {
        mask |= GL_DEPTH_BUFFER_BIT;
    }
    if (cmd->mask & VGL_MASK_S) {
        mask |= GL_STENCIL_BUFFER_BIT;
    }
    if ((mask & GL_COLOR_BUFFER_BIT && !is_color) || (mask & ~GL_COLOR_BUFFER_BIT && is_color) ||
        (is_color != (dst->fmt->attachment == GL_COLOR_ATTACHMENT0))) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "blit mask 0x%x does not fit the formats",
                    cmd->mask);
    }
    if (!mask) {
        return VGL_OK;
    }
    if (dst->fmt->block) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "blit into a compressed resource");
    }
    struct vgl_box sbox = cmd->src.box;
    GLuint decompressed = 0;
    if (src->fmt->block) {
        VGL_FORWARD_IF_ERROR(decompress_source(s, src, cmd->src.level, &sbox, &decompressed));
    }
    const GLuint resolved = decompressed ? 0 : resolve_for_gles(r, src, dst, cmd, mask);
    vgl_gl_bind_fbo(r, GL_READ_FRAMEBUFFER, r->read_fbo);
    vgl_gl_bind_fbo(r, GL_DRAW_FRAMEBUFFER, r->draw_fbo);
    if (decompressed) {
        glFramebufferTexture2D(GL_READ_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D,
                               decompressed, 0);
    } else if (resolved) {
        glFramebufferTexture2D(GL_READ_FRAMEBUFFER, src->fmt->attachment, GL_TEXTURE_2D, resolved,
                               0);
    } else {
        vgl_gl_attach(GL_READ_FRAMEBUFFER, src, cmd->src.level, (uint32_t)cmd->src.box.z, 0);
    }
    vgl_gl_attach(GL_DRAW_FRAMEBUFFER, dst, cmd->dst.level, (uint32_t)cmd->dst.box.z, 0);
    glReadBuffer(is_color ? GL_COLOR_ATTACHMENT0 : GL_NONE);
    const GLenum draw = is_color ? GL_COLOR_ATTACHMENT0 : GL_NONE;
    glDrawBuffers(1, &draw);
    reset_clear_state(r);
    if (cmd->scissor_enable) {
        glEnable(GL_SCISSOR_TEST);
        glScissor((GLint)cmd->scissor_minx, (GLint)cmd->scissor_miny,
                  (GLsizei)(cmd->scissor_maxx - cmd->scissor_minx),
                  (GLsizei)(cmd->scissor_maxy - cmd->scissor_miny));
    }
    /* Gallium converts by the blit's formats (a view may be linear over sRGB storage); the
     * host converts sRGB attachments only with FRAMEBUFFER_SRGB on. */
    const bool srgb_write =
            is_color && (is_srgb_format(cmd->src.format) || is_srgb_format(cmd->dst.format));
    vgl_gl_srgb_write(ctx_of(s)->r, srgb_write);
    const struct vgl_box *sb = &sbox, *db = &cmd->dst.box;
    const GLenum filter = cmd->filter == 1 && is_color ? GL_LINEAR : GL_NEAREST;
    /* Blits the guest makes for itself (resolves, copies) ignore the render condition. */
    if (!cmd->render_condition_enable || vgl_gl_condition_begin(r, ctx_of(s)->sub)) {
        if (!vgl_gl_blit_draw(r, src, decompressed ? decompressed : resolved, dst, cmd, sb, mask,
                              filter, srgb_write)) {
            glBlitFramebuffer(sb->x, sb->y, sb->x + sb->w, sb->y + sb->h, db->x, db->y,
                              db->x + db->w, db->y + db->h, mask, filter);
        }
        vgl_gl_condition_end(ctx_of(s)->sub);
    }
    glDisable(GL_SCISSOR_TEST);
    vgl_gl_detach_all(GL_READ_FRAMEBUFFER);
    vgl_gl_detach_all(GL_DRAW_FRAMEBUFFER);
    glDeleteTextures(1, &decompressed);
    glDeleteTextures(1, &resolved);
    return VGL_OK;
}

static struct vgl_sink_impl gl_sink_impl;

/* VGL_DEBUG=glerror: name the command after which the host reported an error. */
static void command_done(struct vgl_sink *s, uint32_t id, uint32_t index) {
    for (GLenum err; (err = glGetError()) != GL_NO_ERROR;) {
        vgl_log(VGL_LOG_WARN, "context %u: host GL error 0x%04x after command %u (%s)",
                vgl_gl_ctx_of(s)->id, err, index, vgl_decode_cmd_name(id));
    }
}

static void build_impl(void) {
    if (gl_sink_impl.name) {
        return;
    }
    struct vgl_sink_impl impl = {
            .name = "gl",
            .create_sub_ctx = create_sub_ctx,
            .destroy_sub_ctx = destroy_sub_ctx,
            .set_sub_ctx = set_sub_ctx,
            .set_framebuffer_state = set_framebuffer_state,
            .set_framebuffer_no_attach = set_framebuffer_no_attach,
            .clear = clear,
            .transfer3d = transfer3d,
            .copy_transfer3d = copy_transfer3d,
            .resource_copy_region = resource_copy_region,
            .blit = blit,
    };
    vgl_gl_objects_init(&impl);
    vgl_gl_state_init(&impl);
    vgl_gl_draw_init(&impl);
    vgl_gl_query_init(&impl);
    vgl_gl_streamout_init(&impl);
    if (vgl_debug_flags() & VGL_DEBUG_GLERROR) {
        impl.command_done = command_done;
    }
    gl_sink_impl = impl;
}

void vgl_gl_sink_init(struct gl_context *ctx) {
    build_impl();
    vgl_sink_init(&ctx->sink, &gl_sink_impl);
    vgl_decoder_init(&ctx->decoder, &ctx->sink, ctx->id);
    vgl_hash_map_init(&ctx->sub_ctxs);
    /* The default sub-context lives under a key the guest cannot name through CREATE. */
    struct gl_sub_ctx *sub = sub_ctx_create(ctx, 0);
    if (sub && !vgl_hash_map_insert(&ctx->sub_ctxs, UINT32_MAX, sub)) {
        sub_ctx_destroy(sub);
        sub = NULL;
    }
    ctx->sub = sub;
}

void vgl_gl_sink_finish(struct gl_context *ctx) {
    size_t pos = 0;
    uint32_t id;
    void *value;
    while (vgl_hash_map_next(&ctx->sub_ctxs, &pos, &id, &value)) {
        sub_ctx_destroy(value);
    }
    vgl_hash_map_finish(&ctx->sub_ctxs);
    ctx->sub = NULL;
}
