/* src/import/xlsx.h — columns of text out of an .xlsx workbook (internal).
 *
 * Just enough of Office Open XML to read label sheets such as GLORIA's
 * ReadMe: the workbook's sheet names (xl/workbook.xml and its relationships),
 * the shared strings (xl/sharedStrings.xml, absent in some writers) and the
 * cells of one worksheet, as text: shared ("s"), inline ("inlineStr") and
 * formula strings ("str") as spelled, numbers as written in the file ("11").
 * Formulas are not evaluated (their cached value is used), styles, dates
 * and merged cells are ignored.  XML entities (&amp; &#x41; ...) are decoded.
 *
 * Each XML member is read whole (label sheets are kilobytes; one above
 * EMB_XLSX_MAXPART, or above a quarter of the memory limit, is refused), so
 * memory is bounded by the largest part.  Cells beyond Excel's limits
 * (16,384 columns, 1,048,576 rows) and more than 2^20 shared strings are
 * refused (EMB_EINPUT naming the workbook, sheet and cell): they are not
 * from a spreadsheet, and would make the column reader pad its lists with
 * billions of empty cells.  The workbook is a zip: bytesrc.h's checks on
 * member names and sizes apply.
 */
#ifndef EMB_IMPORT_XLSX_H
#define EMB_IMPORT_XLSX_H

#include <stddef.h>

#include "embodied/error.h"
#include "import/csvutil.h"

#define EMB_XLSX_MAXPART ((size_t)256 << 20)

typedef struct emb_xlsx emb_xlsx;

/* Open workbook `path` (a zip; EMB_EIO when missing, EMB_EINPUT naming it
 * when it is not a workbook).  *out owned by the caller. */
emb_status emb_xlsx_open(const char *path, emb_xlsx **out);

/* The cells under header `header` (a cell of row 1) of sheet `sheet`, from
 * row 2 down to the column's last non-empty cell, empty cells as "".  A
 * missing sheet or header is EMB_EINPUT naming the workbook, the sheet and
 * what it does have.  out is emptied first. */
emb_status emb_xlsx_column(emb_xlsx *x, const char *sheet, const char *header, emb_strlist *out);

/* The workbook's path as given. */
const char *emb_xlsx_path(const emb_xlsx *x);

/* Close; NULL is a no-op. */
void emb_xlsx_close(emb_xlsx *x);

#endif
