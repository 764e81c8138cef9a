/* src/solver/output.c — gross output x: the table's own checked, a computed
 * one screened by the one rule every solver uses (output.h), and the
 * explicit completion step emb_table_complete_x (embodied/solver.h). */
#include "solver/output.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "embodied/solver.h"
#include "solver/leontief_impl.h"

#include <math.h>
#include <string.h>

static const char *tp(const emb_table *t) { return t->path && t->path[0] ? t->path : "(table)"; }

double emb_output_fd_total(const emb_table *t, size_t i)
{
    double s = 0;
    const double *y = t->Y + i * t->n_y;
    for (size_t c = 0; c < t->n_y; c++)
        s += y[c];
    return s;
}

emb_status emb_output_check_given(const emb_table *t, const double *x)
{
    for (size_t i = 0; i < t->N; i++)
        if (!(x[i] >= 0) || !isfinite(x[i]))
            return emb_raise(EMB_EINPUT, "%s: dataset /x: output %.17g at row %zu (region %s, "
                                         "sector %s) must be finite and >= 0", tp(t), x[i], i,
                             t->regions[i / t->n_s], t->sectors[i % t->n_s]);
    return EMB_OK;
}

void emb_output_rinv(const double *x, size_t N, int x_known, double *rinv)
{
    for (size_t i = 0; i < N; i++)
        rinv[i] = x_known && x[i] > 0 ? 1.0 / x[i] : 0.0;
}

/* Column sums of |T| by streaming T in row blocks into own[N] (zeroed). */
static emb_status stream_colabs(const emb_table *t, double *own)
{
    size_t N = t->N, nb = emb_lf_block_rows(N);
    double *W = emb_alloc(nb * N, sizeof(double), "row block");
    if (!W)
        return EMB_ENOMEM;
    emb_status st = EMB_OK;
    for (size_t r0 = 0; r0 < N && !st; r0 += nb) {
        size_t n = r0 + nb > N ? N - r0 : nb;
        if ((st = emb_table_tech_rows(t, r0, n, W)))
            break;
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c < N; c++)
                own[c] += fabs(W[i * N + c]);
    }
    emb_free(W);
    return st;
}

emb_status emb_output_screen(const emb_table *t, double *x, const double *colabs, size_t *n_neg)
{
    size_t N = t->N, first = N;
    *n_neg = 0;
    double scale = 0;
    for (size_t j = 0; j < N; j++)
        scale = fabs(x[j]) > scale ? fabs(x[j]) : scale;
    for (size_t j = 0; j < N; j++)
        if (x[j] < 0) {
            if (-x[j] <= EMB_X_ROUNDING * scale)
                x[j] = 0; /* rounding of a zero-output sector */
            else if (first == N)
                first = j;
        }
    if (first == N)
        return EMB_OK;
    double *own = NULL;
    emb_status st = EMB_OK;
    if (!colabs) {
        if (!(own = emb_calloc(N, sizeof(double), "column sums")))
            return EMB_ENOMEM;
        if ((st = stream_colabs(t, own)))
            goto done;
        colabs = own;
    }
    for (size_t j = first; j < N; j++) {
        if (!(x[j] < 0))
            continue;
        if (colabs[j] != 0) {
            st = emb_raise(EMB_EINPUT, "%s: gross output x = %s is negative (%.17g) at row %zu "
                                       "(region %s, sector %s) and the sector buys inputs; output "
                                       "must be >= 0", tp(t),
                           t->tech_kind == EMB_TECH_Z ? "Z 1 + Y 1" : "(I - A)^-1 (Y 1)", x[j], j,
                           t->regions[j / t->n_s], t->sectors[j % t->n_s]);
            goto done;
        }
        (*n_neg)++;
    }
done:
    emb_free(own);
    return st;
}

/* Z tables: x = Z 1 + Y 1, streamed, no factorisation.  A tables: the
 * solver's x = (I - A)^-1 (Y 1) (dense double).  Either way screened; a
 * negative x kept as zero output is stored as 0. */
emb_status emb_table_complete_x(emb_table *t)
{
    if (t->x)
        return EMB_OK;
    emb_status st;
    size_t N = t->N;
    if (t->tech_kind != EMB_TECH_Z) {
        emb_leontief *lf = NULL;
        if ((st = emb_leontief_factor(t, &lf)))
            return st;
        if ((st = emb_table_alloc_x(t)) == EMB_OK)
            memcpy(t->x, emb_leontief_x(lf), N * sizeof(double));
        emb_leontief_free(lf);
        return st;
    }
    size_t nb = emb_lf_block_rows(N);
    double *W = emb_alloc(nb * N, sizeof(double), "row block");
    double *colabs = emb_calloc(N, sizeof(double), "column sums");
    if (!W || !colabs || (st = emb_table_alloc_x(t))) {
        emb_free(W), emb_free(colabs);
        return EMB_ENOMEM;
    }
    for (size_t r0 = 0; r0 < N && !st; r0 += nb) {
        size_t n = r0 + nb > N ? N - r0 : nb;
        if ((st = emb_table_tech_rows(t, r0, n, W)))
            break;
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            for (size_t j = 0; j < N; j++)
                s += W[i * N + j];
            if (!isfinite(s)) {
                st = emb_lf_bad_row(t, r0 + i);
                break;
            }
            t->x[r0 + i] = s + emb_output_fd_total(t, r0 + i);
            for (size_t j = 0; j < N; j++)
                colabs[j] += fabs(W[i * N + j]);
        }
    }
    size_t n_neg = 0;
    if (!st && (st = emb_output_screen(t, t->x, colabs, &n_neg)) == EMB_OK)
        for (size_t i = 0; i < N; i++)
            if (t->x[i] < 0)
                t->x[i] = 0; /* stored x: the sector produces nothing (output.h) */
    emb_free(W), emb_free(colabs);
    if (st) {
        emb_free(t->x);
        t->x = NULL;
    }
    return st;
}
