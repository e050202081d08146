/* SPDX-License-Identifier: MIT */
/* The guest-memory layout of a transfer box: one rule for the renderers' callers and capture. */
#include <sys/uio.h>

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

bool vgl_transfer_visit(const struct vgl_transfer_layout *lay, uint64_t offset,
                        const struct iovec *iov, unsigned int iov_count, vgl_row_fn fn,
                        void *user) {
    uint64_t total = 0;
    for (unsigned int i = 0; i < iov_count; i++) {
        total = iov[i].iov_len > UINT64_MAX - total ? UINT64_MAX : total + iov[i].iov_len;
    }
    for (uint64_t z = 0; z < lay->layers; z++) {
        for (uint64_t y = 0; y < lay->rows; y++) {
            uint64_t at, skip;
            if (__builtin_mul_overflow(z, lay->layer_stride, &at) ||
                __builtin_mul_overflow(y, lay->stride, &skip) ||
                __builtin_add_overflow(at, skip, &at) || __builtin_add_overflow(at, offset, &at) ||
                at > total || lay->row_bytes > total - at) {
                return false;
            }
            /* The row, piece by piece of the iovecs it spans. */
            uint64_t left = lay->row_bytes, base = 0;
            for (unsigned int i = 0; i < iov_count && left > 0; i++) {
                const uint64_t len = iov[i].iov_len;
                if (at < base + len) {
                    const uint64_t in = at - base, piece = len - in < left ? len - in : left;
                    fn(user, at, (const uint8_t *)iov[i].iov_base + in, (size_t)piece);
                    at += piece;
                    left -= piece;
                }
                base += len;
            }
        }
    }
    return true;
}
