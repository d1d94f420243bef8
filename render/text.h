/* text.h — text for the view: DejaVu through SDL2_ttf, with a cache of
 * rendered strings so that a steady frame makes no new textures.
 *
 * Each distinct (string, font) is rendered once, in white, to a texture;
 * colour is applied at draw time with SDL_SetTextureColorMod, so one
 * texture serves every colour and the halo. The cache is a fixed open-
 * addressed table; when it fills up it is emptied (the frame after a big
 * change re-renders what it needs). Owned by the Text: one destroy.
 */
#ifndef SALVO_TEXT_H
#define SALVO_TEXT_H

#include <SDL.h>
#include <stdint.h>
#include "diag.h"

enum { FONT_SMALL, FONT_NORMAL, FONT_BOLD, FONT_LARGE, FONT_TITLE, FONT__COUNT };
enum { ALIGN_LEFT = 0, ALIGN_CENTER = 1, ALIGN_RIGHT = 2 };

typedef struct Text Text;

/* Open the fonts at sizes scaled by `ui` (HiDPI factor). NULL with a
 * diagnostic naming the font file if it cannot be opened. */
Text *text_create(SDL_Renderer *ren, float ui, Diag *d);
void text_destroy(Text *t);
/* Width and height in pixels of s in font f. */
void text_size(Text *t, const char *s, int f, float *w, float *h);
/* Draw s with its top at y and x by align; returns the width drawn.
 * halo != 0 draws a 1-pixel outline in that 0xRRGGBB colour first (pass
 * 0x1000000 for none: 0 is black). */
float text_draw(Text *t, const char *s, int f, float x, float y, uint32_t rgb, int align,
                uint32_t halo);
/* Line height of font f. */
float text_line(Text *t, int f);

#define NO_HALO 0x1000000u

#endif
