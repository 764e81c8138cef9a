/* embodied/synth.h — a deterministic generator of realistic MRIO tables, for
 * property tests and benchmarks (and later `embodied synth`).
 *
 * The same options and seed give bit-identical tables on every machine (own
 * PRNG, no libc rand()). */
#ifndef EMBODIED_SYNTH_H
#define EMBODIED_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "embodied/context.h"
#include "embodied/error.h"
#include "embodied/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct emb_synth_opts {
    size_t n_r, n_s, n_f, k;   /* regions, sectors, FD categories per region, stressors */
    uint64_t seed;
    double foreign_density;    /* fraction of non-zero entries in foreign blocks of Z (0..1) */
    double zero_output_frac;   /* fraction of sectors with zero output (no row, no column, no FD) */
    int zero_output_emits;     /* give some zero-output sectors non-zero F (the WIOD quirk) */
    int negative_inventory;    /* one FD category per region gets some negative entries */
    int with_F_Y;              /* household direct emissions */
    double colsum_lo, colsum_hi; /* column sums of A of producing industries are drawn uniformly
                                    from [lo, hi] (0 < lo <= hi < 1; default 0.25, 0.75).
                                    lo = hi = c makes every one exactly c, and so the spectral
                                    radius of A exactly c (1^T A = c 1^T, A >= 0). */
    int csr;                   /* hold Z as CSR (t->csr) instead of a dense t->T; the values
                                  are the same either way, bit for bit */
    const emb_context *ctx;    /* per-call settings (embodied/context.h); NULL = defaults */
} emb_synth_opts;

/* Sensible defaults for the given sizes (density 0.3, 2 % zero-output sectors,
 * negative inventories and F_Y on, column sums of A in [0.25, 0.75], dense). */
EMB_API emb_synth_opts emb_synth_defaults(size_t n_r, size_t n_s, size_t n_f, size_t k, uint64_t seed);

/* Generate a Z table (T or csr in memory, x NULL) with column sums of A in
 * [colsum_lo, colsum_hi], dense-ish domestic blocks, sparse foreign blocks,
 * emissions concentrated in a few sectors, final demand positive in every
 * row's total.  Labels R001.., S001.., FD1.., E1.. .  Memory: 12 bytes per
 * non-zero of Z, plus 8 N^2 for dense output.  *out owned by the caller. */
EMB_API emb_status emb_synth_table(const emb_synth_opts *o, emb_table **out);

#ifdef __cplusplus
}
#endif
#endif
