/* src/analysis/analysis_impl.h — the trade analyses computed beside the
 * accounts (internal): the one pass over the technology matrix that gives
 * bilateral gross exports and the domestic blocks (trade.c), EEBT (eebt.c)
 * and technology-adjusted CBA (tcba.c) from it.  Formulas in
 * include/embodied/accounts.h and the README. */
#ifndef EMB_ANALYSIS_IMPL_H
#define EMB_ANALYSIS_IMPL_H

#include "core/plan.h"
#include "embodied/accounts.h"

/* What one pass over T gives. */
typedef struct emb_trade {
    size_t N, R, ns;
    double *E; /* [N][R] row-major: E[i][d] = e_{r(i),d}[i], the gross exports of industry i
                * to region d (Z' and final demand) for d != r(i), and y_{r(i),r(i)}[i], the
                * region's own final demand, for d = r(i) */
    double *D; /* [R][ns][ns] the domestic blocks I - A_rr, row-major, or NULL */
} emb_trade;

/* Add the trade pass's arrays (E, the domestic blocks when with_blocks, a
 * row block of T) to plan p. */
void emb_trade_plan(emb_plan *p, const emb_table *t, int with_blocks);

/* Read T once in row blocks (emb_table_tech_rows: any storage) and fill
 * tr->E and, when with_blocks, tr->D, with x the accounts' gross output
 * (purchases of zero-output sectors dropped, as A drops them).  Polls the
 * context between blocks.  On failure tr holds nothing. */
emb_status emb_trade_read(const emb_table *t, const double *x, int with_blocks, emb_trade *tr);

/* Free tr's arrays (tr itself is the caller's); safe on a zeroed tr. */
void emb_trade_free(emb_trade *tr);

/* EEBT and TCBA from a trade pass, into new arrays swapped into a only when
 * every check passed (a unchanged on failure).  tol: identity tolerance. */
emb_status emb_eebt_from_trade(emb_accounts *a, const emb_table *t, const emb_trade *tr,
                               int by_sector, double tol);
emb_status emb_tcba_from_trade(emb_accounts *a, const emb_table *t, const emb_trade *tr, double tol);

/* The arrays EEBT / TCBA add to the accounts (for the accounts' plan). */
void emb_analysis_plan(emb_plan *p, const emb_table *t, const emb_accounts_opts *o);

/* What opts asks of the analyses, with one trade pass shared by EEBT and
 * TCBA (called by emb_accounts_assemble after the identities; a no-op when
 * nothing is asked). */
emb_status emb_analysis_run(emb_accounts *a, const emb_table *t, const emb_accounts_opts *o);

/* acc was computed from t (dimensions and groups agree), else EMB_EUSAGE
 * naming fn. */
emb_status emb_analysis_check_args(const emb_accounts *a, const emb_table *t, const char *fn);

/* The relative tolerance opts ask for (default 1e-9). */
double emb_analysis_tol(const emb_accounts_opts *o);

#endif
