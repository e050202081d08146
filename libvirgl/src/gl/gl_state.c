/* SPDX-License-Identifier: MIT */
/*
 * Pipeline state commands: vertex and index buffers, constants, sampler views and states,
 * viewport, scissor, stencil reference, blend colour, clip planes, polygon stipple, sample mask.
 * They record state in the sub-context; gl_draw.c applies it to GL at draw time.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "gl/gl_internal.h"

#define FAIL(s, status, ...) vgl_sink_set_error(s, status, __VA_ARGS__)

static struct gl_sub_ctx *sub_of(struct vgl_sink *s) {
    return vgl_gl_ctx_of(s)->sub;
}

void vgl_gl_sub_ctx_release_state(struct gl_sub_ctx *sub) {
    for (uint32_t i = 0; i < VGL_MAX_COLOR_BUFS; i++) {
        VGL_GL_REBIND(sub, sub->cbufs[i], (struct gl_surface *)NULL);
    }
    VGL_GL_REBIND(sub, sub->zsurf, (struct gl_surface *)NULL);
    VGL_GL_REBIND(sub, sub->blend, (struct gl_blend *)NULL);
    VGL_GL_REBIND(sub, sub->rs, (struct gl_rasterizer *)NULL);
    VGL_GL_REBIND(sub, sub->dsa, (struct gl_dsa *)NULL);
    VGL_GL_REBIND(sub, sub->ve, (struct gl_vertex_elements *)NULL);
    for (int st = 0; st < VGL_SHADER_STAGES; st++) {
        VGL_GL_REBIND(sub, sub->stages[st].shader, (struct gl_shader *)NULL);
        for (int i = 0; i < VGL_SHADER_MAX_UBOS; i++) {
            vgl_gl_resource_unref(sub->stages[st].ubos[i].res);
            sub->stages[st].ubos[i].res = NULL;
        }
        for (int i = 0; i < VGL_MAX_SAMPLER_SLOTS; i++) {
            VGL_GL_REBIND(sub, sub->stages[st].views[i], (struct gl_sampler_view *)NULL);
            VGL_GL_REBIND(sub, sub->stages[st].samplers[i], (struct gl_sampler_state *)NULL);
        }
    }
    for (int i = 0; i < VGL_MAX_VERTEX_BUFFERS; i++) {
        vgl_gl_resource_unref(sub->vb_res[i]);
        sub->vb_res[i] = NULL;
    }
    vgl_gl_resource_unref(sub->ib_res);
    sub->ib_res = NULL;
    for (int i = 0; i < 4; i++) {
        VGL_GL_REBIND(sub, sub->so_targets[i], (struct gl_so_target *)NULL);
    }
    VGL_GL_REBIND(sub, sub->so_draw_target, (struct gl_so_target *)NULL);
    VGL_GL_REBIND(sub, sub->cond_query, (struct gl_query *)NULL);
}

static enum vgl_status set_vertex_buffers(struct vgl_sink *s, uint32_t count,
                                          const struct vgl_vertex_buffer *vbs) {
    struct gl_context *ctx = vgl_gl_ctx_of(s);
    struct gl_sub_ctx *sub = ctx->sub;
    struct gl_resource *res[VGL_MAX_VERTEX_BUFFERS] = {0};
    for (uint32_t i = 0; i < count; i++) {
        if (vbs[i].res == 0) {
            continue;
        }
        res[i] = vgl_gl_resource_get(ctx, vbs[i].res);
        if (!res[i] || res[i]->fmt) {
            return FAIL(s, VGL_ERROR_NOT_FOUND, "vertex buffer %u: no buffer resource %u", i,
                        vbs[i].res);
        }
    }
    for (uint32_t i = 0; i < VGL_MAX_VERTEX_BUFFERS; i++) {
        if (i < count && res[i]) {
            vgl_gl_resource_ref(res[i]);
        }
        vgl_gl_resource_unref(sub->vb_res[i]);
        sub->vb_res[i] = i < count ? res[i] : NULL;
        sub->vbs[i] = i < count ? vbs[i] : (struct vgl_vertex_buffer){0};
    }
    sub->nr_vbs = count;
    return VGL_OK;
}

static enum vgl_status set_index_buffer(struct vgl_sink *s, uint32_t handle, uint32_t index_size,
                                        uint32_t offset) {
    struct gl_context *ctx = vgl_gl_ctx_of(s);
    struct gl_sub_ctx *sub = ctx->sub;
    struct gl_resource *res = NULL;
    if (handle) {
        res = vgl_gl_resource_get(ctx, handle);
        if (!res || res->fmt) {
            return FAIL(s, VGL_ERROR_NOT_FOUND, "index buffer: no buffer resource %u", handle);
        }
        if (index_size != 1 && index_size != 2 && index_size != 4) {
            return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "index size %u", index_size);
        }
        vgl_gl_resource_ref(res);
    }
    vgl_gl_resource_unref(sub->ib_res);
    sub->ib_res = res;
    sub->ib_size = index_size;
    sub->ib_offset = offset;
    return VGL_OK;
}

static enum vgl_status set_constant_buffer(struct vgl_sink *s, uint32_t stage, uint32_t index,
                                           const uint32_t *data, uint32_t dwords) {
    if (stage >= VGL_SHADER_STAGES) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "constant buffer: stage %u", stage);
    }
    if (index != 0) {
        /* §2.5: data only ever comes for index 0; other slots are unbinds. */
        return dwords ? FAIL(s, VGL_ERROR_UNSUPPORTED, "constant buffer %u of stage %u", index,
                             stage)
                      : VGL_OK;
    }
    struct gl_sub_ctx *sub = sub_of(s);
    struct gl_stage_state *st = &sub->stages[stage];
    sub->dirty |= DIRTY_CONSTS_OF(stage);
    if (dwords > st->const_dwords) {
        uint32_t *p = realloc(st->consts, (size_t)dwords * 4);
        if (!p) {
            return FAIL(s, VGL_ERROR_NO_MEMORY, "out of memory");
        }
        st->consts = p;
    }
    if (dwords) {
        memcpy(st->consts, data, (size_t)dwords * 4);
    }
    st->const_dwords = dwords;
    return VGL_OK;
}

static enum vgl_status set_uniform_buffer(struct vgl_sink *s, uint32_t stage, uint32_t index,
                                          uint32_t offset, uint32_t length, uint32_t handle) {
    struct gl_context *ctx = vgl_gl_ctx_of(s);
    if (stage >= VGL_SHADER_STAGES || index == 0 || index >= VGL_SHADER_MAX_UBOS) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "uniform buffer %u of stage %u", index, stage);
    }
    struct gl_resource *res = NULL;
    if (handle) {
        res = vgl_gl_resource_get(ctx, handle);
        if (!res || res->fmt) {
            return FAIL(s, VGL_ERROR_NOT_FOUND, "uniform buffer: no buffer resource %u", handle);
        }
        if (length == 0 || offset > res->args.width || length > res->args.width - offset) {
            return FAIL(s, VGL_ERROR_INVALID_ARGUMENT,
                        "uniform buffer: bytes %u+%u of a %u-byte buffer", offset, length,
                        res->args.width);
        }
        const GLint align = ctx->r->ubo_alignment > 0 ? ctx->r->ubo_alignment : 1;
        if (offset % (uint32_t)align) {
            return FAIL(s, VGL_ERROR_UNSUPPORTED, "uniform buffer offset %u (host aligns to %d)",
                        offset, align);
        }
        vgl_gl_resource_ref(res);
    }
    struct gl_ubo_binding *b = &ctx->sub->stages[stage].ubos[index];
    vgl_gl_resource_unref(b->res);
    *b = (struct gl_ubo_binding){.res = res, .offset = offset, .length = length};
    return VGL_OK;
}

static enum vgl_status check_slots(struct vgl_sink *s, const char *what, uint32_t stage,
                                   uint32_t start, uint32_t count) {
    if (stage >= VGL_SHADER_STAGES || start > VGL_MAX_SAMPLER_SLOTS ||
        count > VGL_MAX_SAMPLER_SLOTS - start) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "%s: stage %u slots %u+%u", what, stage, start,
                    count);
    }
    return VGL_OK;
}

static enum vgl_status set_sampler_views(struct vgl_sink *s, uint32_t stage, uint32_t start,
                                         uint32_t count, const uint32_t *handles) {
    VGL_FORWARD_IF_ERROR(check_slots(s, "sampler views", stage, start, count));
    struct gl_sub_ctx *sub = sub_of(s);
    for (uint32_t i = 0; i < count; i++) {
        if (handles[i] && !vgl_gl_object_get(sub, handles[i], VGL_OBJECT_SAMPLER_VIEW)) {
            return FAIL(s, VGL_ERROR_NOT_FOUND, "sampler view %u not found", handles[i]);
        }
    }
    for (uint32_t i = 0; i < count; i++) {
        struct gl_sampler_view *v =
                handles[i] ? vgl_gl_object_get(sub, handles[i], VGL_OBJECT_SAMPLER_VIEW) : NULL;
        VGL_GL_REBIND(sub, sub->stages[stage].views[start + i], v);
    }
    return VGL_OK;
}

static enum vgl_status bind_sampler_states(struct vgl_sink *s, uint32_t stage, uint32_t start,
                                           uint32_t count, const uint32_t *handles) {
    VGL_FORWARD_IF_ERROR(check_slots(s, "sampler states", stage, start, count));
    struct gl_sub_ctx *sub = sub_of(s);
    for (uint32_t i = 0; i < count; i++) {
        if (handles[i] && !vgl_gl_object_get(sub, handles[i], VGL_OBJECT_SAMPLER_STATE)) {
            return FAIL(s, VGL_ERROR_NOT_FOUND, "sampler state %u not found", handles[i]);
        }
    }
    for (uint32_t i = 0; i < count; i++) {
        struct gl_sampler_state *st =
                handles[i] ? vgl_gl_object_get(sub, handles[i], VGL_OBJECT_SAMPLER_STATE) : NULL;
        VGL_GL_REBIND(sub, sub->stages[stage].samplers[start + i], st);
    }
    return VGL_OK;
}

static enum vgl_status set_viewport_state(struct vgl_sink *s, uint32_t start, uint32_t count,
                                          const float *values) {
    if (start >= 16 || count > 16 - start) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "viewports %u+%u", start, count);
    }
    if (start == 0 && count > 0) {
        memcpy(sub_of(s)->viewport, values, sizeof(sub_of(s)->viewport));
        /* The rasterizer's scissor follows the viewport's y direction. */
        sub_of(s)->dirty |= DIRTY_VIEWPORT | DIRTY_RASTERIZER;
    }
    return VGL_OK;
}

static enum vgl_status set_scissor_state(struct vgl_sink *s, uint32_t start, uint32_t count,
                                         const uint32_t *rects) {
    if (start >= 16 || count > 16 - start) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "scissors %u+%u", start, count);
    }
    if (start == 0 && count > 0) {
        sub_of(s)->scissor[0] = rects[0];
        sub_of(s)->scissor[1] = rects[1];
        sub_of(s)->dirty |= DIRTY_RASTERIZER;
    }
    return VGL_OK;
}

static enum vgl_status set_stencil_ref(struct vgl_sink *s, uint8_t front, uint8_t back) {
    sub_of(s)->stencil_ref[0] = front;
    sub_of(s)->stencil_ref[1] = back;
    sub_of(s)->dirty |= DIRTY_DSA;
    return VGL_OK;
}

static enum vgl_status set_blend_color(struct vgl_sink *s, const float color[4]) {
    memcpy(sub_of(s)->blend_color, color, sizeof(sub_of(s)->blend_color));
    sub_of(s)->dirty |= DIRTY_BLEND;
    return VGL_OK;
}

static enum vgl_status set_clip_state(struct vgl_sink *s, const float planes[8][4]) {
    memcpy(sub_of(s)->clip_planes, planes, sizeof(sub_of(s)->clip_planes));
    return VGL_OK;
}

/* The stipple becomes a 32x32 R8 texture sampled by the fragment shader variant. */
static enum vgl_status set_polygon_stipple(struct vgl_sink *s, const uint32_t rows[32]) {
    struct gl_sub_ctx *sub = sub_of(s);
    uint8_t texels[32 * 32];
    for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 32; x++) {
            /* GL stipple: bit 31 of each row word is the leftmost pixel (MSB first). */
            texels[y * 32 + x] = (rows[y] >> (31 - x)) & 1 ? 255 : 0;
        }
    }
    if (!sub->stipple_tex) {
        glGenTextures(1, &sub->stipple_tex);
    }
    glBindTexture(GL_TEXTURE_2D, sub->stipple_tex); /* on the rest unit */
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, 32, 32, 0, GL_RED, GL_UNSIGNED_BYTE, texels);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, 0);
    glBindTexture(GL_TEXTURE_2D, 0);
    return VGL_OK;
}

static enum vgl_status set_sample_mask(struct vgl_sink *s, uint32_t mask) {
    sub_of(s)->sample_mask = mask;
    sub_of(s)->dirty |= DIRTY_BLEND;
    return VGL_OK;
}

void vgl_gl_state_init(struct vgl_sink_impl *impl) {
    impl->set_vertex_buffers = set_vertex_buffers;
    impl->set_index_buffer = set_index_buffer;
    impl->set_constant_buffer = set_constant_buffer;
    impl->set_uniform_buffer = set_uniform_buffer;
    impl->set_sampler_views = set_sampler_views;
    impl->bind_sampler_states = bind_sampler_states;
    impl->set_viewport_state = set_viewport_state;
    impl->set_scissor_state = set_scissor_state;
    impl->set_stencil_ref = set_stencil_ref;
    impl->set_blend_color = set_blend_color;
    impl->set_clip_state = set_clip_state;
    impl->set_polygon_stipple = set_polygon_stipple;
    impl->set_sample_mask = set_sample_mask;
}
