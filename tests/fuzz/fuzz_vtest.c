/* SPDX-License-Identifier: MIT */
/*
 * fuzz-vtest: the vtest server's protocol state machine without sockets. The input is the byte
 * stream of one connection (as VGL_SEED_DIR records it); replies are checked for framing and
 * dropped. One renderer for the whole run, one client (and so one context) per input.
 *
 */
#include <vgl/renderer.h>

#include "capture.h"
#include "fuzz.h"
#include "vtest_server.h"

/*
 * Kept for the whole run and never destroyed: eglTerminate unloads the host driver, and what the
 * driver leaks then shows up with frames of an unloaded module that no suppression can name.
 * Teardown of the renderer is covered by the unit tests (valgrind and ASan).
 */
static struct vgl_renderer *renderer;
static struct vgl_capture *capture;
static uint32_t ctx_counter = 1;

static struct vgl_capture *get_capture(void) {
    if (!capture) {
        enum vgl_status st = vgl_renderer_create(NULL, &renderer);
        if (st == VGL_OK) {
            st = vgl_capture_create(renderer, NULL, &capture);
        }
        if (st != VGL_OK) {
            fprintf(stderr, "fuzz-vtest: no usable host GL (%s): skipped\n", vgl_status_str(st));
            exit(FUZZ_EXIT_SKIP);
        }
    }
    return capture;
}

static size_t replied;

static enum vgl_status reply(void *user, const void *data, size_t size, int fd) {
    (void)user;
    (void)fd; /* the client closes its own descriptors */
    if (size && !data) {
        abort();
    }
    /* Touch every byte so ASan checks the whole reply lies in valid memory. */
    const volatile uint8_t *p = data;
    uint8_t sum = 0;
    for (size_t i = 0; i < size; i++) {
        sum ^= p[i];
    }
    replied += size + sum * 0u;
    return VGL_OK;
}

static const struct vgl_vtest_io io = {reply};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init_logging();
    struct vgl_capture *const cap = get_capture();
    struct vgl_vtest_client *cl = NULL;
    ctx_counter = 1; /* the same context id for every input: runs are reproducible */
    if (vgl_vtest_client_create(cap, 1, &ctx_counter, &io, NULL, &cl) != VGL_OK) {
        return 0;
    }
    vgl_vtest_client_set_peer(cl, 1, "fuzz");
    /* feed copies into the space the client offers, as the server reads a socket, so messages
     * longer than one read are assembled across several. */
    vgl_vtest_client_feed(cl, data, size);
    (void)vgl_vtest_client_has_partial(cl);
    vgl_vtest_client_destroy(cl);

    struct vgl_renderer_usage usage;
    vgl_renderer_get_usage(renderer, &usage);
    if (usage.contexts || usage.resources || usage.objects || usage.resource_bytes) {
        fprintf(stderr, "fuzz-vtest: the renderer still holds objects after the client left\n");
        abort();
    }
    return 0;
}
