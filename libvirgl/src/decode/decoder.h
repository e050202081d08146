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
    enum vgl_status (*resource_copy_region)(struct vgl_sink *s,
                                            const struct vgl_cmd_copy_region *cmd);
    enum vgl_status (*blit)(struct vgl_sink *s, const struct vgl_cmd_blit *cmd);
};

struct vgl_sink {
    const struct vgl_sink_impl *impl;
    char message[160];
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
    uint64_t reported_cmds;    /* bit per command id already reported "not implemented" */
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
const char *vgl_decode_object_name(uint32_t type);

#endif
