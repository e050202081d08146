/* SPDX-License-Identifier: MIT */
/* Draw tests through the whole renderer: TGSI shaders, state objects, vertex buffers, textures,
 * depth, blending; pixels read back through guest backing. Skip without EGL. */
#include <stdlib.h>
#include <string.h>

#include <vgl/renderer.h>

#include "../encode/encode.h"
#include "protocol/virgl_protocol.h"
#include "shader/shader.h"
#include "test.h"

#define W 32
#define H 32

static const char *const vs_pos_color = "VERT\n"
                                        "DCL IN[0]\n"
                                        "DCL IN[1]\n"
                                        "DCL OUT[0], POSITION\n"
                                        "DCL OUT[1], GENERIC[0]\n"
                                        "  0: MOV OUT[0], IN[0]\n"
                                        "  1: MOV OUT[1], IN[1]\n"
                                        "  2: END\n";

static const char *const fs_varying = "FRAG\n"
                                      "DCL IN[0], GENERIC[0], PERSPECTIVE\n"
                                      "DCL OUT[0], COLOR\n"
                                      "  0: MOV OUT[0], IN[0]\n"
                                      "  1: END\n";

static const char *const fs_const = "FRAG\n"
                                    "DCL OUT[0], COLOR\n"
                                    "DCL CONST[0]\n"
                                    "  0: MOV OUT[0], CONST[0]\n"
                                    "  1: END\n";

static const char *const fs_tex = "FRAG\n"
                                  "DCL IN[0], GENERIC[0], PERSPECTIVE\n"
                                  "DCL OUT[0], COLOR\n"
                                  "DCL SAMP[0]\n"
                                  "DCL SVIEW[0], 2D, FLOAT\n"
                                  "  0: TEX OUT[0], IN[0], SAMP[0], 2D\n"
                                  "  1: END\n";

struct scene {
    struct vgl_renderer *r;
    uint32_t ctx;
    bool owns_renderer;
    uint8_t *rt_mem, *vb_mem;
    struct enc e;
};

/* Context `ctx` of renderer r with a 32x32 render target (resource 1), a vertex buffer
 * (resource 2) and, in sc->e (not yet submitted), sub-context 1 with default state and the
 * vertex shader vs_pos_color. */
static struct scene *scene_create_on(struct vgl_renderer *r, uint32_t ctx) {
    struct scene *sc = calloc(1, sizeof(*sc));
    CHECK(sc);
    sc->r = r;
    sc->ctx = ctx;
    CHECK_EQ(vgl_renderer_context_create(sc->r, sc->ctx, "draw"), VGL_OK);
    const struct vgl_resource_args rt = {.handle = 1,
                                         .target = VGL_TARGET_2D,
                                         .format = 67,
                                         .bind = VGL_BIND_RENDER_TARGET,
                                         .width = W,
                                         .height = H,
                                         .depth = 1,
                                         .array_size = 1};
    CHECK_EQ(vgl_renderer_resource_create(sc->r, sc->ctx, &rt), VGL_OK);
    sc->rt_mem = calloc(1, W * H * 4);
    const struct iovec rt_iov = {sc->rt_mem, W * H * 4};
    CHECK_EQ(vgl_renderer_resource_attach_backing(sc->r, sc->ctx, 1, &rt_iov, 1), VGL_OK);
    const struct vgl_resource_args vb = {.handle = 2,
                                         .target = VGL_TARGET_BUFFER,
                                         .format = 64,
                                         .bind = VGL_BIND_VERTEX_BUFFER,
                                         .width = 4096,
                                         .height = 1,
                                         .depth = 1,
                                         .array_size = 1};
    CHECK_EQ(vgl_renderer_resource_create(sc->r, sc->ctx, &vb), VGL_OK);
    sc->vb_mem = calloc(1, 4096);
    const struct iovec vb_iov = {sc->vb_mem, 4096};
    CHECK_EQ(vgl_renderer_resource_attach_backing(sc->r, sc->ctx, 2, &vb_iov, 1), VGL_OK);

    struct enc *e = &sc->e;
    enc_sub_ctx(e, 1);
    enc_surface(e, 10, 1, 67);
    const uint32_t cb = 10;
    enc_framebuffer(e, 0, 1, &cb);
    const float black[4] = {0, 0, 0, 1};
    enc_clear(e, VGL_CLEAR_COLOR0, black, 1.0, 0);
    enc_viewport(e, 0, 0, W, H);
    enc_blend(e, 20, false);
    enc_bind(e, VGL_OBJECT_BLEND, 20);
    enc_rasterizer(e, 21, false);
    enc_bind(e, VGL_OBJECT_RASTERIZER, 21);
    enc_dsa(e, 22, false, 0);
    enc_bind(e, VGL_OBJECT_DSA, 22);
    /* position vec4 at 0, colour/texcoord vec4 at 16, stride 32 */
    const uint32_t el[2][4] = {{0, 0, 0, 31}, {16, 0, 0, 31}};
    enc_vertex_elements(e, 23, 2, el);
    enc_bind(e, VGL_OBJECT_VERTEX_ELEMENTS, 23);
    enc_vertex_buffer(e, 32, 0, 2);
    enc_shader(e, 30, 0, vs_pos_color);
    enc_bind_shader(e, 30, 0);
    return sc;
}

static struct scene *scene_create(void) {
    vgl_log_init(VGL_LOG_ERROR, NULL, NULL);
    struct vgl_renderer *r = NULL;
    const enum vgl_status st = vgl_renderer_create(NULL, &r);
    if (st == VGL_ERROR_NO_DEVICE) {
        vgl_test_skip("no EGL device");
    }
    CHECK_EQ(st, VGL_OK);
    struct scene *sc = scene_create_on(r, 1);
    sc->owns_renderer = true;
    return sc;
}

static void scene_destroy(struct scene *sc) {
    if (sc->owns_renderer) {
        vgl_renderer_destroy(sc->r);
    } else {
        vgl_renderer_context_destroy(sc->r, sc->ctx);
    }
    free(sc->rt_mem);
    free(sc->vb_mem);
    free(sc);
}

/* Upload `count` vertices {x, y, z, 1, a, b, c, d} at byte `offset` of the vertex buffer. */
static void vertices(struct scene *sc, uint32_t offset, const float (*v)[8], uint32_t count) {
    memcpy(sc->vb_mem + offset, v, count * 32);
    const struct vgl_transfer t = {
            .handle = 2, .box = {(int)offset, 0, 0, (int)count * 32, 1, 1}, .offset = offset};
    CHECK_EQ(vgl_renderer_transfer_write(sc->r, sc->ctx, &t), VGL_OK);
}

static void submit_and_read(struct scene *sc) {
    CHECK_EQ(vgl_renderer_submit(sc->r, sc->ctx, sc->e.buf, sc->e.n), VGL_OK);
    enc_reset(&sc->e);
    const struct vgl_transfer t = {.handle = 1, .box = {0, 0, 0, W, H, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(sc->r, sc->ctx, &t), VGL_OK);
}

static const uint8_t *px(struct scene *sc, int x, int y) {
    return sc->rt_mem + (y * W + x) * 4;
}

static void check_px(struct scene *sc, int x, int y, int r, int g, int b, int a) {
    const uint8_t *p = px(sc, x, y);
    if (abs(p[0] - r) > 1 || abs(p[1] - g) > 1 || abs(p[2] - b) > 1 || abs(p[3] - a) > 1) {
        fprintf(stderr, "pixel %d,%d = %d %d %d %d, expected %d %d %d %d\n", x, y, p[0], p[1], p[2],
                p[3], r, g, b, a);
        exit(1);
    }
}

/* Resource `handle`: a 2D texture of `format` with `texels` (kept by the caller) as its backing. */
static void sampled_texture_at(struct scene *sc, uint32_t handle, uint32_t format, uint32_t w,
                               uint32_t h, uint8_t *texels, size_t size) {
    const struct vgl_resource_args tex = {.handle = handle,
                                          .target = VGL_TARGET_2D,
                                          .format = format,
                                          .bind = VGL_BIND_SAMPLER_VIEW,
                                          .width = w,
                                          .height = h,
                                          .depth = 1,
                                          .array_size = 1};
    CHECK_EQ(vgl_renderer_resource_create(sc->r, sc->ctx, &tex), VGL_OK);
    const struct iovec iov = {texels, size};
    CHECK_EQ(vgl_renderer_resource_attach_backing(sc->r, sc->ctx, handle, &iov, 1), VGL_OK);
}

static void sampled_texture(struct scene *sc, uint32_t format, uint32_t w, uint32_t h,
                            uint8_t *texels, size_t size) {
    sampled_texture_at(sc, 3, format, w, h, texels, size);
}

/* A triangle covering the whole viewport. */
static const float full[3][8] = {
        {-1, -1, 0, 1, 0, 0, 0, 0}, {3, -1, 0, 1, 2, 0, 0, 0}, {-1, 3, 0, 1, 0, 2, 0, 0}};

VGL_TEST(constant_colour_fills_target) {
    struct scene *sc = scene_create();
    vertices(sc, 0, full, 3);
    enc_shader(&sc->e, 31, 1, fs_const);
    enc_bind_shader(&sc->e, 31, 1);
    const float colour[4] = {0.25f, 0.5f, 0.75f, 1.0f};
    enc_constants(&sc->e, 1, colour, 4);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
            check_px(sc, x, y, 64, 128, 191, 255);
        }
    }
    scene_destroy(sc);
}

/* With the guest's positive y scale, NDC y < 0 lands in the first rows of the resource. */
VGL_TEST(orientation_matches_gallium) {
    struct scene *sc = scene_create();
    const float quad_low_left[6][8] = {{-1, -1, 0, 1, 1, 0, 0, 1}, {0, -1, 0, 1, 1, 0, 0, 1},
                                       {-1, 0, 0, 1, 1, 0, 0, 1},  {0, -1, 0, 1, 1, 0, 0, 1},
                                       {0, 0, 0, 1, 1, 0, 0, 1},   {-1, 0, 0, 1, 1, 0, 0, 1}};
    vertices(sc, 0, quad_low_left, 6);
    enc_shader(&sc->e, 31, 1, fs_varying);
    enc_bind_shader(&sc->e, 31, 1);
    enc_draw(&sc->e, 4, 0, 6, false);
    submit_and_read(sc);
    check_px(sc, 2, 2, 255, 0, 0, 255);
    check_px(sc, 15, 15, 255, 0, 0, 255);
    check_px(sc, 16, 2, 0, 0, 0, 255);
    check_px(sc, 2, 16, 0, 0, 0, 255);
    check_px(sc, 30, 30, 0, 0, 0, 255);
    scene_destroy(sc);
}

VGL_TEST(texture_nearest_quadrants) {
    struct scene *sc = scene_create();
    uint8_t texels[16] = {255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255};
    sampled_texture(sc, 67, 2, 2, texels, sizeof(texels));
    vertices(sc, 0, full, 3);
    enc_transfer3d(&sc->e, 3, 0, 0, 2, 2, 0);
    enc_shader(&sc->e, 31, 1, fs_tex);
    enc_bind_shader(&sc->e, 31, 1);
    enc_sampler_view(&sc->e, 40, 3, 67);
    enc_sampler_state(&sc->e, 41, false);
    const uint32_t view = 40, samp = 41;
    enc_set_sampler_views(&sc->e, 1, 1, &view);
    enc_bind_sampler_states(&sc->e, 1, 1, &samp);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    /* texel (0,0) is stored first and lands at the first rows and columns */
    check_px(sc, 4, 4, 255, 0, 0, 255);
    check_px(sc, 28, 4, 0, 255, 0, 255);
    check_px(sc, 4, 28, 0, 0, 255, 255);
    check_px(sc, 28, 28, 255, 255, 255, 255);
    scene_destroy(sc);
    CHECK(texels[0] == 255);
}

/* Constant slots the guest never set read as zeros (not stale host memory): a replay must see the
 * same values as the capture. */
VGL_TEST(unset_constants_read_zero) {
    struct scene *sc = scene_create();
    vertices(sc, 0, full, 3);
    enc_shader(&sc->e, 31, 1,
               "FRAG\n"
               "DCL OUT[0], COLOR\n"
               "DCL CONST[0..2]\n"
               "  0: ADD OUT[0], CONST[2], CONST[0]\n"
               "  1: END\n");
    enc_bind_shader(&sc->e, 31, 1);
    const float only_slot0[4] = {0.0f, 0.5f, 0.0f, 1.0f};
    enc_constants(&sc->e, 1, only_slot0, 4);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    check_px(sc, 5, 5, 0, 128, 0, 255);
    check_px(sc, 25, 25, 0, 128, 0, 255);
    scene_destroy(sc);
}

VGL_TEST(alpha_blending) {
    struct scene *sc = scene_create();
    const float half_red[3][8] = {{-1, -1, 0, 1, 1, 0, 0, 0.5f},
                                  {3, -1, 0, 1, 1, 0, 0, 0.5f},
                                  {-1, 3, 0, 1, 1, 0, 0, 0.5f}};
    vertices(sc, 0, half_red, 3);
    enc_shader(&sc->e, 31, 1, fs_varying);
    enc_bind_shader(&sc->e, 31, 1);
    enc_blend(&sc->e, 24, true);
    enc_bind(&sc->e, VGL_OBJECT_BLEND, 24);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    check_px(sc, 10, 10, 128, 0, 0, 191); /* alpha: 0.5*0.5 + 1*0.5 */
    scene_destroy(sc);
}

/* A rasterizer drawing 16-pixel point sprites (upper-left origin) for GENERIC slots `enable`. */
static void sprite_rasterizer(struct scene *sc, uint32_t handle, uint32_t enable) {
    const uint32_t s0 = 0x20000002u | 1u << 15 | 1u << 7; /* point_quad_rasterization */
    const uint32_t p[9] = {handle, s0, enc_f(16.0f), enable, 0xffff, enc_f(1.0f), 0, 0, 0};
    enc_cmd(&sc->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_RASTERIZER, p, 9);
    enc_bind(&sc->e, VGL_OBJECT_RASTERIZER, handle);
}

/* Mesa's state tracker puts gl_PointCoord in GENERIC[8] (bit 8 of sprite_coord_enable) when the
 * host has no TEXCOORD semantic; with the upper-left origin t grows with the rows. */
VGL_TEST(point_sprite_coord_generic8) {
    static const char *const fs_pcoord =
            "FRAG\n"
            "DCL IN[0], GENERIC[8], PERSPECTIVE\n"
            "DCL OUT[0], COLOR\n"
            "IMM[0] FLT32 {0x00000000, 0x3f800000, 0x00000000, 0x00000000}\n"
            "  0: MOV OUT[0].xy, IN[0].xyyy\n"
            "  1: MOV OUT[0].zw, IMM[0].xyxy\n"
            "  2: END\n";
    struct scene *sc = scene_create();
    const float centre[1][8] = {{0, 0, 0, 1, 0, 0, 0, 0}};
    vertices(sc, 0, centre, 1);
    sprite_rasterizer(sc, 25, 1u << 8);
    enc_shader(&sc->e, 31, 1, fs_pcoord);
    enc_bind_shader(&sc->e, 31, 1);
    enc_draw(&sc->e, 0, 0, 1, false);
    submit_and_read(sc);
    /* the point covers pixels 8..23; pixel 9 samples (1.5 / 16), pixel 22 (14.5 / 16) */
    check_px(sc, 9, 9, 24, 24, 0, 255);
    check_px(sc, 22, 9, 231, 24, 0, 255);
    check_px(sc, 9, 22, 24, 231, 0, 255);
    check_px(sc, 4, 4, 0, 0, 0, 255);
    scene_destroy(sc);
}

/* GL_POINT_SPRITE on while drawing triangles: the varying is kept (piglit
 * arb_point_sprite-interactions). */
VGL_TEST(point_sprite_leaves_triangles_alone) {
    struct scene *sc = scene_create();
    const float red[3][8] = {
            {-1, -1, 0, 1, 1, 0, 0, 1}, {3, -1, 0, 1, 1, 0, 0, 1}, {-1, 3, 0, 1, 1, 0, 0, 1}};
    vertices(sc, 0, red, 3);
    sprite_rasterizer(sc, 25, 1u << 0);
    enc_shader(&sc->e, 31, 1, fs_varying);
    enc_bind_shader(&sc->e, 31, 1);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    check_px(sc, 3, 3, 255, 0, 0, 255);
    check_px(sc, 28, 28, 255, 0, 0, 255);
    scene_destroy(sc);
}

/* An all-zero polygon stipple hides triangles but not lines (piglit point-line-no-cull). */
VGL_TEST(polygon_stipple_spares_lines) {
    struct scene *sc = scene_create();
    const float red_line[2][8] = {{-1, 0.03125f, 0, 1, 1, 0, 0, 1},
                                  {1, 0.03125f, 0, 1, 1, 0, 0, 1}};
    vertices(sc, 0, full, 3);
    vertices(sc, 96, red_line, 2);
    const uint32_t s0 = 0x20000002u | 1u << 15 | 1u << 22; /* poly_stipple_enable */
    const uint32_t rs[9] = {25, s0, enc_f(1.0f), 0, 0xffff, enc_f(1.0f), 0, 0, 0};
    enc_cmd(&sc->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_RASTERIZER, rs, 9);
    enc_bind(&sc->e, VGL_OBJECT_RASTERIZER, 25);
    const uint32_t stipple[32] = {0};
    enc_cmd(&sc->e, VGL_CCMD_SET_POLYGON_STIPPLE, 0, stipple, 32);
    enc_shader(&sc->e, 31, 1, fs_const);
    enc_bind_shader(&sc->e, 31, 1);
    const float green[4] = {0, 1, 0, 1};
    enc_constants(&sc->e, 1, green, 4);
    enc_draw(&sc->e, 4, 0, 3, false); /* stippled away */
    enc_draw(&sc->e, 1, 3, 2, false); /* the line through row 16 */
    submit_and_read(sc);
    check_px(sc, 4, 4, 0, 0, 0, 255);
    check_px(sc, 10, 16, 0, 255, 0, 255);
    check_px(sc, 25, 16, 0, 255, 0, 255);
    scene_destroy(sc);
}

/* A vertex buffer with stride 0 repeats its first element (glColor with no array: piglit
 * arb_vertex_program dph); GL's own stride 0 would mean tightly packed. */
VGL_TEST(stride_zero_attribute_is_constant) {
    struct scene *sc = scene_create();
    vertices(sc, 0, full, 3);
    const float blue[1][8] = {{0, 0, 1, 1, 0, 0, 0, 0}};
    vertices(sc, 512, blue, 1);
    const uint32_t el[2][4] = {{0, 0, 0, 31}, {0, 0, 1, 31}};
    enc_vertex_elements(&sc->e, 26, 2, el);
    enc_bind(&sc->e, VGL_OBJECT_VERTEX_ELEMENTS, 26);
    const uint32_t vbs[6] = {32, 0, 2, 0, 512, 2}; /* {stride, offset, resource} x 2 */
    enc_cmd(&sc->e, VGL_CCMD_SET_VERTEX_BUFFERS, 0, vbs, 6);
    enc_shader(&sc->e, 31, 1, fs_varying);
    enc_bind_shader(&sc->e, 31, 1);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    check_px(sc, 2, 2, 0, 0, 255, 255);
    check_px(sc, 29, 29, 0, 0, 255, 255);
    check_px(sc, 2, 29, 0, 0, 255, 255);
    scene_destroy(sc);
}

/* A8 is stored in R with the format swizzle (0, 0, 0, R), whose first entry GL_ZERO is 0: the
 * view swizzle must still go through it (piglit tex3d with GL_ALPHA). */
VGL_TEST(alpha8_texture_samples_alpha) {
    struct scene *sc = scene_create();
    uint8_t texel[4] = {103, 0, 0, 0};
    sampled_texture(sc, 10, 1, 1, texel, sizeof(texel));
    vertices(sc, 0, full, 3);
    enc_transfer3d(&sc->e, 3, 0, 0, 1, 1, 0);
    enc_shader(&sc->e, 31, 1, fs_tex);
    enc_bind_shader(&sc->e, 31, 1);
    enc_sampler_view(&sc->e, 40, 3, 10); /* identity view swizzle */
    enc_sampler_state(&sc->e, 41, false);
    const uint32_t view = 40, samp = 41;
    enc_set_sampler_views(&sc->e, 1, 1, &view);
    enc_bind_sampler_states(&sc->e, 1, 1, &samp);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    check_px(sc, 4, 4, 0, 0, 0, 103);
    check_px(sc, 28, 28, 0, 0, 0, 103);
    scene_destroy(sc);
}

/* A stencil view (X24S8_UINT) of an S8_UINT_Z24_UNORM texture samples the stencil, and a depth
 * view of the same texture bound beside it still samples depth (host texture views). */
VGL_TEST(stencil_view_beside_depth_view) {
    static const char fs_ds[] = "FRAG\n"
                                "DCL OUT[0], COLOR\n"
                                "DCL SAMP[0]\n"
                                "DCL SAMP[1]\n"
                                "DCL SVIEW[0], 2D, FLOAT\n"
                                "DCL SVIEW[1], 2D, UINT\n"
                                "DCL TEMP[0..1]\n"
                                "IMM[0] UINT32 {0, 0, 0, 0}\n"
                                "IMM[1] FLT32 {0x3b808081, 0x3f800000, 0x00000000, 0x00000000}\n"
                                "  0: MOV TEMP[0], IMM[0]\n"
                                "  1: TXF TEMP[1], TEMP[0], SAMP[1], 2D\n"
                                "  2: U2F TEMP[1].x, TEMP[1].xxxx\n"
                                "  3: MUL TEMP[1].x, TEMP[1].xxxx, IMM[1].xxxx\n"
                                "  4: TXF TEMP[0], TEMP[0], SAMP[0], 2D\n"
                                "  5: MOV OUT[0].x, TEMP[1].xxxx\n"
                                "  6: MOV OUT[0].y, TEMP[0].xxxx\n"
                                "  7: MOV OUT[0].zw, IMM[1].zzyy\n"
                                "  8: END\n";
    struct scene *sc = scene_create();
    /* Stencil 0x80 in the low byte, depth 0.5 (0x800000 of 24 bits) above it. */
    uint8_t texel[4] = {0x80, 0x00, 0x00, 0x80};
    sampled_texture(sc, 20, 1, 1, texel, sizeof(texel));
    vertices(sc, 0, full, 3);
    enc_transfer3d(&sc->e, 3, 0, 0, 1, 1, 0);
    enc_shader(&sc->e, 31, 1, fs_ds);
    enc_bind_shader(&sc->e, 31, 1);
    enc_sampler_view(&sc->e, 40, 3, 20);  /* depth */
    enc_sampler_view(&sc->e, 41, 3, 136); /* X24S8_UINT: the stencil */
    enc_sampler_state(&sc->e, 42, false);
    const uint32_t views[2] = {40, 41}, samps[2] = {42, 42};
    enc_set_sampler_views(&sc->e, 1, 2, views);
    enc_bind_sampler_states(&sc->e, 1, 2, samps);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    check_px(sc, 4, 4, 128, 128, 255, 255);
    scene_destroy(sc);
}

/* A sampler state with the same wrap mode on s, t and r, the same min/mag filter (mip NONE) and
 * a border colour. */
static void sampler_wrap(struct scene *sc, uint32_t handle, uint32_t wrap, bool linear,
                         const float border[4]) {
    uint32_t s0 = wrap | wrap << 3 | wrap << 6 | 2u << 11;
    if (linear) {
        s0 |= 1u << 9 | 1u << 13;
    }
    uint32_t p[9] = {handle, s0, 0, 0, enc_f(1000.0f)};
    for (int i = 0; i < 4; i++) {
        p[5 + i] = enc_f(border[i]);
    }
    enc_cmd(&sc->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SAMPLER_STATE, p, 9);
}

/* One texel of `format` sampled over texcoords [0, 2] through a sampler with `wrap`. */
static struct scene *one_texel_scene(uint32_t format, const uint8_t texel[4], uint32_t wrap,
                                     bool linear, const float border[4]) {
    struct scene *sc = scene_create();
    static uint8_t mem[4];
    memcpy(mem, texel, 4);
    sampled_texture(sc, format, 1, 1, mem, sizeof(mem));
    const float tri[3][8] = {
            {-1, -1, 0, 1, 0, 0, 0, 0}, {3, -1, 0, 1, 4, 0, 0, 0}, {-1, 3, 0, 1, 0, 4, 0, 0}};
    vertices(sc, 0, tri, 3);
    enc_transfer3d(&sc->e, 3, 0, 0, 1, 1, 0);
    enc_shader(&sc->e, 31, 1, fs_tex);
    enc_bind_shader(&sc->e, 31, 1);
    enc_sampler_view(&sc->e, 40, 3, format);
    sampler_wrap(sc, 41, wrap, linear, border);
    const uint32_t view = 40, samp = 41;
    enc_set_sampler_views(&sc->e, 1, 1, &view);
    enc_bind_sampler_states(&sc->e, 1, 1, &samp);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    return sc;
}

/* GL_CLAMP (PIPE_TEX_WRAP_CLAMP 1) clamps the coordinate to [0, 1] and then filters with the
 * border: linear filtering past s, t = 1 blends the texel 1/4 with the border 3/4; nearest
 * filtering is CLAMP_TO_EDGE (piglit texwrap bordercolor). */
VGL_TEST(gl_clamp_linear_blends_border) {
    const uint8_t red[4] = {255, 0, 0, 255};
    const float green[4] = {0, 1, 0, 1};
    struct scene *sc = one_texel_scene(67, red, 1, true, green);
    check_px(sc, 28, 28, 64, 191, 0, 255);
    check_px(sc, 20, 24, 64, 191, 0, 255);
    scene_destroy(sc);
    sc = one_texel_scene(67, red, 1, false, green);
    check_px(sc, 28, 28, 255, 0, 0, 255);
    scene_destroy(sc);
}

/* A8 is stored in R: the border colour's alpha must land in the stored R channel. */
VGL_TEST(border_colour_of_alpha8) {
    const uint8_t texel[4] = {255, 0, 0, 0};
    const float border[4] = {0.2f, 0.4f, 0.6f, 0.8f};
    struct scene *sc = one_texel_scene(10, texel, 3, false, border);
    check_px(sc, 28, 28, 0, 0, 0, 204);
    check_px(sc, 4, 4, 0, 0, 0, 255);
    scene_destroy(sc);
}

/* A rasterizer with front_ccw and the given fill modes (0 fill, 1 line, 2 point). */
static void fill_rasterizer(struct scene *sc, uint32_t handle, uint32_t front, uint32_t back) {
    const uint32_t s0 = 0x20000002u | 1u << 15 | front << 10 | back << 12;
    const uint32_t p[9] = {handle, s0, enc_f(1.0f), 0, 0xffff, enc_f(1.0f), 0, 0, 0};
    enc_cmd(&sc->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_RASTERIZER, p, 9);
    enc_bind(&sc->e, VGL_OBJECT_RASTERIZER, handle);
}

/* NDC of window coordinate w + 0.5 in the 32-pixel viewport. */
#define NDC(w) (((w) + 0.5f) / 16.0f - 1.0f)

/* Edge flags (VS EDGEFLAG output) hide the edges they start in line mode: the hypotenuse of a
 * right triangle whose second vertex has flag 0 stays undrawn (piglit gl-2.0-edgeflag). */
VGL_TEST(edge_flags_hide_edges) {
    struct scene *sc = scene_create();
    const float tri[3][8] = {{NDC(8), NDC(8), 0, 1, 1, 0, 0, 0},
                             {NDC(24), NDC(8), 0, 1, 0, 0, 0, 0},
                             {NDC(8), NDC(24), 0, 1, 1, 0, 0, 0}};
    vertices(sc, 0, tri, 3);
    enc_shader(&sc->e, 32, 0,
               "VERT\n"
               "DCL IN[0]\n"
               "DCL IN[1]\n"
               "DCL OUT[0], POSITION\n"
               "DCL OUT[1], EDGEFLAG\n"
               "  0: MOV OUT[0], IN[0]\n"
               "  1: MOV OUT[1], IN[1]\n"
               "  2: END\n");
    enc_bind_shader(&sc->e, 32, 0);
    enc_shader(&sc->e, 31, 1, fs_const);
    enc_bind_shader(&sc->e, 31, 1);
    const float white[4] = {1, 1, 1, 1};
    enc_constants(&sc->e, 1, white, 4);
    fill_rasterizer(sc, 50, 1, 1);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    check_px(sc, 16, 8, 255, 255, 255, 255); /* bottom edge, flag 1 */
    check_px(sc, 8, 16, 255, 255, 255, 255); /* left edge (from vertex 2), flag 1 */
    check_px(sc, 16, 16, 0, 0, 0, 255);      /* hypotenuse (from vertex 1), flag 0 */
    check_px(sc, 12, 12, 0, 0, 0, 255);      /* interior */
    scene_destroy(sc);
}

/* Different front and back fill modes: with front_ccw the first triangle (counter-clockwise in
 * the host's window coordinates) is a back face, the second a front face. */
VGL_TEST(front_and_back_fill_modes_differ) {
    const float tris[6][8] = {
            {NDC(2), NDC(4), 0, 1, 1, 1, 1, 1},   {NDC(14), NDC(4), 0, 1, 1, 1, 1, 1},
            {NDC(2), NDC(28), 0, 1, 1, 1, 1, 1},  {NDC(18), NDC(4), 0, 1, 1, 1, 1, 1},
            {NDC(18), NDC(28), 0, 1, 1, 1, 1, 1}, {NDC(30), NDC(4), 0, 1, 1, 1, 1, 1}};
    for (uint32_t back_line = 0; back_line < 2; back_line++) {
        struct scene *sc = scene_create();
        vertices(sc, 0, tris, 6);
        enc_shader(&sc->e, 31, 1, fs_varying);
        enc_bind_shader(&sc->e, 31, 1);
        fill_rasterizer(sc, 50, back_line ? 0 : 1, back_line ? 1 : 0);
        enc_draw(&sc->e, 4, 0, 6, false);
        submit_and_read(sc);
        /* interiors: the filled face only */
        const int back_in = back_line ? 0 : 255, front_in = back_line ? 255 : 0;
        check_px(sc, 5, 10, back_in, back_in, back_in, 255);
        check_px(sc, 25, 10, front_in, front_in, front_in, 255);
        /* the outlined face keeps its left or right edge */
        check_px(sc, 2, 16, 255, 255, 255, 255);
        check_px(sc, 18, 16, 255, 255, 255, 255);
        scene_destroy(sc);
    }
}

/* Quads (7), quad strips (8) and polygons (9): filled, and outlined without internal edges
 * in line mode. The square spans window coordinates 8..24; its diagonal crosses (16,16). */
static void square_case(uint32_t mode, uint32_t fill, const float (*v)[8]) {
    struct scene *sc = scene_create();
    vertices(sc, 0, v, 4);
    enc_shader(&sc->e, 31, 1, fs_varying);
    enc_bind_shader(&sc->e, 31, 1);
    fill_rasterizer(sc, 50, fill, fill);
    enc_draw(&sc->e, mode, 0, 4, false);
    submit_and_read(sc);
    const int in = fill ? 0 : 255;
    check_px(sc, 16, 16, in, in, in, 255); /* the centre, on the diagonal */
    check_px(sc, 12, 20, in, in, in, 255);
    check_px(sc, 16, 8, 255, 255, 255, 255); /* bottom edge */
    check_px(sc, 8, 16, 255, 255, 255, 255); /* left edge */
    check_px(sc, 4, 4, 0, 0, 0, 255);
    scene_destroy(sc);
}

VGL_TEST(quads_and_polygons_drawn_without_internal_edges) {
#define V(x, y)                                                                                    \
    { NDC(x), NDC(y), 0, 1, 1, 1, 1, 1 }
    const float outline[4][8] = {V(8, 8), V(24, 8), V(24, 24), V(8, 24)};
    const float strip[4][8] = {V(8, 8), V(24, 8), V(8, 24), V(24, 24)};
#undef V
    for (uint32_t fill = 0; fill < 2; fill++) {
        square_case(7, fill, outline);
        square_case(8, fill, strip);
        square_case(9, fill, outline);
    }
}

/* Flat varyings of a polygon come from its first vertex in both provoking-vertex conventions;
 * a quad's from its first or last vertex. */
VGL_TEST(flat_polygons_and_quads_take_their_provoking_vertex) {
#define V(x, y, r)                                                                                 \
    { NDC(x), NDC(y), 0, 1, r, 1 - (r), 0, 1 }
    const float square[4][8] = {V(8, 8, 1), V(24, 8, 0), V(24, 24, 0), V(8, 24, 0)};
#undef V
    for (uint32_t mode = 7; mode <= 9; mode += 2) {
        for (uint32_t first = 0; first < 2; first++) {
            struct scene *sc = scene_create();
            vertices(sc, 0, square, 4);
            enc_shader(&sc->e, 31, 1,
                       "FRAG\n"
                       "DCL IN[0], GENERIC[0], CONSTANT\n"
                       "DCL OUT[0], COLOR\n"
                       "  0: MOV OUT[0], IN[0]\n"
                       "  1: END\n");
            enc_bind_shader(&sc->e, 31, 1);
            const uint32_t s0 = 0x20000002u | 1u << 15 | first << 4;
            const uint32_t p[9] = {50, s0, enc_f(1.0f), 0, 0xffff, enc_f(1.0f), 0, 0, 0};
            enc_cmd(&sc->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_RASTERIZER, p, 9);
            enc_bind(&sc->e, VGL_OBJECT_RASTERIZER, 50);
            enc_draw(&sc->e, mode, 0, 4, false);
            submit_and_read(sc);
            const int red = mode == 9 || first ? 255 : 0;
            check_px(sc, 20, 12, red, 255 - red, 0, 255);
            check_px(sc, 12, 20, red, 255 - red, 0, 255);
            scene_destroy(sc);
        }
    }
}

/* A sample mask keeps its share of the pixel when the host allocates more samples than the
 * guest asked for (llvmpipe has 4 for 2): glSampleCoverage(0.5) on 2 samples resolves to half
 * of the colour (piglit ext_framebuffer_multisample-sample-coverage). */
VGL_TEST(sample_mask_keeps_its_share_of_samples) {
    struct scene *sc = scene_create();
    const struct vgl_resource_args ms = {.handle = 5,
                                         .target = VGL_TARGET_2D,
                                         .format = 67,
                                         .bind = VGL_BIND_RENDER_TARGET,
                                         .width = W,
                                         .height = H,
                                         .depth = 1,
                                         .array_size = 1,
                                         .nr_samples = 2};
    CHECK_EQ(vgl_renderer_resource_create(sc->r, sc->ctx, &ms), VGL_OK);
    vertices(sc, 0, full, 3);
    enc_surface(&sc->e, 11, 5, 67);
    const uint32_t cb = 11, mask = 1;
    enc_framebuffer(&sc->e, 0, 1, &cb);
    const float black[4] = {0, 0, 0, 1};
    enc_clear(&sc->e, VGL_CLEAR_COLOR0, black, 1.0, 0);
    enc_cmd(&sc->e, VGL_CCMD_SET_SAMPLE_MASK, 0, &mask, 1);
    const uint32_t rs[9] = {51,
                            0x20000002u | 1u << 15 | 1u << 25 /* multisample */,
                            enc_f(1.0f),
                            0,
                            0xffff,
                            enc_f(1.0f),
                            0,
                            0,
                            0};
    enc_cmd(&sc->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_RASTERIZER, rs, 9);
    enc_bind(&sc->e, VGL_OBJECT_RASTERIZER, 51);
    enc_shader(&sc->e, 31, 1, fs_const);
    enc_bind_shader(&sc->e, 31, 1);
    const float white[4] = {1, 1, 1, 1};
    enc_constants(&sc->e, 1, white, 4);
    enc_draw(&sc->e, 4, 0, 3, false);
    const uint32_t blit[21] = {0xf, 0, 0, 1, 0, 67, 0, 0, 0, W, H, 1, 5, 0, 67, 0, 0, 0, W, H, 1};
    enc_cmd(&sc->e, VGL_CCMD_BLIT, 0, blit, 21);
    submit_and_read(sc);
    const uint8_t *p = px(sc, 16, 16);
    CHECK(abs(p[0] - 128) <= 2 && abs(p[1] - 128) <= 2 && abs(p[2] - 128) <= 2);
    CHECK_EQ(p[3], 255);
    scene_destroy(sc);
}

/* A colour buffer in an X format (kept as RGBA8) blends as if its alpha were one, whatever the
 * stored alpha (piglit fbo-blending-format-quirks, "alpha expand"). */
VGL_TEST(x_format_blends_with_destination_alpha_one) {
    struct scene *sc = scene_create();
    vertices(sc, 0, full, 3);
    enc_surface(&sc->e, 12, 1, 134); /* R8G8B8X8_UNORM over the RGBA8 target */
    const uint32_t cb = 12;
    enc_framebuffer(&sc->e, 0, 1, &cb);
    const float clear[4] = {0, 0, 0, 0};
    enc_clear(&sc->e, VGL_CLEAR_COLOR0, clear, 1.0, 0);
    /* rt 0: blend, src factor DST_ALPHA, dst factor ZERO (colour and alpha), all channels */
    const uint32_t blend[11] = {52, 0, 0, 0x7c482241u, 0, 0, 0, 0, 0, 0, 0};
    enc_cmd(&sc->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_BLEND, blend, 11);
    enc_bind(&sc->e, VGL_OBJECT_BLEND, 52);
    enc_shader(&sc->e, 31, 1, fs_const);
    enc_bind_shader(&sc->e, 31, 1);
    const float white[4] = {1, 1, 1, 1};
    enc_constants(&sc->e, 1, white, 4);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    const uint8_t *p = px(sc, 16, 16);
    CHECK(p[0] == 255 && p[1] == 255 && p[2] == 255);
    scene_destroy(sc);
}

/* TG4 at the centre of a 2x2 texture (red, green / blue, white, stored first row first): the
 * texels (i0,j1), (i1,j1), (i1,j0), (i0,j0) of the component, from an immediate or a constant. */
static void gather_case(const char *fs, const float *consts, int r, int g, int b, int a) {
    struct scene *sc = scene_create();
    uint8_t caps[1376];
    CHECK_EQ(vgl_renderer_fill_caps(sc->r, VGL_CAPSET_VIRGL2, caps, sizeof(caps)), VGL_OK);
    if (caps[304] == 0) { /* max_texture_gather_components: the host has no gather */
        scene_destroy(sc);
        return;
    }
    uint8_t texels[16] = {255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255};
    sampled_texture(sc, 67, 2, 2, texels, sizeof(texels));
    vertices(sc, 0, full, 3);
    enc_transfer3d(&sc->e, 3, 0, 0, 2, 2, 0);
    enc_shader(&sc->e, 31, 1, fs);
    enc_bind_shader(&sc->e, 31, 1);
    if (consts) {
        enc_constants(&sc->e, 1, consts, 4);
    }
    enc_sampler_view(&sc->e, 40, 3, 67);
    enc_sampler_state(&sc->e, 41, false);
    const uint32_t view = 40, samp = 41;
    enc_set_sampler_views(&sc->e, 1, 1, &view);
    enc_bind_sampler_states(&sc->e, 1, 1, &samp);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    check_px(sc, 5, 5, r, g, b, a);
    check_px(sc, 27, 20, r, g, b, a);
    scene_destroy(sc);
}

VGL_TEST(tg4_gathers_one_component) {
    static const char *const fs_imm = "FRAG\n"
                                      "DCL OUT[0], COLOR\n"
                                      "DCL SAMP[0]\n"
                                      "DCL SVIEW[0], 2D, FLOAT\n"
                                      "IMM[0] UINT32 {1056964608, 1, 0, 0}\n"
                                      "  0: TG4 OUT[0], IMM[0].xxxx, IMM[0].yyyy, SAMP[0], 2D\n"
                                      "  1: END\n";
    gather_case(fs_imm, NULL, 0, 255, 255, 0); /* green of blue, white, green, red */
    static const char *const fs_comp = "FRAG\n"
                                       "DCL OUT[0], COLOR\n"
                                       "DCL CONST[0]\n"
                                       "DCL SAMP[0]\n"
                                       "DCL SVIEW[0], 2D, FLOAT\n"
                                       "IMM[0] UINT32 {1056964608, 0, 0, 0}\n"
                                       "  0: TG4 OUT[0], IMM[0].xxxx, CONST[0].xxxx, SAMP[0], 2D\n"
                                       "  1: END\n";
    const float zero[4] = {0, 0, 0, 0}; /* component 0 (uint bits) */
    gather_case(fs_comp, zero, 0, 255, 0, 255);
}

/* A scene with a vertex buffer of 3 vertices and shaders bound, ready for a draw. */
/* A guest geometry shader: each point becomes a square of half-size CONST[0].x (the GS's own
 * constants), in the point's colour. */
static const char *const gs_square = "GEOM\n"
                                     "PROPERTY GS_INPUT_PRIMITIVE POINTS\n"
                                     "PROPERTY GS_OUTPUT_PRIMITIVE TRIANGLE_STRIP\n"
                                     "PROPERTY GS_MAX_OUTPUT_VERTICES 4\n"
                                     "PROPERTY GS_INVOCATIONS 1\n"
                                     "DCL IN[][0], POSITION\n"
                                     "DCL IN[][1], GENERIC[0]\n"
                                     "DCL OUT[0], POSITION\n"
                                     "DCL OUT[1], GENERIC[0]\n"
                                     "DCL CONST[0]\n"
                                     "IMM[0] UINT32 {0, 0, 0, 0}\n"
                                     "  0: MOV OUT[1], IN[0][1]\n"
                                     "  1: ADD OUT[0], IN[0][0], CONST[0].yyzz\n"
                                     "  2: EMIT IMM[0].xxxx\n"
                                     "  3: ADD OUT[0], IN[0][0], CONST[0].xyzz\n"
                                     "  4: EMIT IMM[0].xxxx\n"
                                     "  5: ADD OUT[0], IN[0][0], CONST[0].yxzz\n"
                                     "  6: EMIT IMM[0].xxxx\n"
                                     "  7: ADD OUT[0], IN[0][0], CONST[0].xxzz\n"
                                     "  8: EMIT IMM[0].xxxx\n"
                                     "  9: ENDPRIM IMM[0].xxxx\n"
                                     " 10: END\n";

VGL_TEST(geometry_shader_expands_points) {
    struct scene *sc = scene_create();
    const float point[1][8] = {{-0.5f, -0.5f, 0, 1, 1, 0, 0, 1}};
    vertices(sc, 0, point, 1);
    enc_shader(&sc->e, 31, VGL_SHADER_FRAGMENT, fs_varying);
    enc_bind_shader(&sc->e, 31, VGL_SHADER_FRAGMENT);
    enc_shader(&sc->e, 32, VGL_SHADER_GEOMETRY, gs_square);
    enc_bind_shader(&sc->e, 32, VGL_SHADER_GEOMETRY);
    const float half[4] = {0.25f, -0.25f, 0, 0};
    enc_constants(&sc->e, VGL_SHADER_GEOMETRY, half, 4);
    enc_draw(&sc->e, 0, 0, 1, false);
    submit_and_read(sc);
    /* NDC [-0.75, -0.25] is pixels 4..11 on both axes. */
    check_px(sc, 4, 4, 255, 0, 0, 255);
    check_px(sc, 11, 11, 255, 0, 0, 255);
    check_px(sc, 3, 8, 0, 0, 0, 255);
    check_px(sc, 12, 8, 0, 0, 0, 255);
    check_px(sc, 20, 20, 0, 0, 0, 255);
    /* Without the GS the same point is one pixel again; the GS's constants stay its own. */
    const float green[1][8] = {{0.53125f, 0.53125f, 0, 1, 0, 1, 0, 1}}; /* pixel 24 */
    vertices(sc, 32, green, 1);
    enc_bind_shader(&sc->e, 0, VGL_SHADER_GEOMETRY);
    enc_draw(&sc->e, 0, 1, 1, false);
    /* Bound again: a larger square from new constants. */
    enc_bind_shader(&sc->e, 32, VGL_SHADER_GEOMETRY);
    const float big[4] = {0.5f, -0.5f, 0, 0};
    enc_constants(&sc->e, VGL_SHADER_GEOMETRY, big, 4);
    const float blue[1][8] = {{0.5f, -0.5f, 0, 1, 0, 0, 1, 1}};
    vertices(sc, 64, blue, 1);
    enc_draw(&sc->e, 0, 2, 1, false);
    submit_and_read(sc);
    check_px(sc, 24, 24, 0, 255, 0, 255);
    check_px(sc, 22, 22, 0, 0, 0, 255);
    /* Blue square: x 0..1 NDC -> pixels 16..31, y -1..0 -> 0..15. */
    check_px(sc, 16, 0, 0, 0, 255, 255);
    check_px(sc, 31, 15, 0, 0, 255, 255);
    check_px(sc, 8, 8, 255, 0, 0, 255); /* the first square stays */
    /* Quads cannot feed a geometry shader. */
    enc_draw(&sc->e, 7, 0, 4, false);
    CHECK_EQ(vgl_renderer_submit(sc->r, sc->ctx, sc->e.buf, sc->e.n), VGL_ERROR_INVALID_ARGUMENT);
    scene_destroy(sc);
}

/* A dual-source blend state leaves SRC1 factors behind; a later draw into two colour buffers
 * with blending off must still reach both (hosts refuse draws to more buffers than
 * GL_MAX_DUAL_SOURCE_DRAW_BUFFERS while SRC1 factors are set, even with blending off). */
VGL_TEST(dual_source_state_does_not_block_later_mrt_draws) {
    static const char fs_two[] = "FRAG\n"
                                 "PROPERTY FS_COLOR0_WRITES_ALL_CBUFS 1\n"
                                 "DCL OUT[0], COLOR\n"
                                 "DCL OUT[1], COLOR[1]\n"
                                 "DCL CONST[0]\n"
                                 "  0: MOV OUT[0], CONST[0]\n"
                                 "  1: MOV OUT[1], CONST[0]\n"
                                 "  2: END\n";
    static const char fs_all[] = "FRAG\n"
                                 "PROPERTY FS_COLOR0_WRITES_ALL_CBUFS 1\n"
                                 "DCL OUT[0], COLOR\n"
                                 "DCL CONST[0]\n"
                                 "  0: MOV OUT[0], CONST[0]\n"
                                 "  1: END\n";
    struct scene *sc = scene_create();
    vertices(sc, 0, full, 3);
    /* ONE, INV_SRC1_COLOR on RGB and alpha, all channels written. */
    const uint32_t rt0 = 1u | 0x01u << 4 | 0x19u << 9 | 0x01u << 17 | 0x19u << 22 | 0xfu << 27;
    uint32_t blend[11] = {40, 0, 12, rt0};
    for (int i = 1; i < 8; i++) {
        blend[3 + i] = 0x78000000;
    }
    enc_cmd(&sc->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_BLEND, blend, 11);
    enc_bind(&sc->e, VGL_OBJECT_BLEND, 40);
    enc_shader(&sc->e, 31, VGL_SHADER_FRAGMENT, fs_two);
    enc_bind_shader(&sc->e, 31, VGL_SHADER_FRAGMENT);
    const float grey[4] = {0.5f, 0.5f, 0.5f, 1.0f};
    enc_constants(&sc->e, VGL_SHADER_FRAGMENT, grey, 4);
    enc_draw(&sc->e, 4, 0, 3, false);
    /* Now two colour buffers, blending off. */
    const struct vgl_resource_args rt2 = {.handle = 9,
                                          .target = VGL_TARGET_2D,
                                          .format = 67,
                                          .bind = VGL_BIND_RENDER_TARGET,
                                          .width = W,
                                          .height = H,
                                          .depth = 1,
                                          .array_size = 1};
    CHECK_EQ(vgl_renderer_resource_create(sc->r, sc->ctx, &rt2), VGL_OK);
    static uint8_t rt2_mem[W * H * 4];
    const struct iovec iov = {rt2_mem, sizeof(rt2_mem)};
    CHECK_EQ(vgl_renderer_resource_attach_backing(sc->r, sc->ctx, 9, &iov, 1), VGL_OK);
    enc_surface(&sc->e, 11, 9, 67);
    const uint32_t cbufs[2] = {10, 11};
    enc_framebuffer(&sc->e, 0, 2, cbufs);
    enc_blend(&sc->e, 41, false);
    enc_bind(&sc->e, VGL_OBJECT_BLEND, 41);
    enc_shader(&sc->e, 32, VGL_SHADER_FRAGMENT, fs_all);
    enc_bind_shader(&sc->e, 32, VGL_SHADER_FRAGMENT);
    const float green[4] = {0, 1, 0, 1};
    enc_constants(&sc->e, VGL_SHADER_FRAGMENT, green, 4);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    check_px(sc, 5, 5, 0, 255, 0, 255);
    const struct vgl_transfer t = {.handle = 9, .box = {0, 0, 0, W, H, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(sc->r, sc->ctx, &t), VGL_OK);
    const uint8_t *p = rt2_mem + (5 * W + 5) * 4;
    CHECK(p[0] == 0 && p[1] == 255 && p[2] == 0 && p[3] == 255);
    scene_destroy(sc);
}

/* Resource `handle`: a buffer of `size` bytes holding `data` on the host. */
static void data_buffer(struct scene *sc, uint32_t handle, uint8_t *mem, uint32_t size) {
    const struct vgl_resource_args a = {.handle = handle,
                                        .target = VGL_TARGET_BUFFER,
                                        .format = 64,
                                        .bind = VGL_BIND_CONSTANT_BUFFER,
                                        .width = size,
                                        .height = 1,
                                        .depth = 1,
                                        .array_size = 1};
    CHECK_EQ(vgl_renderer_resource_create(sc->r, sc->ctx, &a), VGL_OK);
    const struct iovec iov = {mem, size};
    CHECK_EQ(vgl_renderer_resource_attach_backing(sc->r, sc->ctx, handle, &iov, 1), VGL_OK);
    const struct vgl_transfer t = {.handle = handle, .box = {0, 0, 0, (int)size, 1, 1}};
    CHECK_EQ(vgl_renderer_transfer_write(sc->r, sc->ctx, &t), VGL_OK);
}

/* A uniform buffer (GL binding 0 = UBO index 1) read by the FS at slot 2, from a range that
 * starts 256 bytes into the buffer; an unbound one reads zeros. */
VGL_TEST(uniform_buffer_ranges) {
    static const char fs_ubo[] = "FRAG\n"
                                 "DCL OUT[0], COLOR\n"
                                 "DCL CONST[1][0..2]\n"
                                 "DCL CONST[2][0]\n"
                                 "  0: ADD OUT[0], CONST[1][2], CONST[2][0]\n"
                                 "  1: END\n";
    struct scene *sc = scene_create();
    vertices(sc, 0, full, 3);
    static uint8_t mem[512];
    const float colour[4] = {0.25f, 0.5f, 0.75f, 1.0f};
    memcpy(mem + 256 + 32, colour, sizeof(colour));
    data_buffer(sc, 5, mem, sizeof(mem));
    enc_shader(&sc->e, 31, VGL_SHADER_FRAGMENT, fs_ubo);
    enc_bind_shader(&sc->e, 31, VGL_SHADER_FRAGMENT);
    const uint32_t ubo[5] = {VGL_SHADER_FRAGMENT, 1, 256, 48, 5};
    enc_cmd(&sc->e, VGL_CCMD_SET_UNIFORM_BUFFER, 0, ubo, 5);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    check_px(sc, 5, 5, 64, 128, 191, 255);
    /* Past the buffer, misplaced, or no buffer at all: refused. */
    const uint32_t past[5] = {VGL_SHADER_FRAGMENT, 1, 256, 257, 5};
    enc_cmd(&sc->e, VGL_CCMD_SET_UNIFORM_BUFFER, 0, past, 5);
    CHECK_EQ(vgl_renderer_submit(sc->r, sc->ctx, sc->e.buf, sc->e.n), VGL_ERROR_INVALID_ARGUMENT);
    scene_destroy(sc);
}

/* Draws and clears under SET_RENDER_CONDITION follow the occlusion query's result. */
VGL_TEST(conditional_rendering_follows_the_query) {
    struct scene *sc = scene_create();
    const float tiny[3][8] = {{2, 2, 0, 1, 1, 1, 1, 1},
                              {3, 2, 0, 1, 1, 1, 1, 1},
                              {2, 3, 0, 1, 1, 1, 1, 1}}; /* off screen: no samples */
    vertices(sc, 0, full, 3);
    vertices(sc, 96, tiny, 3);
    enc_shader(&sc->e, 31, VGL_SHADER_FRAGMENT, fs_const);
    enc_bind_shader(&sc->e, 31, VGL_SHADER_FRAGMENT);
    static uint8_t qmem[2][64];
    data_buffer(sc, 6, qmem[0], 64);
    data_buffer(sc, 7, qmem[1], 64);
    const uint32_t none[4] = {70, 0, 0, 6}, some[4] = {71, 0, 0, 7};
    enc_cmd(&sc->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_QUERY, none, 4);
    enc_cmd(&sc->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_QUERY, some, 4);
    const float red[4] = {1, 0, 0, 1}, green[4] = {0, 1, 0, 1};
    enc_constants(&sc->e, VGL_SHADER_FRAGMENT, red, 4);
    uint32_t h = 70;
    enc_cmd(&sc->e, VGL_CCMD_BEGIN_QUERY, 0, &h, 1);
    enc_draw(&sc->e, 4, 3, 3, false);
    enc_cmd(&sc->e, VGL_CCMD_END_QUERY, 0, &h, 1);
    h = 71;
    enc_cmd(&sc->e, VGL_CCMD_BEGIN_QUERY, 0, &h, 1);
    enc_draw(&sc->e, 4, 0, 3, false); /* red everywhere */
    enc_cmd(&sc->e, VGL_CCMD_END_QUERY, 0, &h, 1);
    /* Query 70 saw nothing: this green draw and this clear are skipped. */
    const uint32_t cond_none[3] = {70, 0, 0};
    enc_cmd(&sc->e, VGL_CCMD_SET_RENDER_CONDITION, 0, cond_none, 3);
    enc_constants(&sc->e, VGL_SHADER_FRAGMENT, green, 4);
    enc_draw(&sc->e, 4, 0, 3, false);
    const float blue[4] = {0, 0, 1, 1};
    enc_clear(&sc->e, VGL_CLEAR_COLOR0, blue, 1.0, 0);
    submit_and_read(sc);
    check_px(sc, 7, 7, 255, 0, 0, 255);
    /* Inverted: a zero result lets the draw through. */
    const uint32_t cond_inv[3] = {70, 1, 0};
    enc_cmd(&sc->e, VGL_CCMD_SET_RENDER_CONDITION, 0, cond_inv, 3);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    check_px(sc, 7, 7, 0, 255, 0, 255);
    /* Query 71 saw samples: the clear goes through; then the condition is turned off. */
    const uint32_t cond_some[3] = {71, 0, 1};
    enc_cmd(&sc->e, VGL_CCMD_SET_RENDER_CONDITION, 0, cond_some, 3);
    enc_clear(&sc->e, VGL_CLEAR_COLOR0, blue, 1.0, 0);
    submit_and_read(sc);
    check_px(sc, 7, 7, 0, 0, 255, 255);
    const uint32_t off[3] = {0, 0, 0};
    enc_cmd(&sc->e, VGL_CCMD_SET_RENDER_CONDITION, 0, off, 3);
    enc_constants(&sc->e, VGL_SHADER_FRAGMENT, red, 4);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    check_px(sc, 7, 7, 255, 0, 0, 255);
    const uint32_t bad[3] = {99, 0, 0};
    enc_cmd(&sc->e, VGL_CCMD_SET_RENDER_CONDITION, 0, bad, 3);
    CHECK_EQ(vgl_renderer_submit(sc->r, sc->ctx, sc->e.buf, sc->e.n), VGL_ERROR_NOT_FOUND);
    scene_destroy(sc);
}

static struct scene *ready_scene(void) {
    struct scene *sc = scene_create();
    vertices(sc, 0, full, 3);
    enc_shader(&sc->e, 31, 1, fs_varying);
    enc_bind_shader(&sc->e, 31, 1);
    CHECK_EQ(vgl_renderer_submit(sc->r, sc->ctx, sc->e.buf, sc->e.n), VGL_OK);
    enc_reset(&sc->e);
    return sc;
}

VGL_TEST(hostile_draws_refused) {
    const struct {
        uint32_t mode, start, count;
        bool indexed;
        enum vgl_status expect;
    } cases[] = {
            {4, 126, 3, false, VGL_ERROR_INVALID_ARGUMENT}, /* reads past the 4096-byte buffer */
            {4, 0xfffffff0u, 32, false, VGL_ERROR_INVALID_ARGUMENT}, /* index arithmetic wraps */
            {7, 126, 4, false, VGL_ERROR_INVALID_ARGUMENT}, /* quads read past the buffer */
            {14, 0, 3, false, VGL_ERROR_UNSUPPORTED},       /* patches */
            {99, 0, 3, false, VGL_ERROR_UNSUPPORTED},
            {4, 0, 3, true, VGL_ERROR_INVALID_ARGUMENT}, /* indexed, no index buffer */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct scene *sc = ready_scene();
        enc_draw(&sc->e, cases[i].mode, cases[i].start, cases[i].count, cases[i].indexed);
        CHECK_EQ(vgl_renderer_submit(sc->r, sc->ctx, sc->e.buf, sc->e.n), cases[i].expect);
        struct vgl_context_error err;
        CHECK(vgl_renderer_context_get_error(sc->r, sc->ctx, &err));
        CHECK_EQ(err.opcode, VGL_CCMD_DRAW_VBO);
        scene_destroy(sc);
    }
}

/* Stream output: a buffer resource (handle 3, 1024 bytes) with its guest backing. */
static uint8_t *so_buffer(struct scene *sc) {
    const struct vgl_resource_args so = {.handle = 3,
                                         .target = VGL_TARGET_BUFFER,
                                         .format = 64,
                                         .bind = 1u << 11, /* STREAM_OUTPUT */
                                         .width = 1024,
                                         .height = 1,
                                         .depth = 1,
                                         .array_size = 1};
    CHECK_EQ(vgl_renderer_resource_create(sc->r, sc->ctx, &so), VGL_OK);
    uint8_t *mem = calloc(1, 1024);
    const struct iovec iov = {mem, 1024};
    CHECK_EQ(vgl_renderer_resource_attach_backing(sc->r, sc->ctx, 3, &iov, 1), VGL_OK);
    return mem;
}

/* Buffer 0 gets OUT[0] (xyzw, stride 4); buffer 1 gets OUT[1].y one dword in (stride 2). */
static void so_shader(struct enc *e, uint32_t handle, uint32_t reg1) {
    const uint32_t stride[4] = {4, 2, 0, 0};
    const uint32_t outs[4] = {enc_so_output(0, 0, 4, 0, 0), 0, enc_so_output(reg1, 1, 1, 1, 1), 0};
    enc_shader_so(e, handle, 0, vs_pos_color, 2, stride, outs);
}

/* The stream-output vertex shader (so_shader) bound, and targets 40 (the first size0 bytes of
 * resource 3) and 41 (size1 bytes from off1) set. */
static void so_bind(struct enc *e, uint32_t size0, uint32_t off1, uint32_t size1) {
    so_shader(e, 32, 1);
    enc_bind_shader(e, 32, 0);
    enc_so_target(e, 40, 3, 0, size0);
    enc_so_target(e, 41, 3, off1, size1);
    const uint32_t targets[2] = {40, 41};
    enc_set_so_targets(e, 2, targets);
}

VGL_TEST(stream_output_captures_positions) {
    struct scene *sc = ready_scene();
    uint8_t *mem = so_buffer(sc);
    memset(mem, 0xee, 1024);
    const struct vgl_transfer fill = {.handle = 3, .box = {0, 0, 0, 1024, 1, 1}};
    CHECK_EQ(vgl_renderer_transfer_write(sc->r, sc->ctx, &fill), VGL_OK);
    struct enc *e = &sc->e;
    so_bind(e, 256, 512, 64);
    /* Two draws append (gallium keeps targets' offsets across draws). */
    enc_draw(e, 4, 0, 3, false);
    enc_draw(e, 4, 0, 3, false);
    submit_and_read(sc);
    CHECK(px(sc, 1, 1)[0] > 0); /* still rasterized */
    const struct vgl_transfer t = {.handle = 3, .box = {0, 0, 0, 1024, 1, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(sc->r, sc->ctx, &t), VGL_OK);
    const float *f = (const float *)mem;
    for (int v = 0; v < 6; v++) {
        for (int c = 0; c < 4; c++) {
            CHECK(f[4 * v + c] == full[v % 3][c]);
        }
    }
    CHECK_EQ(*(const uint32_t *)(mem + 96), 0xeeeeeeeeu); /* nothing past 6 vertices */
    const float *g = (const float *)(mem + 512);
    for (int v = 0; v < 6; v++) {
        CHECK(g[2 * v + 1] == full[v % 3][5]); /* OUT[1].y at dword 1 of each vertex */
    }
    /* A set with a new first target starts over (glBeginTransformFeedback makes one), also
     * in a target of the set bound before. */
    const float moved[3][8] = {{-1, -1, 0.5f, 1, 0, 7, 0, 0},
                               {3, -1, 0.5f, 1, 2, 8, 0, 0},
                               {-1, 3, 0.5f, 1, 0, 9, 0, 0}};
    vertices(sc, 0, moved, 3);
    enc_so_target(e, 43, 3, 0, 256);
    const uint32_t begun[2] = {43, 41};
    enc_set_so_targets(e, 2, begun);
    enc_draw(e, 4, 0, 3, false);
    /* A target with room for 2 vertices takes no triangle; without targets nothing is captured. */
    enc_so_target(e, 42, 3, 768, 40);
    const uint32_t small[2] = {42, 41};
    enc_set_so_targets(e, 2, small);
    enc_draw(e, 4, 0, 3, false);
    const uint32_t none[1] = {0};
    enc_set_so_targets(e, 1, none);
    enc_draw(e, 4, 0, 3, false);
    CHECK_EQ(vgl_renderer_submit(sc->r, sc->ctx, e->buf, e->n), VGL_OK);
    enc_reset(e);
    CHECK_EQ(vgl_renderer_transfer_read(sc->r, sc->ctx, &t), VGL_OK);
    for (int v = 0; v < 6; v++) {
        CHECK(f[4 * v + 2] == (v < 3 ? 0.5f : 0.0f));
        CHECK(g[2 * v + 1] == (v < 3 ? moved[v][5] : full[v % 3][5]));
    }
    CHECK_EQ(*(const uint32_t *)(mem + 768), 0xeeeeeeeeu);
    free(mem);
    scene_destroy(sc);
}

VGL_TEST(hostile_stream_output_refused) {
    for (int i = 0; i < 5; i++) {
        struct scene *sc = ready_scene();
        uint8_t *mem = so_buffer(sc);
        struct enc *e = &sc->e;
        enum vgl_status expect = VGL_ERROR_INVALID_ARGUMENT;
        if (i == 0) {
            enc_so_target(e, 40, 3, 1000, 32); /* past the 1024-byte buffer */
        } else if (i == 1) {
            enc_so_target(e, 40, 2 + 0x1000, 0, 32); /* no such resource */
            expect = VGL_ERROR_NOT_FOUND;
        } else if (i == 2) {
            const uint32_t t = 77; /* no such target */
            enc_set_so_targets(e, 1, &t);
            expect = VGL_ERROR_NOT_FOUND;
        } else if (i == 3) {
            so_shader(e, 32, 9); /* OUT[9] is not declared */
        } else {
            /* DRAW_AUTO before any stream output target was set */
            const uint32_t draw_auto[12] = {0, 0, 4, 0, 1, 0, 0, 0, 0, 0, 0xffffffffu, 256};
            enc_cmd(e, VGL_CCMD_DRAW_VBO, 0, draw_auto, 12);
        }
        CHECK_EQ(vgl_renderer_submit(sc->r, sc->ctx, e->buf, e->n), expect);
        free(mem);
        scene_destroy(sc);
    }
}

/* A draw after a clear to black: the pixel at (x, y). */
static const uint8_t *draw_alone(struct scene *sc, int x, int y) {
    const float black[4] = {0, 0, 0, 1};
    enc_clear(&sc->e, VGL_CLEAR_COLOR0, black, 1.0, 0);
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    return px(sc, x, y);
}

/* The draw path hands GL only what changed (textures, samplers, texture parameters, vertex
 * arrays, the program): what a draw sees must still be exactly what the guest bound, through
 * view swizzles on one texture, textures created between draws, objects destroyed and re-created
 * under the same handle, moved vertex buffers and programs destroyed while bound. */
VGL_TEST(state_kept_between_draws_is_the_guests) {
    struct scene *sc = scene_create();
    uint8_t red[4] = {255, 0, 0, 255}, green[4] = {0, 255, 0, 255};
    sampled_texture(sc, 67, 1, 1, red, sizeof(red));
    vertices(sc, 0, full, 3);
    enc_transfer3d(&sc->e, 3, 0, 0, 1, 1, 0);
    enc_shader(&sc->e, 31, 1, fs_tex);
    enc_bind_shader(&sc->e, 31, 1);
    enc_sampler_view(&sc->e, 40, 3, 67);
    const uint32_t swapped[6] = {44, 3, 67, 0, 0, 2u | 1u << 3 | 0u << 6 | 3u << 9}; /* BGRA */
    enc_cmd(&sc->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_SAMPLER_VIEW, swapped, 6);
    enc_sampler_state(&sc->e, 41, false);
    const uint32_t samp = 41;
    enc_bind_sampler_states(&sc->e, 1, 1, &samp);
    uint32_t view = 40;
    enc_set_sampler_views(&sc->e, 1, 1, &view);
    CHECK_EQ(draw_alone(sc, 16, 16)[0], 255);
    /* The same texture through another view swizzle, and back. */
    view = 44;
    enc_set_sampler_views(&sc->e, 1, 1, &view);
    const uint8_t *p = draw_alone(sc, 16, 16);
    CHECK(p[0] == 0 && p[2] == 255);
    view = 40;
    enc_set_sampler_views(&sc->e, 1, 1, &view);
    p = draw_alone(sc, 16, 16);
    CHECK(p[0] == 255 && p[2] == 0);
    /* A texture created and written between draws leaves the bound one alone. */
    sampled_texture_at(sc, 4, 67, 1, 1, green, sizeof(green));
    const struct vgl_transfer t = {.handle = 4, .box = {0, 0, 0, 1, 1, 1}};
    CHECK_EQ(vgl_renderer_transfer_write(sc->r, sc->ctx, &t), VGL_OK);
    p = draw_alone(sc, 16, 16);
    CHECK(p[0] == 255 && p[1] == 0);
    /* The same view handle re-created on the other texture, still bound in the slot. */
    enc_destroy(&sc->e, VGL_OBJECT_SAMPLER_VIEW, 40);
    enc_sampler_view(&sc->e, 40, 4, 67);
    enc_set_sampler_views(&sc->e, 1, 1, &view);
    p = draw_alone(sc, 16, 16);
    CHECK(p[0] == 0 && p[1] == 255);
    /* The vertex buffer moved to a left-half triangle, and back. */
    const float left[3][8] = {
            {-1, -1, 0, 1, 0, 0, 0, 0}, {0, -1, 0, 1, 0, 0, 0, 0}, {-1, 3, 0, 1, 0, 0, 0, 0}};
    vertices(sc, 256, left, 3);
    enc_vertex_buffer(&sc->e, 32, 256, 2);
    CHECK_EQ(draw_alone(sc, 2, 2)[1], 255);
    CHECK_EQ(px(sc, 30, 2)[1], 0);
    enc_vertex_buffer(&sc->e, 32, 0, 2);
    CHECK_EQ(draw_alone(sc, 30, 2)[1], 255);
    /* Another program, then the bound program's shader destroyed and its handle re-used. */
    enc_shader(&sc->e, 32, 1, fs_const);
    enc_bind_shader(&sc->e, 32, 1);
    const float colour[4] = {0.0f, 0.0f, 1.0f, 1.0f};
    enc_constants(&sc->e, 1, colour, 4);
    p = draw_alone(sc, 16, 16);
    CHECK(p[1] == 0 && p[2] == 255);
    enc_bind_shader(&sc->e, 31, 1);
    CHECK_EQ(draw_alone(sc, 16, 16)[1], 255);
    enc_destroy(&sc->e, VGL_OBJECT_SHADER, 31);
    enc_shader(&sc->e, 31, 1, fs_const);
    enc_bind_shader(&sc->e, 31, 1);
    p = draw_alone(sc, 16, 16);
    CHECK(p[1] == 0 && p[2] == 255);
    scene_destroy(sc);
}

/* Mesa resumes transform feedback by setting the same targets again (it sends no append bits):
 * capture appends, a draw while paused captures nothing, and DRAW_AUTO draws every vertex the
 * first target of the last set took. */
VGL_TEST(stream_output_resumes_and_draws_auto) {
    struct scene *sc = ready_scene();
    const float halves[6][8] = {{-1, -1, 0, 1, 1, 1, 1, 1}, {0, -1, 0, 1, 1, 1, 1, 1},
                                {-1, 3, 0, 1, 1, 1, 1, 1},  {1, -1, 0, 1, 1, 1, 1, 1},
                                {0, -1, 0, 1, 1, 1, 1, 1},  {1, 3, 0, 1, 1, 1, 1, 1}};
    vertices(sc, 0, halves, 6);
    uint8_t *mem = so_buffer(sc);
    struct enc *e = &sc->e;
    so_shader(e, 32, 1);
    enc_bind_shader(e, 32, 0);
    enc_so_target(e, 40, 3, 0, 256);
    enc_so_target(e, 41, 3, 512, 256);
    const uint32_t targets[2] = {40, 41}, none[1] = {0};
    enc_set_so_targets(e, 2, targets);
    enc_draw(e, 4, 0, 3, false); /* the left half */
    enc_set_so_targets(e, 1, none);
    enc_draw(e, 4, 0, 3, false); /* paused */
    enc_set_so_targets(e, 2, targets);
    enc_draw(e, 4, 3, 3, false); /* resumed: the right half */
    enc_set_so_targets(e, 1, none);
    CHECK_EQ(vgl_renderer_submit(sc->r, sc->ctx, e->buf, e->n), VGL_OK);
    enc_reset(e);
    const struct vgl_transfer t = {.handle = 3, .box = {0, 0, 0, 1024, 1, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(sc->r, sc->ctx, &t), VGL_OK);
    const float *f = (const float *)mem;
    for (int v = 0; v < 6; v++) {
        CHECK(f[4 * v] == halves[v][0] && f[4 * v + 1] == halves[v][1]);
    }
    CHECK(f[24] == 0.0f && f[27] == 0.0f); /* no seventh vertex */
    /* DRAW_AUTO: both halves, read as 6 vertices from the vertex buffer. */
    const float black[4] = {0, 0, 0, 1};
    enc_clear(e, VGL_CLEAR_COLOR0, black, 1.0, 0);
    const uint32_t draw_auto[12] = {0, 0, 4, 0, 1, 0, 0, 0, 0, 0, 0xffffffffu, 256};
    enc_cmd(e, VGL_CCMD_DRAW_VBO, 0, draw_auto, 12);
    submit_and_read(sc);
    CHECK_EQ(px(sc, 2, 2)[0], 255);
    CHECK_EQ(px(sc, 29, 2)[0], 255);
    CHECK_EQ(px(sc, 16, 30)[0], 0);
    free(mem);
    scene_destroy(sc);
}

/* A query object of `type` (0: occlusion counter) in the scene's context, its result in a new
 * buffer `res` backed by mem. */
static void query_object(struct scene *sc, uint32_t handle, uint32_t type, uint32_t res,
                         uint8_t *mem) {
    data_buffer(sc, res, mem, 64);
    const uint32_t q[4] = {handle, type, 0, res};
    enc_cmd(&sc->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_QUERY, q, 4);
}

static void query_cmd(struct scene *sc, uint32_t cmd, uint32_t handle) {
    const uint32_t p[2] = {handle, 1};
    enc_cmd(&sc->e, cmd, 0, p, cmd == VGL_CCMD_GET_QUERY_RESULT ? 2 : 1);
}

/* Every guest context shares the host's GL context: a query counts its own context's draws
 * only, also while another context runs a query of the same kind in between. */
VGL_TEST(queries_count_their_own_context_only) {
    struct scene *a = scene_create();
    struct scene *b = scene_create_on(a->r, 2);
    static uint8_t qa[64], qb[64];
    struct scene *const both[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        vertices(both[i], 0, full, 3);
        enc_shader(&both[i]->e, 31, VGL_SHADER_FRAGMENT, fs_const);
        enc_bind_shader(&both[i]->e, 31, VGL_SHADER_FRAGMENT);
        query_object(both[i], 70, 0, 6, i ? qb : qa);
    }
    query_cmd(a, VGL_CCMD_BEGIN_QUERY, 70);
    enc_draw(&a->e, 4, 0, 3, false); /* 1024 samples */
    CHECK_EQ(vgl_renderer_submit(a->r, a->ctx, a->e.buf, a->e.n), VGL_OK);
    enc_reset(&a->e);
    query_cmd(b, VGL_CCMD_BEGIN_QUERY, 70);
    enc_draw(&b->e, 4, 0, 3, false);
    enc_draw(&b->e, 4, 0, 3, false);
    enc_draw(&b->e, 4, 0, 3, false);
    query_cmd(b, VGL_CCMD_END_QUERY, 70);
    query_cmd(b, VGL_CCMD_GET_QUERY_RESULT, 70);
    CHECK_EQ(vgl_renderer_submit(b->r, b->ctx, b->e.buf, b->e.n), VGL_OK);
    enc_reset(&b->e);
    enc_draw(&a->e, 4, 0, 3, false);
    query_cmd(a, VGL_CCMD_END_QUERY, 70);
    query_cmd(a, VGL_CCMD_GET_QUERY_RESULT, 70);
    CHECK_EQ(vgl_renderer_submit(a->r, a->ctx, a->e.buf, a->e.n), VGL_OK);
    enc_reset(&a->e);
    /* struct virgl_host_query_state: state, size, then the value. */
    uint32_t va, vb;
    memcpy(&vb, qb + 8, 4);
    memcpy(&va, qa + 8, 4);
    CHECK_EQ(vb, 3 * W * H);
    CHECK_EQ(va, 2 * W * H);
    scene_destroy(b);
    scene_destroy(a);
}

/* A polygon (drawn by the translator's geometry shader) is captured as triangles with its first
 * vertex last in each, where the last-vertex convention takes a flat colour from. */
VGL_TEST(stream_output_captures_polygons_as_triangles) {
    struct scene *sc = ready_scene();
    const float pentagon[5][8] = {{-0.5f, -1, 0, 1, 1, 1, 1, 1},
                                  {-1, 0.5f, 0, 1, 1, 1, 1, 1},
                                  {0, 1, 0, 1, 1, 1, 1, 1},
                                  {1, 0.5f, 0, 1, 1, 1, 1, 1},
                                  {0.5f, -1, 0, 1, 1, 1, 1, 1}};
    vertices(sc, 0, pentagon, 5);
    uint8_t *mem = so_buffer(sc);
    struct enc *e = &sc->e;
    so_bind(e, 512, 512, 256);
    enc_draw(e, 9, 0, 5, false);
    submit_and_read(sc);
    CHECK_EQ(px(sc, 16, 16)[0], 255); /* still drawn */
    const struct vgl_transfer t = {.handle = 3, .box = {0, 0, 0, 1024, 1, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(sc->r, sc->ctx, &t), VGL_OK);
    const float *f = (const float *)mem;
    for (int i = 0; i < 3; i++) {
        const int tri[3] = {i + 1, i + 2, 0};
        for (int v = 0; v < 3; v++) {
            CHECK(f[4 * (3 * i + v)] == pentagon[tri[v]][0]);
            CHECK(f[4 * (3 * i + v) + 1] == pentagon[tri[v]][1]);
        }
    }
    CHECK(f[36] == 0.0f && f[37] == 0.0f); /* 9 vertices, no more */
    free(mem);
    scene_destroy(sc);
}

/* A guest that never waits leaves at most four fences' worth of work queued on the host (the
 * renderer waits for the oldest), and none once the host is idle. */
VGL_TEST(queued_host_work_is_bounded) {
    struct scene *sc = ready_scene();
    enc_draw(&sc->e, 4, 0, 3, false);
    submit_and_read(sc);
    const uint8_t once = px(sc, 16, 16)[0];
    struct vgl_renderer_usage u;
    vgl_renderer_get_usage(sc->r, &u);
    CHECK_EQ(u.in_flight, 0);
    /* 3 vertices x 100000 instances: more than one fence's worth in each draw. */
    const uint32_t instanced[12] = {0, 3, 4, 0, 100000, 0, 0, 0, 0, 0, 2, 0};
    for (int i = 0; i < 2; i++) {
        enc_cmd(&sc->e, VGL_CCMD_DRAW_VBO, 0, instanced, 12);
    }
    CHECK_EQ(vgl_renderer_submit(sc->r, sc->ctx, sc->e.buf, sc->e.n), VGL_OK);
    enc_reset(&sc->e);
    vgl_renderer_get_usage(sc->r, &u);
    CHECK_EQ(u.in_flight, 2);
    for (int i = 0; i < 6; i++) {
        enc_cmd(&sc->e, VGL_CCMD_DRAW_VBO, 0, instanced, 12);
    }
    submit_and_read(sc);
    CHECK(once > 0);
    CHECK_EQ(px(sc, 16, 16)[0], once); /* the same triangle, drawn 800000 times */
    vgl_renderer_get_usage(sc->r, &u);
    CHECK_EQ(u.in_flight, 4);
    CHECK_EQ(vgl_renderer_wait_idle(sc->r, sc->ctx), VGL_OK);
    vgl_renderer_get_usage(sc->r, &u);
    CHECK_EQ(u.in_flight, 0);
    scene_destroy(sc);
}
