/* rng.h — PCG32 random streams, keyed by name.
 *
 * A stream is PCG32 (XSH-RR output, 64-bit LCG state, odd increment selects
 * the stream), after O'Neill, "PCG: A Family of Simple Fast Space-Efficient
 * Statistically Good Algorithms for Random Number Generation" (2014).
 *
 * Keyed streams: rng_keyed(seed, rep, component, purpose) derives state and
 * increment by hashing the four keys. Consequences the engine relies on:
 *   - replication r's draws do not depend on which thread or rank runs it;
 *   - adding or removing a component never shifts another component's draws
 *     (common random numbers for `salvo compare`).
 * An Rng is a plain value: copy it, embed it, no globals anywhere.
 */
#ifndef SALVO_RNG_H
#define SALVO_RNG_H

#include <stdint.h>

typedef struct Rng {
    uint64_t state;
    uint64_t inc;   /* always odd */
} Rng;

/* Seed as the reference pcg32_srandom_r(initstate, initseq) does. */
void rng_seed(Rng *r, uint64_t initstate, uint64_t initseq);

/* Derive the stream for (base seed, replication, component name, purpose). */
void rng_keyed(Rng *r, uint64_t seed, uint64_t rep, const char *component, const char *purpose);

/* The names' part of a key, computed once; then rng_keyed_prefix() derives
 * the stream of (seed, rep) with no string work. Same stream as rng_keyed. */
uint64_t rng_key_prefix(const char *component, const char *purpose);
void rng_keyed_prefix(Rng *r, uint64_t prefix, uint64_t seed, uint64_t rep);

/* The stream of (seed, rep, fork, future) for a clone that continues a
 * replication on fresh streams (sim_fork): the usual key with a fork tag,
 * the fork id and the future index appended, so it differs from the
 * unforked stream of the same component and from every other fork. */
void rng_keyed_fork(Rng *r, uint64_t prefix, uint64_t seed, uint64_t rep, uint64_t fork, uint64_t future);

/* 64-bit hash of a key tuple; the stable "seed key" written to CSV rows. */
uint64_t rng_key_hash(uint64_t seed, uint64_t rep, const char *component, const char *purpose);

/* Next 32 random bits. */
static inline uint32_t rng_u32(Rng *r)
{
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ULL + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

/* Uniform integer in [0, bound), without bias (Lemire's method). bound > 0. */
uint32_t rng_bounded(Rng *r, uint32_t bound);

/* Uniform double in [0, 1) with 53 random bits (two outputs). */
static inline double rng_double(Rng *r)
{
    uint64_t hi = rng_u32(r) >> 5, lo = rng_u32(r) >> 6; /* 27 + 26 bits */
    return (double)(hi * 67108864.0 + lo) * (1.0 / 9007199254740992.0);
}

/* Uniform double in (0, 1): never 0, safe under log(). */
static inline double rng_open01(Rng *r)
{
    double u;
    do u = rng_double(r); while (u == 0.0);
    return u;
}

#endif
