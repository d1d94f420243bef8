/* fan.h — fork-and-fan: many futures from the exact state of one run.
 *
 * From a Sim paused at a decision (interactive mode, sim_pending() != NULL),
 * fan_run forks N futures per option: future j of option o is
 *   sim_fork(dst, src, fork, j); sim_answer(dst, o); run to the end,
 * with later decisions taken by the scenario's policy (not the person, not
 * a script). Future j draws from the same streams whatever the option
 * (common random numbers), so option differences are paired.
 *
 * Determinism: each future's values land in their own place in `out`, and
 * a future's streams depend only on (seed, rep, fork, j), so the result is
 * bit-identical for any number of threads. Memory: one Sim per thread,
 * created once; the futures themselves allocate nothing (sim_fork into a
 * Sim that already held a clone). Nothing here prints.
 */
#ifndef SALVO_FAN_H
#define SALVO_FAN_H

#include <stdint.h>
#include "salvo.h"

/* Run nfutures futures of every option of src's pending decision on
 * `threads` threads (<= 1: this thread). out receives
 * noptions * nfutures * nmetrics values: out[(o * nfutures + j) * nmetrics + m].
 * Returns 0; -1 if src has no pending decision or memory ran out (then a
 * reason is in err, if err != NULL). A future that halts keeps the metrics
 * as of its halt. */
int fan_run(const Sim *src, uint64_t fork, int nfutures, int threads, double *out, char err[160]);

#endif
