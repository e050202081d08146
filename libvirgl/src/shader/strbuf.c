/* SPDX-License-Identifier: MIT */
/* The GLSL emitter's string builder. Failure is sticky and bounded by VGL_STRBUF_MAX; it never
 * aborts on allocation failure. */
#include "shader/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vgl_strbuf_init(struct vgl_strbuf *sb) {
    memset(sb, 0, sizeof(*sb));
}

void vgl_strbuf_finish(struct vgl_strbuf *sb) {
    free(sb->data);
    memset(sb, 0, sizeof(*sb));
}

/* Makes room for `extra` more bytes plus the NUL. */
static bool reserve(struct vgl_strbuf *sb, size_t extra) {
    if (sb->failed) {
        return false;
    }
    if (extra >= VGL_STRBUF_MAX || sb->len + extra >= VGL_STRBUF_MAX) {
        sb->failed = true;
        return false;
    }
    const size_t need = sb->len + extra + 1;
    if (need <= sb->cap) {
        return true;
    }
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < need) {
        cap *= 2;
    }
    char *const data = realloc(sb->data, cap);
    if (!data) {
        sb->failed = true;
        return false;
    }
    sb->data = data;
    sb->cap = cap;
    return true;
}

void vgl_strbuf_append_n(struct vgl_strbuf *sb, const char *s, size_t n) {
    if (!reserve(sb, n)) {
        return;
    }
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void vgl_strbuf_append(struct vgl_strbuf *sb, const char *s) {
    vgl_strbuf_append_n(sb, s, strlen(s));
}

void vgl_strbuf_printf(struct vgl_strbuf *sb, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    char small[256];
    const int n = vsnprintf(small, sizeof(small), fmt, args);
    va_end(args);
    if (n < 0) {
        sb->failed = true;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        vgl_strbuf_append_n(sb, small, (size_t)n);
        return;
    }
    if (!reserve(sb, (size_t)n)) {
        return;
    }
    va_start(args, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, args);
    va_end(args);
    sb->len += (size_t)n;
}

void vgl_strbuf_indent(struct vgl_strbuf *sb, unsigned n) {
    static const char spaces[] = "                                ";
    while (n > 0) {
        const unsigned k = n < sizeof(spaces) - 1 ? n : (unsigned)(sizeof(spaces) - 1);
        vgl_strbuf_append_n(sb, spaces, k);
        n -= k;
    }
}

char *vgl_strbuf_steal(struct vgl_strbuf *sb) {
    if (sb->failed || !reserve(sb, 0)) {
        vgl_strbuf_finish(sb);
        return NULL;
    }
    sb->data[sb->len] = '\0';
    char *const s = sb->data;
    memset(sb, 0, sizeof(*sb));
    return s;
}
