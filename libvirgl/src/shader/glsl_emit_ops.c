/* SPDX-License-Identifier: MIT */
/*
 * IR instructions -> GLSL 3.30 statements. Registers are uvec4 holding raw bits (ADDR is ivec4);
 * each opcode reads its sources as float, int or uint and stores through a bit cast, so integer
 * data survives untouched. Runs only on validated IR; no GL calls.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shader/glsl_emit.h"

static const char swz_chars[] = "xyzw";

bool vgl_glsl_fail(struct glsl_stage *st, enum vgl_status status, const char *fmt, ...) {
    if (st->status != VGL_OK) {
        return false;
    }
    st->status = status;
    va_list args;
    va_start(args, fmt);
    vsnprintf(st->why, sizeof(st->why), fmt, args);
    va_end(args);
    return false;
}

/* ---- operands -------------------------------------------------------------------------- */

static const struct vgl_ir_array *temp_array(const struct vgl_shader *sh,
                                             const struct vgl_ir_reg *reg) {
    if (reg->indirect && reg->array_id) {
        for (uint32_t a = 0; a < sh->num_arrays; a++) {
            if (sh->arrays[a].id == reg->array_id) {
                return &sh->arrays[a];
            }
        }
        return NULL;
    }
    if (reg->index < 0 || reg->index >= (int32_t)VGL_SHADER_MAX_TEMPS) {
        return NULL;
    }
    const uint8_t a = sh->temp_array[reg->index];
    return a ? &sh->arrays[a - 1] : NULL;
}

/* "[i]" or "[clamp(aN.c + i, 0, size - 1)]": out-of-range indirect reads stay in bounds. */
static void subscript(const struct vgl_ir_reg *reg, int64_t base, uint32_t size, char *buf,
                      size_t n) {
    if (!reg->indirect) {
        snprintf(buf, n, "[%lld]", (long long)base);
    } else {
        snprintf(buf, n, "[clamp(a%u.%c + %lld, 0, %u)]", reg->ind_reg, swz_chars[reg->ind_comp],
                 (long long)base, size ? size - 1 : 0);
    }
}

static uint32_t at_least_1(uint32_t n) {
    return n ? n : 1;
}

static void reg_name(const struct glsl_stage *st, const struct vgl_ir_reg *reg, char *buf,
                     size_t n) {
    const struct vgl_shader *const sh = st->sh;
    char sub[96];
    switch (reg->file) {
    case VGL_FILE_TEMP: {
        const struct vgl_ir_array *const arr = temp_array(sh, reg);
        if (!arr) {
            snprintf(buf, n, "t%d", reg->index);
            return;
        }
        subscript(reg, (int64_t)reg->index - arr->first, arr->last - arr->first + 1, sub,
                  sizeof(sub));
        snprintf(buf, n, "ta%u%s", arr->id, sub);
        return;
    }
    case VGL_FILE_IN:
        subscript(reg, reg->index, at_least_1(sh->num_in_regs), sub, sizeof(sub));
        if (reg->has_dim) {
            /* GS: IN[vertex][n], the vertices' registers one after another. */
            snprintf(buf, n, "ri[%u + %.*s]", reg->dim * at_least_1(sh->num_in_regs),
                     (int)strlen(sub) - 2, sub + 1);
            return;
        }
        snprintf(buf, n, "ri%s", sub);
        return;
    case VGL_FILE_OUT:
        subscript(reg, reg->index, at_least_1(sh->num_out_regs), sub, sizeof(sub));
        snprintf(buf, n, "ro%s", sub);
        return;
    case VGL_FILE_CONST:
        if (reg->has_dim && reg->dim > 0) {
            subscript(reg, reg->index, sh->ubo_size[reg->dim], sub, sizeof(sub));
            snprintf(buf, n, "vgl_ub_%s_%u.u%s", st->sfx, reg->dim, sub);
            return;
        }
        subscript(reg, reg->index, at_least_1(sh->info.num_consts), sub, sizeof(sub));
        snprintf(buf, n, "vgl_cb_%s.c%s", st->sfx, sub);
        return;
    case VGL_FILE_IMM:
        subscript(reg, reg->index, at_least_1(sh->num_imms), sub, sizeof(sub));
        snprintf(buf, n, "imm%s", sub);
        return;
    case VGL_FILE_ADDR:
        snprintf(buf, n, "a%d", reg->index);
        return;
    case VGL_FILE_SV:
        snprintf(buf, n, "sv%d", reg->index);
        return;
    default:
        snprintf(buf, n, "/*bad*/uvec4(0u)");
        return;
    }
}

/* A source read as 'f' (vec4), 'i' (ivec4) or 'u' (uvec4), swizzle and modifiers applied. */
static void src_expr(const struct glsl_stage *st, const struct vgl_ir_src *s, char type, char *buf,
                     size_t n) {
    char reg[160], swz[6] = "", val[200], mod[240];
    reg_name(st, &s->reg, reg, sizeof(reg));
    if (s->swizzle[0] != 0 || s->swizzle[1] != 1 || s->swizzle[2] != 2 || s->swizzle[3] != 3) {
        snprintf(swz, sizeof(swz), ".%c%c%c%c", swz_chars[s->swizzle[0]], swz_chars[s->swizzle[1]],
                 swz_chars[s->swizzle[2]], swz_chars[s->swizzle[3]]);
    }
    const bool addr = s->reg.file == VGL_FILE_ADDR;
    if (type == 'f') {
        snprintf(val, sizeof(val), addr ? "intBitsToFloat(%s%s)" : "uintBitsToFloat(%s%s)", reg,
                 swz);
    } else if (type == 'i') {
        snprintf(val, sizeof(val), addr ? "%s%s" : "ivec4(%s%s)", reg, swz);
    } else {
        snprintf(val, sizeof(val), addr ? "uvec4(%s%s)" : "%s%s", reg, swz);
    }
    if (s->absolute) {
        snprintf(mod, sizeof(mod), type == 'u' ? "uvec4(abs(ivec4(%s)))" : "abs(%s)", val);
    } else {
        snprintf(mod, sizeof(mod), "%s", val);
    }
    snprintf(buf, n, s->negate ? "(-%s)" : "%s", mod);
}

static const char *vec_type(char type, unsigned n) {
    static const char *const f[] = {"float", "vec2", "vec3", "vec4"};
    static const char *const i[] = {"int", "ivec2", "ivec3", "ivec4"};
    static const char *const u[] = {"uint", "uvec2", "uvec3", "uvec4"};
    const char *const *t = type == 'f' ? f : type == 'i' ? i : u;
    return t[(n ? n : 1) - 1];
}

static void line_start(struct glsl_stage *st) {
    vgl_strbuf_indent(&st->body, st->indent);
}

/* dst.mask = <expr of type `type`>, with _SAT, the write mask and the bit cast. */
static void store(struct glsl_stage *st, const struct vgl_ir_insn *insn, char type,
                  const char *expr) {
    const uint8_t mask = insn->dst.mask;
    char lhs[200], m[6] = "";
    unsigned count = 0;
    reg_name(st, &insn->dst.reg, lhs, sizeof(lhs));
    if (mask != 0xf) {
        char *p = m;
        *p++ = '.';
        for (unsigned c = 0; c < 4; c++) {
            if (mask >> c & 1) {
                *p++ = swz_chars[c];
            }
        }
        *p = '\0';
    }
    for (unsigned c = 0; c < 4; c++) {
        count += mask >> c & 1;
    }
    struct vgl_strbuf *const b = &st->body;
    line_start(st);
    vgl_strbuf_printf(b, "%s%s = ", lhs, m);
    const bool addr = insn->dst.reg.file == VGL_FILE_ADDR;
    const char *conv = "";
    if (type == 'f') {
        conv = addr ? "floatBitsToInt" : "floatBitsToUint";
    } else if (type == 'i' && !addr) {
        conv = vec_type('u', count);
    } else if (type == 'u' && addr) {
        conv = vec_type('i', count);
    }
    const bool sat = insn->sat && type == 'f';
    vgl_strbuf_printf(b,
                      sat     ? "%s(clamp(%s, 0.0, 1.0)%s);\n"
                      : *conv ? "%s((%s)%s);\n"
                              : "%s(%s)%s;\n",
                      conv, expr, m);
}

/* ---- ALU templates ---------------------------------------------------------------------- */

struct op_tmpl {
    const char *expr; /* %0..%3 = sources */
    const char *srcs; /* read type of each source */
    char result;      /* type of expr */
    uint16_t helpers; /* enum glsl_helper */
    bool bind;        /* sources are used more than once: bind them to locals s0..s3 */
};

#define CMP_F(fn)                                                                                  \
    { "uvec4(-ivec4(" fn "(%0, %1)))", "ff", 'u', 0, false }
#define CMP_I(fn)                                                                                  \
    { "uvec4(-ivec4(" fn "(%0, %1)))", "ii", 'u', 0, false }
#define CMP_U(fn)                                                                                  \
    { "uvec4(-ivec4(" fn "(%0, %1)))", "uu", 'u', 0, false }
#define SCALAR(fn)                                                                                 \
    { "vec4(" fn "(%0.x))", "f", 'f', 0, false }
static const struct op_tmpl templates[VGL_OP_COUNT] = {
        [VGL_OP_ARL] = {"ivec4(floor(%0))", "f", 'i', 0, false},
        [VGL_OP_UARL] = {"ivec4(%0)", "u", 'i', 0, false},
        [VGL_OP_ADD] = {"%0 + %1", "ff", 'f', 0, false},
        [VGL_OP_MUL] = {"%0 * %1", "ff", 'f', 0, false},
        [VGL_OP_MAD] = {"%0 * %1 + %2", "fff", 'f', 0, false},
        [VGL_OP_FMA] = {"%0 * %1 + %2", "fff", 'f', 0, false},
        [VGL_OP_DP2] = {"vec4(dot(%0.xy, %1.xy))", "ff", 'f', 0, false},
        [VGL_OP_DP3] = {"vec4(dot(%0.xyz, %1.xyz))", "ff", 'f', 0, false},
        [VGL_OP_DP4] = {"vec4(dot(%0, %1))", "ff", 'f', 0, false},
        [VGL_OP_MIN] = {"min(%0, %1)", "ff", 'f', 0, false},
        [VGL_OP_MAX] = {"max(%0, %1)", "ff", 'f', 0, false},
        [VGL_OP_RCP] = {"vec4(1.0 / %0.x)", "f", 'f', 0, false},
        [VGL_OP_RSQ] = SCALAR("inversesqrt"),
        [VGL_OP_SQRT] = SCALAR("sqrt"),
        [VGL_OP_EX2] = SCALAR("exp2"),
        [VGL_OP_LG2] = SCALAR("log2"),
        [VGL_OP_SIN] = SCALAR("sin"),
        [VGL_OP_COS] = SCALAR("cos"),
        [VGL_OP_POW] = {"vec4(pow(%0.x, %1.x))", "ff", 'f', 0, false},
        [VGL_OP_FLR] = {"floor(%0)", "f", 'f', 0, false},
        [VGL_OP_CEIL] = {"ceil(%0)", "f", 'f', 0, false},
        [VGL_OP_TRUNC] = {"trunc(%0)", "f", 'f', 0, false},
        [VGL_OP_ROUND] = {"roundEven(%0)", "f", 'f', 0, false},
        [VGL_OP_FRC] = {"fract(%0)", "f", 'f', 0, false},
        [VGL_OP_SSG] = {"sign(%0)", "f", 'f', 0, false},
        [VGL_OP_LRP] = {"mix(%2, %1, %0)", "fff", 'f', 0, false},
        [VGL_OP_DIV] = {"%0 / %1", "ff", 'f', 0, false},
        [VGL_OP_LDEXP] = {"%0 * exp2(vec4(%1))", "fi", 'f', 0, false},
        [VGL_OP_DDX] = {"VGL_DDX(%0)", "f", 'f', 0, false},
        [VGL_OP_DDY] = {"VGL_DDY(%0)", "f", 'f', 0, false},
        [VGL_OP_DDX_FINE] = {"VGL_DDX(%0)", "f", 'f', 0, false},
        [VGL_OP_DDY_FINE] = {"VGL_DDY(%0)", "f", 'f', 0, false},
        [VGL_OP_SLT] = {"vec4(lessThan(%0, %1))", "ff", 'f', 0, false},
        [VGL_OP_SGE] = {"vec4(greaterThanEqual(%0, %1))", "ff", 'f', 0, false},
        [VGL_OP_SEQ] = {"vec4(equal(%0, %1))", "ff", 'f', 0, false},
        [VGL_OP_SNE] = {"vec4(notEqual(%0, %1))", "ff", 'f', 0, false},
        [VGL_OP_SGT] = {"vec4(greaterThan(%0, %1))", "ff", 'f', 0, false},
        [VGL_OP_SLE] = {"vec4(lessThanEqual(%0, %1))", "ff", 'f', 0, false},
        [VGL_OP_CMP] = {"mix(%2, %1, lessThan(%0, vec4(0.0)))", "fff", 'f', 0, false},
        [VGL_OP_FSLT] = CMP_F("lessThan"),
        [VGL_OP_FSGE] = CMP_F("greaterThanEqual"),
        [VGL_OP_FSEQ] = CMP_F("equal"),
        [VGL_OP_FSNE] = CMP_F("notEqual"),
        [VGL_OP_ISLT] = CMP_I("lessThan"),
        [VGL_OP_ISGE] = CMP_I("greaterThanEqual"),
        [VGL_OP_USLT] = CMP_U("lessThan"),
        [VGL_OP_USGE] = CMP_U("greaterThanEqual"),
        [VGL_OP_USEQ] = CMP_U("equal"),
        [VGL_OP_USNE] = CMP_U("notEqual"),
        [VGL_OP_UADD] = {"%0 + %1", "uu", 'u', 0, false},
        [VGL_OP_UMUL] = {"%0 * %1", "uu", 'u', 0, false},
        [VGL_OP_UMAD] = {"%0 * %1 + %2", "uuu", 'u', 0, false},
        [VGL_OP_UMUL_HI] = {"vgl_umul_hi(%0, %1)", "uu", 'u', GLSL_H_UMUL_HI, false},
        [VGL_OP_IMUL_HI] = {"vgl_imul_hi(%0, %1)", "ii", 'i', GLSL_H_UMUL_HI | GLSL_H_IMUL_HI,
                            false},
        [VGL_OP_UDIV] = {"vgl_udiv(%0, %1)", "uu", 'u', GLSL_H_UDIV, false},
        [VGL_OP_UMOD] = {"vgl_umod(%0, %1)", "uu", 'u', GLSL_H_UDIV, false},
        [VGL_OP_IDIV] = {"vgl_idiv(%0, %1)", "ii", 'i', GLSL_H_IDIV, false},
        [VGL_OP_MOD] = {"vgl_imod(%0, %1)", "ii", 'i', GLSL_H_IDIV, false},
        [VGL_OP_IMAX] = {"max(%0, %1)", "ii", 'i', 0, false},
        [VGL_OP_IMIN] = {"min(%0, %1)", "ii", 'i', 0, false},
        [VGL_OP_UMAX] = {"max(%0, %1)", "uu", 'u', 0, false},
        [VGL_OP_UMIN] = {"min(%0, %1)", "uu", 'u', 0, false},
        [VGL_OP_INEG] = {"-%0", "i", 'i', 0, false},
        [VGL_OP_IABS] = {"abs(%0)", "i", 'i', 0, false},
        [VGL_OP_ISSG] = {"sign(%0)", "i", 'i', 0, false},
        [VGL_OP_AND] = {"%0 & %1", "uu", 'u', 0, false},
        [VGL_OP_OR] = {"%0 | %1", "uu", 'u', 0, false},
        [VGL_OP_XOR] = {"%0 ^ %1", "uu", 'u', 0, false},
        [VGL_OP_NOT] = {"~%0", "u", 'u', 0, false},
        [VGL_OP_SHL] = {"%0 << (%1 & 31u)", "uu", 'u', 0, false},
        [VGL_OP_ISHR] = {"%0 >> (%1 & 31)", "ii", 'i', 0, false},
        [VGL_OP_USHR] = {"%0 >> (%1 & 31u)", "uu", 'u', 0, false},
        [VGL_OP_IBFE] = {"vgl_ibfe(%0, %1, %2)", "iii", 'i', GLSL_H_BFE, false},
        [VGL_OP_UBFE] = {"vgl_ubfe(%0, %1, %2)", "uuu", 'u', GLSL_H_BFE, false},
        [VGL_OP_BFI] = {"vgl_bfi(%0, %1, %2, %3)", "uuuu", 'u', GLSL_H_BFI, false},
        [VGL_OP_BREV] = {"vgl_brev(%0)", "u", 'u', GLSL_H_BREV, false},
        [VGL_OP_POPC] = {"vgl_popc(%0)", "u", 'u', GLSL_H_POPC, false},
        [VGL_OP_LSB] = {"vgl_lsb(%0)", "u", 'u', GLSL_H_POPC | GLSL_H_LSB, false},
        [VGL_OP_UMSB] = {"vgl_umsb(%0)", "u", 'i', GLSL_H_POPC | GLSL_H_MSB, false},
        [VGL_OP_IMSB] = {"vgl_imsb(%0)", "i", 'i', GLSL_H_POPC | GLSL_H_MSB, false},
        [VGL_OP_UCMP] = {"uvec4(%0.x != 0u ? %1.x : %2.x, %0.y != 0u ? %1.y : %2.y, "
                         "%0.z != 0u ? %1.z : %2.z, %0.w != 0u ? %1.w : %2.w)",
                         "uuu", 'u', 0, true},
        [VGL_OP_I2F] = {"vec4(%0)", "i", 'f', 0, false},
        [VGL_OP_U2F] = {"vec4(%0)", "u", 'f', 0, false},
        [VGL_OP_F2I] = {"ivec4(%0)", "f", 'i', 0, false},
        [VGL_OP_F2U] = {"uvec4(max(%0, vec4(0.0)))", "f", 'u', 0, false},
        [VGL_OP_LIT] = {"vec4(1.0, max(%0.x, 0.0), %0.x > 0.0 ? pow(max(%0.y, 0.0), "
                        "clamp(%0.w, -128.0, 128.0)) : 0.0, 1.0)",
                        "f", 'f', 0, true},
        [VGL_OP_EXP] = {"vec4(exp2(floor(%0.x)), %0.x - floor(%0.x), exp2(%0.x), 1.0)", "f", 'f', 0,
                        true},
        [VGL_OP_LOG] = {"vec4(floor(log2(abs(%0.x))), abs(%0.x) / exp2(floor(log2(abs(%0.x)))), "
                        "log2(abs(%0.x)), 1.0)",
                        "f", 'f', 0, true},
        [VGL_OP_DST] = {"vec4(1.0, %0.y * %1.y, %0.z, %1.w)", "ff", 'f', 0, true},
};
#undef CMP_F
#undef CMP_I
#undef CMP_U
#undef SCALAR

/* Substitutes %0..%3 in `tmpl`. */
static void expand(struct vgl_strbuf *out, const char *tmpl, char (*srcs)[256]) {
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '%' && p[1] >= '0' && p[1] <= '3') {
            vgl_strbuf_append(out, srcs[p[1] - '0']);
            p++;
        } else {
            vgl_strbuf_append_n(out, p, 1);
        }
    }
}

static bool emit_alu(struct glsl_stage *st, const struct vgl_ir_insn *insn) {
    const struct op_tmpl *const t = &templates[insn->op];
    if (!t->expr) {
        return vgl_glsl_fail(st, VGL_ERROR_UNSUPPORTED, "line %u: no translation for %s",
                             insn->line, vgl_shader_op_info((enum vgl_op)insn->op)->name);
    }
    st->helpers |= t->helpers;
    char srcs[4][256];
    const unsigned n = insn->num_src;
    if (t->bind) {
        line_start(st);
        vgl_strbuf_append(&st->body, "{\n");
        st->indent += 4;
    }
    for (unsigned i = 0; i < n; i++) {
        char e[256];
        src_expr(st, &insn->src[i], t->srcs[i], e, sizeof(e));
        if (t->bind) {
            line_start(st);
            vgl_strbuf_printf(&st->body, "%s s%u = %s;\n", vec_type(t->srcs[i], 4), i, e);
            snprintf(srcs[i], sizeof(srcs[i]), "s%u", i);
        } else {
            snprintf(srcs[i], sizeof(srcs[i]), "%s", e);
        }
    }
    struct vgl_strbuf e;
    vgl_strbuf_init(&e);
    expand(&e, t->expr, srcs);
    const char *const expr = vgl_strbuf_steal(&e);
    if (!expr) {
        return vgl_glsl_fail(st, VGL_ERROR_NO_MEMORY, "out of memory");
    }
    store(st, insn, t->result, expr);
    free((void *)expr);
    if (t->bind) {
        st->indent -= 4;
        line_start(st);
        vgl_strbuf_append(&st->body, "}\n");
    }
    return true;
}

/* ---- textures --------------------------------------------------------------------------- */

struct target_desc {
    const char *base;  /* sampler type without the i/u prefix */
    const char *coord; /* coordinate components (shadow reference included) */
    const char *grad;  /* derivative / offset components */
    const char *fetch; /* integer coordinate components for texelFetch */
    uint8_t size_dims; /* components of textureSize() */
    bool shadow, no_lod;
};

static const struct target_desc targets[VGL_TEX_BUFFER + 1] = {
        [VGL_TEX_1D] = {"sampler1D", "x", "x", "x", 1, false, false},
        [VGL_TEX_2D] = {"sampler2D", "xy", "xy", "xy", 2, false, false},
        [VGL_TEX_3D] = {"sampler3D", "xyz", "xyz", "xyz", 3, false, false},
        [VGL_TEX_CUBE] = {"samplerCube", "xyz", "xyz", "", 2, false, false},
        [VGL_TEX_RECT] = {"sampler2DRect", "xy", "xy", "xy", 2, false, true},
        [VGL_TEX_SHADOW1D] = {"sampler1DShadow", "xyz", "x", "", 1, true, false},
        [VGL_TEX_SHADOW2D] = {"sampler2DShadow", "xyz", "xy", "", 2, true, false},
        [VGL_TEX_SHADOWRECT] = {"sampler2DRectShadow", "xyz", "xy", "", 2, true, true},
        [VGL_TEX_1D_ARRAY] = {"sampler1DArray", "xy", "x", "xy", 2, false, false},
        [VGL_TEX_2D_ARRAY] = {"sampler2DArray", "xyz", "xy", "xyz", 3, false, false},
        [VGL_TEX_SHADOW1D_ARRAY] = {"sampler1DArrayShadow", "xyz", "x", "", 2, true, false},
        [VGL_TEX_SHADOW2D_ARRAY] = {"sampler2DArrayShadow", "xyzw", "xy", "", 3, true, false},
        [VGL_TEX_SHADOWCUBE] = {"samplerCubeShadow", "xyzw", "xyz", "", 2, true, false},
        [VGL_TEX_2D_MSAA] = {"sampler2DMS", "xy", "xy", "xy", 2, false, true},
        [VGL_TEX_2D_ARRAY_MSAA] = {"sampler2DMSArray", "xyz", "xy", "xyz", 3, false, true},
        [VGL_TEX_BUFFER] = {"samplerBuffer", "x", "x", "x", 1, false, true},
};

/*
 * GLES has no 1D or rectangle textures: the host's are 2D textures (arrays) of height 1, or 2D
 * ones sampled with normalized coordinates (gl_resource.c makes them so); lift_coord moves the
 * coordinate over (docs/gles-host.md).
 */
enum vgl_tex_target vgl_glsl_host_target(const struct vgl_shader_key *key, enum vgl_tex_target t) {
    if (!key->glsl_es) {
        return t;
    }
    switch (t) {
    case VGL_TEX_1D:
    case VGL_TEX_RECT:
        return VGL_TEX_2D;
    case VGL_TEX_SHADOW1D:
    case VGL_TEX_SHADOWRECT:
        return VGL_TEX_SHADOW2D;
    case VGL_TEX_1D_ARRAY:
        return VGL_TEX_2D_ARRAY;
    case VGL_TEX_SHADOW1D_ARRAY:
        return VGL_TEX_SHADOW2D_ARRAY;
    default:
        return t;
    }
}

const char *vgl_glsl_sampler_type(enum vgl_tex_target target, enum vgl_return_type ret, char *buf,
                                  size_t size) {
    const struct target_desc *const d = &targets[target];
    const char *const prefix = d->shadow             ? ""
                               : ret == VGL_RET_SINT ? "i"
                               : ret == VGL_RET_UINT ? "u"
                                                     : "";
    snprintf(buf, size, "%s%s", prefix, d->base ? d->base : "sampler2D");
    return buf;
}

static enum vgl_return_type view_return(const struct vgl_shader *sh, uint32_t unit) {
    return sh->sview_declared >> unit & 1 ? sh->sview_return[unit] : VGL_RET_FLOAT;
}

/* The shadow swizzle of SAMP[unit] of this stage: 0 (replicate) or bit 15 + selectors. */
static uint16_t shadow_swizzle(const struct glsl_stage *st, uint32_t unit) {
    if (unit >= VGL_SHADER_MAX_SAMPLERS) {
        return 0;
    }
    const uint16_t v = st->key->stage[st->sh->info.stage].shadow_swizzle[unit];
    return v & 0x8000 ? v : 0;
}

/* Offset literal "ivec2(1, -1)" from the immediate named by the instruction. */
static void offset_literal(const struct glsl_stage *st, const struct vgl_ir_insn *insn,
                           const struct target_desc *d, char *buf, size_t n) {
    const uint32_t *const imm = st->sh->imms[insn->offset.imm];
    const unsigned dims = (unsigned)strlen(d->grad);
    const unsigned guest_dims = (unsigned)strlen(targets[insn->target].grad);
    int v[3];
    for (unsigned c = 0; c < 3; c++) { /* a lifted 1D target's y offset is 0 */
        v[c] = c < guest_dims ? (int32_t)imm[insn->offset.swizzle[c]] : 0;
    }
    if (dims == 1) {
        snprintf(buf, n, "%d", v[0]);
    } else if (dims == 2) {
        snprintf(buf, n, "ivec2(%d, %d)", v[0], v[1]);
    } else {
        snprintf(buf, n, "ivec3(%d, %d, %d)", v[0], v[1], v[2]);
    }
}

/*
 * TG4 -> textureGather[Offset] (GL_ARB_gpu_shader5 forms). Shadow targets compare against the
 * coordinate's last component and take no component; the others gather the channel named by
 * src1.x: a literal when it is an immediate (GLSL wants a constant), else chosen at run time.
 * The four texels come back in the same order in TGSI and GLSL.
 */
static bool gather_call(struct glsl_stage *st, const struct vgl_ir_insn *insn,
                        const struct target_desc *d, const char *samp, const char *off, char *call,
                        size_t n) {
    const char *const ofs = insn->has_offset ? "Offset" : "";
    if (d->shadow) {
        const size_t len = strlen(d->coord);
        snprintf(call, n, "textureGather%s(%s, c.%.*s, c.%c%s)", ofs, samp, (int)(len - 1),
                 d->coord, d->coord[len - 1], off);
        return true;
    }
    const struct vgl_ir_src *const comp = &insn->src[1];
    if (comp->reg.file == VGL_FILE_IMM && !comp->reg.indirect) {
        const uint32_t k = st->sh->imms[comp->reg.index][comp->swizzle[0]];
        snprintf(call, n, "textureGather%s(%s, c.%s%s, %u)", ofs, samp, d->coord, off, k & 3);
        return true;
    }
    char e[256];
    src_expr(st, comp, 'u', e, sizeof(e));
    line_start(st);
    vgl_strbuf_printf(&st->body, "uint k = %s.x;\n", e);
    snprintf(call, n,
             "(k == 0u ? textureGather%s(%s, c.%s%s, 0) : k == 1u ? textureGather%s(%s, c.%s%s, 1)"
             " : k == 2u ? textureGather%s(%s, c.%s%s, 2) : textureGather%s(%s, c.%s%s, 3))",
             ofs, samp, d->coord, off, ofs, samp, d->coord, off, ofs, samp, d->coord, off, ofs,
             samp, d->coord, off);
    return true;
}

/*
 * GL_CLAMP under linear filtering (the stage key's tex_clamp): the host samples with
 * CLAMP_TO_BORDER, so clamping the normalized coordinate to [0, 1] here blends edge texels with the
 * border colour as GL_CLAMP does. TXP divides first (the call then divides by 1).
 */
static void emit_coord_clamp(struct glsl_stage *st, const struct vgl_ir_insn *insn,
                             enum vgl_tex_target target, const char *samp, uint32_t unit) {
    const struct target_desc *const d = &targets[target];
    if (unit >= VGL_SHADER_MAX_SAMPLERS) {
        return;
    }
    const unsigned dims = (unsigned)strlen(d->grad);
    const uint8_t bits =
            st->key->stage[st->sh->info.stage].tex_clamp[unit] & (uint8_t)((1u << dims) - 1);
    switch (target) {
    case VGL_TEX_CUBE:
    case VGL_TEX_SHADOWCUBE:
    case VGL_TEX_CUBE_ARRAY:
    case VGL_TEX_SHADOWCUBE_ARRAY:
    case VGL_TEX_2D_MSAA:
    case VGL_TEX_2D_ARRAY_MSAA:
    case VGL_TEX_BUFFER:
    case VGL_TEX_UNKNOWN:
        return;
    default:
        break;
    }
    if (!bits) {
        return;
    }
    if (insn->op == VGL_OP_TXP) {
        line_start(st);
        vgl_strbuf_append(&st->body, "c = vec4(c.xyz / c.w, 1.0);\n");
    }
    const bool rect = target == VGL_TEX_RECT || target == VGL_TEX_SHADOWRECT;
    if (rect) {
        line_start(st);
        vgl_strbuf_printf(&st->body, "vec2 sz = vec2(textureSize(%s));\n", samp);
    }
    static const char comps[] = "xyz";
    for (unsigned c = 0; c < dims && c < 3; c++) {
        if (bits >> c & 1) {
            line_start(st);
            vgl_strbuf_printf(&st->body, "c.%c = clamp(c.%c, 0.0, %s);\n", comps[c], comps[c],
                              rect ? (c ? "sz.y" : "sz.x") : "1.0");
        }
    }
}

/* The coordinate (and derivatives) of a guest 1D or rectangle target, for the host's 2D one. */
static void lift_coord(struct glsl_stage *st, const struct vgl_ir_insn *insn, const char *samp) {
    const enum vgl_op op = (enum vgl_op)insn->op;
    const enum vgl_tex_target t = insn->target;
    struct vgl_strbuf *const b = &st->body;
    if (op == VGL_OP_TXQ) {
        return; /* c.x is the level; the sizes are picked from the 2D size (size_pick) */
    }
    if (t == VGL_TEX_RECT || t == VGL_TEX_SHADOWRECT) {
        if (op != VGL_OP_TXF && op != VGL_OP_TXF_LZ) {
            line_start(st);
            vgl_strbuf_printf(b, "c.xy /= vec2(textureSize(%s, 0));\n", samp);
        }
        return;
    }
    const bool array = t == VGL_TEX_1D_ARRAY || t == VGL_TEX_SHADOW1D_ARRAY;
    line_start(st);
    if (op == VGL_OP_TXF || op == VGL_OP_TXF_LZ) {
        vgl_strbuf_append(b, array ? "c = ivec4(c.x, 0, c.y, c.w);\n" : "c.y = 0;\n");
    } else if (op == VGL_OP_TXP) {
        vgl_strbuf_append(b, "c.y = 0.5 * c.w;\n"); /* the height-1 texture's centre, projected */
    } else if (t == VGL_TEX_SHADOW1D_ARRAY) {
        vgl_strbuf_append(b, "c = vec4(c.x, 0.5, c.y, c.z);\n");
    } else if (array) {
        vgl_strbuf_append(b, "c = vec4(c.x, 0.5, c.y, c.w);\n");
    } else {
        vgl_strbuf_append(b, "c.y = 0.5;\n");
    }
    if (op == VGL_OP_TXD) {
        line_start(st);
        vgl_strbuf_append(b, "d1.y = 0.0;\n");
        line_start(st);
        vgl_strbuf_append(b, "d2.y = 0.0;\n");
    }
}

static bool emit_tex(struct glsl_stage *st, const struct vgl_ir_insn *insn) {
    const enum vgl_op op = (enum vgl_op)insn->op;
    const enum vgl_tex_target target = vgl_glsl_host_target(st->key, insn->target);
    const struct target_desc *const d = &targets[target];
    const uint32_t unit = (uint32_t)insn->src[insn->num_src - 1].reg.index;
    const enum vgl_return_type ret = view_return(st->sh, unit);
    const char rtype = d->shadow             ? 'f'
                       : ret == VGL_RET_SINT ? 'i'
                       : ret == VGL_RET_UINT ? 'u'
                                             : 'f';
    char samp[48], off[48] = "", e[256];
    snprintf(samp, sizeof(samp), "vgl_samp_%s_%u", st->sfx, unit);
    if (insn->has_offset) {
        char lit[40];
        offset_literal(st, insn, d, lit, sizeof(lit));
        snprintf(off, sizeof(off), ", %s", lit);
    }
    const char *const ofs = insn->has_offset ? "Offset" : "";
    const bool fetch = op == VGL_OP_TXF || op == VGL_OP_TXF_LZ || op == VGL_OP_TXQ;
    line_start(st);
    vgl_strbuf_append(&st->body, "{\n");
    st->indent += 4;
    src_expr(st, &insn->src[0], fetch ? 'i' : 'f', e, sizeof(e));
    line_start(st);
    vgl_strbuf_printf(&st->body, "%s c = %s;\n", fetch ? "ivec4" : "vec4", e);
    if (op == VGL_OP_TXD) {
        for (unsigned i = 1; i <= 2; i++) {
            src_expr(st, &insn->src[i], 'f', e, sizeof(e));
            line_start(st);
            vgl_strbuf_printf(&st->body, "vec4 d%u = %s;\n", i, e);
        }
    }
    if (target != insn->target) {
        lift_coord(st, insn, samp);
    }
    if (!fetch) {
        emit_coord_clamp(st, insn, target, samp, unit);
    }
    char call[400];
    const char *const cs = d->coord;
    /* GLES: the sampler's LOD bias (lod_bias in the stage key), as the host's would add it. */
    char bias_arg[48] = "", bias_add[48] = "";
    const bool biased = unit < VGL_SHADER_MAX_SAMPLERS &&
                        (st->key->stage[st->sh->info.stage].lod_bias >> unit & 1) &&
                        target != VGL_TEX_SHADOW2D_ARRAY && !d->no_lod;
    if (biased) {
        snprintf(bias_arg, sizeof(bias_arg), ", vgl_lod_bias_%s[%u]", st->sfx, unit);
        snprintf(bias_add, sizeof(bias_add), " + vgl_lod_bias_%s[%u]", st->sfx, unit);
    }
    switch (op) {
    case VGL_OP_TEX:
        snprintf(call, sizeof(call), "texture%s(%s, c.%s%s%s)", ofs, samp, cs, off, bias_arg);
        break;
    case VGL_OP_TEX_LZ:
    case VGL_OP_TXL:
        if (d->no_lod) {
            snprintf(call, sizeof(call), "texture%s(%s, c.%s%s)", ofs, samp, cs, off);
        } else {
            snprintf(call, sizeof(call), "textureLod%s(%s, c.%s, %s%s%s)", ofs, samp, cs,
                     op == VGL_OP_TXL ? "c.w" : "0.0", bias_add, off);
        }
        break;
    case VGL_OP_TXP:
        if (insn->target == VGL_TEX_CUBE) {
            snprintf(call, sizeof(call), "texture(%s, c.xyz / c.w%s)", samp, bias_arg);
        } else {
            snprintf(call, sizeof(call), "textureProj%s(%s, c%s%s)", ofs, samp, off, bias_arg);
        }
        break;
    case VGL_OP_TXB:
        snprintf(call, sizeof(call), "texture%s(%s, c.%s%s, c.w%s)", ofs, samp, cs, off, bias_add);
        break;
    case VGL_OP_TXD:
        if (biased) { /* gradients 2^bias times longer: the level moves by the bias */
            line_start(st);
            vgl_strbuf_printf(&st->body, "d1 *= exp2(vgl_lod_bias_%s[%u]);\n", st->sfx, unit);
            line_start(st);
            vgl_strbuf_printf(&st->body, "d2 *= exp2(vgl_lod_bias_%s[%u]);\n", st->sfx, unit);
        }
        snprintf(call, sizeof(call), "textureGrad%s(%s, c.%s, d1.%s, d2.%s%s)", ofs, samp, cs,
                 d->grad, d->grad, off);
        break;
    case VGL_OP_TXF:
    case VGL_OP_TXF_LZ: {
        const char *const lod = op == VGL_OP_TXF ? "c.w" : "0";
        if (target == VGL_TEX_RECT || target == VGL_TEX_BUFFER) {
            snprintf(call, sizeof(call), "texelFetch%s(%s, c.%s%s)", ofs, samp, d->fetch, off);
        } else {
            snprintf(call, sizeof(call), "texelFetch%s(%s, c.%s, %s%s)", ofs, samp, d->fetch, lod,
                     off);
        }
        break;
    }
    case VGL_OP_TG4:
        if (!gather_call(st, insn, d, samp, off, call, sizeof(call))) {
            return false;
        }
        break;
    case VGL_OP_TXQ: {
        /* The guest's sizes: a lifted 1D target's width (and layers), a rectangle's one level. */
        const struct target_desc *const g = &targets[insn->target];
        const bool lifted = target != insn->target;
        const char *const pick =
                !lifted             ? ""
                : g->size_dims == 1 ? ".x"
                : (insn->target == VGL_TEX_1D_ARRAY || insn->target == VGL_TEX_SHADOW1D_ARRAY)
                        ? ".xz"
                        : "";
        char size[120], levels[80];
        if (d->no_lod) {
            snprintf(size, sizeof(size), "textureSize(%s)", samp);
            snprintf(levels, sizeof(levels), "1");
        } else if (g->no_lod) {
            snprintf(size, sizeof(size), "textureSize(%s, 0)%s", samp, pick);
            snprintf(levels, sizeof(levels), "1");
        } else {
            snprintf(size, sizeof(size), "textureSize(%s, c.x)%s", samp, pick);
            if (st->key->glsl_es) { /* a uniform the backend sets (GLSL ES has no query) */
                snprintf(levels, sizeof(levels), "vgl_levels_%s[%u]", st->sfx, unit);
            } else {
                snprintf(levels, sizeof(levels), "VGL_LEVELS(%s)", samp);
            }
        }
        snprintf(call, sizeof(call), "ivec4(%s, %s%s)", size,
                 g->size_dims == 1   ? "0, 0, "
                 : g->size_dims == 2 ? "0, "
                                     : "",
                 levels);
        break;
    }
    default:
        return vgl_glsl_fail(st, VGL_ERROR_UNSUPPORTED, "line %u: bad texture opcode", insn->line);
    }
    char wrapped[420];
    const uint16_t swz = shadow_swizzle(st, unit);
    /* A shadow gather returns its four comparison results as they are. */
    const bool scalar_shadow = d->shadow && op != VGL_OP_TXQ && op != VGL_OP_TG4;
    if (scalar_shadow && swz) {
        /* The view's swizzle applied to (r, 0, 0, 1), r the comparison result. */
        static const char *const sel[8] = {"r", "0.0", "0.0", "1.0", "0.0", "1.0", "0.0", "0.0"};
        line_start(st);
        vgl_strbuf_printf(&st->body, "float r = %s;\n", call);
        snprintf(wrapped, sizeof(wrapped), "vec4(%s, %s, %s, %s)", sel[swz & 7], sel[swz >> 3 & 7],
                 sel[swz >> 6 & 7], sel[swz >> 9 & 7]);
    } else {
        /* Gallium replicates the comparison result into xyzw. */
        snprintf(wrapped, sizeof(wrapped), scalar_shadow ? "vec4(%s)" : "%s", call);
    }
    store(st, insn, op == VGL_OP_TXQ ? 'i' : rtype, wrapped);
    st->indent -= 4;
    line_start(st);
    vgl_strbuf_append(&st->body, "}\n");
    return true;
}

/* ---- control flow and dispatch ---------------------------------------------------------- */

static bool emit_insn(struct glsl_stage *st, const struct vgl_ir_insn *insn) {
    const enum vgl_op op = (enum vgl_op)insn->op;
    struct vgl_strbuf *const b = &st->body;
    char e[256];
    switch (op) {
    case VGL_OP_MOV: {
        const struct vgl_ir_src *const s = &insn->src[0];
        /* A plain MOV copies bits; modifiers or _SAT make it a float move. */
        const char type = insn->sat || s->negate || s->absolute ? 'f' : 'u';
        src_expr(st, s, type, e, sizeof(e));
        store(st, insn, type, e);
        return true;
    }
    case VGL_OP_IF:
    case VGL_OP_UIF:
        src_expr(st, &insn->src[0], op == VGL_OP_IF ? 'f' : 'u', e, sizeof(e));
        line_start(st);
        vgl_strbuf_printf(b, "if (%s.x != %s) {\n", e, op == VGL_OP_IF ? "0.0" : "0u");
        st->indent += 4;
        return true;
    case VGL_OP_ELSE:
        st->indent -= 4;
        line_start(st);
        vgl_strbuf_append(b, "} else {\n");
        st->indent += 4;
        return true;
    case VGL_OP_ENDIF:
    case VGL_OP_ENDLOOP:
        st->indent -= 4;
        line_start(st);
        vgl_strbuf_append(b, "}\n");
        return true;
    case VGL_OP_BGNLOOP:
        line_start(st);
        vgl_strbuf_append(b, "while (true) {\n");
        st->indent += 4;
        return true;
    case VGL_OP_BRK:
        line_start(st);
        vgl_strbuf_append(b, "break;\n");
        return true;
    case VGL_OP_CONT:
        line_start(st);
        vgl_strbuf_append(b, "continue;\n");
        return true;
    case VGL_OP_KILL:
        line_start(st);
        vgl_strbuf_append(b, "discard;\n");
        return true;
    case VGL_OP_KILL_IF:
        src_expr(st, &insn->src[0], 'f', e, sizeof(e));
        line_start(st);
        vgl_strbuf_printf(b, "if (any(lessThan(%s, vec4(0.0)))) {\n", e);
        vgl_strbuf_indent(b, st->indent + 4);
        vgl_strbuf_append(b, "discard;\n");
        line_start(st);
        vgl_strbuf_append(b, "}\n");
        return true;
    case VGL_OP_NOP:
        return true;
    case VGL_OP_END:
        st->epilogue(st);
        return true;
    case VGL_OP_EMIT:
        /* A block of its own: each EMIT declares the vertex's temporaries again. */
        line_start(st);
        vgl_strbuf_append(b, "{\n");
        st->indent += 4;
        st->emit_vertex(st);
        line_start(st);
        vgl_strbuf_append(b, "EmitVertex();\n");
        st->indent -= 4;
        line_start(st);
        vgl_strbuf_append(b, "}\n");
        return true;
    case VGL_OP_ENDPRIM:
        line_start(st);
        vgl_strbuf_append(b, "EndPrimitive();\n");
        return true;
    case VGL_OP_TEX:
    case VGL_OP_TEX_LZ:
    case VGL_OP_TXP:
    case VGL_OP_TXB:
    case VGL_OP_TXL:
    case VGL_OP_TXD:
    case VGL_OP_TXF:
    case VGL_OP_TXF_LZ:
    case VGL_OP_TXQ:
    case VGL_OP_TG4:
        return emit_tex(st, insn);
    default:
        return emit_alu(st, insn);
    }
}

bool vgl_glsl_emit_body(struct glsl_stage *st) {
    for (uint32_t i = 0; i < st->sh->num_insns; i++) {
        if (!emit_insn(st, &st->sh->insns[i])) {
            return false;
        }
    }
    return st->status == VGL_OK;
}

/* ---- helper functions ------------------------------------------------------------------- */

/* Vector wrapper applying a scalar helper per component. */
static void wrap4(struct vgl_strbuf *sb, const char *rt, const char *name, const char *args,
                  const char *call_args_fmt, unsigned nargs) {
    static const char comps[] = "xyzw";
    vgl_strbuf_printf(sb, "%s4 vgl_%s(%s) {\n    return %s4(", rt, name, args, rt);
    for (unsigned c = 0; c < 4; c++) {
        vgl_strbuf_printf(sb, "%svgl_%s1(", c ? ", " : "", name);
        for (unsigned a = 0; a < nargs; a++) {
            vgl_strbuf_printf(sb, "%s%c.%c", a ? ", " : "", call_args_fmt[a], comps[c]);
        }
        vgl_strbuf_append(sb, ")");
    }
    vgl_strbuf_append(sb, ");\n}\n");
}

void vgl_glsl_emit_helpers(struct vgl_strbuf *sb, uint32_t h) {
    if (h & (GLSL_H_UMUL_HI | GLSL_H_IMUL_HI)) {
        vgl_strbuf_append(sb,
                          "uint vgl_umul_hi1(uint a, uint b) {\n"
                          "    uint al = a & 0xffffu, ah = a >> 16;\n"
                          "    uint bl = b & 0xffffu, bh = b >> 16;\n"
                          "    uint m1 = ah * bl, m2 = al * bh;\n"
                          "    uint mid = ((al * bl) >> 16) + (m1 & 0xffffu) + (m2 & 0xffffu);\n"
                          "    return ah * bh + (m1 >> 16) + (m2 >> 16) + (mid >> 16);\n"
                          "}\n");
        wrap4(sb, "uvec", "umul_hi", "uvec4 a, uvec4 b", "ab", 2);
    }
    if (h & GLSL_H_IMUL_HI) {
        vgl_strbuf_append(sb, "int vgl_imul_hi1(int a, int b) {\n"
                              "    uint hi = vgl_umul_hi1(uint(a), uint(b));\n"
                              "    hi -= a < 0 ? uint(b) : 0u;\n"
                              "    hi -= b < 0 ? uint(a) : 0u;\n"
                              "    return int(hi);\n"
                              "}\n");
        wrap4(sb, "ivec", "imul_hi", "ivec4 a, ivec4 b", "ab", 2);
    }
    if (h & GLSL_H_UDIV) {
        /* Division by zero gives ~0 (D3D10 rules) and never reaches the hardware divider. */
        vgl_strbuf_append(sb, "uint vgl_udiv1(uint a, uint b) {\n"
                              "    uint q = a / max(b, 1u);\n"
                              "    return b == 0u ? 0xffffffffu : q;\n"
                              "}\n"
                              "uint vgl_umod1(uint a, uint b) {\n"
                              "    uint r = a % max(b, 1u);\n"
                              "    return b == 0u ? 0xffffffffu : r;\n"
                              "}\n");
        wrap4(sb, "uvec", "udiv", "uvec4 a, uvec4 b", "ab", 2);
        wrap4(sb, "uvec", "umod", "uvec4 a, uvec4 b", "ab", 2);
    }
    if (h & GLSL_H_IDIV) {
        /* Signed division through magnitudes: defined for INT_MIN / -1 and for zero. */
        vgl_strbuf_append(sb, "int vgl_idiv1(int a, int b) {\n"
                              "    uint ua = a < 0 ? 0u - uint(a) : uint(a);\n"
                              "    uint ub = b < 0 ? 0u - uint(b) : uint(b);\n"
                              "    uint q = ua / max(ub, 1u);\n"
                              "    int r = int((a < 0) != (b < 0) ? 0u - q : q);\n"
                              "    return b == 0 ? -1 : r;\n"
                              "}\n"
                              "int vgl_imod1(int a, int b) {\n"
                              "    uint ua = a < 0 ? 0u - uint(a) : uint(a);\n"
                              "    uint ub = b < 0 ? 0u - uint(b) : uint(b);\n"
                              "    uint m = ua % max(ub, 1u);\n"
                              "    int r = int(a < 0 ? 0u - m : m);\n"
                              "    return b == 0 ? -1 : r;\n"
                              "}\n");
        wrap4(sb, "ivec", "idiv", "ivec4 a, ivec4 b", "ab", 2);
        wrap4(sb, "ivec", "imod", "ivec4 a, ivec4 b", "ab", 2);
    }
    if (h & GLSL_H_BFE) {
        /* Width and offset use their low 5 bits; width 0 gives 0 (TGSI IBFE/UBFE). */
        vgl_strbuf_append(sb,
                          "int vgl_ibfe1(int v, int o, int b) {\n"
                          "    int w = b & 31, s = o & 31;\n"
                          "    int r = w + s < 32 ? (v << ((32 - w - s) & 31)) >> ((32 - w) & 31)"
                          " : v >> s;\n"
                          "    return w == 0 ? 0 : r;\n"
                          "}\n"
                          "uint vgl_ubfe1(uint v, uint o, uint b) {\n"
                          "    uint w = b & 31u, s = o & 31u;\n"
                          "    uint r = w + s < 32u ? (v << ((32u - w - s) & 31u)) >> "
                          "((32u - w) & 31u) : v >> s;\n"
                          "    return w == 0u ? 0u : r;\n"
                          "}\n");
        wrap4(sb, "ivec", "ibfe", "ivec4 v, ivec4 o, ivec4 b", "vob", 3);
        wrap4(sb, "uvec", "ubfe", "uvec4 v, uvec4 o, uvec4 b", "vob", 3);
    }
    if (h & GLSL_H_BFI) {
        vgl_strbuf_append(sb, "uint vgl_bfi1(uint base, uint ins, uint o, uint b) {\n"
                              "    uint w = b & 31u, s = o & 31u;\n"
                              "    uint mask = ((1u << w) - 1u) << s;\n"
                              "    return w == 0u ? base : (base & ~mask) | ((ins << s) & mask);\n"
                              "}\n");
        wrap4(sb, "uvec", "bfi", "uvec4 v, uvec4 i, uvec4 o, uvec4 b", "viob", 4);
    }
    if (h & GLSL_H_BREV) {
        vgl_strbuf_append(sb, "uint vgl_brev1(uint v) {\n"
                              "    v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);\n"
                              "    v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);\n"
                              "    v = ((v >> 4) & 0x0f0f0f0fu) | ((v & 0x0f0f0f0fu) << 4);\n"
                              "    v = ((v >> 8) & 0x00ff00ffu) | ((v & 0x00ff00ffu) << 8);\n"
                              "    return (v >> 16) | (v << 16);\n"
                              "}\n");
        wrap4(sb, "uvec", "brev", "uvec4 v", "v", 1);
    }
    if (h & (GLSL_H_POPC | GLSL_H_LSB | GLSL_H_MSB)) {
        vgl_strbuf_append(sb, "uint vgl_popc1(uint v) {\n"
                              "    v = v - ((v >> 1) & 0x55555555u);\n"
                              "    v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);\n"
                              "    v = (v + (v >> 4)) & 0x0f0f0f0fu;\n"
                              "    return (v * 0x01010101u) >> 24;\n"
                              "}\n");
        wrap4(sb, "uvec", "popc", "uvec4 v", "v", 1);
    }
    if (h & GLSL_H_LSB) {
        vgl_strbuf_append(sb, "uint vgl_lsb1(uint v) {\n"
                              "    return v == 0u ? 0xffffffffu : vgl_popc1((v & (0u - v)) - 1u);\n"
                              "}\n");
        wrap4(sb, "uvec", "lsb", "uvec4 v", "v", 1);
    }
    if (h & GLSL_H_MSB) {
        vgl_strbuf_append(sb, "int vgl_umsb1(uint v) {\n"
                              "    v |= v >> 1;\n"
                              "    v |= v >> 2;\n"
                              "    v |= v >> 4;\n"
                              "    v |= v >> 8;\n"
                              "    v |= v >> 16;\n"
                              "    return int(vgl_popc1(v)) - 1;\n"
                              "}\n"
                              "int vgl_imsb1(int v) {\n"
                              "    return vgl_umsb1(v < 0 ? ~uint(v) : uint(v));\n"
                              "}\n");
        wrap4(sb, "ivec", "umsb", "uvec4 v", "v", 1);
        wrap4(sb, "ivec", "imsb", "ivec4 v", "v", 1);
    }
}
