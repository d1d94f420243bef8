/* scenario.c — read-only accessors of a compiled Scenario (see salvo.h). */
#include <string.h>
#include "scenario_int.h"

const char *scenario_name(const Scenario *s) { return s->name; }
const char *scenario_title(const Scenario *s) { return s->title; }
const char *scenario_description(const Scenario *s) { return s->description; }
const char *scenario_briefing(const Scenario *s) { return s->briefing; }
const char *scenario_sha256(const Scenario *s) { return s->sha256; }
int64_t scenario_start(const Scenario *s) { return s->start; }
double scenario_end(const Scenario *s) { return s->end; }
int scenario_metric_count(const Scenario *s) { return s->nmetrics; }

const MetricInfo *scenario_metric(const Scenario *s, int i)
{
    return i >= 0 && i < s->nmetrics ? &s->metrics[i].info : NULL;
}

int scenario_metric_find(const Scenario *s, const char *id)
{
    for (int i = 0; i < s->nmetrics; i++)
        if (!strcmp(s->metrics[i].info.id, id)) return i;
    return -1;
}

int scenario_assumption_count(const Scenario *s) { return s->nassumptions; }

const Assumption *scenario_assumption(const Scenario *s, int i)
{
    return i >= 0 && i < s->nassumptions ? &s->assumptions[i] : NULL;
}

int scenario_observation_count(const Scenario *s) { return s->nobs; }

const Observation *scenario_observation(const Scenario *s, int i)
{
    return i >= 0 && i < s->nobs ? &s->obs[i].info : NULL;
}

int scenario_batch_uncertainty(const Scenario *s) { return s->batch_uncertainty; }

const TraceHeader *scenario_trace_header(const Scenario *s) { return &s->header; }
