/* SPDX-License-Identifier: MIT */
/*
 * A small guest-side encoder for virgl command buffers, laid out as protocol-facts §2.5 says
 * Mesa 22.3.6 lays them out. For tests: it builds what a real guest would send, and also
 * malformed variants of it.
 */
#ifndef VGL_TEST_ENCODE_H
#define VGL_TEST_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENC_MAX_DWORDS 66560

struct enc {
    uint32_t buf[ENC_MAX_DWORDS];
    size_t n;
};

void enc_reset(struct enc *e);
/* One command: header (id, object type, len) then `len` payload dwords. */
void enc_cmd(struct enc *e, uint32_t id, uint32_t obj, const uint32_t *payload, uint32_t len);
uint32_t enc_f(float f);

void enc_sub_ctx(struct enc *e, uint32_t id); /* CREATE_SUB_CTX + SET_SUB_CTX */
void enc_surface(struct enc *e, uint32_t handle, uint32_t res, uint32_t format);
void enc_framebuffer(struct enc *e, uint32_t zsurf, uint32_t nr_cbufs, const uint32_t *cbufs);
void enc_clear(struct enc *e, uint32_t buffers, const float rgba[4], double depth,
               uint32_t stencil);
void enc_viewport(struct enc *e, float x, float y, float w, float h);
/* A shader from TGSI text (one chunk, NUL included in the length). */
void enc_shader(struct enc *e, uint32_t handle, uint32_t stage, const char *tgsi);
/* The same with stream output (§3.2): strides in dwords, then 2 dwords per output (A, stream). */
void enc_shader_so(struct enc *e, uint32_t handle, uint32_t stage, const char *tgsi,
                   uint32_t num_outputs, const uint32_t stride[4], const uint32_t *outputs);
/* Dword A of a stream output. */
uint32_t enc_so_output(uint32_t reg, uint32_t start, uint32_t num, uint32_t buffer,
                       uint32_t dst_offset);
void enc_so_target(struct enc *e, uint32_t handle, uint32_t res, uint32_t offset, uint32_t size);
void enc_set_so_targets(struct enc *e, uint32_t count, const uint32_t *handles);
void enc_bind_shader(struct enc *e, uint32_t handle, uint32_t stage);
/* Vertex elements: each element is {offset, divisor, vb index, format}. */
void enc_vertex_elements(struct enc *e, uint32_t handle, uint32_t count, const uint32_t (*el)[4]);
void enc_bind(struct enc *e, uint32_t obj_type, uint32_t handle);
void enc_vertex_buffer(struct enc *e, uint32_t stride, uint32_t offset, uint32_t res);
void enc_constants(struct enc *e, uint32_t stage, const float *values, uint32_t count);
/* BLEND with blending off and all channels written, or src-alpha/one-minus-src-alpha. */
void enc_blend(struct enc *e, uint32_t handle, bool alpha_blend);
void enc_dsa(struct enc *e, uint32_t handle, bool depth_test, uint32_t depth_func);
void enc_rasterizer(struct enc *e, uint32_t handle, bool flatshade);
void enc_sampler_view(struct enc *e, uint32_t handle, uint32_t res, uint32_t format);
void enc_sampler_state(struct enc *e, uint32_t handle, bool linear);
void enc_set_sampler_views(struct enc *e, uint32_t stage, uint32_t count, const uint32_t *h);
void enc_bind_sampler_states(struct enc *e, uint32_t stage, uint32_t count, const uint32_t *h);
void enc_draw(struct enc *e, uint32_t mode, uint32_t start, uint32_t count, bool indexed);
void enc_transfer3d(struct enc *e, uint32_t res, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
                    uint32_t offset);

/* Everything a hostile guest may vary, as the guest lays it out. */
struct enc_transfer {
    uint32_t res, level, stride, layer_stride;
    int32_t x, y, z, w, h, d;
    uint32_t offset, direction; /* direction 1: to host */
};
void enc_transfer3d_full(struct enc *e, const struct enc_transfer *t);
/* One CREATE_OBJECT/SHADER chunk with the guest's offlen (bit 31: continuation) and exactly
 * `bytes` bytes of text, padded with zeros to whole dwords (no NUL added). */
void enc_shader_chunk(struct enc *e, uint32_t handle, uint32_t stage, uint32_t offlen,
                      const void *text, uint32_t bytes);
/* SET_VIEWPORT_STATE / SET_SCISSOR_STATE of `count` sane entries from slot `start`. */
void enc_viewports(struct enc *e, uint32_t start, uint32_t count);
void enc_scissors(struct enc *e, uint32_t start, uint32_t count);
/* SET_VERTEX_BUFFERS of `count` buffers {stride, offset, res}. */
void enc_vertex_buffers(struct enc *e, uint32_t count, const uint32_t (*vbs)[3]);
/* SET_CONSTANT_BUFFER to any slot. */
void enc_constants_at(struct enc *e, uint32_t stage, uint32_t index, const float *values,
                      uint32_t count);
/* SET_SAMPLER_VIEWS / BIND_SAMPLER_STATES from any start slot. */
void enc_sampler_views_at(struct enc *e, uint32_t stage, uint32_t start, uint32_t count,
                          const uint32_t *h);
void enc_sampler_states_at(struct enc *e, uint32_t stage, uint32_t start, uint32_t count,
                           const uint32_t *h);
void enc_destroy(struct enc *e, uint32_t obj_type, uint32_t handle);
/* SURFACE with a level and a layer range. */
void enc_surface_at(struct enc *e, uint32_t handle, uint32_t res, uint32_t format, uint32_t level,
                    uint32_t first_layer, uint32_t last_layer);
/* RESOURCE_COPY_REGION: src box {x, y, z, w, h, d}. */
void enc_copy_region(struct enc *e, uint32_t dst, uint32_t dst_level, int32_t dx, int32_t dy,
                     int32_t dz, uint32_t src, uint32_t src_level, const int32_t box[6]);
#endif
