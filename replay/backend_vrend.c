/* SPDX-License-Identifier: MIT */
/*
 * The replay backend on upstream virglrenderer, loaded with dlopen so that the build does not
 * need it and a user can point at any build of it (--renderer-lib). The library's public ABI is
 * written out once, in protocol/vrend_abi.h, shared with the VMM-side interposer.
 *
 * virglrenderer differs from our renderer in ways this file hides: resource handles are global
 * rather than per context (a resource is attached to its context after creation, and unref'd
 * when its context goes away), it keeps the iovec array it is given (so each resource keeps its
 * own), read-backs land in the backing silently (the rows of the box are reported afterwards),
 * and it has one instance per process.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vgl/format.h>

#include "backend.h"
#include "protocol/vrend_abi.h"

#define VREND_DEFAULT_LIBRARY "libvirglrenderer.so.1"
/* Fence ids of our own (wait_idle) start here, far from the small ids guests use. */
#define PRIVATE_FENCE_BASE 0x70000000u

struct vr_resource {
    struct vr_resource *next;
    uint32_t ctx;
    struct vgl_resource_args args;
    struct iovec iov; /* the backing; virglrenderer keeps a pointer to it */
    bool backed;
};

struct vrend {
    struct backend base;
    struct vr_real api;
    struct vr_resource *resources;
    uint32_t retired_fence, private_fence;
};

static bool vrend_in_use; /* virglrenderer has one instance per process */

static struct vrend *V(struct backend *b) {
    return (struct vrend *)b;
}

static enum vgl_status status_of(int rc) {
    return rc == 0 ? VGL_OK : VGL_ERROR_INVALID_ARGUMENT;
}

static void on_debug(const char *fmt, va_list ap) {
    fputs("virglrenderer: ", stderr);
    vfprintf(stderr, fmt, ap);
}

static void on_fence(void *cookie, uint32_t fence) {
    struct vrend *v = cookie;
    if (fence > v->retired_fence || fence >= PRIVATE_FENCE_BASE) {
        v->retired_fence = fence;
    }
}

static struct vr_resource *find(struct vrend *v, uint32_t handle) {
    for (struct vr_resource *r = v->resources; r; r = r->next) {
        if (r->args.handle == handle) {
            return r;
        }
    }
    return NULL;
}

/* The resource `handle` of context `ctx`, or NULL. */
static struct vr_resource *find_in(struct vrend *v, uint32_t ctx, uint32_t handle) {
    struct vr_resource *r = find(v, handle);
    return r && r->ctx == ctx ? r : NULL;
}

static void release(struct vrend *v, struct vr_resource *r) {
    if (r->backed) {
        struct iovec *iov = NULL;
        int n = 0;
        v->api.resource_detach_iov((int)r->args.handle, &iov, &n);
    }
    v->api.ctx_detach_resource((int)r->ctx, (int)r->args.handle);
    v->api.resource_unref(r->args.handle);
    for (struct vr_resource **p = &v->resources; *p; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            break;
        }
    }
    free(r);
}

static enum vgl_status vr_context_create(struct backend *b, uint32_t ctx, const char *name) {
    return status_of(V(b)->api.context_create(ctx, (uint32_t)strlen(name), name));
}

static void vr_context_destroy(struct backend *b, uint32_t ctx) {
    struct vrend *v = V(b);
    v->api.context_destroy(ctx);
    for (struct vr_resource *r = v->resources, *next; r; r = next) {
        next = r->next;
        if (r->ctx == ctx) {
            release(v, r);
        }
    }
}

static enum vgl_status vr_resource_create(struct backend *b, uint32_t ctx,
                                          const struct vgl_resource_args *a) {
    struct vrend *v = V(b);
    if (a->handle == 0 || find(v, a->handle)) {
        /* Handles are global here: two contexts cannot both have this one. */
        fprintf(stderr, "virgl-replay: resource %u of context %u already exists on virglrenderer\n",
                a->handle, ctx);
        return VGL_ERROR_EXISTS;
    }
    struct vr_resource *r = calloc(1, sizeof(*r));
    if (!r) {
        return VGL_ERROR_NO_MEMORY;
    }
    struct vr_create_args args = {a->handle,     a->target,     a->format, a->bind,
                                  a->width,      a->height,     a->depth,  a->array_size,
                                  a->last_level, a->nr_samples, a->flags};
    const int rc = v->api.resource_create(&args, NULL, 0);
    if (rc != 0) {
        free(r);
        return status_of(rc);
    }
    v->api.ctx_attach_resource((int)ctx, (int)a->handle);
    r->ctx = ctx;
    r->args = *a;
    r->next = v->resources;
    v->resources = r;
    return VGL_OK;
}

static enum vgl_status vr_resource_unref(struct backend *b, uint32_t ctx, uint32_t handle) {
    struct vr_resource *r = find_in(V(b), ctx, handle);
    if (!r) {
        return VGL_ERROR_NOT_FOUND;
    }
    release(V(b), r);
    return VGL_OK;
}

static enum vgl_status vr_attach(struct backend *b, uint32_t ctx, uint32_t handle,
                                 const struct iovec *iov) {
    struct vr_resource *r = find_in(V(b), ctx, handle);
    if (!r) {
        return VGL_ERROR_NOT_FOUND;
    }
    if (r->backed) {
        return VGL_ERROR_EXISTS;
    }
    r->iov = *iov;
    const int rc = V(b)->api.resource_attach_iov((int)handle, &r->iov, 1);
    r->backed = rc == 0;
    return status_of(rc);
}

static enum vgl_status vr_detach(struct backend *b, uint32_t ctx, uint32_t handle) {
    struct vr_resource *r = find_in(V(b), ctx, handle);
    if (!r) {
        return VGL_ERROR_NOT_FOUND;
    }
    if (r->backed) {
        struct iovec *iov = NULL;
        int n = 0;
        V(b)->api.resource_detach_iov((int)handle, &iov, &n);
        r->backed = false;
    }
    return VGL_OK;
}

static enum vgl_status vr_transfer(struct backend *b, uint32_t ctx, const struct vgl_transfer *t,
                                   bool read) {
    struct vrend *v = V(b);
    struct vr_resource *r = find_in(v, ctx, t->handle);
    struct vgl_transfer_layout lay;
    if (!r || !vgl_transfer_layout(&r->args, t, &lay)) {
        return r ? VGL_ERROR_INVALID_ARGUMENT : VGL_ERROR_NOT_FOUND;
    }
    struct vr_box box = {(uint32_t)t->box.x, (uint32_t)t->box.y, (uint32_t)t->box.z,
                         (uint32_t)t->box.w, (uint32_t)t->box.h, (uint32_t)t->box.d};
    const uint32_t stride = (uint32_t)lay.stride, layer_stride = (uint32_t)lay.layer_stride;
    int rc;
    if (!read) {
        return status_of(v->api.transfer_write_iov(t->handle, ctx, (int)t->level, stride,
                                                   layer_stride, &box, t->offset, NULL, 0));
    }
    rc = v->api.transfer_read_iov(t->handle, ctx, t->level, stride, layer_stride, &box, t->offset,
                                  NULL, 0);
    if (rc != 0 || !r->backed || !b->hooks.backing_written) {
        return status_of(rc);
    }
    /* Report the rows of the box, as our renderer does while it writes them. */
    const uint8_t *mem = r->iov.iov_base;
    for (uint64_t z = 0; z < lay.layers; z++) {
        for (uint64_t y = 0; y < lay.rows; y++) {
            const uint64_t off = t->offset + z * lay.layer_stride + y * lay.stride;
            if (off > r->iov.iov_len || lay.row_bytes > r->iov.iov_len - off) {
                return VGL_OK; /* virglrenderer accepted a box our rule puts outside */
            }
            b->hooks.backing_written(b->hooks_user, ctx, t->handle, off, mem + off,
                                     (size_t)lay.row_bytes);
        }
    }
    return VGL_OK;
}

static enum vgl_status vr_write(struct backend *b, uint32_t ctx, const struct vgl_transfer *t) {
    return vr_transfer(b, ctx, t, false);
}

static enum vgl_status vr_read(struct backend *b, uint32_t ctx, const struct vgl_transfer *t) {
    return vr_transfer(b, ctx, t, true);
}

static enum vgl_status vr_submit(struct backend *b, uint32_t ctx, const uint32_t *cmds,
                                 uint32_t ndw) {
    return status_of(V(b)->api.submit_cmd((void *)cmds, (int)ctx, (int)ndw));
}

static enum vgl_status vr_fence(struct backend *b, uint32_t ctx, uint64_t id) {
    struct vrend *v = V(b);
    const int rc = v->api.create_fence((int)(uint32_t)id, ctx);
    v->api.poll();
    return status_of(rc);
}

static enum vgl_status vr_wait_idle(struct backend *b, uint32_t ctx) {
    struct vrend *v = V(b);
    const uint32_t id = PRIVATE_FENCE_BASE + (v->private_fence++ & 0xffffff);
    if (v->api.create_fence((int)id, ctx) != 0) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    /* Fences retire in order; poll every 20 us (a replay waits for the GPU here, so a coarse
     * sleep would be measured as renderer time) and give up after ten seconds rather than hang
     * on a lost GPU. */
    for (int i = 0; i < 500000 && v->retired_fence != id; i++) {
        v->api.poll();
        if (v->retired_fence != id) {
            nanosleep(&(struct timespec){0, 20000}, NULL);
        }
    }
    return v->retired_fence == id ? VGL_OK : VGL_ERROR_HOST_GL;
}

/* Handles are global here: the owner's resource is attached to one more context, as
 * virgl_renderer_ctx_attach_resource does for a VMM that shares it. */
static enum vgl_status vr_ctx_attach(struct backend *b, uint32_t ctx, uint32_t handle,
                                     uint32_t owner) {
    struct vrend *v = V(b);
    if (!find_in(v, owner, handle)) {
        return VGL_ERROR_NOT_FOUND;
    }
    v->api.ctx_attach_resource((int)ctx, (int)handle);
    return VGL_OK;
}

static void vr_destroy(struct backend *b) {
    struct vrend *v = V(b);
    while (v->resources) {
        release(v, v->resources);
    }
    v->api.cleanup(v);
    /* The library stays loaded: Mesa's host driver under it registers exit handlers. */
    vrend_in_use = false;
    free(v);
}

static const struct backend_ops vrend_ops = {
        .destroy = vr_destroy,
        .context_create = vr_context_create,
        .context_destroy = vr_context_destroy,
        .resource_create = vr_resource_create,
        .resource_unref = vr_resource_unref,
        .attach_backing = vr_attach,
        .detach_backing = vr_detach,
        .transfer_write = vr_write,
        .transfer_read = vr_read,
        .submit = vr_submit,
        .create_fence = vr_fence,
        .wait_idle = vr_wait_idle,
        .ctx_attach = vr_ctx_attach,
};

/* What this backend calls; a library without one of them is refused. */
static const char *const required[] = {
        "virgl_renderer_init",
        "virgl_renderer_cleanup",
        "virgl_renderer_poll",
        "virgl_renderer_context_create",
        "virgl_renderer_context_destroy",
        "virgl_renderer_submit_cmd",
        "virgl_renderer_resource_create",
        "virgl_renderer_resource_unref",
        "virgl_renderer_resource_attach_iov",
        "virgl_renderer_resource_detach_iov",
        "virgl_renderer_transfer_read_iov",
        "virgl_renderer_transfer_write_iov",
        "virgl_renderer_create_fence",
        "virgl_renderer_ctx_attach_resource",
        "virgl_renderer_ctx_detach_resource",
        "virgl_set_debug_callback",
        NULL,
};

enum vgl_status backend_vrend_create(const char *library, const struct vgl_renderer_hooks *hooks,
                                     void *hooks_user, struct backend **out, char *why,
                                     size_t why_size) {
    *out = NULL;
    if (vrend_in_use) {
        snprintf(why, why_size, "virglrenderer is already running in this process");
        return VGL_ERROR_UNSUPPORTED;
    }
    const char *path = library ? library : VREND_DEFAULT_LIBRARY;
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(why, why_size, "cannot load %s: %s%s", path, dlerror(),
                 library ? "" : " (Debian: apt-get install libvirglrenderer1)");
        return VGL_ERROR_UNSUPPORTED;
    }
    struct vrend *v = calloc(1, sizeof(*v));
    if (!v) {
        return VGL_ERROR_NO_MEMORY;
    }
    const char *missing = vr_real_resolve(lib, &v->api, required);
    if (missing) {
        snprintf(why, why_size, "the library has no %s", missing);
        free(v);
        return VGL_ERROR_UNSUPPORTED;
    }
    v->api.set_debug_callback(on_debug);
    static struct vr_callbacks callbacks = {.version = 1, .write_fence = on_fence};
    if (v->api.init(v, VR_USE_EGL | VR_USE_SURFACELESS, &callbacks) != 0) {
        snprintf(why, why_size, "virglrenderer found no usable EGL/GL device");
        free(v);
        return VGL_ERROR_NO_DEVICE;
    }
    vrend_in_use = true;
    v->base.ops = &vrend_ops;
    v->base.name = "virglrenderer";
    v->base.hooks = *hooks;
    v->base.hooks_user = hooks_user;
    *out = &v->base;
    return VGL_OK;
}
