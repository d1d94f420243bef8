/* dist.c — probability distributions: validation, analytic moments, draws.
 *
 * Invariant: a Dist that dist_prepare() accepted can be drawn from forever
 * with no allocation, no string work and no hidden state: every draw is a
 * pure function of the Dist and the Rng it advances. The only tables here
 * (the normal ziggurat, small log-factorials) are static const.
 *
 * Methods, and why:
 *   normal       256-layer ziggurat (Marsaglia & Tsang 2000). One 64-bit draw
 *                supplies the layer (bits 0-7) and a signed 53-bit uniform
 *                (bits 11-63), so the layer and the abscissa never share
 *                bits (the flaw Doornik 2005 found in the original).
 *                98.5% of draws cost two rng_u32 and a multiply. No spare is
 *                cached anywhere.
 *   exponential  -mean * log(u), u in (0,1).
 *   gamma        Marsaglia & Tsang (2000); for shape < 1, draw shape+1 and
 *                multiply by u^(1/shape).
 *   beta         X/(X+Y) from two gammas; in log space when a shape is < 1,
 *                where the gamma draws themselves can underflow to 0.
 *   poisson      inversion by sequential search for mean < 10; PTRS
 *                (Hörmann 1993, transformed rejection with squeeze) above.
 *   binomial     p > 1/2 by symmetry; inversion when n p < 10; BTRS
 *                (Hörmann 1993) otherwise. O(1) expected for any n.
 *   triangular   inversion. discrete: linear scan of <= 16 cumulative weights.
 *
 * Derived fields (d[]) filled by dist_prepare:
 *   LOGNORMAL  d0 = mu, d1 = sigma of log X
 *   TRIANGULAR d0 = (mode - lo) / (hi - lo), the CDF at the mode
 *   POISSON    d0 = exp(-mean) (mean < 10) or sqrt(mean), d1 = log(mean)
 *   GAMMA      d0 = Marsaglia-Tsang d, d1 = c, for shape (or shape+1 if < 1)
 *   BETA       d0, d1 = Marsaglia-Tsang c for alpha and beta (boosted if < 1)
 *   DISCRETE   cum[] normalised, cum[n-1] == 1 exactly; d0 = 1 marks cum[]
 *              as already cumulative
 * dist_prepare is idempotent: preparing a prepared Dist again (e.g. after
 * scaling its values or parameters) re-checks it and changes nothing. For
 * DISCRETE that needs the d0 mark, since a cumulative table can also be a
 * valid list of raw weights; to give a prepared Dist new raw weights, set
 * d0 = 0 (or start from a zeroed Dist, as the loader does).
 * Draws from a prepared POISSON or GAMMA Dist are the same numbers, from the
 * same Rng advance, as dist_poisson and dist_gamma (times scale), so a model
 * may use either. dist_draw requires a Dist that passed dist_prepare.
 */
#include "dist.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <string.h>

/* Past this a Poisson count could overflow uint32_t. */
#define POISSON_MAX_MEAN 1e9
/* Method switch points; the rejection methods are valid above them. */
#define POISSON_INVERSION_BELOW 10.0
#define BINOMIAL_INVERSION_BELOW 10.0

/* ---- names ------------------------------------------------------------ */

static const char *const KIND_NAMES[DIST__COUNT] = {
    [DIST_CONST] = "constant",         [DIST_UNIFORM] = "uniform",
    [DIST_EXPONENTIAL] = "exponential", [DIST_NORMAL] = "normal",
    [DIST_LOGNORMAL] = "lognormal",    [DIST_TRIANGULAR] = "triangular",
    [DIST_POISSON] = "poisson",        [DIST_BERNOULLI] = "bernoulli",
    [DIST_BINOMIAL] = "binomial",      [DIST_BETA] = "beta",
    [DIST_GAMMA] = "gamma",            [DIST_DISCRETE] = "discrete",
};

/* How many of p[] each kind reads; all of them must be finite. */
static const int KIND_NPARAM[DIST__COUNT] = {
    [DIST_CONST] = 1, [DIST_UNIFORM] = 2, [DIST_EXPONENTIAL] = 1,
    [DIST_NORMAL] = 2, [DIST_LOGNORMAL] = 2, [DIST_TRIANGULAR] = 3,
    [DIST_POISSON] = 1, [DIST_BERNOULLI] = 1, [DIST_BINOMIAL] = 2,
    [DIST_BETA] = 2, [DIST_GAMMA] = 2, [DIST_DISCRETE] = 0,
};

const char *dist_kind_name(DistKind k)
{
    if ((int)k < 0 || k >= DIST__COUNT) return "unknown";
    return KIND_NAMES[k];
}

int dist_kind_from_name(const char *name)
{
    if (!name) return -1;
    for (int k = 0; k < DIST__COUNT; k++)
        if (strcmp(name, KIND_NAMES[k]) == 0) return k;
    return -1;
}

Dist dist_const(double v)
{
    Dist d;
    memset(&d, 0, sizeof d);
    d.kind = DIST_CONST;
    d.p[0] = v;
    return d;
}

/* ---- normal: ziggurat ---------------------------------------------------
 * 256 layers of equal area v under f(x) = exp(-x^2/2), x >= 0.
 * R = 3.6541528853610088 is the start of the tail, v = R f(R) + tail area
 * = 0.0049286732339746535. ZIG_X[0] = v / f(R) (the base layer's pseudo
 * width, covering the tail), ZIG_X[1] = R, ZIG_X[i+1] = f^-1(f(ZIG_X[i]) +
 * v / ZIG_X[i]), ZIG_X[256] = 0; ZIG_F[i] = f(ZIG_X[i]). Generated with
 * 60-digit arithmetic (mpmath), R found by bisection so that the recurrence
 * closes at f = 1 (residual 4e-60), then rounded to double.
 */
#define ZIG_R 3.6541528853610088

/* clang-format off */
static const double ZIG_X[257] = {
    3.9107579595249158, 3.6541528853610088, 3.4492782985614312, 3.3202447338398255,
    3.2245750520478014, 3.1478892895180008, 3.0835261320021434, 3.0278377917695933,
    2.9786032798818431, 2.9343668672088876, 2.8941210536134121, 2.8571387308732246,
    2.8228773968264429, 2.7909211740019275, 2.7609440052799861, 2.7326853590440114,
    2.705933656123062, 2.6805146432857452, 2.6562830375767432, 2.6331163936315827,
    2.6109105184888235, 2.5895759867082866, 2.569035452681844, 2.5492215503247833,
    2.5300752321598541, 2.5115444416266945, 2.4935830412710467, 2.4761499396705231,
    2.4592083743347048, 2.4427253182003641, 2.4266709849371466, 2.4110184139011195,
    2.3957431197819274, 2.3808227951720857, 2.3662370567172908, 2.3519672273791445,
    2.3379961487965288, 2.3243080188711325, 2.3108882506013719, 2.2977233489028634,
    2.2848008027244919, 2.2721089902283818, 2.2596370951737876, 2.2473750329473892,
    2.2353133849299209, 2.2234433400925107, 2.2117566428841609, 2.2002455466112765,
    2.1889027716263607, 2.1777214677402932, 2.1666951803543086, 2.1558178198767375,
    2.1450836340478889, 2.134487182846017, 2.1240233156895236, 2.113687150686653,
    2.1034740557148774, 2.093379631138792, 2.0833996939983046, 2.0735302635187431,
    2.0637675478117323, 2.0541079316506523, 2.0445479652175313, 2.0350843537296188,
    2.0257139478638542, 2.016433734906204, 2.0072408305605287, 1.9981324713584196,
    1.9891060076174381, 1.9801588969004766, 1.9712886979336592, 1.962493064944363,
    1.9537697423846467, 1.9451165600086784, 1.9365314282756947, 1.9280123340526658,
    1.9195573365931882, 1.9111645637712533, 1.9028322085504292, 1.8945585256707047,
    1.8863418285367828, 1.8781804862929958, 1.8700729210712668, 1.8620176053996742,
    1.8540130597602018, 1.8460578502851854, 1.8381505865828067, 1.8302899196827569,
    1.8224745400938858, 1.8147031759662826, 1.8069745913508208, 1.7992875845497203,
    1.7916409865521625, 1.7840336595494415, 1.7764644955245228, 1.7689324149112686,
    1.7614363653189102, 1.7539753203176716, 1.7465482782817223, 1.7391542612859117,
    1.7317923140529632, 1.724461502948045, 1.7171609150178231, 1.7098896570713018,
    1.7026468547999232, 1.6954316519345616, 1.6882432094371953, 1.6810807047251739,
    1.6739433309261249, 1.6668302961616654, 1.6597408228581825, 1.6526741470830559,
    1.6456295179047824, 1.6386061967755476, 1.6316034569348736, 1.6246205828330347,
    1.6176568695730156, 1.6107116223698301, 1.6037841560260946, 1.5968737944227882,
    1.5899798700241907, 1.5831017233960292, 1.5762387027359064, 1.5693901634151237,
    1.5625554675310449, 1.5557339834691764, 1.5489250854741734, 1.5421281532290019,
    1.5353425714415141, 1.5285677294377125, 1.521803020760998, 1.5150478427767147,
    1.5083015962813116, 1.5015636851154637, 1.4948335157804935, 1.4881104970574475,
    1.4813940396281873, 1.4746835556978555, 1.4679784586180795, 1.4612781625102755,
    1.4545820818884103, 1.447889631280576, 1.4412002248487239, 1.4345132760058923,
    1.427828197030256, 1.421144398675309, 1.4144612897754711, 1.4077782768463989,
    1.401094763679251, 1.394410150928141, 1.3877238356899761, 1.3810352110758555,
    1.3743436657731662, 1.3676485835974761, 1.3609493430332831, 1.3542453167626349,
    1.3475358711805872, 1.340820365896404, 1.3340981532193601, 1.3273685776279258,
    1.3206309752210563, 1.3138846731502205, 1.3071289890307312, 1.3003632303308372,
    1.2935866937369478, 1.2867986644932436, 1.279998415713818, 1.2731852076653563,
    1.2663582870182295, 1.2595168860637143, 1.2526602218948972, 1.2457874955486272,
    1.2388978911056874, 1.2319905747461362, 1.2250646937565308, 1.2181193754854815,
    1.2111537262436991, 1.2041668301443815, 1.1971577478794415, 1.1901255154266921,
    1.1830691426826867, 1.175987612015452, 1.168879876730833, 1.1617448594456115,
    1.1545814503599277, 1.147388505420849, 1.1401648443681514, 1.1329092486525338,
    1.1256204592155334, 1.118297174119345, 1.1109380460135758, 1.1035416794246398,
    1.0961066278520215, 1.0886313906539797, 1.0811144097034038, 1.0735540657924363,
    1.0659486747621225, 1.0582964833306752, 1.05059566459093, 1.0428443131441489,
    1.035040439833441, 1.0271819660356458, 1.0192667174654841, 1.0112924174399958,
    1.0032566795446729, 0.99515699963509097, 0.98699074709906243, 0.97875515529422463,
    0.97044731106422444, 0.96206414322304057, 0.95360240988108602, 0.94505868446816543,
    0.9364293402865751, 0.92771053340200016, 0.91889818364959064, 0.90998795349671846,
    0.9009752244612218, 0.89185507073294157, 0.88262222958516556, 0.87327106808886079,
    0.86379554555330884, 0.85418917100816383, 0.84444495490915394, 0.83455535408638215,
    0.82451220875229214, 0.81430667013521518, 0.80392911698997127, 0.79336905884062325,
    0.78261502330723309, 0.77165442422456809, 0.76047340643010808, 0.74905666201781529,
    0.73738721143429564, 0.72544614090999959, 0.7132122851909759, 0.70066184110681506,
    0.68776789279578854, 0.67449982283729382, 0.6608225742444197, 0.64669571489499378,
    0.63207223638606114, 0.61689699000775144, 0.60110461775599267, 0.58461676610637936,
    0.5673382570538188, 0.54915170232716515, 0.52990972066155817, 0.5094233296020918,
    0.48744396613923602, 0.46363433679088223, 0.43751840220787169, 0.40838913461199117,
    0.37512133287838056, 0.33573751921442524, 0.2861745917920725, 0.21524189598488169,
    0,
};
static const double ZIG_F[257] = {
    0.00047746776460938755, 0.0012602859304985975, 0.0026090727461021632, 0.0040379725933630305,
    0.0055224032992509976, 0.0070508754713732268, 0.0086165827693987316, 0.010214971439701471,
    0.011842757857907889, 0.01349745060173988, 0.015177088307935327, 0.01688008315254317,
    0.018605121275724647, 0.020351096230044521, 0.022117062707308868, 0.023902203305795882,
    0.025705804008548896, 0.027527235669603085, 0.029365939758133317, 0.031221417191920248,
    0.033093219458578522, 0.034980941461716084, 0.036884215688567291, 0.03880270740452612,
    0.040736110655940933, 0.042684144916474438, 0.04464655225129445, 0.046623094901930368,
    0.048613553215868528, 0.050617723860947768, 0.052635418276792183, 0.054666461324888921,
    0.056710690106202902, 0.058767952920933765, 0.060838108349539864, 0.062921024437758127,
    0.065016577971242856, 0.067124653827788497, 0.069245144397006769, 0.071377949058890375,
    0.073522973713981268, 0.075680130358927081, 0.077849336702096053, 0.080030515814663056,
    0.082223595813202863, 0.084428509570353374, 0.086645194450557961, 0.088873592068275803,
    0.091113648066373634, 0.093365311912690874, 0.095628536713008833, 0.097903279038862298,
    0.10018949876880982, 0.10248715894193509, 0.1047962256224869, 0.10711666777468365,
    0.10944845714681165, 0.11179156816383801, 0.11414597782783836, 0.11651166562561081,
    0.11888861344290999, 0.12127680548479022, 0.12367622820159656, 0.12608687022018586,
    0.12850872227999954, 0.13094177717364433, 0.13338602969166913, 0.13584147657125373,
    0.13830811644855073, 0.1407859498144447, 0.14327497897351343, 0.14577520800599406,
    0.14828664273257455, 0.1508092906818457, 0.15334316106026286, 0.15588826472447923,
    0.15844461415592431, 0.16101222343751109, 0.16359110823236572, 0.16618128576448207,
    0.16878277480121151, 0.17139559563750595, 0.17401977008183878, 0.176655321443735,
    0.17930227452284767, 0.18196065559952257, 0.18463049242679927, 0.18731181422380028,
    0.19000465167046499, 0.19270903690358915, 0.19542500351413428, 0.19815258654577514,
    0.20089182249465659, 0.20364274931033488, 0.20640540639788074, 0.20917983462112502,
    0.21196607630703018, 0.21476417525117361, 0.21757417672433116, 0.22039612748015197,
    0.22323007576391746, 0.22607607132238022, 0.22893416541468026, 0.23180441082433861,
    0.23468686187232993, 0.23758157443123798, 0.24048860594050042, 0.24340801542275015,
    0.24633986350126366, 0.24928421241852827, 0.25224112605594196, 0.25521066995466168,
    0.25819291133761896, 0.26118791913272088, 0.2641957639972608, 0.26721651834356114,
    0.27025025636587524, 0.27329705406857691, 0.2763569892956681, 0.27943014176163777,
    0.28251659308370747, 0.28561642681550159, 0.28872972848218276, 0.29185658561709504,
    0.2949970877999617, 0.29815132669668537, 0.30131939610080294, 0.30450139197664983,
    0.30769741250429195, 0.31090755812628634, 0.31413193159633712, 0.3173706380299135,
    0.32062378495690536, 0.32389148237639109, 0.32717384281360135, 0.33047098137916342,
    0.33378301583071829, 0.33711006663700593, 0.3404522570445217, 0.3438097131468506,
    0.34718256395679353, 0.35057094148140594, 0.35397498080007661, 0.35739482014578028,
    0.36083060098964781, 0.36428246812900378, 0.36775056977903231, 0.37123505766823928,
    0.37473608713789092, 0.37825381724561896, 0.38178841087339344, 0.38534003484007712,
    0.3889088600187886, 0.3924950614593154, 0.39609881851583223, 0.39972031498019706,
    0.40335973922111434, 0.40701728432947321, 0.41069314827018805, 0.41438753404089096,
    0.418100649837848, 0.42183270922949578, 0.42558393133802186, 0.42935454102944132,
    0.43314476911265215, 0.43695485254798538, 0.44078503466580382, 0.44463556539573917,
    0.44850670150720279, 0.4523987068618483, 0.45631185267871616, 0.46024641781284253,
    0.46420268904817402, 0.46818096140569326, 0.47218153846772981, 0.47620473271950553,
    0.48025086590904648, 0.48432026942668294, 0.48841328470545764, 0.4925302636438682,
    0.49667156905248938, 0.50083757512614846, 0.5050286679434679, 0.50924524599574761,
    0.51348772074732663, 0.51775651722975591, 0.52205207467232151, 0.52637484717168403,
    0.53072530440366161, 0.53510393238045717, 0.53951123425695169, 0.54394773119002582,
    0.54841396325526548, 0.55291049042583196, 0.55743789361876561, 0.56199677581452401,
    0.566587763256164, 0.57121150673525278, 0.57586868297235327, 0.58055999610079045,
    0.5852861792633709, 0.59004799633282556, 0.594846243767987, 0.59968175261912493,
    0.60455539069746744, 0.6094680649257731, 0.61442072388891356, 0.6194143606058341,
    0.62445001554702617, 0.62952877992483636, 0.63465179928762327, 0.63982027745305625,
    0.64503548082082207, 0.65029874311081648, 0.65561147057969704, 0.66097514777666289,
    0.66639134390874988, 0.67186171989708177, 0.67738803621877308, 0.68297216164499441,
    0.68861608300467136, 0.69432191612611638, 0.70009191813651128, 0.70592850133275387,
    0.71183424887824809, 0.71781193263072163, 0.72386453346862978, 0.72999526456147579,
    0.73620759812686232, 0.74250529634015072, 0.74889244721915649, 0.75537350650709578,
    0.76195334683679494, 0.76863731579848582, 0.77543130498118673, 0.78234183265480206,
    0.78937614356602415, 0.79654233042295863, 0.80384948317096394, 0.81130787431265594,
    0.81892919160370203, 0.82672683394622104, 0.83471629298688321, 0.84291565311220396,
    0.85134625845867773, 0.8600336211963312, 0.86900868803685671, 0.87830965580891707,
    0.88798466075583304, 0.89809592189834309, 0.90872644005213055, 0.91999150503934668,
    0.93206007595923013, 0.94519895344229932, 0.95987909180010633, 0.97710170126767126,
    1,
};
/* clang-format on */

/* Marsaglia (1964): exact sampling of the normal tail beyond ZIG_R. */
static double normal_tail(Rng *r)
{
    double a, b;
    do {
        a = -log(rng_open01(r)) / ZIG_R;
        b = -log(rng_open01(r));
    } while (b + b < a * a);
    return ZIG_R + a;
}

double dist_normal(Rng *r)
{
    for (;;) {
        uint64_t hi = rng_u32(r);
        uint64_t bits = (hi << 32) | rng_u32(r);
        unsigned i = (unsigned)(bits & 0xffu);
        /* Signed 53-bit uniform in [-2^52, 2^52): the sign comes with the
         * value, so the common path has no data-dependent branch. */
        int64_t j = (int64_t)(bits >> 11) - ((int64_t)1 << 52);
        double x = (double)j * 0x1.0p-52 * ZIG_X[i];
        if (fabs(x) < ZIG_X[i + 1]) return x;
        if (i == 0) return x < 0.0 ? -normal_tail(r) : normal_tail(r);
        /* Wedge between the layer's rectangle and the curve. */
        double y = ZIG_F[i] + rng_double(r) * (ZIG_F[i + 1] - ZIG_F[i]);
        if (y < exp(-0.5 * x * x)) return x;
    }
}

double dist_exponential(Rng *r, double mean)
{
    return -mean * log(rng_open01(r));
}

/* ---- gamma and beta ----------------------------------------------------- */

/* Marsaglia & Tsang for shape >= 1, given d = shape - 1/3, c = 1/sqrt(9d).
 * Always > 0. Expected ~1.02-1.05 normals per draw. */
static double gamma_mt(Rng *r, double d, double c)
{
    for (;;) {
        double x, v;
        do {
            x = dist_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = rng_double(r);
        double x2 = x * x;
        if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
        if (log(u) < 0.5 * x2 + d * (1.0 - v + log(v))) return d * v;
    }
}

/* Marsaglia-Tsang d for a shape, boosted to shape + 1 when shape < 1. */
static double mt_d(double shape)
{
    return (shape < 1.0 ? shape + 1.0 : shape) - 1.0 / 3.0;
}

static double mt_c(double d)
{
    return 1.0 / sqrt(9.0 * d);
}

/* Gamma(shape, 1) given the prepared constants. */
static double gamma_draw(Rng *r, double shape, double d, double c)
{
    double g = gamma_mt(r, d, c);
    if (shape < 1.0) g *= exp(log(rng_open01(r)) / shape);
    return g;
}

double dist_gamma(Rng *r, double shape)
{
    assert(shape > 0.0);
    double d = mt_d(shape);
    return gamma_draw(r, shape, d, mt_c(d));
}

/* log of a Gamma(shape, 1) draw; finite even when the draw would underflow. */
static double log_gamma_draw(Rng *r, double shape, double c)
{
    double lg = log(gamma_mt(r, mt_d(shape), c));
    if (shape < 1.0) lg += log(rng_open01(r)) / shape;
    return lg;
}

static double beta_draw(Rng *r, double a, double b, double ca, double cb)
{
    if (a >= 1.0 && b >= 1.0) {
        double x = gamma_mt(r, mt_d(a), ca);
        double y = gamma_mt(r, mt_d(b), cb);
        return x / (x + y);
    }
    double lx = log_gamma_draw(r, a, ca);
    double ly = log_gamma_draw(r, b, cb);
    return 1.0 / (1.0 + exp(ly - lx));
}

/* ---- Poisson and binomial ----------------------------------------------- */

static const double LOG_FACT_SMALL[10] = {
    0.0, 0.0, 0.69314718055994529, 1.791759469228055, 3.1780538303479458,
    4.7874917427820458, 6.5792512120101012, 8.5251613610654147,
    10.604602902745251, 12.801827480081469,
};

/* log(k!) for a whole k >= 0: table below 10, Stirling's series above
 * (truncation error < 1e-12 at k = 10, falling as k^-9). */
static double log_fact(double k)
{
    if (k < 10.0) return LOG_FACT_SMALL[(int)k];
    double k1 = 1.0 / k, k2 = k1 * k1;
    return (k + 0.5) * log(k) - k + 0.91893853320467274 /* log(2 pi)/2 */
           + k1 * (1.0 / 12.0 - k2 * (1.0 / 360.0 - k2 * (1.0 / 1260.0 - k2 / 1680.0)));
}

/* Sequential-search inversion; mean < 10, emu = exp(-mean). */
static uint32_t poisson_inversion(Rng *r, double mean, double emu)
{
    for (;;) {
        double u = rng_double(r);
        double p = emu, f = emu;
        uint32_t k = 0;
        /* Rounding can leave the running CDF just short of 1; the cap turns
         * that (probability ~1e-16) into a redraw instead of a long loop. */
        while (u >= f && k < 1000) {
            k++;
            p *= mean / k;
            f += p;
        }
        if (u < f) return k;
    }
}

/* PTRS, Hörmann (1993), "The transformed rejection method for generating
 * Poisson random variables"; mean >= 10. */
static uint32_t poisson_ptrs(Rng *r, double mean, double smu, double logmu)
{
    double b = 0.931 + 2.53 * smu;
    double a = -0.059 + 0.02483 * b;
    double log_inv_alpha = log(1.1239 + 1.1328 / (b - 3.4));
    double vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = rng_double(r) - 0.5;
        double v = rng_double(r);
        double us = 0.5 - fabs(u);
        if (us <= 0.0) continue; /* u = -0.5 exactly: the hat is infinite there */
        double k = floor((2.0 * a / us + b) * u + mean + 0.43);
        if (k < 0.0 || k > 4294967295.0) continue;
        if (us >= 0.07 && v <= vr) return (uint32_t)k;
        if (us < 0.013 && v > us) continue;
        if (log(v) + log_inv_alpha - log(a / (us * us) + b) <= -mean + k * logmu - log_fact(k))
            return (uint32_t)k;
    }
}

uint32_t dist_poisson(Rng *r, double mean)
{
    assert(mean >= 0.0 && mean <= POISSON_MAX_MEAN);
    if (mean <= 0.0) return 0;
    if (mean < POISSON_INVERSION_BELOW) return poisson_inversion(r, mean, exp(-mean));
    return poisson_ptrs(r, mean, sqrt(mean), log(mean));
}

/* Inversion from 0 upwards; p <= 1/2 and n p < 10, so ~n p + 1 steps. */
static uint32_t binomial_inversion(Rng *r, uint32_t n, double p)
{
    double q = 1.0 - p;
    double s = p / q, a = (n + 1.0) * s;
    double f0 = exp(n * log1p(-p));
    /* With n p < 10, P(k > 1000) is below 1e-900: the cap only bounds the
     * walk when rounding leaves the summed pmf just short of u (probability
     * ~1e-16), which would otherwise scan up to n (4e9) terms. */
    uint32_t kmax = n < 1000u ? n : 1000u;
    for (;;) {
        double u = rng_double(r);
        double f = f0;
        uint32_t k = 0;
        while (u >= f && k < kmax) {
            u -= f;
            k++;
            f *= a / k - s;
        }
        if (u < f) return k; /* else redraw */
    }
}

/* BTRS, Hörmann (1993), "The generation of binomial random variates";
 * p <= 1/2 and n p >= 10. */
static uint32_t binomial_btrs(Rng *r, uint32_t n, double p)
{
    double q = 1.0 - p;
    double spq = sqrt(n * p * q);
    double b = 1.15 + 2.53 * spq;
    double a = -0.0873 + 0.0248 * b + 0.01 * p;
    double c = n * p + 0.5;
    double vr = 0.92 - 4.2 / b;
    double alpha = (2.83 + 5.1 / b) * spq;
    double lpq = log(p / q);
    double m = floor((n + 1.0) * p);
    double h = log_fact(m) + log_fact(n - m);
    for (;;) {
        double u = rng_double(r) - 0.5;
        double v = rng_double(r);
        double us = 0.5 - fabs(u);
        if (us <= 0.0) continue;
        double k = floor((2.0 * a / us + b) * u + c);
        if (k < 0.0 || k > n) continue;
        if (us >= 0.07 && v <= vr) return (uint32_t)k;
        v = log(v * alpha / (a / (us * us) + b));
        if (v <= h - log_fact(k) - log_fact(n - k) + (k - m) * lpq) return (uint32_t)k;
    }
}

uint32_t dist_binomial(Rng *r, uint32_t n, double p)
{
    assert(p >= 0.0 && p <= 1.0);
    if (n == 0 || p <= 0.0) return 0;
    if (p >= 1.0) return n;
    if (p > 0.5) return n - dist_binomial(r, n, 1.0 - p);
    if (n * p < BINOMIAL_INVERSION_BELOW) return binomial_inversion(r, n, p);
    return binomial_btrs(r, n, p);
}

/* ---- Dist --------------------------------------------------------------- */

/* A DISCRETE Dist prepared before: cum[] is already the cumulative table.
 * Check it is still one (values may have been rescaled since), change
 * nothing. */
static const char *discrete_recheck(const Dist *d)
{
    if (d->n < 1 || d->n > DIST_MAX_DISCRETE) return "discrete needs 1 to 16 outcomes";
    double prev = 0.0;
    for (int i = 0; i < d->n; i++) {
        if (!isfinite(d->values[i])) return "values must be finite numbers";
        if (!(d->cum[i] >= prev && d->cum[i] <= 1.0))
            return "discrete table is not cumulative; to give new raw weights, set d[0] = 0 first";
        prev = d->cum[i];
    }
    if (d->cum[d->n - 1] != 1.0)
        return "discrete table is not cumulative; to give new raw weights, set d[0] = 0 first";
    return NULL;
}

const char *dist_prepare(Dist *d)
{
    if ((int)d->kind < 0 || d->kind >= DIST__COUNT) return "unknown distribution kind";
    for (int i = 0; i < KIND_NPARAM[d->kind]; i++)
        if (!isfinite(d->p[i])) return "parameters must be finite numbers";
    if (d->kind == DIST_DISCRETE && d->d[0] == 1.0) return discrete_recheck(d);
    d->d[0] = d->d[1] = 0.0;
    const double *p = d->p;
    switch (d->kind) {
    case DIST_CONST:
        return NULL;
    case DIST_UNIFORM:
        if (!(p[0] <= p[1])) return "lo must be <= hi";
        if (!isfinite(p[1] - p[0])) return "hi - lo must be finite";
        return NULL;
    case DIST_EXPONENTIAL:
        if (!(p[0] >= 0.0)) return "mean must be >= 0";
        if (p[0] > DBL_MAX / 64.0) return "mean is too large";
        return NULL;
    case DIST_NORMAL:
        if (!(p[1] >= 0.0)) return "sd must be >= 0";
        return NULL;
    case DIST_LOGNORMAL: {
        if (!(p[0] > 0.0)) return "mean must be > 0";
        if (!(p[1] >= 0.0)) return "sd must be >= 0";
        double cv = p[1] / p[0];
        double s2 = log1p(cv * cv);
        if (!isfinite(s2)) return "sd / mean is too large";
        d->d[0] = log(p[0]) - 0.5 * s2;
        d->d[1] = sqrt(s2);
        return NULL;
    }
    case DIST_TRIANGULAR:
        if (!(p[0] <= p[2])) return "lo must be <= hi";
        if (!(p[0] <= p[1] && p[1] <= p[2])) return "mode must be in [lo, hi]";
        if (!isfinite(p[2] - p[0])) return "hi - lo must be finite";
        d->d[0] = p[2] > p[0] ? (p[1] - p[0]) / (p[2] - p[0]) : 0.0;
        return NULL;
    case DIST_POISSON:
        if (!(p[0] >= 0.0)) return "mean must be >= 0";
        if (p[0] > POISSON_MAX_MEAN) return "mean must be <= 1e9";
        if (p[0] < POISSON_INVERSION_BELOW) {
            d->d[0] = exp(-p[0]);
        } else {
            d->d[0] = sqrt(p[0]);
            d->d[1] = log(p[0]);
        }
        return NULL;
    case DIST_BERNOULLI:
        if (!(p[0] >= 0.0 && p[0] <= 1.0)) return "p must be in [0,1]";
        return NULL;
    case DIST_BINOMIAL:
        if (!(p[0] >= 0.0 && p[0] <= 4294967295.0 && p[0] == floor(p[0])))
            return "n must be a whole number in [0, 4294967295]";
        if (!(p[1] >= 0.0 && p[1] <= 1.0)) return "p must be in [0,1]";
        return NULL;
    case DIST_BETA:
        if (!(p[0] > 0.0)) return "alpha must be > 0";
        if (!(p[1] > 0.0)) return "beta must be > 0";
        d->d[0] = mt_c(mt_d(p[0]));
        d->d[1] = mt_c(mt_d(p[1]));
        return NULL;
    case DIST_GAMMA:
        if (!(p[0] > 0.0)) return "shape must be > 0";
        if (!(p[1] > 0.0)) return "scale must be > 0";
        d->d[0] = mt_d(p[0]);
        d->d[1] = mt_c(d->d[0]);
        return NULL;
    case DIST_DISCRETE: {
        if (d->n < 1 || d->n > DIST_MAX_DISCRETE) return "discrete needs 1 to 16 outcomes";
        double total = 0.0;
        int last = -1;
        for (int i = 0; i < d->n; i++) {
            if (!isfinite(d->values[i])) return "values must be finite numbers";
            if (!(d->cum[i] >= 0.0) || !isfinite(d->cum[i]))
                return "weights must be >= 0 and not all 0";
            total += d->cum[i];
            if (d->cum[i] > 0.0) last = i;
        }
        if (!(total > 0.0) || !isfinite(total)) return "weights must be >= 0 and not all 0";
        double run = 0.0;
        for (int i = 0; i < d->n; i++) {
            run += d->cum[i];
            /* From the last positive weight on, exactly 1: rounding must not
             * leave a gap below 1 that a trailing zero-weight outcome fills. */
            d->cum[i] = i >= last ? 1.0 : run / total;
        }
        d->d[0] = 1.0;
        return NULL;
    }
    case DIST__COUNT:
        break;
    }
    return "unknown distribution kind";
}

double dist_draw(const Dist *d, Rng *r)
{
    const double *p = d->p;
    switch (d->kind) {
    case DIST_CONST:
        return p[0];
    case DIST_UNIFORM: {
        if (!(p[0] < p[1])) return p[0];
        double x;
        /* lo + (hi-lo) u can round up to hi; redraw to keep [lo, hi). */
        do x = p[0] + (p[1] - p[0]) * rng_double(r);
        while (x >= p[1]);
        return x;
    }
    case DIST_EXPONENTIAL:
        return dist_exponential(r, p[0]);
    case DIST_NORMAL:
        return p[0] + p[1] * dist_normal(r);
    case DIST_LOGNORMAL:
        return exp(d->d[0] + d->d[1] * dist_normal(r));
    case DIST_TRIANGULAR: {
        double u = rng_double(r), w = p[2] - p[0], x;
        if (u < d->d[0]) x = p[0] + sqrt(u * w * (p[1] - p[0]));
        else x = p[2] - sqrt((1.0 - u) * w * (p[2] - p[1]));
        return x < p[0] ? p[0] : x > p[2] ? p[2] : x;
    }
    case DIST_POISSON:
        if (p[0] <= 0.0) return 0.0;
        if (p[0] < POISSON_INVERSION_BELOW) return poisson_inversion(r, p[0], d->d[0]);
        return poisson_ptrs(r, p[0], d->d[0], d->d[1]);
    case DIST_BERNOULLI:
        return rng_double(r) < p[0] ? 1.0 : 0.0;
    case DIST_BINOMIAL:
        return dist_binomial(r, (uint32_t)p[0], p[1]);
    case DIST_BETA:
        return beta_draw(r, p[0], p[1], d->d[0], d->d[1]);
    case DIST_GAMMA:
        return p[1] * gamma_draw(r, p[0], d->d[0], d->d[1]);
    case DIST_DISCRETE: {
        double u = rng_double(r);
        int i = 0;
        while (i < d->n - 1 && u >= d->cum[i]) i++;
        return d->values[i];
    }
    case DIST__COUNT:
        break;
    }
    assert(!"dist_draw: unprepared or corrupt Dist");
    return 0.0;
}

double dist_mean(const Dist *d)
{
    const double *p = d->p;
    switch (d->kind) {
    case DIST_CONST: return p[0];
    case DIST_UNIFORM: return 0.5 * (p[0] + p[1]);
    case DIST_EXPONENTIAL: return p[0];
    case DIST_NORMAL: return p[0];
    case DIST_LOGNORMAL: return p[0];
    case DIST_TRIANGULAR: return (p[0] + p[1] + p[2]) / 3.0;
    case DIST_POISSON: return p[0];
    case DIST_BERNOULLI: return p[0];
    case DIST_BINOMIAL: return p[0] * p[1];
    case DIST_BETA: return p[0] / (p[0] + p[1]);
    case DIST_GAMMA: return p[0] * p[1];
    case DIST_DISCRETE: {
        double m = 0.0, prev = 0.0;
        for (int i = 0; i < d->n; i++) {
            m += (d->cum[i] - prev) * d->values[i];
            prev = d->cum[i];
        }
        return m;
    }
    case DIST__COUNT: break;
    }
    return NAN;
}

double dist_variance(const Dist *d)
{
    const double *p = d->p;
    switch (d->kind) {
    case DIST_CONST: return 0.0;
    case DIST_UNIFORM: return (p[1] - p[0]) * (p[1] - p[0]) / 12.0;
    case DIST_EXPONENTIAL: return p[0] * p[0];
    case DIST_NORMAL: return p[1] * p[1];
    case DIST_LOGNORMAL: return p[1] * p[1];
    case DIST_TRIANGULAR: {
        double a = p[0], c = p[1], b = p[2];
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
    }
    case DIST_POISSON: return p[0];
    case DIST_BERNOULLI: return p[0] * (1.0 - p[0]);
    case DIST_BINOMIAL: return p[0] * p[1] * (1.0 - p[1]);
    case DIST_BETA: {
        double s = p[0] + p[1];
        return p[0] * p[1] / (s * s * (s + 1.0));
    }
    case DIST_GAMMA: return p[0] * p[1] * p[1];
    case DIST_DISCRETE: {
        double m = dist_mean(d), v = 0.0, prev = 0.0;
        for (int i = 0; i < d->n; i++) {
            double dev = d->values[i] - m;
            v += (d->cum[i] - prev) * dev * dev;
            prev = d->cum[i];
        }
        return v;
    }
    case DIST__COUNT: break;
    }
    return NAN;
}

/* Set the mean, keeping the shape (docs/scenario.md, "--set and effects"). */
void dist_set_mean(Dist *d, double mean)
{
    double old = dist_mean(d);
    double f = old != 0 ? mean / old : 0;
    switch (d->kind) {
    case DIST_CONST: d->p[0] = mean; break;
    case DIST_UNIFORM: case DIST_TRIANGULAR: case DIST_DISCRETE:
        /* Scale when the new mean has the old one's sign, so the spread
         * stays in proportion; otherwise (an old mean of 0, or a change of
         * sign, which scaling would mirror or collapse) shift every point
         * by the difference, which keeps the shape exactly. */
        if (f > 0) {
            for (int i = 0; i < 3; i++) d->p[i] *= f;
            for (int i = 0; i < d->n; i++) d->values[i] *= f;
        } else {
            double dx = mean - old;
            int np = d->kind == DIST_UNIFORM ? 2 : d->kind == DIST_TRIANGULAR ? 3 : 0;
            for (int i = 0; i < np; i++) d->p[i] += dx;
            for (int i = 0; i < d->n; i++) d->values[i] += dx;
        }
        break;
    case DIST_EXPONENTIAL: case DIST_POISSON: d->p[0] = mean; break;
    case DIST_NORMAL: case DIST_LOGNORMAL:
        d->p[1] = old != 0 ? d->p[1] * fabs(f) : d->p[1];
        d->p[0] = mean;
        break;
    case DIST_GAMMA: d->p[1] = d->p[0] > 0 ? mean / d->p[0] : d->p[1]; break;
    case DIST_BERNOULLI: d->p[0] = mean; break;
    case DIST_BINOMIAL: d->p[1] = d->p[0] > 0 ? mean / d->p[0] : d->p[1]; break;
    case DIST_BETA: {
        double c = d->p[0] + d->p[1];
        d->p[0] = mean * c;
        d->p[1] = (1 - mean) * c;
        break;
    }
    default: break;
    }
    if (dist_prepare(d) != NULL) *d = dist_const(mean);
}
