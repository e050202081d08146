/* SPDX-License-Identifier: MIT */
/*
 * Shared state of the GLSL emitter: glsl_emit.c lays out a stage (declarations, prologue,
 * epilogue, linkage); glsl_emit_ops.c translates instructions. Internal to the shader module.
 */
#ifndef VGL_SHADER_GLSL_EMIT_H
#define VGL_SHADER_GLSL_EMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "shader/shader_ir.h"
#include "shader/strbuf.h"

/* GLSL helper functions an instruction may need (emitted once, before main). */
enum glsl_helper {
    GLSL_H_UMUL_HI = 1u << 0,
    GLSL_H_IMUL_HI = 1u << 1,
    GLSL_H_UDIV = 1u << 2,
    GLSL_H_IDIV = 1u << 3,
    GLSL_H_BFE = 1u << 4,
    GLSL_H_BFI = 1u << 5,
    GLSL_H_BREV = 1u << 6,
    GLSL_H_POPC = 1u << 7,
    GLSL_H_LSB = 1u << 8,
    GLSL_H_MSB = 1u << 9,
};

struct glsl_stage {
    const struct vgl_shader *sh;
    const struct vgl_shader_key *key;
    const char *sfx;        /* "vs" or "fs": suffix of uniform names */
    struct vgl_strbuf body; /* main()'s instructions */
    unsigned indent;        /* spaces */
    uint32_t helpers;       /* enum glsl_helper bits */
    /* Writes the outputs; called where END is. */
    void (*epilogue)(struct glsl_stage *st);
    /* Geometry shaders: writes the outputs of one vertex; called where EMIT is. */
    void (*emit_vertex)(struct glsl_stage *st);
    void *plan; /* the program-level linkage, for the epilogue */
    enum vgl_status status;
    char why[256];
};

/* Records the first emission error and returns false. */
bool vgl_glsl_fail(struct glsl_stage *st, enum vgl_status status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Translates every instruction into st->body. */
bool vgl_glsl_emit_body(struct glsl_stage *st);
/* Appends the GLSL source of the helpers in `helpers`. */
void vgl_glsl_emit_helpers(struct vgl_strbuf *sb, uint32_t helpers);
/* The target the host samples for a guest target: on GLES, 2D ones for 1D and rectangle. */
enum vgl_tex_target vgl_glsl_host_target(const struct vgl_shader_key *key, enum vgl_tex_target t);
/* "sampler2D", "isampler2DArray", ... for a target and view return type. */
const char *vgl_glsl_sampler_type(enum vgl_tex_target target, enum vgl_return_type ret, char *buf,
                                  size_t size);

#endif
