/* SPDX-License-Identifier: MIT */
/*
 * Tests of the .vgz container: round trips, truncation at every byte, corruption, limits, writer
 * I/O errors, unknown chunk types, record names, version 1 files and version 2 record times.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include <vgl/trace.h>
#include <vgl/trace_call.h>

#include "test.h"
#include "trace/trace_format.h"

/* ---- temporary files, removed at exit (also when a CHECK fails) ---- */

static char tmp_dir[64];
static char tmp_files[16][128];
static int tmp_count;

static void remove_tmp(void) {
    for (int i = 0; i < tmp_count; i++) {
        unlink(tmp_files[i]);
    }
    if (tmp_dir[0]) {
        rmdir(tmp_dir);
    }
}

static const char *tmp_path(const char *name) {
    if (!tmp_dir[0]) {
        strcpy(tmp_dir, "/tmp/vgl-test-trace-XXXXXX");
        CHECK(mkdtemp(tmp_dir) != NULL);
        atexit(remove_tmp);
    }
    CHECK(tmp_count < 16);
    char *p = tmp_files[tmp_count++];
    snprintf(p, sizeof(tmp_files[0]), "%s/%s", tmp_dir, name);
    return p;
}

static uint8_t *read_file(const char *path, size_t *len) {
    struct stat st;
    CHECK(stat(path, &st) == 0);
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    CHECK(buf != NULL);
    const int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        const ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        CHECK(n > 0);
        got += (size_t)n;
    }
    close(fd);
    *len = got;
    return buf;
}

static void write_file(const char *path, const uint8_t *data, size_t len) {
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    size_t done = 0;
    while (done < len) {
        const ssize_t n = write(fd, data + done, len - done);
        CHECK(n > 0);
        done += (size_t)n;
    }
    CHECK(close(fd) == 0);
}

static uint64_t file_size(const char *path) {
    struct stat st;
    CHECK(stat(path, &st) == 0);
    return (uint64_t)st.st_size;
}

/* ---- deterministic records ---- */

static uint64_t rng_next(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

struct gen_record {
    uint32_t type;
    size_t size;
    size_t head; /* bytes passed as head; the rest as tail */
    uint8_t *data;
};

/* Record i of a stream; `large` allows occasional records of hundreds of KiB. */
static void gen(uint32_t seed, uint32_t i, bool large, struct gen_record *g) {
    uint64_t s = ((uint64_t)seed << 32) ^ i;
    const uint64_t a = rng_next(&s);
    static const uint32_t odd_types[] = {0, 999, 0xFFFFFFFFu, 0x80000000u};
    g->type = (a & 7) == 0 ? odd_types[(a >> 3) & 3] : 1 + (uint32_t)((a >> 8) % 16);
    switch (i % 7) {
    case 0:
        g->size = 0;
        break;
    case 1:
        g->size = 1 + (a >> 16) % 8;
        break;
    case 2:
    case 3:
        g->size = (a >> 16) % 200;
        break;
    case 4:
        g->size = (a >> 16) % 5000;
        break;
    default:
        g->size = large && (a >> 40) % 13 == 0 ? 100000 + (a >> 16) % 400000 : (a >> 16) % 1500;
        break;
    }
    const uint64_t b = rng_next(&s);
    g->head = b % 3 == 0 ? 0 : b % 3 == 1 ? g->size : (size_t)((b >> 8) % (g->size + 1));
    g->data = malloc(g->size + 1);
    CHECK(g->data != NULL);
    const bool text = (b >> 32) & 1;
    for (size_t k = 0; k < g->size; k++) {
        g->data[k] = text ? (uint8_t)("glDrawArrays "[(k + i) % 13]) : (uint8_t)rng_next(&s);
    }
}

static void add_gen(struct vgl_trace_writer *w, const struct gen_record *g) {
    const uint8_t *head = g->head ? g->data : NULL;
    const uint8_t *tail = g->size - g->head ? g->data + g->head : NULL;
    CHECK_EQ(vgl_trace_writer_add(w, g->type, head, g->head, tail, g->size - g->head), VGL_OK);
}

static void check_gen(const struct vgl_trace_record *rec, const struct gen_record *g) {
    CHECK_EQ(rec->type, g->type);
    CHECK_EQ(rec->size, g->size);
    CHECK(rec->data != NULL);
    CHECK(g->size == 0 || memcmp(rec->data, g->data, g->size) == 0);
}

static void expect_record(struct vgl_trace_reader *r, uint32_t seed, uint32_t i, bool large) {
    struct gen_record g;
    gen(seed, i, large, &g);
    struct vgl_trace_record rec;
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
    check_gen(&rec, &g);
    free(g.data);
}

/*
 * A small file of `nchunks` chunks written with explicit flushes; per_chunk[c] records in chunk c.
 * bounds[c] is the file offset where chunk c starts; bounds[nchunks] the file size.
 */
struct small_file {
    uint32_t seed;
    int nchunks;
    uint32_t per_chunk[8];
    uint64_t bounds[9];
    uint32_t total;
};

static void write_small(const char *path, struct small_file *f) {
    struct vgl_trace_writer *w = NULL;
    CHECK_EQ(vgl_trace_writer_create(path, &w), VGL_OK);
    uint32_t i = 0;
    f->bounds[0] = VGL_TRACE_HEADER_SIZE;
    for (int c = 0; c < f->nchunks; c++) {
        for (uint32_t k = 0; k < f->per_chunk[c]; k++, i++) {
            struct gen_record g;
            gen(f->seed, i, false, &g);
            add_gen(w, &g);
            free(g.data);
        }
        CHECK_EQ(vgl_trace_writer_flush(w), VGL_OK);
        f->bounds[c + 1] = vgl_trace_writer_bytes(w);
        CHECK(f->bounds[c + 1] > f->bounds[c] + VGL_TRACE_CHUNK_HEADER_SIZE);
    }
    f->total = i;
    CHECK_EQ(vgl_trace_writer_destroy(w), VGL_OK);
    CHECK_EQ(file_size(path), f->bounds[f->nchunks]);
}

/* Records of chunks 0..c-1. */
static uint32_t records_before(const struct small_file *f, int c) {
    uint32_t n = 0;
    for (int k = 0; k < c; k++) {
        n += f->per_chunk[k];
    }
    return n;
}

/* Build a chunk with valid CRCs around `payload` (compressed here unless raw). */
static size_t make_chunk(uint8_t *out, size_t cap, uint32_t type, const void *src, size_t len,
                         bool raw, uint32_t usize, uint32_t count) {
    uint8_t *payload = out + VGL_TRACE_CHUNK_HEADER_SIZE;
    size_t csize = len;
    if (raw) {
        CHECK(VGL_TRACE_CHUNK_HEADER_SIZE + len <= cap);
        if (len) {
            memcpy(payload, src, len);
        }
    } else {
        csize = ZSTD_compress(payload, cap - VGL_TRACE_CHUNK_HEADER_SIZE, src, len, 1);
        CHECK(!ZSTD_isError(csize));
    }
    vgl_put_u32(out + VGL_TRACE_CHK_MAGIC, VGL_TRACE_CHUNK_MAGIC);
    vgl_put_u32(out + VGL_TRACE_CHK_TYPE, type);
    vgl_put_u32(out + VGL_TRACE_CHK_CSIZE, (uint32_t)csize);
    vgl_put_u32(out + VGL_TRACE_CHK_USIZE, usize);
    vgl_put_u32(out + VGL_TRACE_CHK_COUNT, count);
    vgl_put_u32(out + VGL_TRACE_CHK_PAYLOAD_CRC, (uint32_t)crc32(0L, payload, (uInt)csize));
    vgl_put_u32(out + VGL_TRACE_CHK_HEADER_CRC, (uint32_t)crc32(0L, out, VGL_TRACE_CHK_HEADER_CRC));
    return VGL_TRACE_CHUNK_HEADER_SIZE + csize;
}

static size_t make_header(uint8_t *out, uint32_t version, uint32_t header_size, uint32_t flags) {
    memcpy(out, VGL_TRACE_MAGIC, VGL_TRACE_MAGIC_SIZE);
    vgl_put_u32(out + VGL_TRACE_HDR_VERSION, version);
    vgl_put_u32(out + VGL_TRACE_HDR_HEADER_SIZE, header_size);
    vgl_put_u32(out + VGL_TRACE_HDR_FLAGS, flags);
    vgl_put_u32(out + VGL_TRACE_HDR_CRC, (uint32_t)crc32(0L, out, VGL_TRACE_HDR_CRC));
    return VGL_TRACE_HEADER_SIZE;
}

/* Open a hand-made file whose one chunk must be rejected as corrupt at byte 24. */
static void expect_corrupt_chunk(const char *path, const uint8_t *file, size_t len,
                                 const char *needle) {
    write_file(path, file, len);
    struct vgl_trace_reader *r = NULL;
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_OK);
    struct vgl_trace_record rec;
    CHECK_EQ(vgl_trace_reader_next(r, &rec), VGL_ERROR_CORRUPT);
    CHECK_EQ(vgl_trace_reader_error_offset(r), VGL_TRACE_HEADER_SIZE);
    const char *msg = vgl_trace_reader_error_message(r);
    if (!strstr(msg, needle) || !strstr(msg, "chunk at byte 24")) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", msg, needle);
        CHECK(false);
    }
    CHECK_EQ(vgl_trace_reader_next(r, &rec), VGL_ERROR_CORRUPT);
    vgl_trace_reader_destroy(r);
}

/* ---- tests ---- */

VGL_TEST(round_trip) {
    const char *path = tmp_path("round.vgz");
    const uint32_t seed = 1;
    const uint32_t count = 3000;
    struct vgl_trace_writer *w = NULL;
    CHECK_EQ(vgl_trace_writer_create(path, &w), VGL_OK);
    uint64_t payload_bytes = 0;
    for (uint32_t i = 0; i < count; i++) {
        struct gen_record g;
        gen(seed, i, true, &g);
        add_gen(w, &g);
        payload_bytes += g.size;
        free(g.data);
    }
    CHECK(payload_bytes > 4 * (uint64_t)VGL_TRACE_CHUNK_TARGET);
    CHECK_EQ(vgl_trace_writer_flush(w), VGL_OK);
    const uint64_t written = vgl_trace_writer_bytes(w);
    CHECK_EQ(file_size(path), written);
    CHECK_EQ(vgl_trace_writer_destroy(w), VGL_OK);
    CHECK_EQ(file_size(path), written);

    /* Walk the chunk headers: each chunk but the last ends once it reaches the target. */
    size_t len;
    uint8_t *file = read_file(path, &len);
    size_t off = VGL_TRACE_HEADER_SIZE;
    int chunks = 0;
    uint64_t records = 0;
    while (off < len) {
        CHECK(len - off >= VGL_TRACE_CHUNK_HEADER_SIZE);
        const uint8_t *h = file + off;
        CHECK_EQ(vgl_get_u32(h + VGL_TRACE_CHK_MAGIC), VGL_TRACE_CHUNK_MAGIC);
        CHECK_EQ(vgl_get_u32(h + VGL_TRACE_CHK_TYPE), VGL_TRACE_CHUNK_RECORDS);
        const uint32_t csize = vgl_get_u32(h + VGL_TRACE_CHK_CSIZE);
        const uint32_t usize = vgl_get_u32(h + VGL_TRACE_CHK_USIZE);
        CHECK(usize <= VGL_TRACE_CHUNK_TARGET + 500000 + VGL_TRACE_RECORD_HEADER_SIZE);
        off += VGL_TRACE_CHUNK_HEADER_SIZE + csize;
        CHECK(off <= len);
        CHECK(off == len || usize >= VGL_TRACE_CHUNK_TARGET);
        records += vgl_get_u32(h + VGL_TRACE_CHK_COUNT);
        chunks++;
    }
    free(file);
    CHECK(chunks >= 4);
    CHECK_EQ(records, count);

    struct vgl_trace_reader *r = NULL;
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_OK);
    CHECK_EQ(vgl_trace_reader_version(r), VGL_TRACE_VERSION);
    uint64_t last_chunk = 0;
    int seen_chunks = 0;
    for (uint32_t i = 0; i < count; i++) {
        struct gen_record g;
        gen(seed, i, true, &g);
        struct vgl_trace_record rec;
        CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
        check_gen(&rec, &g);
        free(g.data);
        CHECK(rec.chunk_offset >= last_chunk);
        if (rec.chunk_offset != last_chunk) {
            seen_chunks++;
            last_chunk = rec.chunk_offset;
        }
    }
    CHECK_EQ(seen_chunks, chunks);
    struct vgl_trace_record rec;
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 0);
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 0);
    CHECK_EQ(vgl_trace_reader_error_offset(r), 0);
    vgl_trace_reader_destroy(r);

    /* An empty trace is just the file header and reads as a clean end. */
    const char *empty = tmp_path("empty.vgz");
    CHECK_EQ(vgl_trace_writer_create(empty, &w), VGL_OK);
    CHECK_EQ(vgl_trace_writer_destroy(w), VGL_OK);
    CHECK_EQ(file_size(empty), VGL_TRACE_HEADER_SIZE);
    CHECK_EQ(vgl_trace_reader_open(empty, &r), VGL_OK);
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 0);
    vgl_trace_reader_destroy(r);

    CHECK_EQ(vgl_trace_writer_destroy(NULL), VGL_OK);
    vgl_trace_reader_destroy(NULL);
}

VGL_TEST(truncated) {
    vgl_log_init(VGL_LOG_SILENT, NULL, NULL);
    const char *full = tmp_path("full.vgz");
    struct small_file f = {.seed = 2, .nchunks = 6, .per_chunk = {5, 1, 12, 3, 8, 6}};
    write_small(full, &f);
    size_t len;
    uint8_t *bytes = read_file(full, &len);
    CHECK(len < 20000); /* keeps the every-byte loop fast */

    const char *path = tmp_path("cut.vgz");
    write_file(path, bytes, len);
    for (size_t cut = len + 1; cut-- > 0;) {
        CHECK(truncate(path, (off_t)cut) == 0);
        struct vgl_trace_reader *r = NULL;
        const enum vgl_status st = vgl_trace_reader_open(path, &r);
        if (cut < VGL_TRACE_HEADER_SIZE) {
            CHECK_EQ(st, VGL_ERROR_TRUNCATED);
            CHECK(r == NULL);
            continue;
        }
        CHECK_EQ(st, VGL_OK);
        int whole = 0;
        while (whole < f.nchunks && f.bounds[whole + 1] <= cut) {
            whole++;
        }
        const uint32_t n = records_before(&f, whole);
        for (uint32_t i = 0; i < n; i++) {
            expect_record(r, f.seed, i, false);
        }
        struct vgl_trace_record rec;
        if (cut == f.bounds[whole]) {
            CHECK_EQ(vgl_trace_reader_next(r, &rec), 0);
        } else {
            CHECK_EQ(vgl_trace_reader_next(r, &rec), VGL_ERROR_TRUNCATED);
            CHECK_EQ(vgl_trace_reader_error_offset(r), f.bounds[whole]);
            char want[96];
            snprintf(want, sizeof(want), "file ends inside the chunk at byte %llu",
                     (unsigned long long)f.bounds[whole]);
            CHECK(strstr(vgl_trace_reader_error_message(r), want) != NULL);
            CHECK_EQ(vgl_trace_reader_next(r, &rec), VGL_ERROR_TRUNCATED);
        }
        vgl_trace_reader_destroy(r);
    }
    free(bytes);
}

VGL_TEST(corrupted) {
    vgl_log_init(VGL_LOG_SILENT, NULL, NULL);
    const char *orig = tmp_path("orig.vgz");
    struct small_file f = {.seed = 3, .nchunks = 3, .per_chunk = {7, 9, 4}};
    write_small(orig, &f);
    size_t len;
    uint8_t *bytes = read_file(orig, &len);
    const char *path = tmp_path("bad.vgz");

    /* Every bit of the file header: open refuses the file. */
    for (size_t bit = 0; bit < VGL_TRACE_HEADER_SIZE * 8; bit++) {
        bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        write_file(path, bytes, len);
        bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        struct vgl_trace_reader *r = NULL;
        CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_ERROR_CORRUPT);
        CHECK(r == NULL);
    }

    /* Every bit of the headers of chunks 1 and 2, and a spread of payload bits of each. */
    for (int c = 1; c < f.nchunks; c++) {
        const uint64_t at = f.bounds[c];
        const uint64_t end = f.bounds[c + 1];
        for (uint64_t bit = at * 8; bit < end * 8; bit += bit < (at + 28) * 8 ? 1 : 13) {
            bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            write_file(path, bytes, len);
            bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            struct vgl_trace_reader *r = NULL;
            CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_OK);
            const uint32_t n = records_before(&f, c);
            for (uint32_t i = 0; i < n; i++) {
                expect_record(r, f.seed, i, false);
            }
            struct vgl_trace_record rec;
            CHECK_EQ(vgl_trace_reader_next(r, &rec), VGL_ERROR_CORRUPT);
            CHECK_EQ(vgl_trace_reader_error_offset(r), at);
            const char *msg = vgl_trace_reader_error_message(r);
            char want[64];
            snprintf(want, sizeof(want), "chunk at byte %llu: ", (unsigned long long)at);
            CHECK(strstr(msg, want) == msg);
            if (bit >= (at + 28) * 8) {
                CHECK(strstr(msg, "payload CRC mismatch") != NULL);
            }
            CHECK_EQ(vgl_trace_reader_next(r, &rec), VGL_ERROR_CORRUPT);
            vgl_trace_reader_destroy(r);
        }
    }
    free(bytes);

    /* Well-checksummed headers with bad contents. */
    uint8_t file[4096];
    size_t n = make_header(file, 3, VGL_TRACE_HEADER_SIZE, 0);
    write_file(path, file, n);
    struct vgl_trace_reader *r = NULL;
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_ERROR_CORRUPT);
    make_header(file, 0, VGL_TRACE_HEADER_SIZE, 0);
    write_file(path, file, n);
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_ERROR_CORRUPT);
    make_header(file, VGL_TRACE_VERSION_V1, 32, 0);
    write_file(path, file, n);
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_ERROR_CORRUPT);
    make_header(file, VGL_TRACE_VERSION, VGL_TRACE_HEADER_SIZE, 1);
    write_file(path, file, n);
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_ERROR_CORRUPT);
    make_header(file, VGL_TRACE_VERSION, 32, 0);
    write_file(path, file, n);
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_ERROR_CORRUPT);
    write_file(path, (const uint8_t *)"GIF89a", 6);
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_ERROR_CORRUPT);

    /* Well-checksummed chunks whose records do not fit their framing: version 1 (8-byte record
     * headers), then the same in version 2 (16-byte record headers). */
    n = make_header(file, VGL_TRACE_VERSION_V1, VGL_TRACE_HEADER_SIZE, 0);
    uint8_t recs[64] = {0};
    vgl_put_u32(recs, VGL_REC_SUBMIT);
    vgl_put_u32(recs + 4, 8);
    vgl_put_u32(recs + 16, VGL_REC_END);
    vgl_put_u32(recs + 20, 0); /* two records: 16 + 8 bytes */
    size_t c = make_chunk(file + n, sizeof(file) - n, 1, recs, 24, false, 24, 3);
    expect_corrupt_chunk(path, file, n + c, "starts past the end");
    c = make_chunk(file + n, sizeof(file) - n, 1, recs, 24, false, 24, 1);
    expect_corrupt_chunk(path, file, n + c, "record count mismatch");
    vgl_put_u32(recs + 20, 9); /* second record runs 1 byte past the chunk */
    c = make_chunk(file + n, sizeof(file) - n, 1, recs, 24, false, 24, 2);
    expect_corrupt_chunk(path, file, n + c, "runs past the chunk");
    vgl_put_u32(recs + 20, 0);
    c = make_chunk(file + n, sizeof(file) - n, 1, recs, 24, false, 32, 2);
    expect_corrupt_chunk(path, file, n + c, "header says 32");
    /* A header smaller than the frame's content: refused from the frame header, before
     * decompressing into a buffer of the header's size. */
    c = make_chunk(file + n, sizeof(file) - n, 1, recs, 24, false, 16, 1);
    expect_corrupt_chunk(path, file, n + c, "payload holds 24 bytes, header says 16");
    c = make_chunk(file + n, sizeof(file) - n, 1, "not a zstd frame", 16, true, 16, 1);
    expect_corrupt_chunk(path, file, n + c, "not one zstd frame");
    /* Two frames in one payload. */
    c = make_chunk(file + n, sizeof(file) - n, 1, recs, 16, false, 16, 1);
    const size_t frame = c - VGL_TRACE_CHUNK_HEADER_SIZE;
    uint8_t two[256];
    memcpy(two, file + n + VGL_TRACE_CHUNK_HEADER_SIZE, frame);
    memcpy(two + frame, two, frame);
    c = make_chunk(file + n, sizeof(file) - n, 1, two, 2 * frame, true, 32, 2);
    expect_corrupt_chunk(path, file, n + c, "not one zstd frame");

    n = make_header(file, VGL_TRACE_VERSION, VGL_TRACE_HEADER_SIZE, 0);
    memset(recs, 0, sizeof(recs));
    vgl_put_u32(recs, VGL_REC_SUBMIT);
    vgl_put_u32(recs + 4, 8);
    vgl_put_u64(recs + 8, 1000);
    vgl_put_u32(recs + 24, VGL_REC_END);
    vgl_put_u32(recs + 28, 0);
    vgl_put_u64(recs + 32, UINT64_MAX); /* any time is framing-valid */
    /* two records: 24 + 16 bytes */
    c = make_chunk(file + n, sizeof(file) - n, 1, recs, 40, false, 40, 2);
    write_file(path, file, n + c);
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_OK);
    CHECK_EQ(vgl_trace_reader_version(r), 2);
    struct vgl_trace_record rec;
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
    CHECK_EQ(rec.time_ns, 1000);
    CHECK_EQ(rec.size, 8);
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
    CHECK_EQ(rec.type, VGL_REC_END);
    CHECK_EQ(rec.time_ns, UINT64_MAX);
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 0);
    vgl_trace_reader_destroy(r);
    c = make_chunk(file + n, sizeof(file) - n, 1, recs, 40, false, 40, 3);
    expect_corrupt_chunk(path, file, n + c, "starts past the end");
    /* the second record's header cut after its size, inside its time: 8 of 16 bytes */
    c = make_chunk(file + n, sizeof(file) - n, 1, recs, 32, false, 32, 2);
    expect_corrupt_chunk(path, file, n + c, "starts past the end");
    /* read as version 1 framing (8-byte headers) it would not add up either */
    c = make_chunk(file + n, sizeof(file) - n, 1, recs, 40, false, 40, 1);
    expect_corrupt_chunk(path, file, n + c, "record count mismatch");
    vgl_put_u32(recs + 28, 1); /* second record runs 1 byte past the chunk */
    c = make_chunk(file + n, sizeof(file) - n, 1, recs, 40, false, 40, 2);
    expect_corrupt_chunk(path, file, n + c, "runs past the chunk");
    vgl_put_u32(recs + 4, 0xFFFFFFF0u); /* a size of nearly 4 GiB */
    c = make_chunk(file + n, sizeof(file) - n, 1, recs, 40, false, 40, 2);
    expect_corrupt_chunk(path, file, n + c, "runs past the chunk");
}

/* A hand-built version 1 file (8-byte record headers) still reads, its records without times. */
VGL_TEST(version1_read) {
    const char *path = tmp_path("v1.vgz");
    uint8_t file[512];
    size_t n = make_header(file, VGL_TRACE_VERSION_V1, VGL_TRACE_HEADER_SIZE, 0);
    static const uint8_t v1_header[] = {0x89, 0x56, 0x47, 0x5A, 0x0D, 0x0A, 0x1A, 0x0A,
                                        0x01, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00,
                                        0x00, 0x00, 0x00, 0x00, 0xDF, 0x6A, 0xF2, 0xA8};
    CHECK(memcmp(file, v1_header, sizeof(v1_header)) == 0); /* as docs/trace-format.md shows */
    uint8_t recs[32] = {0};
    vgl_put_u32(recs, VGL_REC_WAIT_IDLE);
    vgl_put_u32(recs + 4, 8);
    vgl_put_u32(recs + 8, 7); /* ctx */
    vgl_put_u32(recs + 16, VGL_REC_END);
    n += make_chunk(file + n, sizeof(file) - n, 1, recs, 24, false, 24, 2);
    write_file(path, file, n);
    struct vgl_trace_reader *r = NULL;
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_OK);
    CHECK_EQ(vgl_trace_reader_version(r), 1);
    struct vgl_trace_record rec;
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
    CHECK_EQ(rec.type, VGL_REC_WAIT_IDLE);
    CHECK_EQ(rec.size, 8);
    CHECK_EQ(vgl_get_u32(rec.data), 7);
    CHECK_EQ(rec.time_ns, VGL_TRACE_NO_TIME);
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
    CHECK_EQ(rec.type, VGL_REC_END);
    CHECK_EQ(rec.size, 0);
    CHECK_EQ(rec.time_ns, VGL_TRACE_NO_TIME);
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 0);
    vgl_trace_reader_destroy(r);
}

/* Version 2: add stamps times that start near 0 and never decrease; add_at keeps the time it is
 * given; a record without a time takes the largest one written before it. */
VGL_TEST(times) {
    const char *path = tmp_path("times.vgz");
    struct vgl_trace_writer *w = NULL;
    CHECK_EQ(vgl_trace_writer_create(path, &w), VGL_OK);
    for (int i = 0; i < 100; i++) {
        CHECK_EQ(vgl_trace_writer_add(w, VGL_REC_INFO, "a", 1, NULL, 0), VGL_OK);
    }
    usleep(20000);
    CHECK_EQ(vgl_trace_writer_add(w, VGL_REC_INFO, NULL, 0, NULL, 0), VGL_OK);
    CHECK_EQ(vgl_trace_writer_add_at(w, 5000000000ull, VGL_REC_FRAME_MARK, "mark", 4, NULL, 0),
             VGL_OK);
    CHECK_EQ(vgl_trace_writer_add_at(w, 123, VGL_REC_INFO, NULL, 0, NULL, 0), VGL_OK);
    CHECK_EQ(vgl_trace_writer_add_at(w, VGL_TRACE_NO_TIME, VGL_REC_INFO, NULL, 0, NULL, 0), VGL_OK);
    CHECK_EQ(vgl_trace_writer_add(w, VGL_REC_END, NULL, 0, NULL, 0), VGL_OK);
    CHECK_EQ(vgl_trace_writer_add_at(NULL, 0, VGL_REC_END, NULL, 0, NULL, 0),
             VGL_ERROR_INVALID_ARGUMENT);
    CHECK_EQ(vgl_trace_writer_destroy(w), VGL_OK);

    struct vgl_trace_reader *r = NULL;
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_OK);
    CHECK_EQ(vgl_trace_reader_version(r), VGL_TRACE_VERSION);
    struct vgl_trace_record rec;
    uint64_t last = 0;
    for (int i = 0; i < 100; i++) {
        CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
        CHECK_EQ(rec.size, 1);
        CHECK(rec.time_ns >= last);
        CHECK(rec.time_ns < 1000000000ull); /* the first records of a capture are near 0 */
        last = rec.time_ns;
    }
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
    CHECK(rec.time_ns >= last + 20000000ull); /* after the 20 ms sleep */
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
    CHECK_EQ(rec.type, VGL_REC_FRAME_MARK);
    CHECK_EQ(rec.time_ns, 5000000000ull);
    CHECK(memcmp(rec.data, "mark", 4) == 0);
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
    CHECK_EQ(rec.time_ns, 123); /* add_at writes what it is given */
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
    CHECK_EQ(rec.time_ns, 5000000000ull); /* no time: the largest before it */
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
    CHECK_EQ(rec.type, VGL_REC_END);
    CHECK_EQ(rec.time_ns, 5000000000ull); /* add never goes below a time written */
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 0);
    vgl_trace_reader_destroy(r);

    /* The first record copied without a time gets 0. */
    CHECK_EQ(vgl_trace_writer_create(path, &w), VGL_OK);
    CHECK_EQ(vgl_trace_writer_add_at(w, VGL_TRACE_NO_TIME, VGL_REC_END, NULL, 0, NULL, 0), VGL_OK);
    CHECK_EQ(vgl_trace_writer_destroy(w), VGL_OK);
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_OK);
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
    CHECK_EQ(rec.time_ns, 0);
    vgl_trace_reader_destroy(r);
}

VGL_TEST(limits) {
    vgl_log_init(VGL_LOG_SILENT, NULL, NULL);
    const char *path = tmp_path("limits.vgz");
    struct vgl_trace_writer *w = NULL;
    CHECK_EQ(vgl_trace_writer_create(path, &w), VGL_OK);
    uint8_t *big = malloc(VGL_TRACE_MAX_RECORD + 1);
    CHECK(big != NULL);
    for (size_t i = 0; i <= VGL_TRACE_MAX_RECORD; i++) {
        big[i] = (uint8_t)(i * 7 + (i >> 12));
    }
    CHECK_EQ(vgl_trace_writer_add(w, VGL_REC_SUBMIT, big, VGL_TRACE_MAX_RECORD + 1, NULL, 0),
             VGL_ERROR_INVALID_ARGUMENT);
    CHECK_EQ(vgl_trace_writer_add(w, VGL_REC_SUBMIT, big, 100, big, VGL_TRACE_MAX_RECORD - 99),
             VGL_ERROR_INVALID_ARGUMENT);
    CHECK_EQ(vgl_trace_writer_add(w, VGL_REC_SUBMIT, big, SIZE_MAX, big, 2),
             VGL_ERROR_INVALID_ARGUMENT);
    CHECK_EQ(vgl_trace_writer_add(w, VGL_REC_SUBMIT, big, SIZE_MAX / 2 + 1, big, SIZE_MAX / 2 + 1),
             VGL_ERROR_INVALID_ARGUMENT);
    CHECK_EQ(vgl_trace_writer_add(w, VGL_REC_SUBMIT, NULL, 4, NULL, 0), VGL_ERROR_INVALID_ARGUMENT);
    /* Refusals are not latched: the writer goes on, and exactly the limit is accepted. */
    CHECK_EQ(vgl_trace_writer_add(w, VGL_REC_END, NULL, 0, NULL, 0), VGL_OK);
    CHECK_EQ(vgl_trace_writer_add(w, VGL_REC_GUEST_DATA, big, 4096, big + 4096,
                                  VGL_TRACE_MAX_RECORD - 4096),
             VGL_OK);
    CHECK_EQ(vgl_trace_writer_destroy(w), VGL_OK);

    struct vgl_trace_reader *r = NULL;
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_OK);
    struct vgl_trace_record rec;
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
    CHECK_EQ(rec.type, VGL_REC_END);
    CHECK_EQ(rec.size, 0);
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
    CHECK_EQ(rec.type, VGL_REC_GUEST_DATA);
    CHECK_EQ(rec.size, VGL_TRACE_MAX_RECORD);
    CHECK(memcmp(rec.data, big, VGL_TRACE_MAX_RECORD) == 0);
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 0);
    vgl_trace_reader_destroy(r);
    free(big);

    /*
     * Hand-made chunk headers claiming sizes above the limits, in a file too short to hold them:
     * CORRUPT (not TRUNCATED) shows the reader refused them from the header alone, before
     * allocating or reading a payload of that size.
     */
    uint8_t file[256];
    const size_t n = make_header(file, VGL_TRACE_VERSION, VGL_TRACE_HEADER_SIZE, 0);
    size_t c = make_chunk(file + n, sizeof(file) - n, 1, "", 0, true, VGL_TRACE_MAX_CHUNK + 1, 1);
    expect_corrupt_chunk(path, file, n + c, "uncompressed size 67108865 exceeds");
    c = make_chunk(file + n, sizeof(file) - n, 1, "", 0, true, 0xFFFFFFFFu, 1);
    expect_corrupt_chunk(path, file, n + c, "exceeds the limit");
    make_chunk(file + n, sizeof(file) - n, 1, "", 0, true, 16, 1);
    vgl_put_u32(file + n + VGL_TRACE_CHK_CSIZE,
                (uint32_t)ZSTD_compressBound(VGL_TRACE_MAX_CHUNK) + 1);
    vgl_put_u32(file + n + VGL_TRACE_CHK_HEADER_CRC,
                (uint32_t)crc32(0L, file + n, VGL_TRACE_CHK_HEADER_CRC));
    expect_corrupt_chunk(path, file, n + VGL_TRACE_CHUNK_HEADER_SIZE, "compressed size");
    vgl_put_u32(file + n + VGL_TRACE_CHK_CSIZE, 0xFFFFFFFFu);
    vgl_put_u32(file + n + VGL_TRACE_CHK_HEADER_CRC,
                (uint32_t)crc32(0L, file + n, VGL_TRACE_CHK_HEADER_CRC));
    expect_corrupt_chunk(path, file, n + VGL_TRACE_CHUNK_HEADER_SIZE, "compressed size");

    /* The same chunk with a plausible size is merely truncated. */
    vgl_put_u32(file + n + VGL_TRACE_CHK_CSIZE, 1000);
    vgl_put_u32(file + n + VGL_TRACE_CHK_HEADER_CRC,
                (uint32_t)crc32(0L, file + n, VGL_TRACE_CHK_HEADER_CRC));
    write_file(path, file, n + VGL_TRACE_CHUNK_HEADER_SIZE);
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_OK);
    CHECK_EQ(vgl_trace_reader_next(r, &rec), VGL_ERROR_TRUNCATED);
    vgl_trace_reader_destroy(r);
}

static int error_logs;

static void count_log(enum vgl_log_level level, const char *file, int line, const char *fmt,
                      va_list args, void *user) {
    (void)file;
    (void)line;
    (void)fmt;
    (void)args;
    (void)user;
    if (level == VGL_LOG_ERROR) {
        error_logs++;
    }
}

VGL_TEST(writer_io_error) {
    if (access("/dev/full", W_OK) != 0) {
        vgl_test_skip("no writable /dev/full");
    }
    vgl_log_init(VGL_LOG_ERROR, count_log, NULL);
    struct vgl_trace_writer *w = NULL;
    CHECK_EQ(vgl_trace_writer_create("/dev/full", &w), VGL_OK);
    static uint8_t block[64 << 10];
    memset(block, 0xA5, sizeof(block));
    enum vgl_status st = VGL_OK;
    int adds = 0;
    while (st == VGL_OK && adds < 100) {
        st = vgl_trace_writer_add(w, VGL_REC_GUEST_DATA, block, sizeof(block), NULL, 0);
        adds++;
    }
    CHECK_EQ(st, VGL_ERROR_IO);
    /* Writing the first chunk (16 blocks) fails on the writer's thread; the error reaches the
     * caller when it hands over the second. */
    CHECK(adds > 16 && adds <= 33);
    CHECK_EQ(error_logs, 1);
    CHECK_EQ(vgl_trace_writer_add(w, VGL_REC_END, NULL, 0, NULL, 0), VGL_ERROR_IO);
    CHECK_EQ(vgl_trace_writer_add(w, VGL_REC_END, block, SIZE_MAX, NULL, 0), VGL_ERROR_IO);
    CHECK_EQ(vgl_trace_writer_flush(w), VGL_ERROR_IO);
    CHECK_EQ(vgl_trace_writer_bytes(w), 0);
    CHECK_EQ(vgl_trace_writer_destroy(w), VGL_ERROR_IO);
    CHECK_EQ(error_logs, 1);
    vgl_log_init(VGL_LOG_WARN, NULL, NULL);
}

/* A file-size limit makes a write stop part-way: the file keeps every chunk written before. */
VGL_TEST(writer_size_limit) {
    vgl_log_init(VGL_LOG_ERROR, count_log, NULL);
    const char *path = tmp_path("limited.vgz");
    signal(SIGXFSZ, SIG_IGN);
    const struct rlimit lim = {.rlim_cur = 6000, .rlim_max = RLIM_INFINITY};
    struct rlimit old;
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    if (old.rlim_max != RLIM_INFINITY) {
        vgl_test_skip("file size limit already set");
    }
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);

    const uint32_t seed = 5;
    struct vgl_trace_writer *w = NULL;
    CHECK_EQ(vgl_trace_writer_create(path, &w), VGL_OK);
    uint32_t i = 0, flushed = 0;
    uint64_t good_bytes = 0;
    enum vgl_status st = VGL_OK;
    while (st == VGL_OK && i < 10000) {
        for (int k = 0; k < 5 && st == VGL_OK; k++, i++) {
            struct gen_record g;
            gen(seed, i, false, &g);
            add_gen(w, &g);
            free(g.data);
        }
        st = vgl_trace_writer_flush(w);
        if (st == VGL_OK) {
            flushed = i;
            good_bytes = vgl_trace_writer_bytes(w);
        }
    }
    CHECK_EQ(st, VGL_ERROR_IO);
    CHECK(flushed > 0);
    CHECK_EQ(vgl_trace_writer_bytes(w), good_bytes);
    CHECK_EQ(vgl_trace_writer_destroy(w), VGL_ERROR_IO);
    CHECK_EQ(error_logs, 1);
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);

    const uint64_t size = file_size(path);
    CHECK(size >= good_bytes && size <= lim.rlim_cur);
    struct vgl_trace_reader *r = NULL;
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_OK);
    for (uint32_t k = 0; k < flushed; k++) {
        expect_record(r, seed, k, false);
    }
    struct vgl_trace_record rec;
    CHECK_EQ(vgl_trace_reader_next(r, &rec), size == good_bytes ? 0 : VGL_ERROR_TRUNCATED);
    if (size != good_bytes) {
        CHECK_EQ(vgl_trace_reader_error_offset(r), good_bytes);
    }
    vgl_trace_reader_destroy(r);
    vgl_log_init(VGL_LOG_WARN, NULL, NULL);
}

VGL_TEST(unknown_chunk_skipped) {
    const char *orig = tmp_path("two.vgz");
    struct small_file f = {.seed = 4, .nchunks = 2, .per_chunk = {6, 5}};
    write_small(orig, &f);
    size_t len;
    uint8_t *bytes = read_file(orig, &len);

    static uint8_t file[1 << 16];
    CHECK(len + 1024 < sizeof(file));
    size_t n = (size_t)f.bounds[1];
    memcpy(file, bytes, n);
    /* A chunk of a future type whose payload is not even zstd, one with an empty payload, and an
     * empty records chunk: all skipped. */
    static const char future[] = "a chunk type this reader does not know";
    n += make_chunk(file + n, sizeof(file) - n, 0x1234, future, sizeof(future), true, 77, 5);
    n += make_chunk(file + n, sizeof(file) - n, 2, "", 0, true, 0, 0);
    n += make_chunk(file + n, sizeof(file) - n, VGL_TRACE_CHUNK_RECORDS, "", 0, false, 0, 0);
    const uint64_t second = n;
    memcpy(file + n, bytes + f.bounds[1], len - (size_t)f.bounds[1]);
    n += len - (size_t)f.bounds[1];
    free(bytes);

    const char *path = tmp_path("unknown.vgz");
    write_file(path, file, n);
    struct vgl_trace_reader *r = NULL;
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_OK);
    for (uint32_t i = 0; i < f.total; i++) {
        struct gen_record g;
        gen(f.seed, i, false, &g);
        struct vgl_trace_record rec;
        CHECK_EQ(vgl_trace_reader_next(r, &rec), 1);
        check_gen(&rec, &g);
        CHECK_EQ(rec.chunk_offset, i < f.per_chunk[0] ? VGL_TRACE_HEADER_SIZE : second);
        free(g.data);
    }
    struct vgl_trace_record rec;
    CHECK_EQ(vgl_trace_reader_next(r, &rec), 0);
    vgl_trace_reader_destroy(r);

    /* A skipped chunk is still checksummed: a bad payload CRC there is corruption. */
    const size_t at = (size_t)f.bounds[1];
    file[at + VGL_TRACE_CHUNK_HEADER_SIZE] ^= 0x10;
    write_file(path, file, n);
    CHECK_EQ(vgl_trace_reader_open(path, &r), VGL_OK);
    for (uint32_t i = 0; i < f.per_chunk[0]; i++) {
        expect_record(r, f.seed, i, false);
    }
    CHECK_EQ(vgl_trace_reader_next(r, &rec), VGL_ERROR_CORRUPT);
    CHECK_EQ(vgl_trace_reader_error_offset(r), at);
    vgl_trace_reader_destroy(r);
}

VGL_TEST(record_names) {
    static const struct {
        uint32_t type;
        const char *name;
    } names[] = {
            {VGL_REC_INFO, "INFO"},
            {VGL_REC_CAPS, "CAPS"},
            {VGL_REC_CONTEXT_CREATE, "CONTEXT_CREATE"},
            {VGL_REC_CONTEXT_DESTROY, "CONTEXT_DESTROY"},
            {VGL_REC_RESOURCE_CREATE, "RESOURCE_CREATE"},
            {VGL_REC_RESOURCE_UNREF, "RESOURCE_UNREF"},
            {VGL_REC_ATTACH_BACKING, "ATTACH_BACKING"},
            {VGL_REC_DETACH_BACKING, "DETACH_BACKING"},
            {VGL_REC_GUEST_DATA, "GUEST_DATA"},
            {VGL_REC_TRANSFER_WRITE, "TRANSFER_WRITE"},
            {VGL_REC_TRANSFER_READ, "TRANSFER_READ"},
            {VGL_REC_SUBMIT, "SUBMIT"},
            {VGL_REC_FRAME, "FRAME"},
            {VGL_REC_FENCE, "FENCE"},
            {VGL_REC_WAIT_IDLE, "WAIT_IDLE"},
            {VGL_REC_END, "END"},
            {VGL_REC_FRAME_MARK, "FRAME_MARK"},
            {VGL_REC_CTX_ATTACH, "CTX_ATTACH"},
    };
    const size_t count = sizeof(names) / sizeof(names[0]);
    CHECK_EQ(count, VGL_REC_CTX_ATTACH); /* the enum is dense from 1 to CTX_ATTACH */
    for (size_t i = 0; i < count; i++) {
        const char *got = vgl_trace_record_name(names[i].type);
        CHECK(got != NULL);
        if (strcmp(got, names[i].name) != 0) {
            fprintf(stderr, "type %u: \"%s\", want \"%s\"\n", names[i].type, got, names[i].name);
            CHECK(false);
        }
    }
    CHECK(strcmp(vgl_trace_record_name(0), "UNKNOWN") == 0);
    CHECK(strcmp(vgl_trace_record_name(999), "UNKNOWN") == 0);
    CHECK(strcmp(vgl_trace_record_name(VGL_REC_CTX_ATTACH + 1), "UNKNOWN") == 0);
    CHECK(strcmp(vgl_trace_record_name(0xFFFFFFFFu), "UNKNOWN") == 0);
}

/* The record codec: every known type encodes and parses back to the same fields; sizes match
 * vgl_trace_call_head_size; unknown types have no head. */
VGL_TEST(call_codec_round_trips_every_record_type) {
    for (uint32_t type = VGL_REC_INFO; type <= VGL_REC_CTX_ATTACH; type++) {
        uint32_t words[4] = {0x11223344u, 0x55667788u, 0x99aabbccu, 0xddeeff00u};
        struct vgl_trace_call c = {
                .type = type,
                .ctx = 7,
                .status = type == VGL_REC_CONTEXT_DESTROY ? 0 : -3,
                .handle = 9,
                .value = type == VGL_REC_SUBMIT ? 4 : 0x0102030405060708ull,
                .resource = {9, 2, 67, 0xa, 64, 48, 1, 1, 3, 0, 5},
                .transfer = {9, 1, 256, 4096, {1, -2, 3, 4, 5, 6}, 0x1122334455ull},
                .frame = {9, 42, 67, 64, -48, 12288, 0xcafef00du},
                .source = 3,
                .data = (const uint8_t *)words,
                .data_size = type == VGL_REC_END ? 0 : sizeof(words),
        };
        /* Fields a type has no room for keep what parse gives them: 0, or the u32 range. */
        if (type == VGL_REC_CAPS || type == VGL_REC_FRAME_MARK) {
            c.value = 0x05060708u;
        }
        uint8_t head[VGL_TRACE_CALL_HEAD_MAX], rec[VGL_TRACE_CALL_HEAD_MAX + sizeof(words)];
        const size_t n = vgl_trace_call_encode(&c, head);
        CHECK_EQ(n, vgl_trace_call_head_size(type));
        memcpy(rec, head, n);
        memcpy(rec + n, words, c.data_size);
        const struct vgl_trace_record r = {type, (uint32_t)(n + c.data_size), rec, 0, 0};
        struct vgl_trace_call p;
        CHECK_EQ(vgl_trace_call_parse(&r, &p), VGL_OK);
        /* parse -> encode gives the same bytes back: the one table both walk */
        uint8_t again[VGL_TRACE_CALL_HEAD_MAX];
        CHECK_EQ(vgl_trace_call_encode(&p, again), n);
        CHECK(memcmp(again, head, n) == 0);
        CHECK_EQ(p.data_size, c.data_size);
        CHECK(c.data_size == 0 || memcmp(p.data, words, c.data_size) == 0);
        if (type != VGL_REC_INFO && type != VGL_REC_CAPS && type != VGL_REC_END) {
            CHECK_EQ(p.ctx, 7);
        }
        if (p.is_call && type != VGL_REC_CONTEXT_DESTROY) {
            CHECK_EQ(p.status, -3);
        }
    }
    const struct vgl_trace_call unknown = {.type = 999};
    uint8_t head[VGL_TRACE_CALL_HEAD_MAX];
    CHECK_EQ(vgl_trace_call_encode(&unknown, head), 0);
    CHECK_EQ(vgl_trace_call_head_size(999), 0);
    CHECK_EQ(vgl_trace_call_head_size(VGL_REC_TRANSFER_WRITE), 56);
    CHECK_EQ(vgl_trace_call_head_size(VGL_REC_RESOURCE_CREATE), 52);
}
