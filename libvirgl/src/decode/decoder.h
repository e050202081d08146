/* SPDX-License-Identifier: MIT */
/*
 * The decoder turns one virgl command buffer into calls on a sink (the GL renderer, or a null
 * sink that only validates). It owns framing, the command table and every length check; sinks
 * receive parsed, length-checked commands and do the semantic checks.
 */
#ifndef VGL_DECODER_H
#define VGL_DECODER_H

#include <vgl/renderer.h>

#include "protocol/virgl_protocol.h"

struct vgl_sink;

struct vgl_cmd_surface {
    uint32_t handle, res, format, level, first_layer, last_layer;
};

struct vgl_cmd_framebuffer {
    uint32_t nr_cbufs;
    uint32_t zsurf;
    uint32_t cbufs[VGL_MAX_COLOR_BUFS];
};

struct vgl_cmd_clear {
    uint32_t buffers;
    uint32_t color[4]; /* raw union: float bits or integers */
    double depth;
    uint32_t stencil;
};

struct vgl_cmd_transfer3d {
    uint32_t res, level, usage, stride, layer_stride;
    struct vgl_box box;
    uint32_t offset;
    uint32_t direction;
};

/* §2.6 COPY_TRANSFER3D: a transfer whose guest bytes lie in another resource's backing (a
 * staging buffer), to the host or, with VGL_COPY_TRANSFER3D_READ_FROM_HOST, back from it. */
struct vgl_cmd_copy_transfer3d {
    uint32_t res, level, usage, stride, layer_stride;
    struct vgl_box box;
    uint32_t src_res, src_offset, flags;
};

struct vgl_cmd_copy_region {
    uint32_t dst_res, dst_level;
    int32_t dst_x, dst_y, dst_z;
    uint32_t src_res, src_level;
    struct vgl_box src_box;
};

struct vgl_blit_side {
    uint32_t res, level, format;
    struct vgl_box box;
};

struct vgl_cmd_blit {
    uint32_t mask;
    uint32_t filter;
    bool scissor_enable;
    bool render_condition_enable;
    bool alpha_blend;
    uint32_t scissor_minx, scissor_miny, scissor_maxx, scissor_maxy;
    struct vgl_blit_side dst, src;
};

/* §2.5 CREATE_OBJECT / BLEND: per render target state. */
struct vgl_rt_blend {
    bool blend_enable;
    uint8_t rgb_func, rgb_src_factor, rgb_dst_factor;
    uint8_t alpha_func, alpha_src_factor, alpha_dst_factor;
    uint8_t colormask;
};

struct vgl_cmd_blend {
    uint32_t handle;
    bool independent_blend_enable, logicop_enable, dither, alpha_to_coverage, alpha_to_one;
    uint8_t logicop_func;
    struct vgl_rt_blend rt[VGL_MAX_COLOR_BUFS];
};

/* §2.5 CREATE_OBJECT / RASTERIZER. */
struct vgl_cmd_rasterizer {
    uint32_t handle;
    bool flatshade, depth_clip, clip_halfz, rasterizer_discard, flatshade_first, light_twoside;
    bool sprite_coord_mode_upper_left, point_quad_rasterization;
    uint8_t cull_face, fill_front, fill_back;
    bool scissor, front_ccw, clamp_vertex_color, clamp_fragment_color;
    bool offset_line, offset_point, offset_tri, poly_smooth, poly_stipple_enable, point_smooth;
    bool point_size_per_vertex, multisample, line_smooth, line_stipple_enable, line_last_pixel;
    bool half_pixel_center, bottom_edge_rule;
    float point_size;
    uint32_t sprite_coord_enable;
    uint16_t line_stipple_pattern;
    uint8_t line_stipple_factor;
    uint8_t clip_plane_enable;
    float line_width, offset_units, offset_scale, offset_clamp;
};

struct vgl_stencil_state {
    bool enabled;
    uint8_t func, fail_op, zpass_op, zfail_op, valuemask, writemask;
};

/* §2.5 CREATE_OBJECT / DSA. */
struct vgl_cmd_dsa {
    uint32_t handle;
    bool depth_enabled, depth_writemask;
    uint8_t depth_func;
    bool alpha_enabled;
    uint8_t alpha_func;
    struct vgl_stencil_state stencil[2];
    float alpha_ref;
};

#define VGL_MAX_VERTEX_ELEMENTS 32

struct vgl_vertex_element {
    uint32_t src_offset, instance_divisor, vertex_buffer_index, format;
};

struct vgl_cmd_vertex_elements {
    uint32_t handle;
    uint32_t count;
    struct vgl_vertex_element elements[VGL_MAX_VERTEX_ELEMENTS];
};

/* §2.5 CREATE_OBJECT / SAMPLER_VIEW: P3/P4 are interpreted by resource type (buffer or not). */
struct vgl_cmd_sampler_view {
    uint32_t handle, res, format, target; /* target from bits 24..31 when TEXTURE_VIEW */
    uint32_t p3, p4;
    uint8_t swizzle[4];
};

/* §2.5 CREATE_OBJECT / SAMPLER_STATE. */
struct vgl_cmd_sampler_state {
    uint32_t handle;
    uint8_t wrap_s, wrap_t, wrap_r, min_img_filter, min_mip_filter, mag_img_filter;
    bool compare_mode;
    uint8_t compare_func;
    bool seamless_cube_map;
    uint8_t max_anisotropy;
    float lod_bias, min_lod, max_lod;
    uint32_t border_color[4];
};

/* §3.2 CREATE_OBJECT / SHADER: one chunk of the text. */
struct vgl_cmd_shader {
    uint32_t handle, stage;
    bool continuation; /* offlen bit 31 */
    uint32_t offlen;   /* total length (first chunk) or offset of this chunk */
    uint32_t num_tokens;
    uint32_t num_so_outputs;
    const char *text; /* this chunk's bytes (not NUL-terminated) */
    uint32_t text_size;
    /* Stream output (first chunk only; num_so_outputs entries, at most VGL_CMD_MAX_SO_OUTPUTS). */
    uint32_t so_stride[4]; /* dwords */
    struct vgl_cmd_so_output {
        uint32_t register_index, start_component, num_components, output_buffer, dst_offset;
        uint32_t stream;
    } so[64];
};
#define VGL_CMD_MAX_SO_OUTPUTS 64

/* §2.5 CREATE_OBJECT / STREAMOUT_TARGET. */
struct vgl_cmd_so_target {
    uint32_t handle, res, buffer_offset, buffer_size;
};

/* §2.5 CREATE_OBJECT / QUERY. */
struct vgl_cmd_query {
    uint32_t handle, type, index, offset, res;
};

struct vgl_vertex_buffer {
    uint32_t stride, offset, res;
};

/* §2.5 DRAW_VBO. */
struct vgl_cmd_draw {
    uint32_t start, count, mode;
    bool indexed;
    uint32_t instance_count;
    int32_t index_bias;
    uint32_t start_instance;
    bool primitive_restart;
    uint32_t restart_index, min_index, max_index;
    uint32_t count_from_stream_output;
    bool indirect;
};

/*
 * What a sink implements. Every hook returns VGL_OK or an error status, after describing the
 * error with vgl_sink_set_error(). All hooks are required (vgl_sink_init asserts it).
 */
struct vgl_sink_impl {
    const char *name;
    enum vgl_status (*create_sub_ctx)(struct vgl_sink *s, uint32_t id);
    enum vgl_status (*destroy_sub_ctx)(struct vgl_sink *s, uint32_t id);
    enum vgl_status (*set_sub_ctx)(struct vgl_sink *s, uint32_t id);
    enum vgl_status (*create_surface)(struct vgl_sink *s, const struct vgl_cmd_surface *cmd);
    enum vgl_status (*destroy_object)(struct vgl_sink *s, uint32_t type, uint32_t handle);
    enum vgl_status (*set_framebuffer_state)(struct vgl_sink *s,
                                             const struct vgl_cmd_framebuffer *cmd);
    enum vgl_status (*set_framebuffer_no_attach)(struct vgl_sink *s, uint32_t width,
                                                 uint32_t height, uint32_t layers,
                                                 uint32_t samples);
    enum vgl_status (*clear)(struct vgl_sink *s, const struct vgl_cmd_clear *cmd);
    enum vgl_status (*transfer3d)(struct vgl_sink *s, const struct vgl_cmd_transfer3d *cmd);
    /* Optional: NULL reports the command as not implemented (skipped). */
    enum vgl_status (*copy_transfer3d)(struct vgl_sink *s,
                                       const struct vgl_cmd_copy_transfer3d *cmd);
    enum vgl_status (*resource_copy_region)(struct vgl_sink *s,
                                            const struct vgl_cmd_copy_region *cmd);
    enum vgl_status (*blit)(struct vgl_sink *s, const struct vgl_cmd_blit *cmd);
    enum vgl_status (*create_blend)(struct vgl_sink *s, const struct vgl_cmd_blend *cmd);
    enum vgl_status (*create_rasterizer)(struct vgl_sink *s, const struct vgl_cmd_rasterizer *cmd);
    enum vgl_status (*create_dsa)(struct vgl_sink *s, const struct vgl_cmd_dsa *cmd);
    enum vgl_status (*create_vertex_elements)(struct vgl_sink *s,
                                              const struct vgl_cmd_vertex_elements *cmd);
    enum vgl_status (*create_sampler_view)(struct vgl_sink *s,
                                           const struct vgl_cmd_sampler_view *cmd);
    enum vgl_status (*create_sampler_state)(struct vgl_sink *s,
                                            const struct vgl_cmd_sampler_state *cmd);
    enum vgl_status (*create_shader)(struct vgl_sink *s, const struct vgl_cmd_shader *cmd);
    enum vgl_status (*create_query)(struct vgl_sink *s, const struct vgl_cmd_query *cmd);
    enum vgl_status (*create_so_target)(struct vgl_sink *s, const struct vgl_cmd_so_target *cmd);
    /* §2.5 SET_STREAMOUT_TARGETS: `count` target handles (0 = none) for buffers 0.. */
    enum vgl_status (*set_so_targets)(struct vgl_sink *s, uint32_t append_mask, uint32_t count,
                                      const uint32_t *handles);
    enum vgl_status (*bind_object)(struct vgl_sink *s, uint32_t type, uint32_t handle);
    enum vgl_status (*bind_shader)(struct vgl_sink *s, uint32_t handle, uint32_t stage);
    /* viewports: 6 floats each (scale xyz, translate xyz) */
    enum vgl_status (*set_viewport_state)(struct vgl_sink *s, uint32_t start, uint32_t count,
                                          const float *values);
    /* scissors: 2 dwords each (minx | miny << 16, maxx | maxy << 16) */
    enum vgl_status (*set_scissor_state)(struct vgl_sink *s, uint32_t start, uint32_t count,
                                         const uint32_t *rects);
    enum vgl_status (*set_vertex_buffers)(struct vgl_sink *s, uint32_t count,
                                          const struct vgl_vertex_buffer *vbs);
    enum vgl_status (*set_index_buffer)(struct vgl_sink *s, uint32_t res, uint32_t index_size,
                                        uint32_t offset);
    enum vgl_status (*set_constant_buffer)(struct vgl_sink *s, uint32_t stage, uint32_t index,
                                           const uint32_t *data, uint32_t dwords);
    enum vgl_status (*set_sampler_views)(struct vgl_sink *s, uint32_t stage, uint32_t start,
                                         uint32_t count, const uint32_t *handles);
    enum vgl_status (*bind_sampler_states)(struct vgl_sink *s, uint32_t stage, uint32_t start,
                                           uint32_t count, const uint32_t *handles);
    enum vgl_status (*set_stencil_ref)(struct vgl_sink *s, uint8_t front, uint8_t back);
    enum vgl_status (*set_blend_color)(struct vgl_sink *s, const float color[4]);
    enum vgl_status (*set_clip_state)(struct vgl_sink *s, const float planes[8][4]);
    enum vgl_status (*set_polygon_stipple)(struct vgl_sink *s, const uint32_t rows[32]);
    enum vgl_status (*set_sample_mask)(struct vgl_sink *s, uint32_t mask);
    /* §2.5 SET_RENDER_CONDITION: query handle (0 = off), condition (true: draw when the result
     * is zero), mode (PIPE_RENDER_COND_*). */
    enum vgl_status (*set_render_condition)(struct vgl_sink *s, uint32_t handle, bool condition,
                                            uint32_t mode);
    /* §2.5 SET_UNIFORM_BUFFER: UBO `index` (GL binding + 1) of `stage` is bytes offset..
     * offset + length of buffer resource `res` (0 = unbind). */
    enum vgl_status (*set_uniform_buffer)(struct vgl_sink *s, uint32_t stage, uint32_t index,
                                          uint32_t offset, uint32_t length, uint32_t res);
    /* §2.5 TEXTURE_BARRIER: what was drawn is visible to texture reads after it. */
    enum vgl_status (*texture_barrier)(struct vgl_sink *s, uint32_t flags);
    enum vgl_status (*draw_vbo)(struct vgl_sink *s, const struct vgl_cmd_draw *cmd);
    enum vgl_status (*begin_query)(struct vgl_sink *s, uint32_t handle);
    enum vgl_status (*end_query)(struct vgl_sink *s, uint32_t handle);
    enum vgl_status (*get_query_result)(struct vgl_sink *s, uint32_t handle, bool wait);
    /* Optional: called after each command that succeeded (debug checks). */
    void (*command_done)(struct vgl_sink *s, uint32_t id, uint32_t index);
};

struct vgl_sink {
    const struct vgl_sink_impl *impl;
    char message[160];
    /* The command being decoded (header dword first), for sinks that keep or print raw bytes.
     * Valid during hook calls only. */
    const uint32_t *cmd;
    uint32_t cmd_dwords; /* including the header */
    uint32_t cmd_index;  /* position in its buffer */
};

void vgl_sink_init(struct vgl_sink *s, const struct vgl_sink_impl *impl);
/* Describe the error the hook is about to return; returns `status` for tail calls. */
enum vgl_status vgl_sink_set_error(struct vgl_sink *s, enum vgl_status status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* The validate-only sink: accepts every well-formed command. */
extern const struct vgl_sink_impl vgl_null_sink_impl;

struct vgl_decoder {
    struct vgl_sink *sink;
    uint32_t ctx_id;
    uint32_t submit_count;
    bool broken;
    struct vgl_context_error error;
    uint64_t reported_cmds; /* bit per command id already reported "not implemented" */
    /* Optional observer (profiling): called before (done = false) and after (done = true) each
     * command whose framing is valid; `failed` tells whether it returned an error. */
    void (*observe)(void *user, uint32_t id, uint32_t obj_type, uint32_t index, bool done,
                    bool failed);
    void *observe_user;
    uint32_t reported_objects; /* bit per object type likewise */
};

void vgl_decoder_init(struct vgl_decoder *dec, struct vgl_sink *sink, uint32_t ctx_id);

/*
 * Decode and execute one command buffer. On the first error the decoder records it (status,
 * command index, dword offset, opcode, message), becomes broken and refuses later buffers.
 */
enum vgl_status vgl_decode_submit(struct vgl_decoder *dec, const uint32_t *buf, size_t ndw);

/* Table facts, for tests and tools. */
struct vgl_cmd_bounds {
    const char *name;
    uint32_t min_dwords, max_dwords;
    uint32_t base, step; /* when step != 0: len = base + k * step */
    bool implemented;
};
bool vgl_decode_cmd_bounds(uint32_t id, struct vgl_cmd_bounds *out);
const char *vgl_decode_cmd_name(uint32_t id);
/* Whether command `id` changes render targets (DRAW_VBO, CLEAR, CLEAR_TEXTURE, BLIT,
 * RESOURCE_COPY_REGION): what tools count as draws. */
bool vgl_decode_cmd_draws(uint32_t id);
const char *vgl_decode_object_name(uint32_t type);

#endif
