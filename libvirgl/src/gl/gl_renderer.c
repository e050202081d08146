/* SPDX-License-Identifier: MIT */
/*
 * The renderer object: EGL surfaceless display and desktop GL 3.3 core context, contexts,
 * submission and fences. Loud about missing host features: creation fails with the full list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/debug.h"
#include "common/seed.h"
#include "common/util.h"
#include "gl/gl_internal.h"

static void append_missing(char *list, size_t size, const char *what) {
    const size_t len = strlen(list);
    snprintf(list + len, size - len, "%s%s", len ? ", " : "", what);
}

static void GLAPIENTRY debug_message(GLenum source, GLenum type, GLuint id, GLenum severity,
                                     GLsizei length, const GLchar *message, const void *user) {
    const enum vgl_log_level level = type == GL_DEBUG_TYPE_ERROR ? VGL_LOG_WARN : VGL_LOG_INFO;
    vgl_log(level, "host GL: %s", message);
}

static enum vgl_status init_egl(struct vgl_renderer *r) {
    char missing[256] = "";
    if (!epoxy_has_egl_extension(EGL_NO_DISPLAY, "EGL_MESA_platform_surfaceless")) {
        vgl_log(VGL_LOG_ERROR, "host EGL lacks EGL_MESA_platform_surfaceless");
        return VGL_ERROR_NO_DEVICE;
    }
    r->display = eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
    EGLint major, minor;
    if (r->display == EGL_NO_DISPLAY || !eglInitialize(r->display, &major, &minor)) {
        vgl_log(VGL_LOG_ERROR, "cannot initialise the EGL surfaceless display (EGL error 0x%x)",
                eglGetError());
        r->display = EGL_NO_DISPLAY;
        return VGL_ERROR_NO_DEVICE;
    }
    static const char *const needed[] = {"EGL_KHR_create_context", "EGL_KHR_surfaceless_context",
                                         "EGL_KHR_no_config_context"};
    for (size_t i = 0; i < VGL_ARRAY_SIZE(needed); i++) {
        if (!epoxy_has_egl_extension(r->display, needed[i])) {
            append_missing(missing, sizeof(missing), needed[i]);
        }
    }
    if (missing[0]) {
        vgl_log(VGL_LOG_ERROR, "host EGL %d.%d lacks: %s", major, minor, missing);
        return VGL_ERROR_HOST_GL;
    }
    if (!eglBindAPI(EGL_OPENGL_API)) {
        vgl_log(VGL_LOG_ERROR, "host EGL has no desktop OpenGL API");
        return VGL_ERROR_HOST_GL;
    }
    /* Robust buffer access keeps hostile vertex indices inside host buffers where we cannot
     * check them (indexed draws); ask for it where the host offers it. */
    EGLint attribs[] = {
            EGL_CONTEXT_MAJOR_VERSION,
            3,
            EGL_CONTEXT_MINOR_VERSION,
            3,
            EGL_CONTEXT_OPENGL_PROFILE_MASK,
            EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
            EGL_NONE,
            EGL_NONE,
            EGL_NONE,
    };
    r->robust_access = epoxy_has_egl_extension(r->display, "EGL_EXT_create_context_robustness");
    if (r->robust_access) {
        attribs[6] = EGL_CONTEXT_OPENGL_ROBUST_ACCESS_EXT;
        attribs[7] = EGL_TRUE;
    }
    r->context = eglCreateContext(r->display, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attribs);
    if (r->context == EGL_NO_CONTEXT && r->robust_access) {
        r->robust_access = false;
        attribs[6] = EGL_NONE;
        r->context = eglCreateContext(r->display, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attribs);
    }
    if (r->context == EGL_NO_CONTEXT) {
        vgl_log(VGL_LOG_ERROR, "host cannot create a desktop GL 3.3 core context (EGL error 0x%x)",
                eglGetError());
        return VGL_ERROR_HOST_GL;
    }
    if (!eglMakeCurrent(r->display, EGL_NO_SURFACE, EGL_NO_SURFACE, r->context)) {
        vgl_log(VGL_LOG_ERROR, "eglMakeCurrent failed (EGL error 0x%x)", eglGetError());
        return VGL_ERROR_HOST_GL;
    }
    return VGL_OK;
}

static enum vgl_status init_gl(struct vgl_renderer *r) {
    const int version = epoxy_gl_version();
    if (version < 33) {
        vgl_log(VGL_LOG_ERROR, "host GL %d.%d is below the required 3.3", version / 10,
                version % 10);
        return VGL_ERROR_HOST_GL;
    }
    snprintf(r->name, sizeof(r->name), "%s", (const char *)glGetString(GL_RENDERER));
    r->has_copy_image = version >= 43 || epoxy_has_gl_extension("GL_ARB_copy_image");
    r->has_clear_texture = version >= 44 || epoxy_has_gl_extension("GL_ARB_clear_texture");
    r->has_no_attachments =
            version >= 43 || epoxy_has_gl_extension("GL_ARB_framebuffer_no_attachments");
    r->has_debug_output = version >= 43 || epoxy_has_gl_extension("GL_KHR_debug");
    r->has_viewport_array = version >= 41 || epoxy_has_gl_extension("GL_ARB_viewport_array");
    r->has_base_instance = version >= 42 || epoxy_has_gl_extension("GL_ARB_base_instance");
    r->has_tf3 = version >= 40 || epoxy_has_gl_extension("GL_ARB_transform_feedback3");
    r->has_cond_inverted =
            version >= 45 || epoxy_has_gl_extension("GL_ARB_conditional_render_inverted");
    r->has_s3tc = epoxy_has_gl_extension("GL_EXT_texture_compression_s3tc");
    r->has_s3tc_srgb = r->has_s3tc && epoxy_has_gl_extension("GL_EXT_texture_sRGB");
    /* Read-back of compressed boxes needs glGetCompressedTextureSubImage. */
    r->has_compressed_sub_image =
            version >= 45 || epoxy_has_gl_extension("GL_ARB_get_texture_sub_image");
    GLint units = 0;
    glGetIntegerv(GL_MAX_COMBINED_TEXTURE_IMAGE_UNITS, &units);
    /* Outside draws the last unit is active: transfers and texture setup bind there, and draws
     * never allocate it, so the units draws use keep what they last bound (gl_bound). */
    r->rest_unit = units > 0 ? units - 1 : 0;
    glActiveTexture(GL_TEXTURE0 + (GLenum)r->rest_unit);
    r->max_texture_units =
            r->rest_unit > 254 ? 254 : r->rest_unit; /* the allocator counts in bytes */
    vgl_gl_bound_forget(r);
    glGetIntegerv(GL_MAX_UNIFORM_BUFFER_BINDINGS, &r->max_ubo_bindings);
    /* Read-backs return signed normalized values as stored, never clamped to [0, 1]. */
    glClampColor(GL_CLAMP_READ_COLOR, GL_FALSE);
    glGetIntegerv(GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT, &r->ubo_alignment);
    r->has_tbo_rgb32 =
            version >= 40 || epoxy_has_gl_extension("GL_ARB_texture_buffer_object_rgb32");
    r->has_tbo_range = version >= 43 || epoxy_has_gl_extension("GL_ARB_texture_buffer_range");
    r->has_texture_barrier = version >= 45 || epoxy_has_gl_extension("GL_ARB_texture_barrier");
    r->has_stencil_export = epoxy_has_gl_extension("GL_ARB_shader_stencil_export");
    r->has_texture_storage =
            version >= 43 || (epoxy_has_gl_extension("GL_ARB_texture_storage") &&
                              epoxy_has_gl_extension("GL_ARB_texture_storage_multisample"));
    r->has_stencil_views = r->has_texture_storage &&
                           (version >= 43 || (epoxy_has_gl_extension("GL_ARB_texture_view") &&
                                              epoxy_has_gl_extension("GL_ARB_stencil_texturing")));
    r->has_derivative_control =
            version >= 45 || epoxy_has_gl_extension("GL_ARB_derivative_control");
    if (r->has_tbo_range) {
        glGetIntegerv(GL_TEXTURE_BUFFER_OFFSET_ALIGNMENT, &r->tbo_alignment);
    }
    glGetIntegerv(GL_MAX_TEXTURE_BUFFER_SIZE, &r->max_tbo_size);
    r->max_ubo_bindings = r->max_ubo_bindings > 254 ? 254 : r->max_ubo_bindings;
    glGetIntegerv(GL_MAX_VERTEX_ATTRIBS, &r->max_vertex_attribs);
    GLint color_samples = 0, depth_samples = 0;
    glGetIntegerv(GL_MAX_COLOR_TEXTURE_SAMPLES, &color_samples);
    glGetIntegerv(GL_MAX_DEPTH_TEXTURE_SAMPLES, &depth_samples);
    r->max_samples = color_samples < depth_samples ? color_samples : depth_samples;
    /* protocol-facts §5.4: 4 (or exactly 1, which makes the guest fake multisampling). */
    r->max_samples = r->max_samples >= 4 ? 4 : 1;
    if (units < 32) {
        vgl_log(VGL_LOG_ERROR, "host GL has %d combined texture units, 32 are required", units);
        return VGL_ERROR_HOST_GL;
    }
    glGetIntegerv(GL_MAX_TEXTURE_SIZE, &r->max_texture_size);
    glGetIntegerv(GL_MAX_3D_TEXTURE_SIZE, &r->max_3d_texture_size);
    glGetIntegerv(GL_MAX_ARRAY_TEXTURE_LAYERS, &r->max_array_layers);
    if (r->has_debug_output && (vgl_debug_flags() & VGL_DEBUG_KHR)) {
        glEnable(GL_DEBUG_OUTPUT);
        glDebugMessageCallback(debug_message, r);
    }
    glGenFramebuffers(1, &r->read_fbo);
    glGenFramebuffers(1, &r->draw_fbo);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    vgl_gl_fill_caps(r);
    return VGL_OK;
}

enum vgl_status vgl_renderer_create(const struct vgl_renderer_options *opts,
                                    struct vgl_renderer **out) {
    *out = NULL;
    if (opts && opts->flags) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    struct vgl_renderer *r = calloc(1, sizeof(*r));
    if (!r) {
        return VGL_ERROR_NO_MEMORY;
    }
    r->display = EGL_NO_DISPLAY;
    r->context = EGL_NO_CONTEXT;
    const struct vgl_renderer_options none = {0};
    r->limits = opts ? *opts : none;
    if (!r->limits.max_resources) {
        r->limits.max_resources = VGL_DEFAULT_MAX_RESOURCES;
    }
    if (!r->limits.max_objects) {
        r->limits.max_objects = VGL_DEFAULT_MAX_OBJECTS;
    }
    if (!r->limits.max_resource_bytes) {
        r->limits.max_resource_bytes = VGL_DEFAULT_MAX_RESOURCE_BYTES;
    }
    if (!r->limits.queued_vertices) {
        r->limits.queued_vertices = VGL_DEFAULT_QUEUED_VERTICES;
    }
    if (!r->limits.max_shader_bytes) {
        r->limits.max_shader_bytes = VGL_DEFAULT_MAX_SHADER_BYTES;
    }
    vgl_hash_map_init(&r->contexts);
    const char *const hide =
            opts && opts->hide_features ? opts->hide_features : getenv("VGL_HIDE_FEATURES");
    char bad[32];
    if (hide && !vgl_gl_parse_features(hide, &r->hidden, bad, sizeof(bad))) {
        vgl_log(VGL_LOG_ERROR, "unknown host feature to hide: %s", bad);
        vgl_renderer_destroy(r);
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    r->limits.hide_features = NULL; /* parsed; the caller's string is not kept */
    enum vgl_status status = init_egl(r);
    if (status == VGL_OK) {
        status = init_gl(r);
    }
    if (status != VGL_OK) {
        vgl_renderer_destroy(r);
        return status;
    }
    vgl_log(VGL_LOG_INFO, "renderer on %s, GL %d", r->name, epoxy_gl_version());
    *out = r;
    return VGL_OK;
}

void vgl_renderer_destroy(struct vgl_renderer *r) {
    if (!r) {
        return;
    }
    size_t pos = 0;
    uint32_t id;
    void *value;
    while (vgl_hash_map_next(&r->contexts, &pos, &id, &value)) {
        vgl_renderer_context_destroy(r, id);
    }
    vgl_hash_map_finish(&r->contexts);
    if (r->context != EGL_NO_CONTEXT) {
        r->hooks.command_timed = NULL;
        vgl_gl_profile_update(r);
        vgl_gl_throttle_idle(r);
        glDeleteFramebuffers(1, &r->read_fbo);
        glDeleteFramebuffers(1, &r->draw_fbo);
        glDeleteBuffers(1, &r->zero_ubo);
        glDeleteQueries(1, &r->so_count_query);
        glDeleteBuffers(1, &r->scratch_index.id);
        eglMakeCurrent(r->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
        eglDestroyContext(r->display, r->context);
    }
    free(r->staging);
    if (r->display != EGL_NO_DISPLAY) {
        eglTerminate(r->display);
        eglReleaseThread();
    }
    free(r);
}

static uint64_t resource_bytes(const struct gl_resource *res) {
    const struct vgl_resource_args *a = &res->args;
    const uint64_t texel = res->fmt ? res->fmt->bytes : 1;
    const uint64_t layers = a->array_size ? a->array_size : 1;
    const uint64_t samples = res->host_samples ? res->host_samples : 1;
    return (uint64_t)a->width * (a->height ? a->height : 1) * (a->depth ? a->depth : 1) * layers *
           samples * texel;
}

void vgl_renderer_get_usage(struct vgl_renderer *r, struct vgl_renderer_usage *out) {
    *out = (struct vgl_renderer_usage){0};
    size_t pos = 0;
    uint32_t id;
    void *value;
    while (vgl_hash_map_next(&r->contexts, &pos, &id, &value)) {
        const struct gl_context *ctx = value;
        out->contexts++;
        out->resources += (uint32_t)ctx->resources.count;
        size_t rpos = 0;
        while (vgl_hash_map_next(&ctx->resources, &rpos, &id, &value)) {
            out->resource_bytes += resource_bytes(value);
        }
        size_t spos = 0;
        while (vgl_hash_map_next(&ctx->sub_ctxs, &spos, &id, &value)) {
            const struct gl_sub_ctx *sub = value;
            out->sub_contexts++;
            out->objects += (uint32_t)sub->objects.count;
            out->programs += sub->program_count;
        }
        for (const struct gl_fence *f = ctx->fences; f; f = f->next) {
            out->fences++;
        }
    }
    out->in_flight = r->throttle.count;
}

void vgl_renderer_set_hooks(struct vgl_renderer *r, const struct vgl_renderer_hooks *hooks,
                            void *user) {
    if (hooks) {
        r->hooks = *hooks;
    } else {
        r->hooks = (struct vgl_renderer_hooks){0};
    }
    r->hooks_user = user;
    vgl_gl_profile_update(r);
}

const char *vgl_renderer_get_name(const struct vgl_renderer *r) {
    return r->name;
}

enum vgl_status vgl_renderer_get_cap_set(struct vgl_renderer *r, uint32_t set,
                                         uint32_t *max_version, uint32_t *size) {
    switch (set) {
    case VGL_CAPSET_VIRGL:
        *max_version = 1;
        *size = VGL_CAPS_V1_SIZE;
        return VGL_OK;
    case VGL_CAPSET_VIRGL2:
        *max_version = 2;
        *size = VGL_CAPS_V2_SIZE;
        return VGL_OK;
    default:
        *max_version = 0;
        *size = 0;
        return VGL_ERROR_NOT_FOUND;
    }
}

enum vgl_status vgl_renderer_fill_caps(struct vgl_renderer *r, uint32_t set, void *dst,
                                       size_t dst_capacity) {
    uint32_t version, size;
    VGL_FORWARD_IF_ERROR(vgl_renderer_get_cap_set(r, set, &version, &size));
    VGL_RETURN_ERROR_IF(dst_capacity < size, VGL_ERROR_INVALID_ARGUMENT, "caps buffer of %zu",
                        dst_capacity);
    memcpy(dst, r->caps_v2, size);
    /* §5.1: the first dword of each set is its max_version. */
    vgl_put_le32(dst, version);
    return VGL_OK;
}

struct gl_context *vgl_gl_context_get(struct vgl_renderer *r, uint32_t ctx_id) {
    return vgl_hash_map_get(&r->contexts, ctx_id);
}

enum vgl_status vgl_renderer_context_create(struct vgl_renderer *r, uint32_t ctx_id,
                                            const char *name) {
    VGL_RETURN_ERROR_IF(ctx_id == 0, VGL_ERROR_INVALID_ARGUMENT, "context id 0");
    VGL_RETURN_ERROR_IF(vgl_gl_context_get(r, ctx_id), VGL_ERROR_EXISTS, "context %u", ctx_id);
    struct gl_context *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) {
        return VGL_ERROR_NO_MEMORY;
    }
    ctx->r = r;
    ctx->id = ctx_id;
    snprintf(ctx->name, sizeof(ctx->name), "%s", name ? name : "");
    vgl_hash_map_init(&ctx->resources);
    vgl_gl_sink_init(ctx);
    if (!ctx->sub || !vgl_hash_map_insert(&r->contexts, ctx_id, ctx)) {
        vgl_gl_sink_finish(ctx);
        vgl_hash_map_finish(&ctx->resources);
        free(ctx);
        return VGL_ERROR_NO_MEMORY;
    }
    vgl_gl_profile_attach(ctx);
    vgl_log(VGL_LOG_INFO, "context %u created (%s)", ctx_id, ctx->name);
    return VGL_OK;
}

static void free_fences(struct gl_context *ctx, bool signal) {
    while (ctx->fences) {
        struct gl_fence *f = ctx->fences;
        ctx->fences = f->next;
        if (signal && ctx->r->hooks.fence_retired) {
            ctx->r->hooks.fence_retired(ctx->r->hooks_user, ctx->id, f->id);
        }
        glDeleteSync(f->sync);
        free(f);
    }
    ctx->fences_tail = NULL;
}

void vgl_renderer_context_destroy(struct vgl_renderer *r, uint32_t ctx_id) {
    struct gl_context *ctx = vgl_hash_map_remove(&r->contexts, ctx_id);
    if (!ctx) {
        return;
    }
    vgl_gl_sink_finish(ctx); /* ends its queries */
    if (r->query_ctx == ctx) {
        r->query_ctx = NULL;
    }
    size_t pos = 0;
    uint32_t handle;
    void *value;
    while (vgl_hash_map_next(&ctx->resources, &pos, &handle, &value)) {
        vgl_gl_resource_unref(value);
    }
    vgl_hash_map_finish(&ctx->resources);
    free_fences(ctx, false);
    vgl_log(VGL_LOG_INFO, "context %u destroyed", ctx_id);
    free(ctx);
}

bool vgl_renderer_context_get_error(struct vgl_renderer *r, uint32_t ctx_id,
                                    struct vgl_context_error *out) {
    struct gl_context *ctx = vgl_gl_context_get(r, ctx_id);
    if (!ctx || !ctx->decoder.broken) {
        return false;
    }
    *out = ctx->decoder.error;
    return true;
}

enum vgl_status vgl_renderer_submit(struct vgl_renderer *r, uint32_t ctx_id, const uint32_t *cmds,
                                    size_t ndw) {
    struct gl_context *ctx = vgl_gl_context_get(r, ctx_id);
    VGL_RETURN_ERROR_IF(!ctx, VGL_ERROR_NOT_FOUND, "context %u", ctx_id);
    VGL_RETURN_ERROR_IF(ndw && !cmds, VGL_ERROR_INVALID_ARGUMENT, "NULL command buffer");
    vgl_seed_write("decode", cmds, ndw * 4);
    vgl_gl_queries_switch(r, ctx);
    const enum vgl_status status = vgl_decode_submit(&ctx->decoder, cmds, ndw);
    vgl_gl_profile_flush(r);
    return status;
}

enum vgl_status vgl_renderer_create_fence(struct vgl_renderer *r, uint32_t ctx_id,
                                          uint64_t fence_id) {
    struct gl_context *ctx = vgl_gl_context_get(r, ctx_id);
    VGL_RETURN_ERROR_IF(!ctx, VGL_ERROR_NOT_FOUND, "context %u", ctx_id);
    struct gl_fence *f = calloc(1, sizeof(*f));
    if (!f) {
        return VGL_ERROR_NO_MEMORY;
    }
    f->id = fence_id;
    f->sync = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    glFlush();
    if (ctx->fences_tail) {
        ctx->fences_tail->next = f;
    } else {
        ctx->fences = f;
    }
    ctx->fences_tail = f;
    return VGL_OK;
}

void vgl_renderer_poll(struct vgl_renderer *r) {
    size_t pos = 0;
    uint32_t id;
    void *value;
    while (vgl_hash_map_next(&r->contexts, &pos, &id, &value)) {
        struct gl_context *ctx = value;
        while (ctx->fences && glClientWaitSync(ctx->fences->sync, 0, 0) != GL_TIMEOUT_EXPIRED) {
            struct gl_fence *f = ctx->fences;
            ctx->fences = f->next;
            if (!ctx->fences) {
                ctx->fences_tail = NULL;
            }
            if (r->hooks.fence_retired) {
                r->hooks.fence_retired(r->hooks_user, ctx->id, f->id);
            }
            glDeleteSync(f->sync);
            free(f);
        }
    }
}

enum vgl_status vgl_renderer_wait_idle(struct vgl_renderer *r, uint32_t ctx_id) {
    struct gl_context *ctx = vgl_gl_context_get(r, ctx_id);
    VGL_RETURN_ERROR_IF(!ctx, VGL_ERROR_NOT_FOUND, "context %u", ctx_id);
    glFinish();
    vgl_gl_throttle_idle(r);
    free_fences(ctx, true);
    return VGL_OK;
}
