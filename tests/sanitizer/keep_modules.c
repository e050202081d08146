/* SPDX-License-Identifier: MIT */
/*
 * LD_PRELOADed into sanitizer test runs: dlclose does nothing, so the host GL driver that
 * eglTerminate unloads stays mapped until exit. LeakSanitizer then names the driver's frames in
 * its leak reports and tests/sanitizer/lsan.supp can suppress them; with the driver unloaded its
 * leaks show only "<unknown module>" frames, which no suppression can tell from ours.
 */
int dlclose(void *handle);

__attribute__((visibility("default"))) int dlclose(void *handle) {
    (void)handle;
    return 0;
}
