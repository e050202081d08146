/* SPDX-License-Identifier: MIT */
#include "guest_egl.h"

#include <stdio.h>

#include <epoxy/gl.h>

static int open_context(struct guest_egl *e, const EGLint *ctx_attribs) {
    e->dpy = EGL_NO_DISPLAY;
    e->ctx = EGL_NO_CONTEXT;
    if (!epoxy_has_egl_extension(EGL_NO_DISPLAY, "EGL_MESA_platform_surfaceless")) {
        fprintf(stderr, "skip: EGL_MESA_platform_surfaceless not supported\n");
        return 77;
    }
    e->dpy = eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
    EGLint major = 0, minor = 0;
    if (e->dpy == EGL_NO_DISPLAY || !eglInitialize(e->dpy, &major, &minor)) {
        fprintf(stderr, "skip: cannot initialise EGL display (0x%04x)\n", eglGetError());
        return 77;
    }
    static const EGLint config_attribs[] = {
            EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, 0, EGL_NONE,
    };
    EGLConfig config;
    EGLint num_configs = 0;
    if (!eglBindAPI(EGL_OPENGL_API) ||
        !eglChooseConfig(e->dpy, config_attribs, &config, 1, &num_configs) || num_configs < 1) {
        fprintf(stderr, "skip: no desktop GL config (0x%04x)\n", eglGetError());
        guest_egl_close(e);
        return 77;
    }
    e->ctx = eglCreateContext(e->dpy, config, EGL_NO_CONTEXT, ctx_attribs);
    if (e->ctx == EGL_NO_CONTEXT ||
        !eglMakeCurrent(e->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, e->ctx)) {
        fprintf(stderr, "skip: cannot create/bind GL context (0x%04x)\n", eglGetError());
        guest_egl_close(e);
        return 77;
    }
    fprintf(stderr, "EGL %d.%d\nGL_VERSION: %s\nGL_RENDERER: %s\n", major, minor,
            (const char *)glGetString(GL_VERSION), (const char *)glGetString(GL_RENDERER));
    return 0;
}

int guest_egl_open(struct guest_egl *e) {
    return open_context(e, NULL);
}

int guest_egl_open_core(struct guest_egl *e, int major, int minor) {
    const EGLint attribs[] = {
            EGL_CONTEXT_MAJOR_VERSION_KHR,
            major,
            EGL_CONTEXT_MINOR_VERSION_KHR,
            minor,
            EGL_CONTEXT_OPENGL_PROFILE_MASK_KHR,
            EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT_KHR,
            EGL_NONE,
    };
    return open_context(e, attribs);
}

void guest_egl_close(struct guest_egl *e) {
    if (e->dpy == EGL_NO_DISPLAY) {
        return;
    }
    eglMakeCurrent(e->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    if (e->ctx != EGL_NO_CONTEXT) {
        eglDestroyContext(e->dpy, e->ctx);
    }
    eglTerminate(e->dpy);
    e->dpy = EGL_NO_DISPLAY;
    e->ctx = EGL_NO_CONTEXT;
}
