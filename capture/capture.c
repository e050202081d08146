/* SPDX-License-Identifier: MIT */
/*
 * The capture layer: forwards every renderer call and appends it to a trace with the status the
 * renderer returned. Owns the trace writer and the renderer hooks; never touches sockets or GL.
 */
#include "capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include <vgl/frame_marks.h>
#include <vgl/trace.h>
#include <vgl/trace_call.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "SUBMIT records store the command dwords as they are in memory: little-endian hosts only"
#endif

/* VIRGL_BIND_RENDER_TARGET (protocol-facts §4.3): read-backs of these resources end a frame. */
#define BIND_RENDER_TARGET 0x2u

struct vgl_capture {
    struct vgl_renderer *renderer;
    struct vgl_trace_writer *writer; /* NULL in pass-through mode */
    char *path;
    bool recording;
    bool hooks_installed;
    enum vgl_status status; /* first writer error */

    /* Accumulated over backing_written while a transfer_read runs. */
    bool in_read;
    uint32_t read_crc;
    uint64_t read_bytes;

    uint32_t next_frame;

    /* Per recorded context, where its frames start (FRAME_MARK from its clears), for programs
     * that never read back. */
    struct ctx_marks {
        uint32_t ctx;
        struct vgl_frame_marks *marks;
    } * marks;
    size_t mark_count, mark_capacity;
    uint32_t next_mark;
    uint32_t *offsets; /* scratch: MAX_MARKS offsets */
};

/* Frames one submit can start (a CLEAR is 9 dwords of at most 66,560). */
#define MAX_MARKS 8192u

static void stop_recording(struct vgl_capture *c, enum vgl_status st) {
    if (c->status == VGL_OK) {
        c->status = st;
        vgl_log(VGL_LOG_ERROR,
                "capture: writing trace '%s' failed (%s); recording stopped, the guest is "
                "still served",
                c->path, vgl_status_str(st));
    }
    c->recording = false;
}

/* Append one record (the trace codec lays out its fields; docs/trace-format.md). */
static void record(struct vgl_capture *c, const struct vgl_trace_call *call) {
    if (!c->recording) {
        return;
    }
    uint8_t head[VGL_TRACE_CALL_HEAD_MAX];
    const size_t head_size = vgl_trace_call_encode(call, head);
    if (call->data_size > VGL_TRACE_MAX_RECORD - head_size) {
        vgl_log(VGL_LOG_ERROR, "capture: a %s record of %zu + %u bytes exceeds the trace limit",
                vgl_trace_record_name(call->type), head_size, call->data_size);
        stop_recording(c, VGL_ERROR_OVERFLOW);
        return;
    }
    const enum vgl_status st = vgl_trace_writer_add(c->writer, call->type, head, head_size,
                                                    call->data, call->data_size);
    if (st != VGL_OK) {
        stop_recording(c, st);
    }
}

/* A call record: type, context, status and what else `call` sets. */
static void record_call(struct vgl_capture *c, struct vgl_trace_call call, uint32_t type,
                        uint32_t ctx, enum vgl_status st) {
    call.type = type;
    call.ctx = ctx;
    call.status = st;
    record(c, &call);
}

static uint32_t crc32_bytes(uint32_t crc, const uint8_t *data, size_t size) {
    /* zlib's crc32() takes a uInt length: feed it in pieces. */
    while (size > 0) {
        const size_t piece = size > (1u << 30) ? (1u << 30) : size;
        crc = (uint32_t)crc32(crc, data, (uInt)piece);
        data += piece;
        size -= piece;
    }
    return crc;
}

static void on_backing_read(void *user, uint32_t ctx_id, uint32_t handle, uint64_t offset,
                            const void *data, size_t size) {
    struct vgl_capture *c = user;
    const uint8_t *bytes = data;

    /* Split so that no record exceeds the trace limit; each piece names its own offset. */
    while (c->recording && size > 0) {
        const size_t most = VGL_TRACE_MAX_RECORD - vgl_trace_call_head_size(VGL_REC_GUEST_DATA);
        const size_t piece = size > most ? most : size;
        record(c, &(struct vgl_trace_call){.type = VGL_REC_GUEST_DATA,
                                           .ctx = ctx_id,
                                           .handle = handle,
                                           .value = offset,
                                           .data = bytes,
                                           .data_size = (uint32_t)piece});
        bytes += piece;
        offset += piece;
        size -= piece;
    }
}

static void on_backing_written(void *user, uint32_t ctx_id, uint32_t handle, uint64_t offset,
                               const void *data, size_t size) {
    struct vgl_capture *c = user;
    if (!c->in_read) {
        return;
    }
    c->read_crc = crc32_bytes(c->read_crc, data, size);
    c->read_bytes += size;
}

static void write_info(struct vgl_capture *c) {
    char date[32] = "";
    const time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) != NULL) {
        strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    const char *host = vgl_renderer_get_name(c->renderer);
    const char *pairs[][2] = {
            {"tool", "virgl-vtest-server"},
            {"version", vgl_version()},
            {"date", date},
            {"host_renderer", host != NULL ? host : ""},
    };

    size_t total = 0;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        total += strlen(pairs[i][0]) + 1 + strlen(pairs[i][1]) + 1;
    }
    char *buf = malloc(total);
    if (buf == NULL) {
        stop_recording(c, VGL_ERROR_NO_MEMORY);
        return;
    }
    size_t pos = 0;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        for (int k = 0; k < 2; k++) {
            const size_t len = strlen(pairs[i][k]) + 1;
            memcpy(buf + pos, pairs[i][k], len);
            pos += len;
        }
    }
    record(c, &(struct vgl_trace_call){.type = VGL_REC_INFO,
                                       .data = (const uint8_t *)buf,
                                       .data_size = (uint32_t)total});
    free(buf);
}

static struct ctx_marks *marks_of(struct vgl_capture *c, uint32_t ctx) {
    for (size_t i = 0; i < c->mark_count; i++) {
        if (c->marks[i].ctx == ctx) {
            return &c->marks[i];
        }
    }
    return NULL;
}

static void add_context_marks(struct vgl_capture *c, uint32_t ctx) {
    if (c->mark_count == c->mark_capacity) {
        const size_t cap = c->mark_capacity ? c->mark_capacity * 2 : 16;
        struct ctx_marks *m = realloc(c->marks, cap * sizeof(*m));
        if (!m) {
            return; /* this context's frames go unmarked */
        }
        c->marks = m;
        c->mark_capacity = cap;
    }
    struct vgl_frame_marks *fm = vgl_frame_marks_create(ctx);
    if (fm) {
        c->marks[c->mark_count++] = (struct ctx_marks){ctx, fm};
    }
}

static void record_mark(struct vgl_capture *c, uint32_t ctx, uint32_t offset) {
    record(c, &(struct vgl_trace_call){.type = VGL_REC_FRAME_MARK,
                                       .ctx = ctx,
                                       .frame.frame = c->next_mark++,
                                       .source = VGL_FRAME_SOURCE_CLEAR,
                                       .value = offset});
}

/* A context ends: so does its last frame, if its clears showed where frames start. */
static void drop_context_marks(struct vgl_capture *c, uint32_t ctx) {
    struct ctx_marks *m = marks_of(c, ctx);
    if (!m) {
        return;
    }
    if (vgl_frame_marks_have_target(m->marks) && vgl_frame_marks_pending(m->marks)) {
        record_mark(c, ctx, VGL_FRAME_MARK_AFTER);
    }
    vgl_frame_marks_destroy(m->marks);
    *m = c->marks[--c->mark_count];
}

enum vgl_status vgl_capture_create(struct vgl_renderer *r, const char *trace_path,
                                   struct vgl_capture **out) {
    *out = NULL;
    if (r == NULL) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    struct vgl_capture *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return VGL_ERROR_NO_MEMORY;
    }
    c->renderer = r;
    if (trace_path == NULL) {
        *out = c;
        return VGL_OK;
    }

    c->path = strdup(trace_path);
    c->offsets = malloc(MAX_MARKS * sizeof(*c->offsets));
    if (c->path == NULL || c->offsets == NULL) {
        free(c->path);
        free(c->offsets);
        free(c);
        return VGL_ERROR_NO_MEMORY;
    }
    const enum vgl_status st = vgl_trace_writer_create(trace_path, &c->writer);
    if (st != VGL_OK) {
        vgl_log(VGL_LOG_ERROR, "capture: cannot create trace '%s': %s", trace_path,
                vgl_status_str(st));
        free(c->path);
        free(c->offsets);
        free(c);
        return st;
    }
    c->recording = true;
    write_info(c);
    /* The file header and INFO reach the file before any guest is served, so a capture killed
     * at any moment after start-up leaves a trace that opens. */
    vgl_capture_flush(c);

    const struct vgl_renderer_hooks hooks = {
            .backing_read = on_backing_read,
            .backing_written = on_backing_written,
    };
    vgl_renderer_set_hooks(r, &hooks, c);
    c->hooks_installed = true;
    *out = c;
    return VGL_OK;
}

void vgl_capture_destroy(struct vgl_capture *c) {
    if (c == NULL) {
        return;
    }
    if (c->hooks_installed) {
        vgl_renderer_set_hooks(c->renderer, NULL, NULL);
    }
    while (c->mark_count > 0) {
        drop_context_marks(c, c->marks[c->mark_count - 1].ctx);
    }
    free(c->marks);
    free(c->offsets);
    if (c->writer != NULL) {
        record(c, &(struct vgl_trace_call){.type = VGL_REC_END});
        const bool was_recording = c->recording;
        const enum vgl_status st = vgl_trace_writer_destroy(c->writer);
        if (st != VGL_OK && was_recording) {
            stop_recording(c, st);
        }
    }
    free(c->path);
    free(c);
}

static enum vgl_status end_chunk(struct vgl_capture *c, bool wait) {
    if (!c->recording) {
        return c->status;
    }
    const enum vgl_status st =
            wait ? vgl_trace_writer_flush(c->writer) : vgl_trace_writer_seal(c->writer);
    if (st != VGL_OK) {
        stop_recording(c, st);
    }
    return c->status;
}

enum vgl_status vgl_capture_flush(struct vgl_capture *c) {
    return end_chunk(c, true);
}

enum vgl_status vgl_capture_seal(struct vgl_capture *c) {
    return end_chunk(c, false);
}

enum vgl_status vgl_capture_get_status(const struct vgl_capture *c) {
    return c->status;
}

bool vgl_capture_is_recording(const struct vgl_capture *c) {
    return c->recording;
}

struct vgl_renderer *vgl_capture_get_renderer(const struct vgl_capture *c) {
    return c->renderer;
}

enum vgl_status vgl_capture_get_cap_set(struct vgl_capture *c, uint32_t set, uint32_t *max_version,
                                        uint32_t *size) {
    return vgl_renderer_get_cap_set(c->renderer, set, max_version, size);
}

enum vgl_status vgl_capture_fill_caps(struct vgl_capture *c, uint32_t set, void *dst,
                                      size_t dst_capacity) {
    const enum vgl_status st = vgl_renderer_fill_caps(c->renderer, set, dst, dst_capacity);
    if (st == VGL_OK && c->recording) {
        /* The caller hands the guest exactly dst_capacity bytes: record those. */
        record(c, &(struct vgl_trace_call){.type = VGL_REC_CAPS,
                                           .value = set,
                                           .data = dst,
                                           .data_size = (uint32_t)dst_capacity});
    }
    return st;
}

enum vgl_status vgl_capture_context_create(struct vgl_capture *c, uint32_t ctx_id,
                                           const char *name) {
    const enum vgl_status st = vgl_renderer_context_create(c->renderer, ctx_id, name);
    if (c->recording && st == VGL_OK) {
        add_context_marks(c, ctx_id);
    }
    if (c->recording) {
        const struct vgl_trace_call call = {
                .data = (const uint8_t *)name,
                .data_size = name != NULL ? (uint32_t)strnlen(name, 4096) : 0,
        };
        record_call(c, call, VGL_REC_CONTEXT_CREATE, ctx_id, st);
    }
    return st;
}

void vgl_capture_context_destroy(struct vgl_capture *c, uint32_t ctx_id) {
    vgl_renderer_context_destroy(c->renderer, ctx_id);
    drop_context_marks(c, ctx_id);
    if (c->recording) {
        record(c, &(struct vgl_trace_call){.type = VGL_REC_CONTEXT_DESTROY, .ctx = ctx_id});
    }
}

bool vgl_capture_context_get_error(struct vgl_capture *c, uint32_t ctx_id,
                                   struct vgl_context_error *out) {
    return vgl_renderer_context_get_error(c->renderer, ctx_id, out);
}

enum vgl_status vgl_capture_resource_create(struct vgl_capture *c, uint32_t ctx_id,
                                            const struct vgl_resource_args *args) {
    const enum vgl_status st = vgl_renderer_resource_create(c->renderer, ctx_id, args);
    if (c->recording) {
        record_call(c, (struct vgl_trace_call){.resource = *args}, VGL_REC_RESOURCE_CREATE, ctx_id,
                    st);
    }
    return st;
}

enum vgl_status vgl_capture_resource_unref(struct vgl_capture *c, uint32_t ctx_id,
                                           uint32_t handle) {
    const enum vgl_status st = vgl_renderer_resource_unref(c->renderer, ctx_id, handle);
    record_call(c, (struct vgl_trace_call){.handle = handle}, VGL_REC_RESOURCE_UNREF, ctx_id, st);
    return st;
}

enum vgl_status vgl_capture_resource_attach_backing(struct vgl_capture *c, uint32_t ctx_id,
                                                    uint32_t handle, const struct iovec *iov,
                                                    unsigned int iov_count) {
    const enum vgl_status st =
            vgl_renderer_resource_attach_backing(c->renderer, ctx_id, handle, iov, iov_count);
    if (c->recording) {
        uint64_t total = 0;
        for (unsigned int i = 0; i < iov_count; i++) {
            /* Saturate: an overflowing backing is refused by the renderer anyway. */
            total = iov[i].iov_len > UINT64_MAX - total ? UINT64_MAX : total + iov[i].iov_len;
        }
        record_call(c, (struct vgl_trace_call){.handle = handle, .value = total},
                    VGL_REC_ATTACH_BACKING, ctx_id, st);
    }
    return st;
}

enum vgl_status vgl_capture_resource_detach_backing(struct vgl_capture *c, uint32_t ctx_id,
                                                    uint32_t handle) {
    const enum vgl_status st = vgl_renderer_resource_detach_backing(c->renderer, ctx_id, handle);
    record_call(c, (struct vgl_trace_call){.handle = handle}, VGL_REC_DETACH_BACKING, ctx_id, st);
    return st;
}

static void record_transfer(struct vgl_capture *c, uint32_t type, uint32_t ctx_id,
                            enum vgl_status st, const struct vgl_transfer *t) {
    record_call(c, (struct vgl_trace_call){.transfer = *t}, type, ctx_id, st);
}

enum vgl_status vgl_capture_transfer_write(struct vgl_capture *c, uint32_t ctx_id,
                                           const struct vgl_transfer *t) {
    const enum vgl_status st = vgl_renderer_transfer_write(c->renderer, ctx_id, t);
    record_transfer(c, VGL_REC_TRANSFER_WRITE, ctx_id, st, t);
    return st;
}

static void record_frame(struct vgl_capture *c, uint32_t ctx_id, const struct vgl_transfer *t) {
    struct vgl_resource_args info;
    if (vgl_renderer_resource_get_info(c->renderer, ctx_id, t->handle, &info) != VGL_OK ||
        (info.bind & BIND_RENDER_TARGET) == 0) {
        return;
    }
    const struct vgl_trace_frame frame = {
            .handle = t->handle,
            .frame = c->next_frame,
            .format = info.format,
            .w = t->box.w,
            .h = t->box.h,
            .bytes = c->read_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)c->read_bytes,
            .crc = c->read_crc,
    };
    record(c, &(struct vgl_trace_call){.type = VGL_REC_FRAME, .ctx = ctx_id, .frame = frame});
    c->next_frame++;
    /* Every frame ends a chunk, so a killed capture keeps all frames written so far. */
    vgl_capture_flush(c);
}

enum vgl_status vgl_capture_transfer_read(struct vgl_capture *c, uint32_t ctx_id,
                                          const struct vgl_transfer *t) {
    c->in_read = true;
    c->read_crc = (uint32_t)crc32(0, NULL, 0);
    c->read_bytes = 0;
    const enum vgl_status st = vgl_renderer_transfer_read(c->renderer, ctx_id, t);
    c->in_read = false;
    record_transfer(c, VGL_REC_TRANSFER_READ, ctx_id, st, t);
    if (st == VGL_OK && c->recording) {
        record_frame(c, ctx_id, t);
    }
    return st;
}

enum vgl_status vgl_capture_submit(struct vgl_capture *c, uint32_t ctx_id, const uint32_t *cmds,
                                   size_t ndw) {
    struct ctx_marks *m = c->recording ? marks_of(c, ctx_id) : NULL;
    if (m) {
        /* Frames that start in this buffer, marked before it (docs/trace-format.md). */
        const size_t n = vgl_frame_marks_submit(m->marks, cmds, ndw, c->offsets, MAX_MARKS);
        for (size_t i = 0; i < n; i++) {
            record_mark(c, ctx_id, c->offsets[i]);
        }
    }
    const enum vgl_status st = vgl_renderer_submit(c->renderer, ctx_id, cmds, ndw);
    if (c->recording) {
        if (ndw > (VGL_TRACE_MAX_RECORD - vgl_trace_call_head_size(VGL_REC_SUBMIT)) / 4) {
            vgl_log(VGL_LOG_ERROR, "capture: a submit of %zu dwords exceeds the trace limit", ndw);
            stop_recording(c, VGL_ERROR_OVERFLOW);
            return st;
        }
        /* The commands go in as the tail: the dwords are little-endian already (x86 hosts). */
        const struct vgl_trace_call call = {
                .value = ndw, .data = (const uint8_t *)cmds, .data_size = (uint32_t)(ndw * 4)};
        record_call(c, call, VGL_REC_SUBMIT, ctx_id, st);
    }
    return st;
}

enum vgl_status vgl_capture_create_fence(struct vgl_capture *c, uint32_t ctx_id,
                                         uint64_t fence_id) {
    const enum vgl_status st = vgl_renderer_create_fence(c->renderer, ctx_id, fence_id);
    if (c->recording) {
        record_call(c, (struct vgl_trace_call){.value = fence_id}, VGL_REC_FENCE, ctx_id, st);
    }
    return st;
}

enum vgl_status vgl_capture_wait_idle(struct vgl_capture *c, uint32_t ctx_id) {
    const enum vgl_status st = vgl_renderer_wait_idle(c->renderer, ctx_id);
    if (c->recording) {
        record_call(c, (struct vgl_trace_call){0}, VGL_REC_WAIT_IDLE, ctx_id, st);
    }
    return st;
}

void vgl_capture_poll(struct vgl_capture *c) {
    vgl_renderer_poll(c->renderer);
}
