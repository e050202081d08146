/* SPDX-License-Identifier: MIT */
/*
 * Hostile sizes: arithmetic that wraps 32 or 64 bits (texel counts, stride * rows, layer stride
 * * layers, offset + size, vertex and index ranges), absurd resources, and object and resource
 * counts past the per-context limits, which must end in a clear error with memory bounded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "test.h"

static struct vgl_resource_args texture_args(uint32_t handle, uint32_t target, uint32_t w,
                                             uint32_t h, uint32_t layers) {
    return (struct vgl_resource_args){.handle = handle,
                                      .target = target,
                                      .format = FMT_RGBA8,
                                      .bind = VGL_BIND_SAMPLER_VIEW,
                                      .width = w,
                                      .height = h,
                                      .depth = 1,
                                      .array_size = layers};
}

VGL_TEST(texture_bytes_wrap_32_bits) {
    struct hostile *h = hostile_open(NULL);
    struct vgl_renderer_usage before, after;
    vgl_renderer_get_usage(h->r, &before);
    /* 8192 * 8192 * 4 bytes * 64 layers = 2^34: zero in 32-bit arithmetic. */
    struct vgl_resource_args a = texture_args(5, VGL_TARGET_2D_ARRAY, 8192, 8192, 64);
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_ERROR_INVALID_ARGUMENT);
    /* The absurd one: 65535^2 x 2048 layers. */
    a = texture_args(5, VGL_TARGET_2D_ARRAY, 65535, 65535, 2048);
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_ERROR_INVALID_ARGUMENT);
    a = texture_args(5, VGL_TARGET_2D, 64, 64, 1);
    a.last_level = 0xffffffffu;
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_ERROR_INVALID_ARGUMENT);
    a.last_level = 0;
    a.nr_samples = 0xffffffffu;
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_ERROR_UNSUPPORTED);
    a = texture_args(5, VGL_TARGET_BUFFER, 0xffffffffu, 1, 1);
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_ERROR_INVALID_ARGUMENT);
    vgl_renderer_get_usage(h->r, &after);
    CHECK_EQ(after.resources, before.resources);
    CHECK_EQ(after.resource_bytes, before.resource_bytes);
    hostile_expect_serving(h);
    hostile_close(h);
}

VGL_TEST(transfer3d_offset_plus_size_wraps_32_bits) {
    struct hostile *h = hostile_open(NULL);
    /* 0xffffff80 + 128 bytes is 0 in 32 bits. */
    const struct enc_transfer t = {
            .res = HOSTILE_RT, .w = 32, .h = 1, .d = 1, .offset = 0xffffff80u, .direction = 1};
    enc_transfer3d_full(&h->e, &t);
    hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
    hostile_close(h);
}

VGL_TEST(transfer3d_stride_times_rows_wraps_32_bits) {
    struct hostile *h = hostile_open(NULL);
    /* Rows at 0, 2^31 and 2^32: the last row "ends" at 128 in 32 bits. */
    const struct enc_transfer t = {
            .res = HOSTILE_RT, .stride = 0x80000000u, .w = 32, .h = 3, .d = 1, .direction = 1};
    enc_transfer3d_full(&h->e, &t);
    hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
    hostile_close(h);
}

VGL_TEST(api_transfer_layer_stride_wraps_32_bits_and_offset_wraps_64) {
    struct hostile *h = hostile_open(NULL);
    struct vgl_resource_args a = texture_args(5, VGL_TARGET_2D_ARRAY, 4, 4, 3);
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_OK);
    uint8_t *mem = calloc(1, 4096);
    const struct iovec iov = {mem, 4096};
    CHECK_EQ(vgl_renderer_resource_attach_backing(h->r, HOSTILE_CTX, 5, &iov, 1), VGL_OK);
    struct vgl_transfer t = {.handle = 5, .layer_stride = 0x80000000u, .box = {0, 0, 0, 4, 4, 3}};
    CHECK_EQ(vgl_renderer_transfer_write(h->r, HOSTILE_CTX, &t), VGL_ERROR_INVALID_ARGUMENT);
    t.layer_stride = 0;
    t.offset = UINT64_MAX - 63;
    CHECK_EQ(vgl_renderer_transfer_read(h->r, HOSTILE_CTX, &t), VGL_ERROR_OVERFLOW);
    t.offset = 1ull << 63;
    t.stride = 0xffffffffu;
    t.box.d = 1;
    CHECK_EQ(vgl_renderer_transfer_write(h->r, HOSTILE_CTX, &t), VGL_ERROR_INVALID_ARGUMENT);
    hostile_expect_healthy(h, HOSTILE_CTX);
    hostile_expect_serving(h);
    hostile_close(h);
    free(mem);
}

VGL_TEST(backing_size_wraps_64_bits) {
    struct hostile *h = hostile_open(NULL);
    CHECK_EQ(vgl_renderer_resource_detach_backing(h->r, HOSTILE_CTX, HOSTILE_VB), VGL_OK);
    /* Never dereferenced: the sizes are refused first. */
    static uint8_t dummy[2];
    const struct iovec iov[2] = {{dummy, SIZE_MAX / 2 + 1}, {dummy + 1, SIZE_MAX / 2 + 1}};
    CHECK_EQ(vgl_renderer_resource_attach_backing(h->r, HOSTILE_CTX, HOSTILE_VB, iov, 2),
             VGL_ERROR_OVERFLOW);
    /* Nothing was attached: a transfer has no backing to go to. */
    const struct vgl_transfer t = {.handle = HOSTILE_VB, .box = {0, 0, 0, 16, 1, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(h->r, HOSTILE_CTX, &t), VGL_ERROR_INVALID_ARGUMENT);
    hostile_expect_serving(h);
    hostile_close(h);
}

VGL_TEST(streamout_target_range_wraps_32_bits) {
    struct hostile *h = hostile_open(NULL);
    enc_so_target(&h->e, 40, HOSTILE_VB, 0xfffffff0u, 0x20);
    hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
    hostile_close(h);
}

VGL_TEST(draw_vertex_range_wraps_32_bits) {
    struct hostile *h = hostile_open(NULL);
    hostile_draw_setup(h);
    hostile_submit_ok(h, HOSTILE_CTX);
    enc_draw(&h->e, 4, 0xfffffff0u, 48, false); /* start + count wraps to 32 */
    hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
    hostile_close(h);
}

VGL_TEST(draw_index_range_wraps_32_bits) {
    struct hostile *h = hostile_open(NULL);
    hostile_draw_setup(h);
    /* Index buffer at offset 0xfffffffc: 3 indices of 4 bytes end at 8 in 32 bits. */
    const uint32_t ib[3] = {HOSTILE_VB, 4, 0xfffffffcu};
    enc_cmd(&h->e, VGL_CCMD_SET_INDEX_BUFFER, 0, ib, 3);
    hostile_submit_ok(h, HOSTILE_CTX);
    enc_draw(&h->e, 4, 0, 3, true);
    hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
    hostile_close(h);
}

VGL_TEST(resource_count_limit) {
    const struct vgl_renderer_options opts = {.max_resources = 16};
    struct hostile *h = hostile_open(&opts);
    /* The harness made 2; 14 more fit. */
    for (uint32_t i = 0; i < 14; i++) {
        const struct vgl_resource_args a = texture_args(100 + i, VGL_TARGET_2D, 4, 4, 1);
        CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_OK);
    }
    struct vgl_resource_args a = texture_args(200, VGL_TARGET_2D, 4, 4, 1);
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_ERROR_NO_MEMORY);
    /* Other contexts have limits of their own. */
    hostile_expect_serving(h);
    CHECK_EQ(vgl_renderer_resource_unref(h->r, HOSTILE_CTX, 100), VGL_OK);
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_OK);
    hostile_close(h);
}

VGL_TEST(resource_bytes_limit_counts_storage_until_freed) {
    const struct vgl_renderer_options opts = {.max_resource_bytes = 1u << 20};
    struct hostile *h = hostile_open(&opts);
    /* 256 KiB each (plus the harness's 8 KiB): three fit, a fourth does not. */
    for (uint32_t i = 0; i < 3; i++) {
        const struct vgl_resource_args a = texture_args(100 + i, VGL_TARGET_2D, 256, 256, 1);
        CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_OK);
    }
    struct vgl_resource_args a = texture_args(200, VGL_TARGET_2D, 256, 256, 1);
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_ERROR_NO_MEMORY);
    /* Mip levels count too: 240x240 alone fits in the 248 KiB left, with its levels not. */
    a = texture_args(200, VGL_TARGET_2D, 240, 240, 1);
    a.last_level = 7;
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_ERROR_NO_MEMORY);
    a.last_level = 0;
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_OK);
    CHECK_EQ(vgl_renderer_resource_unref(h->r, HOSTILE_CTX, 200), VGL_OK);
    /* A surface keeps resource 100's storage alive after its unref: still counted. */
    enc_surface(&h->e, 50, 100, FMT_RGBA8);
    hostile_submit_ok(h, HOSTILE_CTX);
    CHECK_EQ(vgl_renderer_resource_unref(h->r, HOSTILE_CTX, 100), VGL_OK);
    a = texture_args(200, VGL_TARGET_2D, 256, 256, 1);
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_ERROR_NO_MEMORY);
    enc_destroy(&h->e, VGL_OBJECT_SURFACE, 50);
    hostile_submit_ok(h, HOSTILE_CTX);
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_OK);
    hostile_expect_serving(h);
    hostile_close(h);
}

/* Create `count` DSA objects from handle `first`, in as many submits as it takes. */
static enum vgl_status create_objects(struct hostile *h, uint32_t first, uint32_t count) {
    for (uint32_t i = 0; i < count; i++) {
        enc_dsa(&h->e, first + i, false, 0);
        if (h->e.n + 8 > ENC_MAX_DWORDS || i + 1 == count) {
            const enum vgl_status st = hostile_submit(h, HOSTILE_CTX);
            if (st != VGL_OK) {
                return st;
            }
        }
    }
    return VGL_OK;
}

VGL_TEST(object_count_limit) {
    const struct vgl_renderer_options opts = {.max_objects = 1000};
    struct hostile *h = hostile_open(&opts);
    /* The harness's surface is one; object 1000 is one too many. */
    CHECK_EQ(create_objects(h, 100, 999), VGL_OK);
    hostile_expect_healthy(h, HOSTILE_CTX);
    enc_dsa(&h->e, 5000, false, 0);
    hostile_submit_expect(h, VGL_ERROR_NO_MEMORY);
    hostile_close(h);
}

VGL_TEST(object_count_limit_spans_sub_contexts) {
    const struct vgl_renderer_options opts = {.max_objects = 100};
    struct hostile *h = hostile_open(&opts);
    CHECK_EQ(create_objects(h, 100, 90), VGL_OK);
    enc_sub_ctx(&h->e, 2);
    for (uint32_t i = 0; i < 20; i++) {
        enc_dsa(&h->e, 100 + i, false, 0); /* the same handles, another sub-context */
    }
    hostile_submit_expect(h, VGL_ERROR_NO_MEMORY);
    hostile_close(h);
}

VGL_TEST(millions_of_objects_bounded_by_default_limit) {
    struct hostile *h = hostile_open(NULL);
    CHECK_EQ(create_objects(h, 100, 2000000), VGL_ERROR_NO_MEMORY);
    struct vgl_renderer_usage u;
    vgl_renderer_get_usage(h->r, &u);
    CHECK(u.objects <= VGL_DEFAULT_MAX_OBJECTS);
    hostile_expect_broken(h, HOSTILE_CTX, VGL_ERROR_NO_MEMORY, -1);
    hostile_expect_serving(h);
    /* Destroying the context gives everything back. */
    vgl_renderer_context_destroy(h->r, HOSTILE_CTX);
    vgl_renderer_get_usage(h->r, &u);
    CHECK_EQ(u.objects, 0);
    CHECK_EQ(u.resources, 0);
    hostile_close(h);
}

VGL_TEST(announced_shader_text_limit) {
    const struct vgl_renderer_options opts = {.max_shader_bytes = 64u << 10};
    struct hostile *h = hostile_open(&opts);
    /* First chunks announcing 30 KiB of text each, never completed: the host allocates what
     * is announced, so that is what counts. */
    const char start[] = "VERT\n";
    enc_shader_chunk(&h->e, 60, VGL_SHADER_VERTEX, 30u << 10, start, sizeof(start) - 1);
    enc_shader_chunk(&h->e, 61, VGL_SHADER_VERTEX, 30u << 10, start, sizeof(start) - 1);
    hostile_submit_ok(h, HOSTILE_CTX);
    enc_destroy(&h->e, VGL_OBJECT_SHADER, 60);
    enc_shader_chunk(&h->e, 62, VGL_SHADER_VERTEX, 30u << 10, start, sizeof(start) - 1);
    hostile_submit_ok(h, HOSTILE_CTX);
    enc_shader_chunk(&h->e, 63, VGL_SHADER_VERTEX, 30u << 10, start, sizeof(start) - 1);
    hostile_submit_expect(h, VGL_ERROR_NO_MEMORY);
    hostile_close(h);
}

VGL_TEST(sub_context_count_limit) {
    struct hostile *h = hostile_open(NULL);
    for (uint32_t i = 2; i < 2000; i++) {
        enc_cmd(&h->e, VGL_CCMD_CREATE_SUB_CTX, 0, &i, 1);
    }
    hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
    hostile_close(h);
}

/* Instanced attributes: start_instance + (instances - 1) / divisor wraps 32 bits to a first
 * instance inside the buffer, while the host would fetch element 0xffffffff and on. */
VGL_TEST(draw_instance_range_wraps_32_bits) {
    struct hostile *h = hostile_open(NULL);
    hostile_draw_setup(h);
    const uint32_t el[2][4] = {{0, 0, 0, 31}, {0, 1, 1, 31}}; /* attribute 1: per instance */
    enc_vertex_elements(&h->e, 24, 2, el);
    enc_bind(&h->e, VGL_OBJECT_VERTEX_ELEMENTS, 24);
    const uint32_t vbs[2][3] = {{16, 0, HOSTILE_VB}, {16, 0, HOSTILE_VB}};
    enc_vertex_buffers(&h->e, 2, vbs);
    hostile_submit_ok(h, HOSTILE_CTX);
    uint32_t draw[12] = {0, 3, 4, 0, 2, 0, 0xffffffffu, 0, 0, 0, 2, 0};
    enc_cmd(&h->e, VGL_CCMD_DRAW_VBO, 0, draw, 12);
    hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
    hostile_close(h);
}

/* Linked programs: each sub-context caches up to 128, but a context cannot multiply that by
 * making sub-contexts (1024 of them would hold 17 GB of host programs). */
VGL_TEST(programs_bounded_across_sub_contexts) {
    struct hostile *h = hostile_open(NULL);
    hostile_upload_triangle(h);
    for (uint32_t s = 0; s < 8; s++) {
        enc_sub_ctx(&h->e, 100 + s);
        enc_surface(&h->e, 10, HOSTILE_RT, FMT_RGBA8);
        const uint32_t cb = 10;
        enc_framebuffer(&h->e, 0, 1, &cb);
        hostile_draw_setup(h);
        hostile_submit_ok(h, HOSTILE_CTX);
        for (uint32_t i = 0; i < 100; i++) {
            char fs[160];
            snprintf(fs, sizeof(fs),
                     "FRAG\nDCL OUT[0], COLOR\nIMM[0] UINT32 {%u, 0, 0, 0}\n"
                     "  0: MOV OUT[0], IMM[0]\n  1: END\n",
                     i);
            enc_shader(&h->e, 500 + i, VGL_SHADER_FRAGMENT, fs);
            enc_bind_shader(&h->e, 500 + i, VGL_SHADER_FRAGMENT);
            enc_draw(&h->e, 4, 0, 3, false);
            hostile_submit_ok(h, HOSTILE_CTX);
        }
    }
    struct vgl_renderer_usage u;
    vgl_renderer_get_usage(h->r, &u);
    /* 800 linked, at most 512 kept, plus the one each sub-context draws with. */
    if (u.programs > 512 + 8) {
        fprintf(stderr, "%u programs kept\n", u.programs);
    }
    CHECK(u.programs <= 512 + 8);
    hostile_expect_serving(h);
    hostile_close(h);
}
