/* SPDX-License-Identifier: MIT */
/*
 * Hostile indices: slots past the fixed arrays of the host (vertex buffers and elements, sampler
 * views, samplers, colour buffers, constant buffers, stream-out targets and outputs, viewports,
 * scissors, shader stages), and format, target, bind and enum values that index tables.
 */
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "test.h"

static void expect(struct hostile *h, enum vgl_status status) {
    hostile_submit_expect(h, status);
    hostile_close(h);
}

VGL_TEST(vertex_buffers_past_32) {
    struct hostile *h = hostile_open(NULL);
    uint32_t vbs[33][3] = {{0}};
    enc_vertex_buffers(&h->e, 32, vbs); /* all 32 slots: fine */
    hostile_submit_ok(h, HOSTILE_CTX);
    h->e.buf[h->e.n++] = VGL_CMD_HEADER(VGL_CCMD_SET_VERTEX_BUFFERS, 0, 99);
    memset(h->e.buf + h->e.n, 0, 99 * 4);
    h->e.n += 99;
    expect(h, VGL_ERROR_MALFORMED);
}

VGL_TEST(vertex_element_buffer_index_past_32) {
    struct hostile *h = hostile_open(NULL);
    const uint32_t el[1][4] = {{0, 0, 32, 31}};
    enc_vertex_elements(&h->e, 23, 1, el);
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
}

VGL_TEST(vertex_elements_past_32) {
    struct hostile *h = hostile_open(NULL);
    uint32_t p[1 + 4 * 33] = {23};
    for (int i = 0; i < 33; i++) {
        p[4 + 4 * i] = 31;
    }
    enc_cmd(&h->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_VERTEX_ELEMENTS, p, 1 + 4 * 33);
    expect(h, VGL_ERROR_MALFORMED);
}

VGL_TEST(sampler_view_slots_past_32) {
    const uint32_t starts[] = {31, 32, 0xffffffffu};
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
        struct hostile *h = hostile_open(NULL);
        const uint32_t handles[2] = {0, 0};
        enc_sampler_views_at(&h->e, VGL_SHADER_FRAGMENT, starts[i], 2, handles);
        expect(h, VGL_ERROR_INVALID_ARGUMENT);
    }
    struct hostile *h = hostile_open(NULL);
    const uint32_t none = 0;
    enc_sampler_views_at(&h->e, 0x7fffffffu, 0, 0, &none); /* no such stage */
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
}

VGL_TEST(sampler_state_slots_past_32) {
    struct hostile *h = hostile_open(NULL);
    const uint32_t handles[4] = {0};
    enc_sampler_states_at(&h->e, VGL_SHADER_VERTEX, 29, 4, handles);
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
    h = hostile_open(NULL);
    enc_sampler_states_at(&h->e, 6, 0, 1, handles);
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
}

VGL_TEST(colour_buffers_past_8) {
    struct hostile *h = hostile_open(NULL);
    /* nr_cbufs 9 in a command of 2 + 8 dwords: the count disagrees with the length. */
    uint32_t fb[10] = {9, 0, 10, 10, 10, 10, 10, 10, 10, 10};
    enc_cmd(&h->e, VGL_CCMD_SET_FRAMEBUFFER_STATE, 0, fb, 10);
    expect(h, VGL_ERROR_MALFORMED);
    h = hostile_open(NULL);
    fb[0] = 0xffffffffu;
    enc_cmd(&h->e, VGL_CCMD_SET_FRAMEBUFFER_STATE, 0, fb, 10);
    expect(h, VGL_ERROR_MALFORMED);
    h = hostile_open(NULL);
    uint32_t big[11] = {9, 0, 10, 10, 10, 10, 10, 10, 10, 10, 10};
    enc_cmd(&h->e, VGL_CCMD_SET_FRAMEBUFFER_STATE, 0, big, 11);
    expect(h, VGL_ERROR_MALFORMED);
}

VGL_TEST(constant_buffer_stage_and_index) {
    const float v[4] = {1, 2, 3, 4};
    struct hostile *h = hostile_open(NULL);
    enc_constants_at(&h->e, 0xffffffffu, 0, v, 4);
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
    h = hostile_open(NULL);
    enc_constants_at(&h->e, VGL_SHADER_FRAGMENT, 0xffffffffu, v, 4);
    expect(h, VGL_ERROR_UNSUPPORTED);
}

/* SET_UNIFORM_BUFFER: every stage, index, resource and range is checked; the context keeps
 * serving after each refusal is reported. */
VGL_TEST(uniform_buffer_stage_index_and_range) {
    static const struct {
        uint32_t p[5];
        enum vgl_status status;
    } cases[] = {
            {{VGL_SHADER_STAGES, 1, 0, 16, 7}, VGL_ERROR_INVALID_ARGUMENT}, /* stage */
            {{0xffffffffu, 1, 0, 16, 7}, VGL_ERROR_INVALID_ARGUMENT},
            {{0, 0, 0, 16, 7}, VGL_ERROR_INVALID_ARGUMENT}, /* index 0 is CONST[0] */
            {{0, VGL_SHADER_MAX_UBOS, 0, 16, 7}, VGL_ERROR_INVALID_ARGUMENT},
            {{0, 0xffffffffu, 0, 16, 7}, VGL_ERROR_INVALID_ARGUMENT},
            {{0, 1, 0, 16, 99}, VGL_ERROR_NOT_FOUND},                 /* no such resource */
            {{0, 1, 0, 16, HOSTILE_RT}, VGL_ERROR_NOT_FOUND},         /* not a buffer */
            {{0, 1, 0, 65, 7}, VGL_ERROR_INVALID_ARGUMENT},           /* past the end */
            {{0, 1, 0xfffffff0u, 32, 7}, VGL_ERROR_INVALID_ARGUMENT}, /* offset wraps */
            {{0, 1, 16, 0xfffffff8u, 7}, VGL_ERROR_INVALID_ARGUMENT}, /* length wraps */
            {{0, 1, 0, 0, 7}, VGL_ERROR_INVALID_ARGUMENT},            /* empty range */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hostile *h = hostile_open(NULL);
        uint8_t *mem = hostile_buffer(h, HOSTILE_CTX, 7, 64);
        enc_cmd(&h->e, VGL_CCMD_SET_UNIFORM_BUFFER, 0, cases[i].p, 5);
        expect(h, cases[i].status);
        free(mem);
    }
    /* A whole buffer, then an unbind: accepted. */
    struct hostile *h = hostile_open(NULL);
    uint8_t *mem = hostile_buffer(h, HOSTILE_CTX, 7, 64);
    const uint32_t ok[5] = {VGL_SHADER_GEOMETRY, 12, 0, 64, 7}, off[5] = {0, 3, 0, 0, 0};
    enc_cmd(&h->e, VGL_CCMD_SET_UNIFORM_BUFFER, 0, ok, 5);
    enc_cmd(&h->e, VGL_CCMD_SET_UNIFORM_BUFFER, 0, off, 5);
    hostile_submit_ok(h, HOSTILE_CTX);
    hostile_close(h);
    free(mem);
}

/* SET_RENDER_CONDITION: an unknown query or mode is refused; TEXTURE_BARRIER is harmless. */
VGL_TEST(render_condition_query_and_mode) {
    struct hostile *h = hostile_open(NULL);
    const uint32_t missing[3] = {0x7fffffffu, 0, 0};
    enc_cmd(&h->e, VGL_CCMD_SET_RENDER_CONDITION, 0, missing, 3);
    expect(h, VGL_ERROR_NOT_FOUND);
    h = hostile_open(NULL);
    uint8_t *mem = hostile_buffer(h, HOSTILE_CTX, 7, 64);
    const uint32_t q[4] = {70, 0, 0, 7};
    enc_cmd(&h->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_QUERY, q, 4);
    const uint32_t bad_mode[3] = {70, 1, 4};
    enc_cmd(&h->e, VGL_CCMD_SET_RENDER_CONDITION, 0, bad_mode, 3);
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
    free(mem);
    /* The condition's query destroyed while set: the condition keeps its reference. */
    h = hostile_open(NULL);
    mem = hostile_buffer(h, HOSTILE_CTX, 7, 64);
    enc_cmd(&h->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_QUERY, q, 4);
    const uint32_t h70 = 70, cond[3] = {70, 0, 0}, flags = 0;
    enc_cmd(&h->e, VGL_CCMD_BEGIN_QUERY, 0, &h70, 1);
    enc_cmd(&h->e, VGL_CCMD_END_QUERY, 0, &h70, 1);
    enc_cmd(&h->e, VGL_CCMD_SET_RENDER_CONDITION, 0, cond, 3);
    enc_destroy(&h->e, VGL_OBJECT_QUERY, 70);
    const float red[4] = {1, 0, 0, 1};
    enc_clear(&h->e, VGL_CLEAR_COLOR0, red, 1.0, 0);
    if (vgl_renderer_get_host_api(h->r) == VGL_HOST_API_GL) { /* GLES has no barrier */
        enc_cmd(&h->e, VGL_CCMD_TEXTURE_BARRIER, 0, &flags, 1);
    }
    hostile_submit_ok(h, HOSTILE_CTX);
    hostile_close(h);
    free(mem);
}

VGL_TEST(streamout_targets_past_4) {
    struct hostile *h = hostile_open(NULL);
    const uint32_t p[6] = {0, 0, 0, 0, 0, 0};
    enc_cmd(&h->e, VGL_CCMD_SET_STREAMOUT_TARGETS, 0, p, 6);
    expect(h, VGL_ERROR_MALFORMED);
}

VGL_TEST(streamout_outputs_past_limits) {
    static const char vs[] = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n"
                             "  1: END\n";
    const uint32_t stride[4] = {4, 0, 0, 0};
    /* Buffer 5 of 4, then register 200 of 1. */
    const uint32_t bad_buffer[2] = {enc_so_output(0, 0, 4, 5, 0), 0};
    struct hostile *h = hostile_open(NULL);
    enc_shader_so(&h->e, 30, VGL_SHADER_VERTEX, vs, 1, stride, bad_buffer);
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
    const uint32_t bad_reg[2] = {enc_so_output(200, 0, 4, 0, 0), 0};
    h = hostile_open(NULL);
    enc_shader_so(&h->e, 30, VGL_SHADER_VERTEX, vs, 1, stride, bad_reg);
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
    /* 65 outputs, more than the protocol allows. */
    uint32_t p[5 + 4 + 2 * 65 + 24] = {30, VGL_SHADER_VERTEX, sizeof(vs), 100, 65};
    memcpy(p + 5 + 4 + 2 * 65, vs, sizeof(vs));
    h = hostile_open(NULL);
    enc_cmd(&h->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SHADER, p, 5 + 4 + 2 * 65 + 24);
    expect(h, VGL_ERROR_MALFORMED);
}

VGL_TEST(viewports_and_scissors_past_16) {
    struct hostile *h = hostile_open(NULL);
    enc_viewports(&h->e, 15, 2);
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
    h = hostile_open(NULL);
    enc_viewports(&h->e, 0xffffffffu, 1);
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
    h = hostile_open(NULL);
    enc_scissors(&h->e, 16, 1);
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
    h = hostile_open(NULL);
    enc_scissors(&h->e, 0xfffffff0u, 16);
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
    h = hostile_open(NULL);
    uint32_t p[1 + 6 * 17] = {0};
    enc_cmd(&h->e, VGL_CCMD_SET_VIEWPORT_STATE, 0, p, 1 + 6 * 17);
    expect(h, VGL_ERROR_MALFORMED);
}

VGL_TEST(shader_stage_past_table) {
    struct hostile *h = hostile_open(NULL);
    enc_bind_shader(&h->e, 30, 0xffffffffu);
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
    h = hostile_open(NULL);
    enc_shader(&h->e, 30, 77, "VERT\n  0: END\n");
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
    h = hostile_open(NULL);
    enc_shader(&h->e, 30, VGL_SHADER_STAGES, "VERT\n  0: END\n");
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
}

static struct vgl_resource_args tex(uint32_t target, uint32_t format) {
    return (struct vgl_resource_args){.handle = 7,
                                      .target = target,
                                      .format = format,
                                      .bind = VGL_BIND_SAMPLER_VIEW,
                                      .width = 4,
                                      .height = 4,
                                      .depth = 1,
                                      .array_size = 1};
}

VGL_TEST(resource_format_target_bind_out_of_range) {
    struct hostile *h = hostile_open(NULL);
    const uint32_t formats[] = {0, 3, 323, 1000, 0x7fffffffu, 0xffffffffu}; /* 3: A8R8G8B8 */
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        const struct vgl_resource_args a = tex(VGL_TARGET_2D, formats[i]);
        CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_ERROR_UNSUPPORTED);
    }
    const uint32_t targets[] = {VGL_TARGET_COUNT, 100, 0xffffffffu};
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        const struct vgl_resource_args a = tex(targets[i], FMT_RGBA8);
        CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_ERROR_INVALID_ARGUMENT);
    }
    /* Bind flags select nothing in a table: unknown bits are harmless. */
    struct vgl_resource_args a = tex(VGL_TARGET_2D, FMT_RGBA8);
    a.bind = 0xffffffffu;
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_OK);
    hostile_expect_healthy(h, HOSTILE_CTX);
    hostile_expect_serving(h);
    hostile_close(h);
}

VGL_TEST(object_formats_out_of_range) {
    struct hostile *h = hostile_open(NULL);
    const uint32_t el[1][4] = {{0, 0, 0, 0xffffffffu}};
    enc_vertex_elements(&h->e, 23, 1, el);
    expect(h, VGL_ERROR_UNSUPPORTED);
    /* Surface and view formats only pick how to store: unknown ones fall back to the
     * resource's, never past a table. */
    h = hostile_open(NULL);
    enc_surface(&h->e, 11, HOSTILE_RT, 0xffffffffu);
    const uint32_t cb = 11;
    enc_framebuffer(&h->e, 0, 1, &cb);
    const float red[4] = {1, 0, 0, 1};
    enc_clear(&h->e, VGL_CLEAR_COLOR0, red, 1.0, 0);
    enc_sampler_view(&h->e, 12, HOSTILE_RT, 0xffffffffu);
    hostile_submit_ok(h, HOSTILE_CTX);
    const struct vgl_transfer t = {.handle = HOSTILE_RT, .box = {0, 0, 0, 32, 32, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(h->r, HOSTILE_CTX, &t), VGL_OK);
    CHECK(h->rt_mem[0] == 255 && h->rt_mem[1] == 0 && h->rt_mem[3] == 255);
    /* A view swizzle selector past ONE. */
    const uint32_t sv[6] = {13, HOSTILE_RT, FMT_RGBA8, 0, 0, 0xfff};
    enc_cmd(&h->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SAMPLER_VIEW, sv, 6);
    expect(h, VGL_ERROR_INVALID_ARGUMENT);
}

VGL_TEST(draw_enums_out_of_range) {
    struct hostile *h = hostile_open(NULL);
    hostile_draw_setup(h);
    hostile_submit_ok(h, HOSTILE_CTX);
    const uint32_t ib_bad_size[3] = {HOSTILE_VB, 3, 0};
    enc_cmd(&h->e, VGL_CCMD_SET_INDEX_BUFFER, 0, ib_bad_size, 3);
    hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
    hostile_close(h);
    h = hostile_open(NULL);
    hostile_draw_setup(h);
    enc_draw(&h->e, 14, 0, 3, false); /* one past TRIANGLE_STRIP_ADJACENCY */
    expect(h, VGL_ERROR_UNSUPPORTED);
    h = hostile_open(NULL);
    const uint32_t q[4] = {40, 0xffff, 0, HOSTILE_VB};
    enc_cmd(&h->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_QUERY, q, 4);
    expect(h, VGL_ERROR_UNSUPPORTED);
}

/* Every bit set in blend, DSA, rasterizer and sampler state: each field indexes a table of the
 * host (blend factors and functions, logic ops, stencil ops, compare functions, fill modes,
 * wrap modes); a draw with all of it must not read past one. */
VGL_TEST(state_bitfields_all_ones) {
    struct hostile *h = hostile_open(NULL);
    hostile_upload_triangle(h);
    hostile_draw_setup(h);
    uint32_t ones[11];
    memset(ones, 0xff, sizeof(ones));
    ones[0] = 40;
    enc_cmd(&h->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_BLEND, ones, 11);
    enc_bind(&h->e, VGL_OBJECT_BLEND, 40);
    ones[0] = 41;
    enc_cmd(&h->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_DSA, ones, 5);
    enc_bind(&h->e, VGL_OBJECT_DSA, 41);
    ones[0] = 42;
    enc_cmd(&h->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_RASTERIZER, ones, 9);
    enc_bind(&h->e, VGL_OBJECT_RASTERIZER, 42);
    ones[0] = 43;
    enc_cmd(&h->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SAMPLER_STATE, ones, 9);
    const uint32_t smp = 43;
    enc_bind_sampler_states(&h->e, VGL_SHADER_FRAGMENT, 1, &smp);
    enc_draw(&h->e, 4, 0, 3, false);
    const enum vgl_status st = hostile_submit(h, HOSTILE_CTX);
    struct vgl_context_error err;
    /* Either drawn or refused with a reason; never a crash or a sanitizer report. */
    CHECK(st == VGL_OK || vgl_renderer_context_get_error(h->r, HOSTILE_CTX, &err));
    hostile_expect_serving(h);
    hostile_close(h);
}
