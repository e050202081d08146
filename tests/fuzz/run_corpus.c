/* SPDX-License-Identifier: MIT */
/*
 * The regression driver: runs every file of the directories (or the files) named on the command
 * line through the target's LLVMFuzzerTestOneInput, without libFuzzer, so that any compiler can
 * build a corpus into an ordinary test. A crash, sanitizer report or hang fails the test.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static int run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "run-corpus: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, size = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size += fread(buf + size, 1, cap - size, f);
        if (size < cap) {
            break;
        }
        cap *= 2;
        uint8_t *const grown = realloc(buf, cap);
        if (!grown) {
            free(buf);
        }
        buf = grown;
    }
    const int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        fprintf(stderr, "run-corpus: %s: read failed\n", path);
        free(buf);
        return -1;
    }
    if (getenv("VGL_FUZZ_VERBOSE")) {
        fprintf(stderr, "run-corpus: %s (%zu bytes)\n", path, size);
    }
    /* A copy of exactly `size` bytes, so ASan sees reads past the input's end. */
    uint8_t *const exact = malloc(size ? size : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, size);
    free(buf);
    /* A hang is a failure too: SIGALRM ends the test run (seconds per input, as libFuzzer's
     * -timeout; VGL_FUZZ_TIMEOUT overrides the default of 5). */
    const char *const limit = getenv("VGL_FUZZ_TIMEOUT");
    alarm(limit ? (unsigned)atoi(limit) : 5u);
    LLVMFuzzerTestOneInput(exact, size);
    alarm(0);
    free(exact);
    return 0;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of a directory in name order, so runs are reproducible. */
static int run_dir(const char *dir, unsigned *count) {
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "run-corpus: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **const grown = realloc(names, cap * sizeof(*names));
            if (!grown) {
                rc = -1;
                break;
            }
            names = grown;
        }
        const size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = -1;
            break;
        }
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n) {
        qsort(names, n, sizeof(*names), by_name);
    }
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && run_file(names[i]) == 0) {
            (*count)++;
        } else {
            rc = -1;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
        return 2;
    }
    unsigned count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "run-corpus: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        const int rc = S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) : run_file(argv[i]);
        if (rc == 0 && !S_ISDIR(st.st_mode)) {
            count++;
        }
        if (rc != 0) {
            return 1;
        }
    }
    printf("run-corpus: %u inputs, no crash\n", count);
    return count ? 0 : 1;
}
