/* SPDX-License-Identifier: MIT */
/* Internal state of the GL renderer: the renderer, contexts, sub-contexts, resources and the
 * GL format table. Only gl/ includes this. */
#ifndef VGL_GL_INTERNAL_H
#define VGL_GL_INTERNAL_H

#include <epoxy/egl.h>
#include <epoxy/gl.h>

#include <vgl/renderer.h>

#include "common/hash_map.h"
#include "decode/decoder.h"

struct gl_format {
    GLenum internal_format;
    GLenum format;
    GLenum type;
    uint32_t bytes;    /* bytes per texel in host transfers */
    bool renderable;   /* colour- or depth-renderable */
    GLenum attachment; /* GL_COLOR_ATTACHMENT0, GL_DEPTH_ATTACHMENT, ... */
};

/* The GL description of a virgl format, or NULL when the renderer does not support it. */
const struct gl_format *vgl_gl_format(uint32_t virgl_format);
/* Largest virgl format number the table may hold. */
#define VGL_GL_FORMAT_MAX 322

struct gl_resource {
    int refcount; /* the context's table holds one; surfaces and framebuffers hold others */
    struct vgl_resource_args args;
    const struct gl_format *fmt; /* NULL for buffers */
    GLenum gl_target;            /* GL_TEXTURE_2D, ... or GL_ARRAY_BUFFER for buffers */
    GLuint id;                   /* texture or buffer name */
    struct iovec *iov;           /* guest backing, borrowed memory */
    unsigned int iov_count;
    uint64_t backing_size;
};

struct gl_surface {
    uint32_t handle;
    struct gl_resource *res; /* holds a reference */
    uint32_t format, level, first_layer, last_layer;
    int refcount; /* the object table holds one; a bound framebuffer holds another */
};

struct gl_sub_ctx {
    uint32_t id;
    GLuint fbo;
    struct vgl_hash_map objects; /* handle -> struct gl_surface (only type so far) */
    struct gl_surface *cbufs[VGL_MAX_COLOR_BUFS];
    struct gl_surface *zsurf;
    uint32_t nr_cbufs;
};

struct gl_fence {
    uint64_t id;
    GLsync sync;
    struct gl_fence *next;
};

struct gl_context {
    struct vgl_renderer *r;
    uint32_t id;
    char name[64];
    struct vgl_hash_map resources; /* guest handle -> struct gl_resource */
    struct vgl_hash_map sub_ctxs;  /* id -> struct gl_sub_ctx */
    struct gl_sub_ctx *sub;        /* current sub-context */
    struct vgl_sink sink;          /* first member for container_of */
    struct vgl_decoder decoder;
    struct gl_fence *fences, *fences_tail;
};

struct vgl_renderer {
    EGLDisplay display;
    EGLContext context;
    char name[64];
    struct vgl_renderer_hooks hooks;
    void *hooks_user;
    struct vgl_hash_map contexts;
    GLuint read_fbo, draw_fbo; /* scratch framebuffers for transfers and blits */
    GLint max_texture_size;
    GLint max_3d_texture_size;
    GLint max_array_layers;
    bool has_copy_image;
    bool has_clear_texture;
    bool has_no_attachments;
    bool has_debug_output;
    uint8_t caps_v2[VGL_CAPS_V2_SIZE];
};

struct gl_context *vgl_gl_context_get(struct vgl_renderer *r, uint32_t ctx_id);
struct gl_resource *vgl_gl_resource_get(struct gl_context *ctx, uint32_t handle);
void vgl_gl_resource_ref(struct gl_resource *res);
void vgl_gl_resource_unref(struct gl_resource *res);

/* Width/height/depth of a level of a resource (at least 1). */
uint32_t vgl_gl_level_width(const struct gl_resource *res, uint32_t level);
uint32_t vgl_gl_level_height(const struct gl_resource *res, uint32_t level);
uint32_t vgl_gl_level_layers(const struct gl_resource *res, uint32_t level);

/*
 * Attach one level/layer of a texture resource to the bound `fbo_target` framebuffer at the
 * attachment its format needs (or `color_index` for colour formats).
 */
void vgl_gl_attach(GLenum fbo_target, const struct gl_resource *res, uint32_t level, uint32_t layer,
                   uint32_t color_index);
void vgl_gl_detach_all(GLenum fbo_target);

/* Transfers shared by the API (vtest TRANSFER_PUT2/GET2) and TRANSFER3D. The message, if any,
 * is written to `why`. */
enum vgl_status vgl_gl_transfer(struct gl_context *ctx, const struct vgl_transfer *t, bool write,
                                char *why, size_t why_size);

/* Sub-contexts and the GL sink. */
void vgl_gl_sink_init(struct gl_context *ctx);
void vgl_gl_sink_finish(struct gl_context *ctx);

/* Caps derived from the host (gl_caps.c). */
void vgl_gl_fill_caps(struct vgl_renderer *r);

#endif
