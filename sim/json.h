/* json.h — a strict JSON reader that remembers where every value came from.
 *
 * cJSON (used for writing) forgets positions and silently keeps the last of
 * duplicate keys; a scenario validator must say "line 12, column 7" and must
 * catch duplicates, so scenarios are read with this parser instead.
 *
 * The whole document lives in one arena owned by the JsonDoc: one free.
 * Objects keep members in file order, duplicates included (the loader
 * reports them). Limits, enforced with a diagnostic rather than a crash:
 *   JSON_MAX_BYTES   64 MiB input
 *   JSON_MAX_DEPTH   64 levels of nesting (iterative depth check: no
 *                    recursion deeper than this limit ever happens)
 *   JSON_MAX_VALUES  4 Mi values
 * Numbers must be finite doubles: 1e999 is an error, and so are NaN,
 * Infinity, leading '+', leading zeros, hex, comments and trailing commas.
 * Strings must be valid UTF-8; \u escapes (with surrogate pairs) are decoded;
 * an embedded NUL (\u0000) is rejected. A leading UTF-8 BOM is skipped.
 *
 * Positions: line and col are 1-based; lines end at '\n'; col counts Unicode
 * code points (not bytes) from the start of the line, a tab being one column,
 * so that editors agree on lines with non-ASCII text.
 */
#ifndef SALVO_JSON_H
#define SALVO_JSON_H

#include <stddef.h>
#include "diag.h"

#define JSON_MAX_BYTES  (64u * 1024u * 1024u)
#define JSON_MAX_DEPTH  64
#define JSON_MAX_VALUES (4u * 1024u * 1024u)

typedef enum JsonType {
    JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT
} JsonType;

typedef struct JsonValue JsonValue;
struct JsonValue {
    JsonType type;
    int line, col;          /* 1-based position of the value's first character */
    double num;             /* JSON_NUMBER */
    const char *str;        /* JSON_STRING: NUL-terminated, decoded UTF-8 */
    size_t len;             /* JSON_STRING: byte length; ARRAY/OBJECT: item count */
    JsonValue **items;      /* ARRAY: elements; OBJECT: member values (NULL if empty) */
    const char **keys;      /* OBJECT: member keys, parallel to items */
    int *key_line, *key_col;/* OBJECT: position of each key */
};

typedef struct JsonDoc JsonDoc;

/* Parse text (need not be NUL-terminated). On error returns NULL and adds
 * one diagnostic with line:col (and "" path) to d, saying what was found and
 * what was expected. Input over JSON_MAX_BYTES gets a line-0 diagnostic. */
JsonDoc *json_parse(const char *text, size_t len, Diag *d);
/* Read a whole file, rejecting files over JSON_MAX_BYTES before reading them.
 * A missing file, a directory or a non-regular file (FIFO, device) is a
 * line-0 diagnostic that names the path; nothing blocks on a FIFO. */
JsonDoc *json_parse_file(const char *path, Diag *d);
/* Free the document and every value, string and array in it. NULL is a no-op. */
void json_destroy(JsonDoc *doc);
/* The root value; NULL for a NULL doc. Valid until json_destroy. */
const JsonValue *json_root(const JsonDoc *doc);

/* Member lookup (first match), NULL if absent or v is not an object. */
const JsonValue *json_get(const JsonValue *obj, const char *key);
/* Duplicate keys of an object in O(n log n): first[i] (room for obj->len)
 * becomes the index of the earliest member with member i's key, i itself
 * for a first occurrence. Returns the number of duplicates, 0 for a
 * non-object, -1 if memory ran out (first[] is then undefined). */
long json_first_keys(const JsonValue *obj, size_t *first);
/* "null", "boolean" (true and false), "number", "string", "array", "object". */
const char *json_type_name(JsonType t);

#endif
