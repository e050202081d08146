/* SPDX-License-Identifier: MIT */
/*
 * virgl-trace trim FILE --frames A-B -o OUT: a self-contained trace of frames A..B. A first pass
 * (no GL) tracks what is live at the end of frame A-1; a replay up to there reads every live
 * resource's contents back from the renderer. OUT holds a prologue that recreates contexts,
 * resources (with those contents), sub-contexts, objects and state, then the original records of
 * frames A..B, frame numbers unchanged.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vgl/format.h>
#include <vgl/trace_call.h>

#include "player.h"
#include "tool.h"
#include "trim_state.h"

struct content {
    uint32_t ctx;
    struct vgl_transfer t;
    uint8_t *data;
    uint32_t size;
};

struct trim {
    const char *path;
    struct tool_range frames;
    struct trim_set set;
    uint8_t *info, *caps;
    uint32_t info_size, caps_size, caps_set;
    struct content *contents;
    size_t content_count, content_capacity;
    bool failed;
    uint32_t frame_type;  /* what the trace's frames are (player_frame_type) */
    uint64_t prologue_ns; /* time of the prologue's records */
};

static const char usage_text[] =
        "Usage: virgl-trace trim FILE --frames A-B -o OUT\n"
        "Write a self-contained trace of frames A..B: a prologue that recreates every live\n"
        "context, resource (with its contents at frame A), object and state, then the calls of\n"
        "those frames. Replaying OUT gives the same checksums for those frames.\n\n"
        "  --frames A-B     frames to keep (A, A-B or A-)\n"
        "  -o, --output F   the trace to write\n"
        "  -h, --help       show this help\n"
        "  -V, --version    show the version\n";

static uint8_t *dup_bytes(const uint8_t *p, uint32_t n) {
    uint8_t *d = malloc(n ? n : 1);
    if (d) {
        memcpy(d, p, n);
    }
    return d;
}

/* First pass: track one record. */
static void track(struct trim *tr, const struct vgl_trace_call *c) {
    switch (c->type) {
    case VGL_REC_INFO:
        free(tr->info);
        tr->info = dup_bytes(c->data, c->data_size);
        tr->info_size = c->data_size;
        return;
    case VGL_REC_CAPS:
        free(tr->caps);
        tr->caps = dup_bytes(c->data, c->data_size);
        tr->caps_size = c->data_size;
        tr->caps_set = (uint32_t)c->value;
        return;
    default:
        trim_set_track(&tr->set, c, UINT32_MAX);
        return;
    }
}

static bool add_content(struct trim *tr, const struct content *c) {
    if (tr->content_count == tr->content_capacity) {
        const size_t cap = tr->content_capacity ? tr->content_capacity * 2 : 64;
        struct content *p = realloc(tr->contents, cap * sizeof(*p));
        if (!p) {
            return false;
        }
        tr->contents = p;
        tr->content_capacity = cap;
    }
    tr->contents[tr->content_count++] = *c;
    return true;
}

/* Read one level of a live resource through a scratch backing. */
static void read_level(struct trim *tr, struct vgl_renderer *r, uint32_t ctx,
                       const struct vgl_resource_args *a, uint32_t level) {
    struct content c = {.ctx = ctx, .t = {.handle = a->handle, .level = level}};
    uint64_t bytes;
    if (!trim_level_box(a, level, &c.t.box, &bytes) || bytes > VGL_TRACE_MAX_RECORD - 64) {
        fprintf(stderr, "virgl-trace: trim: contents of resource %u level %u not kept\n", a->handle,
                level);
        return;
    }
    c.data = calloc(1, (size_t)bytes);
    c.size = (uint32_t)bytes;
    const struct iovec iov = {c.data, (size_t)bytes};
    vgl_renderer_resource_detach_backing(r, ctx, a->handle);
    if (!c.data || vgl_renderer_resource_attach_backing(r, ctx, a->handle, &iov, 1) != VGL_OK ||
        vgl_renderer_transfer_read(r, ctx, &c.t) != VGL_OK || !add_content(tr, &c)) {
        fprintf(stderr, "virgl-trace: trim: cannot read resource %u level %u back\n", a->handle,
                level);
        free(c.data);
    }
    vgl_renderer_resource_detach_backing(r, ctx, a->handle);
}

static void read_back(void *user, struct vgl_renderer *r) {
    struct trim *tr = user;
    for (uint32_t i = 0; i < tr->set.count; i++) {
        const struct trim_ctx *ctx = tr->set.ctx[i];
        for (size_t k = 0; k < ctx->res_count; k++) {
            const struct vgl_resource_args *a = &ctx->res[k].args;
            const uint32_t levels = a->target == VGL_TARGET_BUFFER ? 1 : a->last_level + 1;
            for (uint32_t l = 0; l < levels && l < 16; l++) {
                read_level(tr, r, ctx->id, a, l);
            }
        }
    }
}

/* Every record keeps a time: a copied one its own, the prologue that of the end of the frame
 * before the first kept one (VGL_TRACE_NO_TIME from a version 1 trace: see trace.h). */
static bool put(struct vgl_trace_writer *w, uint64_t time_ns, uint32_t type, const uint8_t *head,
                size_t head_size, const void *tail, size_t tail_size) {
    return vgl_trace_writer_add_at(w, time_ns, type, head, head_size, tail, tail_size) == VGL_OK;
}

/* INFO: the original pairs plus where this trace came from. */
static bool write_info(struct vgl_trace_writer *w, const struct trim *tr) {
    char extra[600];
    const int n = snprintf(extra, sizeof(extra), "trimmed_from%c%s%ctrim_frames%c%llu-%llu%c", 0,
                           tr->path, 0, 0, (unsigned long long)tr->frames.first,
                           (unsigned long long)tr->frames.last, 0);
    if (n < 0 || (size_t)n >= sizeof(extra)) {
        return false;
    }
    return put(w, tr->prologue_ns, VGL_REC_INFO, tr->info, tr->info ? tr->info_size : 0, extra,
               (size_t)n);
}

/* A record of the prologue, laid out by the trace codec; calls have the status VGL_OK. */
static bool put_call(struct vgl_trace_writer *w, uint64_t time_ns, struct vgl_trace_call c) {
    uint8_t head[VGL_TRACE_CALL_HEAD_MAX];
    const size_t n = vgl_trace_call_encode(&c, head);
    return put(w, time_ns, c.type, head, n, c.data, c.data_size);
}

static bool write_resource(struct vgl_trace_writer *w, const struct trim *tr,
                           const struct trim_ctx *ctx, const struct trim_resource *res) {
    const struct vgl_resource_args *a = &res->args;
    const uint64_t at = tr->prologue_ns;
    if (!put_call(w, at,
                  (struct vgl_trace_call){
                          .type = VGL_REC_RESOURCE_CREATE, .ctx = ctx->id, .resource = *a})) {
        return false;
    }
    uint64_t need = res->backing_size;
    for (size_t i = 0; i < tr->content_count; i++) {
        const struct content *c = &tr->contents[i];
        if (c->ctx == ctx->id && c->t.handle == a->handle && c->size > need) {
            need = c->size;
        }
    }
    if (!need) {
        return true;
    }
    if (!put_call(w, at,
                  (struct vgl_trace_call){.type = VGL_REC_ATTACH_BACKING,
                                          .ctx = ctx->id,
                                          .handle = a->handle,
                                          .value = need})) {
        return false;
    }
    for (size_t i = 0; i < tr->content_count; i++) {
        const struct content *c = &tr->contents[i];
        if (c->ctx != ctx->id || c->t.handle != a->handle) {
            continue;
        }
        /* The content, packed at the start of the backing, and its upload. */
        const struct vgl_transfer t = {a->handle, c->t.level, 0, 0, c->t.box, 0};
        if (!put_call(w, at,
                      (struct vgl_trace_call){.type = VGL_REC_GUEST_DATA,
                                              .ctx = ctx->id,
                                              .handle = a->handle,
                                              .data = c->data,
                                              .data_size = (uint32_t)c->size}) ||
            !put_call(w, at,
                      (struct vgl_trace_call){
                              .type = VGL_REC_TRANSFER_WRITE, .ctx = ctx->id, .transfer = t})) {
            return false;
        }
    }
    if (!res->backing_size) {
        return put_call(w, at,
                        (struct vgl_trace_call){.type = VGL_REC_DETACH_BACKING,
                                                .ctx = ctx->id,
                                                .handle = a->handle});
    }
    return true;
}

static bool write_context(struct vgl_trace_writer *w, const struct trim *tr,
                          const struct trim_ctx *ctx) {
    if (!put_call(w, tr->prologue_ns,
                  (struct vgl_trace_call){.type = VGL_REC_CONTEXT_CREATE,
                                          .ctx = ctx->id,
                                          .data = (const uint8_t *)ctx->name,
                                          .data_size = (uint32_t)strlen(ctx->name)})) {
        return false;
    }
    for (size_t i = 0; i < ctx->res_count; i++) {
        if (!write_resource(w, tr, ctx, &ctx->res[i])) {
            return false;
        }
    }
    struct trim_words words = {0};
    bool ok = trim_ctx_prologue(ctx, &words);
    if (ok) {
        uint8_t *bytes = malloc(words.count * 4 + 4);
        ok = bytes != NULL;
        for (size_t i = 0; ok && i < words.count; i++) {
            vgl_put_u32(bytes + 4 * i, words.dw[i]);
        }
        ok = ok && put_call(w, tr->prologue_ns,
                            (struct vgl_trace_call){.type = VGL_REC_SUBMIT,
                                                    .ctx = ctx->id,
                                                    .value = words.count,
                                                    .data = bytes,
                                                    .data_size = (uint32_t)(words.count * 4)});
        free(bytes);
    }
    free(words.dw);
    return ok;
}

/* Copy the records after frame A-1 up to the FRAME record of frame B. */
static bool copy_frames(struct vgl_trace_writer *w, const struct trim *tr, uint64_t *frames) {
    struct tool_trace t;
    if (!tool_trace_open(&t, tr->path)) {
        return false;
    }
    bool copying = tr->frames.first == 0, ok = true;
    while (ok && tool_trace_next(&t) > 0) {
        const bool is_frame = t.call.type == tr->frame_type;
        const uint32_t frame = t.call.frame.frame;
        if (!copying) {
            copying = is_frame && frame + 1 == tr->frames.first;
            continue;
        }
        if (t.call.type == VGL_REC_END || t.call.type == VGL_REC_INFO ||
            t.call.type == VGL_REC_CAPS) {
            continue; /* the header records were written first */
        }
        ok = put(w, t.rec.time_ns, t.rec.type, t.rec.data, t.rec.size, NULL, 0);
        *frames += is_frame;
        if (is_frame && frame >= tr->frames.last) {
            break;
        }
    }
    /* Read the rest too: a damaged input is refused whole, wherever the damage lies. */
    while (ok && tool_trace_next(&t) > 0) {
    }
    if (t.error != VGL_OK) {
        tool_trace_report(&t);
        ok = false;
    }
    tool_trace_close(&t);
    return ok;
}

static bool trim_write(const struct trim *tr, const char *out) {
    struct vgl_trace_writer *w = NULL;
    if (vgl_trace_writer_create(out, &w) != VGL_OK) {
        fprintf(stderr, "virgl-trace: trim: cannot create %s\n", out);
        return false;
    }
    bool ok = true;
    ok = write_info(w, tr) &&
         (!tr->caps || put_call(w, tr->prologue_ns,
                                (struct vgl_trace_call){.type = VGL_REC_CAPS,
                                                        .value = tr->caps_set,
                                                        .data = tr->caps,
                                                        .data_size = tr->caps_size}));
    if (tr->frames.first > 0) {
        for (uint32_t i = 0; ok && i < tr->set.count; i++) {
            ok = write_context(w, tr, tr->set.ctx[i]);
        }
    }
    uint64_t frames = 0;
    ok = ok && copy_frames(w, tr, &frames) &&
         put(w, VGL_TRACE_NO_TIME, VGL_REC_END, NULL, 0, NULL, 0);
    if (ok && frames == 0) {
        /* The whole trace read cleanly without frame A: the range starts past its last frame
         * (a damaged trace was reported by copy_frames). */
        fprintf(stderr, "virgl-trace: trim: %s has no frame %llu\n", tr->path,
                (unsigned long long)tr->frames.first);
        ok = false;
    }
    if (vgl_trace_writer_destroy(w) != VGL_OK) {
        ok = false;
    }
    if (!ok) {
        /* Leave no partial output behind (the reason was printed already). */
        unlink(out);
        fprintf(stderr, "virgl-trace: trim: %s not written\n", out);
        return false;
    }
    printf("trim: %s: %llu frames from frame %llu, %u contexts, %zu resource levels kept\n", out,
           (unsigned long long)frames, (unsigned long long)tr->frames.first, tr->set.count,
           tr->content_count);
    return true;
}

static int parse(struct trim *tr, const char **out, int argc, char **argv) {
    static const struct option opts[] = {
            {"frames", required_argument, NULL, 'f'},
            {"output", required_argument, NULL, 'o'},
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'V'},
            {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:hV", opts, NULL)) != -1) {
        if (c == 'f' && tool_range_parse(optarg, &tr->frames)) {
            continue;
        }
        if (c == 'o') {
            *out = optarg;
            continue;
        }
        return tool_common_option(c, "trim", usage_text);
    }
    if (optind != argc - 1 || !*out || !tr->frames.set) {
        fputs(usage_text, stderr);
        return TOOL_EXIT_INPUT;
    }
    tr->path = argv[optind];
    return -1;
}

static void trim_free(struct trim *tr) {
    trim_set_finish(&tr->set);
    for (size_t i = 0; i < tr->content_count; i++) {
        free(tr->contents[i].data);
    }
    free(tr->contents);
    free(tr->info);
    free(tr->caps);
}

/* Track records up to the FRAME record of frame `last` (with `header_only`, up to the first
 * call); false when the trace has no such frame. */
static bool track_until(struct trim *tr, uint64_t last, bool header_only) {
    struct tool_trace t;
    if (!tool_trace_open(&t, tr->path)) {
        return false;
    }
    bool found = false;
    while (!found && tool_trace_next(&t) > 0) {
        tr->prologue_ns = t.rec.time_ns;
        if (header_only && t.call.is_call) {
            found = true;
            break;
        }
        track(tr, &t.call);
        found = t.call.type == tr->frame_type && t.call.frame.frame == last;
    }
    if (t.error != VGL_OK) {
        tool_trace_report(&t);
    }
    tool_trace_close(&t);
    return found;
}

int tool_trim(int argc, char **argv) {
    struct trim tr = {0};
    const char *out = NULL;
    int rc = parse(&tr, &out, argc, argv);
    if (rc >= 0) {
        return rc;
    }
    rc = TOOL_EXIT_INPUT;
    tr.frame_type = player_frame_type(tr.path);
    tr.prologue_ns = VGL_TRACE_NO_TIME;
    const uint64_t first = tr.frames.first;
    if (first == 0) {
        track_until(&tr, 0, true);
    } else {
        if (!track_until(&tr, first - 1, false)) {
            fprintf(stderr, "virgl-trace: trim: %s has no frame %llu\n", tr.path,
                    (unsigned long long)first);
            trim_free(&tr);
            return rc;
        }
        struct player_options po = {.user = &tr, .at_stop = read_back};
        po.frames = (struct player_range){true, 0, first - 1};
        struct player *pl = NULL;
        struct player_stats st;
        char why[200];
        if (player_create(&po, &pl, why, sizeof(why)) != VGL_OK) {
            fprintf(stderr, "virgl-trace: trim: no usable host GL to read resources back (%s)\n",
                    why);
            trim_free(&tr);
            return 125;
        }
        player_run(pl, tr.path, &st);
        player_destroy(pl);
    }
    if (!tr.failed && !tr.set.failed && trim_write(&tr, out)) {
        rc = TOOL_EXIT_OK;
    }
    trim_free(&tr);
    return rc;
}
