/* SPDX-License-Identifier: MIT */
/*
 * --update: rewrite a manifest's expected frames from the replays by editing its text where each
 * value stands, so comments, order and layout stay. A changed value is replaced; a new frame gets
 * a line after the last frame of the `frames:` that applies (made when the trace has none); a
 * frame the replay no longer produces loses its line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checker_sums.h"
#include "corpus.h"

struct edit {
    size_t start, end; /* replace text[start, end) */
    char *with;
    size_t order; /* keeps insertions at one place in the order they were made */
};

struct edits {
    struct edit *items;
    size_t count, capacity;
    bool failed;
};

static void add_edit(struct edits *e, size_t start, size_t end, const char *with) {
    if (e->failed) {
        return;
    }
    if (e->count == e->capacity) {
        const size_t cap = e->capacity ? e->capacity * 2 : 32;
        struct edit *p = realloc(e->items, cap * sizeof(*p));
        if (!p) {
            e->failed = true;
            return;
        }
        e->items = p;
        e->capacity = cap;
    }
    char *copy = strdup(with);
    if (!copy) {
        e->failed = true;
        return;
    }
    e->items[e->count] = (struct edit){start, end, copy, e->count};
    e->count++;
}

/* A crc32 of digits only, or of digits around one 'e', would read as a number to other YAML
 * readers (an integer, an octal one, or a float such as 1234e567): those are quoted. */
static void crc_text(uint32_t crc, char out[16]) {
    char hexs[9];
    snprintf(hexs, sizeof(hexs), "%08x", crc);
    const size_t digits = strspn(hexs, "0123456789");
    const bool numeric =
            digits == 8 || (digits > 0 && hexs[digits] == 'e' &&
                            strspn(hexs + digits + 1, "0123456789") == 7 - digits && digits < 7);
    snprintf(out, 16, numeric ? "\"%s\"" : "%s", hexs);
}

static void frame_line(unsigned indent, const struct sum_entry *s, char *out, size_t size) {
    char crc[16];
    crc_text(s->crc, crc);
    snprintf(out, size, "%*s%u: {size: %ux%u, format: %u, crc32: %s}\n", (int)indent, "", s->frame,
             s->w, s->h, s->format, crc);
}

static int effective_by_frame(const void *a, const void *b) {
    const struct effective_frame *x = a, *y = b;
    return (x->frame > y->frame) - (x->frame < y->frame);
}

/* The effective frames are sorted by frame. */
static const struct effective_frame *find_effective(const struct effective *eff, uint32_t frame) {
    const struct effective_frame key = {.frame = frame};
    return bsearch(&key, eff->frames, eff->count, sizeof(*eff->frames), effective_by_frame);
}

/* The edits for one trace; counts what changed and what has to be done by hand. */
static void trace_edits(const struct corpus *c, const struct trace_result *r,
                        const struct sum_list *got, struct edits *e, unsigned *changed,
                        unsigned *by_hand) {
    const struct manifest_entry *me = r->entry;
    char text[256];
    bool made_frames = false;
    const struct frame_set *dest = r->eff.new_frames_go;
    for (size_t i = 0; i < got->count; i++) {
        const struct sum_entry *s = &got->items[i];
        const struct effective_frame *f = find_effective(&r->eff, s->frame);
        if (f) {
            if (f->crc != s->crc) {
                crc_text(s->crc, text);
                add_edit(e, f->crc_at.start, f->crc_at.end, text);
            }
            if (f->w != s->w || f->h != s->h) {
                snprintf(text, sizeof(text), "%ux%u", s->w, s->h);
                add_edit(e, f->size_at.start, f->size_at.end, text);
            }
            if (f->format != s->format) {
                snprintf(text, sizeof(text), "%u", s->format);
                add_edit(e, f->format_at.start, f->format_at.end, text);
            }
            *changed += f->crc != s->crc || f->w != s->w || f->h != s->h || f->format != s->format;
            continue;
        }
        if (dest) {
            frame_line(dest->indent, s, text, sizeof(text));
            add_edit(e, dest->line_end, dest->line_end, text);
        } else if (!me->base.frames.present && me->block) {
            if (!made_frames) {
                snprintf(text, sizeof(text), "%*sframes:\n", (int)me->key_indent, "");
                add_edit(e, me->line_end, me->line_end, text);
                made_frames = true;
            }
            frame_line(me->key_indent + 2, s, text, sizeof(text));
            add_edit(e, me->line_end, me->line_end, text);
        } else {
            printf("update: %s: frame %u is new, but its frames: (or the entry) is written in "
                   "flow style or as null; add it by hand\n",
                   me->name, s->frame);
            (*by_hand)++;
            continue;
        }
        (*changed)++;
    }
    for (size_t i = 0; i < r->eff.count; i++) {
        const struct effective_frame *f = &r->eff.frames[i];
        if (sum_list_find(got->items, got->count, f->frame)) {
            continue;
        }
        if (!f->last->own_line || f->layers > 1) {
            printf("update: %s: frame %u was not produced; remove it by hand (%s)\n", me->name,
                   f->frame, f->layers > 1 ? "an override defines it too" : "it shares its line");
            (*by_hand)++;
            continue;
        }
        /* From the start of its line through the end of its last line. */
        size_t start = f->last->pair_at.start, end = f->last->pair_at.end;
        while (start > 0 && c->m.text[start - 1] != '\n') {
            start--;
        }
        const char *nl = memchr(c->m.text + end, '\n', c->m.text_len - end);
        end = nl ? (size_t)(nl - c->m.text) + 1 : c->m.text_len;
        add_edit(e, start, end, "");
        (*changed)++;
    }
}

static int by_place(const void *a, const void *b) {
    const struct edit *x = a, *y = b;
    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }
    return (x->order > y->order) - (x->order < y->order);
}

static bool write_text(const struct corpus *c, struct edits *e, char *why, size_t why_size) {
    qsort(e->items, e->count, sizeof(*e->items), by_place);
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.update-%d", c->m.path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(why, why_size, "cannot write %s: %s", tmp, strerror(errno));
        return false;
    }
    size_t at = 0;
    for (size_t i = 0; i < e->count; i++) {
        const struct edit *x = &e->items[i];
        if (x->start < at) {
            continue; /* overlaps an edit already made (cannot happen with sane spans) */
        }
        fwrite(c->m.text + at, 1, x->start - at, f);
        if (x->start == c->m.text_len && x->start > 0 && c->m.text[x->start - 1] != '\n' &&
            x->with[0]) {
            fputc('\n', f);
        }
        fputs(x->with, f);
        at = x->end;
    }
    fwrite(c->m.text + at, 1, c->m.text_len - at, f);
    struct stat st;
    if (stat(c->m.path, &st) == 0) {
        fchmod(fileno(f), st.st_mode & 07777);
    }
    const bool ok = !ferror(f);
    if (fclose(f) != 0 || !ok || rename(tmp, c->m.path) != 0) {
        snprintf(why, why_size, "cannot write %s: %s", c->m.path, strerror(errno));
        unlink(tmp);
        return false;
    }
    return true;
}

bool corpus_update_manifest(const struct corpus *c, unsigned *by_hand, char *why, size_t why_size) {
    struct edits e = {0};
    unsigned changed = 0, traces = 0;
    *by_hand = 0;
    bool ok = true;
    for (size_t i = 0; ok && i < c->count; i++) {
        const struct trace_result *r = &c->results[i];
        if (r->verdict != VERDICT_PASS && r->verdict != VERDICT_FAIL) {
            continue; /* nothing trustworthy to write */
        }
        char path[4300];
        corpus_path(c, r, "got", path, sizeof(path));
        struct sum_list got = {0};
        ok = sum_file_read(path, &got, 1u << 22, why, why_size);
        if (ok) {
            const unsigned before = changed;
            trace_edits(c, r, &got, &e, &changed, by_hand);
            traces += changed > before;
        }
        free(got.items);
    }
    if (ok && e.failed) {
        snprintf(why, why_size, "out of memory");
        ok = false;
    }
    if (ok && e.count) {
        ok = write_text(c, &e, why, why_size);
    }
    if (ok) {
        printf("update: %u frame expectation%s in %u trace%s rewritten in %s\n", changed,
               changed == 1 ? "" : "s", traces, traces == 1 ? "" : "s", c->m.path);
    }
    for (size_t i = 0; i < e.count; i++) {
        free(e.items[i].with);
    }
    free(e.items);
    return ok;
}
