/* SPDX-License-Identifier: MIT */
/* virgl-replay: re-execute a .vgz trace on host GL, check frame checksums, write PNG snapshots,
 * compare against expectations for CI, benchmark, profile and hunt leaks.
 * Exit status fits `git bisect run`: 0 good, 1 bad, 2 bad input, 125 cannot test. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vgl/common.h>
#include <vgl/format.h>

#include "checker.h"
#include "corpus.h"
#include "leaks.h"
#include "player.h"
#include "profile.h"
#include "replay_app.h"

static void usage(FILE *out) {
    fprintf(out,
            "Usage: virgl-replay [OPTIONS] TRACE.vgz\n"
            "       virgl-replay --manifest FILE.yml [CORPUS OPTIONS] [NAME...]\n"
            "Re-execute a virgl trace on host GL and check its frame checksums.\n\n"
            "  -s, --snapshot DIR    write each frame's read-back as DIR/frame-NNNN.png\n"
            "      --frames A-B      check only frames A..B (A, A-B or A-); stop after B\n"
            "      --calls A-B       check only frames read back by calls A..B; stop after B\n"
            "      --benchmark       no snapshots; print per-frame CPU time and frames/s\n"
            "      --pace recorded   replay at the captured pace: each call waits for its\n"
            "                        recorded time (version 2 traces; gaps over 5 s shortened)\n"
            "      --pace HZ         start frames at most HZ times a second (vblank, e.g. 60)\n"
            "      --frame-log FILE  write one JSON object per frame (start time, check result,\n"
            "                        recorded time)\n"
            "      --loop N          replay N times in this process; every iteration must give\n"
            "                        the same frame checksums\n"
            "      --checksums FILE  write per-frame checksums as text\n"
            "      --compare REF     compare frames with REF (a checksum file or a directory of\n"
            "                        frame-NNNN.png); exit 1 when any differs\n"
            "      --tolerance N     with PNG references: a pixel differs only when a channel\n"
            "                        differs by more than N (0-255, default 0)\n"
            "      --report DIR      write DIR/index.html with every differing frame\n"
            "      --update          rewrite REF from this replay\n"
            "      --profile FILE    write Chrome trace-event JSON (ui.perfetto.dev) and print\n"
            "                        the commands that cost most\n"
            "      --leaks           report guest objects never destroyed; exit 1 when the\n"
            "                        renderer still holds anything after teardown\n"
            "      --renderer NAME   replay on NAME: vgl (ours, the default) or virglrenderer\n"
            "                        (upstream, loaded at run time)\n"
            "      --renderer-lib PATH  the virglrenderer library to load (default\n"
            "                        libvirglrenderer.so.1)\n"
            "      --host-api API    ours draws with gl (desktop GL 3.3 core), gles (GLES\n"
            "                        3.1+) or auto (gl where the host has it; VGL_HOST_API)\n"
            "  -v, --verbose         one line per frame; repeat for renderer logs\n"
            "\nCorpus options (docs/manifest.md, docs/ci.md):\n"
            "      --manifest FILE   replay every trace FILE lists (or the NAMEs given), each\n"
            "                        in its own process, and check its frames against FILE\n"
            "      --jobs N          replay N traces at once (default 1)\n"
            "      --shard I/N       take traces I, I+N, I+2N... (1-based): N jobs with\n"
            "                        I = 1..N cover the corpus exactly once\n"
            "      --junit FILE      write JUnit XML: one testcase per trace\n"
            "      --report DIR      write DIR/index.html summing up the run, with each\n"
            "                        trace's difference report and log beside it\n"
            "      --update          rewrite FILE's expected frames from this run, keeping its\n"
            "                        comments and order (not with --shard)\n"
            "      --host NAME       apply the manifest's expectations for host NAME\n"
            "      --cache DIR       keep fetched traces in DIR (default $VGL_TRACE_CACHE,\n"
            "                        else ~/.cache/virgl-replay)\n"
            "  -h, --help            show this help\n"
            "  -V, --version         show the version\n\n"
            "Exit status: 0 every frame matched, 1 a frame or call differed (or a leak),\n"
            "2 the trace is damaged or unreadable (after replaying what was whole) or bad\n"
            "usage, 125 no usable GL or no such renderer. Over a corpus: 2 if any trace is\n"
            "damaged or cannot be had, else 1 if any expectation differs (flaky traces never\n"
            "fail the run), else 125 if nothing could be tested, else 0.\n");
}

enum {
    OPT_FRAMES = 256,
    OPT_CALLS,
    OPT_BENCHMARK,
    OPT_LOOP,
    OPT_CHECKSUMS,
    OPT_COMPARE,
    OPT_TOLERANCE,
    OPT_REPORT,
    OPT_UPDATE,
    OPT_PROFILE,
    OPT_LEAKS,
    OPT_RENDERER,
    OPT_RENDERER_LIB,
    OPT_PACE,
    OPT_FRAME_LOG,
    OPT_HOST_API,
    OPT_MANIFEST,
    OPT_JOBS,
    OPT_SHARD,
    OPT_JUNIT,
    OPT_HOST,
    OPT_CACHE,
};

/* "recorded", or a frequency in Hz: a positive finite number up to 10000. */
static bool parse_pace(const char *s, struct player_options *po) {
    if (strcmp(s, "recorded") == 0) {
        po->pace = PLAYER_PACE_RECORDED;
        return true;
    }
    char *end;
    errno = 0;
    const double hz = strtod(s, &end);
    if (!s[0] || *end || errno || !(hz > 0) || hz > 10000) {
        return false;
    }
    po->pace = PLAYER_PACE_HZ;
    po->pace_hz = hz;
    return true;
}

static bool parse_uint(const char *s, unsigned max, unsigned *out) {
    char *end;
    errno = 0;
    const unsigned long v = strtoul(s, &end, 10);
    if (!s[0] || *end || errno || v > max || s[0] == '-') {
        return false;
    }
    *out = (unsigned)v;
    return true;
}

__attribute__((format(printf, 1, 2))) static bool bad_usage(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "virgl-replay: ");
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\nTry 'virgl-replay --help'.\n");
    va_end(args);
    return false;
}

/* "I/N" with 1 <= I <= N <= 10000. */
static bool parse_shard(const char *s, struct corpus_options *co) {
    const char *slash = strchr(s, '/');
    char index[16];
    if (!slash || (size_t)(slash - s) >= sizeof(index)) {
        return false;
    }
    memcpy(index, s, (size_t)(slash - s));
    index[slash - s] = '\0';
    return parse_uint(index, 10000, &co->shard_index) &&
           parse_uint(slash + 1, 10000, &co->shard_count) && co->shard_index >= 1 &&
           co->shard_index <= co->shard_count;
}

static bool parse_corpus_option(struct corpus_options *co, int c, const char *arg) {
    switch (c) {
    case OPT_MANIFEST:
        co->manifest = arg;
        return true;
    case OPT_JOBS:
        return (parse_uint(arg, 256, &co->jobs) && co->jobs > 0) ||
               bad_usage("bad job count '%s' (1 to 256)", arg);
    case OPT_SHARD:
        return parse_shard(arg, co) || bad_usage("bad shard '%s' (I/N, 1 <= I <= N)", arg);
    case OPT_JUNIT:
        co->junit = arg;
        return true;
    case OPT_HOST:
        co->host = arg;
        return true;
    case OPT_CACHE:
        co->cache_dir = arg;
        return true;
    default:
        return false;
    }
}

static bool parse_option(struct replay_app *app, struct corpus_options *co, int c,
                         const char *arg) {
    struct player_options *po = &app->popts;
    if (c >= OPT_MANIFEST) {
        return parse_corpus_option(co, c, arg);
    }
    switch (c) {
    case 's':
        po->snapshot_dir = arg;
        return true;
    case 'v':
        app->verbosity++;
        return true;
    case OPT_FRAMES:
        return player_parse_range(arg, &po->frames) || bad_usage("bad frame range '%s'", arg);
    case OPT_CALLS:
        return player_parse_range(arg, &po->calls) || bad_usage("bad call range '%s'", arg);
    case OPT_BENCHMARK:
        app->benchmark = true;
        return true;
    case OPT_LOOP:
        return (parse_uint(arg, 1000000, &app->loops) && app->loops > 0) ||
               bad_usage("bad loop count '%s'", arg);
    case OPT_CHECKSUMS:
        app->copts.checksums_out = arg;
        return true;
    case OPT_COMPARE:
        app->copts.compare_ref = arg;
        return true;
    case OPT_TOLERANCE:
        return parse_uint(arg, 255, &app->copts.tolerance) || bad_usage("bad tolerance '%s'", arg);
    case OPT_REPORT:
        app->copts.report_dir = arg;
        return true;
    case OPT_UPDATE:
        app->copts.update = true;
        return true;
    case OPT_PROFILE:
        app->profile_path = arg;
        return true;
    case OPT_LEAKS:
        app->leaks = true;
        return true;
    case OPT_RENDERER:
        return backend_parse_kind(arg, &po->backend.kind) ||
               bad_usage("unknown renderer '%s' (vgl or virglrenderer)", arg);
    case OPT_RENDERER_LIB:
        po->backend.library = arg;
        return true;
    case OPT_HOST_API:
        return vgl_host_api_parse(arg, &po->backend.host_api) ||
               bad_usage("unknown host API '%s' (gl, gles or auto)", arg);
    case OPT_PACE:
        return parse_pace(arg, po) ||
               bad_usage("bad pace '%s' (recorded, or frames per second such as 60)", arg);
    case OPT_FRAME_LOG:
        app->frame_log_path = arg;
        return true;
    default:
        return false;
    }
}

/* The renderer options fit together, for one trace or a corpus. */
static bool backend_args_ok(const struct backend_options *b) {
    if (b->library && b->kind != BACKEND_VIRGLRENDERER) {
        return bad_usage("%s", "--renderer-lib needs --renderer virglrenderer");
    }
    if (b->host_api != VGL_HOST_API_AUTO && b->kind != BACKEND_VGL) {
        return bad_usage("%s", "--host-api applies to our renderer (vgl)");
    }
    return true;
}

/* --manifest: what the single-trace options would mean there is refused, not ignored. */
static int check_corpus_args(struct replay_app *app, struct corpus_options *co, int argc,
                             char **argv) {
    const struct player_options *po = &app->popts;
    const struct checker_options *ck = &app->copts;
    if (po->snapshot_dir || po->frames.set || po->calls.set || app->benchmark || app->loops > 1 ||
        ck->checksums_out || ck->compare_ref || ck->tolerance || app->profile_path || app->leaks ||
        po->pace != PLAYER_PACE_NONE || app->frame_log_path) {
        bad_usage("%s", "with --manifest only --jobs, --shard, --junit, --report, --update, "
                        "--host, --cache, --renderer, --renderer-lib, --host-api and -v apply "
                        "(the manifest gives each trace's expectations and tolerance)");
        return EXIT_INPUT;
    }
    if (!backend_args_ok(&po->backend)) {
        return EXIT_INPUT;
    }
    co->names = argv + optind;
    co->name_count = argc - optind;
    co->report_dir = ck->report_dir;
    co->update = ck->update;
    co->verbosity = app->verbosity;
    co->backend = po->backend;
    if (!co->jobs) {
        co->jobs = 1;
    }
    if (co->update && co->shard_count) {
        bad_usage("%s", "--update rewrites the whole manifest: it cannot be used with --shard");
        return EXIT_INPUT;
    }
    return -1;
}

/* Returns -1 to go on, or an exit status. */
static int parse_args(struct replay_app *app, struct corpus_options *co, int argc, char **argv) {
    static const struct option long_opts[] = {
            {"snapshot", required_argument, NULL, 's'},
            {"frames", required_argument, NULL, OPT_FRAMES},
            {"calls", required_argument, NULL, OPT_CALLS},
            {"benchmark", no_argument, NULL, OPT_BENCHMARK},
            {"loop", required_argument, NULL, OPT_LOOP},
            {"checksums", required_argument, NULL, OPT_CHECKSUMS},
            {"compare", required_argument, NULL, OPT_COMPARE},
            {"tolerance", required_argument, NULL, OPT_TOLERANCE},
            {"report", required_argument, NULL, OPT_REPORT},
            {"update", no_argument, NULL, OPT_UPDATE},
            {"profile", required_argument, NULL, OPT_PROFILE},
            {"leaks", no_argument, NULL, OPT_LEAKS},
            {"renderer", required_argument, NULL, OPT_RENDERER},
            {"renderer-lib", required_argument, NULL, OPT_RENDERER_LIB},
            {"pace", required_argument, NULL, OPT_PACE},
            {"frame-log", required_argument, NULL, OPT_FRAME_LOG},
            {"host-api", required_argument, NULL, OPT_HOST_API},
            {"manifest", required_argument, NULL, OPT_MANIFEST},
            {"jobs", required_argument, NULL, OPT_JOBS},
            {"shard", required_argument, NULL, OPT_SHARD},
            {"junit", required_argument, NULL, OPT_JUNIT},
            {"host", required_argument, NULL, OPT_HOST},
            {"cache", required_argument, NULL, OPT_CACHE},
            {"verbose", no_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'V'},
            {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "s:vhV", long_opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return EXIT_GOOD;
        }
        if (c == 'V') {
            printf("virgl-replay %s\n", vgl_version());
            return EXIT_GOOD;
        }
        if (!parse_option(app, co, c, optarg)) {
            if (c == '?' || c == ':') {
                usage(stderr);
            }
            return EXIT_INPUT;
        }
    }
    if (co->manifest) {
        return check_corpus_args(app, co, argc, argv);
    }
    if (co->jobs || co->shard_count || co->junit || co->host || co->cache_dir) {
        bad_usage("%s", "--jobs, --shard, --junit, --host and --cache need --manifest FILE");
        return EXIT_INPUT;
    }
    if (optind != argc - 1) {
        usage(stderr);
        return EXIT_INPUT;
    }
    app->path = argv[optind];
    if ((app->copts.update || app->copts.report_dir) && !app->copts.compare_ref) {
        bad_usage("%s needs --compare REF", app->copts.update ? "--update" : "--report");
        return EXIT_INPUT;
    }
    struct player_options *po = &app->popts;
    if (!backend_args_ok(&po->backend)) {
        return EXIT_INPUT;
    }
    if (app->leaks && po->backend.kind != BACKEND_VGL) {
        bad_usage("%s", "--leaks needs the vgl renderer (it counts what the renderer holds)");
        return EXIT_INPUT;
    }
    if (po->pace != PLAYER_PACE_NONE && app->benchmark) {
        bad_usage("%s", "--pace and --benchmark cannot be used together: pacing sleeps, and the "
                        "benchmark would measure the sleeps");
        return EXIT_INPUT;
    }
    app->copts.partial = po->frames.set || po->calls.set;
    if (app->copts.update && app->copts.partial) {
        bad_usage("%s",
                  "--update rewrites every frame: it cannot be used with --frames or --calls");
        return EXIT_INPUT;
    }
    return -1;
}

int main(int argc, char **argv) {
    struct replay_app app = {.loops = 1};
    struct corpus_options co = {0};
    const int early = parse_args(&app, &co, argc, argv);
    if (early >= 0) {
        return early;
    }
    vgl_log_init(app.verbosity > 1 ? VGL_LOG_DEBUG : VGL_LOG_ERROR, NULL, NULL);
    if (co.manifest) {
        return corpus_run(&co);
    }
    const int status = replay_app_run(&app);
    replay_app_finish(&app);
    return status;
}
