/* SPDX-License-Identifier: MIT */
#include "common/seed.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vgl/common.h>

/* FNV-1a: names the file after its content, so repeated buffers are written once. */
static uint64_t hash_bytes(const uint8_t *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h;
}

void vgl_seed_write(const char *kind, const void *data, size_t size) {
    const char *const dir = getenv("VGL_SEED_DIR");
    if (!dir || !dir[0]) {
        return;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, kind);
    (void)mkdir(dir, 0755); /* the directory itself may not exist yet */
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        vgl_log(VGL_LOG_WARN, "VGL_SEED_DIR: cannot create %s: %s", path, strerror(errno));
        return;
    }
    snprintf(path, sizeof(path), "%s/%s/%016llx", dir, kind,
             (unsigned long long)hash_bytes(data, size));
    const int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno != EEXIST) {
            vgl_log(VGL_LOG_WARN, "VGL_SEED_DIR: cannot create %s: %s", path, strerror(errno));
        }
        return;
    }
    const ssize_t n = size ? write(fd, data, size) : 0;
    if (n < 0 || (size_t)n != size) {
        vgl_log(VGL_LOG_WARN, "VGL_SEED_DIR: short write to %s", path);
    }
    close(fd);
}
