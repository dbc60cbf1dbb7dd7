#pragma once
// Image preprocessing for the faces data set (SPEC §3): an area-averaging resize
// and the original tool's per-image sparsification.
//
// Images are greyscale, row-major (pixel (x, y) at index y * width + x), float32,
// normally in [0, 1].

#include <span>

#include "dbm/data/pgm.hpp"

namespace dbm::data {

// Area-averaging ("box filter", anti-aliased) resize of a source_width x
// source_height image to target_width x target_height, for any pair of sizes
// (downscale, upscale, non-integer ratios, different ratios per axis).
//
// Each target pixel is the mean of the source over the rectangle it covers when
// both images are stretched over the same unit square: along x, target column j
// covers source columns [j*sw/tw, (j+1)*sw/tw), and source column k contributes
//   w_x(j, k) = |[j*sw, (j+1)*sw) ∩ [k*tw, (k+1)*tw)| / sw,
// the exact overlap (computed in integers, so Σ_k w_x(j, k) = 1 exactly); y is the
// same with heights. The filter is separable:
//   target(x=j, y=i) = Σ_l Σ_k w_y(i, l) w_x(j, k) source(k, l).
// Consequences: a constant image stays constant; an integer-factor downscale is
// the plain block average; the image mean is preserved (up to rounding, since
// Σ_j w_x(j, k) = tw/sw for every k); values stay within [min, max] of the source.
// Upscaling repeats each source pixel over the target pixels it covers, blending
// at the boundaries. Sums are taken in double; results are rounded to float.
//
// Preconditions: all sizes >= 1, source.size() == sw*sh, target.size() == tw*th;
// otherwise throws std::invalid_argument. `source` and `target` must not overlap.
void resize_area(std::span<const float> source, int source_width, int source_height,
                 std::span<float> target, int target_width, int target_height);

// Convenience form returning a new image (warnings are copied from `image`).
GreyImage resize_area(const GreyImage& image, int target_width, int target_height);

// Sparsifies one image in place, as the original tool did for faces: with the
// image's mean m and population standard deviation s (divide by n, not n-1),
// every pixel strictly below t = m + 0.5*s becomes 0; the others keep their value.
// A constant image is left unchanged (s = 0, nothing is below m). Statistics are
// computed in double. Returns the threshold t (0 for an empty span).
float sparsify(std::span<float> pixels);

}  // namespace dbm::data
