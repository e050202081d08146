/* SPDX-License-Identifier: MIT */
/* Open-addressing u32 -> pointer map used for contexts, resources and objects. */
#include "common/hash_map.h"

#include <stdlib.h>

#define TOMBSTONE ((void *)&tombstone_marker)
static const char tombstone_marker;

static size_t hash(uint32_t key) {
    uint32_t h = key * 0x9e3779b1u;
    return h ^ (h >> 16);
}

void vgl_hash_map_init(struct vgl_hash_map *map) {
    *map = (struct vgl_hash_map){0};
}

void vgl_hash_map_finish(struct vgl_hash_map *map) {
    free(map->entries);
    *map = (struct vgl_hash_map){0};
}

static struct vgl_hash_entry *find(const struct vgl_hash_map *map, uint32_t key) {
    if (!map->capacity || key == 0) {
        return NULL;
    }
    const size_t mask = map->capacity - 1;
    for (size_t i = hash(key) & mask, n = 0; n < map->capacity; i = (i + 1) & mask, n++) {
        struct vgl_hash_entry *e = &map->entries[i];
        if (e->key == 0 && e->value == NULL) {
            return NULL;
        }
        if (e->key == key && e->value != TOMBSTONE) {
            return e;
        }
    }
    return NULL;
}

static bool grow(struct vgl_hash_map *map) {
    const size_t capacity = map->capacity ? map->capacity * 2 : 16;
    struct vgl_hash_entry *entries = calloc(capacity, sizeof(*entries));
    if (!entries) {
        return false;
    }
    for (size_t i = 0; i < map->capacity; i++) {
        const struct vgl_hash_entry *e = &map->entries[i];
        if (e->key == 0 || e->value == TOMBSTONE) {
            continue;
        }
        size_t j = hash(e->key) & (capacity - 1);
        while (entries[j].key != 0) {
            j = (j + 1) & (capacity - 1);
        }
        entries[j] = *e;
    }
    free(map->entries);
    map->entries = entries;
    map->capacity = capacity;
    map->tombstones = 0;
    return true;
}

bool vgl_hash_map_insert(struct vgl_hash_map *map, uint32_t key, void *value) {
    if (key == 0 || !value || find(map, key)) {
        return false;
    }
    if ((map->count + map->tombstones + 1) * 4 > map->capacity * 3 && !grow(map)) {
        return false;
    }
    const size_t mask = map->capacity - 1;
    size_t i = hash(key) & mask;
    while (map->entries[i].key != 0 && map->entries[i].value != TOMBSTONE) {
        i = (i + 1) & mask;
    }
    if (map->entries[i].value == TOMBSTONE) {
        map->tombstones--;
    }
    map->entries[i] = (struct vgl_hash_entry){key, value};
    map->count++;
    return true;
}

void *vgl_hash_map_get(const struct vgl_hash_map *map, uint32_t key) {
    const struct vgl_hash_entry *e = find(map, key);
    return e ? e->value : NULL;
}

void *vgl_hash_map_remove(struct vgl_hash_map *map, uint32_t key) {
    struct vgl_hash_entry *e = find(map, key);
    if (!e) {
        return NULL;
    }
    void *value = e->value;
    e->value = TOMBSTONE;
    map->count--;
    map->tombstones++;
    return value;
}

bool vgl_hash_map_next(const struct vgl_hash_map *map, size_t *pos, uint32_t *key, void **value) {
    for (; *pos < map->capacity; (*pos)++) {
        const struct vgl_hash_entry *e = &map->entries[*pos];
        if (e->key != 0 && e->value != TOMBSTONE) {
            *key = e->key;
            *value = e->value;
            (*pos)++;
            return true;
        }
    }
    return false;
}
