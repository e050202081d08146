/* SPDX-License-Identifier: MIT */
/*
 * main() of virgl-vtest-server: options, renderer and capture set-up, signal handling and an
 * orderly shutdown that leaves a complete trace.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <vgl/common.h>
#include <vgl/renderer.h>

#include "capture.h"
#include "vtest_protocol.h"
#include "vtest_server.h"

static void usage(FILE *f) {
    fprintf(f,
            "Usage: virgl-vtest-server [OPTION]...\n"
            "Serve Mesa's virgl driver (GALLIUM_DRIVER=virpipe) over the vtest protocol.\n"
            "\n"
            "  -s, --socket PATH   listen on PATH (default %s)\n"
            "  -c, --capture FILE  record every client into the trace FILE\n"
            "  -H, --host-api API  draw with gl (desktop GL 3.3 core), gles (GLES 3.1+) or\n"
            "                      auto (gl where the host has it; the default, or\n"
            "                      VGL_HOST_API)\n"
            "  -v, --verbose       log more (repeat: info, then debug)\n"
            "  -h, --help          show this help and exit\n"
            "  -V, --version       show the version and exit\n",
            VGL_VTEST_DEFAULT_SOCKET);
}

int main(int argc, char **argv) {
    static const struct option long_opts[] = {
            {"socket", required_argument, NULL, 's'},
            {"capture", required_argument, NULL, 'c'},
            {"verbose", no_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'V'},
            {"host-api", required_argument, NULL, 'H'},
            {NULL, 0, NULL, 0},
    };
    struct vgl_renderer_options ropts = {0};
    const char *socket_path = VGL_VTEST_DEFAULT_SOCKET;
    const char *capture_path = NULL;
    int verbose = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "s:c:vhVH:", long_opts, NULL)) != -1) {
        switch (opt) {
        case 'H':
            if (!vgl_host_api_parse(optarg, &ropts.host_api)) {
                fprintf(stderr, "virgl-vtest-server: unknown host API '%s' (gl, gles or auto)\n",
                        optarg);
                return 2;
            }
            break;
        case 's':
            socket_path = optarg;
            break;
        case 'c':
            capture_path = optarg;
            break;
        case 'v':
            verbose++;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("virgl-vtest-server %s\n", vgl_version());
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "virgl-vtest-server: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    const enum vgl_log_level level = verbose >= 2   ? VGL_LOG_DEBUG
                                     : verbose == 1 ? VGL_LOG_INFO
                                                    : VGL_LOG_WARN;
    vgl_log_init(level, NULL, NULL);

    /*
     * SIGTERM, SIGINT and SIGHUP arrive through a signalfd in the poll set, so a stop request is
     * handled between messages; replies use MSG_NOSIGNAL.
     */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0) {
        perror("virgl-vtest-server: sigprocmask");
        return 1;
    }
    const int sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sig_fd < 0) {
        perror("virgl-vtest-server: signalfd");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);

    int ret = 1;
    struct vgl_renderer *renderer = NULL;
    struct vgl_capture *cap = NULL;
    struct vgl_vtest_server *server = NULL;

    enum vgl_status st = vgl_renderer_create(&ropts, &renderer);
    if (st != VGL_OK) {
        fprintf(stderr, "virgl-vtest-server: cannot create the renderer: %s\n", vgl_status_str(st));
        goto out_sig;
    }
    st = vgl_capture_create(renderer, capture_path, &cap);
    if (st != VGL_OK) {
        fprintf(stderr, "virgl-vtest-server: cannot create the trace '%s': %s\n", capture_path,
                vgl_status_str(st));
        goto out_renderer;
    }
    const struct vgl_vtest_server_options opts = {.socket_path = socket_path};
    st = vgl_vtest_server_create(cap, &opts, &server);
    if (st != VGL_OK) {
        fprintf(stderr, "virgl-vtest-server: cannot listen on '%s': %s\n", socket_path,
                vgl_status_str(st));
        goto out_capture;
    }
    vgl_log(VGL_LOG_INFO, "serving on %s with %s%s%s", socket_path, vgl_renderer_get_name(renderer),
            capture_path != NULL ? ", recording to " : "",
            capture_path != NULL ? capture_path : "");

    st = vgl_vtest_server_run(server, sig_fd);
    ret = st == VGL_OK ? 0 : 1;

    vgl_vtest_server_destroy(server);
out_capture:
    if (cap != NULL && vgl_capture_flush(cap) != VGL_OK) {
        /* Logged when it happened; the guest was served but the trace is incomplete. */
        ret = 1;
    }
    vgl_capture_destroy(cap);
out_renderer:
    vgl_renderer_destroy(renderer);
out_sig:
    close(sig_fd);
    return ret;
}
