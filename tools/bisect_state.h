/* SPDX-License-Identifier: MIT */
/*
 * What virgl-trace bisect needs to know at draw k of a trace, without GL: which context and call
 * it is in, the draw command itself, and the render targets and state bound when it ran.
 */
#ifndef VGL_TOOLS_BISECT_STATE_H
#define VGL_TOOLS_BISECT_STATE_H

#include <stdio.h>

#include "trim_state.h"

#define BISECT_MAX_TARGETS 9 /* 8 colour buffers and the depth/stencil buffer */

struct bisect_target {
    uint32_t surface;         /* the surface object bound */
    bool depth;               /* the depth/stencil buffer */
    bool readable;            /* a single-sample texture with a backing large enough */
    uint32_t format, w, h;    /* of the level read back */
    struct vgl_transfer read; /* its full level (one layer), at offset 0 of the backing */
};

struct bisect_state {
    struct trim_set set;
    bool reached;      /* the trace has draw k */
    uint64_t call;     /* the SUBMIT call holding it */
    uint32_t ctx;      /* its context */
    uint32_t cmd[512]; /* the draw command (header first), clipped to this size */
    uint32_t cmd_dwords;
    uint32_t cmd_index; /* its place in the SUBMIT, as virgl-trace dump numbers commands */
    struct bisect_target targets[BISECT_MAX_TARGETS];
    uint32_t target_count;
};

/* Track the trace up to and including draw k. Returns false when the trace cannot be read (a
 * message went to stderr); state->reached says whether draw k exists. */
bool bisect_state_at(const char *path, uint64_t k, struct bisect_state *state);
void bisect_state_finish(struct bisect_state *state);

/* Print the draw, then the state it used: bound state commands and the objects they name
 * (shaders with their TGSI text), decoded by the renderer's decoder. */
void bisect_state_print(const struct bisect_state *state, FILE *out);

#endif
