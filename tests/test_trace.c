/* test_trace.c — trace records: names, the buffer sink, the JSON Lines
 * writer (byte-identical output) and the reader (round trip, and a clear
 * FILE:LINE:COL diagnostic for every kind of bad file). */
#include <check.h>
#include "testutil.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mem.h"
#include "trace.h"


#define SAMPLE "tests/data/sample.jsonl"
#define SAMPLE_V1 "tests/data/sample-v1.jsonl"   /* the same trace in format 1 */


static void spill(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
}

/* A temporary path unique to this process. */
static void tmp_path(char *out, size_t n, const char *stem)
{
    snprintf(out, n, "/tmp/salvo-test-%ld-%s", (long)getpid(), stem);
}

static int write_file(const char *path, const TraceHeader *h, const TraceRec *r, size_t n)
{
    Diag d;
    diag_init(&d, path);
    TraceWriter *w = trace_writer_open(path, h, &d);
    if (!w) { diag_fini(&d); return -1; }
    TraceSink s = trace_writer_sink(w);
    for (size_t i = 0; i < n; i++) s.emit(s.ctx, &r[i]);
    int rc = trace_writer_close(w, &d);
    diag_fini(&d);
    return rc;
}

START_TEST(names_round_trip)
{
    for (int k = 0; k < TR__COUNT; k++)
        ck_assert_int_eq(trace_kind_from_name(trace_kind_name((TraceKind)k)), k);
    for (int k = 0; k < PLACE__COUNT; k++)
        ck_assert_int_eq(trace_place_kind_from_name(trace_place_kind_name((PlaceKind)k)), k);
    for (int k = 0; k < MODE__COUNT; k++)
        ck_assert_int_eq(trace_route_mode_from_name(trace_route_mode_name((RouteMode)k)), k);
    ck_assert_str_eq(trace_kind_name(TR_DEPART), "depart");
    ck_assert_str_eq(trace_treaty_status_name(TREATY_IN_FORCE), "in-force");
    ck_assert_str_eq(trace_place_kind_name(PLACE_LAUNCH_SITE), "launch-site");
    ck_assert_int_eq(trace_kind_from_name("departs"), -1);
    ck_assert_int_eq(trace_route_mode_from_name(NULL), -1);
}
END_TEST

START_TEST(buffer_sink_keeps_copies)
{
    TraceBuf b;
    trace_buf_init(&b);
    TraceSink s = trace_buf_sink(&b);
    TraceRec r = { 1.5, TR_STOCK, 2, -1, -1, 100, 0 };
    for (int i = 0; i < 5000; i++) {
        r.t = i;
        r.x = i * 2.0;
        s.emit(s.ctx, &r);
    }
    r.x = -1;   /* the sink must have copied, not pointed */
    ck_assert_uint_eq(b.n, 5000);
    ck_assert_double_eq(b.recs[4999].x, 9998.0);
    ck_assert_double_eq(b.recs[10].t, 10.0);
    size_t cap = b.cap;
    trace_buf_clear(&b);
    ck_assert_uint_eq(b.n, 0);
    s.emit(s.ctx, &r);
    ck_assert_uint_eq(b.cap, cap);     /* reused, not reallocated */
    trace_buf_fini(&b);
    trace_buf_fini(&b);                 /* freeing twice is harmless */
}
END_TEST

START_TEST(sample_reads)
{
    Diag d;
    diag_init(&d, SAMPLE);
    TraceFile *f = trace_read(SAMPLE, &d);
    if (!f) diag_print(&d, stderr);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(diag_errors(&d), 0);
    const TraceHeader *h = &f->h;
    ck_assert_str_eq(h->scenario, "sample");
    ck_assert_uint_eq(h->seed, 42);
    ck_assert_int_eq(h->nplaces, 9);
    ck_assert_str_eq(h->places[1].name, "Rajin");
    ck_assert_int_eq(h->places[1].kind, PLACE_PORT);
    ck_assert_double_eq(h->places[1].lat, 42.2464);
    ck_assert_str_eq(h->places[7].name, "Front (Belgorod\xe2\x80\x93Kursk)");
    ck_assert_int_eq(h->routes[2].mode, MODE_RAIL);
    ck_assert_int_eq(h->routes[2].npts, 13);
    ck_assert_double_eq(h->routes[2].lon[1], 135.07);
    ck_assert_uint_eq(h->actors[1].color, 0xd55e00);
    ck_assert_str_eq(h->decisions[1].options[0], "Send troops");
    ck_assert_int_eq(h->ndecisions, 2);
    ck_assert_double_eq(h->end, 500.0);
    ck_assert_uint_gt(f->n, 1000);
    ck_assert_int_eq(f->recs[f->n - 1].kind, TR_END);
    int kinds[TR__COUNT] = { 0 };
    for (size_t i = 0; i < f->n; i++) {
        kinds[f->recs[i].kind]++;
        if (i) ck_assert(f->recs[i].t >= f->recs[i - 1].t);
    }
    for (int k = 0; k < TR__COUNT; k++) ck_assert_msg(kinds[k] > 0, "no %s record", trace_kind_name(k));
    trace_file_destroy(f);
    trace_file_destroy(NULL);
    diag_fini(&d);
}
END_TEST

/* Read the sample trace and write it back: the same bytes. */
START_TEST(sample_rewrites_byte_identical)
{
    TraceFile *f = load_trace(SAMPLE);
    char out[256];
    tmp_path(out, sizeof out, "sample.jsonl");
    ck_assert_int_eq(write_file(out, &f->h, f->recs, f->n), 0);
    size_t la, lb;
    char *a = slurp_len(SAMPLE, &la), *b = slurp_len(out, &lb);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(a, b, la) == 0);
    free(a);
    free(b);
    remove(out);
    trace_file_destroy(f);
}
END_TEST

/* Awkward numbers survive write → read exactly, and two writes agree. */
START_TEST(numbers_round_trip_exactly)
{
    TraceFile *f = load_trace(SAMPLE);
    const double vals[] = { 0.1 + 0.2, 1e-300, 5e-324, 9007199254740993.0, -2.5, 1.0 / 3.0,
                            123456789.125, 1e22, -0.0, 42, 1.7976931348623157e308, 0.07 };
    enum { N = sizeof vals / sizeof vals[0] };
    TraceRec recs[N];
    for (int i = 0; i < N; i++) {
        TraceRec r = { i * 0.1, TR_STOCK, 0, -1, -1, vals[i], -vals[i] };
        recs[i] = r;
    }
    char p1[256], p2[256];
    tmp_path(p1, sizeof p1, "n1.jsonl");
    tmp_path(p2, sizeof p2, "n2.jsonl");
    ck_assert_int_eq(write_file(p1, &f->h, recs, N), 0);
    ck_assert_int_eq(write_file(p2, &f->h, recs, N), 0);
    char *a = slurp_len(p1, NULL), *b = slurp_len(p2, NULL);
    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(a, "\"level\":0.30000000000000004,"));
    ck_assert_ptr_nonnull(strstr(a, "\"level\":42,"));
    TraceFile *g = load_trace(p1);
    ck_assert_uint_eq(g->n, N);
    for (int i = 0; i < N; i++) {
        ck_assert(g->recs[i].x == vals[i]);
        ck_assert(g->recs[i].y == -vals[i]);
        ck_assert(g->recs[i].t == recs[i].t);
    }
    free(a);
    free(b);
    remove(p1);
    remove(p2);
    trace_file_destroy(g);
    trace_file_destroy(f);
}
END_TEST

/* A seed above 2^53 is kept exactly; non-finite x/y become null and NaN. */
START_TEST(big_seed_and_nonfinite)
{
    TraceFile *f = load_trace(SAMPLE);
    TraceHeader h = f->h;
    h.seed = 18446744073709551557ull;
    TraceRec r = { 3, TR_DEPART, 0, 0, 0, 100, INFINITY };
    char p[256];
    tmp_path(p, sizeof p, "seed.jsonl");
    ck_assert_int_eq(write_file(p, &h, &r, 1), 0);
    TraceFile *g = load_trace(p);
    ck_assert_uint_eq(g->h.seed, 18446744073709551557ull);
    char *text = slurp_len(p, NULL);
    ck_assert_ptr_nonnull(strstr(text, "\"seed\":\"18446744073709551557\","));   /* a string: jq keeps it */
    free(text);
    ck_assert(isnan(g->recs[0].y));
    remove(p);
    trace_file_destroy(g);
    trace_file_destroy(f);
}
END_TEST

START_TEST(writer_reports_bad_path)
{
    Diag d;
    diag_init(&d, "x");
    TraceHeader h = { 0 };
    TraceWriter *w = trace_writer_open("/nonexistent-dir/x.jsonl", &h, &d);
    ck_assert_ptr_null(w);
    ck_assert_int_eq(diag_errors(&d), 1);
    ck_assert_ptr_nonnull(strstr(d.items[0].msg, "/nonexistent-dir/x.jsonl"));
    trace_writer_abort(NULL);
    diag_fini(&d);
}
END_TEST

START_TEST(writer_abort_leaves_nothing)
{
    char p[256];
    tmp_path(p, sizeof p, "abort.jsonl");
    Diag d;
    diag_init(&d, p);
    TraceHeader h = { 0 };
    TraceWriter *w = trace_writer_open(p, &h, &d);
    ck_assert_ptr_nonnull(w);
    trace_writer_abort(w);
    ck_assert_int_eq(access(p, F_OK), -1);
    diag_fini(&d);
}
END_TEST

/* --- bad files ---------------------------------------------------------- */

/* The header line of the format-1 (v = 1) or format-2 sample trace. */
static const char *first_line(int v)
{
    static char *line[2];
    if (!line[v - 1]) {
        char *all = slurp_len(v == 1 ? SAMPLE_V1 : SAMPLE, NULL);
        *strchr(all, '\n') = '\0';
        line[v - 1] = all;  /* kept for the process; read once */
    }
    return line[v - 1];
}

/* Write header + body to a file; read it; expect failure at line:col with
 * `needle` in the message. col 0 means any column. with_header: 0 none,
 * 1 the header of a format-1 trace, 2 of a format-2 trace. */
static void expect_bad(const char *body, int with_header, int line, int col, const char *needle)
{
    char p[256];
    tmp_path(p, sizeof p, "bad.jsonl");
    const char *hl = with_header ? first_line(with_header) : "";
    size_t n = strlen(hl) + strlen(body) + 8;
    char *text = malloc(n);
    snprintf(text, n, "%s%s%s", hl, with_header ? "\n" : "", body);
    spill(p, text);
    free(text);
    Diag d;
    diag_init(&d, p);
    TraceFile *f = trace_read(p, &d);
    ck_assert_ptr_null(f);
    ck_assert_int_ge(diag_errors(&d), 1);
    const DiagItem *it = &d.items[0];
    ck_assert_msg(it->line == line, "line %d, expected %d (%s)", it->line, line, it->msg);
    if (col) ck_assert_msg(it->col == col, "col %d, expected %d (%s)", it->col, col, it->msg);
    char all[512];
    snprintf(all, sizeof all, "%s: %s", it->path, it->msg);
    ck_assert_msg(strstr(all, needle), "'%s' does not mention '%s'", all, needle);
    remove(p);
    diag_fini(&d);
}

#define REC(kind, a, b, c) "{\"t\":1,\"kind\":\"" kind "\",\"a\":" #a ",\"b\":" #b ",\"c\":" #c ",\"x\":0,\"y\":0}\n"

START_TEST(bad_files_name_their_line)
{
    expect_bad("", 0, 1, 1, "empty file");
    expect_bad("{\"t\":1}\n", 0, 1, 1, "not a salvo trace header");
    expect_bad("not json\n", 0, 1, 1, "not valid JSON");
    expect_bad(REC("depart", 0, 0, 0) "{\"t\":2,\"kind\":\"depart\",\"a\":0,", 1, 3, 0, "not valid JSON");
    expect_bad(REC("depart", 0, 0, 0) "\n", 1, 3, 1, "empty line");
    expect_bad(REC("departs", 0, 0, 0), 1, 2, 8, "unknown record kind \"departs\"");
    expect_bad(REC("depart", 99, 0, 0), 1, 2, 0, "a carrier index");
    expect_bad(REC("stock", -1, -1, -1), 1, 2, 0, "a stock index");
    expect_bad(REC("treaty", 0, 7, -1), 1, 2, 0, "treaty status");
    expect_bad(REC("decision", 0, 5, 0), 1, 2, 0, "an option of the decision");
    expect_bad(REC("troops", 1, 0, 9), 1, 2, 0, "a place index");
    expect_bad("{\"t\":1,\"kind\":\"end\",\"a\":0,\"b\":0,\"c\":0,\"x\":0}\n", 1, 2, 0, "missing \"y\"");
    expect_bad("{\"t\":1,\"kind\":\"end\",\"a\":0.5,\"b\":0,\"c\":0,\"x\":0,\"y\":0}\n", 1, 2, 21, "integer");
    expect_bad("{\"t\":\"x\",\"kind\":\"end\",\"a\":0,\"b\":0,\"c\":0,\"x\":0,\"y\":0}\n", 1, 2, 2, "t");
    expect_bad("{\"t\":-1,\"kind\":\"end\",\"a\":0,\"b\":0,\"c\":0,\"x\":0,\"y\":0}\n", 1, 2, 0, ">= 0");
    expect_bad("{\"t\":5,\"kind\":\"end\",\"a\":0,\"b\":0,\"c\":0,\"x\":0,\"y\":0}\n"
               "{\"t\":4,\"kind\":\"end\",\"a\":0,\"b\":0,\"c\":0,\"x\":0,\"y\":0}\n",
               1, 3, 2, "time goes backwards");
    expect_bad(REC("end", 0, 0, 0) "[1,2]\n", 1, 3, 1, "expected a JSON object");
    expect_bad(REC("end", 0, 0, 0) "{} x\n", 1, 3, 4, "unexpected text");
    /* Header problems. */
    expect_bad("{\"salvo\":\"0.1.0\",\"type\":\"header\",\"scenario\":\"s\",\"sha256\":\"\",\"seed\":1,"
               "\"start\":\"2023-02-30\",\"end\":10}\n", 0, 1, 0, "expected a date");
    expect_bad("{\"salvo\":\"0.1.0\",\"type\":\"header\",\"scenario\":\"s\",\"sha256\":\"\",\"seed\":-1,"
               "\"start\":\"2023-02-03\",\"end\":10}\n", 0, 1, 0, "seed");
    expect_bad("{\"salvo\":\"0.1.0\",\"type\":\"header\",\"scenario\":\"s\",\"sha256\":\"\",\"seed\":1,"
               "\"start\":\"2023-02-03\",\"end\":10,\"actors\":[]}\n", 0, 1, 0, "missing \"places\"");
    expect_bad("{\"salvo\":\"0.1.0\",\"type\":\"header\",\"scenario\":\"s\",\"sha256\":\"\",\"seed\":1,"
               "\"start\":\"2023-02-03\",\"end\":10,\"actors\":[{\"id\":\"a\",\"name\":\"A\",\"color\":\"red\"}]}\n",
               0, 1, 0, "actors[0]: \"color\"");
    expect_bad("{\"salvo\":\"0.1.0\",\"type\":\"header\",\"scenario\":\"s\",\"sha256\":\"\",\"seed\":1,"
               "\"start\":\"2023-02-03\",\"end\":10,\"actors\":[],\"places\":[{\"id\":\"p\",\"name\":\"P\","
               "\"kind\":\"harbour\",\"actor\":-1,\"lat\":1,\"lon\":2}]}\n",
               0, 1, 0, "places[0]: \"kind\": unknown place kind \"harbour\"");
    expect_bad("{\"salvo\":\"0.1.0\",\"type\":\"header\",\"scenario\":\"s\",\"sha256\":\"\",\"seed\":1,"
               "\"start\":\"2023-02-03\",\"end\":10,\"actors\":[],\"places\":[{\"id\":\"p\",\"name\":\"P\","
               "\"kind\":\"port\",\"actor\":3,\"lat\":1,\"lon\":2}]}\n",
               0, 1, 0, "places[0]: \"actor\"");
}
END_TEST

/* Format 2: named fields, each checked by name; newer formats refused. */
START_TEST(bad_named_fields)
{
    expect_bad("{\"t\":1,\"kind\":\"depart\",\"carrier\":0,\"route\":0,\"resource\":0,\"cargo\":5}\n", 2, 2, 1,
               "missing \"eta\" (a depart record has it)");
    expect_bad("{\"t\":1,\"kind\":\"depart\",\"a\":0,\"b\":0,\"c\":0,\"x\":0,\"y\":0}\n", 2, 2, 1,
               "missing \"carrier\"");
    expect_bad("{\"t\":1,\"kind\":\"depart\",\"carrier\":99,\"route\":0,\"resource\":0,\"cargo\":5,\"eta\":2}\n", 2,
               2, 0, "carrier: depart record: expected a carrier index, got 99");
    expect_bad("{\"t\":1,\"kind\":\"route\",\"route\":0,\"open\":1}\n", 2, 2, 33, "expected true or false");
    expect_bad("{\"t\":1,\"kind\":\"treaty\",\"treaty\":0,\"status\":\"ratified\",\"actor\":-1}\n", 2, 2, 0,
               "expected one of \"signed\" ... \"declined\"");
    expect_bad("{\"t\":1,\"kind\":\"assist\",\"programme\":0,\"actor\":0,\"step\":2}\n", 2, 2, 0, "\"offered\"");
    /* The seed of format 2 is a string of digits. */
    expect_bad("{\"salvo\":\"0.1.0\",\"type\":\"header\",\"trace\":2,\"scenario\":\"s\",\"sha256\":\"\",\"seed\":1,"
               "\"start\":\"2023-02-03\",\"end\":10}\n", 0, 1, 0, "seed as a string of digits");
    expect_bad("{\"salvo\":\"0.1.0\",\"type\":\"header\",\"trace\":2,\"scenario\":\"s\",\"sha256\":\"\",\"seed\":\"-1\","
               "\"start\":\"2023-02-03\",\"end\":10}\n", 0, 1, 0, "seed as a string of digits");
    expect_bad("{\"salvo\":\"0.1.0\",\"type\":\"header\",\"trace\":2,\"scenario\":\"s\",\"sha256\":\"\","
               "\"seed\":\"99999999999999999999\",\"start\":\"2023-02-03\",\"end\":10}\n", 0, 1, 0, "seed");
    expect_bad("{\"salvo\":\"0.1.0\",\"type\":\"header\",\"trace\":3,\"scenario\":\"s\",\"sha256\":\"\",\"seed\":\"1\","
               "\"start\":\"2023-02-03\",\"end\":10}\n", 0, 1, 0,
               "trace format 3 is newer than this salvo reads (formats 1 to 2)");
    expect_bad("{\"salvo\":\"0.1.0\",\"type\":\"header\",\"trace\":\"2\",\"scenario\":\"s\",\"sha256\":\"\",\"seed\":\"1\","
               "\"start\":\"2023-02-03\",\"end\":10}\n", 0, 1, 0, "trace format number");
}
END_TEST

/* A format-1 trace (positional a/b/c/x/y, numeric seed) reads to the same
 * header and records as the same trace in format 2, and writing it gives
 * format 2. */
START_TEST(format_1_still_reads)
{
    Diag d;
    diag_init(&d, SAMPLE_V1);
    TraceFile *f1 = trace_read(SAMPLE_V1, &d), *f2 = trace_read(SAMPLE, &d);
    if (!f1 || !f2) diag_print(&d, stderr);
    ck_assert(f1 && f2);
    ck_assert_uint_eq(f1->h.seed, f2->h.seed);
    ck_assert_int_eq(f1->h.nplaces, f2->h.nplaces);
    ck_assert_uint_eq(f1->n, f2->n);
    for (size_t i = 0; i < f1->n; i++) {
        const TraceRec *a = &f1->recs[i], *b = &f2->recs[i];
        ck_assert_msg(a->t == b->t && a->kind == b->kind && a->a == b->a && a->b == b->b && a->c == b->c &&
                      a->x == b->x && a->y == b->y, "record %zu differs", i);
    }
    char out[256];
    tmp_path(out, sizeof out, "v1to2.jsonl");
    ck_assert_int_eq(write_file(out, &f1->h, f1->recs, f1->n), 0);
    size_t la, lb;
    char *a = slurp_len(SAMPLE, &la), *b = slurp_len(out, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(a, b, la) == 0);
    ck_assert_ptr_nonnull(strstr(b, "\"trace\":2,"));
    ck_assert_ptr_nonnull(strstr(b, "\"seed\":\"42\","));
    free(a);
    free(b);
    remove(out);
    trace_file_destroy(f1);
    trace_file_destroy(f2);
    diag_fini(&d);
}
END_TEST

static int shell(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The trace of every shipped scenario (and the Caspian test scenario), as
 * `salvo run --trace` writes it: valid against docs/trace.schema.json by a
 * real validator (python3-jsonschema; skipped with a message when it is
 * absent), and read → write gives it back byte for byte. */
START_TEST(shipped_traces_match_the_schema)
{
    glob_t g;
    ck_assert_int_eq(glob("scenarios/*.json", 0, NULL, &g), 0);
    int done = 0, validated = 0;
    /* After the shipped ones: the Caspian scenario, and the drones scenario,
     * whose event has a delay (an `effects` record). */
    static const char *const extra[] = { "tests/data/caspian.json", "tests/data/cli/drones.json" };
    for (size_t i = 0; i < g.gl_pathc + 2; i++) {
        const char *sc = i < g.gl_pathc ? g.gl_pathv[i] : extra[i - g.gl_pathc];
        if (strstr(sc, "schema.json")) continue;
        char tr[256], back[256], cmd[1024];
        tmp_path(tr, sizeof tr, "shipped.jsonl");
        tmp_path(back, sizeof back, "shipped-back.jsonl");
        snprintf(cmd, sizeof cmd, "%s%s run %s --seed 7 --trace %s >/dev/null", strchr(SALVO_BIN, '/') ? "" : "./",
                 SALVO_BIN, sc, tr);
        ck_assert_msg(shell(cmd) == 0, "%s failed", cmd);
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/validate-trace.py %s", tr);
        int rc = access("/usr/bin/python3", X_OK) == 0 ? shell(cmd) : 3;
        if (rc == 3) {
            if (!done) fprintf(stderr, "trace schema: skipped (no /usr/bin/python3 with python3-jsonschema)\n");
        } else {
            ck_assert_msg(rc == 0, "%s: its trace does not match docs/trace.schema.json (see above)", sc);
            validated++;
        }
        Diag d;
        diag_init(&d, tr);
        TraceFile *f = trace_read(tr, &d);
        if (!f) diag_print(&d, stderr);
        ck_assert_ptr_nonnull(f);
        if (strstr(sc, "drones")) {
            int happens = 0, effects = 0;
            for (size_t k = 0; k < f->n; k++)
                if (f->recs[k].kind == TR_EVENT) {
                    happens += f->recs[k].b == -1 && f->recs[k].t == 31;
                    effects += f->recs[k].b == 1 && f->recs[k].t == 36;
                }
            ck_assert_msg(happens == 1 && effects == 1, "drones: the strike happens on day 31, takes effect on day 36");
        }
        ck_assert_int_eq(write_file(back, &f->h, f->recs, f->n), 0);
        size_t la, lb;
        char *a = slurp_len(tr, &la), *b = slurp_len(back, &lb);
        ck_assert_msg(la == lb && memcmp(a, b, la) == 0, "%s: read and written again, its trace differs", sc);
        free(a);
        free(b);
        trace_file_destroy(f);
        diag_fini(&d);
        remove(tr);
        remove(back);
        done++;
    }
    globfree(&g);
    ck_assert_int_ge(done, 2);
    if (validated) fprintf(stderr, "trace schema: %d traces valid\n", validated);
}
END_TEST

/* docs/trace.md's table of records names every field the writer writes,
 * for every kind, and so does the schema. */
START_TEST(docs_name_every_field)
{
    char *doc = slurp_len("docs/trace.md", NULL), *schema = slurp_len("docs/trace.schema.json", NULL);
    ck_assert(doc && schema);
    for (int k = 0; k < TR__COUNT; k++) {
        char row[64], title[64];
        snprintf(row, sizeof row, "\n| `%s` |", trace_kind_name((TraceKind)k));
        const char *r = strstr(doc, row);
        ck_assert_msg(r, "docs/trace.md: no row for %s", trace_kind_name((TraceKind)k));
        const char *eol = strchr(r + 1, '\n');
        snprintf(title, sizeof title, "\"title\": \"%s\"", trace_kind_name((TraceKind)k));
        ck_assert_msg(strstr(schema, title), "docs/trace.schema.json: no branch for %s", trace_kind_name((TraceKind)k));
        for (int i = 0; i < 5; i++) {
            const char *name = trace_field_name((TraceKind)k, i);
            if (!name) continue;
            char want[40];
            snprintf(want, sizeof want, "`%s`", name);
            const char *hit = strstr(r, want);
            ck_assert_msg(hit && (!eol || hit < eol), "docs/trace.md: %s row lacks %s", trace_kind_name((TraceKind)k),
                          want);
        }
    }
    free(doc);
    free(schema);
}
END_TEST

START_TEST(missing_file_is_a_diagnostic)
{
    Diag d;
    diag_init(&d, "nope.jsonl");
    ck_assert_ptr_null(trace_read("tests/data/no-such-trace.jsonl", &d));
    ck_assert_int_eq(diag_errors(&d), 1);
    ck_assert_ptr_nonnull(strstr(d.items[0].msg, "cannot read"));
    diag_fini(&d);
}
END_TEST

/* Memory running out at any allocation of a read (the arena, the records):
 * NULL and one "out of memory" diagnostic, never a crash or a leak (make
 * sanitize), and the same file read after that is whole. */
START_TEST(read_unwinds_every_allocation_failure)
{
    Diag d;
    diag_init(&d, SAMPLE);
    mem_fail_at(UINT64_MAX);
    TraceFile *f = trace_read(SAMPLE, &d);
    uint64_t total = mem_fail_count();
    mem_fail_at(0);
    ck_assert_ptr_nonnull(f);
    size_t n = f->n;
    trace_file_destroy(f);
    ck_assert_int_ge(total, 3);
    for (uint64_t k = 1; k <= total; k++) {
        Diag e;
        diag_init(&e, SAMPLE);
        mem_fail_at(k);
        TraceFile *g = trace_read(SAMPLE, &e);
        mem_fail_at(0);
        ck_assert_msg(g == NULL, "allocation %llu of %llu failed, yet the read succeeded", (unsigned long long)k,
                      (unsigned long long)total);
        ck_assert_int_eq(diag_errors(&e), 1);
        ck_assert_ptr_nonnull(strstr(e.items[0].msg, "out of memory"));
        diag_fini(&e);
    }
    f = trace_read(SAMPLE, &d);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->n, n);
    trace_file_destroy(f);
    ck_assert_int_eq(diag_errors(&d), 0);
    diag_fini(&d);
}
END_TEST

Suite *suite_trace(void)
{
    Suite *s = suite_create("trace");
    TCASE(s, "names", 0, NO_FIXTURE, names_round_trip);
    TCASE(s, "buffer", 0, NO_FIXTURE, buffer_sink_keeps_copies);
    /* 120 s: runs salvo and the validator on every shipped scenario. */
    TCASE(s, "jsonl", 120, NO_FIXTURE, sample_reads, sample_rewrites_byte_identical, numbers_round_trip_exactly,
          big_seed_and_nonfinite, format_1_still_reads, shipped_traces_match_the_schema, docs_name_every_field,
          writer_reports_bad_path, writer_abort_leaves_nothing);
    TCASE(s, "bad_input", 0, NO_FIXTURE, bad_files_name_their_line, bad_named_fields, missing_file_is_a_diagnostic,
          read_unwinds_every_allocation_failure);
    return s;
}
