/* SPDX-License-Identifier: MIT */
/*
 * Upstream virglrenderer's public ABI (virglrenderer.h of 0.10.4 and later, callbacks version 1),
 * written out for the two parts that meet the real library without building against it: the
 * replay backend that loads it (replay/backend_vrend.c) and the interposer that records a VMM's
 * calls into it (capture/vrend_capture.c). Structures the toolkit never looks into are void *.
 */
#ifndef VGL_VREND_ABI_H
#define VGL_VREND_ABI_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/uio.h>

#define VR_EXPORT __attribute__((visibility("default")))

#define VR_USE_EGL         1u
#define VR_USE_SURFACELESS (1u << 3)

struct vr_box {
    uint32_t x, y, z, w, h, d;
};

struct vr_create_args {
    uint32_t handle, target, format, bind, width, height, depth, array_size, last_level, nr_samples,
            flags;
};

struct vr_callbacks {
    int version;
    void (*write_fence)(void *cookie, uint32_t fence);
    void *(*create_gl_context)(void *cookie, int scanout, void *param);
    void (*destroy_gl_context)(void *cookie, void *ctx);
    int (*make_current)(void *cookie, int scanout, void *ctx);
};

typedef void (*vr_debug_fn)(const char *fmt, va_list ap);

/* The library's functions; NULL where the loaded library lacks one. */
struct vr_real {
    int (*init)(void *cookie, int flags, void *callbacks);
    void (*cleanup)(void *cookie);
    void (*reset)(void);
    void (*poll)(void);
    void (*get_cap_set)(uint32_t set, uint32_t *max_ver, uint32_t *max_size);
    void (*fill_caps)(uint32_t set, uint32_t version, void *caps);
    int (*context_create)(uint32_t handle, uint32_t nlen, const char *name);
    int (*context_create_with_flags)(uint32_t ctx_id, uint32_t flags, uint32_t nlen,
                                     const char *name);
    void (*context_destroy)(uint32_t handle);
    int (*submit_cmd)(void *buffer, int ctx_id, int ndw);
    int (*resource_create)(struct vr_create_args *args, struct iovec *iov, uint32_t n);
    int (*resource_import_eglimage)(struct vr_create_args *args, void *image);
    int (*resource_create_blob)(const void *args);
    void (*resource_unref)(uint32_t handle);
    int (*resource_attach_iov)(int handle, struct iovec *iov, int n);
    void (*resource_detach_iov)(int handle, struct iovec **iov, int *n);
    int (*resource_get_info)(int handle, void *info);
    int (*resource_get_info_ext)(int handle, void *info);
    int (*transfer_read_iov)(uint32_t handle, uint32_t ctx, uint32_t level, uint32_t stride,
                             uint32_t layer_stride, struct vr_box *box, uint64_t offset,
                             struct iovec *iov, int n);
    int (*transfer_write_iov)(uint32_t handle, uint32_t ctx, int level, uint32_t stride,
                              uint32_t layer_stride, struct vr_box *box, uint64_t offset,
                              struct iovec *iov, unsigned int n);
    int (*create_fence)(int fence, uint32_t ctx);
    /* ring_idx is a u32 in 0.10.4 and a u64 queue id later: passed on as the wider type. */
    int (*context_create_fence)(uint32_t ctx, uint32_t flags, uint64_t ring_idx, uint64_t fence_id);
    void (*ctx_attach_resource)(int ctx, int handle);
    void (*ctx_detach_resource)(int ctx, int handle);
    vr_debug_fn (*set_debug_callback)(vr_debug_fn cb);
};

/* Look every function up in `lib` (a dlopen handle). Returns the name of the first function
 * of `required` (a NULL-terminated list of names) that is missing, or NULL when all are there. */
const char *vr_real_resolve(void *lib, struct vr_real *out, const char *const *required);

#endif
