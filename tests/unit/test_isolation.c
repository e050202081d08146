/* SPDX-License-Identifier: MIT */
/*
 * Isolation: a client can name neither another client's resources nor its objects. First at
 * the renderer (two contexts using the same handle numbers), then through the vtest protocol
 * (two clients of one server state machine, fed bytes from memory, reading pixels from the
 * shared memory the server hands them).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vgl/trace.h>

#include "capture.h"
#include "hostile.h"
#include "test.h"
#include "vtest_protocol.h"
#include "vtest_server.h"

#define CTX_B 2

/* Context A (the harness's) holds resource 1 cleared red, and in sub-context 1 surface 10,
 * sampler view 11, blend 20, sampler state 21, vertex shader 30, stream-out target 40. */
static struct hostile *two_contexts(void) {
    struct hostile *h = hostile_open(NULL);
    const float red[4] = {1, 0, 0, 1};
    enc_clear(&h->e, VGL_CLEAR_COLOR0, red, 1.0, 0);
    enc_sampler_view(&h->e, 11, HOSTILE_RT, FMT_RGBA8);
    enc_blend(&h->e, 20, false);
    enc_sampler_state(&h->e, 21, false);
    enc_shader(&h->e, 30, VGL_SHADER_VERTEX,
               "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n  1: END\n");
    enc_so_target(&h->e, 40, HOSTILE_VB, 0, 256);
    hostile_submit_ok(h, HOSTILE_CTX);
    CHECK_EQ(vgl_renderer_context_create(h->r, CTX_B, "b"), VGL_OK);
    return h;
}

static void expect_a_red(struct hostile *h) {
    memset(h->rt_mem, 0, HOSTILE_W * HOSTILE_H * 4);
    const struct vgl_transfer t = {.handle = HOSTILE_RT, .box = {0, 0, 0, 32, 32, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(h->r, HOSTILE_CTX, &t), VGL_OK);
    for (int i = 0; i < HOSTILE_W * HOSTILE_H; i++) {
        CHECK(h->rt_mem[4 * i] == 255 && h->rt_mem[4 * i + 1] == 0 && h->rt_mem[4 * i + 3] == 255);
    }
    hostile_expect_healthy(h, HOSTILE_CTX);
}

VGL_TEST(context_cannot_name_another_contexts_resources) {
    struct hostile *h = two_contexts();
    uint8_t mem[64];
    const struct iovec iov = {mem, sizeof(mem)};
    const struct vgl_transfer t = {.handle = HOSTILE_RT, .box = {0, 0, 0, 4, 4, 1}};
    struct vgl_resource_args info;
    CHECK_EQ(vgl_renderer_transfer_write(h->r, CTX_B, &t), VGL_ERROR_NOT_FOUND);
    CHECK_EQ(vgl_renderer_transfer_read(h->r, CTX_B, &t), VGL_ERROR_NOT_FOUND);
    CHECK_EQ(vgl_renderer_resource_get_info(h->r, CTX_B, HOSTILE_RT, &info), VGL_ERROR_NOT_FOUND);
    CHECK_EQ(vgl_renderer_resource_attach_backing(h->r, CTX_B, HOSTILE_RT, &iov, 1),
             VGL_ERROR_NOT_FOUND);
    CHECK_EQ(vgl_renderer_resource_detach_backing(h->r, CTX_B, HOSTILE_RT), VGL_ERROR_NOT_FOUND);
    CHECK_EQ(vgl_renderer_resource_unref(h->r, CTX_B, HOSTILE_RT), VGL_ERROR_NOT_FOUND);
    /* In B's command streams: a transfer, a surface, a view, a copy and a vertex buffer. */
    enc_transfer3d(&h->e, HOSTILE_RT, 0, 0, 4, 4, 0);
    CHECK_EQ(hostile_submit(h, CTX_B), VGL_ERROR_NOT_FOUND);
    for (int i = 0; i < 4; i++) {
        vgl_renderer_context_destroy(h->r, CTX_B);
        CHECK_EQ(vgl_renderer_context_create(h->r, CTX_B, "b"), VGL_OK);
        if (i == 0) {
            enc_surface(&h->e, 10, HOSTILE_RT, FMT_RGBA8);
        } else if (i == 1) {
            enc_sampler_view(&h->e, 11, HOSTILE_RT, FMT_RGBA8);
        } else if (i == 2) {
            enc_vertex_buffer(&h->e, 16, 0, HOSTILE_VB);
        } else {
            const int32_t box[6] = {0, 0, 0, 1, 1, 1};
            enc_copy_region(&h->e, HOSTILE_RT, 0, 0, 0, 0, HOSTILE_RT, 0, box);
        }
        CHECK_EQ(hostile_submit(h, CTX_B), VGL_ERROR_NOT_FOUND);
    }
    /* B's own resource 1 is another resource: it reads back zeros, never A's red. */
    vgl_renderer_context_destroy(h->r, CTX_B);
    CHECK_EQ(vgl_renderer_context_create(h->r, CTX_B, "b"), VGL_OK);
    uint8_t *b_mem = hostile_texture(h, CTX_B, HOSTILE_RT, FMT_RGBA8, 32, 32, 1, 32 * 32 * 4);
    memset(b_mem, 0x33, 32 * 32 * 4);
    const struct vgl_transfer whole = {.handle = HOSTILE_RT, .box = {0, 0, 0, 32, 32, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(h->r, CTX_B, &whole), VGL_OK);
    for (int i = 0; i < 32 * 32 * 4; i++) {
        CHECK_EQ(b_mem[i], 0);
    }
    /* B renders green into its resource 1 through its own surface 10: A's stays red. */
    enc_sub_ctx(&h->e, 1);
    enc_surface(&h->e, 10, HOSTILE_RT, FMT_RGBA8);
    const uint32_t cb = 10;
    enc_framebuffer(&h->e, 0, 1, &cb);
    const float green[4] = {0, 1, 0, 1};
    enc_clear(&h->e, VGL_CLEAR_COLOR0, green, 1.0, 0);
    hostile_submit_ok(h, CTX_B);
    CHECK_EQ(vgl_renderer_transfer_read(h->r, CTX_B, &whole), VGL_OK);
    CHECK(b_mem[0] == 0 && b_mem[1] == 255);
    expect_a_red(h);
    /* B's unref of its resource 1 leaves A's alone. */
    CHECK_EQ(vgl_renderer_resource_unref(h->r, CTX_B, HOSTILE_RT), VGL_OK);
    expect_a_red(h);
    hostile_close(h);
    free(b_mem);
}

/* What B sends that would use one of A's objects, were objects shared. */
static void b_uses(struct enc *e, int which) {
    const uint32_t h10 = 10, h11 = 11, h21 = 21, h40 = 40;
    switch (which) {
    case 0:
        enc_framebuffer(e, 0, 1, &h10);
        break;
    case 1:
        enc_set_sampler_views(e, VGL_SHADER_FRAGMENT, 1, &h11);
        break;
    case 2:
        enc_bind(e, VGL_OBJECT_BLEND, 20);
        break;
    case 3:
        enc_bind_sampler_states(e, VGL_SHADER_FRAGMENT, 1, &h21);
        break;
    case 4:
        enc_bind_shader(e, 30, VGL_SHADER_VERTEX);
        break;
    case 5:
        enc_set_so_targets(e, 1, &h40);
        break;
    case 6:
        enc_destroy(e, VGL_OBJECT_BLEND, 20);
        break;
    default:
        enc_cmd(e, VGL_CCMD_SET_SUB_CTX, 0, (const uint32_t[]){1}, 1);
        break;
    }
}

VGL_TEST(context_cannot_name_another_contexts_objects) {
    struct hostile *h = two_contexts();
    for (int which = 0; which < 8; which++) {
        /* Both in B's default sub-context and in a sub-context 1 of its own. */
        for (int own_sub = 0; own_sub < 2 && (which < 7 || !own_sub); own_sub++) {
            vgl_renderer_context_destroy(h->r, CTX_B);
            CHECK_EQ(vgl_renderer_context_create(h->r, CTX_B, "b"), VGL_OK);
            if (own_sub) {
                enc_sub_ctx(&h->e, 1);
            }
            b_uses(&h->e, which);
            CHECK_EQ(hostile_submit(h, CTX_B), VGL_ERROR_NOT_FOUND);
            hostile_expect_broken(h, CTX_B, VGL_ERROR_NOT_FOUND, own_sub ? 2 : 0);
        }
    }
    /* A still has and uses all of them. */
    enc_bind(&h->e, VGL_OBJECT_BLEND, 20);
    const uint32_t v = 11, s = 21, so = 40;
    enc_set_sampler_views(&h->e, VGL_SHADER_FRAGMENT, 1, &v);
    enc_bind_sampler_states(&h->e, VGL_SHADER_FRAGMENT, 1, &s);
    enc_bind_shader(&h->e, 30, VGL_SHADER_VERTEX);
    enc_set_so_targets(&h->e, 1, &so);
    hostile_submit_ok(h, HOSTILE_CTX);
    expect_a_red(h);
    hostile_close(h);
}

VGL_TEST(sub_context_cannot_name_another_sub_contexts_objects) {
    struct hostile *h = hostile_open(NULL);
    enc_blend(&h->e, 20, false);
    enc_sub_ctx(&h->e, 2);
    enc_bind(&h->e, VGL_OBJECT_BLEND, 20);
    hostile_submit_expect(h, VGL_ERROR_NOT_FOUND);
    hostile_close(h);
}

/* ---- vtest -------------------------------------------------------------------------------- */

/* One vtest client fed from memory; replies are collected, a passed fd is kept mapped. */
struct guest {
    struct vgl_vtest_client *cl;
    uint8_t reply[4096];
    size_t reply_len;
    uint8_t *shm[8];      /* shared memory of resource handle i, 1 KiB each */
    uint32_t next_handle; /* the RESOURCE_CREATE2 being answered */
    bool has_sub;         /* sub-context 1 was created */
};

static enum vgl_status guest_send(void *user, const void *data, size_t size, int fd) {
    struct guest *g = user;
    if (size <= sizeof(g->reply) - g->reply_len) {
        memcpy(g->reply + g->reply_len, data, size);
        g->reply_len += size;
    }
    if (fd >= 0) {
        CHECK(g->next_handle < 8 && !g->shm[g->next_handle]);
        g->shm[g->next_handle] = mmap(NULL, 1024, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        CHECK(g->shm[g->next_handle] != MAP_FAILED);
    }
    return VGL_OK;
}

static const struct vgl_vtest_io guest_io = {guest_send};

static void put(uint8_t **p, uint32_t v) {
    vgl_put_u32(*p, v);
    *p += 4;
}

static void feed(struct guest *g, uint32_t id, const uint32_t *body, uint32_t dwords,
                 uint32_t len) {
    uint8_t msg[8 + 4 * 64], *p = msg;
    put(&p, len);
    put(&p, id);
    for (uint32_t i = 0; i < dwords; i++) {
        put(&p, body[i]);
    }
    CHECK_EQ(vgl_vtest_client_feed(g->cl, msg, (size_t)(p - msg)), VGL_OK);
}

static void guest_open(struct guest *g, struct vgl_capture *cap, uint32_t id, uint32_t *counter,
                       const char *name) {
    memset(g, 0, sizeof(*g));
    CHECK_EQ(vgl_vtest_client_create(cap, id, counter, &guest_io, g, &g->cl), VGL_OK);
    uint8_t msg[8 + 16], *p = msg;
    const uint32_t len = (uint32_t)strlen(name) + 1;
    put(&p, len);
    put(&p, VGL_VTEST_CMD_CREATE_RENDERER);
    memcpy(p, name, len);
    CHECK_EQ(vgl_vtest_client_feed(g->cl, msg, 8 + len), VGL_OK);
    const uint32_t version = 2;
    feed(g, VGL_VTEST_CMD_PROTOCOL_VERSION, &version, 1, 1);
}

/* RESOURCE_CREATE2 of a 16x16 RGBA8 render target with 1 KiB of shared memory. */
static void guest_resource(struct guest *g, uint32_t handle) {
    const uint32_t body[11] = {
            handle, VGL_TARGET_2D, FMT_RGBA8, VGL_BIND_RENDER_TARGET, 16, 16, 1, 1, 0, 0, 1024};
    g->next_handle = handle;
    feed(g, VGL_VTEST_CMD_RESOURCE_CREATE2, body, 11, 11);
    CHECK(g->shm[handle]);
}

static void guest_transfer(struct guest *g, uint32_t handle, bool put_to_host) {
    const uint32_t body[10] = {handle, 0, 0, 0, 0, 16, 16, 1, 1024, 0};
    feed(g, put_to_host ? VGL_VTEST_CMD_TRANSFER_PUT2 : VGL_VTEST_CMD_TRANSFER_GET2, body, 10,
         put_to_host ? 10 + 256 : 10);
}

static void guest_submit(struct guest *g, const struct enc *e) {
    feed(g, VGL_VTEST_CMD_SUBMIT_CMD, e->buf, (uint32_t)e->n, (uint32_t)e->n);
}

/* Clear resource `handle` through a surface 10 of sub-context 1, destroyed after. */
static void guest_clear(struct guest *g, uint32_t handle, const float rgba[4]) {
    struct enc *e = calloc(1, sizeof(*e));
    if (!g->has_sub) {
        enc_sub_ctx(e, 1);
        g->has_sub = true;
    }
    enc_surface(e, 10, handle, FMT_RGBA8);
    const uint32_t cb = 10;
    enc_framebuffer(e, 0, 1, &cb);
    enc_clear(e, VGL_CLEAR_COLOR0, rgba, 1.0, 0);
    enc_destroy(e, VGL_OBJECT_SURFACE, 10);
    guest_submit(g, e);
    free(e);
}

static void expect_shm(const struct guest *g, uint32_t handle, uint8_t r, uint8_t gr, uint8_t b,
                       uint8_t a) {
    for (int i = 0; i < 16 * 16; i++) {
        const uint8_t *p = g->shm[handle] + 4 * i;
        if (p[0] != r || p[1] != gr || p[2] != b || p[3] != a) {
            fprintf(stderr, "texel %d is %u %u %u %u, expected %u %u %u %u\n", i, p[0], p[1], p[2],
                    p[3], r, gr, b, a);
        }
        CHECK(p[0] == r && p[1] == gr && p[2] == b && p[3] == a);
    }
}

/* A renderer and a capture layer (not recording) for vtest clients; skips without EGL. */
static struct vgl_capture *capture_or_skip(struct vgl_renderer **r) {
    vgl_log_init(getenv("HOSTILE_LOG") ? VGL_LOG_DEBUG : VGL_LOG_ERROR, NULL, NULL);
    const enum vgl_status st = vgl_renderer_create(NULL, r);
    if (st == VGL_ERROR_NO_DEVICE) {
        vgl_test_skip("no EGL device");
    }
    CHECK_EQ(st, VGL_OK);
    struct vgl_capture *cap;
    CHECK_EQ(vgl_capture_create(*r, NULL, &cap), VGL_OK);
    return cap;
}

VGL_TEST(vtest_clients_cannot_name_each_others_resources_or_objects) {
    struct vgl_renderer *r;
    struct vgl_capture *cap = capture_or_skip(&r);
    uint32_t counter = 1;
    struct guest *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    guest_open(a, cap, 1, &counter, "a");
    guest_open(b, cap, 2, &counter, "b");
    const float red[4] = {1, 0, 0, 1}, green[4] = {0, 1, 0, 1};

    /* Both create resource 1; A clears its own red and reads it back. */
    guest_resource(a, 1);
    guest_resource(b, 1);
    guest_clear(a, 1, red);
    guest_transfer(a, 1, false);
    expect_shm(a, 1, 255, 0, 0, 255);
    /* B's resource 1 is B's: zeros, never A's red. */
    memset(b->shm[1], 0x44, 1024);
    guest_transfer(b, 1, false);
    expect_shm(b, 1, 0, 0, 0, 0);
    /* B clears its own through the same surface and sub-context numbers: A's stays red. */
    guest_clear(b, 1, green);
    guest_transfer(b, 1, false);
    expect_shm(b, 1, 0, 255, 0, 255);
    memset(a->shm[1], 0, 1024);
    guest_transfer(a, 1, false);
    expect_shm(a, 1, 255, 0, 0, 255);

    /* Resource 7 exists only for A. B's transfers into it and unref of it go nowhere. */
    guest_resource(a, 7);
    guest_clear(a, 7, red);
    memset(b->shm[1], 0xff, 1024);
    guest_transfer(b, 7, true);
    const uint32_t unref = 7;
    feed(b, VGL_VTEST_CMD_RESOURCE_UNREF, &unref, 1, 1);
    memset(a->shm[7], 0, 1024);
    guest_transfer(a, 7, false);
    expect_shm(a, 7, 255, 0, 0, 255);
    /* B binding A's objects: its context breaks, A's goes on. */
    struct enc *e = calloc(1, sizeof(*e));
    enc_surface(e, 11, 7, FMT_RGBA8);
    guest_submit(b, e);
    struct vgl_context_error err;
    CHECK(vgl_capture_context_get_error(cap, 2, &err));
    CHECK_EQ(err.status, VGL_ERROR_NOT_FOUND);
    CHECK(!vgl_capture_context_get_error(cap, 1, &err));
    guest_clear(a, 7, green);
    guest_transfer(a, 7, false);
    expect_shm(a, 7, 0, 255, 0, 255);
    /* B leaves: A keeps everything. */
    vgl_vtest_client_destroy(b->cl);
    memset(a->shm[1], 0, 1024);
    guest_transfer(a, 1, false);
    expect_shm(a, 1, 255, 0, 0, 255);
    vgl_vtest_client_destroy(a->cl);
    struct vgl_renderer_usage u;
    vgl_renderer_get_usage(r, &u);
    CHECK_EQ(u.contexts, 0);
    CHECK_EQ(u.resources, 0);
    for (int i = 0; i < 8; i++) {
        if (a->shm[i]) {
            munmap(a->shm[i], 1024);
        }
        if (b->shm[i]) {
            munmap(b->shm[i], 1024);
        }
    }
    free(a);
    free(b);
    free(e);
    vgl_capture_destroy(cap);
    vgl_renderer_destroy(r);
}

/* Replies of a client that only counts the shared-memory fds it is sent (they are the server's
 * to close). */
static enum vgl_status count_fds(void *user, const void *data, size_t size, int fd) {
    *(unsigned *)user += fd >= 0;
    return VGL_OK;
}

static const struct vgl_vtest_io counting_io = {count_fds};

/* RESOURCE_CREATE2 of a 64-byte buffer with 64 bytes of shared memory. */
static enum vgl_status small_buffer(struct vgl_vtest_client *cl, uint32_t handle) {
    uint8_t msg[8 + 44], *p = msg;
    const uint32_t body[11] = {
            handle, VGL_TARGET_BUFFER, 64 /* R8_UNORM */, VGL_BIND_VERTEX_BUFFER, 64, 1, 1, 1, 0, 0,
            64};
    put(&p, 11);
    put(&p, VGL_VTEST_CMD_RESOURCE_CREATE2);
    for (int i = 0; i < 11; i++) {
        put(&p, body[i]);
    }
    return vgl_vtest_client_feed(cl, msg, sizeof(msg));
}

static struct vgl_vtest_client *counting_client(struct vgl_capture *cap, uint32_t id,
                                                uint32_t *counter, unsigned *fds) {
    struct vgl_vtest_client *cl;
    CHECK_EQ(vgl_vtest_client_create(cap, id, counter, &counting_io, fds, &cl), VGL_OK);
    uint8_t msg[8 + 8], *p = msg;
    put(&p, 2);
    put(&p, VGL_VTEST_CMD_CREATE_RENDERER);
    memcpy(p, "m", 2);
    CHECK_EQ(vgl_vtest_client_feed(cl, msg, 8 + 2), VGL_OK);
    p = msg;
    put(&p, 1);
    put(&p, VGL_VTEST_CMD_PROTOCOL_VERSION);
    put(&p, 2);
    CHECK_EQ(vgl_vtest_client_feed(cl, msg, 12), VGL_OK);
    return cl;
}

/* One client cannot take every memory mapping of the server: past its share it is dropped, and
 * another client still gets shared memory. */
VGL_TEST(vtest_client_shared_memory_budget) {
    struct vgl_renderer *r;
    struct vgl_capture *cap = capture_or_skip(&r);
    uint32_t counter = 1;
    unsigned fds_a = 0, fds_b = 0;
    struct vgl_vtest_client *a = counting_client(cap, 1, &counter, &fds_a);
    enum vgl_status last = VGL_OK;
    uint32_t handle = 1;
    for (; handle <= 20000 && last == VGL_OK; handle++) {
        last = small_buffer(a, handle);
    }
    CHECK_EQ(last, VGL_ERROR_NO_MEMORY);
    CHECK_EQ(fds_a, 16384u);
    CHECK_EQ(handle - 1, 16385u);
    struct vgl_vtest_client *b = counting_client(cap, 2, &counter, &fds_b);
    CHECK_EQ(small_buffer(b, 1), VGL_OK);
    CHECK_EQ(fds_b, 1u);
    vgl_vtest_client_destroy(a);
    vgl_vtest_client_destroy(b);
    vgl_capture_destroy(cap);
    vgl_renderer_destroy(r);
}
