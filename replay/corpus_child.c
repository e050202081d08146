/* SPDX-License-Identifier: MIT */
/*
 * One trace of a corpus, in its own process: get the file (fetched and verified when the
 * manifest names a URL or a sha256), replay it with the manifest's expectations, and leave the
 * verdict in work/ID.result for the parent. Its output goes to the trace's log file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checker.h"
#include "checker_report.h"
#include "checker_sums.h"
#include "corpus.h"
#include "fetch.h"
#include "replay_app.h"

#define MAX_LISTED_FAILURES 20

void corpus_path(const struct corpus *c, const struct trace_result *r, const char *what, char *out,
                 size_t size) {
    if (strcmp(what, "report") == 0) {
        snprintf(out, size, "%s/%s", c->o->report_dir, r->id);
    } else if (strcmp(what, "log") == 0 && c->o->report_dir) {
        snprintf(out, size, "%s/%s/replay.log", c->o->report_dir, r->id);
    } else {
        snprintf(out, size, "%s/%s.%s", c->work, r->id, what);
    }
}

/* A line of the result file: no newlines inside. */
static void put_line(FILE *f, const char *tag, const char *text) {
    fprintf(f, "%s ", tag);
    for (const char *s = text; *s; s++) {
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc('\n', f);
}

static bool write_result(const struct corpus *c, const struct trace_result *r, int status,
                         const char *error, const struct replay_app *app,
                         const struct checker *checker, bool compared) {
    char path[4300];
    corpus_path(c, r, "result", path, sizeof(path));
    FILE *f = fopen(path, "w");
    if (!f) {
        return false;
    }
    fprintf(f, "status %d\n", status);
    if (error) {
        put_line(f, "error", error);
    }
    size_t count = 0, listed = 0;
    const struct frame_result *res = checker ? checker_results(checker, &count) : NULL;
    unsigned differing = 0;
    for (size_t i = 0; i < count && compared; i++) {
        differing += frame_state_differs(res[i].state);
    }
    fprintf(f, "frames %zu %u\n", count, differing);
    fprintf(f, "calls %u\n", app ? app->status_mismatches : 0);
    for (size_t i = 0; i < count && listed < MAX_LISTED_FAILURES; i++) {
        const struct frame_result *x = &res[i];
        if (!frame_state_differs(x->state)) {
            continue;
        }
        char text[1024], metrics[256];
        metrics_text(&x->m, r->eff.tolerance, metrics, sizeof(metrics));
        snprintf(text, sizeof(text), "frame %u: %s: %s", x->frame, frame_state_name(x->state),
                 x->has_metrics              ? metrics
                 : x->state == FRAME_MISSING ? "in the manifest, not produced by the replay"
                 : x->state == FRAME_NEW     ? "produced by the replay, not in the manifest"
                                             : x->note);
        put_line(f, "fail", text);
        listed++;
    }
    if (differing > listed) {
        fprintf(f, "fail ... and %u more frames\n", differing - (unsigned)listed);
    }
    return fclose(f) == 0;
}

static __attribute__((noreturn)) void finish(const struct corpus *c, const struct trace_result *r,
                                             const char *error) {
    const bool ok = write_result(c, r, EXIT_INPUT, error, NULL, NULL, false);
    fflush(NULL);
    exit(ok ? 0 : 3);
}

static void redirect_output(const struct corpus *c, const struct trace_result *r) {
    char path[4300];
    corpus_path(c, r, "log", path, sizeof(path));
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
}

/* The file to replay: the manifest's own, checked against its sha256 when one is given, or
 * the fetched copy. NULL (with why, and *status) when there is none to trust. */
static char *trace_path(const struct corpus *c, const struct manifest_entry *e, char *why,
                        size_t why_size) {
    if (e->url && !(e->file && access(e->file, R_OK) == 0)) {
        char *cache = fetch_cache_dir(c->o->cache_dir);
        if (!cache) {
            snprintf(why, why_size, "no cache directory for fetched traces (give --cache DIR)");
            return NULL;
        }
        char *path = NULL;
        const enum fetch_result fr = fetch_trace(e->url, e->sha256, cache, &path, why, why_size);
        free(cache);
        printf("fetch: %s -> %s\n", e->url, fr == FETCH_OK ? path : why);
        return fr == FETCH_OK ? path : NULL;
    }
    struct stat st;
    if (stat(e->file, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, why_size, "%s: no such trace file", e->file);
        return NULL;
    }
    if (e->sha256[0]) {
        char got[65];
        if (!sha256_file(e->file, got, why, why_size)) {
            return NULL;
        }
        if (strcmp(got, e->sha256) != 0) {
            snprintf(why, why_size, "%s: sha256 %s, the manifest says %s: refused", e->file, got,
                     e->sha256);
            return NULL;
        }
    }
    return strdup(e->file);
}

void corpus_child(const struct corpus *c, const struct trace_result *r) {
    redirect_output(c, r);
    unsetenv("VGL_EXIT_UNTESTABLE"); /* the parent reads 125; it applies the variable itself */
    char why[768];
    char *path = trace_path(c, r->entry, why, sizeof(why));
    if (!path) {
        fprintf(stderr, "virgl-replay: %s\n", why);
        finish(c, r, why);
    }
    struct sum_entry *expected = calloc(r->eff.count ? r->eff.count : 1, sizeof(*expected));
    if (!expected) {
        free(path);
        finish(c, r, "out of memory");
    }
    for (size_t i = 0; i < r->eff.count; i++) {
        const struct effective_frame *f = &r->eff.frames[i];
        expected[i] = (struct sum_entry){f->frame, f->w, f->h, f->format, f->crc, false};
    }
    char report[4300], got[4300], desc[4400];
    corpus_path(c, r, "report", report, sizeof(report));
    corpus_path(c, r, "got", got, sizeof(got));
    snprintf(desc, sizeof(desc), "%s (%s)", c->m.path, r->entry->name);
    struct replay_app app = {.loops = 1, .path = path, .verbosity = c->o->verbosity};
    app.popts.backend = c->o->backend;
    app.copts.checksums_out = got;
    app.copts.tolerance = r->eff.tolerance;
    if (r->eff.listed) {
        app.copts.expected = expected;
        app.copts.expected_count = r->eff.count;
        app.copts.expected_desc = desc;
        app.copts.images_dir = r->eff.images;
    } else if (r->eff.images) {
        app.copts.compare_ref = r->eff.images;
    }
    const bool compares = app.copts.expected || app.copts.compare_ref;
    app.copts.report_dir = c->o->report_dir && compares ? report : NULL;
    printf("replay: %s on %s\n", path, c->renderer);
    const int status = replay_app_run(&app);
    fflush(stdout);
    /* The manifest, not the capture's own checksums, decides when it lists frames. */
    const bool ok = write_result(c, r, status, NULL, &app, app.checker, compares);
    replay_app_finish(&app);
    free(expected);
    free(path);
    fflush(NULL);
    exit(ok ? 0 : 3);
}
