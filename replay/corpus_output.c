/* SPDX-License-Identifier: MIT */
/* What a corpus run leaves for CI: JUnit XML (as GitLab, GitHub and Jenkins read it) and one
 * HTML page summing up the run and linking each trace's difference report and log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "corpus.h"
#include "markup.h"

struct tally {
    unsigned tests, failures, errors, skipped;
};

/* JUnit's view: a failure is a differing frame; an error a trace that could not be replayed to
 * its end; flaky failures and untestable traces are skipped. */
static const char *junit_kind(const struct trace_result *r) {
    if (r->verdict == VERDICT_SKIP || r->verdict == VERDICT_UNTESTABLE) {
        return "skipped";
    }
    if (r->flaky && (r->verdict == VERDICT_FAIL || r->verdict == VERDICT_CRASH)) {
        return "skipped";
    }
    if (r->verdict == VERDICT_FAIL) {
        return "failure";
    }
    if (r->verdict == VERDICT_CRASH || r->verdict == VERDICT_DAMAGED) {
        return "error";
    }
    return NULL;
}

static struct tally count(const struct corpus *c) {
    struct tally t = {.tests = (unsigned)c->count};
    for (size_t i = 0; i < c->count; i++) {
        const char *k = junit_kind(&c->results[i]);
        t.failures += k && strcmp(k, "failure") == 0;
        t.errors += k && strcmp(k, "error") == 0;
        t.skipped += k && strcmp(k, "skipped") == 0;
    }
    return t;
}

static void put_attr(FILE *f, const char *name, const char *value) {
    fprintf(f, " %s=\"", name);
    markup_escape(f, value);
    fputc('"', f);
}

/* Append " word" to out, in single quotes when the shell would read it otherwise. */
static void put_word(char *out, size_t size, const char *word) {
    size_t n = strlen(out);
    const bool plain =
            word[0] && strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789._/-:=@%+,") == strlen(word);
    if (n + 4 >= size) {
        return;
    }
    out[n++] = ' ';
    if (!plain) {
        out[n++] = '\'';
    }
    for (const char *s = word; *s && n + 6 < size; s++) {
        if (*s == '\'' && !plain) {
            memcpy(out + n, "'\\''", 4); /* close, an escaped quote, open */
            n += 4;
        } else {
            out[n++] = *s;
        }
    }
    if (!plain) {
        out[n++] = '\'';
    }
    out[n] = '\0';
}

/* The command that replays this one trace as the run did. */
static void reproduce(const struct corpus *c, const struct trace_result *r, char *out,
                      size_t size) {
    snprintf(out, size, "virgl-replay");
    put_word(out, size, "--manifest");
    put_word(out, size, c->o->manifest);
    if (c->o->backend.kind != BACKEND_VGL) {
        put_word(out, size, "--renderer");
        put_word(out, size, "virglrenderer");
    }
    if (c->o->backend.host_api != VGL_HOST_API_AUTO) {
        put_word(out, size, "--host-api");
        put_word(out, size, c->o->backend.host_api == VGL_HOST_API_GL ? "gl" : "gles");
    }
    const char *const pairs[][2] = {{"--renderer-lib", c->o->backend.library},
                                    {"--host", c->o->host},
                                    {"--cache", c->o->cache_dir}};
    for (size_t i = 0; i < 3; i++) {
        if (pairs[i][1]) {
            put_word(out, size, pairs[i][0]);
            put_word(out, size, pairs[i][1]);
        }
    }
    put_word(out, size, r->entry->name);
}

static void junit_case(FILE *f, const struct corpus *c, const struct trace_result *r) {
    char time_s[32], text[8192];
    snprintf(time_s, sizeof(time_s), "%.3f", r->ran ? r->seconds : 0.0);
    fprintf(f, "    <testcase");
    put_attr(f, "name", r->entry->name);
    put_attr(f, "classname", c->m.path);
    put_attr(f, "file", r->entry->file ? r->entry->file : r->entry->url);
    put_attr(f, "time", time_s);
    const char *kind = junit_kind(r);
    if (!kind) {
        fprintf(f, "/>\n");
        return;
    }
    fprintf(f, ">\n      <%s", kind);
    snprintf(text, sizeof(text), "%s%s",
             r->flaky && strcmp(kind, "skipped") == 0 && r->ran ? "flaky, failed: " : "",
             r->summary ? r->summary : "");
    put_attr(f, "message", text);
    if (strcmp(kind, "skipped") == 0) {
        fprintf(f, "/>\n");
    } else {
        put_attr(f, "type",
                 r->verdict == VERDICT_FAIL    ? "frame-differs"
                 : r->verdict == VERDICT_CRASH ? "crash"
                                               : "damaged");
        fprintf(f, ">");
        markup_escape(f, r->details ? r->details : "");
        if (r->has_report) {
            snprintf(text, sizeof(text), "report: %s/%s/index.html\n", c->o->report_dir, r->id);
            markup_escape(f, text);
        }
        reproduce(c, r, text, sizeof(text));
        fputs("reproduce: ", f);
        markup_escape(f, text);
        fprintf(f, "\n</%s>\n", kind);
    }
    if (r->details && strcmp(kind, "skipped") == 0) {
        fprintf(f, "      <system-out>");
        markup_escape(f, r->details);
        fprintf(f, "</system-out>\n");
    }
    fprintf(f, "    </testcase>\n");
}

static bool close_file(FILE *f, const char *tmp, const char *path, char *why, size_t why_size) {
    const bool ok = !ferror(f);
    if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
        snprintf(why, why_size, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return false;
    }
    return true;
}

static FILE *open_tmp(const char *path, char *tmp, size_t tmp_size, char *why, size_t why_size) {
    snprintf(tmp, tmp_size, "%s.tmp-%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(why, why_size, "cannot write %s: %s", path, strerror(errno));
    }
    return f;
}

bool corpus_write_junit(const struct corpus *c, const char *path, char *why, size_t why_size) {
    char tmp[4200], buf[256];
    FILE *f = open_tmp(path, tmp, sizeof(tmp), why, why_size);
    if (!f) {
        return false;
    }
    const struct tally t = count(c);
    const time_t now = time(NULL);
    char stamp[32], host[256] = "localhost";
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", gmtime(&now));
    gethostname(host, sizeof(host) - 1);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<testsuites name=\"virgl-replay\" tests=\"%u\" failures=\"%u\" errors=\"%u\" "
            "skipped=\"%u\" time=\"%.3f\">\n",
            t.tests, t.failures, t.errors, t.skipped, c->seconds);
    fprintf(f, "  <testsuite");
    snprintf(buf, sizeof(buf), "%s on %s", c->m.path, c->renderer);
    put_attr(f, "name", buf);
    fprintf(f, " tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"%.3f\"", t.tests,
            t.failures, t.errors, t.skipped, c->seconds);
    put_attr(f, "timestamp", stamp);
    put_attr(f, "hostname", host);
    fprintf(f, ">\n    <properties>\n");
    fprintf(f, "      <property name=\"renderer\" value=\"%s\"/>\n", c->renderer);
    if (c->o->host) {
        fprintf(f, "      <property name=\"host\"");
        put_attr(f, "value", c->o->host);
        fprintf(f, "/>\n");
    }
    if (c->o->shard_count) {
        fprintf(f, "      <property name=\"shard\" value=\"%u/%u\"/>\n", c->o->shard_index,
                c->o->shard_count);
    }
    fprintf(f, "      <property name=\"jobs\" value=\"%u\"/>\n    </properties>\n", c->o->jobs);
    for (size_t i = 0; i < c->count; i++) {
        junit_case(f, c, &c->results[i]);
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    return close_file(f, tmp, path, why, why_size);
}

static const char report_style[] =
        "body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
        ".PASS{color:#176f2c}.FAIL,.CRASH,.DAMAGED{color:#b00020;font-weight:bold}"
        ".SKIP,.UNTESTABLE,.flaky{color:#8a6d00}code{font-size:90%}";

static void report_row(FILE *f, const struct corpus *c, const struct trace_result *r) {
    const char *v = verdict_name(r->verdict);
    const bool flaky = r->flaky && r->verdict != VERDICT_PASS;
    fprintf(f, "<tr id=\"%s\"><td>", r->id);
    markup_escape(f, r->entry->name);
    fprintf(f, "</td><td class=\"%s\">%s%s</td><td>", flaky ? "flaky" : v, flaky ? "flaky " : "",
            v);
    markup_escape(f, r->summary ? r->summary : "");
    fprintf(f, "</td><td>");
    if (r->ran) {
        fprintf(f, "%.2f s", r->seconds);
    }
    fprintf(f, "</td><td>");
    if (r->has_report) {
        fprintf(f, "<a href=\"%s/index.html\">report</a> ", r->id);
    }
    if (r->ran) {
        fprintf(f, "<a href=\"%s/replay.log\">log</a>", r->id);
    }
    fprintf(f, "</td></tr>\n");
}

bool corpus_write_report(const struct corpus *c, const char *dir, char *why, size_t why_size) {
    char path[4200], tmp[4300];
    snprintf(path, sizeof(path), "%s/index.html", dir);
    FILE *f = open_tmp(path, tmp, sizeof(tmp), why, why_size);
    if (!f) {
        return false;
    }
    const struct tally t = count(c);
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
               "<title>virgl-replay corpus: ");
    markup_escape(f, c->m.path);
    fprintf(f, "</title>\n<link rel=\"icon\" href=\"data:,\">\n<style>%s</style></head><body>\n",
            report_style);
    fprintf(f, "<h1>Corpus ");
    markup_escape(f, c->m.path);
    fprintf(f, "</h1>\n<p>%u traces on %s", t.tests, c->renderer);
    if (c->o->shard_count) {
        fprintf(f, " (shard %u/%u)", c->o->shard_index, c->o->shard_count);
    }
    fprintf(f, ": %u failed, %u errors, %u skipped; %.1f s with %u job%s.</p>\n", t.failures,
            t.errors, t.skipped, c->seconds, c->o->jobs, c->o->jobs == 1 ? "" : "s");
    bool any = false;
    for (size_t i = 0; i < c->count; i++) {
        const struct trace_result *r = &c->results[i];
        if (r->verdict == VERDICT_FAIL || r->verdict == VERDICT_CRASH ||
            r->verdict == VERDICT_DAMAGED) {
            fprintf(f, "%s<li><a href=\"#%s\">", any ? "" : "<h2>Failing</h2>\n<ul>\n", r->id);
            markup_escape(f, r->entry->name);
            fprintf(f, "</a>%s", r->flaky ? " (flaky)" : "");
            if (r->has_report) {
                fprintf(f, ": <a href=\"%s/index.html\">difference report</a>", r->id);
            }
            fprintf(f, "</li>\n");
            any = true;
        }
    }
    fprintf(f,
            "%s<h2>Traces</h2>\n<table><tr><th>trace</th><th>verdict</th><th>detail</th>"
            "<th>time</th><th>files</th></tr>\n",
            any ? "</ul>\n" : "");
    for (size_t i = 0; i < c->count; i++) {
        report_row(f, c, &c->results[i]);
    }
    fprintf(f, "</table>\n</body></html>\n");
    return close_file(f, tmp, path, why, why_size);
}
