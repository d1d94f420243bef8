/* num.h — strict number parsing for command-line values. */
#ifndef SALVO_NUM_H
#define SALVO_NUM_H

/* An unsigned 64-bit seed, decimal ("10", never octal: "010" is ten) or
 * "0x" hex. No sign, no spaces, no empty string. 0 ok; -1 bad (nothing
 * printed: the caller names the option). */
int num_parse_seed(const char *s, unsigned long long *out);

#endif
