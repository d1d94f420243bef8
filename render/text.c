/* text.c — cached text textures: see text.h. */
#include "text.h"

#include <SDL_ttf.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 2048          /* power of two */
#define MAX_FILL (SLOTS * 3 / 4)

typedef struct Slot {
    uint64_t hash;
    char *s;
    int font;
    SDL_Texture *tex;
    int w, h;
} Slot;

#define OUTLINE 16          /* added to the font index: the halo version */

struct Text {
    SDL_Renderer *ren;
    int outline;                /* halo width in pixels */
    TTF_Font *font[FONT__COUNT];
    float line[FONT__COUNT];
    Slot slot[SLOTS];
    int used;
};

static const char *const FONT_DIRS[] = {
    "/usr/share/fonts/truetype/dejavu/",
    "/usr/share/fonts/dejavu/",
    "/usr/local/share/fonts/dejavu/",
};

static TTF_Font *open_font(const char *file, int px, char *tried, size_t n)
{
    const char *env = getenv("SALVO_FONT_DIR");
    char path[512];
    if (env) {
        snprintf(path, sizeof path, "%s/%s", env, file);
        TTF_Font *f = TTF_OpenFont(path, px);
        if (f) return f;
    }
    for (size_t i = 0; i < sizeof FONT_DIRS / sizeof FONT_DIRS[0]; i++) {
        snprintf(path, sizeof path, "%s%s", FONT_DIRS[i], file);
        TTF_Font *f = TTF_OpenFont(path, px);
        if (f) return f;
    }
    snprintf(tried, n, "%s%s", FONT_DIRS[0], file);
    return NULL;
}

Text *text_create(SDL_Renderer *ren, float ui, Diag *d)
{
    /* TTF_Init counts its callers (SDL2_ttf >= 2.0.18); text_destroy's
     * TTF_Quit undoes exactly this one. */
    if (TTF_Init() != 0) {
        diag_add(d, 0, 0, "", "cannot start SDL2_ttf: %s", TTF_GetError());
        return NULL;
    }
    Text *t = calloc(1, sizeof *t);
    if (!t) {
        TTF_Quit();
        return NULL;
    }
    t->ren = ren;
    static const struct { const char *file; int px; } spec[FONT__COUNT] = {
        [FONT_SMALL] = { "DejaVuSans.ttf", 11 },
        [FONT_NORMAL] = { "DejaVuSans.ttf", 13 },
        [FONT_BOLD] = { "DejaVuSans-Bold.ttf", 13 },
        [FONT_LARGE] = { "DejaVuSans-Bold.ttf", 17 },
        [FONT_TITLE] = { "DejaVuSans-Bold.ttf", 22 },
    };
    for (int i = 0; i < FONT__COUNT; i++) {
        char tried[600];
        int px = (int)(spec[i].px * ui + 0.5f);
        t->font[i] = open_font(spec[i].file, px, tried, sizeof tried);
        if (!t->font[i]) {
            diag_add(d, 0, 0, "", "cannot open the font %s (install fonts-dejavu-core, "
                     "or set SALVO_FONT_DIR to a folder holding %s)", tried, spec[i].file);
            text_destroy(t);
            return NULL;
        }
        t->line[i] = (float)TTF_FontLineSkip(t->font[i]);
    }
    t->outline = ui >= 1.75f ? 2 : 1;
    return t;
}

static void clear(Text *t)
{
    for (int i = 0; i < SLOTS; i++) {
        if (t->slot[i].tex) SDL_DestroyTexture(t->slot[i].tex);
        free(t->slot[i].s);
    }
    memset(t->slot, 0, sizeof t->slot);
    t->used = 0;
}

void text_destroy(Text *t)
{
    if (!t) return;
    clear(t);
    for (int i = 0; i < FONT__COUNT; i++)
        if (t->font[i]) TTF_CloseFont(t->font[i]);
    free(t);
    TTF_Quit();
}

static uint64_t fnv(const char *s, int font)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)font;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The cached texture for (s, f), rendering it on a miss; NULL for "". */
static Slot *lookup(Text *t, const char *s, int f)
{
    if (!s || !*s) return NULL;
    uint64_t h = fnv(s, f);
    size_t i = (size_t)h & (SLOTS - 1);
    for (;;) {
        Slot *sl = &t->slot[i];
        if (!sl->s) break;
        if (sl->hash == h && sl->font == f && strcmp(sl->s, s) == 0) return sl->tex ? sl : NULL;
        i = (i + 1) & (SLOTS - 1);
    }
    if (t->used >= MAX_FILL) {
        clear(t);
        return lookup(t, s, f);
    }
    Slot *sl = &t->slot[i];
    size_t len = strlen(s) + 1;
    sl->s = malloc(len);
    if (!sl->s) return NULL;
    memcpy(sl->s, s, len);
    sl->hash = h;
    sl->font = f;
    t->used++;
    SDL_Color white = { 255, 255, 255, 255 };
    TTF_Font *font = t->font[f & (OUTLINE - 1)];
    if (f & OUTLINE) TTF_SetFontOutline(font, t->outline);
    SDL_Surface *surf = TTF_RenderUTF8_Blended(font, s, white);
    if (f & OUTLINE) TTF_SetFontOutline(font, 0);
    if (!surf) return NULL;     /* remembered as a miss: never retried */
    sl->tex = SDL_CreateTextureFromSurface(t->ren, surf);
    sl->w = surf->w;
    sl->h = surf->h;
    SDL_FreeSurface(surf);
    if (sl->tex) SDL_SetTextureBlendMode(sl->tex, SDL_BLENDMODE_BLEND);
    return sl->tex ? sl : NULL;
}

void text_size(Text *t, const char *s, int f, float *w, float *h)
{
    Slot *sl = lookup(t, s, f);
    if (w) *w = sl ? (float)sl->w : 0;
    if (h) *h = sl ? (float)sl->h : t->line[f];
}

float text_line(Text *t, int f) { return t->line[f]; }

float text_draw(Text *t, const char *s, int f, float x, float y, uint32_t rgb, int align,
                uint32_t halo)
{
    Slot *sl = lookup(t, s, f);
    if (!sl) return 0;
    float w = (float)sl->w;
    if (align == ALIGN_CENTER) x -= w / 2;
    else if (align == ALIGN_RIGHT) x -= w;
    SDL_Rect dst = { (int)(x + 0.5f), (int)(y + 0.5f), sl->w, sl->h };
    if (halo != NO_HALO) {
        /* The outlined rendering, one pass: a halo that keeps text legible
         * over routes and land. */
        Slot *ol = lookup(t, s, f | OUTLINE);
        if (ol) {
            SDL_Rect o = { dst.x - t->outline, dst.y - t->outline, ol->w, ol->h };
            SDL_SetTextureColorMod(ol->tex, (halo >> 16) & 0xff, (halo >> 8) & 0xff, halo & 0xff);
            SDL_SetTextureAlphaMod(ol->tex, 220);
            SDL_RenderCopy(t->ren, ol->tex, NULL, &o);
        }
        /* The lookup may have emptied the cache: fetch the text again. */
        sl = lookup(t, s, f);
        if (!sl) return 0;
    }
    SDL_SetTextureColorMod(sl->tex, (rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
    SDL_RenderCopy(t->ren, sl->tex, NULL, &dst);
    return w;
}
