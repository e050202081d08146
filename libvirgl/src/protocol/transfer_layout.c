/* SPDX-License-Identifier: MIT */
/* The guest-memory layout of a transfer box: one rule for the renderers' callers and capture. */
#include <vgl/format.h>

static uint64_t minify(uint32_t size, uint32_t level) {
    const uint32_t v = level < 32 ? size >> level : 0;
    return v ? v : 1;
}

bool vgl_transfer_layout(const struct vgl_resource_args *res, const struct vgl_transfer *t,
                         struct vgl_transfer_layout *lay) {
    if (t->box.w < 0 || t->box.h < 0 || t->box.d < 0) {
        return false;
    }
    if (res->target == 0) { /* PIPE_BUFFER: the box is in bytes */
        const uint64_t w = (uint64_t)t->box.w;
        *lay = (struct vgl_transfer_layout){w, 1, 1, w, w};
        return true;
    }
    struct vgl_format_desc fd;
    if (!vgl_format_describe(res->format, &fd)) {
        return false;
    }
    const uint64_t bw = fd.block_w, bh = fd.block_h;
    const uint64_t lw = minify(res->width, t->level), lh = minify(res->height, t->level);
    lay->row_bytes = ((uint64_t)t->box.w + bw - 1) / bw * fd.block_bytes;
    lay->rows = ((uint64_t)t->box.h + bh - 1) / bh;
    lay->layers = (uint64_t)t->box.d;
    lay->stride = t->stride ? t->stride : (lw + bw - 1) / bw * fd.block_bytes;
    lay->layer_stride = t->layer_stride ? t->layer_stride : lay->stride * ((lh + bh - 1) / bh);
    return lay->stride <= UINT32_MAX && lay->layer_stride <= UINT32_MAX;
}

bool vgl_transfer_span(const struct vgl_transfer_layout *lay, uint64_t *out) {
    if (lay->row_bytes == 0 || lay->rows == 0 || lay->layers == 0) {
        *out = 0;
        return true;
    }
    uint64_t last_layer, last_row, sum;
    if (__builtin_mul_overflow(lay->layers - 1, lay->layer_stride, &last_layer) ||
        __builtin_mul_overflow(lay->rows - 1, lay->stride, &last_row) ||
        __builtin_add_overflow(last_layer, last_row, &sum) ||
        __builtin_add_overflow(sum, lay->row_bytes, out)) {
        return false;
    }
    return true;
}
