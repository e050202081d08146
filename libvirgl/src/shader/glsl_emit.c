/* SPDX-License-Identifier: MIT */
/*
 * IR -> a linked GLSL 3.30 core program, one source per stage: declarations that follow the
 * binding contract in shader.h, varying linkage between the stages, inputs/outputs, and the
 * fixed-function state the key emulates. Deterministic (same input -> same bytes); no GL calls.
 */
#include "shader/glsl_emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shader/shader.h"
#include "shader/shader_ir.h"
#include "shader/strbuf.h"

#define MAX_VARYINGS 96

struct varying {
    enum vgl_semantic sem;
    uint32_t index;
    bool flat_uint;     /* flat uvec4 (CONSTANT interpolation): raw bits */
    const char *interp; /* "flat", "noperspective" or "smooth" */
    bool centroid, invariant;
    int vs_reg; /* VS OUT register writing it, -1 if none */
};

struct plan {
    const struct vgl_shader *vs, *fs;
    const struct vgl_shader *gs;  /* the guest's geometry shader, or NULL */
    const struct vgl_shader *pre; /* the stage feeding the rasterizer: gs, else vs */
    const struct vgl_shader_key *key;
    struct varying v[MAX_VARYINGS];
    unsigned nv;
    uint32_t clip_dist_count; /* size of gl_ClipDistance[] written by the VS, 0 = none */
    bool clip_from_planes;
    uint32_t out_locs; /* FS: bit n: vgl_out_n is written */
};

static const char *sem_lower(enum vgl_semantic sem) {
    switch (sem) {
    case VGL_SEM_COLOR:
        return "color";
    case VGL_SEM_BCOLOR:
        return "bcolor";
    case VGL_SEM_FOG:
        return "fog";
    case VGL_SEM_TEXCOORD:
        return "texcoord";
    case VGL_SEM_POSITION:
        return "position";
    case VGL_SEM_PSIZE:
        return "psize";
    case VGL_SEM_CLIPDIST:
        return "clipdist";
    case VGL_SEM_CLIPVERTEX:
        return "clipvertex";
    case VGL_SEM_PATCH:
        return "patch";
    default:
        return "generic";
    }
}

static bool sem_has_default_w1(enum vgl_semantic sem) {
    return sem == VGL_SEM_COLOR || sem == VGL_SEM_BCOLOR || sem == VGL_SEM_TEXCOORD;
}

/* The output register of `sh` carrying (sem, index), or -1. */
static int find_output(const struct vgl_shader *sh, enum vgl_semantic sem, uint32_t index) {
    for (uint32_t i = 0; i < sh->info.num_outputs; i++) {
        const struct vgl_shader_io *const io = &sh->info.outputs[i];
        if (io->semantic == sem && index >= io->semantic_index &&
            index - io->semantic_index <= io->last - io->first) {
            return (int)(io->first + (index - io->semantic_index));
        }
    }
    return -1;
}

static int find_varying(const struct plan *p, enum vgl_semantic sem, uint32_t index) {
    for (unsigned i = 0; i < p->nv; i++) {
        if (p->v[i].sem == sem && p->v[i].index == index) {
            return (int)i;
        }
    }
    return -1;
}

static bool sprite_replaced(const struct vgl_shader_key *key, enum vgl_semantic sem,
                            uint32_t index) {
    return (sem == VGL_SEM_GENERIC || sem == VGL_SEM_TEXCOORD) && index < 32 &&
           (key->sprite_coord_enable >> index & 1);
}

static bool add_varying(struct plan *p, const struct vgl_shader_io *io, enum vgl_semantic sem,
                        uint32_t index, char *why, size_t why_size) {
    if (p->nv >= MAX_VARYINGS) {
        snprintf(why, why_size, "too many varyings");
        return false;
    }
    struct varying *const v = &p->v[p->nv++];
    v->sem = sem;
    v->index = index;
    v->flat_uint = io->interp == VGL_INTERP_CONSTANT;
    v->interp = io->interp == VGL_INTERP_CONSTANT                     ? "flat"
                : io->interp == VGL_INTERP_LINEAR                     ? "noperspective"
                : io->interp == VGL_INTERP_COLOR && p->key->flatshade ? "flat"
                                                                      : "smooth";
    v->centroid = io->centroid;
    v->vs_reg = find_output(p->pre, sem, index);
    v->invariant = io->invariant;
    if (v->vs_reg >= 0) {
        const struct vgl_shader_info *const vi = &p->pre->info;
        v->invariant |= vi->outputs[p->pre->out_decl[v->vs_reg]].invariant;
    }
    return true;
}

/* Decides every varying the pair exchanges, from the FS inputs. */
static bool plan_linkage(struct plan *p, char *why, size_t why_size) {
    const struct vgl_shader_info *const fi = &p->fs->info;
    for (uint32_t d = 0; d < fi->num_inputs; d++) {
        const struct vgl_shader_io *const io = &fi->inputs[d];
        for (uint32_t r = io->first; r <= io->last; r++) {
            const uint32_t index = io->semantic_index + (r - io->first);
            const enum vgl_semantic sem = io->semantic;
            if (sem != VGL_SEM_COLOR && sem != VGL_SEM_FOG && sem != VGL_SEM_GENERIC &&
                sem != VGL_SEM_TEXCOORD && sem != VGL_SEM_PATCH) {
                continue;
            }
            if (sprite_replaced(p->key, sem, index)) {
                continue;
            }
            if (!add_varying(p, io, sem, index, why, why_size)) {
                return false;
            }
            if (sem == VGL_SEM_COLOR && p->key->two_side &&
                find_output(p->pre, VGL_SEM_BCOLOR, index) >= 0 &&
                !add_varying(p, io, VGL_SEM_BCOLOR, index, why, why_size)) {
                return false;
            }
        }
    }
    /* Clip distances: the last vertex stage's own CLIPDIST outputs, else user planes from the
     * key. */
    const struct vgl_shader_info *const vi = &p->pre->info;
    for (uint32_t d = 0; d < vi->num_outputs; d++) {
        const struct vgl_shader_io *const io = &vi->outputs[d];
        if (io->semantic == VGL_SEM_CLIPDIST) {
            const uint32_t n = 4 * (io->semantic_index + (io->last - io->first) + 1);
            p->clip_dist_count = n > p->clip_dist_count ? n : p->clip_dist_count;
        }
    }
    if (p->clip_dist_count == 0 && p->key->clip_plane_enable) {
        p->clip_from_planes = true;
        for (uint32_t i = 0; i < 8; i++) {
            if (p->key->clip_plane_enable >> i & 1) {
                p->clip_dist_count = i + 1;
            }
        }
    }
    return true;
}

/* `prefix` is "vgl_v_" (what the FS reads) or "vgl_gv_" (VS -> GS); `arr` "[]" for GS inputs. */
static void varying_decl(struct vgl_strbuf *sb, const struct varying *v, const char *dir,
                         const char *prefix, const char *arr, bool es) {
    /* GLSL ES refuses invariant inputs (and needs no match between the stages). */
    const bool invariant = v->invariant && (strcmp(dir, "out") == 0 || !es);
    vgl_strbuf_printf(sb, "%s%s %s%s %s %s%s%u%s;\n", invariant ? "invariant " : "", v->interp,
                      v->centroid ? "centroid " : "", dir, v->flat_uint ? "uvec4" : "vec4", prefix,
                      sem_lower(v->sem), v->index, arr);
}

/* The VS's name prefix for varyings: a GS between the stages renames them. */
static const char *vs_prefix(const struct vgl_shader_key *key) {
    return key->gs_fill ? "vgl_gv_" : "vgl_v_";
}

/* The FS's facing: the GS passes the triangle's facing to lines and points it emits. */
static const char *front_facing(const struct vgl_shader_key *key) {
    return key->gs_fill ? "(vgl_v_front != 0u)" : "gl_FrontFacing";
}

/* ---- pieces common to both stages ------------------------------------------------------- */

static bool uses_derivatives(const struct vgl_shader *sh) {
    for (uint32_t i = 0; i < sh->num_insns; i++) {
        const uint16_t op = sh->insns[i].op;
        if (op == VGL_OP_DDX || op == VGL_OP_DDY || op == VGL_OP_DDX_FINE ||
            op == VGL_OP_DDY_FINE) {
            return true;
        }
    }
    return false;
}

static bool uses_op(const struct vgl_shader *sh, enum vgl_op op) {
    for (uint32_t i = 0; i < sh->num_insns; i++) {
        if (sh->insns[i].op == op) {
            return true;
        }
    }
    return false;
}

/*
 * The version line, and for GLSL ES what desktop GLSL has without asking: the extensions the
 * host may offer (enabled by name: one it lacks only warns, and the caps offer nothing that
 * needs it), and highp everywhere, since registers hold raw 32-bit patterns.
 */
static void emit_version(struct vgl_strbuf *sb, const struct vgl_shader_key *key,
                         enum vgl_shader_stage stage) {
    if (!key->glsl_es) {
        vgl_strbuf_append(sb, "#version 330 core\n");
        return;
    }
    vgl_strbuf_printf(sb, "#version %u es\n", key->glsl_es);
    static const char *const extensions[] = {
            "GL_EXT_clip_cull_distance",
            "GL_NV_shader_noperspective_interpolation",
            "GL_OES_viewport_array",
            "GL_EXT_texture_shadow_lod",
    };
    for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
        vgl_strbuf_printf(sb, "#extension %s : enable\n", extensions[i]);
    }
    if (stage == VGL_SHADER_FRAGMENT) {
        vgl_strbuf_append(sb, "#extension GL_EXT_blend_func_extended : enable\n");
    }
    if (stage == VGL_SHADER_FRAGMENT && key->a2c_samples && key->glsl_es < 320) {
        vgl_strbuf_append(sb, "#extension GL_OES_sample_variables : enable\n");
    }
    if (stage == VGL_SHADER_FRAGMENT && key->logicop) {
        /* The backend sets logicop only where the host has it. */
        vgl_strbuf_append(sb, "#extension GL_EXT_shader_framebuffer_fetch : require\n");
    }
    if (stage == VGL_SHADER_GEOMETRY) {
        vgl_strbuf_append(sb, "#extension GL_EXT_geometry_point_size : enable\n");
    }
    if (key->glsl_es < 320) { /* core in GLSL ES 3.20 */
        vgl_strbuf_append(sb, "#extension GL_EXT_geometry_shader : enable\n"
                              "#extension GL_EXT_shader_io_blocks : enable\n"
                              "#extension GL_EXT_texture_buffer : enable\n"
                              "#extension GL_OES_texture_storage_multisample_2d_array : enable\n");
    }
}

/* GLSL ES: highp everywhere, after the last #extension line (GLSL ES wants them first). */
static void emit_precision(struct vgl_strbuf *sb, const struct vgl_shader_key *key) {
    if (!key->glsl_es) {
        return;
    }
    vgl_strbuf_append(sb, "precision highp float;\nprecision highp int;\n");
    static const char *const samplers[] = {
            "sampler2D",         "sampler3D",      "samplerCube",          "sampler2DShadow",
            "samplerCubeShadow", "sampler2DArray", "sampler2DArrayShadow", "isampler2D",
            "isampler3D",        "isamplerCube",   "isampler2DArray",      "usampler2D",
            "usampler3D",        "usamplerCube",   "usampler2DArray",      "sampler2DMS",
            "isampler2DMS",      "usampler2DMS",
    };
    for (size_t i = 0; i < sizeof(samplers) / sizeof(samplers[0]); i++) {
        vgl_strbuf_printf(sb, "precision highp %s;\n", samplers[i]);
    }
    if (key->glsl_es >= 320) {
        vgl_strbuf_append(sb, "precision highp samplerBuffer;\nprecision highp isamplerBuffer;\n"
                              "precision highp usamplerBuffer;\n"
                              "precision highp sampler2DMSArray;\n"
                              "precision highp isampler2DMSArray;\n"
                              "precision highp usampler2DMSArray;\n");
    }
}

/* gl_FragCoord as the guest's shader wants it: GLSL ES has no pixel_center_integer layout, so
 * there an integer pixel centre is the window position less a half. */
static const char *frag_coord(const struct vgl_shader *sh, const struct vgl_shader_key *key) {
    return key->glsl_es && sh->info.fs_coord_pixel_center_integer
                   ? "vec4(gl_FragCoord.xy - vec2(0.5), gl_FragCoord.zw)"
                   : "gl_FragCoord";
}

static void emit_header(struct vgl_strbuf *sb, const struct glsl_stage *st) {
    const struct vgl_shader *const sh = st->sh;
    emit_version(sb, st->key, sh->info.stage);
    if (uses_derivatives(sh) && st->key->glsl_es) {
        vgl_strbuf_append(sb, "#define VGL_DDX(v) dFdx(v)\n#define VGL_DDY(v) dFdy(v)\n");
    } else if (uses_derivatives(sh)) {
        /* GL_FRAGMENT_SHADER_DERIVATIVE_HINT never reaches the host: fine derivatives (where
         * the host has them) satisfy both the coarse and the fine TGSI opcodes and every hint.
         * The host's window y is gallium's, flipped framebuffer or not: DDY keeps its sign. */
        vgl_strbuf_append(sb, "#extension GL_ARB_derivative_control : enable\n"
                              "#ifdef GL_ARB_derivative_control\n"
                              "#define VGL_DDX(v) dFdxFine(v)\n"
                              "#define VGL_DDY(v) dFdyFine(v)\n"
                              "#else\n"
                              "#define VGL_DDX(v) dFdx(v)\n"
                              "#define VGL_DDY(v) dFdy(v)\n"
                              "#endif\n");
    }
    if (uses_op(sh, VGL_OP_TG4) && !st->key->glsl_es) { /* GLSL ES 3.10 has them */
        /* textureGather with a component, offsets or a reference: GLSL 4.00 or these (the caps
         * advertise gather components only where the host has them). */
        vgl_strbuf_append(sb, "#extension GL_ARB_texture_gather : enable\n"
                              "#extension GL_ARB_gpu_shader5 : enable\n");
    }
    if (find_output(sh, VGL_SEM_VIEWPORT_INDEX, 0) >= 0 && !st->key->glsl_es) {
        vgl_strbuf_append(sb, "#extension GL_ARB_viewport_array : enable\n");
    }
    if (sh->info.writes_stencil) {
        /* The caps offer stencil export only where the host has it. */
        vgl_strbuf_append(sb, "#extension GL_ARB_shader_stencil_export : require\n");
    }
    if (sh->uses_txq && st->key->glsl_es) {
        /* GLSL ES has no textureQueryLevels: the backend sets each sampler's level count. */
        vgl_strbuf_printf(sb, "uniform int vgl_levels_%s[%u];\n", st->sfx, VGL_SHADER_MAX_SAMPLERS);
    } else if (sh->uses_txq) {
        /* textureQueryLevels is GL 4.3; without the extension TXQ reports 0 levels. */
        vgl_strbuf_append(sb, "#extension GL_ARB_texture_query_levels : enable\n"
                              "#ifdef GL_ARB_texture_query_levels\n"
                              "#define VGL_LEVELS(s) textureQueryLevels(s)\n"
                              "#else\n"
                              "#define VGL_LEVELS(s) 0\n"
                              "#endif\n");
    }
    emit_precision(sb, st->key);
}

static void emit_resources(struct vgl_strbuf *sb, const struct glsl_stage *st) {
    const struct vgl_shader *const sh = st->sh;
    const uint32_t n = sh->info.num_consts ? sh->info.num_consts : 1;
    vgl_strbuf_printf(sb,
                      "layout(std140) uniform vgl_consts_%s {\n    uvec4 c[%u];\n} vgl_cb_%s;\n",
                      st->sfx, n, st->sfx);
    for (uint32_t u = 1; u < VGL_IR_MAX_UBOS; u++) {
        if (sh->info.ubos_used >> u & 1) {
            vgl_strbuf_printf(sb,
                              "layout(std140) uniform vgl_ubo_%s_%u {\n    uvec4 u[%u];\n} "
                              "vgl_ub_%s_%u;\n",
                              st->sfx, u, sh->ubo_size[u], st->sfx, u);
        }
    }
    if (st->key->stage[sh->info.stage].lod_bias) {
        vgl_strbuf_printf(sb, "uniform float vgl_lod_bias_%s[%u];\n", st->sfx,
                          VGL_SHADER_MAX_SAMPLERS);
    }
    for (uint32_t s = 0; s < VGL_SHADER_MAX_SAMPLERS; s++) {
        if (sh->info.samplers_used >> s & 1) {
            char type[32];
            const enum vgl_return_type ret =
                    sh->sview_declared >> s & 1 ? sh->sview_return[s] : VGL_RET_FLOAT;
            vgl_glsl_sampler_type(vgl_glsl_host_target(st->key, sh->info.sampler_targets[s]), ret,
                                  type, sizeof(type));
            vgl_strbuf_printf(sb, "uniform %s vgl_samp_%s_%u;\n", type, st->sfx, s);
        }
    }
}

/* Registers of main(): immediates, temps, ADDR, system values, IN/OUT banks. */
static void emit_locals(struct vgl_strbuf *sb, const struct glsl_stage *st) {
    const struct vgl_shader *const sh = st->sh;
    if (sh->num_imms > 0) {
        vgl_strbuf_printf(sb, "    const uvec4 imm[%u] = uvec4[%u](", sh->num_imms, sh->num_imms);
        for (uint32_t i = 0; i < sh->num_imms; i++) {
            const uint32_t *const v = sh->imms[i];
            vgl_strbuf_printf(sb, "%s\n        uvec4(0x%08xu, 0x%08xu, 0x%08xu, 0x%08xu)",
                              i ? "," : "", v[0], v[1], v[2], v[3]);
        }
        vgl_strbuf_append(sb, ");\n");
    }
    for (uint32_t t = 0; t < sh->num_temps; t++) {
        if (vgl_ir_temp_is_declared(sh, t) && !sh->temp_array[t]) {
            vgl_strbuf_printf(sb, "    uvec4 t%u = uvec4(0u);\n", t);
        }
    }
    for (uint32_t a = 0; a < sh->num_arrays; a++) {
        const struct vgl_ir_array *const arr = &sh->arrays[a];
        const uint32_t len = arr->last - arr->first + 1;
        vgl_strbuf_printf(sb, "    uvec4 ta%u[%u];\n", arr->id, len);
        vgl_strbuf_printf(sb,
                          "    for (int i = 0; i < %u; i++) {\n        ta%u[i] = uvec4(0u);\n"
                          "    }\n",
                          len, arr->id);
    }
    for (uint32_t a = 0; a < VGL_IR_MAX_ADDRS; a++) {
        if (sh->addr_declared >> a & 1) {
            vgl_strbuf_printf(sb, "    ivec4 a%u = ivec4(0);\n", a);
        }
    }
    for (uint32_t s = 0; s < VGL_IR_MAX_SVS; s++) {
        if (!(sh->sv_declared >> s & 1)) {
            continue;
        }
        const char *v = "uvec4(0u)";
        char pos[80];
        switch (sh->sv_semantic[s]) {
        case VGL_SEM_VERTEXID:
            v = "uvec4(uint(gl_VertexID), 0u, 0u, 0u)";
            break;
        case VGL_SEM_INSTANCEID:
            v = "uvec4(uint(gl_InstanceID), 0u, 0u, 0u)";
            break;
        case VGL_SEM_POSITION:
            snprintf(pos, sizeof(pos), "floatBitsToUint(%s)", frag_coord(sh, st->key));
            v = pos;
            break;
        case VGL_SEM_FACE:
            v = st->key->gs_fill ? "uvec4(vgl_v_front != 0u ? 0xffffffffu : 0u, 0u, 0u, 0u)"
                                 : "uvec4(gl_FrontFacing ? 0xffffffffu : 0u, 0u, 0u, 0u)";
            break;
        case VGL_SEM_PRIMID:
            v = sh->info.stage == VGL_SHADER_GEOMETRY ? "uvec4(uint(gl_PrimitiveIDIn), 0u, 0u, 0u)"
                                                      : "uvec4(uint(gl_PrimitiveID), 0u, 0u, 0u)";
            break;
        case VGL_SEM_INVOCATIONID:
            v = "uvec4(0u)"; /* one invocation (more are refused) */
            break;
        default:
            break;
        }
        vgl_strbuf_printf(sb, "    uvec4 sv%u = %s;\n", s, v);
    }
    uint32_t nin = sh->num_in_regs ? sh->num_in_regs : 1;
    if (sh->info.stage == VGL_SHADER_GEOMETRY) {
        nin *= sh->info.gs_vertices_in; /* IN[v][n] is ri[v * registers + n] */
    }
    const uint32_t nout = sh->num_out_regs ? sh->num_out_regs : 1;
    vgl_strbuf_printf(sb, "    uvec4 ri[%u];\n    uvec4 ro[%u];\n", nin, nout);
    vgl_strbuf_printf(sb, "    for (int i = 0; i < %u; i++) {\n        ro[i] = uvec4(0u);\n    }\n",
                      nout);
}

static char *finish_stage(struct vgl_strbuf *sb, struct glsl_stage *st) {
    vgl_strbuf_append(sb, st->body.data ? st->body.data : "");
    vgl_strbuf_append(sb, "}\n");
    if (st->body.failed) {
        sb->failed = true;
    }
    return vgl_strbuf_steal(sb);
}

/* ---- the last vertex stage (VS, or the guest's GS) ---------------------------------------- */

/* What the stage feeding the rasterizer writes for one vertex: position with the host's y and
 * depth conventions, clip distances, point size, layer, the FS's varyings and stream output. */
static bool so_writes_buffer(const struct vgl_stream_output *so, uint32_t buf) {
    for (uint32_t i = 0; i < so->num_outputs; i++) {
        if (so->outputs[i].buffer == buf) {
            return true;
        }
    }
    return false;
}

/* GLES stream output: dwords of a buffer's record no output covers are written as zeros. */
static void zero_so_gaps(struct vgl_strbuf *b, unsigned ind, const struct vgl_stream_output *so) {
    for (uint32_t buf = 0; buf < 4; buf++) {
        if (!so_writes_buffer(so, buf)) {
            continue;
        }
        bool covered[VGL_SHADER_MAX_SO_STRIDE] = {false};
        for (uint32_t i = 0; i < so->num_outputs; i++) {
            const struct vgl_so_output *o = &so->outputs[i];
            for (uint32_t c = 0; o->buffer == buf && c < o->num; c++) {
                if (o->offset + c < VGL_SHADER_MAX_SO_STRIDE) {
                    covered[o->offset + c] = true;
                }
            }
        }
        for (uint32_t k = 0; k < so->stride[buf] && k < VGL_SHADER_MAX_SO_STRIDE; k++) {
            if (!covered[k]) {
                vgl_strbuf_indent(b, ind);
                vgl_strbuf_printf(b, "vgl_sob%u[%u] = 0u;\n", buf, k);
            }
        }
    }
}

/* Where a stage writes its clip distances: gl_ClipDistance, or with key->clip_discard the
 * varying the fragment shader discards by (vgl_gcd from a VS to the translator's GS). */
static const char *clip_name(const struct plan *p, const struct vgl_shader *sh) {
    if (!p->key->clip_discard) {
        return "gl_ClipDistance";
    }
    return p->key->gs_fill && sh->info.stage == VGL_SHADER_VERTEX ? "vgl_gcd" : "vgl_cd";
}

/* point_size_uniform: a vertex shader always writes it; a geometry shader only when it emits
 * points (gl_PointSize there needs EXT_geometry_point_size). */
static bool sizes_points(const struct vgl_shader_key *key, const struct vgl_shader *sh) {
    return key->point_size_uniform &&
           (sh->info.stage != VGL_SHADER_GEOMETRY || sh->info.gs_output_prim == 0);
}

static void final_outputs(struct glsl_stage *st) {
    const struct plan *const p = st->plan;
    const struct vgl_shader *const sh = st->sh;
    const struct vgl_shader_key *const key = p->key;
    struct vgl_strbuf *const b = &st->body;
    const int pos = find_output(sh, VGL_SEM_POSITION, 0);
    const unsigned ind = st->indent;
    vgl_strbuf_indent(b, ind);
    if (pos >= 0) {
        vgl_strbuf_printf(b, "vec4 vgl_pos = uintBitsToFloat(ro[%d]);\n", pos);
    } else {
        vgl_strbuf_append(b, "vec4 vgl_pos = vec4(0.0);\n");
    }
    if (p->clip_from_planes) {
        const int cv = find_output(sh, VGL_SEM_CLIPVERTEX, 0);
        vgl_strbuf_indent(b, ind);
        if (cv >= 0) {
            vgl_strbuf_printf(b, "vec4 vgl_cv = uintBitsToFloat(ro[%d]);\n", cv);
        } else {
            vgl_strbuf_append(b, "vec4 vgl_cv = vgl_pos;\n");
        }
        for (uint32_t i = 0; i < p->clip_dist_count; i++) {
            vgl_strbuf_indent(b, ind);
            if (key->clip_plane_enable >> i & 1) {
                vgl_strbuf_printf(b, "%s[%u] = dot(vgl_cv, vgl_clip_planes[%u]);\n",
                                  clip_name(p, sh), i, i);
            } else {
                vgl_strbuf_printf(b, "%s[%u] = 0.0;\n", clip_name(p, sh), i);
            }
        }
    } else if (p->clip_dist_count) {
        for (uint32_t d = 0; d < sh->info.num_outputs; d++) {
            const struct vgl_shader_io *const io = &sh->info.outputs[d];
            if (io->semantic != VGL_SEM_CLIPDIST) {
                continue;
            }
            for (uint32_t r = io->first; r <= io->last; r++) {
                const uint32_t base = 4 * (io->semantic_index + (r - io->first));
                for (uint32_t c = 0; c < 4; c++) {
                    vgl_strbuf_indent(b, ind);
                    vgl_strbuf_printf(b, "%s[%u] = uintBitsToFloat(ro[%u].%c);\n", clip_name(p, sh),
                                      base + c, r, "xyzw"[c]);
                }
            }
        }
    }
    vgl_strbuf_indent(b, ind);
    vgl_strbuf_append(b, "gl_Position = vgl_pos;\n");
    if (key->flip_y) {
        vgl_strbuf_indent(b, ind);
        vgl_strbuf_append(b, "gl_Position.y *= vgl_y_sign;\n");
    }
    if (key->clip_halfz) {
        /* The guest's clip-space z is in [0, w]; GL wants [-w, w]. */
        vgl_strbuf_indent(b, ind);
        vgl_strbuf_append(b, "gl_Position.z = 2.0 * gl_Position.z - gl_Position.w;\n");
    }
    static const struct {
        enum vgl_semantic sem;
        const char *var, *conv;
    } scalars[] = {
            {VGL_SEM_PSIZE, "gl_PointSize", "uintBitsToFloat"},
            {VGL_SEM_LAYER, "gl_Layer", "int"},
            {VGL_SEM_PRIMID, "gl_PrimitiveID", "int"},
            {VGL_SEM_VIEWPORT_INDEX, "gl_ViewportIndex", "int"},
    };
    if (sizes_points(key, sh)) {
        vgl_strbuf_indent(b, ind);
        vgl_strbuf_append(b, "gl_PointSize = vgl_point_size;\n");
    }
    for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
        const int r = find_output(sh, scalars[i].sem, 0);
        if (r >= 0 && !(sizes_points(key, sh) && scalars[i].sem == VGL_SEM_PSIZE)) {
            vgl_strbuf_indent(b, ind);
            vgl_strbuf_printf(b, "%s = %s(ro[%d].x);\n", scalars[i].var, scalars[i].conv, r);
        }
    }
    for (unsigned i = 0; i < p->nv; i++) {
        const struct varying *const v = &p->v[i];
        vgl_strbuf_indent(b, ind);
        vgl_strbuf_printf(b, "%s%s%u = ", vs_prefix(key), sem_lower(v->sem), v->index);
        const char *const def =
                sem_has_default_w1(v->sem) ? "vec4(0.0, 0.0, 0.0, 1.0)" : "vec4(0.0)";
        if (v->vs_reg >= 0) {
            vgl_strbuf_printf(b, v->flat_uint ? "ro[%d];\n" : "uintBitsToFloat(ro[%d]);\n",
                              v->vs_reg);
        } else {
            vgl_strbuf_printf(b, v->flat_uint ? "floatBitsToUint(%s);\n" : "%s;\n", def);
        }
    }
    if (key->glsl_es && !key->gs_fill && sh->so) {
        zero_so_gaps(b, ind, sh->so);
    }
    for (uint32_t i = 0; !key->gs_fill && sh->so && i < sh->so->num_outputs; i++) {
        /* Stream output: the guest's raw OUT bits, before the host's y flip and depth fix. */
        const struct vgl_so_output *const o = &sh->so->outputs[i];
        if (key->glsl_es) { /* each component at its dword of the buffer's record */
            for (uint32_t c = 0; c < o->num; c++) {
                vgl_strbuf_indent(b, ind);
                vgl_strbuf_printf(b, "vgl_sob%u[%u] = ro[%u].%c;\n", o->buffer, o->offset + c,
                                  o->reg, "xyzw"[o->start + c]);
            }
            continue;
        }
        vgl_strbuf_indent(b, ind);
        vgl_strbuf_printf(b, "vgl_so_%u = ro[%u].%.*s;\n", i, o->reg, (int)o->num,
                          "xyzw" + o->start);
    }
    if (key->gs_fill) {
        const int edge = find_output(sh, VGL_SEM_EDGEFLAG, 0);
        vgl_strbuf_indent(b, ind);
        if (edge >= 0) {
            vgl_strbuf_printf(b, "vgl_edge = uintBitsToFloat(ro[%d].x);\n", edge);
        } else {
            vgl_strbuf_append(b, "vgl_edge = 1.0;\n");
        }
    }
}

/* Declarations for final_outputs. */
static void declare_final_outputs(struct vgl_strbuf *sb, const struct plan *p,
                                  const struct vgl_shader *sh) {
    const struct vgl_shader_key *const key = p->key;
    if (p->clip_from_planes) {
        vgl_strbuf_append(sb, "uniform vec4 vgl_clip_planes[8];\n");
    }
    if (key->flip_y) {
        vgl_strbuf_append(sb, "uniform float vgl_y_sign;\n");
    }
    if (sizes_points(key, sh)) {
        vgl_strbuf_append(sb, "uniform float vgl_point_size;\n");
    }
    const int pos = find_output(sh, VGL_SEM_POSITION, 0);
    if (pos >= 0 && sh->info.outputs[sh->out_decl[pos]].invariant) {
        vgl_strbuf_append(sb, "invariant gl_Position;\n");
    }
    if (p->clip_dist_count) {
        vgl_strbuf_printf(sb, "out float %s[%u];\n", clip_name(p, sh), p->clip_dist_count);
    }
    for (unsigned i = 0; i < p->nv; i++) {
        varying_decl(sb, &p->v[i], "out", vs_prefix(key), "", key->glsl_es);
    }
    if (key->gs_fill) {
        vgl_strbuf_append(sb, "out float vgl_edge;\n");
    }
    if (key->glsl_es && !key->gs_fill && sh->so) {
        /* GLES has no gl_NextBuffer or gl_SkipComponents: each buffer's whole record is one
         * array (captured with GL_SEPARATE_ATTRIBS), zero where the guest wrote nothing. */
        for (uint32_t buf = 0; buf < 4; buf++) {
            if (so_writes_buffer(sh->so, buf)) {
                vgl_strbuf_printf(sb, "flat out uint vgl_sob%u[%u];\n", buf, sh->so->stride[buf]);
            }
        }
        return;
    }
    for (uint32_t i = 0; !key->gs_fill && sh->so && i < sh->so->num_outputs; i++) {
        static const char *const types[] = {"uint", "uvec2", "uvec3", "uvec4"};
        vgl_strbuf_printf(sb, "flat out %s vgl_so_%u;\n", types[sh->so->outputs[i].num - 1], i);
    }
}

/* ---- vertex shader ---------------------------------------------------------------------- */

/* The GLSL type of vertex attribute `r`: what the host fetches. */
static const char *attrib_type(const struct vgl_shader_key *key, uint32_t r) {
    if (r < 32 && (key->attrib_sint >> r & 1)) {
        return "ivec4";
    }
    if (r < 32 && (key->attrib_uint >> r & 1)) {
        return "uvec4";
    }
    return "vec4";
}

/* Each register of the guest GS's inputs travels from the VS as raw bits: `flat uvec4
 * vgl_gv_<semantic><index>`, zeros ((0,0,0,1) for colours and texcoords) when the VS has no
 * such output. Calls `fn` for each. */
static void for_each_gs_input(const struct plan *p,
                              void (*fn)(struct vgl_strbuf *sb, const struct plan *p,
                                         enum vgl_semantic sem, uint32_t index, uint32_t reg,
                                         unsigned ind),
                              struct vgl_strbuf *sb, unsigned ind) {
    const struct vgl_shader_info *const gi = &p->gs->info;
    for (uint32_t d = 0; d < gi->num_inputs; d++) {
        const struct vgl_shader_io *const io = &gi->inputs[d];
        if (io->semantic == VGL_SEM_PRIMID) {
            continue; /* the GS's own gl_PrimitiveIDIn */
        }
        for (uint32_t r = io->first; r <= io->last; r++) {
            fn(sb, p, io->semantic, io->semantic_index + (r - io->first), r, ind);
        }
    }
}

static void gs_input_decl(struct vgl_strbuf *sb, const struct plan *p, enum vgl_semantic sem,
                          uint32_t index, uint32_t reg, unsigned ind) {
    vgl_strbuf_printf(sb, "flat %s uvec4 vgl_gv_%s%u%s;\n", ind ? "in" : "out", sem_lower(sem),
                      index, ind ? "[]" : "");
}

static void gs_input_write(struct vgl_strbuf *sb, const struct plan *p, enum vgl_semantic sem,
                           uint32_t index, uint32_t reg, unsigned ind) {
    const int r = find_output(p->vs, sem, index);
    vgl_strbuf_indent(sb, ind);
    if (r >= 0) {
        vgl_strbuf_printf(sb, "vgl_gv_%s%u = ro[%d];\n", sem_lower(sem), index, r);
    } else {
        vgl_strbuf_printf(sb, "vgl_gv_%s%u = %s;\n", sem_lower(sem), index,
                          sem_has_default_w1(sem) ? "uvec4(0u, 0u, 0u, 0x3f800000u)" : "uvec4(0u)");
    }
}

static void vs_epilogue(struct glsl_stage *st) {
    const struct plan *const p = st->plan;
    if (!p->gs) {
        final_outputs(st);
        return;
    }
    /* Feeding the guest's GS: gl_Position as the guest wrote it, every GS input raw. */
    const int pos = find_output(st->sh, VGL_SEM_POSITION, 0);
    vgl_strbuf_indent(&st->body, st->indent);
    if (pos >= 0) {
        vgl_strbuf_printf(&st->body, "gl_Position = uintBitsToFloat(ro[%d]);\n", pos);
    } else {
        vgl_strbuf_append(&st->body, "gl_Position = vec4(0.0);\n");
    }
    for_each_gs_input(p, gs_input_write, &st->body, st->indent);
}

static char *emit_vs(struct plan *p, struct glsl_stage *st) {
    const struct vgl_shader *const sh = p->vs;
    struct vgl_strbuf sb;
    vgl_strbuf_init(&sb);
    emit_header(&sb, st);
    emit_resources(&sb, st);
    for (uint32_t r = 0; r < sh->num_in_regs; r++) {
        if (sh->in_decl[r] != VGL_IR_NO_DECL) {
            vgl_strbuf_printf(&sb, "layout(location = %u) in %s vgl_in_%u;\n", r,
                              attrib_type(p->key, r), r);
        }
    }
    if (p->gs) {
        for_each_gs_input(p, gs_input_decl, &sb, 0);
    } else {
        declare_final_outputs(&sb, p, sh);
    }
    vgl_glsl_emit_helpers(&sb, st->helpers);
    vgl_strbuf_append(&sb, "void main() {\n");
    emit_locals(&sb, st);
    for (uint32_t r = 0; r < (sh->num_in_regs ? sh->num_in_regs : 1); r++) {
        if (r < sh->num_in_regs && sh->in_decl[r] != VGL_IR_NO_DECL) {
            vgl_strbuf_printf(&sb, "    ri[%u] = %s(vgl_in_%u);\n", r,
                              attrib_type(p->key, r)[0] == 'v' ? "floatBitsToUint" : "uvec4", r);
        } else {
            vgl_strbuf_printf(&sb, "    ri[%u] = uvec4(0u);\n", r);
        }
    }
    return finish_stage(&sb, st);
}

/* ---- geometry shader (the guest's) ------------------------------------------------------- */

static void no_epilogue(struct glsl_stage *st) {
    (void)st; /* a GS writes its outputs at each EMIT */
}

static const char *const gs_prim_layouts[] = {
        [0] = "points",
        [1] = "lines",
        [3] = "line_strip",
        [4] = "triangles",
        [5] = "triangle_strip",
        [10] = "lines_adjacency",
        [12] = "triangles_adjacency",
};

static char *emit_guest_gs(struct plan *p, struct glsl_stage *st) {
    const struct vgl_shader *const sh = p->gs;
    const struct vgl_shader_info *const info = &sh->info;
    struct vgl_strbuf sb;
    vgl_strbuf_init(&sb);
    emit_header(&sb, st);
    vgl_strbuf_printf(&sb, "layout(%s) in;\nlayout(%s, max_vertices = %u) out;\n",
                      gs_prim_layouts[info->gs_input_prim], gs_prim_layouts[info->gs_output_prim],
                      info->gs_max_vertices);
    emit_resources(&sb, st);
    for_each_gs_input(p, gs_input_decl, &sb, 1);
    declare_final_outputs(&sb, p, sh);
    vgl_glsl_emit_helpers(&sb, st->helpers);
    vgl_strbuf_append(&sb, "void main() {\n");
    emit_locals(&sb, st);
    const uint32_t nin = sh->num_in_regs ? sh->num_in_regs : 1;
    for (uint32_t v = 0; v < info->gs_vertices_in; v++) {
        for (uint32_t r = 0; r < nin; r++) {
            if (r < sh->num_in_regs && sh->in_decl[r] != VGL_IR_NO_DECL) {
                const struct vgl_shader_io *const io = &info->inputs[sh->in_decl[r]];
                if (io->semantic == VGL_SEM_PRIMID) {
                    vgl_strbuf_printf(&sb,
                                      "    ri[%u] = uvec4(uint(gl_PrimitiveIDIn), 0u, 0u, 0u);\n",
                                      v * nin + r);
                    continue;
                }
                vgl_strbuf_printf(&sb, "    ri[%u] = vgl_gv_%s%u[%u];\n", v * nin + r,
                                  sem_lower(io->semantic), io->semantic_index + (r - io->first), v);
            } else {
                vgl_strbuf_printf(&sb, "    ri[%u] = uvec4(0u);\n", v * nin + r);
            }
        }
    }
    return finish_stage(&sb, st);
}

/* ---- fragment shader -------------------------------------------------------------------- */

/* The GLSL type of colour output `loc`: what its render target stores. */
static const char *color_type(const struct vgl_shader_key *key, uint32_t loc) {
    if (loc < 8 && (key->cbuf_sint >> loc & 1)) {
        return "ivec4";
    }
    if (loc < 8 && (key->cbuf_uint >> loc & 1)) {
        return "uvec4";
    }
    return "vec4";
}

/* vgl_out_<loc> = OUT[reg], through the render target's channel swizzle when the key has one;
 * integer targets take the register's bits. */
static void write_color(struct vgl_strbuf *b, const struct vgl_shader_key *key, uint32_t loc,
                        uint32_t reg) {
    const char *const type = color_type(key, loc);
    if (type[0] != 'v') {
        vgl_strbuf_printf(b, "vgl_out_%u = %s(ro[%u]);\n", loc, type, reg);
        return;
    }
    const uint16_t swz = loc < 8 ? key->cbuf_swizzle[loc] : 0;
    if (!(swz & 0x8000)) {
        vgl_strbuf_printf(b, "vgl_out_%u = uintBitsToFloat(ro[%u]);\n", loc, reg);
        return;
    }
    vgl_strbuf_printf(b, "vgl_out_%u = vec4(", loc);
    for (unsigned j = 0; j < 4; j++) {
        const unsigned sel = swz >> (3 * j) & 7;
        vgl_strbuf_append(b, j ? ", " : "");
        if (sel < 4) {
            vgl_strbuf_printf(b, "uintBitsToFloat(ro[%u].%c)", reg, "xyzw"[sel]);
        } else {
            vgl_strbuf_append(b, sel == 5 ? "1.0" : "0.0");
        }
    }
    vgl_strbuf_append(b, ");\n");
}

/* Whether colour output `loc` goes through the key's logic op (read back by framebuffer fetch). */
static bool logic_applies(const struct vgl_shader_key *key, uint32_t loc) {
    if (!key->logicop || loc >= 8 || (key->dual_src && loc == 1)) {
        return false;
    }
    const uint8_t *const bits = key->logic_bits[loc];
    return bits[0] | bits[1] | bits[2] | bits[3];
}

/* PIPE_LOGICOP_* as GLSL over uvec4 s (source) and d (destination). */
static const char *const logic_exprs[16] = {
        "uvec4(0u)", "~(s | d)", "~s & d", "~s",     "s & ~d", "~d",     "s ^ d", "~(s & d)",
        "s & d",     "~(s ^ d)", "d",      "~s | d", "s",      "s | ~d", "s | d", "~uvec4(0u)",
};

/* write_color, then for a logic-op target: vgl_out_<loc> = op(written, what the buffer held),
 * over the stored channels' integer values (unorm ones scaled by their maximum). */
static void write_logic_color(struct vgl_strbuf *b, const struct vgl_shader_key *key, uint32_t loc,
                              uint32_t reg, unsigned ind) {
    if (loc < 8 && ((key->clamp_unorm | key->clamp_snorm) >> loc & 1)) {
        write_color(b, key, loc, reg);
        vgl_strbuf_indent(b, ind);
        vgl_strbuf_printf(b, "vgl_out_%u = clamp(vgl_out_%u, %s, 1.0);\n", loc, loc,
                          key->clamp_snorm >> loc & 1 ? "-1.0" : "0.0");
        return;
    }
    if (!logic_applies(key, loc)) {
        write_color(b, key, loc, reg);
        return;
    }
    const char *const type = color_type(key, loc);
    const bool unorm = type[0] == 'v';
    vgl_strbuf_printf(b, "{\n");
    vgl_strbuf_indent(b, ind + 4);
    vgl_strbuf_printf(b, "%s vgl_dst = vgl_out_%u;\n", type, loc);
    vgl_strbuf_indent(b, ind + 4);
    write_color(b, key, loc, reg);
    vgl_strbuf_indent(b, ind + 4);
    const uint8_t *const bits = key->logic_bits[loc];
    vgl_strbuf_append(b, "uvec4 m = uvec4(");
    for (unsigned c = 0; c < 4; c++) {
        vgl_strbuf_printf(b, "%s%uu", c ? ", " : "",
                          bits[c] >= 32 ? 0xffffffffu : (1u << bits[c]) - 1u);
    }
    vgl_strbuf_append(b, ");\n");
    vgl_strbuf_indent(b, ind + 4);
    if (unorm) {
        vgl_strbuf_printf(b,
                          "uvec4 s = uvec4(round(clamp(vgl_out_%u, 0.0, 1.0) * vec4(m))), "
                          "d = uvec4(round(clamp(vgl_dst, 0.0, 1.0) * vec4(m)));\n",
                          loc);
    } else {
        vgl_strbuf_printf(b, "uvec4 s = uvec4(vgl_out_%u), d = uvec4(vgl_dst);\n", loc);
    }
    vgl_strbuf_indent(b, ind + 4);
    const char *const op = logic_exprs[key->logicop & 15];
    if (unorm) {
        vgl_strbuf_printf(b, "vgl_out_%u = vec4((%s) & m) / max(vec4(m), vec4(1.0));\n", loc, op);
    } else {
        vgl_strbuf_printf(b, "vgl_out_%u = %s((%s) & m);\n", loc, type, op);
    }
    vgl_strbuf_indent(b, ind);
    vgl_strbuf_append(b, "}\n");
}

static void fs_epilogue(struct glsl_stage *st) {
    struct plan *const p = st->plan;
    const struct vgl_shader *const sh = st->sh;
    const struct vgl_shader_key *const key = p->key;
    struct vgl_strbuf *const b = &st->body;
    const unsigned ind = st->indent;
    const int c0 = find_output(sh, VGL_SEM_COLOR, 0);
    if (key->alpha_test_enabled && c0 >= 0 && key->alpha_func != 7) {
        static const char *const ops[] = {NULL, "<", "==", "<=", ">", "!=", ">="};
        vgl_strbuf_indent(b, ind);
        if (key->alpha_func == 0 || key->alpha_func > 7) {
            vgl_strbuf_append(b, "discard;\n");
        } else {
            vgl_strbuf_printf(b, "if (!(uintBitsToFloat(ro[%d].w) %s vgl_alpha_ref)) {\n", c0,
                              ops[key->alpha_func]);
            vgl_strbuf_indent(b, ind + 4);
            vgl_strbuf_append(b, "discard;\n");
            vgl_strbuf_indent(b, ind);
            vgl_strbuf_append(b, "}\n");
        }
    }
    for (uint32_t d = 0; d < sh->info.num_outputs; d++) {
        const struct vgl_shader_io *const io = &sh->info.outputs[d];
        for (uint32_t r = io->first; r <= io->last; r++) {
            vgl_strbuf_indent(b, ind);
            if (io->semantic == VGL_SEM_POSITION) {
                vgl_strbuf_printf(b, "gl_FragDepth = uintBitsToFloat(ro[%u].z);\n", r);
                continue;
            }
            if (io->semantic == VGL_SEM_STENCIL) {
                /* TGSI writes the stencil reference to .y. */
                vgl_strbuf_printf(b, "gl_FragStencilRefARB = int(ro[%u].y);\n", r);
                continue;
            }
            const uint32_t loc = io->semantic_index + (r - io->first);
            write_logic_color(b, key, loc, r, ind);
            p->out_locs |= 1u << loc;
        }
    }
    if (sh->info.color0_writes_all_cbufs && c0 >= 0) {
        const uint32_t n = key->nr_cbufs > VGL_IR_MAX_COLORS ? VGL_IR_MAX_COLORS : key->nr_cbufs;
        for (uint32_t loc = 1; loc < n; loc++) {
            vgl_strbuf_indent(b, ind);
            write_logic_color(b, key, loc, (uint32_t)c0, ind);
            p->out_locs |= 1u << loc;
        }
    }
    if (key->alpha_to_one && key->a2c_samples && c0 >= 0) {
        vgl_strbuf_indent(b, ind);
        vgl_strbuf_printf(b,
                          "gl_SampleMask[0] = int((1u << uint(clamp(floor(uintBitsToFloat("
                          "ro[%d].w) * %u.0 + 0.5), 0.0, %u.0))) - 1u);\n",
                          c0, key->a2c_samples, key->a2c_samples);
    }
    for (uint32_t loc = 0; key->alpha_to_one && loc < VGL_IR_MAX_COLORS; loc++) {
        if ((p->out_locs >> loc & 1) && color_type(key, loc)[0] == 'v') {
            vgl_strbuf_indent(b, ind);
            vgl_strbuf_printf(b, "vgl_out_%u.a = 1.0;\n", loc);
        }
    }
}

/* The value of FS input register r as a uvec4 expression. */
static void fs_input_value(const struct plan *p, const struct vgl_shader_io *io, uint32_t r,
                           char *buf, size_t n) {
    const struct vgl_shader_key *const key = p->key;
    const uint32_t index = io->semantic_index + (r - io->first);
    /* The host's GL_UPPER_LEFT sprite origin is at its highest window y, which is gallium's
     * lowest row: t runs the other way for gallium's upper-left mode. */
    const bool flip_pc = key->sprite_coord_upper_left;
    const char *const pcy = flip_pc ? "1.0 - gl_PointCoord.y" : "gl_PointCoord.y";
    switch (io->semantic) {
    case VGL_SEM_POSITION:
        snprintf(buf, n, "floatBitsToUint(%s)", frag_coord(p->fs, key));
        return;
    case VGL_SEM_FACE:
        snprintf(buf, n, "floatBitsToUint(vec4(%s ? 1.0 : -1.0, 0.0, 0.0, 1.0))",
                 front_facing(key));
        return;
    case VGL_SEM_PCOORD:
        snprintf(buf, n, "floatBitsToUint(vec4(gl_PointCoord.x, %s, 0.0, 1.0))", pcy);
        return;
    case VGL_SEM_PRIMID:
        snprintf(buf, n, "uvec4(uint(gl_PrimitiveID), 0u, 0u, 0u)");
        return;
    default:
        break;
    }
    if (sprite_replaced(key, io->semantic, index)) {
        snprintf(buf, n, "floatBitsToUint(vec4(gl_PointCoord.x, %s, 0.0, 1.0))", pcy);
        return;
    }
    const int v = find_varying(p, io->semantic, index);
    const bool flat_uint = v >= 0 && p->v[v].flat_uint;
    char val[96];
    const char *const name = sem_lower(io->semantic);
    if (io->semantic == VGL_SEM_COLOR && find_varying(p, VGL_SEM_BCOLOR, index) >= 0) {
        snprintf(val, sizeof(val), "(%s ? vgl_v_color%u : vgl_v_bcolor%u)", front_facing(key),
                 index, index);
    } else {
        snprintf(val, sizeof(val), "vgl_v_%s%u", name, index);
    }
    snprintf(buf, n, flat_uint ? "%s" : "floatBitsToUint(%s)", val);
}

static char *emit_fs(struct plan *p, struct glsl_stage *st) {
    const struct vgl_shader *const sh = p->fs;
    const struct vgl_shader_key *const key = p->key;
    struct vgl_strbuf sb;
    vgl_strbuf_init(&sb);
    emit_header(&sb, st);
    bool reads_pos = false;
    for (uint32_t d = 0; d < sh->info.num_inputs; d++) {
        reads_pos |= sh->info.inputs[d].semantic == VGL_SEM_POSITION;
    }
    for (uint32_t s = 0; s < VGL_IR_MAX_SVS; s++) {
        reads_pos |= (sh->sv_declared >> s & 1) && sh->sv_semantic[s] == VGL_SEM_POSITION;
    }
    /* Gallium's default (UPPER_LEFT) is the host's lower-left: the host stores row 0 first, and
     * its window y is numerically gallium's whether the framebuffer is flipped or not (flip_y
     * only changes the sign of clip-space y). */
    const bool lower_left = key->fs_coord_conventions && sh->info.fs_coord_origin_lower_left;
    const bool upper_left = lower_left;
    const bool center_int = sh->info.fs_coord_pixel_center_integer;
    if (reads_pos && (upper_left || center_int) && !key->glsl_es) { /* ES: frag_coord() */
        vgl_strbuf_printf(&sb, "layout(%s%s%s) in vec4 gl_FragCoord;\n",
                          upper_left ? "origin_upper_left" : "",
                          upper_left && center_int ? ", " : "",
                          center_int ? "pixel_center_integer" : "");
    }
    emit_resources(&sb, st);
    if (key->alpha_test_enabled) {
        vgl_strbuf_append(&sb, "uniform float vgl_alpha_ref;\n");
    }
    if (key->poly_stipple) {
        vgl_strbuf_append(&sb, "uniform sampler2D vgl_stipple;\n");
    }
    for (unsigned i = 0; i < p->nv; i++) {
        varying_decl(&sb, &p->v[i], "in", "vgl_v_", "", key->glsl_es);
    }
    if (key->gs_fill) {
        vgl_strbuf_append(&sb, "flat in uint vgl_v_front;\n");
    }
    if (key->clip_discard && p->clip_dist_count) {
        vgl_strbuf_printf(&sb, "in float vgl_cd[%u];\n", p->clip_dist_count);
    }
    /* A shader that writes no colour leaves it undefined in GL (llvmpipe writes whatever its
     * registers hold): write zeros, so the same stream always gives the same pixels. */
    const uint32_t ncb = key->nr_cbufs > VGL_IR_MAX_COLORS ? VGL_IR_MAX_COLORS : key->nr_cbufs;
    const uint32_t zero_locs = p->out_locs ? 0 : (1u << ncb) - 1;
    for (uint32_t loc = 0; loc < VGL_IR_MAX_COLORS; loc++) {
        if ((p->out_locs | zero_locs) >> loc & 1) {
            if (key->dual_src && loc == 1) {
                vgl_strbuf_printf(&sb, "layout(location = 0, index = 1) out %s vgl_out_1;\n",
                                  color_type(key, 0));
            } else {
                vgl_strbuf_printf(&sb, "layout(location = %u) %s %s vgl_out_%u;\n", loc,
                                  logic_applies(key, loc) ? "inout" : "out", color_type(key, loc),
                                  loc);
            }
        }
    }
    vgl_glsl_emit_helpers(&sb, st->helpers);
    vgl_strbuf_append(&sb, "void main() {\n");
    for (uint32_t loc = 0; loc < VGL_IR_MAX_COLORS; loc++) {
        if (zero_locs >> loc & 1) {
            vgl_strbuf_printf(&sb, "    vgl_out_%u = %s(0);\n", loc, color_type(key, loc));
        }
    }
    for (uint32_t i = 0; key->clip_discard && i < p->clip_dist_count && i < 8; i++) {
        if (key->clip_plane_enable >> i & 1) { /* what clipping would have removed */
            vgl_strbuf_printf(&sb, "    if (vgl_cd[%u] < 0.0) {\n        discard;\n    }\n", i);
        }
    }
    if (key->poly_stipple) {
        vgl_strbuf_append(&sb, "    if (texelFetch(vgl_stipple, ivec2(gl_FragCoord.xy) & 31, 0).r "
                               "== 0.0) {\n        discard;\n    }\n");
    }
    emit_locals(&sb, st);
    for (uint32_t r = 0; r < (sh->num_in_regs ? sh->num_in_regs : 1); r++) {
        char val[200] = "uvec4(0u)";
        if (r < sh->num_in_regs && sh->in_decl[r] != VGL_IR_NO_DECL) {
            fs_input_value(p, &sh->info.inputs[sh->in_decl[r]], r, val, sizeof(val));
        }
        vgl_strbuf_printf(&sb, "    ri[%u] = %s;\n", r, val);
    }
    const int depth = find_output(sh, VGL_SEM_POSITION, 0);
    if (depth >= 0) {
        /* A path that leaves the depth output unwritten keeps the fragment's own depth. */
        vgl_strbuf_printf(&sb, "    ro[%d] = floatBitsToUint(gl_FragCoord);\n", depth);
    }
    return finish_stage(&sb, st);
}

/* ---- geometry shader (unfilled polygons with edge flags) -------------------------------- */

/* Writes vertex `i` of the input triangle to the outputs and emits it. */
static void gs_vertex(struct vgl_strbuf *sb, const struct plan *p, unsigned i) {
    const struct vgl_shader_key *const key = p->key;
    /* Quads' provoking vertex is their first or last; a polygon's is always its first. */
    const unsigned last = key->gs_prim == 1 || key->gs_prim == 2 ? 3 : 2;
    const unsigned pv = key->gs_flat_first || key->gs_prim == 3 ? 0 : last;
    vgl_strbuf_printf(sb, "void vgl_vertex%u(uint front) {\n", i);
    vgl_strbuf_printf(sb, "    gl_Position = gl_in[%u].gl_Position;\n", i);
    if (key->gs_offset) {
        vgl_strbuf_append(sb, "    gl_Position.z += vgl_dz * gl_Position.w;\n");
    }
    if (key->gs_fill == 2 &&
        (find_output(p->vs, VGL_SEM_PSIZE, 0) >= 0 || key->point_size_uniform)) {
        vgl_strbuf_printf(sb, "    gl_PointSize = gl_in[%u].gl_PointSize;\n", i);
    }
    for (uint32_t c = 0; c < p->clip_dist_count; c++) {
        if (key->clip_discard) {
            vgl_strbuf_printf(sb, "    vgl_cd[%u] = vgl_gcd[%u][%u];\n", c, i, c);
        } else {
            vgl_strbuf_printf(sb, "    gl_ClipDistance[%u] = gl_in[%u].gl_ClipDistance[%u];\n", c,
                              i, c);
        }
    }
    vgl_strbuf_append(sb, "    gl_PrimitiveID = gl_PrimitiveIDIn;\n    vgl_v_front = front;\n");
    for (unsigned k = 0; k < p->nv; k++) {
        const struct varying *const v = &p->v[k];
        const bool flat = !strcmp(v->interp, "flat");
        vgl_strbuf_printf(sb, "    vgl_v_%s%u = vgl_gv_%s%u[%u];\n", sem_lower(v->sem), v->index,
                          sem_lower(v->sem), v->index, flat ? pv : i);
    }
    vgl_strbuf_append(sb, "    EmitVertex();\n}\n");
}

static char *emit_gs(const struct plan *p) {
    const struct vgl_shader_key *const key = p->key;
    const bool lines = key->gs_fill == 1, fill = key->gs_fill == 3;
    const bool quads = key->gs_prim == 1 || key->gs_prim == 2, poly = key->gs_prim == 3;
    /* The input vertices in outline order. */
    static const unsigned quad_order[4] = {0, 1, 2, 3}, strip_order[4] = {0, 1, 3, 2};
    const unsigned n = quads ? 4 : 3;
    const unsigned *order = key->gs_prim == 2 ? strip_order : quad_order;
    struct vgl_strbuf sb;
    vgl_strbuf_init(&sb);
    emit_version(&sb, key, VGL_SHADER_GEOMETRY);
    emit_precision(&sb, key);
    vgl_strbuf_printf(&sb, "layout(%s) in;\nlayout(%s, max_vertices = %u) out;\n",
                      quads ? "lines_adjacency" : "triangles",
                      fill    ? "triangle_strip"
                      : lines ? "line_strip"
                              : "points",
                      fill    ? 4
                      : lines ? 2 * n
                              : n);
    for (unsigned i = 0; i < p->nv; i++) {
        varying_decl(&sb, &p->v[i], "in", "vgl_gv_", "[]", key->glsl_es);
        varying_decl(&sb, &p->v[i], "out", "vgl_v_", "", key->glsl_es);
    }
    vgl_strbuf_append(&sb, "in float vgl_edge[];\nflat out uint vgl_v_front;\n");
    if (poly) {
        vgl_strbuf_append(&sb, "uniform int vgl_poly_last;\n");
    }
    if (key->gs_offset) {
        vgl_strbuf_append(&sb, "uniform vec4 vgl_poly_offset[2];\nfloat vgl_dz = 0.0;\n");
    }
    if (p->clip_dist_count && key->clip_discard) {
        vgl_strbuf_printf(&sb, "in float vgl_gcd[][%u];\nout float vgl_cd[%u];\n",
                          p->clip_dist_count, p->clip_dist_count);
    } else if (p->clip_dist_count) {
        vgl_strbuf_printf(&sb, "out float gl_ClipDistance[%u];\n", p->clip_dist_count);
    }
    for (unsigned i = 0; i < n; i++) {
        gs_vertex(&sb, p, i);
    }
    vgl_strbuf_append(&sb, "void main() {\n");
    if (key->gs_prim == 2) {
        vgl_strbuf_append(&sb, "    if ((gl_PrimitiveIDIn & 1) != 0) {\n        return;\n    }\n");
    }
    for (unsigned i = 0; i < n; i++) {
        vgl_strbuf_printf(&sb,
                          "    vec2 p%u = gl_in[%u].gl_Position.xy / gl_in[%u].gl_Position.w;\n", i,
                          order[i], order[i]);
    }
    /* Counter-clockwise on the host (y up) has a positive area (twice the shoelace sum). */
    vgl_strbuf_append(&sb, "    float area = 0.0");
    for (unsigned i = 0; i < n; i++) {
        vgl_strbuf_printf(&sb, " + (p%u.x * p%u.y - p%u.x * p%u.y)", i, (i + 1) % n, (i + 1) % n,
                          i);
    }
    vgl_strbuf_printf(&sb, ";\n    uint front = %s ? 1u : 0u;\n",
                      key->gs_front_ccw ? "area < 0.0" : "area > 0.0");
    if (key->gs_cull & 1) {
        vgl_strbuf_append(&sb, "    if (front != 0u) {\n        return;\n    }\n");
    }
    if (key->gs_cull & 2) {
        vgl_strbuf_append(&sb, "    if (front == 0u) {\n        return;\n    }\n");
    }
    if (key->gs_offset) {
        /* The depth slope of the plane through outline vertices 0, 1, 2 in window space. */
        for (unsigned i = 0; i < 3; i++) {
            vgl_strbuf_printf(&sb,
                              "    vec3 w%u = vec3(p%u, gl_in[%u].gl_Position.z / "
                              "gl_in[%u].gl_Position.w) * vgl_poly_offset[0].xyz;\n",
                              i, i, order[i], order[i]);
        }
        vgl_strbuf_append(
                &sb,
                "    vec3 nrm = cross(w1 - w0, w2 - w0);\n"
                "    float slope = nrm.z != 0.0 ? max(abs(nrm.x), abs(nrm.y)) / abs(nrm.z) : 0.0;\n"
                "    float off = slope * vgl_poly_offset[1].x + vgl_poly_offset[1].y;\n"
                "    float cl = vgl_poly_offset[1].z;\n"
                "    off = cl > 0.0 ? min(off, cl) : cl < 0.0 ? max(off, cl) : off;\n"
                "    vgl_dz = vgl_poly_offset[0].z != 0.0 ? off / vgl_poly_offset[0].z : 0.0;\n");
    }
    if (fill && quads) {
        /* Triangles (1 2 0) and (0 2 3) in outline order: the diagonal runs from 0 to 2. */
        vgl_strbuf_printf(&sb,
                          "    vgl_vertex%u(front);\n    vgl_vertex%u(front);\n"
                          "    vgl_vertex%u(front);\n    vgl_vertex%u(front);\n"
                          "    EndPrimitive();\n}\n",
                          order[1], order[2], order[0], order[3]);
        return vgl_strbuf_steal(&sb);
    }
    if (fill) {
        /* A polygon's fan triangle, flat varyings from the polygon's first vertex. */
        vgl_strbuf_append(&sb, "    vgl_vertex0(front);\n    vgl_vertex1(front);\n"
                               "    vgl_vertex2(front);\n    EndPrimitive();\n}\n");
        return vgl_strbuf_steal(&sb);
    }
    for (unsigned i = 0; i < n; i++) {
        /* A polygon's fan has its outline in edges 1-2 of every triangle, 0-1 of the first
         * and 2-0 of the last (points: vertex 1, plus 0 in the first and 2 in the last). */
        const char *own = !poly || i == 1 ? ""
                          : i == 0        ? " && gl_PrimitiveIDIn == 0"
                                          : " && gl_PrimitiveIDIn == vgl_poly_last";
        vgl_strbuf_printf(&sb, "    if (vgl_edge[%u] != 0.0%s) {\n        vgl_vertex%u(front);\n",
                          order[i], own, order[i]);
        if (lines) {
            vgl_strbuf_printf(&sb, "        vgl_vertex%u(front);\n", order[(i + 1) % n]);
        }
        vgl_strbuf_append(&sb, "        EndPrimitive();\n    }\n");
    }
    vgl_strbuf_append(&sb, "}\n");
    return vgl_strbuf_steal(&sb);
}

/* ---- entry point ------------------------------------------------------------------------ */

static enum vgl_status fail(char *why, size_t why_size, enum vgl_status st, const char *msg) {
    if (why && why_size) {
        snprintf(why, why_size, "%s", msg);
    }
    return st;
}

static enum vgl_status passthrough_fs(const struct vgl_shader *vs, struct vgl_shader **fs) {
    static const char with_color[] = "FRAG\n"
                                     "DCL IN[0], COLOR, COLOR\n"
                                     "DCL OUT[0], COLOR\n"
                                     "  0: MOV OUT[0], IN[0]\n"
                                     "  1: END\n";
    static const char white[] = "FRAG\n"
                                "DCL OUT[0], COLOR\n"
                                "IMM[0] FLT32 {0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000}\n"
                                "  0: MOV OUT[0], IMM[0]\n"
                                "  1: END\n";
    const bool has_color = find_output(vs, VGL_SEM_COLOR, 0) >= 0;
    const char *const text = has_color ? with_color : white;
    return vgl_shader_parse(text, strlen(text), fs, NULL, 0);
}

/* How the emitter lays out each stage it translates (NULL: not translated). */
struct stage_emitter {
    void (*epilogue)(struct glsl_stage *st);    /* at END */
    void (*emit_vertex)(struct glsl_stage *st); /* at EMIT (geometry shaders) */
    char *(*emit)(struct plan *p, struct glsl_stage *st);
};

static const struct stage_emitter emitters[VGL_SHADER_STAGES] = {
        [VGL_SHADER_VERTEX] = {vs_epilogue, NULL, emit_vs},
        [VGL_SHADER_GEOMETRY] = {no_epilogue, final_outputs, emit_guest_gs},
        [VGL_SHADER_FRAGMENT] = {fs_epilogue, NULL, emit_fs},
};

static enum vgl_status emit_stage(struct plan *p, const struct vgl_shader *sh, char **out,
                                  char *why, size_t why_size) {
    const struct stage_emitter *const em = &emitters[sh->info.stage];
    struct glsl_stage st = {
            .sh = sh,
            .key = p->key,
            .sfx = vgl_shader_stage_desc(sh->info.stage)->suffix,
            .indent = 4,
            .epilogue = em->epilogue,
            .emit_vertex = em->emit_vertex,
            .plan = p,
    };
    vgl_strbuf_init(&st.body);
    if (!vgl_glsl_emit_body(&st)) {
        vgl_strbuf_finish(&st.body);
        return fail(why, why_size, st.status, st.why);
    }
    *out = em->emit(p, &st);
    vgl_strbuf_finish(&st.body);
    if (!*out) {
        return fail(why, why_size, VGL_ERROR_NO_MEMORY, "out of memory emitting GLSL");
    }
    return VGL_OK;
}

enum vgl_status vgl_shader_emit_program(const struct vgl_shader *const shaders[VGL_SHADER_STAGES],
                                        const struct vgl_shader_key *key,
                                        struct vgl_glsl_program *out, char *why, size_t why_size) {
    static const struct vgl_shader_key zero_key;
    if (why && why_size) {
        why[0] = '\0';
    }
    if (!out) {
        return fail(why, why_size, VGL_ERROR_INVALID_ARGUMENT, "no output");
    }
    memset(out, 0, sizeof(*out));
    const struct vgl_shader *const vs = shaders[VGL_SHADER_VERTEX];
    const struct vgl_shader *fs = shaders[VGL_SHADER_FRAGMENT];
    if (!vs) {
        return fail(why, why_size, VGL_ERROR_INVALID_ARGUMENT, "no vertex shader");
    }
    for (unsigned s = 0; s < VGL_SHADER_STAGES; s++) {
        if (shaders[s] && shaders[s]->info.stage != s) {
            return fail(why, why_size, VGL_ERROR_INVALID_ARGUMENT,
                        "a shader is bound to another stage than its own");
        }
        if (shaders[s] && !emitters[s].emit) {
            char msg[64];
            snprintf(msg, sizeof(msg), "%s stages are not supported",
                     vgl_shader_stage_desc(s)->tgsi);
            return fail(why, why_size, VGL_ERROR_UNSUPPORTED, msg);
        }
    }
    const struct vgl_shader *const gs = shaders[VGL_SHADER_GEOMETRY];
    if (gs && key && key->gs_fill) {
        return fail(why, why_size, VGL_ERROR_UNSUPPORTED,
                    "a geometry shader and unfilled-polygon emulation");
    }
    if (gs && gs->info.gs_invocations > 1) {
        return fail(why, why_size, VGL_ERROR_UNSUPPORTED,
                    "geometry shader invocations (GL 4.0) are not supported");
    }
    struct vgl_shader *own_fs = NULL;
    if (!fs) {
        const enum vgl_status st = passthrough_fs(vs, &own_fs);
        if (st != VGL_OK) {
            return fail(why, why_size, st, "cannot build the pass-through fragment shader");
        }
        fs = own_fs;
    }
    struct plan *const p = calloc(1, sizeof(*p));
    if (!p) {
        vgl_shader_destroy(own_fs);
        return fail(why, why_size, VGL_ERROR_NO_MEMORY, "out of memory");
    }
    p->vs = vs;
    p->fs = fs;
    p->gs = gs;
    p->pre = gs ? gs : vs;
    p->key = key ? key : &zero_key;
    enum vgl_status st = VGL_ERROR_UNSUPPORTED;
    if (plan_linkage(p, why, why_size)) {
        /* From the last stage back: the FS's epilogue decides which colour outputs exist, and
         * each stage writes what the next one reads. */
        st = VGL_OK;
        for (int i = VGL_SHADER_GFX_STAGES - 1; i >= 0 && st == VGL_OK; i--) {
            const enum vgl_shader_stage s = vgl_shader_pipeline[i];
            const struct vgl_shader *const sh = s == VGL_SHADER_FRAGMENT ? fs : shaders[s];
            if (sh) {
                st = emit_stage(p, sh, &out->glsl[s], why, why_size);
            }
        }
        if (st == VGL_OK && p->key->gs_fill) {
            out->glsl[VGL_SHADER_GEOMETRY] = emit_gs(p);
            if (!out->glsl[VGL_SHADER_GEOMETRY]) {
                st = fail(why, why_size, VGL_ERROR_NO_MEMORY, "out of memory emitting GLSL");
            }
        }
    }
    free(p);
    vgl_shader_destroy(own_fs);
    if (st != VGL_OK) {
        vgl_glsl_program_finish(out);
    }
    return st;
}

void vgl_glsl_program_finish(struct vgl_glsl_program *prog) {
    if (!prog) {
        return;
    }
    for (unsigned s = 0; s < VGL_SHADER_STAGES; s++) {
        free(prog->glsl[s]);
        prog->glsl[s] = NULL;
    }
}
