/* SPDX-License-Identifier: MIT */
/*
 * fuzz-vrend: the VMM-side interposer (libvgl-capture-vrend.so) on a fake libvirglrenderer
 * (tests/unit/fake_vrend.c), both loaded with dlopen as a VMM would load them. The input is a
 * list of calls a VMM could make on a guest's behalf: {u8 op, fields...}, with hostile resource
 * arguments, backings, boxes, offsets and command buffers (the guest's bytes, which the
 * interposer walks). Guest memory is a pool the fake VMM owns; every iovec lies inside it.
 * The trace goes to a file in /dev/shm that is emptied after every input.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fuzz.h"
#include "protocol/vrend_abi.h"

#define POOL     4096
#define MAX_IOVS 8
#define MAX_OPS  256

static struct vr_real vr;
static char trace[64];
static uint8_t pool[POOL];
/* The iovec arrays the fake VMM attached: the library keeps pointing at them. */
static struct iovec iovs[16][MAX_IOVS];

static void remove_trace(void) {
    unlink(trace);
}

static void load(void) {
    static int done;
    if (done) {
        return;
    }
    done = 1;
    snprintf(trace, sizeof(trace), "/dev/shm/vgl-fuzz-vrend-%d.vgz", (int)getpid());
    setenv("VGL_CAPTURE_FILE", trace, 1);
    setenv("VGL_CAPTURE_LIB", VGL_FAKE_VREND, 1);
    void *lib = dlopen(VGL_INTERPOSER, RTLD_NOW | RTLD_LOCAL);
    if (!lib || vr_real_resolve(lib, &vr, NULL) || !vr.submit_cmd) {
        fprintf(stderr, "fuzz-vrend: cannot load %s: %s\n", VGL_INTERPOSER, dlerror());
        abort();
    }
    atexit(remove_trace);
    vr.init(NULL, 0, NULL);
}

static struct vr_box take_box(struct fuzz_input *in) {
    struct vr_box b;
    b.x = fuzz_u32(in);
    b.y = fuzz_u32(in);
    b.z = fuzz_u32(in);
    b.w = fuzz_u32(in);
    b.h = fuzz_u32(in);
    b.d = fuzz_u32(in);
    return b;
}

static uint64_t take_u64(struct fuzz_input *in) {
    const uint64_t lo = fuzz_u32(in);
    return lo | (uint64_t)fuzz_u32(in) << 32;
}

static void one_call(struct fuzz_input *in) {
    const uint8_t op = fuzz_u8(in) % 14;
    const uint32_t ctx = fuzz_u8(in) % 4, handle = fuzz_u8(in) % 16;
    switch (op) {
    case 0:
        vr.context_create(ctx, 3, "vmm");
        break;
    case 1: {
        static const uint32_t formats[] = {1, 2, 64, 67, 0x1b /* BC1 */, 0xffff};
        struct vr_create_args a = {handle,
                                   fuzz_u8(in) % 10,
                                   formats[fuzz_u8(in) % 6],
                                   fuzz_u32(in),
                                   fuzz_u32(in) % 70000,
                                   fuzz_u32(in) % 70000,
                                   fuzz_u8(in),
                                   fuzz_u8(in),
                                   fuzz_u8(in) % 16,
                                   fuzz_u8(in) % 9,
                                   0};
        vr.resource_create(&a, NULL, 0);
        break;
    }
    case 2:
        vr.ctx_attach_resource((int)ctx, (int)handle);
        break;
    case 3: {
        struct iovec *iov = iovs[handle];
        const unsigned n = fuzz_u8(in) % (MAX_IOVS + 1);
        for (unsigned i = 0; i < n; i++) {
            const unsigned at = (fuzz_u8(in) * 16u) % POOL;
            iov[i] = (struct iovec){pool + at, (fuzz_u8(in) * 4u) % (POOL - at + 1)};
        }
        vr.resource_attach_iov((int)handle, iov, (int)n);
        break;
    }
    case 4:
    case 5: {
        const uint32_t level = fuzz_u8(in), stride = fuzz_u32(in), layer_stride = fuzz_u32(in);
        struct vr_box box = take_box(in);
        const uint64_t offset = take_u64(in);
        if (op == 4) {
            vr.transfer_write_iov(handle, ctx, (int)level, stride, layer_stride, &box, offset, NULL,
                                  0);
        } else {
            vr.transfer_read_iov(handle, ctx, level, stride, layer_stride, &box, offset, NULL, 0);
        }
        break;
    }
    case 6: {
        /* The rest of the input, up to 1024 dwords, is the command buffer. */
        uint32_t cmds[1024];
        size_t ndw = fuzz_left(in) / 4;
        ndw = ndw > 1024 ? 1024 : ndw;
        for (size_t i = 0; i < ndw; i++) {
            cmds[i] = fuzz_u32(in);
        }
        vr.submit_cmd(cmds, (int)ctx, (int)ndw);
        break;
    }
    case 7: {
        struct iovec *iov = NULL;
        int n = 0;
        vr.resource_detach_iov((int)handle, &iov, &n);
        break;
    }
    case 8:
        vr.resource_unref(handle);
        break;
    case 9:
        vr.context_destroy(ctx);
        break;
    case 10: {
        uint8_t info[64];
        vr.resource_get_info((int)handle, info);
        break;
    }
    case 11:
        vr.create_fence((int)fuzz_u32(in), ctx);
        break;
    case 12:
        vr.context_create_fence(ctx, 0, 0, take_u64(in));
        break;
    default:
        vr.ctx_detach_resource((int)ctx, (int)handle);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    load();
    for (size_t i = 0; i < POOL; i++) {
        pool[i] = (uint8_t)(i * 31u);
    }
    struct fuzz_input in = {data, size, 0};
    for (int n = 0; n < MAX_OPS && fuzz_left(&in) > 0; n++) {
        one_call(&in);
    }
    vr.reset(); /* every context and resource gone: the next input starts afresh */
    truncate(trace, 0);
    return 0;
}
