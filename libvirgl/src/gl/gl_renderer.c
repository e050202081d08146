/* SPDX-License-Identifier: MIT */
/*
 * The renderer object: contexts, submission and fences, on the host context gl_host.c makes
 * (EGL surfaceless, desktop GL 3.3 core or GLES 3.1+).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/debug.h"
#include "common/seed.h"
#include "common/util.h"
#include "gl/gl_internal.h"

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
    const char *const hide_ext =
            opts && opts->hide_extensions ? opts->hide_extensions : getenv("VGL_HIDE_EXTENSIONS");
    if (hide_ext && !(r->hidden_extensions = strdup(hide_ext))) {
        vgl_renderer_destroy(r);
        return VGL_ERROR_NO_MEMORY;
    }
    r->limits.hide_extensions = NULL;
    enum vgl_status status = vgl_gl_host_init(r, opts ? opts->host_api : VGL_HOST_API_AUTO);
    if (status != VGL_OK) {
        vgl_renderer_destroy(r);
        return status;
    }
    vgl_log(VGL_LOG_INFO, "renderer on %s, %s %d", r->name, r->gles ? "GLES" : "GL",
            epoxy_gl_version());
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
        glDeleteBuffers(VGL_ARRAY_SIZE(r->scratch_doubles), r->scratch_doubles);
        vgl_gl_blit_draw_finish(r);
        eglMakeCurrent(r->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
        eglDestroyContext(r->display, r->context);
    }
    free(r->staging);
    if (r->display != EGL_NO_DISPLAY) {
        eglTerminate(r->display);
        eglReleaseThread();
    }
    free(r->hidden_extensions);
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

enum vgl_host_api vgl_renderer_get_host_api(const struct vgl_renderer *r) {
    return r->gles ? VGL_HOST_API_GLES : VGL_HOST_API_GL;
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
