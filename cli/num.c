/* num.c — strict number parsing: see num.h. strtoull alone takes leading
 * spaces and a sign (" -1" is 2^64-1) and reads "010" as octal. */
#include "num.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int num_parse_seed(const char *s, unsigned long long *out)
{
    if (!s) return -1;
    int base = 10;
    const char *digits = s;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        digits = s + 2;
    }
    if (!*digits) return -1;
    for (const char *p = digits; *p; p++)
        if (base == 10 ? !isdigit((unsigned char)*p) : !isxdigit((unsigned char)*p)) return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(digits, &end, base);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}
