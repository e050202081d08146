/* SPDX-License-Identifier: MIT */
/*
 * virgl-trace info: header, caps summary and counts of a trace. Commands are counted by running
 * the renderer's decoder with the null sink plus a command_done hook; nothing is parsed here.
 * Frames follow player_frame_type's rule; a version 2 trace also gets its captured frame rate and
 * frame-time percentiles from the frame records' times.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <vgl/format.h>

#include "decode/decoder.h"
#include "player.h"
#include "print_sink.h"
#include "tool.h"

static const char usage_text[] =
        "Usage: virgl-trace info [OPTIONS] FILE\n"
        "Summarise a trace: header, caps, calls, commands, frames, contexts, resources.\n\n"
        "  -j, --json     one JSON object\n"
        "  -h, --help     show this help\n"
        "  -V, --version  show the version\n\n"
        "Exit status: 0 done, 2 bad usage or a damaged trace (after printing what was whole).\n";

#define TOP_FRAMES    5
#define MAX_CONTEXTS  64
#define MAX_RES_KINDS 256
#define REC_TYPES     (VGL_REC_CTX_ATTACH + 1)

struct frame_stat {
    uint32_t id;
    uint64_t bytes, calls;
    uint64_t time_ns; /* the frame record's time; VGL_TRACE_NO_TIME in a version 1 trace */
};

/* Captured frame timing, from the frame records' times (version 2). */
struct frame_timing {
    bool valid;                /* at least two frames with times */
    double span_ms;            /* first to last frame record */
    double rate;               /* frame intervals per second over that span; 0 when the span is 0 */
    double p50, p90, p99, max; /* frame times (consecutive frame records), ms */
};

struct info {
    uint32_t version;
    uint32_t frame_type; /* player_frame_type: FRAME, or FRAME_MARK without FRAME records */
    const struct vgl_trace_call *first_info;
    uint64_t records[REC_TYPES], calls;
    uint64_t cmds[VGL_CCMD_COUNT], cmd_bytes[VGL_CCMD_COUNT], objects[VGL_OBJECT_COUNT];
    uint64_t decode_errors, submit_bytes;
    uint64_t uploaded, readback_bytes, transfer_reads;
    uint32_t ncontexts;
    char contexts[MAX_CONTEXTS][64];
    struct {
        uint32_t target, format;
        uint64_t count;
    } res[MAX_RES_KINDS];
    uint32_t nres;
    uint64_t res_other;
    uint8_t caps[VGL_CAPS_V2_SIZE];
    uint32_t caps_set, caps_size;
    char info_pairs[1024]; /* "key\0value\0..." of the INFO records, copied */
    uint32_t info_len;
    struct frame_stat *frames;
    size_t nframes, frames_cap;
    uint64_t pending_bytes, pending_calls; /* since the last FRAME */
    bool clean_end;
};

struct count_sink {
    struct vgl_sink base;
    struct info *info;
};

static void count_done(struct vgl_sink *s, uint32_t id, uint32_t index) {
    struct info *in = ((struct count_sink *)s)->info;
    if (id < VGL_CCMD_COUNT) {
        in->cmds[id]++;
        in->cmd_bytes[id] += 4ull * s->cmd_dwords;
        const uint32_t obj = VGL_CMD_OBJ(s->cmd[0]);
        if (id == VGL_CCMD_CREATE_OBJECT && obj < VGL_OBJECT_COUNT) {
            in->objects[obj]++;
        }
    }
}

static void count_submit(struct info *in, const struct vgl_trace_call *c) {
    static struct vgl_sink_impl impl;
    impl = vgl_null_sink_impl;
    impl.name = "count";
    impl.command_done = count_done;
    const uint32_t ndw = c->data_size / 4;
    uint32_t *buf = malloc(ndw ? (size_t)ndw * sizeof(*buf) : 1);
    if (!buf) {
        in->decode_errors++;
        return;
    }
    for (uint32_t i = 0; i < ndw; i++) {
        buf[i] = vgl_get_u32(c->data + 4 * (size_t)i);
    }
    struct count_sink cs = {.info = in};
    struct vgl_decoder dec;
    vgl_sink_init(&cs.base, &impl);
    vgl_decoder_init(&dec, &cs.base, c->ctx);
    if (vgl_decode_submit(&dec, buf, ndw) != VGL_OK) {
        in->decode_errors++;
    }
    free(buf);
}

static void add_info_pairs(struct info *in, const struct vgl_trace_call *c) {
    const char *k, *v;
    for (uint32_t i = 0; vgl_trace_info_pair(c, i, &k, &v); i++) {
        const size_t kl = strlen(k) + 1, vl = strlen(v) + 1;
        if (kl + vl > sizeof(in->info_pairs) - in->info_len) {
            return;
        }
        memcpy(in->info_pairs + in->info_len, k, kl);
        memcpy(in->info_pairs + in->info_len + kl, v, vl);
        in->info_len += (uint32_t)(kl + vl);
    }
}

static void add_resource(struct info *in, const struct vgl_resource_args *a) {
    for (uint32_t i = 0; i < in->nres; i++) {
        if (in->res[i].target == a->target && in->res[i].format == a->format) {
            in->res[i].count++;
            return;
        }
    }
    if (in->nres == MAX_RES_KINDS) {
        in->res_other++;
        return;
    }
    in->res[in->nres].target = a->target;
    in->res[in->nres].format = a->format;
    in->res[in->nres++].count = 1;
}

static bool add_frame(struct info *in, uint32_t id, uint64_t time_ns) {
    if (in->nframes == in->frames_cap) {
        const size_t cap = in->frames_cap ? in->frames_cap * 2 : 64;
        struct frame_stat *f = realloc(in->frames, cap * sizeof(*f));
        if (!f) {
            return false;
        }
        in->frames = f;
        in->frames_cap = cap;
    }
    in->frames[in->nframes++] =
            (struct frame_stat){id, in->pending_bytes, in->pending_calls, time_ns};
    in->pending_bytes = in->pending_calls = 0;
    return true;
}

static bool count_record(struct info *in, const struct vgl_trace_call *c, uint64_t time_ns) {
    in->records[c->type < REC_TYPES ? c->type : 0]++;
    if (c->is_call) {
        in->calls++;
        in->pending_calls++;
    }
    switch (c->type) {
    case VGL_REC_INFO:
        add_info_pairs(in, c);
        break;
    case VGL_REC_CAPS: {
        if (in->caps_size && c->value < in->caps_set) {
            break; /* keep the newest set (v2 holds v1) */
        }
        const uint32_t n = c->data_size < sizeof(in->caps) ? c->data_size : sizeof(in->caps);
        memcpy(in->caps, c->data, n);
        in->caps_size = c->data_size;
        in->caps_set = (uint32_t)c->value;
        break;
    }
    case VGL_REC_CONTEXT_CREATE:
        if (in->ncontexts < MAX_CONTEXTS) {
            const uint32_t n = c->data_size < 63 ? c->data_size : 63;
            memcpy(in->contexts[in->ncontexts], c->data, n);
            in->contexts[in->ncontexts][n] = '\0';
        }
        in->ncontexts++;
        break;
    case VGL_REC_RESOURCE_CREATE:
        add_resource(in, &c->resource);
        break;
    case VGL_REC_GUEST_DATA:
        in->uploaded += c->data_size;
        break;
    case VGL_REC_TRANSFER_READ:
        in->transfer_reads++;
        break;
    case VGL_REC_SUBMIT:
        in->submit_bytes += c->data_size;
        in->pending_bytes += c->data_size;
        count_submit(in, c);
        break;
    case VGL_REC_FRAME:
        in->readback_bytes += c->frame.bytes;
        return c->type != in->frame_type || add_frame(in, c->frame.frame, time_ns);
    case VGL_REC_FRAME_MARK:
        return c->type != in->frame_type || add_frame(in, c->frame.frame, time_ns);
    case VGL_REC_END:
        in->clean_end = true;
        break;
    default:
        break;
    }
    return true;
}

static int cmp_u64(const void *a, const void *b) {
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n sorted values, in ms. */
static double percentile_ms(const uint64_t *sorted, size_t n, unsigned p) {
    size_t rank = (n * p + 99) / 100;
    rank = rank ? rank - 1 : 0;
    return (double)sorted[rank < n ? rank : n - 1] / 1e6;
}

/* Times are untrusted: a frame time that goes backwards counts as 0, and every difference is
 * taken between unsigned values in the right order, so nothing wraps. */
static struct frame_timing frame_timing(const struct info *in) {
    struct frame_timing ft = {0};
    if (in->nframes < 2 || in->frames[0].time_ns == VGL_TRACE_NO_TIME) {
        return ft;
    }
    const size_t n = in->nframes - 1;
    uint64_t *d = malloc(n * sizeof(*d));
    if (!d) {
        return ft;
    }
    uint64_t last = in->frames[0].time_ns, first = last, top = last;
    for (size_t i = 0; i < n; i++) {
        const uint64_t t = in->frames[i + 1].time_ns;
        d[i] = t > last ? t - last : 0;
        last = t;
        top = t > top ? t : top;
    }
    qsort(d, n, sizeof(*d), cmp_u64);
    ft.valid = true;
    ft.span_ms = (double)(top - first) / 1e6;
    ft.rate = top > first ? (double)n / ((double)(top - first) / 1e9) : 0;
    ft.p50 = percentile_ms(d, n, 50);
    ft.p90 = percentile_ms(d, n, 90);
    ft.p99 = percentile_ms(d, n, 99);
    ft.max = (double)d[n - 1] / 1e6;
    free(d);
    return ft;
}

static const char *frames_kind(const struct info *in) {
    return in->frame_type == VGL_REC_FRAME ? "FRAME" : "FRAME_MARK";
}

static void print_timing_text(const struct info *in) {
    if (in->version < 2) {
        printf("frame timing: none (a version 1 trace: its records have no times)\n");
        return;
    }
    const struct frame_timing ft = frame_timing(in);
    if (!ft.valid) {
        printf("frame timing: none (fewer than 2 frames)\n");
        return;
    }
    printf("frame timing: %.2f frames/s captured over %.3f ms\n", ft.rate, ft.span_ms);
    printf("  frame time ms: p50 %.3f p90 %.3f p99 %.3f max %.3f\n", ft.p50, ft.p90, ft.p99,
           ft.max);
}

static void print_timing_json(const struct info *in) {
    const struct frame_timing ft = frame_timing(in);
    printf(",\"frame_records\":\"%s\",\"has_times\":%s,\"frame_timing\":", frames_kind(in),
           in->version >= 2 ? "true" : "false");
    if (!ft.valid || in->version < 2) {
        printf("null");
        return;
    }
    printf("{\"frames_per_second\":%.3f,\"span_ms\":%.3f,\"frame_time_ms\":{\"p50\":%.3f,"
           "\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f}}",
           ft.rate, ft.span_ms, ft.p50, ft.p90, ft.p99, ft.max);
}

static uint32_t caps_u32(const struct info *in, uint32_t offset) {
    return offset + 4 <= in->caps_size ? vgl_get_u32(in->caps + offset) : 0;
}

static uint32_t mask_bits(const struct info *in, uint32_t offset, uint32_t bytes) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < bytes && offset + i < in->caps_size; i++) {
        n += (uint32_t)__builtin_popcount(in->caps[offset + i]);
    }
    return n;
}

/* The caps fields printed, in order (0 when the set is too short to hold them). */
static const struct {
    const char *name;
    uint32_t offset;
    bool hex;
} caps_fields[] = {
        {"max_version", 0, false},
        {"glsl_level", VGL_CAPS_V1_GLSL_LEVEL, false},
        {"bset", VGL_CAPS_V1_BSET, true},
        {"max_texture_2d_size", VGL_CAPS_V2_MAX_TEXTURE_2D_SIZE, false},
        {"max_texture_3d_size", VGL_CAPS_V2_MAX_TEXTURE_3D_SIZE, false},
        {"max_texture_cube_size", VGL_CAPS_V2_MAX_TEXTURE_CUBE_SIZE, false},
        {"max_texture_array_layers", VGL_CAPS_V1_MAX_TEXTURE_ARRAY_LAYERS, false},
        {"max_render_targets", VGL_CAPS_V1_MAX_RENDER_TARGETS, false},
        {"max_samples", VGL_CAPS_V1_MAX_SAMPLES, false},
        {"prim_mask", VGL_CAPS_V1_PRIM_MASK, true},
        {"max_streamout_buffers", VGL_CAPS_V1_MAX_STREAMOUT_BUFFERS, false},
        {"capability_bits", VGL_CAPS_V2_CAPABILITY_BITS, true},
};

static void caps_renderer(const struct info *in, char *out, size_t size) {
    size_t n = 0;
    for (uint32_t i = 0; i < 64 && n + 1 < size; i++) {
        const uint32_t at = VGL_CAPS_V2_RENDERER + i;
        if (at >= in->caps_size || in->caps[at] == '\0') {
            break;
        }
        const uint8_t ch = in->caps[at];
        out[n++] = ch >= 0x20 && ch < 0x7f && ch != '"' ? (char)ch : '?';
    }
    out[n] = '\0';
}

static int by_bytes(const void *a, const void *b) {
    const struct frame_stat *x = a, *y = b;
    if (x->bytes != y->bytes) {
        return x->bytes < y->bytes ? 1 : -1;
    }
    return x->id < y->id ? -1 : x->id > y->id;
}

static size_t top_frames(const struct info *in, struct frame_stat top[TOP_FRAMES]) {
    struct frame_stat *copy = malloc((in->nframes ? in->nframes : 1) * sizeof(*copy));
    if (!copy) {
        return 0;
    }
    if (in->nframes) { /* frames is NULL in a trace without frames */
        memcpy(copy, in->frames, in->nframes * sizeof(*copy));
        qsort(copy, in->nframes, sizeof(*copy), by_bytes);
    }
    const size_t n = in->nframes < TOP_FRAMES ? in->nframes : TOP_FRAMES;
    memcpy(top, copy, n * sizeof(*top));
    free(copy);
    return n;
}

static const char *format_name(uint32_t format, char *buf, size_t size) {
    struct vgl_format_desc d;
    if (vgl_format_describe(format, &d) && d.name) {
        return d.name;
    }
    snprintf(buf, size, "%u", format);
    return buf;
}

static bool is_call_type(uint32_t type) {
    return type != 0 && type != VGL_REC_INFO && type != VGL_REC_CAPS &&
           type != VGL_REC_GUEST_DATA && type != VGL_REC_FRAME && type != VGL_REC_END &&
           type != VGL_REC_FRAME_MARK;
}

static void print_text(const struct info *in, const struct tool_trace *t) {
    char buf[80];
    printf("trace: %s\n", t->path);
    printf("format version: %u\n", in->version);
    for (uint32_t at = 0; at < in->info_len;) {
        const char *k = in->info_pairs + at, *v = k + strlen(k) + 1;
        printf("%s: %s\n", k, v);
        at += (uint32_t)(strlen(k) + strlen(v) + 2);
    }
    if (in->caps_size) {
        printf("caps: set %u, %u bytes\n", in->caps_set, in->caps_size);
        for (size_t i = 0; i < sizeof(caps_fields) / sizeof(caps_fields[0]); i++) {
            const uint32_t v = caps_u32(in, caps_fields[i].offset);
            printf(caps_fields[i].hex ? "  %s: 0x%x\n" : "  %s: %u\n", caps_fields[i].name, v);
        }
        printf("  bset_bits: %u\n", mask_bits(in, VGL_CAPS_V1_BSET, 4));
        printf("  sampler_formats: %u\n", mask_bits(in, VGL_CAPS_V1_SAMPLER, 64));
        printf("  render_formats: %u\n", mask_bits(in, VGL_CAPS_V1_RENDER, 64));
        caps_renderer(in, buf, sizeof(buf));
        printf("  renderer: %s\n", buf);
    }
    printf("end: %s\n", in->clean_end ? "clean (END record)" : "interrupted (no END record)");
    printf("calls: %" PRIu64 "\n", in->calls);
    for (int pass = 0; pass < 2; pass++) {
        if (pass) {
            printf("other records:\n");
        }
        for (uint32_t i = 0; i < REC_TYPES; i++) {
            if (in->records[i] && is_call_type(i) == !pass) {
                printf("  %-32s %8" PRIu64 "\n", i ? vgl_trace_record_name(i) : "UNKNOWN",
                       in->records[i]);
            }
        }
    }
    printf("commands: %" PRIu64 " bytes, %" PRIu64 " submits that failed to decode\n",
           in->submit_bytes, in->decode_errors);
    for (uint32_t i = 0; i < VGL_CCMD_COUNT; i++) {
        if (in->cmds[i]) {
            printf("  %-32s %8" PRIu64 " %10" PRIu64 " bytes\n", vgl_decode_cmd_name(i),
                   in->cmds[i], in->cmd_bytes[i]);
        }
    }
    printf("objects created:\n");
    for (uint32_t i = 0; i < VGL_OBJECT_COUNT; i++) {
        if (in->objects[i]) {
            printf("  %-32s %8" PRIu64 "\n", vgl_decode_object_name(i), in->objects[i]);
        }
    }
    if (in->frame_type == VGL_REC_FRAME) {
        printf("frames: %zu\n", in->nframes);
    } else {
        printf("frames: %zu (FRAME_MARK records: no read-backs)\n", in->nframes);
    }
    print_timing_text(in);
    printf("contexts: %u\n", in->ncontexts);
    for (uint32_t i = 0; i < in->ncontexts && i < MAX_CONTEXTS; i++) {
        printf("  %s\n", in->contexts[i][0] ? in->contexts[i] : "(unnamed)");
    }
    printf("resources:\n");
    for (uint32_t i = 0; i < in->nres; i++) {
        printf("  %-10s %-24s %8" PRIu64 "\n", print_target_name(in->res[i].target),
               format_name(in->res[i].format, buf, sizeof(buf)), in->res[i].count);
    }
    printf("guest bytes uploaded: %" PRIu64 "\n", in->uploaded);
    printf("bytes read back by frames: %" PRIu64 " (%" PRIu64 " TRANSFER_READ calls)\n",
           in->readback_bytes, in->transfer_reads);
    struct frame_stat top[TOP_FRAMES];
    const size_t ntop = top_frames(in, top);
    printf("largest frames (submitted command bytes):\n");
    for (size_t i = 0; i < ntop; i++) {
        printf("  frame %u: %" PRIu64 " bytes, %" PRIu64 " calls\n", top[i].id, top[i].bytes,
               top[i].calls);
    }
}

static void json_key(bool *first, const char *key) {
    printf("%s\"%s\":", *first ? "" : ",", key);
    *first = false;
}

static void print_json(const struct info *in, const struct tool_trace *t, bool damaged) {
    char buf[80];
    bool first = true;
    printf("{\"trace\":");
    tool_json_string(stdout, t->path, strlen(t->path));
    printf(",\"format_version\":%u,\"info\":{", in->version);
    for (uint32_t at = 0; at < in->info_len;) {
        const char *k = in->info_pairs + at, *v = k + strlen(k) + 1;
        printf("%s", at ? "," : "");
        tool_json_string(stdout, k, strlen(k));
        putchar(':');
        tool_json_string(stdout, v, strlen(v));
        at += (uint32_t)(strlen(k) + strlen(v) + 2);
    }
    printf("},\"caps\":");
    if (in->caps_size) {
        printf("{\"set\":%u,\"size\":%u", in->caps_set, in->caps_size);
        for (size_t i = 0; i < sizeof(caps_fields) / sizeof(caps_fields[0]); i++) {
            printf(",\"%s\":%u", caps_fields[i].name, caps_u32(in, caps_fields[i].offset));
        }
        printf(",\"bset_bits\":%u,\"sampler_formats\":%u,\"render_formats\":%u,\"renderer\":",
               mask_bits(in, VGL_CAPS_V1_BSET, 4), mask_bits(in, VGL_CAPS_V1_SAMPLER, 64),
               mask_bits(in, VGL_CAPS_V1_RENDER, 64));
        caps_renderer(in, buf, sizeof(buf));
        tool_json_string(stdout, buf, strlen(buf));
        printf("}");
    } else {
        printf("null");
    }
    printf(",\"clean_end\":%s,\"calls\":%" PRIu64 ",\"records\":{",
           in->clean_end ? "true" : "false", in->calls);
    for (uint32_t i = 0; i < REC_TYPES; i++) {
        if (in->records[i]) {
            json_key(&first, i ? vgl_trace_record_name(i) : "UNKNOWN");
            printf("%" PRIu64, in->records[i]);
        }
    }
    printf("},\"command_bytes\":%" PRIu64 ",\"decode_errors\":%" PRIu64 ",\"commands\":{",
           in->submit_bytes, in->decode_errors);
    first = true;
    for (uint32_t i = 0; i < VGL_CCMD_COUNT; i++) {
        if (in->cmds[i]) {
            json_key(&first, vgl_decode_cmd_name(i));
            printf("{\"count\":%" PRIu64 ",\"bytes\":%" PRIu64 "}", in->cmds[i], in->cmd_bytes[i]);
        }
    }
    printf("},\"objects\":{");
    first = true;
    for (uint32_t i = 0; i < VGL_OBJECT_COUNT; i++) {
        if (in->objects[i]) {
            json_key(&first, vgl_decode_object_name(i));
            printf("%" PRIu64, in->objects[i]);
        }
    }
    printf("},\"frames\":%zu,\"contexts\":[", in->nframes);
    for (uint32_t i = 0; i < in->ncontexts && i < MAX_CONTEXTS; i++) {
        printf("%s", i ? "," : "");
        tool_json_string(stdout, in->contexts[i], strlen(in->contexts[i]));
    }
    printf("],\"resources\":[");
    for (uint32_t i = 0; i < in->nres; i++) {
        printf("%s{\"target\":\"%s\",\"format\":\"%s\",\"count\":%" PRIu64 "}", i ? "," : "",
               print_target_name(in->res[i].target),
               format_name(in->res[i].format, buf, sizeof(buf)), in->res[i].count);
    }
    printf("],\"guest_bytes_uploaded\":%" PRIu64 ",\"frame_readback_bytes\":%" PRIu64
           ",\"transfer_reads\":%" PRIu64 ",\"largest_frames\":[",
           in->uploaded, in->readback_bytes, in->transfer_reads);
    struct frame_stat top[TOP_FRAMES];
    const size_t ntop = top_frames(in, top);
    for (size_t i = 0; i < ntop; i++) {
        printf("%s{\"frame\":%u,\"bytes\":%" PRIu64 ",\"calls\":%" PRIu64 "}", i ? "," : "",
               top[i].id, top[i].bytes, top[i].calls);
    }
    printf("]");
    print_timing_json(in);
    if (damaged) {
        printf(",\"error\":{\"offset\":%" PRIu64 ",\"message\":", t->error_offset);
        tool_json_string(stdout, t->error_message, strlen(t->error_message));
        printf("}");
    }
    printf("}\n");
}

int tool_info(int argc, char **argv) {
    static const struct option long_opts[] = {
            {"json", no_argument, NULL, 'j'},
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'V'},
            {NULL, 0, NULL, 0},
    };
    bool json = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "jhV", long_opts, NULL)) != -1) {
        if (opt == 'j') {
            json = true;
        } else {
            return tool_common_option(opt, "info", usage_text);
        }
    }
    if (optind != argc - 1) {
        fputs(usage_text, stderr);
        return TOOL_EXIT_INPUT;
    }
    struct tool_trace t;
    if (!tool_trace_open(&t, argv[optind])) {
        return TOOL_EXIT_INPUT;
    }
    struct info *in = calloc(1, sizeof(*in));
    if (!in) {
        tool_trace_close(&t);
        return TOOL_EXIT_INPUT;
    }
    in->version = vgl_trace_reader_version(t.reader);
    in->frame_type = player_frame_type(t.path);
    int n;
    while ((n = tool_trace_next(&t)) > 0) {
        if (!count_record(in, &t.call, t.rec.time_ns)) {
            fprintf(stderr, "virgl-trace info: out of memory\n");
            break;
        }
    }
    if (json) {
        print_json(in, &t, n < 0);
    } else {
        print_text(in, &t);
    }
    fflush(stdout);
    if (n < 0) {
        tool_trace_report(&t);
    }
    tool_trace_close(&t);
    free(in->frames);
    free(in);
    return n < 0 ? TOOL_EXIT_INPUT : TOOL_EXIT_OK;
}
