/* SPDX-License-Identifier: MIT */
/* What the player needs to know of a trace without replaying it: ranges, draws, frames (the one
 * rule for which records are a trace's frames), its version. */
#include <stdlib.h>

#include <vgl/trace.h>

#include "decode/decoder.h"
#include "player.h"
#include "protocol/virgl_protocol.h"

static bool parse_number(const char **p, uint64_t *out) {
    uint64_t v = 0;
    const char *s = *p;
    size_t n = 0;
    for (; s[n] >= '0' && s[n] <= '9'; n++) {
        if (n == 19) {
            return false;
        }
        v = v * 10 + (uint64_t)(s[n] - '0');
    }
    *p = s + n;
    *out = v;
    return n > 0;
}

bool player_parse_range(const char *text, struct player_range *out) {
    const char *p = text;
    uint64_t first, last;
    if (!parse_number(&p, &first)) {
        return false;
    }
    last = first;
    if (*p == '-') {
        p++;
        if (*p == '\0') {
            last = UINT64_MAX;
        } else if (!parse_number(&p, &last)) {
            return false;
        }
    }
    if (*p != '\0' || last < first) {
        return false;
    }
    *out = (struct player_range){true, first, last};
    return true;
}

uint64_t player_scan_draws(const uint32_t *cmds, uint32_t ndw, uint64_t stop, uint32_t *cut) {
    uint64_t found = 0;
    /* Framing only (the renderer's decoder checks everything else): a header, then its length
     * in dwords; a command that does not fit ends the scan. */
    for (uint32_t i = 0; i < ndw;) {
        const uint32_t end = i + 1 + VGL_CMD_LEN(cmds[i]);
        if (end > ndw) {
            break;
        }
        if (vgl_decode_cmd_draws(VGL_CMD_ID(cmds[i])) && found++ == stop) {
            *cut = end;
        }
        i = end;
    }
    return found;
}

uint32_t player_frame_type_for(uint64_t frame_records) {
    return frame_records ? VGL_REC_FRAME : VGL_REC_FRAME_MARK;
}

/* Counts FRAME and FRAME_MARK records; with `first_frame`, stops at the first FRAME. */
static bool count_marks(const char *path, bool first_frame, uint32_t *frames, uint32_t *marks) {
    *frames = *marks = 0;
    struct vgl_trace_reader *reader = NULL;
    if (vgl_trace_reader_open(path, &reader) != VGL_OK) {
        vgl_trace_reader_destroy(reader);
        return false;
    }
    struct vgl_trace_record rec;
    while (vgl_trace_reader_next(reader, &rec) > 0) {
        if (rec.type == VGL_REC_FRAME) {
            (*frames)++;
            if (first_frame) {
                break;
            }
        } else if (rec.type == VGL_REC_FRAME_MARK) {
            (*marks)++;
        }
    }
    vgl_trace_reader_destroy(reader);
    return true;
}

uint32_t player_frame_type(const char *path) {
    uint32_t frames, marks;
    count_marks(path, true, &frames, &marks);
    return player_frame_type_for(frames);
}

uint32_t player_count_frames(const char *path) {
    uint32_t frames, marks;
    if (!count_marks(path, false, &frames, &marks)) {
        return 0;
    }
    return player_frame_type_for(frames) == VGL_REC_FRAME ? frames : marks;
}

uint32_t player_trace_version(const char *path) {
    struct vgl_trace_reader *reader = NULL;
    if (vgl_trace_reader_open(path, &reader) != VGL_OK) {
        vgl_trace_reader_destroy(reader);
        return 0;
    }
    const uint32_t version = vgl_trace_reader_version(reader);
    vgl_trace_reader_destroy(reader);
    return version;
}
