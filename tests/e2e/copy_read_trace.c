/* SPDX-License-Identifier: MIT */
/*
 * Test helper for tests/e2e/test_vmm_capture.py: writes the trace a VM guest leaves when its
 * host offers COPY_TRANSFER_BOTH_DIRECTIONS (QEMU does, virgl_test_server hides it), through the
 * public trace codec. A 4x4 RGBA8 render target is uploaded with COPY_TRANSFER3D from a staging
 * buffer, then read back with COPY_TRANSFER3D READ_FROM_HOST into another part of that buffer;
 * the FRAME record after the SUBMIT holds the CRC-32 of the pixels, which a replay on either
 * renderer must find in its staging backing.
 *
 * Usage: vgl-copy-read-trace OUT.vgz
 */
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include <vgl/trace_call.h>

#include "protocol/virgl_protocol.h"

#define W       4
#define H       4
#define STAGING 4096u
#define READ_AT 1024u /* where the read-back lands in the staging buffer */
#define RT      1u
#define BUF     2u
#define CTX     1u

static struct vgl_trace_writer *w;
static bool ok = true;

static void put(struct vgl_trace_call c) {
    ok = ok && vgl_trace_writer_add_call(w, &c) == VGL_OK;
}

static size_t copy_cmd(uint32_t *out, uint32_t offset, uint32_t flags) {
    out[0] = VGL_CMD_HEADER(VGL_CCMD_COPY_TRANSFER3D, 0, VGL_COPY_TRANSFER3D_LEN);
    const uint32_t p[14] = {RT, 0, 0, W * 4, W * 4 * H, 0, 0, 0, W, H, 1, BUF, offset, flags};
    memcpy(out + 1, p, sizeof(p));
    return 15;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT.vgz\n", argv[0]);
        return 2;
    }
    if (vgl_trace_writer_create(argv[1], &w) != VGL_OK) {
        return 1;
    }
    uint8_t pixels[W * H * 4];
    for (unsigned i = 0; i < sizeof(pixels); i++) {
        pixels[i] = (uint8_t)(i * 37u + 11u);
    }
    put((struct vgl_trace_call){.type = VGL_REC_CONTEXT_CREATE, .ctx = CTX});
    /* render target: PIPE_TEXTURE_2D, R8G8B8A8_UNORM (67), BIND_RENDER_TARGET | SAMPLER_VIEW */
    put((struct vgl_trace_call){.type = VGL_REC_RESOURCE_CREATE,
                                .ctx = CTX,
                                .resource = {RT, 2, 67, 0xa, W, H, 1, 1, 0, 0, 0}});
    /* staging buffer: PIPE_BUFFER, R8_UNORM (64), VIRGL_BIND_STAGING */
    put((struct vgl_trace_call){.type = VGL_REC_RESOURCE_CREATE,
                                .ctx = CTX,
                                .resource = {BUF, 0, 64, 1u << 19, STAGING, 1, 1, 1, 0, 0, 0}});
    put((struct vgl_trace_call){
            .type = VGL_REC_ATTACH_BACKING, .ctx = CTX, .handle = BUF, .value = STAGING});
    put((struct vgl_trace_call){.type = VGL_REC_GUEST_DATA,
                                .ctx = CTX,
                                .handle = BUF,
                                .value = 0,
                                .data = pixels,
                                .data_size = sizeof(pixels)});
    uint32_t cmds[32];
    size_t n = copy_cmd(cmds, 0, 1 /* SYNCHRONIZED: upload */);
    n += copy_cmd(cmds + n, READ_AT, 1 | VGL_COPY_TRANSFER3D_READ_FROM_HOST);
    uint8_t bytes[sizeof(cmds)];
    for (size_t i = 0; i < n; i++) {
        memcpy(bytes + 4 * i, &cmds[i], 4); /* little-endian hosts, as the capture */
    }
    put((struct vgl_trace_call){.type = VGL_REC_SUBMIT,
                                .ctx = CTX,
                                .value = n,
                                .data = bytes,
                                .data_size = (uint32_t)(4 * n)});
    put((struct vgl_trace_call){
            .type = VGL_REC_FRAME,
            .ctx = CTX,
            .frame = {RT, 0, 67, W, H, sizeof(pixels),
                      (uint32_t)crc32(crc32(0, NULL, 0), pixels, sizeof(pixels))},
    });
    put((struct vgl_trace_call){.type = VGL_REC_CONTEXT_DESTROY, .ctx = CTX});
    put((struct vgl_trace_call){.type = VGL_REC_END});
    ok = vgl_trace_writer_destroy(w) == VGL_OK && ok;
    return ok ? 0 : 1;
}
