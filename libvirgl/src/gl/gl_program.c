/* SPDX-License-Identifier: MIT */
/*
 * Linked GL programs, cached per sub-context by (the shader of every stage, shader key):
 * translation through shader/, compile, link, and the binding allocator that places each
 * stage's samplers and uniform blocks.
 */
#include "gl/gl_program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/debug.h"

#define MAX_PROGRAMS 128
/* Across a context's sub-contexts too: a linked program costs the host about 130 KiB
 * (llvmpipe), and 1024 sub-contexts of 128 programs each would be 17 GB. Each sub-context
 * keeps at least the program it is drawing with. */
#define MAX_CONTEXT_PROGRAMS 512

GLuint vgl_gl_compile(GLenum type, const char *source, char *why, size_t why_size) {
    const GLuint shader = glCreateShader(type);
    glShaderSource(shader, 1, &source, NULL);
    glCompileShader(shader);
    GLint ok = 0;
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[512] = "";
        glGetShaderInfoLog(shader, sizeof(log), NULL, log);
        snprintf(why, why_size, "host GLSL compile failed: %s", log);
        vgl_log(VGL_LOG_WARN, "host GLSL compile failed:\n%s\n--- source ---\n%s", log, source);
        glDeleteShader(shader);
        return 0;
    }
    return shader;
}

/*
 * The binding allocator: texture units and uniform-block binding points, densely, stage by
 * stage in pipeline order, for what each stage of the program uses; then the emulation's
 * stipple texture. False when the host has too few.
 */
static bool allocate_bindings(struct vgl_renderer *r, struct gl_bindings *b,
                              const struct vgl_shader *const shaders[VGL_SHADER_STAGES],
                              const struct vgl_shader_key *key, char *why, size_t why_size) {
    memset(b, GL_NO_BINDING, sizeof(*b));
    unsigned units = 0, blocks = 0;
    for (unsigned i = 0; i < VGL_SHADER_GFX_STAGES; i++) {
        const enum vgl_shader_stage s = vgl_shader_pipeline[i];
        if (!shaders[s]) {
            continue;
        }
        b->consts[s] = (uint8_t)blocks++;
        uint32_t ubos = vgl_shader_get_info(shaders[s])->ubos_used;
        while (ubos) {
            const unsigned n = (unsigned)__builtin_ctz(ubos);
            ubos &= ubos - 1;
            b->ubo[s][n] = (uint8_t)blocks++;
        }
        uint32_t used = vgl_shader_get_info(shaders[s])->samplers_used;
        while (used) {
            const unsigned n = (unsigned)__builtin_ctz(used);
            used &= used - 1;
            b->unit[s][n] = (uint8_t)units++;
        }
    }
    if (key->poly_stipple) {
        b->stipple_unit = (uint8_t)units++;
    }
    b->units_used = (uint8_t)units;
    b->blocks_used = (uint8_t)blocks;
    if ((GLint)units > r->max_texture_units || (GLint)blocks > r->max_ubo_bindings) {
        snprintf(why, why_size,
                 "program needs %u texture units and %u uniform blocks, host has %d and %d", units,
                 blocks, r->max_texture_units, r->max_ubo_bindings);
        return false;
    }
    return true;
}

/* Points each stage's uniform names at what the allocator chose. */
static void set_bindings(GLuint program, const struct gl_bindings *b,
                         const struct vgl_shader *const shaders[VGL_SHADER_STAGES]) {
    for (unsigned s = 0; s < VGL_SHADER_STAGES; s++) {
        if (!shaders[s]) {
            continue;
        }
        const char *const sfx = vgl_shader_stage_desc(s)->suffix;
        char name[40];
        snprintf(name, sizeof(name), "vgl_consts_%s", sfx);
        const GLuint block = glGetUniformBlockIndex(program, name);
        if (block != GL_INVALID_INDEX) {
            glUniformBlockBinding(program, block, b->consts[s]);
        }
        uint32_t ubos = vgl_shader_get_info(shaders[s])->ubos_used;
        while (ubos) {
            const unsigned n = (unsigned)__builtin_ctz(ubos);
            ubos &= ubos - 1;
            snprintf(name, sizeof(name), "vgl_ubo_%s_%u", sfx, n);
            const GLuint ub = glGetUniformBlockIndex(program, name);
            if (ub != GL_INVALID_INDEX) {
                glUniformBlockBinding(program, ub, b->ubo[s][n]);
            }
        }
        uint32_t used = vgl_shader_get_info(shaders[s])->samplers_used;
        while (used) {
            const unsigned n = (unsigned)__builtin_ctz(used);
            used &= used - 1;
            snprintf(name, sizeof(name), "vgl_samp_%s_%u", sfx, n);
            const GLint loc = glGetUniformLocation(program, name);
            if (loc >= 0) {
                glUniform1i(loc, b->unit[s][n]);
            }
        }
    }
    const GLint stipple = glGetUniformLocation(program, "vgl_stipple");
    if (stipple >= 0 && b->stipple_unit != GL_NO_BINDING) {
        glUniform1i(stipple, b->stipple_unit);
    }
}

/* GL shader types by wire stage number. */
static const GLenum gl_stage_types[VGL_SHADER_STAGES] = {
        [VGL_SHADER_VERTEX] = GL_VERTEX_SHADER,
        [VGL_SHADER_FRAGMENT] = GL_FRAGMENT_SHADER,
        [VGL_SHADER_GEOMETRY] = GL_GEOMETRY_SHADER,
        [VGL_SHADER_TESS_CTRL] = GL_TESS_CONTROL_SHADER,
        [VGL_SHADER_TESS_EVAL] = GL_TESS_EVALUATION_SHADER,
        [VGL_SHADER_COMPUTE] = GL_COMPUTE_SHADER,
};

static bool link(struct vgl_renderer *r, struct gl_program *p,
                 const struct vgl_shader *const shaders[VGL_SHADER_STAGES], char *why,
                 size_t why_size) {
    if (!allocate_bindings(r, &p->bind, shaders, &p->key, why, why_size)) {
        return false;
    }
    struct vgl_glsl_program src = {0};
    if (vgl_shader_emit_program(shaders, &p->key, &src, why, why_size) != VGL_OK) {
        return false;
    }
    if (vgl_debug_flags() & VGL_DEBUG_GLSL) {
        for (unsigned s = 0; s < VGL_SHADER_STAGES; s++) {
            if (src.glsl[s]) {
                vgl_log(VGL_LOG_INFO, "program variant GLSL, %s:\n%s",
                        vgl_shader_stage_desc(s)->suffix, src.glsl[s]);
            }
        }
    }
    GLuint compiled[VGL_SHADER_STAGES] = {0};
    bool ok = true;
    for (unsigned s = 0; s < VGL_SHADER_STAGES && ok; s++) {
        if (src.glsl[s]) {
            compiled[s] = vgl_gl_compile(gl_stage_types[s], src.glsl[s], why, why_size);
            ok = compiled[s] != 0;
        }
    }
    vgl_glsl_program_finish(&src);
    if (ok) {
        p->program = glCreateProgram();
        for (unsigned s = 0; s < VGL_SHADER_STAGES; s++) {
            if (compiled[s]) {
                glAttachShader(p->program, compiled[s]);
            }
        }
        /* The last vertex stage writes vgl_so_<i>; the translator's own geometry shader (for
         * unfilled polygons) captures nothing. */
        const struct vgl_shader *last = shaders[VGL_SHADER_GEOMETRY] ? shaders[VGL_SHADER_GEOMETRY]
                                                                     : shaders[VGL_SHADER_VERTEX];
        const struct vgl_stream_output *so = vgl_shader_get_stream_output(last);
        if (so && !p->key.gs_fill) {
            p->so_buffers = vgl_gl_so_set_varyings(r, p->program, so);
        }
        glLinkProgram(p->program);
    }
    for (unsigned s = 0; s < VGL_SHADER_STAGES; s++) {
        glDeleteShader(compiled[s]);
    }
    if (!ok) {
        return false;
    }
    GLint linked = 0;
    glGetProgramiv(p->program, GL_LINK_STATUS, &linked);
    if (!linked) {
        char log[512] = "";
        glGetProgramInfoLog(p->program, sizeof(log), NULL, log);
        snprintf(why, why_size, "host GLSL link failed: %s", log);
        vgl_log(VGL_LOG_WARN, "host GLSL link failed: %s", log);
        glDeleteProgram(p->program);
        p->program = 0;
        return false;
    }
    glUseProgram(p->program);
    r->bound.program = p->program;
    set_bindings(p->program, &p->bind, shaders);
    p->loc_alpha_ref = glGetUniformLocation(p->program, "vgl_alpha_ref");
    p->loc_clip_planes = glGetUniformLocation(p->program, "vgl_clip_planes");
    p->loc_y_sign = glGetUniformLocation(p->program, "vgl_y_sign");
    p->loc_point_size = glGetUniformLocation(p->program, "vgl_point_size");
    p->loc_lod_bias = glGetUniformLocation(p->program, "vgl_lod_bias_fs");
    for (unsigned st = 0; st < VGL_SHADER_STAGES; st++) {
        char name[32];
        snprintf(name, sizeof(name), "vgl_levels_%s", vgl_shader_stage_desc(st)->suffix);
        p->loc_levels[st] = glGetUniformLocation(p->program, name);
    }
    p->loc_poly_last = glGetUniformLocation(p->program, "vgl_poly_last");
    p->loc_poly_offset = glGetUniformLocation(p->program, "vgl_poly_offset");
    return true;
}

static void program_free(struct vgl_renderer *r, struct gl_program *p) {
    if (p->program && r->bound.program == p->program) {
        glUseProgram(0); /* its name is freed only once no longer in use */
        r->bound.program = 0;
    }
    if (p->program) {
        glDeleteProgram(p->program);
    }
    free(p);
}

struct gl_program *vgl_gl_program_get(struct gl_sub_ctx *sub, const struct vgl_shader_key *key,
                                      char *why, size_t why_size) {
    uint64_t serial[VGL_SHADER_STAGES];
    const struct vgl_shader *shaders[VGL_SHADER_STAGES];
    for (unsigned s = 0; s < VGL_SHADER_STAGES; s++) {
        const struct gl_shader *const sh = s == VGL_SHADER_COMPUTE ? NULL : vgl_gl_shader(sub, s);
        serial[s] = sh ? sh->serial : 0;
        shaders[s] = sh ? sh->parsed : NULL;
    }
    struct gl_program **link_prev = &sub->programs;
    for (struct gl_program *p = sub->programs; p; link_prev = &p->next, p = p->next) {
        if (memcmp(p->serial, serial, sizeof(serial)) == 0 &&
            memcmp(&p->key, key, sizeof(*key)) == 0) {
            *link_prev = p->next; /* move to the front */
            p->next = sub->programs;
            sub->programs = p;
            if (!p->program) {
                snprintf(why, why_size, "%s", p->failure);
            }
            return p->program ? p : NULL;
        }
    }
    struct gl_program *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(why, why_size, "out of memory");
        return NULL;
    }
    memcpy(p->serial, serial, sizeof(serial));
    p->key = *key;
    if (!link(sub->ctx->r, p, shaders, why, why_size)) {
        snprintf(p->failure, sizeof(p->failure), "%s", why); /* remember: do not retry */
        vgl_log(VGL_LOG_WARN, "program for shaders %llu/%llu/%llu not available, draws skipped: %s",
                (unsigned long long)serial[VGL_SHADER_VERTEX],
                (unsigned long long)serial[VGL_SHADER_GEOMETRY],
                (unsigned long long)serial[VGL_SHADER_FRAGMENT], why);
    }
    p->next = sub->programs;
    sub->programs = p;
    sub->program_count++;
    sub->ctx->live_programs++;
    if (sub->program_count > MAX_PROGRAMS ||
        (sub->ctx->live_programs > MAX_CONTEXT_PROGRAMS && sub->program_count > 1)) {
        struct gl_program **pp = &sub->programs;
        while ((*pp)->next) {
            pp = &(*pp)->next;
        }
        program_free(sub->ctx->r, *pp);
        *pp = NULL;
        sub->program_count--;
        sub->ctx->live_programs--;
    }
    return p->program ? p : NULL;
}

static bool uses_shader(const struct gl_program *p, uint64_t serial) {
    for (unsigned s = 0; s < VGL_SHADER_STAGES; s++) {
        if (p->serial[s] == serial) {
            return true;
        }
    }
    return false;
}

void vgl_gl_programs_forget_shader(struct gl_sub_ctx *sub, const struct gl_shader *sh) {
    struct gl_program **pp = &sub->programs;
    while (*pp) {
        struct gl_program *p = *pp;
        if (uses_shader(p, sh->serial)) {
            *pp = p->next;
            program_free(sub->ctx->r, p);
            sub->program_count--;
            sub->ctx->live_programs--;
        } else {
            pp = &p->next;
        }
    }
}

void vgl_gl_programs_destroy(struct gl_sub_ctx *sub) {
    while (sub->programs) {
        struct gl_program *p = sub->programs;
        sub->programs = p->next;
        program_free(sub->ctx->r, p);
    }
    sub->ctx->live_programs -= sub->program_count;
    sub->program_count = 0;
}
