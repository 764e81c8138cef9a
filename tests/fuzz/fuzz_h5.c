/* tests/fuzz/fuzz_h5.c — fuzz target: emb_table_read_h5 on the input as an
 * HDF5 file (seeds: small tables in every layout the writer makes, from
 * tests/fuzz/mkseeds_h5.c), in both modes: the technology matrix streamed
 * from the file (the default: the accounts then read it row block by row
 * block) and loaded into memory.  Tables that load go through the accounts. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = emb_fuzz_write_one(data, size, "table.h5");
    if (!path)
        return 0;
    static const int modes[] = {EMB_READ_DEFAULT, EMB_READ_TECH_IN_MEMORY};
    for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
        emb_table *t = NULL;
        emb_status st = emb_table_read_h5(path, modes[m], &t);
        emb_fuzz_note("emb_table_read_h5", st);
        if (st == EMB_OK)
            emb_fuzz_use_table(t);
        emb_table_free(t);
    }
    return 0;
}
