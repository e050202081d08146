/* SPDX-License-Identifier: MIT */
/*
 * Reads and writes per-frame checksum files. The reader is strict (every field checked, long
 * lines and duplicate frames refused) because reference files come from anywhere.
 */
#include "checker_sums.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SUM_FILE (64u << 20)
#define MAX_LINE     256

bool sum_list_add(struct sum_list *list, const struct sum_entry *e, size_t max, char *why,
                  size_t why_size) {
    if (list->count >= max) {
        snprintf(why, why_size, "more than %zu frames", max);
        return false;
    }
    if (list->count == list->capacity) {
        const size_t cap = list->capacity ? list->capacity * 2 : 64;
        struct sum_entry *items = cap <= SIZE_MAX / sizeof(*items)
                                          ? realloc(list->items, cap * sizeof(*items))
                                          : NULL;
        if (!items) {
            snprintf(why, why_size, "out of memory");
            return false;
        }
        list->items = items;
        list->capacity = cap;
    }
    list->items[list->count++] = *e;
    return true;
}

static int by_frame(const void *a, const void *b) {
    const struct sum_entry *x = a, *y = b;
    return (x->frame > y->frame) - (x->frame < y->frame);
}

bool sum_list_finish(struct sum_list *list, const char *name, char *why, size_t why_size) {
    if (list->count > 1) {
        qsort(list->items, list->count, sizeof(*list->items), by_frame);
    }
    for (size_t i = 1; i < list->count; i++) {
        if (list->items[i].frame == list->items[i - 1].frame) {
            snprintf(why, why_size, "%s: frame %u is listed twice", name, list->items[i].frame);
            return false;
        }
    }
    return true;
}

struct sum_entry *sum_list_find(struct sum_entry *items, size_t count, uint32_t frame) {
    if (count == 0) {
        return NULL;
    }
    const struct sum_entry key = {.frame = frame};
    return bsearch(&key, items, count, sizeof(*items), by_frame);
}

/* Decimal digits only, no sign, fitting 32 bits. Advances *s past them. */
static bool take_dec(const char **s, uint32_t *v) {
    uint64_t x = 0;
    const char *p = *s;
    while (*p >= '0' && *p <= '9' && x <= UINT32_MAX) {
        x = x * 10 + (uint64_t)(*p++ - '0');
    }
    if (p == *s || p - *s > 10 || x > UINT32_MAX) {
        return false;
    }
    *v = (uint32_t)x;
    *s = p;
    return true;
}

/* Exactly 8 hex digits. */
static bool take_crc(const char **s, uint32_t *v) {
    uint32_t x = 0;
    const char *p = *s;
    for (int i = 0; i < 8; i++, p++) {
        const char ch = *p;
        uint32_t d;
        if (ch >= '0' && ch <= '9') {
            d = (uint32_t)(ch - '0');
        } else if (ch >= 'a' && ch <= 'f') {
            d = (uint32_t)(ch - 'a' + 10);
        } else if (ch >= 'A' && ch <= 'F') {
            d = (uint32_t)(ch - 'A' + 10);
        } else {
            return false;
        }
        x = x << 4 | d;
    }
    *v = x;
    *s = p;
    return true;
}

static bool take_space(const char **s) {
    const char *p = *s;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    const bool any = p != *s;
    *s = p;
    return any;
}

static bool at_line_end(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\r') {
        p++;
    }
    return *p == '\n' || *p == '\0';
}

/* "frame crc32 WxH format" */
static bool parse_line(const char *p, struct sum_entry *e) {
    memset(e, 0, sizeof(*e));
    return take_dec(&p, &e->frame) && take_space(&p) && take_crc(&p, &e->crc) && take_space(&p) &&
           take_dec(&p, &e->w) && *p++ == 'x' && take_dec(&p, &e->h) && take_space(&p) &&
           take_dec(&p, &e->format) && at_line_end(p) && e->w > 0 && e->h > 0;
}

static bool blank_or_comment(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\r') {
        p++;
    }
    return *p == '#' || *p == '\n' || *p == '\0';
}

static FILE *open_sum_file(const char *path, char *why, size_t why_size) {
    const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_SUM_FILE) {
        snprintf(why, why_size, "%s: not a regular file of at most %u bytes", path, MAX_SUM_FILE);
    } else {
        FILE *f = fdopen(fd, "r");
        if (f) {
            return f;
        }
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
    return NULL;
}

static bool read_lines(FILE *f, const char *path, struct sum_list *list, size_t max, char *why,
                       size_t why_size) {
    char line[MAX_LINE];
    for (unsigned n = 1; fgets(line, sizeof(line), f); n++) {
        /* A line that does not end in '\n' before EOF was cut (too long) or holds a NUL. */
        const size_t len = strlen(line);
        if (len == 0 || (line[len - 1] != '\n' && !feof(f))) {
            snprintf(why, why_size, "%s:%u: line longer than %d bytes or holding a NUL", path, n,
                     MAX_LINE - 2);
            return false;
        }
        if (blank_or_comment(line)) {
            continue;
        }
        struct sum_entry e;
        if (!parse_line(line, &e)) {
            snprintf(why, why_size,
                     "%s:%u: expected 'FRAME CRC32 WxH FORMAT' (e.g. "
                     "'0 ec8c3e46 64x48 67')",
                     path, n);
            return false;
        }
        if (!sum_list_add(list, &e, max, why, why_size)) {
            return false;
        }
    }
    if (ferror(f)) {
        snprintf(why, why_size, "%s: read error", path);
        return false;
    }
    return sum_list_finish(list, path, why, why_size);
}

bool sum_file_read(const char *path, struct sum_list *list, size_t max, char *why,
                   size_t why_size) {
    memset(list, 0, sizeof(*list));
    FILE *f = open_sum_file(path, why, why_size);
    if (!f) {
        return false;
    }
    const bool ok = read_lines(f, path, list, max, why, why_size);
    fclose(f);
    return ok;
}

bool sum_file_write(const char *path, const struct sum_entry *items, size_t count, char *why,
                    size_t why_size) {
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        snprintf(why, why_size, "%s: path too long", path);
        return false;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(why, why_size, "%s: %s", tmp, strerror(errno));
        return false;
    }
    fprintf(f, "# virgl-replay frame checksums: frame crc32 WxH format\n");
    for (size_t i = 0; i < count; i++) {
        const struct sum_entry *e = &items[i];
        fprintf(f, "%u %08x %ux%u %u\n", e->frame, e->crc, e->w, e->h, e->format);
    }
    const bool written = !ferror(f);
    if (fclose(f) != 0 || !written || rename(tmp, path) != 0) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno ? errno : EIO));
        unlink(tmp);
        return false;
    }
    return true;
}
