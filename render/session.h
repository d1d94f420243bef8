/* session.h — where the view's trace comes from: a saved trace file, or a
 * live replication of a scenario driven through the engine's public API
 * (salvo.h), including an interactive playthrough.
 *
 * A playthrough is (scenario, seed, --set overrides, choices). The session
 * keeps the choices in order; re-choosing decision k re-simulates from the
 * start with the first k choices scripted (sim_script) and pauses at
 * decision k for the new answer, so the past is reproduced exactly and
 * only the future changes. `version` increases whenever the records
 * change, so the view knows to re-index them.
 *
 * Owns the Scenario, the Sim and the record buffer. SDL-free.
 */
#ifndef SALVO_SESSION_H
#define SALVO_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include "salvo.h"

typedef struct Session Session;

/* Simulate one replication of a scenario (all of it, unless `play`, in
 * which case it runs to the first decision). NULL with diagnostics. */
Session *session_open_scenario(const char *path, const char *const *sets, int nsets, uint64_t seed,
                               int play, Diag *d);
/* Simulate a scenario interactively with the first nchoices decisions
 * answered by `choices` in order (a playthrough's), pausing at any after. */
Session *session_open_scripted(const char *path, uint64_t seed, const int *choices, int nchoices, Diag *d);
/* Replay a saved trace (no engine). */
Session *session_open_trace(const char *path, Diag *d);
/* Reproduce a recorded playthrough (PLAY.json from session_save). With
 * `play`, decisions past the recorded ones are asked of the player. */
Session *session_open_replay(const char *path, int play, Diag *d);
void session_destroy(Session *s);

const TraceHeader *session_header(const Session *s);
const TraceRec *session_records(const Session *s, size_t *n);
uint64_t session_version(const Session *s);
uint64_t session_seed(const Session *s);
/* 1 if the session can re-simulate (it has a scenario). */
int session_live(const Session *s);
/* 1 for an interactive playthrough. */
int session_interactive(const Session *s);
/* The decision waiting for an answer, or NULL. */
const SimDecision *session_pending(const Session *s);
/* How far the simulation has got, in days (the end for a finished run). */
double session_done(const Session *s);
/* The live run's metric values so far (scenario_metric order) into out;
 * -1 for a saved trace. */
int session_metrics(const Session *s, double *out);
/* Answer the pending decision and run on to the next one or the end.
 * 0, or -1 if there is no pending decision or the option is out of range. */
int session_answer(Session *s, int option);
/* Forget the choices made at or after time t and re-simulate to the first
 * decision from there (interactive). Returns the number of choices kept,
 * or -1 if the session cannot re-simulate. */
int session_rewind(Session *s, double t);
/* Start again with another seed (choices are forgotten). -1 if not live. */
int session_reseed(Session *s, uint64_t seed);
/* The choices so far, in order. */
int session_choices(const Session *s, const int **choices);
/* Save the playthrough as JSON; 0, or -1 with a diagnostic. */
int session_save(const Session *s, const char *path, Diag *d);

#endif
