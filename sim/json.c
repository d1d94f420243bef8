/* json.c — a strict JSON reader (RFC 8259) that records where every value
 * and every object key came from: see json.h.
 *
 * Positions. line:col are 1-based. A line ends at '\n' (so "\r\n" works; a
 * lone '\r' is whitespace, not a line break). col counts Unicode code points
 * from the start of the line, not bytes, so that editors agree with us on a
 * line holding non-ASCII text; a tab counts as one column. A UTF-8 byte order
 * mark at the very start is skipped and does not count.
 *
 * Shape. The parser is iterative: an explicit stack of at most
 * JSON_MAX_DEPTH open containers lives on the C stack, so no input can make
 * it recurse. Members of open containers accumulate on one growable scratch
 * stack; when a container closes, its members are copied into the arena as
 * exact-size arrays and popped. That keeps file order (duplicates included)
 * and costs O(n) in total.
 *
 * Memory. Everything a JsonDoc hands out lives in one chunked bump arena;
 * json_destroy walks the chunk list. Invariant: every pointer reachable from
 * json_root(doc) points into doc's arena, and the arena is never freed
 * piecemeal.
 *
 * Errors. The first problem stops the parse: one diagnostic at the offending
 * line:col, saying what was found and what was expected, and NULL.
 */
#include "json.h"
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- arena */

typedef struct Chunk {
    struct Chunk *next;
    size_t cap, used;
    max_align_t mem[];          /* cap bytes follow */
} Chunk;

typedef struct Arena {
    Chunk *head;                /* the chunk being bumped; older chunks follow */
    size_t next_cap;            /* size of the next ordinary chunk */
} Arena;

enum { ARENA_FIRST = 4096, ARENA_MAX_CHUNK = 4 << 20 };

static void *arena_alloc(Arena *a, size_t n)
{
    const size_t align = _Alignof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    if (n == 0) n = align;
    Chunk *h = a->head;
    if (h && h->cap - h->used >= n) {
        void *p = (unsigned char *)h->mem + h->used;
        h->used += n;
        return p;
    }
    if (a->next_cap < ARENA_FIRST) a->next_cap = ARENA_FIRST;
    if (n > a->next_cap / 4) {
        /* A big block gets a chunk of its own behind the head, so the head
         * keeps its free space for the small allocations that follow. */
        Chunk *c = mem_malloc(sizeof *c + n);
        if (!c) return NULL;
        c->cap = c->used = n;
        if (h) { c->next = h->next; h->next = c; }
        else { c->next = NULL; a->head = c; }
        return c->mem;
    }
    Chunk *c = mem_malloc(sizeof *c + a->next_cap);
    if (!c) return NULL;
    c->cap = a->next_cap;
    c->used = n;
    c->next = h;
    a->head = c;
    if (a->next_cap < ARENA_MAX_CHUNK) a->next_cap *= 2;
    return c->mem;
}

static void arena_free(Arena *a)
{
    Chunk *c = a->head;
    while (c) {
        Chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}

struct JsonDoc {
    Arena arena;
    JsonValue *root;
};

/* --------------------------------------------------------------- parser */

typedef struct Member {         /* one entry of an open container */
    const char *key;            /* NULL in arrays */
    int kline, kcol;
    JsonValue *val;
} Member;

typedef struct Frame {
    JsonValue *v;               /* the open array or object */
    size_t base;                /* its first member on the scratch stack */
} Frame;

typedef struct Parser {
    const unsigned char *p, *end;
    int line;
    const unsigned char *line_start;
    const unsigned char *colpos;    /* column cache: colpos is at column colnum */
    int colnum;
    Diag *d;
    Arena *arena;
    size_t nvalues;
    Member *stack;
    size_t nstack, capstack;
    char *buf;                  /* scratch for decoded strings and number tokens */
    size_t capbuf;
    int failed;
} Parser;

/* Column of pos on the current line. Positions are asked for in increasing
 * order, so the cache makes the total counting work O(input). */
static int column(Parser *P, const unsigned char *pos)
{
    if (pos < P->colpos) {
        P->colpos = P->line_start;
        P->colnum = 1;
    }
    const unsigned char *q = P->colpos;
    int n = P->colnum;
    for (; q < pos; q++) n += (*q & 0xC0) != 0x80;
    P->colpos = pos;
    P->colnum = n;
    return n;
}

static void fail_at(Parser *P, const unsigned char *pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void fail_at(Parser *P, const unsigned char *pos, const char *fmt, ...)
{
    if (P->failed) return;
    P->failed = 1;
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_add(P->d, P->line, column(P, pos), "", "%s", msg);
}

static void out_of_memory(Parser *P)
{
    fail_at(P, P->p, "out of memory while reading JSON");
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_word(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

/* Length of the valid UTF-8 sequence at q (1-4) and its code point, or 0 if
 * the bytes there are not well-formed UTF-8 (Unicode 15, table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
static int utf8_seq(const unsigned char *q, const unsigned char *end, uint32_t *cp)
{
    unsigned c = q[0];
    if (c < 0x80) { *cp = c; return 1; }
    int n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0xC2) return 0;
    else if (c < 0xE0) n = 2;
    else if (c < 0xF0) { n = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
    else if (c < 0xF5) { n = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
    else return 0;
    if (end - q < n) return 0;
    if (q[1] < lo || q[1] > hi) return 0;
    uint32_t v = c & (0xFF >> (n + 1));
    v = (v << 6) | (q[1] & 0x3F);
    for (int i = 2; i < n; i++) {
        if ((q[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (q[i] & 0x3F);
    }
    *cp = v;
    return n;
}

/* "'x'", "byte 0x89" or "'“' (U+201C)": what stands at q, for messages. */
static void describe(char *out, size_t cap, const unsigned char *q, const unsigned char *end)
{
    uint32_t cp;
    int n = utf8_seq(q, end, &cp);
    if (n == 1 && cp >= 0x20 && cp < 0x7F) snprintf(out, cap, "character '%c'", (int)cp);
    else if (n > 1) snprintf(out, cap, "character '%.*s' (U+%04X)", n, (const char *)q, (unsigned)cp);
    else snprintf(out, cap, "byte 0x%02X", (unsigned)q[0]);
}

/* Report whatever stands at q when `expected` was wanted. `inside` names the
 * open container ("an object") for the end-of-file message, or is NULL. */
static void unexpected(Parser *P, const unsigned char *q, const char *inside, const char *expected)
{
    if (q >= P->end) {
        if (inside)
            fail_at(P, q, "unexpected end of file while reading %s; expected %s", inside, expected);
        else
            fail_at(P, q, "unexpected end of file; expected %s", expected);
        return;
    }
    if (*q == '/' && P->end - q > 1 && (q[1] == '/' || q[1] == '*')) {
        fail_at(P, q, "comments are not allowed in JSON");
        return;
    }
    char what[48];
    describe(what, sizeof what, q, P->end);
    fail_at(P, q, "unexpected %s; expected %s", what, expected);
}

static void skip_ws(Parser *P)
{
    const unsigned char *p = P->p, *end = P->end;
    while (p < end) {
        unsigned c = *p;
        if (c == ' ' || c == '\t' || c == '\r') {
            p++;
        } else if (c == '\n') {
            p++;
            P->line++;
            P->line_start = P->colpos = p;
            P->colnum = 1;
        } else {
            break;
        }
    }
    P->p = p;
}

static int reserve_buf(Parser *P, size_t need)
{
    if (need <= P->capbuf) return 0;
    size_t cap = P->capbuf ? P->capbuf : 256;
    while (cap < need) cap *= 2;
    char *b = mem_realloc(P->buf, cap);
    if (!b) { out_of_memory(P); return -1; }
    P->buf = b;
    P->capbuf = cap;
    return 0;
}

static char *arena_strdup(Parser *P, const char *s, size_t n)
{
    char *r = arena_alloc(P->arena, n + 1);
    if (!r) { out_of_memory(P); return NULL; }
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

static int hex4(const unsigned char *q, const unsigned char *end, uint32_t *v)
{
    if (end - q < 4) return -1;
    uint32_t r = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = q[i], h;
        if (c >= '0' && c <= '9') h = c - '0';
        else if (c >= 'a' && c <= 'f') h = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') h = c - 'A' + 10;
        else return -1;
        r = r << 4 | h;
    }
    *v = r;
    return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode one escape; q is at the backslash. Appends to P->buf at *n and
 * returns the position after the escape, or NULL after reporting. */
static const unsigned char *escape(Parser *P, const unsigned char *q, size_t *n)
{
    const unsigned char *bs = q, *end = P->end;
    if (reserve_buf(P, *n + 4) < 0) return NULL;
    char *o = P->buf + *n;
    if (q + 1 >= end) {
        fail_at(P, q + 1, "unexpected end of file inside a string escape; expected a character after '\\'");
        return NULL;
    }
    char simple = 0;
    switch (q[1]) {
    case '"': simple = '"'; break;
    case '\\': simple = '\\'; break;
    case '/': simple = '/'; break;
    case 'b': simple = '\b'; break;
    case 'f': simple = '\f'; break;
    case 'n': simple = '\n'; break;
    case 'r': simple = '\r'; break;
    case 't': simple = '\t'; break;
    case 'u': break;
    default: {
        char what[48];
        describe(what, sizeof what, q + 1, end);
        fail_at(P, bs, "invalid escape: %s after '\\' (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", what);
        return NULL;
    }
    }
    if (simple) {
        *o = simple;
        *n += 1;
        return q + 2;
    }
    uint32_t cp;
    if (hex4(q + 2, end, &cp) < 0) {
        fail_at(P, bs, "\\u must be followed by four hex digits");
        return NULL;
    }
    q += 6;
    if (cp == 0) {
        fail_at(P, bs, "\\u0000 (NUL) is not allowed in a string");
        return NULL;
    }
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        fail_at(P, bs, "lone surrogate \\u%04X: a low surrogate must follow a high surrogate \\uD800-\\uDBFF",
                (unsigned)cp);
        return NULL;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo;
        if (end - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, end, &lo) < 0 ||
            lo < 0xDC00 || lo > 0xDFFF) {
            fail_at(P, bs, "lone surrogate \\u%04X: a high surrogate must be followed by a low surrogate "
                    "\\uDC00-\\uDFFF", (unsigned)cp);
            return NULL;
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        q += 6;
    }
    *n += put_utf8(o, cp);
    return q;
}

/* Read the string whose opening quote is at P->p into the arena. */
static int parse_string(Parser *P, const char **out, size_t *outlen)
{
    const unsigned char *open = P->p, *end = P->end;
    const unsigned char *q = open + 1, *r = q;
    /* Fast path: plain ASCII up to the closing quote needs no decoding. */
    while (r < end && *r >= 0x20 && *r < 0x80 && *r != '"' && *r != '\\') r++;
    if (r < end && *r == '"') {
        char *s = arena_strdup(P, (const char *)q, (size_t)(r - q));
        if (!s) return -1;
        *out = s;
        *outlen = (size_t)(r - q);
        P->p = r + 1;
        return 0;
    }
    size_t n = 0;
    for (;;) {
        r = q;
        while (r < end && *r >= 0x20 && *r < 0x80 && *r != '"' && *r != '\\') r++;
        if (r > q) {
            if (reserve_buf(P, n + (size_t)(r - q)) < 0) return -1;
            memcpy(P->buf + n, q, (size_t)(r - q));
            n += (size_t)(r - q);
            q = r;
        }
        if (q >= end) {
            int sl = P->line, sc = column(P, open);
            fail_at(P, q, "unexpected end of file inside the string that starts at %d:%d; expected '\"'", sl, sc);
            return -1;
        }
        unsigned c = *q;
        if (c == '"') break;
        if (c == '\\') {
            q = escape(P, q, &n);
            if (!q) return -1;
        } else if (c == '\n') {
            fail_at(P, q, "line break inside a string (write \\n, or is the closing '\"' missing?)");
            return -1;
        } else if (c < 0x20) {
            if (c == '\t') fail_at(P, q, "tab character inside a string; write \\t");
            else fail_at(P, q, "control character 0x%02X inside a string; write \\u%04X", c, c);
            return -1;
        } else {
            uint32_t cp;
            int len = utf8_seq(q, end, &cp);
            if (len == 0) {
                fail_at(P, q, "invalid UTF-8 in a string (byte 0x%02X); the file must be UTF-8", c);
                return -1;
            }
            if (reserve_buf(P, n + (size_t)len) < 0) return -1;
            memcpy(P->buf + n, q, (size_t)len);
            n += (size_t)len;
            q += len;
        }
    }
    char *s = arena_strdup(P, P->buf, n);
    if (!s) return -1;
    *out = s;
    *outlen = n;
    P->p = q + 1;
    return 0;
}

/* A bare word where a value was expected: NaN, Infinity, a typo'd literal. */
static void bad_word(Parser *P, const unsigned char *q, const char *sign)
{
    const unsigned char *w = q;
    while (w < P->end && is_word(*w)) w++;
    int n = (int)(w - q);
    const char *s = (const char *)q;
    if ((n == 3 && (!memcmp(s, "NaN", 3) || !memcmp(s, "nan", 3) || !memcmp(s, "NAN", 3))))
        fail_at(P, q - strlen(sign), "%sNaN is not JSON; write a number", sign);
    else if ((n == 8 && (!memcmp(s, "Infinity", 8) || !memcmp(s, "infinity", 8))) ||
             (n == 3 && (!memcmp(s, "inf", 3) || !memcmp(s, "Inf", 3))))
        fail_at(P, q - strlen(sign), "%s%.*s is not JSON; write a finite number", sign, n, s);
    else if (*sign)
        fail_at(P, q, "expected a digit after '-'");
    else
        fail_at(P, q, "unexpected word '%.*s%s'; expected a JSON value (true, false, null, a number, "
                "a \"string\", an array or an object)", n > 32 ? 32 : n, s, n > 32 ? "..." : "");
}

static int parse_number(Parser *P, double *out)
{
    const unsigned char *start = P->p, *q = start, *end = P->end;
    int neg = 0;
    if (*q == '-') {
        neg = 1;
        q++;
        if (q >= end) {
            fail_at(P, q, "unexpected end of file after '-'; expected a digit");
            return -1;
        }
        if (!is_digit(*q)) {
            if (is_word(*q)) bad_word(P, q, "-");
            else fail_at(P, q, "expected a digit after '-'");
            return -1;
        }
    }
    const unsigned char *digits = q;
    if (*q == '0') {
        q++;
        if (q < end && (*q == 'x' || *q == 'X')) {
            fail_at(P, start, "hexadecimal numbers are not JSON; write the number in decimal");
            return -1;
        }
        if (q < end && is_digit(*q)) {
            while (q < end && is_digit(*q)) q++;
            fail_at(P, start, "leading zeros are not allowed in numbers: %.*s",
                    (int)(q - start) > 40 ? 40 : (int)(q - start), (const char *)start);
            return -1;
        }
    } else {
        while (q < end && is_digit(*q)) q++;
    }
    size_t ndigits = (size_t)(q - digits);
    int simple = 1;
    if (q < end && *q == '.') {
        simple = 0;
        q++;
        if (q >= end || !is_digit(*q)) {
            fail_at(P, q, "expected a digit after the decimal point");
            return -1;
        }
        while (q < end && is_digit(*q)) q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        simple = 0;
        q++;
        if (q < end && (*q == '+' || *q == '-')) q++;
        if (q >= end || !is_digit(*q)) {
            fail_at(P, q, "expected a digit in the exponent");
            return -1;
        }
        while (q < end && is_digit(*q)) q++;
    }
    P->p = q;
    if (simple && ndigits <= 15) {
        /* Below 2^53 every integer is exact, so no strtod is needed. */
        double v = 0;
        for (const unsigned char *t = digits; t < q; t++) v = v * 10 + (*t - '0');
        *out = neg ? -v : v;
        return 0;
    }
    /* strtod needs a NUL-terminated copy. It reads '.' as the decimal point
     * only in the "C" locale; salvo never calls setlocale, so "C" holds. */
    size_t len = (size_t)(q - start);
    if (reserve_buf(P, len + 1) < 0) return -1;
    memcpy(P->buf, start, len);
    P->buf[len] = '\0';
    double v = strtod(P->buf, NULL);
    /* Underflow (1e-999) rounds toward zero and is accepted; overflow is not. */
    if (isinf(v)) {
        fail_at(P, start, "number out of range: %.*s%s", len > 40 ? 32 : (int)len, P->buf,
                len > 40 ? "..." : "");
        return -1;
    }
    *out = v;
    return 0;
}

static JsonValue *new_value(Parser *P, JsonType t, const unsigned char *pos)
{
    if (++P->nvalues > JSON_MAX_VALUES) {
        fail_at(P, pos, "too many values: the limit is %u", (unsigned)JSON_MAX_VALUES);
        return NULL;
    }
    JsonValue *v = arena_alloc(P->arena, sizeof *v);
    if (!v) { out_of_memory(P); return NULL; }
    memset(v, 0, sizeof *v);
    v->type = t;
    v->line = P->line;
    v->col = column(P, pos);
    return v;
}

static int push_member(Parser *P, const char *key, int kline, int kcol, JsonValue *val)
{
    if (P->nstack == P->capstack) {
        size_t cap = P->capstack ? P->capstack * 2 : 64;
        Member *s = mem_realloc(P->stack, cap * sizeof *s);
        if (!s) { out_of_memory(P); return -1; }
        P->stack = s;
        P->capstack = cap;
    }
    P->stack[P->nstack++] = (Member){ key, kline, kcol, val };
    return 0;
}

/* Copy the members of the closing container f into exact-size arena arrays. */
static int close_frame(Parser *P, Frame *f)
{
    JsonValue *v = f->v;
    size_t n = P->nstack - f->base;
    Member *m = P->stack + f->base;
    v->len = n;
    if (n > 0) {
        v->items = arena_alloc(P->arena, n * sizeof *v->items);
        if (!v->items) { out_of_memory(P); return -1; }
        for (size_t i = 0; i < n; i++) v->items[i] = m[i].val;
        if (v->type == JSON_OBJECT) {
            v->keys = arena_alloc(P->arena, n * sizeof *v->keys);
            v->key_line = arena_alloc(P->arena, n * sizeof *v->key_line);
            v->key_col = arena_alloc(P->arena, n * sizeof *v->key_col);
            if (!v->keys || !v->key_line || !v->key_col) { out_of_memory(P); return -1; }
            for (size_t i = 0; i < n; i++) {
                v->keys[i] = m[i].key;
                v->key_line[i] = m[i].kline;
                v->key_col[i] = m[i].kcol;
            }
        }
    }
    P->nstack = f->base;
    return 0;
}

/* At an object key position (whitespace skipped): read `"key" :` and leave
 * P->p at the value, whitespace skipped. `after_comma` words the errors. */
static int parse_key(Parser *P, int after_comma)
{
    const unsigned char *q = P->p;
    if (q >= P->end || *q != '"') {
        if (q < P->end && *q == '}' && after_comma)
            fail_at(P, q, "trailing comma before '}'");
        else if (q < P->end && *q == '\'')
            fail_at(P, q, "single quotes are not JSON; write keys in double quotes");
        else if (q < P->end && is_word(*q) && !is_digit(*q))
            unexpected(P, q, "an object", "a key in double quotes");
        else
            unexpected(P, q, "an object", after_comma ? "a string key" : "a string key or '}'");
        return -1;
    }
    int kl = P->line, kc = column(P, q);
    const char *key;
    size_t klen;
    if (parse_string(P, &key, &klen) < 0) return -1;
    if (push_member(P, key, kl, kc, NULL) < 0) return -1;
    skip_ws(P);
    if (P->p >= P->end || *P->p != ':') {
        unexpected(P, P->p, "an object", "':' after the key");
        return -1;
    }
    P->p++;
    skip_ws(P);
    if (P->p >= P->end) {
        unexpected(P, P->p, "an object", "a value after ':'");
        return -1;
    }
    return 0;
}

/* true, false or null at q (a word starts there); anything else is an
 * error naming the word. */
static JsonValue *parse_literal(Parser *P, const unsigned char *q)
{
    const unsigned char *w = q;
    while (w < P->end && is_word(*w)) w++;
    size_t n = (size_t)(w - q);
    JsonType t;
    if (n == 4 && !memcmp(q, "true", 4)) t = JSON_TRUE;
    else if (n == 5 && !memcmp(q, "false", 5)) t = JSON_FALSE;
    else if (n == 4 && !memcmp(q, "null", 4)) t = JSON_NULL;
    else { bad_word(P, q, ""); return NULL; }
    JsonValue *v = new_value(P, t, q);
    if (v) P->p = w;
    return v;
}

/* No value can start at q: say what was found, with the likely mistake
 * named (single quotes, '+', '.5', a trailing comma in an array). */
static void not_a_value(Parser *P, const unsigned char *q, const Frame *frames, int depth)
{
    unsigned c = *q;
    if (c == '\'') fail_at(P, q, "single quotes are not JSON; write strings in double quotes");
    else if (c == '+') fail_at(P, q, "a number may not start with '+'");
    else if (c == '.') fail_at(P, q, "a number must start with a digit: write 0.5, not .5");
    else if (c == ']' && depth > 0 && frames[depth - 1].v->type == JSON_ARRAY)
        fail_at(P, q, "trailing comma before ']'");
    else unexpected(P, q, NULL, "a JSON value");
}

/* The value starting at P->p (whitespace skipped, not at end of input): a
 * scalar read whole, or an array or object opened (*opened set, P->p past
 * the bracket). NULL on error. */
static JsonValue *read_value(Parser *P, const Frame *frames, int depth, int *opened)
{
    const unsigned char *q = P->p;
    unsigned c = *q;
    JsonValue *v;
    *opened = 0;
    if (c == '{' || c == '[') {
        if (depth == JSON_MAX_DEPTH) {
            fail_at(P, q, "nesting deeper than %d levels", JSON_MAX_DEPTH);
            return NULL;
        }
        v = new_value(P, c == '{' ? JSON_OBJECT : JSON_ARRAY, q);
        if (!v) return NULL;
        P->p++;
        *opened = 1;
    } else if (c == '"') {
        if (!(v = new_value(P, JSON_STRING, q))) return NULL;
        if (parse_string(P, &v->str, &v->len) < 0) return NULL;
    } else if (c == '-' || is_digit((int)c)) {
        if (!(v = new_value(P, JSON_NUMBER, q))) return NULL;
        if (parse_number(P, &v->num) < 0) return NULL;
    } else if (is_word((int)c)) {
        v = parse_literal(P, q);
    } else {
        not_a_value(P, q, frames, depth);
        return NULL;
    }
    return v;
}

/* Just after the bracket of the container v: push its frame, and either
 * close it at once (empty: 0) or leave P->p at its first value (or, for an
 * object, the first key's value: 1). -1 on error. */
static int open_container(Parser *P, Frame *frames, int *depth, JsonValue *v)
{
    frames[(*depth)++] = (Frame){ v, P->nstack };
    skip_ws(P);
    if (v->type == JSON_OBJECT) {
        if (P->p < P->end && *P->p == '}') {
            P->p++;
            (*depth)--;
            v->len = 0;
            return 0;
        }
        return parse_key(P, 0) < 0 ? -1 : 1;
    }
    if (P->p >= P->end) {
        unexpected(P, P->p, "an array", "a value or ']'");
        return -1;
    }
    if (*P->p == ']') {
        P->p++;
        (*depth)--;
        v->len = 0;
        return 0;
    }
    return 1;
}

/* After a complete value: close containers until one wants more. 1 when
 * another value follows (P->p at it), 0 when the root is complete and
 * nothing but whitespace follows, -1 on error. */
static int after_value(Parser *P, Frame *frames, int *depth)
{
    for (;;) {
        skip_ws(P);
        if (*depth == 0) {
            if (P->p < P->end) {
                unexpected(P, P->p, NULL, "end of file after the JSON value");
                return -1;
            }
            return 0;
        }
        Frame *f = &frames[*depth - 1];
        int is_obj = f->v->type == JSON_OBJECT;
        char close = is_obj ? '}' : ']';
        const char *inside = is_obj ? "an object" : "an array";
        if (P->p < P->end && *P->p == ',') {
            P->p++;
            skip_ws(P);
            if (is_obj) {
                if (parse_key(P, 1) < 0) return -1;
            } else if (P->p >= P->end) {
                unexpected(P, P->p, inside, "a value after ','");
                return -1;
            }
            return 1;
        }
        if (P->p < P->end && (char)*P->p == close) {
            P->p++;
            if (close_frame(P, f) < 0) return -1;
            (*depth)--;
            continue;
        }
        unexpected(P, P->p, inside, is_obj ? "',' or '}'" : "',' or ']'");
        return -1;
    }
}

/* The document: values read in file order without recursion, each
 * attached to the open container on top of frames. */
static JsonValue *parse_root(Parser *P)
{
    Frame frames[JSON_MAX_DEPTH];
    int depth = 0;
    JsonValue *root = NULL;

    skip_ws(P);
    if (P->p >= P->end) {
        fail_at(P, P->p, "empty file: expected a JSON value");
        return NULL;
    }
    for (;;) {
        int opened, r;
        JsonValue *v = read_value(P, frames, depth, &opened);
        if (!v) return NULL;
        /* Attach v to its parent, in file order. An object's key was pushed
         * by parse_key with a NULL value waiting for this one. */
        if (depth == 0) root = v;
        else if (frames[depth - 1].v->type == JSON_OBJECT) P->stack[P->nstack - 1].val = v;
        else if (push_member(P, NULL, 0, 0, v) < 0) return NULL;
        if (opened) {
            if ((r = open_container(P, frames, &depth, v)) < 0) return NULL;
            if (r > 0) continue;
        }
        if ((r = after_value(P, frames, &depth)) < 0) return NULL;
        if (r == 0) return root;
    }
}

/* ------------------------------------------------------------ public API */

JsonDoc *json_parse(const char *text, size_t len, Diag *d)
{
    if (len > JSON_MAX_BYTES) {
        diag_add(d, 0, 0, "", "input is %zu bytes; the limit is %u bytes (64 MiB)", len,
                 (unsigned)JSON_MAX_BYTES);
        return NULL;
    }
    JsonDoc *doc = mem_calloc(1, sizeof *doc);
    if (!doc) {
        diag_add(d, 0, 0, "", "out of memory while reading JSON");
        return NULL;
    }
    const unsigned char *t = (const unsigned char *)(text ? text : "");
    Parser P = { 0 };
    P.p = t;
    P.end = t + (text ? len : 0);
    if (P.end - P.p >= 3 && P.p[0] == 0xEF && P.p[1] == 0xBB && P.p[2] == 0xBF) P.p += 3;
    P.line = 1;
    P.line_start = P.colpos = P.p;
    P.colnum = 1;
    P.d = d;
    P.arena = &doc->arena;
    doc->root = parse_root(&P);
    free(P.stack);
    free(P.buf);
    if (!doc->root) {
        json_destroy(doc);
        return NULL;
    }
    return doc;
}

JsonDoc *json_parse_file(const char *path, Diag *d)
{
    /* O_NONBLOCK so that opening a FIFO with no writer cannot hang us; it is
     * rejected below as not a regular file anyway. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        diag_add(d, 0, 0, "", "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        diag_add(d, 0, 0, "", "cannot read '%s': %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        diag_add(d, 0, 0, "", "'%s' is a directory, not a JSON file", path);
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        diag_add(d, 0, 0, "", "'%s' is not a regular file (a device, pipe or socket?)", path);
        close(fd);
        return NULL;
    }
    if ((uintmax_t)st.st_size > JSON_MAX_BYTES) {
        diag_add(d, 0, 0, "", "'%s' is %jd bytes; the limit is %u bytes (64 MiB)", path,
                 (intmax_t)st.st_size, (unsigned)JSON_MAX_BYTES);
        close(fd);
        return NULL;
    }
    /* The file is read as big as fstat saw it; bytes appended meanwhile are
     * not read, and a file that shrank is read to its new end. */
    size_t size = (size_t)st.st_size, got = 0;
    char *buf = mem_malloc(size ? size : 1);
    if (!buf) {
        diag_add(d, 0, 0, "", "out of memory reading '%s' (%zu bytes)", path, size);
        close(fd);
        return NULL;
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            diag_add(d, 0, 0, "", "cannot read '%s': %s", path, strerror(errno));
            free(buf);
            close(fd);
            return NULL;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    close(fd);
    JsonDoc *doc = json_parse(buf, got, d);
    free(buf);
    return doc;
}

void json_destroy(JsonDoc *doc)
{
    if (!doc) return;
    arena_free(&doc->arena);
    free(doc);
}

const JsonValue *json_root(const JsonDoc *doc)
{
    return doc ? doc->root : NULL;
}

const JsonValue *json_get(const JsonValue *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < obj->len; i++)
        if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
    return NULL;
}

/* Duplicate keys by sorting (key, position) pairs: O(n log n), where the
 * pairwise scan this replaced took minutes for 200,000 keys (issue 8,
 * item 10). Keys hold no NUL (the parser rejects \u0000), so strcmp
 * orders them completely; ties fall back to position, so the first of
 * each run of equal keys is the earliest in the file. */
typedef struct KeyAt { const char *key; size_t at; } KeyAt;

static int key_at_cmp(const void *a, const void *b)
{
    const KeyAt *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    return (x->at > y->at) - (x->at < y->at);
}

long json_first_keys(const JsonValue *obj, size_t *first)
{
    if (!obj || obj->type != JSON_OBJECT) return 0;
    size_t n = obj->len;
    long dups = 0;
    if (n <= 8) {
        /* Small objects, nearly all of them: no allocation. */
        for (size_t i = 0; i < n; i++) {
            first[i] = i;
            for (size_t j = 0; j < i; j++)
                if (!strcmp(obj->keys[i], obj->keys[j])) {
                    first[i] = j;
                    dups++;
                    break;
                }
        }
        return dups;
    }
    KeyAt *v = mem_malloc(n * sizeof *v);
    if (!v) return -1;
    for (size_t i = 0; i < n; i++) v[i] = (KeyAt){ obj->keys[i], i };
    qsort(v, n, sizeof *v, key_at_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && !strcmp(v[i].key, v[i - 1].key)) {
            first[v[i].at] = first[v[i - 1].at];
            dups++;
        } else {
            first[v[i].at] = v[i].at;
        }
    }
    mem_free(v);
    return dups;
}

const char *json_type_name(JsonType t)
{
    switch (t) {
    case JSON_NULL: return "null";
    case JSON_FALSE:
    case JSON_TRUE: return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
    }
    return "unknown";
}
