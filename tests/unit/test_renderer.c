/* SPDX-License-Identifier: MIT */
/* Renderer tests on the host GL (llvmpipe here): caps, resources, transfers with hostile boxes,
 * clears and blits read back through guest backing, context isolation. Skip without EGL. */
#include <stdlib.h>
#include <string.h>

#include <vgl/renderer.h>

#include "protocol/virgl_protocol.h"
#include "test.h"

static struct vgl_renderer *make_renderer(void) {
    vgl_log_init(VGL_LOG_ERROR, NULL, NULL);
    struct vgl_renderer *r = NULL;
    const enum vgl_status st = vgl_renderer_create(NULL, &r);
    if (st == VGL_ERROR_NO_DEVICE) {
        vgl_test_skip("no EGL device");
    }
    CHECK_EQ(st, VGL_OK);
    return r;
}

/* The caps of a renderer hiding `hide` (NULL: nothing; an empty string overrides the
 * environment). */
static void caps_hiding(const char *hide, uint8_t caps[VGL_CAPS_V2_SIZE]) {
    const struct vgl_renderer_options opts = {.hide_features = hide ? hide : ""};
    struct vgl_renderer *r = NULL;
    const enum vgl_status st = vgl_renderer_create(&opts, &r);
    if (st == VGL_ERROR_NO_DEVICE) {
        vgl_test_skip("no EGL device");
    }
    CHECK_EQ(st, VGL_OK);
    CHECK_EQ(vgl_renderer_fill_caps(r, VGL_CAPSET_VIRGL2, caps, VGL_CAPS_V2_SIZE), VGL_OK);
    vgl_renderer_destroy(r);
}

static uint32_t cap32(const uint8_t *caps, size_t offset) {
    uint32_t v;
    memcpy(&v, caps + offset, 4);
    return v;
}

static struct vgl_resource_args tex2d(uint32_t handle, uint32_t w, uint32_t h, uint32_t bind) {
    return (struct vgl_resource_args){.handle = handle,
                                      .target = VGL_TARGET_2D,
                                      .format = 67,
                                      .bind = bind,
                                      .width = w,
                                      .height = h,
                                      .depth = 1,
                                      .array_size = 1};
}

/* Create a resource with a zeroed backing of its packed size; returns the backing. */
static uint8_t *create_with_backing(struct vgl_renderer *r, uint32_t ctx,
                                    const struct vgl_resource_args *a, size_t size) {
    CHECK_EQ(vgl_renderer_resource_create(r, ctx, a), VGL_OK);
    uint8_t *mem = calloc(1, size);
    CHECK(mem);
    const struct iovec iov = {mem, size};
    CHECK_EQ(vgl_renderer_resource_attach_backing(r, ctx, a->handle, &iov, 1), VGL_OK);
    return mem;
}

static struct vgl_transfer box_transfer(uint32_t handle, int x, int y, int w, int h,
                                        uint64_t offset) {
    return (struct vgl_transfer){.handle = handle, .box = {x, y, 0, w, h, 1}, .offset = offset};
}

VGL_TEST(caps_give_gl21) {
    struct vgl_renderer *r = make_renderer();
    uint32_t version, size;
    CHECK_EQ(vgl_renderer_get_cap_set(r, VGL_CAPSET_VIRGL2, &version, &size), VGL_OK);
    CHECK_EQ(size, VGL_CAPS_V2_SIZE);
    uint8_t caps[VGL_CAPS_V2_SIZE];
    CHECK_EQ(vgl_renderer_fill_caps(r, VGL_CAPSET_VIRGL2, caps, 10), VGL_ERROR_INVALID_ARGUMENT);
    CHECK_EQ(vgl_renderer_fill_caps(r, VGL_CAPSET_VIRGL2, caps, sizeof(caps)), VGL_OK);
    uint32_t glsl;
    memcpy(&glsl, caps + VGL_CAPS_V1_GLSL_LEVEL, 4);
    CHECK(glsl >= 120);
    /* GL 2.1 needs an sRGB sampler format (protocol-facts §5.4): R8G8B8A8_SRGB is 104. */
    CHECK(caps[VGL_CAPS_V1_SAMPLER + 104 / 8] & (1 << (104 % 8)));
    CHECK(caps[VGL_CAPS_V1_RENDER + 67 / 8] & (1 << (67 % 8)));
    CHECK_EQ(vgl_renderer_get_cap_set(r, 7, &version, &size), VGL_ERROR_NOT_FOUND);
    vgl_renderer_destroy(r);
}

/* protocol-facts §5.4: each level's glsl_level and the caps it needs; each hidden feature drops
 * the guest to the level below the one that needs it. */
VGL_TEST(caps_levels_follow_host_features) {
    uint8_t caps[VGL_CAPS_V2_SIZE];
    caps_hiding(NULL, caps); /* llvmpipe has everything GL 3.3 needs */
    CHECK_EQ(cap32(caps, VGL_CAPS_V1_GLSL_LEVEL), 330);
    CHECK(cap32(caps, VGL_CAPS_V1_BSET) & (1u << 4 | 1u << 16 | 1u << 14));
    CHECK(cap32(caps, VGL_CAPS_V1_MAX_UNIFORM_BLOCKS) >= 13);
    CHECK(cap32(caps, VGL_CAPS_V1_MAX_TBO_SIZE) > 0);
    CHECK_EQ(cap32(caps, VGL_CAPS_V1_MAX_DUAL_SOURCE), 1);
    CHECK(cap32(caps, VGL_CAPS_V2_MAX_GEOM_OUTPUT_VERTICES) >= 256);
    CHECK(cap32(caps, VGL_CAPS_V2_HOST_FEATURE_CHECK_VERSION) >= 6);
    static const struct {
        const char *hide;
        uint32_t glsl;
    } cases[] = {
            {"dual_src", 150}, {"gs", 140},          {"msaa", 140},     {"ubo", 130},
            {"tbo", 130},      {"cond_render", 130}, {"msaa,ubo", 130},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        caps_hiding(cases[i].hide, caps);
        CHECK_EQ(cap32(caps, VGL_CAPS_V1_GLSL_LEVEL), cases[i].glsl);
    }
    /* What each hidden feature leaves out of the caps. */
    caps_hiding("dual_src", caps);
    CHECK_EQ(cap32(caps, VGL_CAPS_V1_MAX_DUAL_SOURCE), 0);
    caps_hiding("gs", caps);
    CHECK_EQ(cap32(caps, VGL_CAPS_V2_MAX_GEOM_OUTPUT_VERTICES), 0);
    caps_hiding("msaa", caps);
    CHECK(!(cap32(caps, VGL_CAPS_V1_BSET) & 1u << 14));
    CHECK_EQ(cap32(caps, VGL_CAPS_V1_MAX_SAMPLES), 1);
    caps_hiding("ubo", caps);
    CHECK_EQ(cap32(caps, VGL_CAPS_V1_MAX_UNIFORM_BLOCKS), 1);
    CHECK(!(cap32(caps, VGL_CAPS_V1_BSET) & 1u << 18));
    caps_hiding("cond_render", caps);
    CHECK(!(cap32(caps, VGL_CAPS_V1_BSET) & 1u << 4)); /* the guest stays at GL 2.1 */
    /* An unknown name is refused. */
    const struct vgl_renderer_options bad = {.hide_features = "gs,warp_drive"};
    struct vgl_renderer *r = NULL;
    CHECK_EQ(vgl_renderer_create(&bad, &r), VGL_ERROR_INVALID_ARGUMENT);
    CHECK(r == NULL);
}

VGL_TEST(texture_round_trip_and_zero_init) {
    struct vgl_renderer *r = make_renderer();
    CHECK_EQ(vgl_renderer_context_create(r, 1, "test"), VGL_OK);
    const struct vgl_resource_args a = tex2d(5, 8, 4, VGL_BIND_SAMPLER_VIEW);
    uint8_t *mem = create_with_backing(r, 1, &a, 8 * 4 * 4);
    memset(mem, 0xab, 8 * 4 * 4);
    struct vgl_transfer t = box_transfer(5, 0, 0, 8, 4, 0);
    CHECK_EQ(vgl_renderer_transfer_read(r, 1, &t), VGL_OK);
    for (int i = 0; i < 8 * 4 * 4; i++) {
        CHECK_EQ(mem[i], 0); /* never-written storage reads back as zeros */
    }
    for (int i = 0; i < 8 * 4 * 4; i++) {
        mem[i] = (uint8_t)(i * 7);
    }
    /* upload a 3x2 box at (2,1), using the packed stride of the level */
    t = box_transfer(5, 2, 1, 3, 2, (1 * 8 + 2) * 4);
    CHECK_EQ(vgl_renderer_transfer_write(r, 1, &t), VGL_OK);
    uint8_t expect[8 * 4 * 4] = {0};
    for (int y = 1; y < 3; y++) {
        memcpy(expect + (y * 8 + 2) * 4, mem + (y * 8 + 2) * 4, 3 * 4);
    }
    memset(mem, 0, sizeof(expect));
    t = box_transfer(5, 0, 0, 8, 4, 0);
    CHECK_EQ(vgl_renderer_transfer_read(r, 1, &t), VGL_OK);
    CHECK(memcmp(mem, expect, sizeof(expect)) == 0);
    vgl_renderer_destroy(r);
    free(mem);
}

VGL_TEST(hostile_transfers_refused) {
    struct vgl_renderer *r = make_renderer();
    CHECK_EQ(vgl_renderer_context_create(r, 1, "test"), VGL_OK);
    const struct vgl_resource_args a = tex2d(5, 8, 4, VGL_BIND_SAMPLER_VIEW);
    uint8_t *mem = create_with_backing(r, 1, &a, 8 * 4 * 4);
    const struct vgl_transfer bad[] = {
            box_transfer(5, 0, 0, 9, 4, 0),                        /* wider than the level */
            box_transfer(5, 0, 3, 8, 2, 0),                        /* past the bottom */
            box_transfer(5, -1, 0, 2, 2, 0),                       /* negative origin */
            box_transfer(5, 0, 0, 8, 4, 4),                        /* runs past the backing */
            box_transfer(5, 0, 0, 1, 1, 8 * 4 * 4),                /* offset at the end */
            box_transfer(5, 0, 0, 1, 1, UINT64_MAX - 2),           /* offset overflow */
            box_transfer(5, 0, 0, 0x7fffffff, 1, 0),               /* absurd width */
            box_transfer(6, 0, 0, 1, 1, 0),                        /* unknown handle */
            {.handle = 5, .level = 1, .box = {0, 0, 0, 1, 1, 1}},  /* level past last_level */
            {.handle = 5, .stride = 4, .box = {0, 0, 0, 8, 2, 1}}, /* stride below the row */
            {.handle = 5, .stride = 0xffffffffu, .box = {0, 0, 0, 1, 4, 1}}, /* stride past end */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(vgl_renderer_transfer_write(r, 1, &bad[i]) != VGL_OK);
        CHECK(vgl_renderer_transfer_read(r, 1, &bad[i]) != VGL_OK);
    }
    /* resources that cannot exist */
    struct vgl_resource_args b = tex2d(7, 0, 4, 0);
    CHECK_EQ(vgl_renderer_resource_create(r, 1, &b), VGL_ERROR_INVALID_ARGUMENT);
    b = tex2d(7, 1u << 30, 1u << 30, 0);
    CHECK_EQ(vgl_renderer_resource_create(r, 1, &b), VGL_ERROR_INVALID_ARGUMENT);
    b = tex2d(7, 4, 4, 0);
    b.last_level = 3;
    CHECK_EQ(vgl_renderer_resource_create(r, 1, &b), VGL_ERROR_INVALID_ARGUMENT);
    b = tex2d(7, 4, 4, 0);
    b.target = 77;
    CHECK_EQ(vgl_renderer_resource_create(r, 1, &b), VGL_ERROR_INVALID_ARGUMENT);
    b = tex2d(7, 4, 4, 0);
    b.format = 9999;
    CHECK_EQ(vgl_renderer_resource_create(r, 1, &b), VGL_ERROR_UNSUPPORTED);
    CHECK_EQ(vgl_renderer_resource_create(r, 1, &a), VGL_ERROR_EXISTS);
    vgl_renderer_destroy(r);
    free(mem);
}

VGL_TEST(contexts_are_isolated) {
    struct vgl_renderer *r = make_renderer();
    CHECK_EQ(vgl_renderer_context_create(r, 1, "a"), VGL_OK);
    CHECK_EQ(vgl_renderer_context_create(r, 2, "b"), VGL_OK);
    CHECK_EQ(vgl_renderer_context_create(r, 2, "b"), VGL_ERROR_EXISTS);
    const struct vgl_resource_args a = tex2d(5, 4, 4, 0);
    uint8_t *mem = create_with_backing(r, 1, &a, 64);
    struct vgl_transfer t = box_transfer(5, 0, 0, 4, 4, 0);
    CHECK_EQ(vgl_renderer_transfer_read(r, 2, &t), VGL_ERROR_NOT_FOUND);
    CHECK_EQ(vgl_renderer_resource_unref(r, 2, 5), VGL_ERROR_NOT_FOUND);
    struct vgl_resource_args info;
    CHECK_EQ(vgl_renderer_resource_get_info(r, 2, 5, &info), VGL_ERROR_NOT_FOUND);
    CHECK_EQ(vgl_renderer_resource_get_info(r, 1, 5, &info), VGL_OK);
    CHECK_EQ(info.width, 4);
    /* the same handle in another context is a different resource */
    uint8_t *mem2 = create_with_backing(r, 2, &a, 64);
    vgl_renderer_context_destroy(r, 1);
    CHECK_EQ(vgl_renderer_transfer_read(r, 2, &t), VGL_OK);
    vgl_renderer_destroy(r);
    free(mem);
    free(mem2);
}

/* Encode the commands of a clear-and-blit guest. */
struct enc {
    uint32_t buf[512];
    size_t n;
};

static void emit(struct enc *e, uint32_t id, uint32_t obj, const uint32_t *p, uint32_t len) {
    e->buf[e->n++] = VGL_CMD_HEADER(id, obj, len);
    memcpy(e->buf + e->n, p, len * 4);
    e->n += len;
}

static void emit_clear(struct enc *e, uint32_t r, uint32_t g, uint32_t b, uint32_t a) {
    const uint32_t p[8] = {VGL_CLEAR_COLOR0, r, g, b, a, 0, 0x3ff00000, 0};
    emit(e, VGL_CCMD_CLEAR, 0, p, 8);
}

VGL_TEST(clear_and_blit_through_submit) {
    struct vgl_renderer *r = make_renderer();
    CHECK_EQ(vgl_renderer_context_create(r, 1, "test"), VGL_OK);
    const struct vgl_resource_args rt = tex2d(1, 16, 8, VGL_BIND_RENDER_TARGET);
    uint8_t *rt_mem = create_with_backing(r, 1, &rt, 16 * 8 * 4);
    const struct vgl_resource_args src = tex2d(2, 4, 4, VGL_BIND_SAMPLER_VIEW);
    uint8_t *src_mem = create_with_backing(r, 1, &src, 4 * 4 * 4);
    for (int i = 0; i < 16; i++) {
        src_mem[4 * i] = (uint8_t)(i * 16);
        src_mem[4 * i + 1] = 1;
        src_mem[4 * i + 2] = 2;
        src_mem[4 * i + 3] = 255;
    }
    struct enc e = {.n = 0};
    const uint32_t one = 1;
    emit(&e, VGL_CCMD_CREATE_SUB_CTX, 0, &one, 1);
    emit(&e, VGL_CCMD_SET_SUB_CTX, 0, &one, 1);
    /* upload the source through an in-stream TRANSFER3D */
    const uint32_t xfer[13] = {2, 0, 2, 0, 0, 0, 0, 0, 4, 4, 1, 0, 1};
    emit(&e, VGL_CCMD_TRANSFER3D, 0, xfer, 13);
    const uint32_t surf[5] = {10, 1, 67, 0, 0};
    emit(&e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SURFACE, surf, 5);
    const uint32_t fb[3] = {1, 0, 10};
    emit(&e, VGL_CCMD_SET_FRAMEBUFFER_STATE, 0, fb, 3);
    emit_clear(&e, 0x3e800000, 0x3f000000, 0x3f400000, 0x3f800000); /* .25 .5 .75 1 */
    /* blit the 4x4 source to (2,3) */
    uint32_t blit[21] = {0xf, 0, 0, 1, 0, 67, 2, 3, 0, 4, 4, 1, 2, 0, 67, 0, 0, 0, 4, 4, 1};
    emit(&e, VGL_CCMD_BLIT, 0, blit, 21);
    CHECK_EQ(vgl_renderer_submit(r, 1, e.buf, e.n), VGL_OK);
    struct vgl_transfer t = box_transfer(1, 0, 0, 16, 8, 0);
    CHECK_EQ(vgl_renderer_transfer_read(r, 1, &t), VGL_OK);
    for (int y = 0; y < 8; y++) {
        for (int x = 0; x < 16; x++) {
            const uint8_t *p = rt_mem + (y * 16 + x) * 4;
            if (x >= 2 && x < 6 && y >= 3 && y < 7) {
                const int i = (y - 3) * 4 + (x - 2);
                CHECK_EQ(p[0], i * 16);
                CHECK_EQ(p[1], 1);
                CHECK_EQ(p[2], 2);
            } else {
                CHECK_EQ(p[0], 64);
                CHECK_EQ(p[1], 128);
                CHECK_EQ(p[2], 191);
                CHECK_EQ(p[3], 255);
            }
        }
    }
    /* a surface on a missing resource breaks the context, and it stays broken */
    e.n = 0;
    const uint32_t bad_surf[5] = {11, 42, 67, 0, 0};
    emit(&e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SURFACE, bad_surf, 5);
    CHECK_EQ(vgl_renderer_submit(r, 1, e.buf, e.n), VGL_ERROR_NOT_FOUND);
    struct vgl_context_error err;
    CHECK(vgl_renderer_context_get_error(r, 1, &err));
    CHECK_EQ(err.submit_index, 1);
    CHECK_EQ(err.opcode, VGL_CCMD_CREATE_OBJECT);
    CHECK_EQ(vgl_renderer_submit(r, 1, e.buf, e.n), VGL_ERROR_CONTEXT_BROKEN);
    vgl_renderer_destroy(r);
    free(rt_mem);
    free(src_mem);
}

VGL_TEST(buffers_and_fences) {
    struct vgl_renderer *r = make_renderer();
    CHECK_EQ(vgl_renderer_context_create(r, 1, "test"), VGL_OK);
    const struct vgl_resource_args a = {.handle = 3,
                                        .target = VGL_TARGET_BUFFER,
                                        .format = 64,
                                        .width = 64,
                                        .height = 1,
                                        .depth = 1,
                                        .array_size = 1};
    uint8_t *mem = create_with_backing(r, 1, &a, 64);
    for (int i = 0; i < 64; i++) {
        mem[i] = (uint8_t)i;
    }
    struct vgl_transfer t = box_transfer(3, 16, 0, 8, 1, 16);
    CHECK_EQ(vgl_renderer_transfer_write(r, 1, &t), VGL_OK);
    memset(mem, 0xff, 64);
    t = box_transfer(3, 0, 0, 64, 1, 0);
    CHECK_EQ(vgl_renderer_transfer_read(r, 1, &t), VGL_OK);
    for (int i = 0; i < 64; i++) {
        CHECK_EQ(mem[i], i >= 16 && i < 24 ? i : 0);
    }
    t = box_transfer(3, 60, 0, 8, 1, 60);
    CHECK_EQ(vgl_renderer_transfer_write(r, 1, &t), VGL_ERROR_INVALID_ARGUMENT);
    CHECK_EQ(vgl_renderer_create_fence(r, 1, 42), VGL_OK);
    CHECK_EQ(vgl_renderer_wait_idle(r, 1), VGL_OK);
    CHECK_EQ(vgl_renderer_create_fence(r, 9, 42), VGL_ERROR_NOT_FOUND);
    vgl_renderer_destroy(r);
    free(mem);
}

/* Layers and faces travel in box.z / box.d for every target (gallium's convention). */
VGL_TEST(layered_transfers_round_trip) {
    struct vgl_renderer *r = make_renderer();
    CHECK_EQ(vgl_renderer_context_create(r, 1, "test"), VGL_OK);
    const struct {
        uint32_t target, w, h, depth, array_size, layers;
    } cases[] = {
            {VGL_TARGET_CUBE, 4, 4, 1, 6, 6}, {VGL_TARGET_2D_ARRAY, 4, 2, 1, 3, 3},
            {VGL_TARGET_3D, 4, 2, 2, 1, 2},   {VGL_TARGET_1D_ARRAY, 8, 1, 1, 4, 4},
            {VGL_TARGET_1D, 8, 1, 1, 1, 1},   {VGL_TARGET_RECT, 5, 3, 1, 1, 1},
    };
    for (uint32_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct vgl_resource_args a = {.handle = 10 + i,
                                            .target = cases[i].target,
                                            .format = 67,
                                            .width = cases[i].w,
                                            .height = cases[i].h,
                                            .depth = cases[i].depth,
                                            .array_size = cases[i].array_size};
        const size_t layer = (size_t)cases[i].w * cases[i].h * 4;
        const size_t size = layer * cases[i].layers;
        uint8_t *mem = create_with_backing(r, 1, &a, size);
        for (size_t b = 0; b < size; b++) {
            mem[b] = (uint8_t)(b * 13 + i);
        }
        /* write every layer but the first, read everything back */
        const int first = cases[i].layers > 1 ? 1 : 0;
        struct vgl_transfer t = {.handle = a.handle,
                                 .box = {0, 0, first, (int)cases[i].w, (int)cases[i].h,
                                         (int)cases[i].layers - first},
                                 .offset = first * layer};
        CHECK_EQ(vgl_renderer_transfer_write(r, 1, &t), VGL_OK);
        uint8_t *expect = malloc(size);
        memcpy(expect, mem, size);
        memset(expect, 0, first * layer);
        memset(mem, 0x5a, size);
        t.box.z = 0;
        t.box.d = (int)cases[i].layers;
        t.offset = 0;
        CHECK_EQ(vgl_renderer_transfer_read(r, 1, &t), VGL_OK);
        if (memcmp(mem, expect, size) != 0) {
            fprintf(stderr, "target %u differs\n", cases[i].target);
            exit(1);
        }
        free(expect);
        free(mem);
    }
    vgl_renderer_destroy(r);
}

/* Compressed data travels as blocks: what the guest uploads reads back byte for byte. */
VGL_TEST(compressed_blocks_round_trip) {
    struct vgl_renderer *r = make_renderer();
    CHECK_EQ(vgl_renderer_context_create(r, 1, "test"), VGL_OK);
    uint8_t caps[VGL_CAPS_V2_SIZE];
    CHECK_EQ(vgl_renderer_fill_caps(r, VGL_CAPSET_VIRGL2, caps, sizeof(caps)), VGL_OK);
    const uint32_t formats[] = {106, 108, 113}; /* DXT1 RGBA, DXT5, RGTC1 */
    for (size_t i = 0; i < 3; i++) {
        const uint32_t f = formats[i];
        if (!(caps[VGL_CAPS_V1_SAMPLER + f / 8] & (1 << (f % 8)))) {
            continue; /* the host lacks it, and the caps say so */
        }
        const uint32_t block = f == 108 ? 16 : 8;
        struct vgl_resource_args a = tex2d(20 + (uint32_t)i, 8, 8, VGL_BIND_SAMPLER_VIEW);
        a.format = f;
        const size_t size = 4 * block;
        uint8_t *mem = create_with_backing(r, 1, &a, size);
        for (size_t b = 0; b < size; b++) {
            mem[b] = (uint8_t)(b * 7 + 3);
        }
        uint8_t expect[64];
        memcpy(expect, mem, size);
        struct vgl_transfer t = box_transfer(a.handle, 0, 0, 8, 8, 0);
        CHECK_EQ(vgl_renderer_transfer_write(r, 1, &t), VGL_OK);
        memset(mem, 0, size);
        CHECK_EQ(vgl_renderer_transfer_read(r, 1, &t), VGL_OK);
        CHECK(memcmp(mem, expect, size) == 0);
        /* the second block row alone, at its packed offset */
        t = box_transfer(a.handle, 0, 4, 8, 4, 2 * block);
        CHECK_EQ(vgl_renderer_transfer_read(r, 1, &t), VGL_OK);
        t = box_transfer(a.handle, 2, 0, 4, 4, 0); /* not on a block boundary */
        CHECK_EQ(vgl_renderer_transfer_read(r, 1, &t), VGL_ERROR_INVALID_ARGUMENT);
        free(mem);
    }
    vgl_renderer_destroy(r);
}

/* A8 and L8A8 are kept as RGBA8 on the host (for destination alpha); the guest still sees its
 * own 1- and 2-byte texels, unchanged, both ways. */
/* Z24X8_UNORM (21): depth in the low 24 bits of each dword; the X byte reads back as zero. */
VGL_TEST(z24x8_depth_round_trip) {
    struct vgl_renderer *r = make_renderer();
    CHECK_EQ(vgl_renderer_context_create(r, 1, "test"), VGL_OK);
    struct vgl_resource_args a = tex2d(40, 4, 2, VGL_BIND_DEPTH_STENCIL);
    a.format = 21;
    uint8_t *mem = create_with_backing(r, 1, &a, 4 * 2 * 4);
    uint32_t values[8], expect[8];
    for (int i = 0; i < 8; i++) {
        values[i] = 0xab000000u | (uint32_t)(i * 0x1f3a51 + 0x10203);
        expect[i] = values[i] & 0xffffffu;
    }
    memcpy(mem, values, sizeof(values));
    struct vgl_transfer t = box_transfer(40, 0, 0, 4, 2, 0);
    CHECK_EQ(vgl_renderer_transfer_write(r, 1, &t), VGL_OK);
    memset(mem, 0x55, sizeof(values));
    CHECK_EQ(vgl_renderer_transfer_read(r, 1, &t), VGL_OK);
    CHECK(memcmp(mem, expect, sizeof(expect)) == 0);
    free(mem);
    vgl_renderer_destroy(r);
}

VGL_TEST(widened_formats_round_trip) {
    struct vgl_renderer *r = make_renderer();
    CHECK_EQ(vgl_renderer_context_create(r, 1, "test"), VGL_OK);
    const uint32_t formats[2] = {10, 12}, bytes[2] = {1, 2};
    for (int i = 0; i < 2; i++) {
        struct vgl_resource_args a = tex2d(30 + (uint32_t)i, 5, 3, VGL_BIND_SAMPLER_VIEW);
        a.format = formats[i];
        const size_t size = 5 * 3 * bytes[i];
        uint8_t *mem = create_with_backing(r, 1, &a, size);
        for (size_t b = 0; b < size; b++) {
            mem[b] = (uint8_t)(b * 37 + 11);
        }
        uint8_t expect[30];
        memcpy(expect, mem, size);
        struct vgl_transfer t = box_transfer(a.handle, 0, 0, 5, 3, 0);
        CHECK_EQ(vgl_renderer_transfer_write(r, 1, &t), VGL_OK);
        memset(mem, 0, size);
        CHECK_EQ(vgl_renderer_transfer_read(r, 1, &t), VGL_OK);
        CHECK(memcmp(mem, expect, size) == 0);
        /* a sub-box at its packed offset */
        memset(mem, 0, size);
        t = box_transfer(a.handle, 1, 1, 3, 2, (1 * 5 + 1) * bytes[i]);
        CHECK_EQ(vgl_renderer_transfer_read(r, 1, &t), VGL_OK);
        CHECK(memcmp(mem + 6 * bytes[i], expect + 6 * bytes[i], 3 * bytes[i]) == 0);
        free(mem);
    }
    vgl_renderer_destroy(r);
}
