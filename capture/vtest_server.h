/* SPDX-License-Identifier: MIT */
/*
 * The vtest server: a single-threaded poll() loop over a listening UNIX socket (vtest_server.c)
 * and one protocol state machine per connection (vtest_client.c) that speaks vtest version 2 to
 * Mesa's virgl driver and forwards every request to the capture layer.
 */
#ifndef VGL_VTEST_SERVER_H
#define VGL_VTEST_SERVER_H

#include <sys/types.h>

#include <vgl/common.h>

#include "capture.h"

/*
 * How a client's replies leave. send must deliver all `size` bytes (blocking if it has to) and,
 * when fd >= 0, pass fd with the first byte (SCM_RIGHTS). It returns VGL_OK or VGL_ERROR_IO.
 * The socket implementation lives in vtest_server.c; tests may capture replies in memory.
 */
struct vgl_vtest_io {
    enum vgl_status (*send)(void *user, const void *data, size_t size, int fd);
};

/*
 * One connection's protocol state: an input buffer assembling whole messages, the handshake
 * state, the renderer context and the table of resources with their shared memory.
 */
struct vgl_vtest_client;

/*
 * Create the state for connection number `id` (used in logs). Its renderer context id is taken
 * from *ctx_counter (then incremented, skipping 0) when CREATE_RENDERER arrives; the counter is
 * shared by every client of a server. `cap`, `ctx_counter` and `io` are borrowed.
 */
enum vgl_status vgl_vtest_client_create(struct vgl_capture *cap, uint32_t id, uint32_t *ctx_counter,
                                        const struct vgl_vtest_io *io, void *io_user,
                                        struct vgl_vtest_client **out);

/* Destroy the context (and so its resources), then unmap every shared memory. NULL: no-op. */
void vgl_vtest_client_destroy(struct vgl_vtest_client *cl);

/* Name the peer in logs: its pid and, until CREATE_RENDERER names it, its process name. */
void vgl_vtest_client_set_peer(struct vgl_vtest_client *cl, pid_t pid, const char *comm);

/* "3 (eglinfo, pid 1234)": how logs name this client. */
const char *vgl_vtest_client_label(const struct vgl_vtest_client *cl);

/*
 * Input, in two steps so that the caller can read straight into the buffer: input_space returns
 * where to put the next bytes and how many fit (NULL when out of memory); input_commit accounts
 * for `n` bytes written there and handles every complete message, in order. A return other
 * than VGL_OK means the connection must be closed; the reason has been logged.
 */
uint8_t *vgl_vtest_client_input_space(struct vgl_vtest_client *cl, size_t *avail);
enum vgl_status vgl_vtest_client_input_commit(struct vgl_vtest_client *cl, size_t n);

/* Copy `size` bytes in and handle them (input_space + input_commit in a loop). */
enum vgl_status vgl_vtest_client_feed(struct vgl_vtest_client *cl, const void *data, size_t size);

/* True when part of a message has arrived but not all of it. */
bool vgl_vtest_client_has_partial(const struct vgl_vtest_client *cl);

struct vgl_vtest_server;

struct vgl_vtest_server_options {
    const char *socket_path; /* NULL: /tmp/.virgl_test */
    unsigned max_clients;    /* 0: 64 */
};

/*
 * Listen on the socket path (a stale socket there is replaced). The path appears only once the
 * socket listens, so a client that sees it can connect. `cap` is borrowed.
 */
enum vgl_status vgl_vtest_server_create(struct vgl_capture *cap,
                                        const struct vgl_vtest_server_options *opts,
                                        struct vgl_vtest_server **out);

/*
 * Serve clients until `stop_fd` becomes readable (it is not read). Then everything the clients
 * have already sent is handled before returning VGL_OK. The capture is flushed whenever the
 * loop is about to sleep.
 */
enum vgl_status vgl_vtest_server_run(struct vgl_vtest_server *s, int stop_fd);

/* Close every client (destroying their contexts), close and unlink the socket. NULL: no-op. */
void vgl_vtest_server_destroy(struct vgl_vtest_server *s);

#endif
