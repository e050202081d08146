/* SPDX-License-Identifier: MIT */
/* Decoder tests on a recording sink: the command table, length checks, sticky errors. */
#include <string.h>

#include <vgl/frame_marks.h>

#include "../encode/encode.h"
#include "decode/decoder.h"
#include "test.h"

struct rec_sink {
    struct vgl_sink base;
    int clears, surfaces, sub_ctx, transfers, blits;
    struct vgl_cmd_clear last_clear;
    struct vgl_cmd_blit last_blit;
};

static enum vgl_status rec_sub(struct vgl_sink *s, uint32_t id) {
    ((struct rec_sink *)s)->sub_ctx++;
    return VGL_OK;
}
static enum vgl_status rec_surface(struct vgl_sink *s, const struct vgl_cmd_surface *c) {
    ((struct rec_sink *)s)->surfaces++;
    return c->res == 999 ? vgl_sink_set_error(s, VGL_ERROR_NOT_FOUND, "no 999") : VGL_OK;
}
static enum vgl_status rec_clear(struct vgl_sink *s, const struct vgl_cmd_clear *c) {
    ((struct rec_sink *)s)->clears++;
    ((struct rec_sink *)s)->last_clear = *c;
    return VGL_OK;
}
static enum vgl_status rec_transfer(struct vgl_sink *s, const struct vgl_cmd_transfer3d *c) {
    ((struct rec_sink *)s)->transfers++;
    return VGL_OK;
}
static enum vgl_status rec_blit(struct vgl_sink *s, const struct vgl_cmd_blit *c) {
    ((struct rec_sink *)s)->blits++;
    ((struct rec_sink *)s)->last_blit = *c;
    return VGL_OK;
}

/* The null sink with recording hooks on top. */
static struct vgl_sink_impl rec_impl;

static struct rec_sink sink;
static struct vgl_decoder dec;

static void setup(void) {
    vgl_log_init(VGL_LOG_ERROR, NULL, NULL);
    rec_impl = vgl_null_sink_impl;
    rec_impl.create_sub_ctx = rec_sub;
    rec_impl.destroy_sub_ctx = rec_sub;
    rec_impl.set_sub_ctx = rec_sub;
    rec_impl.create_surface = rec_surface;
    rec_impl.clear = rec_clear;
    rec_impl.transfer3d = rec_transfer;
    rec_impl.blit = rec_blit;
    memset(&sink, 0, sizeof(sink));
    vgl_sink_init(&sink.base, &rec_impl);
    vgl_decoder_init(&dec, &sink.base, 1);
}

/* A buffer holding one command with `len` payload dwords (payload = 0x11111111). */
static size_t one_cmd(uint32_t *buf, uint32_t id, uint32_t obj, uint32_t len) {
    buf[0] = VGL_CMD_HEADER(id, obj, len);
    for (uint32_t i = 0; i < len; i++) {
        buf[1 + i] = 0x11111111;
    }
    return 1 + len;
}

VGL_TEST(command_table_complete) {
    for (uint32_t id = 0; id < VGL_CCMD_COUNT; id++) {
        struct vgl_cmd_bounds b;
        CHECK(vgl_decode_cmd_bounds(id, &b));
        CHECK(b.name != NULL && strcmp(b.name, "UNKNOWN") != 0);
        CHECK(b.min_dwords <= b.max_dwords);
        CHECK(b.max_dwords <= 0xffff);
    }
    struct vgl_cmd_bounds b;
    CHECK(!vgl_decode_cmd_bounds(VGL_CCMD_COUNT, &b));
    CHECK(strcmp(vgl_decode_cmd_name(VGL_CCMD_BLIT), "BLIT") == 0);
    CHECK(strcmp(vgl_decode_cmd_name(200), "UNKNOWN") == 0);
    for (uint32_t t = 1; t < VGL_OBJECT_COUNT; t++) {
        CHECK(strcmp(vgl_decode_object_name(t), "UNKNOWN") != 0);
    }
}

VGL_TEST(length_checks_reject_short_and_long) {
    static uint32_t buf[0x10010];
    for (uint32_t id = 0; id < VGL_CCMD_COUNT; id++) {
        struct vgl_cmd_bounds b;
        CHECK(vgl_decode_cmd_bounds(id, &b));
        if (id == VGL_CCMD_CREATE_OBJECT) {
            continue; /* per object type, tested below */
        }
        if (b.min_dwords > 0) {
            setup();
            const size_t n = one_cmd(buf, id, 0, b.min_dwords - 1);
            CHECK_EQ(vgl_decode_submit(&dec, buf, n), VGL_ERROR_MALFORMED);
            CHECK_EQ(dec.error.opcode, id);
        }
        if (b.max_dwords < 0xffff) {
            setup();
            const size_t n = one_cmd(buf, id, 0, b.max_dwords + 1);
            CHECK_EQ(vgl_decode_submit(&dec, buf, n), VGL_ERROR_MALFORMED);
        }
        if (b.step > 1) {
            setup();
            const size_t n = one_cmd(buf, id, 0, b.base + b.step + 1);
            CHECK_EQ(vgl_decode_submit(&dec, buf, n), VGL_ERROR_MALFORMED);
        }
    }
}

VGL_TEST(length_past_buffer_and_unknown_ids) {
    uint32_t buf[16];
    setup();
    buf[0] = VGL_CMD_HEADER(VGL_CCMD_CLEAR, 0, 8);
    CHECK_EQ(vgl_decode_submit(&dec, buf, 5), VGL_ERROR_MALFORMED);
    CHECK(strstr(dec.error.message, "remain") != NULL);
    for (uint32_t id = VGL_CCMD_COUNT; id < 256; id++) {
        setup();
        buf[0] = VGL_CMD_HEADER(id, 0, 0);
        CHECK_EQ(vgl_decode_submit(&dec, buf, 1), VGL_ERROR_MALFORMED);
    }
}

VGL_TEST(create_object_lengths_and_types) {
    uint32_t buf[64];
    setup();
    CHECK_EQ(vgl_decode_submit(&dec, buf, one_cmd(buf, VGL_CCMD_CREATE_OBJECT, 0, 5)),
             VGL_ERROR_MALFORMED);
    setup();
    CHECK_EQ(vgl_decode_submit(&dec, buf, one_cmd(buf, VGL_CCMD_CREATE_OBJECT, 12, 5)),
             VGL_ERROR_MALFORMED);
    setup();
    CHECK_EQ(vgl_decode_submit(&dec, buf,
                               one_cmd(buf, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SURFACE, 4)),
             VGL_ERROR_MALFORMED);
    setup();
    CHECK_EQ(vgl_decode_submit(&dec, buf,
                               one_cmd(buf, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SURFACE, 5)),
             VGL_OK);
    CHECK_EQ(sink.surfaces, 1);
    setup(); /* an unimplemented object type is skipped, not fatal */
    CHECK_EQ(
            vgl_decode_submit(&dec, buf,
                              one_cmd(buf, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_STREAMOUT_TARGET, 4)),
            VGL_OK);
    setup();
    CHECK_EQ(vgl_decode_submit(&dec, buf,
                               one_cmd(buf, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_VERTEX_ELEMENTS, 6)),
             VGL_ERROR_MALFORMED);
}

VGL_TEST(unimplemented_commands_do_not_break) {
    uint32_t buf[64];
    setup();
    /* an unimplemented command (tessellation state), then a clear */
    size_t n = one_cmd(buf, VGL_CCMD_SET_TESS_STATE, 0, 6);
    buf[n] = VGL_CMD_HEADER(VGL_CCMD_CLEAR, 0, 8);
    buf[n + 1] = VGL_CLEAR_COLOR0;
    buf[n + 2] = 0x3e800000; /* 0.25 */
    buf[n + 3] = 0x3f000000;
    buf[n + 4] = 0x3f400000;
    buf[n + 5] = 0x3f800000;
    buf[n + 6] = 0x00000000; /* depth 1.0 as a double, low dword first */
    buf[n + 7] = 0x3ff00000;
    buf[n + 8] = 7;
    n += 9;
    CHECK_EQ(vgl_decode_submit(&dec, buf, n), VGL_OK);
    CHECK_EQ(vgl_decode_submit(&dec, buf, n), VGL_OK);
    CHECK_EQ(sink.clears, 2);
    CHECK(!dec.broken);
    CHECK(sink.last_clear.depth == 1.0);
    CHECK_EQ(sink.last_clear.stencil, 7);
    CHECK_EQ(sink.last_clear.color[0], 0x3e800000);
    CHECK(dec.reported_cmds & (1ull << VGL_CCMD_SET_TESS_STATE));
}

VGL_TEST(sticky_error_records_location) {
    uint32_t buf[64];
    setup();
    size_t n = one_cmd(buf, VGL_CCMD_SET_SUB_CTX, 0, 1);
    n += one_cmd(buf + n, VGL_CCMD_SET_SUB_CTX, 0, 1);
    const size_t bad_at = n;
    buf[n++] = VGL_CMD_HEADER(VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SURFACE, 5);
    buf[n++] = 5;
    buf[n++] = 999; /* the sink refuses resource 999 */
    buf[n++] = 67;
    buf[n++] = 0;
    buf[n++] = 0;
    n += one_cmd(buf + n, VGL_CCMD_SET_SUB_CTX, 0, 1);
    CHECK_EQ(vgl_decode_submit(&dec, buf, n), VGL_ERROR_NOT_FOUND);
    CHECK(dec.broken);
    CHECK_EQ(dec.error.cmd_index, 2);
    CHECK_EQ(dec.error.dword_offset, bad_at);
    CHECK_EQ(dec.error.opcode, VGL_CCMD_CREATE_OBJECT);
    CHECK_EQ(dec.error.submit_index, 0);
    CHECK(strstr(dec.error.message, "999") != NULL);
    CHECK_EQ(sink.sub_ctx, 2); /* the command after the failure never ran */
    CHECK_EQ(vgl_decode_submit(&dec, buf, 2), VGL_ERROR_CONTEXT_BROKEN);
}

VGL_TEST(transfer_region_garbage_is_skipped) {
    static uint32_t buf[1100];
    setup();
    size_t n = 0;
    buf[n++] = VGL_CMD_HEADER(VGL_CCMD_TRANSFER3D, 0, 13);
    for (int i = 0; i < 13; i++) {
        buf[n++] = (uint32_t)i;
    }
    buf[n] = VGL_CMD_HEADER(VGL_CCMD_END_TRANSFERS, 0, 1023 - 14);
    for (size_t i = n + 1; i < 1024; i++) {
        buf[i] = 0xdeadbeef; /* stale words, including fake headers */
    }
    n = 1024;
    n += one_cmd(buf + n, VGL_CCMD_SET_SUB_CTX, 0, 1);
    CHECK_EQ(vgl_decode_submit(&dec, buf, n), VGL_OK);
    CHECK_EQ(sink.transfers, 1);
    CHECK_EQ(sink.sub_ctx, 1);
}

VGL_TEST(blit_fields_unpacked) {
    uint32_t buf[32] = {0};
    setup();
    buf[0] = VGL_CMD_HEADER(VGL_CCMD_BLIT, 0, 21);
    buf[1] = 0xf | 1 << 8 | 1 << 10;
    buf[2] = 3 | 4 << 16;
    buf[3] = 30 | 40 << 16;
    buf[4] = 7;              /* dst res */
    buf[10] = (uint32_t)-16; /* dst w, negative: a flip */
    buf[13] = 9;             /* src res */
    CHECK_EQ(vgl_decode_submit(&dec, buf, 22), VGL_OK);
    CHECK_EQ(sink.blits, 1);
    CHECK_EQ(sink.last_blit.mask, 0xf);
    CHECK_EQ(sink.last_blit.filter, 1);
    CHECK(sink.last_blit.scissor_enable);
    CHECK_EQ(sink.last_blit.scissor_maxy, 40);
    CHECK_EQ(sink.last_blit.dst.res, 7);
    CHECK_EQ(sink.last_blit.dst.box.w, -16);
    CHECK_EQ(sink.last_blit.src.res, 9);
}

VGL_TEST(null_sink_accepts_wellformed) {
    uint32_t buf[32];
    struct vgl_sink null_sink;
    vgl_sink_init(&null_sink, &vgl_null_sink_impl);
    vgl_decoder_init(&dec, &null_sink, 1);
    size_t n = one_cmd(buf, VGL_CCMD_CREATE_SUB_CTX, 0, 1);
    n += one_cmd(buf + n, VGL_CCMD_SET_SUB_CTX, 0, 1);
    n += one_cmd(buf + n, VGL_CCMD_DRAW_VBO, 0, 12);
    CHECK_EQ(vgl_decode_submit(&dec, buf, n), VGL_OK);
}

static struct vgl_cmd_shader last_shader;
static enum vgl_status rec_shader(struct vgl_sink *s, const struct vgl_cmd_shader *c) {
    last_shader = *c;
    return VGL_OK;
}

VGL_TEST(shader_stream_output_parsed) {
    uint32_t buf[32];
    setup();
    rec_impl.create_shader = rec_shader;
    /* handle, stage, offlen, tokens, 2 outputs, strides, 2 x (A, stream), 4 text bytes */
    const uint32_t out0 = 4 << 10;                                  /* OUT[0].xyzw, buffer 0 */
    const uint32_t out1 = 3 | 1 << 8 | 1 << 10 | 1 << 13 | 1 << 16; /* OUT[3].y, buffer 1 at 1 */
    const uint32_t p[] = {5, 0, 4, 10, 2, 4, 2, 0, 0, out0, 0, out1, 0, 0x54524556};
    const uint32_t len = sizeof(p) / 4;
    buf[0] = VGL_CMD_HEADER(VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SHADER, len);
    memcpy(buf + 1, p, sizeof(p));
    CHECK_EQ(vgl_decode_submit(&dec, buf, 1 + len), VGL_OK);
    CHECK_EQ(last_shader.num_so_outputs, 2);
    CHECK_EQ(last_shader.so_stride[0], 4);
    CHECK_EQ(last_shader.so_stride[1], 2);
    CHECK_EQ(last_shader.so[0].num_components, 4);
    CHECK_EQ(last_shader.so[1].register_index, 3);
    CHECK_EQ(last_shader.so[1].start_component, 1);
    CHECK_EQ(last_shader.so[1].num_components, 1);
    CHECK_EQ(last_shader.so[1].output_buffer, 1);
    CHECK_EQ(last_shader.so[1].dst_offset, 1);
    CHECK_EQ(last_shader.text_size, 4);
    /* The same header claiming 6 outputs runs past the payload. */
    buf[1 + 4] = 6;
    setup();
    rec_impl.create_shader = rec_shader;
    CHECK_EQ(vgl_decode_submit(&dec, buf, 1 + len), VGL_ERROR_MALFORMED);
}

/* The clear heuristic for frames (decode/frame_marks.h) on a stream built as Mesa builds it. */
VGL_TEST(frame_marks_follow_clears_of_the_frame_target) {
    static struct enc e;
    const float black[4] = {0, 0, 0, 1};
    const uint32_t screen = 1, shadow = 2, resized = 3;
    struct vgl_frame_marks *m = vgl_frame_marks_create(1);
    CHECK(m);
    uint32_t out[16];
    enc_reset(&e);
    enc_sub_ctx(&e, 1);
    enc_surface(&e, 10, screen, 1 /* B8G8R8A8_UNORM */);
    enc_surface(&e, 11, shadow, 1 /* B8G8R8A8_UNORM */);
    enc_surface(&e, 12, resized, 1 /* B8G8R8A8_UNORM */);
    uint32_t starts[8];
    size_t frames = 0;
    for (int f = 0; f < 3; f++) {
        /* A shadow pass, then the frame on the screen: the first target cleared is the
         * shadow map's, and each frame starts at that clear, with its first pass. */
        enc_framebuffer(&e, 0, 1, (uint32_t[]){11});
        if (f > 0) {
            starts[frames++] = (uint32_t)e.n;
        }
        enc_clear(&e, VGL_CLEAR_COLOR0, black, 1.0, 0);
        enc_draw(&e, 4, 0, 3, false);
        enc_framebuffer(&e, 0, 1, (uint32_t[]){10});
        enc_clear(&e, VGL_CLEAR_COLOR0 | 1u, black, 1.0, 0);
        enc_draw(&e, 4, 0, 3, false);
    }
    CHECK(!vgl_frame_marks_have_target(m));
    const size_t n = vgl_frame_marks_submit(m, e.buf, e.n, out, 16);
    CHECK(vgl_frame_marks_have_target(m));
    CHECK(vgl_frame_marks_pending(m));
    CHECK_EQ(n, frames);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ(out[i], starts[i]); /* the dword of the CLEAR that starts the frame */
    }
    /* Depth-only clears start nothing; a resize moves the target after three frames there. */
    enc_reset(&e);
    enc_clear(&e, 1u, black, 1.0, 0);
    enc_framebuffer(&e, 0, 1, (uint32_t[]){12});
    for (int f = 0; f < 4; f++) {
        enc_clear(&e, VGL_CLEAR_COLOR0, black, 1.0, 0);
        enc_draw(&e, 4, 0, 3, false);
    }
    CHECK_EQ(vgl_frame_marks_submit(m, e.buf, e.n, out, 16), 2); /* the 3rd and 4th clears */
    /* A buffer the decoder refuses ends the marking. */
    const uint32_t bad[2] = {VGL_CMD_HEADER(VGL_CCMD_CLEAR, 0, 8), 0};
    CHECK_EQ(vgl_frame_marks_submit(m, bad, 2, out, 16), 0);
    CHECK(!vgl_frame_marks_have_target(m));
    vgl_frame_marks_destroy(m);
}
