/* SPDX-License-Identifier: MIT */
/*
 * Hostile transfers: boxes, levels, strides and offsets outside the resource or the guest
 * backing, in TRANSFER3D commands and in the API transfers (vtest TRANSFER_PUT2/GET2); and
 * read-backs of storage the guest never wrote, which must be zeros, never old host memory.
 */
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "test.h"

/* A TRANSFER3D of a 32x32 RGBA8 texture whose backing holds exactly the packed level. */
static struct enc_transfer good_transfer(void) {
    return (struct enc_transfer){.res = HOSTILE_RT, .w = 32, .h = 32, .d = 1, .direction = 1};
}

static void transfer3d_expect(const struct enc_transfer *t, enum vgl_status status) {
    struct hostile *h = hostile_open(NULL);
    enc_transfer3d_full(&h->e, t);
    hostile_submit_expect(h, status);
    hostile_close(h);
}

VGL_TEST(transfer3d_whole_level_accepted) {
    struct hostile *h = hostile_open(NULL);
    const struct enc_transfer t = good_transfer();
    enc_transfer3d_full(&h->e, &t);
    hostile_submit_ok(h, HOSTILE_CTX);
    hostile_close(h);
}

VGL_TEST(transfer3d_box_past_level_width) {
    struct enc_transfer t = good_transfer();
    t.x = 1; /* 1 + 32 > 32 */
    transfer3d_expect(&t, VGL_ERROR_INVALID_ARGUMENT);
}

VGL_TEST(transfer3d_negative_box) {
    struct enc_transfer t = good_transfer();
    t.y = -4;
    transfer3d_expect(&t, VGL_ERROR_INVALID_ARGUMENT);
    t = good_transfer();
    t.h = -1;
    transfer3d_expect(&t, VGL_ERROR_INVALID_ARGUMENT);
}

VGL_TEST(transfer3d_box_past_layers) {
    struct enc_transfer t = good_transfer();
    t.z = 1; /* a 2D texture has one layer */
    transfer3d_expect(&t, VGL_ERROR_INVALID_ARGUMENT);
}

VGL_TEST(transfer3d_level_past_last_level) {
    struct enc_transfer t = good_transfer();
    t.level = 3;
    t.w = t.h = 1;
    transfer3d_expect(&t, VGL_ERROR_INVALID_ARGUMENT);
}

VGL_TEST(transfer3d_offset_past_backing) {
    struct enc_transfer t = good_transfer();
    t.offset = 4; /* the backing is exactly 32 * 32 * 4 bytes */
    transfer3d_expect(&t, VGL_ERROR_INVALID_ARGUMENT);
}

VGL_TEST(transfer3d_stride_smaller_than_row) {
    struct enc_transfer t = good_transfer();
    t.stride = 64; /* rows of 128 bytes would overlap */
    t.h = 2;
    transfer3d_expect(&t, VGL_ERROR_INVALID_ARGUMENT);
}

VGL_TEST(transfer3d_stride_reaches_past_backing) {
    struct enc_transfer t = good_transfer();
    t.stride = 256; /* twice the packed stride: row 31 starts past the 4 KiB backing */
    transfer3d_expect(&t, VGL_ERROR_INVALID_ARGUMENT);
}

VGL_TEST(transfer3d_buffer_past_end) {
    struct enc_transfer t = {.res = HOSTILE_VB, .x = 4000, .w = 200, .h = 1, .d = 1};
    t.offset = 0;
    t.direction = 1;
    transfer3d_expect(&t, VGL_ERROR_INVALID_ARGUMENT);
}

VGL_TEST(transfer3d_unknown_resource) {
    struct enc_transfer t = good_transfer();
    t.res = 77;
    transfer3d_expect(&t, VGL_ERROR_NOT_FOUND);
}

/* API transfers are refused with a status; the context stays usable and nothing moves. */
static void api_refused(struct hostile *h, const struct vgl_transfer *t, enum vgl_status status) {
    memset(h->rt_mem, 0xa5, HOSTILE_W * HOSTILE_H * 4);
    CHECK_EQ(vgl_renderer_transfer_read(h->r, HOSTILE_CTX, t), status);
    CHECK_EQ(vgl_renderer_transfer_write(h->r, HOSTILE_CTX, t), status);
    for (int i = 0; i < HOSTILE_W * HOSTILE_H * 4; i++) {
        CHECK_EQ(h->rt_mem[i], 0xa5);
    }
    hostile_expect_healthy(h, HOSTILE_CTX);
}

VGL_TEST(api_transfer_outside_resource_or_backing) {
    struct hostile *h = hostile_open(NULL);
    const struct vgl_box whole = {0, 0, 0, 32, 32, 1};
    struct vgl_transfer t = {.handle = HOSTILE_RT, .box = whole};
    t.box.w = 33;
    api_refused(h, &t, VGL_ERROR_INVALID_ARGUMENT);
    t.box = whole;
    t.box.x = -1;
    api_refused(h, &t, VGL_ERROR_INVALID_ARGUMENT);
    t.box = whole;
    t.box.d = 2;
    api_refused(h, &t, VGL_ERROR_INVALID_ARGUMENT);
    t.box = whole;
    t.level = 1;
    api_refused(h, &t, VGL_ERROR_INVALID_ARGUMENT);
    t.level = 0;
    t.offset = 1;
    api_refused(h, &t, VGL_ERROR_INVALID_ARGUMENT);
    t.offset = 0;
    t.stride = 132;
    api_refused(h, &t, VGL_ERROR_INVALID_ARGUMENT);
    t.stride = 4;
    api_refused(h, &t, VGL_ERROR_INVALID_ARGUMENT);
    t.stride = 0;
    t.layer_stride = 8; /* only matters with depth > 1: still refused by the box */
    t.box.d = 2;
    api_refused(h, &t, VGL_ERROR_INVALID_ARGUMENT);
    t = (struct vgl_transfer){.handle = 99, .box = whole};
    api_refused(h, &t, VGL_ERROR_NOT_FOUND);
    /* A resource without a backing has nowhere to transfer to. */
    CHECK_EQ(vgl_renderer_resource_detach_backing(h->r, HOSTILE_CTX, HOSTILE_RT), VGL_OK);
    t.handle = HOSTILE_RT;
    api_refused(h, &t, VGL_ERROR_INVALID_ARGUMENT);
    hostile_expect_serving(h);
    hostile_close(h);
}

/* Arrays: layer strides that overlap layers or reach past the backing. */
VGL_TEST(api_transfer_layer_stride) {
    struct hostile *h = hostile_open(NULL);
    const struct vgl_resource_args a = {.handle = 5,
                                        .target = VGL_TARGET_2D_ARRAY,
                                        .format = FMT_RGBA8,
                                        .bind = VGL_BIND_SAMPLER_VIEW,
                                        .width = 4,
                                        .height = 4,
                                        .depth = 1,
                                        .array_size = 4};
    CHECK_EQ(vgl_renderer_resource_create(h->r, HOSTILE_CTX, &a), VGL_OK);
    uint8_t *mem = calloc(1, 4 * 4 * 4 * 4);
    const struct iovec iov = {mem, 4 * 4 * 4 * 4};
    CHECK_EQ(vgl_renderer_resource_attach_backing(h->r, HOSTILE_CTX, 5, &iov, 1), VGL_OK);
    struct vgl_transfer t = {.handle = 5, .box = {0, 0, 0, 4, 4, 4}};
    CHECK_EQ(vgl_renderer_transfer_write(h->r, HOSTILE_CTX, &t), VGL_OK);
    t.layer_stride = 32; /* a layer is 64 bytes */
    CHECK_EQ(vgl_renderer_transfer_write(h->r, HOSTILE_CTX, &t), VGL_ERROR_INVALID_ARGUMENT);
    t.layer_stride = 128; /* layer 3 ends at 448, the backing has 256 */
    CHECK_EQ(vgl_renderer_transfer_read(h->r, HOSTILE_CTX, &t), VGL_ERROR_INVALID_ARGUMENT);
    t.layer_stride = 0;
    t.box.z = 2; /* layers 2..5 of 4 */
    CHECK_EQ(vgl_renderer_transfer_read(h->r, HOSTILE_CTX, &t), VGL_ERROR_INVALID_ARGUMENT);
    hostile_expect_healthy(h, HOSTILE_CTX);
    hostile_expect_serving(h);
    hostile_close(h);
    free(mem);
}

static void fill_and_destroy(struct hostile *h, uint32_t handle, uint32_t size) {
    uint8_t *mem =
            size == 0 ? hostile_texture(h, HOSTILE_CTX, handle, FMT_RGBA8, 64, 64, 2, 64 * 64 * 4)
                      : hostile_buffer(h, HOSTILE_CTX, handle, size);
    const uint32_t bytes = size ? size : 64 * 64 * 4;
    memset(mem, 0xab, bytes);
    const struct vgl_transfer t = {.handle = handle,
                                   .box = size ? (struct vgl_box){0, 0, 0, (int32_t)size, 1, 1}
                                               : (struct vgl_box){0, 0, 0, 64, 64, 1}};
    CHECK_EQ(vgl_renderer_transfer_write(h->r, HOSTILE_CTX, &t), VGL_OK);
    CHECK_EQ(vgl_renderer_resource_unref(h->r, HOSTILE_CTX, handle), VGL_OK);
    free(mem);
}

static void expect_zeros(const uint8_t *mem, size_t size) {
    for (size_t i = 0; i < size; i++) {
        if (mem[i] != 0) {
            fprintf(stderr, "byte %zu of a never-written resource is 0x%02x\n", i, mem[i]);
        }
        CHECK_EQ(mem[i], 0);
    }
}

VGL_TEST(never_written_resources_read_back_zeros) {
    struct hostile *h = hostile_open(NULL);
    for (uint32_t i = 0; i < 64; i++) {
        fill_and_destroy(h, 100 + i, 0);
        fill_and_destroy(h, 200 + i, 16384);
    }
    uint8_t *tex = hostile_texture(h, HOSTILE_CTX, 300, FMT_RGBA8, 64, 64, 2, 64 * 64 * 4);
    memset(tex, 0xee, 64 * 64 * 4);
    struct vgl_transfer t = {.handle = 300, .box = {0, 0, 0, 64, 64, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(h->r, HOSTILE_CTX, &t), VGL_OK);
    expect_zeros(tex, 64 * 64 * 4);
    memset(tex, 0xee, 64 * 64 * 4);
    t.level = 1; /* a mip level nobody wrote */
    t.box = (struct vgl_box){0, 0, 0, 32, 32, 1};
    CHECK_EQ(vgl_renderer_transfer_read(h->r, HOSTILE_CTX, &t), VGL_OK);
    expect_zeros(tex, 32 * 32 * 4);
    uint8_t *buf = hostile_buffer(h, HOSTILE_CTX, 301, 16384);
    memset(buf, 0xee, 16384);
    t = (struct vgl_transfer){.handle = 301, .box = {0, 0, 0, 16384, 1, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(h->r, HOSTILE_CTX, &t), VGL_OK);
    expect_zeros(buf, 16384);
    hostile_close(h);
    free(tex);
    free(buf);
}

/* Constants the guest never set read as zeros: a shader declaring CONST[0..3] after the guest
 * sent one vec4 sees zeros in CONST[3], never what the host's heap held. */
VGL_TEST(never_set_constants_read_zeros) {
    struct hostile *h = hostile_open(NULL);
    hostile_upload_triangle(h);
    hostile_draw_setup(h);
    enc_destroy(&h->e, VGL_OBJECT_SHADER, 31);
    enc_shader(&h->e, 31, VGL_SHADER_FRAGMENT,
               "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0..3]\n  0: MOV OUT[0], CONST[3]\n  1: END\n");
    enc_bind_shader(&h->e, 31, VGL_SHADER_FRAGMENT);
    /* Leave garbage on the heap around where the constants will go. */
    for (int i = 0; i < 64; i++) {
        float junk[256];
        for (int k = 0; k < 256; k++) {
            junk[k] = 0.75f;
        }
        enc_constants(&h->e, VGL_SHADER_FRAGMENT, junk, 256);
        enc_constants(&h->e, VGL_SHADER_VERTEX, junk, 256);
    }
    const float one[4] = {1, 1, 1, 1};
    enc_constants(&h->e, VGL_SHADER_FRAGMENT, one, 0);
    hostile_submit_ok(h, HOSTILE_CTX);
    enc_constants(&h->e, VGL_SHADER_FRAGMENT, one, 4);
    const float blue[4] = {0, 0, 1, 1};
    enc_clear(&h->e, VGL_CLEAR_COLOR0, blue, 1.0, 0);
    enc_draw(&h->e, 4, 0, 3, false);
    hostile_submit_ok(h, HOSTILE_CTX);
    const struct vgl_transfer t = {.handle = HOSTILE_RT, .box = {0, 0, 0, 32, 32, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(h->r, HOSTILE_CTX, &t), VGL_OK);
    expect_zeros(h->rt_mem, HOSTILE_W * HOSTILE_H * 4);
    hostile_close(h);
}

/* RESOURCE_COPY_REGION boxes outside the source or the destination, and levels past the last. */
VGL_TEST(copy_region_outside_resources) {
    static const struct {
        int32_t dx, dy, dz;
        uint32_t src_level;
        int32_t box[6];
    } cases[] = {
            {0, 0, 0, 0, {16, 0, 0, 17, 1, 1}},                 /* past the source's width */
            {31, 0, 0, 0, {0, 0, 0, 2, 1, 1}},                  /* past the destination's width */
            {0, 0, 1, 0, {0, 0, 0, 1, 1, 1}},                   /* a layer the destination lacks */
            {0, -1, 0, 0, {0, 0, 0, 1, 1, 1}},                  /* negative destination */
            {0, 0, 0, 0, {0, 0, 0, -1, 1, 1}},                  /* negative size */
            {0, 0, 0, 1, {0, 0, 0, 1, 1, 1}},                   /* a level the source lacks */
            {0, 0, 0, 0, {0x7fffffff, 0, 0, 0x7fffffff, 1, 1}}, /* x + w wraps 32 bits */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hostile *h = hostile_open(NULL);
        uint8_t *src = hostile_texture(h, HOSTILE_CTX, 5, FMT_RGBA8, 32, 32, 1, 32 * 32 * 4);
        enc_copy_region(&h->e, HOSTILE_RT, 0, cases[i].dx, cases[i].dy, cases[i].dz, 5,
                        cases[i].src_level, cases[i].box);
        hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
        hostile_close(h);
        free(src);
    }
    /* Buffers: byte ranges past either end. */
    struct hostile *h = hostile_open(NULL);
    const int32_t box[6] = {4000, 0, 0, 200, 1, 1};
    enc_copy_region(&h->e, HOSTILE_VB, 0, 0, 0, 0, HOSTILE_VB, 0, box);
    hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
    hostile_close(h);
}
