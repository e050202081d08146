/* SPDX-License-Identifier: MIT */
/*
 * virgl-trace dump: a line per record with named fields and, for each SUBMIT, a line per decoded
 * command (print sink). Record fields come from vgl_trace_call_parse; nothing is parsed here.
 */
#include <ctype.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "player.h"
#include "print_sink.h"
#include "tool.h"

static const char usage_text[] =
        "Usage: virgl-trace dump [OPTIONS] FILE\n"
        "Print every call of a trace and every command of its submits.\n\n"
        "  -c, --calls A-B   only calls A to B (A, A-B or A-)\n"
        "  -f, --frames A-B  only the calls of frames A to B\n"
        "  -j, --json        one JSON object per line\n"
        "  -h, --help        show this help\n"
        "  -V, --version     show the version\n\n"
        "Exit status: 0 done, 2 bad usage or a damaged trace (after printing what was whole).\n";

static bool safe_key(const char *k) {
    if (!*k || strlen(k) > 32) {
        return false;
    }
    for (; *k; k++) {
        if (!isalnum((unsigned char)*k) && *k != '_' && *k != '-') {
            return false;
        }
    }
    return true;
}

static void info_fields(struct pout *o, const struct vgl_trace_call *c) {
    const char *k, *v;
    for (uint32_t i = 0; vgl_trace_info_pair(c, i, &k, &v); i++) {
        if (safe_key(k)) {
            pout_s(o, k, v, strlen(v));
        }
    }
}

static void crc_field(struct pout *o, const char *key, uint32_t crc) {
    char text[16];
    snprintf(text, sizeof(text), "%08" PRIx32, crc);
    pout_sym(o, key, text);
}

static void transfer_fields(struct pout *o, const struct vgl_transfer *t) {
    pout_res(o, "res", t->handle);
    pout_u(o, "level", t->level);
    pout_u(o, "stride", t->stride);
    pout_u(o, "layer_stride", t->layer_stride);
    pout_box(o, "box", &t->box);
    pout_u(o, "offset", t->offset);
}

static void resource_fields(struct pout *o, const struct vgl_resource_args *a) {
    pout_res(o, "res", a->handle);
    pout_sym(o, "target", print_target_name(a->target));
    pout_format(o, "format", a->format);
    pout_x(o, "bind", a->bind);
    pout_u(o, "width", a->width);
    pout_u(o, "height", a->height);
    pout_u(o, "depth", a->depth);
    pout_u(o, "array_size", a->array_size);
    pout_u(o, "last_level", a->last_level);
    pout_u(o, "nr_samples", a->nr_samples);
    pout_x(o, "flags", a->flags);
}

static void frame_fields(struct pout *o, const struct vgl_trace_frame *f) {
    pout_res(o, "res", f->handle);
    pout_u(o, "frame", f->frame);
    pout_format(o, "format", f->format);
    pout_i(o, "w", f->w);
    pout_i(o, "h", f->h);
    pout_u(o, "bytes", f->bytes);
    crc_field(o, "crc32", f->crc);
}

/* The fields after the record name. */
static void record_fields(struct pout *o, const struct vgl_trace_call *c) {
    const uint32_t type = c->type;
    if (type == VGL_REC_INFO) {
        info_fields(o, c);
        return;
    }
    if (type == VGL_REC_CAPS) {
        pout_u(o, "set", c->value);
        pout_u(o, "size", c->data_size);
        return;
    }
    if (type == VGL_REC_END) {
        return;
    }
    pout_ctx(o, c->ctx);
    if (c->is_call && type != VGL_REC_CONTEXT_DESTROY) {
        pout_sym(o, "status", tool_status_name(c->status));
    }
    switch (type) {
    case VGL_REC_CONTEXT_CREATE:
        pout_s(o, "name", (const char *)c->data, c->data_size);
        break;
    case VGL_REC_RESOURCE_CREATE:
        resource_fields(o, &c->resource);
        break;
    case VGL_REC_RESOURCE_UNREF:
    case VGL_REC_DETACH_BACKING:
        pout_res(o, "res", c->handle);
        break;
    case VGL_REC_ATTACH_BACKING:
        pout_res(o, "res", c->handle);
        pout_u(o, "size", c->value);
        break;
    case VGL_REC_GUEST_DATA:
        pout_res(o, "res", c->handle);
        pout_u(o, "offset", c->value);
        pout_u(o, "size", c->data_size);
        crc_field(o, "crc32", (uint32_t)crc32(0, c->data, c->data_size));
        break;
    case VGL_REC_TRANSFER_WRITE:
    case VGL_REC_TRANSFER_READ:
        transfer_fields(o, &c->transfer);
        break;
    case VGL_REC_SUBMIT:
        if (!o->norm) { /* diff compares the commands, which say more */
            pout_u(o, "dwords", c->value);
        }
        break;
    case VGL_REC_FRAME:
        frame_fields(o, &c->frame);
        break;
    case VGL_REC_FRAME_MARK:
        pout_res(o, "res", c->handle);
        pout_u(o, "frame", c->frame.frame);
        pout_sym(o, "source", vgl_frame_source_name(c->source));
        if (c->value != VGL_FRAME_MARK_AFTER) {
            pout_u(o, "at_dword", c->value); /* where the next SUBMIT starts the frame */
        }
        break;
    case VGL_REC_CTX_ATTACH:
        pout_res(o, "res", c->handle);
        pout_u(o, "owner", c->source);
        break;
    case VGL_REC_FENCE:
        pout_u(o, "fence_id", c->value);
        break;
    default:
        break;
    }
}

bool dump_record(struct pout *o, const struct tool_trace *t, bool numbered, const uint32_t *frame) {
    const struct vgl_trace_call *c = &t->call;
    pout_begin(o);
    if (numbered) {
        if (c->is_call) {
            pout_raw(o, "%" PRIu64, t->index);
            if (o->json) {
                pout_u(o, "call", t->index);
            }
        } else {
            pout_raw(o, "-");
            if (o->json) {
                pout_null(o, "call");
            }
        }
        if (frame) {
            pout_u(o, "frame", *frame);
        } else {
            pout_null(o, "frame");
        }
        /* Version 2: when the capture wrote the record, since it started. */
        if (t->rec.time_ns != VGL_TRACE_NO_TIME) {
            pout_raw(o, " +%.3fms", (double)t->rec.time_ns / 1e6);
            if (o->json) {
                pout_u(o, "time_ns", t->rec.time_ns);
            }
        }
    }
    pout_name(o, "record", vgl_trace_record_name(c->type));
    record_fields(o, c);
    pout_end(o, c->is_call ? POUT_CALL : POUT_RECORD);
    if (c->type == VGL_REC_SUBMIT) {
        /* value is ndw and data_size == 4 * ndw (checked by vgl_trace_call_parse) */
        return print_submit(o, t->index, c->ctx, c->data, (uint32_t)(c->data_size / 4));
    }
    return !o->failed;
}

bool tool_frames_of(const struct tool_frames *f, uint64_t call, uint32_t *frame) {
    /* first boundary with ends > call; ends never decrease */
    size_t lo = 0, hi = f->count;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (f->ends[mid] > call) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    if (lo == f->count) {
        return false;
    }
    *frame = f->ids[lo];
    return true;
}

void tool_frames_finish(struct tool_frames *f) {
    free(f->ends);
    free(f->ids);
    *f = (struct tool_frames){0};
}

static bool frames_add(struct tool_frames *f, uint64_t end, uint32_t id) {
    if (f->count == f->capacity) {
        const size_t cap = f->capacity ? f->capacity * 2 : 64;
        uint64_t *ends = realloc(f->ends, cap * sizeof(*ends));
        if (!ends) {
            return false;
        }
        f->ends = ends;
        uint32_t *ids = realloc(f->ids, cap * sizeof(*ids));
        if (!ids) {
            return false;
        }
        f->ids = ids;
        f->capacity = cap;
    }
    f->ends[f->count] = end;
    f->ids[f->count] = id;
    f->count++;
    return true;
}

bool tool_trace_scan_frames(const char *path, struct tool_frames *out) {
    struct tool_trace t;
    *out = (struct tool_frames){.type = player_frame_type(path)};
    if (!tool_trace_open(&t, path)) {
        return false;
    }
    int n;
    while ((n = tool_trace_next(&t)) > 0) {
        if (t.call.type == out->type && !frames_add(out, t.calls, t.call.frame.frame)) {
            n = -1;
            break;
        }
    }
    tool_trace_close(&t);
    return n == 0;
}

int tool_dump(int argc, char **argv) {
    static const struct option long_opts[] = {
            {"calls", required_argument, NULL, 'c'}, {"frames", required_argument, NULL, 'f'},
            {"json", no_argument, NULL, 'j'},        {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'V'},     {NULL, 0, NULL, 0},
    };
    struct tool_range calls = {0}, frames = {0};
    struct pout o = {0};
    int opt;
    while ((opt = getopt_long(argc, argv, "c:f:jhV", long_opts, NULL)) != -1) {
        if (opt == 'c' || opt == 'f') {
            if (!tool_range_parse(optarg, opt == 'c' ? &calls : &frames)) {
                fprintf(stderr, "virgl-trace dump: bad range '%s' (A, A-B or A-)\n", optarg);
                return TOOL_EXIT_INPUT;
            }
        } else if (opt == 'j') {
            o.json = true;
        } else {
            return tool_common_option(opt, "dump", usage_text);
        }
    }
    if (optind != argc - 1) {
        fputs(usage_text, stderr);
        return TOOL_EXIT_INPUT;
    }
    const char *path = argv[optind];
    struct tool_trace t;
    if (!tool_trace_open(&t, path)) {
        return TOOL_EXIT_INPUT;
    }
    struct tool_frames fr;
    tool_trace_scan_frames(path, &fr); /* damage is reported by the second pass */
    int n = 0;
    bool ok = true;
    while (ok && (n = tool_trace_next(&t)) > 0) {
        uint32_t frame;
        bool has_frame;
        if (t.call.type == fr.type) {
            frame = t.call.frame.frame;
            has_frame = true;
        } else {
            has_frame = tool_frames_of(&fr, t.index, &frame);
        }
        if (!tool_range_has(&calls, t.index) ||
            (frames.set && (!has_frame || !tool_range_has(&frames, frame)))) {
            continue;
        }
        ok = dump_record(&o, &t, true, has_frame ? &frame : NULL);
    }
    fflush(stdout);
    int status = TOOL_EXIT_OK;
    if (!ok) {
        fprintf(stderr, "virgl-trace dump: out of memory\n");
        status = TOOL_EXIT_INPUT;
    } else if (n < 0) {
        tool_trace_report(&t);
        status = TOOL_EXIT_INPUT;
    }
    tool_trace_close(&t);
    tool_frames_finish(&fr);
    pout_finish(&o);
    return status;
}
