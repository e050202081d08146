/* SPDX-License-Identifier: MIT */
/*
 * Per-command timing for profilers: the decoder's observer notes the CPU clocks and puts a GL
 * timestamp query before and after each command; at the end of a submit the results are read
 * (waiting for the GPU) and handed to the command_timed hook.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gl_internal.h"

struct gl_profile {
    struct vgl_command_timing *pending;
    size_t count, capacity;
    GLuint *queries; /* two per pending command */
    size_t query_count;
    int64_t gpu_to_mono; /* add to a GL timestamp to get CLOCK_MONOTONIC ns */
    uint64_t cpu_start;
    struct gl_context *ctx;
};

static uint64_t clock_ns(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool reserve(struct gl_profile *p) {
    if (p->count < p->capacity) {
        return true;
    }
    const size_t cap = p->capacity ? p->capacity * 2 : 256;
    struct vgl_command_timing *t = realloc(p->pending, cap * sizeof(*t));
    if (!t) {
        return false;
    }
    p->pending = t;
    GLuint *q = realloc(p->queries, cap * 2 * sizeof(*q));
    if (!q) {
        return false;
    }
    p->queries = q;
    glGenQueries((GLsizei)(cap * 2 - p->query_count), q + p->query_count);
    p->query_count = cap * 2;
    p->capacity = cap;
    return true;
}

static void observe(void *user, uint32_t id, uint32_t obj_type, uint32_t index, bool done,
                    bool failed) {
    struct gl_context *ctx = user;
    struct gl_profile *p = ctx->r->profile;
    if (!done) {
        if (!reserve(p)) {
            return;
        }
        struct vgl_command_timing *t = &p->pending[p->count];
        *t = (struct vgl_command_timing){
                .ctx_id = ctx->id,
                .cmd_id = id,
                .obj_type = obj_type,
                .index = index,
                .start_ns = clock_ns(CLOCK_MONOTONIC),
                .gpu_start_ns = -1,
                .gpu_ns = -1,
        };
        p->cpu_start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        if (ctx->r->has_timer_query) { /* else no GPU times (a GLES host without them) */
            glQueryCounter(p->queries[2 * p->count], GL_TIMESTAMP);
        }
        return;
    }
    if (p->count >= p->capacity) {
        return;
    }
    struct vgl_command_timing *t = &p->pending[p->count];
    if (ctx->r->has_timer_query) {
        glQueryCounter(p->queries[2 * p->count + 1], GL_TIMESTAMP);
    }
    t->wall_ns = clock_ns(CLOCK_MONOTONIC) - t->start_ns;
    t->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - p->cpu_start;
    t->failed = failed;
    p->count++;
}

void vgl_gl_profile_attach(struct gl_context *ctx) {
    const bool on = ctx->r->profile != NULL;
    ctx->decoder.observe = on ? observe : NULL;
    ctx->decoder.observe_user = on ? ctx : NULL;
}

void vgl_gl_profile_flush(struct vgl_renderer *r) {
    struct gl_profile *p = r->profile;
    if (!p || !p->count) {
        return;
    }
    for (size_t i = 0; i < p->count; i++) {
        struct vgl_command_timing *t = &p->pending[i];
        GLuint64 begin = 0, end = 0;
        if (r->has_timer_query) {
            glGetQueryObjectui64v(p->queries[2 * i], GL_QUERY_RESULT, &begin);
            glGetQueryObjectui64v(p->queries[2 * i + 1], GL_QUERY_RESULT, &end);
        }
        if (begin && end >= begin) {
            t->gpu_start_ns = (int64_t)begin + p->gpu_to_mono;
            t->gpu_ns = (int64_t)(end - begin);
        }
        if (r->hooks.command_timed) {
            r->hooks.command_timed(r->hooks_user, t);
        }
    }
    p->count = 0;
}

/* Turn profiling on or off after the hooks changed. */
void vgl_gl_profile_update(struct vgl_renderer *r) {
    if (r->hooks.command_timed && !r->profile) {
        r->profile = calloc(1, sizeof(*r->profile));
        if (r->profile) {
            GLint64 gpu = 0;
            if (r->has_timer_query) {
                glGetInteger64v(GL_TIMESTAMP, &gpu);
            }
            r->profile->gpu_to_mono = (int64_t)clock_ns(CLOCK_MONOTONIC) - gpu;
        }
    } else if (!r->hooks.command_timed && r->profile) {
        vgl_gl_profile_flush(r);
        glDeleteQueries((GLsizei)r->profile->query_count, r->profile->queries);
        free(r->profile->queries);
        free(r->profile->pending);
        free(r->profile);
        r->profile = NULL;
    }
    size_t pos = 0;
    uint32_t id;
    void *value;
    while (vgl_hash_map_next(&r->contexts, &pos, &id, &value)) {
        vgl_gl_profile_attach(value);
    }
}
