/* SPDX-License-Identifier: MIT */
/* Trace-event JSON writer and per-command cost summary for --profile: the replay's timeline
 * (process 1) and the capture's, from the trace's record times (process 2). */
#include "profile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/decoder.h"

enum { PID = 1, TID_CALLS = 1, TID_COMMANDS = 2, TID_GPU = 3, TID_FRAMES = 4 };
/* The captured timeline (the trace's record times), a process of its own. */
enum { PID_CAPTURED = 2, TID_CAPTURED_CALLS = 1, TID_CAPTURED_FRAMES = 2 };

struct cost {
    uint64_t count, wall_ns, cpu_ns, gpu_ns;
    bool has_gpu;
};

struct profiler {
    FILE *f;
    bool first;
    uint64_t t0_ns; /* CLOCK_MONOTONIC at creation: ts 0 */
    uint64_t call;
    const char *call_name;
    uint32_t call_ctx;
    uint64_t call_start_ns;
    struct cost costs[VGL_CCMD_COUNT];
    uint64_t events;
};

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Microseconds since the profile started, as trace-event "ts" wants. */
static double us_since(const struct profiler *pf, int64_t ns) {
    return (double)(ns - (int64_t)pf->t0_ns) / 1e3;
}

static void begin_event(struct profiler *pf) {
    fputs(pf->first ? "\n" : ",\n", pf->f);
    pf->first = false;
    pf->events++;
}

static void thread_name(struct profiler *pf, int pid, int tid, const char *name) {
    begin_event(pf);
    fprintf(pf->f,
            "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
            "\"args\":{\"name\":\"%s\"}}",
            pid, tid, name);
}

static void process_name(struct profiler *pf, int pid, const char *name) {
    begin_event(pf);
    fprintf(pf->f,
            "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":0,"
            "\"args\":{\"name\":\"%s\"}}",
            pid, name);
}

/* Microseconds of an unsigned CLOCK_MONOTONIC time since the profile started (negative before
 * it; computed in double so that no time can wrap). */
static double us_at(const struct profiler *pf, uint64_t ns) {
    return ((double)ns - (double)pf->t0_ns) / 1e3;
}

struct profiler *profile_create(const char *path, char *why, size_t why_size) {
    struct profiler *pf = calloc(1, sizeof(*pf));
    if (!pf) {
        snprintf(why, why_size, "out of memory");
        return NULL;
    }
    pf->f = fopen(path, "w");
    if (!pf->f) {
        snprintf(why, why_size, "cannot create %s: %s", path, strerror(errno));
        free(pf);
        return NULL;
    }
    pf->first = true;
    pf->t0_ns = mono_ns();
    fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[", pf->f);
    process_name(pf, PID, "virgl-replay");
    thread_name(pf, PID, TID_CALLS, "calls");
    thread_name(pf, PID, TID_COMMANDS, "commands (CPU)");
    thread_name(pf, PID, TID_GPU, "commands (GPU)");
    thread_name(pf, PID, TID_FRAMES, "frames");
    process_name(pf, PID_CAPTURED, "captured");
    thread_name(pf, PID_CAPTURED, TID_CAPTURED_CALLS, "calls (recorded times)");
    thread_name(pf, PID_CAPTURED, TID_CAPTURED_FRAMES, "frames (recorded times)");
    return pf;
}

void profile_call_begin(struct profiler *pf, uint64_t call, const char *name, uint32_t ctx) {
    pf->call = call;
    pf->call_name = name;
    pf->call_ctx = ctx;
    pf->call_start_ns = mono_ns();
}

void profile_call_end(struct profiler *pf) {
    const uint64_t end = mono_ns();
    begin_event(pf);
    fprintf(pf->f,
            "{\"name\":\"%s\",\"cat\":\"call\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,"
            "\"pid\":%d,\"tid\":%d,\"args\":{\"call\":%" PRIu64 ",\"ctx\":%u}}",
            pf->call_name, us_since(pf, (int64_t)pf->call_start_ns),
            (double)(end - pf->call_start_ns) / 1e3, PID, TID_CALLS, pf->call, pf->call_ctx);
}

static void command_name(const struct vgl_command_timing *t, char *out, size_t size) {
    if (t->cmd_id == VGL_CCMD_CREATE_OBJECT || t->cmd_id == VGL_CCMD_BIND_OBJECT ||
        t->cmd_id == VGL_CCMD_DESTROY_OBJECT) {
        snprintf(out, size, "%s %s", vgl_decode_cmd_name(t->cmd_id),
                 vgl_decode_object_name(t->obj_type));
    } else {
        snprintf(out, size, "%s", vgl_decode_cmd_name(t->cmd_id));
    }
}

void profile_command(struct profiler *pf, const struct vgl_command_timing *t) {
    char name[64];
    command_name(t, name, sizeof(name));
    begin_event(pf);
    fprintf(pf->f,
            "{\"name\":\"%s\",\"cat\":\"command\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,"
            "\"pid\":%d,\"tid\":%d,\"args\":{\"call\":%" PRIu64 ",\"ctx\":%u,\"index\":%u,"
            "\"cpu_us\":%.3f,\"gpu_us\":%.3f,\"failed\":%s}}",
            name, us_since(pf, (int64_t)t->start_ns), (double)t->wall_ns / 1e3, PID, TID_COMMANDS,
            pf->call, t->ctx_id, t->index, (double)t->cpu_ns / 1e3,
            t->gpu_ns >= 0 ? (double)t->gpu_ns / 1e3 : -1.0, t->failed ? "true" : "false");
    if (t->gpu_ns >= 0) {
        begin_event(pf);
        fprintf(pf->f,
                "{\"name\":\"%s\",\"cat\":\"gpu\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,"
                "\"pid\":%d,\"tid\":%d,\"args\":{\"call\":%" PRIu64 ",\"index\":%u}}",
                name, us_since(pf, t->gpu_start_ns), (double)t->gpu_ns / 1e3, PID, TID_GPU,
                pf->call, t->index);
    }
    if (t->cmd_id < VGL_CCMD_COUNT) {
        struct cost *c = &pf->costs[t->cmd_id];
        c->count++;
        c->wall_ns += t->wall_ns;
        c->cpu_ns += t->cpu_ns;
        if (t->gpu_ns >= 0) {
            c->gpu_ns += (uint64_t)t->gpu_ns;
            c->has_gpu = true;
        }
    }
}

void profile_frame(struct profiler *pf, uint32_t frame, double start_ms, double end_ms) {
    begin_event(pf);
    fprintf(pf->f,
            "{\"name\":\"frame %u\",\"cat\":\"frame\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,"
            "\"pid\":%d,\"tid\":%d,\"args\":{\"frame\":%u}}",
            frame, us_since(pf, (int64_t)(start_ms * 1e6)), (end_ms - start_ms) * 1e3, PID,
            TID_FRAMES, frame);
}

void profile_captured_call(struct profiler *pf, uint64_t call, const char *name, uint32_t ctx,
                           uint64_t at_ns) {
    begin_event(pf);
    fprintf(pf->f,
            "{\"name\":\"%s\",\"cat\":\"captured\",\"ph\":\"i\",\"s\":\"t\",\"ts\":%.3f,"
            "\"pid\":%d,\"tid\":%d,\"args\":{\"call\":%" PRIu64 ",\"ctx\":%u}}",
            name, us_at(pf, at_ns), PID_CAPTURED, TID_CAPTURED_CALLS, call, ctx);
}

void profile_captured_frame(struct profiler *pf, uint32_t frame, uint64_t start_ns,
                            uint64_t end_ns) {
    const uint64_t dur = end_ns > start_ns ? end_ns - start_ns : 0;
    begin_event(pf);
    fprintf(pf->f,
            "{\"name\":\"frame %u\",\"cat\":\"captured\",\"ph\":\"X\",\"ts\":%.3f,"
            "\"dur\":%.3f,\"pid\":%d,\"tid\":%d,\"args\":{\"frame\":%u}}",
            frame, us_at(pf, start_ns), (double)dur / 1e3, PID_CAPTURED, TID_CAPTURED_FRAMES,
            frame);
}

void profile_upload(struct profiler *pf, uint64_t total_bytes) {
    begin_event(pf);
    fprintf(pf->f,
            "{\"name\":\"uploaded bytes\",\"cat\":\"memory\",\"ph\":\"C\",\"ts\":%.3f,"
            "\"pid\":%d,\"tid\":%d,\"args\":{\"bytes\":%" PRIu64 "}}",
            us_since(pf, (int64_t)mono_ns()), PID, TID_CALLS, total_bytes);
}

static int by_wall(const void *a, const void *b) {
    const struct cost *x = *(const struct cost *const *)a, *y = *(const struct cost *const *)b;
    return x->wall_ns < y->wall_ns ? 1 : x->wall_ns > y->wall_ns ? -1 : 0;
}

static void print_summary(struct profiler *pf, FILE *out) {
    const struct cost *order[VGL_CCMD_COUNT];
    size_t n = 0;
    uint64_t total = 0;
    for (size_t i = 0; i < VGL_CCMD_COUNT; i++) {
        if (pf->costs[i].count) {
            order[n++] = &pf->costs[i];
            total += pf->costs[i].wall_ns;
        }
    }
    qsort(order, n, sizeof(order[0]), by_wall);
    fprintf(out, "profile: %" PRIu64 " events; commands by wall time:\n", pf->events);
    fprintf(out, "  %-24s %8s %10s %6s %10s %10s\n", "command", "count", "wall ms", "share",
            "cpu ms", "gpu ms");
    for (size_t i = 0; i < n && i < 10; i++) {
        const struct cost *c = order[i];
        char gpu[32] = "-";
        if (c->has_gpu) {
            snprintf(gpu, sizeof(gpu), "%.3f", (double)c->gpu_ns / 1e6);
        }
        fprintf(out, "  %-24s %8" PRIu64 " %10.3f %5.1f%% %10.3f %10s\n",
                vgl_decode_cmd_name((uint32_t)(c - pf->costs)), c->count, (double)c->wall_ns / 1e6,
                total ? 100.0 * (double)c->wall_ns / (double)total : 0, (double)c->cpu_ns / 1e6,
                gpu);
    }
}

bool profile_finish(struct profiler *pf, FILE *summary) {
    fputs("\n]}\n", pf->f);
    const bool ok = !ferror(pf->f);
    const bool closed = fclose(pf->f) == 0;
    pf->f = NULL;
    if (summary) {
        print_summary(pf, summary);
    }
    return ok && closed;
}

void profile_destroy(struct profiler *pf) {
    if (pf) {
        if (pf->f) {
            fclose(pf->f);
        }
        free(pf);
    }
}
