/* outpath.h — output-path safety, checked once per command before any work.
 *
 * Every subcommand calls outpath_check_all right after its arguments are
 * parsed, with its input files (scenarios, playthroughs) and its output
 * files (--json, --csv, --checkpoint, --trace ...). It refuses, with a
 * message naming the option and the path, and the caller exits 2:
 *   - an output that is the same file as an input, or as another output
 *     (same device and inode, or the same resolved path for new files);
 *   - an existing directory, socket or block device;
 *   - a new path whose directory is missing or not writable;
 *   - a name that the temporary suffix (sim/afile.h) would make too long.
 * Character devices (/dev/null, a terminal), FIFOs and "-" (standard
 * output) are accepted: sim/afile.c writes them in place. Two outputs to the
 * same character device (both to /dev/null) are allowed: nothing is
 * replaced, so nothing is lost.
 *
 * outpath_close_stdout is called once before a command returns: a write
 * error on standard output (a full disk behind `> file`) must not exit 0.
 */
#ifndef SALVO_OUTPATH_H
#define SALVO_OUTPATH_H

typedef struct OutPath {
    const char *opt;    /* the option, for the message: "--json" */
    const char *path;   /* NULL: not given (skipped) */
} OutPath;

/* 0 if every output is safe to write; -1 after printing why not. */
int outpath_check_all(const char *const *inputs, int n_in, const OutPath *outs, int n_out);

/* Flush standard output and check for errors. Returns rc unchanged if all is
 * well; 1 (after a message) if anything written to stdout was lost and rc
 * was 0. */
int outpath_close_stdout(int rc);

#endif
