/* src/solver/scalapack_read.c — one rank's tiles of the technology matrix
 * in ScaLAPACK's 2-D block-cyclic layout, read band by band: from the
 * table's file with one HDF5 hyperslab selection per band (the rank's
 * column blocks of nb rows, serial HDF5 opening the same file read-only on
 * every rank), or from the dense or CSR copy in memory.  No MPI here: the
 * layout arithmetic and the reads are tested serially. */
#include "solver/scalapack_impl.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "io/h5util.h"

#include <hdf5.h>
#include <string.h>

size_t emb_bc_count(size_t n, size_t nb, size_t me, size_t p)
{
    size_t nblocks = n / nb, extra = n % nb;
    size_t cnt = nblocks / p * nb; /* whole rounds of blocks */
    size_t rest = nblocks % p;
    if (me < rest)
        cnt += nb;
    else if (me == rest)
        cnt += extra;
    return cnt;
}

size_t emb_bc_global(size_t l, size_t nb, size_t me, size_t p)
{
    return ((l / nb) * p + me) * nb + l % nb;
}

static const char *tname(const emb_table *t) { return t->path && t->path[0] ? t->path : "(table)"; }

emb_status emb_tiles_open(emb_tiles *tl, const emb_table *t, size_t nb, size_t pr, size_t pc,
                          size_t myrow, size_t mycol)
{
    memset(tl, 0, sizeof *tl);
    tl->file = tl->dset = -1;
    if (!t || nb < 1 || pr < 1 || pc < 1 || myrow >= pr || mycol >= pc)
        return emb_raise(EMB_EUSAGE, "tiles: invalid layout (block %zu, grid %zux%zu, position "
                                     "%zu,%zu)", nb, pr, pc, myrow, mycol);
    tl->t = t;
    tl->N = t->N;
    tl->nb = nb, tl->pr = pr, tl->pc = pc, tl->myrow = myrow, tl->mycol = mycol;
    tl->locr = emb_bc_count(t->N, nb, myrow, pr);
    tl->locc = emb_bc_count(t->N, nb, mycol, pc);
    tl->nbands = (tl->locr + nb - 1) / nb;
    tl->dsname = t->tech_kind == EMB_TECH_Z ? "/Z" : "/A";
    if (t->T || t->csr)
        return EMB_OK;
    if (!t->path || !t->path[0])
        return emb_raise(EMB_EUSAGE, "tiles: the table holds no technology matrix and has no file");
    emb_h5_init();
    hid_t f = H5Fopen(t->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return emb_raise(EMB_EIO, "%s: cannot open the file again to read this rank's tiles",
                         t->path);
    hid_t d = H5Dopen2(f, tl->dsname, H5P_DEFAULT);
    if (d < 0) {
        H5Fclose(f);
        return emb_raise(EMB_EIO, "%s: cannot open dataset %s", t->path, tl->dsname);
    }
    tl->file = f, tl->dset = d;
    return EMB_OK;
}

void emb_tiles_close(emb_tiles *tl)
{
    if (tl->dset >= 0)
        H5Dclose((hid_t)tl->dset);
    if (tl->file >= 0)
        H5Fclose((hid_t)tl->file);
    tl->dset = tl->file = -1;
}

/* The band from the file: one selection, the union of this rank's column
 * blocks (a regular hyperslab of the whole blocks, OR the short last one). */
static emb_status read_file_band(emb_tiles *tl, size_t g0, size_t n, double *buf)
{
    size_t N = tl->N, nb = tl->nb, step = tl->pc * nb;
    size_t c0 = tl->mycol * nb;
    emb_status st = EMB_OK;
    hid_t fs = H5Dget_space((hid_t)tl->dset), ms = -1;
    if (fs < 0)
        return emb_raise(EMB_EIO, "%s: dataset %s: cannot get its dataspace", tname(tl->t),
                         tl->dsname);
    size_t nfull = c0 + nb <= N ? (N - c0 - nb) / step + 1 : 0; /* whole blocks */
    size_t last0 = c0 + nfull * step;                             /* a short block there? */
    herr_t e = 0;
    H5S_seloper_t op = H5S_SELECT_SET;
    if (nfull) {
        hsize_t start[2] = {g0, c0}, stride[2] = {1, step}, count[2] = {1, nfull},
                block[2] = {n, nb};
        e = H5Sselect_hyperslab(fs, op, start, stride, count, block);
        op = H5S_SELECT_OR;
    }
    if (e >= 0 && last0 < N) {
        hsize_t start[2] = {g0, last0}, count[2] = {n, N - last0};
        e = H5Sselect_hyperslab(fs, op, start, NULL, count, NULL);
    }
    hsize_t mdims[2] = {n, tl->locc};
    if (e < 0 || (ms = H5Screate_simple(2, mdims, NULL)) < 0) {
        st = emb_raise(EMB_EIO, "%s: dataset %s: cannot select rows %zu..%zu of this rank's "
                                "columns", tname(tl->t), tl->dsname, g0, g0 + n);
        goto done;
    }
    if (H5Dread((hid_t)tl->dset, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf) < 0)
        st = emb_raise(EMB_EIO, "%s: dataset %s: cannot read rows %zu..%zu (file changed, "
                                "corrupt or truncated?)", tname(tl->t), tl->dsname, g0, g0 + n);
done:
    if (ms >= 0)
        H5Sclose(ms);
    H5Sclose(fs);
    return st;
}

emb_status emb_tiles_read_band(emb_tiles *tl, size_t band, double *buf, size_t *g0, size_t *nrows)
{
    size_t nb = tl->nb, l0 = band * nb;
    if (band >= tl->nbands)
        return emb_raise(EMB_EINTERNAL, "tiles: band %zu of %zu", band, tl->nbands);
    size_t n = tl->locr - l0 < nb ? tl->locr - l0 : nb;
    size_t r0 = emb_bc_global(l0, nb, tl->myrow, tl->pr);
    *g0 = r0, *nrows = n;
    if (tl->locc == 0)
        return EMB_OK;
    const emb_table *t = tl->t;
    size_t N = tl->N, locc = tl->locc;
    if (tl->dset >= 0)
        return read_file_band(tl, r0, n, buf);
    if (t->T) {
        for (size_t i = 0; i < n; i++) {
            const double *row = t->T + (r0 + i) * N;
            for (size_t lc = 0; lc < locc; lc += nb) {
                size_t gc = emb_bc_global(lc, nb, tl->mycol, tl->pc);
                size_t w = locc - lc < nb ? locc - lc : nb;
                memcpy(buf + i * locc + lc, row + gc, w * sizeof(double));
            }
        }
        return EMB_OK;
    }
    /* CSR: each stored entry of the band's rows whose column block is ours. */
    const emb_csr *m = t->csr;
    memset(buf, 0, n * locc * sizeof(double));
    for (size_t i = 0; i < n; i++)
        for (size_t p = m->indptr[r0 + i]; p < m->indptr[r0 + i + 1]; p++) {
            size_t c = m->indices[p], cb = c / nb;
            if (cb % tl->pc != tl->mycol)
                continue;
            size_t lc = (cb / tl->pc) * nb + c % nb;
            buf[i * locc + lc] = m->data[p];
        }
    return EMB_OK;
}
