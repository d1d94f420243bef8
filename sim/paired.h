/* paired.h — two models run with common random numbers (`salvo compare`).
 *
 * Replication r of the paired model runs replication r of A and then of B,
 * both with the same (seed, r), so both draw from the same keyed streams and
 * their difference carries far less noise than two independent runs would.
 * The paired model is an ordinary BatchModel, so it inherits the engine's
 * threads, determinism, checkpoints and --target.
 *
 * For the k-th metric id present in both A and B (in A's order), the paired
 * model has four metrics, dims 4k .. 4k+3:
 *   A      A's value (A's kind)
 *   B      B's value (B's kind)
 *   diff   B - A (a total); NaN (not counted) unless both are finite
 *   better 1 if B is better than A under A's `better` sense, else 0; NaN
 *          when the metric has no sense (better == 0)
 * A common LEVEL metric keeps its series on A's and on B's metric (dims
 * 4k and 4k+1), so the summary can draw both fans; diff and better have none.
 */
#ifndef SALVO_PAIRED_H
#define SALVO_PAIRED_H

#include <cjson/cJSON.h>
#include "batch.h"

typedef struct Paired Paired;

/* Pair two models (both must outlive the Paired). NULL when they share no
 * metric id (d says so) or when out of memory. */
Paired *paired_create(const BatchModel *a, const BatchModel *b, Diag *d);
void paired_destroy(Paired *p);
const BatchModel *paired_model(const Paired *p);
int paired_count(const Paired *p);              /* metrics in common */
int paired_index_a(const Paired *p, int k);     /* metric index in A */
const char *paired_id(const Paired *p, int k);

typedef struct PairedStat {
    uint64_t n;                 /* pairs with both values finite */
    double mean_a, mean_b;      /* means of the finite values */
    double diff, diff_sd, diff_halfwidth, diff_lo, diff_hi;   /* B - A */
    double better_fraction;     /* NaN if the metric has no sense */
    double var_reduction;       /* (var A + var B) / var(B - A); inf if var(B-A) is 0 */
    double indep_halfwidth;     /* the half-width independent runs would give */
} PairedStat;

/* The paired statistics of common metric k from a batch of the paired model. */
void paired_stat(const Paired *p, const Batch *b, int k, PairedStat *out);
/* {"id": {"label", "unit", "kind", "better", "a": brief, "b": brief,
 * "diff": {...}, "b_better": x, "variance_reduction": x,
 * "independent_halfwidth": x}, ...}; a level metric's briefs carry its
 * "series" (as in the batch summary). */
cJSON *paired_json(const Paired *p, const Batch *b);

#endif
