/* src/import/tsv.h — a streaming reader of delimited text: tab-separated
 * (pandas' to_csv(sep='\t')) or comma-separated (RFC 4180) (internal).
 *
 * Reads an emb_bytesrc through one fixed buffer and hands out the fields of
 * one line at a time, so a 10 GB Z.txt needs no more memory than its longest
 * line.  The buffer starts at `bufsize` bytes and grows (doubling) only for a
 * line that does not fit, up to `maxline` bytes or a quarter of the memory
 * limit (embodied/memory.h), whichever is less; a longer line is EMB_EINPUT
 * naming the file, line and column.  Hostile text is stopped early, each
 * time with file, line and column: a field longer than EMB_TSV_MAXFIELD
 * bytes (checked before the buffer grows, so a gigabyte without a
 * delimiter costs one buffer), a line of more than EMB_TSV_MAXFIELDS
 * columns.
 *
 * Lines end in "\n" or "\r\n"; the last line may lack its newline; a UTF-8
 * byte-order mark at the start is skipped; a NUL byte is an error (binary
 * data).  Fields are split at tabs; a field that starts with '"' is unquoted
 * the way pandas/csv quote (QUOTE_MINIMAL: "" inside stands for ").
 *
 * emb_tsv_set_delim(r, ',') switches to RFC 4180 CSV: fields are split at
 * the delimiter, a quoted field may hold the delimiter, doubled quotes ("")
 * and line breaks (the record then spans several lines of the file), and a
 * quote inside an unquoted field is an error.  Line numbers in messages are
 * those of the file (a record's first line).
 *
 * Every message names "<file>: line L[, column C]: ..." with L and C 1-based
 * (C counts fields, so it is the spreadsheet column).
 */
#ifndef EMB_IMPORT_TSV_H
#define EMB_IMPORT_TSV_H

#include <stddef.h>

#include "core/error_impl.h"
#include "embodied/error.h"
#include "import/bytesrc.h"

/* Defaults used by the importers: a 1 MiB buffer; lines up to 256 MiB (an
 * EXIOBASE 3 pxp row is ~200 kB, so this only stops runaway binary input). */
#define EMB_TSV_BUFSIZE ((size_t)1 << 20)
#define EMB_TSV_MAXLINE ((size_t)256 << 20)
/* A field is a label (at most 4096 bytes, core/label.h) or a number (tens of
 * bytes); columns: GLORIA's T-Results, the widest MRIO file, has 39,360. */
#define EMB_TSV_MAXFIELD ((size_t)4096)
#define EMB_TSV_MAXFIELDS ((size_t)1 << 20)

/* Sentinel column for emb_tsv_fail: the message names the line only. */
#define EMB_TSV_NOCOL ((size_t)-1)

typedef struct emb_tsv emb_tsv;

/* Start reading src (ownership passes to the reader, also on failure) with a
 * buffer of bufsize bytes growing up to maxline (bufsize >= 1, maxline >=
 * bufsize).  *out owned by the caller. */
emb_status emb_tsv_open(emb_bytesrc *src, size_t bufsize, size_t maxline, emb_tsv **out);

/* Split fields at `delim` instead of tabs; any delimiter other than '\t'
 * also selects the RFC 4180 quoting rules above.  Call before the first
 * emb_tsv_next(). */
void emb_tsv_set_delim(emb_tsv *r, char delim);

/* Read whole lines instead of fields (emb_tsv_next_line): for a format with
 * its own cell rules, such as the characterisation CSV (comment lines,
 * blanks around quoted cells).  Lines end at '\n' only, never joined by
 * quotes; `delim` stays the separator for the field-length check made
 * before the buffer grows, so the line and field limits hold as for
 * fields.  Call before the first read. */
void emb_tsv_set_lines(emb_tsv *r, char delim);

/* Advance to the next line and hand it out whole in (*line)[0, *len),
 * NUL-terminated and writable until the next call: newline, a CR before it
 * and a first line's byte-order mark removed, NUL bytes refused (EMB_EINPUT
 * naming the line).  *have = 0 at end of file. */
emb_status emb_tsv_next_line(emb_tsv *r, char **line, size_t *len, int *have);

/* emb_bytesrc_open(a, rel) followed by emb_tsv_open with the defaults. */
emb_status emb_tsv_open_in(emb_archive *a, const char *rel, emb_tsv **out);

/* Advance to the next line: *have = 1 and the fields are available, or
 * *have = 0 at end of file.  Fields stay valid until the next call. */
emb_status emb_tsv_next(emb_tsv *r, int *have);

/* The next data row of a small comma-separated file whose first line (after
 * blank lines and '#' comments, which are skipped everywhere) is the header
 * h0,h1 (the groups and population files): *header says whether the header
 * has been read (0 before the first call); *have = 0 at end of file.  A
 * different header is EMB_EINPUT naming the one expected. */
emb_status emb_tsv_next_row2(emb_tsv *r, const char *h0, const char *h1, int *header, int *have);

/* emb_tsv_next() for a line expected to hold nlead label cells and then n
 * numbers (a row of Z, A, Y): when it does, and every number is a plain
 * decimal the fast parser decides, the numbers are parsed while the line is
 * split, into out[0, n), and *parsed = 1.  Otherwise *parsed = 0 (out may
 * be partly written) and the line is available as after emb_tsv_next() (the
 * caller checks it and calls emb_tsv_numbers(), which gives the same values
 * and the precise errors).  Tab- and comma-separated alike. */
emb_status emb_tsv_next_numbers(emb_tsv *r, size_t nlead, size_t n, double *out, int *have,
                                int *parsed);

/* Make the next emb_tsv_next() return the current line again (one line of
 * look-ahead, for optional rows such as pandas' index-name row). */
void emb_tsv_again(emb_tsv *r);

/* Number of fields of the current line (an empty line has one empty field). */
size_t emb_tsv_nfields(const emb_tsv *r);

/* Is the current line blank (one empty field)? */
int emb_tsv_blank(const emb_tsv *r);

/* Field i (0-based) of the current line, NUL-terminated; "" when i is out of
 * range. */
const char *emb_tsv_field(const emb_tsv *r, size_t i);

/* 1-based number of the current line (0 before the first); for a CSV record
 * that spans several lines, the first of them. */
size_t emb_tsv_lineno(const emb_tsv *r);

/* Display name of the file ("x.zip:Z.txt"). */
const char *emb_tsv_name(const emb_tsv *r);

/* Parse field i as a finite double: the whole field must be a number; empty
 * cells, text, NaN and Inf are EMB_EINPUT naming file, line and column. */
emb_status emb_tsv_number(const emb_tsv *r, size_t i, double *out);

/* Parse fields [first, first + n) into out[0, n), as emb_tsv_number does
 * one field (the same values and messages), without per-call overhead: the
 * importers' hot path. */
emb_status emb_tsv_numbers(const emb_tsv *r, size_t first, size_t n, double *out);

/* Raise `s` with "<file>: line L, column i+1: <fmt...>" (no column when i is
 * EMB_TSV_NOCOL); returns s. */
emb_status emb_tsv_fail(const emb_tsv *r, emb_status s, size_t i, const char *fmt, ...)
    EMB_PRINTF(4, 5);

/* Close the reader and its source; NULL is a no-op. */
void emb_tsv_close(emb_tsv *r);

#endif
