// The header from C++: compiled with -std=c++17 -fsyntax-only by capi/tests/c_program.rs.
#include "simd_activations.h"

#include <cmath>
#include <vector>

sa_status run(const std::vector<float> &x, std::vector<float> &y) {
    sa_kernels k = sa_kernels_sequential(sa_kernels_new());
    sa_softmax_options o = sa_softmax_options_default();
    o.mask_kind = SA_MASK_CAUSAL;
    o.masked_rows = SA_MASKED_ROWS_ZERO;
    sa_status s = sa_softmax_with(k, x.data(), y.data(), x.size(), 4, &o);
    if (s != SA_STATUS_OK) return s;
    return sa_activate(k, SA_ACTIVATION_GELU, NAN, y.data(), y.data(), y.size());
}

const char *describe(sa_status s) { return sa_status_message(s); }

bool has_avx512() { return sa_backend_supported(SA_BACKEND_AVX512); }
