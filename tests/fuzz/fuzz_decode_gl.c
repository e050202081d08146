/* SPDX-License-Identifier: MIT */
/*
 * fuzz-decode-gl: command buffers executed by the GL renderer (llvmpipe here). One renderer for
 * the whole run; each input gets a fresh context, so inputs do not depend on each other.
 *
 * Input layout, so that draws and transfers reach resources that exist:
 *   u8 flags: bits 0..3 k (taken modulo 9); bit 7: first submit CREATE_SUB_CTX 1 and
 *   SET_SUB_CTX 1 (a guest's later buffers expect its first one to have done that);
 *   then k resource descriptors of 8 bytes:
 *     handle, target, format, bind (low 8 bits), width (u16; buffers: 16-byte units), height,
 *     last_level;
 *   zero padding up to a multiple of 4 bytes from the start, then the command buffer dwords.
 * k = 0 creates a default set (handles 1..8) resembling what a guest creates first; seeds made
 * from captured command buffers use it (a 4-byte header: 0 for a session's first buffer, 0x80
 * for the others).
 * Every resource gets a zeroed guest backing, and every texture is read back after the submit.
 */
#include <sys/uio.h>

#include <vgl/renderer.h>

#include "fuzz.h"

#define MAX_RES 8

struct res_desc {
    uint8_t handle, target, format, bind;
    uint16_t width;
    uint8_t height, last_level;
};

/* What Mesa's virgl driver creates first in the captured sessions (handles 1..4), then a depth
 * buffer and small textures. Buffer widths are in units of 16 bytes. */
static const struct res_desc default_set[] = {
        {1, 2, 7, 0x8a, 160, 160, 0},  /* B5G6R5 window surface */
        {2, 2, 67, 0x0a, 160, 160, 0}, /* R8G8B8A8 render target, sampled */
        {3, 0, 64, 0x10, 32768, 1, 0}, /* 512 KiB vertex buffer */
        {4, 0, 64, 0x20, 65535, 1, 0}, /* ~1 MiB index / upload buffer */
        {5, 2, 20, 0x01, 160, 160, 0}, /* S8_UINT_Z24_UNORM depth-stencil */
        {6, 2, 67, 0x0a, 4, 4, 0},     /* small textures */
        {7, 2, 1, 0x0a, 4, 4, 0},      {8, 2, 67, 0x08, 16, 16, 4}, /* with mip levels */
};

/*
 * Kept for the whole run and never destroyed: eglTerminate unloads the host driver, and what the
 * driver leaks then shows up with frames of an unloaded module that no suppression can name.
 * Teardown of the renderer is covered by the unit tests (valgrind and ASan).
 */
static struct vgl_renderer *renderer;

static struct vgl_renderer *get_renderer(void) {
    if (!renderer) {
        const enum vgl_status st = vgl_renderer_create(NULL, &renderer);
        if (st != VGL_OK) {
            fprintf(stderr, "fuzz-decode-gl: no usable host GL (%s): skipped\n",
                    vgl_status_str(st));
            exit(FUZZ_EXIT_SKIP);
        }
    }
    return renderer;
}

static struct vgl_resource_args args_of(const struct res_desc *d) {
    struct vgl_resource_args a = {
            .handle = d->handle ? d->handle : 1,
            .target = d->target % 9u,
            .format = d->format,
            .bind = d->bind,
            .width = d->width ? d->width : 1,
            .height = d->target % 9u == 0 ? 1 : (d->height ? d->height : 1),
            .depth = 1,
            .array_size = 1,
            .last_level = d->last_level & 7u,
    };
    if (a.target != 0) {
        a.width = 1 + (a.width & 0xffu); /* textures up to 256 x 255 */
    } else {
        a.width *= 16u; /* buffers up to ~1 MiB */
    }
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init_logging();
    struct vgl_renderer *const r = get_renderer();
    struct fuzz_input in = {data, size, 0};
    const uint8_t flags = fuzz_u8(&in);
    const unsigned k = (flags & 15u) % 9u;
    struct res_desc descs[MAX_RES];
    unsigned n = 0;
    if (k == 0) {
        n = sizeof(default_set) / sizeof(default_set[0]);
        memcpy(descs, default_set, sizeof(default_set));
    }
    for (; n < k; n++) {
        struct res_desc *d = &descs[n];
        d->handle = fuzz_u8(&in);
        d->target = fuzz_u8(&in);
        d->format = fuzz_u8(&in);
        d->bind = fuzz_u8(&in);
        d->width = (uint16_t)(fuzz_u8(&in) | fuzz_u8(&in) << 8);
        d->height = fuzz_u8(&in);
        d->last_level = fuzz_u8(&in);
    }
    in.pos = (in.pos + 3u) & ~(size_t)3u;
    if (in.pos > size) {
        in.pos = size;
    }

    const uint32_t ctx = 1;
    if (vgl_renderer_context_create(r, ctx, "fuzz") != VGL_OK) {
        return 0;
    }
    void *backing[MAX_RES] = {0};
    struct vgl_resource_args args[MAX_RES];
    bool made[MAX_RES] = {0};
    for (unsigned i = 0; i < n; i++) {
        args[i] = args_of(&descs[i]);
        if (vgl_renderer_resource_create(r, ctx, &args[i]) != VGL_OK) {
            continue;
        }
        made[i] = true;
        /* Room for the biggest format (16 bytes a texel) of level 0 and its mips. */
        const size_t bytes =
                args[i].target == 0 ? args[i].width : (size_t)args[i].width * args[i].height * 32u;
        backing[i] = calloc(1, bytes);
        if (backing[i]) {
            const struct iovec iov = {backing[i], bytes};
            vgl_renderer_resource_attach_backing(r, ctx, args[i].handle, &iov, 1);
        }
    }

    const size_t ndw = fuzz_left(&in) / 4;
    uint32_t *const cmds = malloc(ndw ? ndw * 4 : 4);
    if (cmds) {
        memcpy(cmds, data + in.pos, ndw * 4);
        if (flags & 0x80) {
            /* CREATE_SUB_CTX 1, SET_SUB_CTX 1: header = id | length << 16. */
            static const uint32_t preamble[] = {29u | 1u << 16, 1, 28u | 1u << 16, 1};
            vgl_renderer_submit(r, ctx, preamble, 4);
        }
        vgl_renderer_submit(r, ctx, cmds, ndw);
        free(cmds);
    }
    for (unsigned i = 0; i < n; i++) {
        if (made[i] && args[i].target != 0) {
            const struct vgl_transfer t = {
                    .handle = args[i].handle,
                    .box = {0, 0, 0, (int32_t)args[i].width, (int32_t)args[i].height, 1},
            };
            vgl_renderer_transfer_read(r, ctx, &t);
        }
    }
    vgl_renderer_wait_idle(r, ctx);
    vgl_renderer_poll(r);
    vgl_renderer_context_destroy(r, ctx);
    /* GL objects are invisible to LeakSanitizer: count what the renderer still holds. */
    struct vgl_renderer_usage usage;
    vgl_renderer_get_usage(r, &usage);
    if (usage.contexts || usage.sub_contexts || usage.resources || usage.objects || usage.fences ||
        usage.resource_bytes) {
        fprintf(stderr,
                "fuzz-decode-gl: the renderer still holds objects after the context died\n");
        abort();
    }
    for (unsigned i = 0; i < n; i++) {
        free(backing[i]);
    }
    return 0;
}
