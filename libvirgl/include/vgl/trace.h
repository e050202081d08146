/* SPDX-License-Identifier: MIT */
/*
 * Trace files (.vgz): a container of typed records in independently compressed, checksummed
 * chunks (docs/trace-format.md), and the record types the capture layer writes.
 * The container knows nothing of record contents; the record layouts are documented here and in
 * docs/trace-format.md.
 */
#ifndef VGL_TRACE_H
#define VGL_TRACE_H

#include <vgl/common.h>

struct vgl_trace_writer;
struct vgl_trace_reader;

/* Limits every reader enforces; a writer never produces more. */
#define VGL_TRACE_MAX_RECORD   (16u << 20) /* payload bytes of one record */
#define VGL_TRACE_MAX_CHUNK    (64u << 20) /* uncompressed bytes of one chunk */
#define VGL_TRACE_CHUNK_TARGET (1u << 20)  /* writer ends a chunk once it holds this much */

/* struct vgl_trace_record.time_ns of a record from a version 1 trace, which has no times. */
#define VGL_TRACE_NO_TIME UINT64_MAX

/*
 * Record types. Every payload field is little-endian; "u32"/"i32"/"u64" name widths. Each call
 * record carries the i32 status the renderer returned, so replay can check it got the same.
 */
enum vgl_trace_record_type {
    VGL_REC_INFO = 1,            /* "key\0value\0" pairs: tool, version, guest, date, ... */
    VGL_REC_CAPS = 2,            /* u32 set, caps bytes as given to the guest */
    VGL_REC_CONTEXT_CREATE = 3,  /* u32 ctx, i32 status, name bytes (no NUL) */
    VGL_REC_CONTEXT_DESTROY = 4, /* u32 ctx */
    VGL_REC_RESOURCE_CREATE = 5, /* u32 ctx, i32 status, 11 x u32 struct vgl_resource_args */
    VGL_REC_RESOURCE_UNREF = 6,  /* u32 ctx, i32 status, u32 handle */
    VGL_REC_ATTACH_BACKING = 7,  /* u32 ctx, i32 status, u32 handle, u64 total size */
    VGL_REC_DETACH_BACKING = 8,  /* u32 ctx, i32 status, u32 handle */
    VGL_REC_GUEST_DATA = 9,      /* u32 ctx, u32 handle, u64 offset, bytes: guest memory the
                                    renderer read during the next call record */
    VGL_REC_TRANSFER_WRITE = 10, /* u32 ctx, i32 status, u32 handle, level, stride,
                                    layer_stride, i32 x, y, z, w, h, d, u64 offset */
    VGL_REC_TRANSFER_READ = 11,  /* same layout as TRANSFER_WRITE */
    VGL_REC_SUBMIT = 12,         /* u32 ctx, i32 status, u32 ndw, ndw x u32 commands */
    VGL_REC_FRAME = 13,          /* u32 ctx, u32 handle, u32 frame, u32 format, i32 w, i32 h,
                                    u32 bytes, u32 crc32: the read-back that ended a frame */
    VGL_REC_FENCE = 14,          /* u32 ctx, i32 status, u64 fence id */
    VGL_REC_WAIT_IDLE = 15,      /* u32 ctx, i32 status */
    VGL_REC_END = 16,            /* empty: the capture closed cleanly */
    VGL_REC_FRAME_MARK = 17,     /* u32 ctx, u32 handle (0: unknown), u32 mark, u32 source
                                    (enum vgl_frame_source)[, u32 offset]: a frame the guest
                                    showed without reading it back; no checksum. With an offset
                                    other than VGL_FRAME_MARK_AFTER, the next SUBMIT of ctx
                                    starts the next frame at that dword */
    VGL_REC_CTX_ATTACH = 18,     /* u32 ctx, i32 status, u32 handle, u32 owner ctx: context ctx
                                    also uses resource `handle` of context `owner` (upstream
                                    virglrenderer's global resources) */
};

/* What marked a FRAME_MARK record. */
enum vgl_frame_source {
    VGL_FRAME_SOURCE_SCANOUT = 1, /* the VMM asked the renderer for the resource to display it */
    VGL_FRAME_SOURCE_FLUSH = 2,   /* heuristic: a guest flush that drew (docs/trace-format.md) */
    VGL_FRAME_SOURCE_CLEAR = 3,   /* heuristic: a colour clear of the frame target (same) */
};

/* FRAME_MARK offset: the frame ends between calls, where the record is. */
#define VGL_FRAME_MARK_AFTER 0xffffffffu

/* Name of a record type ("SUBMIT"), or "UNKNOWN". */
VGL_API const char *vgl_trace_record_name(uint32_t type);
/* Name of a FRAME_MARK source ("scanout", "flush", "clear"), or "unknown". */
VGL_API const char *vgl_frame_source_name(uint32_t source);

/*
 * Writer. create opens (truncates) `path` and starts the writer's thread; the file header goes
 * out with the first chunk. add appends one record to the chunk being filled (payload is the
 * concatenation of `head` and `tail`, either may be empty); a chunk that reaches
 * VGL_TRACE_CHUNK_TARGET, or is sealed, goes to the thread, which compresses and writes it while
 * the next one fills. One chunk waits for the thread at most: handing over another blocks until
 * it is written. flush returns once every record added is in the file; seal hands the chunk over
 * without waiting. After an I/O error (a full disk), seen by the caller at the next hand-over or
 * flush, every later call returns that error and the file stays readable up to its last whole
 * chunk. destroy flushes, stops the thread, closes and
 * frees (NULL is a no-op), returning the first error seen. One caller thread at a time.
 *
 * The writer writes format version 2: every record carries a time, nanoseconds of
 * CLOCK_MONOTONIC since create. add stamps the record with the time it is called (one
 * clock_gettime), never less than a time already written, so the times of a capture only grow.
 * add_at writes `time_ns` as given, for tools that copy records and keep their times;
 * VGL_TRACE_NO_TIME (a record copied from a version 1 trace) is written as the largest time
 * written so far, 0 for the first record.
 */
VGL_API enum vgl_status vgl_trace_writer_create(const char *path, struct vgl_trace_writer **out);
VGL_API enum vgl_status vgl_trace_writer_add(struct vgl_trace_writer *w, uint32_t type,
                                             const void *head, size_t head_size, const void *tail,
                                             size_t tail_size);
VGL_API enum vgl_status vgl_trace_writer_add_at(struct vgl_trace_writer *w, uint64_t time_ns,
                                                uint32_t type, const void *head, size_t head_size,
                                                const void *tail, size_t tail_size);
VGL_API enum vgl_status vgl_trace_writer_flush(struct vgl_trace_writer *w);
VGL_API enum vgl_status vgl_trace_writer_seal(struct vgl_trace_writer *w);
VGL_API enum vgl_status vgl_trace_writer_destroy(struct vgl_trace_writer *w);
/* Bytes written to the file so far (whole chunks and header). */
VGL_API uint64_t vgl_trace_writer_bytes(const struct vgl_trace_writer *w);

/* One record, valid until the next call on its reader. */
struct vgl_trace_record {
    uint32_t type;
    uint32_t size;
    const uint8_t *data;
    uint64_t chunk_offset; /* file offset of the chunk holding it */
    /* Version 2: nanoseconds since the capture started, as written (untrusted: may go backwards
     * in a hostile file); version 1: VGL_TRACE_NO_TIME. */
    uint64_t time_ns;
};

/*
 * Reader. open checks the file header (versions 1 and 2 are read; version reports which). next
 * returns 1 and fills *rec, 0 at a clean end of file, or a negative vgl_status: VGL_ERROR_TRUNCATED
 * when the file stops inside a chunk (a capture that was killed), VGL_ERROR_CORRUPT for a checksum
 * or format error. After an error, error_offset gives the file offset of the bad chunk and
 * error_message a sentence naming it. Memory use is bounded by one chunk.
 */
VGL_API enum vgl_status vgl_trace_reader_open(const char *path, struct vgl_trace_reader **out);
VGL_API int vgl_trace_reader_next(struct vgl_trace_reader *r, struct vgl_trace_record *rec);
VGL_API uint64_t vgl_trace_reader_error_offset(const struct vgl_trace_reader *r);
VGL_API const char *vgl_trace_reader_error_message(const struct vgl_trace_reader *r);
VGL_API uint32_t vgl_trace_reader_version(const struct vgl_trace_reader *r);
VGL_API void vgl_trace_reader_destroy(struct vgl_trace_reader *r);

/* Little-endian field helpers shared by the capture and replay code. */
static inline void vgl_put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void vgl_put_u64(uint8_t *p, uint64_t v) {
    vgl_put_u32(p, (uint32_t)v);
    vgl_put_u32(p + 4, (uint32_t)(v >> 32));
}
static inline uint32_t vgl_get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t vgl_get_u64(const uint8_t *p) {
    return (uint64_t)vgl_get_u32(p) | (uint64_t)vgl_get_u32(p + 4) << 32;
}

#endif
