/* SPDX-License-Identifier: MIT */
/*
 * virgl-trace: inspect and compare .vgz traces. main() dispatches through one subcommand table;
 * the helpers every subcommand shares (ranges, the trace walker, the line printer) live here.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vgl/format.h>

#include "player.h"
#include "tool.h"

static const struct tool_cmd commands[] = {
        {"info", "summarise a trace: header, caps, counts, largest frames", tool_info},
        {"dump", "print every call and decoded command", tool_dump},
        {"diff", "compare two traces call by call, ignoring handle renumbering", tool_diff},
        {"trim", "write a self-contained trace of some frames", tool_trim},
        {"bisect", "find the first draw where two renderers disagree", tool_bisect},
};

/*
 * The library's error logs are kept, not printed: the tools print their own lines, and say why a
 * trace could not be opened with the reader's reason (which names the byte offset).
 */
static char last_error[256];

static void keep_last_error(enum vgl_log_level level, const char *file, int line, const char *fmt,
                            va_list args, void *user) {
    (void)level;
    (void)file;
    (void)line;
    (void)user;
    vsnprintf(last_error, sizeof(last_error), fmt, args);
}

static void usage(FILE *out) {
    fprintf(out, "Usage: virgl-trace COMMAND [OPTIONS] FILE...\n"
                 "Inspect and compare virgl traces (.vgz).\n\nCommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  %-6s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\n`virgl-trace COMMAND --help` describes each command.\n"
                 "  -h, --help     show this help\n"
                 "  -V, --version  show the version\n");
}

int main(int argc, char **argv) {
    vgl_log_init(VGL_LOG_ERROR, keep_last_error, NULL);
    if (argc < 2) {
        usage(stderr);
        return TOOL_EXIT_INPUT;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return TOOL_EXIT_OK;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("virgl-trace %s\n", vgl_version());
        return TOOL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "virgl-trace: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return TOOL_EXIT_INPUT;
}

int tool_common_option(int opt, const char *name, const char *text) {
    switch (opt) {
    case 'h':
        fputs(text, stdout);
        return TOOL_EXIT_OK;
    case 'V':
        printf("virgl-trace %s %s\n", name, vgl_version());
        return TOOL_EXIT_OK;
    default:
        fputs(text, stderr);
        return TOOL_EXIT_INPUT;
    }
}

const char *tool_status_name(int32_t status) {
    const char *s = vgl_status_str((enum vgl_status)status);
    return strncmp(s, "VGL_", 4) == 0 ? s + 4 : s;
}

/* The same syntax as virgl-replay's --frames and --calls. */
bool tool_range_parse(const char *text, struct tool_range *out) {
    struct player_range r;
    if (!player_parse_range(text, &r)) {
        return false;
    }
    *out = (struct tool_range){r.set, r.first, r.last};
    return true;
}

bool tool_range_has(const struct tool_range *r, uint64_t v) {
    return !r->set || (v >= r->first && v <= r->last);
}

bool tool_trace_open(struct tool_trace *t, const char *path) {
    *t = (struct tool_trace){.path = path};
    last_error[0] = 0;
    const enum vgl_status st = vgl_trace_reader_open(path, &t->reader);
    if (st == VGL_ERROR_CORRUPT || st == VGL_ERROR_TRUNCATED) {
        /* Only the file header is read at open: the damage is at byte 0. The reader's reason
         * starts with the path, which this line already names. */
        const size_t n = strlen(path);
        const char *why = last_error;
        if (strncmp(why, path, n) == 0 && strncmp(why + n, ": ", 2) == 0) {
            why += n + 2;
        }
        fprintf(stderr, "virgl-trace: %s: damaged at byte 0: %s (%s)\n", path,
                why[0] ? why : "bad file header", tool_status_name(st));
        return false;
    }
    if (st != VGL_OK) {
        fprintf(stderr, "virgl-trace: %s: cannot open trace (%s%s%s)\n", path, tool_status_name(st),
                last_error[0] ? ": " : "", last_error);
        return false;
    }
    return true;
}

int tool_trace_next(struct tool_trace *t) {
    for (;;) {
        const int n = vgl_trace_reader_next(t->reader, &t->rec);
        if (n == 0) {
            return 0;
        }
        if (n < 0) {
            t->error = (enum vgl_status)n;
            t->error_offset = vgl_trace_reader_error_offset(t->reader);
            snprintf(t->error_message, sizeof(t->error_message), "%s",
                     vgl_trace_reader_error_message(t->reader));
            return -1;
        }
        const enum vgl_status st = vgl_trace_call_parse(&t->rec, &t->call);
        if (st == VGL_ERROR_UNSUPPORTED) {
            continue; /* a record type from a later version: skippable by design */
        }
        if (st != VGL_OK) {
            t->error = st;
            t->error_offset = t->rec.chunk_offset;
            snprintf(t->error_message, sizeof(t->error_message),
                     "record %" PRIu64 " (%s, %u bytes) in the chunk at byte %" PRIu64
                     " is malformed",
                     t->records, vgl_trace_record_name(t->rec.type), t->rec.size,
                     t->rec.chunk_offset);
            return -1;
        }
        t->records++;
        if (t->call.is_call) {
            t->index = t->calls++;
        } else if (t->call.type == VGL_REC_FRAME || t->call.type == VGL_REC_FRAME_MARK ||
                   t->call.type == VGL_REC_END) {
            t->index = t->calls ? t->calls - 1 : 0;
        } else {
            t->index = t->calls;
        }
        return 1;
    }
}

void tool_trace_report(const struct tool_trace *t) {
    fprintf(stderr, "virgl-trace: %s: damaged at byte %" PRIu64 ": %s (%s)\n", t->path,
            t->error_offset, t->error_message, tool_status_name(t->error));
}

void tool_trace_close(struct tool_trace *t) {
    vgl_trace_reader_destroy(t->reader);
    t->reader = NULL;
}

/* ---- the line printer ---- */

static void put(struct pout *o, const char *s, size_t n) {
    if (o->failed) {
        return;
    }
    if (o->len + n + 1 > o->capacity) {
        size_t cap = o->capacity ? o->capacity : 256;
        while (cap < o->len + n + 1) {
            cap *= 2;
        }
        char *buf = realloc(o->buf, cap);
        if (!buf) {
            o->failed = true;
            return;
        }
        o->buf = buf;
        o->capacity = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void putf(struct pout *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct pout *o, const char *fmt, ...) {
    char tmp[128];
    va_list args;
    va_start(args, fmt);
    const int n = vsnprintf(tmp, sizeof(tmp), fmt, args);
    va_end(args);
    if (n > 0) {
        put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
    }
}

static void put_escaped(struct pout *o, const char *s, size_t len) {
    put(o, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        const unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            put(o, "\\", 1);
            put(o, s + i, 1);
        } else if (c == '\n') {
            put(o, "\\n", 2);
        } else if (c == '\t') {
            put(o, "\\t", 2);
        } else if (c < 0x20 || c >= 0x7f) {
            putf(o, "\\u%04x", c);
        } else {
            put(o, s + i, 1);
        }
    }
    put(o, "\"", 1);
}

/* Separator and key: `, "key":` in JSON, ` key=` in text. */
static void key(struct pout *o, const char *k) {
    if (o->json) {
        put(o, o->len > 1 ? ",\"" : "\"", o->len > 1 ? 2 : 1);
        put(o, k, strlen(k));
        put(o, "\":", 2);
    } else {
        if (o->len) {
            put(o, " ", 1);
        }
        put(o, k, strlen(k));
        put(o, "=", 1);
    }
}

void pout_begin(struct pout *o) {
    o->len = 0;
    o->failed = false;
    put(o, o->json ? "{" : "", o->json ? 1 : 0);
}

void pout_end(struct pout *o, enum pout_kind kind) {
    if (o->json) {
        put(o, "}", 1);
    }
    if (o->failed || !o->buf) {
        return;
    }
    if (o->emit) {
        o->emit(o->user, kind, o->buf, o->len);
    } else {
        fwrite(o->buf, 1, o->len, stdout);
        fputc('\n', stdout);
    }
}

void pout_finish(struct pout *o) {
    free(o->buf);
    o->buf = NULL;
    o->len = o->capacity = 0;
}

void pout_raw(struct pout *o, const char *fmt, ...) {
    char tmp[256];
    va_list args;
    va_start(args, fmt);
    const int n = vsnprintf(tmp, sizeof(tmp), fmt, args);
    va_end(args);
    if (n > 0 && !o->json) {
        put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
    }
}

void pout_name(struct pout *o, const char *k, const char *name) {
    if (o->json) {
        key(o, k);
        put_escaped(o, name, strlen(name));
    } else {
        if (o->len) {
            put(o, " ", 1);
        }
        put(o, name, strlen(name));
    }
}

void pout_sym(struct pout *o, const char *k, const char *name) {
    key(o, k);
    if (o->json) {
        put_escaped(o, name, strlen(name));
    } else {
        put(o, name, strlen(name));
    }
}

void pout_u(struct pout *o, const char *k, uint64_t v) {
    key(o, k);
    putf(o, "%" PRIu64, v);
}

void pout_i(struct pout *o, const char *k, int64_t v) {
    key(o, k);
    putf(o, "%" PRId64, v);
}

void pout_x(struct pout *o, const char *k, uint32_t v) {
    key(o, k);
    putf(o, o->json ? "%" PRIu32 : "0x%" PRIx32, v);
}

static void put_float(struct pout *o, double v) {
    if (o->json && !isfinite(v)) {
        put(o, "null", 4);
    } else {
        putf(o, "%.9g", v);
    }
}

void pout_f(struct pout *o, const char *k, double v) {
    key(o, k);
    put_float(o, v);
}

void pout_b(struct pout *o, const char *k, bool v) {
    key(o, k);
    if (o->json) {
        put(o, v ? "true" : "false", v ? 4 : 5);
    } else {
        put(o, v ? "1" : "0", 1);
    }
}

void pout_null(struct pout *o, const char *k) {
    key(o, k);
    put(o, o->json ? "null" : "-", o->json ? 4 : 1);
}

void pout_s(struct pout *o, const char *k, const char *s, size_t len) {
    key(o, k);
    put_escaped(o, s, len);
}

static void list_open(struct pout *o) {
    if (o->json) {
        put(o, "[", 1);
    }
}

static void list_sep(struct pout *o, uint32_t i) {
    if (i) {
        put(o, ",", 1);
    }
}

static void list_close(struct pout *o, uint32_t n) {
    if (o->json) {
        put(o, "]", 1);
    } else if (n == 0) {
        put(o, "-", 1);
    }
}

void pout_us(struct pout *o, const char *k, const uint32_t *v, uint32_t n) {
    key(o, k);
    list_open(o);
    for (uint32_t i = 0; i < n; i++) {
        list_sep(o, i);
        putf(o, "%" PRIu32, v[i]);
    }
    list_close(o, n);
}

void pout_fs(struct pout *o, const char *k, const float *v, uint32_t n) {
    key(o, k);
    list_open(o);
    for (uint32_t i = 0; i < n; i++) {
        list_sep(o, i);
        put_float(o, v[i]);
    }
    list_close(o, n);
}

void pout_box(struct pout *o, const char *k, const struct vgl_box *b) {
    const int32_t v[6] = {b->x, b->y, b->z, b->w, b->h, b->d};
    key(o, k);
    list_open(o);
    for (uint32_t i = 0; i < 6; i++) {
        list_sep(o, i);
        putf(o, "%" PRId32, v[i]);
    }
    list_close(o, 6);
}

void pout_format(struct pout *o, const char *k, uint32_t format) {
    struct vgl_format_desc d;
    if (vgl_format_describe(format, &d) && d.name) {
        pout_sym(o, k, d.name);
    } else {
        pout_u(o, k, format);
    }
}

static uint32_t norm(struct pout *o, struct tool_id_map *m, uint32_t v) {
    return o->norm && v ? tool_id_map_get(m, (uint64_t)o->ctx << 32 | v) : v;
}

void pout_ctx(struct pout *o, uint32_t ctx) {
    o->ctx = ctx;
    pout_u(o, "ctx", o->norm && ctx ? tool_id_map_get(&o->norm->ctx, ctx) : ctx);
}

void pout_res(struct pout *o, const char *k, uint32_t handle) {
    pout_u(o, k, o->norm ? norm(o, &o->norm->res, handle) : handle);
}

void pout_obj(struct pout *o, const char *k, uint32_t handle) {
    pout_u(o, k, o->norm ? norm(o, &o->norm->obj, handle) : handle);
}

void pout_objs(struct pout *o, const char *k, const uint32_t *handles, uint32_t n) {
    key(o, k);
    list_open(o);
    for (uint32_t i = 0; i < n; i++) {
        list_sep(o, i);
        putf(o, "%" PRIu32, o->norm ? norm(o, &o->norm->obj, handles[i]) : handles[i]);
    }
    list_close(o, n);
}

void tool_json_string(FILE *out, const char *s, size_t len) {
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        const unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
        } else if (c == '\n') {
            fputs("\\n", out);
        } else if (c < 0x20 || c >= 0x7f) {
            fprintf(out, "\\u%04x", c);
        } else {
            fputc(c, out);
        }
    }
    fputc('"', out);
}
