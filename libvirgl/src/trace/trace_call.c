/* SPDX-License-Identifier: MIT */
/* Record payloads parsed into struct vgl_trace_call; every field read is bounds-checked. */
#include <string.h>

#include <vgl/trace_call.h>

struct cursor {
    const uint8_t *p;
    uint32_t left;
    bool ok;
};

static uint32_t take_u32(struct cursor *c) {
    if (c->left < 4) {
        c->ok = false;
        return 0;
    }
    const uint32_t v = vgl_get_u32(c->p);
    c->p += 4;
    c->left -= 4;
    return v;
}

static int32_t take_i32(struct cursor *c) {
    const uint32_t u = take_u32(c);
    int32_t v;
    memcpy(&v, &u, sizeof(v));
    return v;
}

static uint64_t take_u64(struct cursor *c) {
    const uint64_t lo = take_u32(c);
    return lo | (uint64_t)take_u32(c) << 32;
}

static void take_transfer(struct cursor *c, struct vgl_transfer *t) {
    t->handle = take_u32(c);
    t->level = take_u32(c);
    t->stride = take_u32(c);
    t->layer_stride = take_u32(c);
    t->box.x = take_i32(c);
    t->box.y = take_i32(c);
    t->box.z = take_i32(c);
    t->box.w = take_i32(c);
    t->box.h = take_i32(c);
    t->box.d = take_i32(c);
    t->offset = take_u64(c);
}

static void take_resource(struct cursor *c, struct vgl_resource_args *a) {
    uint32_t *f[] = {&a->handle,     &a->target,     &a->format, &a->bind,
                     &a->width,      &a->height,     &a->depth,  &a->array_size,
                     &a->last_level, &a->nr_samples, &a->flags};
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        *f[i] = take_u32(c);
    }
}

/* Fields after ctx and status; false when the type is unknown. */
static bool take_call_fields(struct cursor *c, struct vgl_trace_call *out) {
    switch (out->type) {
    case VGL_REC_CONTEXT_CREATE:
    case VGL_REC_WAIT_IDLE:
        return true;
    case VGL_REC_RESOURCE_CREATE:
        take_resource(c, &out->resource);
        out->handle = out->resource.handle;
        return true;
    case VGL_REC_RESOURCE_UNREF:
    case VGL_REC_DETACH_BACKING:
        out->handle = take_u32(c);
        return true;
    case VGL_REC_ATTACH_BACKING:
        out->handle = take_u32(c);
        out->value = take_u64(c);
        return true;
    case VGL_REC_TRANSFER_WRITE:
    case VGL_REC_TRANSFER_READ:
        take_transfer(c, &out->transfer);
        out->handle = out->transfer.handle;
        return true;
    case VGL_REC_SUBMIT:
        out->value = take_u32(c);
        if (c->ok && (c->left % 4 || c->left / 4 != out->value)) {
            c->ok = false;
        }
        return true;
    case VGL_REC_FENCE:
        out->value = take_u64(c);
        return true;
    case VGL_REC_CTX_ATTACH:
        out->handle = take_u32(c);
        out->source = take_u32(c);
        return true;
    default:
        return false;
    }
}

static bool take_other_fields(struct cursor *c, struct vgl_trace_call *out) {
    switch (out->type) {
    case VGL_REC_INFO:
    case VGL_REC_END:
        return true;
    case VGL_REC_CAPS:
        out->value = take_u32(c);
        return true;
    case VGL_REC_CONTEXT_DESTROY:
        out->ctx = take_u32(c);
        out->is_call = true;
        return true;
    case VGL_REC_GUEST_DATA:
        out->ctx = take_u32(c);
        out->handle = take_u32(c);
        out->value = take_u64(c);
        return true;
    case VGL_REC_FRAME: {
        struct vgl_trace_frame *f = &out->frame;
        out->ctx = take_u32(c);
        f->handle = take_u32(c);
        f->frame = take_u32(c);
        f->format = take_u32(c);
        f->w = take_i32(c);
        f->h = take_i32(c);
        f->bytes = take_u32(c);
        f->crc = take_u32(c);
        out->handle = f->handle;
        return true;
    }
    case VGL_REC_FRAME_MARK:
        out->ctx = take_u32(c);
        out->handle = out->frame.handle = take_u32(c);
        out->frame.frame = take_u32(c);
        out->source = take_u32(c);
        out->value = c->ok && c->left >= 4 ? take_u32(c) : VGL_FRAME_MARK_AFTER;
        return true;
    default:
        return false;
    }
}

enum vgl_status vgl_trace_call_parse(const struct vgl_trace_record *rec,
                                     struct vgl_trace_call *out) {
    memset(out, 0, sizeof(*out));
    out->type = rec->type;
    struct cursor c = {rec->data, rec->size, true};
    if (!take_other_fields(&c, out)) {
        out->is_call = true;
        out->ctx = take_u32(&c);
        out->status = take_i32(&c);
        if (!take_call_fields(&c, out)) {
            return VGL_ERROR_UNSUPPORTED;
        }
    }
    if (!c.ok) {
        return VGL_ERROR_CORRUPT;
    }
    if (out->type == VGL_REC_END && c.left) {
        return VGL_ERROR_CORRUPT;
    }
    out->data = c.p;
    out->data_size = c.left;
    return VGL_OK;
}

bool vgl_trace_info_pair(const struct vgl_trace_call *info, uint32_t i, const char **key,
                         const char **value) {
    const char *p = (const char *)info->data;
    const char *end = p + info->data_size;
    for (uint32_t n = 0;; n++) {
        const char *k = p;
        const char *knul = memchr(k, '\0', (size_t)(end - k));
        if (!knul) {
            return false;
        }
        const char *v = knul + 1;
        const char *vnul = memchr(v, '\0', (size_t)(end - v));
        if (!vnul) {
            return false;
        }
        if (n == i) {
            *key = k;
            *value = v;
            return true;
        }
        p = vnul + 1;
    }
}
