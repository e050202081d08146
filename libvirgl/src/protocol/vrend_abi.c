/* SPDX-License-Identifier: MIT */
/* Looking up upstream virglrenderer's functions by name (vrend_abi.h). */
#include "protocol/vrend_abi.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

static const struct {
    const char *name;
    size_t offset;
} functions[] = {
#define FN(field)                                                                                  \
    { "virgl_renderer_" #field, offsetof(struct vr_real, field) }
        FN(init),
        FN(cleanup),
        FN(reset),
        FN(poll),
        FN(get_cap_set),
        FN(fill_caps),
        FN(context_create),
        FN(context_create_with_flags),
        FN(context_destroy),
        FN(submit_cmd),
        FN(resource_create),
        FN(resource_import_eglimage),
        FN(resource_create_blob),
        FN(resource_unref),
        FN(resource_attach_iov),
        FN(resource_detach_iov),
        FN(resource_get_info),
        FN(resource_get_info_ext),
        FN(transfer_read_iov),
        FN(transfer_write_iov),
        FN(create_fence),
        FN(context_create_fence),
        FN(ctx_attach_resource),
        FN(ctx_detach_resource),
#undef FN
        {"virgl_set_debug_callback", offsetof(struct vr_real, set_debug_callback)},
};

const char *vr_real_resolve(void *lib, struct vr_real *out, const char *const *required) {
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
        void *fn = dlsym(lib, functions[i].name);
        memcpy((char *)out + functions[i].offset, &fn, sizeof(fn));
    }
    for (const char *const *name = required; name && *name; name++) {
        if (!dlsym(lib, *name)) {
            return *name;
        }
    }
    return NULL;
}
