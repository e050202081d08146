/* SPDX-License-Identifier: MIT */
/*
 * Stream output (transform feedback): targets, SET_STREAMOUT_TARGETS, a program's captured
 * varyings, capture around draws, and the vertex count of DRAW_AUTO. Gallium keeps appending to
 * bound targets across draws until targets are set again; GL restarts at
 * glBeginTransformFeedback and needs the same program while resumed. So each captured draw
 * begins and ends transform feedback, with the buffers bound at write offsets tracked here: the
 * primitives a draw writes are its whole primitives, fewer when a buffer runs out of room (GL
 * and gallium both stop there), and the host's count where primitive restart or a geometry
 * shader decides. Draws through the translator's own geometry shader (unfilled polygons with
 * edge flags, quads) capture nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/debug.h"
#include "common/util.h"
#include "gl/gl_internal.h"
#include "gl/gl_program.h"

#define FAIL(s, status, ...) vgl_sink_set_error(s, status, __VA_ARGS__)

static enum vgl_status create_so_target(struct vgl_sink *s, const struct vgl_cmd_so_target *cmd) {
    struct gl_context *ctx = vgl_gl_ctx_of(s);
    struct gl_resource *res = vgl_gl_resource_get(ctx, cmd->res);
    if (!res || res->fmt) {
        return FAIL(s, VGL_ERROR_NOT_FOUND, "streamout target %u: no buffer resource %u",
                    cmd->handle, cmd->res);
    }
    const uint64_t end = (uint64_t)cmd->buffer_offset + cmd->buffer_size;
    if (cmd->buffer_offset % 4 != 0 || end > res->args.width) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT,
                    "streamout target %u: range %u+%u outside buffer %u (%u bytes) or unaligned",
                    cmd->handle, cmd->buffer_offset, cmd->buffer_size, cmd->res, res->args.width);
    }
    struct gl_so_target *t = calloc(1, sizeof(*t));
    if (!t) {
        return FAIL(s, VGL_ERROR_NO_MEMORY, "out of memory");
    }
    t->res = res;
    vgl_gl_resource_ref(res);
    t->offset = cmd->buffer_offset;
    t->size = cmd->buffer_size & ~3u; /* GL binds ranges in whole dwords */
    return vgl_gl_object_insert(s, &t->base, VGL_OBJECT_STREAMOUT_TARGET, cmd->handle);
}

static enum vgl_status set_so_targets(struct vgl_sink *s, uint32_t append, uint32_t count,
                                      const uint32_t *handles) {
    struct gl_sub_ctx *sub = vgl_gl_ctx_of(s)->sub;
    struct gl_so_target *t[4] = {0};
    if (count > 4) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "%u streamout targets", count);
    }
    for (uint32_t i = 0; i < count; i++) {
        if (handles[i] &&
            !(t[i] = vgl_gl_object_get(sub, handles[i], VGL_OBJECT_STREAMOUT_TARGET))) {
            return FAIL(s, VGL_ERROR_NOT_FOUND, "streamout target %u not found", handles[i]);
        }
    }
    /* Mesa 22.3.6 sends no append bits (offsets of -1): glBeginTransformFeedback makes a new
     * target for the first buffer (the old one stays for glDrawTransformFeedback), while a resume,
     * or a restore around its own draws, binds the same targets again. So a set whose first
     * target was bound before appends, a set with a new first target starts over. */
    struct gl_so_target *first = NULL;
    for (uint32_t i = 0; i < count && !first; i++) {
        first = t[i];
    }
    const bool resumed = first && first->bound_before;
    for (uint32_t i = 0; i < 4; i++) {
        if (t[i] && !resumed && !(append >> i & 1)) {
            t[i]->written = 0;
        }
        if (t[i]) {
            t[i]->bound_before = true;
        }
        VGL_GL_REBIND(sub, sub->so_targets[i], t[i]);
    }
    if (first) {
        VGL_GL_REBIND(sub, sub->so_draw_target, first);
    }
    return VGL_OK;
}

/* GLES: one array a buffer (the translator's vgl_sob<b>), each into its own binding. */
static uint8_t set_packed_varyings(GLuint program, const struct vgl_stream_output *so,
                                   uint8_t mask) {
    static const char *const arrays[4] = {"vgl_sob0", "vgl_sob1", "vgl_sob2", "vgl_sob3"};
    const char *names[4];
    GLsizei n = 0;
    for (uint32_t b = 0; b < 4; b++) {
        if (mask >> b & 1) {
            names[n++] = arrays[b];
        }
    }
    glTransformFeedbackVaryings(program, n, names, GL_SEPARATE_ATTRIBS);
    return mask;
}

/* The host binding of buffer b: b itself, or its rank among the buffers written (GLES). */
static GLuint so_binding(const struct vgl_renderer *r, uint8_t mask, uint32_t b) {
    return r->gles ? (GLuint)__builtin_popcount(mask & ((1u << b) - 1)) : b;
}

uint8_t vgl_gl_so_set_varyings(const struct vgl_renderer *r, GLuint program,
                               const struct vgl_stream_output *so) {
    static const char *const skips[4] = {"gl_SkipComponents1", "gl_SkipComponents2",
                                         "gl_SkipComponents3", "gl_SkipComponents4"};
    /* Outputs, gaps (at most stride / 4 + outputs + 1 entries a buffer) and buffer switches. */
    const char *names[VGL_SHADER_MAX_SO_OUTPUTS +
                      4 * (VGL_SHADER_MAX_SO_STRIDE / 4 + VGL_SHADER_MAX_SO_OUTPUTS + 1) + 3];
    char own[VGL_SHADER_MAX_SO_OUTPUTS][24];
    uint32_t n = 0;
    uint8_t mask = 0;
    for (uint32_t i = 0; i < so->num_outputs; i++) {
        mask |= (uint8_t)(1u << so->outputs[i].buffer);
    }
    if (!mask) {
        return 0;
    }
    if (r->gles) {
        return set_packed_varyings(program, so, mask);
    }
    const uint32_t last = 31 - (uint32_t)__builtin_clz(mask);
    for (uint32_t b = 0; b <= last; b++) {
        if (b) {
            names[n++] = "gl_NextBuffer";
        }
        if (!(mask >> b & 1)) {
            continue;
        }
        uint32_t pos = 0;
        for (;;) {
            int next = -1; /* the output of this buffer with the lowest offset from pos on */
            for (uint32_t i = 0; i < so->num_outputs; i++) {
                const struct vgl_so_output *o = &so->outputs[i];
                if (o->buffer == b && o->offset >= pos &&
                    (next < 0 || o->offset < so->outputs[next].offset)) {
                    next = (int)i;
                }
            }
            const uint32_t end = next < 0 ? so->stride[b] : so->outputs[next].offset;
            for (; pos < end; pos += pos + 4 <= end ? 4 : end - pos) {
                names[n++] = skips[(end - pos >= 4 ? 4 : end - pos) - 1];
            }
            if (next < 0) {
                break;
            }
            snprintf(own[next], sizeof(own[next]), "vgl_so_%d", next);
            names[n++] = own[next];
            pos += so->outputs[next].num;
        }
    }
    glTransformFeedbackVaryings(program, (GLsizei)n, names, GL_INTERLEAVED_ATTRIBS);
    return mask;
}

const struct vgl_stream_output *vgl_gl_so_of(const struct gl_sub_ctx *sub) {
    const struct gl_shader *sh = vgl_gl_shader(sub, VGL_SHADER_GEOMETRY);
    if (!sh) {
        sh = vgl_gl_shader(sub, VGL_SHADER_VERTEX);
    }
    return sh && sh->parsed ? vgl_shader_get_stream_output(sh->parsed) : NULL;
}

bool vgl_gl_so_bound(const struct gl_sub_ctx *sub) {
    const bool any =
            sub->so_targets[0] || sub->so_targets[1] || sub->so_targets[2] || sub->so_targets[3];
    return any && vgl_gl_so_of(sub);
}

/* Whether buffer b's records have dwords no output writes (gl_SkipComponents on the guest). */
static bool has_gaps(const struct vgl_stream_output *so, uint32_t b) {
    uint64_t covered[VGL_SHADER_MAX_SO_STRIDE / 64 + 1] = {0};
    for (uint32_t i = 0; i < so->num_outputs; i++) {
        const struct vgl_so_output *o = &so->outputs[i];
        for (uint32_t d = o->offset; o->buffer == b && d < o->offset + o->num; d++) {
            if (d < VGL_SHADER_MAX_SO_STRIDE) {
                covered[d / 64] |= 1ull << (d % 64);
            }
        }
    }
    for (uint32_t d = 0; d < so->stride[b] && d < VGL_SHADER_MAX_SO_STRIDE; d++) {
        if (!(covered[d / 64] >> (d % 64) & 1)) {
            return true;
        }
    }
    return false;
}

/* A copy of `size` bytes of buffer `id` at `offset` (NULL when out of memory). */
static uint8_t *buffer_copy(GLuint id, uint64_t offset, uint64_t size) {
    uint8_t *copy = malloc(size ? size : 1);
    glBindBuffer(GL_COPY_READ_BUFFER, id);
    const void *p = copy && size ? glMapBufferRange(GL_COPY_READ_BUFFER, (GLintptr)offset,
                                                    (GLsizeiptr)size, GL_MAP_READ_BIT)
                                 : NULL;
    if (p) {
        memcpy(copy, p, size);
        glUnmapBuffer(GL_COPY_READ_BUFFER);
    }
    glBindBuffer(GL_COPY_READ_BUFFER, 0);
    if (size && !p) {
        free(copy);
        return NULL;
    }
    return copy;
}

/* The gap dwords of the `bytes` the draw wrote at `offset` of buffer b, back as they were. */
static void restore_gaps(const struct vgl_stream_output *so, uint32_t b, GLuint id, uint64_t offset,
                         uint64_t bytes, const uint8_t *before) {
    const uint64_t record = (uint64_t)so->stride[b] * 4;
    if (!bytes || !record) {
        return;
    }
    glBindBuffer(GL_COPY_WRITE_BUFFER, id);
    uint8_t *p = glMapBufferRange(GL_COPY_WRITE_BUFFER, (GLintptr)offset, (GLsizeiptr)bytes,
                                  GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    for (uint32_t d = 0; p && d < so->stride[b]; d++) {
        bool written = false;
        for (uint32_t i = 0; i < so->num_outputs && !written; i++) {
            const struct vgl_so_output *o = &so->outputs[i];
            written = o->buffer == b && d >= o->offset && d < o->offset + o->num;
        }
        for (uint64_t at = (uint64_t)d * 4; !written && at + 4 <= bytes; at += record) {
            memcpy(p + at, before + at, 4);
        }
    }
    if (p) {
        glUnmapBuffer(GL_COPY_WRITE_BUFFER);
    }
    glBindBuffer(GL_COPY_WRITE_BUFFER, 0);
}

void vgl_gl_so_begin(struct gl_sub_ctx *sub, const struct gl_program *p,
                     const struct vgl_cmd_draw *d, struct gl_so_draw *sd) {
    memset(sd, 0, sizeof(*sd));
    const struct vgl_stream_output *so = vgl_gl_so_of(sub);
    if (!p->so_buffers || !so || sub->so_captured) {
        return;
    }
    uint8_t bound = 0;
    for (uint32_t b = 0; b < 4; b++) {
        bound |= sub->so_targets[b] ? (uint8_t)(1u << b) : 0;
    }
    if (!bound) {
        return;
    }
    if ((p->so_buffers & bound) != p->so_buffers) {
        vgl_log(VGL_LOG_DEBUG, "stream output to unbound buffers (%#x of %#x): not captured",
                p->so_buffers & ~bound, p->so_buffers);
        return;
    }
    /* Whole primitives of the draw, as transform feedback writes them. */
    const uint64_t c = d->count;
    uint64_t prims;
    uint32_t vpp;
    GLenum prim;
    const struct gl_shader *gs = vgl_gl_shader(sub, VGL_SHADER_GEOMETRY);
    const uint32_t mode = gs ? vgl_shader_get_info(gs->parsed)->gs_output_prim : d->mode;
    switch (mode) {
    case 0:
        prims = c, vpp = 1, prim = GL_POINTS;
        break;
    case 1:
        prims = c / 2, vpp = 2, prim = GL_LINES;
        break;
    case 2:
        prims = c >= 2 ? c : 0, vpp = 2, prim = GL_LINES;
        break;
    case 3:
        prims = c >= 2 ? c - 1 : 0, vpp = 2, prim = GL_LINES;
        break;
    case 4:
        prims = c / 3, vpp = 3, prim = GL_TRIANGLES;
        break;
    case 5:
    case 6:
    case 9: /* a filled polygon is the host's triangle fan */
        prims = c >= 3 ? c - 2 : 0, vpp = 3, prim = GL_TRIANGLES;
        break;
    default:
        vgl_log(VGL_LOG_DEBUG, "stream output of primitive mode %u: not captured", d->mode);
        return;
    }
    prims *= d->instance_count;
    if (gs) {
        prims = UINT64_MAX; /* what the GS emits: the host counts it, the room bounds it */
    }
    for (uint32_t b = 0; b < 4; b++) {
        if (p->so_buffers >> b & 1) {
            const struct gl_so_target *t = sub->so_targets[b];
            const uint64_t per_prim = (uint64_t)so->stride[b] * 4 * vpp;
            const uint64_t room = t->size - t->written;
            if (per_prim && room / per_prim < prims) {
                prims = room / per_prim;
            }
        }
    }
    if (prims == 0) {
        return; /* no room left: GL would write nothing either */
    }
    for (uint32_t b = 0; b < 4; b++) {
        if (p->so_buffers >> b & 1) {
            const struct gl_so_target *t = sub->so_targets[b];
            glBindBufferRange(GL_TRANSFORM_FEEDBACK_BUFFER,
                              so_binding(sub->ctx->r, p->so_buffers, b), t->res->id,
                              (GLintptr)t->offset + t->written, (GLsizeiptr)(t->size - t->written));
            sd->advance[b] = (uint32_t)(prims * vpp * so->stride[b] * 4);
            if (sub->ctx->r->gles && has_gaps(so, b)) {
                sd->before[b] =
                        buffer_copy(t->res->id, (uint64_t)t->offset + t->written, sd->advance[b]);
            }
        }
    }
    sd->buffers = p->so_buffers;
    sd->active = true;
    sd->vpp = vpp;
    /* With primitive restart (or a GS) fewer primitives come out than the count says: the
     * host counts them, with the guest's own queries of that kind suspended meanwhile. */
    struct vgl_renderer *r = sub->ctx->r;
    if (d->primitive_restart || vgl_gl_shader(sub, VGL_SHADER_GEOMETRY)) {
        vgl_gl_queries_suspend(sub->ctx, GL_TRANSFORM_FEEDBACK_PRIMITIVES_WRITTEN);
        if (!r->so_count_query) {
            glGenQueries(1, &r->so_count_query);
        }
        glBeginQuery(GL_TRANSFORM_FEEDBACK_PRIMITIVES_WRITTEN, r->so_count_query);
        sd->counted = true;
    }
    glBeginTransformFeedback(prim);
}

void vgl_gl_so_end(struct gl_sub_ctx *sub, const struct gl_so_draw *sd) {
    if (!sd->active) {
        return;
    }
    glEndTransformFeedback();
    sub->so_captured = true;
    uint32_t advance[4];
    memcpy(advance, sd->advance, sizeof(advance));
    const struct vgl_stream_output *so = vgl_gl_so_of(sub);
    if (sd->counted) {
        glEndQuery(GL_TRANSFORM_FEEDBACK_PRIMITIVES_WRITTEN);
        GLuint64 prims = 0;
        if (sub->ctx->r->has_query_ui64) {
            glGetQueryObjectui64v(sub->ctx->r->so_count_query, GL_QUERY_RESULT, &prims);
        } else {
            GLuint narrow = 0;
            glGetQueryObjectuiv(sub->ctx->r->so_count_query, GL_QUERY_RESULT, &narrow);
            prims = narrow;
        }
        vgl_gl_queries_resume(sub->ctx, GL_TRANSFORM_FEEDBACK_PRIMITIVES_WRITTEN, prims);
        for (uint32_t b = 0; b < 4; b++) {
            const uint64_t bytes = prims * sd->vpp * (so ? so->stride[b] : 0) * 4;
            advance[b] = bytes < advance[b] ? (uint32_t)bytes : advance[b];
        }
    }
    for (uint32_t b = 0; b < 4; b++) {
        if (sd->before[b] && so) {
            const struct gl_so_target *t = sub->so_targets[b];
            restore_gaps(so, b, t->res->id, (uint64_t)t->offset + t->written, advance[b],
                         sd->before[b]);
        }
        free(sd->before[b]);
        if (sd->buffers >> b & 1) {
            sub->so_targets[b]->written += advance[b];
            sub->so_targets[b]->stride = (so ? so->stride[b] : 0) * 4;
            glBindBufferBase(GL_TRANSFORM_FEEDBACK_BUFFER, b, 0);
        }
    }
}

void vgl_gl_streamout_init(struct vgl_sink_impl *impl) {
    impl->create_so_target = create_so_target;
    impl->set_so_targets = set_so_targets;
}
