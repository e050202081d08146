/* SPDX-License-Identifier: MIT */
/*
 * Per-frame checksum files: a '#' comment line, then one "frame crc32 WxH format" line per frame
 * (crc32 as 8 hex digits). Files given as references are treated as hostile input.
 */
#ifndef VGL_REPLAY_CHECKER_SUMS_H
#define VGL_REPLAY_CHECKER_SUMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sum_entry {
    uint32_t frame, w, h, format, crc;
    bool seen; /* the replay produced this frame */
};

struct sum_list {
    struct sum_entry *items; /* malloc'ed, owned by whoever holds the list */
    size_t count, capacity;
};

/* Append a copy of e; false (with why) beyond max entries or when out of memory. */
bool sum_list_add(struct sum_list *list, const struct sum_entry *e, size_t max, char *why,
                  size_t why_size);
/* Sort by frame; false when a frame is listed twice (name says where, in why). */
bool sum_list_finish(struct sum_list *list, const char *name, char *why, size_t why_size);
/* The entry for frame in a finished list, or NULL. */
struct sum_entry *sum_list_find(struct sum_entry *items, size_t count, uint32_t frame);

/* Parse path into list (finished; free list->items even on failure). */
bool sum_file_read(const char *path, struct sum_list *list, size_t max, char *why, size_t why_size);
/* Write the entries to path through a temporary file renamed over it. */
bool sum_file_write(const char *path, const struct sum_entry *items, size_t count, char *why,
                    size_t why_size);

#endif
