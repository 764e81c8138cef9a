/* src/accounts/warnings.c — the data facts of a run as text (emb_accounts_warnings):
 * the lines the CLI prints after "embodied: " and the results file keeps in its
 * root attribute `warnings`, so that both say the same thing. */
#include "embodied/accounts.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

/* snprintf's contract over a growing text: *len counts every byte asked for,
 * buf receives what fits (NUL-terminated when size > 0). */
static void add(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*len < size ? buf + *len : NULL, *len < size ? size - *len : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len += (size_t)n;
}

size_t emb_accounts_warnings(const emb_accounts *a, const emb_table *t, char *buf, size_t size)
{
    size_t len = 0;
    if (buf && size)
        buf[0] = '\0';
    else
        size = 0;
    if (!a || !t)
        return 0;
    if (a->n_zero_output_emitting && a->unallocated)
        for (size_t s = 0; s < a->k; s++) {
            double u = 0;
            for (size_t r = 0; r < a->n_r; r++)
                u += a->unallocated[s * a->n_r + r];
            size_t ts = emb_accounts_stressor_index(a, s); /* a subset: --stressor */
            if (u != 0)
                add(buf, size, &len, "warning: %zu sector(s) have zero output but emit %.6g %s of "
                    "%s: reported as 'unallocated' (not in PBA/CBA; pymrio drops it)\n",
                    a->n_zero_output_emitting, u, t->stressor_units[ts], t->stressors[ts]);
        }
    if (a->solver.n_colsum_ge1) {
        size_t w = a->solver.worst_column;
        add(buf, size, &len, "warning: %zu column(s) of A sum to >= 1 (inputs cost at least the "
            "output: negative value added), largest %s/%s %.6g; the economy is still productive\n",
            a->solver.n_colsum_ge1, t->regions[w / a->n_s], t->sectors[w % a->n_s],
            a->solver.max_colsum_A);
    }
    if (a->rcond > 0 && a->rcond < 1e-8)
        add(buf, size, &len, "warning: I - A is ill-conditioned (reciprocal condition estimate "
            "%.2e): results may lose up to %.0f significant digits\n", a->rcond, -log10(a->rcond));
    if (a->n_negative_x)
        add(buf, size, &len, "note: %zu sector(s) have x = Z 1 + Y 1 < 0 but buy no inputs (an "
            "inventory drawdown of a sector that does not produce): treated as zero output\n",
            a->n_negative_x);
    if (a->n_negative_Y)
        add(buf, size, &len, "note: %zu negative final-demand entries (inventory changes) - "
            "valid, kept\n", a->n_negative_Y);
    return len;
}
