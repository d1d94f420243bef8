/* view_int.h — what the view's files share inside render/: the window
 * (view.h's ViewWin) and the test-script reader, so the exercise's screens
 * (exview.c) and the map (view.c) run in one window from one script. */
#ifndef SALVO_VIEW_INT_H
#define SALVO_VIEW_INT_H

#include <SDL.h>
#include "view.h"

struct ViewWin {
    SDL_Window *win;
    SDL_Renderer *ren;
};

/* Turn the next item of a --keys script into an SDL event: a key name
 * (space, plus, minus, left, right, up, down, home, end, esc, tab,
 * backtab, return, backspace, pagedown, pageup, f12), one character,
 * click:X:Y, wheel:X:Y or text:CHARS (typed text). Returns the position
 * after it (NULL at the end). A click is the press; push a release too. */
const char *view_script_event(const char *p, SDL_Event *e);

/* Save a surface as PNG; 0, or -1 with a diagnostic. */
int view_save_png(SDL_Surface *src, const char *png, Diag *d);

#endif
