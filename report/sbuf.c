/* sbuf.c — growable text buffer: see sbuf.h. Invariant: s[len] == '\0'
 * whenever s is not NULL, and len < cap. */
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(Sbuf *b, size_t extra)
{
    if (b->failed) return -1;
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void sbuf_printf(Sbuf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (grow(b, (size_t)n) < 0) return;
    if ((size_t)n < sizeof small) {
        memcpy(b->s + b->len, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void sbuf_puts(Sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (grow(b, n) < 0) return;
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void sbuf_esc(Sbuf *b, const char *s)
{
    for (const char *p = s; p && *p; p++) {
        switch (*p) {
        case '&': sbuf_puts(b, "&amp;"); break;
        case '<': sbuf_puts(b, "&lt;"); break;
        case '>': sbuf_puts(b, "&gt;"); break;
        case '"': sbuf_puts(b, "&quot;"); break;
        case '\'': sbuf_puts(b, "&#39;"); break;
        default:
            if (grow(b, 1) < 0) return;
            b->s[b->len++] = *p;
            b->s[b->len] = '\0';
        }
    }
}

int sbuf_failed(const Sbuf *b) { return b->failed; }

void sbuf_fini(Sbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}
