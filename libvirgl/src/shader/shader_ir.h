/* SPDX-License-Identifier: MIT */
/*
 * The translator's internal IR: a parsed, validated TGSI program (declarations + instructions
 * with decoded operands). Built only by tgsi_parse.c; everything here is trusted once built.
 */
#ifndef VGL_SHADER_IR_H
#define VGL_SHADER_IR_H

#include <stdbool.h>
#include <stdint.h>

#include "shader/shader.h"

/* Internal limits (the public ones are in shader.h). */
#define VGL_IR_MAX_LINE      1024 /* bytes in one line of TGSI text */
#define VGL_IR_MAX_ADDRS     4    /* ADDR[0..3] */
#define VGL_IR_MAX_SVS       16   /* SV[0..15] */
#define VGL_IR_MAX_ARRAYS    64   /* TEMP arrays (ARRAY(id) declarations) */
#define VGL_IR_MAX_ARRAY_ID  4096 /* largest accepted array id */
#define VGL_IR_MAX_UBOS      VGL_SHADER_MAX_UBOS
#define VGL_IR_MAX_SEM_INDEX 255 /* semantic indices */
#define VGL_IR_MAX_COLORS    8   /* FS COLOR[0..7] */
#define VGL_IR_MAX_CLIPDIST  2   /* CLIPDIST[0..1] (8 distances) */

/* Register files, in TGSI's order (tgsi_strings.c). */
enum vgl_file {
    VGL_FILE_NULL,
    VGL_FILE_CONST,
    VGL_FILE_IN,
    VGL_FILE_OUT,
    VGL_FILE_TEMP,
    VGL_FILE_SAMP,
    VGL_FILE_ADDR,
    VGL_FILE_IMM,
    VGL_FILE_SV,
    VGL_FILE_IMAGE,
    VGL_FILE_SVIEW,
    VGL_FILE_BUFFER,
    VGL_FILE_MEMORY,
    VGL_FILE_CONSTBUF,
    VGL_FILE_HWATOMIC,
    VGL_FILE_COUNT,
};

/* Opcodes this translator implements. Other TGSI opcode names are known to the parser only to
 * refuse them as unsupported (rather than malformed). */
enum vgl_op {
    VGL_OP_ARL,
    VGL_OP_MOV,
    VGL_OP_LIT,
    VGL_OP_RCP,
    VGL_OP_RSQ,
    VGL_OP_EXP,
    VGL_OP_LOG,
    VGL_OP_MUL,
    VGL_OP_ADD,
    VGL_OP_DP3,
    VGL_OP_DP4,
    VGL_OP_DST,
    VGL_OP_MIN,
    VGL_OP_MAX,
    VGL_OP_SLT,
    VGL_OP_SGE,
    VGL_OP_MAD,
    VGL_OP_TEX_LZ,
    VGL_OP_LRP,
    VGL_OP_FMA,
    VGL_OP_SQRT,
    VGL_OP_LDEXP,
    VGL_OP_FRC,
    VGL_OP_TXF_LZ,
    VGL_OP_FLR,
    VGL_OP_ROUND,
    VGL_OP_EX2,
    VGL_OP_LG2,
    VGL_OP_POW,
    VGL_OP_COS,
    VGL_OP_DDX,
    VGL_OP_DDY,
    VGL_OP_KILL,
    VGL_OP_SEQ,
    VGL_OP_SGT,
    VGL_OP_SIN,
    VGL_OP_SLE,
    VGL_OP_SNE,
    VGL_OP_TEX,
    VGL_OP_TXD,
    VGL_OP_TXP,
    VGL_OP_SSG,
    VGL_OP_CMP,
    VGL_OP_TXB,
    VGL_OP_DIV,
    VGL_OP_DP2,
    VGL_OP_TXL,
    VGL_OP_BRK,
    VGL_OP_IF,
    VGL_OP_UIF,
    VGL_OP_ELSE,
    VGL_OP_ENDIF,
    VGL_OP_DDX_FINE,
    VGL_OP_DDY_FINE,
    VGL_OP_CEIL,
    VGL_OP_I2F,
    VGL_OP_NOT,
    VGL_OP_TRUNC,
    VGL_OP_SHL,
    VGL_OP_AND,
    VGL_OP_OR,
    VGL_OP_MOD,
    VGL_OP_XOR,
    VGL_OP_TXF,
    VGL_OP_TXQ,
    VGL_OP_CONT,
    VGL_OP_BGNLOOP,
    VGL_OP_ENDLOOP,
    VGL_OP_NOP,
    VGL_OP_FSEQ,
    VGL_OP_FSGE,
    VGL_OP_FSLT,
    VGL_OP_FSNE,
    VGL_OP_KILL_IF,
    VGL_OP_END,
    VGL_OP_F2I,
    VGL_OP_IDIV,
    VGL_OP_IMAX,
    VGL_OP_IMIN,
    VGL_OP_INEG,
    VGL_OP_ISGE,
    VGL_OP_ISHR,
    VGL_OP_ISLT,
    VGL_OP_F2U,
    VGL_OP_U2F,
    VGL_OP_UADD,
    VGL_OP_UDIV,
    VGL_OP_UMAD,
    VGL_OP_UMAX,
    VGL_OP_UMIN,
    VGL_OP_UMOD,
    VGL_OP_UMUL,
    VGL_OP_USEQ,
    VGL_OP_USGE,
    VGL_OP_USHR,
    VGL_OP_USLT,
    VGL_OP_USNE,
    VGL_OP_UARL,
    VGL_OP_UCMP,
    VGL_OP_IABS,
    VGL_OP_ISSG,
    VGL_OP_IMUL_HI,
    VGL_OP_UMUL_HI,
    VGL_OP_IBFE,
    VGL_OP_UBFE,
    VGL_OP_BFI,
    VGL_OP_BREV,
    VGL_OP_POPC,
    VGL_OP_LSB,
    VGL_OP_IMSB,
    VGL_OP_UMSB,
    VGL_OP_TG4,
    VGL_OP_EMIT,
    VGL_OP_ENDPRIM,
    VGL_OP_COUNT,
};

enum vgl_op_flags {
    VGL_OPF_DST = 1u << 0,     /* has one destination operand */
    VGL_OPF_TEX = 1u << 1,     /* last source is SAMP[n], followed by a texture target */
    VGL_OPF_LABEL = 1u << 2,   /* may print " :label" */
    VGL_OPF_FS_ONLY = 1u << 3, /* discard / derivatives: fragment shaders only */
    VGL_OPF_GS_ONLY = 1u << 4, /* EMIT / ENDPRIM: geometry shaders only */
};

struct vgl_op_info {
    const char *name;
    uint8_t num_src;
    uint8_t flags; /* enum vgl_op_flags */
};

/* A register reference: FILE[index], FILE[ADDR[n].c+index] or FILE[dim][...]. */
struct vgl_ir_reg {
    uint8_t file;      /* enum vgl_file */
    bool indirect;     /* index is relative to ADDR[ind_reg].<ind_comp> */
    uint8_t ind_reg;   /* ADDR register number */
    uint8_t ind_comp;  /* 0..3 */
    bool has_dim;      /* two-dimensional: CONST[dim][index] (UBOs), IN[dim][index] (GS) */
    uint32_t dim;      /* buffer index for CONST, vertex for GS inputs */
    int32_t index;     /* register index, or the offset added to ADDR when indirect */
    uint32_t array_id; /* "(id)" after an indirect index; 0 = none */
};

struct vgl_ir_src {
    struct vgl_ir_reg reg;
    uint8_t swizzle[4]; /* 0..3 = x..w */
    bool negate, absolute;
};

struct vgl_ir_dst {
    struct vgl_ir_reg reg;
    uint8_t mask; /* xyzw bits, never 0 */
};

struct vgl_ir_tex_offset {
    uint32_t imm; /* IMM[imm] (only immediates are accepted) */
    uint8_t swizzle[3];
};

struct vgl_ir_insn {
    uint16_t op; /* enum vgl_op */
    uint8_t num_src;
    bool sat;
    bool has_offset;
    struct vgl_ir_dst dst; /* valid when the op has VGL_OPF_DST */
    struct vgl_ir_src src[4];
    enum vgl_tex_target target;      /* texture ops */
    struct vgl_ir_tex_offset offset; /* when has_offset */
    uint32_t line;                   /* line in the TGSI text, for messages */
};

/* A TEMP range declared with ARRAY(id): emitted as one GLSL array. */
struct vgl_ir_array {
    uint32_t first, last, id;
};

enum vgl_return_type {
    VGL_RET_UNORM,
    VGL_RET_SNORM,
    VGL_RET_SINT,
    VGL_RET_UINT,
    VGL_RET_FLOAT,
};

#define VGL_IR_NO_DECL 0xffu

struct vgl_shader {
    struct vgl_shader_info info;

    struct vgl_ir_insn *insns;
    uint32_t num_insns, cap_insns;

    uint32_t (*imms)[4]; /* raw 32-bit immediates */
    uint32_t num_imms, cap_imms;

    /* TEMP: declared bitmap and the array each register belongs to (0 = none, else index+1). */
    uint32_t num_temps; /* highest declared TEMP + 1 */
    uint8_t temp_declared[VGL_SHADER_MAX_TEMPS / 8];
    uint8_t temp_array[VGL_SHADER_MAX_TEMPS];
    struct vgl_ir_array arrays[VGL_IR_MAX_ARRAYS];
    uint32_t num_arrays;

    /* IN / OUT: which info.inputs[] / info.outputs[] entry covers register i. */
    uint8_t in_decl[VGL_SHADER_MAX_INPUTS];
    uint8_t out_decl[VGL_SHADER_MAX_OUTPUTS];
    uint32_t num_in_regs, num_out_regs; /* highest declared + 1 */

    uint32_t addr_declared; /* bit n: ADDR[n] */
    uint32_t sv_declared;   /* bit n: SV[n] */
    enum vgl_semantic sv_semantic[VGL_IR_MAX_SVS];

    uint32_t samp_declared, sview_declared;
    enum vgl_tex_target sview_target[VGL_SHADER_MAX_SAMPLERS];
    enum vgl_return_type sview_return[VGL_SHADER_MAX_SAMPLERS];

    uint8_t const_declared[VGL_SHADER_MAX_CONSTS / 8];
    uint32_t const_decl_end;            /* highest declared CONST[0] slot + 1 */
    uint32_t ubo_size[VGL_IR_MAX_UBOS]; /* declared slots of CONST[n][...], n >= 1 */

    /* Uses that change what the emitter declares. */
    bool in_indirect, out_indirect, const_indirect, imm_indirect;
    bool uses_txq;
    uint32_t gs_vertices_read;    /* highest vertex index of IN[v][n] operands + 1 */
    bool legacy_math_rules;       /* parsed, not emulated */
    struct vgl_stream_output *so; /* NULL when none */
};

const struct vgl_op_info *vgl_shader_op_info(enum vgl_op op);
/* Looks up an opcode name of `len` bytes; returns VGL_OP_COUNT if it is not implemented and sets
 * *known when TGSI defines it anyway. */
enum vgl_op vgl_shader_find_op(const char *name, size_t len, bool *known);
/* Index of `name` in `table` (n entries), or -1. */
int vgl_shader_find_name(const char *const *table, unsigned n, const char *name, size_t len);

extern const char *const vgl_shader_file_names[VGL_FILE_COUNT];
extern const char *const vgl_shader_semantic_names[];
extern const unsigned vgl_shader_num_semantic_names;
/* Indexed by enum vgl_tex_target. */
extern const char *const vgl_shader_target_names[VGL_TEX_BUFFER + 1];
extern const char *const vgl_shader_return_names[5];
extern const char *const vgl_shader_interp_names[4];
extern const char *const vgl_shader_location_names[3];
extern const char *const vgl_shader_property_names[];
extern const unsigned vgl_shader_num_property_names;
extern const char *const vgl_shader_primitive_names[];
extern const unsigned vgl_shader_num_primitive_names;

static inline bool vgl_ir_temp_is_declared(const struct vgl_shader *sh, uint32_t i) {
    return i < VGL_SHADER_MAX_TEMPS && (sh->temp_declared[i / 8] >> (i % 8)) & 1;
}

static inline bool vgl_ir_const_is_declared(const struct vgl_shader *sh, uint32_t i) {
    return i < VGL_SHADER_MAX_CONSTS && (sh->const_declared[i / 8] >> (i % 8)) & 1;
}

#endif
