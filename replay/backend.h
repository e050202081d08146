/* SPDX-License-Identifier: MIT */
/*
 * The renderer a replay drives: ours (backend_vgl.c, libvirgl) or upstream virglrenderer loaded
 * at run time (backend_vrend.c). Both take the calls a trace records, with the same arguments,
 * and report every byte a read-back puts into guest memory through `backing_written`, in the
 * order the rows lie in the box, so a frame's checksum means the same on both.
 */
#ifndef VGL_REPLAY_BACKEND_H
#define VGL_REPLAY_BACKEND_H

#include <sys/uio.h>

#include <vgl/renderer.h>

enum backend_kind {
    BACKEND_VGL,
    BACKEND_VIRGLRENDERER,
};

struct backend;

struct backend_ops {
    void (*destroy)(struct backend *b);
    enum vgl_status (*context_create)(struct backend *b, uint32_t ctx, const char *name);
    void (*context_destroy)(struct backend *b, uint32_t ctx);
    enum vgl_status (*resource_create)(struct backend *b, uint32_t ctx,
                                       const struct vgl_resource_args *args);
    enum vgl_status (*resource_unref)(struct backend *b, uint32_t ctx, uint32_t handle);
    enum vgl_status (*attach_backing)(struct backend *b, uint32_t ctx, uint32_t handle,
                                      const struct iovec *iov);
    enum vgl_status (*detach_backing)(struct backend *b, uint32_t ctx, uint32_t handle);
    enum vgl_status (*transfer_write)(struct backend *b, uint32_t ctx,
                                      const struct vgl_transfer *t);
    enum vgl_status (*transfer_read)(struct backend *b, uint32_t ctx, const struct vgl_transfer *t);
    enum vgl_status (*submit)(struct backend *b, uint32_t ctx, const uint32_t *cmds, uint32_t ndw);
    enum vgl_status (*create_fence)(struct backend *b, uint32_t ctx, uint64_t id);
    enum vgl_status (*wait_idle)(struct backend *b, uint32_t ctx);
    /* CTX_ATTACH: context ctx also uses resource `handle` of context `owner`;
     * VGL_ERROR_UNSUPPORTED where resources are per context (ours). */
    enum vgl_status (*ctx_attach)(struct backend *b, uint32_t ctx, uint32_t handle, uint32_t owner);
};

struct backend {
    const struct backend_ops *ops;
    const char *name; /* "vgl", "virglrenderer" */
    /* Our renderer, for the features only it has (GPU timing, object events, usage counts);
     * NULL on other backends. */
    struct vgl_renderer *vgl;
    /* Statuses are vgl_status values that a capture can have recorded; false when the backend
     * only knows success from failure (then only that is compared). */
    bool exact_status;
    struct vgl_renderer_hooks hooks;
    void *hooks_user;
};

struct backend_options {
    enum backend_kind kind;
    const char *library; /* virglrenderer: the shared library to load; NULL for the system's */
    enum vgl_host_api host_api; /* vgl: the host API (VGL_HOST_API_AUTO: VGL_HOST_API, then GL) */
};

/*
 * Start a renderer. VGL_ERROR_NO_DEVICE or VGL_ERROR_HOST_GL: no usable host GL;
 * VGL_ERROR_UNSUPPORTED: the renderer is not on this machine (a sentence naming what is missing
 * is written to why).
 */
enum vgl_status backend_create(const struct backend_options *opts,
                               const struct vgl_renderer_hooks *hooks, void *hooks_user,
                               struct backend **out, char *why, size_t why_size);
void backend_destroy(struct backend *b); /* NULL: no-op */

/* "vgl" or "virglrenderer" into a kind; false for anything else. */
bool backend_parse_kind(const char *text, enum backend_kind *out);

enum vgl_status backend_vgl_create(enum vgl_host_api host_api,
                                   const struct vgl_renderer_hooks *hooks, void *hooks_user,
                                   struct backend **out);
enum vgl_status backend_vrend_create(const char *library, const struct vgl_renderer_hooks *hooks,
                                     void *hooks_user, struct backend **out, char *why,
                                     size_t why_size);

#endif
