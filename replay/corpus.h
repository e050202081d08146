/* SPDX-License-Identifier: MIT */
/*
 * virgl-replay --manifest: replay every trace a manifest lists, each in its own process (up to
 * --jobs at once), check its frames against the manifest, and report the corpus: one line per
 * trace, JUnit XML, an HTML summary page, and expectations rewritten in place (--update).
 */
#ifndef VGL_REPLAY_CORPUS_H
#define VGL_REPLAY_CORPUS_H

#include <stdbool.h>
#include <sys/types.h>

#include "backend.h"
#include "manifest.h"

struct corpus_options {
    const char *manifest;
    char **names; /* replay only these traces (by name), or all when name_count is 0 */
    int name_count;
    unsigned jobs;                     /* >= 1 */
    unsigned shard_index, shard_count; /* 1-based; shard_count 0: the whole corpus */
    const char *junit, *report_dir, *cache_dir;
    const char *host; /* --host: the name host overrides are keyed by, or NULL */
    bool update;
    int verbosity;
    struct backend_options backend;
};

enum trace_verdict {
    VERDICT_PASS,
    VERDICT_FAIL,       /* a frame differs from the manifest */
    VERDICT_CRASH,      /* the replay process died (a failure too) */
    VERDICT_DAMAGED,    /* missing, unreadable, damaged, unfetchable or the wrong sha256 */
    VERDICT_UNTESTABLE, /* no usable GL, or the renderer is not on this machine */
    VERDICT_SKIP,       /* labelled skip */
};

struct trace_result {
    const struct manifest_entry *entry;
    size_t index; /* in the manifest */
    struct effective eff;
    char id[96]; /* unique, file-name safe: the trace's directory in --report */
    enum trace_verdict verdict;
    bool flaky; /* labelled flaky: reported, never fails the run */
    bool ran;   /* a replay process was started */
    int status; /* the replay's exit status */
    double seconds;
    unsigned frames, differing;
    unsigned calls_differing; /* call statuses that differ from the capture's */
    char *summary;            /* one line: why it failed, or what passed */
    char *details;            /* the failing frames, then the end of the replay's log */
    bool has_report;          /* report_dir/id/index.html was written */
    pid_t pid;
};

struct corpus {
    const struct corpus_options *o;
    struct manifest m;
    const char *renderer;         /* "vgl" or "virglrenderer" */
    struct trace_result *results; /* the selected traces, in manifest order */
    size_t count;
    char work[4096]; /* private temporary directory */
    double seconds;  /* wall time of the whole run */
};

/* Run the corpus; returns the exit status (0, 1, 2 or 125; see virgl-replay --help). */
int corpus_run(const struct corpus_options *o);

/* In a child process: replay result r and write work/ID.result; never returns. */
void corpus_child(const struct corpus *c, const struct trace_result *r) __attribute__((noreturn));
/* Paths of a trace's files in the work directory and the report directory. */
void corpus_path(const struct corpus *c, const struct trace_result *r, const char *what, char *out,
                 size_t size);

const char *verdict_name(enum trace_verdict v);
bool corpus_write_junit(const struct corpus *c, const char *path, char *why, size_t why_size);
bool corpus_write_report(const struct corpus *c, const char *dir, char *why, size_t why_size);
/* --update: rewrite the manifest's expected frames from the replays; false with why.
 * *by_hand counts the differences it could not write (they are printed). */
bool corpus_update_manifest(const struct corpus *c, unsigned *by_hand, char *why, size_t why_size);

#endif
