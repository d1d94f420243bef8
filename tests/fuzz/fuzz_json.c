/* fuzz_json.c — libFuzzer harness: json_parse on arbitrary bytes.
 *
 * The contract under test (sim/json.h): any input either parses or yields
 * NULL with exactly one located diagnostic; never a crash, a hang, a read
 * past `len` (the buffer handed over is an exact-size copy, not
 * NUL-terminated, so ASan sees any overrun) or undefined behaviour. On
 * success the tree is walked so that every value, key and position the
 * parser produced is touched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Touch every field of v and its children; returns a checksum so the walk
 * cannot be optimised away. Recursion is bounded by JSON_MAX_DEPTH. */
static size_t walk(const JsonValue *v, int depth)
{
    if (depth > JSON_MAX_DEPTH + 1) abort();    /* the parser's own limit was broken */
    if (v->line < 1 || v->col < 1) abort();      /* every value has a place */
    size_t sum = (size_t)v->type + (size_t)v->line + (size_t)v->col;
    switch (v->type) {
    case JSON_STRING:
        if (strlen(v->str) != v->len) abort();   /* \u0000 must have been rejected */
        sum += v->len;
        break;
    case JSON_NUMBER:
        if (v->num != v->num || v->num - v->num != 0) abort();   /* NaN or infinity got through */
        break;
    case JSON_ARRAY:
    case JSON_OBJECT:
        for (size_t i = 0; i < v->len; i++) {
            sum += walk(v->items[i], depth + 1);
            if (v->type == JSON_OBJECT) {
                sum += strlen(v->keys[i]) + (size_t)v->key_line[i] + (size_t)v->key_col[i];
                if (json_get(v, v->keys[i]) == NULL) abort();
            }
        }
        break;
    default:
        break;
    }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    if (!text) return 0;
    if (size) memcpy(text, data, size);
    Diag d;
    diag_init(&d, "fuzz");
    JsonDoc *doc = json_parse(text, size, &d);
    if (doc) {
        if (diag_errors(&d) != 0) abort();      /* success with a complaint */
        volatile size_t sink = walk(json_root(doc), 1);
        (void)sink;
    } else if (diag_errors(&d) != 1 || d.items[0].line < 1 || d.items[0].col < 1) {
        abort();                                /* failure must say exactly one thing, and where */
    }
    json_destroy(doc);
    diag_fini(&d);
    free(text);
    return 0;
}
