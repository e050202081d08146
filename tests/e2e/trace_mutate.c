/* SPDX-License-Identifier: MIT */
/*
 * Test helper: copies a trace record by record through the public reader and writer (as format
 * version 2, each record keeping its time), replacing one dword of the command buffer of one
 * SUBMIT call (for virgl-trace diff), or giving record i the time i * STEP nanoseconds (a version
 * 2 copy of a version 1 trace with a known pace, for --pace and virgl-trace info). Never used
 * outside tests.
 * Usage: vgl-trace-mutate IN OUT CALL DWORD VALUE   (CALL counts calls from 0 as dump does)
 *        vgl-trace-mutate --retime IN OUT STEP
 *        vgl-trace-mutate --marks IN OUT
 * --marks turns every FRAME record into a FRAME_MARK (source flush) and adds a CTX_ATTACH of the
 * first resource after its RESOURCE_CREATE: a trace as a VMM capture without read-backs has.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vgl/trace_call.h>

/* Open `in` to read and `out` to write; false (with a message) when either fails. */
static bool open_pair(const char *in, const char *out, struct vgl_trace_reader **r,
                      struct vgl_trace_writer **w) {
    if (vgl_trace_reader_open(in, r) != VGL_OK || vgl_trace_writer_create(out, w) != VGL_OK) {
        fprintf(stderr, "cannot open %s or %s\n", in, out);
        vgl_trace_reader_destroy(*r);
        return false;
    }
    return true;
}

static int retime(const char *in, const char *out, uint64_t step) {
    struct vgl_trace_reader *r = NULL;
    struct vgl_trace_writer *w = NULL;
    if (!open_pair(in, out, &r, &w)) {
        return 2;
    }
    struct vgl_trace_record rec;
    int n;
    for (uint64_t i = 0; (n = vgl_trace_reader_next(r, &rec)) > 0; i++) {
        if (vgl_trace_writer_add_at(w, i * step, rec.type, rec.data, rec.size, NULL, 0) != VGL_OK) {
            n = -1;
            break;
        }
    }
    vgl_trace_reader_destroy(r);
    const bool ok = vgl_trace_writer_destroy(w) == VGL_OK && n == 0;
    return ok ? 0 : 1;
}

static int marks(const char *in, const char *out) {
    struct vgl_trace_reader *r = NULL;
    struct vgl_trace_writer *w = NULL;
    if (!open_pair(in, out, &r, &w)) {
        return 2;
    }
    struct vgl_trace_record rec;
    bool attached = false;
    int n;
    while ((n = vgl_trace_reader_next(r, &rec)) > 0) {
        struct vgl_trace_call c;
        const bool parsed = vgl_trace_call_parse(&rec, &c) == VGL_OK;
        enum vgl_status st;
        if (parsed && c.type == VGL_REC_FRAME) {
            uint8_t m[16];
            vgl_put_u32(m, c.ctx);
            vgl_put_u32(m + 4, c.handle);
            vgl_put_u32(m + 8, c.frame.frame);
            vgl_put_u32(m + 12, VGL_FRAME_SOURCE_FLUSH);
            st = vgl_trace_writer_add_at(w, rec.time_ns, VGL_REC_FRAME_MARK, m, sizeof(m), NULL, 0);
        } else {
            st = vgl_trace_writer_add_at(w, rec.time_ns, rec.type, rec.data, rec.size, NULL, 0);
        }
        if (st == VGL_OK && parsed && c.type == VGL_REC_RESOURCE_CREATE && !attached) {
            uint8_t a[16];
            vgl_put_u32(a, c.ctx);
            vgl_put_u32(a + 4, 0);
            vgl_put_u32(a + 8, c.handle);
            vgl_put_u32(a + 12, c.ctx);
            st = vgl_trace_writer_add_at(w, rec.time_ns, VGL_REC_CTX_ATTACH, a, sizeof(a), NULL, 0);
            attached = true;
        }
        if (st != VGL_OK) {
            n = -1;
            break;
        }
    }
    vgl_trace_reader_destroy(r);
    const bool ok = vgl_trace_writer_destroy(w) == VGL_OK && n == 0;
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--marks") == 0) {
        return marks(argv[2], argv[3]);
    }
    if (argc == 5 && strcmp(argv[1], "--retime") == 0) {
        return retime(argv[2], argv[3], strtoull(argv[4], NULL, 0));
    }
    if (argc != 6) {
        fprintf(stderr, "usage: %s IN OUT CALL DWORD VALUE\n", argv[0]);
        return 2;
    }
    const unsigned long long target = strtoull(argv[3], NULL, 0);
    const unsigned long dword = strtoul(argv[4], NULL, 0);
    const uint32_t value = (uint32_t)strtoul(argv[5], NULL, 0);
    struct vgl_trace_reader *r = NULL;
    struct vgl_trace_writer *w = NULL;
    if (vgl_trace_reader_open(argv[1], &r) != VGL_OK ||
        vgl_trace_writer_create(argv[2], &w) != VGL_OK) {
        fprintf(stderr, "cannot open %s or %s\n", argv[1], argv[2]);
        vgl_trace_reader_destroy(r);
        return 2;
    }
    struct vgl_trace_record rec;
    unsigned long long calls = 0;
    bool changed = false;
    int n;
    while ((n = vgl_trace_reader_next(r, &rec)) > 0) {
        struct vgl_trace_call call;
        const bool parsed = vgl_trace_call_parse(&rec, &call) == VGL_OK;
        const bool hit = parsed && call.is_call && calls++ == target;
        if (hit && call.type == VGL_REC_SUBMIT && dword < call.data_size / 4) {
            uint8_t *copy = malloc(rec.size);
            if (!copy) {
                n = -1;
                break;
            }
            memcpy(copy, rec.data, rec.size);
            vgl_put_u32(copy + (call.data - rec.data) + 4 * dword, value);
            n = vgl_trace_writer_add_at(w, rec.time_ns, rec.type, copy, rec.size, NULL, 0) == VGL_OK
                        ? 1
                        : -1;
            free(copy);
            changed = true;
        } else if (vgl_trace_writer_add_at(w, rec.time_ns, rec.type, rec.data, rec.size, NULL, 0) !=
                   VGL_OK) {
            n = -1;
        }
        if (n < 0) {
            break;
        }
    }
    vgl_trace_reader_destroy(r);
    const bool ok = vgl_trace_writer_destroy(w) == VGL_OK && n == 0 && changed;
    if (!ok) {
        fprintf(stderr, "vgl-trace-mutate: %s\n",
                changed ? "read or write failed" : "no such call");
    }
    return ok ? 0 : 1;
}
