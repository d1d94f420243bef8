/* test_ledger.c — the assumption ledger (`salvo assumptions`, and the
 * "assumptions" array of the batch summary): exact rows for a small
 * hand-written scenario, the three file formats, CSV that pandas loads
 * with default settings, and the command's exit codes. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "ledger.h"
#include "salvo.h"
#include "testutil.h"


/* Every kind of row: a constant, a distribution with a range, a source with
 * every field (a comma and a quote in its title, for the CSV), a default
 * parameter, a probability, a unit taken from a resource, an effect
 * operand, and a launch history with a note. (A route's absent `return`
 * and a programme's absent `ceiling` are the same parameters as `transit`
 * and `base`, so they have no rows of their own.) */
static const char LEDGER_SCENARIO[] =
    "{\"salvo\": 1, \"name\": \"ledger\", \"calendar\": {\"start\": \"2024-01-01\", \"end\": \"2024-06-01\"},\n"
    " \"sources\": [{\"id\": \"port-log\", \"title\": \"Port log, \\\"Rajin\\\", 2024\", \"date\": \"2024-10-01\",\n"
    "               \"url\": \"https://example.org/log\", \"publisher\": \"Harbour office\", \"note\": \"daily entries\"}],\n"
    " \"actors\": [{\"id\": \"a\"}],\n"
    " \"resources\": [{\"id\": \"shells\", \"unit\": \"rounds\"}],\n"
    " \"places\": [{\"id\": \"p\", \"kind\": \"port\", \"lat\": 42, \"lon\": 130},\n"
    "            {\"id\": \"q\", \"kind\": \"depot\", \"lat\": 43, \"lon\": 132},\n"
    "            {\"id\": \"site\", \"kind\": \"launch-site\", \"lat\": 39, \"lon\": 124}],\n"
    " \"stocks\": [{\"id\": \"src\", \"place\": \"p\", \"resource\": \"shells\", \"initial\": 500},\n"
    "            {\"id\": \"dst\", \"place\": \"q\", \"resource\": \"shells\"}],\n"
    " \"routes\": [{\"id\": \"r\", \"mode\": \"sea\", \"from\": \"src\", \"to\": \"dst\",\n"
    "             \"transit\": {\"value\": {\"dist\": \"triangular\", \"lo\": 2, \"mode\": 3, \"hi\": 6}, \"range\": [2, 5],\n"
    "                         \"source\": \"port-log\", \"note\": \"two to six days, usually three\"},\n"
    "             \"loss\": 0.01, \"carriers\": [{\"id\": \"c\", \"containers\": 100}]}],\n"
    " \"programmes\": [{\"id\": \"sat\", \"actor\": \"a\", \"site\": \"site\", \"base\": 0.4,\n"
    "                 \"history\": [{\"date\": \"2024-02-01\", \"outcome\": \"failure\", \"stage\": 2, \"note\": \"second stage\"}]}],\n"
    " \"events\": [{\"id\": \"strike\", \"at\": \"2024-03-01\", \"effects\": [{\"scale\": \"routes.r.loss\", \"by\": 3}]}],\n"
    " \"metrics\": [{\"id\": \"d\", \"total\": \"delivered.shells\"}]}\n";

static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static const char *nz(const char *s) { return s ? s : "(null)"; }

START_TEST(test_rows_exact)
{
    Scenario *s = load_scenario(LEDGER_SCENARIO);
    LedgerRow *rows;
    int n = ledger_build(s, &rows);
    struct {
        const char *path; double value; const char *text; double lo, hi; const char *unit;
        const char *src; const char *note;
    } want[] = {
        { "stocks.src.initial", 500, "500", NAN, NAN, "rounds", NULL, NULL },
        { "stocks.dst.initial", 0, "0", NAN, NAN, "rounds", NULL, NULL },
        { "routes.r.container", 1, "1", NAN, NAN, "rounds per container", NULL, NULL },
        { "routes.r.transit", 11.0 / 3, "triangular(2, 3, 6)", 2, 5, "days", "port-log", "two to six days, usually three" },
        { "routes.r.loss", 0.01, "0.01", NAN, NAN, "probability", NULL, NULL },
        { "routes.r.dud", 0, "0", NAN, NAN, "fraction", NULL, NULL },
        { "routes.r.carriers.c.containers", 100, "100", NAN, NAN, "containers", NULL, NULL },
        { "programmes.sat.base", 0.4, "0.4", NAN, NAN, "probability", NULL, NULL },
        { "programmes.sat.growth", 0, "0", NAN, NAN, "fraction", NULL, NULL },
        { "events.strike.effects[0].by", 3, "3", NAN, NAN, "factor", NULL, NULL },
        { "programmes.sat.history[0]", NAN, "failure on 2024-02-01 (stage 2)", NAN, NAN, "launch attempt", NULL, "second stage" },
    };
    int nw = (int)(sizeof want / sizeof want[0]);
    ck_assert_int_eq(n, nw);
    for (int i = 0; i < nw; i++) {
        const LedgerRow *r = &rows[i];
        ck_assert_str_eq(r->path, want[i].path);
        ck_assert_msg(fabs(r->value - want[i].value) < 1e-12 || same(r->value, want[i].value), "%s: value %.17g",
                      r->path, r->value);
        ck_assert_str_eq(r->value_text, want[i].text);
        ck_assert_msg(same(r->low, want[i].lo) && same(r->high, want[i].hi), "%s: range %g %g", r->path, r->low, r->high);
        ck_assert_str_eq(r->unit, want[i].unit);
        ck_assert_msg(!strcmp(nz(r->source_id), nz(want[i].src)), "%s: source %s", r->path, nz(r->source_id));
        ck_assert_msg(!strcmp(nz(r->note), nz(want[i].note)), "%s: note %s", r->path, nz(r->note));
    }
    const LedgerRow *t = &rows[3];
    ck_assert_str_eq(t->source_title, "Port log, \"Rajin\", 2024");
    ck_assert_str_eq(t->source_date, "2024-10-01");
    ck_assert_str_eq(t->source_url, "https://example.org/log");
    ck_assert_str_eq(t->source_publisher, "Harbour office");
    ledger_destroy(rows);
    scenario_destroy(s);
}
END_TEST

START_TEST(test_csv_and_json_text)
{
    Scenario *s = load_scenario(LEDGER_SCENARIO);
    LedgerRow *rows;
    int n = ledger_build(s, &rows);
    FILE *f = fopen(tmp("l.csv"), "wb");
    ck_assert_int_eq(ledger_write_csv(rows, n, f), 0);
    fclose(f);
    f = fopen(tmp("l.json"), "wb");
    ck_assert_int_eq(ledger_write_json(rows, n, f), 0);
    fclose(f);
    char *csv = slurp(tmp("l.csv"));
    ck_assert_ptr_nonnull(strstr(csv, "path,value,value_text,low,high,unit,source_id,source_title,source_date,"
                                      "source_url,source_publisher,note\r\n"));
    ck_assert_ptr_nonnull(strstr(csv, "\r\nroutes.r.transit,3.6666666666666665,\"triangular(2, 3, 6)\",2,5,days,"
                                      "port-log,\"Port log, \"\"Rajin\"\", 2024\",2024-10-01,https://example.org/log,"
                                      "Harbour office,\"two to six days, usually three\"\r\n"));
    ck_assert_ptr_nonnull(strstr(csv, "\r\nstocks.dst.initial,0,0,,,rounds,,,,,,\r\n"));
    ck_assert_ptr_nonnull(strstr(csv, "\r\nprogrammes.sat.history[0],,failure on 2024-02-01 (stage 2),,,launch attempt,,,,,,second stage\r\n"));
    char *js = slurp(tmp("l.json"));
    /* cJSON's layout: tabs, one key per line. */
    ck_assert_ptr_nonnull(strstr(js, "\"path\":\t\"routes.r.transit\",\n\t\t\"value\":\t3.6666666666666665,\n"
                                     "\t\t\"value_text\":\t\"triangular(2, 3, 6)\",\n\t\t\"low\":\t2,\n\t\t\"high\":\t5,\n"
                                     "\t\t\"unit\":\t\"days\",\n\t\t\"source\":\t{\n\t\t\t\"id\":\t\"port-log\",\n"
                                     "\t\t\t\"title\":\t\"Port log, \\\"Rajin\\\", 2024\",\n\t\t\t\"date\":\t\"2024-10-01\",\n"
                                     "\t\t\t\"url\":\t\"https://example.org/log\",\n\t\t\t\"publisher\":\t\"Harbour office\"\n"
                                     "\t\t},\n\t\t\"note\":\t\"two to six days, usually three\""));
    ck_assert_ptr_nonnull(strstr(js, "\"path\":\t\"stocks.dst.initial\",\n\t\t\"value\":\t0,\n\t\t\"value_text\":\t\"0\",\n"
                                     "\t\t\"low\":\tnull,\n\t\t\"high\":\tnull,\n\t\t\"unit\":\t\"rounds\",\n"
                                     "\t\t\"source\":\tnull,\n\t\t\"note\":\tnull"));
    free(csv);
    free(js);
    ledger_destroy(rows);
    scenario_destroy(s);
}
END_TEST

START_TEST(test_cli_outputs_and_pandas)
{
    FILE *f = fopen(tmp("s.json"), "wb");
    fputs(LEDGER_SCENARIO, f);
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s assumptions %s --csv %s --markdown %s --json %s", salvo_bin(), tmp("s.json"),
             tmp("a.csv"), tmp("a.md"), tmp("a.json"));
    ck_assert_int_eq(sh(cmd), 0);
    char *md = slurp(tmp("a.md"));
    ck_assert_ptr_nonnull(md);
    ck_assert_ptr_nonnull(strstr(md, "| `routes.r.transit` | triangular(2, 3, 6) (mean 3.666666667) | 2 – 5 | days | "
                                     "[Port log, \"Rajin\", 2024](https://example.org/log), Harbour office, 2024-10-01 | "
                                     "two to six days, usually three |\n"));
    free(md);
    /* pandas, default settings: 13 rows, the columns, the numbers. */
    if (sh("/usr/bin/python3 -c 'import pandas' 2>/dev/null") != 0) {
        fprintf(stderr, "test_ledger: pandas check skipped: python3-pandas is not installed\n");
    } else {
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c \"import pandas as pd, math\n"
                 "d = pd.read_csv('%s')\n"
                 "assert len(d) == 11, len(d)\n"
                 "assert list(d.columns)[:6] == ['path','value','value_text','low','high','unit'], list(d.columns)\n"
                 "t = d[d.path == 'routes.r.transit'].iloc[0]\n"
                 "assert abs(t.value - 11/3) < 1e-12 and t.low == 2 and t.high == 5, t\n"
                 "assert t.source_title == 'Port log, \\\"Rajin\\\", 2024', t.source_title\n"
                 "assert t.note == 'two to six days, usually three'\n"
                 "assert math.isnan(d[d.path == 'stocks.dst.initial'].iloc[0].low)\n"
                 "\"",
                 tmp("a.csv"));
        ck_assert_int_eq(sh(cmd), 0);
    }
    /* Bad input: exit 2 with the loader's message; no output option: Markdown on stdout. */
    snprintf(cmd, sizeof cmd, "%s assumptions /nonexistent.json 2>/dev/null", salvo_bin());
    ck_assert_int_eq(sh(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s assumptions %s --csv /nonexistent-dir/x.csv 2>/dev/null", salvo_bin(), tmp("s.json"));
    ck_assert_int_eq(sh(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s assumptions %s --bogus 2>/dev/null", salvo_bin(), tmp("s.json"));
    ck_assert_int_eq(sh(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s assumptions %s > %s", salvo_bin(), tmp("s.json"), tmp("out.md"));
    ck_assert_int_eq(sh(cmd), 0);
    md = slurp(tmp("out.md"));
    ck_assert_ptr_nonnull(strstr(md, "| `programmes.sat.history[0]` | failure on 2024-02-01 (stage 2) |  | launch attempt |  | second stage |\n"));
    free(md);
    /* The batch summary carries the same rows. */
    snprintf(cmd, sizeof cmd, "%s batch %s --runs 4 --json %s > /dev/null", salvo_bin(), tmp("s.json"), tmp("sum.json"));
    ck_assert_int_eq(sh(cmd), 0);
    char *sum = slurp(tmp("sum.json"));
    ck_assert_ptr_nonnull(strstr(sum, "\"assumptions\":\t[{"));
    ck_assert_ptr_nonnull(strstr(sum, "\"path\":\t\"routes.r.transit\",\n\t\t\t\"value\":\t3.6666666666666665,\n"
                                      "\t\t\t\"value_text\":\t\"triangular(2, 3, 6)\",\n\t\t\t\"low\":\t2,\n\t\t\t\"high\":\t5,"));
    free(sum);
}
END_TEST

Suite *suite_ledger(void)
{
    Suite *s = suite_create("ledger");
    TCASE(s, "rows", 60, SCRATCH, test_rows_exact, test_csv_and_json_text, test_cli_outputs_and_pandas);
    return s;
}
