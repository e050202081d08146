/* SPDX-License-Identifier: MIT */
/*
 * The .vgz writer: buffers records into chunks, compresses each chunk as one zstd frame and
 * appends it with its checksummed header; latches the first I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include <vgl/trace.h>

#include "trace/trace_format.h"

struct vgl_trace_writer {
    int fd;
    enum vgl_status error; /* latched: once set, every call returns it */
    bool header_written;
    uint64_t bytes_written;

    uint8_t *buf; /* pending records, uncompressed */
    size_t buf_len;
    size_t buf_cap;
    uint32_t record_count;

    uint8_t *out; /* chunk header followed by the compressed payload */
    size_t out_cap;
    ZSTD_CCtx *cctx;
};

static enum vgl_status latch(struct vgl_trace_writer *w, enum vgl_status status, const char *what,
                             int err) {
    if (w->error == VGL_OK) {
        w->error = status;
        vgl_log(VGL_LOG_ERROR, "trace writer: %s: %s; the trace is cut after byte %llu", what,
                err ? strerror(err) : "failed", (unsigned long long)w->bytes_written);
    }
    return w->error;
}

static enum vgl_status write_all(struct vgl_trace_writer *w, const uint8_t *p, size_t n) {
    while (n > 0) {
        const ssize_t got = write(w->fd, p, n);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return latch(w, VGL_ERROR_IO, "write failed", errno);
        }
        if (got == 0) {
            return latch(w, VGL_ERROR_IO, "write made no progress", ENOSPC);
        }
        p += got;
        n -= (size_t)got;
    }
    return VGL_OK;
}

static enum vgl_status write_file_header(struct vgl_trace_writer *w) {
    uint8_t h[VGL_TRACE_HEADER_SIZE];
    memcpy(h + VGL_TRACE_HDR_MAGIC, VGL_TRACE_MAGIC, VGL_TRACE_MAGIC_SIZE);
    vgl_put_u32(h + VGL_TRACE_HDR_VERSION, VGL_TRACE_VERSION);
    vgl_put_u32(h + VGL_TRACE_HDR_HEADER_SIZE, VGL_TRACE_HEADER_SIZE);
    vgl_put_u32(h + VGL_TRACE_HDR_FLAGS, 0);
    vgl_put_u32(h + VGL_TRACE_HDR_CRC, (uint32_t)crc32(0L, h, VGL_TRACE_HDR_CRC));
    const enum vgl_status st = write_all(w, h, sizeof(h));
    if (st != VGL_OK) {
        return st;
    }
    w->header_written = true;
    w->bytes_written += sizeof(h);
    return VGL_OK;
}

static enum vgl_status write_chunk(struct vgl_trace_writer *w) {
    const size_t bound = ZSTD_compressBound(w->buf_len);
    if (ZSTD_isError(bound) || bound > SIZE_MAX - VGL_TRACE_CHUNK_HEADER_SIZE) {
        return latch(w, VGL_ERROR_OVERFLOW, "chunk too large to compress", 0);
    }
    const size_t need = VGL_TRACE_CHUNK_HEADER_SIZE + bound;
    if (need > w->out_cap) {
        uint8_t *p = realloc(w->out, need);
        if (!p) {
            return latch(w, VGL_ERROR_NO_MEMORY, "out of memory for a compressed chunk", ENOMEM);
        }
        w->out = p;
        w->out_cap = need;
    }

    uint8_t *payload = w->out + VGL_TRACE_CHUNK_HEADER_SIZE;
    const size_t csize = ZSTD_compress2(w->cctx, payload, bound, w->buf, w->buf_len);
    if (ZSTD_isError(csize)) {
        vgl_log(VGL_LOG_ERROR, "trace writer: zstd: %s", ZSTD_getErrorName(csize));
        return latch(w, VGL_ERROR_GENERIC, "compression failed", 0);
    }
    if (csize > UINT32_MAX || w->buf_len > VGL_TRACE_MAX_CHUNK) {
        return latch(w, VGL_ERROR_OVERFLOW, "chunk size out of range", 0);
    }

    uint8_t *h = w->out;
    vgl_put_u32(h + VGL_TRACE_CHK_MAGIC, VGL_TRACE_CHUNK_MAGIC);
    vgl_put_u32(h + VGL_TRACE_CHK_TYPE, VGL_TRACE_CHUNK_RECORDS);
    vgl_put_u32(h + VGL_TRACE_CHK_CSIZE, (uint32_t)csize);
    vgl_put_u32(h + VGL_TRACE_CHK_USIZE, (uint32_t)w->buf_len);
    vgl_put_u32(h + VGL_TRACE_CHK_COUNT, w->record_count);
    vgl_put_u32(h + VGL_TRACE_CHK_PAYLOAD_CRC, (uint32_t)crc32(0L, payload, (uInt)csize));
    vgl_put_u32(h + VGL_TRACE_CHK_HEADER_CRC, (uint32_t)crc32(0L, h, VGL_TRACE_CHK_HEADER_CRC));

    const size_t total = VGL_TRACE_CHUNK_HEADER_SIZE + csize;
    const enum vgl_status st = write_all(w, w->out, total);
    if (st != VGL_OK) {
        return st;
    }
    w->bytes_written += total;
    w->buf_len = 0;
    w->record_count = 0;
    return VGL_OK;
}

VGL_API enum vgl_status vgl_trace_writer_flush(struct vgl_trace_writer *w) {
    if (!w) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    if (w->error != VGL_OK) {
        return w->error;
    }
    if (!w->header_written) {
        const enum vgl_status st = write_file_header(w);
        if (st != VGL_OK) {
            return st;
        }
    }
    if (w->record_count == 0) {
        return VGL_OK;
    }
    return write_chunk(w);
}

/* Make room for `extra` more pending bytes; the caller guarantees the total fits a chunk. */
static enum vgl_status reserve(struct vgl_trace_writer *w, size_t extra) {
    const size_t need = w->buf_len + extra;
    if (need <= w->buf_cap) {
        return VGL_OK;
    }
    size_t cap = w->buf_cap ? w->buf_cap : 64u << 10;
    while (cap < need) {
        cap = cap > VGL_TRACE_MAX_CHUNK / 2 ? VGL_TRACE_MAX_CHUNK : cap * 2;
    }
    uint8_t *p = realloc(w->buf, cap);
    if (!p) {
        return VGL_ERROR_NO_MEMORY;
    }
    w->buf = p;
    w->buf_cap = cap;
    return VGL_OK;
}

VGL_API enum vgl_status vgl_trace_writer_add(struct vgl_trace_writer *w, uint32_t type,
                                             const void *head, size_t head_size, const void *tail,
                                             size_t tail_size) {
    if (!w || (head_size && !head) || (tail_size && !tail)) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    if (w->error != VGL_OK) {
        return w->error;
    }
    if (tail_size > SIZE_MAX - head_size) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    const size_t size = head_size + tail_size;
    if (size > VGL_TRACE_MAX_RECORD) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    const size_t rec = VGL_TRACE_RECORD_HEADER_SIZE + size; /* cannot wrap: size is bounded */

    if (w->buf_len > VGL_TRACE_MAX_CHUNK - rec) {
        const enum vgl_status st = vgl_trace_writer_flush(w);
        if (st != VGL_OK) {
            return st;
        }
    }
    const enum vgl_status st = reserve(w, rec);
    if (st != VGL_OK) {
        return st;
    }

    uint8_t *p = w->buf + w->buf_len;
    vgl_put_u32(p, type);
    vgl_put_u32(p + 4, (uint32_t)size);
    if (head_size) {
        memcpy(p + VGL_TRACE_RECORD_HEADER_SIZE, head, head_size);
    }
    if (tail_size) {
        memcpy(p + VGL_TRACE_RECORD_HEADER_SIZE + head_size, tail, tail_size);
    }
    w->buf_len += rec;
    w->record_count++;

    if (w->buf_len >= VGL_TRACE_CHUNK_TARGET) {
        return vgl_trace_writer_flush(w);
    }
    return VGL_OK;
}

VGL_API enum vgl_status vgl_trace_writer_create(const char *path, struct vgl_trace_writer **out) {
    if (!out) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    *out = NULL;
    if (!path) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    struct vgl_trace_writer *w = calloc(1, sizeof(*w));
    if (!w) {
        return VGL_ERROR_NO_MEMORY;
    }
    w->fd = -1;
    w->cctx = ZSTD_createCCtx();
    if (!w->cctx || ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, 3)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1))) {
        ZSTD_freeCCtx(w->cctx);
        free(w);
        return VGL_ERROR_NO_MEMORY;
    }
    do {
        w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    } while (w->fd < 0 && errno == EINTR);
    if (w->fd < 0) {
        vgl_log(VGL_LOG_ERROR, "trace writer: cannot create %s: %s", path, strerror(errno));
        ZSTD_freeCCtx(w->cctx);
        free(w);
        return VGL_ERROR_IO;
    }
    /* The file header is written with the first flush (or chunk), so that an unwritable
     * target such as a full disk reports its error through the latched-error path. */
    *out = w;
    return VGL_OK;
}

VGL_API enum vgl_status vgl_trace_writer_destroy(struct vgl_trace_writer *w) {
    if (!w) {
        return VGL_OK;
    }
    vgl_trace_writer_flush(w);
    if (w->fd >= 0 && close(w->fd) != 0 && errno != EINTR) {
        latch(w, VGL_ERROR_IO, "close failed", errno);
    }
    const enum vgl_status st = w->error;
    ZSTD_freeCCtx(w->cctx);
    free(w->buf);
    free(w->out);
    free(w);
    return st;
}

VGL_API uint64_t vgl_trace_writer_bytes(const struct vgl_trace_writer *w) {
    return w ? w->bytes_written : 0;
}
