/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for upstream libvirglrenderer with its ABI (vrend_abi.h) and no GL: what the
 * interposer test loads through VGL_CAPTURE_LIB. Every function succeeds unless the test sets a
 * return code; read-backs fill the attached backing with a known pattern.
 */
#include <string.h>

#include "protocol/vrend_abi.h"

#define FAKE_RESOURCES 64

struct fake_vrend {
    int rc; /* returned by every int function */
    int calls;
    struct iovec *iov[FAKE_RESOURCES];
    int iov_count[FAKE_RESOURCES];
};

static struct fake_vrend fake;

#pragma GCC diagnostic ignored "-Wmissing-prototypes"

VR_EXPORT struct fake_vrend *fake_vrend_state(void) {
    return &fake;
}

/* The byte a read-back writes at `offset` of resource `handle`'s backing. */
VR_EXPORT unsigned char fake_vrend_pattern(unsigned handle, unsigned long long offset) {
    return (unsigned char)(offset * 7u + handle);
}

VR_EXPORT int virgl_renderer_init(void *cookie, int flags, void *cb) {
    fake.calls++;
    return fake.rc;
}
VR_EXPORT void virgl_renderer_cleanup(void *cookie) {
    fake.calls++;
}
VR_EXPORT void virgl_renderer_reset(void) {
    fake.calls++;
    memset(fake.iov, 0, sizeof(fake.iov));
}
VR_EXPORT void virgl_renderer_poll(void) {
}
VR_EXPORT void virgl_renderer_get_cap_set(uint32_t set, uint32_t *max_ver, uint32_t *max_size) {
    *max_ver = set == 2 ? 2 : 1;
    *max_size = set == 2 ? 1376 : 308;
}
VR_EXPORT void virgl_renderer_fill_caps(uint32_t set, uint32_t version, void *caps) {
    memset(caps, 0x5a, set == 2 ? 1376 : 308);
}
VR_EXPORT int virgl_renderer_context_create(uint32_t handle, uint32_t nlen, const char *name) {
    fake.calls++;
    return fake.rc;
}
VR_EXPORT int virgl_renderer_context_create_with_flags(uint32_t id, uint32_t flags, uint32_t nlen,
                                                       const char *name) {
    fake.calls++;
    return fake.rc;
}
VR_EXPORT void virgl_renderer_context_destroy(uint32_t handle) {
    fake.calls++;
}
VR_EXPORT int virgl_renderer_submit_cmd(void *buffer, int ctx_id, int ndw) {
    fake.calls++;
    return fake.rc;
}
VR_EXPORT int virgl_renderer_resource_create(struct vr_create_args *args, struct iovec *iov,
                                             uint32_t n) {
    fake.calls++;
    if (fake.rc == 0 && args->handle < FAKE_RESOURCES) {
        fake.iov[args->handle] = iov;
        fake.iov_count[args->handle] = (int)n;
    }
    return fake.rc;
}
VR_EXPORT int virgl_renderer_resource_import_eglimage(struct vr_create_args *args, void *image) {
    return fake.rc;
}
VR_EXPORT int virgl_renderer_resource_create_blob(const void *args) {
    fake.calls++;
    return fake.rc;
}
VR_EXPORT void virgl_renderer_resource_unref(uint32_t handle) {
    fake.calls++;
    if (handle < FAKE_RESOURCES) {
        fake.iov[handle] = NULL;
    }
}
VR_EXPORT int virgl_renderer_resource_attach_iov(int handle, struct iovec *iov, int n) {
    fake.calls++;
    if (fake.rc == 0 && handle >= 0 && handle < FAKE_RESOURCES) {
        fake.iov[handle] = iov;
        fake.iov_count[handle] = n;
    }
    return fake.rc;
}
VR_EXPORT void virgl_renderer_resource_detach_iov(int handle, struct iovec **iov, int *n) {
    fake.calls++;
    if (handle >= 0 && handle < FAKE_RESOURCES) {
        if (iov) {
            *iov = fake.iov[handle];
        }
        if (n) {
            *n = fake.iov_count[handle];
        }
        fake.iov[handle] = NULL;
    }
}
VR_EXPORT int virgl_renderer_resource_get_info(int handle, void *info) {
    fake.calls++;
    return fake.rc;
}
VR_EXPORT int virgl_renderer_transfer_read_iov(uint32_t handle, uint32_t ctx, uint32_t level,
                                               uint32_t stride, uint32_t layer_stride,
                                               struct vr_box *box, uint64_t offset,
                                               struct iovec *iov, int n) {
    fake.calls++;
    if (fake.rc == 0 && handle < FAKE_RESOURCES && !iov && fake.iov[handle]) {
        unsigned long long at = 0;
        for (int i = 0; i < fake.iov_count[handle]; i++) {
            unsigned char *p = fake.iov[handle][i].iov_base;
            for (size_t k = 0; k < fake.iov[handle][i].iov_len; k++, at++) {
                p[k] = fake_vrend_pattern(handle, at);
            }
        }
    }
    return fake.rc;
}
VR_EXPORT int virgl_renderer_transfer_write_iov(uint32_t handle, uint32_t ctx, int level,
                                                uint32_t stride, uint32_t layer_stride,
                                                struct vr_box *box, uint64_t offset,
                                                struct iovec *iov, unsigned int n) {
    fake.calls++;
    return fake.rc;
}
VR_EXPORT int virgl_renderer_create_fence(int fence, uint32_t ctx) {
    fake.calls++;
    return fake.rc;
}
VR_EXPORT int virgl_renderer_context_create_fence(uint32_t ctx, uint32_t flags, uint64_t ring,
                                                  uint64_t fence_id) {
    fake.calls++;
    return fake.rc;
}
VR_EXPORT void virgl_renderer_ctx_attach_resource(int ctx, int handle) {
    fake.calls++;
}
VR_EXPORT void virgl_renderer_ctx_detach_resource(int ctx, int handle) {
    fake.calls++;
}
