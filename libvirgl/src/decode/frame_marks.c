/* SPDX-License-Identifier: MIT */
/* The clear heuristic for frames (frame_marks.h): a tracking sink over the decoder. */
#include <pthread.h>
#include <stdlib.h>

#include <vgl/frame_marks.h>

#include "common/hash_map.h"
#include "decode/decoder.h"

/* Clears of another target, with none of the current one between, that move the target. */
#define RETARGET_CLEARS 3u
#define COLOR_BUFFERS   (((1u << VGL_MAX_COLOR_BUFS) - 1) * VGL_CLEAR_COLOR0)

struct vgl_frame_marks {
    struct vgl_sink sink; /* first: the hooks get it */
    struct vgl_decoder dec;
    const uint32_t *buf;          /* the buffer being read */
    struct vgl_hash_map surfaces; /* surface handle -> resource handle (as a pointer-sized int) */
    uint32_t cbuf0;               /* surface bound as colour buffer 0 */
    uint32_t target;              /* resource whose colour clears start frames; 0: none yet */
    uint32_t other, other_clears; /* another resource cleared since the target last was */
    uint64_t drawn;               /* draw-like commands since the current frame started */
    uint32_t *out;
    size_t max, found;
};

static struct vgl_frame_marks *M(struct vgl_sink *s) {
    return (struct vgl_frame_marks *)s;
}

static enum vgl_status on_surface(struct vgl_sink *s, const struct vgl_cmd_surface *cmd) {
    struct vgl_frame_marks *m = M(s);
    vgl_hash_map_remove(&m->surfaces, cmd->handle);
    /* Out of memory only loses track of this surface. */
    vgl_hash_map_insert(&m->surfaces, cmd->handle, (void *)(uintptr_t)cmd->res);
    return VGL_OK;
}

static enum vgl_status on_destroy(struct vgl_sink *s, uint32_t type, uint32_t handle) {
    if (type == VGL_OBJECT_SURFACE) {
        vgl_hash_map_remove(&M(s)->surfaces, handle);
    }
    return VGL_OK;
}

static enum vgl_status on_framebuffer(struct vgl_sink *s, const struct vgl_cmd_framebuffer *fb) {
    M(s)->cbuf0 = fb->nr_cbufs > 0 ? fb->cbufs[0] : 0;
    return VGL_OK;
}

static void drew(struct vgl_frame_marks *m) {
    m->drawn++;
}

static enum vgl_status on_clear(struct vgl_sink *s, const struct vgl_cmd_clear *cmd) {
    struct vgl_frame_marks *m = M(s);
    const uint32_t res = (uint32_t)(uintptr_t)vgl_hash_map_get(&m->surfaces, m->cbuf0);
    if ((cmd->buffers & COLOR_BUFFERS) && res) {
        if (!m->target) {
            m->target = res; /* the first frame starts here, with what came before it */
            m->drawn = 0;
        } else if (res != m->target) {
            m->other_clears = res == m->other ? m->other_clears + 1 : 1;
            m->other = res;
            if (m->other_clears >= RETARGET_CLEARS) {
                m->target = res; /* the target moved (a resize): its clears start frames */
            }
        }
        if (res == m->target) {
            m->other_clears = 0;
            if (m->drawn > 0 && m->found < m->max) {
                m->out[m->found++] = (uint32_t)(s->cmd - m->buf);
            }
            m->drawn = 0;
        }
    }
    drew(m);
    return VGL_OK;
}

static enum vgl_status on_draw(struct vgl_sink *s, const struct vgl_cmd_draw *cmd) {
    drew(M(s));
    return VGL_OK;
}

static enum vgl_status on_blit(struct vgl_sink *s, const struct vgl_cmd_blit *cmd) {
    drew(M(s));
    return VGL_OK;
}

static struct vgl_sink_impl impl;
static pthread_once_t impl_once = PTHREAD_ONCE_INIT;

static void make_impl(void) {
    impl = vgl_null_sink_impl;
    impl.create_surface = on_surface;
    impl.destroy_object = on_destroy;
    impl.set_framebuffer_state = on_framebuffer;
    impl.clear = on_clear;
    impl.draw_vbo = on_draw;
    impl.blit = on_blit;
}

struct vgl_frame_marks *vgl_frame_marks_create(uint32_t ctx_id) {
    pthread_once(&impl_once, make_impl);
    struct vgl_frame_marks *m = calloc(1, sizeof(*m));
    if (!m) {
        return NULL;
    }
    vgl_sink_init(&m->sink, &impl);
    vgl_decoder_init(&m->dec, &m->sink, ctx_id);
    vgl_hash_map_init(&m->surfaces);
    return m;
}

void vgl_frame_marks_destroy(struct vgl_frame_marks *m) {
    if (m) {
        vgl_hash_map_finish(&m->surfaces);
        free(m);
    }
}

size_t vgl_frame_marks_submit(struct vgl_frame_marks *m, const uint32_t *cmds, size_t ndw,
                              uint32_t *out, size_t max) {
    m->buf = cmds;
    m->out = out;
    m->max = max;
    m->found = 0;
    /* A refused buffer breaks the decoder, which then refuses every later one. */
    vgl_decode_submit(&m->dec, cmds, ndw);
    return m->found;
}

bool vgl_frame_marks_have_target(const struct vgl_frame_marks *m) {
    return m->target != 0 && !m->dec.broken;
}

bool vgl_frame_marks_pending(const struct vgl_frame_marks *m) {
    return m->drawn > 0;
}

size_t vgl_submit_transfers(const uint32_t *cmds, size_t ndw, struct vgl_submit_transfer *out,
                            size_t max, uint64_t *draws) {
    size_t found = 0;
    uint64_t drawn = 0;
    for (size_t i = 0; i < ndw;) {
        const uint32_t id = VGL_CMD_ID(cmds[i]), len = VGL_CMD_LEN(cmds[i]);
        if (len > ndw - i - 1) {
            break;
        }
        const uint32_t *p = cmds + i + 1;
        drawn += vgl_decode_cmd_draws(id);
        const bool transfer = id == VGL_CCMD_TRANSFER3D && len == VGL_TRANSFER3D_LEN &&
                              p[12] == VGL_TRANSFER_TO_HOST;
        const bool copy = id == VGL_CCMD_COPY_TRANSFER3D && len == VGL_COPY_TRANSFER3D_LEN;
        if ((transfer || copy) && found < max) {
            out[found++] = (struct vgl_submit_transfer){
                    .res = p[0],
                    .level = p[1],
                    .stride = p[3],
                    .layer_stride = p[4],
                    .box = {(int32_t)p[5], (int32_t)p[6], (int32_t)p[7], (int32_t)p[8],
                            (int32_t)p[9], (int32_t)p[10]},
                    .mem_res = copy ? p[11] : p[0],
                    .offset = copy ? p[12] : p[11],
                    .to_host = transfer || (p[13] & VGL_COPY_TRANSFER3D_READ_FROM_HOST) == 0,
            };
        }
        i += 1 + (size_t)len;
    }
    if (draws) {
        *draws = drawn;
    }
    return found;
}
