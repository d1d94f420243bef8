/* salvo.h — the engine's public API: compiled scenarios and replications.
 *
 *   Scenario  built once by the loader from a JSON file (plus optional
 *             --set overrides, applied to the document before validation,
 *             so an override is checked exactly like the file). Immutable;
 *             shared read-only by any number of Sims and threads.
 *   Sim       one replication: clock, event queue, random streams and model
 *             state. Create once per worker thread, then reset per
 *             replication; a reset allocates nothing in steady state.
 *
 * Replication r of seed S draws only from streams keyed by (S, r, component
 * name, purpose), so results never depend on threads, ranks or order.
 *
 * Metrics are declared by the scenario. Each yields one scalar per
 * replication (sim_metrics); LEVEL metrics also yield a series sampled on a
 * regular grid (sim_series). A TIME metric that never happened is
 * SALVO_NEVER (+infinity); a FLAG is 0 or 1.
 */
#ifndef SALVO_SALVO_H
#define SALVO_SALVO_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "diag.h"
#include "trace.h"

#define SALVO_NEVER INFINITY

typedef struct Scenario Scenario;
typedef struct Sim Sim;

typedef enum MetricKind {
    MET_TOTAL,   /* an accumulated amount (delivered, lost, consumed, shortfall, count) */
    MET_TIME,    /* day of first occurrence, or SALVO_NEVER */
    MET_FLAG,    /* 1 if something happened by a date, else 0 */
    MET_LEVEL    /* a level sampled on a grid; scalar = level at the end */
} MetricKind;

typedef struct MetricInfo {
    const char *id;         /* e.g. "shells_delivered" */
    const char *label;      /* human words */
    const char *unit;       /* "rounds", "days", "" */
    MetricKind kind;
    int better;             /* +1 higher is better for the scenario's main actor, -1 lower, 0 neither */
    int series_len;         /* LEVEL: grid points; else 0 */
    double series_t0, series_dt; /* LEVEL: grid start and step, days */
    int whole;              /* values are whole numbers: counts (voyages, launches, troops, events) and flags */
} MetricInfo;

/* A parameter's assumption record: value, plausible range and source. */
typedef struct Assumption {
    const char *path;       /* the --set / --vary path, e.g. "routes.rajin-vostochny.loss" */
    double value, lo, hi;   /* lo == hi when no range was given */
    const char *source;     /* source id, "" if none */
    const char *source_title;
    const char *note;
} Assumption;

/* A dated figure from the public record (a scenario's `observations`),
 * compared with the model in every batch (docs/validation.md). */
typedef struct Observation {
    const char *id;
    const char *date;       /* "YYYY-MM-DD" */
    double t;               /* when it is sampled, days from the start: the end of `date` */
    double low, high;       /* the record's range (low <= high); its midpoint is the value */
    const char *unit;       /* "" if none */
    const char *source;     /* source id */
    const char *note;       /* "" if none */
    const char *metric;     /* the LEVEL metric whose chart it belongs on, else its own id */
    int held_out;           /* kept out of any fit; reported apart */
    int whole;              /* the quantity is a whole number (a count, or a sum of counts) */
} Observation;

/* --- scenarios --------------------------------------------------------- */

/* Load, validate and compile. `sets` are "PATH=VALUE" overrides. On any
 * problem returns NULL; every problem found is in d (FILE:LINE:COL). */
Scenario *scenario_load(const char *path, const char *const *sets, int nsets, Diag *d);
/* The same from a buffer; `name` is used in messages. */
Scenario *scenario_load_buffer(const char *name, const char *text, size_t len,
                               const char *const *sets, int nsets, Diag *d);
void scenario_destroy(Scenario *s);

const char *scenario_name(const Scenario *s);
const char *scenario_title(const Scenario *s);
const char *scenario_description(const Scenario *s);
const char *scenario_briefing(const Scenario *s);      /* text for a student before a run */
const char *scenario_sha256(const Scenario *s);     /* of the file's bytes */
int64_t scenario_start(const Scenario *s);          /* epoch day of t = 0 */
double scenario_end(const Scenario *s);             /* days simulated */
int scenario_metric_count(const Scenario *s);
const MetricInfo *scenario_metric(const Scenario *s, int i);
int scenario_metric_find(const Scenario *s, const char *id); /* -1 if none */
int scenario_assumption_count(const Scenario *s);
const Assumption *scenario_assumption(const Scenario *s, int i);
int scenario_observation_count(const Scenario *s);
const Observation *scenario_observation(const Scenario *s, int i);  /* NULL if out of range */
/* The scenario's `batch.uncertainty`: 1 if its batch default draws the
 * ranged assumptions in every replication. */
int scenario_batch_uncertainty(const Scenario *s);
/* The header a trace of this scenario carries (owned by the scenario;
 * seed field left 0 — set it on a copy). */
const TraceHeader *scenario_trace_header(const Scenario *s);

/* --- replications ------------------------------------------------------ */

typedef enum SimStatus {
    SIM_DONE,       /* reached `until` or the scenario's end */
    SIM_DECISION,   /* paused: a decision awaits sim_answer() (interactive mode) */
    SIM_HALTED      /* stopped for good by an event limit (an event storm, or more events
                     * pending than the queue holds) or by memory running out: see sim_halted() */
} SimStatus;

/* Events one replication may dispatch before it is halted (SIM_HALTED),
 * unless the scenario sets "limits": {"events": N}; the shipped scenarios
 * take about 2,000. The default keeps `batch --runs 50` of an event storm
 * well under a minute (~0.05 s per million simple events). Also halted:
 * more than 1,000,000 events at one instant. See docs/scenario.md, Limits. */
#define SIM_MAX_EVENTS 5000000u
/* The most a scenario's "limits": {"events": N} may ask for. */
#define SIM_MAX_EVENTS_CEILING 1000000000000ull

typedef struct SimDecision {
    int decision;               /* index into the header's decisions */
    const char *id, *name;
    int actor;
    int noptions;
    const char *const *options;
    double t;
} SimDecision;

/* NULL if memory ran out. */
Sim *sim_create(const Scenario *s);
void sim_destroy(Sim *sim);
/* Start replication `rep` of base seed `seed` at t = 0. Keeps the sink and
 * the interactive setting; clears scripted answers. 0 on success; -1 if the
 * first events could not be scheduled (out of memory, or more than the
 * event queue holds), and then sim_run returns SIM_HALTED and sim_halted()
 * says why. */
int sim_reset(Sim *sim, uint64_t seed, uint64_t rep);
/* Where trace records go; NULL for nowhere (the fastest). */
void sim_set_sink(Sim *sim, const TraceSink *sink);
/* Interactive: decisions pause the run (SIM_DECISION) instead of asking the
 * scenario's policy. */
void sim_set_interactive(Sim *sim, int on);
/* Parametric uncertainty: at each reset, every assumption with a range has
 * its value (a distribution's mean) drawn from triangular(lo, value, hi),
 * from its own keyed stream. Off by default. Takes effect at the next reset. */
void sim_set_uncertainty(Sim *sim, int on);
/* Scripted answers: the first n decisions taken get these options, in order
 * (a playthrough's recorded choices). Call after sim_reset. */
void sim_script(Sim *sim, const int *answers, int n);
/* Advance until day `until` (clamped to the scenario's end), a pause, or a
 * halt. After a halt the clock stays at the halting instant, metrics and
 * series are as of then, a trace ends there with END, and every later call
 * returns SIM_HALTED until sim_reset. */
/* Scripted by decision: option[d] (scenario_trace_header's decision order)
 * answers decision d whenever it comes up, -1 leaves it to the rest (the
 * positional script, the person, or the policy). The array (one per
 * decision) is the caller's and must outlive the run. Call after sim_reset. */
void sim_script_decisions(Sim *sim, const int *option);
SimStatus sim_run(Sim *sim, double until);
/* Why this replication was halted, in words with the day; NULL if it was not. */
const char *sim_halted(const Sim *sim);
/* Change this Sim's event limit per replication (0: back to SIM_MAX_EVENTS). */
void sim_set_event_limit(Sim *sim, uint64_t max);
/* Clone: make dst (a Sim of the same scenario) an exact copy of src as it
 * stands — clock, pending events, stocks, carriers, treaties, programmes,
 * conditions' planned crossings, random streams, choices, metrics so far,
 * a pending decision, the interactive and scripted settings — so running
 * dst gives what running src would, to the bit. dst keeps its own sink.
 * Allocates nothing once dst has held a clone of a run as big (a fan
 * reuses one dst). 0 on success; -1 if memory ran out (dst is then halted
 * until sim_reset). */
int sim_clone(Sim *dst, const Sim *src);
/* Fork: sim_clone, then every random stream continues on a fresh stream
 * keyed by (fork, future) on top of its usual key (docs/models.md, Forks).
 * Draws already made stay made. Future j of fork f is the same whatever
 * thread runs it and whatever option is then answered (common random
 * numbers across a decision's options). sim_reset ends the fork. */
int sim_fork(Sim *dst, const Sim *src, uint64_t fork, uint64_t future);
const SimDecision *sim_pending(const Sim *sim);
/* Answer the pending decision; 0 on success, -1 if none or out of range. */
int sim_answer(Sim *sim, int option);
double sim_now(const Sim *sim);
const Scenario *sim_scenario(const Sim *sim);  /* the scenario it runs */
uint64_t sim_events(const Sim *sim);        /* events dispatched this replication */
/* Metric scalars for this replication: scenario_metric_count() values. */
void sim_metrics(const Sim *sim, double *out);
/* LEVEL metric i's series (series_len values), NULL for other kinds. */
const double *sim_series(const Sim *sim, int metric);
/* The scenario's observations as this replication saw them, one value per
 * observation (scenario_observation order), each sampled at its `t`; NAN
 * for one whose date the run has not reached. */
const double *sim_observations(const Sim *sim);
/* Assumption a's current value in this replication (a distribution's
 * mean): right after sim_reset, the value drawn under sim_set_uncertainty
 * (else the scenario's); later, as effects have left it. */
double sim_assumption_value(const Sim *sim, int a);
/* The choices taken so far (by policy, script or person), in order. */
int sim_choices(const Sim *sim, const int **choices);

#endif
