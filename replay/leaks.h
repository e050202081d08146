/* SPDX-License-Identifier: MIT */
/* Leak hunting: remembers which call created each guest resource and object, and reports those
 * the guest never destroyed when their context goes away. */
#ifndef VGL_REPLAY_LEAKS_H
#define VGL_REPLAY_LEAKS_H

#include <stdio.h>

#include <vgl/renderer.h>

struct leak_tracker;

struct leak_tracker *leaks_create(FILE *out);
void leaks_destroy(struct leak_tracker *lt);

/* A resource created (args valid) or unreferenced by call `call`. */
void leaks_resource(struct leak_tracker *lt, uint32_t ctx, const struct vgl_resource_args *args,
                    uint32_t handle, bool created, uint64_t call);
/* An object created or destroyed by the guest during call `call`. */
void leaks_object(struct leak_tracker *lt, uint32_t ctx, uint32_t sub, uint32_t type,
                  uint32_t handle, bool created, uint64_t call);
/* Report (and forget) what context `ctx` still holds. */
void leaks_context_destroyed(struct leak_tracker *lt, uint32_t ctx);
/* Resources and objects reported so far. */
uint64_t leaks_reported(const struct leak_tracker *lt);

#endif
