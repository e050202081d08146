/* SPDX-License-Identifier: MIT */
/* Reading a corpus manifest with libyaml's document loader, and the expectation that applies to
 * one renderer and host. */
#include "manifest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#define MAX_MANIFEST_BYTES (16u << 20)
#define MAX_ENTRIES        100000u
#define MAX_FRAMES         (1u << 22)
#define MAX_LABELS         64u
#define MAX_LABEL_LEN      64u
#define MAX_OVERRIDES      64u
#define MAX_TOTAL_FRAMES   (1u << 22) /* over the whole manifest */
#define CHECKPOINT_EVERY   256u

struct parse {
    struct manifest *m;
    yaml_document_t *doc;
    /* libyaml's marks count characters after any byte order mark; spans are bytes. */
    size_t bom;          /* bytes of a UTF-8 byte order mark */
    bool ascii;          /* one byte per character */
    size_t *checkpoints; /* else the byte offset of every CHECKPOINT_EVERY-th character */
    size_t checkpoint_count;
    size_t total_frames;
    char *dir; /* the manifest's directory, for relative paths */
    char *why;
    size_t why_size;
    bool failed;
};

__attribute__((format(printf, 3, 4))) static bool fail_at(struct parse *p, const yaml_node_t *n,
                                                          const char *fmt, ...) {
    if (p->failed) {
        return false;
    }
    p->failed = true;
    char what[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (n) {
        snprintf(p->why, p->why_size, "%s:%zu:%zu: %s", p->m->path, n->start_mark.line + 1,
                 n->start_mark.column + 1, what);
    } else {
        snprintf(p->why, p->why_size, "%s: %s", p->m->path, what);
    }
    return false;
}

static yaml_node_t *node(struct parse *p, int id) {
    return yaml_document_get_node(p->doc, id);
}

static const char *scalar(const yaml_node_t *n) {
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool is_null(const yaml_node_t *n) {
    const char *s = scalar(n);
    return s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           (!s[0] || strcmp(s, "~") == 0 || strcmp(s, "null") == 0);
}

static bool index_characters(struct parse *p) {
    const struct manifest *m = p->m;
    p->bom = m->text_len >= 3 && memcmp(m->text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    p->ascii = true;
    for (size_t i = p->bom; i < m->text_len && p->ascii; i++) {
        p->ascii = (unsigned char)m->text[i] < 0x80;
    }
    if (p->ascii) {
        return true;
    }
    p->checkpoints = malloc((m->text_len / CHECKPOINT_EVERY + 2) * sizeof(size_t));
    if (!p->checkpoints) {
        return false;
    }
    size_t chars = 0;
    for (size_t i = p->bom; i < m->text_len; i++) {
        if (((unsigned char)m->text[i] & 0xc0) != 0x80) { /* not a continuation byte */
            if (chars % CHECKPOINT_EVERY == 0) {
                p->checkpoints[p->checkpoint_count++] = i;
            }
            chars++;
        }
    }
    return true;
}

/* The byte offset of a character index (libyaml only accepts valid UTF-8 here). */
static size_t mark_byte(const struct parse *p, size_t index) {
    const struct manifest *m = p->m;
    if (p->ascii) {
        const size_t b = p->bom + index;
        return b < m->text_len ? b : m->text_len;
    }
    const size_t cp = index / CHECKPOINT_EVERY;
    if (cp >= p->checkpoint_count) {
        return m->text_len;
    }
    size_t b = p->checkpoints[cp];
    for (size_t left = index % CHECKPOINT_EVERY; left > 0 && b < m->text_len; left--) {
        b++;
        while (b < m->text_len && ((unsigned char)m->text[b] & 0xc0) == 0x80) {
            b++;
        }
    }
    return b;
}

static struct text_span span_of(const struct parse *p, const yaml_node_t *n) {
    return (struct text_span){mark_byte(p, n->start_mark.index), mark_byte(p, n->end_mark.index)};
}

/* Where a node's text really ends (a byte offset): a block collection's end mark stands at the
 * next token, so take its last descendant's end; a block scalar's takes in the blank lines after
 * it, so step back over them. */
static size_t node_last_end(struct parse *p, const yaml_node_t *n, int depth) {
    if (depth > 64) {
        return mark_byte(p, n->end_mark.index);
    }
    if (n->type == YAML_MAPPING_NODE && n->data.mapping.style == YAML_BLOCK_MAPPING_STYLE &&
        n->data.mapping.pairs.top > n->data.mapping.pairs.start) {
        const yaml_node_t *v = node(p, n->data.mapping.pairs.top[-1].value);
        return v ? node_last_end(p, v, depth + 1) : mark_byte(p, n->end_mark.index);
    }
    if (n->type == YAML_SEQUENCE_NODE && n->data.sequence.style == YAML_BLOCK_SEQUENCE_STYLE &&
        n->data.sequence.items.top > n->data.sequence.items.start) {
        const yaml_node_t *v = node(p, n->data.sequence.items.top[-1]);
        return v ? node_last_end(p, v, depth + 1) : mark_byte(p, n->end_mark.index);
    }
    size_t end = mark_byte(p, n->end_mark.index);
    if (n->type == YAML_SCALAR_NODE && (n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
                                        n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE)) {
        const size_t start = mark_byte(p, n->start_mark.index);
        while (end > start && strchr(" \t\r\n", p->m->text[end - 1])) {
            end--;
        }
    }
    return end;
}

static size_t line_end_after(const struct manifest *m, size_t at) {
    const char *nl = at < m->text_len ? memchr(m->text + at, '\n', m->text_len - at) : NULL;
    return nl ? (size_t)(nl - m->text) + 1 : m->text_len;
}

static bool blank_before(const struct manifest *m, size_t at) {
    while (at > 0 && m->text[at - 1] != '\n') {
        at--;
        if (m->text[at] != ' ' && m->text[at] != '\t') {
            return false;
        }
    }
    return true;
}

static bool blank_after(const struct manifest *m, size_t at) {
    for (; at < m->text_len && m->text[at] != '\n'; at++) {
        if (m->text[at] == '#') {
            return true;
        }
        if (m->text[at] != ' ' && m->text[at] != '\t' && m->text[at] != '\r') {
            return false;
        }
    }
    return true;
}

static bool parse_u32(const char *s, int base, uint32_t *out) {
    if (!s || !s[0] || s[0] == '-' || s[0] == '+' || s[0] == ' ') {
        return false;
    }
    char *end;
    errno = 0;
    const unsigned long long v = strtoull(s, &end, base);
    if (*end || errno || v > UINT32_MAX) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static char *join_path(struct parse *p, const char *rel) {
    if (rel[0] == '/' || !p->dir[0]) {
        return strdup(rel);
    }
    const size_t n = strlen(p->dir) + strlen(rel) + 2;
    char *s = malloc(n);
    if (s) {
        snprintf(s, n, "%s/%s", p->dir, rel);
    }
    return s;
}

static bool dup_to(struct parse *p, const yaml_node_t *n, char **out, bool path) {
    const char *s = scalar(n);
    if (!s || !s[0]) {
        return fail_at(p, n, "expected a non-empty string");
    }
    if (strlen(s) > 4096) {
        return fail_at(p, n, "string longer than 4096 bytes");
    }
    free(*out);
    *out = path ? join_path(p, s) : strdup(s);
    return *out != NULL || fail_at(p, n, "out of memory");
}

/* Each key of a mapping at most once: bit `bit` of *seen. */
static bool first_time(struct parse *p, const yaml_node_t *k, unsigned *seen, unsigned bit) {
    if (*seen & (1u << bit)) {
        return fail_at(p, k, "'%s' is given twice", scalar(k));
    }
    *seen |= 1u << bit;
    return true;
}

/* `{size: WxH, format: F, crc32: H}`: every key optional here; the effective frame must have
 * all three. */
static bool parse_frame(struct parse *p, const yaml_node_t *key, const yaml_node_t *val,
                        struct expected_frame *f) {
    if (!parse_u32(scalar(key), 10, &f->frame) || f->frame >= MAX_FRAMES) {
        return fail_at(p, key, "a frame number (0 to %u) was expected", MAX_FRAMES - 1);
    }
    if (!val || val->type != YAML_MAPPING_NODE) {
        return fail_at(p, val ? val : key, "frame %u: expected {size: WxH, format: F, crc32: H}",
                       f->frame);
    }
    unsigned seen = 0;
    for (yaml_node_pair_t *pr = val->data.mapping.pairs.start; pr < val->data.mapping.pairs.top;
         pr++) {
        const yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        const char *ks = scalar(k), *vs = scalar(v);
        if (!ks || !vs) {
            return fail_at(p, k ? k : val, "frame %u: expected scalar keys and values", f->frame);
        }
        const unsigned bit = strcmp(ks, "crc32") == 0 ? 0 : strcmp(ks, "format") == 0 ? 1 : 2;
        if (!first_time(p, k, &seen, bit)) {
            return false;
        }
        if (strcmp(ks, "crc32") == 0) {
            if (strlen(vs) != 8 || !parse_u32(vs, 16, &f->crc)) {
                return fail_at(p, v, "frame %u: crc32 must be 8 hex digits", f->frame);
            }
            f->has_crc = true;
            f->crc_at = span_of(p, v);
        } else if (strcmp(ks, "format") == 0) {
            if (!parse_u32(vs, 10, &f->format)) {
                return fail_at(p, v, "frame %u: bad format '%s'", f->frame, vs);
            }
            f->has_format = true;
            f->format_at = span_of(p, v);
        } else if (strcmp(ks, "size") == 0) {
            char w[16], h[16];
            const char *x = strchr(vs, 'x');
            if (!x || x == vs || (size_t)(x - vs) >= sizeof(w) || strlen(x + 1) >= sizeof(h)) {
                return fail_at(p, v, "frame %u: size must be WxH", f->frame);
            }
            memcpy(w, vs, (size_t)(x - vs));
            w[x - vs] = '\0';
            strcpy(h, x + 1);
            if (!parse_u32(w, 10, &f->w) || !parse_u32(h, 10, &f->h)) {
                return fail_at(p, v, "frame %u: size must be WxH", f->frame);
            }
            f->has_size = true;
            f->size_at = span_of(p, v);
        } else {
            return fail_at(p, k, "frame %u: unknown key '%s' (size, format, crc32)", f->frame, ks);
        }
    }
    f->pair_at = (struct text_span){mark_byte(p, key->start_mark.index), node_last_end(p, val, 0)};
    f->own_line = blank_before(p->m, f->pair_at.start) && blank_after(p->m, f->pair_at.end);
    return true;
}

static int by_number(const void *a, const void *b) {
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorted, not pairwise: a hostile manifest may list millions of frames. */
static bool no_twice_frames(struct parse *p, const yaml_node_t *n, const struct frame_set *fs) {
    uint32_t *nums = malloc((fs->count ? fs->count : 1) * sizeof(*nums));
    if (!nums) {
        return fail_at(p, n, "out of memory");
    }
    for (size_t i = 0; i < fs->count; i++) {
        nums[i] = fs->items[i].frame;
    }
    qsort(nums, fs->count, sizeof(*nums), by_number);
    for (size_t i = 1; i < fs->count; i++) {
        if (nums[i] == nums[i - 1]) {
            const uint32_t twice = nums[i];
            free(nums);
            return fail_at(p, n, "frame %u is listed twice", twice);
        }
    }
    free(nums);
    return true;
}

static bool parse_frames(struct parse *p, const yaml_node_t *key, const yaml_node_t *n,
                         struct frame_set *fs, bool parent_block) {
    fs->present = true;
    if (is_null(n)) { /* `frames:` with nothing yet */
        fs->line_end = line_end_after(p->m, mark_byte(p, key->end_mark.index));
        fs->indent = (unsigned)key->start_mark.column + 2;
        /* `frames:` with nothing after it gets lines; `frames: ~` would need the ~ removed. */
        fs->block = parent_block && !scalar(n)[0];
        return true;
    }
    if (n->type != YAML_MAPPING_NODE) {
        return fail_at(p, n, "frames: expected a mapping of frame numbers");
    }
    fs->block = parent_block && n->data.mapping.style == YAML_BLOCK_MAPPING_STYLE;
    const size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (count > MAX_FRAMES || count > MAX_TOTAL_FRAMES - p->total_frames) {
        return fail_at(p, n, "more than %u frames", MAX_FRAMES);
    }
    p->total_frames += count;
    fs->items = calloc(count ? count : 1, sizeof(*fs->items));
    if (!fs->items) {
        return fail_at(p, n, "out of memory");
    }
    fs->indent = (unsigned)key->start_mark.column + 2;
    fs->line_end = line_end_after(p->m, mark_byte(p, key->end_mark.index));
    for (size_t i = 0; i < count; i++) {
        const yaml_node_pair_t *pr = &n->data.mapping.pairs.start[i];
        const yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        struct expected_frame *f = &fs->items[fs->count];
        if (!k || !parse_frame(p, k, v, f)) {
            return fail_at(p, n, "bad frame");
        }
        if (i == 0) {
            fs->indent = (unsigned)k->start_mark.column;
        }
        fs->line_end = line_end_after(p->m, f->pair_at.end);
        fs->count++;
    }
    return no_twice_frames(p, n, fs);
}

static bool parse_labels(struct parse *p, const yaml_node_t *n, struct expectation *e) {
    if (n->type != YAML_SEQUENCE_NODE) {
        return fail_at(p, n, "labels: expected a list such as [skip] or [flaky]");
    }
    const size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count > MAX_LABELS) {
        return fail_at(p, n, "more than %u labels", MAX_LABELS);
    }
    e->has_labels = true;
    e->labels = calloc(count ? count : 1, sizeof(char *));
    if (!e->labels) {
        return fail_at(p, n, "out of memory");
    }
    for (size_t i = 0; i < count; i++) {
        const yaml_node_t *item = node(p, n->data.sequence.items.start[i]);
        const char *s = scalar(item);
        if (!s || !s[0] || strlen(s) > MAX_LABEL_LEN) {
            return fail_at(p, item ? item : n, "a label is a word of 1 to %u characters",
                           MAX_LABEL_LEN);
        }
        if (!(e->labels[e->label_count++] = strdup(s))) {
            return fail_at(p, n, "out of memory");
        }
    }
    return true;
}

/* One key of an expectation (base or override); false when the key is not one. */
static bool expectation_key(struct parse *p, const char *ks, const yaml_node_t *k,
                            const yaml_node_t *v, struct expectation *e, bool *known,
                            unsigned *seen, bool block) {
    static const char *const keys[] = {"frames", "labels", "tolerance", "images"};
    *known = false;
    for (unsigned i = 0; i < 4; i++) {
        if (strcmp(ks, keys[i]) == 0) {
            *known = true;
            if (!first_time(p, k, seen, i)) {
                return false;
            }
        }
    }
    if (!*known) {
        return true;
    }
    if (strcmp(ks, "frames") == 0) {
        return parse_frames(p, k, v, &e->frames, block);
    }
    if (strcmp(ks, "labels") == 0) {
        return parse_labels(p, v, e);
    }
    if (strcmp(ks, "tolerance") == 0) {
        if (!parse_u32(scalar(v), 10, &e->tolerance) || e->tolerance > 255) {
            return fail_at(p, v, "tolerance: a channel difference from 0 to 255");
        }
        e->has_tolerance = true;
        return true;
    }
    return dup_to(p, v, &e->images, true); /* images */
}

static bool parse_overrides(struct parse *p, const yaml_node_t *n, struct manifest_entry *me) {
    if (n->type != YAML_MAPPING_NODE) {
        return fail_at(p, n, "expect: a mapping from renderer or host names to expectations");
    }
    const size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (count > MAX_OVERRIDES) {
        return fail_at(p, n, "more than %u overrides", MAX_OVERRIDES);
    }
    me->overrides = calloc(count ? count : 1, sizeof(*me->overrides));
    if (!me->overrides) {
        return fail_at(p, n, "out of memory");
    }
    for (size_t i = 0; i < count; i++) {
        const yaml_node_pair_t *pr = &n->data.mapping.pairs.start[i];
        const yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        struct expectation_override *o = &me->overrides[me->override_count];
        if (!k || !v || !dup_to(p, k, &o->key, false)) {
            return fail_at(p, n, "bad override");
        }
        me->override_count++;
        for (size_t j = 0; j + 1 < me->override_count; j++) {
            if (strcmp(me->overrides[j].key, o->key) == 0) {
                return fail_at(p, k, "'%s' is given twice", o->key);
            }
        }
        if (v->type != YAML_MAPPING_NODE) {
            return fail_at(p, v, "expect: %s: expected a mapping", o->key);
        }
        unsigned seen = 0;
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top;
             q++) {
            const yaml_node_t *ok = node(p, q->key), *ov = node(p, q->value);
            const char *ks = scalar(ok);
            bool known;
            if (!ks || !ov) {
                return fail_at(p, v, "expected scalar keys");
            }
            if (!expectation_key(p, ks, ok, ov, &o->e, &known, &seen,
                                 v->data.mapping.style == YAML_BLOCK_MAPPING_STYLE)) {
                return false;
            }
            if (!known) {
                return fail_at(p, ok,
                               "unknown key '%s' in an override (frames, labels, "
                               "tolerance, images)",
                               ks);
            }
        }
    }
    return true;
}

static bool parse_sha256(struct parse *p, const yaml_node_t *v, char out[65]) {
    const char *s = scalar(v);
    if (!s || strlen(s) != 64 || strspn(s, "0123456789abcdefABCDEF") != 64) {
        return fail_at(p, v, "sha256: expected 64 hex digits");
    }
    for (int i = 0; i < 64; i++) {
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
    }
    out[64] = '\0';
    return true;
}

static const char *base_name(const char *s) {
    const char *slash = strrchr(s, '/');
    return slash ? slash + 1 : s;
}

/* The last path component of a URL, before any query or fragment. */
static char *url_name(const char *url) {
    const char *start = strstr(url, "://");
    start = start ? start + 3 : url;
    const size_t len = strcspn(start, "?#");
    const char *last = start;
    for (const char *c = start; c < start + len; c++) {
        if (*c == '/' && c + 1 < start + len) {
            last = c + 1;
        }
    }
    return strndup(last, (size_t)(start + len - last));
}

static bool parse_entry(struct parse *p, const yaml_node_t *n, struct manifest_entry *me) {
    if (n->type != YAML_MAPPING_NODE) {
        return fail_at(p, n, "a trace entry is a mapping (file:, url:, frames:, ...)");
    }
    me->line = (unsigned)n->start_mark.line + 1;
    me->block = n->data.mapping.style == YAML_BLOCK_MAPPING_STYLE;
    const char *file_rel = NULL; /* the scalar as written: the document outlives its use */
    unsigned seen = 0;
    static const char *const own_keys[] = {"file", "url", "sha256", "name", "expect"};
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        const char *ks = scalar(k);
        bool known;
        if (!ks || !v) {
            return fail_at(p, n, "expected scalar keys");
        }
        for (unsigned i = 0; i < 5; i++) {
            if (strcmp(ks, own_keys[i]) == 0 && !first_time(p, k, &seen, 4 + i)) {
                return false;
            }
        }
        if (pr == n->data.mapping.pairs.start) {
            me->key_indent = (unsigned)k->start_mark.column;
        }
        me->line_end = line_end_after(p->m, node_last_end(p, v, 0));
        if (strcmp(ks, "file") == 0) {
            if (!dup_to(p, v, &me->file, true)) {
                return false;
            }
            file_rel = scalar(v);
        } else if (strcmp(ks, "url") == 0) {
            if (!dup_to(p, v, &me->url, false)) {
                return false;
            }
            if (strncmp(me->url, "http://", 7) != 0 && strncmp(me->url, "https://", 8) != 0) {
                return fail_at(p, v, "url: only http:// and https:// are fetched");
            }
        } else if (strcmp(ks, "sha256") == 0) {
            if (!parse_sha256(p, v, me->sha256)) {
                return false;
            }
        } else if (strcmp(ks, "name") == 0) {
            if (!dup_to(p, v, &me->name, false)) {
                return false;
            }
        } else if (strcmp(ks, "expect") == 0) {
            if (!parse_overrides(p, v, me)) {
                return false;
            }
        } else if (!expectation_key(p, ks, k, v, &me->base, &known, &seen, me->block)) {
            return false;
        } else if (!known && strcmp(ks, "source") != 0 && strcmp(ks, "captured_with") != 0 &&
                   strcmp(ks, "description") != 0) {
            return fail_at(p, k,
                           "unknown key '%s' (file, url, sha256, name, labels, tolerance, "
                           "images, frames, expect, source, captured_with, description)",
                           ks);
        }
    }
    if (!me->file && !me->url) {
        return fail_at(p, n, "a trace entry needs file: or url:");
    }
    if (me->url && !me->sha256[0]) {
        return fail_at(p, n,
                       "url: needs sha256: (a fetched file is checked before it is replayed)");
    }
    if (!me->name) {
        me->name = file_rel ? strdup(base_name(file_rel)) : url_name(me->url);
        if (!me->name || !me->name[0]) {
            return fail_at(p, n, "give this entry a name:");
        }
    }
    return true;
}

static int by_name(const void *a, const void *b) {
    return strcmp((*(const struct manifest_entry *const *)a)->name,
                  (*(const struct manifest_entry *const *)b)->name);
}

/* Sorted, not pairwise: a hostile manifest may list 100,000 traces. */
static bool names_unique(struct parse *p) {
    const struct manifest_entry **sorted =
            malloc((p->m->count ? p->m->count : 1) * sizeof(*sorted));
    if (!sorted) {
        return fail_at(p, NULL, "out of memory");
    }
    for (size_t i = 0; i < p->m->count; i++) {
        sorted[i] = &p->m->entries[i];
    }
    qsort(sorted, p->m->count, sizeof(*sorted), by_name);
    bool ok = true;
    for (size_t i = 1; ok && i < p->m->count; i++) {
        if (strcmp(sorted[i]->name, sorted[i - 1]->name) == 0) {
            const struct manifest_entry *later =
                    sorted[i]->line > sorted[i - 1]->line ? sorted[i] : sorted[i - 1];
            ok = fail_at(p, NULL, "line %u: two traces are named '%s' (give one a name:)",
                         later->line, later->name);
        }
    }
    free(sorted);
    return ok;
}

/* An alias makes one node stand in many places: its frames would be parsed (and allocated) once
 * per use, and --update could not tell which place to edit. Refused. */
static bool no_aliases(struct parse *p) {
    const size_t count = (size_t)(p->doc->nodes.top - p->doc->nodes.start);
    unsigned char *used = calloc(count ? count : 1, 1);
    if (!used) {
        return fail_at(p, NULL, "out of memory");
    }
    bool ok = true;
    for (const yaml_node_t *n = p->doc->nodes.start; ok && n < p->doc->nodes.top; n++) {
        int ids[2];
        if (n->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
                 ok && pr < n->data.mapping.pairs.top; pr++) {
                ids[0] = pr->key;
                ids[1] = pr->value;
                for (int k = 0; k < 2 && ok; k++) {
                    if (ids[k] >= 1 && (size_t)ids[k] <= count && used[ids[k] - 1]++) {
                        ok = fail_at(p, node(p, ids[k]), "aliases (*name) are not accepted");
                    }
                }
            }
        } else if (n->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = n->data.sequence.items.start;
                 ok && it < n->data.sequence.items.top; it++) {
                if (*it >= 1 && (size_t)*it <= count && used[*it - 1]++) {
                    ok = fail_at(p, node(p, *it), "aliases (*name) are not accepted");
                }
            }
        }
    }
    free(used);
    return ok;
}

static bool parse_root(struct parse *p) {
    if (!no_aliases(p)) {
        return false;
    }
    const yaml_node_t *root = yaml_document_get_root_node(p->doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        return fail_at(p, root, "expected a mapping with a traces: list");
    }
    const yaml_node_t *list = NULL;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
         pr++) {
        const char *ks = scalar(node(p, pr->key));
        if (ks && strcmp(ks, "traces") == 0) {
            list = node(p, pr->value);
        }
    }
    if (!list || list->type != YAML_SEQUENCE_NODE) {
        return fail_at(p, list ? list : root, "expected traces: as a list");
    }
    const size_t count = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
    if (count > MAX_ENTRIES) {
        return fail_at(p, list, "more than %u traces", MAX_ENTRIES);
    }
    p->m->entries = calloc(count ? count : 1, sizeof(*p->m->entries));
    if (!p->m->entries) {
        return fail_at(p, list, "out of memory");
    }
    for (size_t i = 0; i < count; i++) {
        const yaml_node_t *n = node(p, list->data.sequence.items.start[i]);
        struct manifest_entry *me = &p->m->entries[p->m->count++];
        if (!n || !parse_entry(p, n, me)) {
            return fail_at(p, list, "bad trace entry");
        }
    }
    return names_unique(p);
}

static bool read_text(const char *path, struct manifest *m, char *why, size_t why_size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_MANIFEST_BYTES) {
        snprintf(why, why_size, "%s: not a regular file of at most %u bytes", path,
                 MAX_MANIFEST_BYTES);
        fclose(f);
        return false;
    }
    m->text = malloc((size_t)st.st_size + 1);
    m->text_len = m->text ? fread(m->text, 1, (size_t)st.st_size, f) : 0;
    const bool ok = m->text && m->text_len == (size_t)st.st_size && !ferror(f);
    fclose(f);
    if (!ok) {
        snprintf(why, why_size, "%s: cannot read it", path);
        return false;
    }
    m->text[m->text_len] = '\0';
    if (memchr(m->text, '\0', m->text_len)) {
        snprintf(why, why_size, "%s: a NUL byte: not a YAML text file", path);
        return false;
    }
    return true;
}

static bool parse_text(struct manifest *m, char *why, size_t why_size) {
    struct parse p = {.m = m, .why = why, .why_size = why_size};
    if (!index_characters(&p)) {
        snprintf(why, why_size, "out of memory");
        return false;
    }
    const char *slash = strrchr(m->path, '/');
    p.dir = slash ? strndup(m->path, (size_t)(slash - m->path + (slash == m->path))) : strdup("");
    if (!p.dir) {
        free(p.checkpoints);
        snprintf(why, why_size, "out of memory");
        return false;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)m->text, m->text_len);
    bool ok = yaml_parser_load(&parser, &doc) != 0;
    if (!ok) {
        snprintf(why, why_size, "%s:%zu:%zu: %s%s%s", m->path, parser.problem_mark.line + 1,
                 parser.problem_mark.column + 1, parser.problem ? parser.problem : "bad YAML",
                 parser.context ? " " : "", parser.context ? parser.context : "");
    } else {
        p.doc = &doc;
        ok = parse_root(&p);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    free(p.dir);
    free(p.checkpoints);
    return ok;
}

bool manifest_load(const char *path, struct manifest *m, char *why, size_t why_size) {
    memset(m, 0, sizeof(*m));
    if (!(m->path = strdup(path))) {
        snprintf(why, why_size, "out of memory");
        return false;
    }
    return read_text(path, m, why, why_size) && parse_text(m, why, why_size);
}

bool manifest_parse(const char *name, const char *text, size_t len, struct manifest *m, char *why,
                    size_t why_size) {
    memset(m, 0, sizeof(*m));
    m->path = strdup(name);
    m->text = malloc(len + 1);
    if (!m->path || !m->text) {
        snprintf(why, why_size, "out of memory");
        return false;
    }
    memcpy(m->text, text, len);
    m->text[len] = '\0';
    m->text_len = len;
    if (len > MAX_MANIFEST_BYTES || memchr(text, '\0', len)) {
        snprintf(why, why_size, "%s: not a YAML text of at most %u bytes", name,
                 MAX_MANIFEST_BYTES);
        return false;
    }
    return parse_text(m, why, why_size);
}

static void expectation_free(struct expectation *e) {
    free(e->frames.items);
    for (size_t i = 0; i < e->label_count; i++) {
        free(e->labels[i]);
    }
    free(e->labels);
    free(e->images);
}

void manifest_free(struct manifest *m) {
    for (size_t i = 0; i < m->count; i++) {
        struct manifest_entry *e = &m->entries[i];
        free(e->name);
        free(e->file);
        free(e->url);
        expectation_free(&e->base);
        for (size_t j = 0; j < e->override_count; j++) {
            free(e->overrides[j].key);
            expectation_free(&e->overrides[j].e);
        }
        free(e->overrides);
    }
    free(m->entries);
    free(m->text);
    free(m->path);
    memset(m, 0, sizeof(*m));
}

static int by_frame(const void *a, const void *b) {
    const struct effective_frame *x = a, *y = b;
    return (x->frame > y->frame) - (x->frame < y->frame);
}

/* Binary search among the first `sorted` frames, which are in order. */
static struct effective_frame *find_frame(struct effective *eff, size_t sorted, uint32_t frame) {
    const struct effective_frame key = {.frame = frame};
    return bsearch(&key, eff->frames, sorted, sizeof(*eff->frames), by_frame);
}

static void lay_over(struct effective *eff, const struct expectation *e) {
    if (e->has_labels) {
        eff->labels = (const char *const *)e->labels;
        eff->label_count = e->label_count;
    }
    if (e->has_tolerance) {
        eff->tolerance = e->tolerance;
    }
    if (e->images) {
        eff->images = e->images;
    }
    if (e->frames.present && e->frames.block) {
        eff->new_frames_go = &e->frames;
    }
    eff->listed = eff->listed || e->frames.present;
    const size_t sorted = eff->count; /* a layer lists each frame once */
    for (size_t i = 0; i < e->frames.count; i++) {
        const struct expected_frame *f = &e->frames.items[i];
        struct effective_frame *ef = find_frame(eff, sorted, f->frame);
        if (!ef) {
            ef = &eff->frames[eff->count++];
            *ef = (struct effective_frame){.frame = f->frame};
        }
        ef->last = f;
        ef->layers++;
        if (f->has_size) {
            ef->w = f->w;
            ef->h = f->h;
            ef->size_at = f->size_at;
        }
        if (f->has_format) {
            ef->format = f->format;
            ef->format_at = f->format_at;
        }
        if (f->has_crc) {
            ef->crc = f->crc;
            ef->crc_at = f->crc_at;
        }
    }
    qsort(eff->frames, eff->count, sizeof(*eff->frames), by_frame);
}

static const struct expectation *override_for(const struct manifest_entry *e, const char *key) {
    for (size_t i = 0; key && i < e->override_count; i++) {
        if (strcmp(e->overrides[i].key, key) == 0) {
            return &e->overrides[i].e;
        }
    }
    return NULL;
}

bool manifest_effective(const struct manifest *m, const struct manifest_entry *e,
                        const char *renderer, const char *host, struct effective *out, char *why,
                        size_t why_size) {
    memset(out, 0, sizeof(*out));
    const struct expectation *layers[3] = {&e->base, override_for(e, renderer),
                                           override_for(e, host)};
    size_t total = 0;
    for (int i = 0; i < 3; i++) {
        total += layers[i] ? layers[i]->frames.count : 0;
    }
    out->frames = calloc(total ? total : 1, sizeof(*out->frames));
    if (!out->frames) {
        snprintf(why, why_size, "out of memory");
        return false;
    }
    for (int i = 0; i < 3; i++) {
        if (layers[i]) {
            lay_over(out, layers[i]);
        }
    }
    for (size_t i = 0; i < out->count; i++) {
        const struct effective_frame *f = &out->frames[i];
        if (!f->size_at.end || !f->format_at.end || !f->crc_at.end) {
            snprintf(why, why_size, "%s:%u: %s: frame %u needs size, format and crc32%s%s", m->path,
                     e->line, e->name, f->frame, renderer ? " for renderer " : "",
                     renderer ? renderer : "");
            effective_free(out);
            return false;
        }
    }
    return true;
}

void effective_free(struct effective *eff) {
    free(eff->frames);
    memset(eff, 0, sizeof(*eff));
}

bool effective_has_label(const struct effective *eff, const char *label) {
    for (size_t i = 0; i < eff->label_count; i++) {
        if (strcmp(eff->labels[i], label) == 0) {
            return true;
        }
    }
    return false;
}
