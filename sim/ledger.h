/* ledger.h — the assumption ledger of a compiled scenario: one row per
 * parameter (and per recorded launch attempt) with its value, range, unit,
 * source and note. The table an analyst pastes into a brief, and proof that
 * every number the model uses is accounted for.
 *
 * Rows come in the scenario's parameter order (file order), then the
 * history of each programme. A row's strings point into the Scenario (or
 * into the row itself), so rows live no longer than the Scenario.
 *
 *   value       the number the model uses: the value, or a distribution's
 *               mean; NAN for a history row (it has no number)
 *   value_text  "3.5", "triangular(2, 3, 6)", "failure (stage 2)"
 *   low, high   the assumption record's `range` when it has one; else a
 *               distribution's bounded support (uniform, triangular,
 *               discrete, bernoulli, beta, binomial; 0 below for the
 *               non-negative kinds); NAN where there is none
 *   unit        from docs/scenario.md: "days", "rounds/day", "probability"
 *   source_*    the source record named by the assumption, NULL if none
 *   note        the assumption's (or attempt's) note, NULL if none
 *
 * Writers: CSV (RFC 4180, a header row, empty cells for missing values;
 * loads in pandas with default settings), Markdown (a pipe table), JSON (an
 * array of objects with null for missing values; the same array the batch
 * summary carries as "assumptions").
 */
#ifndef SALVO_LEDGER_H
#define SALVO_LEDGER_H

#include <stdio.h>
#include "salvo.h"

typedef struct LedgerRow {
    const char *path;
    double value;
    char value_text[160];
    double low, high;
    char unit[80];
    const char *source_id, *source_title, *source_date, *source_url, *source_publisher;
    const char *note;
} LedgerRow;

/* Build the rows; *rows is mem_malloc'ed (free with ledger_destroy). Returns
 * the number of rows, or -1 if memory ran out (*rows is then NULL). */
int ledger_build(const Scenario *s, LedgerRow **rows);
void ledger_destroy(LedgerRow *rows);

/* Write the rows. 0 on success, -1 on a write error. */
int ledger_write_csv(const LedgerRow *rows, int n, FILE *f);
int ledger_write_markdown(const LedgerRow *rows, int n, FILE *f);
int ledger_write_json(const LedgerRow *rows, int n, FILE *f);
/* The rows as a cJSON array (a `struct cJSON *`, declared opaquely here so
 * that including this header needs no cJSON); NULL if memory ran out. */
struct cJSON *ledger_to_cjson(const LedgerRow *rows, int n);

#endif
