/* SPDX-License-Identifier: MIT */
/*
 * Replays trace records on a renderer. Records are parsed by vgl_trace_call_parse (one place
 * checks their sizes); guest memory is recreated from ATTACH_BACKING sizes and GUEST_DATA bytes,
 * so the trace file is all replay needs.
 */
#include "player.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include <vgl/format.h>
#include <vgl/frame_marks.h>
#include <vgl/trace_call.h>

#include "backend.h"
#include "leaks.h"
#include "png_writer.h"
#include "profile.h"
#include "progress.h"
#include "protocol/virgl_protocol.h"

/* Replay allocates backings of the recorded size; a hostile trace cannot ask for more. */
#define MAX_BACKING  (1ull << 30)
#define MAX_CONTEXTS 4096

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

/* Transfers one submit can make (a TRANSFER3D is 14 of its 66,560 dwords). */
#define PLAYER_SUBMIT_TRANSFERS 4800

struct split_mark {
    struct vgl_trace_call call; /* a FRAME_MARK: no bytes to keep */
    uint64_t time_ns;
};

struct player {
    struct player_options opts;
    struct player_stats *stats;
    struct backend *b;
    struct backing *backings;
    size_t backing_count, backing_capacity;
    struct readback rb;
    uint32_t live_ctx[MAX_CONTEXTS]; /* contexts created and not destroyed */
    uint32_t live_ctx_count;
    uint64_t call;           /* index of the call being replayed */
    uint64_t last_read_call; /* the call of the latest TRANSFER_READ */
    uint64_t draws;          /* draw-like commands submitted so far */
    bool draw_stop;          /* stop_after_draw was reached */
    double frame_wall, frame_cpu;
    struct progress progress;
    uint32_t frame_type; /* VGL_REC_FRAME or VGL_REC_FRAME_MARK: what this trace's frames are */
    bool attach_warned;
    /* Read-backs inside the last SUBMIT (COPY_TRANSFER3D from the host into a staging buffer):
     * the FRAME records after it check these, in order. */
    struct vgl_submit_transfer *reads; /* PLAYER_SUBMIT_TRANSFERS */
    size_t read_count, read_next;
    uint32_t reads_ctx;
    uint32_t last_call; /* type of the latest call record */
    /* Marks of frames that start inside the next SUBMIT of their context, in record order; at
     * most 16,384 (one submit can start about 7,400: a CLEAR is 9 of its 66,560 dwords), more
     * are played where they are. */
    struct split_mark *splits;
    size_t split_count, split_capacity;

    /* Time, all CLOCK_MONOTONIC ns. The recorded clock is the trace's times made safe: it starts
     * at 0 at the first record with a time and only moves forward, by at most
     * PLAYER_PACE_MAX_GAP_NS per record. */
    uint64_t run_start_ns;
    bool timed;           /* a record with a time was seen */
    uint64_t rec_last;    /* the largest recorded time seen */
    uint64_t rec_elapsed; /* the recorded clock */
    bool frame_open;      /* a call since the last frame record: the frame has started */
    uint64_t frame_start_ns;
    uint32_t frames_started;
    uint64_t pace_period_ns;    /* --pace HZ */
    uint64_t captured_frame_ns; /* --profile: where the previous captured frame ended */
};

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t add_sat(uint64_t a, uint64_t b) {
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Sleeps until `deadline` (CLOCK_MONOTONIC ns); returns at once when it has passed. */
static void sleep_until(uint64_t deadline) {
    if (deadline <= mono_ns()) {
        return;
    }
    const struct timespec ts = {(time_t)(deadline / 1000000000ull),
                                (long)(deadline % 1000000000ull)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

/* Advances the recorded clock to a record's time. Times are untrusted: one going backwards moves
 * nothing, and a jump counts as at most PLAYER_PACE_MAX_GAP_NS, so no time makes the pacer
 * sleep long or wrap. */
static void follow_time(struct player *pl, uint64_t t) {
    if (t == VGL_TRACE_NO_TIME) {
        return;
    }
    if (!pl->timed) {
        pl->timed = true;
        pl->rec_last = t;
        return;
    }
    if (t > pl->rec_last) {
        const uint64_t gap = t - pl->rec_last;
        pl->rec_elapsed = add_sat(pl->rec_elapsed,
                                  gap < PLAYER_PACE_MAX_GAP_NS ? gap : PLAYER_PACE_MAX_GAP_NS);
        pl->rec_last = t;
    }
}

/* Before a call: the frame starts here when it is the first call since the previous frame
 * record (--pace HZ waits for the period to pass first); --pace recorded waits for the call's
 * recorded time. */
static void before_call(struct player *pl, uint64_t t) {
    if (pl->opts.pace == PLAYER_PACE_RECORDED && t != VGL_TRACE_NO_TIME) {
        sleep_until(add_sat(pl->run_start_ns, pl->rec_elapsed));
    }
    if (!pl->frame_open) {
        if (pl->opts.pace == PLAYER_PACE_HZ && pl->frames_started > 0) {
            sleep_until(add_sat(pl->frame_start_ns, pl->pace_period_ns));
        }
        pl->frame_open = true;
        pl->frame_start_ns = mono_ns();
        pl->frames_started++;
    }
}

static double clock_ms(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static bool in_range(const struct player_range *r, uint64_t v) {
    return !r->set || (v >= r->first && v <= r->last);
}

/* A decimal number of at most 19 digits at *p; advances *p. */
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

static void forget_context(struct player *pl, uint32_t ctx) {
    for (uint32_t i = 0; i < pl->live_ctx_count; i++) {
        if (pl->live_ctx[i] == ctx) {
            pl->live_ctx[i] = pl->live_ctx[--pl->live_ctx_count];
            break;
        }
    }
    if (pl->opts.leaks) {
        leaks_context_destroyed(pl->opts.leaks, ctx);
    }
    drop_context_backings(pl, ctx);
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

static void on_object(void *user, uint32_t ctx, uint32_t sub, uint32_t type, uint32_t handle,
                      bool created) {
    struct player *pl = user;
    if (pl->opts.leaks) {
        leaks_object(pl->opts.leaks, ctx, sub, type, handle, created, pl->call);
    }
}

static void on_command(void *user, const struct vgl_command_timing *t) {
    struct player *pl = user;
    if (in_range(&pl->opts.calls, pl->call)) {
        profile_command(pl->opts.profiler, t);
    }
}

static void check_status(struct player *pl, const char *what, int32_t recorded,
                         enum vgl_status got) {
    const bool differs = pl->b->exact_status ? (int32_t)got != recorded
                                             : (got == VGL_OK) != (recorded == VGL_OK);
    if (differs) {
        pl->stats->status_mismatches++;
        fprintf(stderr, "virgl-replay: call %llu: %s returned %s, capture saw %s\n",
                (unsigned long long)pl->call, what, vgl_status_str(got),
                vgl_status_str((enum vgl_status)recorded));
    }
}

static enum vgl_status play_attach(struct player *pl, const struct vgl_trace_call *c) {
    const uint64_t size = c->value;
    if (size == 0 || size > MAX_BACKING || find_backing(pl, c->ctx, c->handle)) {
        fprintf(stderr, "virgl-replay: skipping backing of %llu bytes for resource %u\n",
                (unsigned long long)size, c->handle);
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
    pl->backings[pl->backing_count++] = (struct backing){c->ctx, c->handle, mem, size};
    const struct iovec iov = {mem, size};
    check_status(pl, "ATTACH_BACKING", c->status,
                 pl->b->ops->attach_backing(pl->b, c->ctx, c->handle, &iov));
    return VGL_OK;
}

static void play_guest_data(struct player *pl, const struct vgl_trace_call *c) {
    struct backing *b = find_backing(pl, c->ctx, c->handle);
    if (!b || c->value > b->size || c->data_size > b->size - c->value) {
        fprintf(stderr, "virgl-replay: guest data outside the backing of resource %u\n", c->handle);
        return;
    }
    memcpy(b->mem + c->value, c->data, c->data_size);
    pl->stats->guest_bytes += c->data_size;
    if (pl->opts.profiler) {
        profile_upload(pl->opts.profiler, pl->stats->guest_bytes);
    }
}

static void write_snapshot(struct player *pl, const struct vgl_trace_frame *f) {
    struct player_stats *st = pl->stats;
    if (!pl->opts.snapshot_dir || f->w <= 0 || f->h <= 0 || pl->rb.bytes != (uint64_t)f->bytes ||
        f->bytes % ((uint64_t)f->w * (uint64_t)f->h) != 0) {
        return;
    }
    char path[4096], why[160];
    snprintf(path, sizeof(path), "%s/frame-%04u.png", pl->opts.snapshot_dir, f->frame);
    if (png_write_texels(path, f->format, (uint32_t)f->w, (uint32_t)f->h, pl->rb.texels, why,
                         sizeof(why))) {
        st->snapshots_written++;
    } else {
        st->snapshot_failures++;
        fprintf(stderr, "virgl-replay: no snapshot for frame %u: %s\n", f->frame, why);
    }
}

static void read_row(void *user, uint64_t offset, const uint8_t *bytes, size_t size) {
    on_backing_written(user, 0, 0, offset, bytes, size);
}

/* A FRAME after a SUBMIT checks the submit's next read-back into a staging buffer: its rows
 * there, laid out as the frame's format and the copy's box and strides. */
static void take_copy_read(struct player *pl, const struct vgl_trace_frame *f) {
    pl->rb.crc = (uint32_t)crc32_z(0, NULL, 0);
    pl->rb.bytes = 0;
    if (pl->read_next >= pl->read_count) {
        return;
    }
    const struct vgl_submit_transfer *cr = &pl->reads[pl->read_next++];
    const struct backing *mem = find_backing(pl, pl->reads_ctx, cr->mem_res);
    const struct vgl_resource_args a = {.handle = cr->res, .target = 2, .format = f->format};
    const struct vgl_transfer t = {cr->res,          cr->level, cr->stride,
                                   cr->layer_stride, cr->box,   cr->offset};
    struct vgl_transfer_layout lay;
    if (!mem || !cr->stride || !vgl_transfer_layout(&a, &t, &lay)) {
        return; /* Mesa gives explicit strides; without one nothing is known to check */
    }
    const struct iovec iov = {mem->mem, (size_t)mem->size};
    pl->rb.active = true;
    vgl_transfer_visit(&lay, t.offset, &iov, 1, read_row, pl);
    pl->rb.active = false;
}

/* A frame record of this trace's frame type: FRAME (checked) or FRAME_MARK (not). */
static void play_frame(struct player *pl, const struct vgl_trace_call *c, uint64_t time_ns) {
    const struct vgl_trace_frame *f = &c->frame;
    const bool checked = c->type == VGL_REC_FRAME;
    const double wall = clock_ms(CLOCK_MONOTONIC), cpu = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    const uint64_t start_ns = pl->frame_open ? pl->frame_start_ns : mono_ns();
    struct player_frame pf = {
            .frame = f->frame,
            .checked = checked,
            .ctx = c->ctx,
            .handle = f->handle,
            .format = f->format,
            .w = f->w,
            .h = f->h,
            .crc = checked ? pl->rb.crc : 0,
            .bytes = checked ? pl->rb.bytes : 0,
            .texels = checked ? pl->rb.texels : NULL,
            .recorded_crc = f->crc,
            .matches_capture = checked && pl->rb.bytes == f->bytes && pl->rb.crc == f->crc,
            .source = checked ? 0 : c->source,
            .start_ms = (double)(start_ns - pl->run_start_ns) / 1e6,
            .recorded_ns = time_ns,
            .wall_ms = wall - pl->frame_wall,
            .cpu_ms = cpu - pl->frame_cpu,
            .draws = pl->draws,
    };
    pl->frame_open = false;
    if (pl->opts.profiler) {
        profile_frame(pl->opts.profiler, f->frame, pl->frame_wall, wall);
        if (pl->timed && time_ns != VGL_TRACE_NO_TIME) {
            const uint64_t at = add_sat(pl->run_start_ns, pl->rec_elapsed);
            profile_captured_frame(pl->opts.profiler, f->frame, pl->captured_frame_ns, at);
            pl->captured_frame_ns = at;
        }
    }
    pl->frame_wall = wall;
    pl->frame_cpu = cpu;
    /* The call that ended the frame: its read-back, or for a mark the call before it. */
    const uint64_t ended_by = checked ? pl->last_read_call : pl->call ? pl->call - 1 : 0;
    if (!in_range(&pl->opts.frames, f->frame) || !in_range(&pl->opts.calls, ended_by)) {
        return;
    }
    struct player_stats *st = pl->stats;
    st->frames++;
    if (!checked) {
        st->frames_unchecked++;
        if (pl->opts.verbose) {
            printf("frame %u: %s mark, resource %u: no read-back, not checked\n", f->frame,
                   vgl_frame_source_name(c->source), f->handle);
        }
    } else if (pf.matches_capture) {
        st->frames_matched++;
    } else {
        st->frames_mismatched++;
        fprintf(stderr,
                "virgl-replay: frame %u (resource %u, %dx%d): crc32 %08x over %llu bytes, "
                "capture recorded %08x over %u bytes\n",
                f->frame, f->handle, f->w, f->h, pl->rb.crc, (unsigned long long)pl->rb.bytes,
                f->crc, f->bytes);
    }
    if (pl->opts.verbose && checked) {
        printf("frame %u: %dx%d format %u crc32 %08x %s\n", f->frame, f->w, f->h, f->format,
               pl->rb.crc, pf.matches_capture ? "ok" : "MISMATCH");
    }
    if (checked) {
        write_snapshot(pl, f);
    }
    if (pl->opts.on_frame) {
        pl->opts.on_frame(pl->opts.user, &pf);
    }
    if (pl->opts.progress) {
        progress_update(&pl->progress, st->frames);
    }
}

/* The marks queued for a submit, played as frames that end where they are (no split). */
static void flush_splits(struct player *pl) {
    for (size_t i = 0; i < pl->split_count; i++) {
        play_frame(pl, &pl->splits[i].call, pl->splits[i].time_ns);
    }
    pl->split_count = 0;
}

/*
 * A submit in pieces, one per frame that starts inside it (FRAME_MARK offsets): each piece is
 * submitted, then the frame it ends is reported and the next one starts (paced like any other).
 * Offsets that do not fall on a later command of this buffer are reported after it instead.
 */
static enum vgl_status submit_frames(struct player *pl, const struct vgl_trace_call *c,
                                     const uint32_t *cmds, uint32_t ndw) {
    enum vgl_status first = VGL_OK;
    uint32_t from = 0;
    size_t i = 0;
    for (; i < pl->split_count && !pl->draw_stop; i++) {
        const uint32_t at = (uint32_t)pl->splits[i].call.value;
        if (at <= from || at >= ndw) {
            break;
        }
        pl->draws += player_scan_draws(cmds + from, at - from, UINT64_MAX, NULL);
        const enum vgl_status st = pl->b->ops->submit(pl->b, c->ctx, cmds + from, at - from);
        first = first == VGL_OK ? st : first;
        from = at;
        play_frame(pl, &pl->splits[i].call, pl->splits[i].time_ns);
        if (pl->opts.frames.set && pl->splits[i].call.frame.frame >= pl->opts.frames.last) {
            pl->draw_stop = true; /* past the selected frames: nothing more is submitted */
            return first;
        }
        before_call(pl, VGL_TRACE_NO_TIME);
    }
    pl->draws += player_scan_draws(cmds + from, ndw - from, UINT64_MAX, NULL);
    const enum vgl_status st = pl->b->ops->submit(pl->b, c->ctx, cmds + from, ndw - from);
    first = first == VGL_OK ? st : first;
    memmove(pl->splits, pl->splits + i, (pl->split_count - i) * sizeof(*pl->splits));
    pl->split_count -= i;
    flush_splits(pl);
    return first;
}

static enum vgl_status play_submit(struct player *pl, const struct vgl_trace_call *c) {
    const uint32_t ndw = (uint32_t)c->value;
    uint32_t *cmds = malloc((size_t)ndw * 4 + 4);
    if (!cmds) {
        return VGL_ERROR_NO_MEMORY;
    }
    for (uint32_t i = 0; i < ndw; i++) {
        cmds[i] = vgl_get_u32(c->data + 4 * (size_t)i);
    }
    if (pl->split_count && !pl->opts.stop_at_draw) {
        check_status(pl, "SUBMIT", c->status, submit_frames(pl, c, cmds, ndw));
    } else {
        uint32_t n = ndw;
        const uint64_t left =
                pl->opts.stop_at_draw ? pl->opts.stop_after_draw - pl->draws : UINT64_MAX;
        const uint64_t found = player_scan_draws(cmds, ndw, left, &n);
        pl->draw_stop = found > left;
        pl->draws += pl->draw_stop ? left + 1 : found;
        check_status(pl, "SUBMIT", pl->draw_stop ? VGL_OK : c->status,
                     pl->b->ops->submit(pl->b, c->ctx, cmds, n));
    }
    /* Keep the read-backs (transfers from the host) of the buffer, in order. */
    const size_t nx = vgl_submit_transfers(cmds, ndw, pl->reads, PLAYER_SUBMIT_TRANSFERS, NULL);
    pl->read_count = 0;
    for (size_t i = 0; i < nx; i++) {
        if (!pl->reads[i].to_host) {
            pl->reads[pl->read_count++] = pl->reads[i];
        }
    }
    pl->read_next = 0;
    pl->reads_ctx = c->ctx;
    free(cmds);
    pl->stats->submits++;
    pl->stats->submit_dwords += ndw;
    return VGL_OK;
}

static void play_context_create(struct player *pl, const struct vgl_trace_call *c) {
    char name[64];
    const size_t n = c->data_size < sizeof(name) - 1 ? c->data_size : sizeof(name) - 1;
    memcpy(name, c->data, n);
    name[n] = '\0';
    const enum vgl_status st = pl->b->ops->context_create(pl->b, c->ctx, name);
    check_status(pl, "CONTEXT_CREATE", c->status, st);
    if (st == VGL_OK && pl->live_ctx_count < MAX_CONTEXTS) {
        pl->live_ctx[pl->live_ctx_count++] = c->ctx;
    }
}

static void play_resource(struct player *pl, const struct vgl_trace_call *c) {
    struct backend *b = pl->b;
    const char *name = vgl_trace_record_name(c->type);
    enum vgl_status st;
    switch (c->type) {
    case VGL_REC_RESOURCE_CREATE:
        st = b->ops->resource_create(b, c->ctx, &c->resource);
        break;
    case VGL_REC_RESOURCE_UNREF:
        st = b->ops->resource_unref(b, c->ctx, c->handle);
        drop_backing(pl, c->ctx, c->handle);
        break;
    default: /* DETACH_BACKING */
        st = b->ops->detach_backing(b, c->ctx, c->handle);
        drop_backing(pl, c->ctx, c->handle);
        break;
    }
    check_status(pl, name, c->status, st);
    if (pl->opts.leaks && st == VGL_OK && c->type != VGL_REC_DETACH_BACKING) {
        leaks_resource(pl->opts.leaks, c->ctx, &c->resource, c->handle,
                       c->type == VGL_REC_RESOURCE_CREATE, pl->call);
    }
}

static enum vgl_status play_call(struct player *pl, const struct vgl_trace_call *c) {
    struct backend *b = pl->b;
    const char *name = vgl_trace_record_name(c->type);
    pl->last_call = c->type;
    switch (c->type) {
    case VGL_REC_CONTEXT_CREATE:
        play_context_create(pl, c);
        return VGL_OK;
    case VGL_REC_CONTEXT_DESTROY:
        b->ops->context_destroy(b, c->ctx);
        forget_context(pl, c->ctx);
        return VGL_OK;
    case VGL_REC_RESOURCE_CREATE:
    case VGL_REC_RESOURCE_UNREF:
    case VGL_REC_DETACH_BACKING:
        play_resource(pl, c);
        return VGL_OK;
    case VGL_REC_ATTACH_BACKING:
        return play_attach(pl, c);
    case VGL_REC_TRANSFER_WRITE:
        check_status(pl, name, c->status, b->ops->transfer_write(b, c->ctx, &c->transfer));
        return VGL_OK;
    case VGL_REC_TRANSFER_READ:
        pl->rb.active = true;
        pl->rb.crc = (uint32_t)crc32_z(0, NULL, 0);
        pl->rb.bytes = 0;
        pl->last_read_call = pl->call;
        check_status(pl, name, c->status, b->ops->transfer_read(b, c->ctx, &c->transfer));
        pl->rb.active = false;
        return VGL_OK;
    case VGL_REC_SUBMIT:
        return play_submit(pl, c);
    case VGL_REC_FENCE:
        check_status(pl, name, c->status, b->ops->create_fence(b, c->ctx, c->value));
        return VGL_OK;
    case VGL_REC_WAIT_IDLE:
        check_status(pl, name, c->status, b->ops->wait_idle(b, c->ctx));
        return VGL_OK;
    case VGL_REC_CTX_ATTACH: {
        const enum vgl_status st = b->ops->ctx_attach(b, c->ctx, c->handle, c->source);
        if (st != VGL_ERROR_UNSUPPORTED) {
            check_status(pl, name, c->status, st);
        } else if (!pl->attach_warned) {
            pl->attach_warned = true;
            fprintf(stderr,
                    "virgl-replay: warning: call %llu: resource shared between contexts: not "
                    "supported by this renderer (--renderer virglrenderer replays it)\n",
                    (unsigned long long)pl->call);
        }
        return VGL_OK;
    }
    default:
        return VGL_OK;
    }
}

/* Returns false to stop: past the selected range. */
static bool play_record(struct player *pl, const struct vgl_trace_record *rec,
                        enum vgl_status *status) {
    struct vgl_trace_call c;
    *status = vgl_trace_call_parse(rec, &c);
    if (*status == VGL_ERROR_UNSUPPORTED) {
        *status = VGL_OK; /* a record type from a newer writer */
        return true;
    }
    if (*status != VGL_OK) {
        return false;
    }
    follow_time(pl, rec->time_ns);
    if (c.is_call) {
        if (pl->opts.calls.set && pl->call > pl->opts.calls.last) {
            return false;
        }
        if (pl->split_count && (c.type != VGL_REC_SUBMIT || c.ctx != pl->splits[0].call.ctx)) {
            flush_splits(pl); /* marks with no submit of theirs next: frames end here */
        }
        before_call(pl, rec->time_ns);
        pl->stats->calls++;
        struct profiler *pf = pl->opts.profiler;
        const bool profiled = pf && in_range(&pl->opts.calls, pl->call);
        if (profiled && pl->timed && rec->time_ns != VGL_TRACE_NO_TIME) {
            profile_captured_call(pf, pl->call, vgl_trace_record_name(c.type), c.ctx,
                                  add_sat(pl->run_start_ns, pl->rec_elapsed));
        }
        if (profiled) {
            profile_call_begin(pf, pl->call, vgl_trace_record_name(c.type), c.ctx);
        }
        *status = play_call(pl, &c);
        if (profiled) {
            profile_call_end(pf);
        }
        pl->call++;
        return *status == VGL_OK && !pl->draw_stop;
    }
    switch (c.type) {
    case VGL_REC_END:
        pl->stats->clean_end = true;
        break;
    case VGL_REC_GUEST_DATA:
        play_guest_data(pl, &c);
        break;
    case VGL_REC_FRAME:
    case VGL_REC_FRAME_MARK:
        if (c.type != pl->frame_type) {
            break; /* FRAME_MARK records in a trace whose frames are its FRAME records */
        }
        if (c.type == VGL_REC_FRAME_MARK && c.value != VGL_FRAME_MARK_AFTER &&
            !pl->opts.stop_at_draw) {
            if (pl->split_count && pl->splits[0].call.ctx != c.ctx) {
                flush_splits(pl);
            }
            if (pl->split_count == pl->split_capacity) {
                const size_t cap = pl->split_capacity ? pl->split_capacity * 2 : 64;
                struct split_mark *m =
                        cap <= (1u << 14) ? realloc(pl->splits, cap * sizeof(*m)) : NULL;
                if (!m) {
                    flush_splits(pl);
                    play_frame(pl, &c, rec->time_ns);
                    break;
                }
                pl->splits = m;
                pl->split_capacity = cap;
            }
            pl->splits[pl->split_count++] = (struct split_mark){c, rec->time_ns};
            break;
        }
        flush_splits(pl);
        if (c.type == VGL_REC_FRAME && pl->last_call == VGL_REC_SUBMIT) {
            take_copy_read(pl, &c.frame);
        }
        play_frame(pl, &c, rec->time_ns);
        if (pl->opts.frames.set && c.frame.frame >= pl->opts.frames.last) {
            return false;
        }
        break;
    default:
        break;
    }
    return true;
}

enum vgl_status player_create(const struct player_options *opts, struct player **out, char *why,
                              size_t why_size) {
    *out = NULL;
    struct player *pl = calloc(1, sizeof(*pl));
    if (pl) {
        pl->reads = malloc(PLAYER_SUBMIT_TRANSFERS * sizeof(*pl->reads));
    }
    if (!pl || !pl->reads) {
        free(pl);
        return VGL_ERROR_NO_MEMORY;
    }
    pl->opts = *opts;
    if (opts->pace == PLAYER_PACE_HZ) {
        /* Rounded up so that frames are never closer than 1/HZ; the caller keeps HZ sane. */
        const double period = 1e9 / opts->pace_hz;
        pl->pace_period_ns = period >= 1e12 ? 1000000000000ull : (uint64_t)period + 1;
    }
    const struct vgl_renderer_hooks hooks = {
            .backing_written = on_backing_written,
            .object_event = on_object,
            .command_timed = opts->profiler ? on_command : NULL,
    };
    const enum vgl_status status =
            backend_create(&opts->backend, &hooks, pl, &pl->b, why, why_size);
    if (status != VGL_OK) {
        free(pl->reads);
        free(pl);
        return status;
    }
    *out = pl;
    return VGL_OK;
}

struct vgl_renderer *player_renderer(struct player *pl) {
    return pl->b->vgl;
}

const char *player_renderer_name(const struct player *pl) {
    return pl->b->name;
}

static void finish_run(struct player *pl) {
    pl->split_count = 0;
    while (pl->live_ctx_count) {
        const uint32_t ctx = pl->live_ctx[pl->live_ctx_count - 1];
        pl->b->ops->context_destroy(pl->b, ctx);
        forget_context(pl, ctx);
    }
    drop_context_backings(pl, 0);
    for (size_t i = 0; i < pl->backing_count; i++) {
        free(pl->backings[i].mem);
    }
    pl->backing_count = 0;
    if (pl->opts.progress) {
        progress_done(&pl->progress);
    }
}

static void fail_run(struct player_stats *st, enum vgl_status status, uint64_t offset,
                     const char *message) {
    st->read_status = status;
    st->error_offset = offset;
    snprintf(st->error_message, sizeof(st->error_message), "%s", message);
}

enum vgl_status player_run(struct player *pl, const char *path, struct player_stats *stats) {
    memset(stats, 0, sizeof(*stats));
    struct vgl_trace_reader *reader = NULL;
    enum vgl_status status = vgl_trace_reader_open(path, &reader);
    if (status != VGL_OK) {
        fail_run(stats, status, 0,
                 reader ? vgl_trace_reader_error_message(reader) : vgl_status_str(status));
        vgl_trace_reader_destroy(reader);
        return status;
    }
    pl->stats = stats;
    pl->call = 0;
    pl->last_read_call = 0;
    pl->draws = 0;
    pl->draw_stop = false;
    pl->frame_type = player_frame_type(path);
    pl->timed = false;
    pl->rec_last = pl->rec_elapsed = 0;
    pl->frame_open = false;
    pl->frames_started = 0;
    pl->run_start_ns = mono_ns();
    pl->captured_frame_ns = pl->run_start_ns;
    pl->frame_wall = clock_ms(CLOCK_MONOTONIC);
    pl->frame_cpu = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    if (pl->opts.progress) {
        progress_start(&pl->progress, pl->opts.total_frames);
    }
    struct vgl_trace_record rec;
    int rc;
    while ((rc = vgl_trace_reader_next(reader, &rec)) > 0) {
        stats->records++;
        if (!play_record(pl, &rec, &status)) {
            if (status == VGL_OK) {
                stats->stopped_at_range = true;
                if (pl->opts.at_stop) {
                    pl->opts.at_stop(pl->opts.user, pl->b->vgl);
                }
                rc = 0;
                break;
            }
            char msg[128];
            snprintf(msg, sizeof(msg), "malformed %s record in the chunk at byte %llu",
                     vgl_trace_record_name(rec.type), (unsigned long long)rec.chunk_offset);
            fail_run(stats, status, rec.chunk_offset, msg);
            break;
        }
    }
    if (rc == 0 && !stats->stopped_at_range) {
        flush_splits(pl); /* marks at the very end, with no submit after them */
    }
    if (rc < 0) {
        status = (enum vgl_status)rc;
        fail_run(stats, status, vgl_trace_reader_error_offset(reader),
                 vgl_trace_reader_error_message(reader));
    }
    finish_run(pl);
    vgl_trace_reader_destroy(reader);
    return status;
}

void player_destroy(struct player *pl) {
    if (!pl) {
        return;
    }
    finish_run(pl);
    backend_destroy(pl->b);
    free(pl->backings);
    free(pl->rb.texels);
    free(pl->splits);
    free(pl->reads);
    free(pl);
}

enum vgl_status player_read_back(struct player *pl, uint32_t ctx, const struct vgl_transfer *t,
                                 const uint8_t **texels, uint64_t *bytes) {
    pl->rb.active = true;
    pl->rb.crc = (uint32_t)crc32_z(0, NULL, 0);
    pl->rb.bytes = 0;
    const enum vgl_status st = pl->b->ops->transfer_read(pl->b, ctx, t);
    pl->rb.active = false;
    *texels = pl->rb.texels;
    *bytes = pl->rb.bytes;
    return st;
}
