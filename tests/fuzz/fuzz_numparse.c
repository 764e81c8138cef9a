/* tests/fuzz/fuzz_numparse.c — fuzz target with an oracle: the fast decimal
 * parser (src/import/numparse.c) must agree with strtod bit for bit on
 * every string it accepts, whole (emb_parse_double) or as a prefix
 * (emb_parse_decimal: the prefix it consumed must be a whole number to
 * strtod, of the same value), and emb_parse_double_or_strtod must give
 * strtod's verdict.  A disagreement aborts with both values. */
#include "fuzz.h"
#include "import/numparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void same_bits(const char *what, const char *s, double fast, double ref)
{
    if (memcmp(&fast, &ref, sizeof fast) != 0) {
        fprintf(stderr, "fuzz_numparse: %s('%s') = %.17g, strtod gives %.17g\n", what, s, fast, ref);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[128];
    if (size >= sizeof s)
        size = sizeof s - 1;
    memcpy(s, data, size);
    s[size] = '\0';

    double v = 0, ref;
    char *e;
    if (emb_parse_double(s, &v)) {
        ref = strtod(s, &e);
        if (*e) {
            fprintf(stderr, "fuzz_numparse: emb_parse_double accepts '%s', strtod stops at '%s'\n",
                    s, e);
            abort();
        }
        same_bits("emb_parse_double", s, v, ref);
    }
    const char *p = emb_parse_decimal(s, &v);
    if (p) {
        char pre[128];
        size_t n = (size_t)(p - s);
        memcpy(pre, s, n);
        pre[n] = '\0';
        ref = strtod(pre, &e);
        if (*e || n == 0) {
            fprintf(stderr, "fuzz_numparse: emb_parse_decimal takes '%s' of '%s', which strtod "
                            "does not read whole\n", pre, s);
            abort();
        }
        same_bits("emb_parse_decimal", pre, v, ref);
    }
    int whole = emb_parse_double_or_strtod(s, &v);
    ref = strtod(s, &e);
    int strtod_whole = e != s && !*e;
    if (whole != strtod_whole) {
        fprintf(stderr, "fuzz_numparse: emb_parse_double_or_strtod('%s') = %d, strtod reads %s\n",
                s, whole, strtod_whole ? "all of it" : "less");
        abort();
    }
    if (whole && (v == v || ref == ref)) /* NaN payloads may differ */
        same_bits("emb_parse_double_or_strtod", s, v, ref);
    return 0;
}
