/* SPDX-License-Identifier: MIT */
/* Shared by the decoder's files: the bounds-checked payload reader and the handler context. */
#ifndef VGL_DECODE_INTERNAL_H
#define VGL_DECODE_INTERNAL_H

#include <string.h>

#include "decode/decoder.h"

struct reader {
    const uint32_t *p;
    uint32_t len;
    uint32_t pos;
};

static inline bool rd(struct reader *r, uint32_t *out) {
    if (r->pos >= r->len) {
        return false;
    }
    *out = r->p[r->pos++];
    return true;
}

static inline bool rd_i32(struct reader *r, int32_t *out) {
    uint32_t v;
    if (!rd(r, &v)) {
        return false;
    }
    memcpy(out, &v, sizeof(v));
    return true;
}

static inline bool rd_box(struct reader *r, struct vgl_box *b) {
    return rd_i32(r, &b->x) && rd_i32(r, &b->y) && rd_i32(r, &b->z) && rd_i32(r, &b->w) &&
           rd_i32(r, &b->h) && rd_i32(r, &b->d);
}

struct decode_call {
    struct vgl_decoder *dec;
    uint32_t obj_type;
    struct reader r;
};

typedef enum vgl_status (*decode_fn)(struct decode_call *c);

struct cmd_desc {
    const char *name;
    uint32_t min_dwords, max_dwords;
    uint32_t base, step;
    decode_fn decode;
};

static inline enum vgl_status short_read(struct decode_call *c) {
    return vgl_sink_set_error(c->dec->sink, VGL_ERROR_MALFORMED, "payload shorter than needed");
}

#define READ(c, expr)                                                                              \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            return short_read(c);                                                                  \
        }                                                                                          \
    } while (0)

static inline struct vgl_sink *sink(struct decode_call *c) {
    return c->dec->sink;
}

static inline bool rd_f32(struct reader *r, float *out) {
    uint32_t v;
    if (!rd(r, &v)) {
        return false;
    }
    memcpy(out, &v, sizeof(v));
    return true;
}

/* Handlers of decode_state.c, referenced by the command table. */
enum vgl_status vgl_decode_bind_object(struct decode_call *c);
enum vgl_status vgl_decode_create_so_target(struct decode_call *c);
enum vgl_status vgl_decode_set_so_targets(struct decode_call *c);
enum vgl_status vgl_decode_bind_shader(struct decode_call *c);
enum vgl_status vgl_decode_set_viewport_state(struct decode_call *c);
enum vgl_status vgl_decode_set_scissor_state(struct decode_call *c);
enum vgl_status vgl_decode_set_vertex_buffers(struct decode_call *c);
enum vgl_status vgl_decode_set_index_buffer(struct decode_call *c);
enum vgl_status vgl_decode_set_constant_buffer(struct decode_call *c);
enum vgl_status vgl_decode_set_sampler_views(struct decode_call *c);
enum vgl_status vgl_decode_bind_sampler_states(struct decode_call *c);
enum vgl_status vgl_decode_set_stencil_ref(struct decode_call *c);
enum vgl_status vgl_decode_set_blend_color(struct decode_call *c);
enum vgl_status vgl_decode_set_clip_state(struct decode_call *c);
enum vgl_status vgl_decode_set_polygon_stipple(struct decode_call *c);
enum vgl_status vgl_decode_set_sample_mask(struct decode_call *c);
enum vgl_status vgl_decode_set_render_condition(struct decode_call *c);
enum vgl_status vgl_decode_set_uniform_buffer(struct decode_call *c);
enum vgl_status vgl_decode_texture_barrier(struct decode_call *c);
enum vgl_status vgl_decode_draw_vbo(struct decode_call *c);
enum vgl_status vgl_decode_begin_query(struct decode_call *c);
enum vgl_status vgl_decode_end_query(struct decode_call *c);
enum vgl_status vgl_decode_get_query_result(struct decode_call *c);
enum vgl_status vgl_decode_create_blend(struct decode_call *c);
enum vgl_status vgl_decode_create_rasterizer(struct decode_call *c);
enum vgl_status vgl_decode_create_dsa(struct decode_call *c);
enum vgl_status vgl_decode_create_vertex_elements(struct decode_call *c);
enum vgl_status vgl_decode_create_sampler_view(struct decode_call *c);
enum vgl_status vgl_decode_create_sampler_state(struct decode_call *c);
enum vgl_status vgl_decode_create_shader(struct decode_call *c);
enum vgl_status vgl_decode_create_query(struct decode_call *c);

#endif
