/* SPDX-License-Identifier: MIT */
/*
 * Puts a dlopened library's dynamic TLS block where the sanitizer runtimes of gcc 12 and clang
 * 14 misread it (16 bytes into a page, where they assume a glibc 2.19 header), then exits for
 * LeakSanitizer's check. With the stage's options (tests/sanitizer/options) the check must run
 * clean; with intercept_tls_get_addr=1 these runtimes crash in it ("Tracer caught signal 11"),
 * which is what broke the sanitizer stage on some machines. Usage: dtls-probe LIBRARY.
 * Exit 0: the block was placed and the process ended clean; 77: the allocator put it elsewhere.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_FILLERS 65536

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: dtls-probe LIBRARY\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW);
    if (lib == NULL) {
        fprintf(stderr, "dtls-probe: %s\n", dlerror());
        return 2;
    }
    uintptr_t (*touch)(void) = (uintptr_t(*)(void))dlsym(lib, "dtls_touch");
    if (touch == NULL) {
        fprintf(stderr, "dtls-probe: %s\n", dlerror());
        return 2;
    }
    /* Chunks of the block's size class, until the next one of the class (the TLS block, on
     * first use) would start 16 bytes into a page; the allocator hands them out in order. */
    static void *fillers[MAX_FILLERS];
    int n = 0;
    while (n < MAX_FILLERS) {
        fillers[n] = malloc(24);
        n++;
        if (n >= 2) {
            const uintptr_t stride = (uintptr_t)fillers[n - 1] - (uintptr_t)fillers[n - 2];
            if ((((uintptr_t)fillers[n - 1] + stride) & 4095) == 16) {
                break;
            }
        }
    }
    const uintptr_t block = touch();
    for (int i = 0; i < n; i++) {
        free(fillers[i]);
    }
    printf("dtls-probe: dynamic TLS block at page offset %lu after %d fillers\n",
           (unsigned long)(block & 4095), n);
    return (block & 4095) == 16 ? 0 : 77;
}
