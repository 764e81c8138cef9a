/* src/cli/cli.h — shared pieces of the `embodied` command-line tool: exit
 * codes, error reporting, loading the input table (or the demo), and the
 * warnings every command prints about the data. */
#ifndef EMB_CLI_H
#define EMB_CLI_H

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
/* Print "embodied: <formatted>" and a hint to --help; return EMB_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...);

/* Load the table named by `path`, or the shipped demo table when path is NULL
 * (saying so on stderr); add --group specs; on failure print and return the
 * exit code (0 on success). */
int cli_load_table(const char *path, int flags, const char *const *groups, size_t n_groups,
                   emb_table **out);

/* Path of the demo dataset (datasets/demo.h5) or NULL. */
const char *cli_demo_path(void);

/* Warnings about the data of a computed result (zero-output sectors that
 * emit, negative final demand) on stderr. */
void cli_warn_facts(const emb_table *t, const emb_accounts *a);

/* Resolve --stressor names into indices; all stressors when n_names == 0.
 * Returns 0 or an exit code (message printed). */
int cli_select_stressors(const emb_table *t, const char *const *names, size_t n_names,
                         size_t *idx, size_t *n_idx);

/* emb_progress_fn drawing a bar on stderr when it is a terminal (files over
 * 8 MiB); cli_progress_end() ends a bar left unfinished by an error. */
void cli_progress(void *ctx, const char *what, unsigned long long done, unsigned long long total);
void cli_progress_end(void);

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
 * inside an input folder.  Else 0. */
int cli_check_output(const char *cmd, const char *path, int force);

/* A growable list of option arguments (repeatable options). */
typedef struct cli_list {
    const char **v;
    size_t n, cap;
} cli_list;
int cli_list_push(cli_list *l, const char *s);
void cli_list_free(cli_list *l);

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

#endif
