/* SPDX-License-Identifier: MIT */
#include "trim_state.h"

#include <stdlib.h>
#include <string.h>

#include <vgl/format.h>

#include "protocol/virgl_protocol.h"

bool trim_words_push(struct trim_words *w, const uint32_t *dw, size_t n) {
    if (w->count + n > w->capacity) {
        size_t cap = w->capacity ? w->capacity : 64;
        while (cap < w->count + n) {
            cap *= 2;
        }
        uint32_t *p = realloc(w->dw, cap * sizeof(*p));
        if (!p) {
            return false;
        }
        w->dw = p;
        w->capacity = cap;
    }
    memcpy(w->dw + w->count, dw, n * sizeof(*dw));
    w->count += n;
    return true;
}

const struct trim_item *trim_list_find(const struct trim_list *l, uint32_t sub, uint64_t key) {
    for (size_t i = 0; i < l->count; i++) {
        if (l->items[i].sub == sub && l->items[i].key == key) {
            return &l->items[i];
        }
    }
    return NULL;
}

static struct trim_item *find_item(struct trim_list *l, uint32_t sub, uint64_t key) {
    return (struct trim_item *)trim_list_find(l, sub, key);
}

static void remove_item(struct trim_list *l, struct trim_item *it) {
    free(it->words.dw);
    const size_t i = (size_t)(it - l->items);
    memmove(it, it + 1, (l->count - i - 1) * sizeof(*it));
    l->count--;
}

/* Append a new item (after removing an older one with the same key). */
static struct trim_item *append_item(struct trim_list *l, uint32_t sub, uint64_t key) {
    struct trim_item *old = find_item(l, sub, key);
    if (old) {
        remove_item(l, old);
    }
    if (l->count == l->capacity) {
        const size_t cap = l->capacity ? l->capacity * 2 : 32;
        struct trim_item *p = realloc(l->items, cap * sizeof(*p));
        if (!p) {
            return NULL;
        }
        l->items = p;
        l->capacity = cap;
    }
    struct trim_item *it = &l->items[l->count++];
    *it = (struct trim_item){.sub = sub, .key = key};
    return it;
}

static void drop_sub(struct trim_list *l, uint32_t sub) {
    for (size_t i = l->count; i-- > 0;) {
        if (l->items[i].sub == sub) {
            remove_item(l, &l->items[i]);
        }
    }
}

static void clear_list(struct trim_list *l) {
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].words.dw);
    }
    free(l->items);
    *l = (struct trim_list){0};
}

/* Commands that act (draw, copy, query, transfer) rather than set state: never replayed in a
 * prologue; their effect on resources comes back through the resources' contents. */
static bool is_action(uint32_t id) {
    switch (id) {
    case VGL_CCMD_NOP:
    case VGL_CCMD_CLEAR:
    case VGL_CCMD_DRAW_VBO:
    case VGL_CCMD_RESOURCE_INLINE_WRITE:
    case VGL_CCMD_BLIT:
    case VGL_CCMD_RESOURCE_COPY_REGION:
    case VGL_CCMD_BEGIN_QUERY:
    case VGL_CCMD_END_QUERY:
    case VGL_CCMD_GET_QUERY_RESULT:
    case VGL_CCMD_MEMORY_BARRIER:
    case VGL_CCMD_LAUNCH_GRID:
    case VGL_CCMD_TEXTURE_BARRIER:
    case VGL_CCMD_GET_QUERY_RESULT_QBO:
    case VGL_CCMD_TRANSFER3D:
    case VGL_CCMD_END_TRANSFERS:
    case VGL_CCMD_COPY_TRANSFER3D:
    case VGL_CCMD_CLEAR_TEXTURE:
    case VGL_CCMD_GET_MEMORY_INFO:
    case VGL_CCMD_EMIT_STRING_MARKER:
        return true;
    default:
        return false;
    }
}

/* Leading payload dwords that name a slot, so that each slot keeps its own last command. */
static uint32_t slot_dwords(uint32_t id) {
    switch (id) {
    case VGL_CCMD_SET_VIEWPORT_STATE:
    case VGL_CCMD_SET_SCISSOR_STATE:
        return 1;
    case VGL_CCMD_SET_CONSTANT_BUFFER:
    case VGL_CCMD_SET_SAMPLER_VIEWS:
    case VGL_CCMD_BIND_SAMPLER_STATES:
    case VGL_CCMD_SET_UNIFORM_BUFFER:
    case VGL_CCMD_SET_SHADER_BUFFERS:
    case VGL_CCMD_SET_SHADER_IMAGES:
    case VGL_CCMD_SET_ATOMIC_BUFFERS:
        return 2;
    default:
        return 0;
    }
}

static uint64_t state_key(const uint32_t *cmd, uint32_t n) {
    const uint32_t id = VGL_CMD_ID(cmd[0]);
    uint64_t key = id | (uint64_t)VGL_CMD_OBJ(cmd[0]) << 8;
    if (id == VGL_CCMD_BIND_SHADER && n > 2) {
        return key | (uint64_t)(cmd[2] & 0xffff) << 16; /* the stage */
    }
    const uint32_t k = slot_dwords(id);
    for (uint32_t i = 0; i < k && i + 1 < n; i++) {
        key |= (uint64_t)(cmd[1 + i] & 0xffff) << (16 + 16 * i);
    }
    return key;
}

static void keep(struct trim_ctx *c, struct trim_list *l, uint64_t key, const uint32_t *cmd,
                 uint32_t n) {
    struct trim_item *it = append_item(l, c->cur_sub, key);
    if (!it || !trim_words_push(&it->words, cmd, n)) {
        c->out_of_memory = true;
    }
}

static void track_sub_ctx(struct trim_ctx *c, uint32_t id, uint32_t sub) {
    if (id == VGL_CCMD_SET_SUB_CTX) {
        c->cur_sub = sub;
    } else if (id == VGL_CCMD_CREATE_SUB_CTX && c->sub_count < 64) {
        c->subs[c->sub_count++] = sub;
    } else if (id == VGL_CCMD_DESTROY_SUB_CTX) {
        for (uint32_t i = 0; i < c->sub_count; i++) {
            if (c->subs[i] == sub) {
                c->subs[i] = c->subs[--c->sub_count];
                break;
            }
        }
        drop_sub(&c->objects, sub);
        drop_sub(&c->states, sub);
    }
}

static void track_command(struct vgl_sink *s, uint32_t id, uint32_t index) {
    struct trim_ctx *c = (struct trim_ctx *)s;
    const uint32_t *cmd = s->cmd;
    const uint32_t n = s->cmd_dwords;
    if (n < 1 || is_action(id)) {
        return;
    }
    if (id == VGL_CCMD_SET_SUB_CTX || id == VGL_CCMD_CREATE_SUB_CTX ||
        id == VGL_CCMD_DESTROY_SUB_CTX) {
        track_sub_ctx(c, id, n > 1 ? cmd[1] : 0);
    } else if (id == VGL_CCMD_CREATE_OBJECT && n > 1) {
        const bool more = VGL_CMD_OBJ(cmd[0]) == VGL_OBJECT_SHADER && n > 3 && (cmd[3] >> 31);
        struct trim_item *it = more ? find_item(&c->objects, c->cur_sub, cmd[1]) : NULL;
        if (it) {
            c->out_of_memory |= !trim_words_push(&it->words, cmd, n);
        } else {
            keep(c, &c->objects, cmd[1], cmd, n);
        }
    } else if (id == VGL_CCMD_DESTROY_OBJECT && n > 1) {
        struct trim_item *it = find_item(&c->objects, c->cur_sub, cmd[1]);
        if (it) {
            remove_item(&c->objects, it);
        }
    } else {
        keep(c, &c->states, state_key(cmd, n), cmd, n);
    }
}

void trim_ctx_init(struct trim_ctx *c, uint32_t id, const char *name, size_t name_len) {
    memset(c, 0, sizeof(*c));
    static struct vgl_sink_impl impl;
    if (!impl.name) {
        impl = vgl_null_sink_impl;
        impl.name = "trim";
        impl.command_done = track_command;
    }
    vgl_sink_init(&c->sink, &impl);
    vgl_decoder_init(&c->dec, &c->sink, id);
    c->id = id;
    const size_t n = name_len < sizeof(c->name) - 1 ? name_len : sizeof(c->name) - 1;
    memcpy(c->name, name, n);
}

void trim_ctx_finish(struct trim_ctx *c) {
    clear_list(&c->objects);
    clear_list(&c->states);
    free(c->res);
    c->res = NULL;
}

void trim_ctx_submit(struct trim_ctx *c, const uint32_t *dw, size_t ndw) {
    if (vgl_decode_submit(&c->dec, dw, ndw) != VGL_OK) {
        c->broken = true;
    }
}

const struct trim_resource *trim_ctx_find_resource(const struct trim_ctx *c, uint32_t handle) {
    for (size_t i = 0; i < c->res_count; i++) {
        if (c->res[i].args.handle == handle) {
            return &c->res[i];
        }
    }
    return NULL;
}

static struct trim_resource *find_res(struct trim_ctx *c, uint32_t handle) {
    return (struct trim_resource *)trim_ctx_find_resource(c, handle);
}

static uint32_t minify(uint32_t v, uint32_t level) {
    const uint32_t m = level < 32 ? v >> level : 0;
    return m ? m : 1;
}

bool trim_level_box(const struct vgl_resource_args *a, uint32_t level, struct vgl_box *box,
                    uint64_t *bytes) {
    struct vgl_format_desc d;
    if (a->target == VGL_TARGET_BUFFER) {
        *box = (struct vgl_box){0, 0, 0, (int32_t)a->width, 1, 1};
        *bytes = a->width;
        return a->width > 0;
    }
    if (!vgl_format_describe(a->format, &d) || a->nr_samples > 1) {
        return false;
    }
    const uint32_t w = minify(a->width, level);
    uint32_t h = minify(a->height, level), layers = 1;
    switch (a->target) {
    case VGL_TARGET_3D:
        layers = minify(a->depth, level);
        break;
    case VGL_TARGET_CUBE:
        layers = 6;
        break;
    case VGL_TARGET_1D_ARRAY:
    case VGL_TARGET_2D_ARRAY:
    case VGL_TARGET_CUBE_ARRAY:
        layers = a->array_size ? a->array_size : 1;
        break;
    default:
        break;
    }
    if (a->target == VGL_TARGET_1D || a->target == VGL_TARGET_1D_ARRAY) {
        h = 1;
    }
    *box = (struct vgl_box){0, 0, 0, (int32_t)w, (int32_t)h, (int32_t)layers};
    *bytes = (uint64_t)((w + d.block_w - 1) / d.block_w) * ((h + d.block_h - 1) / d.block_h) *
             d.block_bytes * layers;
    return *bytes > 0;
}

void trim_ctx_resource(struct trim_ctx *c, const struct vgl_resource_args *args) {
    if (c->res_count == c->res_capacity) {
        const size_t cap = c->res_capacity ? c->res_capacity * 2 : 32;
        struct trim_resource *p = realloc(c->res, cap * sizeof(*p));
        if (!p) {
            c->out_of_memory = true;
            return;
        }
        c->res = p;
        c->res_capacity = cap;
    }
    c->res[c->res_count++] = (struct trim_resource){.args = *args};
}

void trim_ctx_unref(struct trim_ctx *c, uint32_t handle) {
    struct trim_resource *r = find_res(c, handle);
    if (r) {
        memmove(r, r + 1, (c->res_count - (size_t)(r - c->res) - 1) * sizeof(*r));
        c->res_count--;
    }
}

void trim_ctx_backing(struct trim_ctx *c, uint32_t handle, uint64_t size) {
    struct trim_resource *r = find_res(c, handle);
    if (r) {
        r->backing_size = size;
    }
}

static bool push_list(const struct trim_list *l, uint32_t sub, struct trim_words *out) {
    for (size_t i = 0; i < l->count; i++) {
        const struct trim_item *it = &l->items[i];
        if (it->sub == sub && !trim_words_push(out, it->words.dw, it->words.count)) {
            return false;
        }
    }
    return true;
}

bool trim_ctx_prologue(const struct trim_ctx *c, struct trim_words *out) {
    for (uint32_t i = 0; i < c->sub_count; i++) {
        const uint32_t create[2] = {VGL_CMD_HEADER(VGL_CCMD_CREATE_SUB_CTX, 0, 1), c->subs[i]};
        if (!trim_words_push(out, create, 2)) {
            return false;
        }
    }
    /* The default sub-context first, then each created one, then the current one again. */
    for (uint32_t i = 0; i <= c->sub_count; i++) {
        const uint32_t sub = i == 0 ? 0 : c->subs[i - 1];
        const uint32_t set[2] = {VGL_CMD_HEADER(VGL_CCMD_SET_SUB_CTX, 0, 1), sub};
        if (!trim_words_push(out, set, 2) || !push_list(&c->objects, sub, out) ||
            !push_list(&c->states, sub, out)) {
            return false;
        }
    }
    const uint32_t set[2] = {VGL_CMD_HEADER(VGL_CCMD_SET_SUB_CTX, 0, 1), c->cur_sub};
    return trim_words_push(out, set, 2);
}

struct trim_ctx *trim_set_find(struct trim_set *s, uint32_t id) {
    for (uint32_t i = 0; i < s->count; i++) {
        if (s->ctx[i]->id == id) {
            return s->ctx[i];
        }
    }
    return NULL;
}

static void drop_ctx(struct trim_set *s, uint32_t id) {
    for (uint32_t i = 0; i < s->count; i++) {
        if (s->ctx[i]->id == id) {
            trim_ctx_finish(s->ctx[i]);
            free(s->ctx[i]);
            s->ctx[i] = s->ctx[--s->count];
            return;
        }
    }
}

void trim_set_finish(struct trim_set *s) {
    while (s->count) {
        drop_ctx(s, s->ctx[0]->id);
    }
}

static void track_submit(struct trim_set *s, struct trim_ctx *ctx, const struct vgl_trace_call *c,
                         uint32_t max_dwords) {
    const uint32_t n = c->value < max_dwords ? (uint32_t)c->value : max_dwords;
    uint32_t *dw = malloc((size_t)n * 4 + 4);
    if (!dw) {
        s->failed = true;
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        dw[i] = vgl_get_u32(c->data + 4 * (size_t)i);
    }
    trim_ctx_submit(ctx, dw, n);
    free(dw);
}

void trim_set_track(struct trim_set *s, const struct vgl_trace_call *c, uint32_t max_dwords) {
    struct trim_ctx *ctx = trim_set_find(s, c->ctx);
    if (c->type == VGL_REC_CONTEXT_CREATE) {
        if (c->status == VGL_OK && !ctx && s->count < TRIM_MAX_CTX &&
            (ctx = malloc(sizeof(*ctx)))) {
            trim_ctx_init(ctx, c->ctx, (const char *)c->data, c->data_size);
            s->ctx[s->count++] = ctx;
        }
        return;
    }
    if (c->type == VGL_REC_CONTEXT_DESTROY) {
        drop_ctx(s, c->ctx);
        return;
    }
    if (!ctx || c->status != VGL_OK) {
        return;
    }
    switch (c->type) {
    case VGL_REC_RESOURCE_CREATE:
        trim_ctx_resource(ctx, &c->resource);
        break;
    case VGL_REC_RESOURCE_UNREF:
        trim_ctx_unref(ctx, c->handle);
        break;
    case VGL_REC_ATTACH_BACKING:
        trim_ctx_backing(ctx, c->handle, c->value);
        break;
    case VGL_REC_DETACH_BACKING:
        trim_ctx_backing(ctx, c->handle, 0);
        break;
    case VGL_REC_SUBMIT:
        track_submit(s, ctx, c, max_dwords);
        break;
    default:
        break;
    }
}
