/* sbuf.h — a growable text buffer for the report writer: printf-style
 * appends and XML escaping. Out of memory is sticky: once an append fails
 * the buffer keeps failing (sbuf_failed) and the caller reports it once at
 * the end, instead of checking every append. The caller owns the text. */
#ifndef SALVO_SBUF_H
#define SALVO_SBUF_H

#include <stddef.h>

typedef struct Sbuf {
    char *s;        /* NUL-terminated text, or NULL before the first append */
    size_t len, cap;
    int failed;     /* an allocation failed: the text is incomplete */
} Sbuf;

/* Append formatted text. */
void sbuf_printf(Sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Append s as it is. */
void sbuf_puts(Sbuf *b, const char *s);
/* Append s with &, <, >, " and ' escaped (text and attribute values). */
void sbuf_esc(Sbuf *b, const char *s);
/* 1 if an append failed. */
int sbuf_failed(const Sbuf *b);
/* Release the text; the buffer is empty again. */
void sbuf_fini(Sbuf *b);

#endif
