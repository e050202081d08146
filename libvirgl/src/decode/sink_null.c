/* SPDX-License-Identifier: MIT */
/* The null sink: accepts every well-formed command and does nothing (validation, fuzzing). */
#include "decode/decoder.h"

static enum vgl_status ok_id(struct vgl_sink *s, uint32_t id) {
    return VGL_OK;
}

static enum vgl_status ok_surface(struct vgl_sink *s, const struct vgl_cmd_surface *cmd) {
    return VGL_OK;
}

static enum vgl_status ok_destroy(struct vgl_sink *s, uint32_t type, uint32_t handle) {
    return VGL_OK;
}

static enum vgl_status ok_fb(struct vgl_sink *s, const struct vgl_cmd_framebuffer *cmd) {
    return VGL_OK;
}

static enum vgl_status ok_no_attach(struct vgl_sink *s, uint32_t w, uint32_t h, uint32_t layers,
                                    uint32_t samples) {
    return VGL_OK;
}

static enum vgl_status ok_clear(struct vgl_sink *s, const struct vgl_cmd_clear *cmd) {
    return VGL_OK;
}

static enum vgl_status ok_transfer(struct vgl_sink *s, const struct vgl_cmd_transfer3d *cmd) {
    return VGL_OK;
}

static enum vgl_status ok_copy(struct vgl_sink *s, const struct vgl_cmd_copy_region *cmd) {
    return VGL_OK;
}

static enum vgl_status ok_blit(struct vgl_sink *s, const struct vgl_cmd_blit *cmd) {
    return VGL_OK;
}

const struct vgl_sink_impl vgl_null_sink_impl = {
        .name = "null",
        .create_sub_ctx = ok_id,
        .destroy_sub_ctx = ok_id,
        .set_sub_ctx = ok_id,
        .create_surface = ok_surface,
        .destroy_object = ok_destroy,
        .set_framebuffer_state = ok_fb,
        .set_framebuffer_no_attach = ok_no_attach,
        .clear = ok_clear,
        .transfer3d = ok_transfer,
        .resource_copy_region = ok_copy,
        .blit = ok_blit,
};
