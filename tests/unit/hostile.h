/* SPDX-License-Identifier: MIT */
/*
 * Shared by the hostile-guest tests: a renderer with one guest context, its render target and
 * buffers with guest backing, and the checks every such test ends with (the context broke with
 * the right status or the call was refused, and the renderer still serves a fresh context).
 */
#ifndef VGL_TEST_HOSTILE_H
#define VGL_TEST_HOSTILE_H

#include <vgl/renderer.h>

#include "../encode/encode.h"
#include "protocol/virgl_protocol.h"
#include "shader/shader.h"

#define HOSTILE_CTX 1
#define HOSTILE_RT  1 /* 32x32 RGBA8 render target of HOSTILE_CTX, surface 10 bound */
#define HOSTILE_VB  2 /* 4096-byte buffer */
#define HOSTILE_W   32
#define HOSTILE_H   32
#define FMT_RGBA8   67 /* VIRGL_FORMAT_R8G8B8A8_UNORM */

struct hostile {
    struct vgl_renderer *r;
    struct enc e;
    uint8_t *rt_mem, *vb_mem;
};

/* A renderer (options may be NULL) and HOSTILE_CTX with its render target, buffer, a sub-context
 * and the framebuffer set up. Skips the test without EGL. */
struct hostile *hostile_open(const struct vgl_renderer_options *opts);
void hostile_close(struct hostile *h);

/* A 2D texture or buffer with `size` bytes of zeroed guest backing (kept by the caller). */
uint8_t *hostile_texture(struct hostile *h, uint32_t ctx, uint32_t handle, uint32_t format,
                         uint32_t w, uint32_t ht, uint32_t levels, size_t size);
uint8_t *hostile_buffer(struct hostile *h, uint32_t ctx, uint32_t handle, uint32_t size);

/* Encode into h->e the state for drawing HOSTILE_VB's vec4 positions (stride 16) in red:
 * blend 20, rasterizer 21, DSA 22, vertex elements 23, vertex shader 30, fragment shader 31. */
void hostile_draw_setup(struct hostile *h);
/* Put a triangle covering the whole render target into HOSTILE_VB (vec4 positions). */
void hostile_upload_triangle(struct hostile *h);

/* Submit h->e on `ctx` and reset it; returns the status. */
enum vgl_status hostile_submit(struct hostile *h, uint32_t ctx);
/* Submit, expect VGL_OK. */
void hostile_submit_ok(struct hostile *h, uint32_t ctx);

/* The context is broken with `status` at command `cmd_index` (-1: any) of its last submit, and
 * a further submit is refused with VGL_ERROR_CONTEXT_BROKEN. */
void hostile_expect_broken(struct hostile *h, uint32_t ctx, enum vgl_status status, int cmd_index);
/* The context is healthy. */
void hostile_expect_healthy(struct hostile *h, uint32_t ctx);

/* A fresh context clears a new render target and reads back the right pixels. */
void hostile_expect_serving(struct hostile *h);

/* Submit, then expect the context broken with `status` and the renderer serving. */
void hostile_submit_expect(struct hostile *h, enum vgl_status status);

#endif
