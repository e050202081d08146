/* SPDX-License-Identifier: MIT */
/*
 * The VMM-side interposer (capture/vrend_capture.c) against a fake libvirglrenderer
 * (fake_vrend.c): the calls a VMM makes, hostile ones included, and the trace they leave. Each
 * test loads the interposer in its own process (the runner forks), as a VMM would preload it.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include <vgl/trace.h>
#include <vgl/trace_call.h>

#include "protocol/virgl_protocol.h"
#include "protocol/vrend_abi.h"
#include "test.h"

#define MAX_RECORDS 256

struct fake_vrend {
    int rc;
    int calls;
};

static struct vr_real vr; /* the interposer's exports */
static struct fake_vrend *fake;
static unsigned char (*pattern)(unsigned handle, unsigned long long offset);
static char trace[256];

struct rec {
    struct vgl_trace_call c;
    uint8_t data[4096];
};
static struct rec recs[MAX_RECORDS];
static size_t nrecs;

static void load(void) {
    setenv("VGL_CAPTURE_FILE", trace, 1);
    setenv("VGL_CAPTURE_LIB", VGL_FAKE_VREND, 1);
    void *lib = dlopen(VGL_INTERPOSER, RTLD_NOW | RTLD_LOCAL);
    void *fake_lib = dlopen(VGL_FAKE_VREND, RTLD_NOW | RTLD_LOCAL);
    CHECK(lib && fake_lib);
    const char *const required[] = {"virgl_renderer_submit_cmd", NULL};
    CHECK(vr_real_resolve(lib, &vr, required) == NULL);
    struct fake_vrend *(*state)(void) =
            (struct fake_vrend * (*)(void)) dlsym(fake_lib, "fake_vrend_state");
    pattern =
            (unsigned char (*)(unsigned, unsigned long long))dlsym(fake_lib, "fake_vrend_pattern");
    CHECK(state && pattern);
    fake = state();
    CHECK_EQ(vr.init(NULL, 0, NULL), 0);
}

/* Read every record of the trace back. */
static void read_trace(void) {
    struct vgl_trace_reader *r;
    CHECK_EQ(vgl_trace_reader_open(trace, &r), VGL_OK);
    struct vgl_trace_record rec;
    nrecs = 0;
    int rc;
    while ((rc = vgl_trace_reader_next(r, &rec)) > 0) {
        CHECK(nrecs < MAX_RECORDS);
        struct rec *o = &recs[nrecs++];
        CHECK_EQ(vgl_trace_call_parse(&rec, &o->c), VGL_OK);
        const uint32_t n = o->c.data_size < sizeof(o->data) ? o->c.data_size : sizeof(o->data);
        memcpy(o->data, o->c.data, n);
        o->c.data = o->data;
    }
    CHECK_EQ(rc, 0);
    vgl_trace_reader_destroy(r);
    unlink(trace);
}

/* Run `calls` as a VMM would: in a process of its own with the interposer loaded, which exits
 * (closing the trace, as the interposer does at exit). Then read the trace. */
static void capture(void (*calls)(void)) {
    snprintf(trace, sizeof(trace), "%s/vrend-capture-%d.vgz", VGL_BUILD_ROOT, (int)getpid());
    unlink(trace);
    fflush(NULL);
    const pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        load();
        calls();
        vr.cleanup(NULL);
        exit(0);
    }
    int status = 0;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    read_trace();
}

static size_t count(uint32_t type) {
    size_t n = 0;
    for (size_t i = 0; i < nrecs; i++) {
        n += recs[i].c.type == type;
    }
    return n;
}

/* The i-th record of `type`. */
static const struct vgl_trace_call *nth(uint32_t type, size_t i) {
    for (size_t k = 0; k < nrecs; k++) {
        if (recs[k].c.type == type && i-- == 0) {
            return &recs[k].c;
        }
    }
    CHECK(!"record missing");
    return NULL;
}

static struct vr_create_args buffer_args(uint32_t handle, uint32_t width, uint32_t bind) {
    return (struct vr_create_args){handle, 0, 64 /* R8_UNORM */, bind, width, 1, 1, 1, 0, 0, 0};
}

/* Resource `handle` of `bytes` bytes in context `ctx`, backed by three iovecs. */
static uint8_t backing[3][64];
static void make_buffer(uint32_t ctx, uint32_t handle, uint32_t bytes) {
    struct vr_create_args a = buffer_args(handle, bytes, 0x10);
    CHECK_EQ(vr.resource_create(&a, NULL, 0), 0);
    vr.ctx_attach_resource((int)ctx, (int)handle);
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 64; k++) {
            backing[i][k] = (uint8_t)(i * 64 + k);
        }
    }
    struct iovec iov[3] = {{backing[0], 10}, {backing[1], 20}, {backing[2], 34}};
    CHECK_EQ(vr.resource_attach_iov((int)handle, iov, 3), 0);
}

/* The byte at `offset` of the three-iovec backing (iovecs of 10, 20 and 34 bytes, byte k of
 * iovec i holding i * 64 + k), computed rather than read: the checks run in another process. */
static uint8_t backing_byte(uint64_t offset) {
    return (uint8_t)(offset < 10 ? offset : offset < 30 ? 64 + offset - 10 : 128 + offset - 30);
}

static void calls_resources_enter_the_trace_under_their_first_context(void) {
    CHECK_EQ(vr.context_create(1, 4, "vmm1"), 0);
    struct vr_create_args a = buffer_args(7, 64, 0x10);
    CHECK_EQ(vr.resource_create(&a, NULL, 0), 0);
    a.handle = 999; /* the VMM's struct changed afterwards: the capture copied it */
    vr.ctx_attach_resource(1, 7);
    CHECK_EQ(vr.context_create(2, 4, "vmm2"), 0);
    vr.ctx_attach_resource(2, 7);
    vr.resource_unref(7);
}

VGL_TEST(resources_enter_the_trace_under_their_first_context) {
    capture(calls_resources_enter_the_trace_under_their_first_context);
    CHECK_EQ(count(VGL_REC_RESOURCE_CREATE), 1);
    const struct vgl_trace_call *c = nth(VGL_REC_RESOURCE_CREATE, 0);
    CHECK_EQ(c->ctx, 1);
    CHECK_EQ(c->resource.handle, 7);
    CHECK_EQ(c->resource.width, 64);
    c = nth(VGL_REC_CTX_ATTACH, 0);
    CHECK_EQ(c->ctx, 2);
    CHECK_EQ(c->handle, 7);
    CHECK_EQ(c->source, 1);
    CHECK_EQ(nth(VGL_REC_RESOURCE_UNREF, 0)->ctx, 1);
    CHECK_EQ(count(VGL_REC_END), 1);
}

static void calls_transfers_record_the_guest_bytes_across_iovecs(void) {
    CHECK_EQ(vr.context_create(1, 1, "x"), 0);
    make_buffer(1, 3, 64);
    struct vr_box box = {5, 0, 0, 40, 1, 1};
    CHECK_EQ(vr.transfer_write_iov(3, 1, 0, 0, 0, &box, 5, NULL, 0), 0);
    /* A hostile box past the backing: forwarded, recorded, and no byte read past the end. */
    struct vr_box huge = {0, 0, 0, 0x7fffffff, 1, 1};
    vr.transfer_write_iov(3, 1, 0, 0, 0, &huge, 60, NULL, 0);
    vr.transfer_write_iov(3, 1, 0, 0, 0, &huge, UINT64_MAX, NULL, 0);
    vr.transfer_write_iov(3, 1, 0, 0, 0, NULL, 0, NULL, 0);
}

VGL_TEST(transfers_record_the_guest_bytes_across_iovecs) {
    capture(calls_transfers_record_the_guest_bytes_across_iovecs);
    CHECK_EQ(nth(VGL_REC_ATTACH_BACKING, 0)->value, 64);
    /* [5, 45) lies in all three iovecs: one GUEST_DATA per piece, each with its offset. */
    uint64_t covered = 0;
    size_t n = 0;
    for (size_t i = 0; i < nrecs; i++) {
        const struct vgl_trace_call *c = &recs[i].c;
        if (c->type == VGL_REC_TRANSFER_WRITE) {
            break;
        }
        if (c->type != VGL_REC_GUEST_DATA) {
            continue;
        }
        CHECK_EQ(c->handle, 3);
        CHECK_EQ(c->value, 5 + covered);
        for (uint32_t k = 0; k < c->data_size; k++) {
            CHECK_EQ(c->data[k], backing_byte(c->value + k));
        }
        covered += c->data_size;
        n++;
    }
    CHECK_EQ(n, 3);
    CHECK_EQ(covered, 40);
    CHECK_EQ(count(VGL_REC_TRANSFER_WRITE), 3); /* the NULL box is forwarded, not recorded */
    const struct vgl_trace_call *last = nth(VGL_REC_GUEST_DATA, count(VGL_REC_GUEST_DATA) - 1);
    CHECK_EQ(last->value + last->data_size, 64); /* clipped to the backing */
}

/* A submit whose commands read guest memory: TRANSFER3D of resource 3 and COPY_TRANSFER3D from
 * staging buffer 4, framed as Mesa frames them, plus hostile ones. */
static void calls_submits_record_what_their_transfers_read(void) {
    CHECK_EQ(vr.context_create(1, 1, "x"), 0);
    make_buffer(1, 3, 64);
    make_buffer(1, 4, 64);
    uint32_t cmds[128];
    uint32_t n = 0;
    cmds[n++] = VGL_CMD_HEADER(VGL_CCMD_TRANSFER3D, 0, 13);
    const uint32_t t3d[13] = {3, 0, 2, 0, 0, 2, 0, 0, 8, 1, 1, 2, VGL_TRANSFER_TO_HOST};
    memcpy(cmds + n, t3d, sizeof(t3d));
    n += 13;
    cmds[n++] = VGL_CMD_HEADER(VGL_CCMD_COPY_TRANSFER3D, 0, 14);
    const uint32_t copy[14] = {3, 0, 2, 16, 16, 0, 0, 0, 16, 1, 1, 4, 40, 1};
    memcpy(cmds + n, copy, sizeof(copy));
    n += 14;
    /* hostile: an unknown resource, an offset past the end, a box of 2^31 bytes */
    const uint32_t bad[13] = {77, 0, 2, 0, 0, 0, 0, 0, 8, 1, 1, 0, VGL_TRANSFER_TO_HOST};
    cmds[n++] = VGL_CMD_HEADER(VGL_CCMD_TRANSFER3D, 0, 13);
    memcpy(cmds + n, bad, sizeof(bad));
    n += 13;
    const uint32_t far[13] = {
            3, 0, 2, 0, 0, 0, 0, 0, 0x7fffffff, 1, 1, 0xfffffff0u, VGL_TRANSFER_TO_HOST};
    cmds[n++] = VGL_CMD_HEADER(VGL_CCMD_TRANSFER3D, 0, 13);
    memcpy(cmds + n, far, sizeof(far));
    n += 13;
    cmds[n++] = VGL_CMD_HEADER(VGL_CCMD_CLEAR, 0, 8);
    memset(cmds + n, 0, 8 * 4);
    n += 8;
    cmds[n++] = VGL_CMD_HEADER(VGL_CCMD_TRANSFER3D, 0, 13); /* runs past the buffer */
    CHECK_EQ(n, 67);
    CHECK_EQ(vr.submit_cmd(cmds, 1, (int)n), 0);
    fake->rc = 22;
    CHECK_EQ(vr.submit_cmd(cmds, 1, (int)n), 22); /* the library's answer passes through */
    fake->rc = 0;
}

VGL_TEST(submits_record_what_their_transfers_read) {
    capture(calls_submits_record_what_their_transfers_read);
    CHECK_EQ(count(VGL_REC_GUEST_DATA), 4);
    const struct vgl_trace_call *a = nth(VGL_REC_GUEST_DATA, 0), *b = nth(VGL_REC_GUEST_DATA, 1);
    CHECK_EQ(a->handle, 3);
    CHECK_EQ(a->value, 2);
    CHECK_EQ(a->data_size, 8);
    CHECK_EQ(a->data[0], backing_byte(2));
    CHECK_EQ(b->handle, 4);
    CHECK_EQ(b->value, 40);
    CHECK_EQ(b->data_size, 16);
    CHECK_EQ(b->data[15], backing_byte(55));
    CHECK_EQ(count(VGL_REC_SUBMIT), 2);
    CHECK_EQ(nth(VGL_REC_SUBMIT, 0)->status, VGL_OK);
    CHECK(nth(VGL_REC_SUBMIT, 1)->status != VGL_OK);
    CHECK_EQ(nth(VGL_REC_SUBMIT, 0)->value, 67);
    /* the CLEAR drew: a heuristic frame after the submit that succeeded, none after the other */
    CHECK_EQ(count(VGL_REC_FRAME_MARK), 1);
    CHECK_EQ(nth(VGL_REC_FRAME_MARK, 0)->source, VGL_FRAME_SOURCE_FLUSH);
}

static void calls_read_backs_of_render_targets_are_frames_with_checksums(void) {
    CHECK_EQ(vr.context_create(1, 1, "x"), 0);
    /* a 4x3 RGBA8 render target, backed by one iovec of 48 bytes */
    struct vr_create_args a = {9, 2, 67, 0x2, 4, 3, 1, 1, 0, 0, 0};
    CHECK_EQ(vr.resource_create(&a, NULL, 0), 0);
    vr.ctx_attach_resource(1, 9);
    static uint8_t mem[48];
    struct iovec iov = {mem, sizeof(mem)};
    CHECK_EQ(vr.resource_attach_iov(9, &iov, 1), 0);
    struct vr_box box = {0, 1, 0, 4, 2, 1}; /* rows 1 and 2 */
    CHECK_EQ(vr.transfer_read_iov(9, 1, 0, 0, 0, &box, 16, NULL, 0), 0);
}

VGL_TEST(read_backs_of_render_targets_are_frames_with_checksums) {
    capture(calls_read_backs_of_render_targets_are_frames_with_checksums);
    void *fake_lib = dlopen(VGL_FAKE_VREND, RTLD_NOW | RTLD_LOCAL);
    CHECK(fake_lib);
    pattern =
            (unsigned char (*)(unsigned, unsigned long long))dlsym(fake_lib, "fake_vrend_pattern");
    CHECK(pattern);
    const struct vgl_trace_call *f = nth(VGL_REC_FRAME, 0);
    uint8_t want[32];
    for (unsigned i = 0; i < 32; i++) {
        want[i] = pattern(9, 16 + i);
    }
    CHECK_EQ(f->frame.bytes, 32);
    CHECK_EQ(f->frame.crc, (uint32_t)crc32(crc32(0, NULL, 0), want, 32));
    CHECK_EQ(f->frame.w, 4);
    CHECK_EQ(f->ctx, 1);
}

/* QEMU's guests read back with COPY_TRANSFER3D into a staging buffer: a frame, summed there. */
static void calls_copy_read_backs_are_frames(void) {
    CHECK_EQ(vr.context_create(1, 1, "x"), 0);
    struct vr_create_args rt = {9, 2, 67, 0x2, 4, 3, 1, 1, 0, 0, 0};
    CHECK_EQ(vr.resource_create(&rt, NULL, 0), 0);
    vr.ctx_attach_resource(1, 9);
    make_buffer(1, 4, 64); /* the staging buffer: 64 bytes over three iovecs */
    uint32_t cmds[15] = {VGL_CMD_HEADER(VGL_CCMD_COPY_TRANSFER3D, 0, 14),
                         9,
                         0,
                         0,
                         16,
                         48,
                         0,
                         0,
                         0,
                         4,
                         2,
                         1,
                         4,
                         8,
                         1 | VGL_COPY_TRANSFER3D_READ_FROM_HOST};
    CHECK_EQ(vr.submit_cmd(cmds, 1, 15), 0);
    cmds[14] = 1; /* an upload is no frame */
    CHECK_EQ(vr.submit_cmd(cmds, 1, 15), 0);
}

VGL_TEST(copy_read_backs_are_frames) {
    capture(calls_copy_read_backs_are_frames);
    CHECK_EQ(count(VGL_REC_FRAME), 1);
    const struct vgl_trace_call *f = nth(VGL_REC_FRAME, 0);
    /* two rows of 16 bytes, 16 apart, from byte 8 of the staging backing */
    uint8_t want[32];
    for (unsigned i = 0; i < 32; i++) {
        want[i] = backing_byte(8 + i);
    }
    CHECK_EQ(f->handle, 9);
    CHECK_EQ(f->frame.bytes, 32);
    CHECK_EQ(f->frame.crc, (uint32_t)crc32(crc32(0, NULL, 0), want, 32));
    CHECK_EQ(f->frame.h, 2);
}

static void calls_scanouts_end_the_heuristic(void) {
    CHECK_EQ(vr.context_create(1, 1, "x"), 0);
    make_buffer(1, 3, 64);
    uint32_t clear[9] = {VGL_CMD_HEADER(VGL_CCMD_CLEAR, 0, 8)};
    CHECK_EQ(vr.submit_cmd(clear, 1, 9), 0);
    uint8_t info[64];
    CHECK_EQ(vr.resource_get_info(3, info), 0);
    CHECK_EQ(vr.resource_get_info(55, info), 0); /* not a resource of ours: no frame */
    CHECK_EQ(vr.submit_cmd(clear, 1, 9), 0);
    CHECK_EQ(vr.resource_get_info(3, info), 0);
    /* Another context (a program beside the VM's console) keeps its own frame marks. */
    CHECK_EQ(vr.context_create(2, 1, "y"), 0);
    CHECK_EQ(vr.submit_cmd(clear, 2, 9), 0);
}

VGL_TEST(scanouts_mark_frames_and_end_the_heuristic_of_their_context) {
    capture(calls_scanouts_end_the_heuristic);
    CHECK_EQ(count(VGL_REC_FRAME_MARK), 4);
    CHECK_EQ(nth(VGL_REC_FRAME_MARK, 0)->source, VGL_FRAME_SOURCE_FLUSH);
    CHECK_EQ(nth(VGL_REC_FRAME_MARK, 3)->source, VGL_FRAME_SOURCE_FLUSH);
    CHECK_EQ(nth(VGL_REC_FRAME_MARK, 3)->ctx, 2);
    CHECK_EQ(nth(VGL_REC_FRAME_MARK, 1)->source, VGL_FRAME_SOURCE_SCANOUT);
    CHECK_EQ(nth(VGL_REC_FRAME_MARK, 1)->handle, 3);
    CHECK_EQ(nth(VGL_REC_FRAME_MARK, 2)->source, VGL_FRAME_SOURCE_SCANOUT);
    CHECK_EQ(nth(VGL_REC_FRAME_MARK, 2)->frame.frame, 2);
}

static void calls_fences_of_context_zero_follow_the_last_submit(void) {
    CHECK_EQ(vr.context_create(4, 1, "x"), 0);
    uint32_t nop[1] = {VGL_CMD_HEADER(VGL_CCMD_NOP, 0, 0)};
    CHECK_EQ(vr.create_fence(1, 0), 0); /* nothing submitted yet: not recorded */
    CHECK_EQ(vr.submit_cmd(nop, 4, 1), 0);
    CHECK_EQ(vr.create_fence(2, 0), 0);
    CHECK_EQ(vr.context_create_fence(4, 0, 0, 0x100000003ull), 0);
}

VGL_TEST(fences_of_context_zero_follow_the_last_submit) {
    capture(calls_fences_of_context_zero_follow_the_last_submit);
    CHECK_EQ(count(VGL_REC_FENCE), 2);
    CHECK_EQ(nth(VGL_REC_FENCE, 0)->ctx, 4);
    CHECK_EQ(nth(VGL_REC_FENCE, 0)->value, 2);
    CHECK_EQ(nth(VGL_REC_FENCE, 1)->value, 0x100000003ull);
}

static void calls_blob_resources_stop_the_recording_cleanly(void) {
    CHECK_EQ(vr.context_create(1, 1, "x"), 0);
    uint32_t nop[1] = {VGL_CMD_HEADER(VGL_CCMD_NOP, 0, 0)};
    CHECK_EQ(vr.submit_cmd(nop, 1, 1), 0);
    uint8_t blob_args[64] = {0};
    CHECK_EQ(vr.resource_create_blob(blob_args), 0);
    const int calls = fake->calls;
    CHECK_EQ(vr.submit_cmd(nop, 1, 1), 0); /* still forwarded */
    CHECK_EQ(fake->calls, calls + 1);
}

VGL_TEST(blob_resources_stop_the_recording_cleanly) {
    capture(calls_blob_resources_stop_the_recording_cleanly);
    CHECK_EQ(count(VGL_REC_SUBMIT), 1);
    bool stopped = false;
    for (size_t i = 0; i < nrecs; i++) {
        const char *key, *value;
        for (uint32_t k = 0;
             recs[i].c.type == VGL_REC_INFO && vgl_trace_info_pair(&recs[i].c, k, &key, &value);
             k++) {
            stopped = stopped || (strcmp(key, "stopped") == 0 && strstr(value, "blob"));
        }
    }
    CHECK(stopped);
}

static void calls_reset_destroys_every_context_in_the_trace(void) {
    CHECK_EQ(vr.context_create(1, 1, "a"), 0);
    CHECK_EQ(vr.context_create_with_flags(2, 2, 1, "b"), 0);
    CHECK_EQ(vr.context_create_with_flags(3, 4 /* venus */, 1, "c"), 0);
    make_buffer(1, 3, 64);
    vr.reset();
    vr.resource_unref(3); /* gone with the reset: nothing more to record */
}

VGL_TEST(reset_destroys_every_context_in_the_trace) {
    capture(calls_reset_destroys_every_context_in_the_trace);
    CHECK_EQ(count(VGL_REC_CONTEXT_CREATE), 2);
    CHECK_EQ(count(VGL_REC_CONTEXT_DESTROY), 2);
    CHECK_EQ(count(VGL_REC_RESOURCE_UNREF), 0);
}

VGL_TEST(unset_capture_file_records_nothing) {
    unsetenv("VGL_CAPTURE_FILE");
    setenv("VGL_CAPTURE_LIB", VGL_FAKE_VREND, 1);
    void *lib = dlopen(VGL_INTERPOSER, RTLD_NOW | RTLD_LOCAL);
    CHECK(lib);
    CHECK(vr_real_resolve(lib, &vr, NULL) == NULL);
    CHECK_EQ(vr.init(NULL, 0, NULL), 0);
    CHECK_EQ(vr.context_create(1, 1, "x"), 0);
    vr.cleanup(NULL);
    dlclose(lib);
}
