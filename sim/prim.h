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
 * (mean of y) in the box, even when that density is lower than the box's
 * (a dip can lead higher; Friedman and Fisher peel down to the support
 * limit and then look along the trajectory); ties go to the lower
 * dimension, then the lower side. It stops when the box would hold fewer
 * than min_support of the points. Every step's box is kept:
 * the peeling trajectory. Deterministic: no randomness, a total order.
 * Cost: O(steps x d x n log n).
 *
 * Pasting (Friedman and Fisher 1999): peeling is greedy, and a
 * peel taken early, when the box still held many non-cases along another
 * dimension, can cut past an edge of the region the cases fill. After the
 * peel, the chosen box is enlarged one slab at a time: for each side of
 * each dimension, the points just outside that face (inside the box in
 * every other dimension), the nearest paste_alpha share of the box's
 * points (at least one, ties included); the slab that leaves the highest
 * density is pasted (ties: the one adding more cases, then the lower
 * dimension, the lower side), as long as the density does not fall. A
 * slab as dense as the box is taken: it adds coverage at no cost, which is
 * how an overshot edge comes back.
 *
 * Covering (Friedman and Fisher 1999): the points of the first
 * box are removed and PRIM runs again on the rest for the next box, until
 * max_boxes, no case is left, or the next box would be no denser than the
 * whole data set (the outcome no likelier inside it than overall).
 * Each box's coverage, density and support are of the points it takes
 * (those in it and in no earlier box), relative to the whole data set, so
 * the coverages of the boxes add up.
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
void prim_destroy(Prim *p);

/* The step chosen for the report: the densest box whose coverage is at
 * least min_coverage (the first box if none). */
int prim_choose(const Prim *p, double min_coverage);

/* Paste the box [lo, hi] (d bounds each, updated) on the n points x with
 * outcome y (above). The number of slabs pasted, or -1 when out of memory. */
int prim_paste(const double *x, const unsigned char *y, uint64_t n, int d, double paste_alpha, double *lo,
               double *hi);

typedef struct PrimOptions {
    double alpha;           /* peeling: share of the box's points a step removes */
    double paste_alpha;     /* pasting: share of the box's points a step adds; 0: no pasting */
    double min_support;     /* peeling stops below this share of the points it runs on */
    double min_coverage;    /* each box: the densest step covering this share of the cases left */
    int max_boxes;          /* covering: at most this many boxes (>= 1) */
} PrimOptions;

typedef struct PrimBox {
    Prim *peel;             /* the trajectory on the points left by earlier boxes; its coverage and
                             * support are rescaled to the whole data set */
    int chosen;             /* the step of peel chosen (before pasting) */
    int pastes;             /* slabs pasted onto it */
    double *lo, *hi;        /* d bounds: the box after pasting */
    double coverage;        /* cases it takes / all cases */
    double density;         /* cases it takes / points it takes */
    double support;         /* points it takes / all points */
} PrimBox;

typedef struct PrimCover {
    int d, nboxes;
    PrimBox *boxes;
    double density;         /* all cases / all points */
    double *lo, *hi;        /* d bounds of all the points */
} PrimCover;

/* Boxes by peeling, pasting and covering (above). NULL when out of memory
 * (or n == 0, d <= 0). There is always at least one box; the first may be
 * the whole data set (no restriction does better). */
PrimCover *prim_cover(const double *x, const unsigned char *y, uint64_t n, int d, const PrimOptions *o);
void prim_cover_free(PrimCover *c);

#endif
