/* test_sha256.c — SHA-256 against the FIPS 180-4 / NIST example vectors,
 * padding edge lengths, and incremental updates split anywhere. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "testutil.h"

static void hex_of(const unsigned char dig[32], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[dig[i] >> 4];
        out[2 * i + 1] = hex[dig[i] & 15];
    }
    out[64] = '\0';
}

static const char MSG448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char MSG896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                             "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

START_TEST(test_standard_vectors)
{
    char h[65];
    sha256_hex("", 0, h);
    ck_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, h);
    ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_hex(MSG448, strlen(MSG448), h);
    ck_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    sha256_hex(MSG896, strlen(MSG896), h);
    ck_assert_str_eq(h, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}
END_TEST

START_TEST(test_million_a)
{
    const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    size_t n = 1000000;
    char *a = malloc(n);
    memset(a, 'a', n);
    char h[65];
    sha256_hex(a, n, h);
    ck_assert_str_eq(h, want);
    /* The same in odd-sized pieces (997 is prime, so pieces straddle blocks). */
    Sha256 s;
    unsigned char dig[32];
    sha256_init(&s);
    for (size_t off = 0; off < n; off += 997) sha256_update(&s, a + off, n - off < 997 ? n - off : 997);
    sha256_final(&s, dig);
    hex_of(dig, h);
    ck_assert_str_eq(h, want);
    free(a);
}
END_TEST

START_TEST(test_padding_lengths)
{
    /* Lengths around the 55/56-byte padding boundary and block edges;
     * digests from an independent implementation (Python hashlib). */
    static const struct { size_t n; const char *hex; } v[] = {
        { 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
        { 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
        { 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
        { 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
        { 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
        { 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
        { 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
        { 1000, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3" },
    };
    char a[1000], h[65];
    memset(a, 'a', sizeof a);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        sha256_hex(a, v[i].n, h);
        ck_assert_msg(strcmp(h, v[i].hex) == 0, "%zu x 'a': got %s", v[i].n, h);
    }
}
END_TEST

START_TEST(test_incremental_any_split)
{
    /* Every split of a 3-block message into three pieces (including empty
     * pieces) gives the one-shot digest. */
    unsigned char msg[150];
    for (size_t i = 0; i < sizeof msg; i++) msg[i] = (unsigned char)(i * 37 + 11);
    unsigned char want[32], got[32];
    Sha256 s;
    sha256_init(&s);
    sha256_update(&s, msg, sizeof msg);
    sha256_final(&s, want);
    size_t n = sizeof msg;
    for (size_t i = 0; i <= n; i += 1)
        for (size_t j = i; j <= n; j += 7) {
            sha256_init(&s);
            sha256_update(&s, msg, i);
            sha256_update(&s, msg + i, j - i);
            sha256_update(&s, msg + j, n - j);
            sha256_final(&s, got);
            ck_assert_msg(memcmp(got, want, 32) == 0, "split at %zu, %zu differs", i, j);
        }
    /* Byte by byte, too. */
    sha256_init(&s);
    for (size_t i = 0; i < n; i++) sha256_update(&s, msg + i, 1);
    sha256_final(&s, got);
    ck_assert_mem_eq(got, want, 32);
    /* And the 448-bit vector split at its awkward 55/56 edge. */
    char h[65];
    sha256_init(&s);
    sha256_update(&s, MSG448, 55);
    sha256_update(&s, MSG448 + 55, 1);
    sha256_final(&s, got);
    hex_of(got, h);
    ck_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

Suite *suite_sha256(void)
{
    Suite *s = suite_create("sha256");
    TCASE(s, "vectors", 0, NO_FIXTURE, test_standard_vectors, test_million_a, test_padding_lengths);
    TCASE(s, "incremental", 0, NO_FIXTURE, test_incremental_any_split);
    return s;
}
