/* SPDX-License-Identifier: MIT */
/*
 * The HTML report of a comparison: one self-contained file (inline CSS, images as base64 data:
 * URIs, no scripts, no external URLs). Every string from outside is HTML-escaped.
 */
#include "checker_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "markup.h"

/* Small frames are scaled up by an integer factor so that a single pixel is visible. */
#define REPORT_TARGET_SIDE 256u
#define REPORT_MAX_SCALE   16u

const char *frame_state_name(enum frame_state state) {
    switch (state) {
    case FRAME_MATCH:
        return "match";
    case FRAME_FUZZY:
        return "match (within tolerance)";
    case FRAME_SKIPPED:
        return "not compared";
    case FRAME_DIFFERS:
        return "differs";
    case FRAME_MISSING:
        return "missing";
    case FRAME_NEW:
        return "new";
    default:
        return "not checked";
    }
}

bool frame_state_differs(enum frame_state state) {
    return state == FRAME_DIFFERS || state == FRAME_MISSING || state == FRAME_NEW;
}

static void psnr_text(double psnr, char *buf, size_t size) {
    if (isinf(psnr)) {
        snprintf(buf, size, "inf");
    } else {
        snprintf(buf, size, "%.2f", psnr);
    }
}

void metrics_text(const struct pixel_metrics *m, unsigned tolerance, char *buf, size_t size) {
    char psnr[32];
    psnr_text(m->psnr, psnr, sizeof(psnr));
    snprintf(buf, size,
             "largest channel difference %u at (%u,%u), %llu pixel%s over tolerance %u, "
             "PSNR %s dB",
             m->max_diff, m->max_x, m->max_y, (unsigned long long)m->over, m->over == 1 ? "" : "s",
             tolerance, psnr);
}

static void put_base64(FILE *f, const uint8_t *data, size_t size) {
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < size; i += 3) {
        const size_t left = size - i;
        const uint32_t v = (uint32_t)data[i] << 16 | (left > 1 ? (uint32_t)data[i + 1] << 8 : 0) |
                           (left > 2 ? data[i + 2] : 0);
        fputc(digits[v >> 18 & 63], f);
        fputc(digits[v >> 12 & 63], f);
        fputc(left > 1 ? digits[v >> 6 & 63] : '=', f);
        fputc(left > 2 ? digits[v & 63] : '=', f);
    }
}

static const char style[] =
        "body{font-family:sans-serif;margin:1.5em;color:#222;background:#fafafa}\n"
        "table{border-collapse:collapse;margin:1em 0}\n"
        "th,td{border:1px solid #bbb;padding:3px 8px;text-align:left;vertical-align:top}\n"
        "th{background:#eee}\n"
        "tr.differs td{background:#fde8ec}\n"
        ".state-differs,.state-missing,.state-new{color:#b00020;font-weight:bold}\n"
        ".state-match{color:#176b1f}\n"
        "section{margin:1.5em 0;padding:0.5em 1em 1em;border:1px solid #bbb;background:#fff}\n"
        ".images{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}\n"
        "figure{margin:0}\n"
        "figcaption{font-size:90%;margin-top:4px}\n"
        ".pic{position:relative;display:inline-block;line-height:0;border:1px solid #666;"
        "background:repeating-conic-gradient(#c8c8c8 0 25%,#f0f0f0 0 50%) 0 0/16px 16px}\n"
        ".pic img{image-rendering:pixelated;display:block}\n"
        ".marker{position:absolute;box-sizing:border-box;border:2px solid #ffe000;"
        "outline:1px solid #000;pointer-events:none}\n"
        "code{background:#eee;padding:0 3px}\n";

static unsigned display_scale(uint32_t w, uint32_t h) {
    const uint32_t side = w > h ? w : h;
    const uint32_t s = side ? REPORT_TARGET_SIDE / side : 1;
    return s < 1 ? 1 : s > REPORT_MAX_SCALE ? REPORT_MAX_SCALE : s;
}

static void put_head(FILE *f, const char *ref_desc, unsigned tolerance, size_t count,
                     size_t differing) {
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<title>virgl-replay comparison</title>\n<link rel=\"icon\" href=\"data:,\">\n"
          "<style>\n",
          f);
    fputs(style, f);
    fputs("</style>\n</head>\n<body>\n<h1>virgl-replay comparison</h1>\n<p>Reference <code>", f);
    markup_escape(f, ref_desc);
    fprintf(f,
            "</code>, tolerance %u (a pixel differs when its largest channel difference is "
            "greater). <strong>%zu of %zu frames differ.</strong></p>\n",
            tolerance, differing, count);
}

static void put_metrics_cells(FILE *f, const struct frame_result *r) {
    if (!r->has_metrics) {
        fputs("<td>-</td><td>-</td><td>-</td>", f);
        return;
    }
    char psnr[32];
    psnr_text(r->m.psnr, psnr, sizeof(psnr));
    if (r->m.max_diff == 0) {
        fputs("<td>0</td>", f);
    } else {
        fprintf(f, "<td>%u at (%u,%u)</td>", r->m.max_diff, r->m.max_x, r->m.max_y);
    }
    fprintf(f, "<td>%llu</td><td>%s</td>", (unsigned long long)r->m.over, psnr);
}

static const char *state_class(enum frame_state state) {
    switch (state) {
    case FRAME_DIFFERS:
        return "differs";
    case FRAME_MISSING:
        return "missing";
    case FRAME_NEW:
        return "new";
    case FRAME_MATCH:
    case FRAME_FUZZY:
        return "match";
    default:
        return "other";
    }
}

static void put_row(FILE *f, const struct frame_result *r) {
    const bool differs = frame_state_differs(r->state);
    const char *name = frame_state_name(r->state);
    fprintf(f, "<tr%s><td>", differs ? " class=\"differs\"" : "");
    if (differs) {
        fprintf(f, "<a href=\"#frame-%u\">%u</a>", r->frame, r->frame);
    } else {
        fprintf(f, "%u", r->frame);
    }
    fprintf(f, "</td><td class=\"state-%s\">", state_class(r->state));
    markup_escape(f, name);
    fprintf(f, "</td><td>%ux%u</td><td>%u</td><td>%08x</td>", r->w, r->h, r->format, r->crc);
    put_metrics_cells(f, r);
    fputs("<td>", f);
    markup_escape(f, r->note);
    fputs("</td></tr>\n", f);
}

static void put_table(FILE *f, const struct frame_result *results, size_t count) {
    fputs("<table>\n<tr><th>frame</th><th>result</th><th>size</th><th>format</th>"
          "<th>crc32</th><th>largest channel difference</th><th>pixels over tolerance</th>"
          "<th>PSNR (dB)</th><th>note</th></tr>\n",
          f);
    for (size_t i = 0; i < count; i++) {
        put_row(f, &results[i]);
    }
    fputs("</table>\n", f);
}

/* One image, scaled by an integer factor; with mark, a box around the pixel (x,y). */
static void put_image(FILE *f, const struct png_blob *b, const char *caption,
                      const struct pixel_metrics *mark) {
    if (!b->data) {
        return;
    }
    const unsigned s = display_scale(b->w, b->h);
    fprintf(f,
            "<figure><div class=\"pic\" style=\"width:%llupx;height:%llupx\">"
            "<img width=\"%llu\" height=\"%llu\" alt=\"",
            (unsigned long long)b->w * s, (unsigned long long)b->h * s,
            (unsigned long long)b->w * s, (unsigned long long)b->h * s);
    markup_escape(f, caption);
    fputs("\" src=\"data:image/png;base64,", f);
    put_base64(f, b->data, b->size);
    fputs("\">", f);
    if (mark) {
        fprintf(f,
                "<span class=\"marker\" style=\"left:%lldpx;top:%lldpx;width:%upx;"
                "height:%upx\"></span>",
                (long long)mark->max_x * s - 4, (long long)mark->max_y * s - 4, s + 8, s + 8);
    }
    fprintf(f, "</div><figcaption>");
    markup_escape(f, caption);
    fprintf(f, " (%ux%u, shown at %ux)</figcaption></figure>\n", b->w, b->h, s);
}

static void put_frame(FILE *f, const struct frame_result *r, unsigned tolerance) {
    fprintf(f, "<section id=\"frame-%u\">\n<h2>frame %u: ", r->frame, r->frame);
    markup_escape(f, frame_state_name(r->state));
    fputs("</h2>\n<p>", f);
    if (r->has_metrics) {
        char text[256];
        metrics_text(&r->m, tolerance, text, sizeof(text));
        markup_escape(f, text);
        fprintf(f,
                "; %llu pixel(s) differ at all. Magenta: over the tolerance; teal: within it. "
                "The yellow box marks the largest difference. ",
                (unsigned long long)r->m.differing);
    }
    markup_escape(f, r->note);
    fputs("</p>\n<div class=\"images\">\n", f);
    put_image(f, &r->ref, "reference", NULL);
    put_image(f, &r->res, "result", NULL);
    put_image(f, &r->diff, "difference", r->has_metrics ? &r->m : NULL);
    fputs("</div>\n</section>\n", f);
}

static bool write_page(FILE *f, const char *ref_desc, unsigned tolerance,
                       const struct frame_result *results, size_t count) {
    size_t differing = 0;
    for (size_t i = 0; i < count; i++) {
        differing += frame_state_differs(results[i].state);
    }
    put_head(f, ref_desc, tolerance, count, differing);
    put_table(f, results, count);
    for (size_t i = 0; i < count; i++) {
        if (frame_state_differs(results[i].state)) {
            put_frame(f, &results[i], tolerance);
        }
    }
    fputs("</body>\n</html>\n", f);
    return !ferror(f);
}

bool report_write(const char *dir, const char *ref_desc, unsigned tolerance,
                  const struct frame_result *results, size_t count, char *why, size_t why_size) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(why, why_size, "%s: %s", dir, strerror(errno));
        return false;
    }
    char path[4096], tmp[4096];
    if (snprintf(path, sizeof(path), "%s/index.html", dir) >= (int)sizeof(path) ||
        snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        snprintf(why, why_size, "%s: path too long", dir);
        return false;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(why, why_size, "%s: %s", tmp, strerror(errno));
        return false;
    }
    const bool written = write_page(f, ref_desc, tolerance, results, count);
    if (fclose(f) != 0 || !written || rename(tmp, path) != 0) {
        snprintf(why, why_size, "%s: could not write the report", path);
        unlink(tmp);
        return false;
    }
    return true;
}
