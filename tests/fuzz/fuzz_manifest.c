/* SPDX-License-Identifier: MIT */
/*
 * fuzz-manifest: the corpus manifest reader (replay/manifest.c, libyaml underneath) and the
 * expectation laid together for each renderer and a host. Input: the manifest's text.
 */
#include "fuzz.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct manifest m;
    char why[512] = "";
    if (manifest_parse("fuzz.yml", (const char *)data, size, &m, why, sizeof(why))) {
        static const char *const renderers[] = {"vgl", "virglrenderer"};
        for (size_t i = 0; i < m.count; i++) {
            for (int r = 0; r < 2; r++) {
                struct effective eff;
                if (manifest_effective(&m, &m.entries[i], renderers[r], r ? "host" : NULL, &eff,
                                       why, sizeof(why))) {
                    /* Every span lies inside the text. */
                    for (size_t k = 0; k < eff.count; k++) {
                        if (eff.frames[k].crc_at.end > m.text_len ||
                            eff.frames[k].last->pair_at.end > m.text_len) {
                            abort();
                        }
                    }
                    effective_free(&eff);
                }
            }
        }
    } else if (!memchr(why, 0, sizeof(why))) {
        abort();
    }
    manifest_free(&m);
    return 0;
}
