/* SPDX-License-Identifier: MIT */
/*
 * The host renderer for virgl command streams: contexts, resources, guest backing, transfers,
 * command submission and fences. The operations mirror virglrenderer's public API so that a
 * trace recorded against one can be replayed on the other.
 *
 * Threading: a renderer and everything created from it must be used from one thread at a time,
 * the thread that created it (it owns an EGL context current on that thread).
 *
 * Namespaces: context ids are chosen by the caller. Resource handles are chosen by the guest and
 * are private to the context that created them: two contexts may both own a resource 1, and one
 * context can never name another's resources.
 */
#ifndef VGL_RENDERER_H
#define VGL_RENDERER_H

#include <sys/uio.h>

#include <vgl/common.h>

struct vgl_renderer;

/* Capability sets, numbered as virtio-gpu and vtest number them. */
#define VGL_CAPSET_VIRGL  1 /* struct virgl_caps_v1, 308 bytes */
#define VGL_CAPSET_VIRGL2 2 /* struct virgl_caps_v2, 1376 bytes */

#define VGL_CAPS_V1_SIZE 308
#define VGL_CAPS_V2_SIZE 1376

/* Called when the renderer reads or writes guest memory (a backing attached to a resource). */
typedef void (*vgl_backing_hook)(void *user, uint32_t ctx_id, uint32_t handle, uint64_t offset,
                                 const void *data, size_t size);
/* Called from vgl_renderer_poll() for each retired fence, in creation order per context. */
typedef void (*vgl_fence_hook)(void *user, uint32_t ctx_id, uint64_t fence_id);

/* Called when the guest creates (created = true) or destroys a state object, shader, surface,
 * query or stream-output target of sub-context `sub_ctx` (not when a context's teardown frees
 * what the guest left). */
typedef void (*vgl_object_hook)(void *user, uint32_t ctx_id, uint32_t sub_ctx, uint32_t type,
                                uint32_t handle, bool created);

/* Timing of one decoded command, for profilers. Times are CLOCK_MONOTONIC nanoseconds. */
struct vgl_command_timing {
    uint32_t ctx_id, cmd_id, obj_type, index; /* index: position in its command buffer */
    bool failed;                              /* the command returned an error */
    uint64_t start_ns, wall_ns;
    uint64_t cpu_ns;              /* CPU time of the submitting thread */
    int64_t gpu_start_ns, gpu_ns; /* GL timer queries; -1 when unavailable */
};
/* Called at the end of each submit, once per command, when set. */
typedef void (*vgl_command_hook)(void *user, const struct vgl_command_timing *t);

/*
 * Observers of guest memory traffic. backing_read sees every byte the renderer reads from guest
 * backing (uploads), before it is used; backing_written sees every byte it writes there
 * (read-backs), after it is written. The pointers are only valid during the call.
 */
struct vgl_renderer_hooks {
    vgl_backing_hook backing_read;
    vgl_backing_hook backing_written;
    vgl_fence_hook fence_retired;
    vgl_object_hook object_event;
    /* Setting this turns on per-command timing (a GL timestamp query before and after each
     * command, and a wait for their results at the end of each submit): for profiling only. */
    vgl_command_hook command_timed;
};

/*
 * Per-context limits. A guest is hostile until proven otherwise: without them one context could
 * make the host allocate without bound, one small object or one capped resource at a time.
 * Requests past a limit are refused with VGL_ERROR_NO_MEMORY and a logged reason (resource
 * creation), or break the context with that status (objects created in a submit). Whatever
 * the guest destroyed counts until nothing holds it any more (a bound surface keeps its resource
 * counted). The defaults are far above what real GL applications hold live at once.
 */

/* Live resources. */
#define VGL_DEFAULT_MAX_RESOURCES (1u << 17)
/* Host storage of live resources: every level, layer and sample. */
#define VGL_DEFAULT_MAX_RESOURCE_BYTES (4ull << 30)
/* Live objects, all sub-contexts together. */
#define VGL_DEFAULT_MAX_OBJECTS (1u << 18)
/* TGSI text of live shaders, as announced by their first chunks. */
#define VGL_DEFAULT_MAX_SHADER_BYTES (64u << 20)
/* Vertices (times instances) drawn between two of the fences that bound the work queued in the
 * host driver; four such fences may be pending. A serving renderer overlaps its guest's work with
 * a deep queue; a replay, with no guest, keeps memory flat with a shallower one. */
#define VGL_DEFAULT_QUEUED_VERTICES (256u << 10)

/* The host API the renderer draws with. */
enum vgl_host_api {
    VGL_HOST_API_AUTO = 0, /* desktop GL 3.3 core where the host has it, else GLES 3.1 or later */
    VGL_HOST_API_GL,       /* desktop OpenGL 3.3 core or later */
    VGL_HOST_API_GLES,     /* OpenGL ES 3.1 or later (ARM boards, Android, ChromeOS) */
};

struct vgl_renderer_options {
    /* Reserved, must be 0. */
    uint32_t flags;
    /* Per-context limits; 0 picks the VGL_DEFAULT_MAX_* value of the same name. */
    uint32_t max_resources;
    uint32_t max_objects;
    uint64_t max_resource_bytes;
    uint64_t max_shader_bytes;
    /* 0 picks VGL_DEFAULT_QUEUED_VERTICES. */
    uint32_t queued_vertices;
    /*
     * Host features to treat as missing, comma-separated, so that the caps fall back as they
     * would on a host without them (docs/env-vars.md lists the names: cond_render, ubo, tbo, gs,
     * msaa, dual_src). NULL reads the VGL_HIDE_FEATURES environment variable. An unknown name
     * makes vgl_renderer_create fail with VGL_ERROR_INVALID_ARGUMENT.
     */
    const char *hide_features;
    /*
     * The host API; AUTO reads the VGL_HOST_API environment variable (gl, gles or auto) and
     * otherwise picks desktop GL where the host has it. An unknown value in the variable makes
     * vgl_renderer_create fail with VGL_ERROR_INVALID_ARGUMENT.
     */
    enum vgl_host_api host_api;
    /*
     * Host GL extensions to treat as missing, comma-separated (GL_EXT_depth_clamp, ...), so that
     * the renderer takes the path it takes on hosts without them. NULL reads the
     * VGL_HIDE_EXTENSIONS environment variable. Names the renderer never asks for are ignored.
     */
    const char *hide_extensions;
};

/*
 * Create a renderer on an EGL surfaceless display with a desktop GL 3.3 core context or a GLES
 * 3.1+ one (opts->host_api).
 * opts may be NULL. Returns VGL_ERROR_NO_DEVICE when no EGL display can be initialised and
 * VGL_ERROR_HOST_GL when the host lacks a required GL version or extension; the log then names
 * every missing piece. On success *out owns a renderer to free with vgl_renderer_destroy().
 */
VGL_API enum vgl_status vgl_renderer_create(const struct vgl_renderer_options *opts,
                                            struct vgl_renderer **out);

/* Destroy every context and resource, then the GL context and display. NULL is a no-op. */
VGL_API void vgl_renderer_destroy(struct vgl_renderer *r);

/* Install hooks (copied); NULL removes them. `user` is passed back to each hook. */
VGL_API void vgl_renderer_set_hooks(struct vgl_renderer *r, const struct vgl_renderer_hooks *hooks,
                                    void *user);

/* What the renderer holds for its guests; all zero once every context is destroyed. */
struct vgl_renderer_usage {
    uint32_t contexts, sub_contexts, resources, objects, programs, fences;
    uint64_t resource_bytes; /* host storage of live resources, estimated from their sizes */
    uint32_t in_flight;      /* fences bounding the host's queued work (at most 4) */
};
VGL_API void vgl_renderer_get_usage(struct vgl_renderer *r, struct vgl_renderer_usage *out);

/* Host GL renderer string, for logs and caps. Owned by the renderer. */
VGL_API const char *vgl_renderer_get_name(const struct vgl_renderer *r);
/* The API the renderer draws with: VGL_HOST_API_GL or VGL_HOST_API_GLES. */
VGL_API enum vgl_host_api vgl_renderer_get_host_api(const struct vgl_renderer *r);
/* "gl", "gles" or "auto" into an enum vgl_host_api; false for anything else. */
VGL_API bool vgl_host_api_parse(const char *text, enum vgl_host_api *out);

/*
 * Capability sets. get_cap_set reports the maximum version and size in bytes of set `set`
 * (VGL_ERROR_NOT_FOUND for an unknown set). fill_caps writes the set into dst, which must hold
 * at least its size. The caps are derived from the host GL and advertise only what works.
 */
VGL_API enum vgl_status vgl_renderer_get_cap_set(struct vgl_renderer *r, uint32_t set,
                                                 uint32_t *max_version, uint32_t *size);
VGL_API enum vgl_status vgl_renderer_fill_caps(struct vgl_renderer *r, uint32_t set, void *dst,
                                               size_t dst_capacity);

/*
 * Contexts. ctx_id is any non-zero caller-chosen id, unique among live contexts; name is a
 * NUL-terminated label (the guest process name) and may be NULL. Destroying a context destroys
 * its resources and objects; destroying an unknown id is a no-op.
 */
VGL_API enum vgl_status vgl_renderer_context_create(struct vgl_renderer *r, uint32_t ctx_id,
                                                    const char *name);
VGL_API void vgl_renderer_context_destroy(struct vgl_renderer *r, uint32_t ctx_id);

/* Where a context broke: the first decode or execution error, sticky until the context dies. */
struct vgl_context_error {
    enum vgl_status status;
    uint32_t submit_index; /* which submit of this context (0-based) */
    uint32_t cmd_index;    /* which command within that submit (0-based) */
    uint32_t dword_offset; /* offset of that command's header in the submit */
    uint32_t opcode;       /* VIRGL_CCMD_* id of that command */
    char message[160];
};

/* Fill *out and return true if the context is broken; false if healthy or unknown. */
VGL_API bool vgl_renderer_context_get_error(struct vgl_renderer *r, uint32_t ctx_id,
                                            struct vgl_context_error *out);

/* Resource creation parameters, as the guest sends them (virgl formats, PIPE targets). */
struct vgl_resource_args {
    uint32_t handle; /* non-zero, unique within the context */
    uint32_t target; /* PIPE_BUFFER 0, PIPE_TEXTURE_2D 2, ... */
    uint32_t format; /* VIRGL_FORMAT_* */
    uint32_t bind;   /* VIRGL_BIND_* */
    uint32_t width;
    uint32_t height;
    uint32_t depth;
    uint32_t array_size;
    uint32_t last_level;
    uint32_t nr_samples;
    uint32_t flags;
};

/*
 * Create host storage for a resource. Buffers and 2D textures (with mip levels) are supported;
 * other targets answer VGL_ERROR_UNSUPPORTED. Every size is checked against host limits.
 */
VGL_API enum vgl_status vgl_renderer_resource_create(struct vgl_renderer *r, uint32_t ctx_id,
                                                     const struct vgl_resource_args *args);
VGL_API enum vgl_status vgl_renderer_resource_unref(struct vgl_renderer *r, uint32_t ctx_id,
                                                    uint32_t handle);

/* Copy of the creation parameters of a live resource. */
VGL_API enum vgl_status vgl_renderer_resource_get_info(struct vgl_renderer *r, uint32_t ctx_id,
                                                       uint32_t handle,
                                                       struct vgl_resource_args *out);

/*
 * Guest backing. The renderer keeps the iovec array (copied) and the memory it points to
 * (borrowed) until detach, unref or context destruction; the caller keeps that memory mapped
 * until then. A resource has at most one backing.
 */
VGL_API enum vgl_status vgl_renderer_resource_attach_backing(struct vgl_renderer *r,
                                                             uint32_t ctx_id, uint32_t handle,
                                                             const struct iovec *iov,
                                                             unsigned int iov_count);
VGL_API enum vgl_status vgl_renderer_resource_detach_backing(struct vgl_renderer *r,
                                                             uint32_t ctx_id, uint32_t handle);

/* A box in texels (bytes for buffers). Widths and heights are non-negative for transfers. */
struct vgl_box {
    int32_t x, y, z;
    int32_t w, h, d;
};

/*
 * A transfer between the guest backing and host storage. stride and layer_stride of 0 mean the
 * packed layout of that level (the vtest layout). offset is the byte offset of the box origin in
 * the backing. The box must lie inside the level, and every byte touched inside the backing.
 */
struct vgl_transfer {
    uint32_t handle;
    uint32_t level;
    uint32_t stride;
    uint32_t layer_stride;
    struct vgl_box box;
    uint64_t offset;
};

/* Guest backing -> host storage. */
VGL_API enum vgl_status vgl_renderer_transfer_write(struct vgl_renderer *r, uint32_t ctx_id,
                                                    const struct vgl_transfer *t);
/* Host storage -> guest backing. */
VGL_API enum vgl_status vgl_renderer_transfer_read(struct vgl_renderer *r, uint32_t ctx_id,
                                                   const struct vgl_transfer *t);

/*
 * Decode and execute a virgl command buffer of `ndw` dwords. A malformed buffer or a command
 * that fails marks the context broken (see vgl_renderer_context_get_error); later submits are
 * refused with VGL_ERROR_CONTEXT_BROKEN. Commands not implemented yet are skipped and logged
 * once per command id without breaking the context.
 */
VGL_API enum vgl_status vgl_renderer_submit(struct vgl_renderer *r, uint32_t ctx_id,
                                            const uint32_t *cmds, size_t ndw);

/*
 * Fences. create_fence queues a fence after the work submitted so far on the context; poll
 * retires finished fences through the fence_retired hook; wait_idle blocks until everything
 * submitted on the context has finished, then retires its fences.
 */
VGL_API enum vgl_status vgl_renderer_create_fence(struct vgl_renderer *r, uint32_t ctx_id,
                                                  uint64_t fence_id);
VGL_API void vgl_renderer_poll(struct vgl_renderer *r);
VGL_API enum vgl_status vgl_renderer_wait_idle(struct vgl_renderer *r, uint32_t ctx_id);

#endif
