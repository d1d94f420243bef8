/* mm1.h — the M/M/1 queue on the kernel: salvo's smallest complete model,
 * used as a demonstration, a kernel test with an analytic answer (mean time
 * in system W = 1/(mu - lambda)) and a benchmark. */
#ifndef SALVO_MM1_H
#define SALVO_MM1_H

#include <stdint.h>

typedef struct Mm1Result {
    double mean_time;       /* mean time in system of the served customers */
    uint64_t customers;     /* customers served */
    uint64_t events;        /* events dispatched */
    double max_queue;       /* longest queue seen */
} Mm1Result;

/* Simulate until `customers` have been served. 0 on success, -1 on bad
 * parameters (rates must be > 0 and lambda < mu for a steady state) or if
 * memory ran out. */
int mm1_run(double lambda, double mu, uint64_t customers, uint64_t seed, Mm1Result *out);

#endif
