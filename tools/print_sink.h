/* SPDX-License-Identifier: MIT */
/*
 * The print sink: drives the renderer's own decoder over one SUBMIT and prints a line per
 * command with named fields (virgl-trace dump and diff). Never parses commands itself.
 */
#ifndef VGL_PRINT_SINK_H
#define VGL_PRINT_SINK_H

#include "tool.h"

/*
 * Decode the `ndw` little-endian dwords at `data` (a SUBMIT of context `ctx`, call `call`) with a
 * fresh decoder and print one line per command to `o`; a decode error becomes a line of its own.
 * Returns false when out of memory.
 */
bool print_submit(struct pout *o, uint64_t call, uint32_t ctx, const uint8_t *data, uint32_t ndw);

/* Names for tools: PIPE shader stages, PIPE primitive modes and PIPE texture targets. */
const char *print_stage_name(uint32_t stage);
const char *print_prim_name(uint32_t mode);
const char *print_target_name(uint32_t target);

#endif
