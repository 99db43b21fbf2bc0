#include "lathe/data/detail/separators.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace lathe::data::detail {

void FindSeparators(std::string_view text, char delimiter, std::vector<uint32_t>& out) {
  out.clear();
  const char* p = text.data();
  const size_t n = text.size();
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i d = _mm_set1_epi8(delimiter), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
  for (; i + 16 <= n; i += 16) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, d), _mm_cmpeq_epi8(b, lf)),
                                      _mm_cmpeq_epi8(b, cr));
    for (unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hits)); mask != 0;
         mask &= mask - 1)
      out.push_back(static_cast<uint32_t>(i + static_cast<size_t>(__builtin_ctz(mask))));
  }
#endif
  for (; i < n; ++i)
    if (p[i] == delimiter || p[i] == '\n' || p[i] == '\r') out.push_back(static_cast<uint32_t>(i));
}

size_t CountByte(std::string_view text, char byte) {
  const char* p = text.data();
  const size_t n = text.size();
  size_t i = 0, count = 0;
#if defined(__SSE2__)
  // Each byte lane counts its matches (a match compares as -1); lanes are summed before they could
  // overflow, every 255 steps.
  const __m128i b = _mm_set1_epi8(byte), zero = _mm_setzero_si128();
  auto sum = [&](__m128i lanes) {
    const __m128i s = _mm_sad_epu8(lanes, zero);  // two 64-bit sums of 8 lanes each
    return static_cast<size_t>(_mm_cvtsi128_si64(s) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(s, s)));
  };
  __m128i lanes = zero;
  int steps = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(x, b));
    if (++steps == 255) {
      count += sum(lanes);
      lanes = zero;
      steps = 0;
    }
  }
  count += sum(lanes);
#endif
  for (; i < n; ++i) count += p[i] == byte;
  return count;
}

}  // namespace lathe::data::detail
