/* SPDX-License-Identifier: MIT */
/*
 * Resources: host storage (GL buffers and textures), guest backing (iovecs) and transfers
 * between them. Every box, stride, level and offset is checked against both the resource and
 * the backing before any byte moves.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "gl/gl_internal.h"

/* Host storage is capped so a guest cannot make us allocate absurd amounts in one call. */
#define MAX_RESOURCE_BYTES (1ull << 30)

struct gl_resource *vgl_gl_resource_get(struct gl_context *ctx, uint32_t handle) {
    return vgl_hash_map_get(&ctx->resources, handle);
}

void vgl_gl_resource_ref(struct gl_resource *res) {
    res->refcount++;
}

void vgl_gl_resource_unref(struct gl_resource *res) {
    if (!res || --res->refcount > 0) {
        return;
    }
    /* Storage kept alive by surfaces or views counts until here, not just until unref. */
    res->ctx->live_resources--;
    res->ctx->live_resource_bytes -= res->host_bytes;
    if (res->args.target == VGL_TARGET_BUFFER) {
        glDeleteBuffers(1, &res->id);
    } else {
        glDeleteTextures(1, &res->id);
    }
    free(res->iov);
    free(res);
}

static uint32_t minify(uint32_t size, uint32_t level) {
    const uint32_t v = level < 32 ? size >> level : 0;
    return v ? v : 1;
}

uint32_t vgl_gl_level_width(const struct gl_resource *res, uint32_t level) {
    return minify(res->args.width, level);
}

uint32_t vgl_gl_level_height(const struct gl_resource *res, uint32_t level) {
    if (res->args.target == VGL_TARGET_1D || res->args.target == VGL_TARGET_1D_ARRAY) {
        return 1;
    }
    return minify(res->args.height, level);
}

uint32_t vgl_gl_level_layers(const struct gl_resource *res, uint32_t level) {
    switch (res->args.target) {
    case VGL_TARGET_3D:
        return minify(res->args.depth, level);
    case VGL_TARGET_CUBE:
        return 6;
    case VGL_TARGET_1D_ARRAY:
    case VGL_TARGET_2D_ARRAY:
    case VGL_TARGET_CUBE_ARRAY:
        return res->args.array_size ? res->args.array_size : 1;
    default:
        return 1;
    }
}

static const GLenum gl_targets[VGL_TARGET_COUNT] = {
        [VGL_TARGET_BUFFER] = GL_ARRAY_BUFFER,
        [VGL_TARGET_1D] = GL_TEXTURE_1D,
        [VGL_TARGET_2D] = GL_TEXTURE_2D,
        [VGL_TARGET_3D] = GL_TEXTURE_3D,
        [VGL_TARGET_CUBE] = GL_TEXTURE_CUBE_MAP,
        [VGL_TARGET_RECT] = GL_TEXTURE_RECTANGLE,
        [VGL_TARGET_1D_ARRAY] = GL_TEXTURE_1D_ARRAY,
        [VGL_TARGET_2D_ARRAY] = GL_TEXTURE_2D_ARRAY,
        [VGL_TARGET_CUBE_ARRAY] = GL_TEXTURE_CUBE_MAP_ARRAY,
};

static enum vgl_status check_args(struct vgl_renderer *r, const struct vgl_resource_args *a,
                                  char *why, size_t why_size) {
    if (a->handle == 0) {
        snprintf(why, why_size, "resource handle 0");
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    if (a->target >= VGL_TARGET_COUNT) {
        snprintf(why, why_size, "target %u out of range", a->target);
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    if (a->nr_samples > 1 &&
        (a->target != VGL_TARGET_2D || a->last_level || a->nr_samples > (uint32_t)r->max_samples)) {
        snprintf(why, why_size, "%u samples on target %u with %u levels (host: %d samples)",
                 a->nr_samples, a->target, a->last_level + 1, r->max_samples);
        return VGL_ERROR_UNSUPPORTED;
    }
    if (a->target == VGL_TARGET_BUFFER) {
        if (a->width == 0 || a->width > MAX_RESOURCE_BYTES || a->height != 1 || a->depth != 1 ||
            a->array_size > 1 || a->last_level != 0) {
            snprintf(why, why_size, "bad buffer size %ux%ux%u (array %u, levels %u)", a->width,
                     a->height, a->depth, a->array_size, a->last_level);
            return VGL_ERROR_INVALID_ARGUMENT;
        }
        return VGL_OK;
    }
    const struct gl_format *fmt = vgl_gl_host_format(r, a->format);
    if (!fmt) {
        snprintf(why, why_size, "format %u is not supported", a->format);
        return VGL_ERROR_UNSUPPORTED;
    }
    const uint32_t max = a->target == VGL_TARGET_3D ? (uint32_t)r->max_3d_texture_size
                                                    : (uint32_t)r->max_texture_size;
    const bool is_3d = a->target == VGL_TARGET_3D;
    const bool is_array = a->target == VGL_TARGET_1D_ARRAY || a->target == VGL_TARGET_2D_ARRAY ||
                          a->target == VGL_TARGET_CUBE_ARRAY;
    const uint32_t layers = is_array ? a->array_size : 1;
    if (a->width == 0 || a->height == 0 || a->depth == 0 || a->width > max || a->height > max ||
        (is_3d && a->depth > max) || (!is_3d && a->depth != 1) ||
        (is_array && (layers == 0 || layers > (uint32_t)r->max_array_layers)) ||
        (a->target == VGL_TARGET_CUBE && (a->width != a->height)) ||
        ((a->target == VGL_TARGET_1D || a->target == VGL_TARGET_1D_ARRAY) && a->height != 1)) {
        snprintf(why, why_size, "bad texture size %ux%ux%u array %u for target %u", a->width,
                 a->height, a->depth, a->array_size, a->target);
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    uint32_t biggest = a->width > a->height ? a->width : a->height;
    if (is_3d && a->depth > biggest) {
        biggest = a->depth;
    }
    uint32_t max_level = 0;
    while (biggest >>= 1) {
        max_level++;
    }
    if (fmt->block && (a->target == VGL_TARGET_1D || a->target == VGL_TARGET_1D_ARRAY ||
                       a->target == VGL_TARGET_3D || a->target == VGL_TARGET_RECT)) {
        snprintf(why, why_size, "compressed format %u on target %u", a->format, a->target);
        return VGL_ERROR_UNSUPPORTED;
    }
    if (a->last_level > max_level || (a->target == VGL_TARGET_RECT && a->last_level)) {
        snprintf(why, why_size, "last_level %u above %u", a->last_level, max_level);
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    uint64_t bytes = vgl_gl_host_bytes(fmt), tmp;
    if (!vgl_size_mul(bytes, a->width, &tmp) || !vgl_size_mul(tmp, a->height, &tmp) ||
        !vgl_size_mul(tmp, is_3d ? a->depth : layers * (a->target == VGL_TARGET_CUBE ? 6 : 1),
                      &tmp) ||
        tmp > MAX_RESOURCE_BYTES) {
        snprintf(why, why_size, "texture of more than %llu bytes", MAX_RESOURCE_BYTES);
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    return VGL_OK;
}

/* Host storage of every level, layer, face and sample (arguments already checked). */
static uint64_t storage_bytes(const struct vgl_resource_args *a, const struct gl_format *f) {
    if (!f) {
        return a->width;
    }
    const struct gl_resource shape = {.args = *a};
    const bool cube_array = a->target == VGL_TARGET_CUBE_ARRAY;
    uint64_t total = 0;
    for (uint32_t l = 0; l <= a->last_level; l++) {
        const uint64_t w = vgl_gl_level_width(&shape, l), h = vgl_gl_level_height(&shape, l);
        const uint64_t layers = vgl_gl_level_layers(&shape, l) * (cube_array ? 6 : 1);
        const uint64_t texels = f->block ? (w + 3) / 4 * ((h + 3) / 4) : w * h;
        total += texels * (f->block ? f->bytes : vgl_gl_host_bytes(f)) * layers;
    }
    return total * (a->nr_samples > 1 ? a->nr_samples : 1);
}

static void compressed_sub_image(const struct gl_resource *res, GLenum target, uint32_t level,
                                 const struct vgl_box *b, GLsizei size, const void *data) {
    const GLint l = (GLint)level;
    const GLenum ifmt = res->fmt->internal_format;
    if (target == GL_TEXTURE_2D_ARRAY || target == GL_TEXTURE_CUBE_MAP_ARRAY) {
        glCompressedTexSubImage3D(target, l, b->x, b->y, b->z, b->w, b->h, b->d, ifmt, size, data);
    } else {
        glCompressedTexSubImage2D(target, l, b->x, b->y, b->w, b->h, ifmt, size, data);
    }
}

/* Compressed storage cannot be cleared by GL: upload blocks of zeros instead. */
static void zero_compressed_level(const struct gl_resource *res, uint32_t level, GLsizei w,
                                  GLsizei h, GLsizei d) {
    const uint64_t blocks_x = ((uint64_t)w + 3) / 4, blocks_y = ((uint64_t)h + 3) / 4;
    const uint64_t layer = blocks_x * blocks_y * res->fmt->bytes;
    const bool cube = res->gl_target == GL_TEXTURE_CUBE_MAP;
    const uint64_t layers = cube ? 1 : (res->gl_target == GL_TEXTURE_2D ? 1 : (uint64_t)d);
    void *zeros = calloc(1, layer * layers);
    if (!zeros) {
        return;
    }
    for (GLenum face = 0; face < (cube ? 6u : 1u); face++) {
        const struct vgl_box box = {0, 0, 0, w, h, (int32_t)layers};
        compressed_sub_image(res, cube ? GL_TEXTURE_CUBE_MAP_POSITIVE_X + face : res->gl_target,
                             level, &box, (GLsizei)(layer * layers), zeros);
    }
    free(zeros);
}

/*
 * Immutable storage for every level at once (GL 4.2, ARB_texture_storage), so that views of the
 * texture (stencil views of depth-stencil textures) can share it. Levels are checked against the
 * size before (check_args).
 */
static void texture_storage(const struct gl_resource *res) {
    const struct vgl_resource_args *a = &res->args;
    const GLsizei levels = (GLsizei)a->last_level + 1, w = (GLsizei)a->width;
    const GLsizei h = (GLsizei)a->height, d = (GLsizei)vgl_gl_level_layers(res, 0);
    const GLenum t = res->gl_target, ifmt = res->fmt->internal_format;
    switch (t) {
    case GL_TEXTURE_1D:
        glTexStorage1D(t, levels, ifmt, w);
        break;
    case GL_TEXTURE_1D_ARRAY:
        glTexStorage2D(t, levels, ifmt, w, d);
        break;
    case GL_TEXTURE_3D:
    case GL_TEXTURE_2D_ARRAY:
        glTexStorage3D(t, levels, ifmt, w, h, d);
        break;
    case GL_TEXTURE_CUBE_MAP_ARRAY:
        glTexStorage3D(t, levels, ifmt, w, h, d * 6);
        break;
    default: /* 2D, rectangle, cube */
        glTexStorage2D(t, levels, ifmt, w, h);
        break;
    }
}

/* Allocate every level; contents start as zeros, never stale host memory. */
static void alloc_texture(struct vgl_renderer *r, struct gl_resource *res) {
    const struct vgl_resource_args *a = &res->args;
    const struct gl_format *f = res->fmt;
    glGenTextures(1, &res->id);
    if (res->gl_target == GL_TEXTURE_2D_MULTISAMPLE) {
        /* No guest backing and no transfers: the guest resolves with BLIT first. */
        glBindTexture(res->gl_target, res->id);
        if (r->has_texture_storage) {
            glTexStorage2DMultisample(res->gl_target, (GLsizei)a->nr_samples, f->internal_format,
                                      (GLsizei)a->width, (GLsizei)a->height, GL_TRUE);
        } else {
            glTexImage2DMultisample(res->gl_target, (GLsizei)a->nr_samples, f->internal_format,
                                    (GLsizei)a->width, (GLsizei)a->height, GL_TRUE);
        }
        /* Hosts may allocate more samples than asked (llvmpipe: 4 for 2); sample masks are
         * widened to match (gl_draw.c). */
        GLint samples = 0;
        glGetTexLevelParameteriv(res->gl_target, 0, GL_TEXTURE_SAMPLES, &samples);
        res->host_samples = samples > 0 ? (uint32_t)samples : a->nr_samples;
        glBindTexture(res->gl_target, 0);
        return;
    }
    glBindTexture(res->gl_target, res->id);
    glTexParameteri(res->gl_target, GL_TEXTURE_MAX_LEVEL, (GLint)a->last_level);
    if (r->has_texture_storage) {
        texture_storage(res);
    }
    for (uint32_t l = 0; l <= a->last_level; l++) {
        const GLsizei w = (GLsizei)vgl_gl_level_width(res, l);
        const GLsizei h = (GLsizei)vgl_gl_level_height(res, l);
        const GLsizei d = (GLsizei)vgl_gl_level_layers(res, l);
        switch (r->has_texture_storage ? 0 : res->gl_target) {
        case 0:
            break; /* allocated above */
        case GL_TEXTURE_1D:
            glTexImage1D(res->gl_target, (GLint)l, (GLint)f->internal_format, w, 0, f->format,
                         f->type, NULL);
            break;
        case GL_TEXTURE_CUBE_MAP:
            for (GLenum face = 0; face < 6; face++) {
                glTexImage2D(GL_TEXTURE_CUBE_MAP_POSITIVE_X + face, (GLint)l,
                             (GLint)f->internal_format, w, h, 0, f->format, f->type, NULL);
            }
            break;
        case GL_TEXTURE_1D_ARRAY:
            glTexImage2D(res->gl_target, (GLint)l, (GLint)f->internal_format, w, d, 0, f->format,
                         f->type, NULL);
            break;
        case GL_TEXTURE_3D:
        case GL_TEXTURE_2D_ARRAY:
            glTexImage3D(res->gl_target, (GLint)l, (GLint)f->internal_format, w, h, d, 0, f->format,
                         f->type, NULL);
            break;
        case GL_TEXTURE_CUBE_MAP_ARRAY:
            glTexImage3D(res->gl_target, (GLint)l, (GLint)f->internal_format, w, h, d * 6, 0,
                         f->format, f->type, NULL);
            break;
        default:
            glTexImage2D(res->gl_target, (GLint)l, (GLint)f->internal_format, w, h, 0, f->format,
                         f->type, NULL);
            break;
        }
        if (f->block) {
            zero_compressed_level(res, l, w, h, d);
        } else if (r->has_clear_texture) {
            glClearTexImage(res->id, (GLint)l, f->format, f->type, NULL);
        }
    }
    glBindTexture(res->gl_target, 0);
}

/* GLES has no glClearBufferData: zeros written through a mapping. */
static void zero_buffer_mapped(GLsizeiptr size) {
    void *p = size ? glMapBufferRange(GL_COPY_WRITE_BUFFER, 0, size,
                                      GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT)
                   : NULL;
    if (p) {
        memset(p, 0, (size_t)size);
        glUnmapBuffer(GL_COPY_WRITE_BUFFER);
    }
}

static void alloc_buffer(struct vgl_renderer *r, struct gl_resource *res) {
    glGenBuffers(1, &res->id);
    glBindBuffer(GL_COPY_WRITE_BUFFER, res->id);
    glBufferData(GL_COPY_WRITE_BUFFER, res->args.width, NULL, GL_DYNAMIC_DRAW);
    if (r->gles) {
        zero_buffer_mapped((GLsizeiptr)res->args.width);
    } else {
        const uint8_t zero = 0;
        glClearBufferData(GL_COPY_WRITE_BUFFER, GL_R8, GL_RED, GL_UNSIGNED_BYTE, &zero);
    }
    glBindBuffer(GL_COPY_WRITE_BUFFER, 0);
}

/* Buffer bytes into dst: GLES reads through a mapping (it has no glGetBufferSubData). */
static void buffer_read(const struct vgl_renderer *r, GLintptr offset, GLsizeiptr size, void *dst) {
    if (!r->gles) {
        glGetBufferSubData(GL_COPY_WRITE_BUFFER, offset, size, dst);
        return;
    }
    const void *p =
            size ? glMapBufferRange(GL_COPY_WRITE_BUFFER, offset, size, GL_MAP_READ_BIT) : NULL;
    if (p) {
        memcpy(dst, p, (size_t)size);
        glUnmapBuffer(GL_COPY_WRITE_BUFFER);
    } else {
        memset(dst, 0, (size_t)size);
    }
}

enum vgl_status vgl_renderer_resource_create(struct vgl_renderer *r, uint32_t ctx_id,
                                             const struct vgl_resource_args *args) {
    struct gl_context *ctx = vgl_gl_context_get(r, ctx_id);
    VGL_RETURN_ERROR_IF(!ctx, VGL_ERROR_NOT_FOUND, "context %u", ctx_id);
    char why[128] = "";
    const enum vgl_status status = check_args(r, args, why, sizeof(why));
    if (status != VGL_OK) {
        vgl_log(VGL_LOG_WARN, "context %u: resource %u refused: %s", ctx_id, args->handle, why);
        return status;
    }
    VGL_RETURN_ERROR_IF(vgl_gl_resource_get(ctx, args->handle), VGL_ERROR_EXISTS,
                        "resource %u exists", args->handle);
    const struct gl_format *fmt =
            args->target == VGL_TARGET_BUFFER ? NULL : vgl_gl_host_format(r, args->format);
    const uint64_t bytes = storage_bytes(args, fmt);
    if (ctx->live_resources >= r->limits.max_resources ||
        bytes > r->limits.max_resource_bytes - ctx->live_resource_bytes) {
        vgl_log(VGL_LOG_WARN,
                "context %u: resource %u refused: the context holds %u resources of %llu bytes, "
                "the limits are %u and %llu",
                ctx_id, args->handle, ctx->live_resources,
                (unsigned long long)ctx->live_resource_bytes, r->limits.max_resources,
                (unsigned long long)r->limits.max_resource_bytes);
        return VGL_ERROR_NO_MEMORY;
    }
    struct gl_resource *res = calloc(1, sizeof(*res));
    if (!res) {
        return VGL_ERROR_NO_MEMORY;
    }
    res->refcount = 1;
    res->serial = ++r->serial;
    res->args = *args;
    res->ctx = ctx;
    res->host_bytes = bytes;
    ctx->live_resources++; /* the last unref takes these back */
    ctx->live_resource_bytes += bytes;
    res->gl_target = args->nr_samples > 1 ? GL_TEXTURE_2D_MULTISAMPLE : gl_targets[args->target];
    if (r->gles) {
        /* No 1D or rectangle textures: 2D ones (arrays) of height 1, and 2D ones the translator
         * samples with normalized coordinates (vgl_glsl_host_target). */
        res->gl_target = res->gl_target == GL_TEXTURE_1D || res->gl_target == GL_TEXTURE_RECTANGLE
                                 ? GL_TEXTURE_2D
                         : res->gl_target == GL_TEXTURE_1D_ARRAY ? GL_TEXTURE_2D_ARRAY
                                                                 : res->gl_target;
    }
    if (args->target == VGL_TARGET_BUFFER) {
        alloc_buffer(r, res);
    } else {
        res->fmt = fmt;
        alloc_texture(r, res);
    }
    if (!vgl_hash_map_insert(&ctx->resources, args->handle, res)) {
        vgl_gl_resource_unref(res);
        return VGL_ERROR_NO_MEMORY;
    }
    return VGL_OK;
}

enum vgl_status vgl_renderer_resource_unref(struct vgl_renderer *r, uint32_t ctx_id,
                                            uint32_t handle) {
    struct gl_context *ctx = vgl_gl_context_get(r, ctx_id);
    VGL_RETURN_ERROR_IF(!ctx, VGL_ERROR_NOT_FOUND, "context %u", ctx_id);
    struct gl_resource *res = vgl_hash_map_remove(&ctx->resources, handle);
    VGL_RETURN_ERROR_IF(!res, VGL_ERROR_NOT_FOUND, "resource %u", handle);
    /* The guest memory may go away now even if surfaces keep the storage alive. */
    free(res->iov);
    res->iov = NULL;
    res->iov_count = 0;
    res->backing_size = 0;
    vgl_gl_resource_unref(res);
    return VGL_OK;
}

enum vgl_status vgl_renderer_resource_get_info(struct vgl_renderer *r, uint32_t ctx_id,
                                               uint32_t handle, struct vgl_resource_args *out) {
    struct gl_context *ctx = vgl_gl_context_get(r, ctx_id);
    VGL_RETURN_ERROR_IF(!ctx, VGL_ERROR_NOT_FOUND, "context %u", ctx_id);
    const struct gl_resource *res = vgl_gl_resource_get(ctx, handle);
    VGL_RETURN_ERROR_IF(!res, VGL_ERROR_NOT_FOUND, "resource %u", handle);
    *out = res->args;
    return VGL_OK;
}

enum vgl_status vgl_renderer_resource_attach_backing(struct vgl_renderer *r, uint32_t ctx_id,
                                                     uint32_t handle, const struct iovec *iov,
                                                     unsigned int iov_count) {
    struct gl_context *ctx = vgl_gl_context_get(r, ctx_id);
    VGL_RETURN_ERROR_IF(!ctx, VGL_ERROR_NOT_FOUND, "context %u", ctx_id);
    struct gl_resource *res = vgl_gl_resource_get(ctx, handle);
    VGL_RETURN_ERROR_IF(!res, VGL_ERROR_NOT_FOUND, "resource %u", handle);
    VGL_RETURN_ERROR_IF(res->iov, VGL_ERROR_EXISTS, "resource %u has a backing", handle);
    VGL_RETURN_ERROR_IF(iov_count == 0 || iov_count > 1024 || !iov, VGL_ERROR_INVALID_ARGUMENT,
                        "%u iovecs", iov_count);
    uint64_t total = 0;
    for (unsigned int i = 0; i < iov_count; i++) {
        VGL_RETURN_ERROR_IF(!iov[i].iov_base && iov[i].iov_len, VGL_ERROR_INVALID_ARGUMENT,
                            "NULL iovec");
        VGL_RETURN_ERROR_IF(!vgl_size_add(total, iov[i].iov_len, &total), VGL_ERROR_OVERFLOW,
                            "backing size");
    }
    res->iov = calloc(iov_count, sizeof(*iov));
    if (!res->iov) {
        return VGL_ERROR_NO_MEMORY;
    }
    memcpy(res->iov, iov, iov_count * sizeof(*iov));
    res->iov_count = iov_count;
    res->backing_size = total;
    return VGL_OK;
}

enum vgl_status vgl_renderer_resource_detach_backing(struct vgl_renderer *r, uint32_t ctx_id,
                                                     uint32_t handle) {
    struct gl_context *ctx = vgl_gl_context_get(r, ctx_id);
    VGL_RETURN_ERROR_IF(!ctx, VGL_ERROR_NOT_FOUND, "context %u", ctx_id);
    struct gl_resource *res = vgl_gl_resource_get(ctx, handle);
    VGL_RETURN_ERROR_IF(!res, VGL_ERROR_NOT_FOUND, "resource %u", handle);
    free(res->iov);
    res->iov = NULL;
    res->iov_count = 0;
    res->backing_size = 0;
    return VGL_OK;
}

/* Copy `len` bytes between the backing at `offset` and `buf` (range already checked). */
static void backing_copy(struct gl_resource *res, uint64_t offset, uint8_t *buf, size_t len,
                         bool to_backing) {
    for (unsigned int i = 0; i < res->iov_count && len; i++) {
        const size_t iov_len = res->iov[i].iov_len;
        if (offset >= iov_len) {
            offset -= iov_len;
            continue;
        }
        const size_t n = iov_len - offset < len ? iov_len - offset : len;
        uint8_t *base = (uint8_t *)res->iov[i].iov_base + offset;
        if (to_backing) {
            memcpy(base, buf, n);
        } else {
            memcpy(buf, base, n);
        }
        buf += n;
        len -= n;
        offset = 0;
    }
}

enum vgl_status vgl_gl_resource_write(struct gl_context *ctx, struct gl_resource *res,
                                      uint64_t offset, const void *data, size_t size) {
    struct vgl_renderer *r = ctx->r;
    if (offset > res->backing_size || size > res->backing_size - offset ||
        (!res->fmt && (offset > res->args.width || size > res->args.width - offset))) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    backing_copy(res, offset, (uint8_t *)data, size, true);
    if (r->hooks.backing_written) {
        r->hooks.backing_written(r->hooks_user, ctx->id, res->args.handle, offset, data, size);
    }
    if (!res->fmt) {
        glBindBuffer(GL_COPY_WRITE_BUFFER, res->id);
        glBufferSubData(GL_COPY_WRITE_BUFFER, (GLintptr)offset, (GLsizeiptr)size, data);
        glBindBuffer(GL_COPY_WRITE_BUFFER, 0);
    }
    return VGL_OK;
}

struct layout {
    uint64_t row_bytes, rows, layers;
    uint64_t stride, layer_stride;
};

/* Check the box against the level of `res` and the backing of `mem` (the resource whose guest
 * memory holds the bytes: `res` itself, or a staging buffer); compute the guest layout. */
static enum vgl_status check_transfer(const struct gl_resource *res, const struct gl_resource *mem,
                                      const struct vgl_transfer *t, struct layout *lay, char *why,
                                      size_t why_size) {
    const struct vgl_box *b = &t->box;
    if (t->level > res->args.last_level) {
        snprintf(why, why_size, "level %u above last level %u", t->level, res->args.last_level);
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    const uint32_t bpp = res->fmt ? res->fmt->bytes : 1;
    const uint32_t block = res->fmt ? vgl_gl_block(res->fmt) : 1;
    const uint64_t lw = res->fmt ? vgl_gl_level_width(res, t->level) : res->args.width;
    const uint64_t lh = res->fmt ? vgl_gl_level_height(res, t->level) : 1;
    const uint64_t ld = res->fmt ? vgl_gl_level_layers(res, t->level) : 1;
    if (b->x < 0 || b->y < 0 || b->z < 0 || b->w < 0 || b->h < 0 || b->d < 0 ||
        (uint64_t)b->x + (uint64_t)b->w > lw || (uint64_t)b->y + (uint64_t)b->h > lh ||
        (uint64_t)b->z + (uint64_t)b->d > ld) {
        snprintf(why, why_size, "box %d,%d,%d %dx%dx%d outside level %u (%llux%llux%llu)", b->x,
                 b->y, b->z, b->w, b->h, b->d, t->level, (unsigned long long)lw,
                 (unsigned long long)lh, (unsigned long long)ld);
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    /* Compressed boxes start on block boundaries and cover whole blocks or reach the edge. */
    if (block > 1 &&
        (b->x % block || b->y % block || (b->w % block && (uint64_t)b->x + b->w != lw) ||
         (b->h % block && (uint64_t)b->y + b->h != lh))) {
        snprintf(why, why_size, "box %d,%d %dx%d is not aligned to %ux%u blocks", b->x, b->y, b->w,
                 b->h, block, block);
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    lay->row_bytes = ((uint64_t)b->w + block - 1) / block * bpp;
    lay->rows = ((uint64_t)b->h + block - 1) / block;
    lay->layers = (uint64_t)b->d;
    /* Stride 0 means the packed layout of the level (protocol-facts §1.6). */
    lay->stride = t->stride ? t->stride : (lw + block - 1) / block * bpp;
    lay->layer_stride =
            t->layer_stride ? t->layer_stride : lay->stride * ((lh + block - 1) / block);
    if ((lay->rows > 1 && lay->stride < lay->row_bytes) ||
        (lay->layers > 1 && lay->layer_stride < lay->stride * lay->rows)) {
        snprintf(why, why_size, "stride %llu / layer stride %llu too small for the box",
                 (unsigned long long)lay->stride, (unsigned long long)lay->layer_stride);
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    if (!lay->row_bytes || !lay->rows || !lay->layers) {
        return VGL_OK;
    }
    uint64_t end, tmp;
    if (!vgl_size_mul(lay->layers - 1, lay->layer_stride, &end) ||
        !vgl_size_mul(lay->rows - 1, lay->stride, &tmp) || !vgl_size_add(end, tmp, &end) ||
        !vgl_size_add(end, lay->row_bytes, &end) || !vgl_size_add(end, t->offset, &end)) {
        snprintf(why, why_size, "transfer size overflows");
        return VGL_ERROR_OVERFLOW;
    }
    if (!mem->iov || end > mem->backing_size) {
        snprintf(why, why_size, "transfer ends at byte %llu, backing has %llu",
                 (unsigned long long)end, (unsigned long long)mem->backing_size);
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    return VGL_OK;
}

/* The guest lays the box out as GL packs it: one run of bytes. */
static bool is_contiguous(const struct layout *lay) {
    return lay->stride == lay->row_bytes &&
           (lay->layers == 1 || lay->layer_stride == lay->stride * lay->rows);
}

/* Move the box between the backing and a tightly packed staging buffer, row by row. */

static void stage(struct vgl_renderer *r, struct gl_context *ctx, struct gl_resource *mem,
                  const struct vgl_transfer *t, const struct layout *lay, uint8_t *staging,
                  bool to_backing) {
    const bool contiguous = is_contiguous(lay);
    const uint64_t run = contiguous ? lay->row_bytes * lay->rows * lay->layers : lay->row_bytes;
    const uint64_t runs = contiguous ? 1 : lay->rows * lay->layers;
    const vgl_backing_hook hook = to_backing ? r->hooks.backing_written : r->hooks.backing_read;
    for (uint64_t i = 0; i < runs; i++) {
        const uint64_t z = contiguous ? 0 : i / lay->rows, y = contiguous ? 0 : i % lay->rows;
        const uint64_t offset = t->offset + z * lay->layer_stride + y * lay->stride;
        uint8_t *p = staging + i * run;
        backing_copy(mem, offset, p, run, to_backing);
        if (hook) {
            hook(r->hooks_user, ctx->id, mem->args.handle, offset, p, run);
        }
    }
}

/* Upload a tightly packed box into one level of a texture of any target. Gallium puts array
 * layers and cube faces in z (box.z / box.d), also for 1D arrays. */
static void texture_upload(const struct gl_resource *res, uint32_t level, const struct vgl_box *b,
                           const uint8_t *texels, uint64_t size) {
    const struct gl_format *f = res->fmt;
    const GLint l = (GLint)level;
    glBindTexture(res->gl_target, res->id);
    if (f->block) {
        if (res->gl_target == GL_TEXTURE_CUBE_MAP) {
            const uint64_t face_bytes = size / (uint64_t)b->d;
            for (int32_t face = 0; face < b->d; face++) {
                const struct vgl_box one = {b->x, b->y, 0, b->w, b->h, 1};
                compressed_sub_image(res, GL_TEXTURE_CUBE_MAP_POSITIVE_X + (GLenum)(b->z + face),
                                     level, &one, (GLsizei)face_bytes, texels + face * face_bytes);
            }
        } else {
            compressed_sub_image(res, res->gl_target, level, b, (GLsizei)size, texels);
        }
        glBindTexture(res->gl_target, 0);
        return;
    }
    switch (res->gl_target) {
    case GL_TEXTURE_1D:
        glTexSubImage1D(res->gl_target, l, b->x, b->w, f->format, f->type, texels);
        break;
    case GL_TEXTURE_1D_ARRAY:
        glTexSubImage2D(res->gl_target, l, b->x, b->z, b->w, b->d, f->format, f->type, texels);
        break;
    case GL_TEXTURE_CUBE_MAP: {
        const size_t face_bytes = (size_t)b->w * (size_t)b->h * vgl_gl_host_bytes(f);
        for (int32_t face = 0; face < b->d; face++) {
            glTexSubImage2D(GL_TEXTURE_CUBE_MAP_POSITIVE_X + (GLenum)(b->z + face), l, b->x, b->y,
                            b->w, b->h, f->format, f->type, texels + face * face_bytes);
        }
        break;
    }
    case GL_TEXTURE_3D:
    case GL_TEXTURE_2D_ARRAY:
    case GL_TEXTURE_CUBE_MAP_ARRAY:
        glTexSubImage3D(res->gl_target, l, b->x, b->y, b->z, b->w, b->h, b->d, f->format, f->type,
                        texels);
        break;
    default:
        glTexSubImage2D(res->gl_target, l, b->x, b->y, b->w, b->h, f->format, f->type, texels);
        break;
    }
    glBindTexture(res->gl_target, 0);
}

/* glReadPixels of the box as RGBA of the format's type, keeping the format's channels. */
static void read_as_rgba(const struct gl_format *f, const struct vgl_box *b, uint8_t *out) {
    const size_t channels = f->format == GL_RED ? 1 : 2, size = f->type == GL_BYTE ? 1 : 2;
    const size_t texels = (size_t)b->w * (size_t)b->h;
    uint8_t *rgba = malloc(texels ? texels * 4 * size : 1);
    if (!rgba) {
        memset(out, 0, texels * channels * size);
        return;
    }
    glReadPixels(b->x, b->y, b->w, b->h, GL_RGBA, f->type, rgba);
    for (size_t t = 0; t < texels; t++) {
        memcpy(out + t * channels * size, rgba + t * 4 * size, channels * size);
    }
    free(rgba);
}

/* The integer format of a signed normalized one's size (GLES reads snorm clamped to [0, 1]:
 * its bits are read through a copy in this format instead), or 0. */
static GLenum snorm_bits_format(GLenum internal_format) {
    static const GLenum pairs[][2] = {
            {GL_R8_SNORM, GL_R8I},   {GL_RG8_SNORM, GL_RG8I},   {GL_RGBA8_SNORM, GL_RGBA8I},
            {GL_R16_SNORM, GL_R16I}, {GL_RG16_SNORM, GL_RG16I}, {GL_RGBA16_SNORM, GL_RGBA16I},
    };
    for (size_t i = 0; i < VGL_ARRAY_SIZE(pairs); i++) {
        if (pairs[i][0] == internal_format) {
            return pairs[i][1];
        }
    }
    return 0;
}

/* A signed normalized box's bits: copied into an integer texture of the same size, read as
 * RGBA_INTEGER / INT, narrowed to the format's channels and size. */
static void read_snorm_bits(const struct gl_resource *res, uint32_t level, const struct vgl_box *b,
                            int32_t layer, GLenum bits_format, uint8_t *out) {
    const struct gl_format *f = res->fmt;
    const size_t size = f->type == GL_BYTE ? 1 : 2, channels = f->bytes / size;
    const size_t texels = (size_t)b->w * (size_t)b->h;
    int32_t *wide = malloc(texels ? texels * 16 : 1);
    GLuint tex = 0;
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexStorage2D(GL_TEXTURE_2D, 1, bits_format, b->w, b->h);
    glBindTexture(GL_TEXTURE_2D, 0);
    glCopyImageSubData(res->id, res->gl_target, (GLint)level, b->x, b->y, layer, tex, GL_TEXTURE_2D,
                       0, 0, 0, 0, b->w, b->h, 1);
    glFramebufferTexture2D(GL_READ_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
    if (wide) {
        glReadPixels(0, 0, b->w, b->h, GL_RGBA_INTEGER, GL_INT, wide);
    }
    for (size_t t = 0; t < texels; t++) {
        for (size_t c = 0; c < channels; c++) {
            const int32_t v = wide ? wide[t * 4 + c] : 0;
            if (size == 1) {
                out[t * channels + c] = (uint8_t)(int8_t)v;
            } else {
                const int16_t v16 = (int16_t)v;
                memcpy(out + (t * channels + c) * 2, &v16, 2);
            }
        }
    }
    glFramebufferTexture2D(GL_READ_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, 0, 0);
    glDeleteTextures(1, &tex);
    free(wide);
}

/* Read a box of one level back, layer by layer through the scratch framebuffer. */
static enum vgl_status texture_download(struct vgl_renderer *r, const struct gl_resource *res,
                                        uint32_t level, const struct vgl_box *b, uint8_t *texels,
                                        char *why, size_t why_size) {
    const struct gl_format *f = res->fmt;
    const size_t layer_bytes = (size_t)b->w * (size_t)b->h * vgl_gl_host_bytes(f);
    if (f->block) {
        /* Cube faces are layers for the sub-image query. */
        const uint64_t size =
                ((uint64_t)b->w + 3) / 4 * (((uint64_t)b->h + 3) / 4) * f->bytes * (uint64_t)b->d;
        glGetCompressedTextureSubImage(res->id, (GLint)level, b->x, b->y, b->z, b->w, b->h, b->d,
                                       (GLsizei)size, texels);
        return VGL_OK;
    }
    /* GLES reads one- and two-channel 16-bit and signed normalized formats only as RGBA. */
    const bool rgba_read =
            r->gles && (f->format == GL_RED || f->format == GL_RG) &&
            (f->type == GL_UNSIGNED_SHORT || f->type == GL_SHORT || f->type == GL_BYTE);
    const GLenum snorm_bits =
            r->gles && r->has_copy_image ? snorm_bits_format(f->internal_format) : 0;
    vgl_gl_bind_fbo(r, GL_READ_FRAMEBUFFER, r->read_fbo);
    glReadBuffer(f->attachment == GL_COLOR_ATTACHMENT0 ? GL_COLOR_ATTACHMENT0 : GL_NONE);
    for (int32_t i = 0; i < b->d; i++) {
        vgl_gl_attach(GL_READ_FRAMEBUFFER, res, level, (uint32_t)(b->z + i), 0);
        if (glCheckFramebufferStatus(GL_READ_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
            vgl_gl_detach_all(GL_READ_FRAMEBUFFER);
            snprintf(why, why_size, "format %u cannot be read back", res->args.format);
            return VGL_ERROR_UNSUPPORTED;
        }
        if (snorm_bits) {
            read_snorm_bits(res, level, b, b->z + i, snorm_bits, texels + i * layer_bytes);
        } else if (rgba_read) {
            read_as_rgba(f, b, texels + i * layer_bytes);
        } else {
            glReadPixels(b->x, b->y, b->w, b->h, f->format, f->type, texels + i * layer_bytes);
        }
    }
    vgl_gl_detach_all(GL_READ_FRAMEBUFFER);
    return VGL_OK;
}

static uint16_t get16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static float clamp1(float v, float lo) {
    return v < lo ? lo : v > 1.0f ? 1.0f : v; /* NaN: lo */
}

/* `count` guest texels of format f (guest bytes in g) to the host's (in h), or back. */
static void convert_texels(const struct gl_format *f, uint8_t *g, uint8_t *h, uint64_t count,
                           bool to_host) {
    const uint32_t gb = f->bytes;
    for (uint64_t i = 0; i < count; i++) {
        uint8_t *gt = g + i * gb, *ht = h + i * vgl_gl_host_bytes(f);
        switch (f->expand) {
        case EXPAND_A8: /* (0, 0, 0, A) */
            if (to_host) {
                memset(ht, 0, 3);
                ht[3] = gt[0];
            } else {
                gt[0] = ht[3];
            }
            break;
        case EXPAND_L8A8: /* (L, 0, 0, A) */
            if (to_host) {
                ht[0] = gt[0];
                ht[1] = ht[2] = 0;
                ht[3] = gt[1];
            } else {
                gt[0] = ht[0];
                gt[1] = ht[3];
            }
            break;
        case EXPAND_Z24X8: { /* the guest's depth sits 8 bits lower than in the host's dword */
            uint32_t v;
            memcpy(&v, to_host ? gt : ht, 4);
            v = to_host ? v << 8 : v >> 8;
            memcpy(to_host ? ht : gt, &v, 4);
            break;
        }
        case EXPAND_SWAP_RB: {
            const uint8_t *src = to_host ? gt : ht;
            uint8_t *dst = to_host ? ht : gt;
            const uint8_t t[4] = {src[2], src[1], src[0], src[3]};
            memcpy(dst, t, 4);
            break;
        }
        case EXPAND_UNORM16:
        case EXPAND_SNORM16:
            for (uint32_t c = 0; c < gb / 2; c++) {
                float v;
                if (to_host) {
                    const uint16_t u = get16(gt + 2 * c);
                    v = f->expand == EXPAND_UNORM16 ? (float)u / 65535.0f
                                                    : clamp1((float)(int16_t)u / 32767.0f, -1.0f);
                    memcpy(ht + 4 * c, &v, 4);
                    continue;
                }
                memcpy(&v, ht + 4 * c, 4);
                const uint16_t u = f->expand == EXPAND_UNORM16
                                           ? (uint16_t)lrintf(clamp1(v, 0.0f) * 65535.0f)
                                           : (uint16_t)(int16_t)lrintf(clamp1(v, -1.0f) * 32767.0f);
                memcpy(gt + 2 * c, &u, 2);
            }
            break;
        default:
            break;
        }
    }
}

/*
 * Formats the host keeps otherwise than the guest (A8 and L8A8 in RGBA8, Z24X8 in 24_8, and on
 * GLES hosts lacking them BGRA in RGBA and 16-bit normalized channels in floats): the tightly
 * packed guest texels move through a host-format buffer, converted on upload and on read-back.
 */
static enum vgl_status expanded_io(struct vgl_renderer *r, const struct gl_resource *res,
                                   const struct vgl_transfer *t, uint8_t *texels, uint64_t size,
                                   bool write, char *why, size_t why_size) {
    const uint64_t count = size / res->fmt->bytes;
    uint8_t *host = calloc(count ? count : 1, vgl_gl_host_bytes(res->fmt));
    if (!host) {
        return VGL_ERROR_NO_MEMORY;
    }
    enum vgl_status st = VGL_OK;
    if (write) {
        convert_texels(res->fmt, texels, host, count, true);
        texture_upload(res, t->level, &t->box, host, count * vgl_gl_host_bytes(res->fmt));
    } else {
        st = texture_download(r, res, t->level, &t->box, host, why, why_size);
        if (st == VGL_OK) {
            convert_texels(res->fmt, texels, host, count, false);
        }
    }
    free(host);
    return st;
}

/* The guest's bytes [offset, offset + size) when one piece of backing holds them all. */
static uint8_t *in_place(const struct gl_resource *res, uint64_t offset, uint64_t size) {
    for (unsigned int i = 0; i < res->iov_count; i++) {
        const size_t len = res->iov[i].iov_len;
        if (offset < len) {
            return size <= len - offset ? (uint8_t *)res->iov[i].iov_base + offset : NULL;
        }
        offset -= len;
    }
    return NULL;
}

/* Staging memory is kept between transfers up to this size, so that each one does not map and
 * fault in fresh pages; a larger transfer gets its own. */
#define STAGING_KEEP (64u << 20)

static uint8_t *staging_get(struct vgl_renderer *r, uint64_t size) {
    if (size > STAGING_KEEP) {
        return size <= SIZE_MAX ? malloc((size_t)size) : NULL;
    }
    if (size > r->staging_cap) {
        free(r->staging);
        r->staging = malloc((size_t)size);
        r->staging_cap = r->staging ? (size_t)size : 0;
    }
    return r->staging;
}

static void staging_put(struct vgl_renderer *r, uint8_t *p) {
    if (p != r->staging) {
        free(p);
    }
}

enum vgl_status vgl_gl_transfer(struct gl_context *ctx, const struct vgl_transfer *t, bool write,
                                char *why, size_t why_size) {
    return vgl_gl_transfer_via(ctx, t, t->handle, write, why, why_size);
}

enum vgl_status vgl_gl_transfer_via(struct gl_context *ctx, const struct vgl_transfer *t,
                                    uint32_t mem_handle, bool write, char *why, size_t why_size) {
    struct vgl_renderer *r = ctx->r;
    struct gl_resource *res = vgl_gl_resource_get(ctx, t->handle);
    struct gl_resource *mem = vgl_gl_resource_get(ctx, mem_handle);
    if (!res || !mem) {
        snprintf(why, why_size, "resource %u not found", res ? mem_handle : t->handle);
        return VGL_ERROR_NOT_FOUND;
    }
    if (res->gl_target == GL_TEXTURE_2D_MULTISAMPLE) {
        snprintf(why, why_size, "transfer on multisampled resource %u", t->handle);
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    struct layout lay;
    VGL_FORWARD_IF_ERROR(check_transfer(res, mem, t, &lay, why, why_size));
    const uint64_t size = lay.row_bytes * lay.rows * lay.layers;
    if (size == 0) {
        return VGL_OK;
    }
    /* GL reads or writes the guest's pages in place when the box is one run inside one piece
     * of backing. Not while a hook watches that direction: a capture records the bytes of a
     * private copy, which the guest cannot change between the record and the upload. */
    const bool hooked = write ? r->hooks.backing_read != NULL : r->hooks.backing_written != NULL;
    uint8_t *staging = hooked || !is_contiguous(&lay) ? NULL : in_place(mem, t->offset, size);
    const bool direct = staging != NULL;
    if (!direct && !(staging = staging_get(r, size))) {
        return VGL_ERROR_NO_MEMORY;
    }
    enum vgl_status status = VGL_OK;
    if (write && !direct) {
        stage(r, ctx, mem, t, &lay, staging, false);
    }
    if (!res->fmt) {
        glBindBuffer(GL_COPY_WRITE_BUFFER, res->id);
        if (write) {
            glBufferSubData(GL_COPY_WRITE_BUFFER, t->box.x, (GLsizeiptr)size, staging);
        } else {
            buffer_read(r, t->box.x, (GLsizeiptr)size, staging);
        }
        glBindBuffer(GL_COPY_WRITE_BUFFER, 0);
    } else if (res->fmt->expand) {
        status = expanded_io(r, res, t, staging, size, write, why, why_size);
    } else if (write) {
        texture_upload(res, t->level, &t->box, staging, size);
    } else {
        status = texture_download(r, res, t->level, &t->box, staging, why, why_size);
    }
    if (status == VGL_OK && !write && !direct) {
        stage(r, ctx, mem, t, &lay, staging, true);
    }
    if (!direct) {
        staging_put(r, staging);
    }
    return status;
}

static enum vgl_status api_transfer(struct vgl_renderer *r, uint32_t ctx_id,
                                    const struct vgl_transfer *t, bool write) {
    struct gl_context *ctx = vgl_gl_context_get(r, ctx_id);
    VGL_RETURN_ERROR_IF(!ctx, VGL_ERROR_NOT_FOUND, "context %u", ctx_id);
    char why[160] = "";
    const enum vgl_status status = vgl_gl_transfer(ctx, t, write, why, sizeof(why));
    if (status != VGL_OK) {
        vgl_log(VGL_LOG_WARN, "context %u: transfer %s resource %u refused: %s", ctx_id,
                write ? "to" : "from", t->handle, why);
    }
    return status;
}

enum vgl_status vgl_renderer_transfer_write(struct vgl_renderer *r, uint32_t ctx_id,
                                            const struct vgl_transfer *t) {
    return api_transfer(r, ctx_id, t, true);
}

enum vgl_status vgl_renderer_transfer_read(struct vgl_renderer *r, uint32_t ctx_id,
                                           const struct vgl_transfer *t) {
    return api_transfer(r, ctx_id, t, false);
}
