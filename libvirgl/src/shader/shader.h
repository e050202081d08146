/* SPDX-License-Identifier: MIT */
/*
 * The shader translator: TGSI text (as Mesa's virgl driver sends it) -> a small IR -> GLSL for
 * the host. No GL calls here: the GL backend compiles and links what this module emits, so the
 * module is unit-testable and fuzzable on its own. Hostile input gets an error, never a crash.
 */
#ifndef VGL_SHADER_H
#define VGL_SHADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vgl/common.h>

/* Limits enforced by the parser (hostile input is refused beyond them). */
#define VGL_SHADER_MAX_TEXT         (1u << 20) /* bytes of TGSI text */
#define VGL_SHADER_MAX_INSTRUCTIONS 65536
#define VGL_SHADER_MAX_TEMPS        4096
#define VGL_SHADER_MAX_IMMEDIATES   4096
#define VGL_SHADER_MAX_CONSTS       4096 /* vec4 slots of CONST[0] */
/* 32 varyings plus position, point size, clip distances, ... (GL 3.3 offers 32 vec4 outputs). */
#define VGL_SHADER_MAX_INPUTS   64
#define VGL_SHADER_MAX_OUTPUTS  64
#define VGL_SHADER_MAX_SAMPLERS 32
#define VGL_SHADER_MAX_UBOS     32 /* CONST[1..31][...]: uniform buffers 1..31 */
#define VGL_SHADER_MAX_NESTING  64 /* IF/LOOP depth */
/* GS_MAX_OUTPUT_VERTICES: GL's minimum maximum is 256; real hosts offer 256 to 1024. */
#define VGL_SHADER_MAX_GS_VERTICES    1024
#define VGL_SHADER_MAX_GS_INVOCATIONS 32
/* Loops inside loops (IFs between them count too): host GLSL compilers take time and memory
 * exponential in this depth. llvmpipe with 64 levels of IF/loop: 8 loops 0.8 s, 12 loops
 * 4.5 s, 16 loops over a minute; 24 nested loops alone take over 14 GB. */
#define VGL_SHADER_MAX_LOOP_NESTING 8

/* Wire stage numbers (protocol-facts §2.3). */
enum vgl_shader_stage {
    VGL_SHADER_VERTEX = 0,
    VGL_SHADER_FRAGMENT = 1,
    VGL_SHADER_GEOMETRY = 2,
    VGL_SHADER_TESS_CTRL = 3,
    VGL_SHADER_TESS_EVAL = 4,
    VGL_SHADER_COMPUTE = 5,
};
/* Stages are data: arrays indexed by the wire stage number hold one entry per stage. */
#define VGL_SHADER_STAGES 6

/* What the translator and the backend need to know about a stage (shader_stage.c). */
struct vgl_stage_desc {
    const char *suffix;     /* "vs", "fs", ...: names of its uniforms and blocks */
    const char *tgsi;       /* processor name in the TGSI header: "VERT", "FRAG", ... */
    uint8_t pipeline_order; /* position in the graphics pipeline (VS 0 .. FS 4); CS 5 */
    bool translated;        /* the translator accepts guest shaders of this stage */
};
const struct vgl_stage_desc *vgl_shader_stage_desc(enum vgl_shader_stage stage);
/* The graphics stages in pipeline order: VS, TCS, TES, GS, FS. */
#define VGL_SHADER_GFX_STAGES 5
extern const enum vgl_shader_stage vgl_shader_pipeline[VGL_SHADER_GFX_STAGES];

/* TGSI semantic names, in TGSI's own order (tgsi_strings.c). */
enum vgl_semantic {
    VGL_SEM_POSITION,
    VGL_SEM_COLOR,
    VGL_SEM_BCOLOR,
    VGL_SEM_FOG,
    VGL_SEM_PSIZE,
    VGL_SEM_GENERIC,
    VGL_SEM_NORMAL,
    VGL_SEM_FACE,
    VGL_SEM_EDGEFLAG,
    VGL_SEM_PRIMID,
    VGL_SEM_INSTANCEID,
    VGL_SEM_VERTEXID,
    VGL_SEM_STENCIL,
    VGL_SEM_CLIPDIST,
    VGL_SEM_CLIPVERTEX,
    VGL_SEM_GRID_SIZE,
    VGL_SEM_BLOCK_ID,
    VGL_SEM_BLOCK_SIZE,
    VGL_SEM_THREAD_ID,
    VGL_SEM_TEXCOORD,
    VGL_SEM_PCOORD,
    VGL_SEM_VIEWPORT_INDEX,
    VGL_SEM_LAYER,
    VGL_SEM_SAMPLEID,
    VGL_SEM_SAMPLEPOS,
    VGL_SEM_SAMPLEMASK,
    VGL_SEM_INVOCATIONID,
    VGL_SEM_VERTEXID_NOBASE,
    VGL_SEM_BASEVERTEX,
    VGL_SEM_PATCH,           /* outside tessellation: varyings past GENERIC[31] (nir_to_tgsi) */
    VGL_SEM_COUNT_SUPPORTED, /* later names are parsed as unsupported */
};

enum vgl_interp {
    VGL_INTERP_NONE,        /* not a fragment input */
    VGL_INTERP_CONSTANT,    /* flat */
    VGL_INTERP_LINEAR,      /* noperspective */
    VGL_INTERP_PERSPECTIVE, /* smooth */
    VGL_INTERP_COLOR,       /* smooth, or flat when the key says flatshade */
};

/* Texture targets as TGSI names them (SVIEW declarations and TEX operands). */
enum vgl_tex_target {
    VGL_TEX_UNKNOWN,
    VGL_TEX_1D,
    VGL_TEX_2D,
    VGL_TEX_3D,
    VGL_TEX_CUBE,
    VGL_TEX_RECT,
    VGL_TEX_SHADOW1D,
    VGL_TEX_SHADOW2D,
    VGL_TEX_SHADOWRECT,
    VGL_TEX_1D_ARRAY,
    VGL_TEX_2D_ARRAY,
    VGL_TEX_SHADOW1D_ARRAY,
    VGL_TEX_SHADOW2D_ARRAY,
    VGL_TEX_SHADOWCUBE,
    VGL_TEX_2D_MSAA,
    VGL_TEX_2D_ARRAY_MSAA,
    VGL_TEX_CUBE_ARRAY,
    VGL_TEX_SHADOWCUBE_ARRAY,
    VGL_TEX_BUFFER,
};

struct vgl_shader_io {
    enum vgl_semantic semantic;
    uint32_t semantic_index;
    uint32_t first, last; /* register range IN[first..last] / OUT[first..last] */
    uint8_t usage_mask;   /* xyzw bits */
    enum vgl_interp interp;
    bool centroid, sample, invariant;
};

/* What the GL backend needs to know about a parsed shader. */
struct vgl_shader_info {
    enum vgl_shader_stage stage;
    uint32_t num_inputs, num_outputs;
    struct vgl_shader_io inputs[VGL_SHADER_MAX_INPUTS];
    struct vgl_shader_io outputs[VGL_SHADER_MAX_OUTPUTS];
    uint32_t num_attribs;   /* VS: IN registers used; attribute i is at location i */
    uint32_t samplers_used; /* bit n: SAMP[n] is read */
    enum vgl_tex_target sampler_targets[VGL_SHADER_MAX_SAMPLERS];
    uint32_t num_consts; /* vec4 slots of CONST[0] read (highest index + 1) */
    uint32_t ubos_used;  /* bit n: CONST[n][...] with n >= 1 */
    bool color0_writes_all_cbufs;
    bool writes_depth, writes_stencil, uses_kill, reads_face, writes_psize, writes_clipvertex;
    bool fs_coord_origin_lower_left; /* PROPERTY FS_COORD_ORIGIN LOWER_LEFT */
    bool fs_coord_pixel_center_integer;
    /* Geometry shaders: primitives as PIPE_PRIM_* numbers (the wire's draw modes). */
    uint8_t gs_input_prim, gs_output_prim; /* GS_INPUT_PRIMITIVE, GS_OUTPUT_PRIMITIVE */
    uint32_t gs_vertices_in;               /* vertices of one input primitive (1..6) */
    uint32_t gs_max_vertices;              /* GS_MAX_OUTPUT_VERTICES */
    uint32_t gs_invocations;               /* GS_INVOCATIONS (1 when absent) */
};

struct vgl_shader; /* parsed TGSI: IR + info, immutable once parsed */

/* Stream output of a vertex shader (protocol-facts §3.2, sent with CREATE_OBJECT/SHADER). */
#define VGL_SHADER_MAX_SO_OUTPUTS 64
#define VGL_SHADER_MAX_SO_STRIDE  128 /* dwords per vertex and buffer */
struct vgl_so_output {
    uint8_t reg;        /* OUT[reg] */
    uint8_t start, num; /* components start .. start + num - 1 */
    uint8_t buffer;     /* 0..3 */
    uint16_t offset;    /* dwords from the vertex's start in the buffer */
};
struct vgl_stream_output {
    uint32_t num_outputs;
    uint32_t stride[4]; /* dwords */
    struct vgl_so_output outputs[VGL_SHADER_MAX_SO_OUTPUTS];
};

/*
 * Parse TGSI text (`len` bytes, need not be NUL-terminated; parsing stops at the first NUL).
 * On error returns VGL_ERROR_MALFORMED (or VGL_ERROR_UNSUPPORTED for valid TGSI this
 * translator cannot handle yet) and writes a one-line reason with the line number to `why`.
 */
enum vgl_status vgl_shader_parse(const char *text, size_t len, struct vgl_shader **out, char *why,
                                 size_t why_size);
void vgl_shader_destroy(struct vgl_shader *sh);
/*
 * Attach stream output to a parsed vertex or geometry shader (before any emit). Checks it against
 * the shader: declared OUT registers, components within xyzw, buffers 0..3, stream 0, outputs
 * inside their buffer's stride (at most VGL_SHADER_MAX_SO_STRIDE) and not overlapping. Refused with
 * VGL_ERROR_INVALID_ARGUMENT and a reason otherwise.
 */
enum vgl_status vgl_shader_set_stream_output(struct vgl_shader *sh,
                                             const struct vgl_stream_output *so, char *why,
                                             size_t why_size);
/* The shader's stream output, or NULL when it has none. */
const struct vgl_stream_output *vgl_shader_get_stream_output(const struct vgl_shader *sh);
const struct vgl_shader_info *vgl_shader_get_info(const struct vgl_shader *sh);

/*
 * The part of the shader key that belongs to one stage: how that stage samples its views.
 */
struct vgl_stage_key {
    /*
     * Shadow samplers: the sampler view's swizzle applied to the comparison result, which GLSL
     * returns as a float that host texture swizzles cannot reach. Per sampler: 0 means
     * identity; otherwise bit 15 set and bits 0..11 hold four 3-bit PIPE_SWIZZLE_* selectors (R
     * in bits 0..2) applied to the vector (result, 0, 0, 1).
     */
    uint16_t shadow_swizzle[VGL_SHADER_MAX_SAMPLERS];
    /*
     * GL_CLAMP with linear filtering (core GL has no GL_CLAMP): the backend samples with
     * CLAMP_TO_BORDER and the shader clamps the coordinate to [0, 1] ([0, size] for rectangle
     * textures) first, after TXP's projective divide. Per sampler: bit 0 s, bit 1 t, bit 2 r.
     * Cube maps, TXF and TXQ ignore it.
     */
    uint8_t tex_clamp[VGL_SHADER_MAX_SAMPLERS];
    /* GLES has no sampler LOD bias: bit n, SAMP[n]'s bias is uniform float vgl_lod_bias_<sfx>[n],
     * added to the level of detail by the fragment shader's sampling (not textureGrad's). */
    uint32_t lod_bias;
};

/*
 * State the guest cannot express in its shaders on a core-profile host, emulated in the
 * generated GLSL. All-zero is a valid key (no emulation). Part of the program cache key.
 */
struct vgl_shader_key {
    /* fragment */
    uint8_t alpha_func;      /* PIPE_FUNC_*: 0 NEVER .. 7 ALWAYS; alpha_test_enabled gates it */
    bool alpha_test_enabled; /* compare COLOR[0].a against uniform vgl_alpha_ref */
    bool flatshade;          /* COLOR-interpolated inputs become flat */
    bool two_side;           /* FS COLOR[i] = gl_FrontFacing ? COLOR[i] : BCOLOR[i] */
    bool poly_stipple;       /* discard with the 32x32 stipple in sampler vgl_stipple */
    /* bit i: GENERIC[i] (or TEXCOORD[i]) := gl_PointCoord. All 32 bits matter: Mesa's state
     * tracker puts gl_PointCoord in GENERIC[8] when the host lacks TEXCOORD semantics. */
    uint32_t sprite_coord_enable;
    bool sprite_coord_upper_left; /* sprite_coord_mode: PIPE_SPRITE_COORD_UPPER_LEFT */
    uint8_t nr_cbufs;             /* colour buffers bound (for FS_COLOR0_WRITES_ALL_CBUFS) */
    bool flip_y;                  /* the framebuffer is y-inverted relative to host GL */
    /*
     * Set when the caps advertise bset.fragment_coord_conventions: PROPERTY FS_COORD_ORIGIN is
     * then the origin the guest expects. Without it Mesa converts gl_FragCoord to gallium's
     * upper-left origin in the shader itself, and nir_to_tgsi's FS_COORD_ORIGIN only echoes the
     * GLSL qualifier: it is ignored (upper-left is used).
     */
    bool fs_coord_conventions;
    /* vertex (last pre-rasterization stage) */
    uint8_t clip_plane_enable; /* bit i: gl_ClipDistance[i] from vgl_clip_planes[i] */
    bool clip_halfz;
    struct vgl_stage_key stage[VGL_SHADER_STAGES]; /* by wire stage number */
    /*
     * Render targets whose format is stored in other channels (A8 in R, L8A8 in RG, ...): bit 15
     * set and four 3-bit selectors saying which output channel (PIPE_SWIZZLE_*: X..W, 4 zero,
     * 5 one) each stored channel R, G, B, A receives. 0 means identity.
     */
    uint16_t cbuf_swizzle[8];
    /* Colour buffers of pure integer formats: bit n, output n is an ivec4 (cbuf_sint) or a uvec4
     * (cbuf_uint) of the raw register bits. */
    uint8_t cbuf_sint, cbuf_uint;
    /* Dual-source blending (a SRC1 factor on target 0): FS COLOR[1] is the second source of
     * output 0 (`layout(location = 0, index = 1)`). */
    bool dual_src;
    /* Vertex attributes the host fetches as pure integers (glVertexAttribIPointer): bit i, VS
     * input i is an ivec4 (attrib_sint) or a uvec4 (attrib_uint) whose bits the VS reads. */
    uint32_t attrib_sint, attrib_uint;
    /*
     * Unfilled polygons with edge flags (core GL has neither per-face polygon modes nor edge
     * flags; the backend draws mixed front/back modes as one pass per face). gs_fill != 0 adds a
     * geometry shader taking the VS's triangles: 1 emits each edge whose first vertex has a
     * non-zero EDGEFLAG output (all edges when the VS writes none) as a line, 2 each such vertex
     * as a point. It judges facing as the host would (window-space winding of gl_Position after
     * the y sign, front_ccw meaning clockwise there), drops the faces gs_cull names (bit 0
     * front, bit 1 back), and passes every varying on unchanged (flat ones from the provoking
     * vertex: first when gs_flat_first, else last); the FS reads the triangle's facing from the
     * GS instead of gl_FrontFacing.
     */
    uint8_t gs_fill;
    uint8_t gs_cull;
    bool gs_front_ccw;
    bool gs_flat_first;
    /*
     * The GS's input primitive (core GL has no quads or polygons): 0 triangles, 1 quads (lines
     * adjacency, 4 vertices a quad), 2 quad strips (line strip adjacency: primitive 2k is quad
     * k, odd ones are skipped; outline order 0 1 3 2), 3 polygons (a triangle fan: an edge from
     * vertex 0 only in primitive 0, the closing edge only in primitive `int vgl_poly_last`, a
     * uniform). gs_fill 3 (not with triangles) fills them: two triangles a quad, or the fan's
     * triangle with the flat varyings of the polygon's first vertex (gallium's provoking vertex
     * of a polygon in both conventions).
     */
    uint8_t gs_prim;
    /*
     * Polygon offset for the lines or points the GS emits (the host offsets only polygons it
     * rasterizes in line or point mode): the GS moves their depth as the host would the
     * polygon's, from `uniform vec4 vgl_poly_offset[2]` = (viewport scale x, y, z, unused),
     * (factor, units times the depth buffer's resolution, clamp, unused).
     */
    bool gs_offset;
    /* The host's GLSL: 0 for GLSL 3.30 core (desktop GL), 310 or 320 for GLSL ES of that
     * version (a GLES host; docs/gles-host.md). The same for every program of a renderer. */
    uint16_t glsl_es;
    /* GLES has no glPointSize: the last vertex stage writes `uniform float vgl_point_size`
     * (the rasterizer state's size) as gl_PointSize, unless points are sized per vertex. */
    bool point_size_uniform;
    /*
     * A logic op the host cannot do itself (GLES): 16 + PIPE_LOGICOP_* (0 = none). The FS then
     * reads each colour buffer it writes through GL_EXT_shader_framebuffer_fetch (`inout`
     * outputs) and writes op(source, destination) over the stored channels' integer values;
     * logic_bits[n][c] is the width of buffer n's stored channel c (unorm: values scaled by
     * 2^bits - 1; integer formats: the low bits), 0 where the op does not apply (float buffers).
     */
    uint8_t logicop;
    uint8_t logic_bits[8][4];
    /* Colour buffers kept in float storage for a normalized format (a GLES host without 16-bit
     * normalized textures): bit n, output n is clamped to [0, 1] (clamp_unorm) or [-1, 1]
     * (clamp_snorm) as the guest's format would store it. */
    uint8_t clamp_unorm, clamp_snorm;
    /* Alpha-to-one on a host without it (GLES): colour outputs get alpha 1. With a2c_samples,
     * the host's alpha-to-coverage is off and the shader writes the coverage of COLOR[0]'s
     * alpha over that many samples to gl_SampleMask itself, before alpha becomes 1. */
    bool alpha_to_one;
    uint8_t a2c_samples;
    /* A host without clip distances (GLES lacking EXT_clip_cull_distance): the last vertex
     * stage writes them to `float vgl_cd[]` (the VS feeding the translator's GS to vgl_gcd[])
     * and the fragment shader discards where an enabled one (clip_plane_enable) is negative. */
    bool clip_discard;
};

/*
 * Generated GLSL for one program: one source per stage (indexed by the wire stage number, NULL
 * where the program has no such stage), consistent with each other (matching varying names,
 * types and interpolation qualifiers). Strings are owned by the struct.
 */
struct vgl_glsl_program {
    char *glsl[VGL_SHADER_STAGES];
};

/*
 * Emit a linked program from the guest shaders of each stage (`shaders[stage]`, by wire stage
 * number; NULL where none is bound). Binding contract with the GL backend (names are fixed;
 * <s> is the stage's suffix from vgl_shader_stage_desc: vs, fs, gs, tcs, tes, cs):
 *  - VS input IN[i] is `layout(location = i) in vec4 vgl_in_i`;
 *  - FS COLOR[n] output is `layout(location = n) out vec4 vgl_out_n` (ivec4 / uvec4 for
 *    integer targets); with key->dual_src COLOR[1] is `layout(location = 0, index = 1)`;
 *  - CONST[0] of a stage is the std140 uniform block `vgl_consts_<s>` holding `uvec4 c[N]` (raw
 *    bits; floats read with uintBitsToFloat); CONST[n][...] with n >= 1 (a UBO) is the std140
 *    block `vgl_ubo_<s>_n` holding `uvec4 u[M]` (M = declared slots); the backend chooses every
 *    block's binding point (its binding allocator);
 *  - SAMP[n] of a stage is `uniform samplerX vgl_samp_<s>_n`; the backend chooses its texture
 *    unit;
 *  - emulation uniforms: `vec4 vgl_clip_planes[8]`, `float vgl_alpha_ref`, `sampler2D
 *    vgl_stipple` (R8, 32x32; the backend chooses its unit), `float vgl_y_sign` (1 or -1:
 *    multiply gl_Position.y, used when key->flip_y).
 * Further facts of the generated code (added with the implementation):
 *  - varyings are `vgl_v_<semantic><index>` (generic, color, bcolor, texcoord, fog); CONSTANT
 *    interpolated ones are `flat uvec4` (raw bits), the others vec4; the VS writes every varying
 *    the FS reads, with zeros ((0,0,0,1) for colours and texcoords) when it has no such output;
 *  - the host's window coordinates are numerically gallium's, flip_y or not (flip_y only
 *    negates clip-space y in the last vertex stage): gl_FragCoord, derivatives and sprite
 *    coordinates need no y flip of their own;
 *  - sprite coordinates read gl_PointCoord assuming GL_POINT_SPRITE_COORD_ORIGIN keeps its
 *    default GL_UPPER_LEFT; t is flipped when sprite_coord_upper_left;
 *  - TXQ's level count needs GL_ARB_texture_query_levels (enabled when present); without the
 *    extension it reads 0;
 *  - DDX/DDY and their _FINE forms are fine derivatives where GL_ARB_derivative_control is
 *    present (the guest's derivative hint never reaches the host), plain dFdx/dFdy otherwise;
 *  - shadow TEX-family results are the comparison result replicated into xyzw unless
 *    key->stage[s].shadow_swizzle says otherwise;
 *  - with key->gs_fill the VS's varyings are `vgl_gv_*` (the GS's inputs), its edge flag `float
 *    vgl_edge`, and the GS writes `vgl_v_*` and `flat uint vgl_v_front` for the FS;
 *  - a VS with stream output (vgl_shader_set_stream_output) and no key->gs_fill writes output i
 *    of its stream output, OUT[reg] components start.., to `flat out uint|uvecN vgl_so_<i>`
 *    (N = num; raw bits, as gallium captures them) for glTransformFeedbackVaryings;
 *  - TG4 is textureGather[Offset] and needs GL_ARB_texture_gather and GL_ARB_gpu_shader5 (or
 *    GLSL 4.00) on the host: its stage enables both extensions.
 * Returns VGL_ERROR_UNSUPPORTED with a reason for stages or features not handled. A VS is
 * required; without an FS a pass-through writing COLOR[0] from VS COLOR[0] or opaque white is
 * generated.
 */
enum vgl_status vgl_shader_emit_program(const struct vgl_shader *const shaders[VGL_SHADER_STAGES],
                                        const struct vgl_shader_key *key,
                                        struct vgl_glsl_program *out, char *why, size_t why_size);
void vgl_glsl_program_finish(struct vgl_glsl_program *prog);

#endif
