/* SPDX-License-Identifier: MIT */
/* Record payloads parsed into struct vgl_trace_call; every field read is bounds-checked. */
#include <stddef.h>
#include <string.h>

#include <vgl/trace_call.h>

/*
 * Every record's fixed fields, as data: parse and encode both walk this one table, so a layout
 * is written once (docs/trace-format.md describes the same). A field is a u32, i32 or u64 of
 * the payload, in order, stored into a member of struct vgl_trace_call; what follows the fields
 * is the record's trailing bytes.
 */
enum kind { U32, I32, U64, U32_AS_U64 /* a u32 kept in a u64 member */ };

struct field {
    uint8_t kind;
    uint16_t offset; /* of the member in struct vgl_trace_call */
};

#define F(k, member)                                                                               \
    { k, offsetof(struct vgl_trace_call, member) }
#define MAX_FIELDS 14

struct layout {
    bool known, is_call;
    uint8_t count;
    uint8_t optional; /* trailing fields that may be absent (FRAME_MARK's offset) */
    bool no_tail;     /* the fields fill the record exactly (END) */
    struct field fields[MAX_FIELDS];
};

#define CALL(...)                                                                                  \
    {                                                                                              \
        true, true, sizeof((struct field[]){__VA_ARGS__}) / sizeof(struct field), 0, false, {      \
            __VA_ARGS__                                                                            \
        }                                                                                          \
    }
#define DATA(...)                                                                                  \
    {                                                                                              \
        true, false, sizeof((struct field[]){__VA_ARGS__}) / sizeof(struct field), 0, false, {     \
            __VA_ARGS__                                                                            \
        }                                                                                          \
    }
#define CTX_STATUS F(U32, ctx), F(I32, status)

static const struct layout layouts[] = {
        [VGL_REC_INFO] = {true, false, 0, 0, false, {{0, 0}}},
        [VGL_REC_CAPS] = DATA(F(U32_AS_U64, value)),
        [VGL_REC_CONTEXT_CREATE] = CALL(CTX_STATUS),
        [VGL_REC_CONTEXT_DESTROY] = CALL(F(U32, ctx)),
        [VGL_REC_RESOURCE_CREATE] = CALL(
                CTX_STATUS, F(U32, resource.handle), F(U32, resource.target),
                F(U32, resource.format), F(U32, resource.bind), F(U32, resource.width),
                F(U32, resource.height), F(U32, resource.depth), F(U32, resource.array_size),
                F(U32, resource.last_level), F(U32, resource.nr_samples), F(U32, resource.flags)),
        [VGL_REC_RESOURCE_UNREF] = CALL(CTX_STATUS, F(U32, handle)),
        [VGL_REC_ATTACH_BACKING] = CALL(CTX_STATUS, F(U32, handle), F(U64, value)),
        [VGL_REC_DETACH_BACKING] = CALL(CTX_STATUS, F(U32, handle)),
        [VGL_REC_GUEST_DATA] = DATA(F(U32, ctx), F(U32, handle), F(U64, value)),
        [VGL_REC_TRANSFER_WRITE] =
                CALL(CTX_STATUS, F(U32, transfer.handle), F(U32, transfer.level),
                     F(U32, transfer.stride), F(U32, transfer.layer_stride), F(I32, transfer.box.x),
                     F(I32, transfer.box.y), F(I32, transfer.box.z), F(I32, transfer.box.w),
                     F(I32, transfer.box.h), F(I32, transfer.box.d), F(U64, transfer.offset)),
        [VGL_REC_TRANSFER_READ] =
                CALL(CTX_STATUS, F(U32, transfer.handle), F(U32, transfer.level),
                     F(U32, transfer.stride), F(U32, transfer.layer_stride), F(I32, transfer.box.x),
                     F(I32, transfer.box.y), F(I32, transfer.box.z), F(I32, transfer.box.w),
                     F(I32, transfer.box.h), F(I32, transfer.box.d), F(U64, transfer.offset)),
        [VGL_REC_SUBMIT] = CALL(CTX_STATUS, F(U32_AS_U64, value)),
        [VGL_REC_FRAME] =
                DATA(F(U32, ctx), F(U32, frame.handle), F(U32, frame.frame), F(U32, frame.format),
                     F(I32, frame.w), F(I32, frame.h), F(U32, frame.bytes), F(U32, frame.crc)),
        [VGL_REC_FENCE] = CALL(CTX_STATUS, F(U64, value)),
        [VGL_REC_WAIT_IDLE] = CALL(CTX_STATUS),
        [VGL_REC_END] = {true, false, 0, 0, true, {{0, 0}}},
        [VGL_REC_FRAME_MARK] =
                {true,
                 false,
                 5,
                 1,
                 false,
                 {F(U32, ctx), F(U32, frame.handle), F(U32, frame.frame), F(U32, source),
                  F(U32_AS_U64, value)}},
        [VGL_REC_CTX_ATTACH] = CALL(CTX_STATUS, F(U32, handle), F(U32, source)),
};

static const struct layout *layout_of(uint32_t type) {
    return type < sizeof(layouts) / sizeof(layouts[0]) && layouts[type].known ? &layouts[type]
                                                                              : NULL;
}

static uint32_t field_bytes(const struct field *f) {
    return f->kind == U64 ? 8 : 4;
}

enum vgl_status vgl_trace_call_parse(const struct vgl_trace_record *rec,
                                     struct vgl_trace_call *out) {
    memset(out, 0, sizeof(*out));
    out->type = rec->type;
    const struct layout *l = layout_of(rec->type);
    if (!l) {
        return VGL_ERROR_UNSUPPORTED;
    }
    out->is_call = l->is_call;
    const uint8_t *p = rec->data;
    uint32_t left = rec->size;
    for (uint8_t i = 0; i < l->count; i++) {
        const struct field *f = &l->fields[i];
        char *member = (char *)out + f->offset;
        if (left < field_bytes(f)) {
            if (i < l->count - l->optional) {
                return VGL_ERROR_CORRUPT;
            }
            /* An optional field left out: FRAME_MARK without an offset. */
            const uint64_t after = VGL_FRAME_MARK_AFTER;
            memcpy(member, &after, sizeof(after));
            continue;
        }
        const uint32_t v32 = vgl_get_u32(p);
        switch (f->kind) {
        case U32:
        case I32:
            memcpy(member, &v32, 4);
            break;
        case U32_AS_U64: {
            const uint64_t v = v32;
            memcpy(member, &v, 8);
            break;
        }
        default: {
            const uint64_t v = vgl_get_u64(p);
            memcpy(member, &v, 8);
            break;
        }
        }
        p += field_bytes(f);
        left -= field_bytes(f);
    }
    if ((l->no_tail && left) ||
        (rec->type == VGL_REC_SUBMIT && (left % 4 || left / 4 != out->value))) {
        return VGL_ERROR_CORRUPT;
    }
    /* The handle a record is about, whichever member holds it. */
    if (rec->type == VGL_REC_RESOURCE_CREATE) {
        out->handle = out->resource.handle;
    } else if (rec->type == VGL_REC_TRANSFER_WRITE || rec->type == VGL_REC_TRANSFER_READ) {
        out->handle = out->transfer.handle;
    } else if (rec->type == VGL_REC_FRAME || rec->type == VGL_REC_FRAME_MARK) {
        out->handle = out->frame.handle;
    }
    out->data = p;
    out->data_size = left;
    return VGL_OK;
}

size_t vgl_trace_call_encode(const struct vgl_trace_call *c,
                             uint8_t head[VGL_TRACE_CALL_HEAD_MAX]) {
    const struct layout *l = layout_of(c->type);
    if (!l) {
        return 0;
    }
    size_t n = 0;
    for (uint8_t i = 0; i < l->count; i++) {
        const struct field *f = &l->fields[i];
        const char *member = (const char *)c + f->offset;
        uint64_t v64 = 0;
        uint32_t v32 = 0;
        if (f->kind == U64 || f->kind == U32_AS_U64) {
            memcpy(&v64, member, 8);
            v32 = (uint32_t)v64;
        } else {
            memcpy(&v32, member, 4);
        }
        if (f->kind == U64) {
            vgl_put_u64(head + n, v64);
            n += 8;
        } else {
            vgl_put_u32(head + n, v32);
            n += 4;
        }
    }
    return n;
}

size_t vgl_trace_call_head_size(uint32_t type) {
    const struct layout *l = layout_of(type);
    size_t n = 0;
    for (uint8_t i = 0; l && i < l->count; i++) {
        n += field_bytes(&l->fields[i]);
    }
    return n;
}

enum vgl_status vgl_trace_writer_add_call(struct vgl_trace_writer *w,
                                          const struct vgl_trace_call *c) {
    uint8_t head[VGL_TRACE_CALL_HEAD_MAX];
    const size_t n = vgl_trace_call_encode(c, head);
    if (n == 0 && !layout_of(c->type)) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    return vgl_trace_writer_add(w, c->type, head, n, c->data, c->data_size);
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
