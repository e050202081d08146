/* SPDX-License-Identifier: MIT */
/*
 * Where frames start in a context's command stream, for captures where nothing else marks them
 * (no read-backs, no scanout): a heuristic on what the stream carries. The colour buffer that
 * the context clears first is its frame target; each later colour clear of that target, after
 * something was drawn, starts a new frame. A program that renders into another target and
 * never clears it again (a resize) moves the target after three clears there. The commands are
 * read through the decoder (the one command table) with a sink that only tracks surfaces, the
 * framebuffer and clears; nothing is rendered.
 */
#ifndef VGL_FRAME_MARKS_H
#define VGL_FRAME_MARKS_H

#include <stddef.h>
#include <stdint.h>

#include <vgl/common.h>
#include <vgl/renderer.h>

struct vgl_frame_marks;

/* NULL when out of memory. */
VGL_API struct vgl_frame_marks *vgl_frame_marks_create(uint32_t ctx_id);
VGL_API void vgl_frame_marks_destroy(struct vgl_frame_marks *m); /* NULL: no-op */

/*
 * Read one submitted buffer. Writes the dword offsets of the commands that start a new frame
 * to out (at most `max`; more are not reported) and returns how many it wrote. A buffer the
 * decoder refuses stops the marking of this context for good (0 from then on).
 */
VGL_API size_t vgl_frame_marks_submit(struct vgl_frame_marks *m, const uint32_t *cmds, size_t ndw,
                                      uint32_t *out, size_t max);

/* Whether the context has a frame target (then its frames are known from clears). */
VGL_API bool vgl_frame_marks_have_target(const struct vgl_frame_marks *m);

/* Whether something was drawn since the last frame started: the context's last frame. */
VGL_API bool vgl_frame_marks_pending(const struct vgl_frame_marks *m);

/*
 * The transfers a submitted buffer makes between guest memory and host resources, in order:
 * TRANSFER3D to the host, from resource `res`'s own backing (mem_res == res), and
 * COPY_TRANSFER3D either way, with the guest bytes in staging buffer `mem_res`. A COPY_TRANSFER3D
 * from the host is a read-back inside the submit: Mesa's, where the host offers
 * COPY_TRANSFER_BOTH_DIRECTIONS (QEMU does). Framing only (the command table's lengths); at most
 * `max` are written to out; returns how many. *draws, when not NULL, gets the number of
 * draw-like commands (vgl_decode_cmd_draws).
 */
struct vgl_submit_transfer {
    uint32_t res, level, stride, layer_stride;
    struct vgl_box box;
    uint32_t mem_res;
    uint32_t offset; /* of the box in mem_res's backing */
    bool to_host;
};
VGL_API size_t vgl_submit_transfers(const uint32_t *cmds, size_t ndw,
                                    struct vgl_submit_transfer *out, size_t max, uint64_t *draws);

#endif
