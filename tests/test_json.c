/* test_json.c — the strict JSON reader: positions, limits, and every kind of
 * bad input the scenario validator relies on being told about precisely.
 *
 * Column convention under test: 1-based, counting UTF-8 code points.
 */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "salvo.h"
#include "testutil.h"

static JsonDoc *parse_ok_n(const char *s, size_t n)
{
    Diag d;
    diag_init(&d, "t.json");
    JsonDoc *doc = json_parse(s, n, &d);
    if (!doc) {
        ck_assert_msg(d.count == 1, "no diagnostic for failed parse");
        ck_abort_msg("input <%.*s> should parse, got %d:%d %s", (int)(n > 60 ? 60 : n), s, d.items[0].line,
                     d.items[0].col, d.items[0].msg);
    }
    ck_assert_int_eq(diag_errors(&d), 0);
    diag_fini(&d);
    return doc;
}

static JsonDoc *parse_ok(const char *s) { return parse_ok_n(s, strlen(s)); }

/* Parse s (n bytes), expect exactly one diagnostic at line:col, with an
 * empty path and a message containing `sub`. */
static void expect_err_n(const char *s, size_t n, int line, int col, const char *sub)
{
    Diag d;
    diag_init(&d, "t.json");
    JsonDoc *doc = json_parse(s, n, &d);
    ck_assert_msg(doc == NULL, "input <%.*s> should be rejected", (int)(n > 60 ? 60 : n), s);
    ck_assert_msg(d.count == 1 && d.dropped == 0, "input <%.*s>: %d diagnostics, want 1",
                  (int)(n > 60 ? 60 : n), s, diag_errors(&d));
    const DiagItem *it = &d.items[0];
    ck_assert_msg(it->line == line && it->col == col && strstr(it->msg, sub) != NULL && it->path[0] == '\0',
                  "input <%.*s>: got %d:%d \"%s\", want %d:%d containing \"%s\"", (int)(n > 60 ? 60 : n), s,
                  it->line, it->col, it->msg, line, col, sub);
    diag_fini(&d);
}

static void expect_err(const char *s, int line, int col, const char *sub)
{
    expect_err_n(s, strlen(s), line, col, sub);
}

/* ------------------------------------------------------------ positions */

START_TEST(test_positions_multiline)
{
    const char *s =
        "{\n"
        "  \"name\": \"x\",\n"
        "  \"list\": [1, 2.5,\n"
        "     true],\n"
        "  \"\xc3\xa9\": {\"k\": null}\n"
        "}\n";
    JsonDoc *doc = parse_ok(s);
    const JsonValue *r = json_root(doc);
    ck_assert_int_eq(r->type, JSON_OBJECT);
    ck_assert_int_eq(r->line, 1);
    ck_assert_int_eq(r->col, 1);
    ck_assert_uint_eq(r->len, 3);
    ck_assert_str_eq(r->keys[0], "name");
    ck_assert_int_eq(r->key_line[0], 2);
    ck_assert_int_eq(r->key_col[0], 3);
    ck_assert_int_eq(r->items[0]->line, 2);
    ck_assert_int_eq(r->items[0]->col, 11);
    ck_assert_str_eq(r->items[0]->str, "x");

    const JsonValue *list = json_get(r, "list");
    ck_assert_ptr_eq(list, r->items[1]);
    ck_assert_int_eq(r->key_line[1], 3);
    ck_assert_int_eq(r->key_col[1], 3);
    ck_assert_int_eq(list->type, JSON_ARRAY);
    ck_assert_int_eq(list->line, 3);
    ck_assert_int_eq(list->col, 11);
    ck_assert_uint_eq(list->len, 3);
    ck_assert_int_eq(list->items[0]->col, 12);
    ck_assert_int_eq(list->items[1]->line, 3);
    ck_assert_int_eq(list->items[1]->col, 15);
    ck_assert_double_eq(list->items[1]->num, 2.5);
    ck_assert_int_eq(list->items[2]->type, JSON_TRUE);
    ck_assert_int_eq(list->items[2]->line, 4);
    ck_assert_int_eq(list->items[2]->col, 6);

    /* "é" is two bytes but one column. */
    ck_assert_str_eq(r->keys[2], "\xc3\xa9");
    ck_assert_int_eq(r->key_line[2], 5);
    ck_assert_int_eq(r->key_col[2], 3);
    const JsonValue *o = r->items[2];
    ck_assert_int_eq(o->line, 5);
    ck_assert_int_eq(o->col, 8);
    ck_assert_int_eq(o->key_col[0], 9);
    ck_assert_int_eq(o->items[0]->type, JSON_NULL);
    ck_assert_int_eq(o->items[0]->col, 14);
    json_destroy(doc);
}
END_TEST

START_TEST(test_positions_columns_count_code_points)
{
    /* 日本語 is 9 bytes, 3 columns. */
    JsonDoc *doc = parse_ok("[\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\", 1, \"\xf0\x9f\x98\x80\", 2]");
    const JsonValue *r = json_root(doc);
    ck_assert_int_eq(r->items[1]->col, 9);
    ck_assert_int_eq(r->items[3]->col, 17);
    ck_assert_uint_eq(r->items[0]->len, 9);
    json_destroy(doc);
    /* Tabs count as one column. */
    doc = parse_ok("\t[\t1]");
    ck_assert_int_eq(json_root(doc)->col, 2);
    ck_assert_int_eq(json_root(doc)->items[0]->col, 4);
    json_destroy(doc);
}
END_TEST

START_TEST(test_positions_crlf_and_bom)
{
    JsonDoc *doc = parse_ok("\xef\xbb\xbf{\r\n  \"a\": 1,\r\n\r\n  \"b\": [\r\n 2]\r\n}\r\n");
    const JsonValue *r = json_root(doc);
    ck_assert_int_eq(r->line, 1);
    ck_assert_int_eq(r->col, 1);
    ck_assert_int_eq(r->key_line[0], 2);
    ck_assert_int_eq(r->key_col[0], 3);
    ck_assert_int_eq(r->items[0]->col, 8);
    ck_assert_int_eq(r->key_line[1], 4);
    ck_assert_int_eq(r->items[1]->items[0]->line, 5);
    ck_assert_int_eq(r->items[1]->items[0]->col, 2);
    json_destroy(doc);
    /* An error after the BOM is placed as if the BOM were not there. */
    expect_err("\xef\xbb\xbf x", 1, 2, "unexpected word 'x'");
}
END_TEST

START_TEST(test_positions_long_single_line)
{
    /* A minified line: columns must stay right far along one line. */
    enum { N = 20000 };
    char *s = malloc(N * 2 + 2);
    char *p = s;
    *p++ = '[';
    for (int i = 0; i < N; i++) { *p++ = '0'; *p++ = ','; }
    p[-1] = ']';
    JsonDoc *doc = parse_ok_n(s, (size_t)(p - s));
    const JsonValue *r = json_root(doc);
    ck_assert_uint_eq(r->len, N);
    ck_assert_int_eq(r->items[0]->col, 2);
    ck_assert_int_eq(r->items[N - 1]->col, 2 * N);
    ck_assert_int_eq(r->items[N - 1]->line, 1);
    json_destroy(doc);
    free(s);
}
END_TEST

/* ---------------------------------------------------------------- values */

START_TEST(test_values_scalars)
{
    JsonDoc *doc = parse_ok("[true, false, null, 0, -0, 42, -17, 3.25, 1E+2, 1e-2, \"s\", 1e308, "
                            "1.7976931348623157e308, 123456789012345678901234567890, 4.9e-324]");
    const JsonValue *r = json_root(doc);
    ck_assert_uint_eq(r->len, 15);
    ck_assert_ptr_null(r->keys);
    ck_assert_int_eq(r->items[0]->type, JSON_TRUE);
    ck_assert_int_eq(r->items[1]->type, JSON_FALSE);
    ck_assert_int_eq(r->items[2]->type, JSON_NULL);
    ck_assert_int_eq(r->items[3]->type, JSON_NUMBER);
    ck_assert_double_eq(r->items[3]->num, 0.0);
    ck_assert(!signbit(r->items[3]->num));
    ck_assert_double_eq(r->items[4]->num, 0.0);
    ck_assert(signbit(r->items[4]->num));
    ck_assert_double_eq(r->items[5]->num, 42);
    ck_assert_double_eq(r->items[6]->num, -17);
    ck_assert_double_eq(r->items[7]->num, 3.25);
    ck_assert_double_eq(r->items[8]->num, 100);
    ck_assert_double_eq(r->items[9]->num, 0.01);
    ck_assert_int_eq(r->items[10]->type, JSON_STRING);
    ck_assert_double_eq(r->items[11]->num, 1e308);
    ck_assert_double_eq(r->items[12]->num, 1.7976931348623157e308);
    ck_assert_double_eq(r->items[13]->num, 123456789012345678901234567890.0);
    ck_assert_double_eq(r->items[14]->num, 4.9e-324);
    json_destroy(doc);

    /* Root scalars. */
    doc = parse_ok("  -12.5e1  ");
    ck_assert_double_eq(json_root(doc)->num, -125);
    ck_assert_int_eq(json_root(doc)->col, 3);
    json_destroy(doc);
    doc = parse_ok("\"alone\"");
    ck_assert_str_eq(json_root(doc)->str, "alone");
    json_destroy(doc);
    /* Integers past 2^53 take the strtod path and round to nearest. */
    doc = parse_ok("[9007199254740993, -0.0, 0.1]");
    ck_assert_double_eq(json_root(doc)->items[0]->num, 9007199254740992.0);
    ck_assert(signbit(json_root(doc)->items[1]->num));
    ck_assert_double_eq(json_root(doc)->items[2]->num, 0.1);
    json_destroy(doc);
}
END_TEST

START_TEST(test_values_huge_exponents)
{
    /* Underflow rounds to zero (accepted); a zero mantissa stays zero. */
    JsonDoc *doc = parse_ok("[1e-400, 0e99999999999999999999, -1e-99999, 0.0e-0, 1e0000000000000000001]");
    const JsonValue *r = json_root(doc);
    ck_assert_double_eq(r->items[0]->num, 0.0);
    ck_assert_double_eq(r->items[1]->num, 0.0);
    ck_assert_double_eq(r->items[2]->num, 0.0);
    ck_assert_double_eq(r->items[3]->num, 0.0);
    ck_assert_double_eq(r->items[4]->num, 10.0);
    json_destroy(doc);
    expect_err("1e999", 1, 1, "number out of range: 1e999");
    expect_err("[1, 1e309]", 1, 5, "number out of range: 1e309");
    expect_err("-1e309", 1, 1, "number out of range: -1e309");
    expect_err("[1e99999999999999999999]", 1, 2, "number out of range");
    /* A very long token is shortened in the message. */
    char big[400];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    expect_err(big, 1, 1, "...");
}
END_TEST

START_TEST(test_values_strings_and_escapes)
{
    JsonDoc *doc = parse_ok("[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\", \"\\u00e9\\u20AC\", \"\\uD83D\\uDE00\", "
                            "\"caf\xc3\xa9\", \"\", \"\\u0041b\", \"\\udbff\\udfff\"]");
    const JsonValue *r = json_root(doc);
    ck_assert_str_eq(r->items[0]->str, "\" \\ / \b \f \n \r \t");
    ck_assert_uint_eq(r->items[0]->len, 15);
    ck_assert_str_eq(r->items[1]->str, "\xc3\xa9\xe2\x82\xac");
    ck_assert_uint_eq(r->items[1]->len, 5);
    ck_assert_str_eq(r->items[2]->str, "\xf0\x9f\x98\x80");
    ck_assert_uint_eq(r->items[2]->len, 4);
    ck_assert_str_eq(r->items[3]->str, "caf\xc3\xa9");
    ck_assert_str_eq(r->items[4]->str, "");
    ck_assert_uint_eq(r->items[4]->len, 0);
    ck_assert_str_eq(r->items[5]->str, "Ab");
    ck_assert_str_eq(r->items[6]->str, "\xf4\x8f\xbf\xbf");
    json_destroy(doc);
}
END_TEST

START_TEST(test_values_duplicates_kept_in_order)
{
    JsonDoc *doc = parse_ok("{\"a\": 1, \"b\": 2, \"a\": 3, \"\": 4}");
    const JsonValue *r = json_root(doc);
    ck_assert_uint_eq(r->len, 4);
    ck_assert_str_eq(r->keys[0], "a");
    ck_assert_str_eq(r->keys[1], "b");
    ck_assert_str_eq(r->keys[2], "a");
    ck_assert_str_eq(r->keys[3], "");
    ck_assert_double_eq(r->items[2]->num, 3);
    ck_assert_int_eq(r->key_col[2], 18);
    /* json_get returns the first match. */
    ck_assert_double_eq(json_get(r, "a")->num, 1);
    ck_assert_double_eq(json_get(r, "")->num, 4);
    ck_assert_ptr_null(json_get(r, "c"));
    ck_assert_ptr_null(json_get(r->items[0], "a"));
    ck_assert_ptr_null(json_get(NULL, "a"));
    json_destroy(doc);
}
END_TEST

/* json_first_keys against the pairwise definition, on objects small (the
 * no-allocation path) and large (the sorting path), with keys drawn from a
 * small alphabet so that most objects hold duplicates, some many times. */
START_TEST(test_values_first_keys_match_pairwise)
{
    uint64_t x = 12345;  /* fixed seed: an LCG, enough to vary the keys */
    char *buf = malloc(1 << 16);
    size_t *first = malloc(400 * sizeof *first);
    int bad = 0, dup_objects = 0;
    for (int trial = 0; trial < 200; trial++) {
        int n = trial < 20 ? trial : 9 + (trial * 37) % 380;
        int alphabet = 1 + trial % 50 * 8;
        size_t len = 0;
        buf[len++] = '{';
        for (int i = 0; i < n; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            len += (size_t)sprintf(buf + len, "%s\"k%d\":%d", i ? "," : "", (int)((x >> 33) % (uint64_t)alphabet), i);
        }
        buf[len++] = '}';
        JsonDoc *doc = parse_ok_n(buf, len);
        const JsonValue *r = json_root(doc);
        long want = 0;
        for (size_t i = 0; i < r->len; i++)
            for (size_t j = 0; j < i; j++)
                if (!strcmp(r->keys[i], r->keys[j])) {
                    want++;
                    break;
                }
        long got = json_first_keys(r, first);
        if (got != want) bad++;
        for (size_t i = 0; i < r->len; i++) {
            size_t f = i;
            for (size_t j = 0; j < i; j++)
                if (!strcmp(r->keys[i], r->keys[j])) {
                    f = j;
                    break;
                }
            if (first[i] != f) bad++;
        }
        dup_objects += want > 0;
        json_destroy(doc);
    }
    ck_assert_int_eq(bad, 0);
    ck_assert_int_gt(dup_objects, 100);
    /* Not an object: no duplicates, first[] untouched. */
    JsonDoc *doc = parse_ok("[1, 2]");
    ck_assert_int_eq(json_first_keys(json_root(doc), first), 0);
    json_destroy(doc);
    free(first);
    free(buf);
}
END_TEST

/* The loader reports a duplicate in a big object (the sorting path) at the
 * duplicate, naming where the first one is. The duplicates come early, as
 * the diagnostics of a file are capped (DIAG_MAX) and each of the 20,000
 * other keys is an unknown field. */
START_TEST(test_values_loader_duplicate_in_big_object)
{
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    len += (size_t)sprintf(buf + len, "{\"name\": \"dups\",\n\"x17\": 0,\n  \"x17\": 1, \"name\": \"again\"");
    for (int i = 0; i < 20000; i++) len += (size_t)sprintf(buf + len, ",\n\"y%d\": 0", i);
    len += (size_t)sprintf(buf + len, "}");
    Diag d;
    diag_init(&d, "big.json");
    Scenario *sc = scenario_load_buffer("big.json", buf, len, NULL, 0, &d);
    ck_assert_ptr_null(sc);
    int found17 = 0, found_name = 0;
    for (int i = 0; i < d.count; i++) {
        const DiagItem *it = &d.items[i];
        if (strstr(it->msg, "duplicate key 'x17' (first at line 2, column 1)") && it->line == 3 && it->col == 3)
            found17++;
        if (strstr(it->msg, "duplicate key 'name' (first at line 1, column 2)") && it->line == 3 && it->col == 13)
            found_name++;
    }
    ck_assert_int_eq(found17, 1);
    ck_assert_int_eq(found_name, 1);
    ck_assert_int_gt(diag_errors(&d), 20000);
    diag_fini(&d);
    free(buf);
}
END_TEST

/* A top-level "$schema" (for editors) is accepted when it is a string. */
START_TEST(test_values_loader_schema_key)
{
    const char *ok = "{\"$schema\": \"schema.json\", \"salvo\": 1, \"name\": \"s\", "
                     "\"calendar\": {\"start\": \"2024-01-01\", \"end\": \"2024-02-01\"}, "
                     "\"actors\": [{\"id\": \"a\"}], \"places\": [{\"id\": \"p\", \"kind\": \"capital\", \"lat\": 0, \"lon\": 0}]}";
    Diag d;
    diag_init(&d, "s.json");
    Scenario *sc = scenario_load_buffer("s.json", ok, strlen(ok), NULL, 0, &d);
    ck_assert_ptr_nonnull(sc);
    scenario_destroy(sc);
    diag_fini(&d);
    const char *bad = "{\"$schema\": 5, \"salvo\": 1, \"name\": \"s\", "
                      "\"calendar\": {\"start\": \"2024-01-01\", \"end\": \"2024-02-01\"}, "
                      "\"actors\": [{\"id\": \"a\"}], \"places\": [{\"id\": \"p\", \"kind\": \"capital\", \"lat\": 0, \"lon\": 0}]}";
    diag_init(&d, "s.json");
    ck_assert_ptr_null(scenario_load_buffer("s.json", bad, strlen(bad), NULL, 0, &d));
    ck_assert_int_eq(d.count, 1);
    ck_assert_str_eq(d.items[0].path, "$schema");
    ck_assert_int_eq(d.items[0].col, 13);
    ck_assert_ptr_nonnull(strstr(d.items[0].msg, "expected a string"));
    diag_fini(&d);
}
END_TEST

START_TEST(test_values_nested_and_empty)
{
    JsonDoc *doc = parse_ok("[[], {}, [[]], {\"x\": {\"y\": [1, {\"z\": []}]}}]");
    const JsonValue *r = json_root(doc);
    ck_assert_uint_eq(r->len, 4);
    ck_assert_uint_eq(r->items[0]->len, 0);
    ck_assert_int_eq(r->items[1]->type, JSON_OBJECT);
    ck_assert_uint_eq(r->items[1]->len, 0);
    ck_assert_uint_eq(r->items[2]->len, 1);
    ck_assert_uint_eq(r->items[2]->items[0]->len, 0);
    const JsonValue *y = json_get(json_get(r->items[3], "x"), "y");
    ck_assert_ptr_nonnull(y);
    ck_assert_uint_eq(y->len, 2);
    ck_assert_int_eq(json_get(y->items[1], "z")->type, JSON_ARRAY);
    ck_assert_int_eq(json_get(y->items[1], "z")->col, 38);
    json_destroy(doc);
}
END_TEST

START_TEST(test_values_length_not_nul_terminated)
{
    /* Only len bytes are read: the rest of the buffer is not JSON. */
    JsonDoc *doc = parse_ok_n("[1,2]xyz", 5);
    ck_assert_uint_eq(json_root(doc)->len, 2);
    json_destroy(doc);
    expect_err_n("[1]\0", 4, 1, 4, "unexpected byte 0x00; expected end of file");
    expect_err_n("[\"a\0b\"]", 7, 1, 4, "control character 0x00");
}
END_TEST

START_TEST(test_type_names)
{
    ck_assert_str_eq(json_type_name(JSON_NULL), "null");
    ck_assert_str_eq(json_type_name(JSON_TRUE), "boolean");
    ck_assert_str_eq(json_type_name(JSON_FALSE), "boolean");
    ck_assert_str_eq(json_type_name(JSON_NUMBER), "number");
    ck_assert_str_eq(json_type_name(JSON_STRING), "string");
    ck_assert_str_eq(json_type_name(JSON_ARRAY), "array");
    ck_assert_str_eq(json_type_name(JSON_OBJECT), "object");
    ck_assert_ptr_null(json_root(NULL));
    json_destroy(NULL);
}
END_TEST

/* ---------------------------------------------------------------- errors */

/* Every malformed document the reader must reject, with where and what it
 * says: a row each, grouped by kind (a test per group below). len is the
 * input's length when it is not NUL-terminated text (0: strlen). */
typedef enum { ERR_EOF, ERR_BYTES, ERR_UTF8, ERR_STRING, ERR_NUMBER, ERR_SYNTAX } ErrGroup;

static const struct {
    ErrGroup group;
    const char *text;
    size_t len;
    int line, col;
    const char *says;
} ERRS[] = {
    { ERR_EOF, "", 0, 1, 1, "empty file: expected a JSON value" },
    { ERR_EOF, NULL, 0, 1, 1, "empty file" },
    { ERR_EOF, "  \n   ", 0, 2, 4, "empty file: expected a JSON value" },
    { ERR_EOF, "{\"a\": 1", 0, 1, 8, "unexpected end of file while reading an object; expected ',' or '}'" },
    { ERR_EOF, "{\"a\": 1,\n  \"b\": [1, 2", 0, 2, 13, "unexpected end of file while reading an array; expected ',' or ']'" },
    { ERR_EOF, "{", 0, 1, 2, "unexpected end of file while reading an object; expected a string key or '}'" },
    { ERR_EOF, "[", 0, 1, 2, "unexpected end of file while reading an array; expected a value or ']'" },
    { ERR_EOF, "[1,", 0, 1, 4, "expected a value after ','" },
    { ERR_EOF, "{\"a\"", 0, 1, 5, "expected ':' after the key" },
    { ERR_EOF, "{\"a\":", 0, 1, 6, "expected a value after ':'" },
    { ERR_EOF, "{\"a\":1,", 0, 1, 8, "expected a string key" },
    { ERR_EOF, "\"abc", 0, 1, 5, "unexpected end of file inside the string that starts at 1:1; expected '\"'" },
    { ERR_EOF, "[\"ab\\", 0, 1, 6, "end of file inside a string escape" },
    { ERR_EOF, "tr", 0, 1, 1, "unexpected word 'tr'" },
    { ERR_EOF, "-", 0, 1, 2, "unexpected end of file after '-'; expected a digit" },
    { ERR_BYTES, "\x89PNG\r\n\x1a\n", 0, 1, 1, "unexpected byte 0x89; expected a JSON value" },
    { ERR_BYTES, "\x7f", 0, 1, 1, "unexpected byte 0x7F" },
    { ERR_BYTES, "[1,\n @]", 0, 2, 2, "unexpected character '@'; expected a JSON value" },
    { ERR_BYTES, "\xe2\x80\x9cquoted\xe2\x80\x9d", 0, 1, 1, "U+201C" },
    { ERR_BYTES, "{\n  \"\xc3\xa9\": x\n}", 0, 2, 8, "unexpected word 'x'" },
    { ERR_BYTES, "[1 2]", 0, 1, 4, "unexpected character '2'; expected ',' or ']'" },
    { ERR_BYTES, "{\"a\" 1}", 0, 1, 6, "expected ':' after the key" },
    { ERR_BYTES, "{\"a\":1 \"b\":2}", 0, 1, 8, "expected ',' or '}'" },
    { ERR_BYTES, "[1}", 0, 1, 3, "unexpected character '}'; expected ',' or ']'" },
    { ERR_BYTES, "{\"a\":1]", 0, 1, 7, "expected ',' or '}'" },
    { ERR_BYTES, "{\"a\":}", 0, 1, 6, "expected a JSON value" },
    { ERR_UTF8, "[\"a\xff\"]", 0, 1, 4, "invalid UTF-8 in a string (byte 0xFF)" },
    { ERR_UTF8, "[\"\xc0\xaf\"]", 0, 1, 3, "invalid UTF-8" },           /* overlong '/' */
    { ERR_UTF8, "[\"\xe0\x80\xaf\"]", 0, 1, 3, "invalid UTF-8" },       /* overlong, 3 bytes */
    { ERR_UTF8, "[\"\xed\xa0\x80\"]", 0, 1, 3, "invalid UTF-8" },       /* encoded surrogate */
    { ERR_UTF8, "[\"\xf4\x90\x80\x80\"]", 0, 1, 3, "invalid UTF-8" },   /* above U+10FFFF */
    { ERR_UTF8, "[\"x\xe2\x82\"]", 0, 1, 4, "invalid UTF-8" },          /* truncated sequence */
    { ERR_UTF8, "[\"\x80\"]", 0, 1, 3, "invalid UTF-8" },               /* stray continuation */
    { ERR_UTF8, "\"\xe2\x82", 3, 1, 2, "invalid UTF-8" },          /* truncated at end of input */
    { ERR_STRING, "[\"a\x01\"]", 0, 1, 4, "control character 0x01 inside a string" },
    { ERR_STRING, "[\"a\tb\"]", 0, 1, 4, "tab character inside a string; write \\t" },
    { ERR_STRING, "{\"k\": \"ab\ncd\"}", 0, 1, 10, "line break inside a string" },
    { ERR_STRING, "[\"\\x\"]", 0, 1, 3, "invalid escape: character 'x' after '\\'" },
    { ERR_STRING, "[\"\\'\"]", 0, 1, 3, "invalid escape" },
    { ERR_STRING, "[\"\\u12\"]", 0, 1, 3, "\\u must be followed by four hex digits" },
    { ERR_STRING, "[\"\\u12G4\"]", 0, 1, 3, "four hex digits" },
    { ERR_STRING, "\"\\uD800\"", 0, 1, 2, "lone surrogate \\uD800" },
    { ERR_STRING, "\"ab\\uD83D\\u0041\"", 0, 1, 4, "lone surrogate \\uD83D: a high surrogate must be followed" },
    { ERR_STRING, "\"\\uD83Dx\"", 0, 1, 2, "lone surrogate" },
    { ERR_STRING, "\"\\uDC00\"", 0, 1, 2, "lone surrogate \\uDC00: a low surrogate must follow" },
    { ERR_STRING, "\"\\uDE00\\uD83D\"", 0, 1, 2, "lone surrogate \\uDE00" },
    { ERR_STRING, "\"\\u0000\"", 0, 1, 2, "\\u0000 (NUL) is not allowed" },
    { ERR_NUMBER, "NaN", 0, 1, 1, "NaN is not JSON; write a number" },
    { ERR_NUMBER, "[1, nan]", 0, 1, 5, "NaN is not JSON" },
    { ERR_NUMBER, "[Infinity]", 0, 1, 2, "Infinity is not JSON; write a finite number" },
    { ERR_NUMBER, "-Infinity", 0, 1, 1, "-Infinity is not JSON" },
    { ERR_NUMBER, "{\"x\": -inf}", 0, 1, 7, "-inf is not JSON" },
    { ERR_NUMBER, "012", 0, 1, 1, "leading zeros are not allowed in numbers: 012" },
    { ERR_NUMBER, "[-01]", 0, 1, 2, "leading zeros" },
    { ERR_NUMBER, "[00]", 0, 1, 2, "leading zeros" },
    { ERR_NUMBER, "+1", 0, 1, 1, "a number may not start with '+'" },
    { ERR_NUMBER, "0x1F", 0, 1, 1, "hexadecimal numbers are not JSON" },
    { ERR_NUMBER, "[.5]", 0, 1, 2, "a number must start with a digit" },
    { ERR_NUMBER, "1.", 0, 1, 3, "expected a digit after the decimal point" },
    { ERR_NUMBER, "1.e5", 0, 1, 3, "expected a digit after the decimal point" },
    { ERR_NUMBER, "1e", 0, 1, 3, "expected a digit in the exponent" },
    { ERR_NUMBER, "1e+", 0, 1, 4, "expected a digit in the exponent" },
    { ERR_NUMBER, "-x", 0, 1, 2, "expected a digit after '-'" },
    { ERR_NUMBER, "- 1", 0, 1, 2, "expected a digit after '-'" },
    { ERR_NUMBER, "[1.5.2]", 0, 1, 5, "expected ',' or ']'" },
    { ERR_SYNTAX, "// comment\n1", 0, 1, 1, "comments are not allowed in JSON" },
    { ERR_SYNTAX, "/* c */ 1", 0, 1, 1, "comments are not allowed" },
    { ERR_SYNTAX, "[1, /* c */ 2]", 0, 1, 5, "comments are not allowed" },
    { ERR_SYNTAX, "[1 // c\n]", 0, 1, 4, "comments are not allowed" },
    { ERR_SYNTAX, "[1,2,]", 0, 1, 6, "trailing comma before ']'" },
    { ERR_SYNTAX, "{\"a\":1,}", 0, 1, 8, "trailing comma before '}'" },
    { ERR_SYNTAX, "{\"a\":1,\n  }", 0, 2, 3, "trailing comma before '}'" },
    { ERR_SYNTAX, "[,1]", 0, 1, 2, "unexpected character ','; expected a JSON value" },
    { ERR_SYNTAX, "{} x", 0, 1, 4, "expected end of file after the JSON value" },
    { ERR_SYNTAX, "1 2", 0, 1, 3, "expected end of file after the JSON value" },
    { ERR_SYNTAX, "[]]", 0, 1, 3, "expected end of file" },
    { ERR_SYNTAX, "{a: 1}", 0, 1, 2, "expected a key in double quotes" },
    { ERR_SYNTAX, "{'a': 1}", 0, 1, 2, "single quotes are not JSON" },
    { ERR_SYNTAX, "['a']", 0, 1, 2, "single quotes are not JSON" },
    { ERR_SYNTAX, "[tru]", 0, 1, 2, "unexpected word 'tru'" },
    { ERR_SYNTAX, "[True]", 0, 1, 2, "unexpected word 'True'" },
    { ERR_SYNTAX, "[nulls]", 0, 1, 2, "unexpected word 'nulls'" },
    { ERR_SYNTAX, "[undefined]", 0, 1, 2, "unexpected word 'undefined'" },
    { ERR_SYNTAX, "{\"a\" : 1, 2}", 0, 1, 11, "expected a string key" },
};

/* Every row of group g is rejected as it says. */
static void expect_errs(ErrGroup g)
{
    int rows = 0;
    for (size_t i = 0; i < sizeof ERRS / sizeof *ERRS; i++) {
        if (ERRS[i].group != g) continue;
        const char *t = ERRS[i].text;
        expect_err_n(t, ERRS[i].len || !t ? ERRS[i].len : strlen(t), ERRS[i].line, ERRS[i].col, ERRS[i].says);
        rows++;
    }
    ck_assert_int_gt(rows, 0);
}

START_TEST(test_err_empty_and_truncated) { expect_errs(ERR_EOF); }
END_TEST

START_TEST(test_err_garbage_bytes) { expect_errs(ERR_BYTES); }
END_TEST

START_TEST(test_err_invalid_utf8) { expect_errs(ERR_UTF8); }
END_TEST

START_TEST(test_err_string_contents) { expect_errs(ERR_STRING); }
END_TEST

START_TEST(test_err_numbers) { expect_errs(ERR_NUMBER); }
END_TEST

START_TEST(test_err_not_json_syntax) { expect_errs(ERR_SYNTAX); }
END_TEST

/* --------------------------------------------------------------- limits */

static char *nested(int depth, size_t *n)
{
    char *s = malloc((size_t)depth * 2 + 1);
    for (int i = 0; i < depth; i++) {
        s[i] = '[';
        s[depth + i] = ']';
    }
    *n = (size_t)depth * 2;
    s[*n] = '\0';
    return s;
}

START_TEST(test_limit_depth)
{
    size_t n;
    char *s = nested(JSON_MAX_DEPTH, &n);
    JsonDoc *doc = parse_ok_n(s, n);
    const JsonValue *v = json_root(doc);
    int depth = 1;
    while (v->len == 1) { v = v->items[0]; depth++; }
    ck_assert_int_eq(depth, JSON_MAX_DEPTH);
    json_destroy(doc);
    free(s);

    s = nested(JSON_MAX_DEPTH + 1, &n);
    expect_err_n(s, n, 1, JSON_MAX_DEPTH + 1, "nesting deeper than 64 levels");
    free(s);

    /* Objects count too. */
    char obj[64 * 8 + 16] = "";
    for (int i = 0; i < 65; i++) strcat(obj, i % 2 ? "[" : "{\"k\":");
    expect_err(obj, 1, 32 * 6 + 1, "nesting deeper than 64 levels");
}
END_TEST

START_TEST(test_limit_depth_100000)
{
    /* Must fail cleanly at the 65th bracket, with no deep recursion. */
    size_t n = 100000;
    char *s = malloc(n);
    memset(s, '[', n);
    expect_err_n(s, n, 1, 65, "nesting deeper than 64 levels");
    for (size_t i = 0; i < n; i += 5) memcpy(s + i, "{\"\":[", 5);
    expect_err_n(s, n, 1, 32 * 5 + 1, "nesting deeper");
    free(s);
}
END_TEST

START_TEST(test_limit_values)
{
    /* The root plus JSON_MAX_VALUES - 1 zeros is exactly the limit. */
    size_t zeros = JSON_MAX_VALUES - 1;
    char *s = malloc(zeros * 2 + 8);
    char *p = s;
    *p++ = '[';
    for (size_t i = 0; i < zeros; i++) { *p++ = '0'; *p++ = ','; }
    p[-1] = ']';
    JsonDoc *doc = parse_ok_n(s, (size_t)(p - s));
    ck_assert_uint_eq(json_root(doc)->len, zeros);
    json_destroy(doc);
    /* One more is too many; the error points at it. */
    p[-1] = ',';
    *p++ = '0';
    *p++ = ']';
    expect_err_n(s, (size_t)(p - s), 1, (int)(zeros * 2 + 2), "too many values: the limit is 4194304");
    free(s);
}
END_TEST

START_TEST(test_limit_bytes_in_memory)
{
    Diag d;
    diag_init(&d, "t.json");
    /* The size check comes first, so the buffer is never read. */
    char c = '0';
    ck_assert_ptr_null(json_parse(&c, (size_t)JSON_MAX_BYTES + 1, &d));
    ck_assert_int_eq(d.count, 1);
    ck_assert_int_eq(d.items[0].line, 0);
    ck_assert_ptr_nonnull(strstr(d.items[0].msg, "the limit is 67108864 bytes"));
    diag_fini(&d);
}
END_TEST

/* ---------------------------------------------------------------- files */

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/salvo-json-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void file_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(s, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* json_parse_file(path) must fail with one line-0 diagnostic containing sub. */
static void expect_file_err(const char *path, const char *sub)
{
    Diag d;
    diag_init(&d, path);
    ck_assert_ptr_null(json_parse_file(path, &d));
    ck_assert_int_eq(d.count, 1);
    ck_assert_int_eq(d.items[0].line, 0);
    ck_assert_msg(strstr(d.items[0].msg, sub) != NULL, "%s: got \"%s\", want \"%s\"", path, d.items[0].msg, sub);
    diag_fini(&d);
}

START_TEST(test_file_ok_and_errors)
{
    make_tmpdir();
    char path[128];

    file_path(path, sizeof path, "ok.json");
    write_file(path, "{\n  \"seed\": 7\n}\n");
    Diag d;
    diag_init(&d, path);
    JsonDoc *doc = json_parse_file(path, &d);
    ck_assert_ptr_nonnull(doc);
    const JsonValue *seed = json_get(json_root(doc), "seed");
    ck_assert_double_eq(seed->num, 7);
    ck_assert_int_eq(seed->line, 2);
    ck_assert_int_eq(seed->col, 11);
    json_destroy(doc);
    diag_fini(&d);
    remove(path);

    file_path(path, sizeof path, "empty.json");
    write_file(path, "");
    diag_init(&d, path);
    ck_assert_ptr_null(json_parse_file(path, &d));
    ck_assert_int_eq(d.count, 1);
    ck_assert_int_eq(d.items[0].line, 1);
    ck_assert_int_eq(d.items[0].col, 1);
    ck_assert_str_eq(d.items[0].msg, "empty file: expected a JSON value");
    diag_fini(&d);
    remove(path);

    file_path(path, sizeof path, "bad.json");
    write_file(path, "{\n  \"a\": [1,\n    2,]\n}\n");
    diag_init(&d, path);
    ck_assert_ptr_null(json_parse_file(path, &d));
    ck_assert_int_eq(d.items[0].line, 3);
    ck_assert_int_eq(d.items[0].col, 7);
    diag_fini(&d);
    remove(path);

    file_path(path, sizeof path, "missing.json");
    expect_file_err(path, "cannot open");
    expect_file_err(path, "No such file or directory");
    expect_file_err(tmpdir, "is a directory");

    file_path(path, sizeof path, "fifo");
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    expect_file_err(path, "not a regular file");   /* and does not block */
    remove(path);
    expect_file_err("/dev/null", "not a regular file");

    ck_assert_int_eq(rmdir(tmpdir), 0);
}
END_TEST

START_TEST(test_file_too_big_rejected_unread)
{
    make_tmpdir();
    char path[128];
    file_path(path, sizeof path, "huge.json");
    /* 100 MB of sparse zeros: costs no disk, and is never read. */
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 100L * 1000 * 1000), 0);
    ck_assert_int_eq(close(fd), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_file_err(path, "is 100000000 bytes; the limit is 67108864 bytes (64 MiB)");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    /* Reading 100 MB would take far longer than this; fstat takes microseconds. */
    ck_assert_msg(secs < 0.05, "size check took %.3f s: was the file read?", secs);
    ck_assert_int_eq(remove(path), 0);

    /* Exactly at the limit is not rejected for size (it is all NUL bytes,
     * so the complaint is about the first byte instead). */
    fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)JSON_MAX_BYTES), 0);
    ck_assert_int_eq(close(fd), 0);
    Diag d;
    diag_init(&d, path);
    ck_assert_ptr_null(json_parse_file(path, &d));
    ck_assert_int_eq(d.items[0].line, 1);
    ck_assert_ptr_nonnull(strstr(d.items[0].msg, "unexpected byte 0x00"));
    diag_fini(&d);
    ck_assert_int_eq(remove(path), 0);
    ck_assert_int_eq(rmdir(tmpdir), 0);
}
END_TEST

/* A 10 MB scenario-like document: parsed completely and correctly. */
START_TEST(test_large_document)
{
    size_t cap = 11u << 20, n = 0;
    char *s = malloc(cap);
    n += (size_t)sprintf(s + n, "{\"routes\": [\n");
    int count = 0;
    while (n < (10u << 20)) {
        n += (size_t)sprintf(s + n,
                             "  {\"name\": \"route-%d \\u00e9\", \"capacity\": %d.25, \"mode\": \"rail\","
                             " \"legs\": [1e3, -2.5, true, null]},\n", count, count);
        count++;
    }
    n -= 2;
    n += (size_t)sprintf(s + n, "\n]}\n");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    JsonDoc *doc = parse_ok_n(s, n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    const JsonValue *routes = json_get(json_root(doc), "routes");
    ck_assert_uint_eq(routes->len, (size_t)count);
    const JsonValue *last = routes->items[count - 1];
    ck_assert_int_eq(last->line, count + 1);
    ck_assert_double_eq(json_get(last, "capacity")->num, count - 1 + 0.25);
    char want[64];
    snprintf(want, sizeof want, "route-%d \xc3\xa9", count - 1);
    ck_assert_str_eq(json_get(last, "name")->str, want);
    /* Generous, so that sanitizer builds pass too; an optimized build takes
     * well under 0.2 s. */
    ck_assert_msg(secs < 5.0, "10 MB took %.2f s", secs);
    json_destroy(doc);
    free(s);
}
END_TEST

/* ------------------------------------------------------------ robustness */

static int walk_pl, walk_pc;

/* Every value and key comes strictly after the previous one in file order,
 * strings are NUL-free, and nesting stays within the limit. */
static void walk_check(const JsonValue *v, int depth)
{
    ck_assert_int_le(depth, JSON_MAX_DEPTH);
    ck_assert(v->line > walk_pl || (v->line == walk_pl && v->col > walk_pc));
    walk_pl = v->line;
    walk_pc = v->col;
    if (v->type == JSON_STRING) ck_assert_uint_eq(strlen(v->str), v->len);
    if (v->type != JSON_ARRAY && v->type != JSON_OBJECT) return;
    for (size_t i = 0; i < v->len; i++) {
        if (v->type == JSON_OBJECT) {
            ck_assert(v->key_line[i] > walk_pl || (v->key_line[i] == walk_pl && v->key_col[i] > walk_pc));
            walk_pl = v->key_line[i];
            walk_pc = v->key_col[i];
        }
        walk_check(v->items[i], depth + 1);
    }
}

START_TEST(test_mutations_never_crash)
{
    /* Seed 2024: 30000 random byte edits (replace, insert, delete, truncate)
     * of a small scenario. Each result either parses into a well-formed tree
     * or yields exactly one diagnostic with a real position. A crash or a
     * sanitizer report fails the suite. */
    static const char base[] =
        "{\n  \"name\": \"caf\xc3\xa9 \\u00e9\\uD83D\\uDE00\",\n  \"routes\": [\n"
        "    {\"id\": \"rail\", \"capacity\": 1.5e3, \"on\": true, \"x\": null},\n"
        "    [-0, 0.25, 1E-2, [], {}]\n  ],\n  \"seed\": 42\n}\n";
    static const char alphabet[] = "{}[],:\"\\ \n\t0123456789.eE+-tfnulrsaxuD\x80\xc3\xff\x00/";
    json_destroy(parse_ok(base));
    char buf[sizeof base + 8];
    unsigned x = 2024;
    int parsed = 0;
    for (int k = 0; k < 30000; k++) {
        size_t n = sizeof base - 1;
        memcpy(buf, base, n);
        int edits = 1 + k % 3;
        for (int e = 0; e < edits; e++) {
            x = x * 1103515245u + 12345u;
            size_t at = (x >> 8) % (n + 1);
            x = x * 1103515245u + 12345u;
            char c = alphabet[(x >> 8) % (sizeof alphabet - 1)];
            switch ((x >> 20) % 4) {
            case 0: if (at < n) buf[at] = c; break;
            case 1: if (n < sizeof buf) { memmove(buf + at + 1, buf + at, n - at); buf[at] = c; n++; } break;
            case 2: if (at < n) { memmove(buf + at, buf + at + 1, n - at - 1); n--; } break;
            case 3: n = at; break;
            }
        }
        Diag d;
        diag_init(&d, "m.json");
        JsonDoc *doc = json_parse(buf, n, &d);
        if (doc) {
            ck_assert_int_eq(diag_errors(&d), 0);
            walk_pl = walk_pc = 0;
            walk_check(json_root(doc), 1);
            parsed++;
        } else {
            ck_assert_int_eq(d.count, 1);
            ck_assert_int_ge(d.items[0].line, 1);
            ck_assert_int_ge(d.items[0].col, 1);
        }
        json_destroy(doc);
        diag_fini(&d);
    }
    /* Many edits (inside strings, digit for digit) keep the text valid: 3630 with this seed. */
    ck_assert_int_gt(parsed, 1000);
}
END_TEST

Suite *suite_json(void)
{
    Suite *s = suite_create("json");

    TCASE(s, "positions", 0, NO_FIXTURE, test_positions_multiline, test_positions_columns_count_code_points,
          test_positions_crlf_and_bom, test_positions_long_single_line);

    TCASE(s, "values", 0, NO_FIXTURE, test_values_scalars, test_values_huge_exponents,
          test_values_strings_and_escapes, test_values_duplicates_kept_in_order,
          test_values_first_keys_match_pairwise, test_values_loader_duplicate_in_big_object,
          test_values_loader_schema_key, test_values_nested_and_empty, test_values_length_not_nul_terminated,
          test_type_names);

    TCASE(s, "errors", 0, NO_FIXTURE, test_err_empty_and_truncated, test_err_garbage_bytes, test_err_invalid_utf8,
          test_err_string_contents, test_err_numbers, test_err_not_json_syntax);

    TCASE(s, "limits", 60, NO_FIXTURE, test_limit_depth, test_limit_depth_100000, test_limit_values,
          test_limit_bytes_in_memory);

    TCASE(s, "files", 60, NO_FIXTURE, test_file_ok_and_errors, test_file_too_big_rejected_unread,
          test_large_document);
    TCASE(s, "robustness", 60, NO_FIXTURE, test_mutations_never_crash);
    return s;
}
