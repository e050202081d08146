/* SPDX-License-Identifier: MIT */
/* The corpus runner: choose the traces (names, shard), run up to --jobs replay processes, read
 * their verdicts, print a line per trace and the total, then write JUnit, the summary page and
 * the updated manifest. */
#include "corpus.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "replay_app.h"

#define LOG_TAIL_BYTES 4096

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *verdict_name(enum trace_verdict v) {
    static const char *const names[] = {"PASS", "FAIL", "CRASH", "DAMAGED", "UNTESTABLE", "SKIP"};
    return v <= VERDICT_SKIP ? names[v] : "?";
}

static void make_id(struct trace_result *r) {
    int n = snprintf(r->id, sizeof(r->id), "%03zu-", r->index);
    for (const char *s = r->entry->name; *s && n < (int)sizeof(r->id) - 1; s++) {
        const char ch = *s;
        const bool safe = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                          (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
        r->id[n++] = safe ? ch : '_';
    }
    r->id[n] = '\0';
}

static bool selected(const struct corpus_options *o, const struct manifest_entry *e, size_t i) {
    if (o->shard_count && i % o->shard_count != o->shard_index - 1) {
        return false;
    }
    if (!o->name_count) {
        return true;
    }
    for (int k = 0; k < o->name_count; k++) {
        if (strcmp(o->names[k], e->name) == 0) {
            return true;
        }
    }
    return false;
}

static bool names_exist(const struct corpus *c) {
    for (int k = 0; k < c->o->name_count; k++) {
        bool found = false;
        for (size_t i = 0; i < c->m.count && !found; i++) {
            found = strcmp(c->o->names[k], c->m.entries[i].name) == 0;
        }
        if (!found) {
            fprintf(stderr, "virgl-replay: %s lists no trace named '%s'\n", c->m.path,
                    c->o->names[k]);
            return false;
        }
    }
    return true;
}

static bool choose(struct corpus *c) {
    char why[512];
    c->results = calloc(c->m.count ? c->m.count : 1, sizeof(*c->results));
    if (!c->results) {
        fprintf(stderr, "virgl-replay: out of memory\n");
        return false;
    }
    for (size_t i = 0; i < c->m.count; i++) {
        const struct manifest_entry *e = &c->m.entries[i];
        if (!selected(c->o, e, i)) {
            continue;
        }
        struct trace_result *r = &c->results[c->count++];
        r->entry = e;
        r->index = i;
        make_id(r);
        if (!manifest_effective(&c->m, e, c->renderer, c->o->host, &r->eff, why, sizeof(why))) {
            fprintf(stderr, "virgl-replay: %s\n", why);
            return false;
        }
        r->flaky = effective_has_label(&r->eff, "flaky");
        if (effective_has_label(&r->eff, "skip")) {
            r->verdict = VERDICT_SKIP;
            r->summary = strdup("labelled skip");
        }
    }
    return true;
}

static char *read_tail(const char *path, size_t max) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return strdup("");
    }
    fseek(f, 0, SEEK_END);
    const long size = ftell(f);
    const long from = size > (long)max ? size - (long)max : 0;
    fseek(f, from, SEEK_SET);
    char *buf = malloc(max + 1);
    const size_t n = buf ? fread(buf, 1, max, f) : 0;
    fclose(f);
    if (buf) {
        buf[n] = '\0';
    }
    return buf;
}

/* Append "line\n" to a malloc'ed string. */
static void append(char **s, const char *line) {
    const size_t old = *s ? strlen(*s) : 0, add = strlen(line);
    char *p = realloc(*s, old + add + 2);
    if (!p) {
        return;
    }
    memcpy(p + old, line, add);
    p[old + add] = '\n';
    p[old + add + 1] = '\0';
    *s = p;
}

static void set_summary(struct trace_result *r, const char *text) {
    free(r->summary);
    r->summary = strdup(text);
}

/* Read work/ID.result: the verdict, the failing frames. */
static void read_result(struct corpus *c, struct trace_result *r, int wstatus) {
    char path[4300];
    corpus_path(c, r, "result", path, sizeof(path));
    FILE *f = fopen(path, "r");
    char line[2048], first_fail[2048] = "", error[2048] = "";
    bool have_status = false;
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "status %d", &r->status) == 1) {
            have_status = true;
        } else if (sscanf(line, "frames %u %u", &r->frames, &r->differing) == 2) {
        } else if (sscanf(line, "calls %u", &r->calls_differing) == 1) {
        } else if (strncmp(line, "fail ", 5) == 0) {
            if (!first_fail[0]) {
                snprintf(first_fail, sizeof(first_fail), "%s", line + 5);
            }
            append(&r->details, line + 5);
        } else if (strncmp(line, "error ", 6) == 0) {
            snprintf(error, sizeof(error), "%s", line + 6);
        }
    }
    if (f) {
        fclose(f);
    }
    char text[2300];
    if (!have_status) {
        r->verdict = VERDICT_CRASH;
        if (WIFSIGNALED(wstatus)) {
            snprintf(text, sizeof(text), "the replay process died of signal %d (%s)",
                     WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
        } else {
            snprintf(text, sizeof(text), "the replay process exited %d without a verdict",
                     WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
        }
    } else if (r->status == EXIT_INPUT) {
        r->verdict = VERDICT_DAMAGED;
        snprintf(text, sizeof(text), "%s", error[0] ? error : "the trace is damaged or unreadable");
    } else if (r->status == EXIT_UNTESTABLE) {
        r->verdict = VERDICT_UNTESTABLE;
        snprintf(text, sizeof(text), "cannot test here: no usable host GL or no such renderer");
    } else if (r->differing > 0 || r->calls_differing > 0 ||
               (r->status == EXIT_BAD && !r->eff.listed)) {
        r->verdict = VERDICT_FAIL;
        if (first_fail[0]) {
            snprintf(text, sizeof(text), "%s", first_fail);
        } else if (r->calls_differing) {
            snprintf(text, sizeof(text), "%u call status(es) differ from the capture's",
                     r->calls_differing);
        } else {
            snprintf(text, sizeof(text), "frames differ from the capture's checksums");
        }
    } else {
        r->verdict = VERDICT_PASS;
        snprintf(text, sizeof(text), "%u frames%s", r->frames,
                 r->eff.listed || r->eff.images ? "" : " (against the capture's checksums)");
    }
    set_summary(r, text);
    corpus_path(c, r, "log", path, sizeof(path));
    char *tail = read_tail(path, LOG_TAIL_BYTES);
    if (tail && r->verdict != VERDICT_PASS) {
        append(&r->details, "--- the end of the replay's log ---");
        append(&r->details, tail);
    }
    free(tail);
    if (c->o->report_dir) {
        char page[4400];
        corpus_path(c, r, "report", path, sizeof(path));
        snprintf(page, sizeof(page), "%s/index.html", path);
        r->has_report = access(page, F_OK) == 0;
    }
}

static bool counts_as_failure(const struct trace_result *r) {
    return (r->verdict == VERDICT_FAIL || r->verdict == VERDICT_CRASH) && !r->flaky;
}

/* Failures --update cannot turn into expectations: crashes and differing call statuses. */
static bool unfixable(const struct corpus *c) {
    for (size_t i = 0; i < c->count; i++) {
        const struct trace_result *r = &c->results[i];
        if (counts_as_failure(r) && (r->verdict == VERDICT_CRASH || r->calls_differing)) {
            return true;
        }
    }
    return false;
}

static void print_result(const struct corpus *c, const struct trace_result *r, size_t done,
                         size_t total) {
    const char *label = r->verdict == VERDICT_PASS ? "pass" : verdict_name(r->verdict);
    printf("[%zu/%zu] %s: %s%s: %s", done, total, r->entry->name,
           r->flaky && r->verdict != VERDICT_PASS ? "flaky " : "", label, r->summary);
    if (r->ran) {
        printf(" (%.1f s)", r->seconds);
    }
    if (r->has_report && r->verdict != VERDICT_PASS) {
        printf("; report %s/%s/index.html", c->o->report_dir, r->id);
    }
    putchar('\n');
    fflush(stdout);
}

static bool start(struct corpus *c, struct trace_result *r) {
    char dir[4300], old[4400];
    if (c->o->report_dir) {
        corpus_path(c, r, "report", dir, sizeof(dir));
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "virgl-replay: cannot create %s: %s\n", dir, strerror(errno));
            return false;
        }
        /* A report directory used before: nothing of an earlier run may be linked. */
        snprintf(old, sizeof(old), "%s/index.html", dir);
        unlink(old);
        corpus_path(c, r, "log", old, sizeof(old));
        unlink(old);
    }
    fflush(NULL);
    r->seconds = now_s();
    r->pid = fork();
    if (r->pid < 0) {
        fprintf(stderr, "virgl-replay: fork: %s\n", strerror(errno));
        return false;
    }
    if (r->pid == 0) {
        corpus_child(c, r);
    }
    r->ran = true;
    return true;
}

static bool run_all(struct corpus *c) {
    size_t next = 0, running = 0, done = 0;
    const unsigned jobs = c->o->jobs ? c->o->jobs : 1;
    struct trace_result **slots = calloc(jobs, sizeof(*slots)); /* the running replays */
    if (!slots) {
        fprintf(stderr, "virgl-replay: out of memory\n");
        return false;
    }
    bool ok = true;
    for (;;) {
        while (ok && running < jobs && next < c->count) {
            struct trace_result *r = &c->results[next++];
            if (r->verdict == VERDICT_SKIP) {
                print_result(c, r, ++done, c->count);
                continue;
            }
            if (!start(c, r)) {
                ok = false; /* wait for those running, then stop */
                break;
            }
            for (unsigned s = 0; s < jobs; s++) {
                if (!slots[s]) {
                    slots[s] = r;
                    break;
                }
            }
            running++;
        }
        if (!running) {
            free(slots);
            return ok;
        }
        int wstatus;
        const pid_t pid = waitpid(-1, &wstatus, 0);
        if (pid < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "virgl-replay: waitpid: %s\n", strerror(errno));
            free(slots);
            return false;
        }
        for (unsigned s = 0; s < jobs; s++) {
            struct trace_result *r = slots[s];
            if (r && r->pid == pid) {
                slots[s] = NULL;
                r->pid = 0;
                r->seconds = now_s() - r->seconds;
                read_result(c, r, wstatus);
                print_result(c, r, ++done, c->count);
                running--;
            }
        }
    }
}

static int exit_status(const struct corpus *c) {
    unsigned n[VERDICT_SKIP + 1] = {0}, flaky = 0, failed = 0;
    for (size_t i = 0; i < c->count; i++) {
        const struct trace_result *r = &c->results[i];
        n[r->verdict]++;
        flaky += r->flaky && (r->verdict == VERDICT_FAIL || r->verdict == VERDICT_CRASH);
        failed += counts_as_failure(r);
    }
    printf("corpus: %zu traces: %u passed, %u failed, %u crashed, %u damaged, %u untestable, "
           "%u skipped, %u flaky failures ignored; %.2f s with %u job%s\n",
           c->count, n[VERDICT_PASS], n[VERDICT_FAIL], n[VERDICT_CRASH], n[VERDICT_DAMAGED],
           n[VERDICT_UNTESTABLE], n[VERDICT_SKIP], flaky, c->seconds, c->o->jobs,
           c->o->jobs == 1 ? "" : "s");
    if (n[VERDICT_DAMAGED]) {
        return EXIT_INPUT;
    }
    if (failed) {
        return EXIT_BAD;
    }
    if (n[VERDICT_PASS] + n[VERDICT_FAIL] + n[VERDICT_CRASH] == 0) {
        printf("corpus: nothing could be tested\n");
        return replay_untestable_status();
    }
    return EXIT_GOOD;
}

static void remove_work(struct corpus *c) {
    if (!c->work[0]) {
        return;
    }
    for (size_t i = 0; i < c->count; i++) {
        static const char *const kinds[] = {"result", "got", "log"};
        for (size_t k = 0; k < 3; k++) {
            char path[4300];
            snprintf(path, sizeof(path), "%s/%s.%s", c->work, c->results[i].id, kinds[k]);
            unlink(path);
        }
    }
    rmdir(c->work);
}

static void corpus_free(struct corpus *c) {
    remove_work(c);
    for (size_t i = 0; i < c->count; i++) {
        effective_free(&c->results[i].eff);
        free(c->results[i].summary);
        free(c->results[i].details);
    }
    free(c->results);
    manifest_free(&c->m);
}

static bool make_work_dir(struct corpus *c) {
    const char *tmp = getenv("TMPDIR");
    snprintf(c->work, sizeof(c->work), "%s/virgl-replay-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(c->work)) {
        fprintf(stderr, "virgl-replay: cannot create %s: %s\n", c->work, strerror(errno));
        c->work[0] = '\0';
        return false;
    }
    return true;
}

int corpus_run(const struct corpus_options *o) {
    struct corpus c = {.o = o,
                       .renderer = o->backend.kind == BACKEND_VGL ? "vgl" : "virglrenderer"};
    char why[768];
    int status = EXIT_INPUT;
    if (!manifest_load(o->manifest, &c.m, why, sizeof(why))) {
        fprintf(stderr, "virgl-replay: %s\n", why);
        goto out;
    }
    if (!names_exist(&c) || !choose(&c) || !make_work_dir(&c)) {
        goto out;
    }
    if (o->report_dir && mkdir(o->report_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "virgl-replay: cannot create %s: %s\n", o->report_dir, strerror(errno));
        goto out;
    }
    printf("corpus: %s: %zu of %zu traces", o->manifest, c.count, c.m.count);
    if (o->shard_count) {
        printf(" (shard %u/%u)", o->shard_index, o->shard_count);
    }
    printf(" on %s%s%s, %u job%s\n", c.renderer, o->host ? ", host " : "", o->host ? o->host : "",
           o->jobs, o->jobs == 1 ? "" : "s");
    const double t0 = now_s();
    if (!run_all(&c)) {
        goto out;
    }
    c.seconds = now_s() - t0;
    status = exit_status(&c);
    if (o->junit && !corpus_write_junit(&c, o->junit, why, sizeof(why))) {
        fprintf(stderr, "virgl-replay: %s\n", why);
        status = EXIT_INPUT;
    }
    if (o->report_dir && !corpus_write_report(&c, o->report_dir, why, sizeof(why))) {
        fprintf(stderr, "virgl-replay: %s\n", why);
        status = EXIT_INPUT;
    }
    if (o->update) {
        unsigned by_hand = 0;
        if (!corpus_update_manifest(&c, &by_hand, why, sizeof(why))) {
            fprintf(stderr, "virgl-replay: --update: %s\n", why);
            status = EXIT_INPUT;
        } else if (by_hand && status == EXIT_GOOD) {
            status = EXIT_BAD; /* asked to update, and some of it is left to do */
        } else if (status == EXIT_BAD && !by_hand && !unfixable(&c)) {
            status = EXIT_GOOD; /* the differences are now the expectations */
        }
    }
out:
    corpus_free(&c);
    return status;
}
