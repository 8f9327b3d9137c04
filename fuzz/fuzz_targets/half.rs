#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| simd_activations_fuzz::checks::half(data));
