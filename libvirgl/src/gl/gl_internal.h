/* SPDX-License-Identifier: MIT */
/* Internal state of the GL renderer: the renderer, contexts, sub-contexts, resources and the
 * GL format table. Only gl/ includes this. */
#ifndef VGL_GL_INTERNAL_H
#define VGL_GL_INTERNAL_H

#include <epoxy/egl.h>
#include <epoxy/gl.h>

#include <vgl/renderer.h>

#include "common/hash_map.h"
#include "decode/decoder.h"
#include "shader/shader.h"

struct gl_format {
    GLenum internal_format;
    GLenum format;
    GLenum type;
    uint32_t bytes;          /* bytes per texel in host transfers */
    bool renderable;         /* colour- or depth-renderable */
    GLenum attachment;       /* GL_COLOR_ATTACHMENT0, GL_DEPTH_ATTACHMENT, ... */
    GLint swizzle[4];        /* how sampling sees the stored channels; all 0 = identity */
    uint16_t output_swizzle; /* rendering: shader key cbuf_swizzle for channels stored elsewhere */
    uint8_t expand;          /* guest texels widened to host RGBA8 in transfers (enum gl_expand) */
    uint8_t block;           /* compressed formats: block width and height (4); 0 otherwise */
    uint8_t needs;           /* host feature the format needs (enum gl_format_need) */
    uint8_t integer;         /* pure integer (enum gl_int_kind): sampled, rendered and cleared
                                as such */
    uint8_t unoffered;       /* what the caps leave out although it works (enum gl_unoffered) */
};

/*
 * Formats the caps do not offer the guest, so that it picks an equivalent one upstream
 * virglrenderer can also create and traces replay on both; traces that use them still replay.
 */
enum gl_unoffered {
    UNOFFERED_RENDER = 1, /* sampled, not offered as a render target */
    UNOFFERED_ALL = 2,    /* not offered at all */
};

enum gl_int_kind {
    GL_INT_NONE = 0,
    GL_INT_SIGNED,
    GL_INT_UNSIGNED,
};

enum gl_expand {
    EXPAND_NONE = 0,
    EXPAND_A8,    /* guest A -> host (0, 0, 0, A) */
    EXPAND_L8A8,  /* guest L, A -> host (L, 0, 0, A) */
    EXPAND_Z24X8, /* guest depth in bits 0..23 -> host GL_UNSIGNED_INT_24_8 (depth in 8..31) */
    /* GLES hosts lacking what the guest's format needs (vgl_gl_host_format): */
    EXPAND_SWAP_RB, /* guest B, G, R, A bytes -> host R, G, B, A */
    EXPAND_UNORM16, /* guest 16-bit unsigned normalized channels -> host 32-bit floats */
    EXPAND_SNORM16, /* guest 16-bit signed normalized channels -> host 32-bit floats */
};

/* Bytes of one texel (block) in host transfers: guest bytes unless the format is widened. */
static inline uint32_t vgl_gl_host_bytes(const struct gl_format *f) {
    switch (f->expand) {
    case EXPAND_NONE:
    case EXPAND_SWAP_RB:
        return f->bytes;
    case EXPAND_UNORM16:
    case EXPAND_SNORM16:
        return f->bytes * 2;
    default:
        return 4;
    }
}

enum gl_format_need {
    NEED_NONE = 0,
    NEED_S3TC,      /* GL_EXT_texture_compression_s3tc */
    NEED_S3TC_SRGB, /* ...and sRGB variants */
};

/* Texels per block side: 4 for compressed formats, 1 otherwise. */
static inline uint32_t vgl_gl_block(const struct gl_format *f) {
    return f->block ? f->block : 1;
}

/* The GL description of a virgl format, or NULL when the renderer does not support it. */
const struct gl_format *vgl_gl_format(uint32_t virgl_format);
struct vgl_renderer;
/* The same, NULL also when this host lacks what the format needs. */
const struct gl_format *vgl_gl_host_format(const struct vgl_renderer *r, uint32_t virgl_format);
/* The widths of a host colour format's stored channels for logic ops done in the shader (GLES);
 * all 0 for formats logic ops leave alone (floating point). */
void vgl_gl_format_logic_bits(GLenum internal_format, uint8_t bits[4]);
/* Largest virgl format number the table may hold. */
#define VGL_GL_FORMAT_MAX 322

struct gl_context;

/* Texture object parameters the views of a texture set per draw, as last handed to GL. */
struct gl_tex_params {
    GLint swizzle[4];
    GLint base_level, max_level;
    bool known; /* false: never set by a draw, GL may hold anything */
};

struct gl_resource {
    int refcount; /* the context's table holds one; surfaces and framebuffers hold others */
    struct gl_context *ctx; /* the owner, whose limits count this resource until freed */
    uint64_t host_bytes;    /* host storage of every level, layer and sample */
    struct vgl_resource_args args;
    const struct gl_format *fmt; /* NULL for buffers */
    GLenum gl_target;            /* GL_TEXTURE_2D, ... or GL_ARRAY_BUFFER for buffers */
    GLuint id;                   /* texture or buffer name */
    struct iovec *iov;           /* guest backing, borrowed memory */
    unsigned int iov_count;
    uint64_t backing_size;
    uint32_t host_samples;       /* multisample textures: what the host allocated (>= nr_samples) */
    uint64_t serial;             /* unique in the renderer (gl_bound) */
    struct gl_tex_params params; /* of the texture object res->id, as the draw path set them */
};

/* Every object in a sub-context's table starts with this header. */
struct gl_object {
    uint32_t type; /* VGL_OBJECT_* */
    uint32_t handle;
    int refcount;    /* the table holds one; each binding holds one */
    uint64_t serial; /* unique in the renderer (gl_bound) */
};

struct gl_surface {
    struct gl_object base;
    struct gl_resource *res; /* holds a reference */
    uint32_t format, level, first_layer, last_layer;
};

struct gl_blend {
    struct gl_object base;
    struct vgl_cmd_blend state;
};

struct gl_rasterizer {
    struct gl_object base;
    struct vgl_cmd_rasterizer state;
};

struct gl_dsa {
    struct gl_object base;
    struct vgl_cmd_dsa state;
};

struct gl_vertex_format {
    GLint size;
    GLenum type;
    GLboolean normalized;
    uint8_t integer; /* pure integer attribute (glVertexAttribIPointer), enum gl_int_kind: the
                        shader must declare it so */
    uint32_t bytes;
};

struct gl_vertex_elements {
    struct gl_object base;
    struct vgl_cmd_vertex_elements state;
    struct gl_vertex_format formats[VGL_MAX_VERTEX_ELEMENTS];
};

struct gl_sampler_view {
    struct gl_object base;
    struct gl_resource *res; /* holds a reference */
    uint32_t format;
    GLenum gl_target;
    uint32_t first_level, last_level;
    GLint swizzle[4];      /* view swizzle composed with the format's own */
    uint16_t pipe_swizzle; /* the view's own selectors as sent (3 bits each, R lowest) */
    int8_t border_src[4];  /* stored channel c gets border colour channel [c] (-1: zero) */
    GLuint buffer_tex;     /* views of buffers: a GL_TEXTURE_BUFFER texture this view owns */
    GLuint view_tex;       /* stencil views of depth-stencil textures: a texture view it owns */
    struct gl_tex_params view_params; /* of view_tex */
};

struct gl_sampler_state {
    struct gl_object base;
    struct vgl_cmd_sampler_state state;
    GLuint sampler;
    GLfloat host_border[4]; /* border colour as last set on the host sampler */
};

/* Axes (bit 0 s, 1 t, 2 r) whose GL_CLAMP the shader emulates (linear filtering). */
uint8_t vgl_gl_sampler_clamp_bits(const struct vgl_cmd_sampler_state *cmd);

struct gl_shader {
    struct gl_object base;
    uint32_t stage;
    char *text; /* assembled TGSI, total bytes */
    uint32_t total, received;
    struct vgl_shader *parsed;    /* NULL until the text is complete */
    bool unsupported;             /* complete, but the translator cannot handle it yet */
    struct vgl_stream_output *so; /* from the first chunk until the text is parsed */
    uint64_t serial;              /* program cache key part, unique per shader object */
};

struct gl_query {
    struct gl_object base;
    uint32_t type, index;
    struct gl_resource *res; /* result buffer, holds a reference */
    GLuint query;
    GLenum gl_target;
    bool active;
    bool suspended;               /* active, but ended on the host while another context runs */
    uint64_t counted;             /* what its earlier spans counted (vgl_gl_queries_switch) */
    struct gl_query *next_active; /* the context's active queries */
};

/* A stream-output target: a range of a buffer resource, appended to while bound (gallium). */
struct gl_so_target {
    struct gl_object base;
    struct gl_resource *res; /* holds a reference */
    uint32_t offset, size;   /* bytes, checked against the resource */
    uint32_t written;        /* bytes appended since the capture that bound it began */
    uint32_t stride;         /* bytes per vertex of the last capture into it (DRAW_AUTO) */
    bool bound_before;       /* bound by an earlier SET_STREAMOUT_TARGETS */
};

struct gl_program;

#define VGL_MAX_SAMPLER_SLOTS  32
#define VGL_MAX_VERTEX_BUFFERS 32

/* A uniform buffer range (SET_UNIFORM_BUFFER). */
struct gl_ubo_binding {
    struct gl_resource *res; /* holds a reference; NULL when unbound */
    uint32_t offset, length;
};

/* What a sub-context binds to one shader stage. */
struct gl_stage_state {
    struct gl_ubo_binding ubos[VGL_SHADER_MAX_UBOS]; /* index 0 unused (CONST[0] is consts) */
    struct gl_shader *shader;                        /* holds a reference */
    struct gl_sampler_view *views[VGL_MAX_SAMPLER_SLOTS];
    struct gl_sampler_state *samplers[VGL_MAX_SAMPLER_SLOTS];
    uint32_t *consts; /* CONST[0] as last set */
    uint32_t const_dwords;
    GLuint ubo;          /* host buffer of CONST[0], created on first use */
    uint64_t ubo_serial; /* its serial (gl_bound) */
    uint32_t ubo_slots;  /* vec4 slots last uploaded to it */
};

/*
 * Sub-context state changed since the draw path last handed it to GL (bits of
 * gl_sub_ctx.dirty). Commands set them; the draw path applies what is set and clears them.
 * Anything else that changes the same GL state (clears, blits, another sub-context drawing)
 * calls vgl_gl_state_dirty.
 */
enum gl_dirty {
    DIRTY_BLEND = 1u << 0,       /* blend object, blend colour, sample mask, colour buffers */
    DIRTY_DSA = 1u << 1,         /* depth/stencil/alpha object, stencil reference */
    DIRTY_RASTERIZER = 1u << 2,  /* rasterizer object, scissor, framebuffer height */
    DIRTY_VIEWPORT = 1u << 3,    /* viewport */
    DIRTY_FRAMEBUFFER = 1u << 4, /* surfaces: sRGB writes */
    DIRTY_CONSTS = 1u << 8,      /* bit 8 + stage: that stage's CONST[0] */
    DIRTY_ALL = 0xffffffffu,
};
#define DIRTY_CONSTS_OF(stage) (DIRTY_CONSTS << (stage))

/* One vertex attribute as the sub-context's VAO holds it (compared bytewise). */
struct gl_attrib_binding {
    uint64_t buffer; /* resource serial; 0: disabled */
    uint64_t offset;
    int32_t stride, size;
    uint32_t divisor, type, normalized, integer;
};

struct gl_sub_ctx {
    uint32_t id;
    struct gl_context *ctx; /* the owner, whose limits count this sub-context's objects */
    GLuint fbo;
    GLuint vao;
    struct vgl_hash_map objects; /* handle -> struct gl_object */
    struct gl_surface *cbufs[VGL_MAX_COLOR_BUFS];
    struct gl_surface *zsurf;
    uint32_t nr_cbufs;
    uint32_t fb_width, fb_height; /* from the attached surfaces, for flips */

    struct gl_blend *blend;
    struct gl_rasterizer *rs;
    struct gl_dsa *dsa;
    struct gl_vertex_elements *ve;
    struct vgl_vertex_buffer vbs[VGL_MAX_VERTEX_BUFFERS];
    struct gl_resource *vb_res[VGL_MAX_VERTEX_BUFFERS];
    uint32_t nr_vbs;
    struct gl_resource *ib_res;
    uint32_t ib_size, ib_offset;
    struct gl_stage_state stages[VGL_SHADER_STAGES]; /* by wire stage number */
    uint32_t dirty;                                  /* enum gl_dirty bits */
    uint64_t serial;                                 /* unique per sub-context in the renderer */
    float viewport[6];
    uint32_t scissor[2];
    float blend_color[4];
    uint8_t stencil_ref[2];
    float clip_planes[8][4];
    uint32_t sample_mask;
    GLuint stipple_tex;
    struct gl_attrib_binding attribs[32]; /* what the VAO holds, attribute by attribute */
    uint64_t vao_index_buffer;            /* serial of the index buffer the VAO holds */
    struct gl_so_target *so_targets[4];   /* SET_STREAMOUT_TARGETS, bound until the next one */
    struct gl_so_target *so_draw_target;  /* first target of the last capture set (DRAW_AUTO) */
    struct gl_query *cond_query;          /* SET_RENDER_CONDITION, holds a reference */
    bool cond_inverted;                   /* draw when the result is zero */
    uint8_t cond_mode;                    /* PIPE_RENDER_COND_* */
    bool cond_active;                     /* the host's conditional rendering is on */
    bool so_captured;                     /* the current draw has captured (in one pass) */
    struct gl_program *programs;          /* linked programs, most recent first */
    uint32_t program_count;
};

struct gl_fence {
    uint64_t id;
    GLsync sync;
    struct gl_fence *next;
};

struct gl_context {
    struct vgl_renderer *r;
    struct gl_query *active_queries; /* begun and not ended, linked by next_active */
    uint32_t id;
    char name[64];
    struct vgl_hash_map resources; /* guest handle -> struct gl_resource */
    struct vgl_hash_map sub_ctxs;  /* id -> struct gl_sub_ctx */
    struct gl_sub_ctx *sub;        /* current sub-context */
    struct vgl_sink sink;          /* first member for container_of */
    struct vgl_decoder decoder;
    struct gl_fence *fences, *fences_tail;
    /* What the context holds live, against the renderer's per-context limits. */
    uint32_t live_resources, live_objects, live_programs;
    uint64_t live_resource_bytes, live_shader_bytes;
};

#define GL_BOUND_UNITS   256
#define GL_BOUND_UNKNOWN UINT64_MAX /* GL may hold anything there */

/*
 * What GL's context-wide binding points hold, as the draw path left them, so that a draw hands GL
 * only what differs. Objects are named by serial: serials are never reused, so an object deleted
 * while bound (GL then unbinds it) and a new one given its GL name never match.
 */
struct gl_bound {
    GLuint program, vao;              /* 0: none, or not known */
    GLuint draw_fbo, read_fbo;        /* GL names; ~0u when not known */
    uint64_t view[GL_BOUND_UNITS];    /* sampler view serial per texture unit */
    uint64_t sampler[GL_BOUND_UNITS]; /* sampler state serial per unit, 0: sampler 0 */
    struct {
        uint64_t buffer;
        uint32_t offset, length; /* length 0: the whole buffer */
    } ubo[GL_BOUND_UNITS];
    int seamless; /* GL_TEXTURE_CUBE_MAP_SEAMLESS: 0, 1, or -1 when not known */
    int restart;  /* GL_PRIMITIVE_RESTART: 0, 1, or -1 when not known */
    GLuint restart_index;
};

/* Fences that bound the host work in flight (gl_throttle.c). */
#define THROTTLE_DEPTH 4
struct gl_throttle {
    GLsync fence[THROTTLE_DEPTH]; /* a ring, oldest at head */
    unsigned head, count;
    uint64_t work; /* since the last fence */
};

struct vgl_renderer {
    EGLDisplay display;
    EGLContext context;
    char name[64];
    struct vgl_renderer_hooks hooks;
    void *hooks_user;
    struct vgl_hash_map contexts;
    GLuint read_fbo, draw_fbo; /* scratch framebuffers for transfers and blits */
    uint64_t shader_serial;
    uint64_t sub_ctx_serial;
    uint64_t applied_sub;         /* serial of the sub-context whose state GL holds, 0 = none */
    struct gl_context *query_ctx; /* the context whose active queries GL is counting */
    GLint max_texture_units;      /* for the binding allocator: the host's, less the rest unit */
    GLint rest_unit; /* the active texture unit outside draws (draws never allocate it) */
    uint64_t serial; /* last serial handed to a resource, object or constant buffer */
    struct gl_bound bound;
    struct gl_throttle throttle;
    uint8_t *staging; /* transfer staging memory kept between transfers (gl_resource.c) */
    size_t staging_cap;
    uint64_t zero_ubo_serial;
    GLint max_ubo_bindings; /* GL_MAX_UNIFORM_BUFFER_BINDINGS */
    GLint ubo_alignment;    /* GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT */
    GLuint zero_ubo;        /* 64 KiB of zeros for uniform buffers the guest left unbound */
    GLuint so_count_query;  /* primitives a draw wrote to stream output, when not computable */
    struct gl_resource scratch_index; /* indices the renderer makes (polygon capture), buffer */
    GLuint blit_programs[10];         /* GLES: blits into multisampled buffers (gl_blit_draw.c) */
    GLuint scratch_doubles[32]; /* GLES: double vertex attributes as floats, attribute by one */
    GLint max_texture_size;
    GLint max_3d_texture_size;
    GLint max_array_layers;
    bool gles;        /* the host context is GLES, not desktop GL */
    int glsl_version; /* of the GLSL the translator emits: 330 (core), 310 or 320 (es) */
    bool has_copy_image;
    bool has_clear_texture;
    bool has_no_attachments;
    bool has_debug_output;
    bool has_viewport_array;
    bool has_s3tc, has_s3tc_srgb, has_compressed_sub_image;
    bool has_base_instance;
    bool has_tf3; /* gl_NextBuffer and gl_SkipComponentsN (GL 4.0, ARB_transform_feedback3) */
    bool has_cond_inverted;      /* GL 4.5, ARB_conditional_render_inverted */
    bool has_tbo;                /* buffer textures: GL 3.1, GLES 3.2 or EXT/OES_texture_buffer */
    bool has_tbo_rgb32;          /* GL 4.0, ARB_texture_buffer_object_rgb32 */
    bool has_tbo_range;          /* GL 4.3, ARB_texture_buffer_range */
    bool has_texture_barrier;    /* GL 4.5, ARB_texture_barrier */
    bool has_derivative_control; /* GL 4.5, ARB_derivative_control */
    bool has_stencil_export;     /* ARB_shader_stencil_export */
    bool has_texture_storage;    /* GL 4.2/4.3: immutable storage, also multisampled */
    bool has_stencil_views;      /* GL 4.3: texture views and stencil texturing */
    bool has_gather_component;   /* textureGather with a component: GL 4.0, GLES 3.1 */
    bool has_depth_clamp;        /* GL 3.2, EXT_depth_clamp on GLES */
    bool has_clip_distance;      /* GL 3.0, EXT_clip_cull_distance on GLES */
    bool has_timer_query;        /* GL 3.3, EXT_disjoint_timer_query on GLES */
    bool has_query_ui64;         /* glGetQueryObjectui64v: GL 3.3, the same GLES extension */
    bool has_cond_render;        /* GL 3.0, NV_conditional_render on GLES */
    bool has_srgb_write_control; /* GL 3.0, EXT_sRGB_write_control on GLES */
    bool has_fb_fetch;           /* GLES: EXT_shader_framebuffer_fetch (logic ops in the shader) */
    bool has_bgra;               /* BGRA transfers: desktop GL; EXT_texture_format_BGRA8888 and
                                    EXT_read_format_bgra on GLES */
    bool has_norm16;       /* 16-bit normalized textures: desktop GL; EXT_texture_norm16 on GLES */
    bool has_mirror_clamp; /* GL 4.4 core profile hosts have it; EXT_texture_mirror_clamp_to_edge */
    GLint tbo_alignment; /* GL_TEXTURE_BUFFER_OFFSET_ALIGNMENT (1 without ARB_texture_buffer_range's
                            query) */
    GLint max_tbo_size;  /* GL_MAX_TEXTURE_BUFFER_SIZE, texels */
    bool robust_access;
    GLint max_vertex_attribs;
    GLint max_samples; /* multisampled colour and depth textures, at most 4 */
    uint8_t caps_v2[VGL_CAPS_V2_SIZE];
    uint32_t hidden;            /* bit per enum gl_feature the options hide */
    char *hidden_extensions;    /* host GL extensions to treat as missing, comma-separated */
    uint32_t guest_glsl;        /* the GLSL level the caps offer */
    struct gl_profile *profile; /* per-command timing, while hooks.command_timed is set */
    struct vgl_renderer_options limits; /* per-context limits, defaults filled in */
};

/* epoxy_has_gl_extension, false for the extensions the options hide (gl_host.c). */
bool vgl_gl_host_ext(const struct vgl_renderer *r, const char *name);

/* GL_FRAMEBUFFER_SRGB on or off, where the host lets it be turned off (gl_sink.c). */
void vgl_gl_srgb_write(const struct vgl_renderer *r, bool on);
/* GLES: a blit into a multisampled buffer drawn instead (gl_blit_draw.c), reading src_tex (a
 * single-sampled 2D texture the box `sb` refers to) or, when 0, a copy of the source's level.
 * srgb_write: the GL_FRAMEBUFFER_SRGB state the blit set.
 * Returns false, having done nothing, where glBlitFramebuffer serves. */
struct vgl_cmd_blit;
bool vgl_gl_blit_draw(struct vgl_renderer *r, const struct gl_resource *src, GLuint src_tex,
                      const struct gl_resource *dst, const struct vgl_cmd_blit *cmd,
                      const struct vgl_box *sb, GLbitfield mask, GLenum filter, bool srgb_write);
void vgl_gl_blit_draw_finish(struct vgl_renderer *r);

/* Open the EGL display, create the host context of `api` (AUTO: VGL_HOST_API, then desktop GL
 * before GLES) and read what the host offers (gl_host.c). */
enum vgl_status vgl_gl_host_init(struct vgl_renderer *r, enum vgl_host_api api);

struct gl_context *vgl_gl_context_get(struct vgl_renderer *r, uint32_t ctx_id);

/* Counts a draw of `vertices` (times instances) against the work in flight, and waits for the
 * oldest fence when too much is queued. throttle_idle forgets the fences once the host is idle
 * (after glFinish) or goes away. */
void vgl_gl_throttle_draw(struct vgl_renderer *r, uint64_t vertices);
/* Binds `fbo` as the draw or read framebuffer (target GL_DRAW/READ_FRAMEBUFFER) unless GL
 * already has it there: a framebuffer bound again makes the driver validate it again. */
void vgl_gl_bind_fbo(struct vgl_renderer *r, GLenum target, GLuint fbo);
void vgl_gl_throttle_idle(struct vgl_renderer *r);
struct gl_resource *vgl_gl_resource_get(struct gl_context *ctx, uint32_t handle);
void vgl_gl_resource_ref(struct gl_resource *res);
void vgl_gl_resource_unref(struct gl_resource *res);

/* Width/height/depth of a level of a resource (at least 1). */
uint32_t vgl_gl_level_width(const struct gl_resource *res, uint32_t level);
uint32_t vgl_gl_level_height(const struct gl_resource *res, uint32_t level);
uint32_t vgl_gl_level_layers(const struct gl_resource *res, uint32_t level);

/*
 * Attach one level/layer of a texture resource to the bound `fbo_target` framebuffer at the
 * attachment its format needs (or `color_index` for colour formats).
 */
void vgl_gl_attach(GLenum fbo_target, const struct gl_resource *res, uint32_t level, uint32_t layer,
                   uint32_t color_index);
void vgl_gl_detach_all(GLenum fbo_target);

/* Transfers shared by the API (vtest TRANSFER_PUT2/GET2) and TRANSFER3D. The message, if any,
 * is written to `why`. */
enum vgl_status vgl_gl_transfer(struct gl_context *ctx, const struct vgl_transfer *t, bool write,
                                char *why, size_t why_size);
/* The same with the guest bytes in the backing of resource `mem_handle` (COPY_TRANSFER3D's
 * staging buffer) rather than of the transfer's own resource. */
enum vgl_status vgl_gl_transfer_via(struct gl_context *ctx, const struct vgl_transfer *t,
                                    uint32_t mem_handle, bool write, char *why, size_t why_size);

/* Sub-contexts and the GL sink. */
void vgl_gl_sink_init(struct gl_context *ctx);
void vgl_gl_sink_finish(struct gl_context *ctx);
struct gl_context *vgl_gl_ctx_of(struct vgl_sink *s);

/* Objects (gl_objects.c): lookup by handle and type, references. */
void *vgl_gl_object_get(struct gl_sub_ctx *sub, uint32_t handle, uint32_t type);
void vgl_gl_object_ref(struct gl_object *obj);
/* The shader key's colour-buffer swizzle for rendering into this surface (its own format). */
uint16_t vgl_gl_surface_output_swizzle(const struct gl_surface *surf);
void vgl_gl_object_unref(struct gl_sub_ctx *sub, struct gl_object *obj);
/* Put a new object (refcount 0 or 1, filled in) into the current sub-context's table under the
 * context's object limit; frees it on failure. */
enum vgl_status vgl_gl_object_insert(struct vgl_sink *s, struct gl_object *obj, uint32_t type,
                                     uint32_t handle);
/* Replace a binding slot holding a reference: refs the new object, unrefs the old one. */
#define VGL_GL_REBIND(sub, slot, obj)                                                              \
    do {                                                                                           \
        __typeof__(obj) new_ = (obj);                                                              \
        if (new_) {                                                                                \
            vgl_gl_object_ref(&new_->base);                                                        \
        }                                                                                          \
        if (slot) {                                                                                \
            vgl_gl_object_unref(sub, &(slot)->base);                                               \
        }                                                                                          \
        (slot) = new_;                                                                             \
    } while (0)
void vgl_gl_sub_ctx_release_state(struct gl_sub_ctx *sub);
/* GL state the draw path set was changed behind its back: the next draw applies it all. */
void vgl_gl_state_dirty(struct vgl_renderer *r);
/* Let GL count for ctx's active queries alone: suspend the previous context's, resume ctx's. */
void vgl_gl_queries_switch(struct vgl_renderer *r, struct gl_context *ctx);
/* End ctx's running queries on target (0: all) on the host, keeping their counts, so that the
 * renderer can count on that target itself; resume adds what it counted meanwhile (add). */
void vgl_gl_queries_suspend(struct gl_context *ctx, GLenum target);
void vgl_gl_queries_resume(struct gl_context *ctx, GLenum target, uint64_t add);
/* A query object is going away: end it if it is active. */
void vgl_gl_query_release(struct gl_context *ctx, struct gl_query *q);
/* Nothing in r->bound is known any more (renderer start). */
void vgl_gl_bound_forget(struct vgl_renderer *r);
/* The shader bound to `stage`, or NULL. */
static inline struct gl_shader *vgl_gl_shader(const struct gl_sub_ctx *sub,
                                              enum vgl_shader_stage stage) {
    return sub->stages[stage].shader;
}
void vgl_gl_objects_init(struct vgl_sink_impl *impl);
void vgl_gl_state_init(struct vgl_sink_impl *impl);
void vgl_gl_draw_init(struct vgl_sink_impl *impl);
void vgl_gl_query_init(struct vgl_sink_impl *impl);

/* Conditional rendering around a draw, clear or blit (gl_query.c): false when the guest's
 * condition skips the work; otherwise the host may skip it itself until the _end call. */
bool vgl_gl_condition_begin(struct vgl_renderer *r, struct gl_sub_ctx *sub);
void vgl_gl_condition_end(struct gl_sub_ctx *sub);

/* Stream output (gl_streamout.c). The shader whose outputs are captured: the last vertex
 * stage. */
const struct vgl_stream_output *vgl_gl_so_of(const struct gl_sub_ctx *sub);
/* Whether a draw would capture: targets are bound and the last vertex stage has outputs. */
bool vgl_gl_so_bound(const struct gl_sub_ctx *sub);
void vgl_gl_streamout_init(struct vgl_sink_impl *impl);
/* Before linking: glTransformFeedbackVaryings for the translator's vgl_so_<i> outputs. Returns
 * the mask of buffers the program writes. */
uint8_t vgl_gl_so_set_varyings(const struct vgl_renderer *r, GLuint program,
                               const struct vgl_stream_output *so);
/* The sub-context's index buffer binding, while a pass draws the renderer's indices. */
struct gl_ib_binding {
    struct gl_resource *res;
    uint32_t size, offset;
};

/* The renderer's own index buffer, bound to the sub-context's VAO, holding `bytes` of data. */
void vgl_gl_scratch_indices(struct vgl_renderer *r, struct gl_sub_ctx *sub, const void *data,
                            size_t bytes);
/* The draw's indices in the renderer's buffer as 32 bits, its restart index as 0xffffffff
 * (GLES restarts only there); the guest's index buffer at `offset`. */
enum vgl_status vgl_gl_restart_indices_gles(struct vgl_renderer *r, struct gl_sub_ctx *sub,
                                            const struct vgl_cmd_draw *d, uint32_t offset);
/* Point the sub-context at the renderer's index buffer; returns the guest's binding. */
struct gl_ib_binding vgl_gl_use_scratch_indices(struct vgl_renderer *r, struct gl_sub_ctx *sub);
void vgl_gl_restore_indices(struct gl_sub_ctx *sub, struct gl_ib_binding guest);
/* The first-vertex convention on GLES (gl_indices.c says how); false when out of memory. */
bool vgl_gl_provoking_first_indices(struct vgl_renderer *r, struct gl_sub_ctx *sub,
                                    const struct vgl_cmd_draw *d, bool provoking_last,
                                    struct vgl_cmd_draw *out);

struct gl_so_draw {
    bool active;
    bool counted;        /* the host counts the primitives written (restart, geometry shaders) */
    uint8_t buffers;     /* buffers written */
    uint32_t vpp;        /* vertices per captured primitive */
    uint32_t advance[4]; /* bytes the draw appends to each */
    /* GLES writes whole records, gaps included: the bytes the draw may write, as they were, so
     * that the gaps get them back (NULL for buffers without gaps). */
    uint8_t *before[4];
};
struct gl_program;
/* Around one draw of `p`: begin transform feedback at the targets' write offsets when targets
 * are bound and the program captures; end it and advance the offsets. */
void vgl_gl_so_begin(struct gl_sub_ctx *sub, const struct gl_program *p,
                     const struct vgl_cmd_draw *d, struct gl_so_draw *sd);
void vgl_gl_so_end(struct gl_sub_ctx *sub, const struct gl_so_draw *sd);

/* Programs (gl_program.c). */
void vgl_gl_programs_forget_shader(struct gl_sub_ctx *sub, const struct gl_shader *sh);
void vgl_gl_programs_destroy(struct gl_sub_ctx *sub);

/* A vertex format for glVertexAttribPointer, or false if unsupported. */
bool vgl_gl_vertex_format(uint32_t virgl_format, struct gl_vertex_format *out);

/* Write bytes into a resource's guest backing (reported through backing_written) and, for
 * buffers, its host storage. */
enum vgl_status vgl_gl_resource_write(struct gl_context *ctx, struct gl_resource *res,
                                      uint64_t offset, const void *data, size_t size);

/* Host features the caps depend on, which the renderer options may hide (gl_caps.c). */
enum gl_feature {
    FEATURE_COND_RENDER, /* conditional rendering (GL 3.0) */
    FEATURE_STREAMOUT,   /* stream output with gaps and several buffers (GL 3.0) */
    FEATURE_DEPTH_CLAMP, /* depth clamp (GL 3.2) */
    FEATURE_TIMER_QUERY, /* timer queries (GL 3.3) */
    FEATURE_UBO,         /* uniform buffers (GL 3.1) */
    FEATURE_TBO,         /* texture buffers (GL 3.1) */
    FEATURE_GS,          /* geometry shaders (GL 3.2) */
    FEATURE_MSAA,        /* multisampled textures (GL 3.2) */
    FEATURE_DUAL_SRC,    /* dual-source blending (GL 3.3) */
    FEATURE_COUNT,
};
/* Parses a comma-separated list of feature names into bits; false (naming the first unknown
 * one in `bad`) when a name is unknown. */
bool vgl_gl_parse_features(const char *list, uint32_t *bits, char *bad, size_t bad_size);

/* Caps derived from the host (gl_caps.c). */
void vgl_gl_fill_caps(struct vgl_renderer *r);

/* gl_profile.c */
struct gl_profile;
void vgl_gl_profile_attach(struct gl_context *ctx);
void vgl_gl_profile_flush(struct vgl_renderer *r);
void vgl_gl_profile_update(struct vgl_renderer *r);

#endif
