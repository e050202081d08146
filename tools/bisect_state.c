/* SPDX-License-Identifier: MIT */
#include "bisect_state.h"

#include <stdlib.h>
#include <string.h>

#include "player.h"
#include "print_sink.h"
#include "protocol/virgl_protocol.h"
#include "tool.h"

/* The level and layer a surface names, read back whole into offset 0 of its backing. */
static void describe_target(const struct trim_ctx *c, uint32_t surface, struct bisect_target *t) {
    *t = (struct bisect_target){.surface = surface};
    const struct trim_item *obj = trim_list_find(&c->objects, c->cur_sub, surface);
    if (!obj || obj->words.count < 6 || VGL_CMD_OBJ(obj->words.dw[0]) != VGL_OBJECT_SURFACE) {
        return;
    }
    const uint32_t *w = obj->words.dw;
    const uint32_t layer = w[5] & 0xffff;
    const struct trim_resource *res = trim_ctx_find_resource(c, w[2]);
    struct vgl_box box;
    uint64_t bytes;
    if (!res || res->args.target == VGL_TARGET_BUFFER || w[4] > res->args.last_level ||
        !trim_level_box(&res->args, w[4], &box, &bytes) || layer >= (uint32_t)box.d) {
        return;
    }
    t->format = res->args.format;
    t->w = (uint32_t)box.w;
    t->h = (uint32_t)box.h;
    t->read = (struct vgl_transfer){
            .handle = w[2],
            .level = w[4],
            .box = {0, 0, (int32_t)layer, box.w, box.h, 1},
    };
    t->readable = res->backing_size >= bytes / (uint64_t)box.d;
}

static void find_targets(struct bisect_state *st, const struct trim_ctx *c) {
    const struct trim_item *fb =
            trim_list_find(&c->states, c->cur_sub, VGL_CCMD_SET_FRAMEBUFFER_STATE);
    if (!fb || fb->words.count < 3) {
        return;
    }
    const uint32_t *w = fb->words.dw;
    const uint32_t nr = w[1] < 8 ? w[1] : 8;
    for (uint32_t i = 0; i < nr && 3 + i < fb->words.count; i++) {
        if (w[3 + i]) {
            describe_target(c, w[3 + i], &st->targets[st->target_count++]);
        }
    }
    if (w[2]) {
        describe_target(c, w[2], &st->targets[st->target_count]);
        st->targets[st->target_count++].depth = true;
    }
}

/* A SUBMIT (its dwords in dw) whose draw ends at dword `cut`: track up to it and keep the
 * command. */
static void reach(struct bisect_state *st, const struct vgl_trace_call *c, const uint32_t *dw,
                  uint32_t cut, uint64_t call) {
    trim_set_track(&st->set, c, cut);
    /* The draw is the command that ends at `cut`: find its start. */
    for (uint32_t i = 0, index = 0; i < cut; index++) {
        const uint32_t end = i + 1 + VGL_CMD_LEN(dw[i]);
        if (end == cut) {
            st->cmd_dwords = end - i < 512 ? end - i : 512;
            memcpy(st->cmd, dw + i, st->cmd_dwords * 4);
            st->cmd_index = index;
        }
        i = end;
    }
    st->reached = true;
    st->call = call;
    st->ctx = c->ctx;
    const struct trim_ctx *ctx = trim_set_find(&st->set, c->ctx);
    if (ctx) {
        find_targets(st, ctx);
    }
}

bool bisect_state_at(const char *path, uint64_t k, struct bisect_state *st) {
    memset(st, 0, sizeof(*st));
    struct tool_trace t;
    if (!tool_trace_open(&t, path)) {
        return false;
    }
    uint64_t draws = 0;
    int n;
    while (!st->reached && (n = tool_trace_next(&t)) > 0) {
        const struct vgl_trace_call *c = &t.call;
        if (c->type == VGL_REC_SUBMIT) {
            uint32_t *dw = malloc((size_t)c->value * 4 + 4);
            if (!dw) {
                break;
            }
            for (uint32_t i = 0; i < (uint32_t)c->value; i++) {
                dw[i] = vgl_get_u32(c->data + 4 * (size_t)i);
            }
            uint32_t cut;
            const uint64_t found = player_scan_draws(dw, (uint32_t)c->value, k - draws, &cut);
            if (found > k - draws) {
                reach(st, c, dw, cut, t.index);
                free(dw);
                break;
            }
            free(dw);
            draws += found;
        }
        trim_set_track(&st->set, c, UINT32_MAX);
    }
    const bool ok = st->reached || t.error == VGL_OK;
    if (!ok) {
        tool_trace_report(&t);
    }
    tool_trace_close(&t);
    return ok;
}

void bisect_state_finish(struct bisect_state *st) {
    trim_set_finish(&st->set);
}

/* A decoded command line without its "  CALL.INDEX" prefix: the command was decoded alone, so
 * the index would be wrong (state may come from any earlier submit). */
static void emit_unnumbered(void *user, enum pout_kind kind, const char *line, size_t len) {
    if (kind == POUT_CMD) {
        size_t i = 0;
        while (i < len && line[i] == ' ') {
            i++;
        }
        while (i < len && line[i] != ' ') {
            i++;
        }
        while (i < len && line[i] == ' ') {
            i++;
        }
        line += i;
        len -= i;
        fputs("  ", stdout);
    }
    fwrite(line, 1, len, stdout);
    fputc('\n', stdout);
}

static void print_words(const uint32_t *w, size_t n, uint64_t call, uint32_t ctx) {
    uint8_t *bytes = malloc(n * 4 + 4);
    if (!bytes) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        vgl_put_u32(bytes + 4 * i, w[i]);
    }
    struct pout o = {.emit = emit_unnumbered};
    print_submit(&o, call, ctx, bytes, (uint32_t)n);
    pout_finish(&o);
    free(bytes);
}

/* Handles of objects a state command binds (shaders, CSOs, sampler views and states,
 * surfaces). */
static size_t bound_handles(const struct trim_item *it, uint32_t *out, size_t max) {
    const uint32_t *w = it->words.dw;
    const size_t n = it->words.count;
    size_t first = n, count = 0;
    switch (VGL_CMD_ID(w[0])) {
    case VGL_CCMD_BIND_OBJECT:
    case VGL_CCMD_BIND_SHADER:
        first = 1;
        count = 1;
        break;
    case VGL_CCMD_SET_SAMPLER_VIEWS:
    case VGL_CCMD_BIND_SAMPLER_STATES:
        first = 3;
        count = n > 3 ? n - 3 : 0;
        break;
    case VGL_CCMD_SET_FRAMEBUFFER_STATE:
        first = 2;
        count = n > 2 ? n - 2 : 0;
        break;
    default:
        return 0;
    }
    size_t k = 0;
    for (size_t i = first; i < n && i < first + count && k < max; i++) {
        if (w[i]) {
            out[k++] = w[i];
        }
    }
    return k;
}

void bisect_state_print(const struct bisect_state *st, FILE *out) {
    fflush(out);
    print_words(st->cmd, st->cmd_dwords, st->call, st->ctx);
    const struct trim_ctx *c = trim_set_find((struct trim_set *)&st->set, st->ctx);
    if (!c) {
        return;
    }
    fprintf(out, "state bound (context %u, sub-context %u):\n", st->ctx, c->cur_sub);
    fflush(out);
    uint32_t handles[256];
    size_t nh = 0;
    for (size_t i = 0; i < c->states.count; i++) {
        const struct trim_item *it = &c->states.items[i];
        if (it->sub == c->cur_sub && it->words.count) {
            print_words(it->words.dw, it->words.count, st->call, st->ctx);
            nh += bound_handles(it, handles + nh, 256 - nh);
        }
    }
    fprintf(out, "objects bound:\n");
    fflush(out);
    for (size_t i = 0; i < c->objects.count; i++) {
        const struct trim_item *it = &c->objects.items[i];
        bool bound = false;
        for (size_t j = 0; j < nh && !bound; j++) {
            bound = it->key == handles[j];
        }
        if (bound && it->sub == c->cur_sub && it->words.count) {
            print_words(it->words.dw, it->words.count, st->call, st->ctx);
        }
    }
}
