/* tests/fuzz/fuzz.h — what the fuzz harnesses share: the container format
 * that turns one fuzz input into a folder of files for the importers, the
 * per-process scratch folder, and the pass of every small table that loads
 * through the accounts.
 *
 * Each harness (tests/fuzz/fuzz_<target>.c) defines LLVMFuzzerTestOneInput.
 * Built with clang -fsanitize=fuzzer (meson -Dfuzz=true, scripts/fuzz.sh) it
 * is a libFuzzer target; built with tests/fuzz/replay.c it is the regression
 * suite `meson test` runs on the seeds and on every committed crash input.
 *
 * The container format.  The importers read folders and zips of several
 * files, so that mutations reach every one of them an input is split at
 * lines of the form
 *
 *     ==> NAME <==
 *
 * (the format `head` prints several files in) into files NAME holding the
 * bytes from after that line up to the start of the next such line (or the
 * end of the input); bytes before the first marker are ignored.  NAME is a
 * relative '/'-separated path of printable ASCII (no empty, "." or ".."
 * component, at most 200 bytes); an entry with any other name is skipped.
 * When a component ends in ".zip" or ".xlsx" and more components follow
 * ("GLORIA_ReadMe_059.xlsx/xl/workbook.xml"), the rest names a member of a
 * zip archive built at that path (stored, not compressed, so the fuzzer's
 * mutations of the member text reach the XML and CSV readers rather than
 * dying in inflate); a NAME ending in ".zip" itself holds raw archive bytes.
 *
 * The reserved NAME "@options" holds import options, one per line:
 *     stressors GLOB        (emb_import_opts.stressor_patterns; up to 8)
 *     extension NAME        (emb_import_opts.extensions; up to 8)
 *     stressors_csv PATH    (emb_import_opts.stressors_csv, relative to the folder)
 * Unknown lines are ignored.
 */
#ifndef EMB_FUZZ_H
#define EMB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "embodied/embodied.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EMB_FUZZ_MAX_OPTS 8

typedef struct emb_fuzz_input {
    char root[512];      /* the folder the files were written into */
    char first[768];     /* root + "/" + the first component of the first file written */
    int first_is_zip;    /* that component is a zip archive (built or raw) */
    size_t n_files;      /* files and zip members written */
    emb_import_opts opts; /* from "@options"; pointers into this struct */
    const char *pats[EMB_FUZZ_MAX_OPTS], *exts[EMB_FUZZ_MAX_OPTS];
    char optbuf[2048];
    char stressors_csv[768];
} emb_fuzz_input;

/* Split data[0, size) (the container format above) into a fresh, empty
 * folder (the previous input's files are removed first).  Returns 0, or -1
 * when nothing usable was written (the harness then returns at once). */
int emb_fuzz_unpack(const uint8_t *data, size_t size, emb_fuzz_input *in);

/* Write data[0, size) as the only file `name` of the fresh folder; returns
 * its path (static storage), or NULL on failure. */
const char *emb_fuzz_write_one(const uint8_t *data, size_t size, const char *name);

/* With EMB_FUZZ_DEBUG set in the environment, print what an importer said
 * (for writing seeds: a seed should load, or fail where it means to). */
void emb_fuzz_note(const char *what, emb_status st);

/* Exercise a table that loaded: validation again, then, when it is small
 * (N <= 64, k <= 64, n_y <= 256), the accounts with every solver (their
 * identities checked, flows between the first and last region), so that the
 * numerics see whatever values the parser let through.  Failures are
 * expected outcomes; only crashes, leaks and sanitizer reports are bugs.
 * Does not free t. */
void emb_fuzz_use_table(const emb_table *t);

#endif
