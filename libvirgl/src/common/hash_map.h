/* SPDX-License-Identifier: MIT */
/* A map from guest-chosen u32 handles to pointers: open addressing, linear probing, growth by
 * doubling. Handles are arbitrary values; key 0 is never stored (0 means "none" on the wire). */
#ifndef VGL_HASH_MAP_H
#define VGL_HASH_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vgl_hash_entry {
    uint32_t key;
    void *value;
};

struct vgl_hash_map {
    struct vgl_hash_entry *entries;
    size_t capacity; /* power of two, or 0 */
    size_t count;
    size_t tombstones;
};

void vgl_hash_map_init(struct vgl_hash_map *map);
void vgl_hash_map_finish(struct vgl_hash_map *map);
/* Insert a new key (false if the key is 0, present, or memory ran out). */
bool vgl_hash_map_insert(struct vgl_hash_map *map, uint32_t key, void *value);
void *vgl_hash_map_get(const struct vgl_hash_map *map, uint32_t key);
/* Remove and return the value, or NULL. */
void *vgl_hash_map_remove(struct vgl_hash_map *map, uint32_t key);
/* Iterate: start with *pos = 0; returns false at the end. */
bool vgl_hash_map_next(const struct vgl_hash_map *map, size_t *pos, uint32_t *key, void **value);

#endif
