/* SPDX-License-Identifier: MIT */
/*
 * Hostile handles: missing ones, handles of the wrong object type, destroying twice, using what
 * was destroyed (bindings keep it alive, never dangle), and reusing a handle for another type.
 */
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "test.h"

typedef void (*encode_fn)(struct enc *e);

/* Each of these names handle 999 (or resource 999), which does not exist. */
static void bind_blend(struct enc *e) {
    enc_bind(e, VGL_OBJECT_BLEND, 999);
}
static void bind_vs(struct enc *e) {
    enc_bind_shader(e, 999, VGL_SHADER_VERTEX);
}
static void views(struct enc *e) {
    const uint32_t h = 999;
    enc_set_sampler_views(e, VGL_SHADER_FRAGMENT, 1, &h);
}
static void samplers(struct enc *e) {
    const uint32_t h = 999;
    enc_bind_sampler_states(e, VGL_SHADER_FRAGMENT, 1, &h);
}
static void framebuffer(struct enc *e) {
    const uint32_t h = 999;
    enc_framebuffer(e, 0, 1, &h);
}
static void zsurf(struct enc *e) {
    const uint32_t none = 0;
    enc_framebuffer(e, 999, 0, &none);
}
static void so_targets(struct enc *e) {
    const uint32_t h = 999;
    enc_set_so_targets(e, 1, &h);
}
static void begin_query(struct enc *e) {
    const uint32_t h = 999;
    enc_cmd(e, VGL_CCMD_BEGIN_QUERY, 0, &h, 1);
}
static void vertex_buffer(struct enc *e) {
    enc_vertex_buffer(e, 16, 0, 999);
}
static void index_buffer(struct enc *e) {
    const uint32_t ib[3] = {999, 2, 0};
    enc_cmd(e, VGL_CCMD_SET_INDEX_BUFFER, 0, ib, 3);
}
static void surface(struct enc *e) {
    enc_surface(e, 50, 999, FMT_RGBA8);
}
static void view_of(struct enc *e) {
    enc_sampler_view(e, 50, 999, FMT_RGBA8);
}
static void so_target_of(struct enc *e) {
    enc_so_target(e, 50, 999, 0, 16);
}
static void copy(struct enc *e) {
    const int32_t box[6] = {0, 0, 0, 1, 1, 1};
    enc_copy_region(e, HOSTILE_RT, 0, 0, 0, 0, 999, 0, box);
}
static void transfer(struct enc *e) {
    enc_transfer3d(e, 999, 0, 0, 1, 1, 0);
}
static void destroy(struct enc *e) {
    enc_destroy(e, VGL_OBJECT_SAMPLER_VIEW, 999);
}
static void set_sub(struct enc *e) {
    const uint32_t id = 999;
    enc_cmd(e, VGL_CCMD_SET_SUB_CTX, 0, &id, 1);
}

VGL_TEST(missing_handles) {
    static const encode_fn fns[] = {
            bind_blend,   bind_vs,     views,         samplers,     framebuffer, zsurf,
            so_targets,   begin_query, vertex_buffer, index_buffer, surface,     view_of,
            so_target_of, copy,        transfer,      destroy,      set_sub};
    for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
        struct hostile *h = hostile_open(NULL);
        fns[i](&h->e);
        hostile_submit_expect(h, VGL_ERROR_NOT_FOUND);
        hostile_close(h);
    }
}

/* Rasterizer 40 and sampler state 41 exist; everything else names them as something else. */
static void wrong_type(void (*use)(struct enc *e), enum vgl_status status) {
    struct hostile *h = hostile_open(NULL);
    enc_rasterizer(&h->e, 40, false);
    enc_sampler_state(&h->e, 41, false);
    hostile_submit_ok(h, HOSTILE_CTX);
    use(&h->e);
    hostile_submit_expect(h, status);
    hostile_close(h);
}
static void rs_as_blend(struct enc *e) {
    enc_bind(e, VGL_OBJECT_BLEND, 40);
}
static void rs_as_dsa(struct enc *e) {
    enc_bind(e, VGL_OBJECT_DSA, 40);
}
static void rs_as_ve(struct enc *e) {
    enc_bind(e, VGL_OBJECT_VERTEX_ELEMENTS, 40);
}
static void rs_as_shader(struct enc *e) {
    enc_bind_shader(e, 40, VGL_SHADER_FRAGMENT);
}
static void sampler_as_view(struct enc *e) {
    const uint32_t h = 41;
    enc_set_sampler_views(e, VGL_SHADER_FRAGMENT, 1, &h);
}
static void view_as_sampler(struct enc *e) {
    enc_sampler_view(e, 42, HOSTILE_RT, FMT_RGBA8);
    const uint32_t h = 42;
    enc_bind_sampler_states(e, VGL_SHADER_FRAGMENT, 1, &h);
}
static void rs_as_surface(struct enc *e) {
    const uint32_t h = 40;
    enc_framebuffer(e, 0, 1, &h);
}
static void rs_as_so_target(struct enc *e) {
    const uint32_t h = 40;
    enc_set_so_targets(e, 1, &h);
}
static void rs_as_query(struct enc *e) {
    const uint32_t h = 40;
    enc_cmd(e, VGL_CCMD_BEGIN_QUERY, 0, &h, 1);
}
static void destroy_rs_as_dsa(struct enc *e) {
    enc_destroy(e, VGL_OBJECT_DSA, 40);
}
static void bind_surface_type(struct enc *e) {
    enc_bind(e, VGL_OBJECT_SURFACE, 10);
}
static void bind_type_past_table(struct enc *e) {
    enc_bind(e, 200, 40);
}
static void texture_as_vertex_buffer(struct enc *e) {
    enc_vertex_buffer(e, 16, 0, HOSTILE_RT);
}
static void buffer_as_surface(struct enc *e) {
    enc_surface(e, 43, HOSTILE_VB, FMT_RGBA8);
}
static void texture_as_so_target(struct enc *e) {
    enc_so_target(e, 43, HOSTILE_RT, 0, 16);
}

VGL_TEST(handles_of_the_wrong_type) {
    wrong_type(rs_as_blend, VGL_ERROR_NOT_FOUND);
    wrong_type(rs_as_dsa, VGL_ERROR_NOT_FOUND);
    wrong_type(rs_as_ve, VGL_ERROR_NOT_FOUND);
    wrong_type(rs_as_shader, VGL_ERROR_NOT_FOUND);
    wrong_type(sampler_as_view, VGL_ERROR_NOT_FOUND);
    wrong_type(view_as_sampler, VGL_ERROR_NOT_FOUND);
    wrong_type(rs_as_surface, VGL_ERROR_NOT_FOUND);
    wrong_type(rs_as_so_target, VGL_ERROR_NOT_FOUND);
    wrong_type(rs_as_query, VGL_ERROR_NOT_FOUND);
    wrong_type(destroy_rs_as_dsa, VGL_ERROR_NOT_FOUND);
    wrong_type(bind_surface_type, VGL_ERROR_INVALID_ARGUMENT);
    wrong_type(bind_type_past_table, VGL_ERROR_NOT_FOUND);
    wrong_type(texture_as_vertex_buffer, VGL_ERROR_NOT_FOUND);
    wrong_type(buffer_as_surface, VGL_ERROR_INVALID_ARGUMENT);
    wrong_type(texture_as_so_target, VGL_ERROR_NOT_FOUND);
}

VGL_TEST(destroy_twice) {
    struct hostile *h = hostile_open(NULL);
    enc_dsa(&h->e, 40, false, 0);
    enc_destroy(&h->e, VGL_OBJECT_DSA, 40);
    hostile_submit_ok(h, HOSTILE_CTX);
    enc_destroy(&h->e, VGL_OBJECT_DSA, 40);
    hostile_submit_expect(h, VGL_ERROR_NOT_FOUND);
    /* Resources through the API: the second unref is refused, nothing is freed twice. */
    CHECK_EQ(vgl_renderer_resource_unref(h->r, HOSTILE_CTX, HOSTILE_VB), VGL_OK);
    CHECK_EQ(vgl_renderer_resource_unref(h->r, HOSTILE_CTX, HOSTILE_VB), VGL_ERROR_NOT_FOUND);
    CHECK_EQ(vgl_renderer_resource_detach_backing(h->r, HOSTILE_CTX, HOSTILE_VB),
             VGL_ERROR_NOT_FOUND);
    /* Sub-contexts. */
    vgl_renderer_context_destroy(h->r, HOSTILE_CTX);
    vgl_renderer_context_destroy(h->r, HOSTILE_CTX);
    CHECK_EQ(vgl_renderer_context_create(h->r, HOSTILE_CTX, "again"), VGL_OK);
    enc_sub_ctx(&h->e, 5);
    const uint32_t id = 5;
    enc_cmd(&h->e, VGL_CCMD_DESTROY_SUB_CTX, 0, &id, 1);
    hostile_submit_ok(h, HOSTILE_CTX);
    enc_cmd(&h->e, VGL_CCMD_DESTROY_SUB_CTX, 0, &id, 1);
    hostile_submit_expect(h, VGL_ERROR_NOT_FOUND);
    hostile_close(h);
}

/* Read pixel (16, 16) of a 32x32 RGBA8 resource of HOSTILE_CTX into `px`. */
static void read_px(struct hostile *h, uint32_t handle, uint8_t *mem, uint8_t px[4]) {
    const struct vgl_transfer t = {.handle = handle, .box = {0, 0, 0, 32, 32, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(h->r, HOSTILE_CTX, &t), VGL_OK);
    memcpy(px, mem + (16 * 32 + 16) * 4, 4);
}

/* A surface whose object and resource were both destroyed stays bound to the framebuffer and
 * keeps the storage alive: clears land there, never in freed memory nor in a new resource that
 * reuses the handle. */
VGL_TEST(framebuffer_keeps_destroyed_surface_alive) {
    struct hostile *h = hostile_open(NULL);
    uint8_t *mem = hostile_texture(h, HOSTILE_CTX, 5, FMT_RGBA8, 32, 32, 1, 32 * 32 * 4);
    enc_surface(&h->e, 50, 5, FMT_RGBA8);
    const uint32_t cb = 50;
    enc_framebuffer(&h->e, 0, 1, &cb);
    enc_destroy(&h->e, VGL_OBJECT_SURFACE, 50);
    hostile_submit_ok(h, HOSTILE_CTX);
    CHECK_EQ(vgl_renderer_resource_unref(h->r, HOSTILE_CTX, 5), VGL_OK);
    free(mem);
    /* Handle 5 again, and surface handle 50 again, for other things. */
    mem = hostile_texture(h, HOSTILE_CTX, 5, FMT_RGBA8, 32, 32, 1, 32 * 32 * 4);
    enc_dsa(&h->e, 50, false, 0);
    const float green[4] = {0, 1, 0, 1};
    enc_clear(&h->e, VGL_CLEAR_COLOR0, green, 1.0, 0);
    hostile_submit_ok(h, HOSTILE_CTX);
    uint8_t px[4];
    read_px(h, 5, mem, px);
    CHECK(px[0] == 0 && px[1] == 0 && px[2] == 0 && px[3] == 0);
    hostile_expect_serving(h);
    hostile_close(h);
    free(mem);
}

/* Bound state objects, shaders, views and targets that the guest destroyed keep working until
 * unbound: a draw after destroying all of them draws as before. */
VGL_TEST(draw_after_destroying_everything_bound) {
    struct hostile *h = hostile_open(NULL);
    hostile_upload_triangle(h);
    hostile_draw_setup(h);
    uint8_t *tex = hostile_texture(h, HOSTILE_CTX, 6, FMT_RGBA8, 4, 4, 1, 64);
    enc_sampler_view(&h->e, 60, 6, FMT_RGBA8);
    enc_sampler_state(&h->e, 61, false);
    const uint32_t v = 60, s = 61;
    enc_set_sampler_views(&h->e, VGL_SHADER_FRAGMENT, 1, &v);
    enc_bind_sampler_states(&h->e, VGL_SHADER_FRAGMENT, 1, &s);
    enc_so_target(&h->e, 62, HOSTILE_VB, 1024, 1024);
    const uint32_t so = 62;
    enc_set_so_targets(&h->e, 1, &so);
    static const uint32_t types[] = {VGL_OBJECT_BLEND,  VGL_OBJECT_RASTERIZER,
                                     VGL_OBJECT_DSA,    VGL_OBJECT_VERTEX_ELEMENTS,
                                     VGL_OBJECT_SHADER, VGL_OBJECT_SHADER};
    static const uint32_t handles[] = {20, 21, 22, 23, 30, 31};
    for (size_t i = 0; i < 6; i++) {
        enc_destroy(&h->e, types[i], handles[i]);
    }
    enc_destroy(&h->e, VGL_OBJECT_SAMPLER_VIEW, 60);
    enc_destroy(&h->e, VGL_OBJECT_SAMPLER_STATE, 61);
    enc_destroy(&h->e, VGL_OBJECT_STREAMOUT_TARGET, 62);
    enc_destroy(&h->e, VGL_OBJECT_SURFACE, 10);
    hostile_submit_ok(h, HOSTILE_CTX);
    CHECK_EQ(vgl_renderer_resource_unref(h->r, HOSTILE_CTX, 6), VGL_OK);
    free(tex);
    const float blue[4] = {0, 0, 1, 1};
    enc_clear(&h->e, VGL_CLEAR_COLOR0, blue, 1.0, 0);
    enc_draw(&h->e, 4, 0, 3, false);
    hostile_submit_ok(h, HOSTILE_CTX);
    uint8_t px[4];
    read_px(h, HOSTILE_RT, h->rt_mem, px);
    CHECK(px[0] == 255 && px[1] == 0 && px[2] == 0 && px[3] == 255);
    /* Rebinding replaces them; then they are gone for good. */
    enc_bind(&h->e, VGL_OBJECT_BLEND, 20);
    hostile_submit_expect(h, VGL_ERROR_NOT_FOUND);
    hostile_close(h);
}

VGL_TEST(handle_reused_for_another_type) {
    struct hostile *h = hostile_open(NULL);
    enc_blend(&h->e, 40, false);
    enc_bind(&h->e, VGL_OBJECT_BLEND, 40);
    enc_destroy(&h->e, VGL_OBJECT_BLEND, 40);
    enc_rasterizer(&h->e, 40, false);
    enc_bind(&h->e, VGL_OBJECT_RASTERIZER, 40);
    enc_shader(&h->e, 41, VGL_SHADER_FRAGMENT, "FRAG\nDCL OUT[0], COLOR\n  0: END\n");
    enc_destroy(&h->e, VGL_OBJECT_SHADER, 41);
    enc_shader(&h->e, 41, VGL_SHADER_VERTEX,
               "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n  1: END\n");
    enc_bind_shader(&h->e, 41, VGL_SHADER_VERTEX);
    hostile_submit_ok(h, HOSTILE_CTX);
    enc_bind(&h->e, VGL_OBJECT_BLEND, 40); /* 40 is a rasterizer now */
    hostile_submit_expect(h, VGL_ERROR_NOT_FOUND);
    hostile_close(h);
    h = hostile_open(NULL);
    enc_shader(&h->e, 41, VGL_SHADER_VERTEX,
               "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n  1: END\n");
    enc_destroy(&h->e, VGL_OBJECT_SHADER, 41);
    enc_shader(&h->e, 41, VGL_SHADER_FRAGMENT, "FRAG\nDCL OUT[0], COLOR\n  0: END\n");
    enc_bind_shader(&h->e, 41, VGL_SHADER_VERTEX); /* a fragment shader now */
    hostile_submit_expect(h, VGL_ERROR_NOT_FOUND);
    hostile_close(h);
    /* A live handle cannot be taken by another type. */
    h = hostile_open(NULL);
    enc_blend(&h->e, 40, false);
    enc_rasterizer(&h->e, 40, false);
    hostile_submit_expect(h, VGL_ERROR_EXISTS);
    hostile_close(h);
}

/* A query whose result buffer was unreferenced: the result has nowhere to go. */
VGL_TEST(query_result_buffer_destroyed) {
    struct hostile *h = hostile_open(NULL);
    uint8_t *qbuf = hostile_buffer(h, HOSTILE_CTX, 7, 64);
    const uint32_t q[4] = {70, 0, 0, 7}; /* occlusion counter into buffer 7 */
    enc_cmd(&h->e, VGL_CCMD_CREATE_OBJECT, VGL_OBJECT_QUERY, q, 4);
    const uint32_t qh = 70;
    enc_cmd(&h->e, VGL_CCMD_BEGIN_QUERY, 0, &qh, 1);
    enc_cmd(&h->e, VGL_CCMD_END_QUERY, 0, &qh, 1);
    hostile_submit_ok(h, HOSTILE_CTX);
    CHECK_EQ(vgl_renderer_resource_unref(h->r, HOSTILE_CTX, 7), VGL_OK);
    memset(qbuf, 0x77, 64);
    const uint32_t get[2] = {70, 1};
    enc_cmd(&h->e, VGL_CCMD_GET_QUERY_RESULT, 0, get, 2);
    hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
    for (int i = 0; i < 64; i++) {
        CHECK_EQ(qbuf[i], 0x77); /* the guest's old memory is not written */
    }
    hostile_close(h);
    free(qbuf);
}
