/* embodied/synth.h — a deterministic generator of realistic MRIO tables, for
 * property tests and benchmarks (and later `embodied synth`).
 *
 * The same options and seed give bit-identical tables on every machine (own
 * PRNG, no libc rand()). */
#ifndef EMBODIED_SYNTH_H
#define EMBODIED_SYNTH_H

#include <stddef.h>
#include <stdint.h>

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
} emb_synth_opts;

/* Sensible defaults for the given sizes (density 0.3, 2 % zero-output sectors,
 * negative inventories and F_Y on). */
emb_synth_opts emb_synth_defaults(size_t n_r, size_t n_s, size_t n_f, size_t k, uint64_t seed);

/* Generate a Z table (T in memory, x NULL) with column sums of A between 0.2
 * and 0.8, dense-ish domestic blocks, sparse foreign blocks, emissions
 * concentrated in a few sectors.  Labels R001.., S001.., FD1.., E1.. .
 * *out owned by the caller. */
emb_status emb_synth_table(const emb_synth_opts *o, emb_table **out);

#ifdef __cplusplus
}
#endif
#endif
