/* SPDX-License-Identifier: MIT */
/*
 * A trace corpus manifest (docs/manifest.md): the traces, where each comes from (a file beside
 * the manifest, or a URL with its sha256), labels, tolerance, reference images and the expected
 * frames, with overrides per renderer or host. Parsed with libyaml; the file is hostile input.
 * Every value keeps where it stands in the file, so --update can rewrite it in place.
 */
#ifndef VGL_REPLAY_MANIFEST_H
#define VGL_REPLAY_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a value stands in the manifest text: bytes [start, end); end == 0 when it is absent. */
struct text_span {
    size_t start, end;
};

struct expected_frame {
    uint32_t frame;
    bool has_size, has_format, has_crc;
    uint32_t w, h, format, crc;
    struct text_span size_at, format_at, crc_at;
    struct text_span pair_at; /* from the key to the end of the value */
    bool own_line;            /* the pair is alone on its line(s): --update may remove it */
};

/* One `frames:` mapping. */
struct frame_set {
    bool present;
    bool block; /* a block mapping: --update may add lines to it */
    struct expected_frame *items;
    size_t count;
    size_t line_end; /* end of the line of its last pair (or of `frames:`) */
    unsigned indent; /* the column of its keys (a new pair goes there) */
};

/* The base expectation of a trace, or an override of it. */
struct expectation {
    struct frame_set frames;
    bool has_labels, has_tolerance;
    char **labels;
    size_t label_count;
    unsigned tolerance;
    char *images; /* a directory of frame-NNNN.png, resolved against the manifest's directory */
};

struct expectation_override {
    char *key; /* a renderer name (vgl, virglrenderer) or a host name (--host) */
    struct expectation e;
};

struct manifest_entry {
    char *name;      /* unique in the manifest: the `name:` given, else the file's base name */
    char *file;      /* resolved path, or NULL when only a URL is given */
    char *url;       /* or NULL */
    char sha256[65]; /* lower-case hex, or "" */
    unsigned line;   /* 1-based line of the entry, for messages */
    bool block;      /* a block mapping: --update may add a frames: block to it */
    struct expectation base;
    struct expectation_override *overrides;
    size_t override_count;
    size_t line_end;     /* end of the line of the entry's last value */
    unsigned key_indent; /* the column of the entry's keys */
};

struct manifest {
    char *path;
    char *text; /* the whole file, NUL-terminated */
    size_t text_len;
    struct manifest_entry *entries;
    size_t count;
};

/* The expectation that applies to a trace on one renderer and host: the base with the
 * renderer's override, then the host's, laid over it. */
struct effective_frame {
    uint32_t frame, w, h, format, crc;
    /* The spans that supplied each value (the last override that gave it). */
    struct text_span size_at, format_at, crc_at;
    const struct expected_frame *last; /* the last definition of this frame */
    unsigned layers;                   /* how many layers define it */
};

struct effective {
    const char *const *labels;
    size_t label_count;
    unsigned tolerance;
    const char *images;
    struct effective_frame *frames; /* sorted by frame; malloc'ed */
    size_t count;
    const struct frame_set *new_frames_go; /* where --update adds frames, or NULL */
    bool listed; /* some layer has frames: (even empty): the manifest, not the capture, decides */
};

/* Load and check a manifest; false with "FILE:LINE:COL: what" in why. Free m even when it
 * fails. */
bool manifest_load(const char *path, struct manifest *m, char *why, size_t why_size);
/* The same from text in memory (named name in messages). Free m even when it fails. */
bool manifest_parse(const char *name, const char *text, size_t len, struct manifest *m, char *why,
                    size_t why_size);
void manifest_free(struct manifest *m);

/* The expectation for renderer (and host, or NULL). False with why when a frame lacks a value. */
bool manifest_effective(const struct manifest *m, const struct manifest_entry *e,
                        const char *renderer, const char *host, struct effective *out, char *why,
                        size_t why_size);
void effective_free(struct effective *eff);
bool effective_has_label(const struct effective *eff, const char *label);

#endif
