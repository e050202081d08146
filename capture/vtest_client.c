/* SPDX-License-Identifier: MIT */
/*
 * One vtest connection: assembles messages from the bytes it is given, checks every length and
 * handle, and turns requests into capture-layer calls. Never reads a socket itself: replies go
 * out through struct vgl_vtest_io, so the logic can be driven from memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vgl/trace.h>

#include "vtest_protocol.h"
#include "vtest_server.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "command buffers are passed on as they arrive: little-endian hosts only"
#endif

/* Free space offered per read, beyond what the message being assembled needs. */
#define READ_CHUNK  65536u
#define MAX_MESSAGE (VGL_VTEST_HDR_BYTES + VGL_VTEST_MAX_SUBMIT_DWORDS * 4u)

/*
 * Shared memory is one mapping per resource, and a process has about 65,530 mappings in all
 * (vm.max_map_count), host driver included. Without a budget one client could take them all
 * and break every other client. A client past its share, or past the server's, is dropped.
 */
#define MAX_CLIENT_MAPS 16384u
#define MAX_TOTAL_MAPS  40960u

/* Mappings of every client in this process (the server is single-threaded). */
static size_t total_maps;

/* After this many failed transfers a client's further failures are logged at debug level. */
#define MAX_LOGGED_FAILURES 8u

#define client_log(cl, level, fmt, ...)                                                            \
    vgl_log(level, "client %s: " fmt, (cl)->label, ##__VA_ARGS__)

struct res_entry {
    uint32_t handle;  /* 0: empty slot */
    bool in_renderer; /* the renderer accepted the resource */
    void *map;        /* shared memory given to the guest, or NULL */
    size_t size;
};

/* Open addressing with linear probing; handles are arbitrary non-zero u32 values. */
struct res_table {
    struct res_entry *slots;
    size_t cap; /* a power of two, or 0 */
    size_t count;
};

struct vgl_vtest_client {
    struct vgl_capture *cap;
    const struct vgl_vtest_io *io;
    void *io_user;
    uint32_t id;
    uint32_t *ctx_counter;
    uint32_t ctx_id; /* 0 until CREATE_RENDERER */
    pid_t pid;
    char name[VGL_VTEST_MAX_NAME_BYTES + 1];
    char label[128];

    uint32_t version; /* agreed protocol version; 0 until PROTOCOL_VERSION */
    bool context_error_logged;
    unsigned failures_logged;

    uint8_t *in;
    size_t in_cap, in_start, in_end;

    struct res_table res;
    size_t maps; /* shared-memory mappings held */
    int seed_fd; /* VGL_SEED_DIR: the raw byte stream of this connection, or -1 */
};

static const char *const cmd_names[] = {
        [VGL_VTEST_CMD_GET_CAPS] = "GET_CAPS",
        [VGL_VTEST_CMD_RESOURCE_CREATE] = "RESOURCE_CREATE",
        [VGL_VTEST_CMD_RESOURCE_UNREF] = "RESOURCE_UNREF",
        [VGL_VTEST_CMD_TRANSFER_GET] = "TRANSFER_GET",
        [VGL_VTEST_CMD_TRANSFER_PUT] = "TRANSFER_PUT",
        [VGL_VTEST_CMD_SUBMIT_CMD] = "SUBMIT_CMD",
        [VGL_VTEST_CMD_RESOURCE_BUSY_WAIT] = "RESOURCE_BUSY_WAIT",
        [VGL_VTEST_CMD_CREATE_RENDERER] = "CREATE_RENDERER",
        [VGL_VTEST_CMD_GET_CAPS2] = "GET_CAPS2",
        [VGL_VTEST_CMD_PING_PROTOCOL_VERSION] = "PING_PROTOCOL_VERSION",
        [VGL_VTEST_CMD_PROTOCOL_VERSION] = "PROTOCOL_VERSION",
        [VGL_VTEST_CMD_RESOURCE_CREATE2] = "RESOURCE_CREATE2",
        [VGL_VTEST_CMD_TRANSFER_GET2] = "TRANSFER_GET2",
        [VGL_VTEST_CMD_TRANSFER_PUT2] = "TRANSFER_PUT2",
        [VGL_VTEST_CMD_GET_PARAM] = "GET_PARAM",
        [VGL_VTEST_CMD_GET_CAPSET] = "GET_CAPSET",
        [VGL_VTEST_CMD_CONTEXT_INIT] = "CONTEXT_INIT",
        [VGL_VTEST_CMD_RESOURCE_CREATE_BLOB] = "RESOURCE_CREATE_BLOB",
        [VGL_VTEST_CMD_SYNC_CREATE] = "SYNC_CREATE",
        [VGL_VTEST_CMD_SYNC_UNREF] = "SYNC_UNREF",
        [VGL_VTEST_CMD_SYNC_READ] = "SYNC_READ",
        [VGL_VTEST_CMD_SYNC_WRITE] = "SYNC_WRITE",
        [VGL_VTEST_CMD_SYNC_WAIT] = "SYNC_WAIT",
        [VGL_VTEST_CMD_SUBMIT_CMD2] = "SUBMIT_CMD2",
};

static const char *cmd_name(uint32_t id) {
    if (id < sizeof(cmd_names) / sizeof(cmd_names[0]) && cmd_names[id] != NULL) {
        return cmd_names[id];
    }
    return "unknown";
}

/* ---- resource table ---------------------------------------------------------------------- */

static size_t res_hash(uint32_t handle, size_t mask) {
    return (size_t)(handle * 2654435761u) & mask;
}

static struct res_entry *res_find(const struct res_table *t, uint32_t handle) {
    if (t->cap == 0 || handle == 0) {
        return NULL;
    }
    const size_t mask = t->cap - 1;
    for (size_t i = res_hash(handle, mask);; i = (i + 1) & mask) {
        if (t->slots[i].handle == handle) {
            return &t->slots[i];
        }
        if (t->slots[i].handle == 0) {
            return NULL;
        }
    }
}

static void res_place(struct res_entry *slots, size_t cap, const struct res_entry *e) {
    const size_t mask = cap - 1;
    size_t i = res_hash(e->handle, mask);
    while (slots[i].handle != 0) {
        i = (i + 1) & mask;
    }
    slots[i] = *e;
}

/* Insert an entry whose handle is not in the table yet. */
static bool res_insert(struct res_table *t, const struct res_entry *e) {
    /* Keep the load at most 1/2 so probes stay short. */
    if ((t->count + 1) * 2 > t->cap) {
        const size_t new_cap = t->cap == 0 ? 16 : t->cap * 2;
        if (new_cap > SIZE_MAX / 2 / sizeof(struct res_entry)) {
            return false;
        }
        struct res_entry *slots = calloc(new_cap, sizeof(*slots));
        if (slots == NULL) {
            return false;
        }
        for (size_t i = 0; i < t->cap; i++) {
            if (t->slots[i].handle != 0) {
                res_place(slots, new_cap, &t->slots[i]);
            }
        }
        free(t->slots);
        t->slots = slots;
        t->cap = new_cap;
    }
    res_place(t->slots, t->cap, e);
    t->count++;
    return true;
}

/* Remove `e` (a slot of t), shifting later members of its probe run back. */
static void res_remove(struct res_table *t, struct res_entry *e) {
    const size_t mask = t->cap - 1;
    size_t hole = (size_t)(e - t->slots);
    t->slots[hole].handle = 0;
    for (size_t i = (hole + 1) & mask; t->slots[i].handle != 0; i = (i + 1) & mask) {
        const size_t home = res_hash(t->slots[i].handle, mask);
        /* Move i into the hole unless its home lies cyclically in (hole, i]. */
        const bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
        if (!stays) {
            t->slots[hole] = t->slots[i];
            t->slots[i].handle = 0;
            hole = i;
        }
    }
    t->count--;
}

static void unmap_entry(struct vgl_vtest_client *cl, struct res_entry *e) {
    if (e->map != NULL) {
        munmap(e->map, e->size);
        e->map = NULL;
        cl->maps--;
        total_maps--;
    }
}

/* ---- helpers ----------------------------------------------------------------------------- */

static void update_label(struct vgl_vtest_client *cl, const char *name) {
    if (cl->pid > 0) {
        snprintf(cl->label, sizeof(cl->label), "%u (%.64s, pid %ld)", cl->id, name, (long)cl->pid);
    } else {
        snprintf(cl->label, sizeof(cl->label), "%u (%.64s)", cl->id, name);
    }
}

static enum vgl_status send_reply(struct vgl_vtest_client *cl, const void *data, size_t size,
                                  int fd) {
    const enum vgl_status st = cl->io->send(cl->io_user, data, size, fd);
    if (st != VGL_OK) {
        client_log(cl, VGL_LOG_INFO, "connection lost while replying");
    }
    return st;
}

/* A reply made of the header [len, id] and `ndw` dwords. */
static enum vgl_status send_dwords(struct vgl_vtest_client *cl, uint32_t id, const uint32_t *dw,
                                   uint32_t ndw) {
    uint8_t buf[VGL_VTEST_HDR_BYTES + 4 * 4];
    if (ndw > 4) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    vgl_put_u32(buf, ndw);
    vgl_put_u32(buf + 4, id);
    for (uint32_t i = 0; i < ndw; i++) {
        vgl_put_u32(buf + 8 + 4 * i, dw[i]);
    }
    return send_reply(cl, buf, VGL_VTEST_HDR_BYTES + 4 * (size_t)ndw, -1);
}

static bool box_fits_i32(const uint8_t *body) {
    for (int i = VGL_VTEST_XFER_X; i <= VGL_VTEST_XFER_D; i++) {
        if (vgl_get_u32(body + 4 * i) > INT32_MAX) {
            return false;
        }
    }
    return true;
}

/* ---- handlers ---------------------------------------------------------------------------- */

static enum vgl_status handle_create_renderer(struct vgl_vtest_client *cl, const uint8_t *body,
                                              size_t size) {
    /* The name is byte-counted and NUL-terminated, but do not trust the terminator. */
    size_t len = 0;
    while (len < size && len < VGL_VTEST_MAX_NAME_BYTES && body[len] != 0) {
        cl->name[len] = (body[len] >= 0x20 && body[len] < 0x7f) ? (char)body[len] : '?';
        len++;
    }
    cl->name[len] = 0;
    update_label(cl, len > 0 ? cl->name : "?");

    uint32_t ctx_id = (*cl->ctx_counter)++;
    if (ctx_id == 0) {
        ctx_id = (*cl->ctx_counter)++;
    }
    const enum vgl_status st = vgl_capture_context_create(cl->cap, ctx_id, cl->name);
    if (st != VGL_OK) {
        client_log(cl, VGL_LOG_WARN, "the renderer refused a context: %s", vgl_status_str(st));
        return st;
    }
    cl->ctx_id = ctx_id;
    client_log(cl, VGL_LOG_INFO, "connected, context %u", ctx_id);
    return VGL_OK;
}

static enum vgl_status handle_protocol_version(struct vgl_vtest_client *cl, const uint8_t *body) {
    const uint32_t client_max = vgl_get_u32(body);
    const uint32_t v =
            client_max < VGL_VTEST_PROTOCOL_VERSION ? client_max : VGL_VTEST_PROTOCOL_VERSION;
    if (v < VGL_VTEST_PROTOCOL_VERSION) {
        client_log(cl, VGL_LOG_WARN,
                   "dropped: protocol version < 2 is not supported (client offers %u)", client_max);
        return VGL_ERROR_UNSUPPORTED;
    }
    cl->version = v;
    return send_dwords(cl, VGL_VTEST_CMD_PROTOCOL_VERSION, &v, 1);
}

static enum vgl_status handle_get_caps(struct vgl_vtest_client *cl, uint32_t set, size_t size,
                                       uint32_t reply_id) {
    /* "[bytes+1, capset]" then exactly the caps bytes: Mesa reads a fixed size. */
    uint8_t buf[VGL_VTEST_HDR_BYTES + VGL_CAPS_V2_SIZE];
    memset(buf, 0, sizeof(buf));
    vgl_put_u32(buf, (uint32_t)size + 1);
    vgl_put_u32(buf + 4, reply_id);
    const enum vgl_status st = vgl_capture_fill_caps(cl->cap, set, buf + 8, size);
    if (st != VGL_OK) {
        client_log(cl, VGL_LOG_ERROR, "dropped: the renderer cannot fill capset %u: %s", set,
                   vgl_status_str(st));
        return st;
    }
    return send_reply(cl, buf, VGL_VTEST_HDR_BYTES + size, -1);
}

static enum vgl_status handle_busy_wait(struct vgl_vtest_client *cl, const uint8_t *body) {
    const uint32_t flags = vgl_get_u32(body + 4 * VGL_VTEST_BUSY_WAIT_FLAGS);
    /*
     * The renderer finishes work before answering, so "idle" (0) is always right once a
     * WAIT has been honoured; the handle is ignored, as the reference server does.
     */
    if ((flags & VGL_VTEST_BUSY_WAIT_FLAG_WAIT) != 0) {
        const enum vgl_status st = vgl_capture_wait_idle(cl->cap, cl->ctx_id);
        if (st != VGL_OK) {
            client_log(cl, VGL_LOG_DEBUG, "wait_idle: %s", vgl_status_str(st));
        }
    }
    const uint32_t busy = 0;
    return send_dwords(cl, VGL_VTEST_CMD_RESOURCE_BUSY_WAIT, &busy, 1);
}

static void read_resource_args(const uint8_t *body, struct vgl_resource_args *a) {
    memset(a, 0, sizeof(*a));
    a->handle = vgl_get_u32(body + 4 * VGL_VTEST_RES_HANDLE);
    a->target = vgl_get_u32(body + 4 * VGL_VTEST_RES_TARGET);
    a->format = vgl_get_u32(body + 4 * VGL_VTEST_RES_FORMAT);
    a->bind = vgl_get_u32(body + 4 * VGL_VTEST_RES_BIND);
    a->width = vgl_get_u32(body + 4 * VGL_VTEST_RES_WIDTH);
    a->height = vgl_get_u32(body + 4 * VGL_VTEST_RES_HEIGHT);
    a->depth = vgl_get_u32(body + 4 * VGL_VTEST_RES_DEPTH);
    a->array_size = vgl_get_u32(body + 4 * VGL_VTEST_RES_ARRAY_SIZE);
    a->last_level = vgl_get_u32(body + 4 * VGL_VTEST_RES_LAST_LEVEL);
    a->nr_samples = vgl_get_u32(body + 4 * VGL_VTEST_RES_NR_SAMPLES);
}

/* Shared memory for a resource: memfd + ftruncate + a MAP_SHARED mapping. */
static int create_shm(struct vgl_vtest_client *cl, size_t size, void **map) {
    const int fd = memfd_create("vgl-vtest-resource", MFD_CLOEXEC);
    if (fd < 0) {
        client_log(cl, VGL_LOG_ERROR, "memfd_create failed: %s", strerror(errno));
        return -1;
    }
    if (ftruncate(fd, (off_t)size) != 0) {
        client_log(cl, VGL_LOG_ERROR, "ftruncate(%zu) failed: %s", size, strerror(errno));
        close(fd);
        return -1;
    }
    *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (*map == MAP_FAILED) {
        client_log(cl, VGL_LOG_ERROR, "mmap(%zu) failed: %s", size, strerror(errno));
        *map = NULL;
        close(fd);
        return -1;
    }
    return fd;
}

static enum vgl_status handle_resource_create(struct vgl_vtest_client *cl, const uint8_t *body,
                                              bool v2) {
    struct vgl_resource_args args;
    read_resource_args(body, &args);
    const uint32_t data_size = v2 ? vgl_get_u32(body + 4 * VGL_VTEST_RES_DATA_SIZE) : 0;

    if (args.handle == 0) {
        client_log(cl, VGL_LOG_WARN, "dropped: resource handle 0");
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    if (res_find(&cl->res, args.handle) != NULL) {
        client_log(cl, VGL_LOG_WARN, "dropped: resource %u created twice", args.handle);
        return VGL_ERROR_EXISTS;
    }

    const enum vgl_status st = vgl_capture_resource_create(cl->cap, cl->ctx_id, &args);
    if (st != VGL_OK) {
        /*
         * Keep serving: the guest still needs its shared memory; later calls on the resource
         * are skipped. The renderer has logged why at warning level.
         */
        client_log(cl, VGL_LOG_INFO,
                   "resource %u (target %u, format %u, bind 0x%x, %ux%ux%u, array %u, levels %u, "
                   "samples %u) refused by the renderer: %s",
                   args.handle, args.target, args.format, args.bind, args.width, args.height,
                   args.depth, args.array_size, args.last_level + 1, args.nr_samples,
                   vgl_status_str(st));
    }

    struct res_entry entry = {.handle = args.handle, .in_renderer = st == VGL_OK};
    int fd = -1;
    if (data_size > 0 && (cl->maps >= MAX_CLIENT_MAPS || total_maps >= MAX_TOTAL_MAPS)) {
        client_log(cl, VGL_LOG_WARN,
                   "dropped: %zu resources with shared memory (limit %u per client), %zu in the "
                   "server (limit %u)",
                   cl->maps, MAX_CLIENT_MAPS, total_maps, MAX_TOTAL_MAPS);
        if (entry.in_renderer) {
            vgl_capture_resource_unref(cl->cap, cl->ctx_id, args.handle);
        }
        return VGL_ERROR_NO_MEMORY;
    }
    if (data_size > 0) {
        fd = create_shm(cl, data_size, &entry.map);
        if (fd < 0) {
            if (entry.in_renderer) {
                vgl_capture_resource_unref(cl->cap, cl->ctx_id, args.handle);
            }
            return VGL_ERROR_NO_MEMORY;
        }
        entry.size = data_size;
        cl->maps++;
        total_maps++;
    }
    if (!res_insert(&cl->res, &entry)) {
        client_log(cl, VGL_LOG_ERROR, "dropped: out of memory for the resource table");
        unmap_entry(cl, &entry);
        if (fd >= 0) {
            close(fd);
        }
        return VGL_ERROR_NO_MEMORY;
    }
    if (entry.map != NULL && entry.in_renderer) {
        const struct iovec iov = {.iov_base = entry.map, .iov_len = entry.size};
        const enum vgl_status ast =
                vgl_capture_resource_attach_backing(cl->cap, cl->ctx_id, args.handle, &iov, 1);
        if (ast != VGL_OK) {
            client_log(cl, VGL_LOG_WARN, "attaching %zu bytes to resource %u failed: %s",
                       entry.size, args.handle, vgl_status_str(ast));
        }
    }
    if (fd < 0) {
        return VGL_OK; /* data_size 0 (multisampled) or v0: no reply */
    }
    /* "one sendmsg carrying 1 data byte (any value; the reference sends 0) plus SCM_RIGHTS" */
    const uint8_t byte = 0;
    const enum vgl_status sst = send_reply(cl, &byte, 1, fd);
    close(fd);
    return sst;
}

static enum vgl_status handle_resource_unref(struct vgl_vtest_client *cl, const uint8_t *body) {
    const uint32_t handle = vgl_get_u32(body);
    struct res_entry *e = res_find(&cl->res, handle);
    if (e == NULL) {
        client_log(cl, VGL_LOG_WARN, "RESOURCE_UNREF of unknown resource %u ignored", handle);
        return VGL_OK;
    }
    if (e->in_renderer) {
        const enum vgl_status st = vgl_capture_resource_unref(cl->cap, cl->ctx_id, handle);
        if (st != VGL_OK) {
            client_log(cl, VGL_LOG_WARN, "unref of resource %u: %s", handle, vgl_status_str(st));
        }
    }
    /* The renderer has let go of the backing: now it can be unmapped. */
    unmap_entry(cl, e);
    res_remove(&cl->res, e);
    return VGL_OK;
}

static enum vgl_status handle_transfer2(struct vgl_vtest_client *cl, const uint8_t *body,
                                        bool put) {
    const uint32_t handle = vgl_get_u32(body + 4 * VGL_VTEST_XFER_HANDLE);
    const char *what = put ? "TRANSFER_PUT2" : "TRANSFER_GET2";
    const struct res_entry *e = res_find(&cl->res, handle);
    if (e == NULL) {
        client_log(cl, VGL_LOG_WARN, "%s on unknown resource %u ignored", what, handle);
        return VGL_OK;
    }
    if (!e->in_renderer) {
        client_log(cl, VGL_LOG_DEBUG, "%s on resource %u skipped: the renderer refused it", what,
                   handle);
        return VGL_OK;
    }
    if (!box_fits_i32(body)) {
        client_log(cl, VGL_LOG_WARN, "%s on resource %u ignored: box out of range", what, handle);
        return VGL_OK;
    }
    /* Strides 0: vtest transfers use the packed layout of the level (protocol-facts §1.6). */
    const struct vgl_transfer t = {
            .handle = handle,
            .level = vgl_get_u32(body + 4 * VGL_VTEST_XFER_LEVEL),
            .box =
                    {
                            .x = (int32_t)vgl_get_u32(body + 4 * VGL_VTEST_XFER_X),
                            .y = (int32_t)vgl_get_u32(body + 4 * VGL_VTEST_XFER_Y),
                            .z = (int32_t)vgl_get_u32(body + 4 * VGL_VTEST_XFER_Z),
                            .w = (int32_t)vgl_get_u32(body + 4 * VGL_VTEST_XFER_W),
                            .h = (int32_t)vgl_get_u32(body + 4 * VGL_VTEST_XFER_H),
                            .d = (int32_t)vgl_get_u32(body + 4 * VGL_VTEST_XFER_D),
                    },
            .offset = vgl_get_u32(body + 4 * VGL_VTEST_XFER_OFFSET),
    };
    const enum vgl_status st = put ? vgl_capture_transfer_write(cl->cap, cl->ctx_id, &t)
                                   : vgl_capture_transfer_read(cl->cap, cl->ctx_id, &t);
    if (st != VGL_OK) {
        /* The renderer logs its reason; this names the client, up to a limit. */
        const enum vgl_log_level level =
                cl->failures_logged < MAX_LOGGED_FAILURES ? VGL_LOG_INFO : VGL_LOG_DEBUG;
        cl->failures_logged++;
        client_log(cl, level,
                   "%s on resource %u (level %u, box %d,%d,%d %dx%dx%d, offset %u) failed: %s%s",
                   what, handle, t.level, t.box.x, t.box.y, t.box.z, t.box.w, t.box.h, t.box.d,
                   (uint32_t)t.offset, vgl_status_str(st),
                   cl->failures_logged == MAX_LOGGED_FAILURES
                           ? " (further failures are logged at debug level)"
                           : "");
    }
    return VGL_OK;
}

static enum vgl_status handle_submit(struct vgl_vtest_client *cl, const uint8_t *body,
                                     uint32_t ndw) {
    if (ndw == 0) {
        return VGL_OK;
    }
    /* The caller keeps message bodies 4-byte aligned. */
    const uint32_t *cmds = (const uint32_t *)(const void *)body;
    const enum vgl_status st = vgl_capture_submit(cl->cap, cl->ctx_id, cmds, ndw);
    if (st == VGL_OK || cl->context_error_logged) {
        return VGL_OK;
    }
    /* The context refuses further work by itself; say where it broke, once, and go on. */
    cl->context_error_logged = true;
    struct vgl_context_error err;
    if (vgl_capture_context_get_error(cl->cap, cl->ctx_id, &err)) {
        client_log(cl, VGL_LOG_WARN,
                   "context %u broke at submit %u, command %u (dword %u, opcode %u): %s: %s",
                   cl->ctx_id, err.submit_index, err.cmd_index, err.dword_offset, err.opcode,
                   vgl_status_str(err.status), err.message);
    } else {
        client_log(cl, VGL_LOG_WARN, "submit of %u dwords failed: %s", ndw, vgl_status_str(st));
    }
    return VGL_OK;
}

/* ---- framing ----------------------------------------------------------------------------- */

static enum vgl_status bad_length(struct vgl_vtest_client *cl, uint32_t id, uint32_t len) {
    client_log(cl, VGL_LOG_WARN, "dropped: bad length %u for %s", len, cmd_name(id));
    return VGL_ERROR_MALFORMED;
}

/*
 * Check a header and give the number of body bytes that follow it. All framing and length
 * checks live here; the handlers may rely on the body size.
 */
static enum vgl_status body_size(struct vgl_vtest_client *cl, uint32_t len, uint32_t id,
                                 size_t *size) {
    if (cl->ctx_id == 0 && id != VGL_VTEST_CMD_CREATE_RENDERER) {
        client_log(cl, VGL_LOG_WARN, "dropped: CREATE_RENDERER must come first, got %s (id %u)",
                   cmd_name(id), id);
        return VGL_ERROR_MALFORMED;
    }
    uint32_t fixed;
    switch (id) {
    case VGL_VTEST_CMD_CREATE_RENDERER:
        if (cl->ctx_id != 0) {
            client_log(cl, VGL_LOG_WARN, "dropped: second CREATE_RENDERER");
            return VGL_ERROR_MALFORMED;
        }
        if (len == 0 || len > VGL_VTEST_MAX_NAME_BYTES) {
            return bad_length(cl, id, len);
        }
        *size = len; /* bytes, not dwords */
        return VGL_OK;
    case VGL_VTEST_CMD_SUBMIT_CMD:
        if (len > VGL_VTEST_MAX_SUBMIT_DWORDS) {
            return bad_length(cl, id, len);
        }
        *size = (size_t)len * 4;
        return VGL_OK;
    case VGL_VTEST_CMD_TRANSFER_PUT2:
        /* len counts the data too, but only the 10 header dwords are sent (§1.2). */
        if (cl->version < 2) {
            goto needs_v2;
        }
        if (len < VGL_VTEST_TRANSFER2_DWORDS) {
            return bad_length(cl, id, len);
        }
        *size = VGL_VTEST_TRANSFER2_DWORDS * 4;
        return VGL_OK;
    case VGL_VTEST_CMD_GET_CAPS:
    case VGL_VTEST_CMD_GET_CAPS2:
    case VGL_VTEST_CMD_PING_PROTOCOL_VERSION:
        fixed = 0;
        break;
    case VGL_VTEST_CMD_RESOURCE_CREATE:
        fixed = VGL_VTEST_RESOURCE_CREATE_DWORDS;
        break;
    case VGL_VTEST_CMD_RESOURCE_UNREF:
        fixed = VGL_VTEST_RESOURCE_UNREF_DWORDS;
        break;
    case VGL_VTEST_CMD_RESOURCE_BUSY_WAIT:
        fixed = VGL_VTEST_BUSY_WAIT_DWORDS;
        break;
    case VGL_VTEST_CMD_PROTOCOL_VERSION:
        fixed = VGL_VTEST_PROTOCOL_VERSION_DWORDS;
        break;
    case VGL_VTEST_CMD_RESOURCE_CREATE2:
        if (cl->version < 2) {
            goto needs_v2;
        }
        fixed = VGL_VTEST_RESOURCE_CREATE2_DWORDS;
        break;
    case VGL_VTEST_CMD_TRANSFER_GET2:
        if (cl->version < 2) {
            goto needs_v2;
        }
        fixed = VGL_VTEST_TRANSFER2_DWORDS;
        break;
    case VGL_VTEST_CMD_TRANSFER_GET:
    case VGL_VTEST_CMD_TRANSFER_PUT:
        client_log(cl, VGL_LOG_WARN,
                   "dropped: %s is a version 0 transfer; protocol version < 2 is not supported",
                   cmd_name(id));
        return VGL_ERROR_UNSUPPORTED;
    default:
        if (id >= VGL_VTEST_CMD_GET_PARAM && id <= VGL_VTEST_CMD_SUBMIT_CMD2) {
            client_log(cl, VGL_LOG_WARN, "dropped: %s needs protocol version 3, not supported",
                       cmd_name(id));
            return VGL_ERROR_UNSUPPORTED;
        }
        client_log(cl, VGL_LOG_WARN, "dropped: unknown command id %u (len %u)", id, len);
        return VGL_ERROR_MALFORMED;
    }
    if (len != fixed) {
        return bad_length(cl, id, len);
    }
    *size = (size_t)fixed * 4;
    return VGL_OK;

needs_v2:
    client_log(cl, VGL_LOG_WARN, "dropped: %s before protocol version 2 was agreed", cmd_name(id));
    return VGL_ERROR_MALFORMED;
}

static enum vgl_status dispatch(struct vgl_vtest_client *cl, uint32_t len, uint32_t id,
                                const uint8_t *body, size_t size) {
    client_log(cl, VGL_LOG_DEBUG, "%s len %u", cmd_name(id), len);
    switch (id) {
    case VGL_VTEST_CMD_CREATE_RENDERER:
        return handle_create_renderer(cl, body, size);
    case VGL_VTEST_CMD_PING_PROTOCOL_VERSION:
        return send_dwords(cl, VGL_VTEST_CMD_PING_PROTOCOL_VERSION, NULL, 0);
    case VGL_VTEST_CMD_PROTOCOL_VERSION:
        return handle_protocol_version(cl, body);
    case VGL_VTEST_CMD_RESOURCE_BUSY_WAIT:
        return handle_busy_wait(cl, body);
    case VGL_VTEST_CMD_GET_CAPS2:
        return handle_get_caps(cl, VGL_CAPSET_VIRGL2, VGL_CAPS_V2_SIZE, VGL_VTEST_CAPS_REPLY_V2);
    case VGL_VTEST_CMD_GET_CAPS:
        return handle_get_caps(cl, VGL_CAPSET_VIRGL, VGL_CAPS_V1_SIZE, VGL_VTEST_CAPS_REPLY_V1);
    case VGL_VTEST_CMD_RESOURCE_CREATE:
        return handle_resource_create(cl, body, false);
    case VGL_VTEST_CMD_RESOURCE_CREATE2:
        return handle_resource_create(cl, body, true);
    case VGL_VTEST_CMD_RESOURCE_UNREF:
        return handle_resource_unref(cl, body);
    case VGL_VTEST_CMD_TRANSFER_GET2:
        return handle_transfer2(cl, body, false);
    case VGL_VTEST_CMD_TRANSFER_PUT2:
        return handle_transfer2(cl, body, true);
    case VGL_VTEST_CMD_SUBMIT_CMD:
        return handle_submit(cl, body, len);
    default:
        /* body_size() let through only the ids above. */
        return VGL_ERROR_GENERIC;
    }
}

/* ---- seeds ------------------------------------------------------------------------------- */

/*
 * VGL_SEED_DIR (a debugging aid for fuzzing): every byte the client sends is appended to
 * $VGL_SEED_DIR/vtest/<pid>-<connection>, a seed for tests/fuzz/fuzz-vtest.
 */
static void seed_open(struct vgl_vtest_client *cl) {
    cl->seed_fd = -1;
    const char *const dir = getenv("VGL_SEED_DIR");
    if (dir == NULL || dir[0] == 0) {
        return;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/vtest", dir);
    (void)mkdir(dir, 0755); /* the directory itself may not exist yet */
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        client_log(cl, VGL_LOG_WARN, "VGL_SEED_DIR: cannot create %s: %s", path, strerror(errno));
        return;
    }
    snprintf(path, sizeof(path), "%s/vtest/%ld-%u", dir, (long)getpid(), cl->id);
    cl->seed_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (cl->seed_fd < 0) {
        client_log(cl, VGL_LOG_WARN, "VGL_SEED_DIR: cannot create %s: %s", path, strerror(errno));
    }
}

static void seed_append(struct vgl_vtest_client *cl, const uint8_t *p, size_t n) {
    if (cl->seed_fd >= 0 && n > 0 && write(cl->seed_fd, p, n) != (ssize_t)n) {
        client_log(cl, VGL_LOG_WARN, "VGL_SEED_DIR: short write; seed stream closed");
        close(cl->seed_fd);
        cl->seed_fd = -1;
    }
}

/* ---- public ------------------------------------------------------------------------------ */

enum vgl_status vgl_vtest_client_create(struct vgl_capture *cap, uint32_t id, uint32_t *ctx_counter,
                                        const struct vgl_vtest_io *io, void *io_user,
                                        struct vgl_vtest_client **out) {
    *out = NULL;
    struct vgl_vtest_client *cl = calloc(1, sizeof(*cl));
    if (cl == NULL) {
        return VGL_ERROR_NO_MEMORY;
    }
    cl->cap = cap;
    cl->id = id;
    cl->ctx_counter = ctx_counter;
    cl->io = io;
    cl->io_user = io_user;
    update_label(cl, "?");
    seed_open(cl);
    *out = cl;
    return VGL_OK;
}

void vgl_vtest_client_destroy(struct vgl_vtest_client *cl) {
    if (cl == NULL) {
        return;
    }
    /* The context owns the resources, which borrow the mappings: destroy it first. */
    if (cl->ctx_id != 0) {
        vgl_capture_context_destroy(cl->cap, cl->ctx_id);
    }
    for (size_t i = 0; i < cl->res.cap; i++) {
        if (cl->res.slots[i].handle != 0) {
            unmap_entry(cl, &cl->res.slots[i]);
        }
    }
    free(cl->res.slots);
    free(cl->in);
    if (cl->seed_fd >= 0) {
        close(cl->seed_fd);
    }
    free(cl);
}

void vgl_vtest_client_set_peer(struct vgl_vtest_client *cl, pid_t pid, const char *comm) {
    cl->pid = pid;
    if (cl->ctx_id == 0) {
        update_label(cl, comm != NULL && comm[0] != 0 ? comm : "?");
    } else {
        update_label(cl, cl->name);
    }
}

const char *vgl_vtest_client_label(const struct vgl_vtest_client *cl) {
    return cl->label;
}

bool vgl_vtest_client_has_partial(const struct vgl_vtest_client *cl) {
    return cl->in_end > cl->in_start;
}

uint8_t *vgl_vtest_client_input_space(struct vgl_vtest_client *cl, size_t *avail) {
    const size_t pending = cl->in_end - cl->in_start;
    if (pending == 0) {
        cl->in_start = cl->in_end = 0;
    }
    /* Room for the rest of the message being assembled, plus a read's worth. */
    size_t need = VGL_VTEST_HDR_BYTES;
    if (pending >= VGL_VTEST_HDR_BYTES) {
        const uint32_t len = vgl_get_u32(cl->in + cl->in_start);
        const uint32_t id = vgl_get_u32(cl->in + cl->in_start + 4);
        size_t body = 0;
        /* Bad headers are reported by input_commit; bodies are bounded by MAX_MESSAGE here. */
        if (id == VGL_VTEST_CMD_SUBMIT_CMD && len <= VGL_VTEST_MAX_SUBMIT_DWORDS) {
            body = (size_t)len * 4;
        } else if (id == VGL_VTEST_CMD_CREATE_RENDERER && len <= VGL_VTEST_MAX_NAME_BYTES) {
            body = len;
        }
        need = VGL_VTEST_HDR_BYTES + body;
    }
    size_t want = READ_CHUNK;
    if (need > pending && need - pending > want) {
        want = need - pending;
    }
    if (cl->in_cap - cl->in_end < want) {
        if (cl->in_start > 0) {
            memmove(cl->in, cl->in + cl->in_start, pending);
            cl->in_start = 0;
            cl->in_end = pending;
        }
        if (cl->in_cap - cl->in_end < want) {
            const size_t new_cap = cl->in_end + want; /* <= MAX_MESSAGE + READ_CHUNK */
            uint8_t *in = realloc(cl->in, new_cap);
            if (in == NULL) {
                client_log(cl, VGL_LOG_ERROR, "out of memory for a %zu-byte input buffer", new_cap);
                *avail = 0;
                return NULL;
            }
            cl->in = in;
            cl->in_cap = new_cap;
        }
    }
    *avail = cl->in_cap - cl->in_end;
    return cl->in + cl->in_end;
}

enum vgl_status vgl_vtest_client_input_commit(struct vgl_vtest_client *cl, size_t n) {
    if (n > cl->in_cap - cl->in_end) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    seed_append(cl, cl->in + cl->in_end, n);
    cl->in_end += n;
    while (cl->in_end - cl->in_start >= VGL_VTEST_HDR_BYTES) {
        const size_t pending = cl->in_end - cl->in_start;
        const uint32_t len = vgl_get_u32(cl->in + cl->in_start);
        const uint32_t id = vgl_get_u32(cl->in + cl->in_start + 4);
        size_t size = 0;
        enum vgl_status st = body_size(cl, len, id, &size);
        if (st != VGL_OK) {
            return st;
        }
        if (pending - VGL_VTEST_HDR_BYTES < size) {
            break; /* wait for the rest of the body */
        }
        /* CREATE_RENDERER's unpadded name can leave later messages unaligned: realign. */
        if ((cl->in_start & 3) != 0) {
            memmove(cl->in, cl->in + cl->in_start, pending);
            cl->in_start = 0;
            cl->in_end = pending;
        }
        const uint8_t *body = cl->in + cl->in_start + VGL_VTEST_HDR_BYTES;
        cl->in_start += VGL_VTEST_HDR_BYTES + size;
        st = dispatch(cl, len, id, body, size);
        if (st != VGL_OK) {
            return st;
        }
    }
    if (cl->in_start == cl->in_end) {
        cl->in_start = cl->in_end = 0;
    }
    return VGL_OK;
}

enum vgl_status vgl_vtest_client_feed(struct vgl_vtest_client *cl, const void *data, size_t size) {
    const uint8_t *p = data;
    while (size > 0) {
        size_t avail = 0;
        uint8_t *dst = vgl_vtest_client_input_space(cl, &avail);
        if (dst == NULL) {
            return VGL_ERROR_NO_MEMORY;
        }
        const size_t n = size < avail ? size : avail;
        memcpy(dst, p, n);
        const enum vgl_status st = vgl_vtest_client_input_commit(cl, n);
        if (st != VGL_OK) {
            return st;
        }
        p += n;
        size -= n;
    }
    return VGL_OK;
}
