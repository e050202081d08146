/* SPDX-License-Identifier: MIT */
/*
 * libvgl-capture-vrend.so: preloaded (LD_PRELOAD) into a process that uses upstream
 * libvirglrenderer (a VMM, virgl_test_server), it exports the library's public functions,
 * forwards each to the real library and records the calls into a trace named by
 * VGL_CAPTURE_FILE (docs/vmm-capture.md). Unset, nothing is recorded.
 *
 * What the VMM sees does not change: every call returns what the real one returned, callbacks
 * are the VMM's own, nothing runs on other threads but the trace writer's.
 *
 * Upstream's model differs from the trace's (docs/trace-format.md): resources are global and
 * attached to contexts. A resource enters the trace under the first context it is attached to
 * (its owner); later calls on it are recorded under that owner, and another context attaching
 * it is a CTX_ATTACH record. Guest memory is recorded when the library reads it: transfers, and
 * the TRANSFER3D / COPY_TRANSFER3D commands a submit carries (found with our decoder's table).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include <vgl/format.h>
#include <vgl/frame_marks.h>
#include <vgl/trace.h>
#include <vgl/trace_call.h>

#include "common/hash_map.h"
#include "decode/decoder.h"
#include "protocol/virgl_protocol.h"
#include "protocol/vrend_abi.h"

#define TOOL             "virgl-capture-vrend"
#define DEFAULT_LIBRARY  "libvirglrenderer.so.1"
#define MAX_NAME         1024u
#define MAX_IOVS         (1u << 20)
#define BIND_RENDER_TGT  0x2u
#define CAPSET_VIRGL_MAX 2u

struct res {
    struct vr_create_args args;
    uint32_t owner; /* context that holds it in the trace; 0: none yet */
    struct iovec *iov;
    unsigned int iov_count;
    uint64_t size; /* bytes of backing, all iovecs */
};

struct ctx {
    uint32_t id;
    struct vgl_frame_marks *marks; /* where its frames start, from its clears */
    bool scanned_out;              /* the VMM showed one of its resources: marks come from that */
};

/* Frames one submit can start (a CLEAR is 9 dwords of at most 66,560). */
#define MAX_MARKS 8192
/* Transfers one submit can make (a TRANSFER3D is 14 of its 66,560 dwords). */
#define MAX_TRANSFERS 4800

static struct {
    pthread_mutex_t lock;
    bool resolved;
    struct vr_real real;
    char lib_path[PATH_MAX];

    struct vgl_trace_writer *writer; /* NULL: not recording */
    pid_t writer_pid;
    bool stopped; /* recording stopped for good in this process */
    char path[PATH_MAX];

    struct vgl_hash_map resources; /* handle -> struct res */
    struct vgl_hash_map contexts;  /* virgl contexts recorded -> struct ctx */
    uint32_t next_frame, next_mark;
    uint32_t last_ctx; /* the recorded context that submitted last */
    bool forked;       /* a fork of a recording process: say so if this one records too */
    bool warned_unowned;
} S = {.lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP};

/* Calls the library makes to its own exports while we forward one are not recorded twice. */
static __thread int depth;

/* ---- the real library ---- */

static void resolve_locked(void) {
    if (S.resolved) {
        return;
    }
    S.resolved = true;
    const char *env = getenv("VGL_CAPTURE_LIB");
    const char *path = env && *env ? env : DEFAULT_LIBRARY;
    snprintf(S.lib_path, sizeof(S.lib_path), "%s", path);
    /* dlopen finds the copy already loaded (a VMM module's dependency that RTLD_NEXT cannot see
     * when the module was loaded RTLD_LOCAL), or loads it. */
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, TOOL ": cannot load %s: %s\n", path, dlerror());
        return;
    }
    vr_real_resolve(lib, &S.real, NULL);
}

/* ---- the trace ---- */

static void log_to_stderr(enum vgl_log_level level, const char *file, int line, const char *fmt,
                          va_list args, void *user) {
    fputs(TOOL ": ", stderr);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
}

static void forget_all(void) {
    size_t pos = 0;
    uint32_t key;
    void *value;
    while (vgl_hash_map_next(&S.resources, &pos, &key, &value)) {
        struct res *r = value;
        free(r->iov);
        free(r);
    }
    vgl_hash_map_finish(&S.resources);
    pos = 0;
    while (vgl_hash_map_next(&S.contexts, &pos, &key, &value)) {
        vgl_frame_marks_destroy(((struct ctx *)value)->marks);
        free(value);
    }
    vgl_hash_map_finish(&S.contexts);
    vgl_hash_map_init(&S.resources);
    vgl_hash_map_init(&S.contexts);
}

static void stop(const char *why) {
    if (!S.writer) {
        S.stopped = true;
        return;
    }
    fprintf(stderr, TOOL ": recording stopped: %s; the trace '%s' keeps everything before\n", why,
            S.path);
    const char info[] = "stopped";
    vgl_trace_writer_add(S.writer, VGL_REC_INFO, info, sizeof(info), why, strlen(why) + 1);
    vgl_trace_writer_destroy(S.writer);
    S.writer = NULL;
    S.stopped = true;
    forget_all();
}

/* Append one record; the trace codec lays out its fields (docs/trace-format.md). */
static void add(const struct vgl_trace_call *call) {
    if (!S.writer) {
        return;
    }
    const enum vgl_status st = vgl_trace_writer_add_call(S.writer, call);
    if (st != VGL_OK) {
        char why[128];
        snprintf(why, sizeof(why), "writing the trace failed (%s)", vgl_status_str(st));
        stop(why);
    }
}

/* The trace file's name: VGL_CAPTURE_FILE with %p as the pid. Without %p the first process of
 * the session to record takes the name as given (created exclusively: virgl-capture removed any
 * old file); any other inserts .PID before the extension, so two writers never share a file. */
static bool trace_path(const char *pattern, char *out, size_t size) {
    char pid[16];
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    size_t n = 0;
    bool has_pid = false;
    for (const char *p = pattern; *p; p++) {
        const char *piece = p;
        size_t len = 1;
        if (p[0] == '%' && p[1] == 'p') {
            piece = pid;
            len = strlen(pid);
            has_pid = true;
            p++;
        }
        if (n + len >= size) {
            return false;
        }
        memcpy(out + n, piece, len);
        n += len;
    }
    out[n] = '\0';
    if (has_pid) {
        return true;
    }
    const int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
        close(fd);
        return true;
    }
    const char *dot = strrchr(out, '.');
    const char *slash = strrchr(out, '/');
    const size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - out) : n;
    char tail[PATH_MAX];
    snprintf(tail, sizeof(tail), "%s", out + stem);
    return (size_t)snprintf(out + stem, size - stem, ".%s%s", pid, tail) < size - stem;
}

static void write_info(void) {
    char date[32] = "";
    const time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm)) {
        strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    char pid[16], program[64] = "";
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    FILE *f = fopen("/proc/self/comm", "r");
    if (f) {
        if (fgets(program, sizeof(program), f)) {
            program[strcspn(program, "\n")] = '\0';
        }
        fclose(f);
    }
    const char *pairs[][2] = {
            {"tool", TOOL},          {"version", vgl_version()},
            {"date", date},          {"host_renderer", "virglrenderer"},
            {"library", S.lib_path}, {"pid", pid},
            {"program", program},
    };
    char buf[2048];
    size_t pos = 0;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        for (int k = 0; k < 2; k++) {
            const size_t len = strlen(pairs[i][k]) + 1;
            if (pos + len > sizeof(buf)) {
                break;
            }
            memcpy(buf + pos, pairs[i][k], len);
            pos += len;
        }
    }
    add(&(struct vgl_trace_call){
            .type = VGL_REC_INFO, .data = (const uint8_t *)buf, .data_size = (uint32_t)pos});
}

/* Open the trace in this process if it should record and has not yet. */
static void open_trace(void) {
    if (S.writer || S.stopped) {
        return;
    }
    const char *pattern = getenv("VGL_CAPTURE_FILE");
    if (!pattern || !*pattern) {
        S.stopped = true;
        return;
    }
    if (!trace_path(pattern, S.path, sizeof(S.path))) {
        fprintf(stderr, TOOL ": VGL_CAPTURE_FILE is too long\n");
        S.stopped = true;
        return;
    }
    vgl_log_init(VGL_LOG_ERROR, log_to_stderr, NULL);
    const enum vgl_status st = vgl_trace_writer_create(S.path, &S.writer);
    if (st != VGL_OK) {
        fprintf(stderr, TOOL ": cannot create '%s': %s\n", S.path, vgl_status_str(st));
        S.writer = NULL;
        S.stopped = true;
        return;
    }
    S.writer_pid = getpid();
    if (S.forked) {
        fprintf(stderr,
                TOOL ": pid %d: forked from a recording process; calls before the fork are not "
                     "in this process's trace (%s)\n",
                (int)getpid(), S.path);
    }
    write_info();
    if (S.writer) {
        vgl_trace_writer_flush(S.writer); /* a file that opens, from the first moment */
    }
}

static void close_trace(void) {
    if (S.writer) {
        add(&(struct vgl_trace_call){.type = VGL_REC_END});
    }
    if (S.writer) {
        const enum vgl_status st = vgl_trace_writer_destroy(S.writer);
        if (st != VGL_OK) {
            fprintf(stderr, TOOL ": closing '%s' failed: %s\n", S.path, vgl_status_str(st));
        }
        S.writer = NULL;
    }
    forget_all();
}

/* In a forked child the writer's thread does not exist: leave the parent's writer alone and
 * start a trace of our own at the next call (one file per process). */
static void after_fork_child(void) {
    pthread_mutex_t fresh = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
    S.lock = fresh;
    const bool had = S.writer != NULL;
    S.writer = NULL;
    S.stopped = false;
    forget_all(); /* this process's copies of the parent's tables */
    S.next_frame = S.next_mark = 0;
    S.last_ctx = 0;
    S.forked = had;
}

__attribute__((constructor)) static void on_load(void) {
    pthread_atfork(NULL, NULL, after_fork_child);
    vgl_hash_map_init(&S.resources);
    vgl_hash_map_init(&S.contexts);
}

__attribute__((destructor)) static void on_unload(void) {
    pthread_mutex_lock(&S.lock);
    if (S.writer && S.writer_pid == getpid()) {
        close_trace();
    }
    forget_all();
    pthread_mutex_unlock(&S.lock);
}

/* Enter a wrapper: true when this call is recorded (the lock is then held until leave). */
static bool enter(void) {
    pthread_mutex_lock(&S.lock);
    resolve_locked();
    depth++;
    if (depth == 1) {
        open_trace();
    }
    return depth == 1 && S.writer != NULL;
}

static void leave(void) {
    depth--;
    pthread_mutex_unlock(&S.lock);
}

/* ---- records ---- */

static int32_t status_of(int rc) {
    return rc == 0 ? VGL_OK : VGL_ERROR_INVALID_ARGUMENT;
}

/* A call record: type, context, the library's answer and what else `call` sets. */
static void add_call(struct vgl_trace_call call, uint32_t type, uint32_t ctx, int rc) {
    call.type = type;
    call.ctx = ctx;
    call.status = status_of(rc);
    add(&call);
}

static struct res *find(uint32_t handle) {
    return vgl_hash_map_get(&S.resources, handle);
}

static struct vgl_resource_args args_of(const struct res *r) {
    const struct vr_create_args *a = &r->args;
    return (struct vgl_resource_args){a->handle,     a->target,     a->format, a->bind,
                                      a->width,      a->height,     a->depth,  a->array_size,
                                      a->last_level, a->nr_samples, a->flags};
}

static void add_attach_backing(const struct res *r) {
    add_call((struct vgl_trace_call){.handle = r->args.handle, .value = r->size},
             VGL_REC_ATTACH_BACKING, r->owner, 0);
}

/* The resource enters the trace under `ctx`, with its backing if it has one. */
static void adopt(struct res *r, uint32_t ctx) {
    r->owner = ctx;
    add_call((struct vgl_trace_call){.resource = args_of(r)}, VGL_REC_RESOURCE_CREATE, ctx, 0);
    if (r->iov) {
        add_attach_backing(r);
    }
}

/* A call on a resource no recorded context uses: it cannot be replayed, say so once. */
static struct res *owned(uint32_t handle, const char *what) {
    struct res *r = find(handle);
    if (r && r->owner) {
        return r;
    }
    if (!S.warned_unowned) {
        S.warned_unowned = true;
        fprintf(stderr,
                TOOL ": %s on resource %u, which no recorded context uses: not recorded "
                     "(2D console and cursor resources are not part of the 3D stream)\n",
                what, handle);
    }
    return NULL;
}

/* Record bytes [offset, offset + size) of r's backing as GUEST_DATA, one record per iovec
 * piece (pointers into guest memory; the writer copies them). Clipped to the backing. */
static void add_guest_bytes(const struct res *r, uint64_t offset, uint64_t size) {
    if (offset >= r->size) {
        return;
    }
    if (size > r->size - offset) {
        size = r->size - offset;
    }
    uint64_t base = 0;
    for (unsigned int i = 0; i < r->iov_count && size > 0 && S.writer; i++) {
        const uint64_t len = r->iov[i].iov_len;
        /* Pieces of this iovec, each at most one record. */
        while (offset >= base && offset < base + len && size > 0 && S.writer) {
            const uint64_t in = offset - base;
            uint64_t piece = len - in < size ? len - in : size;
            const uint64_t most =
                    VGL_TRACE_MAX_RECORD - vgl_trace_call_head_size(VGL_REC_GUEST_DATA);
            piece = piece > most ? most : piece;
            add(&(struct vgl_trace_call){.type = VGL_REC_GUEST_DATA,
                                         .ctx = r->owner,
                                         .handle = r->args.handle,
                                         .value = offset,
                                         .data = (const uint8_t *)r->iov[i].iov_base + in,
                                         .data_size = (uint32_t)piece});
            offset += piece;
            size -= piece;
        }
        base += len;
    }
}

/* The guest bytes a transfer of box `t` reads from r's backing. */
static void add_transfer_source(const struct res *layout_res, const struct res *src,
                                const struct vgl_transfer *t) {
    const struct vgl_resource_args a = args_of(layout_res);
    struct vgl_transfer_layout lay;
    uint64_t span;
    if (!vgl_transfer_layout(&a, t, &lay) || !vgl_transfer_span(&lay, &span)) {
        span = UINT64_MAX; /* unknown layout: everything from the offset on */
    }
    add_guest_bytes(src, t->offset, span);
}

struct crc_sum {
    uint32_t crc;
    uint64_t bytes;
};

static void sum_row(void *user, uint64_t offset, const uint8_t *bytes, size_t size) {
    struct crc_sum *sum = user;
    sum->crc = (uint32_t)crc32_z(sum->crc, bytes, size);
    sum->bytes += size;
}

/*
 * A read-back of a render target is a frame: the CRC-32 of the rows written into `mem`'s backing
 * (the resource's own, or COPY_TRANSFER3D's staging buffer), in box order, as replay sums them.
 * The layout follows `r`, the resource read.
 */
static void add_frame(const struct res *r, const struct res *mem, const struct vgl_transfer *t) {
    const struct vgl_resource_args a = args_of(r);
    struct vgl_transfer_layout lay;
    struct crc_sum sum = {(uint32_t)crc32(0, NULL, 0), 0};
    if ((r->args.bind & BIND_RENDER_TGT) == 0 || !mem->iov || !vgl_transfer_layout(&a, t, &lay)) {
        return;
    }
    vgl_transfer_visit(&lay, t->offset, mem->iov, mem->iov_count, sum_row, &sum);
    const struct vgl_trace_frame frame = {
            .handle = r->args.handle,
            .frame = S.next_frame++,
            .format = r->args.format,
            .w = t->box.w,
            .h = t->box.h,
            .bytes = sum.bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)sum.bytes,
            .crc = sum.crc,
    };
    add(&(struct vgl_trace_call){.type = VGL_REC_FRAME, .ctx = r->owner, .frame = frame});
    if (S.writer) {
        vgl_trace_writer_flush(S.writer); /* a killed VMM keeps every frame written */
    }
}

static void add_mark(uint32_t ctx, uint32_t handle, enum vgl_frame_source source, uint32_t offset) {
    add(&(struct vgl_trace_call){.type = VGL_REC_FRAME_MARK,
                                 .ctx = ctx,
                                 .frame = {.handle = handle, .frame = S.next_mark++},
                                 .source = source,
                                 .value = offset});
}

/* ---- the exported functions ---- */

/* Their prototypes are virglrenderer.h's, which the build does not need: these definitions are
 * the only declarations, and they must match the library's ABI (vrend_abi.h). */
#pragma GCC diagnostic ignored "-Wmissing-prototypes"

VR_EXPORT int virgl_renderer_init(void *cookie, int flags, void *callbacks) {
    enter(); /* opens the trace */
    const int rc = S.real.init ? S.real.init(cookie, flags, callbacks) : -1;
    leave();
    return rc;
}

/* Every context and resource the library holds is gone: so are they in the trace. */
static void all_destroyed(void) {
    size_t pos = 0;
    uint32_t key;
    void *value;
    while (vgl_hash_map_next(&S.contexts, &pos, &key, &value)) {
        add(&(struct vgl_trace_call){.type = VGL_REC_CONTEXT_DESTROY, .ctx = key});
    }
    forget_all();
    S.last_ctx = 0;
    if (S.writer) {
        vgl_trace_writer_seal(S.writer);
    }
}

VR_EXPORT void virgl_renderer_cleanup(void *cookie) {
    const bool rec = enter();
    if (S.real.cleanup) {
        S.real.cleanup(cookie);
    }
    if (rec) {
        all_destroyed();
    }
    leave();
}

VR_EXPORT void virgl_renderer_reset(void) {
    const bool rec = enter();
    if (S.real.reset) {
        S.real.reset();
    }
    if (rec) {
        all_destroyed();
    }
    leave();
}

VR_EXPORT void virgl_renderer_get_cap_set(uint32_t set, uint32_t *max_ver, uint32_t *max_size) {
    enter();
    if (S.real.get_cap_set) {
        S.real.get_cap_set(set, max_ver, max_size);
    }
    leave();
}

VR_EXPORT void virgl_renderer_fill_caps(uint32_t set, uint32_t version, void *caps) {
    const bool rec = enter();
    if (S.real.fill_caps) {
        S.real.fill_caps(set, version, caps);
    }
    if (rec && S.real.get_cap_set && set >= 1 && set <= CAPSET_VIRGL_MAX) {
        uint32_t max_ver = 0, size = 0;
        S.real.get_cap_set(set, &max_ver, &size);
        if (caps && size <= VGL_TRACE_MAX_RECORD - vgl_trace_call_head_size(VGL_REC_CAPS)) {
            add(&(struct vgl_trace_call){
                    .type = VGL_REC_CAPS, .value = set, .data = caps, .data_size = size});
        }
    }
    leave();
}

static void record_context_create(uint32_t id, uint32_t capset, uint32_t nlen, const char *name,
                                  int rc) {
    if (capset != 0 && capset > CAPSET_VIRGL_MAX) {
        fprintf(stderr, TOOL ": context %u uses capset %u, not virgl: not recorded\n", id, capset);
        return;
    }
    if (rc == 0) {
        struct ctx *c = calloc(1, sizeof(*c));
        if (c) {
            c->marks = vgl_frame_marks_create(id);
        }
        if (!c || !c->marks || !vgl_hash_map_insert(&S.contexts, id, c)) {
            if (c) {
                vgl_frame_marks_destroy(c->marks);
            }
            free(c);
            stop("out of memory");
            return;
        }
        c->id = id;
    }
    const size_t n = name ? (nlen < MAX_NAME ? nlen : MAX_NAME) : 0;
    add_call((struct vgl_trace_call){.data = (const uint8_t *)name, .data_size = (uint32_t)n},
             VGL_REC_CONTEXT_CREATE, id, rc);
}

VR_EXPORT int virgl_renderer_context_create(uint32_t handle, uint32_t nlen, const char *name) {
    const bool rec = enter();
    const int rc = S.real.context_create ? S.real.context_create(handle, nlen, name) : -1;
    if (rec) {
        record_context_create(handle, 0, nlen, name, rc);
    }
    leave();
    return rc;
}

VR_EXPORT int virgl_renderer_context_create_with_flags(uint32_t ctx_id, uint32_t ctx_flags,
                                                       uint32_t nlen, const char *name) {
    const bool rec = enter();
    const int rc = S.real.context_create_with_flags
                           ? S.real.context_create_with_flags(ctx_id, ctx_flags, nlen, name)
                           : -1;
    if (rec) {
        record_context_create(ctx_id, ctx_flags & 0xffu, nlen, name, rc);
    }
    leave();
    return rc;
}

VR_EXPORT void virgl_renderer_context_destroy(uint32_t handle) {
    const bool rec = enter();
    if (S.real.context_destroy) {
        S.real.context_destroy(handle);
    }
    struct ctx *c = rec ? vgl_hash_map_remove(&S.contexts, handle) : NULL;
    if (c) {
        /* The last frame of a context whose frames come from its clears ends with it. */
        if (!c->scanned_out && vgl_frame_marks_have_target(c->marks) &&
            vgl_frame_marks_pending(c->marks)) {
            add_mark(handle, 0, VGL_FRAME_SOURCE_CLEAR, VGL_FRAME_MARK_AFTER);
        }
        vgl_frame_marks_destroy(c->marks);
        free(c);
        S.last_ctx = S.last_ctx == handle ? 0 : S.last_ctx;
        add(&(struct vgl_trace_call){.type = VGL_REC_CONTEXT_DESTROY, .ctx = handle});
        /* In the trace a context's resources die with it; upstream keeps them. */
        size_t pos = 0;
        uint32_t key;
        void *value;
        while (vgl_hash_map_next(&S.resources, &pos, &key, &value)) {
            struct res *r = value;
            if (r->owner == handle) {
                r->owner = 0;
            }
        }
        if (S.writer) {
            vgl_trace_writer_seal(S.writer);
        }
    }
    leave();
}

static void set_backing(struct res *r, const struct iovec *iov, unsigned int n) {
    free(r->iov);
    r->iov = NULL;
    r->iov_count = 0;
    r->size = 0;
    if (!iov || n == 0 || n > MAX_IOVS) {
        return;
    }
    r->iov = malloc(sizeof(*iov) * n);
    if (!r->iov) {
        stop("out of memory");
        return;
    }
    memcpy(r->iov, iov, sizeof(*iov) * n);
    r->iov_count = n;
    for (unsigned int i = 0; i < n; i++) {
        r->size = iov[i].iov_len > UINT64_MAX - r->size ? UINT64_MAX : r->size + iov[i].iov_len;
    }
}

VR_EXPORT int virgl_renderer_resource_create(struct vr_create_args *args, struct iovec *iov,
                                             uint32_t num_iovs) {
    const bool rec = enter();
    struct vr_create_args copy = {0};
    if (args) {
        copy = *args; /* copied before the call: the VMM's struct is not ours to trust later */
    }
    const int rc = S.real.resource_create ? S.real.resource_create(args, iov, num_iovs) : -1;
    if (rec && rc == 0 && args) {
        struct res *old = vgl_hash_map_remove(&S.resources, copy.handle);
        if (old) {
            free(old->iov);
            free(old);
        }
        struct res *r = calloc(1, sizeof(*r));
        if (!r || !vgl_hash_map_insert(&S.resources, copy.handle, r)) {
            free(r);
            stop("out of memory");
        } else {
            r->args = copy;
            set_backing(r, iov, num_iovs);
        }
    }
    leave();
    return rc;
}

VR_EXPORT int virgl_renderer_resource_import_eglimage(struct vr_create_args *args, void *image) {
    const bool rec = enter();
    const int rc =
            S.real.resource_import_eglimage ? S.real.resource_import_eglimage(args, image) : -1;
    if (rec && rc == 0) {
        stop("an EGLImage was imported as a resource: its contents live on the host only");
    }
    leave();
    return rc;
}

VR_EXPORT int virgl_renderer_resource_create_blob(const void *args) {
    const bool rec = enter();
    const int rc = S.real.resource_create_blob ? S.real.resource_create_blob(args) : -1;
    if (rec && rc == 0) {
        stop("a blob resource was created (host-mapped memory the library never reads through "
             "this API cannot be recorded)");
    }
    leave();
    return rc;
}

VR_EXPORT void virgl_renderer_resource_unref(uint32_t res_handle) {
    const bool rec = enter();
    if (S.real.resource_unref) {
        S.real.resource_unref(res_handle);
    }
    struct res *r = rec ? vgl_hash_map_remove(&S.resources, res_handle) : NULL;
    if (r) {
        if (r->owner) {
            add_call((struct vgl_trace_call){.handle = res_handle}, VGL_REC_RESOURCE_UNREF,
                     r->owner, 0);
        }
        free(r->iov);
        free(r);
    }
    leave();
}

VR_EXPORT int virgl_renderer_resource_attach_iov(int res_handle, struct iovec *iov, int num_iovs) {
    const bool rec = enter();
    const int rc =
            S.real.resource_attach_iov ? S.real.resource_attach_iov(res_handle, iov, num_iovs) : -1;
    struct res *r = rec ? find((uint32_t)res_handle) : NULL;
    if (r && rc == 0) {
        set_backing(r, iov, num_iovs > 0 ? (unsigned int)num_iovs : 0);
        if (r->owner && r->iov) {
            add_attach_backing(r);
        }
    }
    leave();
    return rc;
}

VR_EXPORT void virgl_renderer_resource_detach_iov(int res_handle, struct iovec **iov,
                                                  int *num_iovs) {
    const bool rec = enter();
    if (S.real.resource_detach_iov) {
        S.real.resource_detach_iov(res_handle, iov, num_iovs);
    }
    struct res *r = rec ? find((uint32_t)res_handle) : NULL;
    if (r && r->iov) {
        set_backing(r, NULL, 0);
        if (r->owner) {
            add_call((struct vgl_trace_call){.handle = (uint32_t)res_handle},
                     VGL_REC_DETACH_BACKING, r->owner, 0);
        }
    }
    leave();
}

VR_EXPORT void virgl_renderer_ctx_attach_resource(int ctx_id, int res_handle) {
    const bool rec = enter();
    if (S.real.ctx_attach_resource) {
        S.real.ctx_attach_resource(ctx_id, res_handle);
    }
    struct res *r = rec ? find((uint32_t)res_handle) : NULL;
    if (r && vgl_hash_map_get(&S.contexts, (uint32_t)ctx_id)) {
        if (!r->owner) {
            adopt(r, (uint32_t)ctx_id);
        } else if (r->owner != (uint32_t)ctx_id) {
            add_call((struct vgl_trace_call){.handle = (uint32_t)res_handle, .source = r->owner},
                     VGL_REC_CTX_ATTACH, (uint32_t)ctx_id, 0);
        }
    }
    leave();
}

VR_EXPORT void virgl_renderer_ctx_detach_resource(int ctx_id, int res_handle) {
    /* The trace keeps the resource with its owner until it is unref'd: nothing to record. */
    enter();
    if (S.real.ctx_detach_resource) {
        S.real.ctx_detach_resource(ctx_id, res_handle);
    }
    leave();
}

static struct vgl_transfer transfer_of(uint32_t handle, uint32_t level, uint32_t stride,
                                       uint32_t layer_stride, const struct vr_box *box,
                                       uint64_t offset) {
    struct vgl_transfer t = {handle, level, stride, layer_stride, {0, 0, 0, 0, 0, 0}, offset};
    if (box) {
        t.box = (struct vgl_box){(int32_t)box->x, (int32_t)box->y, (int32_t)box->z,
                                 (int32_t)box->w, (int32_t)box->h, (int32_t)box->d};
    }
    return t;
}

static void add_transfer(uint32_t type, const struct res *r, int rc, const struct vgl_transfer *t) {
    add_call((struct vgl_trace_call){.transfer = *t}, type, r->owner, rc);
}

VR_EXPORT int virgl_renderer_transfer_write_iov(uint32_t handle, uint32_t ctx_id, int level,
                                                uint32_t stride, uint32_t layer_stride,
                                                struct vr_box *box, uint64_t offset,
                                                struct iovec *iovec, unsigned int iovec_cnt) {
    const bool rec = enter();
    struct res *r = rec ? owned(handle, "a transfer") : NULL;
    struct vgl_transfer t = {0};
    if (r && box) {
        t = transfer_of(handle, (uint32_t)level, stride, layer_stride, box, offset);
        if (iovec && iovec_cnt) {
            stop("a transfer brought its own guest memory (vtest protocol 0), which a replay "
                 "cannot reproduce");
            r = NULL;
        } else {
            add_transfer_source(r, r, &t);
        }
    }
    const int rc = S.real.transfer_write_iov
                           ? S.real.transfer_write_iov(handle, ctx_id, level, stride, layer_stride,
                                                       box, offset, iovec, iovec_cnt)
                           : -1;
    if (r && box && S.writer) {
        add_transfer(VGL_REC_TRANSFER_WRITE, r, rc, &t);
    }
    leave();
    return rc;
}

VR_EXPORT int virgl_renderer_transfer_read_iov(uint32_t handle, uint32_t ctx_id, uint32_t level,
                                               uint32_t stride, uint32_t layer_stride,
                                               struct vr_box *box, uint64_t offset,
                                               struct iovec *iov, int iovec_cnt) {
    const bool rec = enter();
    struct res *r = rec ? owned(handle, "a read-back") : NULL;
    struct vgl_transfer t = {0};
    if (r && box) {
        t = transfer_of(handle, level, stride, layer_stride, box, offset);
    }
    const int rc = S.real.transfer_read_iov
                           ? S.real.transfer_read_iov(handle, ctx_id, level, stride, layer_stride,
                                                      box, offset, iov, iovec_cnt)
                           : -1;
    if (r && box && S.writer) {
        add_transfer(VGL_REC_TRANSFER_READ, r, rc, &t);
        /* Into the caller's own memory rather than the backing, replay still reads, but the
         * bytes are not where a frame's checksum is taken. */
        if (rc == 0 && !(iov && iovec_cnt > 0)) {
            add_frame(r, r, &t);
        }
    }
    leave();
    return rc;
}

/* A transfer of a submit as one of the renderer API's. */
static struct vgl_transfer transfer_in(const struct vgl_submit_transfer *x) {
    return (struct vgl_transfer){x->res, x->level, x->stride, x->layer_stride, x->box, x->offset};
}

/* The guest memory a submit's transfers to the host read, recorded before it. */
static void add_submit_sources(const struct vgl_submit_transfer *xs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const struct res *r = find(xs[i].res), *mem = find(xs[i].mem_res);
        if (xs[i].to_host && r && mem && mem->owner && mem->iov) {
            const struct vgl_transfer t = transfer_in(&xs[i]);
            add_transfer_source(r, mem, &t);
        }
    }
}

/* Read-backs inside a submit (COPY_TRANSFER3D from the host into a staging buffer, done when
 * it returns): frames like transfer_read_iov's. */
static void add_submit_frames(const struct vgl_submit_transfer *xs, size_t n) {
    for (size_t i = 0; i < n && S.writer; i++) {
        const struct res *r = find(xs[i].res), *mem = find(xs[i].mem_res);
        if (!xs[i].to_host && r && mem && r->owner && mem->owner) {
            const struct vgl_transfer t = transfer_in(&xs[i]);
            add_frame(r, mem, &t);
        }
    }
}

/* Frames a submit starts, from its clears: marks before it, each naming its dword. Returns
 * how many. */
static size_t add_clear_marks(struct ctx *c, const uint32_t *cmds, uint32_t ndw) {
    static uint32_t offsets[MAX_MARKS]; /* under the lock */
    const size_t n = vgl_frame_marks_submit(c->marks, cmds, ndw, offsets, MAX_MARKS);
    for (size_t i = 0; i < n && !c->scanned_out; i++) {
        add_mark(c->id, 0, VGL_FRAME_SOURCE_CLEAR, offsets[i]);
    }
    return c->scanned_out ? 0 : n;
}

VR_EXPORT int virgl_renderer_submit_cmd(void *buffer, int ctx_id, int ndw) {
    const bool rec = enter();
    struct ctx *c =
            rec && buffer && ndw > 0 ? vgl_hash_map_get(&S.contexts, (uint32_t)ctx_id) : NULL;
    static struct vgl_submit_transfer xfers[MAX_TRANSFERS]; /* under the lock */
    size_t nx = 0, marks = 0;
    uint64_t draws = 0;
    if (c) {
        if ((uint64_t)ndw > (VGL_TRACE_MAX_RECORD - vgl_trace_call_head_size(VGL_REC_SUBMIT)) / 4) {
            stop("a submit larger than a trace record");
        } else {
            nx = vgl_submit_transfers(buffer, (size_t)ndw, xfers, MAX_TRANSFERS, &draws);
            add_submit_sources(xfers, nx);
            marks = add_clear_marks(c, buffer, (uint32_t)ndw);
        }
    }
    const int rc = S.real.submit_cmd ? S.real.submit_cmd(buffer, ctx_id, ndw) : -1;
    if (c && S.writer) {
        S.last_ctx = (uint32_t)ctx_id;
        const struct vgl_trace_call call = {
                .value = (uint32_t)ndw, .data = buffer, .data_size = (uint32_t)ndw * 4};
        add_call(call, VGL_REC_SUBMIT, (uint32_t)ctx_id, rc);
        /* Until the VMM shows the context's scanouts or its clears show its frames, each
         * flush that drew ends one (docs/vmm-capture.md). */
        if (draws && rc == 0 && !c->scanned_out && !vgl_frame_marks_have_target(c->marks)) {
            add_mark((uint32_t)ctx_id, 0, VGL_FRAME_SOURCE_FLUSH, VGL_FRAME_MARK_AFTER);
            marks++;
        }
        if (marks && S.writer) {
            vgl_trace_writer_seal(S.writer); /* a killed VMM keeps the frames it showed */
        }
        if (rc == 0) {
            add_submit_frames(xfers, nx);
        }
    }
    leave();
    return rc;
}

static void add_fence(uint32_t ctx, int rc, uint64_t id) {
    /* A fence on the global context 0 (vtest's implicit fences, QEMU's 2D commands) follows
     * the work of the context that submitted last: the trace puts it there. */
    ctx = ctx ? ctx : S.last_ctx;
    if (!ctx || !vgl_hash_map_get(&S.contexts, ctx)) {
        return;
    }
    add_call((struct vgl_trace_call){.value = id}, VGL_REC_FENCE, ctx, rc);
}

VR_EXPORT int virgl_renderer_create_fence(int client_fence_id, uint32_t ctx_id) {
    const bool rec = enter();
    const int rc = S.real.create_fence ? S.real.create_fence(client_fence_id, ctx_id) : -1;
    if (rec) {
        add_fence(ctx_id, rc, (uint32_t)client_fence_id);
    }
    leave();
    return rc;
}

VR_EXPORT int virgl_renderer_context_create_fence(uint32_t ctx_id, uint32_t flags,
                                                  uint64_t ring_idx, uint64_t fence_id) {
    const bool rec = enter();
    const int rc = S.real.context_create_fence
                           ? S.real.context_create_fence(ctx_id, flags, ring_idx, fence_id)
                           : -1;
    if (rec) {
        add_fence(ctx_id, rc, fence_id);
    }
    leave();
    return rc;
}

/* The VMM asks for a resource to show it (QEMU's SET_SCANOUT): a frame. */
static void scanout(int res_handle, int rc) {
    struct res *r = find((uint32_t)res_handle);
    if (rc != 0 || !r || !r->owner) {
        return;
    }
    struct ctx *c = vgl_hash_map_get(&S.contexts, r->owner);
    if (c) {
        c->scanned_out = true; /* its frames are the VMM's scanouts from now on */
    }
    add_mark(r->owner, r->args.handle, VGL_FRAME_SOURCE_SCANOUT, VGL_FRAME_MARK_AFTER);
    if (S.writer) {
        vgl_trace_writer_seal(S.writer); /* a killed VMM keeps the frames shown */
    }
}

VR_EXPORT int virgl_renderer_resource_get_info(int res_handle, void *info) {
    const bool rec = enter();
    const int rc = S.real.resource_get_info ? S.real.resource_get_info(res_handle, info) : -1;
    if (rec) {
        scanout(res_handle, rc);
    }
    leave();
    return rc;
}

VR_EXPORT int virgl_renderer_resource_get_info_ext(int res_handle, void *info) {
    const bool rec = enter();
    const int rc =
            S.real.resource_get_info_ext ? S.real.resource_get_info_ext(res_handle, info) : -1;
    if (rec) {
        scanout(res_handle, rc);
    }
    leave();
    return rc;
}
