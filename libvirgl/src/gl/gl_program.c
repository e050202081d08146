/* SPDX-License-Identifier: MIT */
/*
 * Linked GL programs, cached per sub-context by (vertex shader, fragment shader, shader key):
 * translation through shader/, compile, link, and the fixed binding contract of shader.h.
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

static GLuint compile(GLenum type, const char *source, char *why, size_t why_size) {
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

static void set_sampler_units(GLuint program, const struct vgl_shader *sh, const char *prefix,
                              int unit_base) {
    if (!sh) {
        return;
    }
    uint32_t used = vgl_shader_get_info(sh)->samplers_used;
    while (used) {
        const int n = __builtin_ctz(used);
        used &= used - 1;
        char name[32];
        snprintf(name, sizeof(name), "%s%d", prefix, n);
        const GLint loc = glGetUniformLocation(program, name);
        if (loc >= 0) {
            glUniform1i(loc, unit_base + n);
        }
    }
}

static bool link(struct gl_program *p, const struct vgl_shader *vs, const struct vgl_shader *fs,
                 char *why, size_t why_size) {
    struct vgl_glsl_program src = {0};
    if (vgl_shader_emit_program(vs, fs, &p->key, &src, why, why_size) != VGL_OK) {
        return false;
    }
    if (vgl_debug_flags() & VGL_DEBUG_GLSL) {
        vgl_log(VGL_LOG_INFO, "program variant GLSL:\n--- vertex ---\n%s--- fragment ---\n%s%s%s",
                src.vs, src.fs, src.gs ? "--- geometry ---\n" : "", src.gs ? src.gs : "");
    }
    const GLuint v = compile(GL_VERTEX_SHADER, src.vs, why, why_size);
    const GLuint f = v ? compile(GL_FRAGMENT_SHADER, src.fs, why, why_size) : 0;
    const GLuint g = f && src.gs ? compile(GL_GEOMETRY_SHADER, src.gs, why, why_size) : 0;
    const bool gs_failed = src.gs && !g;
    vgl_glsl_program_finish(&src);
    if (!v || !f || gs_failed) {
        glDeleteShader(v);
        glDeleteShader(f);
        return false;
    }
    p->program = glCreateProgram();
    glAttachShader(p->program, v);
    glAttachShader(p->program, f);
    if (g) {
        glAttachShader(p->program, g);
    }
    /* The translator writes vgl_so_<i> only without its geometry shader. */
    const struct vgl_stream_output *so = vgl_shader_get_stream_output(vs);
    if (so && !p->key.gs_fill) {
        p->so_buffers = vgl_gl_so_set_varyings(p->program, so);
    }
    glLinkProgram(p->program);
    glDeleteShader(v);
    glDeleteShader(f);
    if (g) {
        glDeleteShader(g);
    }
    GLint ok = 0;
    glGetProgramiv(p->program, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[512] = "";
        glGetProgramInfoLog(p->program, sizeof(log), NULL, log);
        snprintf(why, why_size, "host GLSL link failed: %s", log);
        vgl_log(VGL_LOG_WARN, "host GLSL link failed: %s", log);
        glDeleteProgram(p->program);
        p->program = 0;
        return false;
    }
    const GLuint vs_block = glGetUniformBlockIndex(p->program, "vgl_consts_vs");
    const GLuint fs_block = glGetUniformBlockIndex(p->program, "vgl_consts_fs");
    if (vs_block != GL_INVALID_INDEX) {
        glUniformBlockBinding(p->program, vs_block, 0);
    }
    if (fs_block != GL_INVALID_INDEX) {
        glUniformBlockBinding(p->program, fs_block, 1);
    }
    glUseProgram(p->program);
    set_sampler_units(p->program, vs, "vgl_samp_vs_", 16);
    set_sampler_units(p->program, fs, "vgl_samp_fs_", 0);
    const GLint stipple = glGetUniformLocation(p->program, "vgl_stipple");
    if (stipple >= 0) {
        glUniform1i(stipple, 31);
    }
    p->loc_alpha_ref = glGetUniformLocation(p->program, "vgl_alpha_ref");
    p->loc_clip_planes = glGetUniformLocation(p->program, "vgl_clip_planes");
    p->loc_y_sign = glGetUniformLocation(p->program, "vgl_y_sign");
    p->loc_poly_last = glGetUniformLocation(p->program, "vgl_poly_last");
    p->loc_poly_offset = glGetUniformLocation(p->program, "vgl_poly_offset");
    return true;
}

static void program_free(struct gl_program *p) {
    if (p->program) {
        glDeleteProgram(p->program);
    }
    free(p);
}

struct gl_program *vgl_gl_program_get(struct gl_sub_ctx *sub, const struct gl_shader *vs,
                                      const struct gl_shader *fs, const struct vgl_shader_key *key,
                                      char *why, size_t why_size) {
    const uint64_t vs_serial = vs->serial, fs_serial = fs ? fs->serial : 0;
    struct gl_program **link_prev = &sub->programs;
    for (struct gl_program *p = sub->programs; p; link_prev = &p->next, p = p->next) {
        if (p->vs_serial == vs_serial && p->fs_serial == fs_serial &&
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
    p->vs_serial = vs_serial;
    p->fs_serial = fs_serial;
    p->key = *key;
    if (!link(p, vs->parsed, fs ? fs->parsed : NULL, why, why_size)) {
        snprintf(p->failure, sizeof(p->failure), "%s", why); /* remember: do not retry */
        vgl_log(VGL_LOG_WARN, "program for shaders %llu/%llu not available, draws skipped: %s",
                (unsigned long long)vs_serial, (unsigned long long)fs_serial, why);
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
        program_free(*pp);
        *pp = NULL;
        sub->program_count--;
        sub->ctx->live_programs--;
    }
    return p->program ? p : NULL;
}

void vgl_gl_programs_forget_shader(struct gl_sub_ctx *sub, const struct gl_shader *sh) {
    struct gl_program **pp = &sub->programs;
    while (*pp) {
        struct gl_program *p = *pp;
        if (p->vs_serial == sh->serial || p->fs_serial == sh->serial) {
            *pp = p->next;
            program_free(p);
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
        program_free(p);
    }
    sub->ctx->live_programs -= sub->program_count;
    sub->program_count = 0;
}
