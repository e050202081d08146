/* SPDX-License-Identifier: MIT */
/*
 * Shared by the virgl-trace subcommands: the subcommand table entry, ranges, a trace walker that
 * numbers calls and frames as virgl-replay does, and a line printer (text or JSON) that can
 * renumber handles for diff. Record contents come from vgl_trace_call_parse only.
 */
#ifndef VGL_TOOL_H
#define VGL_TOOL_H

#include <stdio.h>

#include <vgl/trace_call.h>

/* Exit status of every subcommand (fits `git bisect run`). */
enum tool_exit {
    TOOL_EXIT_OK = 0,
    TOOL_EXIT_DIFFERENT = 1,
    TOOL_EXIT_INPUT = 2, /* bad usage, unreadable or damaged trace */
};

/* One subcommand; argv[0] is the subcommand name. */
struct tool_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

int tool_info(int argc, char **argv);
int tool_dump(int argc, char **argv);
int tool_diff(int argc, char **argv);
int tool_trim(int argc, char **argv);
int tool_bisect(int argc, char **argv);

/*
 * Handle the options every subcommand has: -h/--help prints `usage` to stdout and -V/--version
 * the version. Returns -1 when the caller should go on, else the exit status.
 */
int tool_common_option(int opt, const char *name, const char *usage);

/* "A-B", "A" or "A-": an inclusive range; last is UINT64_MAX when open. */
struct tool_range {
    bool set;
    uint64_t first, last;
};
bool tool_range_parse(const char *text, struct tool_range *out);
bool tool_range_has(const struct tool_range *r, uint64_t v);

/* Frame boundaries of a trace, from a first pass: frame record i came after `ends[i]` calls.
 * The frame records are those of `type` (player_frame_type: FRAME, or FRAME_MARK in a trace
 * without FRAME records). */
struct tool_frames {
    uint64_t *ends;
    uint32_t *ids;
    size_t count, capacity;
    uint32_t type;
};
/* Frame of call `call` (the FRAME record that follows it); false when no FRAME follows. */
bool tool_frames_of(const struct tool_frames *f, uint64_t call, uint32_t *frame);
void tool_frames_finish(struct tool_frames *f);

/* A trace being read, with call numbering. */
struct tool_trace {
    const char *path;
    struct vgl_trace_reader *reader;
    struct vgl_trace_record rec;
    struct vgl_trace_call call;
    uint64_t calls; /* calls read so far */
    /* The call a record belongs to: a call itself; FRAME, FRAME_MARK and END the call before
     * them (the read-back or flush that ended the frame); every other record the call after
     * it. */
    uint64_t index;
    uint64_t records;
    enum vgl_status error;
    uint64_t error_offset;
    char error_message[256];
};

/* Open `path`; on failure prints why to stderr and returns false. */
bool tool_trace_open(struct tool_trace *t, const char *path);
/* 1: a record in t->call, 0: clean end of file, -1: damage (t->error*, see tool_trace_report). */
int tool_trace_next(struct tool_trace *t);
void tool_trace_report(const struct tool_trace *t);
void tool_trace_close(struct tool_trace *t);
/* Read the whole trace once and collect its frame boundaries; false on damage (still filled). */
bool tool_trace_scan_frames(const char *path, struct tool_frames *out);

/* Handle renumbering for diff: each value is replaced by its order of first appearance. */
struct tool_id_map {
    uint64_t *keys;
    uint32_t *values;
    size_t count, capacity;
};
uint32_t tool_id_map_get(struct tool_id_map *m, uint64_t key);
void tool_id_map_finish(struct tool_id_map *m);

struct tool_norm {
    struct tool_id_map ctx, res, obj;
};

enum pout_kind {
    POUT_CALL,   /* a renderer call */
    POUT_RECORD, /* a record that is not a call (GUEST_DATA, FRAME, ...) */
    POUT_CMD,    /* a decoded command */
    POUT_TEXT,   /* shader text (text mode only) */
};

/*
 * Builds one output line at a time: "NAME key=value ..." or a JSON object. Each finished line
 * goes to `emit` (or stdout when NULL). With `norm` set, contexts, resources and object handles
 * are printed renumbered.
 */
struct pout {
    bool json;
    struct tool_norm *norm;
    uint32_t ctx; /* raw context of the record being printed: resources and objects are per
                     context */
    void (*emit)(void *user, enum pout_kind kind, const char *line, size_t len);
    void *user;
    char *buf;
    size_t len, capacity;
    bool failed; /* out of memory: lines are dropped */
};

void pout_begin(struct pout *o);
void pout_end(struct pout *o, enum pout_kind kind);
void pout_finish(struct pout *o);
/* Text mode only: literal text (a prefix such as "  12.3"). */
void pout_raw(struct pout *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A name: bare in text ("CLEAR"), "key":"CLEAR" in JSON. */
void pout_name(struct pout *o, const char *key, const char *name);
/* A symbolic value: key=NAME in text, "key":"NAME" in JSON. */
void pout_sym(struct pout *o, const char *key, const char *name);
void pout_u(struct pout *o, const char *key, uint64_t v);
void pout_i(struct pout *o, const char *key, int64_t v);
void pout_x(struct pout *o, const char *key, uint32_t v);
void pout_f(struct pout *o, const char *key, double v);
void pout_b(struct pout *o, const char *key, bool v);
void pout_null(struct pout *o, const char *key);
void pout_s(struct pout *o, const char *key, const char *s, size_t len);
void pout_us(struct pout *o, const char *key, const uint32_t *v, uint32_t n);
void pout_fs(struct pout *o, const char *key, const float *v, uint32_t n);
void pout_box(struct pout *o, const char *key, const struct vgl_box *b);
/* A VIRGL_FORMAT_*: its name when known, else the number. */
void pout_format(struct pout *o, const char *key, uint32_t format);
/* Handle-like values, renumbered by diff: "ctx", resources, object handles. */
void pout_ctx(struct pout *o, uint32_t ctx);
void pout_res(struct pout *o, const char *key, uint32_t handle);
void pout_obj(struct pout *o, const char *key, uint32_t handle);
void pout_objs(struct pout *o, const char *key, const uint32_t *handles, uint32_t n);

/*
 * trace_dump.c: print the line of the record in t (and for a SUBMIT, its commands). `numbered`
 * adds the call index and `frame` (NULL: none); diff leaves both out.
 */
bool dump_record(struct pout *o, const struct tool_trace *t, bool numbered, const uint32_t *frame);

/* A status without its VGL_ prefix ("OK", "ERROR_NOT_FOUND"). */
const char *tool_status_name(int32_t status);

/* Print `s` as a JSON string (with quotes). */
void tool_json_string(FILE *out, const char *s, size_t len);

#endif
