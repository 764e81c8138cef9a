/* src/accounts/prepare.c — stage 1 of the accounts: the plan, the results'
 * arrays, S, Y_reg, PBA, F_Y by region and unallocated emissions; the
 * numbering of the right-hand sides and their columns (emb_accounts_rhs);
 * freeing a prep.  No solver here (see include/embodied/accounts.h). */
#include "accounts/accounts_impl.h"
#include "analysis/analysis_impl.h"
#include "core/context_impl.h"
#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/plan.h"

#include <string.h>
#include <time.h>

double emb_accounts_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *emb_accounts_table_name(const emb_table *t)
{
    return t->path && t->path[0] ? t->path : "(table)";
}

void emb_accounts_prep_free(emb_accounts_prep *p)
{
    if (!p)
        return;
    emb_free(p->S);
    emb_free(p->Yreg);
    emb_free(p->X);
    emb_free(p->done);
    emb_accounts_free(p->a);
    emb_free(p);
}

/* opts.stressors: every index a stressor of t, none twice. */
static emb_status check_subset(const emb_table *t, const emb_accounts_opts *o)
{
    const char *tn = emb_accounts_table_name(t);
    if (o->n_stressors && !o->stressors)
        return emb_raise(EMB_EUSAGE, "%s: emb_accounts_opts: n_stressors = %zu but stressors is NULL",
                         tn, o->n_stressors);
    for (size_t i = 0; i < o->n_stressors; i++) {
        if (o->stressors[i] >= t->k)
            return emb_raise(EMB_EUSAGE, "%s: emb_accounts_opts: stressors[%zu] = %zu out of range "
                                         "(the table has %zu stressors)", tn, i, o->stressors[i], t->k);
        for (size_t j = 0; j < i; j++)
            if (o->stressors[j] == o->stressors[i])
                return emb_raise(EMB_EUSAGE, "%s: emb_accounts_opts: stressor %zu (%s) asked for "
                                             "twice (stressors[%zu] and [%zu])", tn, o->stressors[i],
                                 t->stressors[o->stressors[i]], j, i);
    }
    return EMB_OK;
}

emb_status emb_accounts_plan_check(const emb_table *t, const emb_accounts_opts *o)
{
    emb_status st = check_subset(t, o); /* before the sizes below trust n_stressors */
    if (st)
        return st;
    emb_accounts_opts opt = *o;
    size_t N = t->N, k = opt.n_stressors ? opt.n_stressors : t->k, R = t->n_r, G = t->n_groups;
    /* The results' plan, before anything is allocated or solved (a solver
     * checks its own, the factor, when it is created). */
    emb_plan plan;
    double dk = (double)k, dN = (double)N, dR = (double)R, dG = (double)G;
    emb_plan_init(&plan);
    emb_plan_add(&plan, "flows", dk * dR, dR, sizeof(double));
    emb_plan_add(&plan, "M", dk, dN, sizeof(double));
    emb_plan_add(&plan, "S", dk, dN, sizeof(double));
    emb_plan_add(&plan, "final demand by region", dN, dR, sizeof(double));
    emb_plan_add(&plan, "L Y by region", dN, dR, sizeof(double));
    emb_plan_add(&plan, "regional accounts", dk * (6 * dR + 5 * dG) + dN + dk, 1, sizeof(double));
    emb_plan_add(&plan, "per-capita and intensity accounts", 4 * dk + 2, dR + dG, sizeof(double));
    if (opt.per_sector) {
        emb_plan_add(&plan, "D_cba, D_pba, D_imp, D_exp", 4 * dk, dN, sizeof(double));
        emb_plan_add(&plan, "per-sector right-hand sides", dN, EMB_RHS_BATCH, sizeof(double));
    }
    if (opt.flows_by_sector)
        emb_plan_add(&plan, "flows by sector", dk * dN, dR, sizeof(double));
    emb_analysis_plan(&plan, t, &opt); /* EEBT, TCBA when asked */
    return emb_plan_check(&plan, emb_accounts_table_name(t), "the accounts computation");
}

static double *zalloc(size_t n, const char *what) { return emb_calloc(n ? n : 1, sizeof(double), what); }

static emb_status prepare(const emb_table *t, const double *x, const emb_accounts_opts *opts,
                          emb_accounts_prep **out)
{
    *out = NULL;
    double t0 = emb_accounts_now();
    emb_accounts_opts opt;
    memset(&opt, 0, sizeof opt);
    if (opts)
        opt = *opts;
    const char *tn = emb_accounts_table_name(t);
    if (t->k == 0)
        return emb_raise(EMB_EINPUT, "%s: the table has no stressors (/F has 0 rows): nothing to "
                                     "account for", tn);
    emb_status st;
    /* k: the stressors computed (all, or the subset asked for). */
    size_t N = t->N, k = opt.n_stressors ? opt.n_stressors : t->k, R = t->n_r, ns = t->n_s,
           nf = t->n_f, G = t->n_groups;
    if (!x && !(x = t->x))
        return emb_raise(EMB_EUSAGE, "%s: emb_accounts_prepare: the table has no gross output x: "
                                     "pass the solver's (emb_leontief_x)", tn);
    if ((st = emb_accounts_plan_check(t, &opt)))
        return st;
    emb_accounts_prep *p = emb_calloc(1, sizeof *p, "accounts preparation");
    if (!p)
        return EMB_ENOMEM;
    p->t = t, p->opt = opt, p->t0 = t0;
    p->tol = opt.identity_tol > 0 ? opt.identity_tol : EMB_IDENTITY_TOL_DEFAULT;
    p->N = N, p->k = k, p->R = R, p->ns = ns;
    p->by_multiplier = k * R <= N;
    p->n_direct = R + (opt.per_sector && !p->by_multiplier ? N : 0);
    p->n_trans = k + (opt.per_sector && p->by_multiplier ? k * R : 0);
    p->left = p->n_direct + p->n_trans;
    st = EMB_ENOMEM;
    emb_accounts *a = p->a = emb_calloc(1, sizeof *a, "accounts");
    if (!a)
        goto fail;
    a->k = k, a->n_r = R, a->n_s = ns, a->N = N, a->n_groups = G;
    a->value_added_stressor = -1;
    size_t kR = k * R;
    if (!(a->stressor = emb_alloc(k, sizeof *a->stressor, "stressor indices")))
        goto fail;
    for (size_t s = 0; s < k; s++)
        a->stressor[s] = opt.n_stressors ? opt.stressors[s] : s;
    /* The prep keeps its own copy: the caller's array may be gone by stage 3. */
    p->opt.stressors = a->stressor;
    p->opt.n_stressors = opt.n_stressors ? k : 0;
    if (!(a->x = zalloc(N, "x")) || !(a->M = zalloc(k * N, "multipliers M")) ||
        !(a->pba = zalloc(kR, "PBA")) || !(a->cba = zalloc(kR, "CBA")) ||
        !(a->imports = zalloc(kR, "imports")) || !(a->exports = zalloc(kR, "exports")) ||
        !(a->unallocated = zalloc(kR, "unallocated")) || !(a->fy = zalloc(kR, "F_Y by region")) ||
        !(a->flows = emb_calloc(kR, R * sizeof(double), "flow matrix")) ||
        !(a->g_pba = zalloc(k * G, "group PBA")) || !(a->g_cba = zalloc(k * G, "group CBA")) ||
        !(a->g_imports = zalloc(k * G, "group imports")) ||
        !(a->g_exports = zalloc(k * G, "group exports")) ||
        !(a->g_unallocated = zalloc(k * G, "group unallocated")) ||
        !(p->S = zalloc(k * N, "S")) ||
        !(p->Yreg = emb_calloc(N, R * sizeof(double), "final demand by region")) ||
        !(p->X = emb_calloc(N, R * sizeof(double), "L Y by region")) ||
        !(p->done = emb_calloc(p->left, 1, "solved right-hand sides")))
        goto fail;
    if (opt.per_sector && (!(a->D_cba = zalloc(k * N, "D_cba")) || !(a->D_pba = zalloc(k * N, "D_pba")) ||
                           !(a->D_imp = zalloc(k * N, "D_imp")) || !(a->D_exp = zalloc(k * N, "D_exp"))))
        goto fail;
    if (opt.flows_by_sector && !(a->flows_by_sector = emb_calloc(k * N, R * sizeof(double), "flows by sector")))
        goto fail;
    memcpy(a->x, x, N * sizeof(double));

    /* S = F diag(1/x), 1/0 := 0; what a zero-output sector emits is unallocated. */
    double *S = p->S;
    for (size_t i = 0; i < N; i++) {
        int zero = !(x[i] > 0);
        int emits = 0;
        for (size_t s = 0; s < k; s++) {
            double f = t->F[a->stressor[s] * N + i];
            S[s * N + i] = zero ? 0.0 : f / x[i];
            if (zero) {
                a->unallocated[s * R + i / ns] += f;
                emits |= f != 0;
            } else {
                a->pba[s * R + i / ns] += f;
            }
        }
        a->n_zero_output += x[i] == 0; /* x < 0 sectors are counted in n_negative_x */
        a->n_zero_output_emitting += emits;
    }
    for (size_t s = 0; s < k; s++)
        for (size_t c = 0; c < t->n_y; c++)
            a->fy[s * R + c / nf] += t->F_Y[a->stressor[s] * t->n_y + c];
    for (size_t i = 0; i < kR; i++)
        a->pba[i] += a->fy[i];
    for (size_t i = 0; i < N * t->n_y; i++)
        a->n_negative_Y += t->Y[i] < 0;

    /* Y_reg (column-major N x R): each region's categories summed. */
    for (size_t i = 0; i < N; i++) {
        const double *y = t->Y + i * t->n_y;
        for (size_t d = 0; d < R; d++) {
            double acc = 0;
            for (size_t c = 0; c < nf; c++)
                acc += y[d * nf + c];
            p->Yreg[d * N + i] = acc;
        }
    }
    *out = p;
    return EMB_OK;
fail:
    emb_accounts_prep_free(p);
    return st;
}

size_t emb_accounts_n_rhs(const emb_accounts_prep *p, emb_accounts_rhs_kind which)
{
    return which == EMB_ACCOUNTS_DIRECT       ? p->n_direct
           : which == EMB_ACCOUNTS_TRANSPOSED ? p->n_trans
                                              : 0;
}

emb_status emb_accounts_check_range(const emb_accounts_prep *p, emb_accounts_rhs_kind which,
                                    size_t first, size_t count, size_t ld, const char *fn)
{
    if (which != EMB_ACCOUNTS_DIRECT && which != EMB_ACCOUNTS_TRANSPOSED)
        return emb_raise(EMB_EUSAGE, "%s: kind %d is neither EMB_ACCOUNTS_DIRECT nor "
                                     "EMB_ACCOUNTS_TRANSPOSED", fn, (int)which);
    size_t n = emb_accounts_n_rhs(p, which);
    if (first > n || count > n - first)
        return emb_raise(EMB_EUSAGE,
                         "%s: %s right-hand sides %zu .. %zu out of range (there are %zu)", fn,
                         which == EMB_ACCOUNTS_DIRECT ? "direct" : "transposed", first,
                         first + count - 1, n);
    if (ld < p->N)
        return emb_raise(EMB_EUSAGE, "%s: leading dimension %zu < N = %zu", fn, ld, p->N);
    if (p->spent)
        return emb_raise(EMB_EUSAGE, "%s: the accounts were already assembled", fn);
    return EMB_OK;
}

emb_status emb_accounts_rhs(const emb_accounts_prep *p, emb_accounts_rhs_kind which, size_t first,
                            size_t count, double *B, size_t ldb)
{
    emb_status st = emb_accounts_check_range(p, which, first, count, ldb, "emb_accounts_rhs");
    if (st)
        return st;
    size_t N = p->N, k = p->k, R = p->R, ns = p->ns;
    for (size_t c = 0; c < count; c++) {
        size_t id = first + c;
        double *b = B + c * ldb;
        if (which == EMB_ACCOUNTS_DIRECT) {
            if (id < R) {
                memcpy(b, p->Yreg + id * N, N * sizeof(double));
            } else { /* d n_s + j: Y_reg[:, d] masked to product j */
                size_t d = (id - R) / ns, j = (id - R) % ns;
                memset(b, 0, N * sizeof(double));
                for (size_t r = 0; r < R; r++)
                    b[r * ns + j] = p->Yreg[d * N + r * ns + j];
            }
        } else {
            if (id < k) {
                memcpy(b, p->S + id * N, N * sizeof(double));
            } else { /* d k + s: S[s] with region d zeroed */
                size_t d = (id - k) / k, s = (id - k) % k;
                memcpy(b, p->S + s * N, N * sizeof(double));
                memset(b + d * ns, 0, ns * sizeof(double));
            }
        }
    }
    return EMB_OK;
}

emb_status emb_accounts_prepare(const emb_table *t, const double *x, const emb_accounts_opts *opts,
                                emb_accounts_prep **out)
{
    emb_ctx_frame f;
    emb_ctx_enter(&f, opts ? opts->ctx : NULL);
    emb_status st = prepare(t, x, opts, out);
    emb_ctx_leave(&f);
    return st;
}
