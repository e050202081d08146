/* SPDX-License-Identifier: MIT */
/* The program cache of a sub-context (gl_program.c), used by the draw path. */
#ifndef VGL_GL_PROGRAM_H
#define VGL_GL_PROGRAM_H

#include "gl/gl_internal.h"

struct gl_program {
    struct gl_program *next;
    uint64_t vs_serial, fs_serial;
    struct vgl_shader_key key;
    GLuint program;     /* 0 when translation or linking failed */
    uint8_t so_buffers; /* stream output: buffers the program writes (vgl_gl_so_set_varyings) */
    GLint loc_alpha_ref, loc_clip_planes, loc_y_sign, loc_poly_last, loc_poly_offset;
    char failure[160];
};

/*
 * The linked program for this shader pair and key, compiling it on first use. NULL when it
 * cannot be built; `why` says why (the failure is cached too). The key must be fully
 * zero-initialised before its fields are set (it is compared bytewise).
 */
struct gl_program *vgl_gl_program_get(struct gl_sub_ctx *sub, const struct gl_shader *vs,
                                      const struct gl_shader *fs, const struct vgl_shader_key *key,
                                      char *why, size_t why_size);

#endif
