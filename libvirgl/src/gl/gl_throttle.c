/* SPDX-License-Identifier: MIT */
/*
 * Work in flight. A host driver may queue any amount of rendering before it runs it: llvmpipe
 * bins scenes ahead of its rasterizer threads, up to 64 of them and tens of MiB each. A guest
 * that never waits (a headless benchmark, a replay with no read-backs) would leave a GiB of
 * queued work in the driver. The renderer puts a fence after every `queued_vertices` (an option)
 * of draws and, with THROTTLE_DEPTH fences pending, waits for the oldest: the driver then holds
 * at most that much work, which still keeps it busy while the renderer decodes the next commands.
 *
 * Measured on llvmpipe (docs/performance.md), the queue costs about 300 bytes per vertex. Serving
 * glmark2, fences of 256 Ki vertices keep the server near 250 MiB at the unbounded queue's
 * frames/s, where 64 Ki cost a tenth of them. virgl-replay takes 64 Ki all the same: only there
 * does its peak stay flat however long the trace (llvmpipe keeps every scene it ever queued),
 * for about a tenth of its speed.
 */
#include "gl/gl_internal.h"

/* What one draw counts beside its vertices. */
#define THROTTLE_DRAW_COST 256u

/* How long one wait for the oldest fence may take before the renderer stops waiting on it. */
#define THROTTLE_WAIT_NS (10ull * 1000 * 1000 * 1000)

static void drop_oldest(struct gl_throttle *t) {
    glDeleteSync(t->fence[t->head]);
    t->fence[t->head] = NULL;
    t->head = (t->head + 1) % THROTTLE_DEPTH;
    t->count--;
}

void vgl_gl_throttle_draw(struct vgl_renderer *r, uint64_t vertices) {
    struct gl_throttle *t = &r->throttle;
    t->work += vertices + THROTTLE_DRAW_COST;
    if (t->work < r->limits.queued_vertices) {
        return;
    }
    t->work = 0;
    if (t->count == THROTTLE_DEPTH) {
        const GLenum got =
                glClientWaitSync(t->fence[t->head], GL_SYNC_FLUSH_COMMANDS_BIT, THROTTLE_WAIT_NS);
        if (got == GL_TIMEOUT_EXPIRED || got == GL_WAIT_FAILED) {
            vgl_log(VGL_LOG_WARN, "host work did not finish in %llu s; not waiting for it",
                    THROTTLE_WAIT_NS / 1000000000ull);
        }
        drop_oldest(t);
    }
    const GLsync fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    if (fence) {
        t->fence[(t->head + t->count) % THROTTLE_DEPTH] = fence;
        t->count++;
    }
    /* Start the queued work now rather than when the driver's queue is full. */
    glFlush();
}

void vgl_gl_throttle_idle(struct vgl_renderer *r) {
    while (r->throttle.count) {
        drop_oldest(&r->throttle);
    }
    r->throttle.work = 0;
}
