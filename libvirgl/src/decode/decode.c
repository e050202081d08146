/* SPDX-License-Identifier: MIT */
/*
 * Framing and the single command table: every command's opcode range and length bounds are
 * checked here and nowhere else; handlers read through a bounds-checked reader. Never touches GL.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "common/debug.h"
#include "common/util.h"
#include "decode/decode_internal.h"

static enum vgl_status decode_sub_ctx(struct decode_call *c,
                                      enum vgl_status (*hook)(struct vgl_sink *, uint32_t)) {
    uint32_t id;
    READ(c, rd(&c->r, &id));
    return hook(sink(c), id);
}

static enum vgl_status decode_create_sub_ctx(struct decode_call *c) {
    return decode_sub_ctx(c, sink(c)->impl->create_sub_ctx);
}

static enum vgl_status decode_destroy_sub_ctx(struct decode_call *c) {
    return decode_sub_ctx(c, sink(c)->impl->destroy_sub_ctx);
}

static enum vgl_status decode_set_sub_ctx(struct decode_call *c) {
    return decode_sub_ctx(c, sink(c)->impl->set_sub_ctx);
}

/* §2.5 CREATE_OBJECT / SURFACE (len 5): handle, res, format, level, first | last << 16. */
static enum vgl_status decode_create_surface(struct decode_call *c) {
    struct vgl_cmd_surface s;
    uint32_t layers;
    READ(c, rd(&c->r, &s.handle) && rd(&c->r, &s.res) && rd(&c->r, &s.format) &&
                    rd(&c->r, &s.level) && rd(&c->r, &layers));
    s.first_layer = layers & 0xffff;
    s.last_layer = layers >> 16;
    return sink(c)->impl->create_surface(sink(c), &s);
}

struct object_desc {
    const char *name;
    uint32_t min_dwords, max_dwords;
    decode_fn create;
};

/* §2.5 payload lengths of CREATE_OBJECT per object type. */
static const struct object_desc object_table[VGL_OBJECT_COUNT] = {
        [VGL_OBJECT_NULL] = {"NULL", 0, 0, NULL},
        [VGL_OBJECT_BLEND] = {"BLEND", 11, 11, vgl_decode_create_blend},
        [VGL_OBJECT_RASTERIZER] = {"RASTERIZER", 9, 9, vgl_decode_create_rasterizer},
        [VGL_OBJECT_DSA] = {"DSA", 5, 5, vgl_decode_create_dsa},
        [VGL_OBJECT_SHADER] = {"SHADER", 5, 0xffff, vgl_decode_create_shader},
        [VGL_OBJECT_VERTEX_ELEMENTS] = {"VERTEX_ELEMENTS", 1, 1 + 4 * 32,
                                        vgl_decode_create_vertex_elements},
        [VGL_OBJECT_SAMPLER_VIEW] = {"SAMPLER_VIEW", 6, 6, vgl_decode_create_sampler_view},
        [VGL_OBJECT_SAMPLER_STATE] = {"SAMPLER_STATE", 9, 9, vgl_decode_create_sampler_state},
        [VGL_OBJECT_SURFACE] = {"SURFACE", 5, 5, decode_create_surface},
        [VGL_OBJECT_QUERY] = {"QUERY", 4, 4, vgl_decode_create_query},
        [VGL_OBJECT_STREAMOUT_TARGET] = {"STREAMOUT_TARGET", 4, 4, vgl_decode_create_so_target},
        [VGL_OBJECT_MSAA_SURFACE] = {"MSAA_SURFACE", 6, 6, NULL},
};

static void report_unimplemented(struct vgl_decoder *dec, const char *what, uint32_t bit,
                                 bool object) {
    if (object ? (dec->reported_objects >> bit) & 1 : (dec->reported_cmds >> bit) & 1) {
        return;
    }
    if (object) {
        dec->reported_objects |= 1u << bit;
    } else {
        dec->reported_cmds |= 1ull << bit;
    }
    vgl_log(VGL_LOG_WARN, "context %u: %s not implemented yet (skipped)", dec->ctx_id, what);
}

static enum vgl_status check_object_type(struct decode_call *c) {
    if (c->obj_type == VGL_OBJECT_NULL || c->obj_type >= VGL_OBJECT_COUNT) {
        return vgl_sink_set_error(sink(c), VGL_ERROR_MALFORMED, "object type %u out of range",
                                  c->obj_type);
    }
    return VGL_OK;
}

static enum vgl_status decode_create_object(struct decode_call *c) {
    VGL_FORWARD_IF_ERROR(check_object_type(c));
    const struct object_desc *o = &object_table[c->obj_type];
    if (c->r.len < o->min_dwords || c->r.len > o->max_dwords) {
        return vgl_sink_set_error(sink(c), VGL_ERROR_MALFORMED,
                                  "CREATE_OBJECT/%s with %u dwords (allowed %u..%u)", o->name,
                                  c->r.len, o->min_dwords, o->max_dwords);
    }
    if (c->obj_type == VGL_OBJECT_VERTEX_ELEMENTS && (c->r.len - 1) % 4 != 0) {
        return vgl_sink_set_error(sink(c), VGL_ERROR_MALFORMED,
                                  "CREATE_OBJECT/VERTEX_ELEMENTS length %u is not 1 + 4n",
                                  c->r.len);
    }
    if (!o->create) {
        char what[64];
        snprintf(what, sizeof(what), "CREATE_OBJECT/%s", o->name);
        report_unimplemented(c->dec, what, c->obj_type, true);
        return VGL_OK;
    }
    return o->create(c);
}

static enum vgl_status decode_destroy_object(struct decode_call *c) {
    VGL_FORWARD_IF_ERROR(check_object_type(c));
    uint32_t handle;
    READ(c, rd(&c->r, &handle));
    return sink(c)->impl->destroy_object(sink(c), c->obj_type, handle);
}

/* §2.5 SET_FRAMEBUFFER_STATE (len 2 + n): nr_cbufs, zsurf, cbufs[n]. */
static enum vgl_status decode_set_framebuffer_state(struct decode_call *c) {
    struct vgl_cmd_framebuffer fb = {0};
    READ(c, rd(&c->r, &fb.nr_cbufs) && rd(&c->r, &fb.zsurf));
    if (fb.nr_cbufs > VGL_MAX_COLOR_BUFS || fb.nr_cbufs != c->r.len - 2) {
        return vgl_sink_set_error(sink(c), VGL_ERROR_MALFORMED,
                                  "nr_cbufs %u does not match length %u", fb.nr_cbufs, c->r.len);
    }
    for (uint32_t i = 0; i < fb.nr_cbufs; i++) {
        READ(c, rd(&c->r, &fb.cbufs[i]));
    }
    return sink(c)->impl->set_framebuffer_state(sink(c), &fb);
}

/* §2.5 SET_FRAMEBUFFER_STATE_NO_ATTACH (len 2): width | height << 16, layers | samples << 16. */
static enum vgl_status decode_set_framebuffer_no_attach(struct decode_call *c) {
    uint32_t size, ls;
    READ(c, rd(&c->r, &size) && rd(&c->r, &ls));
    return sink(c)->impl->set_framebuffer_no_attach(sink(c), size & 0xffff, size >> 16, ls & 0xffff,
                                                    ls >> 16);
}

/* §2.5 CLEAR (len 8): buffers, colour[4], depth as a double (low dword first), stencil. */
static enum vgl_status decode_clear(struct decode_call *c) {
    struct vgl_cmd_clear cl;
    uint32_t lo, hi;
    READ(c, rd(&c->r, &cl.buffers));
    for (int i = 0; i < 4; i++) {
        READ(c, rd(&c->r, &cl.color[i]));
    }
    READ(c, rd(&c->r, &lo) && rd(&c->r, &hi) && rd(&c->r, &cl.stencil));
    const uint64_t bits = (uint64_t)hi << 32 | lo;
    memcpy(&cl.depth, &bits, sizeof(cl.depth));
    return sink(c)->impl->clear(sink(c), &cl);
}

/* §2.6 TRANSFER3D (len 13). */
static enum vgl_status decode_transfer3d(struct decode_call *c) {
    struct vgl_cmd_transfer3d t;
    READ(c, rd(&c->r, &t.res) && rd(&c->r, &t.level) && rd(&c->r, &t.usage) &&
                    rd(&c->r, &t.stride) && rd(&c->r, &t.layer_stride) && rd_box(&c->r, &t.box) &&
                    rd(&c->r, &t.offset) && rd(&c->r, &t.direction));
    return sink(c)->impl->transfer3d(sink(c), &t);
}

/* §2.6 COPY_TRANSFER3D (len 14). */
static enum vgl_status decode_copy_transfer3d(struct decode_call *c) {
    if (!sink(c)->impl->copy_transfer3d) {
        report_unimplemented(c->dec, "COPY_TRANSFER3D", VGL_CCMD_COPY_TRANSFER3D, false);
        return VGL_OK;
    }
    struct vgl_cmd_copy_transfer3d t;
    READ(c, rd(&c->r, &t.res) && rd(&c->r, &t.level) && rd(&c->r, &t.usage) &&
                    rd(&c->r, &t.stride) && rd(&c->r, &t.layer_stride) && rd_box(&c->r, &t.box) &&
                    rd(&c->r, &t.src_res) && rd(&c->r, &t.src_offset) && rd(&c->r, &t.flags));
    return sink(c)->impl->copy_transfer3d(sink(c), &t);
}

/* §2.6 END_TRANSFERS: its payload is stale garbage by design and is skipped unread. */
static enum vgl_status decode_end_transfers(struct decode_call *c) {
    return VGL_OK;
}

/* §2.5 RESOURCE_COPY_REGION (len 13). */
static enum vgl_status decode_resource_copy_region(struct decode_call *c) {
    struct vgl_cmd_copy_region cp;
    READ(c, rd(&c->r, &cp.dst_res) && rd(&c->r, &cp.dst_level) && rd_i32(&c->r, &cp.dst_x) &&
                    rd_i32(&c->r, &cp.dst_y) && rd_i32(&c->r, &cp.dst_z) &&
                    rd(&c->r, &cp.src_res) && rd(&c->r, &cp.src_level) &&
                    rd_box(&c->r, &cp.src_box));
    return sink(c)->impl->resource_copy_region(sink(c), &cp);
}

static bool rd_blit_side(struct reader *r, struct vgl_blit_side *s) {
    return rd(r, &s->res) && rd(r, &s->level) && rd(r, &s->format) && rd_box(r, &s->box);
}

/* §2.5 BLIT (len 21). */
static enum vgl_status decode_blit(struct decode_call *c) {
    struct vgl_cmd_blit b;
    uint32_t s0, smin, smax;
    READ(c, rd(&c->r, &s0) && rd(&c->r, &smin) && rd(&c->r, &smax) && rd_blit_side(&c->r, &b.dst) &&
                    rd_blit_side(&c->r, &b.src));
    b.mask = s0 & 0xff;
    b.filter = (s0 >> 8) & 3;
    b.scissor_enable = (s0 >> 10) & 1;
    b.render_condition_enable = (s0 >> 11) & 1;
    b.alpha_blend = (s0 >> 12) & 1;
    b.scissor_minx = smin & 0xffff;
    b.scissor_miny = smin >> 16;
    b.scissor_maxx = smax & 0xffff;
    b.scissor_maxy = smax >> 16;
    return sink(c)->impl->blit(sink(c), &b);
}

#define ANY                        0, 0xffff, 0, 0
#define FIXED(n)                   n, n, 0, 0
#define STEP(min, max, base, step) min, max, base, step

/*
 * The command table (protocol-facts §2.2 and §2.5): name, payload length bounds, and the
 * decoder. Commands without a decoder are length-checked and skipped.
 */
static const struct cmd_desc cmd_table[VGL_CCMD_COUNT] = {
        [VGL_CCMD_NOP] = {"NOP", ANY, NULL},
        [VGL_CCMD_CREATE_OBJECT] = {"CREATE_OBJECT", 1, 0xffff, 0, 0, decode_create_object},
        [VGL_CCMD_BIND_OBJECT] = {"BIND_OBJECT", FIXED(1), vgl_decode_bind_object},
        [VGL_CCMD_DESTROY_OBJECT] = {"DESTROY_OBJECT", FIXED(1), decode_destroy_object},
        [VGL_CCMD_SET_VIEWPORT_STATE] = {"SET_VIEWPORT_STATE", STEP(7, 1 + 6 * 16, 1, 6),
                                         vgl_decode_set_viewport_state},
        [VGL_CCMD_SET_FRAMEBUFFER_STATE] = {"SET_FRAMEBUFFER_STATE", 2, 2 + VGL_MAX_COLOR_BUFS, 0,
                                            0, decode_set_framebuffer_state},
        [VGL_CCMD_SET_VERTEX_BUFFERS] = {"SET_VERTEX_BUFFERS", STEP(0, 3 * 32, 0, 3),
                                         vgl_decode_set_vertex_buffers},
        [VGL_CCMD_CLEAR] = {"CLEAR", FIXED(8), decode_clear},
        [VGL_CCMD_DRAW_VBO] = {"DRAW_VBO", 12, 20, 0, 0, vgl_decode_draw_vbo},
        [VGL_CCMD_RESOURCE_INLINE_WRITE] = {"RESOURCE_INLINE_WRITE", 11, 0xffff, 0, 0, NULL},
        [VGL_CCMD_SET_SAMPLER_VIEWS] = {"SET_SAMPLER_VIEWS", 2, 2 + 32, 0, 0,
                                        vgl_decode_set_sampler_views},
        [VGL_CCMD_SET_INDEX_BUFFER] = {"SET_INDEX_BUFFER", 1, 3, 0, 0, vgl_decode_set_index_buffer},
        [VGL_CCMD_SET_CONSTANT_BUFFER] = {"SET_CONSTANT_BUFFER", 2, 0xffff, 0, 0,
                                          vgl_decode_set_constant_buffer},
        [VGL_CCMD_SET_STENCIL_REF] = {"SET_STENCIL_REF", FIXED(1), vgl_decode_set_stencil_ref},
        [VGL_CCMD_SET_BLEND_COLOR] = {"SET_BLEND_COLOR", FIXED(4), vgl_decode_set_blend_color},
        [VGL_CCMD_SET_SCISSOR_STATE] = {"SET_SCISSOR_STATE", STEP(3, 1 + 2 * 16, 1, 2),
                                        vgl_decode_set_scissor_state},
        [VGL_CCMD_BLIT] = {"BLIT", FIXED(21), decode_blit},
        [VGL_CCMD_RESOURCE_COPY_REGION] = {"RESOURCE_COPY_REGION", FIXED(13),
                                           decode_resource_copy_region},
        [VGL_CCMD_BIND_SAMPLER_STATES] = {"BIND_SAMPLER_STATES", 2, 2 + 32, 0, 0,
                                          vgl_decode_bind_sampler_states},
        [VGL_CCMD_BEGIN_QUERY] = {"BEGIN_QUERY", FIXED(1), vgl_decode_begin_query},
        [VGL_CCMD_END_QUERY] = {"END_QUERY", FIXED(1), vgl_decode_end_query},
        [VGL_CCMD_GET_QUERY_RESULT] = {"GET_QUERY_RESULT", FIXED(2), vgl_decode_get_query_result},
        [VGL_CCMD_SET_POLYGON_STIPPLE] = {"SET_POLYGON_STIPPLE", FIXED(32),
                                          vgl_decode_set_polygon_stipple},
        [VGL_CCMD_SET_CLIP_STATE] = {"SET_CLIP_STATE", FIXED(32), vgl_decode_set_clip_state},
        [VGL_CCMD_SET_SAMPLE_MASK] = {"SET_SAMPLE_MASK", FIXED(1), vgl_decode_set_sample_mask},
        [VGL_CCMD_SET_STREAMOUT_TARGETS] = {"SET_STREAMOUT_TARGETS", 1, 1 + 4, 0, 0,
                                            vgl_decode_set_so_targets},
        [VGL_CCMD_SET_RENDER_CONDITION] = {"SET_RENDER_CONDITION", FIXED(3),
                                           vgl_decode_set_render_condition},
        [VGL_CCMD_SET_UNIFORM_BUFFER] = {"SET_UNIFORM_BUFFER", FIXED(5),
                                         vgl_decode_set_uniform_buffer},
        [VGL_CCMD_SET_SUB_CTX] = {"SET_SUB_CTX", FIXED(1), decode_set_sub_ctx},
        [VGL_CCMD_CREATE_SUB_CTX] = {"CREATE_SUB_CTX", FIXED(1), decode_create_sub_ctx},
        [VGL_CCMD_DESTROY_SUB_CTX] = {"DESTROY_SUB_CTX", FIXED(1), decode_destroy_sub_ctx},
        [VGL_CCMD_BIND_SHADER] = {"BIND_SHADER", FIXED(2), vgl_decode_bind_shader},
        [VGL_CCMD_SET_TESS_STATE] = {"SET_TESS_STATE", FIXED(6), NULL},
        [VGL_CCMD_SET_MIN_SAMPLES] = {"SET_MIN_SAMPLES", FIXED(1), NULL},
        [VGL_CCMD_SET_SHADER_BUFFERS] = {"SET_SHADER_BUFFERS", STEP(2, 2 + 3 * 32, 2, 3), NULL},
        [VGL_CCMD_SET_SHADER_IMAGES] = {"SET_SHADER_IMAGES", STEP(2, 2 + 5 * 32, 2, 5), NULL},
        [VGL_CCMD_MEMORY_BARRIER] = {"MEMORY_BARRIER", FIXED(1), NULL},
        [VGL_CCMD_LAUNCH_GRID] = {"LAUNCH_GRID", FIXED(8), NULL},
        [VGL_CCMD_SET_FRAMEBUFFER_STATE_NO_ATTACH] = {"SET_FRAMEBUFFER_STATE_NO_ATTACH", FIXED(2),
                                                      decode_set_framebuffer_no_attach},
        [VGL_CCMD_TEXTURE_BARRIER] = {"TEXTURE_BARRIER", FIXED(1), vgl_decode_texture_barrier},
        [VGL_CCMD_SET_ATOMIC_BUFFERS] = {"SET_ATOMIC_BUFFERS", STEP(1, 1 + 3 * 32, 1, 3), NULL},
        [VGL_CCMD_SET_DEBUG_FLAGS] = {"SET_DEBUG_FLAGS", ANY, NULL},
        [VGL_CCMD_GET_QUERY_RESULT_QBO] = {"GET_QUERY_RESULT_QBO", FIXED(6), NULL},
        [VGL_CCMD_TRANSFER3D] = {"TRANSFER3D", FIXED(13), decode_transfer3d},
        [VGL_CCMD_END_TRANSFERS] = {"END_TRANSFERS", ANY, decode_end_transfers},
        [VGL_CCMD_COPY_TRANSFER3D] = {"COPY_TRANSFER3D", FIXED(14), decode_copy_transfer3d},
        [VGL_CCMD_SET_TWEAKS] = {"SET_TWEAKS", FIXED(2), NULL},
        [VGL_CCMD_CLEAR_TEXTURE] = {"CLEAR_TEXTURE", FIXED(12), NULL},
        [VGL_CCMD_PIPE_RESOURCE_CREATE] = {"PIPE_RESOURCE_CREATE", ANY, NULL},
        [VGL_CCMD_PIPE_RESOURCE_SET_TYPE] = {"PIPE_RESOURCE_SET_TYPE", ANY, NULL},
        [VGL_CCMD_GET_MEMORY_INFO] = {"GET_MEMORY_INFO", FIXED(1), NULL},
        [VGL_CCMD_EMIT_STRING_MARKER] = {"EMIT_STRING_MARKER", 1, 0xffff, 0, 0, NULL},
        [VGL_CCMD_LINK_SHADER] = {"LINK_SHADER", FIXED(6), NULL},
        [VGL_CCMD_CREATE_VIDEO_CODEC] = {"CREATE_VIDEO_CODEC", ANY, NULL},
        [VGL_CCMD_DESTROY_VIDEO_CODEC] = {"DESTROY_VIDEO_CODEC", ANY, NULL},
        [VGL_CCMD_CREATE_VIDEO_BUFFER] = {"CREATE_VIDEO_BUFFER", ANY, NULL},
        [VGL_CCMD_DESTROY_VIDEO_BUFFER] = {"DESTROY_VIDEO_BUFFER", ANY, NULL},
        [VGL_CCMD_BEGIN_FRAME] = {"BEGIN_FRAME", ANY, NULL},
        [VGL_CCMD_DECODE_MACROBLOCK] = {"DECODE_MACROBLOCK", ANY, NULL},
        [VGL_CCMD_DECODE_BITSTREAM] = {"DECODE_BITSTREAM", ANY, NULL},
        [VGL_CCMD_ENCODE_BITSTREAM] = {"ENCODE_BITSTREAM", ANY, NULL},
        [VGL_CCMD_END_FRAME] = {"END_FRAME", ANY, NULL},
};

/* Commands whose payload is consumed by design without a sink call. */
static bool skipped_by_design(uint32_t id) {
    return id == VGL_CCMD_NOP;
}

bool vgl_decode_cmd_bounds(uint32_t id, struct vgl_cmd_bounds *out) {
    if (id >= VGL_CCMD_COUNT || !cmd_table[id].name) {
        return false;
    }
    const struct cmd_desc *d = &cmd_table[id];
    *out = (struct vgl_cmd_bounds){d->name, d->min_dwords, d->max_dwords,
                                   d->base, d->step,       d->decode != NULL};
    return true;
}

const char *vgl_decode_cmd_name(uint32_t id) {
    return id < VGL_CCMD_COUNT && cmd_table[id].name ? cmd_table[id].name : "UNKNOWN";
}

bool vgl_decode_cmd_draws(uint32_t id) {
    return id == VGL_CCMD_DRAW_VBO || id == VGL_CCMD_CLEAR || id == VGL_CCMD_CLEAR_TEXTURE ||
           id == VGL_CCMD_BLIT || id == VGL_CCMD_RESOURCE_COPY_REGION;
}

const char *vgl_decode_object_name(uint32_t type) {
    return type < VGL_OBJECT_COUNT ? object_table[type].name : "UNKNOWN";
}

void vgl_decoder_init(struct vgl_decoder *dec, struct vgl_sink *s, uint32_t ctx_id) {
    *dec = (struct vgl_decoder){.sink = s, .ctx_id = ctx_id};
}

/* Check one command's framing against the table; on success *desc is its entry. */
static enum vgl_status check_framing(struct vgl_decoder *dec, uint32_t hdr, size_t avail,
                                     const struct cmd_desc **desc) {
    const uint32_t id = VGL_CMD_ID(hdr), len = VGL_CMD_LEN(hdr);
    if (id >= VGL_CCMD_COUNT) {
        return vgl_sink_set_error(dec->sink, VGL_ERROR_MALFORMED, "unknown command id %u", id);
    }
    const struct cmd_desc *d = &cmd_table[id];
    if (len > avail) {
        return vgl_sink_set_error(dec->sink, VGL_ERROR_MALFORMED,
                                  "%s claims %u dwords but only %zu remain", d->name, len, avail);
    }
    if (len < d->min_dwords || len > d->max_dwords ||
        (d->step && (len < d->base || (len - d->base) % d->step))) {
        return vgl_sink_set_error(dec->sink, VGL_ERROR_MALFORMED,
                                  "%s with %u dwords (allowed %u..%u%s)", d->name, len,
                                  d->min_dwords, d->max_dwords, d->step ? " in steps" : "");
    }
    *desc = d;
    return VGL_OK;
}

static void record_error(struct vgl_decoder *dec, enum vgl_status status, uint32_t cmd_index,
                         size_t offset, uint32_t opcode) {
    dec->broken = true;
    dec->error = (struct vgl_context_error){
            .status = status,
            .submit_index = dec->submit_count,
            .cmd_index = cmd_index,
            .dword_offset = (uint32_t)offset,
            .opcode = opcode,
    };
    snprintf(dec->error.message, sizeof(dec->error.message), "%s", dec->sink->message);
    vgl_log(VGL_LOG_WARN, "context %u broken: submit %u, command %u (%s) at dword %zu: %s (%s)",
            dec->ctx_id, dec->submit_count, cmd_index, vgl_decode_cmd_name(opcode), offset,
            dec->error.message, vgl_status_str(status));
}

enum vgl_status vgl_decode_submit(struct vgl_decoder *dec, const uint32_t *buf, size_t ndw) {
    if (dec->broken) {
        return VGL_ERROR_CONTEXT_BROKEN;
    }
    size_t offset = 0;
    uint32_t index = 0;
    enum vgl_status status = VGL_OK;
    while (offset < ndw) {
        const uint32_t hdr = buf[offset];
        const struct cmd_desc *d = NULL;
        dec->sink->message[0] = '\0';
        status = check_framing(dec, hdr, ndw - offset - 1, &d);
        if (status == VGL_OK && (vgl_debug_flags() & VGL_DEBUG_CMD)) {
            char words[16 * 9 + 4] = "";
            const uint32_t shown = VGL_CMD_LEN(hdr) < 16 ? VGL_CMD_LEN(hdr) : 16;
            for (uint32_t i = 0; i < shown; i++) {
                snprintf(words + 9 * i, sizeof(words) - 9 * i, " %08x", buf[offset + 1 + i]);
            }
            vgl_log(VGL_LOG_INFO, "ctx %u submit %u cmd %u: %s obj %u len %u:%s%s", dec->ctx_id,
                    dec->submit_count, index, vgl_decode_cmd_name(VGL_CMD_ID(hdr)),
                    VGL_CMD_OBJ(hdr), VGL_CMD_LEN(hdr), words,
                    shown < VGL_CMD_LEN(hdr) ? " ..." : "");
        }
        if (status == VGL_OK) {
            dec->sink->cmd = buf + offset;
            dec->sink->cmd_dwords = 1 + VGL_CMD_LEN(hdr);
            dec->sink->cmd_index = index;
            struct decode_call call = {
                    .dec = dec,
                    .obj_type = VGL_CMD_OBJ(hdr),
                    .r = {.p = buf + offset + 1, .len = VGL_CMD_LEN(hdr)},
            };
            if (dec->observe) {
                dec->observe(dec->observe_user, VGL_CMD_ID(hdr), call.obj_type, index, false,
                             false);
            }
            if (d->decode) {
                status = d->decode(&call);
            } else if (!skipped_by_design(VGL_CMD_ID(hdr))) {
                report_unimplemented(dec, d->name, VGL_CMD_ID(hdr), false);
            }
            if (dec->observe) {
                dec->observe(dec->observe_user, VGL_CMD_ID(hdr), call.obj_type, index, true,
                             status != VGL_OK);
            }
        }
        if (status == VGL_OK && dec->sink->impl->command_done) {
            dec->sink->impl->command_done(dec->sink, VGL_CMD_ID(hdr), index);
        }
        if (status != VGL_OK) {
            if (!dec->sink->message[0]) {
                snprintf(dec->sink->message, sizeof(dec->sink->message), "%s",
                         vgl_status_str(status));
            }
            record_error(dec, status, index, offset, VGL_CMD_ID(hdr));
            break;
        }
        offset += 1 + (size_t)VGL_CMD_LEN(hdr);
        index++;
    }
    dec->submit_count++;
    return status;
}

void vgl_sink_init(struct vgl_sink *s, const struct vgl_sink_impl *impl) {
    assert(impl->create_sub_ctx && impl->destroy_sub_ctx && impl->set_sub_ctx);
    assert(impl->create_surface && impl->destroy_object && impl->set_framebuffer_state);
    assert(impl->set_framebuffer_no_attach && impl->clear && impl->transfer3d);
    assert(impl->resource_copy_region && impl->blit);
    assert(impl->create_blend && impl->create_rasterizer && impl->create_dsa);
    assert(impl->create_vertex_elements && impl->create_sampler_view);
    assert(impl->create_sampler_state && impl->create_shader && impl->create_query);
    assert(impl->create_so_target && impl->set_so_targets);
    assert(impl->bind_object && impl->bind_shader && impl->set_viewport_state);
    assert(impl->set_scissor_state && impl->set_vertex_buffers && impl->set_index_buffer);
    assert(impl->set_constant_buffer && impl->set_sampler_views && impl->bind_sampler_states);
    assert(impl->set_stencil_ref && impl->set_blend_color && impl->set_clip_state);
    assert(impl->set_polygon_stipple && impl->set_sample_mask && impl->draw_vbo);
    assert(impl->begin_query && impl->end_query && impl->get_query_result);
    assert(impl->set_render_condition && impl->set_uniform_buffer && impl->texture_barrier);
    s->impl = impl;
    s->message[0] = '\0';
}

enum vgl_status vgl_sink_set_error(struct vgl_sink *s, enum vgl_status status, const char *fmt,
                                   ...) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(s->message, sizeof(s->message), fmt, args);
    va_end(args);
    return status;
}
