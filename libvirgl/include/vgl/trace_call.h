/* SPDX-License-Identifier: MIT */
/*
 * One trace record parsed into named fields (layouts in vgl/trace.h and docs/trace-format.md).
 * Every reader of record contents (replay, virgl-trace) goes through vgl_trace_call_parse, so a
 * record's size is checked in one place.
 */
#ifndef VGL_TRACE_CALL_H
#define VGL_TRACE_CALL_H

#include <vgl/renderer.h>
#include <vgl/trace.h>

struct vgl_trace_frame {
    uint32_t handle, frame, format;
    int32_t w, h;
    uint32_t bytes, crc;
};

struct vgl_trace_call {
    uint32_t type;   /* enum vgl_trace_record_type */
    bool is_call;    /* a renderer call with a recorded status (not INFO, CAPS, GUEST_DATA, FRAME,
                        END); CONTEXT_DESTROY is a call without a status */
    uint32_t ctx;    /* every type but INFO, CAPS and END */
    int32_t status;  /* recorded status of a call, 0 otherwise */
    uint32_t handle; /* UNREF, ATTACH/DETACH_BACKING, GUEST_DATA; RESOURCE_CREATE, TRANSFER_*
                        and FRAME repeat it here */
    uint64_t value;  /* ATTACH_BACKING: backing size; GUEST_DATA: offset; FENCE: fence id;
                        CAPS: set id; SUBMIT: dword count; FRAME_MARK: offset in the next
                        SUBMIT (VGL_FRAME_MARK_AFTER when it has none) */
    struct vgl_resource_args resource; /* RESOURCE_CREATE */
    struct vgl_transfer transfer;      /* TRANSFER_WRITE / TRANSFER_READ */
    struct vgl_trace_frame frame;      /* FRAME; FRAME_MARK fills frame (its mark number), handle
                                          and source, and leaves the rest 0 */
    uint32_t source; /* FRAME_MARK: enum vgl_frame_source; CTX_ATTACH: owner ctx */
    /* Trailing bytes: INFO pairs, CAPS bytes, CONTEXT_CREATE name, GUEST_DATA bytes, SUBMIT
     * dwords (little-endian, not aligned). Points into the record. */
    const uint8_t *data;
    uint32_t data_size;
};

/*
 * Parse `rec`. Returns VGL_OK, VGL_ERROR_CORRUPT when the record is too short or its sizes do
 * not add up, or VGL_ERROR_UNSUPPORTED for a record type this version does not know (readers
 * skip those).
 */
VGL_API enum vgl_status vgl_trace_call_parse(const struct vgl_trace_record *rec,
                                             struct vgl_trace_call *out);

/*
 * The other way: the fixed fields of call `c` as the record's first bytes (its head; at most
 * VGL_TRACE_CALL_HEAD_MAX), in the layout parse reads; 0 for a type this version does not know
 * (and for INFO and END, which have none). c->data and c->data_size are the record's trailing
 * bytes. add_call writes head and trailing bytes as one record. Every writer of records goes
 * through these, so a layout is written down once.
 */
#define VGL_TRACE_CALL_HEAD_MAX 64
VGL_API size_t vgl_trace_call_encode(const struct vgl_trace_call *c,
                                     uint8_t head[VGL_TRACE_CALL_HEAD_MAX]);
VGL_API enum vgl_status vgl_trace_writer_add_call(struct vgl_trace_writer *w,
                                                  const struct vgl_trace_call *c);
/* The size of a record type's head (its fixed fields), 0 for an unknown type: what a writer
 * leaves for trailing bytes is VGL_TRACE_MAX_RECORD minus this. */
VGL_API size_t vgl_trace_call_head_size(uint32_t type);

/* The i-th "key\0value\0" pair of an INFO record; false past the last one. */
VGL_API bool vgl_trace_info_pair(const struct vgl_trace_call *info, uint32_t i, const char **key,
                                 const char **value);

#endif
