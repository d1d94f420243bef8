/* raster.h — fill polygons into a pixel buffer (the land layer).
 *
 * Scanline fill with the even-odd rule, so holes (the Caspian) and the
 * seams left by clipping need no special care. Sampled at pixel centres,
 * with 4 sub-rows per pixel and fractional horizontal coverage, so coasts
 * are anti-aliased. All working memory is allocated once by raster_create;
 * a fill allocates nothing. SDL-free: the caller owns the pixels.
 */
#ifndef SALVO_RASTER_H
#define SALVO_RASTER_H

#include <stdint.h>

typedef struct Raster Raster;

/* Room for up to max_edges polygon edges and rows up to max_width wide. */
Raster *raster_create(int max_edges, int max_width);
void raster_destroy(Raster *r);
/* Fill the union (even-odd) of the rings: ring i is the points
 * [start[i], start[i]+count[i]) of x/y (pixels), closed implicitly.
 * Pixels are 0xAARRGGBB, `pitch` pixels per row; colour is blended over
 * them by coverage. Returns -1 if the rings have more edges or the buffer
 * is wider than the Raster was made for (nothing drawn), else 0. */
int raster_fill(Raster *r, uint32_t *px, int w, int h, int pitch,
                const float *x, const float *y, const int *start, const int *count,
                int nrings, uint32_t color);

#endif
