/* SPDX-License-Identifier: MIT */
/* VGL_DEBUG flags, parsed once from the environment through one {name, bit, help} table. */
#ifndef VGL_DEBUG_H
#define VGL_DEBUG_H

#include <stdint.h>

enum vgl_debug_flag {
    VGL_DEBUG_CMD = 1u << 0,     /* log every decoded command */
    VGL_DEBUG_TGSI = 1u << 1,    /* log the TGSI text of every shader */
    VGL_DEBUG_GLSL = 1u << 2,    /* log the GLSL generated for every program */
    VGL_DEBUG_GLERROR = 1u << 3, /* check glGetError after every command */
    VGL_DEBUG_KHR = 1u << 4,     /* route KHR_debug messages of the host GL to the logger */
};

/* The flags of VGL_DEBUG (comma-separated names; "all"; "help" prints the table). */
uint32_t vgl_debug_flags(void);

#endif
