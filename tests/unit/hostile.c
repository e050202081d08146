/* SPDX-License-Identifier: MIT */
/* Helpers of the hostile-guest tests (hostile.h). */
#include "hostile.h"

#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

/* Keep the host GL driver loaded until exit, so that leak reports of the sanitizer build can
 * name it (and its suppressions match it) instead of "<unknown module>". */
static int pin_driver(struct dl_phdr_info *info, size_t size, void *data) {
    const char *name = info->dlpi_name;
    const size_t n = name ? strlen(name) : 0;
    if (n > 7 && strcmp(name + n - 7, "_dri.so") == 0) {
        dlopen(name, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
    }
    return 0;
}

struct hostile *hostile_open(const struct vgl_renderer_options *opts) {
    struct hostile *h = calloc(1, sizeof(*h));
    CHECK(h);
    /* Refusals are logged as warnings; keep the test output to real problems. */
    vgl_log_init(getenv("HOSTILE_LOG") ? VGL_LOG_DEBUG : VGL_LOG_ERROR, NULL, NULL);
    const enum vgl_status st = vgl_renderer_create(opts, &h->r);
    if (st == VGL_ERROR_NO_DEVICE) {
        vgl_test_skip("no EGL device");
    }
    CHECK_EQ(st, VGL_OK);
    dl_iterate_phdr(pin_driver, NULL);
    CHECK_EQ(vgl_renderer_context_create(h->r, HOSTILE_CTX, "hostile"), VGL_OK);
    h->rt_mem = hostile_texture(h, HOSTILE_CTX, HOSTILE_RT, FMT_RGBA8, HOSTILE_W, HOSTILE_H, 1,
                                HOSTILE_W * HOSTILE_H * 4);
    h->vb_mem = hostile_buffer(h, HOSTILE_CTX, HOSTILE_VB, 4096);
    enc_sub_ctx(&h->e, 1);
    enc_surface(&h->e, 10, HOSTILE_RT, FMT_RGBA8);
    const uint32_t cb = 10;
    enc_framebuffer(&h->e, 0, 1, &cb);
    hostile_submit_ok(h, HOSTILE_CTX);
    return h;
}

void hostile_close(struct hostile *h) {
    vgl_renderer_destroy(h->r);
    free(h->rt_mem);
    free(h->vb_mem);
    free(h);
}

uint8_t *hostile_texture(struct hostile *h, uint32_t ctx, uint32_t handle, uint32_t format,
                         uint32_t w, uint32_t ht, uint32_t levels, size_t size) {
    const struct vgl_resource_args a = {.handle = handle,
                                        .target = VGL_TARGET_2D,
                                        .format = format,
                                        .bind = VGL_BIND_RENDER_TARGET | VGL_BIND_SAMPLER_VIEW,
                                        .width = w,
                                        .height = ht,
                                        .depth = 1,
                                        .array_size = 1,
                                        .last_level = levels - 1};
    CHECK_EQ(vgl_renderer_resource_create(h->r, ctx, &a), VGL_OK);
    uint8_t *mem = calloc(1, size);
    CHECK(mem);
    const struct iovec iov = {mem, size};
    CHECK_EQ(vgl_renderer_resource_attach_backing(h->r, ctx, handle, &iov, 1), VGL_OK);
    return mem;
}

uint8_t *hostile_buffer(struct hostile *h, uint32_t ctx, uint32_t handle, uint32_t size) {
    const struct vgl_resource_args a = {.handle = handle,
                                        .target = VGL_TARGET_BUFFER,
                                        .format = 64,
                                        .bind = VGL_BIND_VERTEX_BUFFER,
                                        .width = size,
                                        .height = 1,
                                        .depth = 1,
                                        .array_size = 1};
    CHECK_EQ(vgl_renderer_resource_create(h->r, ctx, &a), VGL_OK);
    uint8_t *mem = calloc(1, size);
    CHECK(mem);
    const struct iovec iov = {mem, size};
    CHECK_EQ(vgl_renderer_resource_attach_backing(h->r, ctx, handle, &iov, 1), VGL_OK);
    return mem;
}

enum vgl_status hostile_submit(struct hostile *h, uint32_t ctx) {
    const enum vgl_status st = vgl_renderer_submit(h->r, ctx, h->e.buf, h->e.n);
    enc_reset(&h->e);
    return st;
}

void hostile_submit_ok(struct hostile *h, uint32_t ctx) {
    CHECK_EQ(hostile_submit(h, ctx), VGL_OK);
    hostile_expect_healthy(h, ctx);
}

void hostile_expect_broken(struct hostile *h, uint32_t ctx, enum vgl_status status, int cmd_index) {
    struct vgl_context_error err;
    CHECK(vgl_renderer_context_get_error(h->r, ctx, &err));
    if (err.status != status) {
        fprintf(stderr, "broken with %s (%s), expected %s\n", vgl_status_str(err.status),
                err.message, vgl_status_str(status));
    }
    CHECK_EQ(err.status, status);
    CHECK(err.message[0] != '\0');
    if (cmd_index >= 0) {
        CHECK_EQ(err.cmd_index, cmd_index);
    }
    const uint32_t nop = 0;
    CHECK_EQ(vgl_renderer_submit(h->r, ctx, &nop, 1), VGL_ERROR_CONTEXT_BROKEN);
}

void hostile_expect_healthy(struct hostile *h, uint32_t ctx) {
    struct vgl_context_error err;
    if (vgl_renderer_context_get_error(h->r, ctx, &err)) {
        fprintf(stderr, "context %u broke: %s (%s)\n", ctx, err.message,
                vgl_status_str(err.status));
    }
    CHECK(!vgl_renderer_context_get_error(h->r, ctx, &err));
}

void hostile_expect_serving(struct hostile *h) {
    static uint32_t next_ctx = 900;
    const uint32_t ctx = next_ctx++;
    CHECK_EQ(vgl_renderer_context_create(h->r, ctx, "witness"), VGL_OK);
    uint8_t *mem = hostile_texture(h, ctx, 1, FMT_RGBA8, 8, 8, 1, 8 * 8 * 4);
    memset(mem, 0x55, 8 * 8 * 4);
    struct enc *e = calloc(1, sizeof(*e));
    CHECK(e);
    enc_surface(e, 1, 1, FMT_RGBA8);
    const uint32_t cb = 1;
    enc_framebuffer(e, 0, 1, &cb);
    const float colour[4] = {1.0f, 0.0f, 1.0f, 1.0f};
    enc_clear(e, VGL_CLEAR_COLOR0, colour, 1.0, 0);
    CHECK_EQ(vgl_renderer_submit(h->r, ctx, e->buf, e->n), VGL_OK);
    const struct vgl_transfer t = {.handle = 1, .box = {0, 0, 0, 8, 8, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(h->r, ctx, &t), VGL_OK);
    for (int i = 0; i < 8 * 8; i++) {
        CHECK(mem[4 * i] == 255 && mem[4 * i + 1] == 0 && mem[4 * i + 2] == 255 &&
              mem[4 * i + 3] == 255);
    }
    vgl_renderer_context_destroy(h->r, ctx);
    free(mem);
    free(e);
}

void hostile_submit_expect(struct hostile *h, enum vgl_status status) {
    const enum vgl_status st = hostile_submit(h, HOSTILE_CTX);
    CHECK_EQ(st, status);
    hostile_expect_broken(h, HOSTILE_CTX, status, -1);
    hostile_expect_serving(h);
}

void hostile_upload_triangle(struct hostile *h) {
    const float tri[3][4] = {{-1, -1, 0, 1}, {3, -1, 0, 1}, {-1, 3, 0, 1}};
    memcpy(h->vb_mem, tri, sizeof(tri));
    const struct vgl_transfer up = {.handle = HOSTILE_VB, .box = {0, 0, 0, sizeof(tri), 1, 1}};
    CHECK_EQ(vgl_renderer_transfer_write(h->r, HOSTILE_CTX, &up), VGL_OK);
}

void hostile_draw_setup(struct hostile *h) {
    struct enc *e = &h->e;
    enc_viewport(e, 0, 0, HOSTILE_W, HOSTILE_H);
    enc_blend(e, 20, false);
    enc_bind(e, VGL_OBJECT_BLEND, 20);
    enc_rasterizer(e, 21, false);
    enc_bind(e, VGL_OBJECT_RASTERIZER, 21);
    enc_dsa(e, 22, false, 0);
    enc_bind(e, VGL_OBJECT_DSA, 22);
    const uint32_t el[1][4] = {{0, 0, 0, 31}}; /* R32G32B32A32_FLOAT from buffer 0 */
    enc_vertex_elements(e, 23, 1, el);
    enc_bind(e, VGL_OBJECT_VERTEX_ELEMENTS, 23);
    enc_vertex_buffer(e, 16, 0, HOSTILE_VB);
    enc_shader(e, 30, VGL_SHADER_VERTEX,
               "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n  1: END\n");
    enc_bind_shader(e, 30, VGL_SHADER_VERTEX);
    enc_shader(e, 31, VGL_SHADER_FRAGMENT,
               "FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 {0x3f800000, 0x00000000, 0x00000000, "
               "0x3f800000}\n"
               "  0: MOV OUT[0], IMM[0]\n  1: END\n");
    enc_bind_shader(e, 31, VGL_SHADER_FRAGMENT);
}
