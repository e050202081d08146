/* SPDX-License-Identifier: MIT */
/*
 * A growable, always NUL-terminated string builder for the GLSL emitter. Allocation failure or
 * the size cap makes the builder "failed" (sticky); callers check once at the end.
 */
#ifndef VGL_SHADER_STRBUF_H
#define VGL_SHADER_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Generated GLSL never needs more than this; beyond it the builder fails. */
#define VGL_STRBUF_MAX (64u << 20)

struct vgl_strbuf {
    char *data; /* NUL-terminated when len > 0 or after any append */
    size_t len, cap;
    bool failed;
};

void vgl_strbuf_init(struct vgl_strbuf *sb);
void vgl_strbuf_finish(struct vgl_strbuf *sb);
void vgl_strbuf_append(struct vgl_strbuf *sb, const char *s);
void vgl_strbuf_append_n(struct vgl_strbuf *sb, const char *s, size_t n);
void vgl_strbuf_printf(struct vgl_strbuf *sb, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* Appends `n` copies of ' '. */
void vgl_strbuf_indent(struct vgl_strbuf *sb, unsigned n);
/* Hands the string to the caller (free() it) and resets the builder; NULL if it failed. */
char *vgl_strbuf_steal(struct vgl_strbuf *sb);

#endif
