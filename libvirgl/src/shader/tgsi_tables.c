/* SPDX-License-Identifier: MIT */
/*
 * Name tables of the TGSI text format (files, semantics, targets, properties, opcodes), written
 * from protocol-facts §3.3-3.4. Pure data plus lookups; no parsing state here.
 */
#include <string.h>

#include "shader/shader_ir.h"

const char *const vgl_shader_file_names[VGL_FILE_COUNT] = {
        [VGL_FILE_NULL] = "NULL",
        [VGL_FILE_CONST] = "CONST",
        [VGL_FILE_IN] = "IN",
        [VGL_FILE_OUT] = "OUT",
        [VGL_FILE_TEMP] = "TEMP",
        [VGL_FILE_SAMP] = "SAMP",
        [VGL_FILE_ADDR] = "ADDR",
        [VGL_FILE_IMM] = "IMM",
        [VGL_FILE_SV] = "SV",
        [VGL_FILE_IMAGE] = "IMAGE",
        [VGL_FILE_SVIEW] = "SVIEW",
        [VGL_FILE_BUFFER] = "BUFFER",
        [VGL_FILE_MEMORY] = "MEMORY",
        [VGL_FILE_CONSTBUF] = "CONSTBUF",
        [VGL_FILE_HWATOMIC] = "HWATOMIC",
};

/* TGSI's order; entries from VGL_SEM_COUNT_SUPPORTED on are recognised but unsupported. */
const char *const vgl_shader_semantic_names[] = {
        "POSITION",
        "COLOR",
        "BCOLOR",
        "FOG",
        "PSIZE",
        "GENERIC",
        "NORMAL",
        "FACE",
        "EDGEFLAG",
        "PRIM_ID",
        "INSTANCEID",
        "VERTEXID",
        "STENCIL",
        "CLIPDIST",
        "CLIPVERTEX",
        "GRID_SIZE",
        "BLOCK_ID",
        "BLOCK_SIZE",
        "THREAD_ID",
        "TEXCOORD",
        "PCOORD",
        "VIEWPORT_INDEX",
        "LAYER",
        "SAMPLEID",
        "SAMPLEPOS",
        "SAMPLEMASK",
        "INVOCATIONID",
        "VERTEXID_NOBASE",
        "BASEVERTEX",
        "PATCH",
        "TESSCOORD",
        "TESSOUTER",
        "TESSINNER",
        "VERTICESIN",
        "HELPER_INVOCATION",
        "BASEINSTANCE",
        "DRAWID",
        "WORK_DIM",
        "SUBGROUP_SIZE",
        "SUBGROUP_INVOCATION",
        "SUBGROUP_EQ_MASK",
        "SUBGROUP_GE_MASK",
        "SUBGROUP_GT_MASK",
        "SUBGROUP_LE_MASK",
        "SUBGROUP_LT_MASK",
        "CS_USER_DATA_AMD",
        "VIEWPORT_MASK",
        "TESS_DEFAULT_OUTER_LEVEL",
        "TESS_DEFAULT_INNER_LEVEL",
};
const unsigned vgl_shader_num_semantic_names =
        sizeof(vgl_shader_semantic_names) / sizeof(vgl_shader_semantic_names[0]);

const char *const vgl_shader_target_names[VGL_TEX_BUFFER + 1] = {
        [VGL_TEX_UNKNOWN] = "UNKNOWN",
        [VGL_TEX_1D] = "1D",
        [VGL_TEX_2D] = "2D",
        [VGL_TEX_3D] = "3D",
        [VGL_TEX_CUBE] = "CUBE",
        [VGL_TEX_RECT] = "RECT",
        [VGL_TEX_SHADOW1D] = "SHADOW1D",
        [VGL_TEX_SHADOW2D] = "SHADOW2D",
        [VGL_TEX_SHADOWRECT] = "SHADOWRECT",
        [VGL_TEX_1D_ARRAY] = "1D_ARRAY",
        [VGL_TEX_2D_ARRAY] = "2D_ARRAY",
        [VGL_TEX_SHADOW1D_ARRAY] = "SHADOW1D_ARRAY",
        [VGL_TEX_SHADOW2D_ARRAY] = "SHADOW2D_ARRAY",
        [VGL_TEX_SHADOWCUBE] = "SHADOWCUBE",
        [VGL_TEX_2D_MSAA] = "2D_MSAA",
        [VGL_TEX_2D_ARRAY_MSAA] = "2D_ARRAY_MSAA",
        [VGL_TEX_CUBE_ARRAY] = "CUBEARRAY",
        [VGL_TEX_SHADOWCUBE_ARRAY] = "SHADOWCUBEARRAY",
        [VGL_TEX_BUFFER] = "BUFFER",
};

const char *const vgl_shader_return_names[5] = {"UNORM", "SNORM", "SINT", "UINT", "FLOAT"};
const char *const vgl_shader_interp_names[4] = {"CONSTANT", "LINEAR", "PERSPECTIVE", "COLOR"};
const char *const vgl_shader_location_names[3] = {"CENTER", "CENTROID", "SAMPLE"};

const char *const vgl_shader_property_names[] = {
        "GS_INPUT_PRIMITIVE",
        "GS_OUTPUT_PRIMITIVE",
        "GS_MAX_OUTPUT_VERTICES",
        "FS_COORD_ORIGIN",
        "FS_COORD_PIXEL_CENTER",
        "FS_COLOR0_WRITES_ALL_CBUFS",
        "FS_DEPTH_LAYOUT",
        "VS_PROHIBIT_UCPS",
        "GS_INVOCATIONS",
        "VS_WINDOW_SPACE_POSITION",
        "TCS_VERTICES_OUT",
        "TES_PRIM_MODE",
        "TES_SPACING",
        "TES_VERTEX_ORDER_CW",
        "TES_POINT_MODE",
        "NUM_CLIPDIST_ENABLED",
        "NUM_CULLDIST_ENABLED",
        "FS_EARLY_DEPTH_STENCIL",
        "FS_POST_DEPTH_COVERAGE",
        "NEXT_SHADER",
        "CS_FIXED_BLOCK_WIDTH",
        "CS_FIXED_BLOCK_HEIGHT",
        "CS_FIXED_BLOCK_DEPTH",
        "LEGACY_MATH_RULES",
        "VS_BLIT_SGPRS_AMD",
        "CS_USER_DATA_COMPONENTS_AMD",
        "LAYER_VIEWPORT_RELATIVE",
        "FS_BLEND_EQUATION_ADVANCED",
        "SEPARABLE_PROGRAM",
        "MUL_ZERO_WINS",
};
const unsigned vgl_shader_num_property_names =
        sizeof(vgl_shader_property_names) / sizeof(vgl_shader_property_names[0]);

const char *const vgl_shader_primitive_names[] = {
        "POINTS",
        "LINES",
        "LINE_LOOP",
        "LINE_STRIP",
        "TRIANGLES",
        "TRIANGLE_STRIP",
        "TRIANGLE_FAN",
        "QUADS",
        "QUAD_STRIP",
        "POLYGON",
        "LINES_ADJACENCY",
        "LINE_STRIP_ADJACENCY",
        "TRIANGLES_ADJACENCY",
        "TRIANGLE_STRIP_ADJACENCY",
        "PATCHES",
};
const unsigned vgl_shader_num_primitive_names =
        sizeof(vgl_shader_primitive_names) / sizeof(vgl_shader_primitive_names[0]);

#define D VGL_OPF_DST
#define T VGL_OPF_TEX
#define L VGL_OPF_LABEL
#define F VGL_OPF_FS_ONLY
#define G VGL_OPF_GS_ONLY
static const struct vgl_op_info op_table[VGL_OP_COUNT] = {
        [VGL_OP_ARL] = {"ARL", 1, D},
        [VGL_OP_MOV] = {"MOV", 1, D},
        [VGL_OP_LIT] = {"LIT", 1, D},
        [VGL_OP_RCP] = {"RCP", 1, D},
        [VGL_OP_RSQ] = {"RSQ", 1, D},
        [VGL_OP_EXP] = {"EXP", 1, D},
        [VGL_OP_LOG] = {"LOG", 1, D},
        [VGL_OP_MUL] = {"MUL", 2, D},
        [VGL_OP_ADD] = {"ADD", 2, D},
        [VGL_OP_DP3] = {"DP3", 2, D},
        [VGL_OP_DP4] = {"DP4", 2, D},
        [VGL_OP_DST] = {"DST", 2, D},
        [VGL_OP_MIN] = {"MIN", 2, D},
        [VGL_OP_MAX] = {"MAX", 2, D},
        [VGL_OP_SLT] = {"SLT", 2, D},
        [VGL_OP_SGE] = {"SGE", 2, D},
        [VGL_OP_MAD] = {"MAD", 3, D},
        [VGL_OP_TEX_LZ] = {"TEX_LZ", 2, D | T},
        [VGL_OP_LRP] = {"LRP", 3, D},
        [VGL_OP_FMA] = {"FMA", 3, D},
        [VGL_OP_SQRT] = {"SQRT", 1, D},
        [VGL_OP_LDEXP] = {"LDEXP", 2, D},
        [VGL_OP_FRC] = {"FRC", 1, D},
        [VGL_OP_TXF_LZ] = {"TXF_LZ", 2, D | T},
        [VGL_OP_FLR] = {"FLR", 1, D},
        [VGL_OP_ROUND] = {"ROUND", 1, D},
        [VGL_OP_EX2] = {"EX2", 1, D},
        [VGL_OP_LG2] = {"LG2", 1, D},
        [VGL_OP_POW] = {"POW", 2, D},
        [VGL_OP_COS] = {"COS", 1, D},
        [VGL_OP_DDX] = {"DDX", 1, D | F},
        [VGL_OP_DDY] = {"DDY", 1, D | F},
        [VGL_OP_KILL] = {"KILL", 0, F},
        [VGL_OP_SEQ] = {"SEQ", 2, D},
        [VGL_OP_SGT] = {"SGT", 2, D},
        [VGL_OP_SIN] = {"SIN", 1, D},
        [VGL_OP_SLE] = {"SLE", 2, D},
        [VGL_OP_SNE] = {"SNE", 2, D},
        [VGL_OP_TEX] = {"TEX", 2, D | T},
        [VGL_OP_TXD] = {"TXD", 4, D | T},
        [VGL_OP_TXP] = {"TXP", 2, D | T},
        [VGL_OP_SSG] = {"SSG", 1, D},
        [VGL_OP_CMP] = {"CMP", 3, D},
        [VGL_OP_TXB] = {"TXB", 2, D | T},
        [VGL_OP_DIV] = {"DIV", 2, D},
        [VGL_OP_DP2] = {"DP2", 2, D},
        [VGL_OP_TXL] = {"TXL", 2, D | T},
        [VGL_OP_BRK] = {"BRK", 0, 0},
        [VGL_OP_IF] = {"IF", 1, L},
        [VGL_OP_UIF] = {"UIF", 1, L},
        [VGL_OP_ELSE] = {"ELSE", 0, L},
        [VGL_OP_ENDIF] = {"ENDIF", 0, 0},
        [VGL_OP_DDX_FINE] = {"DDX_FINE", 1, D | F},
        [VGL_OP_DDY_FINE] = {"DDY_FINE", 1, D | F},
        [VGL_OP_CEIL] = {"CEIL", 1, D},
        [VGL_OP_I2F] = {"I2F", 1, D},
        [VGL_OP_NOT] = {"NOT", 1, D},
        [VGL_OP_TRUNC] = {"TRUNC", 1, D},
        [VGL_OP_SHL] = {"SHL", 2, D},
        [VGL_OP_AND] = {"AND", 2, D},
        [VGL_OP_OR] = {"OR", 2, D},
        [VGL_OP_MOD] = {"MOD", 2, D},
        [VGL_OP_XOR] = {"XOR", 2, D},
        [VGL_OP_TXF] = {"TXF", 2, D | T},
        [VGL_OP_TXQ] = {"TXQ", 2, D | T},
        [VGL_OP_CONT] = {"CONT", 0, 0},
        [VGL_OP_BGNLOOP] = {"BGNLOOP", 0, L},
        [VGL_OP_ENDLOOP] = {"ENDLOOP", 0, L},
        [VGL_OP_NOP] = {"NOP", 0, 0},
        [VGL_OP_FSEQ] = {"FSEQ", 2, D},
        [VGL_OP_FSGE] = {"FSGE", 2, D},
        [VGL_OP_FSLT] = {"FSLT", 2, D},
        [VGL_OP_FSNE] = {"FSNE", 2, D},
        [VGL_OP_KILL_IF] = {"KILL_IF", 1, F},
        [VGL_OP_END] = {"END", 0, 0},
        [VGL_OP_F2I] = {"F2I", 1, D},
        [VGL_OP_IDIV] = {"IDIV", 2, D},
        [VGL_OP_IMAX] = {"IMAX", 2, D},
        [VGL_OP_IMIN] = {"IMIN", 2, D},
        [VGL_OP_INEG] = {"INEG", 1, D},
        [VGL_OP_ISGE] = {"ISGE", 2, D},
        [VGL_OP_ISHR] = {"ISHR", 2, D},
        [VGL_OP_ISLT] = {"ISLT", 2, D},
        [VGL_OP_F2U] = {"F2U", 1, D},
        [VGL_OP_U2F] = {"U2F", 1, D},
        [VGL_OP_UADD] = {"UADD", 2, D},
        [VGL_OP_UDIV] = {"UDIV", 2, D},
        [VGL_OP_UMAD] = {"UMAD", 3, D},
        [VGL_OP_UMAX] = {"UMAX", 2, D},
        [VGL_OP_UMIN] = {"UMIN", 2, D},
        [VGL_OP_UMOD] = {"UMOD", 2, D},
        [VGL_OP_UMUL] = {"UMUL", 2, D},
        [VGL_OP_USEQ] = {"USEQ", 2, D},
        [VGL_OP_USGE] = {"USGE", 2, D},
        [VGL_OP_USHR] = {"USHR", 2, D},
        [VGL_OP_USLT] = {"USLT", 2, D},
        [VGL_OP_USNE] = {"USNE", 2, D},
        [VGL_OP_UARL] = {"UARL", 1, D},
        [VGL_OP_UCMP] = {"UCMP", 3, D},
        [VGL_OP_IABS] = {"IABS", 1, D},
        [VGL_OP_ISSG] = {"ISSG", 1, D},
        [VGL_OP_IMUL_HI] = {"IMUL_HI", 2, D},
        [VGL_OP_UMUL_HI] = {"UMUL_HI", 2, D},
        [VGL_OP_IBFE] = {"IBFE", 3, D},
        [VGL_OP_UBFE] = {"UBFE", 3, D},
        [VGL_OP_BFI] = {"BFI", 4, D},
        [VGL_OP_BREV] = {"BREV", 1, D},
        [VGL_OP_POPC] = {"POPC", 1, D},
        [VGL_OP_LSB] = {"LSB", 1, D},
        [VGL_OP_IMSB] = {"IMSB", 1, D},
        [VGL_OP_UMSB] = {"UMSB", 1, D},
        /* (coord, component or shadow-cube-array reference, SAMP) */
        [VGL_OP_TG4] = {"TG4", 3, D | T},
        [VGL_OP_EMIT] = {"EMIT", 1, G},
        [VGL_OP_ENDPRIM] = {"ENDPRIM", 1, G},
};
#undef D
#undef T
#undef L
#undef F
#undef G

/* TGSI opcodes that exist but are not translated (GL 4.x, doubles, 64-bit, subroutines, GS...). */
// clang-format off
static const char *const unsupported_ops[] = {
        "F2U64",         "F2I64",
        "DEMOTE",        "U2I64",
        "CLOCK",         "I2I64",
        "READ_HELPER",   "PK2H",
        "PK2US",         "PK4B",
        "PK4UB",         "D2U64",
        "D2I64",         "U642D",
        "UP2H",          "UP2US",
        "UP4B",          "UP4UB",
        "U642F",         "I642F",
        "ARR",           "I642D",
        "CAL",           "RET",
        "FBFETCH",       "READ_INVOC",
        "BALLOT",        "BGNSUB",
        "ENDSUB",        "ATOMFADD",
        "TXQS",          "RESQ",
        "READ_FIRST",    "MEMBAR",
        "DFMA",          "SWITCH",
        "CASE",          "DEFAULT",
        "ENDSWITCH",     "SAMPLE",
        "SAMPLE_I",      "SAMPLE_I_MS",
        "SAMPLE_B",      "SAMPLE_C",
        "SAMPLE_C_LZ",   "SAMPLE_D",
        "SAMPLE_L",      "GATHER4",
        "SVIEWINFO",     "SAMPLE_POS",
        "SAMPLE_INFO",   "LOAD",
        "STORE",         "IMG2HND",
        "SAMP2HND",      "BARRIER",
        "ATOMUADD",      "ATOMXCHG",
        "ATOMCAS",       "ATOMAND",
        "ATOMOR",        "ATOMXOR",
        "ATOMUMIN",      "ATOMUMAX",
        "ATOMIMIN",      "ATOMIMAX",
        "TEX2",          "TXB2",
        "TXL2",
        "LODQ",          "INTERP_CENTROID",
        "INTERP_SAMPLE", "INTERP_OFFSET",
        "F2D",           "D2F",
        "DABS",          "DNEG",
        "DADD",          "DMUL",
        "DMAX",          "DMIN",
        "DSLT",          "DSGE",
        "DSEQ",          "DSNE",
        "DRCP",          "DSQRT",
        "DMAD",          "DFRAC",
        "DLDEXP",        "DFRACEXP",
        "D2I",           "I2D",
        "D2U",           "U2D",
        "DRSQ",          "DTRUNC",
        "DCEIL",         "DFLR",
        "DROUND",        "DSSG",
        "VOTE_ANY",      "VOTE_ALL",
        "VOTE_EQ",       "I64ABS",
        "I64NEG",        "I64SSG",
        "I64SLT",        "I64SGE",
        "I64MIN",        "I64MAX",
        "I64SHL",        "I64SHR",
        "U64ADD",        "U64MUL",
        "U64SEQ",        "U64SNE",
        "U64SLT",        "U64SGE",
        "U64MIN",        "U64MAX",
        "U64SHR",        "U64DIV",
        "U64MOD",        "I64DIV",
        "I64MOD",        "DDIV",
        "LOD",           "ATOMINC_WRAP",
        "ATOMDEC_WRAP",
};
// clang-format on

static bool name_eq(const char *name, const char *s, size_t len) {
    return strlen(name) == len && memcmp(name, s, len) == 0;
}

int vgl_shader_find_name(const char *const *table, unsigned n, const char *name, size_t len) {
    for (unsigned i = 0; i < n; i++) {
        if (table[i] && name_eq(table[i], name, len)) {
            return (int)i;
        }
    }
    return -1;
}

const struct vgl_op_info *vgl_shader_op_info(enum vgl_op op) {
    return &op_table[op];
}

enum vgl_op vgl_shader_find_op(const char *name, size_t len, bool *known) {
    for (unsigned i = 0; i < VGL_OP_COUNT; i++) {
        if (name_eq(op_table[i].name, name, len)) {
            *known = true;
            return (enum vgl_op)i;
        }
    }
    const unsigned n = sizeof(unsupported_ops) / sizeof(unsupported_ops[0]);
    *known = vgl_shader_find_name(unsupported_ops, n, name, len) >= 0;
    return VGL_OP_COUNT;
}

/* ---- shader stages ----------------------------------------------------------------------- */

/* By wire stage number. Adding a stage to the translator starts here. */
static const struct vgl_stage_desc stage_descs[VGL_SHADER_STAGES] = {
        [VGL_SHADER_VERTEX] = {"vs", "VERT", 0, true},
        [VGL_SHADER_FRAGMENT] = {"fs", "FRAG", 4, true},
        [VGL_SHADER_GEOMETRY] = {"gs", "GEOM", 3, true},
        [VGL_SHADER_TESS_CTRL] = {"tcs", "TESS_CTRL", 1, false},
        [VGL_SHADER_TESS_EVAL] = {"tes", "TESS_EVAL", 2, false},
        [VGL_SHADER_COMPUTE] = {"cs", "COMP", 5, false},
};

const enum vgl_shader_stage vgl_shader_pipeline[VGL_SHADER_GFX_STAGES] = {
        VGL_SHADER_VERTEX,   VGL_SHADER_TESS_CTRL, VGL_SHADER_TESS_EVAL,
        VGL_SHADER_GEOMETRY, VGL_SHADER_FRAGMENT,
};

const struct vgl_stage_desc *vgl_shader_stage_desc(enum vgl_shader_stage stage) {
    return (unsigned)stage < VGL_SHADER_STAGES ? &stage_descs[stage] : NULL;
}
