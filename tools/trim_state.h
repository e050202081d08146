/* SPDX-License-Identifier: MIT */
/*
 * What trim must rebuild at the first kept frame, tracked without GL: per context its resources
 * (creation arguments, backing size), its sub-contexts, the raw CREATE_OBJECT commands of every
 * live object and the last command of each kind of state. Commands are framed and validated by
 * the renderer's decoder (driving the null sink), never parsed a second time.
 */
#ifndef VGL_TOOLS_TRIM_STATE_H
#define VGL_TOOLS_TRIM_STATE_H

#include <vgl/renderer.h>
#include <vgl/trace_call.h>

#include "decode/decoder.h"

struct trim_words {
    uint32_t *dw;
    size_t count, capacity;
};

/* A live object or a kept state command of sub-context `sub` (0 = the default one). */
struct trim_item {
    uint32_t sub;
    uint64_t key; /* objects: the handle; state: command, object type and slot */
    struct trim_words words;
};

struct trim_resource {
    struct vgl_resource_args args;
    uint64_t backing_size; /* 0 when none is attached */
};

struct trim_list {
    struct trim_item *items;
    size_t count, capacity;
};

struct trim_ctx {
    struct vgl_sink sink; /* first: the tracker finds its context from the sink */
    struct vgl_decoder dec;
    uint32_t id;
    char name[64];
    uint32_t cur_sub;
    uint32_t subs[64];
    uint32_t sub_count;
    struct trim_list objects, states;
    struct trim_resource *res;
    size_t res_count, res_capacity;
    bool broken;
    bool out_of_memory;
};

void trim_ctx_init(struct trim_ctx *c, uint32_t id, const char *name, size_t name_len);
void trim_ctx_finish(struct trim_ctx *c);
void trim_ctx_submit(struct trim_ctx *c, const uint32_t *dw, size_t ndw);
void trim_ctx_resource(struct trim_ctx *c, const struct vgl_resource_args *args);
void trim_ctx_unref(struct trim_ctx *c, uint32_t handle);
void trim_ctx_backing(struct trim_ctx *c, uint32_t handle, uint64_t size);

/* The prologue command buffer of a context: sub-contexts, objects, state. */
bool trim_ctx_prologue(const struct trim_ctx *c, struct trim_words *out);

/* Every live context of a trace, tracked call by call. */
#define TRIM_MAX_CTX 64
struct trim_set {
    struct trim_ctx *ctx[TRIM_MAX_CTX];
    uint32_t count;
    bool failed; /* out of memory */
};

struct trim_ctx *trim_set_find(struct trim_set *s, uint32_t id);
/* Track one record (contexts, resources, backings, submits); of a SUBMIT only the first
 * `max_dwords` dwords. */
void trim_set_track(struct trim_set *s, const struct vgl_trace_call *c, uint32_t max_dwords);
void trim_set_finish(struct trim_set *s);

/* The item of sub-context `sub` with `key` (an object's handle, a state key), or NULL. */
const struct trim_item *trim_list_find(const struct trim_list *l, uint32_t sub, uint64_t key);
const struct trim_resource *trim_ctx_find_resource(const struct trim_ctx *c, uint32_t handle);

/* The full box of one level of a resource (every layer) and its tightly packed size; false for
 * multisampled resources and unknown formats. */
bool trim_level_box(const struct vgl_resource_args *a, uint32_t level, struct vgl_box *box,
                    uint64_t *bytes);

bool trim_words_push(struct trim_words *w, const uint32_t *dw, size_t n);

#endif
