/* SPDX-License-Identifier: MIT */
/* virgl-replay: re-execute a .vgz trace on host GL, check frame checksums, write PNG snapshots.
 * Exit status fits `git bisect run`: 0 good, 1 bad, 2 bad input, 125 cannot test. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <vgl/common.h>

#include "player.h"

enum exit_code {
    EXIT_GOOD = 0,
    EXIT_BAD = 1,
    EXIT_INPUT = 2,
    EXIT_UNTESTABLE = 125,
};

static void usage(FILE *out) {
    fprintf(out, "Usage: virgl-replay [OPTIONS] TRACE.vgz\n"
                 "Re-execute a virgl trace on host GL and check its frame checksums.\n\n"
                 "  -s, --snapshot DIR  write each frame's read-back as DIR/frame-NNNN.png\n"
                 "  -v, --verbose       one line per frame; repeat for renderer logs\n"
                 "  -h, --help          show this help\n"
                 "  -V, --version       show the version\n\n"
                 "Exit status: 0 every frame matched, 1 a frame or call differed, 2 the trace is\n"
                 "damaged or unreadable (after replaying what was whole), 125 no usable GL.\n");
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    static const struct option long_opts[] = {
            {"snapshot", required_argument, NULL, 's'},
            {"verbose", no_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'V'},
            {NULL, 0, NULL, 0},
    };
    struct player_options opts = {0};
    int verbosity = 0, c;
    while ((c = getopt_long(argc, argv, "s:vhV", long_opts, NULL)) != -1) {
        switch (c) {
        case 's':
            opts.snapshot_dir = optarg;
            break;
        case 'v':
            verbosity++;
            break;
        case 'h':
            usage(stdout);
            return EXIT_GOOD;
        case 'V':
            printf("virgl-replay %s\n", vgl_version());
            return EXIT_GOOD;
        default:
            usage(stderr);
            return EXIT_INPUT;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return EXIT_INPUT;
    }
    const char *path = argv[optind];
    opts.verbose = verbosity > 0;
    vgl_log_init(verbosity > 1 ? VGL_LOG_DEBUG : VGL_LOG_ERROR, NULL, NULL);
    if (opts.snapshot_dir && mkdir(opts.snapshot_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "virgl-replay: cannot create %s: %s\n", opts.snapshot_dir, strerror(errno));
        return EXIT_INPUT;
    }

    struct player_stats st;
    const double start = now_ms();
    const enum vgl_status status = player_run(path, &opts, &st);
    const double elapsed = now_ms() - start;
    if (status == VGL_ERROR_NO_DEVICE || status == VGL_ERROR_HOST_GL) {
        fprintf(stderr, "virgl-replay: no usable host GL (%s)\n", vgl_status_str(status));
        return EXIT_UNTESTABLE;
    }
    if (st.records == 0 && status != VGL_OK) {
        fprintf(stderr, "virgl-replay: %s: %s\n", path, st.error_message);
        return EXIT_INPUT;
    }

    printf("trace: %s\n", path);
    printf("frames: %u (%u matched, %u mismatched)\n", st.frames, st.frames_matched,
           st.frames_mismatched);
    printf("calls: %llu (%llu submits, %llu dwords), guest bytes uploaded: %llu\n",
           (unsigned long long)st.calls, (unsigned long long)st.submits,
           (unsigned long long)st.submit_dwords, (unsigned long long)st.guest_bytes);
    if (opts.snapshot_dir) {
        printf("snapshots: %u written to %s\n", st.snapshots_written, opts.snapshot_dir);
    }
    printf("time: %.1f ms\n", elapsed);

    if (status != VGL_OK) {
        fprintf(stderr, "virgl-replay: warning: replay stopped early: %s (%s)\n", st.error_message,
                vgl_status_str(status));
        return EXIT_INPUT;
    }
    if (!st.clean_end) {
        fprintf(stderr, "virgl-replay: warning: the trace has no END record: the capture was "
                        "interrupted; replayed everything up to its last whole chunk\n");
    }
    if (st.frames_mismatched || st.status_mismatches) {
        fprintf(stderr,
                "virgl-replay: %u frame(s) and %u call status(es) differ from the capture\n",
                st.frames_mismatched, st.status_mismatches);
        return EXIT_BAD;
    }
    return EXIT_GOOD;
}
