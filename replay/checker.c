/* SPDX-License-Identifier: MIT */
/*
 * Checks replayed frames against expectations: a checksum file (one "frame crc32 WxH format"
 * line per frame) or a directory of frame-NNNN.png. Owns the per-frame results and the outputs
 * made from them; pixel work is in checker_image.c, the HTML page in checker_report.c.
 */
#include "checker.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checker_report.h"
#include "checker_sums.h"

enum ref_kind { REF_NONE, REF_SUMS, REF_PNG_DIR };

#define MAX_FRAMES (1u << 22)

struct checker {
    char *checksums_out, *compare_ref, *report_dir, *images_dir;
    unsigned tolerance;
    bool update;
    bool partial; /* only some frames were replayed: unseen reference frames are not missing */
    enum ref_kind kind;
    struct sum_entry *refs; /* sorted by frame; w, h, crc unused for a PNG directory */
    size_t ref_count;
    struct frame_result *results;
    size_t count, capacity;
    bool failed; /* an update write or an allocation failed: error says which */
    char error[512];
};

__attribute__((format(printf, 2, 3))) static void fail(struct checker *c, const char *fmt, ...) {
    if (c->failed) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof(c->error), fmt, ap);
    va_end(ap);
    c->failed = true;
}

static char *dup_or_null(const char *s, bool *ok) {
    if (!s) {
        return NULL;
    }
    char *d = strdup(s);
    *ok = *ok && d != NULL;
    return d;
}

static bool frame_png_path(const char *dir, uint32_t frame, char *out, size_t size) {
    const int n = snprintf(out, size, "%s/frame-%04u.png", dir, frame);
    return n > 0 && (size_t)n < size;
}

/* "frame-NNNN.png" exactly as the snapshot writer names it (at least 4 digits, no extra zeros). */
static bool parse_frame_name(const char *name, uint32_t *frame) {
    const size_t len = strlen(name);
    if (len < 14 || len > 20 || strncmp(name, "frame-", 6) != 0 ||
        strcmp(name + len - 4, ".png") != 0) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 6; i < len - 4; i++) {
        if (name[i] < '0' || name[i] > '9') {
            return false;
        }
        v = v * 10 + (uint64_t)(name[i] - '0');
    }
    if (v > UINT32_MAX) {
        return false;
    }
    char back[32];
    snprintf(back, sizeof(back), "frame-%04u.png", (uint32_t)v);
    *frame = (uint32_t)v;
    return strcmp(back, name) == 0;
}

static bool load_png_dir(struct checker *c, char *why, size_t why_size) {
    DIR *d = opendir(c->compare_ref);
    if (!d) {
        snprintf(why, why_size, "%s: %s", c->compare_ref, strerror(errno));
        return false;
    }
    struct sum_list list = {0};
    bool ok = true;
    const struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        struct sum_entry s = {0};
        if (parse_frame_name(e->d_name, &s.frame)) {
            ok = sum_list_add(&list, &s, MAX_FRAMES, why, why_size);
        }
    }
    closedir(d);
    ok = ok && sum_list_finish(&list, c->compare_ref, why, why_size);
    c->refs = list.items;
    c->ref_count = list.count;
    return ok;
}

static bool ends_with_slash(const char *s) {
    const size_t n = strlen(s);
    return n > 0 && s[n - 1] == '/';
}

/* A reference that does not exist yet is fine with --update: a path ending in '/' becomes a
 * PNG directory, anything else a checksum file. */
static bool load_reference(struct checker *c, char *why, size_t why_size) {
    struct stat st;
    if (stat(c->compare_ref, &st) != 0) {
        if (errno != ENOENT || !c->update) {
            snprintf(why, why_size, "%s: %s", c->compare_ref, strerror(errno));
            return false;
        }
        c->kind = ends_with_slash(c->compare_ref) ? REF_PNG_DIR : REF_SUMS;
        if (c->kind == REF_PNG_DIR && mkdir(c->compare_ref, 0777) != 0) {
            snprintf(why, why_size, "%s: %s", c->compare_ref, strerror(errno));
            return false;
        }
        return true;
    }
    if (S_ISDIR(st.st_mode)) {
        c->kind = REF_PNG_DIR;
        return load_png_dir(c, why, why_size);
    }
    c->kind = REF_SUMS;
    struct sum_list list = {0};
    const bool ok = sum_file_read(c->compare_ref, &list, MAX_FRAMES, why, why_size);
    c->refs = list.items;
    c->ref_count = list.count;
    return ok;
}

struct checker *checker_create(const struct checker_options *opts, char *why, size_t why_size) {
    if ((opts->update || opts->report_dir) && !opts->compare_ref && !opts->expected) {
        snprintf(why, why_size, "%s needs --compare REF", opts->update ? "--update" : "--report");
        return NULL;
    }
    struct checker *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(why, why_size, "out of memory");
        return NULL;
    }
    bool ok = true;
    c->checksums_out = dup_or_null(opts->checksums_out, &ok);
    c->compare_ref = dup_or_null(opts->compare_ref, &ok);
    c->report_dir = dup_or_null(opts->report_dir, &ok);
    c->images_dir = dup_or_null(opts->images_dir, &ok);
    c->tolerance = opts->tolerance;
    c->update = opts->update;
    c->partial = opts->partial;
    if (!ok) {
        snprintf(why, why_size, "out of memory");
        goto fail;
    }
    if (opts->expected) {
        c->kind = REF_SUMS;
        c->compare_ref =
                dup_or_null(opts->expected_desc ? opts->expected_desc : "expectations", &ok);
        c->refs = malloc((opts->expected_count ? opts->expected_count : 1) * sizeof(*c->refs));
        if (!ok || !c->refs) {
            snprintf(why, why_size, "out of memory");
            goto fail;
        }
        memcpy(c->refs, opts->expected, opts->expected_count * sizeof(*c->refs));
        c->ref_count = opts->expected_count;
    } else if (c->compare_ref && !load_reference(c, why, why_size)) {
        goto fail;
    }
    return c;
fail:
    checker_destroy(c);
    return NULL;
}

static struct sum_entry *find_ref(struct checker *c, uint32_t frame) {
    return sum_list_find(c->refs, c->ref_count, frame);
}

static struct frame_result *add_result(struct checker *c) {
    if (c->count == c->capacity) {
        const size_t cap = c->capacity ? c->capacity * 2 : 64;
        if (cap > MAX_FRAMES * 2) {
            return NULL;
        }
        struct frame_result *r = realloc(c->results, cap * sizeof(*r));
        if (!r) {
            return NULL;
        }
        c->results = r;
        c->capacity = cap;
    }
    struct frame_result *r = &c->results[c->count++];
    memset(r, 0, sizeof(*r));
    return r;
}

static void keep_png(struct checker *c, struct png_blob *blob, const uint8_t *px, uint32_t w,
                     uint32_t h) {
    char why[256];
    if (!png_encode_rgba(px, w, h, &blob->data, &blob->size, why, sizeof(why))) {
        fail(c, "report image: %s", why);
        return;
    }
    blob->w = w;
    blob->h = h;
}

static void compare_pixels(struct checker *c, const struct checker_frame *f, struct frame_result *r,
                           const struct rgba_image *ref) {
    r->has_metrics = true;
    pixel_metrics_compute(ref->px, f->rgba, f->w, f->h, c->tolerance, &r->m);
    if (r->m.over > 0) {
        r->state = FRAME_DIFFERS;
    } else {
        r->state = r->m.differing > 0 ? FRAME_FUZZY : FRAME_MATCH;
    }
    if (r->state != FRAME_DIFFERS || !c->report_dir) {
        return;
    }
    keep_png(c, &r->ref, ref->px, ref->w, ref->h);
    uint8_t *diff = diff_image_make(ref->px, f->rgba, f->w, f->h, c->tolerance);
    if (!diff) {
        fail(c, "report image: %s", "out of memory");
        return;
    }
    keep_png(c, &r->diff, diff, f->w, f->h);
    free(diff);
}

static void compare_png(struct checker *c, const struct checker_frame *f, struct frame_result *r,
                        const char *path) {
    if (!f->rgba) {
        r->state = FRAME_SKIPPED;
        snprintf(r->note, sizeof(r->note), "format %u has no RGBA conversion", f->format);
        return;
    }
    char why[400];
    uint32_t w, h;
    if (!png_read_size(path, &w, &h, why, sizeof(why))) {
        r->state = FRAME_DIFFERS;
        snprintf(r->note, sizeof(r->note), "reference unreadable: %s", why);
        return;
    }
    struct rgba_image ref = {0};
    const bool same_size = w == f->w && h == f->h;
    if ((same_size || c->report_dir) && !png_read_rgba(path, &ref, why, sizeof(why))) {
        r->state = FRAME_DIFFERS;
        snprintf(r->note, sizeof(r->note), "reference unreadable: %s", why);
        return;
    }
    if (same_size) {
        compare_pixels(c, f, r, &ref);
    } else {
        r->state = FRAME_DIFFERS;
        snprintf(r->note, sizeof(r->note), "size %ux%u, reference %ux%u", f->w, f->h, w, h);
        if (c->report_dir) {
            keep_png(c, &r->ref, ref.px, ref.w, ref.h);
        }
    }
    free(ref.px);
}

static void compare_sum(struct checker *c, const struct checker_frame *f, struct frame_result *r,
                        const struct sum_entry *ref) {
    r->state = FRAME_DIFFERS;
    if (ref->w != f->w || ref->h != f->h) {
        snprintf(r->note, sizeof(r->note), "size %ux%u, reference %ux%u", f->w, f->h, ref->w,
                 ref->h);
    } else if (ref->format != f->format) {
        snprintf(r->note, sizeof(r->note), "format %u, reference %u", f->format, ref->format);
    } else if (ref->crc != f->crc) {
        snprintf(r->note, sizeof(r->note),
                 "crc32 %08x, reference %08x (checksum reference: no pixel metrics)", f->crc,
                 ref->crc);
    } else {
        r->state = FRAME_MATCH;
    }
}

static void update_png(struct checker *c, const struct checker_frame *f, const char *path) {
    char why[400];
    if (f->rgba && !png_write_rgba(path, f->rgba, f->w, f->h, why, sizeof(why))) {
        fail(c, "--update: %s", why);
    }
}

static void print_result(const struct checker *c, const struct frame_result *r) {
    char metrics[256];
    metrics_text(&r->m, c->tolerance, metrics, sizeof(metrics));
    switch (r->state) {
    case FRAME_DIFFERS:
        printf("frame %u: DIFFERS: %s\n", r->frame, r->has_metrics ? metrics : r->note);
        break;
    case FRAME_FUZZY:
        printf("frame %u: matches within tolerance %u: %s\n", r->frame, c->tolerance, metrics);
        break;
    case FRAME_MISSING:
        printf("frame %u: MISSING: in the reference, not produced by the replay\n", r->frame);
        break;
    case FRAME_NEW:
        printf("frame %u: NEW: not in the reference%s\n", r->frame, c->update ? " (added)" : "");
        break;
    case FRAME_SKIPPED:
        printf("frame %u: not compared: %s\n", r->frame, r->note);
        break;
    default:
        break;
    }
}

void checker_frame(struct checker *c, const struct checker_frame *f) {
    struct frame_result *r = add_result(c);
    if (!r) {
        fail(c, "%s", "out of memory for frame results");
        return;
    }
    *r = (struct frame_result){.frame = f->frame,
                               .w = f->w,
                               .h = f->h,
                               .format = f->format,
                               .crc = f->crc,
                               .produced = true,
                               .has_sum = !f->unchecked,
                               .state = FRAME_UNCHECKED};
    if (f->unchecked) {
        /* Nothing to compare: a reference entry for this frame is not missing either. */
        snprintf(r->note, sizeof(r->note), "no read-back in the trace (a frame mark)");
        if (c->kind == REF_NONE) {
            return;
        }
        struct sum_entry *ref = find_ref(c, f->frame);
        if (ref) {
            ref->seen = true;
        }
        r->state = FRAME_SKIPPED;
        print_result(c, r);
        return;
    }
    if (f->rgba && !rgba_size(f->w, f->h)) {
        fail(c, "frame %u: no image of size %ux%u", f->frame, f->w, f->h);
        return;
    }
    if (c->kind == REF_NONE) {
        return;
    }
    struct sum_entry *ref = find_ref(c, f->frame);
    char path[4096];
    if (c->kind == REF_PNG_DIR && !frame_png_path(c->compare_ref, f->frame, path, sizeof(path))) {
        fail(c, "%s: path too long", c->compare_ref);
        return;
    }
    if (!ref) {
        r->state = FRAME_NEW;
    } else if (c->kind == REF_PNG_DIR) {
        ref->seen = true;
        compare_png(c, f, r, path);
    } else {
        ref->seen = true;
        compare_sum(c, f, r, ref);
        char image[4096];
        if (r->state == FRAME_DIFFERS && c->images_dir && f->rgba &&
            frame_png_path(c->images_dir, f->frame, image, sizeof(image)) &&
            access(image, F_OK) == 0) {
            compare_png(c, f, r, image); /* the checksum differs: the pixels decide */
        }
    }
    if (c->report_dir && f->rgba && frame_state_differs(r->state)) {
        keep_png(c, &r->res, f->rgba, f->w, f->h);
    }
    print_result(c, r);
    if (c->update && c->kind == REF_PNG_DIR) {
        update_png(c, f, path);
    }
}

static void add_missing(struct checker *c) {
    for (size_t i = 0; i < c->ref_count; i++) {
        const struct sum_entry *ref = &c->refs[i];
        if (ref->seen || c->partial) {
            continue;
        }
        struct frame_result *r = add_result(c);
        if (!r) {
            fail(c, "%s", "out of memory for frame results");
            return;
        }
        *r = (struct frame_result){.frame = ref->frame,
                                   .w = ref->w,
                                   .h = ref->h,
                                   .format = ref->format,
                                   .crc = ref->crc,
                                   .state = FRAME_MISSING};
        print_result(c, r);
    }
}

static int by_frame(const void *a, const void *b) {
    const struct frame_result *x = a, *y = b;
    return (x->frame > y->frame) - (x->frame < y->frame);
}

static bool write_produced_sums(const struct checker *c, const char *path, char *why,
                                size_t why_size) {
    struct sum_list list = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < c->count; i++) {
        const struct frame_result *r = &c->results[i];
        if (r->produced && r->has_sum) {
            const struct sum_entry s = {r->frame, r->w, r->h, r->format, r->crc, false};
            ok = sum_list_add(&list, &s, MAX_FRAMES, why, why_size);
        }
    }
    ok = ok && sum_file_write(path, list.items, list.count, why, why_size);
    free(list.items);
    return ok;
}

static void print_summary(const struct checker *c, unsigned counts[]) {
    printf("compare: %zu frames against %s: %u match, %u within tolerance, %u differ, "
           "%u missing, %u new, %u not compared\n",
           c->count, c->compare_ref, counts[FRAME_MATCH], counts[FRAME_FUZZY],
           counts[FRAME_DIFFERS], counts[FRAME_MISSING], counts[FRAME_NEW], counts[FRAME_SKIPPED]);
}

int checker_finish(struct checker *c, char *why, size_t why_size) {
    add_missing(c);
    if (c->failed) {
        snprintf(why, why_size, "%s", c->error);
        return -1;
    }
    if (c->count) { /* results is NULL when no frame was seen */
        qsort(c->results, c->count, sizeof(*c->results), by_frame);
    }
    if (c->checksums_out && !write_produced_sums(c, c->checksums_out, why, why_size)) {
        return -1;
    }
    if (c->update && c->kind == REF_SUMS &&
        !write_produced_sums(c, c->compare_ref, why, why_size)) {
        return -1;
    }
    if (c->report_dir && !report_write(c->report_dir, c->compare_ref, c->tolerance, c->results,
                                       c->count, why, why_size)) {
        return -1;
    }
    if (c->kind == REF_NONE) {
        return 0;
    }
    unsigned counts[FRAME_NEW + 1] = {0};
    int differing = 0;
    for (size_t i = 0; i < c->count; i++) {
        counts[c->results[i].state]++;
        differing += frame_state_differs(c->results[i].state);
    }
    print_summary(c, counts);
    if (c->update) {
        printf("compare: updated %s from this replay\n", c->compare_ref);
        return 0;
    }
    return differing;
}

void checker_destroy(struct checker *c) {
    if (!c) {
        return;
    }
    for (size_t i = 0; i < c->count; i++) {
        free(c->results[i].ref.data);
        free(c->results[i].res.data);
        free(c->results[i].diff.data);
    }
    free(c->results);
    free(c->refs);
    free(c->checksums_out);
    free(c->compare_ref);
    free(c->report_dir);
    free(c->images_dir);
    free(c);
}

const struct frame_result *checker_results(const struct checker *c, size_t *count) {
    *count = c->count;
    return c->results;
}
