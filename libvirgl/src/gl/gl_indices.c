/* SPDX-License-Identifier: MIT */
/*
 * Indices the renderer makes for a draw in its own index buffer (r->scratch_index), drawn in
 * place of the guest's for one pass: copies whose restart index GLES can take, and the
 * reordered primitives of the first-vertex convention on GLES. gl_draw.c decides when.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "gl/gl_internal.h"

/* The renderer's own index buffer, bound to the sub-context's VAO, holding `bytes`. */
void vgl_gl_scratch_indices(struct vgl_renderer *r, struct gl_sub_ctx *sub, const void *data,
                            size_t bytes) {
    struct gl_resource *ib = &r->scratch_index;
    if (!ib->id) {
        glGenBuffers(1, &ib->id);
        ib->serial = ++r->serial;
    }
    if (sub->vao_index_buffer != ib->serial) {
        glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, ib->id); /* state of the bound VAO */
        sub->vao_index_buffer = ib->serial;
    }
    glBufferData(GL_ELEMENT_ARRAY_BUFFER, (GLsizeiptr)bytes, data, GL_STREAM_DRAW);
    ib->args.width = (uint32_t)bytes;
}

/* The draw's count indices as 32-bit values (malloc'd; NULL when out of memory). */
static uint32_t *guest_indices(const struct gl_sub_ctx *sub, const struct vgl_cmd_draw *d,
                               uint32_t offset) {
    const size_t n = d->count, size = sub->ib_size;
    uint32_t *out = malloc((n ? n : 1) * sizeof(*out));
    if (!out) {
        return NULL;
    }
    glBindBuffer(GL_COPY_READ_BUFFER, sub->ib_res->id);
    const uint8_t *in = n ? glMapBufferRange(GL_COPY_READ_BUFFER, offset, (GLsizeiptr)(n * size),
                                             GL_MAP_READ_BIT)
                          : NULL;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = 0;
        if (in) {
            memcpy(&v, in + i * size, size); /* little-endian, as the guest wrote them */
        }
        out[i] = v;
    }
    if (in) {
        glUnmapBuffer(GL_COPY_READ_BUFFER);
    }
    glBindBuffer(GL_COPY_READ_BUFFER, 0);
    return out;
}

/*
 * GLES restarts only at the all-ones index of the type (GL_PRIMITIVE_RESTART_FIXED_INDEX). A
 * draw restarting at another index reads its indices back and draws 32-bit copies in which that
 * index is 0xffffffff (a vertex of that number cannot exist). docs/gles-host.md.
 */
enum vgl_status vgl_gl_restart_indices_gles(struct vgl_renderer *r, struct gl_sub_ctx *sub,
                                            const struct vgl_cmd_draw *d, uint32_t offset) {
    uint32_t *idx = guest_indices(sub, d, offset);
    if (!idx) {
        return VGL_ERROR_NO_MEMORY;
    }
    for (size_t i = 0; i < d->count; i++) {
        idx[i] = idx[i] == d->restart_index ? ~0u : idx[i];
    }
    vgl_gl_scratch_indices(r, sub, idx, (size_t)d->count * sizeof(*idx));
    free(idx);
    return VGL_OK;
}

struct gl_ib_binding vgl_gl_use_scratch_indices(struct vgl_renderer *r, struct gl_sub_ctx *sub) {
    const struct gl_ib_binding guest = {sub->ib_res, sub->ib_size, sub->ib_offset};
    sub->ib_res = &r->scratch_index;
    sub->ib_size = 4;
    sub->ib_offset = 0;
    return guest;
}

void vgl_gl_restore_indices(struct gl_sub_ctx *sub, struct gl_ib_binding guest) {
    sub->ib_res = guest.res;
    sub->ib_size = guest.size;
    sub->ib_offset = guest.offset;
}

/*
 * GLES has only the last-vertex convention. Under the first-vertex one a draw of lines or
 * triangles (lists, strips, loops, fans) becomes a list of its primitives as the guest's
 * convention orders them, the provoking vertex first and winding kept: strip triangle i as
 * (i, i+1, i+2) or, odd, (i, i+2, i+1); fan triangle i as (i+1, i+2, 0); line i of a strip or
 * loop as (i, i+1), the loop closing with (n-1, 0). Stream output records that order. With
 * provoking_last each is rotated, (a, b, c) -> (b, c, a) and (a, b) -> (b, a), so that GLES
 * takes the guest's provoking vertex. Primitive restart splits strips as the guest's would;
 * primitive IDs and vertex IDs stay the guest's. Writes the list to the renderer's index buffer
 * and the draw that reads it to *out (indices relative to index_bias). Returns false when out
 * of memory.
 */
bool vgl_gl_provoking_first_indices(struct vgl_renderer *r, struct gl_sub_ctx *sub,
                                    const struct vgl_cmd_draw *d, bool provoking_last,
                                    struct vgl_cmd_draw *out) {
    uint32_t *v = NULL;
    if (d->indexed) {
        v = guest_indices(sub, d, sub->ib_offset);
    } else if ((v = malloc((size_t)d->count * sizeof(*v)))) {
        for (uint32_t k = 0; k < d->count; k++) {
            v[k] = k;
        }
    }
    uint32_t *list = v ? malloc((size_t)d->count * 3 * sizeof(*list)) : NULL;
    if (!list) {
        free(v);
        return false;
    }
    const bool restart = d->indexed && d->primitive_restart;
    size_t n = 0;
    for (uint32_t begin = 0; begin < d->count;) {
        uint32_t end = begin;
        while (end < d->count && !(restart && v[end] == d->restart_index)) {
            end++;
        }
        const uint32_t *p = v + begin, len = end - begin;
        const bool lines = d->mode <= 3;
        const uint32_t vpp = lines ? 2 : 3, k = provoking_last ? 1 : 0;
        for (uint32_t i = 0; len >= vpp; i++) {
            uint32_t t[3];                      /* the provoking vertex first */
            if (d->mode == 1 || d->mode == 4) { /* lists */
                if (vpp * i + vpp - 1 >= len) {
                    break;
                }
                memcpy(t, p + vpp * i, vpp * sizeof(*t));
            } else if (lines && i + 1 < len) { /* line strip and loop */
                t[0] = p[i], t[1] = p[i + 1];
            } else if (lines) { /* the loop's closing line */
                if (d->mode != 2 || i + 1 != len || len < 3) {
                    break;
                }
                t[0] = p[i], t[1] = p[0];
            } else if (i + 2 >= len) {
                break;
            } else if (d->mode == 5) { /* triangle strip */
                t[0] = p[i], t[1] = p[i % 2 ? i + 2 : i + 1], t[2] = p[i % 2 ? i + 1 : i + 2];
            } else { /* fan */
                t[0] = p[i + 1], t[1] = p[i + 2], t[2] = p[0];
            }
            for (uint32_t j = 0; j < vpp; j++) {
                list[n++] = t[(k + j) % vpp];
            }
        }
        begin = end + 1;
    }
    free(v);
    vgl_gl_scratch_indices(r, sub, list, n * sizeof(*list));
    free(list);
    *out = *d;
    out->mode = d->mode <= 3 ? 1 : 4;
    out->indexed = true;
    out->count = (uint32_t)n;
    out->index_bias = d->indexed ? d->index_bias : (int32_t)d->start;
    out->primitive_restart = false;
    return true;
}
