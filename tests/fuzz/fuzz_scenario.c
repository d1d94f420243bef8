/* fuzz_scenario.c — libFuzzer harness: scenario_load_buffer on arbitrary
 * bytes, then, when a scenario loads, two capped replications of it.
 *
 * The loader must turn any bytes into either a Scenario or located
 * diagnostics (never both, never neither); a scenario it accepts must run
 * (fuzz_run.h). Seeds: the .json files of scenarios/, scenarios/verify/
 * and tests/bad/ (see tests/fuzz/run.sh and docs/fuzzing.md). The random
 * seed of the replications is the input's length, so a crasher replays
 * from its file alone.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    if (!text) return 0;
    if (size) memcpy(text, data, size);
    fuzz_load_and_exercise("fuzz.json", text, size, NULL, 0, text, (uint64_t)size);
    return 0;
}
