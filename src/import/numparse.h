/* src/import/numparse.h — a fast decimal-to-double parser for the text
 * importers (internal), bit-identical to strtod(3).
 *
 * emb_parse_double() handles the plain decimal numbers data files are made
 * of ("0.0", "-12.5", "1.2345678901234567e-05"): up to 19 significant
 * digits and a result that is a normal double.  Those it converts exactly
 * (correctly rounded, round-to-nearest-even: the double strtod returns) by
 * Clinger's fast path (<= 2^53 and |exponent| <= 22: one exact IEEE
 * operation) or the Eisel-Lemire algorithm (a 64 x 128-bit product with a
 * table of truncated powers of ten; the cases it cannot decide are
 * refused).  Everything else — more digits, subnormal or overflowing
 * results, hexadecimal, "inf"/"nan", leading blanks, trailing text — it
 * refuses, and the caller falls back to strtod, so strtod's verdict and
 * value stand for every string.  Assumes the default rounding mode.
 */
#ifndef EMB_IMPORT_NUMPARSE_H
#define EMB_IMPORT_NUMPARSE_H

/* If the whole NUL-terminated string s is a decimal number
 * [+-]digits[.digits][(e|E)[+-]digits] (digits may be empty on one side of
 * the point, not both) that the fast paths decide, store its value in *out
 * and return 1; else return 0 and leave *out alone. */
int emb_parse_double(const char *s, double *out);

/* The scanner behind emb_parse_double, for callers that know what may
 * follow a number (the TSV reader: a tab or the end of the line): parses
 * the longest prefix of s in the grammar above and returns the pointer
 * past it with *out set, or NULL (*out untouched) when s does not start
 * with such a number or the fast paths cannot decide it.  A number followed
 * by anything but the caller's terminator must go to strtod too ("0x1p3",
 * "1e5x"): only the caller knows. */
const char *emb_parse_decimal(const char *s, double *out);

/* The same with strtod as the fallback: returns 1 and the value when s is
 * entirely a number by strtod's rules (any value, including inf/nan and
 * hexadecimal), 0 when strtod would stop before the end (or parse nothing). */
int emb_parse_double_or_strtod(const char *s, double *out);

#endif
