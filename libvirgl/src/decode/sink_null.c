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

static enum vgl_status ok_blend(struct vgl_sink *s, const struct vgl_cmd_blend *cmd) {
    return VGL_OK;
}
static enum vgl_status ok_rasterizer(struct vgl_sink *s, const struct vgl_cmd_rasterizer *cmd) {
    return VGL_OK;
}
static enum vgl_status ok_dsa(struct vgl_sink *s, const struct vgl_cmd_dsa *cmd) {
    return VGL_OK;
}
static enum vgl_status ok_ve(struct vgl_sink *s, const struct vgl_cmd_vertex_elements *cmd) {
    return VGL_OK;
}
static enum vgl_status ok_view(struct vgl_sink *s, const struct vgl_cmd_sampler_view *cmd) {
    return VGL_OK;
}
static enum vgl_status ok_sampler(struct vgl_sink *s, const struct vgl_cmd_sampler_state *cmd) {
    return VGL_OK;
}
static enum vgl_status ok_shader(struct vgl_sink *s, const struct vgl_cmd_shader *cmd) {
    return VGL_OK;
}
static enum vgl_status ok_query(struct vgl_sink *s, const struct vgl_cmd_query *cmd) {
    return VGL_OK;
}
static enum vgl_status ok_so_target(struct vgl_sink *s, const struct vgl_cmd_so_target *cmd) {
    return VGL_OK;
}
static enum vgl_status ok_so_targets(struct vgl_sink *s, uint32_t append, uint32_t count,
                                     const uint32_t *handles) {
    return VGL_OK;
}
static enum vgl_status ok_bind(struct vgl_sink *s, uint32_t a, uint32_t b) {
    return VGL_OK;
}
static enum vgl_status ok_viewport(struct vgl_sink *s, uint32_t start, uint32_t count,
                                   const float *v) {
    return VGL_OK;
}
static enum vgl_status ok_slots(struct vgl_sink *s, uint32_t start, uint32_t count,
                                const uint32_t *v) {
    return VGL_OK;
}
static enum vgl_status ok_vbs(struct vgl_sink *s, uint32_t count,
                              const struct vgl_vertex_buffer *vbs) {
    return VGL_OK;
}
static enum vgl_status ok_ib(struct vgl_sink *s, uint32_t res, uint32_t size, uint32_t offset) {
    return VGL_OK;
}
static enum vgl_status ok_stage_slots(struct vgl_sink *s, uint32_t stage, uint32_t start,
                                      uint32_t count, const uint32_t *v) {
    return VGL_OK;
}
static enum vgl_status ok_consts(struct vgl_sink *s, uint32_t stage, uint32_t index,
                                 const uint32_t *data, uint32_t dwords) {
    return VGL_OK;
}
static enum vgl_status ok_stencil_ref(struct vgl_sink *s, uint8_t f, uint8_t b) {
    return VGL_OK;
}
static enum vgl_status ok_color(struct vgl_sink *s, const float c[4]) {
    return VGL_OK;
}
static enum vgl_status ok_clip(struct vgl_sink *s, const float p[8][4]) {
    return VGL_OK;
}
static enum vgl_status ok_stipple(struct vgl_sink *s, const uint32_t rows[32]) {
    return VGL_OK;
}
static enum vgl_status ok_draw(struct vgl_sink *s, const struct vgl_cmd_draw *cmd) {
    return VGL_OK;
}
static enum vgl_status ok_query_result(struct vgl_sink *s, uint32_t handle, bool wait) {
    return VGL_OK;
}
static enum vgl_status ok_condition(struct vgl_sink *s, uint32_t handle, bool condition,
                                    uint32_t mode) {
    return VGL_OK;
}
static enum vgl_status ok_ubo(struct vgl_sink *s, uint32_t stage, uint32_t index, uint32_t offset,
                              uint32_t length, uint32_t res) {
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
        .create_blend = ok_blend,
        .create_rasterizer = ok_rasterizer,
        .create_dsa = ok_dsa,
        .create_vertex_elements = ok_ve,
        .create_sampler_view = ok_view,
        .create_sampler_state = ok_sampler,
        .create_shader = ok_shader,
        .create_query = ok_query,
        .create_so_target = ok_so_target,
        .set_so_targets = ok_so_targets,
        .bind_object = ok_bind,
        .bind_shader = ok_bind,
        .set_viewport_state = ok_viewport,
        .set_scissor_state = ok_slots,
        .set_vertex_buffers = ok_vbs,
        .set_index_buffer = ok_ib,
        .set_constant_buffer = ok_consts,
        .set_sampler_views = ok_stage_slots,
        .bind_sampler_states = ok_stage_slots,
        .set_stencil_ref = ok_stencil_ref,
        .set_blend_color = ok_color,
        .set_clip_state = ok_clip,
        .set_polygon_stipple = ok_stipple,
        .set_sample_mask = ok_id,
        .draw_vbo = ok_draw,
        .begin_query = ok_id,
        .end_query = ok_id,
        .get_query_result = ok_query_result,
        .set_render_condition = ok_condition,
        .set_uniform_buffer = ok_ubo,
        .texture_barrier = ok_id,
};
