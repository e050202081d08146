/* SPDX-License-Identifier: MIT */
/*
 * The .vgz reader: checks the file header, then loads one chunk at a time (checksums, zstd frame,
 * record framing) and hands out its records; reports truncation and corruption with an offset.
 * Reads versions 1 (8-byte record headers, no times) and 2 (16-byte record headers with a time).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include <vgl/trace.h>

#include "trace/trace_format.h"

struct vgl_trace_reader {
    int fd;
    uint32_t version;
    uint32_t record_header; /* bytes of a record header: 8 in version 1, 16 in version 2 */
    uint64_t offset;        /* file offset of the next chunk header */
    bool sized;             /* a regular file: its size is known */
    uint64_t size;

    enum vgl_status error; /* latched: once set, next() returns it */
    bool at_end;
    uint64_t error_offset;
    char error_message[192];

    uint8_t *payload; /* compressed payload of the current chunk */
    size_t payload_cap;
    uint8_t *data; /* decompressed records of the current chunk */
    size_t data_cap;
    ZSTD_DCtx *dctx;

    uint64_t chunk_offset; /* file offset of the chunk whose records are handed out */
    size_t data_len;
    size_t pos;
    uint32_t records_left;
};

/* Read up to n bytes, stopping early only at end of file. */
static enum vgl_status read_full(int fd, uint8_t *p, size_t n, size_t *got) {
    *got = 0;
    while (*got < n) {
        const ssize_t r = read(fd, p + *got, n - *got);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return VGL_ERROR_IO;
        }
        if (r == 0) {
            break;
        }
        *got += (size_t)r;
    }
    return VGL_OK;
}

__attribute__((format(printf, 4, 5))) static int
fail(struct vgl_trace_reader *r, enum vgl_status status, uint64_t offset, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(r->error_message, sizeof(r->error_message), fmt, args);
    va_end(args);
    r->error = status;
    r->error_offset = offset;
    return status;
}

static enum vgl_status grow(uint8_t **buf, size_t *cap, size_t need) {
    if (need <= *cap) {
        return VGL_OK;
    }
    uint8_t *p = realloc(*buf, need);
    if (!p) {
        return VGL_ERROR_NO_MEMORY;
    }
    *buf = p;
    *cap = need;
    return VGL_OK;
}

/* Decompress a records chunk and check its framing before any record is handed out. */
static int load_records(struct vgl_trace_reader *r, uint64_t at, size_t csize, uint32_t usize,
                        uint32_t count) {
    const size_t frame = ZSTD_findFrameCompressedSize(r->payload, csize);
    if (ZSTD_isError(frame) || frame != csize) {
        return fail(r, VGL_ERROR_CORRUPT, at, "chunk at byte %llu: payload is not one zstd frame",
                    (unsigned long long)at);
    }
    /* The frame states its size: a chunk header that disagrees is refused before memory is
     * set aside for it. */
    const unsigned long long content = ZSTD_getFrameContentSize(r->payload, csize);
    if (content != ZSTD_CONTENTSIZE_UNKNOWN && content != usize) {
        return fail(r, VGL_ERROR_CORRUPT, at,
                    "chunk at byte %llu: payload holds %llu bytes, header says %u",
                    (unsigned long long)at, content, usize);
    }
    /* At least one byte so that an empty chunk still has a valid destination pointer. */
    if (grow(&r->data, &r->data_cap, usize ? usize : 1) != VGL_OK) {
        return fail(r, VGL_ERROR_NO_MEMORY, at, "chunk at byte %llu: out of memory (%u bytes)",
                    (unsigned long long)at, usize);
    }
    const size_t n = ZSTD_decompressDCtx(r->dctx, r->data, usize, r->payload, csize);
    if (ZSTD_isError(n)) {
        return fail(r, VGL_ERROR_CORRUPT, at, "chunk at byte %llu: zstd: %s",
                    (unsigned long long)at, ZSTD_getErrorName(n));
    }
    if (n != usize) {
        return fail(r, VGL_ERROR_CORRUPT, at,
                    "chunk at byte %llu: payload holds %zu bytes, header says %u",
                    (unsigned long long)at, n, usize);
    }

    const size_t header = r->record_header;
    size_t pos = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (usize - pos < header) {
            return fail(r, VGL_ERROR_CORRUPT, at,
                        "chunk at byte %llu: record %u of %u starts past the end of the chunk",
                        (unsigned long long)at, i, count);
        }
        const uint32_t size = vgl_get_u32(r->data + pos + VGL_TRACE_REC_SIZE);
        pos += header;
        if (size > VGL_TRACE_MAX_RECORD || size > usize - pos) {
            return fail(r, VGL_ERROR_CORRUPT, at,
                        "chunk at byte %llu: record %u of %u (%u bytes) runs past the chunk",
                        (unsigned long long)at, i, count, size);
        }
        pos += size;
    }
    if (pos != usize) {
        return fail(r, VGL_ERROR_CORRUPT, at,
                    "chunk at byte %llu: record count mismatch (%zu bytes after record %u)",
                    (unsigned long long)at, usize - pos, count);
    }
    r->chunk_offset = at;
    r->data_len = usize;
    r->pos = 0;
    r->records_left = count;
    return 1;
}

/* Load the next chunk that holds records: 1, 0 at a clean end, or a latched error. */
static int load_chunk(struct vgl_trace_reader *r) {
    for (;;) {
        const uint64_t at = r->offset;
        uint8_t h[VGL_TRACE_CHUNK_HEADER_SIZE];
        size_t got;
        if (read_full(r->fd, h, sizeof(h), &got) != VGL_OK) {
            return fail(r, VGL_ERROR_IO, at, "chunk at byte %llu: read error: %s",
                        (unsigned long long)at, strerror(errno));
        }
        if (got == 0) {
            r->at_end = true;
            return 0;
        }
        if (got < sizeof(h)) {
            return fail(r, VGL_ERROR_TRUNCATED, at,
                        "file ends inside the chunk at byte %llu (truncated capture?)",
                        (unsigned long long)at);
        }
        if (vgl_get_u32(h + VGL_TRACE_CHK_MAGIC) != VGL_TRACE_CHUNK_MAGIC) {
            return fail(r, VGL_ERROR_CORRUPT, at, "chunk at byte %llu: bad chunk magic",
                        (unsigned long long)at);
        }
        if (vgl_get_u32(h + VGL_TRACE_CHK_HEADER_CRC) !=
            (uint32_t)crc32(0L, h, VGL_TRACE_CHK_HEADER_CRC)) {
            return fail(r, VGL_ERROR_CORRUPT, at, "chunk at byte %llu: header CRC mismatch",
                        (unsigned long long)at);
        }
        const uint32_t type = vgl_get_u32(h + VGL_TRACE_CHK_TYPE);
        const uint32_t csize = vgl_get_u32(h + VGL_TRACE_CHK_CSIZE);
        const uint32_t usize = vgl_get_u32(h + VGL_TRACE_CHK_USIZE);
        const uint32_t count = vgl_get_u32(h + VGL_TRACE_CHK_COUNT);
        if (usize > VGL_TRACE_MAX_CHUNK) {
            return fail(r, VGL_ERROR_CORRUPT, at,
                        "chunk at byte %llu: uncompressed size %u exceeds the limit of %u",
                        (unsigned long long)at, usize, VGL_TRACE_MAX_CHUNK);
        }
        if (csize > ZSTD_compressBound(VGL_TRACE_MAX_CHUNK)) {
            return fail(r, VGL_ERROR_CORRUPT, at,
                        "chunk at byte %llu: compressed size %u exceeds the limit of %zu",
                        (unsigned long long)at, csize, ZSTD_compressBound(VGL_TRACE_MAX_CHUNK));
        }
        /* A cut file that claims a large chunk is found cut without allocating for it. */
        if (r->sized && csize > r->size - at - VGL_TRACE_CHUNK_HEADER_SIZE) {
            return fail(r, VGL_ERROR_TRUNCATED, at,
                        "file ends inside the chunk at byte %llu (truncated capture?)",
                        (unsigned long long)at);
        }
        if (grow(&r->payload, &r->payload_cap, csize ? csize : 1) != VGL_OK) {
            return fail(r, VGL_ERROR_NO_MEMORY, at, "chunk at byte %llu: out of memory (%u bytes)",
                        (unsigned long long)at, csize);
        }
        if (read_full(r->fd, r->payload, csize, &got) != VGL_OK) {
            return fail(r, VGL_ERROR_IO, at, "chunk at byte %llu: read error: %s",
                        (unsigned long long)at, strerror(errno));
        }
        if (got < csize) {
            return fail(r, VGL_ERROR_TRUNCATED, at,
                        "file ends inside the chunk at byte %llu (truncated capture?)",
                        (unsigned long long)at);
        }
        if (vgl_get_u32(h + VGL_TRACE_CHK_PAYLOAD_CRC) !=
            (uint32_t)crc32(0L, r->payload, (uInt)csize)) {
            return fail(r, VGL_ERROR_CORRUPT, at, "chunk at byte %llu: payload CRC mismatch",
                        (unsigned long long)at);
        }
        r->offset = at + VGL_TRACE_CHUNK_HEADER_SIZE + csize;
        if (type != VGL_TRACE_CHUNK_RECORDS) {
            continue; /* a chunk type of a later version: skipped whole */
        }
        const int rc = load_records(r, at, csize, usize, count);
        if (rc != 1 || count > 0) {
            return rc;
        }
    }
}

VGL_API int vgl_trace_reader_next(struct vgl_trace_reader *r, struct vgl_trace_record *rec) {
    if (!r || !rec) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    if (r->error != VGL_OK) {
        return r->error;
    }
    if (r->records_left == 0) {
        if (r->at_end) {
            return 0;
        }
        const int rc = load_chunk(r);
        if (rc != 1) {
            return rc;
        }
    }
    /* load_records() checked every record header and size of this chunk. */
    const uint8_t *p = r->data + r->pos;
    rec->type = vgl_get_u32(p + VGL_TRACE_REC_TYPE);
    rec->size = vgl_get_u32(p + VGL_TRACE_REC_SIZE);
    /* A version 2 time is any u64 the writer put there: callers treat it as untrusted. */
    rec->time_ns = r->version == VGL_TRACE_VERSION_V1 ? VGL_TRACE_NO_TIME
                                                      : vgl_get_u64(p + VGL_TRACE_REC_TIME);
    rec->data = p + r->record_header;
    rec->chunk_offset = r->chunk_offset;
    r->pos += r->record_header + rec->size;
    r->records_left--;
    return 1;
}

static bool is_magic_prefix(const uint8_t *h, size_t n) {
    return memcmp(h, VGL_TRACE_MAGIC, n < VGL_TRACE_MAGIC_SIZE ? n : VGL_TRACE_MAGIC_SIZE) == 0;
}

static enum vgl_status check_header(const char *path, const uint8_t *h, size_t got,
                                    uint32_t *version) {
    if (!is_magic_prefix(h, got)) {
        vgl_log(VGL_LOG_ERROR, "%s: file header at byte 0: not a vgl trace file (bad magic)", path);
        return VGL_ERROR_CORRUPT;
    }
    if (got < VGL_TRACE_HEADER_SIZE) {
        vgl_log(VGL_LOG_ERROR,
                "%s: file ends at byte %zu inside the file header at byte 0 (%u bytes)", path, got,
                VGL_TRACE_HEADER_SIZE);
        return VGL_ERROR_TRUNCATED;
    }
    if (vgl_get_u32(h + VGL_TRACE_HDR_CRC) != (uint32_t)crc32(0L, h, VGL_TRACE_HDR_CRC)) {
        vgl_log(VGL_LOG_ERROR, "%s: file header at byte 0: CRC mismatch", path);
        return VGL_ERROR_CORRUPT;
    }
    *version = vgl_get_u32(h + VGL_TRACE_HDR_VERSION);
    if (*version != VGL_TRACE_VERSION_V1 && *version != VGL_TRACE_VERSION) {
        vgl_log(VGL_LOG_ERROR,
                "%s: file header at byte 0: unsupported trace format version %u (this reader knows "
                "%u and %u)",
                path, *version, VGL_TRACE_VERSION_V1, VGL_TRACE_VERSION);
        return VGL_ERROR_CORRUPT;
    }
    const uint32_t header_size = vgl_get_u32(h + VGL_TRACE_HDR_HEADER_SIZE);
    if (header_size != VGL_TRACE_HEADER_SIZE) {
        vgl_log(VGL_LOG_ERROR, "%s: file header at byte 0: header size %u, version %u requires %u",
                path, header_size, *version, VGL_TRACE_HEADER_SIZE);
        return VGL_ERROR_CORRUPT;
    }
    const uint32_t flags = vgl_get_u32(h + VGL_TRACE_HDR_FLAGS);
    if (flags != 0) {
        vgl_log(VGL_LOG_ERROR, "%s: file header at byte 0: reserved flags 0x%x are set", path,
                flags);
        return VGL_ERROR_CORRUPT;
    }
    return VGL_OK;
}

VGL_API enum vgl_status vgl_trace_reader_open(const char *path, struct vgl_trace_reader **out) {
    if (!out) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    *out = NULL;
    if (!path) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    int fd;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        vgl_log(VGL_LOG_ERROR, "%s: cannot open: %s", path, strerror(errno));
        return VGL_ERROR_IO;
    }
    uint8_t h[VGL_TRACE_HEADER_SIZE];
    size_t got;
    if (read_full(fd, h, sizeof(h), &got) != VGL_OK) {
        vgl_log(VGL_LOG_ERROR, "%s: read error: %s", path, strerror(errno));
        close(fd);
        return VGL_ERROR_IO;
    }
    uint32_t version = 0;
    enum vgl_status st = check_header(path, h, got, &version);
    if (st != VGL_OK) {
        close(fd);
        return st;
    }

    struct vgl_trace_reader *r = calloc(1, sizeof(*r));
    if (!r) {
        close(fd);
        return VGL_ERROR_NO_MEMORY;
    }
    r->dctx = ZSTD_createDCtx();
    if (!r->dctx) {
        free(r);
        close(fd);
        return VGL_ERROR_NO_MEMORY;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        r->sized = true;
        r->size = (uint64_t)sb.st_size;
    }
    r->fd = fd;
    r->version = version;
    r->record_header = version == VGL_TRACE_VERSION_V1 ? VGL_TRACE_RECORD_HEADER_SIZE_V1
                                                       : VGL_TRACE_RECORD_HEADER_SIZE;
    r->offset = VGL_TRACE_HEADER_SIZE;
    *out = r;
    return VGL_OK;
}

VGL_API uint64_t vgl_trace_reader_error_offset(const struct vgl_trace_reader *r) {
    return r && r->error != VGL_OK ? r->error_offset : 0;
}

VGL_API const char *vgl_trace_reader_error_message(const struct vgl_trace_reader *r) {
    return r && r->error != VGL_OK ? r->error_message : "no error";
}

VGL_API uint32_t vgl_trace_reader_version(const struct vgl_trace_reader *r) {
    return r ? r->version : 0;
}

VGL_API void vgl_trace_reader_destroy(struct vgl_trace_reader *r) {
    if (!r) {
        return;
    }
    close(r->fd);
    ZSTD_freeDCtx(r->dctx);
    free(r->payload);
    free(r->data);
    free(r);
}
