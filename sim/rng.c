/* rng.c — PCG32 seeding, unbiased bounded integers, and keyed streams.
 *
 * Invariant: every Rng this file produces has an odd increment, so the LCG
 * under PCG32 has full period 2^64 on every stream, and the state of a keyed
 * stream is a pure function of its key (seed, rep, component, purpose) — no
 * counter, no registry, no global — which is what makes a replication's draws
 * independent of thread, order and of which other components exist.
 *
 * Key hash (stable: it is the "seed key" written to outputs; changing it
 * changes every scenario's draws, and test_rng pins a golden value):
 *   1. FNV-1a 64 over a framed byte string
 *        len(component) (8 bytes LE) | component bytes
 *        | len(purpose)   (8 bytes LE) | purpose bytes
 *        | seed (8 bytes LE) | rep (8 bytes LE)
 *      The names come first so that their part of the hash (the "prefix",
 *      rng_key_prefix) is computed once per scenario, and each replication
 *      hashes only its 16 bytes of seed and replication.
 *      The length prefixes make the framing unambiguous, so ("ab","c") and
 *      ("a","bc") hash different byte strings.
 *   2. fmix64 (MurmurHash3's finaliser, a bijection with full avalanche) of
 *      that, giving the key.
 *   3. state word = splitmix64-mix(key + 1*GOLDEN), increment word =
 *      splitmix64-mix(key + 2*GOLDEN) | 1: two different finalised words,
 *      fed to the reference seeding procedure (see rng_keyed).
 * A NULL component or purpose is treated as the empty string.
 */
#include "rng.h"

#include <string.h>

#define PCG_MULT 6364136223846793005ULL
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL
#define GOLDEN 0x9e3779b97f4a7c15ULL

void rng_seed(Rng *r, uint64_t initstate, uint64_t initseq)
{
    r->state = 0u;
    r->inc = (initseq << 1u) | 1u;
    (void)rng_u32(r);
    r->state += initstate;
    (void)rng_u32(r);
}

uint32_t rng_bounded(Rng *r, uint32_t bound)
{
    /* Lemire, "Fast Random Integer Generation in an Interval" (2019): the
     * high word of x*bound is the answer; the low word tells whether x fell
     * in one of the 2^32 mod bound over-represented slots, which are
     * rejected. The modulo is computed only when a rejection is possible. */
    uint64_t m = (uint64_t)rng_u32(r) * bound;
    uint32_t low = (uint32_t)m;
    if (low < bound) {
        uint32_t threshold = (uint32_t)(-bound) % bound;
        while (low < threshold) {
            m = (uint64_t)rng_u32(r) * bound;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

static uint64_t fnv_bytes(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

/* Little-endian whatever the host, so the key is the same on every machine. */
static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return fnv_bytes(h, b, 8);
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    h = fnv_u64(h, (uint64_t)n);
    return fnv_bytes(h, (const unsigned char *)(s ? s : ""), n);
}

static uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static uint64_t splitmix_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rng_key_prefix(const char *component, const char *purpose)
{
    return fnv_str(fnv_str(FNV_OFFSET, component), purpose);
}

static uint64_t key_from_prefix(uint64_t prefix, uint64_t seed, uint64_t rep)
{
    return fmix64(fnv_u64(fnv_u64(prefix, seed), rep));
}

uint64_t rng_key_hash(uint64_t seed, uint64_t rep, const char *component, const char *purpose)
{
    return key_from_prefix(rng_key_prefix(component, purpose), seed, rep);
}

void rng_keyed(Rng *r, uint64_t seed, uint64_t rep, const char *component, const char *purpose)
{
    rng_keyed_prefix(r, rng_key_prefix(component, purpose), seed, rep);
}

static void seed_from_key(Rng *r, uint64_t key);

void rng_keyed_prefix(Rng *r, uint64_t prefix, uint64_t seed, uint64_t rep)
{
    seed_from_key(r, key_from_prefix(prefix, seed, rep));
}

/* "fork" tag: the hashed tuple is three words longer than an unforked key's
 * (a different length of input), and carries the fork and future. */
#define FORK_TAG 0x6b726f66ULL

void rng_keyed_fork(Rng *r, uint64_t prefix, uint64_t seed, uint64_t rep, uint64_t fork, uint64_t future)
{
    uint64_t h = fnv_u64(fnv_u64(prefix, seed), rep);
    h = fnv_u64(fnv_u64(fnv_u64(h, FORK_TAG), fork), future);
    seed_from_key(r, fmix64(h));
}

static void seed_from_key(Rng *r, uint64_t key)
{
    uint64_t state_word = splitmix_mix(key + GOLDEN);
    uint64_t inc_word = splitmix_mix(key + 2u * GOLDEN);
    /* Same procedure as rng_seed, but keeping all 64 increment bits (rng_seed
     * must drop the top bit of initseq to match the reference). */
    r->state = 0u;
    r->inc = inc_word | 1u;
    (void)rng_u32(r);
    r->state += state_word;
    (void)rng_u32(r);
}
