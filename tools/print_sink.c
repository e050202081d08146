/* SPDX-License-Identifier: MIT */
/*
 * The print sink: one line per decoded command, fields named as in the protocol. Everything it
 * prints comes from the decoder's parsed structs and the raw header of the current command;
 * it never reads the command buffer on its own.
 */
#include "print_sink.h"

#include <stdlib.h>
#include <string.h>

#include "decode/decoder.h"
#include "shader/shader_ir.h"

struct print_sink {
    struct vgl_sink base; /* first: hooks get &base */
    struct pout *o;
    uint64_t call;
    const uint32_t *buf;
    bool printed; /* the current command has its line */
};

static const char *name_of(const char *const *names, size_t count, uint32_t v) {
    return v < count && names[v] ? names[v] : "UNKNOWN";
}

#define NAME_OF(table, v) name_of(table, sizeof(table) / sizeof(table[0]), v)

const char *print_stage_name(uint32_t stage) {
    static const char *const names[] = {"VERTEX",    "FRAGMENT",  "GEOMETRY",
                                        "TESS_CTRL", "TESS_EVAL", "COMPUTE"};
    return NAME_OF(names, stage);
}

const char *print_prim_name(uint32_t mode) {
    return mode < vgl_shader_num_primitive_names ? vgl_shader_primitive_names[mode] : "UNKNOWN";
}

const char *print_target_name(uint32_t target) {
    static const char *const names[] = {"BUFFER", "1D",       "2D",       "3D",        "CUBE",
                                        "RECT",   "1D_ARRAY", "2D_ARRAY", "CUBE_ARRAY"};
    return NAME_OF(names, target);
}

static struct print_sink *ps_of(struct vgl_sink *s) {
    return (struct print_sink *)s;
}

/* Start the line of the current command: prefix, command name, object name from the header. */
static struct pout *start(struct vgl_sink *s) {
    struct print_sink *ps = ps_of(s);
    struct pout *o = ps->o;
    const uint32_t hdr = s->cmd[0], id = VGL_CMD_ID(hdr);
    pout_begin(o);
    pout_raw(o, "  %llu.%u", (unsigned long long)ps->call, s->cmd_index);
    if (o->json) {
        pout_u(o, "call", ps->call);
        pout_u(o, "cmd", s->cmd_index);
        pout_u(o, "dword_offset", (uint64_t)(s->cmd - ps->buf));
    }
    pout_name(o, "command", vgl_decode_cmd_name(id));
    if (id == VGL_CCMD_CREATE_OBJECT || id == VGL_CCMD_BIND_OBJECT ||
        id == VGL_CCMD_DESTROY_OBJECT) {
        pout_name(o, "object", vgl_decode_object_name(VGL_CMD_OBJ(hdr)));
    }
    return o;
}

static enum vgl_status done(struct vgl_sink *s) {
    pout_end(ps_of(s)->o, POUT_CMD);
    ps_of(s)->printed = true;
    return VGL_OK;
}

static const char *ikey(char *buf, size_t size, const char *prefix, uint32_t i, const char *f) {
    snprintf(buf, size, "%s%u.%s", prefix, i, f);
    return buf;
}

static enum vgl_status sub_ctx(struct vgl_sink *s, uint32_t id) {
    pout_u(start(s), "sub_ctx", id);
    return done(s);
}

static enum vgl_status surface(struct vgl_sink *s, const struct vgl_cmd_surface *c) {
    struct pout *o = start(s);
    pout_obj(o, "handle", c->handle);
    pout_res(o, "res", c->res);
    pout_format(o, "format", c->format);
    pout_u(o, "level", c->level);
    pout_u(o, "first_layer", c->first_layer);
    pout_u(o, "last_layer", c->last_layer);
    return done(s);
}

static enum vgl_status destroy(struct vgl_sink *s, uint32_t type, uint32_t handle) {
    pout_obj(start(s), "handle", handle);
    return done(s);
}

static enum vgl_status fb(struct vgl_sink *s, const struct vgl_cmd_framebuffer *c) {
    struct pout *o = start(s);
    pout_u(o, "nr_cbufs", c->nr_cbufs);
    pout_obj(o, "zsurf_handle", c->zsurf);
    pout_objs(o, "cbuf_handles", c->cbufs, c->nr_cbufs);
    return done(s);
}

static enum vgl_status no_attach(struct vgl_sink *s, uint32_t w, uint32_t h, uint32_t layers,
                                 uint32_t samples) {
    struct pout *o = start(s);
    pout_u(o, "width", w);
    pout_u(o, "height", h);
    pout_u(o, "layers", layers);
    pout_u(o, "samples", samples);
    return done(s);
}

static enum vgl_status clear(struct vgl_sink *s, const struct vgl_cmd_clear *c) {
    struct pout *o = start(s);
    float color[4];
    memcpy(color, c->color, sizeof(color));
    pout_x(o, "buffers", c->buffers);
    pout_fs(o, "color", color, 4);
    pout_f(o, "depth", c->depth);
    pout_u(o, "stencil", c->stencil);
    return done(s);
}

/* The fields TRANSFER3D and COPY_TRANSFER3D share, in their order. */
static struct pout *start_transfer(struct vgl_sink *s, uint32_t res, uint32_t level, uint32_t usage,
                                   uint32_t stride, uint32_t layer_stride,
                                   const struct vgl_box *box) {
    struct pout *o = start(s);
    pout_res(o, "res", res);
    pout_u(o, "level", level);
    pout_x(o, "usage", usage);
    pout_u(o, "stride", stride);
    pout_u(o, "layer_stride", layer_stride);
    pout_box(o, "box", box);
    return o;
}

static enum vgl_status copy_transfer(struct vgl_sink *s, const struct vgl_cmd_copy_transfer3d *c) {
    struct pout *o =
            start_transfer(s, c->res, c->level, c->usage, c->stride, c->layer_stride, &c->box);
    pout_res(o, "src_res", c->src_res);
    pout_u(o, "src_offset", c->src_offset);
    pout_x(o, "flags", c->flags);
    return done(s);
}

static enum vgl_status transfer(struct vgl_sink *s, const struct vgl_cmd_transfer3d *c) {
    struct pout *o =
            start_transfer(s, c->res, c->level, c->usage, c->stride, c->layer_stride, &c->box);
    pout_u(o, "offset", c->offset);
    pout_u(o, "direction", c->direction);
    return done(s);
}

static enum vgl_status copy(struct vgl_sink *s, const struct vgl_cmd_copy_region *c) {
    struct pout *o = start(s);
    pout_res(o, "dst_res", c->dst_res);
    pout_u(o, "dst_level", c->dst_level);
    pout_i(o, "dst_x", c->dst_x);
    pout_i(o, "dst_y", c->dst_y);
    pout_i(o, "dst_z", c->dst_z);
    pout_res(o, "src_res", c->src_res);
    pout_u(o, "src_level", c->src_level);
    pout_box(o, "src_box", &c->src_box);
    return done(s);
}

static void blit_side(struct pout *o, const char *res, const char *level, const char *format,
                      const char *box, const struct vgl_blit_side *b) {
    pout_res(o, res, b->res);
    pout_u(o, level, b->level);
    pout_format(o, format, b->format);
    pout_box(o, box, &b->box);
}

static enum vgl_status blit(struct vgl_sink *s, const struct vgl_cmd_blit *c) {
    struct pout *o = start(s);
    pout_x(o, "mask", c->mask);
    pout_u(o, "filter", c->filter);
    pout_b(o, "scissor_enable", c->scissor_enable);
    if (c->scissor_enable) {
        const uint32_t sc[4] = {c->scissor_minx, c->scissor_miny, c->scissor_maxx, c->scissor_maxy};
        pout_us(o, "scissor", sc, 4);
    }
    pout_b(o, "render_condition_enable", c->render_condition_enable);
    pout_b(o, "alpha_blend", c->alpha_blend);
    blit_side(o, "dst_res", "dst_level", "dst_format", "dst_box", &c->dst);
    blit_side(o, "src_res", "src_level", "src_format", "src_box", &c->src);
    return done(s);
}

static enum vgl_status blend(struct vgl_sink *s, const struct vgl_cmd_blend *c) {
    struct pout *o = start(s);
    char k[32];
    pout_obj(o, "handle", c->handle);
    pout_b(o, "independent_blend_enable", c->independent_blend_enable);
    pout_b(o, "logicop_enable", c->logicop_enable);
    pout_u(o, "logicop_func", c->logicop_func);
    pout_b(o, "dither", c->dither);
    pout_b(o, "alpha_to_coverage", c->alpha_to_coverage);
    pout_b(o, "alpha_to_one", c->alpha_to_one);
    const uint32_t n = c->independent_blend_enable ? VGL_MAX_COLOR_BUFS : 1;
    for (uint32_t i = 0; i < n; i++) {
        const struct vgl_rt_blend *rt = &c->rt[i];
        pout_b(o, ikey(k, sizeof(k), "rt", i, "blend_enable"), rt->blend_enable);
        pout_u(o, ikey(k, sizeof(k), "rt", i, "rgb_func"), rt->rgb_func);
        pout_u(o, ikey(k, sizeof(k), "rt", i, "rgb_src_factor"), rt->rgb_src_factor);
        pout_u(o, ikey(k, sizeof(k), "rt", i, "rgb_dst_factor"), rt->rgb_dst_factor);
        pout_u(o, ikey(k, sizeof(k), "rt", i, "alpha_func"), rt->alpha_func);
        pout_u(o, ikey(k, sizeof(k), "rt", i, "alpha_src_factor"), rt->alpha_src_factor);
        pout_u(o, ikey(k, sizeof(k), "rt", i, "alpha_dst_factor"), rt->alpha_dst_factor);
        pout_x(o, ikey(k, sizeof(k), "rt", i, "colormask"), rt->colormask);
    }
    return done(s);
}

static enum vgl_status rasterizer(struct vgl_sink *s, const struct vgl_cmd_rasterizer *c) {
    struct pout *o = start(s);
    pout_obj(o, "handle", c->handle);
    const struct {
        const char *name;
        bool v;
    } flags[] = {
            {"flatshade", c->flatshade},
            {"depth_clip", c->depth_clip},
            {"clip_halfz", c->clip_halfz},
            {"rasterizer_discard", c->rasterizer_discard},
            {"flatshade_first", c->flatshade_first},
            {"light_twoside", c->light_twoside},
            {"sprite_coord_mode_upper_left", c->sprite_coord_mode_upper_left},
            {"point_quad_rasterization", c->point_quad_rasterization},
            {"scissor", c->scissor},
            {"front_ccw", c->front_ccw},
            {"clamp_vertex_color", c->clamp_vertex_color},
            {"clamp_fragment_color", c->clamp_fragment_color},
            {"offset_line", c->offset_line},
            {"offset_point", c->offset_point},
            {"offset_tri", c->offset_tri},
            {"poly_smooth", c->poly_smooth},
            {"poly_stipple_enable", c->poly_stipple_enable},
            {"point_smooth", c->point_smooth},
            {"point_size_per_vertex", c->point_size_per_vertex},
            {"multisample", c->multisample},
            {"line_smooth", c->line_smooth},
            {"line_stipple_enable", c->line_stipple_enable},
            {"line_last_pixel", c->line_last_pixel},
            {"half_pixel_center", c->half_pixel_center},
            {"bottom_edge_rule", c->bottom_edge_rule},
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        pout_b(o, flags[i].name, flags[i].v);
    }
    pout_u(o, "cull_face", c->cull_face);
    pout_u(o, "fill_front", c->fill_front);
    pout_u(o, "fill_back", c->fill_back);
    pout_f(o, "point_size", c->point_size);
    pout_x(o, "sprite_coord_enable", c->sprite_coord_enable);
    pout_x(o, "line_stipple_pattern", c->line_stipple_pattern);
    pout_u(o, "line_stipple_factor", c->line_stipple_factor);
    pout_x(o, "clip_plane_enable", c->clip_plane_enable);
    pout_f(o, "line_width", c->line_width);
    pout_f(o, "offset_units", c->offset_units);
    pout_f(o, "offset_scale", c->offset_scale);
    pout_f(o, "offset_clamp", c->offset_clamp);
    return done(s);
}

static enum vgl_status dsa(struct vgl_sink *s, const struct vgl_cmd_dsa *c) {
    struct pout *o = start(s);
    char k[32];
    pout_obj(o, "handle", c->handle);
    pout_b(o, "depth_enabled", c->depth_enabled);
    pout_b(o, "depth_writemask", c->depth_writemask);
    pout_u(o, "depth_func", c->depth_func);
    pout_b(o, "alpha_enabled", c->alpha_enabled);
    pout_u(o, "alpha_func", c->alpha_func);
    pout_f(o, "alpha_ref", c->alpha_ref);
    for (uint32_t i = 0; i < 2; i++) {
        const struct vgl_stencil_state *st = &c->stencil[i];
        pout_b(o, ikey(k, sizeof(k), "stencil", i, "enabled"), st->enabled);
        pout_u(o, ikey(k, sizeof(k), "stencil", i, "func"), st->func);
        pout_u(o, ikey(k, sizeof(k), "stencil", i, "fail_op"), st->fail_op);
        pout_u(o, ikey(k, sizeof(k), "stencil", i, "zpass_op"), st->zpass_op);
        pout_u(o, ikey(k, sizeof(k), "stencil", i, "zfail_op"), st->zfail_op);
        pout_x(o, ikey(k, sizeof(k), "stencil", i, "valuemask"), st->valuemask);
        pout_x(o, ikey(k, sizeof(k), "stencil", i, "writemask"), st->writemask);
    }
    return done(s);
}

static enum vgl_status vertex_elements(struct vgl_sink *s,
                                       const struct vgl_cmd_vertex_elements *c) {
    struct pout *o = start(s);
    char k[32];
    pout_obj(o, "handle", c->handle);
    pout_u(o, "count", c->count);
    for (uint32_t i = 0; i < c->count && i < VGL_MAX_VERTEX_ELEMENTS; i++) {
        const struct vgl_vertex_element *e = &c->elements[i];
        pout_u(o, ikey(k, sizeof(k), "ve", i, "src_offset"), e->src_offset);
        pout_u(o, ikey(k, sizeof(k), "ve", i, "instance_divisor"), e->instance_divisor);
        pout_u(o, ikey(k, sizeof(k), "ve", i, "vertex_buffer_index"), e->vertex_buffer_index);
        pout_format(o, ikey(k, sizeof(k), "ve", i, "format"), e->format);
    }
    return done(s);
}

static enum vgl_status sampler_view(struct vgl_sink *s, const struct vgl_cmd_sampler_view *c) {
    struct pout *o = start(s);
    const uint32_t swizzle[4] = {c->swizzle[0], c->swizzle[1], c->swizzle[2], c->swizzle[3]};
    pout_obj(o, "handle", c->handle);
    pout_res(o, "res", c->res);
    pout_format(o, "format", c->format);
    pout_sym(o, "target", print_target_name(c->target));
    pout_x(o, "p3", c->p3);
    pout_x(o, "p4", c->p4);
    pout_us(o, "swizzle", swizzle, 4);
    return done(s);
}

static enum vgl_status sampler_state(struct vgl_sink *s, const struct vgl_cmd_sampler_state *c) {
    struct pout *o = start(s);
    float border[4];
    memcpy(border, c->border_color, sizeof(border));
    pout_obj(o, "handle", c->handle);
    pout_u(o, "wrap_s", c->wrap_s);
    pout_u(o, "wrap_t", c->wrap_t);
    pout_u(o, "wrap_r", c->wrap_r);
    pout_u(o, "min_img_filter", c->min_img_filter);
    pout_u(o, "min_mip_filter", c->min_mip_filter);
    pout_u(o, "mag_img_filter", c->mag_img_filter);
    pout_b(o, "compare_mode", c->compare_mode);
    pout_u(o, "compare_func", c->compare_func);
    pout_b(o, "seamless_cube_map", c->seamless_cube_map);
    pout_u(o, "max_anisotropy", c->max_anisotropy);
    pout_f(o, "lod_bias", c->lod_bias);
    pout_f(o, "min_lod", c->min_lod);
    pout_f(o, "max_lod", c->max_lod);
    pout_fs(o, "border_color", border, 4);
    return done(s);
}

/* The shader text, without the NUL padding of its last dword. */
static size_t text_size(const struct vgl_cmd_shader *c) {
    size_t n = c->text_size;
    while (n && c->text[n - 1] == '\0') {
        n--;
    }
    return n;
}

static enum vgl_status shader(struct vgl_sink *s, const struct vgl_cmd_shader *c) {
    struct pout *o = start(s);
    pout_obj(o, "handle", c->handle);
    pout_sym(o, "stage", print_stage_name(c->stage));
    pout_b(o, "continuation", c->continuation);
    pout_u(o, c->continuation ? "text_offset" : "text_length", c->offlen);
    pout_u(o, "num_tokens", c->num_tokens);
    pout_u(o, "num_so_outputs", c->num_so_outputs);
    const size_t n = text_size(c);
    if (o->json) {
        pout_s(o, "text", c->text, n);
        return done(s);
    }
    done(s);
    for (size_t at = 0; at < n;) {
        const char *nl = memchr(c->text + at, '\n', n - at);
        const size_t end = nl ? (size_t)(nl - c->text) : n;
        pout_begin(o);
        pout_raw(o, "      %.*s", (int)(end - at), c->text + at);
        pout_end(o, POUT_TEXT);
        at = end + 1;
    }
    return VGL_OK;
}

static enum vgl_status query(struct vgl_sink *s, const struct vgl_cmd_query *c) {
    struct pout *o = start(s);
    pout_obj(o, "handle", c->handle);
    pout_u(o, "type", c->type);
    pout_u(o, "index", c->index);
    pout_u(o, "offset", c->offset);
    pout_res(o, "res", c->res);
    return done(s);
}

static enum vgl_status so_target(struct vgl_sink *s, const struct vgl_cmd_so_target *c) {
    struct pout *o = start(s);
    pout_obj(o, "handle", c->handle);
    pout_res(o, "res", c->res);
    pout_u(o, "buffer_offset", c->buffer_offset);
    pout_u(o, "buffer_size", c->buffer_size);
    return done(s);
}

static enum vgl_status so_targets(struct vgl_sink *s, uint32_t append, uint32_t count,
                                  const uint32_t *handles) {
    struct pout *o = start(s);
    pout_x(o, "append_mask", append);
    pout_objs(o, "handles", handles, count);
    return done(s);
}

static enum vgl_status bind_object(struct vgl_sink *s, uint32_t type, uint32_t handle) {
    pout_obj(start(s), "handle", handle);
    return done(s);
}

static enum vgl_status bind_shader(struct vgl_sink *s, uint32_t handle, uint32_t stage) {
    struct pout *o = start(s);
    pout_obj(o, "handle", handle);
    pout_sym(o, "stage", print_stage_name(stage));
    return done(s);
}

static enum vgl_status viewports(struct vgl_sink *s, uint32_t first, uint32_t count,
                                 const float *v) {
    struct pout *o = start(s);
    char k[32];
    pout_u(o, "start", first);
    for (uint32_t i = 0; i < count; i++) {
        pout_fs(o, ikey(k, sizeof(k), "vp", first + i, "scale"), v + 6 * i, 3);
        pout_fs(o, ikey(k, sizeof(k), "vp", first + i, "translate"), v + 6 * i + 3, 3);
    }
    return done(s);
}

static enum vgl_status scissors(struct vgl_sink *s, uint32_t first, uint32_t count,
                                const uint32_t *rects) {
    struct pout *o = start(s);
    char k[32];
    pout_u(o, "start", first);
    for (uint32_t i = 0; i < count; i++) {
        const uint32_t r[4] = {rects[2 * i] & 0xffff, rects[2 * i] >> 16, rects[2 * i + 1] & 0xffff,
                               rects[2 * i + 1] >> 16};
        snprintf(k, sizeof(k), "scissor%u", first + i);
        pout_us(o, k, r, 4);
    }
    return done(s);
}

static enum vgl_status vertex_buffers(struct vgl_sink *s, uint32_t count,
                                      const struct vgl_vertex_buffer *vbs) {
    struct pout *o = start(s);
    char k[32];
    pout_u(o, "count", count);
    for (uint32_t i = 0; i < count; i++) {
        pout_u(o, ikey(k, sizeof(k), "vb", i, "stride"), vbs[i].stride);
        pout_u(o, ikey(k, sizeof(k), "vb", i, "offset"), vbs[i].offset);
        pout_res(o, ikey(k, sizeof(k), "vb", i, "res"), vbs[i].res);
    }
    return done(s);
}

static enum vgl_status index_buffer(struct vgl_sink *s, uint32_t res, uint32_t size,
                                    uint32_t offset) {
    struct pout *o = start(s);
    pout_res(o, "res", res);
    pout_u(o, "index_size", size);
    pout_u(o, "offset", offset);
    return done(s);
}

static enum vgl_status constants(struct vgl_sink *s, uint32_t stage, uint32_t index,
                                 const uint32_t *data, uint32_t dwords) {
    struct pout *o = start(s);
    pout_sym(o, "stage", print_stage_name(stage));
    pout_u(o, "index", index);
    pout_u(o, "dwords", dwords);
    pout_us(o, "data", data, dwords); /* raw bits: constants are untyped */
    return done(s);
}

static enum vgl_status stage_slots(struct vgl_sink *s, uint32_t stage, uint32_t first,
                                   uint32_t count, const uint32_t *handles) {
    struct pout *o = start(s);
    pout_sym(o, "stage", print_stage_name(stage));
    pout_u(o, "start", first);
    pout_objs(o, "handles", handles, count);
    return done(s);
}

static enum vgl_status stencil_ref(struct vgl_sink *s, uint8_t front, uint8_t back) {
    struct pout *o = start(s);
    pout_u(o, "front", front);
    pout_u(o, "back", back);
    return done(s);
}

static enum vgl_status blend_color(struct vgl_sink *s, const float color[4]) {
    pout_fs(start(s), "color", color, 4);
    return done(s);
}

static enum vgl_status clip(struct vgl_sink *s, const float planes[8][4]) {
    pout_fs(start(s), "planes", &planes[0][0], 32);
    return done(s);
}

static enum vgl_status stipple(struct vgl_sink *s, const uint32_t rows[32]) {
    pout_us(start(s), "rows", rows, 32);
    return done(s);
}

static enum vgl_status sample_mask(struct vgl_sink *s, uint32_t mask) {
    pout_x(start(s), "mask", mask);
    return done(s);
}

static enum vgl_status render_condition(struct vgl_sink *s, uint32_t handle, bool condition,
                                        uint32_t mode) {
    static const char *const modes[] = {"wait", "no_wait", "by_region_wait", "by_region_no_wait"};
    struct pout *o = start(s);
    pout_obj(o, "query_handle", handle);
    pout_b(o, "condition", condition);
    if (mode < 4) {
        pout_sym(o, "mode", modes[mode]);
    } else {
        pout_u(o, "mode", mode);
    }
    return done(s);
}

static enum vgl_status texture_barrier(struct vgl_sink *s, uint32_t flags) {
    pout_x(start(s), "flags", flags);
    return done(s);
}

static enum vgl_status uniform_buffer(struct vgl_sink *s, uint32_t stage, uint32_t index,
                                      uint32_t offset, uint32_t length, uint32_t res) {
    struct pout *o = start(s);
    pout_sym(o, "stage", print_stage_name(stage));
    pout_u(o, "index", index);
    pout_u(o, "offset", offset);
    pout_u(o, "length", length);
    pout_res(o, "res", res);
    return done(s);
}

static enum vgl_status draw(struct vgl_sink *s, const struct vgl_cmd_draw *c) {
    struct pout *o = start(s);
    pout_sym(o, "mode", print_prim_name(c->mode));
    pout_u(o, "start", c->start);
    pout_u(o, "count", c->count);
    pout_b(o, "indexed", c->indexed);
    pout_u(o, "instance_count", c->instance_count);
    pout_i(o, "index_bias", c->index_bias);
    pout_u(o, "start_instance", c->start_instance);
    pout_b(o, "primitive_restart", c->primitive_restart);
    pout_u(o, "restart_index", c->restart_index);
    pout_u(o, "min_index", c->min_index);
    pout_u(o, "max_index", c->max_index);
    pout_u(o, "count_from_stream_output", c->count_from_stream_output);
    pout_b(o, "indirect", c->indirect);
    return done(s);
}

static enum vgl_status query_handle(struct vgl_sink *s, uint32_t handle) {
    pout_obj(start(s), "handle", handle);
    return done(s);
}

static enum vgl_status query_result(struct vgl_sink *s, uint32_t handle, bool wait) {
    struct pout *o = start(s);
    pout_obj(o, "handle", handle);
    pout_b(o, "wait", wait);
    return done(s);
}

/* Commands no hook saw (skipped by design or not implemented yet): name and length. */
static void command_done(struct vgl_sink *s, uint32_t id, uint32_t index) {
    struct print_sink *ps = ps_of(s);
    if (!ps->printed) {
        struct vgl_cmd_bounds b;
        struct pout *o = start(s);
        pout_u(o, "dwords", s->cmd_dwords - 1);
        if (vgl_decode_cmd_bounds(id, &b) && !b.implemented && id != VGL_CCMD_NOP) {
            pout_b(o, "unimplemented", true);
        }
        pout_end(o, POUT_CMD);
    }
    ps->printed = false;
}

static const struct vgl_sink_impl print_impl = {
        .name = "print",
        .create_sub_ctx = sub_ctx,
        .destroy_sub_ctx = sub_ctx,
        .set_sub_ctx = sub_ctx,
        .create_surface = surface,
        .destroy_object = destroy,
        .set_framebuffer_state = fb,
        .set_framebuffer_no_attach = no_attach,
        .clear = clear,
        .transfer3d = transfer,
        .copy_transfer3d = copy_transfer,
        .resource_copy_region = copy,
        .blit = blit,
        .create_blend = blend,
        .create_rasterizer = rasterizer,
        .create_dsa = dsa,
        .create_vertex_elements = vertex_elements,
        .create_sampler_view = sampler_view,
        .create_sampler_state = sampler_state,
        .create_shader = shader,
        .create_query = query,
        .create_so_target = so_target,
        .set_so_targets = so_targets,
        .bind_object = bind_object,
        .bind_shader = bind_shader,
        .set_viewport_state = viewports,
        .set_scissor_state = scissors,
        .set_vertex_buffers = vertex_buffers,
        .set_index_buffer = index_buffer,
        .set_constant_buffer = constants,
        .set_sampler_views = stage_slots,
        .bind_sampler_states = stage_slots,
        .set_stencil_ref = stencil_ref,
        .set_blend_color = blend_color,
        .set_clip_state = clip,
        .set_polygon_stipple = stipple,
        .set_sample_mask = sample_mask,
        .draw_vbo = draw,
        .begin_query = query_handle,
        .end_query = query_handle,
        .get_query_result = query_result,
        .set_render_condition = render_condition,
        .set_uniform_buffer = uniform_buffer,
        .texture_barrier = texture_barrier,
        .command_done = command_done,
};

bool print_submit(struct pout *o, uint64_t call, uint32_t ctx, const uint8_t *data, uint32_t ndw) {
    uint32_t *buf = malloc(ndw ? (size_t)ndw * sizeof(*buf) : 1);
    if (!buf) {
        return false;
    }
    for (uint32_t i = 0; i < ndw; i++) {
        buf[i] = vgl_get_u32(data + 4 * (size_t)i);
    }
    struct print_sink ps = {.o = o, .call = call, .buf = buf};
    struct vgl_decoder dec;
    vgl_sink_init(&ps.base, &print_impl);
    vgl_decoder_init(&dec, &ps.base, ctx);
    if (vgl_decode_submit(&dec, buf, ndw) != VGL_OK && dec.broken) {
        const struct vgl_context_error *e = &dec.error;
        pout_begin(o);
        pout_raw(o, "  %llu.%u", (unsigned long long)call, e->cmd_index);
        if (o->json) {
            pout_u(o, "call", call);
            pout_u(o, "cmd", e->cmd_index);
        }
        pout_name(o, "command", "error");
        pout_u(o, "dword_offset", e->dword_offset);
        pout_sym(o, "opcode", vgl_decode_cmd_name(e->opcode));
        pout_sym(o, "status", tool_status_name(e->status));
        pout_s(o, "message", e->message, strlen(e->message));
        pout_end(o, POUT_CMD);
    }
    free(buf);
    return true;
}
