/* SPDX-License-Identifier: MIT */
/*
 * virgl-trace diff: walks two traces call by call and compares the dump lines of each call with
 * contexts, resources and object handles renumbered by first appearance, so two captures of the
 * same program compare equal. INFO and CAPS (dates, host names) are left out.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "player.h"
#include "tool.h"

static const char usage_text[] =
        "Usage: virgl-trace diff [OPTIONS] A.vgz B.vgz\n"
        "Compare two traces call by call, ignoring handle renumbering, and print the first\n"
        "difference in decoded form.\n\n"
        "  -h, --help     show this help\n"
        "  -V, --version  show the version\n\n"
        "Exit status: 0 equivalent, 1 different, 2 bad usage or a damaged trace.\n";

static size_t id_slot(const struct tool_id_map *m, uint64_t key) {
    size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (m->capacity - 1);
    while (m->keys[i] != 0 && m->keys[i] != key) {
        i = (i + 1) & (m->capacity - 1);
    }
    return i;
}

static bool id_map_grow(struct tool_id_map *m) {
    struct tool_id_map bigger = {.capacity = m->capacity ? m->capacity * 2 : 256};
    bigger.keys = calloc(bigger.capacity, sizeof(*bigger.keys));
    bigger.values = calloc(bigger.capacity, sizeof(*bigger.values));
    if (!bigger.keys || !bigger.values) {
        tool_id_map_finish(&bigger);
        return false;
    }
    for (size_t i = 0; i < m->capacity; i++) {
        if (m->keys[i]) {
            const size_t j = id_slot(&bigger, m->keys[i]);
            bigger.keys[j] = m->keys[i];
            bigger.values[j] = m->values[i];
        }
    }
    bigger.count = m->count;
    tool_id_map_finish(m);
    *m = bigger;
    return true;
}

uint32_t tool_id_map_get(struct tool_id_map *m, uint64_t key) {
    if (key == 0) {
        return 0;
    }
    if ((m->count + 1) * 2 > m->capacity && !id_map_grow(m)) {
        return UINT32_MAX;
    }
    const size_t i = id_slot(m, key);
    if (!m->keys[i]) {
        m->keys[i] = key;
        m->values[i] = (uint32_t)++m->count;
    }
    return m->values[i];
}

void tool_id_map_finish(struct tool_id_map *m) {
    free(m->keys);
    free(m->values);
    *m = (struct tool_id_map){0};
}

struct line {
    enum pout_kind kind;
    uint64_t call;
    char *text;
};

struct side {
    struct tool_trace t;
    struct tool_norm norm;
    struct pout o;
    struct line *lines; /* lines read ahead, oldest first */
    size_t count, capacity;
    int state; /* 1 reading, 0 clean end, -1 damaged */
    bool failed;
    uint64_t frame_records, mark_records; /* frames: player_frame_type_for's rule */
};

static void emit(void *user, enum pout_kind kind, const char *text, size_t len) {
    struct side *s = user;
    if (s->count == s->capacity) {
        const size_t cap = s->capacity ? s->capacity * 2 : 64;
        struct line *lines = realloc(s->lines, cap * sizeof(*lines));
        if (!lines) {
            s->failed = true;
            return;
        }
        s->lines = lines;
        s->capacity = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        s->failed = true;
        return;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    s->lines[s->count++] = (struct line){kind, s->t.index, copy};
}

/* Read until every line of call `call` is buffered (a later call's line, or the end). */
static void fill(struct side *s, uint64_t call) {
    while (s->state > 0 && !s->failed && (s->count == 0 || s->lines[s->count - 1].call <= call)) {
        s->state = tool_trace_next(&s->t);
        if (s->state <= 0) {
            break;
        }
        const uint32_t type = s->t.call.type;
        if (type == VGL_REC_INFO || type == VGL_REC_CAPS) {
            continue;
        }
        s->frame_records += type == VGL_REC_FRAME;
        s->mark_records += type == VGL_REC_FRAME_MARK;
        if (!dump_record(&s->o, &s->t, false, NULL)) {
            s->failed = true;
        }
    }
}

/* Lines of `call` at the head of the buffer. */
static size_t lines_of(const struct side *s, uint64_t call) {
    size_t n = 0;
    while (n < s->count && s->lines[n].call == call) {
        n++;
    }
    return n;
}

static void drop(struct side *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(s->lines[i].text);
    }
    if (s->count > n) { /* lines is NULL while nothing was read */
        memmove(s->lines, s->lines + n, (s->count - n) * sizeof(*s->lines));
    }
    s->count -= n;
}

static const char *trimmed(const struct line *l) {
    const char *p = l ? l->text : "(nothing: the trace ends here)";
    while (*p == ' ') {
        p++;
    }
    return p;
}

static bool is_frame(const struct line *l) {
    return l && l->kind == POUT_RECORD && strncmp(l->text, "FRAME ", 6) == 0;
}

static void report(const char *a_path, const char *b_path, uint64_t call, const struct line *a,
                   const struct line *b) {
    printf("traces differ at call %" PRIu64 " (A) / call %" PRIu64 " (B)%s\n", call, call,
           is_frame(a) && is_frame(b) ? ": frame checksum or size differs" : "");
    printf("A %s: %s\n", a_path, trimmed(a));
    printf("B %s: %s\n", b_path, trimmed(b));
}

static bool side_open(struct side *s, const char *path) {
    *s = (struct side){.state = 1};
    s->o.norm = &s->norm;
    s->o.emit = emit;
    s->o.user = s;
    return tool_trace_open(&s->t, path);
}

static void side_close(struct side *s) {
    drop(s, s->count);
    free(s->lines);
    pout_finish(&s->o);
    tool_id_map_finish(&s->norm.ctx);
    tool_id_map_finish(&s->norm.res);
    tool_id_map_finish(&s->norm.obj);
    tool_trace_close(&s->t);
}

/* Compare the two traces; returns the exit status. */
static int compare(struct side *a, struct side *b) {
    for (uint64_t call = 0;; call++) {
        fill(a, call);
        fill(b, call);
        if (a->failed || b->failed) {
            fprintf(stderr, "virgl-trace diff: out of memory\n");
            return TOOL_EXIT_INPUT;
        }
        const size_t na = lines_of(a, call), nb = lines_of(b, call);
        /* a call cut short by damage is not a difference: the damage is the news */
        if ((a->state < 0 && na == a->count) || (b->state < 0 && nb == b->count)) {
            tool_trace_report(a->state < 0 && na == a->count ? &a->t : &b->t);
            return TOOL_EXIT_INPUT;
        }
        for (size_t i = 0; i < na || i < nb; i++) {
            const struct line *la = i < na ? &a->lines[i] : NULL;
            const struct line *lb = i < nb ? &b->lines[i] : NULL;
            if (!la || !lb || la->kind != lb->kind || strcmp(la->text, lb->text) != 0) {
                report(a->t.path, b->t.path, call, la, lb);
                return TOOL_EXIT_DIFFERENT;
            }
        }
        drop(a, na);
        drop(b, nb);
        if (a->state == 0 && b->state == 0 && a->count == 0 && b->count == 0) {
            const uint64_t frames = player_frame_type_for(a->frame_records) == VGL_REC_FRAME
                                            ? a->frame_records
                                            : a->mark_records;
            printf("equivalent: %" PRIu64 " calls, %" PRIu64 " frames\n", a->t.calls, frames);
            return TOOL_EXIT_OK;
        }
    }
}

int tool_diff(int argc, char **argv) {
    static const struct option long_opts[] = {
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'V'},
            {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "hV", long_opts, NULL)) != -1) {
        return tool_common_option(opt, "diff", usage_text);
    }
    if (optind != argc - 2) {
        fputs(usage_text, stderr);
        return TOOL_EXIT_INPUT;
    }
    struct side *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    int status = TOOL_EXIT_INPUT;
    if (a && b && side_open(a, argv[optind])) {
        if (side_open(b, argv[optind + 1])) {
            status = compare(a, b);
            side_close(b);
        }
        side_close(a);
    }
    free(a);
    free(b);
    return status;
}
