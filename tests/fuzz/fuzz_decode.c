/* SPDX-License-Identifier: MIT */
/*
 * fuzz-decode: the input is one command buffer (little-endian dwords; a trailing partial dword
 * is dropped), decoded into the validating null sink. Covers framing, the command table and
 * every length check of libvirgl/src/decode without GL.
 */
#include "decode/decoder.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init_logging();
    const size_t ndw = size / 4;
    /* An aligned copy: the decoder takes dwords, as the renderer gets them. */
    uint32_t *const buf = malloc(ndw ? ndw * 4 : 4);
    if (!buf) {
        return 0;
    }
    memcpy(buf, data, ndw * 4);

    struct vgl_sink sink;
    vgl_sink_init(&sink, &vgl_null_sink_impl);
    struct vgl_decoder dec;
    vgl_decoder_init(&dec, &sink, 1);
    vgl_decode_submit(&dec, buf, ndw);
    /* A second submit sees the state the first one left (a broken decoder refuses it). */
    vgl_decode_submit(&dec, buf, ndw);
    free(buf);
    return 0;
}
