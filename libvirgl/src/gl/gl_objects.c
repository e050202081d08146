/* SPDX-License-Identifier: MIT */
/*
 * Sub-context objects: creation (with semantic checks), lookup by handle and type, references,
 * destruction, and binding of state objects and shaders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/debug.h"
#include "common/util.h"
#include "gl/gl_internal.h"

#define FAIL(s, status, ...) vgl_sink_set_error(s, status, __VA_ARGS__)

void *vgl_gl_object_get(struct gl_sub_ctx *sub, uint32_t handle, uint32_t type) {
    struct gl_object *obj = vgl_hash_map_get(&sub->objects, handle);
    return obj && obj->type == type ? obj : NULL;
}

void vgl_gl_object_ref(struct gl_object *obj) {
    obj->refcount++;
}

static void free_object(struct gl_sub_ctx *sub, struct gl_object *obj) {
    /* Every object reaching here was counted by vgl_gl_object_insert. */
    sub->ctx->live_objects--;
    switch (obj->type) {
    case VGL_OBJECT_SURFACE:
        vgl_gl_resource_unref(((struct gl_surface *)obj)->res);
        break;
    case VGL_OBJECT_SAMPLER_VIEW:
        vgl_gl_resource_unref(((struct gl_sampler_view *)obj)->res);
        glDeleteTextures(1, &((struct gl_sampler_view *)obj)->buffer_tex);
        glDeleteTextures(1, &((struct gl_sampler_view *)obj)->view_tex);
        break;
    case VGL_OBJECT_SAMPLER_STATE:
        glDeleteSamplers(1, &((struct gl_sampler_state *)obj)->sampler);
        break;
    case VGL_OBJECT_SHADER: {
        struct gl_shader *sh = (struct gl_shader *)obj;
        vgl_gl_programs_forget_shader(sub, sh);
        sub->ctx->live_shader_bytes -= sh->total;
        vgl_shader_destroy(sh->parsed);
        free(sh->text);
        free(sh->so);
        break;
    }
    case VGL_OBJECT_STREAMOUT_TARGET:
        vgl_gl_resource_unref(((struct gl_so_target *)obj)->res);
        break;
    case VGL_OBJECT_QUERY: {
        struct gl_query *q = (struct gl_query *)obj;
        vgl_gl_query_release(sub->ctx, q);
        glDeleteQueries(1, &q->query);
        vgl_gl_resource_unref(q->res);
        break;
    }
    default:
        break;
    }
    free(obj);
}

void vgl_gl_object_unref(struct gl_sub_ctx *sub, struct gl_object *obj) {
    if (obj && --obj->refcount == 0) {
        free_object(sub, obj);
    }
}

static void report_object(struct vgl_sink *s, const struct gl_sub_ctx *sub, uint32_t type,
                          uint32_t handle, bool created) {
    const struct gl_context *ctx = vgl_gl_ctx_of(s);
    const struct vgl_renderer *r = ctx->r;
    if (r->hooks.object_event) {
        r->hooks.object_event(r->hooks_user, ctx->id, sub->id, type, handle, created);
    }
}

/* Insert a new object (refcount 1, owned by the table); frees it on failure. */
enum vgl_status vgl_gl_object_insert(struct vgl_sink *s, struct gl_object *obj, uint32_t type,
                                     uint32_t handle) {
    struct gl_context *ctx = vgl_gl_ctx_of(s);
    struct gl_sub_ctx *sub = ctx->sub;
    obj->type = type;
    obj->handle = handle;
    obj->refcount = 1;
    obj->serial = ++ctx->r->serial;
    /* Counted from here on: free_object uncounts it, also on the failures below. */
    ctx->live_objects++;
    if (handle == 0 || vgl_hash_map_get(&sub->objects, handle)) {
        free_object(sub, obj);
        return FAIL(s, VGL_ERROR_EXISTS, "object handle %u in use", handle);
    }
    if (ctx->live_objects > ctx->r->limits.max_objects) {
        free_object(sub, obj);
        return FAIL(s, VGL_ERROR_NO_MEMORY, "object limit of %u per context reached",
                    ctx->r->limits.max_objects);
    }
    if (!vgl_hash_map_insert(&sub->objects, handle, obj)) {
        free_object(sub, obj);
        return FAIL(s, VGL_ERROR_NO_MEMORY, "out of memory");
    }
    report_object(s, sub, type, handle, true);
    return VGL_OK;
}

#define NEW(type_)                                                                                 \
    type_ *obj = calloc(1, sizeof(*obj));                                                          \
    if (!obj) {                                                                                    \
        return FAIL(s, VGL_ERROR_NO_MEMORY, "out of memory");                                      \
    }

uint16_t vgl_gl_surface_output_swizzle(const struct gl_surface *surf) {
    const struct gl_format *f = vgl_gl_format(surf->format);
    if (!f || f->bytes != surf->res->fmt->bytes) {
        f = surf->res->fmt;
    }
    return f->output_swizzle;
}

static enum vgl_status create_surface(struct vgl_sink *s, const struct vgl_cmd_surface *cmd) {
    struct gl_context *ctx = vgl_gl_ctx_of(s);
    struct gl_resource *res = vgl_gl_resource_get(ctx, cmd->res);
    if (!res) {
        return FAIL(s, VGL_ERROR_NOT_FOUND, "surface %u: resource %u not found", cmd->handle,
                    cmd->res);
    }
    /* Mesa creates surfaces on any texture (also compressed ones it never renders to); only
     * binding one that the host cannot attach is refused, when it happens. */
    if (!res->fmt) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "surface %u: resource %u is a buffer",
                    cmd->handle, cmd->res);
    }
    if (cmd->level > res->args.last_level || cmd->first_layer > cmd->last_layer ||
        cmd->last_layer >= vgl_gl_level_layers(res, cmd->level)) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT,
                    "surface %u: level %u layers %u..%u out of range", cmd->handle, cmd->level,
                    cmd->first_layer, cmd->last_layer);
    }
    NEW(struct gl_surface);
    obj->format = cmd->format;
    obj->level = cmd->level;
    obj->first_layer = cmd->first_layer;
    obj->last_layer = cmd->last_layer;
    obj->res = res;
    vgl_gl_resource_ref(res);
    return vgl_gl_object_insert(s, &obj->base, VGL_OBJECT_SURFACE, cmd->handle);
}

static enum vgl_status create_blend(struct vgl_sink *s, const struct vgl_cmd_blend *cmd) {
    NEW(struct gl_blend);
    obj->state = *cmd;
    return vgl_gl_object_insert(s, &obj->base, VGL_OBJECT_BLEND, cmd->handle);
}

static enum vgl_status create_rasterizer(struct vgl_sink *s, const struct vgl_cmd_rasterizer *cmd) {
    NEW(struct gl_rasterizer);
    obj->state = *cmd;
    return vgl_gl_object_insert(s, &obj->base, VGL_OBJECT_RASTERIZER, cmd->handle);
}

static enum vgl_status create_dsa(struct vgl_sink *s, const struct vgl_cmd_dsa *cmd) {
    NEW(struct gl_dsa);
    obj->state = *cmd;
    return vgl_gl_object_insert(s, &obj->base, VGL_OBJECT_DSA, cmd->handle);
}

static enum vgl_status create_vertex_elements(struct vgl_sink *s,
                                              const struct vgl_cmd_vertex_elements *cmd) {
    for (uint32_t i = 0; i < cmd->count; i++) {
        struct gl_vertex_format f;
        const struct vgl_vertex_element *e = &cmd->elements[i];
        if (e->vertex_buffer_index >= VGL_MAX_VERTEX_BUFFERS) {
            return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "vertex element %u: buffer index %u", i,
                        e->vertex_buffer_index);
        }
        if (!vgl_gl_vertex_format(e->format, &f)) {
            return FAIL(s, VGL_ERROR_UNSUPPORTED, "vertex element %u: format %u", i, e->format);
        }
    }
    NEW(struct gl_vertex_elements);
    obj->state = *cmd;
    for (uint32_t i = 0; i < cmd->count; i++) {
        vgl_gl_vertex_format(cmd->elements[i].format, &obj->formats[i]);
    }
    return vgl_gl_object_insert(s, &obj->base, VGL_OBJECT_VERTEX_ELEMENTS, cmd->handle);
}

static GLint gl_swizzle(uint8_t pipe_swizzle) {
    static const GLint map[] = {GL_RED, GL_GREEN, GL_BLUE, GL_ALPHA, GL_ZERO, GL_ONE};
    return pipe_swizzle < 6 ? map[pipe_swizzle] : GL_ZERO;
}

/* Formats a texture buffer may have (GL 3.1 core, table 8.15 of GL 4.6; the RGB32 ones with
 * GL 4.0). */
static bool buffer_texture_format(GLenum f, bool rgb32) {
    switch (f) {
    case GL_R8:
    case GL_R16:
    case GL_R16F:
    case GL_R32F:
    case GL_R8I:
    case GL_R16I:
    case GL_R32I:
    case GL_R8UI:
    case GL_R16UI:
    case GL_R32UI:
    case GL_RG8:
    case GL_RG16:
    case GL_RG16F:
    case GL_RG32F:
    case GL_RG8I:
    case GL_RG16I:
    case GL_RG32I:
    case GL_RG8UI:
    case GL_RG16UI:
    case GL_RG32UI:
    case GL_RGBA8:
    case GL_RGBA16:
    case GL_RGBA16F:
    case GL_RGBA32F:
    case GL_RGBA8I:
    case GL_RGBA16I:
    case GL_RGBA32I:
    case GL_RGBA8UI:
    case GL_RGBA16UI:
    case GL_RGBA32UI:
        return true;
    case GL_RGB32F:
    case GL_RGB32I:
    case GL_RGB32UI:
        return rgb32;
    default:
        return false;
    }
}

/* A view of a buffer resource: a host buffer texture over its element range (p3..p4). */
static enum vgl_status create_buffer_view(struct vgl_sink *s,
                                          const struct vgl_cmd_sampler_view *cmd,
                                          struct gl_resource *res) {
    struct vgl_renderer *r = vgl_gl_ctx_of(s)->r;
    const struct gl_format *f = vgl_gl_format(cmd->format & 0xffffff);
    if (!f || f->swizzle[0] || f->expand || f->block ||
        !buffer_texture_format(f->internal_format, r->has_tbo_rgb32)) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "sampler view %u: buffer texture of format %u",
                    cmd->handle, cmd->format & 0xffffff);
    }
    const uint64_t first = cmd->p3, last = cmd->p4;
    const uint64_t offset = first * f->bytes, size = (last - first + 1) * f->bytes;
    if (last < first || offset + size > res->args.width) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT,
                    "sampler view %u: elements %llu..%llu of a %u-byte buffer", cmd->handle,
                    (unsigned long long)first, (unsigned long long)last, res->args.width);
    }
    if ((!r->has_tbo_range && offset != 0) ||
        (r->tbo_alignment > 0 && offset % (uint64_t)r->tbo_alignment)) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "sampler view %u: offset %llu (host aligns to %d)",
                    cmd->handle, (unsigned long long)offset, r->tbo_alignment);
    }
    NEW(struct gl_sampler_view);
    obj->res = res;
    vgl_gl_resource_ref(res);
    obj->format = cmd->format & 0xffffff;
    obj->gl_target = GL_TEXTURE_BUFFER;
    glGenTextures(1, &obj->buffer_tex);
    glBindTexture(GL_TEXTURE_BUFFER, obj->buffer_tex);
    if (r->has_tbo_range) {
        glTexBufferRange(GL_TEXTURE_BUFFER, f->internal_format, res->id, (GLintptr)offset,
                         (GLsizeiptr)size);
    } else {
        glTexBuffer(GL_TEXTURE_BUFFER, f->internal_format, res->id); /* offset 0 checked */
    }
    glBindTexture(GL_TEXTURE_BUFFER, 0);
    obj->pipe_swizzle = 0x688; /* identity */
    for (int c = 0; c < 4; c++) {
        obj->border_src[c] = (int8_t)c;
    }
    return vgl_gl_object_insert(s, &obj->base, VGL_OBJECT_SAMPLER_VIEW, cmd->handle);
}

/* Formats that view only the stencil of a depth-stencil texture (virgl_hw.h). */
static bool stencil_view_format(uint32_t format) {
    return format == 23 || format == 136 || format == 137 || format == 138;
}

/*
 * A stencil view of a depth-stencil texture: its own texture view over the same storage,
 * sampling the stencil index, so that a draw can sample depth and stencil of one texture at
 * once (Mesa's depth-stencil copies with stencil export).
 */
static bool make_stencil_view(struct vgl_renderer *r, struct gl_sampler_view *v) {
    const struct gl_resource *res = v->res;
    if (!r->has_stencil_views || res->gl_target == GL_TEXTURE_2D_MULTISAMPLE) {
        return false;
    }
    GLuint layers = 1;
    switch (res->gl_target) {
    case GL_TEXTURE_CUBE_MAP:
        layers = 6;
        break;
    case GL_TEXTURE_CUBE_MAP_ARRAY:
        layers = vgl_gl_level_layers(res, 0) * 6;
        break;
    case GL_TEXTURE_1D_ARRAY:
    case GL_TEXTURE_2D_ARRAY:
        layers = vgl_gl_level_layers(res, 0);
        break;
    default:
        break;
    }
    glGenTextures(1, &v->view_tex);
    glTextureView(v->view_tex, res->gl_target, res->id, res->fmt->internal_format, 0,
                  res->args.last_level + 1, 0, layers);
    glBindTexture(res->gl_target, v->view_tex);
    glTexParameteri(res->gl_target, GL_DEPTH_STENCIL_TEXTURE_MODE, GL_STENCIL_INDEX);
    glBindTexture(res->gl_target, 0);
    return true;
}

static enum vgl_status create_sampler_view(struct vgl_sink *s,
                                           const struct vgl_cmd_sampler_view *cmd) {
    struct gl_context *ctx = vgl_gl_ctx_of(s);
    struct gl_resource *res = vgl_gl_resource_get(ctx, cmd->res);
    if (!res) {
        return FAIL(s, VGL_ERROR_NOT_FOUND, "sampler view %u: resource %u not found", cmd->handle,
                    cmd->res);
    }
    if (!res->fmt) {
        return create_buffer_view(s, cmd, res);
    }
    const uint32_t first_level = cmd->p4 & 0xff, last_level = (cmd->p4 >> 8) & 0xff;
    if (first_level > last_level || last_level > res->args.last_level) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "sampler view %u: levels %u..%u", cmd->handle,
                    first_level, last_level);
    }
    for (int i = 0; i < 4; i++) {
        if (cmd->swizzle[i] > 5) {
            return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "sampler view %u: swizzle %u", cmd->handle,
                        cmd->swizzle[i]);
        }
    }
    NEW(struct gl_sampler_view);
    obj->res = res;
    vgl_gl_resource_ref(res);
    obj->format = cmd->format;
    obj->gl_target = res->gl_target;
    obj->first_level = first_level;
    obj->last_level = last_level;
    obj->pipe_swizzle = (uint16_t)(cmd->swizzle[0] | cmd->swizzle[1] << 3 | cmd->swizzle[2] << 6 |
                                   cmd->swizzle[3] << 9);
    if (res->fmt->attachment == GL_DEPTH_STENCIL_ATTACHMENT &&
        stencil_view_format(cmd->format & 0xffffff)) {
        make_stencil_view(vgl_gl_ctx_of(s)->r, obj);
    }
    /* Compose: the view picks channels of its format, which says where they are stored (the
     * view's format may differ from the resource's, e.g. L8 over A8 storage). */
    const struct gl_format *view_fmt = vgl_gl_format(cmd->format);
    if (!view_fmt || view_fmt->bytes != res->fmt->bytes || view_fmt->block != res->fmt->block) {
        view_fmt = res->fmt;
    }
    const GLint *fmt_swizzle = view_fmt->swizzle;
    /* A format without a swizzle has all four zero; A8's starts with GL_ZERO (also 0). */
    const bool fmt_swizzled = fmt_swizzle[0] || fmt_swizzle[1] || fmt_swizzle[2] || fmt_swizzle[3];
    for (int i = 0; i < 4; i++) {
        GLint sw = gl_swizzle(cmd->swizzle[i]);
        if (fmt_swizzled && sw >= GL_RED && sw <= GL_ALPHA) {
            sw = fmt_swizzle[sw - GL_RED];
        }
        obj->swizzle[i] = sw;
    }
    /* The host swizzles the border colour like a texel: store it in the stored channels. */
    for (int c = 0; c < 4; c++) {
        obj->border_src[c] = (int8_t)c;
        if (fmt_swizzled) {
            obj->border_src[c] = -1;
            for (int i = 3; i >= 0; i--) {
                if (fmt_swizzle[i] == GL_RED + c) {
                    obj->border_src[c] = (int8_t)i;
                }
            }
        }
    }
    return vgl_gl_object_insert(s, &obj->base, VGL_OBJECT_SAMPLER_VIEW, cmd->handle);
}

/*
 * Core GL has no GL_CLAMP (PIPE_TEX_WRAP_CLAMP): with nearest filtering it equals CLAMP_TO_EDGE;
 * with linear filtering the sampler uses CLAMP_TO_BORDER and the shader clamps the coordinate
 * to [0, 1] (shader key tex_clamp, see vgl_gl_sampler_clamp_bits).
 */
static GLenum gl_wrap(const struct vgl_renderer *r, uint8_t wrap, bool linear) {
    /* PIPE_TEX_WRAP_*: REPEAT, CLAMP, CLAMP_TO_EDGE, CLAMP_TO_BORDER, MIRROR_REPEAT, ... */
    if ((wrap & 7) == 1 && linear) {
        return GL_CLAMP_TO_BORDER;
    }
    if ((wrap & 7) >= 5 && !r->has_mirror_clamp) {
        return GL_MIRRORED_REPEAT; /* a GLES host without it: approximated (docs/gles-host.md) */
    }
    static const GLenum map[] = {GL_REPEAT,
                                 GL_CLAMP_TO_EDGE,
                                 GL_CLAMP_TO_EDGE,
                                 GL_CLAMP_TO_BORDER,
                                 GL_MIRRORED_REPEAT,
                                 GL_MIRROR_CLAMP_TO_EDGE,
                                 GL_MIRROR_CLAMP_TO_EDGE,
                                 GL_MIRROR_CLAMP_TO_EDGE};
    return map[wrap & 7];
}

static GLenum min_filter(uint8_t img, uint8_t mip) {
    /* mip: PIPE_TEX_MIPFILTER_NEAREST 0, LINEAR 1, NONE 2 */
    if (mip == 2 || mip == 3) {
        return img ? GL_LINEAR : GL_NEAREST;
    }
    if (img) {
        return mip ? GL_LINEAR_MIPMAP_LINEAR : GL_LINEAR_MIPMAP_NEAREST;
    }
    return mip ? GL_NEAREST_MIPMAP_LINEAR : GL_NEAREST_MIPMAP_NEAREST;
}

GLenum vgl_gl_compare_func(uint8_t func);
GLenum vgl_gl_compare_func(uint8_t func) {
    /* PIPE_FUNC_NEVER .. ALWAYS map in order onto GL_NEVER .. GL_ALWAYS. */
    return GL_NEVER + (func & 7);
}

uint8_t vgl_gl_sampler_clamp_bits(const struct vgl_cmd_sampler_state *cmd) {
    if (!(cmd->min_img_filter & 1) && !(cmd->mag_img_filter & 1)) {
        return 0;
    }
    return (uint8_t)(((cmd->wrap_s & 7) == 1 ? 1 : 0) | ((cmd->wrap_t & 7) == 1 ? 2 : 0) |
                     ((cmd->wrap_r & 7) == 1 ? 4 : 0));
}

static enum vgl_status create_sampler_state(struct vgl_sink *s,
                                            const struct vgl_cmd_sampler_state *cmd) {
    NEW(struct gl_sampler_state);
    obj->state = *cmd;
    glGenSamplers(1, &obj->sampler);
    const GLuint smp = obj->sampler;
    const bool linear = (cmd->min_img_filter & 1) || (cmd->mag_img_filter & 1);
    const struct vgl_renderer *r = vgl_gl_ctx_of(s)->r;
    glSamplerParameteri(smp, GL_TEXTURE_WRAP_S, (GLint)gl_wrap(r, cmd->wrap_s, linear));
    glSamplerParameteri(smp, GL_TEXTURE_WRAP_T, (GLint)gl_wrap(r, cmd->wrap_t, linear));
    glSamplerParameteri(smp, GL_TEXTURE_WRAP_R, (GLint)gl_wrap(r, cmd->wrap_r, linear));
    glSamplerParameteri(smp, GL_TEXTURE_MIN_FILTER,
                        (GLint)min_filter(cmd->min_img_filter & 1, cmd->min_mip_filter));
    glSamplerParameteri(smp, GL_TEXTURE_MAG_FILTER,
                        cmd->mag_img_filter & 1 ? GL_LINEAR : GL_NEAREST);
    if (!r->gles) { /* GLES has no LOD bias parameter (docs/gles-host.md) */
        glSamplerParameterf(smp, GL_TEXTURE_LOD_BIAS, cmd->lod_bias);
    }
    glSamplerParameterf(smp, GL_TEXTURE_MIN_LOD, cmd->min_lod);
    glSamplerParameterf(smp, GL_TEXTURE_MAX_LOD, cmd->max_lod);
    glSamplerParameteri(smp, GL_TEXTURE_COMPARE_MODE,
                        cmd->compare_mode ? GL_COMPARE_REF_TO_TEXTURE : GL_NONE);
    glSamplerParameteri(smp, GL_TEXTURE_COMPARE_FUNC,
                        (GLint)vgl_gl_compare_func(cmd->compare_func));
    GLfloat border[4];
    memcpy(border, cmd->border_color, sizeof(border));
    glSamplerParameterfv(smp, GL_TEXTURE_BORDER_COLOR, border);
    memcpy(obj->host_border, border, sizeof(border));
    return vgl_gl_object_insert(s, &obj->base, VGL_OBJECT_SAMPLER_STATE, cmd->handle);
}

/* The stream output of a shader's first chunk, kept until its text is complete. */
static enum vgl_status keep_stream_output(struct vgl_sink *s, struct gl_shader *sh,
                                          const struct vgl_cmd_shader *cmd) {
    if (cmd->num_so_outputs == 0) {
        return VGL_OK;
    }
    if ((cmd->stage != VGL_SHADER_VERTEX && cmd->stage != VGL_SHADER_GEOMETRY) ||
        cmd->num_so_outputs > VGL_SHADER_MAX_SO_OUTPUTS) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "shader %u: %u stream outputs for stage %u",
                    cmd->handle, cmd->num_so_outputs, cmd->stage);
    }
    sh->so = calloc(1, sizeof(*sh->so));
    if (!sh->so) {
        return FAIL(s, VGL_ERROR_NO_MEMORY, "out of memory");
    }
    sh->so->num_outputs = cmd->num_so_outputs;
    for (int b = 0; b < 4; b++) {
        sh->so->stride[b] = cmd->so_stride[b] > 0xffff ? 0xffff : cmd->so_stride[b];
    }
    for (uint32_t i = 0; i < cmd->num_so_outputs; i++) {
        const struct vgl_cmd_so_output *o = &cmd->so[i];
        if (o->stream != 0) {
            return FAIL(s, VGL_ERROR_UNSUPPORTED, "shader %u: stream output to stream %u",
                        cmd->handle, o->stream);
        }
        sh->so->outputs[i] = (struct vgl_so_output){
                .reg = (uint8_t)o->register_index,
                .start = (uint8_t)o->start_component,
                .num = (uint8_t)o->num_components,
                .buffer = (uint8_t)o->output_buffer,
                .offset = (uint16_t)o->dst_offset,
        };
    }
    return VGL_OK;
}

/* Assemble shader text chunk by chunk (§3.2); parse once complete. */
static enum vgl_status create_shader(struct vgl_sink *s, const struct vgl_cmd_shader *cmd) {
    struct gl_context *ctx = vgl_gl_ctx_of(s);
    struct gl_sub_ctx *sub = ctx->sub;
    if (cmd->stage >= VGL_SHADER_STAGES) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "shader %u: stage %u", cmd->handle, cmd->stage);
    }
    struct gl_shader *sh;
    uint32_t offset;
    if (!cmd->continuation) {
        if (cmd->offlen == 0 || cmd->offlen > VGL_SHADER_MAX_TEXT) {
            return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "shader %u: text length %u", cmd->handle,
                        cmd->offlen);
        }
        if (cmd->offlen > ctx->r->limits.max_shader_bytes - ctx->live_shader_bytes) {
            return FAIL(s, VGL_ERROR_NO_MEMORY,
                        "shader %u: text limit of %llu bytes per context reached", cmd->handle,
                        (unsigned long long)ctx->r->limits.max_shader_bytes);
        }
        NEW(struct gl_shader);
        obj->stage = cmd->stage;
        obj->total = cmd->offlen;
        obj->text = calloc(1, cmd->offlen + 1);
        obj->serial = ++ctx->r->shader_serial;
        if (!obj->text) {
            free(obj);
            return FAIL(s, VGL_ERROR_NO_MEMORY, "out of memory");
        }
        ctx->live_shader_bytes += obj->total; /* free_object takes it back */
        VGL_FORWARD_IF_ERROR(vgl_gl_object_insert(s, &obj->base, VGL_OBJECT_SHADER, cmd->handle));
        sh = obj;
        VGL_FORWARD_IF_ERROR(keep_stream_output(s, sh, cmd));
        offset = 0;
    } else {
        sh = vgl_gl_object_get(sub, cmd->handle, VGL_OBJECT_SHADER);
        if (!sh || sh->received == sh->total || sh->stage != cmd->stage) {
            return FAIL(s, VGL_ERROR_NOT_FOUND, "shader %u: continuation without a start",
                        cmd->handle);
        }
        offset = cmd->offlen;
        if (offset != sh->received) {
            return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "shader %u: chunk at %u, expected %u",
                        cmd->handle, offset, sh->received);
        }
    }
    /* The padding of the last dword may be stale (§2.7): copy only what the total allows. */
    const uint32_t room = sh->total - offset;
    const uint32_t n = cmd->text_size < room ? cmd->text_size : room;
    memcpy(sh->text + offset, cmd->text, n);
    sh->received = offset + n;
    if (sh->received < sh->total) {
        return VGL_OK;
    }
    if (vgl_debug_flags() & VGL_DEBUG_TGSI) {
        vgl_log(VGL_LOG_INFO, "context %u shader %u (stage %u) TGSI:\n%.*s", vgl_gl_ctx_of(s)->id,
                cmd->handle, cmd->stage, (int)sh->total, sh->text);
    }
    char why[160] = "";
    const enum vgl_status st = vgl_shader_parse(sh->text, sh->total, &sh->parsed, why, sizeof(why));
    if (st == VGL_ERROR_UNSUPPORTED) {
        /* Valid TGSI the translator cannot handle yet: draws with it are skipped, the context
         * keeps working. */
        sh->unsupported = true;
        vgl_log(VGL_LOG_WARN, "context %u: shader %u not supported yet: %s", ctx->id, cmd->handle,
                why);
        return VGL_OK;
    }
    if (st != VGL_OK) {
        return FAIL(s, st, "shader %u: %s", cmd->handle, why);
    }
    if (vgl_shader_get_info(sh->parsed)->stage != cmd->stage) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "shader %u: text is not for stage %u",
                    cmd->handle, cmd->stage);
    }
    if (sh->so) {
        const enum vgl_status so_st =
                vgl_shader_set_stream_output(sh->parsed, sh->so, why, sizeof(why));
        free(sh->so);
        sh->so = NULL;
        if (so_st != VGL_OK) {
            return FAIL(s, so_st, "shader %u: %s", cmd->handle, why);
        }
    }
    return VGL_OK;
}

static enum vgl_status destroy_object(struct vgl_sink *s, uint32_t type, uint32_t handle) {
    struct gl_sub_ctx *sub = vgl_gl_ctx_of(s)->sub;
    struct gl_object *obj = vgl_gl_object_get(sub, handle, type);
    if (!obj) {
        if (type == VGL_OBJECT_MSAA_SURFACE) {
            return VGL_OK; /* never created: those types are not implemented yet */
        }
        return FAIL(s, VGL_ERROR_NOT_FOUND, "%s %u not found", vgl_decode_object_name(type),
                    handle);
    }
    vgl_hash_map_remove(&sub->objects, handle);
    vgl_gl_object_unref(sub, obj);
    report_object(s, sub, type, handle, false);
    return VGL_OK;
}

static enum vgl_status bind_object(struct vgl_sink *s, uint32_t type, uint32_t handle) {
    struct gl_sub_ctx *sub = vgl_gl_ctx_of(s)->sub;
    struct gl_object *obj = NULL;
    if (handle) {
        obj = vgl_gl_object_get(sub, handle, type);
        if (!obj) {
            return FAIL(s, VGL_ERROR_NOT_FOUND, "bind: %s %u not found",
                        vgl_decode_object_name(type), handle);
        }
    }
    switch (type) {
    case VGL_OBJECT_BLEND:
        VGL_GL_REBIND(sub, sub->blend, (struct gl_blend *)obj);
        sub->dirty |= DIRTY_BLEND;
        return VGL_OK;
    case VGL_OBJECT_RASTERIZER:
        VGL_GL_REBIND(sub, sub->rs, (struct gl_rasterizer *)obj);
        sub->dirty |= DIRTY_RASTERIZER;
        return VGL_OK;
    case VGL_OBJECT_DSA:
        VGL_GL_REBIND(sub, sub->dsa, (struct gl_dsa *)obj);
        sub->dirty |= DIRTY_DSA;
        return VGL_OK;
    case VGL_OBJECT_VERTEX_ELEMENTS:
        VGL_GL_REBIND(sub, sub->ve, (struct gl_vertex_elements *)obj);
        return VGL_OK;
    default:
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "bind of object type %u", type);
    }
}

static enum vgl_status bind_shader(struct vgl_sink *s, uint32_t handle, uint32_t stage) {
    struct gl_sub_ctx *sub = vgl_gl_ctx_of(s)->sub;
    struct gl_shader *sh = NULL;
    if (stage >= VGL_SHADER_STAGES) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "bind shader: stage %u", stage);
    }
    if (handle) {
        sh = vgl_gl_object_get(sub, handle, VGL_OBJECT_SHADER);
        if (!sh || sh->stage != stage) {
            return FAIL(s, VGL_ERROR_NOT_FOUND, "bind shader: shader %u for stage %u not found",
                        handle, stage);
        }
        if (!sh->parsed && !sh->unsupported) {
            return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "bind shader: shader %u is incomplete",
                        handle);
        }
    }
    VGL_GL_REBIND(sub, sub->stages[stage].shader, sh);
    return VGL_OK;
}

void vgl_gl_objects_init(struct vgl_sink_impl *impl) {
    impl->create_surface = create_surface;
    impl->create_blend = create_blend;
    impl->create_rasterizer = create_rasterizer;
    impl->create_dsa = create_dsa;
    impl->create_vertex_elements = create_vertex_elements;
    impl->create_sampler_view = create_sampler_view;
    impl->create_sampler_state = create_sampler_state;
    impl->create_shader = create_shader;
    impl->destroy_object = destroy_object;
    impl->bind_object = bind_object;
    impl->bind_shader = bind_shader;
}
