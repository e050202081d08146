/* SPDX-License-Identifier: MIT */
/* The program cache of a sub-context (gl_program.c), used by the draw path. */
#ifndef VGL_GL_PROGRAM_H
#define VGL_GL_PROGRAM_H

#include "gl/gl_internal.h"

#define GL_NO_BINDING 0xffu

/* A compiled shader of `type`, or 0 with the host's log in `why` (and logged with the source). */
GLuint vgl_gl_compile(GLenum type, const char *source, char *why, size_t why_size);

/*
 * Where a linked program finds its resources: the binding allocator hands out texture units
 * and uniform-buffer binding points densely, stage by stage in pipeline order, to what each
 * stage uses (GL_NO_BINDING elsewhere).
 */
struct gl_bindings {
    uint8_t unit[VGL_SHADER_STAGES][VGL_SHADER_MAX_SAMPLERS]; /* SAMP[n] */
    uint8_t consts[VGL_SHADER_STAGES];                        /* CONST[0]'s block */
    uint8_t ubo[VGL_SHADER_STAGES][VGL_SHADER_MAX_UBOS];      /* CONST[n][...]'s block */
    uint8_t stipple_unit;                                     /* vgl_stipple */
    uint8_t units_used, blocks_used;
};

/* The emulation's uniforms as the program holds them (compared bytewise). */
struct gl_program_uniforms {
    GLfloat alpha_ref, y_sign, point_size;
    GLfloat clip_planes[8][4];
    GLfloat poly_offset[8];
    GLfloat lod_bias[VGL_SHADER_MAX_SAMPLERS]; /* GLES: the fragment samplers' LOD bias */
    GLint poly_last;
    /* GLES: each sampler's level count, for TXQ (GLSL ES has no textureQueryLevels) */
    GLint levels[VGL_SHADER_STAGES][VGL_SHADER_MAX_SAMPLERS];
    bool known; /* false until the first draw set them */
};

struct gl_program {
    struct gl_program *next;
    uint64_t serial[VGL_SHADER_STAGES]; /* the shaders it was built from, 0 = none */
    struct vgl_shader_key key;
    GLuint program;     /* 0 when translation or linking failed */
    uint8_t so_buffers; /* stream output: buffers the program writes (vgl_gl_so_set_varyings) */
    struct gl_bindings bind;
    GLint loc_alpha_ref, loc_clip_planes, loc_y_sign, loc_poly_last, loc_poly_offset;
    GLint loc_point_size, loc_lod_bias;
    GLint loc_levels[VGL_SHADER_STAGES]; /* vgl_levels_<s>, -1 where the stage has none */
    struct gl_program_uniforms uniforms;
    char failure[160];
};

/*
 * The linked program for the sub-context's bound shaders and this key, compiling it on first
 * use. NULL when it cannot be built; `why` says why (the failure is cached too). The key must
 * be fully zero-initialised before its fields are set (it is compared bytewise).
 */
struct gl_program *vgl_gl_program_get(struct gl_sub_ctx *sub, const struct vgl_shader_key *key,
                                      char *why, size_t why_size);

#endif
