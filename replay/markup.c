/* SPDX-License-Identifier: MIT */
#include "markup.h"

#include <stdint.h>

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0. */
static int utf8_length(const unsigned char *s) {
    if (s[0] < 0x80) {
        return 1;
    }
    int n;
    uint32_t cp;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = s[0] & 0x1fu;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = s[0] & 0x0fu;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) { /* also stops at the terminating NUL */
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe ||
        cp == 0xffff) {
        return 0;
    }
    return n;
}

void markup_escape(FILE *f, const char *text) {
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default: {
            const int n = utf8_length(s);
            if (n == 0 || (*s < 0x20 && *s != '\t' && *s != '\n') || *s == 0x7f) {
                fputs("\xef\xbf\xbd", f); /* U+FFFD */
                s++;
                continue;
            }
            fwrite(s, 1, (size_t)n, f);
            s += n;
            continue;
        }
        }
        s++;
    }
}
