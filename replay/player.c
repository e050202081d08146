/* SPDX-License-Identifier: MIT */
/*
 * Replays trace records on a fresh renderer. Every record is checked for size before its fields
 * are read; guest memory is recreated from ATTACH_BACKING sizes and GUEST_DATA bytes, so the
 * trace file is all replay needs.
 */
#include "player.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "png_writer.h"

/* Replay allocates backings of the recorded size; a hostile trace cannot ask for more. */
#define MAX_BACKING (1ull << 30)

struct backing {
    uint32_t ctx, handle;
    uint8_t *mem;
    uint64_t size;
};

struct readback {
    bool active;
    uint32_t crc;
    uint64_t bytes;
    uint8_t *texels;
    size_t capacity;
};

struct player {
    const struct player_options *opts;
    struct player_stats *stats;
    struct vgl_renderer *r;
    struct backing *backings;
    size_t backing_count, backing_capacity;
    struct readback rb;
};

struct cursor {
    const uint8_t *p;
    uint32_t left;
};

static bool take_u32(struct cursor *c, uint32_t *v) {
    if (c->left < 4) {
        return false;
    }
    *v = vgl_get_u32(c->p);
    c->p += 4;
    c->left -= 4;
    return true;
}

static bool take_i32(struct cursor *c, int32_t *v) {
    uint32_t u;
    if (!take_u32(c, &u)) {
        return false;
    }
    memcpy(v, &u, sizeof(u));
    return true;
}

static bool take_u64(struct cursor *c, uint64_t *v) {
    if (c->left < 8) {
        return false;
    }
    *v = vgl_get_u64(c->p);
    c->p += 8;
    c->left -= 8;
    return true;
}

static struct backing *find_backing(struct player *pl, uint32_t ctx, uint32_t handle) {
    for (size_t i = 0; i < pl->backing_count; i++) {
        if (pl->backings[i].ctx == ctx && pl->backings[i].handle == handle) {
            return &pl->backings[i];
        }
    }
    return NULL;
}

static void drop_backing(struct player *pl, uint32_t ctx, uint32_t handle) {
    struct backing *b = find_backing(pl, ctx, handle);
    if (b) {
        free(b->mem);
        *b = pl->backings[--pl->backing_count];
    }
}

static void drop_context_backings(struct player *pl, uint32_t ctx) {
    for (size_t i = 0; i < pl->backing_count;) {
        if (pl->backings[i].ctx == ctx) {
            free(pl->backings[i].mem);
            pl->backings[i] = pl->backings[--pl->backing_count];
        } else {
            i++;
        }
    }
}

static void on_backing_written(void *user, uint32_t ctx, uint32_t handle, uint64_t offset,
                               const void *data, size_t size) {
    struct readback *rb = &((struct player *)user)->rb;
    if (!rb->active) {
        return;
    }
    rb->crc = (uint32_t)crc32_z(rb->crc, data, size);
    if (rb->bytes + size > rb->capacity) {
        size_t cap = rb->capacity ? rb->capacity : 4096;
        while (cap < rb->bytes + size) {
            cap *= 2;
        }
        uint8_t *p = realloc(rb->texels, cap);
        if (!p) {
            rb->active = false;
            return;
        }
        rb->texels = p;
        rb->capacity = cap;
    }
    memcpy(rb->texels + rb->bytes, data, size);
    rb->bytes += size;
}

static void check_status(struct player *pl, const char *what, int32_t recorded,
                         enum vgl_status got) {
    if ((int32_t)got != recorded) {
        pl->stats->status_mismatches++;
        fprintf(stderr, "virgl-replay: %s returned %s, capture saw %s\n", what, vgl_status_str(got),
                vgl_status_str((enum vgl_status)recorded));
    }
}

static enum vgl_status bad_record(const struct vgl_trace_record *rec) {
    fprintf(stderr, "virgl-replay: %s record of %u bytes is malformed (chunk at byte %llu)\n",
            vgl_trace_record_name(rec->type), rec->size, (unsigned long long)rec->chunk_offset);
    return VGL_ERROR_CORRUPT;
}

static bool take_transfer(struct cursor *c, struct vgl_transfer *t) {
    return take_u32(c, &t->handle) && take_u32(c, &t->level) && take_u32(c, &t->stride) &&
           take_u32(c, &t->layer_stride) && take_i32(c, &t->box.x) && take_i32(c, &t->box.y) &&
           take_i32(c, &t->box.z) && take_i32(c, &t->box.w) && take_i32(c, &t->box.h) &&
           take_i32(c, &t->box.d) && take_u64(c, &t->offset);
}

static enum vgl_status play_attach(struct player *pl, uint32_t ctx, int32_t status,
                                   struct cursor *c, const struct vgl_trace_record *rec) {
    uint32_t handle;
    uint64_t size;
    if (!take_u32(c, &handle) || !take_u64(c, &size)) {
        return bad_record(rec);
    }
    if (size == 0 || size > MAX_BACKING || find_backing(pl, ctx, handle)) {
        fprintf(stderr, "virgl-replay: skipping backing of %llu bytes for resource %u\n",
                (unsigned long long)size, handle);
        return VGL_OK;
    }
    if (pl->backing_count == pl->backing_capacity) {
        const size_t cap = pl->backing_capacity ? pl->backing_capacity * 2 : 64;
        struct backing *b = realloc(pl->backings, cap * sizeof(*b));
        if (!b) {
            return VGL_ERROR_NO_MEMORY;
        }
        pl->backings = b;
        pl->backing_capacity = cap;
    }
    uint8_t *mem = calloc(1, size);
    if (!mem) {
        return VGL_ERROR_NO_MEMORY;
    }
    pl->backings[pl->backing_count++] = (struct backing){ctx, handle, mem, size};
    const struct iovec iov = {mem, size};
    check_status(pl, "ATTACH_BACKING", status,
                 vgl_renderer_resource_attach_backing(pl->r, ctx, handle, &iov, 1));
    return VGL_OK;
}

static enum vgl_status play_guest_data(struct player *pl, uint32_t ctx, struct cursor *c,
                                       const struct vgl_trace_record *rec) {
    uint32_t handle;
    uint64_t offset;
    if (!take_u32(c, &handle) || !take_u64(c, &offset)) {
        return bad_record(rec);
    }
    struct backing *b = find_backing(pl, ctx, handle);
    if (!b || offset > b->size || c->left > b->size - offset) {
        fprintf(stderr, "virgl-replay: guest data outside the backing of resource %u\n", handle);
        return VGL_OK;
    }
    memcpy(b->mem + offset, c->p, c->left);
    pl->stats->guest_bytes += c->left;
    return VGL_OK;
}

static void play_frame(struct player *pl, uint32_t ctx, struct cursor *c) {
    uint32_t handle, frame, format, bytes, crc;
    int32_t w, h;
    if (!take_u32(c, &handle) || !take_u32(c, &frame) || !take_u32(c, &format) ||
        !take_i32(c, &w) || !take_i32(c, &h) || !take_u32(c, &bytes) || !take_u32(c, &crc)) {
        fprintf(stderr, "virgl-replay: malformed FRAME record\n");
        return;
    }
    struct player_stats *st = pl->stats;
    st->frames++;
    const bool match = pl->rb.bytes == bytes && pl->rb.crc == crc;
    if (match) {
        st->frames_matched++;
    } else {
        st->frames_mismatched++;
        fprintf(stderr,
                "virgl-replay: frame %u (resource %u, %dx%d): crc32 %08x over %llu bytes, "
                "capture recorded %08x over %u bytes\n",
                frame, handle, w, h, pl->rb.crc, (unsigned long long)pl->rb.bytes, crc, bytes);
    }
    if (pl->opts->verbose) {
        printf("frame %u: %dx%d format %u crc32 %08x %s\n", frame, w, h, format, pl->rb.crc,
               match ? "ok" : "MISMATCH");
    }
    if (pl->opts->snapshot_dir && w > 0 && h > 0 && pl->rb.bytes == (uint64_t)bytes &&
        bytes % ((uint64_t)w * (uint64_t)h) == 0) {
        char path[4096], why[160];
        snprintf(path, sizeof(path), "%s/frame-%04u.png", pl->opts->snapshot_dir, frame);
        if (png_write_texels(path, format, (uint32_t)w, (uint32_t)h, pl->rb.texels, why,
                             sizeof(why))) {
            st->snapshots_written++;
        } else {
            st->snapshot_failures++;
            fprintf(stderr, "virgl-replay: no snapshot for frame %u: %s\n", frame, why);
        }
    }
}

static enum vgl_status play_record(struct player *pl, const struct vgl_trace_record *rec) {
    struct cursor c = {rec->data, rec->size};
    uint32_t ctx = 0;
    int32_t status = 0;
    struct vgl_renderer *r = pl->r;
    switch (rec->type) {
    case VGL_REC_INFO:
    case VGL_REC_CAPS:
        return VGL_OK;
    case VGL_REC_END:
        pl->stats->clean_end = true;
        return VGL_OK;
    case VGL_REC_CONTEXT_DESTROY:
        if (!take_u32(&c, &ctx)) {
            return bad_record(rec);
        }
        vgl_renderer_context_destroy(r, ctx);
        drop_context_backings(pl, ctx);
        pl->stats->calls++;
        return VGL_OK;
    case VGL_REC_GUEST_DATA:
        if (!take_u32(&c, &ctx)) {
            return bad_record(rec);
        }
        return play_guest_data(pl, ctx, &c, rec);
    case VGL_REC_FRAME:
        if (!take_u32(&c, &ctx)) {
            return bad_record(rec);
        }
        play_frame(pl, ctx, &c);
        return VGL_OK;
    default:
        break;
    }
    /* Every other record is a call: ctx, recorded status, arguments. */
    if (!take_u32(&c, &ctx) || !take_i32(&c, &status)) {
        return bad_record(rec);
    }
    pl->stats->calls++;
    const char *name = vgl_trace_record_name(rec->type);
    switch (rec->type) {
    case VGL_REC_CONTEXT_CREATE: {
        char cname[64];
        const size_t n = c.left < sizeof(cname) - 1 ? c.left : sizeof(cname) - 1;
        memcpy(cname, c.p, n);
        cname[n] = '\0';
        check_status(pl, name, status, vgl_renderer_context_create(r, ctx, cname));
        return VGL_OK;
    }
    case VGL_REC_RESOURCE_CREATE: {
        struct vgl_resource_args a;
        uint32_t *f[] = {&a.handle,     &a.target,     &a.format, &a.bind,
                         &a.width,      &a.height,     &a.depth,  &a.array_size,
                         &a.last_level, &a.nr_samples, &a.flags};
        for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
            if (!take_u32(&c, f[i])) {
                return bad_record(rec);
            }
        }
        check_status(pl, name, status, vgl_renderer_resource_create(r, ctx, &a));
        return VGL_OK;
    }
    case VGL_REC_RESOURCE_UNREF:
    case VGL_REC_DETACH_BACKING: {
        uint32_t handle;
        if (!take_u32(&c, &handle)) {
            return bad_record(rec);
        }
        check_status(pl, name, status,
                     rec->type == VGL_REC_RESOURCE_UNREF
                             ? vgl_renderer_resource_unref(r, ctx, handle)
                             : vgl_renderer_resource_detach_backing(r, ctx, handle));
        drop_backing(pl, ctx, handle);
        return VGL_OK;
    }
    case VGL_REC_ATTACH_BACKING:
        return play_attach(pl, ctx, status, &c, rec);
    case VGL_REC_TRANSFER_WRITE:
    case VGL_REC_TRANSFER_READ: {
        struct vgl_transfer t;
        if (!take_transfer(&c, &t)) {
            return bad_record(rec);
        }
        if (rec->type == VGL_REC_TRANSFER_WRITE) {
            check_status(pl, name, status, vgl_renderer_transfer_write(r, ctx, &t));
            return VGL_OK;
        }
        pl->rb.active = true;
        pl->rb.crc = (uint32_t)crc32_z(0, NULL, 0);
        pl->rb.bytes = 0;
        check_status(pl, name, status, vgl_renderer_transfer_read(r, ctx, &t));
        pl->rb.active = false;
        return VGL_OK;
    }
    case VGL_REC_SUBMIT: {
        uint32_t ndw;
        if (!take_u32(&c, &ndw) || c.left / 4 != ndw || c.left % 4) {
            return bad_record(rec);
        }
        uint32_t *cmds = malloc((size_t)ndw * 4 + 4);
        if (!cmds) {
            return VGL_ERROR_NO_MEMORY;
        }
        for (uint32_t i = 0; i < ndw; i++) {
            cmds[i] = vgl_get_u32(c.p + 4 * i);
        }
        check_status(pl, name, status, vgl_renderer_submit(r, ctx, cmds, ndw));
        free(cmds);
        pl->stats->submits++;
        pl->stats->submit_dwords += ndw;
        return VGL_OK;
    }
    case VGL_REC_FENCE: {
        uint64_t id;
        if (!take_u64(&c, &id)) {
            return bad_record(rec);
        }
        check_status(pl, name, status, vgl_renderer_create_fence(r, ctx, id));
        vgl_renderer_poll(r);
        return VGL_OK;
    }
    case VGL_REC_WAIT_IDLE:
        check_status(pl, name, status, vgl_renderer_wait_idle(r, ctx));
        return VGL_OK;
    default:
        /* Unknown record types from a newer writer are skipped. */
        pl->stats->calls--;
        return VGL_OK;
    }
}

enum vgl_status player_run(const char *path, const struct player_options *opts,
                           struct player_stats *stats) {
    memset(stats, 0, sizeof(*stats));
    struct vgl_trace_reader *reader = NULL;
    enum vgl_status status = vgl_trace_reader_open(path, &reader);
    if (status != VGL_OK) {
        stats->read_status = status;
        snprintf(stats->error_message, sizeof(stats->error_message), "%s",
                 reader ? vgl_trace_reader_error_message(reader) : vgl_status_str(status));
        vgl_trace_reader_destroy(reader);
        return status;
    }
    struct player pl = {.opts = opts, .stats = stats};
    status = vgl_renderer_create(NULL, &pl.r);
    if (status != VGL_OK) {
        vgl_trace_reader_destroy(reader);
        return status;
    }
    const struct vgl_renderer_hooks hooks = {.backing_written = on_backing_written};
    vgl_renderer_set_hooks(pl.r, &hooks, &pl);
    struct vgl_trace_record rec;
    int rc;
    while ((rc = vgl_trace_reader_next(reader, &rec)) > 0) {
        stats->records++;
        status = play_record(&pl, &rec);
        if (status != VGL_OK) {
            stats->read_status = status;
            stats->error_offset = rec.chunk_offset;
            snprintf(stats->error_message, sizeof(stats->error_message),
                     "malformed %s record in the chunk at byte %llu",
                     vgl_trace_record_name(rec.type), (unsigned long long)rec.chunk_offset);
            break;
        }
    }
    if (rc < 0) {
        status = (enum vgl_status)rc;
        stats->read_status = status;
        stats->error_offset = vgl_trace_reader_error_offset(reader);
        snprintf(stats->error_message, sizeof(stats->error_message), "%s",
                 vgl_trace_reader_error_message(reader));
    }
    vgl_renderer_destroy(pl.r);
    drop_context_backings(&pl, 0);
    for (size_t i = 0; i < pl.backing_count; i++) {
        free(pl.backings[i].mem);
    }
    free(pl.backings);
    free(pl.rb.texels);
    vgl_trace_reader_destroy(reader);
    return status;
}
