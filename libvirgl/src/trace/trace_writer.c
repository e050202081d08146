/* SPDX-License-Identifier: MIT */
/*
 * The .vgz writer: buffers records into chunks and hands each whole chunk to a thread of its own,
 * which compresses it as one zstd frame and appends it with its checksummed header; the first
 * I/O error is latched.
 *
 * The queue holds one chunk: while the thread writes it, the caller fills the next, and sealing
 * another waits (back-pressure, so memory stays at two chunks). A SIGKILL therefore loses at most
 * the chunk being written and the one being filled, as when the caller wrote its own. flush
 * returns once everything added is in the file; seal hands the chunk over without waiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include <vgl/trace.h>

#include "trace/trace_format.h"

struct chunk {
    uint8_t *data; /* records, uncompressed */
    size_t len, cap;
    uint32_t count;
};

struct vgl_trace_writer {
    int fd;

    /* The caller's side. */
    struct chunk fill;    /* records being added */
    uint64_t t0_ns;       /* CLOCK_MONOTONIC at create: time 0 of the records */
    uint64_t last_ns;     /* the largest time written so far */
    enum vgl_status seen; /* the latched error as of the last hand-over */

    /* Shared, under lock. */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t thread;
    bool thread_started;
    struct chunk queued; /* handed over; the thread writes it while `busy` */
    bool busy;
    bool quit;
    struct chunk spare;    /* a written chunk's buffer, for the caller to fill next */
    enum vgl_status error; /* latched: once set, every call returns it */
    uint64_t bytes_written;

    /* The writing thread's (or the caller's while the thread is idle). */
    bool header_written;
    uint8_t *out; /* chunk header followed by the compressed payload */
    size_t out_cap;
    ZSTD_CCtx *cctx;
};

/* Latches the first error; called with the lock held. */
static enum vgl_status latch_locked(struct vgl_trace_writer *w, enum vgl_status status,
                                    const char *what, int err) {
    if (w->error == VGL_OK) {
        w->error = status;
        vgl_log(VGL_LOG_ERROR, "trace writer: %s: %s; the trace is cut after byte %llu", what,
                err ? strerror(err) : "failed", (unsigned long long)w->bytes_written);
    }
    return w->error;
}

/* What one write of the thread failed with. */
struct failure {
    enum vgl_status status;
    const char *what;
    int err;
};

static bool write_all(int fd, const uint8_t *p, size_t n, struct failure *f) {
    while (n > 0) {
        const ssize_t got = write(fd, p, n);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            *f = (struct failure){VGL_ERROR_IO, "write failed", errno};
            return false;
        }
        if (got == 0) {
            *f = (struct failure){VGL_ERROR_IO, "write made no progress", ENOSPC};
            return false;
        }
        p += got;
        n -= (size_t)got;
    }
    return true;
}

static bool write_file_header(struct vgl_trace_writer *w, uint64_t *written, struct failure *f) {
    uint8_t h[VGL_TRACE_HEADER_SIZE];
    memcpy(h + VGL_TRACE_HDR_MAGIC, VGL_TRACE_MAGIC, VGL_TRACE_MAGIC_SIZE);
    vgl_put_u32(h + VGL_TRACE_HDR_VERSION, VGL_TRACE_VERSION);
    vgl_put_u32(h + VGL_TRACE_HDR_HEADER_SIZE, VGL_TRACE_HEADER_SIZE);
    vgl_put_u32(h + VGL_TRACE_HDR_FLAGS, 0);
    vgl_put_u32(h + VGL_TRACE_HDR_CRC, (uint32_t)crc32(0L, h, VGL_TRACE_HDR_CRC));
    if (!write_all(w->fd, h, sizeof(h), f)) {
        return false;
    }
    w->header_written = true;
    *written += sizeof(h);
    return true;
}

/* Compresses and appends one chunk (the file header first, once); adds the bytes written. */
static bool write_chunk(struct vgl_trace_writer *w, const struct chunk *c, uint64_t *written,
                        struct failure *f) {
    if (!w->header_written && !write_file_header(w, written, f)) {
        return false;
    }
    if (c->count == 0) {
        return true;
    }
    const size_t bound = ZSTD_compressBound(c->len);
    if (ZSTD_isError(bound) || bound > SIZE_MAX - VGL_TRACE_CHUNK_HEADER_SIZE) {
        *f = (struct failure){VGL_ERROR_OVERFLOW, "chunk too large to compress", 0};
        return false;
    }
    const size_t need = VGL_TRACE_CHUNK_HEADER_SIZE + bound;
    if (need > w->out_cap) {
        uint8_t *p = realloc(w->out, need);
        if (!p) {
            *f = (struct failure){VGL_ERROR_NO_MEMORY, "out of memory for a compressed chunk",
                                  ENOMEM};
            return false;
        }
        w->out = p;
        w->out_cap = need;
    }

    uint8_t *payload = w->out + VGL_TRACE_CHUNK_HEADER_SIZE;
    const size_t csize = ZSTD_compress2(w->cctx, payload, bound, c->data, c->len);
    if (ZSTD_isError(csize)) {
        vgl_log(VGL_LOG_ERROR, "trace writer: zstd: %s", ZSTD_getErrorName(csize));
        *f = (struct failure){VGL_ERROR_GENERIC, "compression failed", 0};
        return false;
    }
    if (csize > UINT32_MAX || c->len > VGL_TRACE_MAX_CHUNK) {
        *f = (struct failure){VGL_ERROR_OVERFLOW, "chunk size out of range", 0};
        return false;
    }

    uint8_t *h = w->out;
    vgl_put_u32(h + VGL_TRACE_CHK_MAGIC, VGL_TRACE_CHUNK_MAGIC);
    vgl_put_u32(h + VGL_TRACE_CHK_TYPE, VGL_TRACE_CHUNK_RECORDS);
    vgl_put_u32(h + VGL_TRACE_CHK_CSIZE, (uint32_t)csize);
    vgl_put_u32(h + VGL_TRACE_CHK_USIZE, (uint32_t)c->len);
    vgl_put_u32(h + VGL_TRACE_CHK_COUNT, c->count);
    vgl_put_u32(h + VGL_TRACE_CHK_PAYLOAD_CRC, (uint32_t)crc32(0L, payload, (uInt)csize));
    vgl_put_u32(h + VGL_TRACE_CHK_HEADER_CRC, (uint32_t)crc32(0L, h, VGL_TRACE_CHK_HEADER_CRC));

    const size_t total = VGL_TRACE_CHUNK_HEADER_SIZE + csize;
    if (!write_all(w->fd, w->out, total, f)) {
        return false;
    }
    *written += total;
    return true;
}

/* Writes what is queued (the whole chunk, or nothing after an error) and hands its buffer back
 * as the spare. Called with the lock held; drops it while writing. */
static void write_queued(struct vgl_trace_writer *w) {
    struct chunk c = w->queued;
    const bool skip = w->error != VGL_OK;
    pthread_mutex_unlock(&w->lock);
    uint64_t written = 0;
    struct failure f = {VGL_OK, NULL, 0};
    const bool ok = skip || write_chunk(w, &c, &written, &f);
    pthread_mutex_lock(&w->lock);
    w->bytes_written += written;
    if (!ok) {
        latch_locked(w, f.status, f.what, f.err);
    }
    c.len = 0;
    c.count = 0;
    free(w->spare.data);
    w->spare = c;
    w->queued = (struct chunk){0};
    w->busy = false;
    pthread_cond_broadcast(&w->changed);
}

static void *writer_thread(void *arg) {
    struct vgl_trace_writer *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->busy && !w->quit) {
            pthread_cond_wait(&w->changed, &w->lock);
        }
        if (!w->busy) {
            break; /* quit with nothing queued */
        }
        write_queued(w);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Hands the chunk being filled to the thread, once the one before is written; with `wait`,
 * returns when this one is written too. Returns the latched error. */
static enum vgl_status hand_over(struct vgl_trace_writer *w, bool wait) {
    pthread_mutex_lock(&w->lock);
    while (w->busy) {
        pthread_cond_wait(&w->changed, &w->lock);
    }
    if (w->fill.count || (wait && !w->header_written)) {
        w->queued = w->fill;
        w->fill = w->spare;
        w->spare = (struct chunk){0};
        w->busy = true;
        pthread_cond_broadcast(&w->changed);
        while (wait && w->busy) {
            pthread_cond_wait(&w->changed, &w->lock);
        }
    }
    w->seen = w->error;
    pthread_mutex_unlock(&w->lock);
    return w->seen;
}

VGL_API enum vgl_status vgl_trace_writer_flush(struct vgl_trace_writer *w) {
    if (!w) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    return hand_over(w, true);
}

VGL_API enum vgl_status vgl_trace_writer_seal(struct vgl_trace_writer *w) {
    if (!w) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    return hand_over(w, false);
}

/* Make room for `extra` more bytes in the chunk being filled; the caller guarantees the total fits
 * a chunk. */
static enum vgl_status reserve(struct chunk *c, size_t extra) {
    const size_t need = c->len + extra;
    if (need <= c->cap) {
        return VGL_OK;
    }
    size_t cap = c->cap ? c->cap : 64u << 10;
    while (cap < need) {
        cap = cap > VGL_TRACE_MAX_CHUNK / 2 ? VGL_TRACE_MAX_CHUNK : cap * 2;
    }
    uint8_t *p = realloc(c->data, cap);
    if (!p) {
        return VGL_ERROR_NO_MEMORY;
    }
    c->data = p;
    c->cap = cap;
    return VGL_OK;
}

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

VGL_API enum vgl_status vgl_trace_writer_add(struct vgl_trace_writer *w, uint32_t type,
                                             const void *head, size_t head_size, const void *tail,
                                             size_t tail_size) {
    if (!w) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    /* Never before a time already written (add_at may have copied later ones), so the times of
     * a capture only grow. */
    const uint64_t now = mono_ns() - w->t0_ns;
    return vgl_trace_writer_add_at(w, now > w->last_ns ? now : w->last_ns, type, head, head_size,
                                   tail, tail_size);
}

VGL_API enum vgl_status vgl_trace_writer_add_at(struct vgl_trace_writer *w, uint64_t time_ns,
                                                uint32_t type, const void *head, size_t head_size,
                                                const void *tail, size_t tail_size) {
    if (!w || (head_size && !head) || (tail_size && !tail)) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    if (w->seen != VGL_OK) {
        return w->seen;
    }
    if (tail_size > SIZE_MAX - head_size) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    const size_t size = head_size + tail_size;
    if (size > VGL_TRACE_MAX_RECORD) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    const size_t rec = VGL_TRACE_RECORD_HEADER_SIZE + size; /* cannot wrap: size is bounded */

    if (w->fill.len > VGL_TRACE_MAX_CHUNK - rec) {
        const enum vgl_status st = hand_over(w, false);
        if (st != VGL_OK) {
            return st;
        }
    }
    const enum vgl_status st = reserve(&w->fill, rec);
    if (st != VGL_OK) {
        return st;
    }

    if (time_ns == VGL_TRACE_NO_TIME) {
        time_ns = w->last_ns; /* a record copied from a version 1 trace */
    }
    if (time_ns > w->last_ns) {
        w->last_ns = time_ns;
    }
    uint8_t *p = w->fill.data + w->fill.len;
    vgl_put_u32(p + VGL_TRACE_REC_TYPE, type);
    vgl_put_u32(p + VGL_TRACE_REC_SIZE, (uint32_t)size);
    vgl_put_u64(p + VGL_TRACE_REC_TIME, time_ns);
    if (head_size) {
        memcpy(p + VGL_TRACE_RECORD_HEADER_SIZE, head, head_size);
    }
    if (tail_size) {
        memcpy(p + VGL_TRACE_RECORD_HEADER_SIZE + head_size, tail, tail_size);
    }
    w->fill.len += rec;
    w->fill.count++;

    if (w->fill.len >= VGL_TRACE_CHUNK_TARGET) {
        return hand_over(w, false);
    }
    return VGL_OK;
}

static void free_writer(struct vgl_trace_writer *w) {
    ZSTD_freeCCtx(w->cctx);
    free(w->fill.data);
    free(w->queued.data);
    free(w->spare.data);
    free(w->out);
    pthread_cond_destroy(&w->changed);
    pthread_mutex_destroy(&w->lock);
    free(w);
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
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->changed, NULL);
    w->cctx = ZSTD_createCCtx();
    if (!w->cctx || ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1))) {
        free_writer(w);
        return VGL_ERROR_NO_MEMORY;
    }
    do {
        w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    } while (w->fd < 0 && errno == EINTR);
    if (w->fd < 0) {
        vgl_log(VGL_LOG_ERROR, "trace writer: cannot create %s: %s", path, strerror(errno));
        free_writer(w);
        return VGL_ERROR_IO;
    }
    if (pthread_create(&w->thread, NULL, writer_thread, w) != 0) {
        vgl_log(VGL_LOG_ERROR, "trace writer: cannot start its thread");
        close(w->fd);
        free_writer(w);
        return VGL_ERROR_NO_MEMORY;
    }
    w->thread_started = true;
    w->t0_ns = mono_ns();
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
    pthread_mutex_lock(&w->lock);
    w->quit = true;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    if (w->fd >= 0 && close(w->fd) != 0 && errno != EINTR) {
        latch_locked(w, VGL_ERROR_IO, "close failed", errno); /* the thread is gone */
    }
    const enum vgl_status st = w->error;
    free_writer(w);
    return st;
}

VGL_API uint64_t vgl_trace_writer_bytes(const struct vgl_trace_writer *w) {
    if (!w) {
        return 0;
    }
    struct vgl_trace_writer *m = (struct vgl_trace_writer *)w; /* the lock only */
    pthread_mutex_lock(&m->lock);
    const uint64_t n = w->bytes_written;
    pthread_mutex_unlock(&m->lock);
    return n;
}
