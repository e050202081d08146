/* SPDX-License-Identifier: MIT */
/*
 * Handlers for state objects, state commands, draws and queries: unpack each payload exactly as
 * protocol-facts §2.5 lays it out and call the sink. Lengths were checked by the table already;
 * every read still goes through the bounds-checked reader.
 */
#include "decode/decode_internal.h"

static uint32_t bits(uint32_t v, unsigned shift, unsigned width) {
    return (v >> shift) & ((1u << width) - 1);
}

/* §2.5 BLEND (len 11): handle, S0, S1, then 8 render-target dwords. */
enum vgl_status vgl_decode_create_blend(struct decode_call *c) {
    struct vgl_cmd_blend b = {0};
    uint32_t s0, s1;
    READ(c, rd(&c->r, &b.handle) && rd(&c->r, &s0) && rd(&c->r, &s1));
    b.independent_blend_enable = bits(s0, 0, 1);
    b.logicop_enable = bits(s0, 1, 1);
    b.dither = bits(s0, 2, 1);
    b.alpha_to_coverage = bits(s0, 3, 1);
    b.alpha_to_one = bits(s0, 4, 1);
    b.logicop_func = (uint8_t)bits(s1, 0, 4);
    for (uint32_t i = 0; i < VGL_MAX_COLOR_BUFS; i++) {
        uint32_t v;
        READ(c, rd(&c->r, &v));
        b.rt[i] = (struct vgl_rt_blend){
                .blend_enable = bits(v, 0, 1),
                .rgb_func = (uint8_t)bits(v, 1, 3),
                .rgb_src_factor = (uint8_t)bits(v, 4, 5),
                .rgb_dst_factor = (uint8_t)bits(v, 9, 5),
                .alpha_func = (uint8_t)bits(v, 14, 3),
                .alpha_src_factor = (uint8_t)bits(v, 17, 5),
                .alpha_dst_factor = (uint8_t)bits(v, 22, 5),
                .colormask = (uint8_t)bits(v, 27, 4),
        };
    }
    return sink(c)->impl->create_blend(sink(c), &b);
}

/* §2.5 RASTERIZER (len 9). */
enum vgl_status vgl_decode_create_rasterizer(struct decode_call *c) {
    struct vgl_cmd_rasterizer r = {0};
    uint32_t s0, s3;
    READ(c, rd(&c->r, &r.handle) && rd(&c->r, &s0) && rd_f32(&c->r, &r.point_size) &&
                    rd(&c->r, &r.sprite_coord_enable) && rd(&c->r, &s3) &&
                    rd_f32(&c->r, &r.line_width) && rd_f32(&c->r, &r.offset_units) &&
                    rd_f32(&c->r, &r.offset_scale) && rd_f32(&c->r, &r.offset_clamp));
    r.flatshade = bits(s0, 0, 1);
    r.depth_clip = bits(s0, 1, 1);
    r.clip_halfz = bits(s0, 2, 1);
    r.rasterizer_discard = bits(s0, 3, 1);
    r.flatshade_first = bits(s0, 4, 1);
    r.light_twoside = bits(s0, 5, 1);
    r.sprite_coord_mode_upper_left = bits(s0, 6, 1) == 0; /* PIPE_SPRITE_COORD_UPPER_LEFT = 0 */
    r.point_quad_rasterization = bits(s0, 7, 1);
    r.cull_face = (uint8_t)bits(s0, 8, 2);
    r.fill_front = (uint8_t)bits(s0, 10, 2);
    r.fill_back = (uint8_t)bits(s0, 12, 2);
    r.scissor = bits(s0, 14, 1);
    r.front_ccw = bits(s0, 15, 1);
    r.clamp_vertex_color = bits(s0, 16, 1);
    r.clamp_fragment_color = bits(s0, 17, 1);
    r.offset_line = bits(s0, 18, 1);
    r.offset_point = bits(s0, 19, 1);
    r.offset_tri = bits(s0, 20, 1);
    r.poly_smooth = bits(s0, 21, 1);
    r.poly_stipple_enable = bits(s0, 22, 1);
    r.point_smooth = bits(s0, 23, 1);
    r.point_size_per_vertex = bits(s0, 24, 1);
    r.multisample = bits(s0, 25, 1);
    r.line_smooth = bits(s0, 26, 1);
    r.line_stipple_enable = bits(s0, 27, 1);
    r.line_last_pixel = bits(s0, 28, 1);
    r.half_pixel_center = bits(s0, 29, 1);
    r.bottom_edge_rule = bits(s0, 30, 1);
    r.line_stipple_pattern = (uint16_t)bits(s3, 0, 16);
    r.line_stipple_factor = (uint8_t)bits(s3, 16, 8);
    r.clip_plane_enable = (uint8_t)bits(s3, 24, 8);
    return sink(c)->impl->create_rasterizer(sink(c), &r);
}

static struct vgl_stencil_state stencil(uint32_t v) {
    return (struct vgl_stencil_state){
            .enabled = bits(v, 0, 1),
            .func = (uint8_t)bits(v, 1, 3),
            .fail_op = (uint8_t)bits(v, 4, 3),
            .zpass_op = (uint8_t)bits(v, 7, 3),
            .zfail_op = (uint8_t)bits(v, 10, 3),
            .valuemask = (uint8_t)bits(v, 13, 8),
            .writemask = (uint8_t)bits(v, 21, 8),
    };
}

/* §2.5 DSA (len 5). */
enum vgl_status vgl_decode_create_dsa(struct decode_call *c) {
    struct vgl_cmd_dsa d = {0};
    uint32_t s0, front, back;
    READ(c, rd(&c->r, &d.handle) && rd(&c->r, &s0) && rd(&c->r, &front) && rd(&c->r, &back) &&
                    rd_f32(&c->r, &d.alpha_ref));
    d.depth_enabled = bits(s0, 0, 1);
    d.depth_writemask = bits(s0, 1, 1);
    d.depth_func = (uint8_t)bits(s0, 2, 3);
    d.alpha_enabled = bits(s0, 8, 1);
    d.alpha_func = (uint8_t)bits(s0, 9, 3);
    d.stencil[0] = stencil(front);
    d.stencil[1] = stencil(back);
    return sink(c)->impl->create_dsa(sink(c), &d);
}

/* §2.5 VERTEX_ELEMENTS (len 1 + 4n; the table checked 1 + 4n <= 1 + 4 * 32). */
enum vgl_status vgl_decode_create_vertex_elements(struct decode_call *c) {
    struct vgl_cmd_vertex_elements ve = {0};
    READ(c, rd(&c->r, &ve.handle));
    ve.count = (c->r.len - 1) / 4;
    for (uint32_t i = 0; i < ve.count; i++) {
        struct vgl_vertex_element *e = &ve.elements[i];
        READ(c, rd(&c->r, &e->src_offset) && rd(&c->r, &e->instance_divisor) &&
                        rd(&c->r, &e->vertex_buffer_index) && rd(&c->r, &e->format));
    }
    return sink(c)->impl->create_vertex_elements(sink(c), &ve);
}

/* §2.5 SAMPLER_VIEW (len 6). */
enum vgl_status vgl_decode_create_sampler_view(struct decode_call *c) {
    struct vgl_cmd_sampler_view v = {0};
    uint32_t fmt, swz;
    READ(c, rd(&c->r, &v.handle) && rd(&c->r, &v.res) && rd(&c->r, &fmt) && rd(&c->r, &v.p3) &&
                    rd(&c->r, &v.p4) && rd(&c->r, &swz));
    v.format = fmt & 0xffffff;
    v.target = fmt >> 24;
    for (int i = 0; i < 4; i++) {
        v.swizzle[i] = (uint8_t)bits(swz, 3 * (unsigned)i, 3);
    }
    return sink(c)->impl->create_sampler_view(sink(c), &v);
}

/* §2.5 SAMPLER_STATE (len 9). */
enum vgl_status vgl_decode_create_sampler_state(struct decode_call *c) {
    struct vgl_cmd_sampler_state s = {0};
    uint32_t s0;
    READ(c, rd(&c->r, &s.handle) && rd(&c->r, &s0) && rd_f32(&c->r, &s.lod_bias) &&
                    rd_f32(&c->r, &s.min_lod) && rd_f32(&c->r, &s.max_lod));
    for (int i = 0; i < 4; i++) {
        READ(c, rd(&c->r, &s.border_color[i]));
    }
    s.wrap_s = (uint8_t)bits(s0, 0, 3);
    s.wrap_t = (uint8_t)bits(s0, 3, 3);
    s.wrap_r = (uint8_t)bits(s0, 6, 3);
    s.min_img_filter = (uint8_t)bits(s0, 9, 2);
    s.min_mip_filter = (uint8_t)bits(s0, 11, 2);
    s.mag_img_filter = (uint8_t)bits(s0, 13, 2);
    s.compare_mode = bits(s0, 15, 1);
    s.compare_func = (uint8_t)bits(s0, 16, 3);
    s.seamless_cube_map = bits(s0, 19, 1);
    s.max_anisotropy = (uint8_t)bits(s0, 20, 6);
    return sink(c)->impl->create_sampler_state(sink(c), &s);
}

/*
 * §3.2 SHADER: handle, stage, offlen, num_tokens, num_so_outputs [, 4 strides, 2n so dwords],
 * then text. Continuation chunks carry no stream-output block.
 */
enum vgl_status vgl_decode_create_shader(struct decode_call *c) {
    struct vgl_cmd_shader sh = {0};
    READ(c, rd(&c->r, &sh.handle) && rd(&c->r, &sh.stage) && rd(&c->r, &sh.offlen) &&
                    rd(&c->r, &sh.num_tokens) && rd(&c->r, &sh.num_so_outputs));
    sh.continuation = sh.offlen >> 31;
    sh.offlen &= 0x7fffffff;
    if (sh.continuation && sh.num_so_outputs) {
        return vgl_sink_set_error(sink(c), VGL_ERROR_MALFORMED,
                                  "shader %u: stream output in a continuation chunk", sh.handle);
    }
    if (sh.num_so_outputs) {
        if (sh.num_so_outputs > VGL_CMD_MAX_SO_OUTPUTS) {
            return vgl_sink_set_error(sink(c), VGL_ERROR_MALFORMED, "shader %u: %u stream outputs",
                                      sh.handle, sh.num_so_outputs);
        }
        for (int b = 0; b < 4; b++) {
            READ(c, rd(&c->r, &sh.so_stride[b]));
        }
        for (uint32_t i = 0; i < sh.num_so_outputs; i++) {
            struct vgl_cmd_so_output *o = &sh.so[i];
            uint32_t a;
            READ(c, rd(&c->r, &a) && rd(&c->r, &o->stream));
            o->register_index = a & 0xff;
            o->start_component = (a >> 8) & 3;
            o->num_components = (a >> 10) & 7;
            o->output_buffer = (a >> 13) & 7;
            o->dst_offset = a >> 16;
        }
    }
    sh.text = (const char *)(c->r.p + c->r.pos);
    sh.text_size = (c->r.len - c->r.pos) * 4;
    return sink(c)->impl->create_shader(sink(c), &sh);
}

/* §2.5 STREAMOUT_TARGET (len 4): handle, res, buffer_offset, buffer_size. */
enum vgl_status vgl_decode_create_so_target(struct decode_call *c) {
    struct vgl_cmd_so_target t;
    READ(c, rd(&c->r, &t.handle) && rd(&c->r, &t.res) && rd(&c->r, &t.buffer_offset) &&
                    rd(&c->r, &t.buffer_size));
    return sink(c)->impl->create_so_target(sink(c), &t);
}

/* §2.5 SET_STREAMOUT_TARGETS (len 1 + n): append_bitmask, n target handles. */
enum vgl_status vgl_decode_set_so_targets(struct decode_call *c) {
    uint32_t append;
    READ(c, rd(&c->r, &append));
    return sink(c)->impl->set_so_targets(sink(c), append, c->r.len - 1, c->r.p + 1);
}

/* §2.5 QUERY (len 4): handle, type | index << 16, offset, res. */
enum vgl_status vgl_decode_create_query(struct decode_call *c) {
    struct vgl_cmd_query q = {0};
    uint32_t ti;
    READ(c, rd(&c->r, &q.handle) && rd(&c->r, &ti) && rd(&c->r, &q.offset) && rd(&c->r, &q.res));
    q.type = ti & 0xffff;
    q.index = ti >> 16;
    return sink(c)->impl->create_query(sink(c), &q);
}

enum vgl_status vgl_decode_bind_object(struct decode_call *c) {
    uint32_t handle;
    READ(c, rd(&c->r, &handle));
    return sink(c)->impl->bind_object(sink(c), c->obj_type, handle);
}

enum vgl_status vgl_decode_bind_shader(struct decode_call *c) {
    uint32_t handle, stage;
    READ(c, rd(&c->r, &handle) && rd(&c->r, &stage));
    return sink(c)->impl->bind_shader(sink(c), handle, stage);
}

/* §2.5 SET_VIEWPORT_STATE (len 1 + 6n). */
enum vgl_status vgl_decode_set_viewport_state(struct decode_call *c) {
    uint32_t start;
    float values[6 * 16];
    READ(c, rd(&c->r, &start));
    const uint32_t count = (c->r.len - 1) / 6;
    for (uint32_t i = 0; i < count * 6; i++) {
        READ(c, rd_f32(&c->r, &values[i]));
    }
    return sink(c)->impl->set_viewport_state(sink(c), start, count, values);
}

/* §2.5 SET_SCISSOR_STATE (len 1 + 2n). */
enum vgl_status vgl_decode_set_scissor_state(struct decode_call *c) {
    uint32_t start;
    READ(c, rd(&c->r, &start));
    return sink(c)->impl->set_scissor_state(sink(c), start, (c->r.len - 1) / 2, c->r.p + 1);
}

/* §2.5 SET_VERTEX_BUFFERS (len 3n). */
enum vgl_status vgl_decode_set_vertex_buffers(struct decode_call *c) {
    struct vgl_vertex_buffer vbs[32];
    const uint32_t count = c->r.len / 3;
    for (uint32_t i = 0; i < count; i++) {
        READ(c, rd(&c->r, &vbs[i].stride) && rd(&c->r, &vbs[i].offset) && rd(&c->r, &vbs[i].res));
    }
    return sink(c)->impl->set_vertex_buffers(sink(c), count, vbs);
}

/* §2.5 SET_INDEX_BUFFER (len 1 to unbind, else 3: res, index size, offset). */
enum vgl_status vgl_decode_set_index_buffer(struct decode_call *c) {
    uint32_t res, size = 0, offset = 0;
    READ(c, rd(&c->r, &res));
    if (c->r.len == 3) {
        READ(c, rd(&c->r, &size) && rd(&c->r, &offset));
    } else if (c->r.len != 1) {
        return vgl_sink_set_error(sink(c), VGL_ERROR_MALFORMED, "SET_INDEX_BUFFER of %u dwords",
                                  c->r.len);
    }
    return sink(c)->impl->set_index_buffer(sink(c), res, size, offset);
}

/* §2.5 SET_CONSTANT_BUFFER (len 2 + n): stage, index, n dwords. */
enum vgl_status vgl_decode_set_constant_buffer(struct decode_call *c) {
    uint32_t stage, index;
    READ(c, rd(&c->r, &stage) && rd(&c->r, &index));
    return sink(c)->impl->set_constant_buffer(sink(c), stage, index, c->r.p + 2, c->r.len - 2);
}

/* §2.5 SET_SAMPLER_VIEWS / BIND_SAMPLER_STATES (len 2 + n): stage, start, handles. */
enum vgl_status vgl_decode_set_sampler_views(struct decode_call *c) {
    uint32_t stage, start;
    READ(c, rd(&c->r, &stage) && rd(&c->r, &start));
    return sink(c)->impl->set_sampler_views(sink(c), stage, start, c->r.len - 2, c->r.p + 2);
}

enum vgl_status vgl_decode_bind_sampler_states(struct decode_call *c) {
    uint32_t stage, start;
    READ(c, rd(&c->r, &stage) && rd(&c->r, &start));
    return sink(c)->impl->bind_sampler_states(sink(c), stage, start, c->r.len - 2, c->r.p + 2);
}

enum vgl_status vgl_decode_set_stencil_ref(struct decode_call *c) {
    uint32_t v;
    READ(c, rd(&c->r, &v));
    return sink(c)->impl->set_stencil_ref(sink(c), (uint8_t)bits(v, 0, 8), (uint8_t)bits(v, 8, 8));
}

enum vgl_status vgl_decode_set_blend_color(struct decode_call *c) {
    float color[4];
    for (int i = 0; i < 4; i++) {
        READ(c, rd_f32(&c->r, &color[i]));
    }
    return sink(c)->impl->set_blend_color(sink(c), color);
}

enum vgl_status vgl_decode_set_clip_state(struct decode_call *c) {
    float planes[8][4];
    for (int i = 0; i < 32; i++) {
        READ(c, rd_f32(&c->r, &planes[i / 4][i % 4]));
    }
    return sink(c)->impl->set_clip_state(sink(c), (const float(*)[4])planes);
}

enum vgl_status vgl_decode_set_polygon_stipple(struct decode_call *c) {
    uint32_t rows[32];
    for (int i = 0; i < 32; i++) {
        READ(c, rd(&c->r, &rows[i]));
    }
    return sink(c)->impl->set_polygon_stipple(sink(c), rows);
}

enum vgl_status vgl_decode_set_sample_mask(struct decode_call *c) {
    uint32_t mask;
    READ(c, rd(&c->r, &mask));
    return sink(c)->impl->set_sample_mask(sink(c), mask);
}

/* §2.5 SET_RENDER_CONDITION (len 3): query handle, condition, mode. */
enum vgl_status vgl_decode_set_render_condition(struct decode_call *c) {
    uint32_t handle, condition, mode;
    READ(c, rd(&c->r, &handle) && rd(&c->r, &condition) && rd(&c->r, &mode));
    return sink(c)->impl->set_render_condition(sink(c), handle, condition != 0, mode);
}

/* §2.5 SET_UNIFORM_BUFFER (len 5): stage, index, offset, length, res. */
enum vgl_status vgl_decode_set_uniform_buffer(struct decode_call *c) {
    uint32_t stage, index, offset, length, res;
    READ(c, rd(&c->r, &stage) && rd(&c->r, &index) && rd(&c->r, &offset) && rd(&c->r, &length) &&
                    rd(&c->r, &res));
    return sink(c)->impl->set_uniform_buffer(sink(c), stage, index, offset, length, res);
}

/* §2.5 TEXTURE_BARRIER (len 1): flags. */
enum vgl_status vgl_decode_texture_barrier(struct decode_call *c) {
    uint32_t flags;
    READ(c, rd(&c->r, &flags));
    return sink(c)->impl->texture_barrier(sink(c), flags);
}

/* §2.5 DRAW_VBO: 12 dwords, 14 with patches, 20 for indirect draws. */
enum vgl_status vgl_decode_draw_vbo(struct decode_call *c) {
    struct vgl_cmd_draw d = {0};
    uint32_t indexed, restart, bias;
    READ(c, rd(&c->r, &d.start) && rd(&c->r, &d.count) && rd(&c->r, &d.mode) &&
                    rd(&c->r, &indexed) && rd(&c->r, &d.instance_count) && rd(&c->r, &bias) &&
                    rd(&c->r, &d.start_instance) && rd(&c->r, &restart) &&
                    rd(&c->r, &d.restart_index) && rd(&c->r, &d.min_index) &&
                    rd(&c->r, &d.max_index) && rd(&c->r, &d.count_from_stream_output));
    d.indexed = indexed != 0;
    d.primitive_restart = restart != 0;
    memcpy(&d.index_bias, &bias, sizeof(bias));
    d.indirect = c->r.len == 20;
    return sink(c)->impl->draw_vbo(sink(c), &d);
}

enum vgl_status vgl_decode_begin_query(struct decode_call *c) {
    uint32_t handle;
    READ(c, rd(&c->r, &handle));
    return sink(c)->impl->begin_query(sink(c), handle);
}

enum vgl_status vgl_decode_end_query(struct decode_call *c) {
    uint32_t handle;
    READ(c, rd(&c->r, &handle));
    return sink(c)->impl->end_query(sink(c), handle);
}

enum vgl_status vgl_decode_get_query_result(struct decode_call *c) {
    uint32_t handle, wait;
    READ(c, rd(&c->r, &handle) && rd(&c->r, &wait));
    return sink(c)->impl->get_query_result(sink(c), handle, wait != 0);
}
