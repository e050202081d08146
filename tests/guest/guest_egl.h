/* SPDX-License-Identifier: MIT */
/* EGL surfaceless + desktop GL context set-up shared by the guest test programs. */
#ifndef VGL_GUEST_EGL_H
#define VGL_GUEST_EGL_H

#include <epoxy/egl.h>

struct guest_egl {
    EGLDisplay dpy;
    EGLContext ctx;
};

/* 0 when a context is current, 77 (skip) when the platform or a GL context is missing. */
int guest_egl_open(struct guest_egl *e);
/* The same with a core-profile context of at least GL major.minor. */
int guest_egl_open_core(struct guest_egl *e, int major, int minor);
void guest_egl_close(struct guest_egl *e);

#endif
