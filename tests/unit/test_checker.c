/* SPDX-License-Identifier: MIT */
/*
 * Tests of virgl-replay's frame checker with synthetic frames: metrics, the difference image,
 * checksum files (round trip, hostile input), PNG directories, the HTML report and --update.
 */
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checker.h"
#include "checker_image.h"
#include "checker_sums.h"
#include "test.h"

#define W 6
#define H 4

static char tmp_dir[64];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    return remove(path);
}

static void remove_tmp(void) {
    nftw(tmp_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static const char *tmp_path(const char *name) {
    static char paths[32][160];
    static int next;
    if (!tmp_dir[0]) {
        strcpy(tmp_dir, "/tmp/vgl-test-checker-XXXXXX");
        CHECK(mkdtemp(tmp_dir) != NULL);
        atexit(remove_tmp);
    }
    char *p = paths[next++ % 32];
    snprintf(p, sizeof(paths[0]), "%s/%s", tmp_dir, name);
    return p;
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    CHECK(fseek(f, 0, SEEK_END) == 0);
    const long n = ftell(f);
    CHECK(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    CHECK(buf != NULL);
    CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void spit(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK(fputs(text, f) >= 0);
    CHECK(fclose(f) == 0);
}

/* A gradient that differs per frame. */
static void fill(uint8_t *px, uint32_t seed) {
    for (uint32_t i = 0; i < W * H; i++) {
        px[i * 4 + 0] = (uint8_t)(i * 10 + seed);
        px[i * 4 + 1] = (uint8_t)(200 - i * 5);
        px[i * 4 + 2] = (uint8_t)(seed * 30);
        px[i * 4 + 3] = 255;
    }
}

static struct checker *create(const struct checker_options *o) {
    char why[512] = "";
    struct checker *c = checker_create(o, why, sizeof(why));
    if (!c) {
        fprintf(stderr, "checker_create: %s\n", why);
    }
    CHECK(c != NULL);
    return c;
}

static int finish(struct checker *c) {
    char why[512] = "";
    const int n = checker_finish(c, why, sizeof(why));
    if (n < 0) {
        fprintf(stderr, "checker_finish: %s\n", why);
    }
    checker_destroy(c);
    return n;
}

static void feed(struct checker *c, uint32_t frame, uint32_t crc, const uint8_t *px) {
    const struct checker_frame f = {frame, W, H, 67, crc, px};
    checker_frame(c, &f);
}

VGL_TEST(metrics_name_the_largest_difference) {
    uint8_t a[W * H * 4], b[W * H * 4];
    fill(a, 1);
    memcpy(b, a, sizeof(a));
    struct pixel_metrics m;
    pixel_metrics_compute(a, b, W, H, 0, &m);
    CHECK_EQ(m.max_diff, 0);
    CHECK_EQ(m.over, 0);
    CHECK(isinf(m.psnr));

    const size_t at = (1 * W + 2) * 4; /* (x=2, y=1) */
    b[at + 1] = (uint8_t)(b[at + 1] + 40);
    b[4 * W + 1] = (uint8_t)(b[4 * W + 1] + 3); /* (1,0) inside a tolerance of 5 */
    pixel_metrics_compute(a, b, W, H, 5, &m);
    CHECK_EQ(m.max_diff, 40);
    CHECK_EQ(m.max_x, 2);
    CHECK_EQ(m.max_y, 1);
    CHECK_EQ(m.over, 1);
    CHECK_EQ(m.differing, 2);
    const double expect = 10.0 * log10(255.0 * 255.0 / ((40.0 * 40 + 9) / (W * H * 4)));
    CHECK(fabs(m.psnr - expect) < 1e-9);
    pixel_metrics_compute(a, b, W, H, 40, &m);
    CHECK_EQ(m.over, 0);
}

VGL_TEST(diff_image_marks_each_differing_pixel) {
    uint8_t a[W * H * 4], b[W * H * 4];
    fill(a, 2);
    memcpy(b, a, sizeof(a));
    b[(1 * W + 2) * 4] ^= 0x80;  /* over */
    b[(3 * W + 5) * 4 + 2] ^= 1; /* within 5 */
    uint8_t *d = diff_image_make(a, b, W, H, 5);
    CHECK(d != NULL);
    for (uint32_t i = 0; i < W * H; i++) {
        const uint32_t v = (uint32_t)d[i * 4] << 24 | (uint32_t)d[i * 4 + 1] << 16 |
                           (uint32_t)d[i * 4 + 2] << 8 | d[i * 4 + 3];
        if (i == 1 * W + 2) {
            CHECK_EQ(v, CHECKER_MARK_OVER);
        } else if (i == 3 * W + 5) {
            CHECK_EQ(v, CHECKER_MARK_WITHIN);
        } else {
            CHECK(d[i * 4] == d[i * 4 + 1] && d[i * 4 + 1] == d[i * 4 + 2] && d[i * 4] < 86);
            CHECK_EQ(d[i * 4 + 3], 255);
        }
    }
    free(d);
}

VGL_TEST(checksum_file_round_trip) {
    const char *sums = tmp_path("sums.txt");
    struct checker_options o = {.checksums_out = sums};
    struct checker *c = create(&o);
    feed(c, 0, 0xec8c3e46, NULL);
    feed(c, 1, 0x0000000a, NULL);
    CHECK_EQ(finish(c), 0);
    char *text = slurp(sums);
    CHECK(text[0] == '#');
    CHECK(strstr(text, "\n0 ec8c3e46 6x4 67\n1 0000000a 6x4 67\n") != NULL);
    free(text);

    o = (struct checker_options){.compare_ref = sums};
    c = create(&o);
    feed(c, 0, 0xec8c3e46, NULL);
    feed(c, 1, 0x0000000a, NULL);
    CHECK_EQ(finish(c), 0);

    c = create(&o); /* a changed crc, a missing frame */
    feed(c, 0, 0xec8c3e47, NULL);
    CHECK_EQ(finish(c), 2);

    c = create(&o); /* a new frame */
    feed(c, 0, 0xec8c3e46, NULL);
    feed(c, 1, 0x0000000a, NULL);
    feed(c, 2, 0x0000000b, NULL);
    CHECK_EQ(finish(c), 1);

    o.update = true; /* --update rewrites the file; then it matches */
    c = create(&o);
    feed(c, 0, 0x11111111, NULL);
    feed(c, 2, 0x0000000b, NULL);
    CHECK_EQ(finish(c), 0);
    o.update = false;
    c = create(&o);
    feed(c, 0, 0x11111111, NULL);
    feed(c, 2, 0x0000000b, NULL);
    CHECK_EQ(finish(c), 0);
}

static void expect_refused(const char *text, const char *why_part) {
    const char *path = tmp_path("bad.txt");
    spit(path, text);
    const struct checker_options o = {.compare_ref = path};
    char why[512] = "";
    CHECK(checker_create(&o, why, sizeof(why)) == NULL);
    if (!strstr(why, why_part)) {
        fprintf(stderr, "why: %s\n", why);
        CHECK(!"unexpected why");
    }
}

VGL_TEST(hostile_checksum_files_are_refused) {
    expect_refused("0 ec8c3e4 64x48 67\n", "bad.txt:1");
    expect_refused("# c\n\n0 ec8c3e46 64x48\n", "bad.txt:3");
    expect_refused("-1 ec8c3e46 64x48 67\n", "expected");
    expect_refused("0 ec8c3e46 0x48 67\n", "expected");
    expect_refused("0 ec8c3e46 64x48 67 extra\n", "expected");
    expect_refused("4294967296 ec8c3e46 64x48 67\n", "expected");
    expect_refused("1 ec8c3e46 64x48 67\n1 ec8c3e46 64x48 67\n", "listed twice");
    char long_line[600];
    memset(long_line, ' ', sizeof(long_line) - 1);
    long_line[sizeof(long_line) - 1] = '\0';
    expect_refused(long_line, "longer");

    const struct checker_options o = {.compare_ref = tmp_path("nonexistent")};
    char why[512] = "";
    CHECK(checker_create(&o, why, sizeof(why)) == NULL);
    CHECK(strstr(why, "nonexistent") != NULL);
    const struct checker_options bad = {.update = true};
    CHECK(checker_create(&bad, why, sizeof(why)) == NULL);
}

static const char *make_png_dir(const char *name, const uint8_t *f0, const uint8_t *f1) {
    const char *dir = tmp_path(name);
    CHECK(mkdir(dir, 0777) == 0);
    char path[256], why[256];
    snprintf(path, sizeof(path), "%s/frame-0000.png", dir);
    CHECK(png_write_rgba(path, f0, W, H, why, sizeof(why)));
    snprintf(path, sizeof(path), "%s/frame-0001.png", dir);
    CHECK(png_write_rgba(path, f1, W, H, why, sizeof(why)));
    snprintf(path, sizeof(path), "%s/frame-1.png", dir); /* not a snapshot name: ignored */
    spit(path, "x");
    return dir;
}

VGL_TEST(png_directory_compare_tolerance_and_report) {
    uint8_t f0[W * H * 4], f1[W * H * 4];
    fill(f0, 1);
    fill(f1, 2);
    const char *dir = make_png_dir("ref", f0, f1);
    struct checker_options o = {.compare_ref = dir};
    struct checker *c = create(&o);
    feed(c, 0, 1, f0);
    feed(c, 1, 2, f1);
    CHECK_EQ(finish(c), 0);

    uint8_t changed[W * H * 4];
    memcpy(changed, f1, sizeof(changed));
    changed[(2 * W + 3) * 4 + 2] = (uint8_t)(changed[(2 * W + 3) * 4 + 2] + 40);
    o.report_dir = tmp_path("report");
    c = create(&o);
    feed(c, 0, 1, f0);
    feed(c, 1, 3, changed);
    CHECK_EQ(finish(c), 1);
    char *html = slurp(tmp_path("report/index.html"));
    CHECK(strstr(html, "<!DOCTYPE html>") != NULL);
    CHECK(strstr(html, "40 at (3,2)") != NULL);
    CHECK(strstr(html, "id=\"frame-1\"") != NULL);
    CHECK(strstr(html, "id=\"frame-0\"") == NULL);
    CHECK(strstr(html, "data:image/png;base64,iVBORw0KGgo") != NULL);
    CHECK(strstr(html, "pixelated") != NULL);
    CHECK(strstr(html, "http") == NULL && strstr(html, "<script") == NULL);
    free(html);

    o.tolerance = 40;
    o.report_dir = NULL;
    c = create(&o);
    feed(c, 0, 1, f0);
    feed(c, 1, 3, changed);
    CHECK_EQ(finish(c), 0);
    o.tolerance = 39;
    c = create(&o);
    feed(c, 0, 1, f0);
    feed(c, 1, 3, changed);
    CHECK_EQ(finish(c), 1);
}

VGL_TEST(png_directory_size_missing_new_and_hostile) {
    uint8_t f0[W * H * 4], f1[W * H * 4];
    fill(f0, 3);
    fill(f1, 4);
    const char *dir = make_png_dir("ref2", f0, f1);
    const struct checker_options o = {.compare_ref = dir, .report_dir = tmp_path("report2")};
    struct checker *c = create(&o);
    const struct checker_frame small = {0, W - 1, H, 67, 1, f0};
    checker_frame(c, &small); /* size differs; frame 1 missing */
    feed(c, 5, 1, f0);        /* new */
    CHECK_EQ(finish(c), 3);
    char *html = slurp(tmp_path("report2/index.html"));
    CHECK(strstr(html, "size 5x4, reference 6x4") != NULL);
    CHECK(strstr(html, "missing") != NULL);
    free(html);

    spit(tmp_path("ref2/frame-0001.png"), "\x89PNG\r\n\x1a\nbroken <&>");
    c = create(&o);
    feed(c, 0, 1, f0);
    feed(c, 1, 1, f1);
    CHECK_EQ(finish(c), 1);
    html = slurp(tmp_path("report2/index.html"));
    CHECK(strstr(html, "reference unreadable") != NULL);
    free(html);
}

VGL_TEST(update_writes_every_png_and_removes_none) {
    uint8_t f0[W * H * 4], f1[W * H * 4];
    fill(f0, 5);
    fill(f1, 6);
    const char *dir = make_png_dir("ref3", f1, f1);
    struct checker_options o = {.compare_ref = dir, .update = true};
    struct checker *c = create(&o);
    feed(c, 0, 1, f0);
    feed(c, 2, 1, f1);
    CHECK_EQ(finish(c), 0);
    o.update = false;
    c = create(&o); /* frame 1 is kept, so all three frames match */
    feed(c, 0, 1, f0);
    feed(c, 1, 1, f1);
    feed(c, 2, 1, f1);
    CHECK_EQ(finish(c), 0);

    o = (struct checker_options){.compare_ref = tmp_path("fresh/"), .update = true};
    c = create(&o);
    feed(c, 0, 1, f0);
    CHECK_EQ(finish(c), 0);
    struct rgba_image img;
    char why[256];
    CHECK(png_read_rgba(tmp_path("fresh/frame-0000.png"), &img, why, sizeof(why)));
    CHECK(img.w == W && img.h == H && memcmp(img.px, f0, sizeof(f0)) == 0);
    free(img.px);
}
