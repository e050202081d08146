/* SPDX-License-Identifier: MIT */
/*
 * The vtest server's socket side: the listening socket, non-blocking reads, blocking replies with
 * fd passing, and the single-threaded poll() loop over every client. Protocol logic lives in
 * vtest_client.c.
 */
#include "vtest_server.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vtest_protocol.h"

#define DEFAULT_MAX_CLIENTS 64u
#define LISTEN_BACKLOG      16
/* A client that does not read its replies for this long is dropped. */
#define SEND_TIMEOUT_MS 10000
/* At shutdown, reads per client while draining what it has already sent. */
#define MAX_DRAIN_READS 4096

struct conn {
    struct vgl_vtest_server *server;
    struct vgl_vtest_client *client;
    int fd;
    bool closed;
};

struct vgl_vtest_server {
    struct vgl_capture *cap;
    int listen_fd;
    char *path;
    dev_t dev; /* of the socket we bound, so we only unlink our own */
    ino_t ino;

    struct conn **conns;
    unsigned nconns;
    unsigned max_clients;
    struct pollfd *pfds;

    uint32_t next_client_id;
    uint32_t next_ctx_id;
    bool dirty; /* something was handled since the last flush */
};

/* ---- replies ----------------------------------------------------------------------------- */

static bool wait_writable(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    for (;;) {
        const int n = poll(&p, 1, SEND_TIMEOUT_MS);
        if (n > 0) {
            return true;
        }
        if (n == 0 || errno != EINTR) {
            return false;
        }
    }
}

static ssize_t send_with_fd(int sock, const uint8_t *data, size_t size, int fd) {
    union {
        struct cmsghdr hdr;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof(control));
    struct iovec iov = {.iov_base = (void *)data, .iov_len = size};
    struct msghdr msg = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = control.buf,
            .msg_controllen = sizeof(control.buf),
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

/*
 * Replies are small and Mesa reads each one right after its request, so a blocking write loop
 * is enough; a peer that stops reading is given SEND_TIMEOUT_MS.
 */
static enum vgl_status conn_send(void *user, const void *data, size_t size, int fd) {
    const struct conn *c = user;
    const uint8_t *p = data;
    while (size > 0) {
        const ssize_t n =
                fd >= 0 ? send_with_fd(c->fd, p, size, fd) : send(c->fd, p, size, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_writable(c->fd)) {
                continue;
            }
            return VGL_ERROR_IO;
        }
        fd = -1; /* the descriptor travelled with the first bytes */
        p += n;
        size -= (size_t)n;
    }
    return VGL_OK;
}

static const struct vgl_vtest_io conn_io = {.send = conn_send};

/* ---- connections ------------------------------------------------------------------------- */

static void close_conn(struct conn *c) {
    if (c->closed) {
        return;
    }
    vgl_vtest_client_destroy(c->client);
    c->client = NULL;
    close(c->fd);
    c->fd = -1;
    c->closed = true;
    c->server->dirty = true;
}

/*
 * Read once and handle every complete message. Returns false when the connection is finished
 * (closed here); *again says whether more data may be waiting.
 */
static bool service_conn(struct conn *c, bool *again) {
    *again = false;
    size_t avail = 0;
    uint8_t *dst = vgl_vtest_client_input_space(c->client, &avail);
    if (dst == NULL) {
        close_conn(c);
        return false;
    }
    const ssize_t n = recv(c->fd, dst, avail, MSG_DONTWAIT);
    const char *label = vgl_vtest_client_label(c->client);
    if (n > 0) {
        c->server->dirty = true;
        if (vgl_vtest_client_input_commit(c->client, (size_t)n) != VGL_OK) {
            close_conn(c); /* the client logged why */
            return false;
        }
        *again = true;
        return true;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        *again = errno == EINTR;
        return true;
    }
    if (n == 0 || errno == ECONNRESET) {
        if (vgl_vtest_client_has_partial(c->client)) {
            vgl_log(VGL_LOG_INFO, "client %s: disconnected in the middle of a message", label);
        } else {
            vgl_log(VGL_LOG_INFO, "client %s: disconnected", label);
        }
    } else {
        vgl_log(VGL_LOG_WARN, "client %s: read failed: %s", label, strerror(errno));
    }
    close_conn(c);
    return false;
}

static void read_comm(pid_t pid, char *out, size_t size) {
    out[0] = 0;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        return;
    }
    if (fgets(out, (int)size, f) != NULL) {
        out[strcspn(out, "\n")] = 0;
    }
    fclose(f);
}

static void accept_one(struct vgl_vtest_server *s, int fd) {
    pid_t pid = 0;
    char comm[32] = "";
    struct ucred cred;
    socklen_t cred_len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0) {
        pid = cred.pid;
        read_comm(pid, comm, sizeof(comm));
    }
    if (s->nconns >= s->max_clients) {
        vgl_log(VGL_LOG_WARN, "refusing a connection from pid %ld (%s): already %u clients",
                (long)pid, comm, s->nconns);
        close(fd);
        return;
    }
    struct conn *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        vgl_log(VGL_LOG_ERROR, "out of memory accepting a client");
        close(fd);
        return;
    }
    c->server = s;
    c->fd = fd;
    if (vgl_vtest_client_create(s->cap, ++s->next_client_id, &s->next_ctx_id, &conn_io, c,
                                &c->client) != VGL_OK) {
        vgl_log(VGL_LOG_ERROR, "out of memory accepting a client");
        close(fd);
        free(c);
        return;
    }
    vgl_vtest_client_set_peer(c->client, pid, comm);
    vgl_log(VGL_LOG_INFO, "client %s: accepted", vgl_vtest_client_label(c->client));
    s->conns[s->nconns++] = c;
}

static void accept_all(struct vgl_vtest_server *s) {
    for (;;) {
        const int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                vgl_log(VGL_LOG_WARN, "accept failed: %s", strerror(errno));
            }
            return;
        }
        accept_one(s, fd);
    }
}

/*
 * When the last client has gone the renderer must hold nothing: say what it holds, so that a
 * leak across connections (a killed client's context, say) shows in the log and tests can check.
 * Also hand the heap's free memory back: after many clients came and went, glibc keeps freed
 * blocks of the GL driver's (per-thread arenas) and an idle server would stay at its peak size.
 */
static void at_last_client_gone(struct vgl_vtest_server *s) {
    malloc_trim(0);
    struct vgl_renderer_usage u;
    vgl_renderer_get_usage(vgl_capture_get_renderer(s->cap), &u);
    vgl_log(VGL_LOG_INFO,
            "no clients left; renderer usage: contexts %u, sub-contexts %u, resources %u "
            "(%llu bytes), objects %u, programs %u, fences %u",
            u.contexts, u.sub_contexts, u.resources, (unsigned long long)u.resource_bytes,
            u.objects, u.programs, u.fences);
}

/* Forget closed connections, keeping the order of the others. */
static void reap_conns(struct vgl_vtest_server *s) {
    const bool had_clients = s->nconns > 0;
    unsigned kept = 0;
    for (unsigned i = 0; i < s->nconns; i++) {
        if (s->conns[i]->closed) {
            free(s->conns[i]);
        } else {
            s->conns[kept++] = s->conns[i];
        }
    }
    s->nconns = kept;
    if (had_clients && kept == 0) {
        at_last_client_gone(s);
    }
}

/* Handle everything the clients have already sent; used at shutdown. */
static void drain(struct vgl_vtest_server *s) {
    for (unsigned i = 0; i < s->nconns; i++) {
        bool again = true;
        for (int reads = 0; again && reads < MAX_DRAIN_READS; reads++) {
            if (!service_conn(s->conns[i], &again)) {
                break;
            }
        }
    }
    reap_conns(s);
}

/* ---- listening socket -------------------------------------------------------------------- */

static bool fill_addr(struct sockaddr_un *addr, const char *path) {
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr->sun_path)) {
        return false;
    }
    memcpy(addr->sun_path, path, strlen(path) + 1);
    return true;
}

/*
 * Bind to a temporary name, listen, then rename onto the real path: the path appears only once
 * connections are accepted (a client watching for it never gets ECONNREFUSED), and a stale
 * socket left by a killed server is replaced atomically.
 */
static enum vgl_status open_listener(struct vgl_vtest_server *s) {
    struct sockaddr_un addr;
    char tmp[sizeof(addr.sun_path) + 32];
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", s->path, (long)getpid());
    const bool use_tmp = strlen(tmp) < sizeof(addr.sun_path);
    const char *bind_path = use_tmp ? tmp : s->path;
    if (!fill_addr(&addr, bind_path)) {
        vgl_log(VGL_LOG_ERROR, "socket path '%s' is too long (at most %zu bytes)", s->path,
                sizeof(addr.sun_path) - 1);
        return VGL_ERROR_INVALID_ARGUMENT;
    }

    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0) {
        vgl_log(VGL_LOG_ERROR, "socket: %s", strerror(errno));
        return VGL_ERROR_IO;
    }
    unlink(bind_path); /* a stale socket */
    if (bind(s->listen_fd, (const struct sockaddr *)&addr, sizeof(addr)) != 0) {
        vgl_log(VGL_LOG_ERROR, "cannot bind '%s': %s", bind_path, strerror(errno));
        return VGL_ERROR_IO;
    }
    if (listen(s->listen_fd, LISTEN_BACKLOG) != 0 || (use_tmp && rename(tmp, s->path) != 0)) {
        vgl_log(VGL_LOG_ERROR, "cannot listen on '%s': %s", s->path, strerror(errno));
        unlink(bind_path);
        return VGL_ERROR_IO;
    }
    struct stat st;
    if (stat(s->path, &st) == 0) {
        s->dev = st.st_dev;
        s->ino = st.st_ino;
    }
    vgl_log(VGL_LOG_INFO, "listening on %s", s->path);
    return VGL_OK;
}

/* ---- public ------------------------------------------------------------------------------ */

enum vgl_status vgl_vtest_server_create(struct vgl_capture *cap,
                                        const struct vgl_vtest_server_options *opts,
                                        struct vgl_vtest_server **out) {
    *out = NULL;
    struct vgl_vtest_server *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return VGL_ERROR_NO_MEMORY;
    }
    s->cap = cap;
    s->listen_fd = -1;
    s->next_ctx_id = 1;
    s->max_clients =
            opts != NULL && opts->max_clients > 0 ? opts->max_clients : DEFAULT_MAX_CLIENTS;
    const char *path = opts != NULL && opts->socket_path != NULL ? opts->socket_path
                                                                 : VGL_VTEST_DEFAULT_SOCKET;
    s->path = strdup(path);
    s->conns = calloc(s->max_clients, sizeof(*s->conns));
    s->pfds = calloc((size_t)s->max_clients + 2, sizeof(*s->pfds));
    if (s->path == NULL || s->conns == NULL || s->pfds == NULL) {
        vgl_vtest_server_destroy(s);
        return VGL_ERROR_NO_MEMORY;
    }
    const enum vgl_status st = open_listener(s);
    if (st != VGL_OK) {
        vgl_vtest_server_destroy(s);
        return st;
    }
    *out = s;
    return VGL_OK;
}

enum vgl_status vgl_vtest_server_run(struct vgl_vtest_server *s, int stop_fd) {
    for (;;) {
        reap_conns(s);
        /* About to sleep with nothing pending: what was recorded so far goes to the writer's
         * thread, which writes it while this one serves (frames are flushed as they end). */
        if (s->dirty) {
            vgl_capture_seal(s->cap);
            s->dirty = false;
        }

        s->pfds[0] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
        s->pfds[1] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
        for (unsigned i = 0; i < s->nconns; i++) {
            s->pfds[2 + i] = (struct pollfd){.fd = s->conns[i]->fd, .events = POLLIN};
        }
        const unsigned nconns = s->nconns;
        if (poll(s->pfds, 2 + (nfds_t)nconns, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            vgl_log(VGL_LOG_ERROR, "poll failed: %s", strerror(errno));
            return VGL_ERROR_IO;
        }
        if (s->pfds[0].revents != 0) {
            vgl_log(VGL_LOG_INFO, "stopping: handling what %u client(s) already sent", s->nconns);
            drain(s);
            return VGL_OK;
        }
        /* One read per ready client per round, so a busy client cannot starve the others. */
        for (unsigned i = 0; i < nconns; i++) {
            if (s->pfds[2 + i].revents != 0) {
                bool again;
                service_conn(s->conns[i], &again);
            }
        }
        if (s->pfds[1].revents != 0) {
            reap_conns(s);
            accept_all(s);
        }
    }
}

void vgl_vtest_server_destroy(struct vgl_vtest_server *s) {
    if (s == NULL) {
        return;
    }
    for (unsigned i = 0; i < s->nconns; i++) {
        if (!s->conns[i]->closed) {
            vgl_log(VGL_LOG_INFO, "client %s: closed at shutdown",
                    vgl_vtest_client_label(s->conns[i]->client));
        }
        close_conn(s->conns[i]);
        free(s->conns[i]);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        /* Unlink only our own socket: another server may have taken the path since. */
        struct stat st;
        if (s->path != NULL && s->ino != 0 && stat(s->path, &st) == 0 && st.st_dev == s->dev &&
            st.st_ino == s->ino) {
            unlink(s->path);
        }
    }
    free(s->pfds);
    free(s->conns);
    free(s->path);
    free(s);
}
