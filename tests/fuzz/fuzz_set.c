/* fuzz_set.c — libFuzzer harness: --set overrides on a fixed, valid scenario.
 *
 * The input is split at newlines into up to FUZZ_MAX_SETS "PATH=VALUE"
 * strings (a NUL byte ends its string early, as it would on a command
 * line) and handed to scenario_load_buffer with the scenario named by
 * $SALVO_FUZZ_SCENARIO (default scenarios/korea-russia-2024.json, so run
 * from the repository root). An override is checked like the file itself:
 * any value it lets through must give a scenario that runs (fuzz_run.h),
 * and a refused override must be reported, never crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_run.h"

#define FUZZ_MAX_SETS 8

static char *base_text;
static size_t base_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *path = getenv("SALVO_FUZZ_SCENARIO");
    if (!path) path = "scenarios/korea-russia-2024.json";
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz_set: cannot open %s (run from the repository root or set SALVO_FUZZ_SCENARIO)\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    base_text = malloc((size_t)n + 1);
    if (!base_text || fread(base_text, 1, (size_t)n, f) != (size_t)n) exit(1);
    base_len = (size_t)n;
    fclose(f);
    Diag d;
    diag_init(&d, path);
    Scenario *sc = scenario_load_buffer(path, base_text, base_len, NULL, 0, &d);
    if (!sc) {
        diag_print(&d, stderr);
        exit(1);
    }
    scenario_destroy(sc);
    diag_fini(&d);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    buf[size] = '\0';
    const char *sets[FUZZ_MAX_SETS];
    int n = 0;
    for (char *p = buf; n < FUZZ_MAX_SETS;) {
        sets[n++] = p;
        char *nl = memchr(p, '\n', (size_t)(buf + size - p));
        if (!nl) break;
        *nl = '\0';
        p = nl + 1;
    }
    fuzz_load_and_exercise("korea-russia-2024.json", base_text, base_len, sets, n, buf, (uint64_t)size);
    return 0;
}
