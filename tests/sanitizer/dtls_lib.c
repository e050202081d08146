/* SPDX-License-Identifier: MIT */
/* A library with 24 bytes of thread-local storage, dlopened by dtls_probe.c: its TLS block is
 * dynamic (malloced by glibc on first use), like libLLVM's under the host GL driver. */
#include <stdint.h>

static __thread char block[24];

__attribute__((visibility("default"))) uintptr_t dtls_touch(void);

uintptr_t dtls_touch(void) {
    block[0] = 1;
    return (uintptr_t)block;
}
