/* tests/fuzz/fuzz_gloria.c — fuzz target: emb_import_gloria on a GLORIA
 * release folder given in the container format (fuzz.h): the MRIO and
 * satellite folders (or "*.zip/" entries) and the ReadMe workbook as
 * "GLORIA_ReadMe_059.xlsx/xl/..." entries, built into an uncompressed zip so
 * that mutations reach the xlsx reader's XML scanner.  Tables that load go
 * through the accounts (Z is CSR: the sparse solver too). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emb_fuzz_input in;
    if (emb_fuzz_unpack(data, size, &in) != 0)
        return 0;
    emb_table *t = NULL;
    emb_status st = emb_import_gloria(in.root, &in.opts, &t);
    emb_fuzz_note("emb_import_gloria", st);
    if (st == EMB_OK)
        emb_fuzz_use_table(t);
    emb_table_free(t);
    return 0;
}
