/* SPDX-License-Identifier: MIT */
/*
 * Shared by every fuzz target (tests/fuzz/fuzz_*.c). Each target defines LLVMFuzzerTestOneInput
 * and is linked either with libFuzzer (-Dfuzzing=true, clang) or with run_corpus.c, the
 * regression driver that feeds it every file of a corpus directory.
 */
#ifndef VGL_FUZZ_H
#define VGL_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vgl/common.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A target that cannot run here (no EGL device) exits with this status on its first input, so
 * meson reports the corpus test as skipped.
 */
#define FUZZ_EXIT_SKIP 77

/*
 * Messages are formatted (so that the formatting code runs under the sanitizers too) but not
 * printed, unless VGL_FUZZ_VERBOSE is set: a fuzzer prints millions of rejections.
 */
__attribute__((format(printf, 4, 0))) static void fuzz_log_sink(enum vgl_log_level level,
                                                                const char *file, int line,
                                                                const char *fmt, va_list args,
                                                                void *user) {
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, args);
    if (user) {
        fprintf(stderr, "[vgl] %d %s:%d: %s\n", (int)level, file, line, buf);
    }
}

static inline void fuzz_init_logging(void) {
    static int done;
    if (!done) {
        void *const verbose = getenv("VGL_FUZZ_VERBOSE") ? (void *)1 : NULL;
        vgl_log_init(VGL_LOG_DEBUG, fuzz_log_sink, verbose);
        done = 1;
    }
}

/* A cursor over the input for targets that take structured prefixes. */
struct fuzz_input {
    const uint8_t *data;
    size_t size, pos;
};

static inline uint8_t fuzz_u8(struct fuzz_input *in) {
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline uint32_t fuzz_u32(struct fuzz_input *in) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        v |= (uint32_t)fuzz_u8(in) << (8 * i);
    }
    return v;
}

static inline size_t fuzz_left(const struct fuzz_input *in) {
    return in->size - in->pos;
}

#endif
