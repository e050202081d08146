/* SPDX-License-Identifier: MIT */
/* The replay backend on our own renderer: every call goes straight to libvirgl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

/* Vertices between the renderer's fences (VGL_DEFAULT_QUEUED_VERTICES serves a guest). */
#define REPLAY_QUEUED_VERTICES (64u << 10)

static struct vgl_renderer *R(struct backend *b) {
    return b->vgl;
}

static void vgl_destroy(struct backend *b) {
    vgl_renderer_destroy(b->vgl);
    free(b);
}

static enum vgl_status vgl_context_create(struct backend *b, uint32_t ctx, const char *name) {
    return vgl_renderer_context_create(R(b), ctx, name);
}

static void vgl_context_destroy(struct backend *b, uint32_t ctx) {
    vgl_renderer_context_destroy(R(b), ctx);
}

static enum vgl_status vgl_resource_create(struct backend *b, uint32_t ctx,
                                           const struct vgl_resource_args *args) {
    return vgl_renderer_resource_create(R(b), ctx, args);
}

static enum vgl_status vgl_resource_unref(struct backend *b, uint32_t ctx, uint32_t handle) {
    return vgl_renderer_resource_unref(R(b), ctx, handle);
}

static enum vgl_status vgl_attach(struct backend *b, uint32_t ctx, uint32_t handle,
                                  const struct iovec *iov) {
    return vgl_renderer_resource_attach_backing(R(b), ctx, handle, iov, 1);
}

static enum vgl_status vgl_detach(struct backend *b, uint32_t ctx, uint32_t handle) {
    return vgl_renderer_resource_detach_backing(R(b), ctx, handle);
}

static enum vgl_status vgl_write(struct backend *b, uint32_t ctx, const struct vgl_transfer *t) {
    return vgl_renderer_transfer_write(R(b), ctx, t);
}

static enum vgl_status vgl_read(struct backend *b, uint32_t ctx, const struct vgl_transfer *t) {
    return vgl_renderer_transfer_read(R(b), ctx, t);
}

static enum vgl_status vgl_submit(struct backend *b, uint32_t ctx, const uint32_t *cmds,
                                  uint32_t ndw) {
    return vgl_renderer_submit(R(b), ctx, cmds, ndw);
}

static enum vgl_status vgl_fence(struct backend *b, uint32_t ctx, uint64_t id) {
    const enum vgl_status st = vgl_renderer_create_fence(R(b), ctx, id);
    vgl_renderer_poll(R(b));
    return st;
}

static enum vgl_status vgl_wait_idle(struct backend *b, uint32_t ctx) {
    return vgl_renderer_wait_idle(R(b), ctx);
}

/* Our resources live in one context's namespace: there is no sharing to replay. */
static enum vgl_status vgl_ctx_attach(struct backend *b, uint32_t ctx, uint32_t handle,
                                      uint32_t owner) {
    (void)b;
    (void)ctx;
    (void)handle;
    (void)owner;
    return VGL_ERROR_UNSUPPORTED;
}

static const struct backend_ops vgl_ops = {
        .destroy = vgl_destroy,
        .context_create = vgl_context_create,
        .context_destroy = vgl_context_destroy,
        .resource_create = vgl_resource_create,
        .resource_unref = vgl_resource_unref,
        .attach_backing = vgl_attach,
        .detach_backing = vgl_detach,
        .transfer_write = vgl_write,
        .transfer_read = vgl_read,
        .submit = vgl_submit,
        .create_fence = vgl_fence,
        .wait_idle = vgl_wait_idle,
        .ctx_attach = vgl_ctx_attach,
};

enum vgl_status backend_vgl_create(enum vgl_host_api host_api,
                                   const struct vgl_renderer_hooks *hooks, void *hooks_user,
                                   struct backend **out) {
    *out = NULL;
    struct backend *b = calloc(1, sizeof(*b));
    if (!b) {
        return VGL_ERROR_NO_MEMORY;
    }
    /* No guest to overlap with: a shallow queue in the host driver keeps memory flat however
     * long the trace (about a tenth slower than the server's depth on llvmpipe). */
    const struct vgl_renderer_options opts = {.queued_vertices = REPLAY_QUEUED_VERTICES,
                                              .host_api = host_api};
    const enum vgl_status st = vgl_renderer_create(&opts, &b->vgl);
    if (st != VGL_OK) {
        free(b);
        return st;
    }
    b->ops = &vgl_ops;
    b->name = "vgl";
    b->exact_status = true;
    b->hooks = *hooks;
    b->hooks_user = hooks_user;
    vgl_renderer_set_hooks(b->vgl, hooks, hooks_user);
    *out = b;
    return VGL_OK;
}

enum vgl_status backend_create(const struct backend_options *opts,
                               const struct vgl_renderer_hooks *hooks, void *hooks_user,
                               struct backend **out, char *why, size_t why_size) {
    if (opts->kind == BACKEND_VIRGLRENDERER) {
        return backend_vrend_create(opts->library, hooks, hooks_user, out, why, why_size);
    }
    snprintf(why, why_size, "our renderer cannot start");
    return backend_vgl_create(opts->host_api, hooks, hooks_user, out);
}

void backend_destroy(struct backend *b) {
    if (b) {
        b->ops->destroy(b);
    }
}

bool backend_parse_kind(const char *text, enum backend_kind *out) {
    if (strcmp(text, "vgl") == 0) {
        *out = BACKEND_VGL;
    } else if (strcmp(text, "virglrenderer") == 0) {
        *out = BACKEND_VIRGLRENDERER;
    } else {
        return false;
    }
    return true;
}
