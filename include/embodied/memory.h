/* embodied/memory.h — the memory limit every allocation plan is checked
 * against (the CLI's --max-memory).
 *
 * Before any large piece of work the library adds up what it is about to
 * allocate — the HDF5 reader from the dataset shapes before reading any of
 * them, each importer once the dimensions are known from labels and headers,
 * the solver its factor, the generator its table, the accounts their results
 * — and refuses with EMB_ENOMEM, naming the file and the largest arrays, when
 * the sum exceeds the limit.  The allocation wrapper also refuses any single
 * request larger than the limit.  So a hostile or mistaken input (a file
 * declaring N = 10^9) fails in milliseconds with a message, instead of after
 * minutes of swapping or by the kernel's out-of-memory killer.
 *
 * Why a process-wide setting rather than an option of each call (like
 * sqlite3_soft_heap_limit64): the budget is the machine's or the job's RAM,
 * which every table, import and solve in the process shares; the one
 * allocation wrapper that enforces it has no handle to read an option from;
 * and a caller sets it once, before starting work, as the CLI does from
 * --max-memory.  The value is read and written atomically, so threads may
 * read it while another sets it (a change applies to plans checked after it).
 * The library does not track the bytes it currently holds: the limit bounds
 * each plan, not the sum of everything alive at once.
 */
#ifndef EMBODIED_MEMORY_H
#define EMBODIED_MEMORY_H

#include <stddef.h>

#include "embodied/error.h"

#include "embodied/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Set the limit to `bytes`; 0 restores the default, the machine's physical
 * memory (sysconf(_SC_PHYS_PAGES) x page size).  Returns the previous
 * setting (0 when it was the default), so a caller can restore it. */
EMB_API size_t emb_set_memory_limit(size_t bytes);

/* The limit in force, in bytes: the value set, or the machine's physical
 * memory (SIZE_MAX when the system cannot say). */
EMB_API size_t emb_memory_limit(void);

/* Was the limit set explicitly (emb_set_memory_limit with bytes > 0)?
 * Messages then name --max-memory rather than the machine's memory. */
EMB_API int emb_memory_limit_is_set(void);

/* The machine's physical memory in bytes (sysconf; SIZE_MAX when the
 * system cannot say). */
EMB_API size_t emb_memory_physical(void);

/* Parse a size: a positive number (decimal point and exponent allowed)
 * followed by an optional unit K, M, G, T, P or E (powers of 1024), itself
 * optionally followed by "i" and/or "B", all case-insensitive: "8G", "8g",
 * "8GiB", "8gib", "8GB" and "8Gb" are all 8 x 2^30; a bare number or "B" is
 * bytes.  EMB_EUSAGE (naming the text) for anything else, a value below one
 * byte, or one at or above 2^64 bytes (it would overflow). */
EMB_API emb_status emb_memory_parse(const char *text, size_t *bytes);

/* bytes as "7.2 GiB", "512 MiB", "27.5 GiB", "12 KiB", "100 B" (powers of
 * 1024; 3 significant digits at most) into buf[cap]; returns buf.  The one
 * formatter of sizes in messages (library and CLI). */
EMB_API const char *emb_fmt_bytes(double bytes, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
