/* SPDX-License-Identifier: MIT */
/*
 * Queries: occlusion counters and predicates, timestamps, elapsed time, primitives generated.
 * Results go to the query's buffer as struct virgl_host_query_state (§2.5): state, size, value.
 * Every guest context shares the one host GL context, where a query counts whatever runs while
 * it is active: so a context's active queries are ended on the host (their counts kept) while
 * another context submits, and begun again when it submits next.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "gl/gl_internal.h"

#define FAIL(s, status, ...) vgl_sink_set_error(s, status, __VA_ARGS__)

/* virgl query types (§2.5 CREATE_OBJECT / QUERY). */
enum {
    Q_OCCLUSION_COUNTER = 0,
    Q_OCCLUSION_PREDICATE = 1,
    Q_TIMESTAMP = 2,
    Q_TIME_ELAPSED = 4,
    Q_PRIMITIVES_GENERATED = 5,
    Q_PRIMITIVES_EMITTED = 6,
    Q_GPU_FINISHED = 9,
    Q_OCCLUSION_PREDICATE_CONSERVATIVE = 11,
};

#define HOST_QUERY_STATE_DONE 1
#define HOST_QUERY_STATE_SIZE 16

static GLenum query_target(const struct vgl_renderer *r, uint32_t type) {
    switch (type) {
    case Q_OCCLUSION_COUNTER:
        /* GLES only says whether any sample passed: counters read 0 or 1 there (an
         * approximation docs/gles-host.md lists). */
        return r->gles ? GL_ANY_SAMPLES_PASSED : GL_SAMPLES_PASSED;
    case Q_OCCLUSION_PREDICATE:
    case Q_OCCLUSION_PREDICATE_CONSERVATIVE:
        return GL_ANY_SAMPLES_PASSED;
    case Q_TIMESTAMP: /* GL_TIMESTAMP_EXT and GL_TIME_ELAPSED_EXT on GLES: the same values */
        return r->has_timer_query ? GL_TIMESTAMP : 0;
    case Q_TIME_ELAPSED:
        return r->has_timer_query ? GL_TIME_ELAPSED : 0;
    case Q_PRIMITIVES_GENERATED:
        return GL_PRIMITIVES_GENERATED;
    case Q_PRIMITIVES_EMITTED:
        return GL_TRANSFORM_FEEDBACK_PRIMITIVES_WRITTEN;
    default:
        return 0;
    }
}

static enum vgl_status create_query(struct vgl_sink *s, const struct vgl_cmd_query *cmd) {
    struct gl_context *ctx = vgl_gl_ctx_of(s);
    const GLenum target = query_target(ctx->r, cmd->type);
    if (!target && cmd->type != Q_GPU_FINISHED) {
        return FAIL(s, VGL_ERROR_UNSUPPORTED, "query type %u", cmd->type);
    }
    struct gl_resource *res = vgl_gl_resource_get(ctx, cmd->res);
    if (!res || res->fmt || res->args.width < HOST_QUERY_STATE_SIZE || cmd->offset != 0) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "query %u: bad result buffer %u", cmd->handle,
                    cmd->res);
    }
    struct gl_query *q = calloc(1, sizeof(*q));
    if (!q) {
        return FAIL(s, VGL_ERROR_NO_MEMORY, "out of memory");
    }
    q->type = cmd->type;
    q->index = cmd->index;
    q->gl_target = target;
    q->res = res;
    vgl_gl_resource_ref(res);
    if (target) {
        glGenQueries(1, &q->query);
    }
    return vgl_gl_object_insert(s, &q->base, VGL_OBJECT_QUERY, cmd->handle);
}

static void unlink_active(struct gl_context *ctx, struct gl_query *q) {
    for (struct gl_query **pp = &ctx->active_queries; *pp; pp = &(*pp)->next_active) {
        if (*pp == q) {
            *pp = q->next_active;
            q->next_active = NULL;
            return;
        }
    }
}

/* The host result of the last span plus what earlier spans counted. */
static GLuint64 query_value(const struct vgl_renderer *r, const struct gl_query *q) {
    GLuint64 value = 0;
    if (r->has_query_ui64) {
        glGetQueryObjectui64v(q->query, GL_QUERY_RESULT, &value);
    } else {
        GLuint narrow = 0;
        glGetQueryObjectuiv(q->query, GL_QUERY_RESULT, &narrow);
        value = narrow;
    }
    value += q->counted;
    return q->gl_target == GL_ANY_SAMPLES_PASSED ? value != 0 : value;
}

void vgl_gl_queries_suspend(struct gl_context *ctx, GLenum target) {
    for (struct gl_query *q = ctx ? ctx->active_queries : NULL; q; q = q->next_active) {
        if (!q->suspended && (!target || q->gl_target == target)) {
            glEndQuery(q->gl_target);
            q->counted = query_value(ctx->r, q);
            q->suspended = true;
        }
    }
}

void vgl_gl_queries_resume(struct gl_context *ctx, GLenum target, uint64_t add) {
    for (struct gl_query *q = ctx ? ctx->active_queries : NULL; q; q = q->next_active) {
        if (q->suspended && (!target || q->gl_target == target)) {
            q->counted += add;
            glBeginQuery(q->gl_target, q->query);
            q->suspended = false;
        }
    }
}

void vgl_gl_queries_switch(struct vgl_renderer *r, struct gl_context *ctx) {
    if (r->query_ctx != ctx) {
        vgl_gl_queries_suspend(r->query_ctx, 0);
        vgl_gl_queries_resume(ctx, 0, 0);
        r->query_ctx = ctx;
    }
}

void vgl_gl_query_release(struct gl_context *ctx, struct gl_query *q) {
    if (q->active) {
        if (!q->suspended) {
            glEndQuery(q->gl_target);
        }
        q->active = false;
        q->suspended = false;
        unlink_active(ctx, q);
    }
}

static struct gl_query *lookup(struct vgl_sink *s, uint32_t handle) {
    return vgl_gl_object_get(vgl_gl_ctx_of(s)->sub, handle, VGL_OBJECT_QUERY);
}

static enum vgl_status begin_query(struct vgl_sink *s, uint32_t handle) {
    struct gl_query *q = lookup(s, handle);
    if (!q) {
        return FAIL(s, VGL_ERROR_NOT_FOUND, "query %u not found", handle);
    }
    if (q->active) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "query %u already active", handle);
    }
    if (q->gl_target && q->gl_target != GL_TIMESTAMP) {
        struct gl_context *ctx = vgl_gl_ctx_of(s);
        vgl_gl_queries_switch(ctx->r, ctx);
        glBeginQuery(q->gl_target, q->query);
        q->active = true;
        q->counted = 0;
        q->next_active = ctx->active_queries;
        ctx->active_queries = q;
    }
    return VGL_OK;
}

static enum vgl_status end_query(struct vgl_sink *s, uint32_t handle) {
    struct gl_query *q = lookup(s, handle);
    if (!q) {
        return FAIL(s, VGL_ERROR_NOT_FOUND, "query %u not found", handle);
    }
    if (q->gl_target == GL_TIMESTAMP) {
        glQueryCounter(q->query, GL_TIMESTAMP);
    } else if (q->active) {
        vgl_gl_query_release(vgl_gl_ctx_of(s), q);
    }
    return VGL_OK;
}

/* This renderer finishes queries synchronously: the result is always DONE when written. */
static enum vgl_status get_query_result(struct vgl_sink *s, uint32_t handle, bool wait) {
    struct gl_context *ctx = vgl_gl_ctx_of(s);
    struct gl_query *q = lookup(s, handle);
    if (!q) {
        return FAIL(s, VGL_ERROR_NOT_FOUND, "query %u not found", handle);
    }
    if (q->active) {
        return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "query %u is still active", handle);
    }
    GLuint64 value = 1; /* GPU_FINISHED: everything before it has finished once we answer */
    if (q->gl_target) {
        value = q->gl_target == GL_TIMESTAMP ? 0 : query_value(ctx->r, q);
        if (q->gl_target == GL_TIMESTAMP) {
            glGetQueryObjectui64v(q->query, GL_QUERY_RESULT, &value);
        }
    } else {
        glFinish();
        vgl_gl_throttle_idle(ctx->r);
    }
    uint8_t state[HOST_QUERY_STATE_SIZE];
    const bool wide = q->type == Q_TIMESTAMP || q->type == Q_TIME_ELAPSED;
    vgl_put_le32(state, HOST_QUERY_STATE_DONE);
    vgl_put_le32(state + 4, wide ? 8 : 4);
    vgl_put_le32(state + 8, (uint32_t)value);
    vgl_put_le32(state + 12, (uint32_t)(value >> 32));
    const enum vgl_status st = vgl_gl_resource_write(ctx, q->res, 0, state, sizeof(state));
    if (st != VGL_OK) {
        return FAIL(s, st, "query %u: result buffer %u has no room", handle, q->res->args.handle);
    }
    return VGL_OK;
}

/* PIPE_RENDER_COND_* -> GL, plain and inverted. */
static const GLenum cond_modes[2][4] = {
        {GL_QUERY_WAIT, GL_QUERY_NO_WAIT, GL_QUERY_BY_REGION_WAIT, GL_QUERY_BY_REGION_NO_WAIT},
        {GL_QUERY_WAIT_INVERTED, GL_QUERY_NO_WAIT_INVERTED, GL_QUERY_BY_REGION_WAIT_INVERTED,
         GL_QUERY_BY_REGION_NO_WAIT_INVERTED},
};

static enum vgl_status set_render_condition(struct vgl_sink *s, uint32_t handle, bool condition,
                                            uint32_t mode) {
    struct gl_sub_ctx *sub = vgl_gl_ctx_of(s)->sub;
    struct gl_query *q = NULL;
    if (handle) {
        q = lookup(s, handle);
        if (!q) {
            return FAIL(s, VGL_ERROR_NOT_FOUND, "render condition: query %u not found", handle);
        }
        if (mode > 3) {
            return FAIL(s, VGL_ERROR_INVALID_ARGUMENT, "render condition mode %u", mode);
        }
    }
    VGL_GL_REBIND(sub, sub->cond_query, q);
    sub->cond_inverted = condition;
    sub->cond_mode = mode;
    return VGL_OK;
}

/* Occlusion queries the host can condition on by itself: those counted in one span. */
static bool host_conditional(const struct gl_query *q) {
    return (q->gl_target == GL_SAMPLES_PASSED || q->gl_target == GL_ANY_SAMPLES_PASSED) &&
           !q->counted;
}

bool vgl_gl_condition_begin(struct vgl_renderer *r, struct gl_sub_ctx *sub) {
    const struct gl_query *q = sub->cond_query;
    sub->cond_active = false;
    if (!q || !q->query || q->active) {
        return true; /* no condition, or one GL cannot evaluate yet: draw */
    }
    if (host_conditional(q) && r->has_cond_render &&
        (!sub->cond_inverted || r->has_cond_inverted)) {
        glBeginConditionalRender(q->query, cond_modes[sub->cond_inverted][sub->cond_mode & 3]);
        sub->cond_active = true;
        return true;
    }
    /* Other queries (primitives, inverted without host support): decide here. The no-wait
     * modes draw while the result is not there yet, as GL allows. */
    const bool wait = sub->cond_mode == 0 || sub->cond_mode == 2;
    GLuint available = 1;
    if (!wait) {
        glGetQueryObjectuiv(q->query, GL_QUERY_RESULT_AVAILABLE, &available);
    }
    if (!available) {
        return true;
    }
    return (query_value(r, q) != 0) != sub->cond_inverted;
}

void vgl_gl_condition_end(struct gl_sub_ctx *sub) {
    if (sub->cond_active) {
        glEndConditionalRender();
        sub->cond_active = false;
    }
}

void vgl_gl_query_init(struct vgl_sink_impl *impl) {
    impl->set_render_condition = set_render_condition;
    impl->create_query = create_query;
    impl->begin_query = begin_query;
    impl->end_query = end_query;
    impl->get_query_result = get_query_result;
}
