/* src/cli/cli.h — shared pieces of the `embodied` command-line tool: exit
 * codes, error reporting, loading the input table (or the demo), and the
 * warnings every command prints about the data. */
#ifndef EMB_CLI_H
#define EMB_CLI_H

#include <signal.h>
#include <stdio.h>

#include "embodied/embodied.h"

/* Exit codes (README "Exit codes"). */
enum {
    EMB_EXIT_OK = 0,
    EMB_EXIT_INTERNAL = 1,
    EMB_EXIT_USAGE = 2,
    EMB_EXIT_INPUT = 3,
    EMB_EXIT_NUMERIC = 4,
    EMB_EXIT_IO = 5,
    EMB_EXIT_NOMEM = 6,
    EMB_EXIT_INTERRUPTED = 130 /* 128 + SIGINT, as a shell reports a process killed by Ctrl-C */
};

/* Print "embodied: <message>" for status st and return its exit code. */
int cli_fail(emb_status st);
/* Print the one line "embodied CMD: <formatted>; try 'embodied CMD --help'"
 * ("embodied: <formatted>; try 'embodied --help'" when cmd is "", the
 * command itself; without the hint when NULL, a setting of no subcommand);
 * return EMB_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...);

/* The one-line usage error for what getopt_long returned as c ('?': an
 * unknown or ambiguous option, or an argument given to an option that takes
 * none; ':': a missing argument, optstrings start with ':'), naming the
 * option as typed; returns EMB_EXIT_USAGE.  main() sets opterr = 0, so
 * getopt itself prints nothing. */
struct option;
int cli_option_error(const char *cmd, int c, int argc, char **argv, const struct option *opts);

/* Load the table named by `path`, or the shipped demo table when path is NULL
 * (saying so on stderr); add --group specs; on failure print and return the
 * exit code (0 on success). */
int cli_load_table(const char *path, int flags, const char *const *groups, size_t n_groups,
                   emb_table **out);

/* The damaged-file probe of cli_load_table for n tables at once, in one
 * child process (a batch): why[i] = a malloc'd message for each table whose
 * reading crashed or hung the HDF5 library, else NULL (paths[i] NULL:
 * not probed); N[i] (N may be NULL) = the table's N when it was read, else 0
 * (also when the probe is off).  Returns 0 or the usage exit code (message
 * printed). */
int cli_probe_h5_many(const char *const *paths, size_t n, char **why, size_t *N);

/* Path of the demo dataset (datasets/demo.h5) or NULL. */
const char *cli_demo_path(void);

/* Warnings about the data of a computed result (zero-output sectors that
 * emit, negative final demand) on stderr. */
void cli_warn_facts(const emb_table *t, const emb_accounts *a);

/* Resolve --stressor names into indices (names forgive: case, a unique
 * prefix or substring, emb_table_find_stressor); all stressors when
 * n_names == 0.  Returns 0 or an exit code (message printed). */
int cli_select_stressors(const emb_table *t, const char *const *names, size_t n_names,
                         size_t *idx, size_t *n_idx);

/* --stressor PATTERNs (src/cli/cli_stressors.c) into the table's stressor
 * indices idx[] (room for t->k), in table order, each once.  A pattern with
 * '*' or '?' is a glob (fnmatch; case-insensitive only when the
 * case-sensitive glob matches nothing); otherwise the one rule of every
 * stressor name, emb_table_find_stressor (exact, trailing '/'-components,
 * ignoring case, a unique prefix or substring; unknown or ambiguous names
 * are usage errors naming the closest or the candidates).  Returns 0 or the
 * exit code (printed, one line). */
int cli_match_stressors(const char *cmd, const emb_table *t, const char *const *patterns,
                        size_t n_patterns, size_t *idx, size_t *n_idx);

/* emb_progress_fn drawing a bar on stderr when it is a terminal (files over
 * 8 MiB); cli_progress_end() ends a bar left unfinished by an error. */
void cli_progress(void *ctx, const char *what, unsigned long long done, unsigned long long total);
void cli_progress_end(void);

/* Phases of long work on a terminal (src/cli/progress.c): the context to
 * pass to the library's calls (its progress callback draws the phases;
 * NULL when stderr is not a terminal, so nothing is drawn), created on the
 * first call; cli_phase_begin/end announce the CLI's own phases (reading
 * the table, writing results); no-ops without a context. */
const emb_context *cli_progress_context(void);
const emb_context *cli_progress_context_if_any(void); /* the context, never creating it */
void cli_phase_begin(const char *what);
void cli_phase_end(void);

/* The solver options shared by accounts and flows: add CLI_SOLVER_LONGOPTS to
 * the getopt_long table, pass unknown codes to cli_solver_option (0: handled,
 * -1: not a solver option, else an exit code, message printed), and report
 * with cli_report_solver after the computation. */
enum { CLI_OPT_SOLVER = 400, CLI_OPT_EXPLAIN, CLI_OPT_MAX_MEMORY };
#define CLI_SOLVER_LONGOPTS                                                                        \
    {"solver", required_argument, NULL, CLI_OPT_SOLVER},                                          \
        {"explain", no_argument, NULL, CLI_OPT_EXPLAIN},                                          \
        {"max-memory", required_argument, NULL, CLI_OPT_MAX_MEMORY}
#define CLI_SOLVER_HELP                                                                            \
    "      --solver METHOD     dense, mixed (float LU + refinement in double), sparse or\n"       \
    "                          auto (default: picks from N, storage and memory)\n"                \
    "      --explain           say which solver ran and why, refinement steps, fallbacks\n"       \
    CLI_MEMORY_HELP
int cli_solver_option(const char *cmd, int code, const char *arg, emb_solver_opts *so,
                      int *explain);

/* --max-memory SIZE, on every subcommand that loads or builds a table: sets
 * the process-wide limit (embodied/memory.h) that every allocation plan is
 * checked against before work starts.  cli_memory_option returns 0 or the
 * usage exit code (message printed). */
#define CLI_MEMORY_HELP                                                                            \
    "      --max-memory SIZE   refuse, before starting, work whose memory plan (reading or\n"    \
    "                          importing the table, generating it, the solver's factor, the\n"  \
    "                          results) exceeds SIZE, e.g. 8G or 512M (K, M, G, T: powers of\n" \
    "                          1024; default: the machine's physical memory); exit status 6\n"
int cli_memory_option(const char *cmd, const char *arg);
void cli_report_solver(const emb_solver_stats *ss, int explain);

/* Note an input of the running command (a table file, an import folder or
 * file; NULL: the demo table), so that no output can be that same file or
 * lie inside that folder (cli_check_output). */
void cli_note_input(const char *path);

/* Before any work, refuse (printing the one-line message and a hint,
 * returning EMB_EXIT_USAGE) an output that: exists, without force; exists and
 * is not a regular file (a device, a FIFO, a symbolic link: only regular
 * files are ever replaced, even with force); is an input noted with
 * cli_note_input (same device and inode, not compared by name) or lies
 * inside an input folder; is empty (usage); is a directory, or lies in a
 * missing or unwritable directory (EMB_EXIT_IO, the message the writer would
 * give after the work).  Else 0. */
int cli_check_output(const char *cmd, const char *path, int force);

/* --csv DIR before any work: an empty name (usage); the input or a folder
 * holding it; emb_results_check_csv_dir (a file, a link, a folder holding
 * other files, a missing or unwritable parent: I/O); a folder with earlier
 * results without force (usage).  0 or the exit code, message printed. */
int cli_check_csv_dir(const char *cmd, const char *dir, int force);
/* An existing folder that a command writes files into (report --svg DIR):
 * an empty name (usage), missing, not a folder, not writable (I/O); 0 when
 * dir is NULL or fine. */
int cli_check_output_dir(const char *cmd, const char *opt, const char *dir);

/* Before the work of a command whose outputs will take at least `bytes`
 * (a lower bound: the values alone) in the filesystems of out_file and
 * out_dir (either may be NULL): refuse, with EMB_EXIT_IO and a line naming
 * the location, the free space and the estimate, when the filesystem has
 * less free space than that (statvfs; skipped where it fails). */
int cli_check_space(const char *out_file, double file_bytes, const char *out_dir,
                    double dir_bytes);

/* An output file and an output folder of one command that are the same
 * name, or the file inside the folder (replaced as a whole): usage error. */
int cli_check_distinct(const char *cmd, const char *file, const char *dir);

/* Every subcommand runs inside an output set (main.c): its files are
 * renamed into place together when it returns 0.  A command that prints
 * results on stdout after writing files commits them first with this (0,
 * or the exit code, message printed), so that a closed stdout cannot cost
 * the files. */
int cli_commit_outputs(void);

/* Set by the CLI's signal handler (main.c): the signal that interrupted the
 * run, 0 if none. */
extern volatile sig_atomic_t cli_caught_signal;

/* An input that exists and is neither a regular file nor a folder (a FIFO,
 * a device, a socket: opening it would block or never end): the one-line
 * message naming it and EMB_EXIT_INPUT; else 0. */
int cli_check_input_type(const char *path, const char *what);

/* A growable list of option arguments (repeatable options). */
typedef struct cli_list {
    const char **v;
    size_t n, cap;
} cli_list;
int cli_list_push(cli_list *l, const char *s);
void cli_list_free(cli_list *l);

/* --groups FILE|NAME (accounts, flows, spa, cbam, sda; src/cli/cli_groups.c):
 * add the groups of each CSV file 'group,member', or, for a bare NAME that
 * is no file, of the shipped file datasets/groups/NAME_<database>.csv whose
 * members are all regions of t (saying which on stderr).  0 or an exit code
 * (message printed). */
int cli_add_group_files(emb_table *t, const char *cmd, const char *const *files, size_t n);
/* The shipped group files' directory (EMBODIED_GROUPS_DIR, else found as the
 * demo table is), or NULL. */
const char *cli_groups_dir(void);

/* Results files as input (src/cli/cli_results.c): 1 when path is a results
 * file (emb_results_probe, in a child process); cli_load_results reads it
 * (nothing is solved), adds --group specs and --groups files (their
 * accounts: sums over members) and says on stderr that the numbers are read
 * from the results file.  0 or an exit code (message printed). */
int cli_is_results_file(const char *path);
int cli_load_results(const char *cmd, const char *path, const char *const *groups, size_t n_groups,
                     const char *const *group_files, size_t n_group_files, emb_table **t,
                     emb_accounts **a);

/* MPI for the scalapack solver (src/cli/cli_mpi.c): cli_mpi_start
 * initialises MPI when the process was started by a launcher or asks for
 * --solver scalapack (0, or an exit code with the message printed);
 * cli_mpi_end finalises it (every exit path of main).  cli_mpi_quiet_others
 * silences stdout and stderr on ranks other than 0 (rank 0 reports for all);
 * cli_mpi_load_table is cli_load_table with the ranks' agreement on the
 * outcome (one message, naming the failing rank; the same exit code on
 * every rank). */
int cli_mpi_start(int *argc, char ***argv);
void cli_mpi_end(void);
void cli_mpi_quiet_others(void);
int cli_mpi_load_table(const char *path, const char *const *groups, size_t n_groups,
                       emb_table **out);

int cmd_info(int argc, char **argv);
int cmd_accounts(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_cbam(int argc, char **argv);
int cmd_spa(int argc, char **argv);
int cmd_sda(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_characterize(int argc, char **argv);
int cmd_batch(int argc, char **argv);

#endif
