/* SPDX-License-Identifier: MIT */
/*
 * fuzz-trace: the .vgz reader and the record parser every tool uses.
 *
 * Two kinds of input, told apart by the first byte:
 *  - a trace file (its magic starts with a byte that has the high bit set): read as it is, so
 *    the header, chunk framing, checksums and decompression see hostile bytes;
 *  - anything else: a list of records {u8 type, u16 size (little-endian), size bytes}, written
 *    with the trace writer (type 0xff ends the chunk there; type 0xfe with 8 bytes gives the next
 *    record that time, through vgl_trace_writer_add_at) and read back, so record contents and
 *    times reach vgl_trace_call_parse past the checksums that random bytes would rarely pass.
 * Trace files of both format versions are in the corpus: version 1 (8-byte record headers) and
 * version 2 (16-byte ones with a time), with damaged record headers of each.
 * The file lives in a memfd, opened through /proc/self/fd: no disk, nothing left behind.
 */
#include <sys/mman.h>
#include <unistd.h>

#include <vgl/trace.h>
#include <vgl/trace_call.h>

#include "fuzz.h"

/* Bounds the work of one input: records read back, and bytes one record may add. */
#define MAX_RECORDS 100000

static void parse_records(const char *path) {
    struct vgl_trace_reader *r = NULL;
    if (vgl_trace_reader_open(path, &r) != VGL_OK) {
        return;
    }
    (void)vgl_trace_reader_version(r);
    struct vgl_trace_record rec;
    int got = 0;
    for (unsigned n = 0; n < MAX_RECORDS && (got = vgl_trace_reader_next(r, &rec)) == 1; n++) {
        (void)vgl_trace_record_name(rec.type);
        /* A version 1 record has no time; a version 2 one any u64. */
        if (vgl_trace_reader_version(r) == 1 && rec.time_ns != VGL_TRACE_NO_TIME) {
            abort();
        }
        struct vgl_trace_call call;
        if (vgl_trace_call_parse(&rec, &call) != VGL_OK) {
            continue;
        }
        /* Touch the trailing bytes the parser vouched for. */
        volatile uint8_t sum = 0;
        for (uint32_t i = 0; i < call.data_size; i++) {
            sum ^= call.data[i];
        }
        if (call.type == VGL_REC_INFO) {
            const char *key, *value;
            for (uint32_t i = 0; vgl_trace_info_pair(&call, i, &key, &value); i++) {
                sum ^= (uint8_t)(strlen(key) + strlen(value));
            }
        }
        (void)sum;
    }
    if (got < 0) {
        (void)vgl_trace_reader_error_offset(r);
        const char *const msg = vgl_trace_reader_error_message(r);
        if (!msg || strlen(msg) > 4096) {
            abort(); /* every error is described in a sentence */
        }
    }
    vgl_trace_reader_destroy(r);
}

/* Records from the input, written through the writer to `path`. */
static void write_records(const char *path, const uint8_t *data, size_t size) {
    struct vgl_trace_writer *w = NULL;
    if (vgl_trace_writer_create(path, &w) != VGL_OK) {
        return;
    }
    struct fuzz_input in = {data, size, 0};
    bool timed = false;
    uint64_t time_ns = 0;
    while (fuzz_left(&in) >= 3) {
        const uint8_t type = fuzz_u8(&in);
        size_t len = fuzz_u8(&in);
        len |= (size_t)fuzz_u8(&in) << 8;
        if (len > fuzz_left(&in)) {
            len = fuzz_left(&in);
        }
        if (type == 0xff) {
            vgl_trace_writer_flush(w);
        } else if (type == 0xfe && len >= 8) {
            time_ns = vgl_get_u64(data + in.pos);
            timed = true;
        } else if (timed) {
            vgl_trace_writer_add_at(w, time_ns, type, data + in.pos, len, NULL, 0);
            timed = false;
        } else {
            vgl_trace_writer_add(w, type, data + in.pos, len, NULL, 0);
        }
        in.pos += len;
    }
    vgl_trace_writer_destroy(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init_logging();
    const int fd = memfd_create("vgl-fuzz-trace", MFD_CLOEXEC);
    if (fd < 0) {
        abort();
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (size > 0 && (data[0] & 0x80)) {
        if (write(fd, data, size) != (ssize_t)size) {
            abort();
        }
    } else {
        write_records(path, data, size);
    }
    parse_records(path);
    close(fd);
    return 0;
}
