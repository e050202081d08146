/* SPDX-License-Identifier: MIT */
/* Live guest resources and objects in an open-addressing table keyed by (kind, ctx, sub,
 * handle); an entry remembers the call that created it. */
#include "leaks.h"

#include <stdlib.h>
#include <string.h>

#include <vgl/format.h>

#include "decode/decoder.h"

enum { KIND_RESOURCE = 1, KIND_OBJECT = 2, KIND_TOMBSTONE = 3 };

struct live {
    uint8_t kind; /* 0 = empty slot */
    uint32_t ctx, sub, type, handle;
    uint32_t target, format, width, height, depth;
    uint64_t call;
};

struct leak_tracker {
    FILE *out;
    struct live *slots;
    size_t capacity, used; /* used counts live entries and tombstones */
    uint64_t reported;
};

struct leak_tracker *leaks_create(FILE *out) {
    struct leak_tracker *lt = calloc(1, sizeof(*lt));
    if (lt) {
        lt->out = out;
    }
    return lt;
}

void leaks_destroy(struct leak_tracker *lt) {
    if (lt) {
        free(lt->slots);
        free(lt);
    }
}

static size_t hash(uint8_t kind, uint32_t ctx, uint32_t sub, uint32_t handle) {
    uint64_t h = ((uint64_t)ctx << 32 | handle) * 0x9e3779b97f4a7c15ull;
    h ^= ((uint64_t)sub << 8 | kind) * 0xc2b2ae3d27d4eb4full;
    return (size_t)(h ^ h >> 29);
}

static bool same(const struct live *e, uint8_t kind, uint32_t ctx, uint32_t sub, uint32_t handle) {
    return e->kind == kind && e->ctx == ctx && e->sub == sub && e->handle == handle;
}

static struct live *find(struct leak_tracker *lt, uint8_t kind, uint32_t ctx, uint32_t sub,
                         uint32_t handle) {
    if (!lt->capacity) {
        return NULL;
    }
    for (size_t i = hash(kind, ctx, sub, handle) & (lt->capacity - 1);;
         i = (i + 1) & (lt->capacity - 1)) {
        struct live *e = &lt->slots[i];
        if (e->kind == 0) {
            return NULL;
        }
        if (same(e, kind, ctx, sub, handle)) {
            return e;
        }
    }
}

static bool grow(struct leak_tracker *lt) {
    const size_t cap = lt->capacity ? lt->capacity * 2 : 256;
    struct live *slots = calloc(cap, sizeof(*slots));
    if (!slots) {
        return false;
    }
    for (size_t i = 0; i < lt->capacity; i++) {
        const struct live *e = &lt->slots[i];
        if (e->kind == KIND_RESOURCE || e->kind == KIND_OBJECT) {
            size_t j = hash(e->kind, e->ctx, e->sub, e->handle) & (cap - 1);
            while (slots[j].kind) {
                j = (j + 1) & (cap - 1);
            }
            slots[j] = *e;
        }
    }
    size_t used = 0;
    for (size_t i = 0; i < cap; i++) {
        used += slots[i].kind != 0;
    }
    free(lt->slots);
    lt->slots = slots;
    lt->capacity = cap;
    lt->used = used;
    return true;
}

static void add(struct leak_tracker *lt, const struct live *v) {
    if ((lt->used + 1) * 4 > lt->capacity * 3 && !grow(lt)) {
        return; /* out of memory: this entry goes untracked */
    }
    size_t i = hash(v->kind, v->ctx, v->sub, v->handle) & (lt->capacity - 1);
    while (lt->slots[i].kind == KIND_RESOURCE || lt->slots[i].kind == KIND_OBJECT) {
        i = (i + 1) & (lt->capacity - 1);
    }
    lt->used += lt->slots[i].kind == 0;
    lt->slots[i] = *v;
}

static void remove_entry(struct leak_tracker *lt, uint8_t kind, uint32_t ctx, uint32_t sub,
                         uint32_t handle) {
    struct live *e = find(lt, kind, ctx, sub, handle);
    if (e) {
        memset(e, 0, sizeof(*e));
        e->kind = KIND_TOMBSTONE;
    }
}

void leaks_resource(struct leak_tracker *lt, uint32_t ctx, const struct vgl_resource_args *args,
                    uint32_t handle, bool created, uint64_t call) {
    if (!created) {
        remove_entry(lt, KIND_RESOURCE, ctx, 0, handle);
        return;
    }
    const struct live v = {
            .kind = KIND_RESOURCE,
            .ctx = ctx,
            .handle = handle,
            .target = args->target,
            .format = args->format,
            .width = args->width,
            .height = args->height,
            .depth = args->depth,
            .call = call,
    };
    add(lt, &v);
}

void leaks_object(struct leak_tracker *lt, uint32_t ctx, uint32_t sub, uint32_t type,
                  uint32_t handle, bool created, uint64_t call) {
    if (!created) {
        remove_entry(lt, KIND_OBJECT, ctx, sub, handle);
        return;
    }
    const struct live v = {
            .kind = KIND_OBJECT,
            .ctx = ctx,
            .sub = sub,
            .type = type,
            .handle = handle,
            .call = call,
    };
    add(lt, &v);
}

static const char *target_name(uint32_t target) {
    static const char *const names[] = {"BUFFER", "1D",       "2D",       "3D",        "CUBE",
                                        "RECT",   "1D_ARRAY", "2D_ARRAY", "CUBE_ARRAY"};
    return target < sizeof(names) / sizeof(names[0]) ? names[target] : "UNKNOWN";
}

static int by_call(const void *a, const void *b) {
    const struct live *x = a, *y = b;
    if (x->call != y->call) {
        return x->call < y->call ? -1 : 1;
    }
    return x->handle < y->handle ? -1 : x->handle > y->handle;
}

static void print_live(FILE *out, const struct live *e) {
    if (e->kind == KIND_RESOURCE) {
        struct vgl_format_desc d;
        const char *format = vgl_format_describe(e->format, &d) ? d.name : "UNKNOWN";
        fprintf(out, "leak: context %u: resource %u (%s %s %ux%ux%u) created by call %llu\n",
                e->ctx, e->handle, target_name(e->target), format, e->width, e->height, e->depth,
                (unsigned long long)e->call);
    } else {
        fprintf(out, "leak: context %u: sub-context %u: %s %u created by call %llu\n", e->ctx,
                e->sub, vgl_decode_object_name(e->type), e->handle, (unsigned long long)e->call);
    }
}

void leaks_context_destroyed(struct leak_tracker *lt, uint32_t ctx) {
    size_t n = 0;
    for (size_t i = 0; i < lt->capacity; i++) {
        const struct live *e = &lt->slots[i];
        n += (e->kind == KIND_RESOURCE || e->kind == KIND_OBJECT) && e->ctx == ctx;
    }
    if (n == 0) {
        return;
    }
    struct live *list = malloc(n * sizeof(*list));
    size_t k = 0;
    for (size_t i = 0; i < lt->capacity; i++) {
        struct live *e = &lt->slots[i];
        if ((e->kind == KIND_RESOURCE || e->kind == KIND_OBJECT) && e->ctx == ctx) {
            if (list) {
                list[k++] = *e;
            }
            memset(e, 0, sizeof(*e));
            e->kind = KIND_TOMBSTONE;
        }
    }
    if (list) {
        qsort(list, k, sizeof(*list), by_call);
        for (size_t i = 0; i < k; i++) {
            print_live(lt->out, &list[i]);
        }
        free(list);
    }
    lt->reported += n;
}

uint64_t leaks_reported(const struct leak_tracker *lt) {
    return lt->reported;
}
