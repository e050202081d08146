/* SPDX-License-Identifier: MIT */
/*
 * The host context and what it offers: an EGL surfaceless display with a desktop GL 3.3 core
 * context or a GLES 3.1+ one, and the host features the rest of the renderer and the caps
 * follow from. Loud about what is missing: creation fails with the full list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/debug.h"
#include "common/util.h"
#include "gl/gl_internal.h"

static void append_missing(char *list, size_t size, const char *what) {
    const size_t len = strlen(list);
    snprintf(list + len, size - len, "%s%s", len ? ", " : "", what);
}

static void GLAPIENTRY debug_message(GLenum source, GLenum type, GLuint id, GLenum severity,
                                     GLsizei length, const GLchar *message, const void *user) {
    const enum vgl_log_level level = type == GL_DEBUG_TYPE_ERROR ? VGL_LOG_WARN : VGL_LOG_INFO;
    vgl_log(level, "host GL: %s", message);
}

/*
 * Whether the host has a GL extension, unless the options hide it: llvmpipe offers much that
 * real GLES drivers lack, and hiding it runs the fallbacks here (docs/gles-host.md).
 */
bool vgl_gl_host_ext(const struct vgl_renderer *r, const char *name) {
    const size_t n = strlen(name);
    for (const char *p = r->hidden_extensions; p && *p;) {
        const size_t len = strcspn(p, ", ");
        if (len == n && strncmp(p, name, n) == 0) {
            return false;
        }
        p += len;
        p += strspn(p, ", ");
    }
    return epoxy_has_gl_extension(name);
}

static bool host_ext(const struct vgl_renderer *r, const char *name) {
    return vgl_gl_host_ext(r, name);
}

bool vgl_host_api_parse(const char *text, enum vgl_host_api *out) {
    static const struct {
        const char *name;
        enum vgl_host_api api;
    } names[] = {{"auto", VGL_HOST_API_AUTO}, {"gl", VGL_HOST_API_GL}, {"gles", VGL_HOST_API_GLES}};
    for (size_t i = 0; i < VGL_ARRAY_SIZE(names); i++) {
        if (strcmp(text, names[i].name) == 0) {
            *out = names[i].api;
            return true;
        }
    }
    return false;
}

static enum vgl_status open_display(struct vgl_renderer *r) {
    char missing[256] = "";
    if (!epoxy_has_egl_extension(EGL_NO_DISPLAY, "EGL_MESA_platform_surfaceless")) {
        vgl_log(VGL_LOG_ERROR, "host EGL lacks EGL_MESA_platform_surfaceless");
        return VGL_ERROR_NO_DEVICE;
    }
    r->display = eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
    EGLint major, minor;
    if (r->display == EGL_NO_DISPLAY || !eglInitialize(r->display, &major, &minor)) {
        vgl_log(VGL_LOG_ERROR, "cannot initialise the EGL surfaceless display (EGL error 0x%x)",
                eglGetError());
        r->display = EGL_NO_DISPLAY;
        return VGL_ERROR_NO_DEVICE;
    }
    static const char *const needed[] = {"EGL_KHR_create_context", "EGL_KHR_surfaceless_context",
                                         "EGL_KHR_no_config_context"};
    for (size_t i = 0; i < VGL_ARRAY_SIZE(needed); i++) {
        if (!epoxy_has_egl_extension(r->display, needed[i])) {
            append_missing(missing, sizeof(missing), needed[i]);
        }
    }
    if (missing[0]) {
        vgl_log(VGL_LOG_ERROR, "host EGL %d.%d lacks: %s", major, minor, missing);
        return VGL_ERROR_HOST_GL;
    }
    return VGL_OK;
}

/*
 * A context of the API and version asked for, robust where the host offers it: robust buffer
 * access keeps hostile vertex indices inside host buffers where we cannot check them (indexed
 * draws). False when the host has none.
 */
static bool try_context(struct vgl_renderer *r, bool gles, EGLint major, EGLint minor) {
    if (!eglBindAPI(gles ? EGL_OPENGL_ES_API : EGL_OPENGL_API)) {
        return false;
    }
    EGLint attribs[9] = {EGL_CONTEXT_MAJOR_VERSION, major, EGL_CONTEXT_MINOR_VERSION, minor};
    int n = 4;
    if (!gles) { /* a profile is an error for GLES */
        attribs[n++] = EGL_CONTEXT_OPENGL_PROFILE_MASK;
        attribs[n++] = EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT;
    }
    const int robust_at = n;
    r->robust_access = epoxy_has_egl_extension(r->display, "EGL_EXT_create_context_robustness");
    if (r->robust_access) {
        attribs[n++] = EGL_CONTEXT_OPENGL_ROBUST_ACCESS_EXT;
        attribs[n++] = EGL_TRUE;
    }
    attribs[n] = EGL_NONE;
    r->context = eglCreateContext(r->display, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attribs);
    if (r->context == EGL_NO_CONTEXT && r->robust_access) {
        r->robust_access = false;
        attribs[robust_at] = EGL_NONE;
        r->context = eglCreateContext(r->display, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attribs);
    }
    if (r->context == EGL_NO_CONTEXT) {
        return false;
    }
    r->gles = gles;
    return true;
}

static enum vgl_status create_context(struct vgl_renderer *r, enum vgl_host_api api) {
    const bool want_gl = api != VGL_HOST_API_GLES, want_gles = api != VGL_HOST_API_GL;
    const bool ok = (want_gl && try_context(r, false, 3, 3)) ||
                    (want_gles && (try_context(r, true, 3, 2) || try_context(r, true, 3, 1)));
    if (!ok) {
        vgl_log(VGL_LOG_ERROR, "host cannot create a %s context (EGL error 0x%x)",
                api == VGL_HOST_API_GL     ? "desktop GL 3.3 core"
                : api == VGL_HOST_API_GLES ? "GLES 3.1"
                                           : "desktop GL 3.3 core or GLES 3.1",
                eglGetError());
        return VGL_ERROR_HOST_GL;
    }
    if (!eglMakeCurrent(r->display, EGL_NO_SURFACE, EGL_NO_SURFACE, r->context)) {
        vgl_log(VGL_LOG_ERROR, "eglMakeCurrent failed (EGL error 0x%x)", eglGetError());
        return VGL_ERROR_HOST_GL;
    }
    return VGL_OK;
}

/* Desktop GL: features by version or ARB extension. */
static void features_gl(struct vgl_renderer *r, int version) {
    r->has_copy_image = version >= 43 || host_ext(r, "GL_ARB_copy_image");
    r->has_clear_texture = version >= 44 || host_ext(r, "GL_ARB_clear_texture");
    r->has_no_attachments = version >= 43 || host_ext(r, "GL_ARB_framebuffer_no_attachments");
    r->has_debug_output = version >= 43 || host_ext(r, "GL_KHR_debug");
    r->has_viewport_array = version >= 41 || host_ext(r, "GL_ARB_viewport_array");
    r->has_base_instance = version >= 42 || host_ext(r, "GL_ARB_base_instance");
    r->has_tf3 = version >= 40 || host_ext(r, "GL_ARB_transform_feedback3");
    r->has_cond_inverted = version >= 45 || host_ext(r, "GL_ARB_conditional_render_inverted");
    r->has_s3tc = host_ext(r, "GL_EXT_texture_compression_s3tc");
    r->has_s3tc_srgb = r->has_s3tc && host_ext(r, "GL_EXT_texture_sRGB");
    /* Read-back of compressed boxes needs glGetCompressedTextureSubImage. */
    r->has_compressed_sub_image = version >= 45 || host_ext(r, "GL_ARB_get_texture_sub_image");
    r->has_tbo = true;
    r->has_tbo_rgb32 = version >= 40 || host_ext(r, "GL_ARB_texture_buffer_object_rgb32");
    r->has_tbo_range = version >= 43 || host_ext(r, "GL_ARB_texture_buffer_range");
    r->has_texture_barrier = version >= 45 || host_ext(r, "GL_ARB_texture_barrier");
    r->has_stencil_export = host_ext(r, "GL_ARB_shader_stencil_export");
    r->has_texture_storage = version >= 43 || (host_ext(r, "GL_ARB_texture_storage") &&
                                               host_ext(r, "GL_ARB_texture_storage_multisample"));
    r->has_stencil_views =
            r->has_texture_storage && (version >= 43 || (host_ext(r, "GL_ARB_texture_view") &&
                                                         host_ext(r, "GL_ARB_stencil_texturing")));
    r->has_derivative_control = version >= 45 || host_ext(r, "GL_ARB_derivative_control");
    r->has_gather_component = version >= 40 || host_ext(r, "GL_ARB_gpu_shader5");
    r->has_depth_clamp = r->has_clip_distance = r->has_timer_query = r->has_query_ui64 = true;
    r->has_cond_render = r->has_srgb_write_control = true;
    r->has_bgra = r->has_norm16 = true;
    r->has_mirror_clamp = true;
    r->glsl_version = 330;
}

/*
 * GLES 3.1+: features by ES version or ES extension. What ES lacks entirely is false here and
 * the caps fall back (docs/gles-host.md lists each case).
 */
static void features_gles(struct vgl_renderer *r, int version) {
    r->has_copy_image =
            version >= 32 || host_ext(r, "GL_EXT_copy_image") || host_ext(r, "GL_OES_copy_image");
    r->has_clear_texture = host_ext(r, "GL_EXT_clear_texture");
    r->has_no_attachments = true; /* ES 3.1 */
    r->has_debug_output = version >= 32 || host_ext(r, "GL_KHR_debug");
    r->has_s3tc = host_ext(r, "GL_EXT_texture_compression_s3tc");
    r->has_s3tc_srgb = r->has_s3tc && host_ext(r, "GL_EXT_texture_compression_s3tc_srgb");
    r->has_tbo = version >= 32 || host_ext(r, "GL_EXT_texture_buffer") ||
                 host_ext(r, "GL_OES_texture_buffer");
    r->has_tbo_rgb32 = r->has_tbo; /* the ES buffer texture table has RGB32F/I/UI */
    r->has_tbo_range = r->has_tbo;
    r->has_texture_storage = true;  /* ES 3.0, multisampled 3.1 */
    r->has_gather_component = true; /* ES 3.1 */
    r->has_depth_clamp = host_ext(r, "GL_EXT_depth_clamp");
    r->has_clip_distance = host_ext(r, "GL_EXT_clip_cull_distance");
    r->has_timer_query = r->has_query_ui64 = host_ext(r, "GL_EXT_disjoint_timer_query");
    r->has_cond_render = host_ext(r, "GL_NV_conditional_render");
    r->has_srgb_write_control = host_ext(r, "GL_EXT_sRGB_write_control");
    r->has_mirror_clamp = host_ext(r, "GL_EXT_texture_mirror_clamp_to_edge");
    r->has_fb_fetch = host_ext(r, "GL_EXT_shader_framebuffer_fetch");
    r->has_bgra =
            host_ext(r, "GL_EXT_texture_format_BGRA8888") && host_ext(r, "GL_EXT_read_format_bgra");
    r->has_norm16 = host_ext(r, "GL_EXT_texture_norm16");
    r->glsl_version = version >= 32 ? 320 : 310;
}

static enum vgl_status init_gl(struct vgl_renderer *r) {
    const int version = epoxy_gl_version();
    if (version < (r->gles ? 31 : 33)) {
        vgl_log(VGL_LOG_ERROR, "host %s %d.%d is below the required %s", r->gles ? "GLES" : "GL",
                version / 10, version % 10, r->gles ? "3.1" : "3.3");
        return VGL_ERROR_HOST_GL;
    }
    snprintf(r->name, sizeof(r->name), "%s", (const char *)glGetString(GL_RENDERER));
    if (r->gles) {
        features_gles(r, version);
    } else {
        features_gl(r, version);
    }
    GLint units = 0;
    glGetIntegerv(GL_MAX_COMBINED_TEXTURE_IMAGE_UNITS, &units);
    /* Outside draws the last unit is active: transfers and texture setup bind there, and draws
     * never allocate it, so the units draws use keep what they last bound (gl_bound). */
    r->rest_unit = units > 0 ? units - 1 : 0;
    glActiveTexture(GL_TEXTURE0 + (GLenum)r->rest_unit);
    r->max_texture_units =
            r->rest_unit > 254 ? 254 : r->rest_unit; /* the allocator counts in bytes */
    vgl_gl_bound_forget(r);
    glGetIntegerv(GL_MAX_UNIFORM_BUFFER_BINDINGS, &r->max_ubo_bindings);
    if (!r->gles) {
        /* Read-backs return signed normalized values as stored, never clamped to [0, 1]
         * (GLES never clamps them). */
        glClampColor(GL_CLAMP_READ_COLOR, GL_FALSE);
    }
    glGetIntegerv(GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT, &r->ubo_alignment);
    if (r->has_tbo_range) {
        glGetIntegerv(GL_TEXTURE_BUFFER_OFFSET_ALIGNMENT, &r->tbo_alignment);
    }
    if (r->has_tbo) {
        glGetIntegerv(GL_MAX_TEXTURE_BUFFER_SIZE, &r->max_tbo_size);
    }
    r->max_ubo_bindings = r->max_ubo_bindings > 254 ? 254 : r->max_ubo_bindings;
    glGetIntegerv(GL_MAX_VERTEX_ATTRIBS, &r->max_vertex_attribs);
    GLint color_samples = 0, depth_samples = 0;
    glGetIntegerv(GL_MAX_COLOR_TEXTURE_SAMPLES, &color_samples);
    glGetIntegerv(GL_MAX_DEPTH_TEXTURE_SAMPLES, &depth_samples);
    r->max_samples = color_samples < depth_samples ? color_samples : depth_samples;
    /* protocol-facts §5.4: 4 (or exactly 1, which makes the guest fake multisampling). */
    r->max_samples = r->max_samples >= 4 ? 4 : 1;
    if (units < 32) {
        vgl_log(VGL_LOG_ERROR, "host GL has %d combined texture units, 32 are required", units);
        return VGL_ERROR_HOST_GL;
    }
    glGetIntegerv(GL_MAX_TEXTURE_SIZE, &r->max_texture_size);
    glGetIntegerv(GL_MAX_3D_TEXTURE_SIZE, &r->max_3d_texture_size);
    glGetIntegerv(GL_MAX_ARRAY_TEXTURE_LAYERS, &r->max_array_layers);
    if (r->has_debug_output && (vgl_debug_flags() & VGL_DEBUG_KHR)) {
        glEnable(GL_DEBUG_OUTPUT);
        glDebugMessageCallback(debug_message, r);
    }
    glGenFramebuffers(1, &r->read_fbo);
    glGenFramebuffers(1, &r->draw_fbo);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    vgl_gl_fill_caps(r);
    return VGL_OK;
}

enum vgl_status vgl_gl_host_init(struct vgl_renderer *r, enum vgl_host_api api) {
    const char *env = getenv("VGL_HOST_API");
    if (api == VGL_HOST_API_AUTO && env && env[0] && !vgl_host_api_parse(env, &api)) {
        vgl_log(VGL_LOG_ERROR, "VGL_HOST_API=%s: expected gl, gles or auto", env);
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    enum vgl_status status = open_display(r);
    if (status == VGL_OK) {
        status = create_context(r, api);
    }
    return status == VGL_OK ? init_gl(r) : status;
}
