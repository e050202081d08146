/* SPDX-License-Identifier: MIT */
/*
 * virgl-trace bisect FILE [--frame N] [--renderers A,B]: replay a trace on two renderers, find
 * the first frame whose read-backs differ, then the first draw of that frame after which the
 * render targets differ (binary search, replaying up to draw k on both), and print that draw
 * with the state it used, plus images of both renderers' targets before and after it.
 *
 * Every replay runs in a child process: virglrenderer has one instance per process and keeps
 * global GL state, and a crash on one renderer must not take the tool down.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include "bisect_state.h"
#include "player.h"
#include "png_writer.h"
#include "tool.h"

#define TOOL_EXIT_UNTESTABLE 125

static const char usage_text[] =
        "Usage: virgl-trace bisect FILE [--frame N] [--renderers A,B] [--against FILE2] [-o DIR]\n"
        "Replay FILE on two renderers, find the first frame whose read-backs differ, then the\n"
        "first draw of that frame after which their render targets differ. Prints that draw\n"
        "with the state it used and writes DIR/{before,after}-{A,B}-targetN.png.\n\n"
        "  --frame N         bisect within frame N instead of the first differing frame\n"
        "  --renderers A,B   the two renderers (default vgl,virglrenderer; vgl,vgl with\n"
        "                    --against); each is vgl, virglrenderer, or the path of a\n"
        "                    virglrenderer library\n"
        "  --against FILE2   the second renderer replays FILE2 (another capture of the same\n"
        "                    program, or a patched copy) instead of FILE\n"
        "  -o, --output DIR  where to write images (default bisect-out)\n"
        "  -v, --verbose     show the renderers' own messages\n"
        "  -h, --help        show this help\n"
        "  -V, --version     show the version\n\n"
        "Exit status: 0 the renderers agree, 1 a divergent frame (and draw) was found,\n"
        "2 bad usage or damaged trace, 125 a renderer cannot run here.\n";

struct side {
    struct backend_options opts;
    char label[64];
    const char *path; /* the trace this side replays */
};

struct bisect {
    const char *path, *out_dir;
    struct side side[2];
    bool frame_set, verbose;
    uint32_t frame;
};

struct frame_result {
    uint32_t frame, crc;
    uint64_t bytes, draws;
};

struct frames {
    struct frame_result *f;
    size_t count;
};

/* --- child side ------------------------------------------------------------------------- */

struct child {
    FILE *out;
    struct player *pl;
    struct bisect_state state;
    const char *png_prefix;
};

static void child_frame(void *user, const struct player_frame *f) {
    struct child *ch = user;
    fprintf(ch->out, "frame %u %08x %" PRIu64 " %" PRIu64 "\n", f->frame, f->crc, f->bytes,
            f->draws);
}

static void child_stop(void *user, struct vgl_renderer *unused) {
    struct child *ch = user;
    fprintf(ch->out, "reached\n");
    for (uint32_t i = 0; i < ch->state.target_count; i++) {
        const struct bisect_target *t = &ch->state.targets[i];
        const uint8_t *texels;
        uint64_t bytes;
        if (!t->readable ||
            player_read_back(ch->pl, ch->state.ctx, &t->read, &texels, &bytes) != VGL_OK) {
            fprintf(ch->out, "target %u unreadable\n", i);
            continue;
        }
        fprintf(ch->out, "target %u %08lx %" PRIu64 "\n", i, crc32_z(0, texels, bytes), bytes);
        if (ch->png_prefix && !t->depth) {
            char path[4096], why[160];
            snprintf(path, sizeof(path), "%s-target%u.png", ch->png_prefix, i);
            if (!png_write_texels(path, t->format, t->w, t->h, texels, why, sizeof(why))) {
                fprintf(stderr, "virgl-trace bisect: %s: %s\n", path, why);
            }
        }
    }
}

/* Replay in this (child) process; the answer goes to `out`. */
static int child_main(const struct bisect *b, int side, bool to_draw, uint64_t k,
                      const char *png_prefix, FILE *out) {
    struct child ch = {.out = out, .png_prefix = png_prefix};
    const char *path = b->side[side].path;
    if (to_draw && !bisect_state_at(path, k, &ch.state)) {
        return TOOL_EXIT_INPUT;
    }
    struct player_options po = {
            .backend = b->side[side].opts,
            .user = &ch,
            .on_frame = to_draw ? NULL : child_frame,
            .at_stop = to_draw ? child_stop : NULL,
            .stop_at_draw = to_draw,
            .stop_after_draw = k,
    };
    char why[256];
    const enum vgl_status cs = player_create(&po, &ch.pl, why, sizeof(why));
    if (cs != VGL_OK) {
        fprintf(stderr, "virgl-trace bisect: %s: %s\n", b->side[side].label,
                cs == VGL_ERROR_UNSUPPORTED ? why : vgl_status_str(cs));
        bisect_state_finish(&ch.state);
        return TOOL_EXIT_UNTESTABLE;
    }
    struct player_stats st;
    player_run(ch.pl, path, &st);
    player_destroy(ch.pl);
    bisect_state_finish(&ch.state);
    fflush(out);
    return st.read_status == VGL_OK || st.stopped_at_range ? TOOL_EXIT_OK : TOOL_EXIT_INPUT;
}

/* --- parent side ------------------------------------------------------------------------ */

/* Run child_main in a child process and collect what it wrote (NUL-terminated, caller frees).
 * Returns its exit status, or -1 when it died. */
static int run_child(const struct bisect *b, int side, bool to_draw, uint64_t k,
                     const char *png_prefix, char **text) {
    *text = NULL;
    int fds[2];
    if (pipe(fds) != 0) {
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        if (!b->verbose && !freopen("/dev/null", "w", stderr)) {
            _exit(TOOL_EXIT_INPUT);
        }
        FILE *out = fdopen(fds[1], "w");
        _exit(out ? child_main(b, side, to_draw, k, png_prefix, out) : TOOL_EXIT_INPUT);
    }
    close(fds[1]);
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    ssize_t n;
    while (buf && (n = read(fds[0], buf + len, cap - len - 1)) != 0) {
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        len += (size_t)n;
        if (cap - len < 2) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                break;
            }
            buf = p;
            cap *= 2;
        }
    }
    close(fds[0]);
    if (buf) {
        buf[len] = '\0';
    }
    *text = buf;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool parse_frames(const char *text, struct frames *out) {
    out->count = 0;
    out->f = NULL;
    size_t cap = 0;
    for (const char *p = text; p && *p;) {
        struct frame_result r;
        if (sscanf(p, "frame %" SCNu32 " %" SCNx32 " %" SCNu64 " %" SCNu64, &r.frame, &r.crc,
                   &r.bytes, &r.draws) == 4) {
            if (out->count == cap) {
                cap = cap ? cap * 2 : 64;
                struct frame_result *f = realloc(out->f, cap * sizeof(*f));
                if (!f) {
                    return false;
                }
                out->f = f;
            }
            out->f[out->count++] = r;
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return true;
}

/* Report a child that failed; returns the exit status to give up with. */
static int child_failed(const struct bisect *b, int side, int rc) {
    if (rc == TOOL_EXIT_UNTESTABLE) {
        fprintf(stderr, "virgl-trace bisect: renderer %s cannot run here\n", b->side[side].label);
        return TOOL_EXIT_UNTESTABLE;
    }
    fprintf(stderr, "virgl-trace bisect: the replay on %s %s\n", b->side[side].label,
            rc < 0 ? "crashed" : "failed (damaged trace?)");
    return TOOL_EXIT_INPUT;
}

/* 1: the render targets differ after draw k, 0: they agree, negative: -(exit status). */
static int targets_differ(const struct bisect *b, uint64_t k) {
    char *text[2];
    int result = 0;
    for (int s = 0; s < 2; s++) {
        const int rc = run_child(b, s, true, k, NULL, &text[s]);
        if (rc != 0 && result == 0) {
            result = -child_failed(b, s, rc);
        }
    }
    if (result == 0) {
        result = !text[0] || !text[1] || strcmp(text[0], text[1]) != 0;
    }
    free(text[0]);
    free(text[1]);
    return result;
}

static bool parse_side(const char *text, size_t len, struct side *s) {
    if (len == 0 || len >= sizeof(s->label)) {
        return false;
    }
    memcpy(s->label, text, len);
    s->label[len] = '\0';
    if (!backend_parse_kind(s->label, &s->opts.kind)) {
        if (!strchr(s->label, '/')) {
            return false;
        }
        /* A library path: virglrenderer from that build, labelled by its file name. */
        s->opts.kind = BACKEND_VIRGLRENDERER;
        s->opts.library = text;
        const char *base = strrchr(s->label, '/') + 1;
        memmove(s->label, base, strlen(base) + 1);
    }
    return true;
}

static int parse_args(struct bisect *b, int argc, char **argv) {
    static const struct option long_opts[] = {
            {"frame", required_argument, NULL, 'f'},   {"renderers", required_argument, NULL, 'r'},
            {"output", required_argument, NULL, 'o'},  {"verbose", no_argument, NULL, 'v'},
            {"against", required_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0},
    };
    static char spec_default[] = "vgl,virglrenderer", spec_against[] = "vgl,vgl";
    char *spec = NULL;
    const char *against = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "f:r:o:a:vhV", long_opts, NULL)) != -1) {
        char *end;
        if (opt == 'f') {
            const unsigned long v = strtoul(optarg, &end, 10);
            if (!optarg[0] || *end || optarg[0] == '-' || v > UINT32_MAX) {
                fprintf(stderr, "virgl-trace bisect: bad frame '%s'\n", optarg);
                return TOOL_EXIT_INPUT;
            }
            b->frame_set = true;
            b->frame = (uint32_t)v;
        } else if (opt == 'r') {
            spec = optarg;
        } else if (opt == 'o') {
            b->out_dir = optarg;
        } else if (opt == 'a') {
            against = optarg;
        } else if (opt == 'v') {
            b->verbose = true;
        } else {
            return tool_common_option(opt, "bisect", usage_text);
        }
    }
    if (optind != argc - 1) {
        fputs(usage_text, stderr);
        return TOOL_EXIT_INPUT;
    }
    b->path = argv[optind];
    if (!spec) {
        spec = against ? spec_against : spec_default;
    }
    const char *comma = strchr(spec, ',');
    if (!comma || !parse_side(spec, (size_t)(comma - spec), &b->side[0]) ||
        !parse_side(comma + 1, strlen(comma + 1), &b->side[1])) {
        fprintf(stderr,
                "virgl-trace bisect: bad --renderers '%s' (A,B: vgl, virglrenderer or a "
                "library path)\n",
                spec);
        return TOOL_EXIT_INPUT;
    }
    if (b->side[0].opts.library) { /* parse_side pointed into spec: cut it at the comma */
        *(char *)comma = '\0';
    }
    b->side[0].path = b->path;
    b->side[1].path = against ? against : b->path;
    if (strcmp(b->side[0].label, b->side[1].label) == 0) {
        snprintf(b->side[0].label, sizeof(b->side[0].label), "a");
        snprintf(b->side[1].label, sizeof(b->side[1].label), "b");
    }
    return -1;
}

/* Write both renderers' targets after draw k into DIR/<when>-<label>-targetN.png. */
static void write_images(const struct bisect *b, uint64_t k, const char *when) {
    for (int s = 0; s < 2; s++) {
        char prefix[4096], *text;
        snprintf(prefix, sizeof(prefix), "%s/%s-%s", b->out_dir, when, b->side[s].label);
        run_child(b, s, true, k, prefix, &text);
        free(text);
        printf("  %s: %s-target*.png\n", b->side[s].label, prefix);
    }
}

/* The frame to bisect in: --frame N, or the first whose read-backs differ. -1: none differ. */
static int pick_frame(const struct bisect *b, const struct frames fr[2], size_t *index) {

    const size_t n = fr[0].count < fr[1].count ? fr[0].count : fr[1].count;
    for (size_t i = 0; i < n; i++) {
        const struct frame_result *x = &fr[0].f[i], *y = &fr[1].f[i];
        if (b->frame_set ? x->frame == b->frame
                         : x->crc != y->crc || x->bytes != y->bytes || x->frame != y->frame) {
            *index = i;
            return 0;
        }
    }
    if (b->frame_set) {
        fprintf(stderr, "virgl-trace bisect: %s has no frame %u\n", b->path, b->frame);
        return TOOL_EXIT_INPUT;
    }
    if (fr[0].count != fr[1].count) {
        printf("frames: %s read back %zu frames, %s %zu; the first %zu agree\n", b->side[0].label,
               fr[0].count, b->side[1].label, fr[1].count, n);
        return TOOL_EXIT_DIFFERENT;
    }
    printf("frames: all %zu agree between %s and %s\n", n, b->side[0].label, b->side[1].label);
    return -1;
}

static int bisect_draws(const struct bisect *b, const struct frames fr[2], size_t i) {
    const struct frame_result *f = &fr[0].f[i];
    const uint64_t lo = i ? fr[0].f[i - 1].draws : 0, hi = f->draws;
    printf("frame %u: crc32 %08x on %s, %08x on %s; draws %" PRIu64 "..%" PRIu64 "\n", f->frame,
           f->crc, b->side[0].label, fr[1].f[i].crc, b->side[1].label, lo, hi ? hi - 1 : 0);
    if (hi <= lo) {
        printf("frame %u has no draws of its own: the read-back itself differs\n", f->frame);
        return TOOL_EXIT_DIFFERENT;
    }
    int d = targets_differ(b, hi - 1);
    if (d < 0) {
        return -d;
    }
    if (!d) {
        printf("the render targets agree after the frame's last draw: the read-back differs\n");
        return TOOL_EXIT_DIFFERENT;
    }
    uint64_t first = lo, last = hi - 1; /* targets differ after `last` */
    unsigned steps = 1;
    while (first < last) {
        const uint64_t mid = first + (last - first) / 2;
        d = targets_differ(b, mid);
        steps++;
        if (d < 0) {
            return -d;
        }
        if (d) {
            last = mid;
        } else {
            first = mid + 1;
        }
    }
    const int sides = strcmp(b->side[0].path, b->side[1].path) != 0 ? 2 : 1;
    for (int s = 0; s < sides; s++) {
        struct bisect_state st;
        if (!bisect_state_at(b->side[s].path, last, &st) || !st.reached) {
            bisect_state_finish(&st);
            return TOOL_EXIT_INPUT;
        }
        if (s == 0) {
            printf("first divergent draw: %" PRIu64 " (draw %" PRIu64
                   " of frame %u), in call %" PRIu64 ", command %u (dump: %" PRIu64
                   ".%u), context %u; %u replays per renderer\n",
                   last, last - lo, f->frame, st.call, st.cmd_index, st.call, st.cmd_index, st.ctx,
                   steps);
        }
        if (sides == 2) {
            printf("in %s (%s):\n", b->side[s].path, b->side[s].label);
        }
        bisect_state_print(&st, stdout);
        bisect_state_finish(&st);
    }
    if (mkdir(b->out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "virgl-trace bisect: cannot create %s: %s\n", b->out_dir, strerror(errno));
        return TOOL_EXIT_DIFFERENT;
    }
    printf("images:\n");
    if (last > 0) {
        write_images(b, last - 1, "before");
    }
    write_images(b, last, "after");
    return TOOL_EXIT_DIFFERENT;
}

int tool_bisect(int argc, char **argv) {
    struct bisect b = {.out_dir = "bisect-out"};
    const int early = parse_args(&b, argc, argv);
    if (early >= 0) {
        return early;
    }
    /* Marked frames (no read-backs) carry no checksum to compare: the draws of a chosen frame
     * still can be. */
    if (!b.frame_set && (player_frame_type(b.side[0].path) == VGL_REC_FRAME_MARK ||
                         player_frame_type(b.side[1].path) == VGL_REC_FRAME_MARK)) {
        fprintf(stderr,
                "virgl-trace bisect: the frames of %s are marks without read-backs, so there is "
                "no checksum to compare; name one with --frame N to compare its draws\n",
                player_frame_type(b.side[0].path) == VGL_REC_FRAME_MARK ? b.side[0].path
                                                                        : b.side[1].path);
        return TOOL_EXIT_UNTESTABLE;
    }
    struct frames fr[2] = {{0}};
    int rc = -1;
    for (int s = 0; s < 2 && rc < 0; s++) {
        char *text;
        const int cr = run_child(&b, s, false, 0, NULL, &text);
        if (cr != 0) {
            rc = child_failed(&b, s, cr);
        } else if (!parse_frames(text ? text : "", &fr[s])) {
            rc = TOOL_EXIT_INPUT;
        }
        free(text);
    }
    size_t i = 0;
    if (rc < 0) {
        if (strcmp(b.side[0].path, b.side[1].path) == 0) {
            printf("bisect: %s on %s and %s: %zu and %zu frames\n", b.path, b.side[0].label,
                   b.side[1].label, fr[0].count, fr[1].count);
        } else {
            printf("bisect: %s on %s and %s on %s: %zu and %zu frames\n", b.side[0].path,
                   b.side[0].label, b.side[1].path, b.side[1].label, fr[0].count, fr[1].count);
        }
        rc = pick_frame(&b, fr, &i);
        if (rc == 0) {
            rc = bisect_draws(&b, fr, i);
        } else if (rc < 0) {
            rc = TOOL_EXIT_OK;
        }
    }
    free(fr[0].f);
    free(fr[1].f);
    return rc;
}
