/* SPDX-License-Identifier: MIT */
/* The test encoder: one function per command, payloads exactly as protocol-facts §2.5. */
#include "encode.h"

#include <assert.h>
#include <string.h>

#include "protocol/virgl_protocol.h"

void enc_reset(struct enc *e) {
    e->n = 0;
}

void enc_cmd(struct enc *e, uint32_t id, uint32_t obj, const uint32_t *payload, uint32_t len) {
    assert(e->n + 1 + len <= ENC_MAX_DWORDS);
    e->buf[e->n++] = VGL_CMD_HEADER(id, obj, len);
    if (len) {
        memcpy(e->buf + e->n, payload, (size_t)len * 4);
    }
    e->n += len;
}

uint32_t enc_f(float f) {
    uint32_t v;
    memcpy(&v, &f, sizeof(v));
    return v;
}

void enc_sub_ctx(struct enc *e, uint32_t id) {
    enc_cmd(e, VGL_CCMD_CREATE_SUB_CTX, 0, &id, 1);
    enc_cmd(e, VGL_CCMD_SET_SUB_CTX, 0, &id, 1);
}

void enc_surface(struct enc *e, uint32_t handle, uint32_t res, uint32_t format) {
    const uint32_t p[5] = {handle, res, format, 0, 0};
    enc_cmd(e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SURFACE, p, 5);
}

void enc_framebuffer(struct enc *e, uint32_t zsurf, uint32_t nr_cbufs, const uint32_t *cbufs) {
    uint32_t p[2 + VGL_MAX_COLOR_BUFS] = {nr_cbufs, zsurf};
    memcpy(p + 2, cbufs, nr_cbufs * 4);
    enc_cmd(e, VGL_CCMD_SET_FRAMEBUFFER_STATE, 0, p, 2 + nr_cbufs);
}

void enc_clear(struct enc *e, uint32_t buffers, const float rgba[4], double depth,
               uint32_t stencil) {
    uint64_t d;
    memcpy(&d, &depth, sizeof(d));
    const uint32_t p[8] = {buffers,        enc_f(rgba[0]), enc_f(rgba[1]),      enc_f(rgba[2]),
                           enc_f(rgba[3]), (uint32_t)d,    (uint32_t)(d >> 32), stencil};
    enc_cmd(e, VGL_CCMD_CLEAR, 0, p, 8);
}

void enc_viewport(struct enc *e, float x, float y, float w, float h) {
    const uint32_t p[7] = {0,           enc_f(w / 2),     enc_f(h / 2),
                           enc_f(0.5f), enc_f(x + w / 2), enc_f(y + h / 2),
                           enc_f(0.5f)};
    enc_cmd(e, VGL_CCMD_SET_VIEWPORT_STATE, 0, p, 7);
}

void enc_shader(struct enc *e, uint32_t handle, uint32_t stage, const char *tgsi) {
    static uint32_t p[4096];
    const size_t bytes = strlen(tgsi) + 1;
    const uint32_t dwords = (uint32_t)((bytes + 3) / 4);
    assert(5 + dwords <= 4096);
    memset(p, 0, sizeof(p));
    p[0] = handle;
    p[1] = stage;
    p[2] = (uint32_t)bytes;
    p[3] = 100;
    p[4] = 0;
    memcpy(p + 5, tgsi, bytes);
    enc_cmd(e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SHADER, p, 5 + dwords);
}

void enc_shader_so(struct enc *e, uint32_t handle, uint32_t stage, const char *tgsi,
                   uint32_t num_outputs, const uint32_t stride[4], const uint32_t *outputs) {
    static uint32_t p[4096];
    const size_t bytes = strlen(tgsi) + 1;
    const uint32_t dwords = (uint32_t)((bytes + 3) / 4);
    const uint32_t head = 5 + 4 + 2 * num_outputs;
    assert(head + dwords <= 4096);
    memset(p, 0, sizeof(p));
    p[0] = handle;
    p[1] = stage;
    p[2] = (uint32_t)bytes;
    p[3] = 100;
    p[4] = num_outputs;
    memcpy(p + 5, stride, 16);
    memcpy(p + 9, outputs, 8 * num_outputs);
    memcpy(p + head, tgsi, bytes);
    enc_cmd(e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SHADER, p, head + dwords);
}

uint32_t enc_so_output(uint32_t reg, uint32_t start, uint32_t num, uint32_t buffer,
                       uint32_t dst_offset) {
    return reg | start << 8 | num << 10 | buffer << 13 | dst_offset << 16;
}

void enc_so_target(struct enc *e, uint32_t handle, uint32_t res, uint32_t offset, uint32_t size) {
    const uint32_t p[4] = {handle, res, offset, size};
    enc_cmd(e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_STREAMOUT_TARGET, p, 4);
}

void enc_set_so_targets(struct enc *e, uint32_t count, const uint32_t *handles) {
    uint32_t p[5] = {0};
    memcpy(p + 1, handles, 4 * count);
    enc_cmd(e, VGL_CCMD_SET_STREAMOUT_TARGETS, 0, p, 1 + count);
}

void enc_bind_shader(struct enc *e, uint32_t handle, uint32_t stage) {
    const uint32_t p[2] = {handle, stage};
    enc_cmd(e, VGL_CCMD_BIND_SHADER, 0, p, 2);
}

void enc_vertex_elements(struct enc *e, uint32_t handle, uint32_t count, const uint32_t (*el)[4]) {
    uint32_t p[1 + 4 * 32] = {handle};
    memcpy(p + 1, el, count * 16);
    enc_cmd(e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_VERTEX_ELEMENTS, p, 1 + 4 * count);
}

void enc_bind(struct enc *e, uint32_t obj_type, uint32_t handle) {
    enc_cmd(e, VGL_CCMD_BIND_OBJECT, obj_type, &handle, 1);
}

void enc_vertex_buffer(struct enc *e, uint32_t stride, uint32_t offset, uint32_t res) {
    const uint32_t p[3] = {stride, offset, res};
    enc_cmd(e, VGL_CCMD_SET_VERTEX_BUFFERS, 0, p, 3);
}

void enc_constants(struct enc *e, uint32_t stage, const float *values, uint32_t count) {
    uint32_t p[2 + 256] = {stage, 0};
    assert(count <= 256);
    for (uint32_t i = 0; i < count; i++) {
        p[2 + i] = enc_f(values[i]);
    }
    enc_cmd(e, VGL_CCMD_SET_CONSTANT_BUFFER, 0, p, 2 + count);
}

void enc_blend(struct enc *e, uint32_t handle, bool alpha_blend) {
    uint32_t p[11] = {handle, 0, 12};
    for (int i = 0; i < 8; i++) {
        p[3 + i] = 0x78000000; /* colormask RGBA, blending off (protocol-facts §2.5) */
    }
    if (alpha_blend) {
        p[3] = 0x7cc62631; /* glBlendFunc(SRC_ALPHA, ONE_MINUS_SRC_ALPHA), observed */
    }
    enc_cmd(e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_BLEND, p, 11);
}

void enc_dsa(struct enc *e, uint32_t handle, bool depth_test, uint32_t depth_func) {
    const uint32_t p[5] = {handle, depth_test ? (1u | 2u | depth_func << 2) : 0, 0, 0, 0};
    enc_cmd(e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_DSA, p, 5);
}

void enc_rasterizer(struct enc *e, uint32_t handle, bool flatshade) {
    /* Observed default S0 0x20000002 (depth_clip, half_pixel_center), with front_ccw. */
    const uint32_t s0 = 0x20000002u | 1u << 15 | (flatshade ? 1u : 0u);
    const uint32_t p[9] = {handle, s0, enc_f(1.0f), 0, 0xffff, enc_f(1.0f), 0, 0, 0};
    enc_cmd(e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_RASTERIZER, p, 9);
}

void enc_sampler_view(struct enc *e, uint32_t handle, uint32_t res, uint32_t format) {
    const uint32_t p[6] = {handle, res, format, 0, 0, 0x688};
    enc_cmd(e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SAMPLER_VIEW, p, 6);
}

void enc_sampler_state(struct enc *e, uint32_t handle, bool linear) {
    /* wrap CLAMP_TO_EDGE (2) on s, t, r; mip filter NONE (2) */
    uint32_t s0 = 2u | 2u << 3 | 2u << 6 | 2u << 11;
    if (linear) {
        s0 |= 1u << 9 | 1u << 13;
    }
    const uint32_t p[9] = {handle, s0, 0, 0, enc_f(1000.0f), 0, 0, 0, 0};
    enc_cmd(e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SAMPLER_STATE, p, 9);
}

void enc_set_sampler_views(struct enc *e, uint32_t stage, uint32_t count, const uint32_t *h) {
    uint32_t p[2 + 32] = {stage, 0};
    memcpy(p + 2, h, count * 4);
    enc_cmd(e, VGL_CCMD_SET_SAMPLER_VIEWS, 0, p, 2 + count);
}

void enc_bind_sampler_states(struct enc *e, uint32_t stage, uint32_t count, const uint32_t *h) {
    uint32_t p[2 + 32] = {stage, 0};
    memcpy(p + 2, h, count * 4);
    enc_cmd(e, VGL_CCMD_BIND_SAMPLER_STATES, 0, p, 2 + count);
}

void enc_draw(struct enc *e, uint32_t mode, uint32_t start, uint32_t count, bool indexed) {
    const uint32_t p[12] = {
            start, count, mode, indexed, 1, 0, 0, 0, 0, 0, indexed ? 0xffffffffu : count - 1, 0};
    enc_cmd(e, VGL_CCMD_DRAW_VBO, 0, p, 12);
}

void enc_transfer3d(struct enc *e, uint32_t res, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
                    uint32_t offset) {
    const uint32_t p[13] = {res, 0, 2, 0, 0, x, y, 0, w, h, 1, offset, 1};
    enc_cmd(e, VGL_CCMD_TRANSFER3D, 0, p, 13);
}

void enc_transfer3d_full(struct enc *e, const struct enc_transfer *t) {
    const uint32_t p[13] = {t->res,         t->level,        2,
                            t->stride,      t->layer_stride, (uint32_t)t->x,
                            (uint32_t)t->y, (uint32_t)t->z,  (uint32_t)t->w,
                            (uint32_t)t->h, (uint32_t)t->d,  t->offset,
                            t->direction};
    enc_cmd(e, VGL_CCMD_TRANSFER3D, 0, p, 13);
}

void enc_shader_chunk(struct enc *e, uint32_t handle, uint32_t stage, uint32_t offlen,
                      const void *text, uint32_t bytes) {
    static uint32_t p[ENC_MAX_DWORDS];
    const uint32_t dwords = (bytes + 3) / 4;
    assert(6 + dwords <= ENC_MAX_DWORDS);
    memset(p, 0, (5 + (size_t)dwords) * 4);
    p[0] = handle;
    p[1] = stage;
    p[2] = offlen;
    p[3] = 100;
    p[4] = 0;
    memcpy(p + 5, text, bytes);
    enc_cmd(e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SHADER, p, 5 + dwords);
}

void enc_viewports(struct enc *e, uint32_t start, uint32_t count) {
    uint32_t p[1 + 6 * 16] = {start};
    assert(count <= 16);
    for (uint32_t i = 0; i < count; i++) {
        const float v[6] = {16.0f, 16.0f, 0.5f, 16.0f, 16.0f, 0.5f};
        for (int k = 0; k < 6; k++) {
            p[1 + 6 * i + (uint32_t)k] = enc_f(v[k]);
        }
    }
    enc_cmd(e, VGL_CCMD_SET_VIEWPORT_STATE, 0, p, 1 + 6 * count);
}

void enc_scissors(struct enc *e, uint32_t start, uint32_t count) {
    uint32_t p[1 + 2 * 16] = {start};
    assert(count <= 16);
    for (uint32_t i = 0; i < count; i++) {
        p[1 + 2 * i] = 0;
        p[2 + 2 * i] = 32u | 32u << 16;
    }
    enc_cmd(e, VGL_CCMD_SET_SCISSOR_STATE, 0, p, 1 + 2 * count);
}

void enc_vertex_buffers(struct enc *e, uint32_t count, const uint32_t (*vbs)[3]) {
    uint32_t p[3 * 32];
    assert(count <= 32);
    memcpy(p, vbs, (size_t)count * 12);
    enc_cmd(e, VGL_CCMD_SET_VERTEX_BUFFERS, 0, p, 3 * count);
}

void enc_constants_at(struct enc *e, uint32_t stage, uint32_t index, const float *values,
                      uint32_t count) {
    uint32_t p[2 + 256] = {stage, index};
    assert(count <= 256);
    for (uint32_t i = 0; i < count; i++) {
        p[2 + i] = enc_f(values[i]);
    }
    enc_cmd(e, VGL_CCMD_SET_CONSTANT_BUFFER, 0, p, 2 + count);
}

void enc_sampler_views_at(struct enc *e, uint32_t stage, uint32_t start, uint32_t count,
                          const uint32_t *h) {
    uint32_t p[2 + 32] = {stage, start};
    assert(count <= 32);
    memcpy(p + 2, h, (size_t)count * 4);
    enc_cmd(e, VGL_CCMD_SET_SAMPLER_VIEWS, 0, p, 2 + count);
}

void enc_sampler_states_at(struct enc *e, uint32_t stage, uint32_t start, uint32_t count,
                           const uint32_t *h) {
    uint32_t p[2 + 32] = {stage, start};
    assert(count <= 32);
    memcpy(p + 2, h, (size_t)count * 4);
    enc_cmd(e, VGL_CCMD_BIND_SAMPLER_STATES, 0, p, 2 + count);
}

void enc_destroy(struct enc *e, uint32_t obj_type, uint32_t handle) {
    enc_cmd(e, VGL_CCMD_DESTROY_OBJECT, obj_type, &handle, 1);
}

void enc_surface_at(struct enc *e, uint32_t handle, uint32_t res, uint32_t format, uint32_t level,
                    uint32_t first_layer, uint32_t last_layer) {
    const uint32_t p[5] = {handle, res, format, level, first_layer | last_layer << 16};
    enc_cmd(e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SURFACE, p, 5);
}

void enc_copy_region(struct enc *e, uint32_t dst, uint32_t dst_level, int32_t dx, int32_t dy,
                     int32_t dz, uint32_t src, uint32_t src_level, const int32_t box[6]) {
    uint32_t p[13] = {dst, dst_level, (uint32_t)dx, (uint32_t)dy, (uint32_t)dz, src, src_level};
    for (int i = 0; i < 6; i++) {
        p[7 + i] = (uint32_t)box[i];
    }
    enc_cmd(e, VGL_CCMD_RESOURCE_COPY_REGION, 0, p, 13);
}
