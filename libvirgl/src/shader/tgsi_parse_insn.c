/* SPDX-License-Identifier: MIT */
/*
 * TGSI text -> IR, part 2: instruction lines, operands, register checks against declarations,
 * structured control flow, and the final whole-program checks. Never trusts an index.
 */
#include <stdlib.h>
#include <string.h>

#include "shader/shader_ir.h"
#include "shader/tgsi_parser.h"

static const char *file_name(uint32_t file) {
    return file < VGL_FILE_COUNT ? vgl_shader_file_names[file] : "?";
}

static bool parse_file(struct tgsi_parser *ps, uint8_t *file) {
    const char *s;
    size_t n;
    if (!vgl_tgsi_ident(ps, &s, &n, "a register")) {
        return false;
    }
    const int f = vgl_shader_find_name(vgl_shader_file_names, VGL_FILE_COUNT, s, n);
    if (f < 0) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "unknown register file %.*s",
                             (int)(n > 32 ? 32 : n), s);
    }
    *file = (uint8_t)f;
    return true;
}

static int swizzle_letter(char c) {
    switch (c) {
    case 'x':
        return 0;
    case 'y':
        return 1;
    case 'z':
        return 2;
    case 'w':
        return 3;
    default:
        return -1;
    }
}

/*
 * One bracket: "[n]", "[ADDR[a].c]", "[ADDR[a].c+k]" or "[ADDR[a].c-k]", then an optional
 * "(arrayid)". The opening '[' has been consumed.
 */
static bool parse_bracket(struct tgsi_parser *ps, struct vgl_ir_reg *reg, bool *indirect,
                          int32_t *index) {
    vgl_tgsi_skip_blanks(ps);
    if (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        uint32_t v;
        if (!vgl_tgsi_uint(ps, &v, "a register index")) {
            return false;
        }
        if (v > INT32_MAX) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "register index %u out of range", v);
        }
        *indirect = false;
        *index = (int32_t)v;
        return vgl_tgsi_expect(ps, ']', "after a register index");
    }
    uint8_t file;
    uint32_t areg;
    if (!parse_file(ps, &file)) {
        return false;
    }
    if (file != VGL_FILE_ADDR) {
        return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "indirect addressing through %s",
                             file_name(file));
    }
    if (!vgl_tgsi_expect(ps, '[', "after ADDR") || !vgl_tgsi_uint(ps, &areg, "an ADDR index") ||
        !vgl_tgsi_expect(ps, ']', "after the ADDR index") ||
        !vgl_tgsi_expect(ps, '.', "after ADDR[n]")) {
        return false;
    }
    if (areg >= VGL_IR_MAX_ADDRS || !(ps->sh->addr_declared >> areg & 1)) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "ADDR[%u] is not declared", areg);
    }
    const int comp = ps->p < ps->end ? swizzle_letter(*ps->p) : -1;
    if (comp < 0) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "bad ADDR component");
    }
    ps->p++;
    int32_t offset = 0;
    vgl_tgsi_skip_blanks(ps);
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) {
        if (!vgl_tgsi_int(ps, &offset, "an index offset")) {
            return false;
        }
        if (offset <= -(int32_t)VGL_SHADER_MAX_CONSTS || offset >= (int32_t)VGL_SHADER_MAX_CONSTS) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "index offset %d out of range", offset);
        }
    }
    if (!vgl_tgsi_expect(ps, ']', "after an indirect index")) {
        return false;
    }
    if (vgl_tgsi_accept(ps, '(')) {
        if (!vgl_tgsi_uint(ps, &reg->array_id, "an array id") ||
            !vgl_tgsi_expect(ps, ')', "after the array id")) {
            return false;
        }
    }
    *indirect = true;
    reg->ind_reg = (uint8_t)areg;
    reg->ind_comp = (uint8_t)comp;
    *index = offset;
    return true;
}

/* FILE[...] or FILE[dim][...]. */
static bool parse_reg(struct tgsi_parser *ps, struct vgl_ir_reg *reg) {
    memset(reg, 0, sizeof(*reg));
    if (!parse_file(ps, &reg->file) || !vgl_tgsi_expect(ps, '[', "after the register file")) {
        return false;
    }
    bool indirect;
    int32_t index;
    if (!parse_bracket(ps, reg, &indirect, &index)) {
        return false;
    }
    if (ps->p < ps->end && *ps->p == '[') {
        ps->p++;
        if (indirect) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "indirect dimension index");
        }
        reg->has_dim = true;
        reg->dim = (uint32_t)index;
        if (!parse_bracket(ps, reg, &indirect, &index)) {
            return false;
        }
    }
    reg->indirect = indirect;
    reg->index = index;
    return true;
}

/* Checks a register reference against the declarations and records what it implies. */
static bool check_reg(struct tgsi_parser *ps, const struct vgl_ir_reg *reg, bool is_dst) {
    struct vgl_shader *const sh = ps->sh;
    const char *const fname = file_name(reg->file);
    const int32_t i = reg->index;
    const bool ok_file = is_dst ? (reg->file == VGL_FILE_TEMP || reg->file == VGL_FILE_OUT ||
                                   reg->file == VGL_FILE_ADDR)
                                : (reg->file == VGL_FILE_TEMP || reg->file == VGL_FILE_IN ||
                                   reg->file == VGL_FILE_OUT || reg->file == VGL_FILE_CONST ||
                                   reg->file == VGL_FILE_IMM || reg->file == VGL_FILE_ADDR ||
                                   reg->file == VGL_FILE_SV);
    if (!ok_file) {
        const bool unsupported = reg->file == VGL_FILE_IMAGE || reg->file == VGL_FILE_BUFFER ||
                                 reg->file == VGL_FILE_MEMORY || reg->file == VGL_FILE_CONSTBUF ||
                                 reg->file == VGL_FILE_HWATOMIC;
        return vgl_tgsi_fail(ps, unsupported ? VGL_ERROR_UNSUPPORTED : VGL_ERROR_MALFORMED,
                             "%s register not allowed as a %s", fname,
                             is_dst ? "destination" : "source");
    }
    const bool gs_in = reg->file == VGL_FILE_IN && sh->info.stage == VGL_SHADER_GEOMETRY;
    if (reg->has_dim && reg->file != VGL_FILE_CONST && !gs_in) {
        return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "2-D %s operand", fname);
    }
    if (gs_in) {
        /* IN[vertex][n]: checked against the input primitive's vertex count at the end. */
        const bool per_primitive =
                !reg->indirect && reg->index >= 0 && reg->index < (int32_t)VGL_SHADER_MAX_INPUTS &&
                sh->in_decl[reg->index] != VGL_IR_NO_DECL &&
                sh->info.inputs[sh->in_decl[reg->index]].semantic == VGL_SEM_PRIMID;
        if (!reg->has_dim && !per_primitive) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "geometry shader input without a vertex");
        }
        if (reg->dim >= 6) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "IN[%u][...]: no such vertex", reg->dim);
        }
        if (reg->dim + 1 > sh->gs_vertices_read) {
            sh->gs_vertices_read = reg->dim + 1;
        }
    }
    if (reg->indirect && reg->file != VGL_FILE_TEMP && reg->file != VGL_FILE_IN &&
        reg->file != VGL_FILE_OUT && reg->file != VGL_FILE_CONST && reg->file != VGL_FILE_IMM) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "indirect %s operand", fname);
    }
    switch (reg->file) {
    case VGL_FILE_TEMP:
        if (!reg->indirect) {
            if (!vgl_ir_temp_is_declared(sh, (uint32_t)i)) {
                return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "TEMP[%d] is not declared", i);
            }
            return true;
        }
        if (reg->array_id) {
            for (uint32_t a = 0; a < sh->num_arrays; a++) {
                if (sh->arrays[a].id == reg->array_id) {
                    return true;
                }
            }
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "ARRAY(%u) is not declared",
                                 reg->array_id);
        }
        if (i < 0 || !vgl_ir_temp_is_declared(sh, (uint32_t)i) || !sh->temp_array[i]) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED,
                                 "indirect TEMP[ADDR+%d] outside a declared ARRAY", i);
        }
        return true;
    case VGL_FILE_IN:
    case VGL_FILE_OUT: {
        const bool in = reg->file == VGL_FILE_IN;
        const uint8_t *const map = in ? sh->in_decl : sh->out_decl;
        if (reg->indirect) {
            *(in ? &sh->in_indirect : &sh->out_indirect) = true;
            return true;
        }
        if (i >= (int32_t)VGL_SHADER_MAX_INPUTS || map[i] == VGL_IR_NO_DECL) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%s[%d] is not declared", fname, i);
        }
        return true;
    }
    case VGL_FILE_CONST:
        if (reg->has_dim && reg->dim > 0) {
            if (reg->dim >= VGL_IR_MAX_UBOS || sh->ubo_size[reg->dim] == 0) {
                return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "CONST[%u] is not declared",
                                     reg->dim);
            }
            if (!reg->indirect && i >= (int32_t)sh->ubo_size[reg->dim]) {
                return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "CONST[%u][%d] is not declared",
                                     reg->dim, i);
            }
            sh->info.ubos_used |= 1u << reg->dim;
            return true;
        }
        if (reg->indirect) {
            sh->const_indirect = true;
            return true;
        }
        if (!vgl_ir_const_is_declared(sh, (uint32_t)i)) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "CONST[%d] is not declared", i);
        }
        if ((uint32_t)i + 1 > sh->info.num_consts) {
            sh->info.num_consts = (uint32_t)i + 1;
        }
        return true;
    case VGL_FILE_IMM:
        if (reg->indirect) {
            sh->imm_indirect = true;
            return true;
        }
        if ((uint32_t)i >= sh->num_imms) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "IMM[%d] is not declared", i);
        }
        return true;
    case VGL_FILE_ADDR:
        if (i >= VGL_IR_MAX_ADDRS || !(sh->addr_declared >> i & 1)) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "ADDR[%d] is not declared", i);
        }
        return true;
    case VGL_FILE_SV:
        if (i >= VGL_IR_MAX_SVS || !(sh->sv_declared >> i & 1)) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "SV[%d] is not declared", i);
        }
        return true;
    default:
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "bad %s operand", fname);
    }
}

static bool parse_dst(struct tgsi_parser *ps, struct vgl_ir_dst *dst) {
    if (!parse_reg(ps, &dst->reg)) {
        return false;
    }
    dst->mask = 0xf;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        uint8_t m = 0;
        int prev = -1;
        while (ps->p < ps->end) {
            const int c = swizzle_letter(*ps->p);
            if (c < 0) {
                break;
            }
            if (c <= prev) {
                return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "bad write mask");
            }
            prev = c;
            m |= (uint8_t)(1u << c);
            ps->p++;
        }
        if (m == 0) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "empty write mask");
        }
        dst->mask = m;
    }
    return check_reg(ps, &dst->reg, true);
}

/* ".x" (replicated) or ".xyzw"; identity when absent. */
static bool parse_swizzle(struct tgsi_parser *ps, uint8_t *swz, unsigned max_letters) {
    for (unsigned c = 0; c < 4; c++) {
        swz[c] = (uint8_t)(c < max_letters ? c : max_letters - 1);
    }
    if (ps->p >= ps->end || *ps->p != '.') {
        return true;
    }
    ps->p++;
    unsigned n = 0;
    uint8_t letters[4];
    while (ps->p < ps->end && n < 4) {
        const int c = swizzle_letter(*ps->p);
        if (c < 0) {
            break;
        }
        letters[n++] = (uint8_t)c;
        ps->p++;
    }
    if (n != 1 && n != max_letters) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "swizzle needs 1 or %u letters", max_letters);
    }
    for (unsigned c = 0; c < max_letters; c++) {
        swz[c] = letters[n == 1 ? 0 : c];
    }
    return true;
}

static bool parse_src(struct tgsi_parser *ps, struct vgl_ir_src *src, bool is_sampler) {
    memset(src, 0, sizeof(*src));
    src->negate = vgl_tgsi_accept(ps, '-');
    src->absolute = vgl_tgsi_accept(ps, '|');
    if (!parse_reg(ps, &src->reg) || !parse_swizzle(ps, src->swizzle, 4)) {
        return false;
    }
    if (src->absolute && !vgl_tgsi_expect(ps, '|', "closing |x|")) {
        return false;
    }
    if (is_sampler) {
        if (src->reg.file != VGL_FILE_SAMP || src->reg.indirect || src->reg.has_dim ||
            src->negate || src->absolute) {
            return vgl_tgsi_fail(ps,
                                 src->reg.indirect ? VGL_ERROR_UNSUPPORTED : VGL_ERROR_MALFORMED,
                                 "texture instructions need a plain SAMP[n] last");
        }
        const int32_t i = src->reg.index;
        if (i >= (int32_t)VGL_SHADER_MAX_SAMPLERS || !(ps->sh->samp_declared >> i & 1)) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "SAMP[%d] is not declared", i);
        }
        return true;
    }
    return check_reg(ps, &src->reg, false);
}

/* Which targets each texture opcode can express in GLSL 3.30. */
static bool target_ok(enum vgl_op op, enum vgl_tex_target t) {
    const bool shadow = t == VGL_TEX_SHADOW1D || t == VGL_TEX_SHADOW2D || t == VGL_TEX_SHADOWRECT ||
                        t == VGL_TEX_SHADOW1D_ARRAY || t == VGL_TEX_SHADOW2D_ARRAY ||
                        t == VGL_TEX_SHADOWCUBE;
    const bool ms = t == VGL_TEX_2D_MSAA || t == VGL_TEX_2D_ARRAY_MSAA;
    if (t == VGL_TEX_UNKNOWN || t == VGL_TEX_CUBE_ARRAY || t == VGL_TEX_SHADOWCUBE_ARRAY) {
        return false;
    }
    switch (op) {
    case VGL_OP_TEX:
    case VGL_OP_TXD:
        return !ms && t != VGL_TEX_BUFFER;
    case VGL_OP_TXP:
        return t == VGL_TEX_1D || t == VGL_TEX_2D || t == VGL_TEX_3D || t == VGL_TEX_CUBE ||
               t == VGL_TEX_RECT || t == VGL_TEX_SHADOW1D || t == VGL_TEX_SHADOW2D ||
               t == VGL_TEX_SHADOWRECT;
    case VGL_OP_TXB:
        return t == VGL_TEX_1D || t == VGL_TEX_2D || t == VGL_TEX_3D || t == VGL_TEX_CUBE ||
               t == VGL_TEX_SHADOW1D || t == VGL_TEX_SHADOW2D || t == VGL_TEX_1D_ARRAY ||
               t == VGL_TEX_2D_ARRAY || t == VGL_TEX_SHADOW1D_ARRAY;
    case VGL_OP_TXL:
    case VGL_OP_TEX_LZ:
        return t == VGL_TEX_1D || t == VGL_TEX_2D || t == VGL_TEX_3D || t == VGL_TEX_CUBE ||
               t == VGL_TEX_RECT || t == VGL_TEX_SHADOW1D || t == VGL_TEX_SHADOW2D ||
               t == VGL_TEX_1D_ARRAY || t == VGL_TEX_2D_ARRAY || t == VGL_TEX_SHADOW1D_ARRAY;
    case VGL_OP_TXF:
    case VGL_OP_TXF_LZ:
        return !shadow && t != VGL_TEX_CUBE;
    case VGL_OP_TXQ:
        return true;
    case VGL_OP_TG4: /* textureGather's samplers (cube arrays are refused above) */
        return t == VGL_TEX_2D || t == VGL_TEX_2D_ARRAY || t == VGL_TEX_CUBE || t == VGL_TEX_RECT ||
               t == VGL_TEX_SHADOW2D || t == VGL_TEX_SHADOW2D_ARRAY || t == VGL_TEX_SHADOWCUBE ||
               t == VGL_TEX_SHADOWRECT;
    default:
        return false;
    }
}

static bool parse_texture_tail(struct tgsi_parser *ps, struct vgl_ir_insn *insn) {
    struct vgl_shader *const sh = ps->sh;
    const char *s;
    size_t n;
    if (!vgl_tgsi_expect(ps, ',', "before the texture target") ||
        !vgl_tgsi_ident(ps, &s, &n, "a texture target")) {
        return false;
    }
    const int t = vgl_shader_find_name(vgl_shader_target_names, VGL_TEX_BUFFER + 1, s, n);
    if (t < 0) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "unknown texture target %.*s",
                             (int)(n > 32 ? 32 : n), s);
    }
    insn->target = (enum vgl_tex_target)t;
    if (!target_ok((enum vgl_op)insn->op, insn->target)) {
        return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "%s with target %s is not supported",
                             vgl_shader_op_info((enum vgl_op)insn->op)->name,
                             vgl_shader_target_names[t]);
    }
    const uint32_t unit = (uint32_t)insn->src[insn->num_src - 1].reg.index;
    if (sh->sview_declared >> unit & 1) {
        const enum vgl_return_type ret = sh->sview_return[unit];
        const bool shadow =
                insn->target == VGL_TEX_SHADOW1D || insn->target == VGL_TEX_SHADOW2D ||
                insn->target == VGL_TEX_SHADOWRECT || insn->target == VGL_TEX_SHADOW1D_ARRAY ||
                insn->target == VGL_TEX_SHADOW2D_ARRAY || insn->target == VGL_TEX_SHADOWCUBE;
        if (shadow && (ret == VGL_RET_SINT || ret == VGL_RET_UINT)) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "shadow lookup on an integer view");
        }
    }
    if (sh->info.samplers_used >> unit & 1) {
        if (sh->info.sampler_targets[unit] != insn->target) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "SAMP[%u] used as %s and %s", unit,
                                 vgl_shader_target_names[sh->info.sampler_targets[unit]],
                                 vgl_shader_target_names[insn->target]);
        }
    } else {
        sh->info.samplers_used |= 1u << unit;
        sh->info.sampler_targets[unit] = insn->target;
    }
    while (vgl_tgsi_accept(ps, ',')) {
        uint8_t file;
        uint32_t idx;
        if (insn->has_offset) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "more than one texture offset");
        }
        if (!parse_file(ps, &file) || !vgl_tgsi_expect(ps, '[', "after the offset file") ||
            !vgl_tgsi_uint(ps, &idx, "an offset register") ||
            !vgl_tgsi_expect(ps, ']', "after the offset register")) {
            return false;
        }
        if (file != VGL_FILE_IMM) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "non-immediate texture offsets");
        }
        if (idx >= sh->num_imms) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "IMM[%u] is not declared", idx);
        }
        if (!parse_swizzle(ps, insn->offset.swizzle, 3)) {
            return false;
        }
        for (unsigned c = 0; c < 3; c++) {
            const int32_t v = (int32_t)sh->imms[idx][insn->offset.swizzle[c]];
            if (v < -8 || v > 7) {
                return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "texel offset %d out of range", v);
            }
        }
        if (insn->op == VGL_OP_TXQ || insn->target == VGL_TEX_CUBE ||
            insn->target == VGL_TEX_SHADOWCUBE || insn->target == VGL_TEX_BUFFER ||
            insn->target == VGL_TEX_2D_MSAA || insn->target == VGL_TEX_2D_ARRAY_MSAA ||
            (insn->op == VGL_OP_TXP && insn->target == VGL_TEX_CUBE)) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "texel offset with this target");
        }
        insn->offset.imm = idx;
        insn->has_offset = true;
    }
    if (insn->op == VGL_OP_TXQ) {
        sh->uses_txq = true;
    }
    /* TG4's component operand: an immediate must name a channel (GLSL takes a constant). */
    const struct vgl_ir_src *const comp = &insn->src[1];
    if (insn->op == VGL_OP_TG4 && comp->reg.file == VGL_FILE_IMM && !comp->reg.indirect &&
        sh->imms[comp->reg.index][comp->swizzle[0]] > 3) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "TG4 component %u",
                             sh->imms[comp->reg.index][comp->swizzle[0]]);
    }
    return true;
}

static bool control_flow(struct tgsi_parser *ps, enum vgl_op op) {
    switch (op) {
    case VGL_OP_IF:
    case VGL_OP_UIF:
    case VGL_OP_BGNLOOP:
        if (ps->cf_depth >= VGL_SHADER_MAX_NESTING) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "nesting deeper than %u",
                                 VGL_SHADER_MAX_NESTING);
        }
        if (op == VGL_OP_BGNLOOP && ps->loop_depth >= VGL_SHADER_MAX_LOOP_NESTING) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "loops nested deeper than %u",
                                 VGL_SHADER_MAX_LOOP_NESTING);
        }
        ps->cf[ps->cf_depth++] = op == VGL_OP_BGNLOOP ? CF_LOOP : CF_IF;
        ps->loop_depth += op == VGL_OP_BGNLOOP;
        return true;
    case VGL_OP_ELSE:
        if (ps->cf_depth == 0 || ps->cf[ps->cf_depth - 1] == CF_LOOP) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "ELSE without IF");
        }
        if (ps->cf[ps->cf_depth - 1] == CF_IF_ELSE) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "second ELSE for one IF");
        }
        ps->cf[ps->cf_depth - 1] = CF_IF_ELSE;
        return true;
    case VGL_OP_ENDIF:
        if (ps->cf_depth == 0 || ps->cf[ps->cf_depth - 1] == CF_LOOP) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "ENDIF without IF");
        }
        ps->cf_depth--;
        return true;
    case VGL_OP_ENDLOOP:
        if (ps->cf_depth == 0 || ps->cf[ps->cf_depth - 1] != CF_LOOP) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "ENDLOOP without BGNLOOP");
        }
        ps->cf_depth--;
        ps->loop_depth--;
        return true;
    case VGL_OP_BRK:
    case VGL_OP_CONT:
        if (ps->loop_depth == 0) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%s outside a loop",
                                 op == VGL_OP_BRK ? "BRK" : "CONT");
        }
        return true;
    case VGL_OP_END:
        if (ps->cf_depth != 0) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "END inside IF or loop");
        }
        ps->seen_end = true;
        return true;
    default:
        return true;
    }
}

bool vgl_tgsi_parse_instruction(struct tgsi_parser *ps) {
    struct vgl_shader *const sh = ps->sh;
    const char *s;
    size_t n;
    if (sh->num_insns >= VGL_SHADER_MAX_INSTRUCTIONS) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "more than %u instructions",
                             VGL_SHADER_MAX_INSTRUCTIONS);
    }
    if (!vgl_tgsi_ident(ps, &s, &n, "an opcode")) {
        return false;
    }
    struct vgl_ir_insn insn = {.line = ps->line};
    bool known = false;
    enum vgl_op op = vgl_shader_find_op(s, n, &known);
    size_t base = n;
    if (!known && base > 8 && !memcmp(s + base - 8, "_PRECISE", 8)) {
        base -= 8;
        op = vgl_shader_find_op(s, base, &known);
    }
    if (!known && base > 4 && !memcmp(s + base - 4, "_SAT", 4)) {
        base -= 4;
        insn.sat = true;
        op = vgl_shader_find_op(s, base, &known);
    }
    const int w = (int)(n > 32 ? 32 : n);
    if (op == VGL_OP_COUNT) {
        return vgl_tgsi_fail(ps, known ? VGL_ERROR_UNSUPPORTED : VGL_ERROR_MALFORMED,
                             known ? "opcode %.*s is not supported" : "unknown opcode %.*s", w, s);
    }
    const struct vgl_op_info *const info = vgl_shader_op_info(op);
    insn.op = (uint16_t)op;
    insn.num_src = info->num_src;
    if ((info->flags & VGL_OPF_FS_ONLY) && sh->info.stage != VGL_SHADER_FRAGMENT) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%s outside a fragment shader", info->name);
    }
    if ((info->flags & VGL_OPF_GS_ONLY) && sh->info.stage != VGL_SHADER_GEOMETRY) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%s outside a geometry shader", info->name);
    }
    if (insn.sat && !(info->flags & VGL_OPF_DST)) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "_SAT on %s", info->name);
    }
    bool first = true;
    if (info->flags & VGL_OPF_DST) {
        if (!parse_dst(ps, &insn.dst)) {
            return false;
        }
        first = false;
    }
    for (unsigned i = 0; i < insn.num_src; i++) {
        if (!first && !vgl_tgsi_expect(ps, ',', "between operands")) {
            return false;
        }
        first = false;
        const bool sampler = (info->flags & VGL_OPF_TEX) && i + 1 == insn.num_src;
        if (!parse_src(ps, &insn.src[i], sampler)) {
            return false;
        }
    }
    if ((info->flags & VGL_OPF_TEX) && !parse_texture_tail(ps, &insn)) {
        return false;
    }
    if (info->flags & VGL_OPF_GS_ONLY) {
        /* The vertex stream: an immediate; streams other than 0 are GL 4.0. */
        const struct vgl_ir_src *const st = &insn.src[0];
        if (st->reg.file != VGL_FILE_IMM || st->reg.indirect) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "%s to a computed stream", info->name);
        }
        const uint32_t stream = sh->imms[st->reg.index][st->swizzle[0]];
        if (stream != 0) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "%s to stream %u", info->name, stream);
        }
    }
    if (info->flags & VGL_OPF_LABEL) {
        if (vgl_tgsi_accept(ps, ':')) {
            uint32_t label;
            if (!vgl_tgsi_uint(ps, &label, "a label")) {
                return false;
            }
        }
    }
    if (!vgl_tgsi_at_eol(ps)) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "junk after %s", info->name);
    }
    if (insn.dst.reg.file == VGL_FILE_ADDR && op != VGL_OP_ARL && op != VGL_OP_UARL &&
        op != VGL_OP_MOV) {
        return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "%s into ADDR", info->name);
    }
    if (!control_flow(ps, op)) {
        return false;
    }
    sh->info.uses_kill |= op == VGL_OP_KILL || op == VGL_OP_KILL_IF;
    if (sh->num_insns == sh->cap_insns) {
        const uint32_t cap = sh->cap_insns ? sh->cap_insns * 2 : 64;
        void *const insns = realloc(sh->insns, sizeof(sh->insns[0]) * cap);
        if (!insns) {
            return vgl_tgsi_fail(ps, VGL_ERROR_NO_MEMORY, "out of memory");
        }
        sh->insns = insns;
        sh->cap_insns = cap;
    }
    sh->insns[sh->num_insns++] = insn;
    return true;
}

bool vgl_tgsi_finish(struct tgsi_parser *ps) {
    struct vgl_shader *const sh = ps->sh;
    if (!ps->seen_end) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "missing END (truncated text?)");
    }
    if (sh->info.stage == VGL_SHADER_GEOMETRY) {
        const struct vgl_shader_info *const info = &sh->info;
        if (!info->gs_vertices_in || !info->gs_max_vertices) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED,
                                 "geometry shader without GS_INPUT_PRIMITIVE or "
                                 "GS_MAX_OUTPUT_VERTICES");
        }
        if (sh->gs_vertices_read > info->gs_vertices_in) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED,
                                 "IN[%u][...] read, the input primitive has %u vertices",
                                 sh->gs_vertices_read - 1, info->gs_vertices_in);
        }
        if (!sh->info.gs_invocations) {
            sh->info.gs_invocations = 1;
        }
    }
    /* An indirect CONST read may reach any declared slot. */
    if (sh->const_indirect && sh->const_decl_end > sh->info.num_consts) {
        sh->info.num_consts = sh->const_decl_end;
    }
    return true;
}
