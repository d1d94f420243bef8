/* prim.h — scenario discovery with PRIM, the Patient Rule Induction Method
 * (Friedman and Fisher 1999, "Bump hunting in high-dimensional data",
 * Statistics and Computing 9:123), as used for scenario discovery by Bryant
 * and Lempert (2010, "Thinking inside the box", Technological Forecasting
 * and Social Change 77:34).
 *
 * Input: n points x (n x d, row-major) and a 0/1 outcome y per point.
 * Peeling: starting from the box that holds every point, each step
 * removes, from one side of one dimension, the alpha share of the points
 * still in the box (those with the lowest, or the highest, values of that
 * dimension), choosing the side whose removal leaves the highest density
 * (mean of y) in the box; ties go to the lower dimension, then the lower
 * side. It stops when the box would hold fewer than min_support of the
 * points, or when no peel raises the density. Every step's box is kept:
 * the peeling trajectory. Deterministic: no randomness, a total order.
 * Cost: O(steps x d x n log n).
 */
#ifndef SALVO_PRIM_H
#define SALVO_PRIM_H

#include <stdint.h>

typedef struct PrimStep {
    double coverage;        /* cases (y = 1) in the box / all cases */
    double density;         /* cases in the box / points in the box */
    double support;         /* points in the box / all points */
    int dim, upper;         /* the peel that made it (-1 for the first box); upper: the high side */
    double *lo, *hi;        /* d bounds: the box (lo <= x <= hi) */
} PrimStep;

typedef struct Prim {
    int d;
    int nsteps;
    PrimStep *steps;        /* steps[0] is the whole data set */
} Prim;

/* Peel. NULL when out of memory (or n == 0). */
Prim *prim_peel(const double *x, const unsigned char *y, uint64_t n, int d, double alpha, double min_support);
void prim_free(Prim *p);

/* The step chosen for the report: the densest box whose coverage is at
 * least min_coverage (the first box if none). */
int prim_choose(const Prim *p, double min_coverage);

#endif
