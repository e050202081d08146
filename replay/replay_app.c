/* SPDX-License-Identifier: MIT */
#include "replay_app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vgl/format.h>

#include "leaks.h"
#include "profile.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static bool push_sum(struct replay_app *app, const struct player_frame *f) {
    if (app->first_count == app->first_capacity) {
        const size_t cap = app->first_capacity ? app->first_capacity * 2 : 64;
        struct frame_sum *p = realloc(app->first_sums, cap * sizeof(*p));
        if (!p) {
            return false;
        }
        app->first_sums = p;
        app->first_capacity = cap;
    }
    app->first_sums[app->first_count++] = (struct frame_sum){f->frame, f->crc};
    return true;
}

static void check_loop(struct replay_app *app, const struct player_frame *f) {
    const size_t i = app->seen_this_iteration++;
    if (app->loop_differs) {
        return;
    }
    if (i >= app->first_count || app->first_sums[i].frame != f->frame ||
        app->first_sums[i].crc != f->crc) {
        app->loop_differs = true;
        fprintf(stderr,
                "virgl-replay: --loop: iteration %u, frame %u: crc32 %08x, iteration 1 gave "
                "%s%08x\n",
                app->iteration + 1, f->frame, f->crc, i < app->first_count ? "" : "no frame ",
                i < app->first_count ? app->first_sums[i].crc : 0);
    }
}

static void time_frame(struct replay_app *app, const struct player_frame *f) {
    if (app->timed == app->timed_capacity) {
        const size_t cap = app->timed_capacity ? app->timed_capacity * 2 : 256;
        double *w = realloc(app->frame_wall, cap * sizeof(*w));
        if (w) {
            app->frame_wall = w;
        }
        double *c = realloc(app->frame_cpu, cap * sizeof(*c));
        if (c) {
            app->frame_cpu = c;
        }
        if (!w || !c) {
            return;
        }
        app->timed_capacity = cap;
    }
    app->frame_wall[app->timed] = f->wall_ms;
    app->frame_cpu[app->timed] = f->cpu_ms;
    app->timed++;
}

/* RGBA8 of the frame for image comparison, or NULL when its format has no conversion. */
static const uint8_t *frame_rgba(struct replay_app *app, const struct player_frame *f) {
    struct vgl_format_desc d;
    if (f->w <= 0 || f->h <= 0 || !vgl_format_describe(f->format, &d) || d.block_w != 1 ||
        d.block_h != 1 || (uint64_t)f->w * (uint64_t)f->h * d.block_bytes != f->bytes ||
        (uint64_t)f->w * (uint64_t)f->h > (1u << 28)) {
        return NULL;
    }
    const size_t need = (size_t)f->w * (size_t)f->h * 4;
    if (need > app->rgba_capacity) {
        uint8_t *p = realloc(app->rgba, need);
        if (!p) {
            return NULL;
        }
        app->rgba = p;
        app->rgba_capacity = need;
    }
    if (!vgl_format_to_rgba8(f->format, f->texels, (size_t)f->w * (size_t)f->h, app->rgba)) {
        return NULL;
    }
    return app->rgba;
}

/* --frame-log: a JSON object per frame, for scripts (frame start times show the pacing). */
static void log_frame(struct replay_app *app, const struct player_frame *f) {
    fprintf(app->frame_log,
            "{\"iteration\":%u,\"frame\":%u,\"checked\":%s,\"match\":", app->iteration + 1,
            f->frame, f->checked ? "true" : "false");
    if (f->checked) {
        fprintf(app->frame_log, "%s,\"crc32\":\"%08x\"", f->matches_capture ? "true" : "false",
                f->crc);
    } else {
        fputs("null,\"crc32\":null", app->frame_log);
    }
    fprintf(app->frame_log, ",\"start_ms\":%.3f,\"wall_ms\":%.3f,\"recorded_ms\":", f->start_ms,
            f->wall_ms);
    if (f->recorded_ns == VGL_TRACE_NO_TIME) {
        fputs("null}\n", app->frame_log);
    } else {
        fprintf(app->frame_log, "%.3f}\n", (double)f->recorded_ns / 1e6);
    }
}

static void on_frame(void *user, const struct player_frame *f) {
    struct replay_app *app = user;
    if (app->frame_log) {
        log_frame(app, f);
    }
    if (app->benchmark) {
        time_frame(app, f);
    }
    if (app->iteration > 0) {
        check_loop(app, f);
        return;
    }
    if (app->loops > 1 && !push_sum(app, f)) {
        app->loop_differs = true;
    }
    if (app->checker) {
        const struct checker_frame cf = {
                .frame = f->frame,
                .w = f->w > 0 ? (uint32_t)f->w : 0,
                .h = f->h > 0 ? (uint32_t)f->h : 0,
                .format = f->format,
                .crc = f->crc,
                .rgba = f->checked ? frame_rgba(app, f) : NULL,
                .unchecked = !f->checked,
        };
        checker_frame(app->checker, &cf);
    }
}

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double process_cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Rates of the whole run: what a capture without read-backs (a headless program) is measured
 * by, and the host CPU it took (the driver's threads included). */
static void print_run_rates(const struct player_stats *st, double wall_ms, double cpu_ms) {
    const double s = wall_ms > 0 ? wall_ms / 1e3 : 1e-9;
    printf("run: %.1f ms wall, %.1f ms CPU (%.2f cores); %.1f submits/s, %.2f M command "
           "dwords/s, %.1f MB/s guest uploads\n",
           wall_ms, cpu_ms, wall_ms > 0 ? cpu_ms / wall_ms : 0, (double)st->submits / s,
           (double)st->submit_dwords / s / 1e6, (double)st->guest_bytes / s / 1e6);
}

static void print_benchmark(struct replay_app *app, const struct player_stats *st, double wall_ms,
                            double cpu_ms) {
    print_run_rates(st, wall_ms, cpu_ms);
    if (!app->timed) {
        printf("benchmark: no frames (nothing was read back); the run's rates above are the "
               "measure\n");
        return;
    }
    const size_t n = app->timed;
    double cpu_total = 0, wall_total = 0;
    for (size_t i = 0; i < n; i++) {
        cpu_total += app->frame_cpu[i];
        wall_total += app->frame_wall[i];
    }
    qsort(app->frame_wall, n, sizeof(double), cmp_double);
    qsort(app->frame_cpu, n, sizeof(double), cmp_double);
    const double wmin = app->frame_wall[0], wmed = app->frame_wall[n / 2];
    const double wmax = app->frame_wall[n - 1];
    printf("benchmark: %zu frames in %.1f ms (%u iteration%s)\n", n, wall_total, app->loops,
           app->loops == 1 ? "" : "s");
    printf("frame wall ms: min %.3f median %.3f max %.3f\n", wmin, wmed, wmax);
    printf("frame cpu ms: min %.3f median %.3f max %.3f (mean %.3f)\n", app->frame_cpu[0],
           app->frame_cpu[n / 2], app->frame_cpu[n - 1], cpu_total / (double)n);
    printf("frames/s: min %.1f median %.1f max %.1f\n", wmax > 0 ? 1e3 / wmax : 0,
           wmed > 0 ? 1e3 / wmed : 0, wmin > 0 ? 1e3 / wmin : 0);
}

static void print_stats(const struct replay_app *app, const struct player_stats *st,
                        double elapsed) {
    printf("trace: %s\n", app->path);
    printf("frames: %u (%u matched, %u mismatched", st->frames, st->frames_matched,
           st->frames_mismatched);
    if (st->frames_unchecked) {
        printf(", %u frame marks not checked: no read-back", st->frames_unchecked);
    }
    printf(")\n");
    printf("calls: %llu (%llu submits, %llu dwords), guest bytes uploaded: %llu\n",
           (unsigned long long)st->calls, (unsigned long long)st->submits,
           (unsigned long long)st->submit_dwords, (unsigned long long)st->guest_bytes);
    if (app->popts.snapshot_dir) {
        printf("snapshots: %u written to %s\n", st->snapshots_written, app->popts.snapshot_dir);
    }
    printf("time: %.1f ms\n", elapsed);
}

static int setup(struct replay_app *app) {
    char why[512];
    struct player_options *po = &app->popts;
    if (app->benchmark) {
        po->snapshot_dir = NULL;
    }
    if (po->snapshot_dir && mkdir(po->snapshot_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "virgl-replay: cannot create %s: %s\n", po->snapshot_dir, strerror(errno));
        return EXIT_INPUT;
    }
    if (app->copts.checksums_out || app->copts.compare_ref) {
        app->checker = checker_create(&app->copts, why, sizeof(why));
        if (!app->checker) {
            fprintf(stderr, "virgl-replay: %s\n", why);
            return EXIT_INPUT;
        }
    }
    if (app->profile_path) {
        app->profiler = profile_create(app->profile_path, why, sizeof(why));
        if (!app->profiler) {
            fprintf(stderr, "virgl-replay: %s\n", why);
            return EXIT_INPUT;
        }
    }
    if (app->leaks && !(app->leak_tracker = leaks_create(stdout))) {
        return EXIT_INPUT;
    }
    if (po->pace == PLAYER_PACE_RECORDED && player_trace_version(app->path) == 1) {
        fprintf(stderr,
                "virgl-replay: --pace recorded: %s is a version 1 trace, which has no record "
                "times (use --pace HZ)\n",
                app->path);
        return EXIT_INPUT;
    }
    if (app->frame_log_path && !(app->frame_log = fopen(app->frame_log_path, "w"))) {
        fprintf(stderr, "virgl-replay: cannot create %s: %s\n", app->frame_log_path,
                strerror(errno));
        return EXIT_INPUT;
    }
    po->verbose = app->verbosity > 0;
    po->progress = isatty(STDERR_FILENO) && !po->verbose;
    po->total_frames = po->progress ? player_count_frames(app->path) : 0;
    po->on_frame = on_frame;
    po->user = app;
    po->profiler = app->profiler;
    po->leaks = app->leak_tracker;
    return -1;
}

/* After teardown every context is gone: the renderer must hold nothing. */
static bool renderer_clean(struct player *pl) {
    struct vgl_renderer_usage u;
    vgl_renderer_get_usage(player_renderer(pl), &u);
    const bool clean = !u.contexts && !u.sub_contexts && !u.resources && !u.objects &&
                       !u.programs && !u.fences;
    if (!clean) {
        printf("renderer leak: after teardown it still holds %u contexts, %u sub-contexts, %u "
               "resources (%llu bytes), %u objects, %u programs, %u fences\n",
               u.contexts, u.sub_contexts, u.resources, (unsigned long long)u.resource_bytes,
               u.objects, u.programs, u.fences);
    }
    return clean;
}

static int finish_checks(struct replay_app *app, struct player *pl, int status) {
    char why[512];
    if (app->checker) {
        const int differing = checker_finish(app->checker, why, sizeof(why));
        if (differing < 0) {
            fprintf(stderr, "virgl-replay: %s\n", why);
            return EXIT_INPUT;
        }
        if (differing > 0 && status == EXIT_GOOD) {
            status = EXIT_BAD;
        }
    }
    if (app->frame_log) {
        const bool ok = !ferror(app->frame_log);
        if (fclose(app->frame_log) != 0 || !ok) {
            fprintf(stderr, "virgl-replay: writing %s failed\n", app->frame_log_path);
            status = status == EXIT_GOOD ? EXIT_INPUT : status;
        }
        app->frame_log = NULL;
    }
    if (app->profiler && !profile_finish(app->profiler, stdout)) {
        fprintf(stderr, "virgl-replay: writing %s failed\n", app->profile_path);
        status = status == EXIT_GOOD ? EXIT_INPUT : status;
    }
    if (app->leak_tracker) {
        const bool clean = renderer_clean(pl);
        printf("leaks: %llu guest resources/objects left for context teardown; renderer %s\n",
               (unsigned long long)leaks_reported(app->leak_tracker),
               clean ? "clean after teardown" : "LEAKED");
        if (!clean && status == EXIT_GOOD) {
            status = EXIT_BAD;
        }
    }
    return status;
}

static int run_loops(struct replay_app *app, struct player *pl, struct player_stats *st) {
    const double start = now_ms(), cpu_start = process_cpu_ms();
    enum vgl_status rs = VGL_OK;
    for (app->iteration = 0; app->iteration < app->loops; app->iteration++) {
        app->seen_this_iteration = 0;
        rs = player_run(pl, app->path, st);
        if (rs != VGL_OK || app->loop_differs) {
            break;
        }
        if (app->iteration > 0 && app->seen_this_iteration != app->first_count) {
            fprintf(stderr,
                    "virgl-replay: --loop: iteration %u gave %zu frames, iteration 1 "
                    "gave %zu\n",
                    app->iteration + 1, app->seen_this_iteration, app->first_count);
            app->loop_differs = true;
            break;
        }
    }
    const double elapsed = now_ms() - start, cpu = process_cpu_ms() - cpu_start;
    if (st->records == 0 && rs != VGL_OK) {
        if (rs == VGL_ERROR_CORRUPT || rs == VGL_ERROR_TRUNCATED) {
            fprintf(stderr, "virgl-replay: %s: damaged at byte %llu: %s\n", app->path,
                    (unsigned long long)st->error_offset, st->error_message);
        } else {
            fprintf(stderr, "virgl-replay: %s: %s\n", app->path, st->error_message);
        }
        return EXIT_INPUT;
    }
    print_stats(app, st, elapsed);
    if (app->loops > 1) {
        printf("loop: %u iteration%s, frame checksums %s\n", app->loops, app->loops == 1 ? "" : "s",
               app->loop_differs ? "DIFFER" : "identical");
    }
    if (app->benchmark) {
        print_benchmark(app, st, elapsed, cpu);
    }
    if (rs != VGL_OK) {
        fprintf(stderr, "virgl-replay: warning: replay stopped early at byte %llu: %s (%s)\n",
                (unsigned long long)st->error_offset, st->error_message, vgl_status_str(rs));
        return EXIT_INPUT;
    }
    if (!st->clean_end && !st->stopped_at_range) {
        fprintf(stderr, "virgl-replay: warning: the trace has no END record: the capture was "
                        "interrupted; replayed everything up to its last whole chunk\n");
    }
    if (st->frames_mismatched || st->status_mismatches || app->loop_differs) {
        fprintf(stderr,
                "virgl-replay: %u frame(s) and %u call status(es) differ from the capture\n",
                st->frames_mismatched, st->status_mismatches);
        return EXIT_BAD;
    }
    return EXIT_GOOD;
}

/* 125 (`git bisect run`'s "cannot test"), or VGL_EXIT_UNTESTABLE from the environment (the
 * meson tests ask for 77, meson's "skipped"). */
int replay_untestable_status(void) {
    const char *env = getenv("VGL_EXIT_UNTESTABLE");
    const int v = env ? atoi(env) : 0;
    return v > 0 && v < 256 ? v : EXIT_UNTESTABLE;
}

int replay_app_run(struct replay_app *app) {
    const int early = setup(app);
    if (early >= 0) {
        return early;
    }
    struct player *pl = NULL;
    char why[256];
    const enum vgl_status cs = player_create(&app->popts, &pl, why, sizeof(why));
    if (cs == VGL_ERROR_NO_DEVICE || cs == VGL_ERROR_HOST_GL) {
        fprintf(stderr, "virgl-replay: no usable host GL (%s)\n", vgl_status_str(cs));
        return replay_untestable_status();
    }
    if (cs != VGL_OK) {
        fprintf(stderr, "virgl-replay: cannot start the renderer: %s\n", why);
        return replay_untestable_status();
    }
    struct player_stats st;
    int status = run_loops(app, pl, &st);
    app->status_mismatches = st.status_mismatches;
    if (status != EXIT_INPUT || st.records) {
        status = finish_checks(app, pl, status);
    }
    player_destroy(pl);
    return status;
}

void replay_app_finish(struct replay_app *app) {
    if (app->frame_log) {
        fclose(app->frame_log);
    }
    checker_destroy(app->checker);
    profile_destroy(app->profiler);
    leaks_destroy(app->leak_tracker);
    free(app->first_sums);
    free(app->frame_wall);
    free(app->frame_cpu);
    free(app->rgba);
}
