/* test_diag.c — the diagnostics list: storage, the cap, the printed format,
 * and the "did you mean" helpers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "testutil.h"

/* Everything diag_print writes, as one malloc'd string. */
static char *printed(const Diag *d)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    ck_assert_ptr_nonnull(f);
    diag_print(d, f);
    fclose(f);
    return buf;
}

START_TEST(test_add_and_print_format)
{
    Diag d;
    diag_init(&d, "scen.json");
    ck_assert_int_eq(diag_errors(&d), 0);
    diag_add(&d, 12, 7, "routes[3].capacity", "expected a number, found %s", "a string");
    diag_add(&d, 3, 1, "", "unexpected byte 0x%02X", 0x89);
    diag_add(&d, 0, 0, "", "cannot open '%s'", "scen.json");
    diag_add(&d, 0, 0, "seed", "missing");
    ck_assert_int_eq(d.count, 4);
    ck_assert_int_eq(diag_errors(&d), 4);
    ck_assert_str_eq(d.items[0].path, "routes[3].capacity");
    ck_assert_str_eq(d.items[1].msg, "unexpected byte 0x89");
    char *out = printed(&d);
    ck_assert_str_eq(out,
                     "scen.json:12:7: error: routes[3].capacity: expected a number, found a string\n"
                     "scen.json:3:1: error: unexpected byte 0x89\n"
                     "scen.json: error: cannot open 'scen.json'\n"
                     "scen.json: error: seed: missing\n");
    free(out);
    diag_fini(&d);
    ck_assert_int_eq(d.count, 0);
    ck_assert_ptr_null(d.items);
    diag_fini(&d);      /* twice is harmless */
    diag_fini(NULL);
}
END_TEST

START_TEST(test_null_path_and_file)
{
    Diag d;
    diag_init(&d, NULL);
    diag_add(&d, 1, 2, NULL, "x");
    char *out = printed(&d);
    ck_assert_str_eq(out, "<input>:1:2: error: x\n");
    free(out);
    diag_fini(&d);
}
END_TEST

START_TEST(test_cap_counts_dropped)
{
    Diag d;
    diag_init(&d, "big.json");
    for (int i = 0; i < DIAG_MAX + 7; i++) diag_add(&d, i + 1, 1, "", "problem %d", i);
    ck_assert_int_eq(d.count, DIAG_MAX);
    ck_assert_int_eq(d.dropped, 7);
    ck_assert_int_eq(diag_errors(&d), DIAG_MAX + 7);
    ck_assert_str_eq(d.items[DIAG_MAX - 1].msg, "problem 199");
    char *out = printed(&d);
    const char *tail = "big.json: 7 more errors not shown\n";
    ck_assert_uint_ge(strlen(out), strlen(tail));
    ck_assert_str_eq(out + strlen(out) - strlen(tail), tail);
    ck_assert_ptr_nonnull(strstr(out, "big.json:200:1: error: problem 199\n"));
    ck_assert_ptr_null(strstr(out, "problem 200"));
    free(out);
    diag_fini(&d);

    diag_init(&d, "one.json");
    for (int i = 0; i < DIAG_MAX + 1; i++) diag_add(&d, 1, 1, "", "p");
    out = printed(&d);
    ck_assert_ptr_nonnull(strstr(out, "one.json: 1 more error not shown\n"));
    free(out);
    diag_fini(&d);
}
END_TEST

START_TEST(test_long_message)
{
    /* Messages are not truncated to some fixed buffer. */
    char big[3000];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    Diag d;
    diag_init(&d, "f");
    diag_add(&d, 1, 1, "", "%s!", big);
    ck_assert_uint_eq(strlen(d.items[0].msg), sizeof big);
    diag_fini(&d);
}
END_TEST

/* Plain full-table Levenshtein, for short strings, as the reference. */
static int lev_ref(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    int t[17][17];
    for (int i = 0; i <= la; i++) t[i][0] = i;
    for (int j = 0; j <= lb; j++) t[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int v = t[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (t[i - 1][j] + 1 < v) v = t[i - 1][j] + 1;
            if (t[i][j - 1] + 1 < v) v = t[i][j - 1] + 1;
            t[i][j] = v;
        }
    return t[la][lb];
}

START_TEST(test_edit_distance_known)
{
    ck_assert_int_eq(diag_edit_distance("kitten", "sitting", 10), 3);
    ck_assert_int_eq(diag_edit_distance("sitting", "kitten", 10), 3);
    ck_assert_int_eq(diag_edit_distance("flaw", "lawn", 10), 2);
    ck_assert_int_eq(diag_edit_distance("intention", "execution", 10), 5);
    ck_assert_int_eq(diag_edit_distance("capcity", "capacity", 10), 1);
    ck_assert_int_eq(diag_edit_distance("abc", "", 10), 3);
    ck_assert_int_eq(diag_edit_distance("", "", 0), 0);
    ck_assert_int_eq(diag_edit_distance("same", "same", 0), 0);
    ck_assert_int_eq(diag_edit_distance("ab", "ba", 5), 2);
    /* Capped: larger distances come back as cap + 1. */
    ck_assert_int_eq(diag_edit_distance("kitten", "sitting", 2), 3);
    ck_assert_int_eq(diag_edit_distance("kitten", "sitting", 3), 3);
    ck_assert_int_eq(diag_edit_distance("intention", "execution", 1), 2);
    ck_assert_int_eq(diag_edit_distance("abc", "", 1), 2);
    ck_assert_int_eq(diag_edit_distance("a", "b", 0), 1);
    /* Caps past DIAG_EDIT_MAX_CAP are clamped. */
    char a[101], b[101];
    memset(a, 'a', 100); a[100] = '\0';
    memset(b, 'b', 100); b[100] = '\0';
    ck_assert_int_eq(diag_edit_distance(a, b, 1000), DIAG_EDIT_MAX_CAP + 1);
    ck_assert_int_eq(diag_edit_distance(a, "", 1000), DIAG_EDIT_MAX_CAP + 1);
}
END_TEST

START_TEST(test_edit_distance_matches_reference)
{
    /* Seed 12345, 20000 random pairs over a 3-letter alphabet (so that
     * matches are common), every cap from 0 to 8: the banded version must
     * agree exactly with the full table, capped. */
    unsigned x = 12345;
    for (int k = 0; k < 20000; k++) {
        char a[17], b[17];
        x = x * 1103515245u + 12345u;
        int la = (int)(x >> 16) % 13;
        x = x * 1103515245u + 12345u;
        int lb = (int)(x >> 16) % 13;
        for (int i = 0; i < la; i++) { x = x * 1103515245u + 12345u; a[i] = (char)('a' + (x >> 16) % 3); }
        for (int i = 0; i < lb; i++) { x = x * 1103515245u + 12345u; b[i] = (char)('a' + (x >> 16) % 3); }
        a[la] = b[lb] = '\0';
        int ref = lev_ref(a, b);
        for (int cap = 0; cap <= 8; cap++) {
            int want = ref > cap ? cap + 1 : ref;
            int got = diag_edit_distance(a, b, cap);
            ck_assert_msg(got == want, "d(\"%s\", \"%s\", cap %d) = %d, want %d", a, b, cap, got, want);
        }
    }
}
END_TEST

START_TEST(test_edit_distance_long_strings)
{
    /* 1 MB strings: the common prefix/suffix strip and the band keep this
     * linear; a full table would need 10^12 cells. */
    size_t n = 1u << 20;
    char *a = malloc(n + 1), *b = malloc(n + 1);
    for (size_t i = 0; i < n; i++) a[i] = b[i] = (char)('a' + i % 26);
    a[n] = b[n] = '\0';
    ck_assert_int_eq(diag_edit_distance(a, b, 5), 0);
    b[n / 2] = '#';
    b[n / 3] = '#';
    ck_assert_int_eq(diag_edit_distance(a, b, 5), 2);
    for (size_t i = 0; i < n; i++) b[i] = (char)('A' + i % 26);
    ck_assert_int_eq(diag_edit_distance(a, b, 5), 6);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_suggest)
{
    static const char *const modes[] = { "rail", "sea", "road", "air" };
    /* "rial" is 2 from both "rail" and "road": the tie goes to the first. */
    ck_assert_str_eq(diag_suggest("rial", modes, 4), "rail");
    ck_assert_str_eq(diag_suggest("se", modes, 4), "sea");
    ck_assert_ptr_null(diag_suggest("submarine", modes, 4));
    ck_assert_ptr_null(diag_suggest("x", modes, 0));
    /* The closest wins even when it is not first. */
    ck_assert_str_eq(diag_suggest("rad", modes, 4), "road");
    static const char *const tie[] = { "cat", "bat", "hat" };
    ck_assert_str_eq(diag_suggest("at", tie, 3), "cat");
    ck_assert_str_eq(diag_suggest("xat", tie, 3), "cat");
    static const char *const tie2[] = { "bat", "cat" };
    ck_assert_str_eq(diag_suggest("xat", tie2, 2), "bat");
    /* The limit is max(2, strlen(word)/3): 2 for short words... */
    static const char *const fields[] = { "capacity", "capital", "departure_date" };
    ck_assert_str_eq(diag_suggest("capcity", fields, 3), "capacity");
    ck_assert_ptr_null(diag_suggest("cpcty", fields, 3));            /* 3 edits, limit 2 */
    /* ...and strlen/3 for long ones: 12 letters allow 4 edits, 11 allow 3. */
    ck_assert_str_eq(diag_suggest("deprture_dte", fields, 3), "departure_date");
    ck_assert_str_eq(diag_suggest("dparture_dt", fields, 3), "departure_date");   /* 3 edits */
    ck_assert_ptr_null(diag_suggest("dprtre_dt", fields, 3));                      /* 5 edits, limit 3 */
    /* NULL entries are skipped. */
    static const char *const holes[] = { NULL, "sea" };
    ck_assert_str_eq(diag_suggest("sae", holes, 2), "sea");
}
END_TEST

Suite *suite_diag(void)
{
    Suite *s = suite_create("diag");
    TCASE(s, "list", 0, NO_FIXTURE, test_add_and_print_format, test_null_path_and_file, test_cap_counts_dropped,
          test_long_message);
    TCASE(s, "suggest", 0, NO_FIXTURE, test_edit_distance_known, test_edit_distance_matches_reference,
          test_edit_distance_long_strings, test_suggest);
    return s;
}
