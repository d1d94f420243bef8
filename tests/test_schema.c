/* test_schema.c — scenarios/schema.json checked with a real validator
 * (tools/check-schema.sh: python3-jsonschema), so `make test` notices when
 * the schema and the loader drift apart (issue 8, item 11).
 *
 * Skipped, with a message, when the validator is not installed. The second
 * test shows the check can fail: the shipped schema without the `assist.*`
 * quantity form rejects the four main scenarios, as it did before.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

/* Run the check (with SALVO_SCHEMA=schema if given); its output in out. */
static int run_check(const char *schema, char *out, size_t n)
{
    char cmd[512];
    if (schema) snprintf(cmd, sizeof cmd, "SALVO_SCHEMA='%s' sh tools/check-schema.sh 2>&1", schema);
    else snprintf(cmd, sizeof cmd, "sh tools/check-schema.sh 2>&1");
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char out[1 << 16];

START_TEST(test_schema_accepts_shipped_rejects_bad)
{
    int rc = run_check(NULL, out, sizeof out);
    if (rc == 77) {
        fprintf(stderr, "test_schema: %s", out);
        return;
    }
    ck_assert_msg(rc == 0, "tools/check-schema.sh failed:\n%s", out);
    ck_assert_ptr_nonnull(strstr(out, "scenarios/korea-russia-2024.json: valid"));
    ck_assert_ptr_nonnull(strstr(out, "check-schema: ok"));
}
END_TEST

START_TEST(test_schema_check_can_fail)
{
    /* The schema as it was: no assist.ASSISTANCE quantity. */
    char *text = slurp("scenarios/schema.json");
    ck_assert_ptr_nonnull(text);
    char *a = strstr(text, "|assist\\\\.[a-z0-9][a-z0-9_-]*");
    ck_assert_msg(a != NULL, "the schema has no assist.* quantity form");
    size_t cut = strlen("|assist\\\\.[a-z0-9][a-z0-9_-]*");
    memmove(a, a + cut, strlen(a + cut) + 1);
    char path[] = "/tmp/salvo-schema-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    free(text);
    int rc = run_check(path, out, sizeof out);
    unlink(path);
    if (rc == 77) return;
    ck_assert_int_eq(rc, 1);
    ck_assert_ptr_nonnull(strstr(out, "scenarios/korea-russia-2024.json: metrics/"));
}
END_TEST

Suite *suite_schema(void)
{
    Suite *s = suite_create("schema");
    TCASE(s, "validator", 120, NO_FIXTURE, test_schema_accepts_shipped_rejects_bad, test_schema_check_can_fail);
    return s;
}
